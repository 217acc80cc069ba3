from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from claims.access import claims_under, reviewable_claims
from claims.models import (
    Attachment,
    Claim,
    ClaimKind,
    ClaimSettings,
    ClaimStatus,
    SupplementaryWindow,
)
from ledger.models import LedgerYearTotal
from ledger.queries import capped, policy_for


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


# --- possible duplicates ---------------------------------------------------------------------
# A claim may repeat another: a file of it is attached to another claim (the same SHA-256,
# indexed), or the same person has another claim of the same name whose dates overlap
# (index on owner and name). Both are asked in the same SQL statement as the queue's page,
# as EXISTS subqueries, so the queue costs the same number of queries for 5 or 500
# claims. Reviewers see flags only against claims they may read themselves: a flag must
# not tell a reviewer what another institute's people uploaded.

DUPLICATE_REASONS = ("attachment", "same")


def _same_name_overlapping(claims: QuerySet[Claim]) -> QuerySet[Claim]:
    """Of `claims`, those repeating the outer claim: same owner, same name, overlapping
    dates, another row."""
    return (claims.filter(owner_id=OuterRef("owner_id"), name=OuterRef("name"),
                          start__lte=OuterRef("end"), end__gte=OuterRef("start"))
            .exclude(pk=OuterRef("pk")))


def _shared_files(claims: QuerySet[Claim]) -> QuerySet[Attachment]:
    """The outer claim's attachments whose content is attached to another of `claims`."""
    elsewhere = (Attachment.objects.filter(sha256=OuterRef("sha256"), claim__in=claims)
                 .exclude(claim_id=OuterRef("claim_id")))
    return Attachment.objects.filter(claim_id=OuterRef("pk")).filter(Exists(elsewhere))


def with_duplicate_flags(claims: QuerySet[Claim], role) -> QuerySet[Claim]:
    """`claims` annotated with `dup_attachment` and `dup_same` (booleans), computed
    against what the role may read."""
    visible = reviewable_claims(role)
    return claims.annotate(dup_attachment=Exists(_shared_files(visible)),
                           dup_same=Exists(_same_name_overlapping(visible)))


def duplicate_reasons(claim: Claim) -> list[str]:
    """The reasons an annotated claim (with_duplicate_flags) is flagged, in a fixed order."""
    return [r for r in DUPLICATE_REASONS if getattr(claim, f"dup_{r}", False)]


def _grouped(claim: Claim, candidates: QuerySet[Claim]) -> list[tuple[str, list[Claim]]]:
    """[(reason, [other claims])]: one entry per reason, every matching claim in it."""
    hashes = Attachment.objects.filter(claim_id=claim.pk).values("sha256")
    by_file = list(candidates.filter(attachments__sha256__in=hashes).exclude(pk=claim.pk)
                   .distinct().order_by("start", "id")[:20])
    same = list(candidates.filter(owner_id=claim.owner_id, name=claim.name, start__lte=claim.end,
                                  end__gte=claim.start).exclude(pk=claim.pk).order_by("start", "id")[:20])
    return [(reason, found) for reason, found in (("attachment", by_file), ("same", same)) if found]


def review_flags(role, claim: Claim) -> list[tuple[str, list[Claim]]]:
    """Why a claim may be a duplicate, for its reviewer: one entry per reason with the
    other claims (only those the reviewer may read)."""
    return _grouped(claim, reviewable_claims(role))


def own_duplicates(owner, *, name: str, start, end, hashes=(), exclude_pk=None) -> list[tuple[str, list[Claim]]]:
    """For a learner about to submit: their other claims this one may repeat (same
    certificate file, or same name and overlapping dates), grouped by reason. One query."""
    mine = Claim.objects.filter(owner=owner)
    if exclude_pk is not None:
        mine = mine.exclude(pk=exclude_pk)
    same = Q(name=name.strip(), start__lte=end, end__gte=start)
    by_file = Exists(Attachment.objects.filter(claim_id=OuterRef("pk"), sha256__in=list(hashes)))
    if hashes:
        mine = mine.annotate(by_file=by_file).filter(Q(by_file=True) | same)
    else:
        mine = mine.filter(same)
    found = list(mine.order_by("start", "id")[:40])
    groups = (("attachment", [c for c in found if getattr(c, "by_file", False)]),
              ("same", [c for c in found if c.name == name.strip() and c.start <= end and c.end >= start]))
    return [(reason, claims) for reason, claims in groups if claims]


# --- attachment requirements ----------------------------------------------------------------

def claim_settings_of(org) -> dict[str, list[str]]:
    """{kind: [required attachment kinds]} as set for this one organisation."""
    rows = {r.kind: r for r in ClaimSettings.objects.filter(org=org)}
    return {kind: rows[kind].required if kind in rows else [] for kind in ClaimKind.values}


def credited_without_review_of(org) -> dict[str, bool]:
    """{kind: credited without review} as set for this one organisation."""
    rows = {r.kind: r.credited_without_review for r in ClaimSettings.objects.filter(org=org)}
    return {kind: rows.get(kind, False) for kind in ClaimKind.values}


def submission_rules(owner, kind: str) -> tuple[list[str], bool]:
    """What the owner's institute or academy says about submitting a claim of this kind,
    in one query: the attachments it needs (notice first; the union of both), and whether
    it is credited without review (不用审批直接计入, seed 003; either of them)."""
    institute = owner.institute
    if institute is None:
        return [], False
    units = [institute.pk] + ([institute.root_id] if institute.root_id else [])
    needed, without_review = set(), False
    for row in ClaimSettings.objects.filter(org_id__in=units, kind=kind):
        needed.update(row.required)
        without_review = without_review or row.credited_without_review
    return [k for k in ("notice", "certificate") if k in needed], without_review


def credited_without_review(owner, kind: str) -> bool:
    return submission_rules(owner, kind)[1]


def required_attachments(owner, kind: str) -> list[str]:
    """What a claim of this kind by `owner` needs before submission."""
    return submission_rules(owner, kind)[0]


def open_windows_for(user, today=None):
    """The supplementary windows open today for the person's institute (or its top
    organisation), the soonest closing first: what the learner's banner announces."""
    if user.institute_id is None:
        return SupplementaryWindow.objects.none()
    today = today or timezone.localdate()
    units = [user.institute_id, user.institute.root_id or user.institute_id]
    return (SupplementaryWindow.objects.filter(org__in=units, closed_at__isnull=True, opens_on__lte=today,
                                               closes_on__gte=today).order_by("closes_on", "year"))


# --- the review screen's facts --------------------------------------------------------------

@dataclass(frozen=True)
class ClassTotal:
    """One class of the learner's year as the reviewer sees it: what is recorded, what
    counts under the cap, and what this claim would add (0 for other classes)."""

    code: str
    name: str
    cap: int | None
    minutes: int
    effective: int
    adds: int = 0  # the claim's minutes, in its own class while it waits for review
    adds_effective: int = 0  # of them, what still counts under the cap

    @property
    def cut(self) -> int:
        """Minutes of this claim the cap cuts off."""
        return self.adds - self.adds_effective


@dataclass(frozen=True)
class ReviewTotals:
    year: int
    target: int
    classes: list
    effective: int
    effective_after: int

    @property
    def cut(self) -> int:
        return sum(c.cut for c in self.classes)


def review_totals(claim: Claim, rules=None) -> ReviewTotals:
    """The owner's totals per class for the claim's year, with the caps, and what the
    claim would add if approved now (a claim already approved is in the totals). One
    query (the ledger's yearly totals) once the year's rules are at hand."""
    from claims.services import cap_class_of  # the services' rule of a claim's class

    rules = rules or policy_for(claim.owner.institute, claim.year)
    per_class = dict(LedgerYearTotal.objects.filter(person_id=claim.owner_id, year=claim.year)
                     .values_list("cap_class", "minutes"))
    target_class = cap_class_of(claim, rules)
    pending = claim.status == ClaimStatus.SUBMITTED
    rows = []
    codes = list(rules.class_codes) + [c for c in per_class if c not in rules.class_codes]
    if pending and target_class not in codes:
        codes.append(target_class)
    for code in codes:
        cap, minutes = rules.cap(code), per_class.get(code, 0)
        adds = claim.minutes if pending and code == target_class else 0
        effective = capped(minutes, cap)
        rows.append(ClassTotal(code=code, name=rules.class_name(code), cap=cap, minutes=minutes,
                               effective=effective, adds=adds,
                               adds_effective=capped(minutes + adds, cap) - effective))
    effective = sum(r.effective for r in rows)
    return ReviewTotals(year=claim.year, target=rules.target, classes=rows, effective=effective,
                        effective_after=effective + sum(r.adds_effective for r in rows))


def next_in_queue(role, after: Claim) -> Claim | None:
    """通过并下一条: the submitted claim that follows `after` in the review queue's order
    (submitted_at, id), else the first one left; never the reviewer's own."""
    waiting = (reviewable_claims(role).filter(status=ClaimStatus.SUBMITTED)
               .exclude(owner_id=role.user_id).exclude(pk=after.pk).order_by("submitted_at", "id"))
    if after.submitted_at is not None:
        later = waiting.filter(Q(submitted_at__gt=after.submitted_at)
                               | Q(submitted_at=after.submitted_at, id__gt=after.pk)).first()
        if later is not None:
            return later
    return waiting.first()
