"""Who sees which claim and who reviews whom: every view, API endpoint and service fetches
claims, attachments, windows and settings' organisations through this module.

Outside the actor's scope an object does not exist (404, the same answer as a missing
one); inside it, a role too weak for the action is 403. Reviewers see the claims of the
people in their role's scope once they have been submitted: a draft (never submitted or
withdrawn) is the learner's own business and is 404 to them.
"""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from accounts.models import Role, RoleAssignment, User
from accounts.queries import people_scope_q, person_in_scope
from claims.models import Attachment, Claim, ClaimStatus, SupplementaryWindow
from core.access import not_found, out_of_scope, parse_pk
from core.errors import DomainError, ErrorCode
from core.permissions import has_permission, roles_for
from orgs.models import Org, OrgKind
from orgs.queries import units_in_scope

# Which roles review claims, open windows and set what claims require is the permission
# table's answer (core.permissions: claims.review, claims.windows, claims.settings); the
# class admin (培训班管理员) runs training classes and reviews nothing. Kept as names
# for callers that list the roles.
REVIEWER_ROLES = tuple(roles_for("claims.review"))
ORG_ADMIN_ROLES = tuple(roles_for("claims.windows"))


_pk = parse_pk


def _fetch(claims: QuerySet[Claim], pk, lock: bool) -> Claim:
    claims = claims.select_related("owner", "owner__institute", "owner__department")
    if lock:
        claims = claims.select_for_update(of=("self",))
    claim = claims.filter(pk=_pk(pk)).first()
    if claim is None:
        raise not_found()
    return claim


# --- who sees whom --------------------------------------------------------------------------

def own_claims(user: User) -> QuerySet[Claim]:
    return Claim.objects.filter(owner=user)


def _recorded(actor, kind: str, pk, org=None):
    """The 404 path of the helpers below: record the request (core.access.out_of_scope,
    ABUSE-CASES 7), then answer 404 as a DomainError like the rest of this module."""
    out_of_scope(actor, kind, pk, org=org)
    return not_found()


def get_own_claim(user: User, pk, *, lock: bool = False) -> Claim:
    """One of the user's own claims (any status), or 404."""
    try:
        return _fetch(own_claims(user), pk, lock)
    except DomainError:
        raise _recorded(user, "claim", pk) from None


def reviewable_claims(role: RoleAssignment | None) -> QuerySet[Claim]:
    """The claims a role may read as a reviewer: people in its scope, submitted at least
    once and not taken back (no drafts). None for a role that reviews nothing."""
    if not has_permission(role, "claims.review"):
        return Claim.objects.none()
    return Claim.objects.filter(people_scope_q(role, prefix="owner__")).exclude(status=ClaimStatus.DRAFT)


def get_claim_for(role: RoleAssignment | None, pk, *, lock: bool = False) -> Claim:
    """A claim for a reviewer (see reviewable_claims), or 404."""
    try:
        return _fetch(reviewable_claims(role), pk, lock)
    except DomainError:
        raise _recorded(role.user if role else None, "claim", pk,
                        role.org if role else None) from None


def lock_claim_to_decide(role: RoleAssignment | None, actor: User, pk) -> Claim:
    """The claim a reviewer is about to decide on (approve, reject, revoke), locked: any
    status of a person in scope, so that a claim withdrawn under a stale page answers 409
    from the workflow table rather than vanishing. Nothing of a draft is shown by this;
    reading one stays 404 (get_claim_for). Checks who reviews whom (check_reviewer)."""
    if role is None:
        raise not_found()
    claim = _fetch(Claim.objects.filter(people_scope_q(role, prefix="owner__")), pk, lock=True)
    _check_reviewer_of_visible(role, actor, claim.owner)
    return claim


def claims_under(unit: Org, field: str = "owner__department") -> Q:
    """Claims whose `field` (an Org) lies within `unit`: the query form of Org.is_within."""
    return Q(**{f"{field}__path__startswith": unit.path})


def get_attachment_for(user: User, role: RoleAssignment | None, pk) -> Attachment:
    """A claim's file for its owner, or for a reviewer who may read the claim; else 404."""
    item = Attachment.objects.select_related("claim").filter(pk=_pk(pk)).first()
    if item is not None and (item.claim.owner_id == user.pk
                             or reviewable_claims(role).filter(pk=item.claim_id).exists()):
        return item
    raise _recorded(user, "attachment", pk, role.org if role else None)


def find_person_for(role: RoleAssignment, ident: str) -> tuple[User | None, list[User]]:
    """The person in the role's scope a login name or employee number names, the way the
    imports resolve people: a login name is unique; an employee number is unique only
    within an institute, so two or more matches are (None, the candidates) and the caller
    asks for the login name. Nobody: (None, [])."""
    ident = (ident or "").strip()
    if not ident or len(ident) > 150:
        return None, []
    people = User.objects.filter(people_scope_q(role)).select_related("institute", "department")
    by_login = people.filter(login_name=ident.lower()).first()
    if by_login is not None:
        return by_login, []
    matches = list(people.filter(employee_no=ident).order_by("institute__path", "real_name", "pk")[:20])
    if len(matches) == 1:
        return matches[0], []
    return None, matches


# --- who reviews whom -----------------------------------------------------------------------

def check_reviewer(role: RoleAssignment | None, actor: User, owner: User) -> None:
    """The role may decide on (or record) `owner`'s claims: 404 outside its scope, 403 for
    a role that reviews nothing or for one's own claim."""
    if role is None or not person_in_scope(role, owner):
        raise not_found()
    _check_reviewer_of_visible(role, actor, owner)


def _check_reviewer_of_visible(role: RoleAssignment, actor: User, owner: User) -> None:
    if not has_permission(role, "claims.review"):
        raise DomainError(ErrorCode.FORBIDDEN, _("Your role cannot review claims."))
    if owner.pk == actor.pk:
        raise DomainError(ErrorCode.FORBIDDEN, _("Nobody reviews their own claim."))


def reviewers_of(owner: User) -> list[User]:
    """Who is told of a new claim by `owner`: the institute's admins and the admins of the
    owner's department and the departments above it (never the owner)."""
    units = Q(role=Role.INSTITUTE_ADMIN, org=owner.institute_id)
    if owner.department_id:
        # The department and every unit above it, by their paths (one query, no tree walk).
        parts = [p for p in owner.department.path.split("/") if p]
        above = ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]
        units |= Q(role=Role.DEPARTMENT_ADMIN, org__path__in=above)
    roles = RoleAssignment.objects.filter(units).select_related("user")
    return [r.user for r in roles if r.user_id != owner.pk]


# --- organisations: windows and settings ------------------------------------------------------

def get_org_for(role: RoleAssignment | None, org_id) -> Org:
    """An organisation within the role's unit, or 404."""
    org = Org.objects.filter(pk=_pk(org_id)).first()
    if role is None or org is None or not org.is_within(role.org):
        raise not_found()
    return org


def check_org_admin(role: RoleAssignment | None, org: Org, refusal: str) -> None:
    """Institute and academy admins, for their own institute or academy (or one below)."""
    if role is None or not org.is_within(role.org):
        raise not_found()
    if not has_permission(role, "claims.windows") or org.kind not in (OrgKind.INSTITUTE,
                                                                       OrgKind.ACADEMY):
        raise DomainError(ErrorCode.FORBIDDEN, refusal)


def windows_for(role: RoleAssignment) -> QuerySet[SupplementaryWindow]:
    """The supplementary windows of the organisations in the role's scope."""
    return SupplementaryWindow.objects.filter(org__in=units_in_scope(role)).select_related("org")


def get_window_for(role: RoleAssignment | None, pk, *, lock: bool = False) -> SupplementaryWindow:
    windows = SupplementaryWindow.objects.select_related("org")
    if lock:
        windows = windows.select_for_update(of=("self",))
    window = windows.filter(pk=_pk(pk)).first()
    if role is None or window is None or not window.org.is_within(role.org):
        raise not_found()
    return window
