from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.errors import DomainError, ErrorCode
from orgs.models import ALLOWED_PARENTS, LoginRule, Org, OrgKind


@transaction.atomic
def org_create(*, actor, kind: str, name: str, parent: Org | None = None, abbr: str = "",
               sort_order: int = 0) -> Org:
    """Create a unit under `parent`. Invariant: kind fits under the parent's kind,
    institutes carry a unique lower-case abbreviation, path/root/institute are set."""
    kind = OrgKind(kind)
    parent_kind = OrgKind(parent.kind) if parent else None
    if parent_kind not in ALLOWED_PARENTS[kind]:
        raise DomainError(ErrorCode.INVALID, _("This kind of unit cannot be placed there."),
                          field="parent")
    name = (name or "").strip()
    if not name:
        raise DomainError(ErrorCode.INVALID, _("Enter a name."), field="name")
    abbr = (abbr or "").strip().lower()
    if kind == OrgKind.INSTITUTE:
        if not abbr or not abbr.replace("_", "").isalnum() or not abbr.isascii():
            raise DomainError(ErrorCode.INVALID,
                              _("An institute needs an abbreviation of letters and digits."),
                              field="abbr")
        if Org.objects.filter(abbr=abbr).exists():
            raise DomainError(ErrorCode.DUPLICATE, _("This abbreviation is already used."),
                              field="abbr")
    org = Org.objects.create(kind=kind, name=name, abbr=abbr, parent=parent,
                             sort_order=sort_order, path="")
    org.path = f"{parent.path if parent else '/'}{org.pk}/"
    org.root = parent.root if parent else org
    if kind == OrgKind.INSTITUTE:
        org.institute = org
    elif kind == OrgKind.DEPARTMENT:
        org.institute = parent.institute
    org.save(update_fields=["path", "root", "institute"])
    audit_record(actor=actor, action="org.create", obj=org, org=org,
                 after={"kind": kind, "name": name, "abbr": abbr,
                        "parent": parent.pk if parent else None})
    return org


@transaction.atomic
def org_rename(*, actor, role, org: Org, name: str) -> Org:
    """Rename a unit inside the role's scope (the role's own unit included)."""
    from orgs.access import check_tree_admin

    check_tree_admin(role, org)
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise DomainError(ErrorCode.INVALID, _("Enter a name of at most 100 characters."),
                          field="name")
    before = {"name": org.name}
    org.name = name
    org.save(update_fields=["name"])
    audit_record(actor=actor, action="org.renamed", obj=org, org=org, before=before,
                 after={"name": name})
    return org


@transaction.atomic
def department_create(*, actor, role, parent: Org, name: str) -> Org:
    """Add a department under an institute or department inside the role's scope.
    Invariant: names are unique among siblings."""
    from orgs.access import check_tree_admin

    check_tree_admin(role, parent)
    if parent.kind not in (OrgKind.INSTITUTE, OrgKind.DEPARTMENT):
        raise DomainError(ErrorCode.INVALID, _("Departments belong inside an institute."),
                          field="parent")
    if Org.objects.filter(parent=parent, name=(name or "").strip()).exists():
        raise DomainError(ErrorCode.DUPLICATE, _("A unit of this name already exists here."),
                          field="name")
    return org_create(actor=actor, kind=OrgKind.DEPARTMENT, name=name, parent=parent)


@transaction.atomic
def org_set_password_policy(*, actor, role, org: Org, mode: str, default_password: str = "") -> Org:
    """How new accounts of this institute get their initial password: one default for
    everybody (the seeds use 123456 or Abcd1234) or a random one per person."""
    from orgs.access import check_tree_admin

    check_tree_admin(role, org)
    if org.kind not in (OrgKind.INSTITUTE, OrgKind.ACADEMY):
        raise DomainError(ErrorCode.INVALID, _("Only institutes and the academy set this."))
    if mode not in ("default", "random"):
        raise DomainError(ErrorCode.INVALID, _("Choose default or random."), field="mode")
    default_password = (default_password or "").strip()
    if mode == "default" and not (6 <= len(default_password) <= 64):
        raise DomainError(ErrorCode.INVALID,
                          _("The default initial password needs 6 to 64 characters."),
                          field="default_password")
    before = {"mode": org.initial_password_mode}
    org.initial_password_mode = mode
    if mode == "default":
        org.default_initial_password = default_password
    org.save(update_fields=["initial_password_mode", "default_initial_password"])
    # The password itself stays out of the audit trail.
    audit_record(actor=actor, action="org.password_policy", obj=org, org=org, before=before,
                 after={"mode": mode})
    return org


@transaction.atomic
def org_set_login_rule(*, actor, role, org: Org, rule: str) -> Org:
    """How new people of this institute get their login name (seeds 002, 003): the
    institute's admin (or one above) chooses; existing login names do not change."""
    from orgs.access import check_tree_admin

    check_tree_admin(role, org)
    if org.kind != OrgKind.INSTITUTE:
        raise DomainError(ErrorCode.INVALID, _("Only institutes set this."))
    if rule not in LoginRule.values:
        raise DomainError(ErrorCode.INVALID, _("Choose email, abbreviation-pinyin or mobile number."),
                          field="rule")
    if org.login_rule == rule:
        return org
    before = {"login_rule": org.login_rule}
    org.login_rule = rule
    org.save(update_fields=["login_rule"])
    audit_record(actor=actor, action="org.login_rule", obj=org, org=org, before=before,
                 after={"login_rule": rule})
    return org
