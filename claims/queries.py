from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from claims.access import claims_under, reviewable_claims
from claims.models import Attachment, Claim, ClaimKind, ClaimSettings, SupplementaryWindow


def my_claims(user, *, kind: str, year: int | None = None, category: str = "", q: str = "",
              status: str = "") -> QuerySet[Claim]:
    claims = Claim.objects.filter(owner=user, kind=kind).annotate(n_files=Count("attachments"))
    if status:
        claims = claims.filter(status=status)
    if year:
        claims = claims.filter(year=year)
    if category:
        claims = claims.filter(category=category)
    if q:
        claims = claims.filter(name__icontains=q.strip())
    return claims.order_by("-year", "-start", "-id")


def review_queue(role, *, kind: str = "", status: str = "", year: int | None = None,
                 department=None, q: str = "") -> QuerySet[Claim]:
    """Claims a reviewer may read (claims.access.reviewable_claims: people in the role's
    scope, no drafts); filters only narrow it."""
    claims = reviewable_claims(role).select_related("owner", "owner__department", "owner__institute")
    if kind:
        claims = claims.filter(kind=kind)
    if status:
        claims = claims.filter(status=status)
    if year:
        claims = claims.filter(year=year)
    if department is not None:
        claims = claims.filter(claims_under(department))
    if q:
        q = q.strip()
        claims = claims.filter(Q(name__icontains=q) | Q(owner__real_name__icontains=q)
                               | Q(owner__employee_no__iexact=q) | Q(owner__login_name__icontains=q))
    return claims.annotate(n_files=Count("attachments")).order_by("submitted_at", "id")


def duplicate_flags(role, claims) -> dict[int, list[tuple[str, int]]]:
    """For each claim: the other claims the reviewer may read that share an attachment's
    content, or are the same person's with the same name and dates (shown to reviewers;
    not refused). Claims outside the role's scope and drafts are never considered: a flag
    must not tell a reviewer what another institute's people uploaded."""
    claims = list(claims)
    if not claims:
        return {}
    ids = [c.pk for c in claims]
    flags: dict[int, list[tuple[str, int]]] = {pk: [] for pk in ids}
    visible = reviewable_claims(role)
    mine = Attachment.objects.filter(claim_id__in=ids).values_list("claim_id", "sha256")
    hashes: dict[str, set[int]] = {}
    for claim_id, digest in mine:
        hashes.setdefault(digest, set()).add(claim_id)
    if hashes:
        others = Attachment.objects.filter(sha256__in=hashes, claim__in=visible)
        for claim_id, digest in others.values_list("claim_id", "sha256"):
            for own in hashes[digest]:
                if own != claim_id and ("attachment", claim_id) not in flags[own]:
                    flags[own].append(("attachment", claim_id))
    same = Q()
    for c in claims:
        same |= Q(owner_id=c.owner_id, name=c.name, start=c.start, end=c.end)
    for other in visible.filter(same).values("pk", "owner_id", "name", "start", "end"):
        for c in claims:
            if (c.pk != other["pk"] and c.owner_id == other["owner_id"] and c.name == other["name"]
                    and c.start == other["start"] and c.end == other["end"]):
                flags[c.pk].append(("same", other["pk"]))
    return flags


def review_flags(role, claim: Claim) -> list[tuple[str, Claim]]:
    """The claim's duplicate flags for a reviewer, each with the other claim."""
    flags = duplicate_flags(role, [claim])[claim.pk]
    others = {c.pk: c for c in reviewable_claims(role).filter(pk__in=[o for _k, o in flags])}
    return [(kind, others[other]) for kind, other in flags if other in others]


# --- attachment requirements ----------------------------------------------------------------

def claim_settings_of(org) -> dict[str, list[str]]:
    """{kind: [required attachment kinds]} as set for this one organisation."""
    rows = {r.kind: r for r in ClaimSettings.objects.filter(org=org)}
    return {kind: rows[kind].required if kind in rows else [] for kind in ClaimKind.values}


def required_attachments(owner, kind: str) -> list[str]:
    """What a claim of this kind by `owner` needs before submission: what the owner's
    institute or academy requires (notice first)."""
    institute = owner.institute
    if institute is None:
        return []
    units = [institute.pk] + ([institute.root_id] if institute.root_id else [])
    needed = set()
    for row in ClaimSettings.objects.filter(org_id__in=units, kind=kind):
        needed.update(row.required)
    return [k for k in ("notice", "certificate") if k in needed]


def open_windows_for(user, today=None):
    """The supplementary windows open today for the person's institute (or its top
    organisation), the soonest closing first: what the learner's banner announces."""
    if user.institute_id is None:
        return SupplementaryWindow.objects.none()
    today = today or timezone.localdate()
    units = [user.institute_id, user.institute.root_id or user.institute_id]
    return (SupplementaryWindow.objects.filter(org__in=units, closed_at__isnull=True, opens_on__lte=today,
                                               closes_on__gte=today).order_by("closes_on", "year"))
