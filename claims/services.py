"""Every write to claims. Invariants:
- status moves only along claims.models.TRANSITIONS, through transition(), which logs a
  ClaimEvent and an audit row;
- only an approval credits hours, in the same transaction, exactly once (row lock on the
  claim plus the ledger's idempotency per source);
- learners touch only their own claims while editable; reviewers only claims of people
  in their scope, never their own;
- a file or row written by a failed call is removed again.
"""

import hashlib
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, RoleAssignment, User
from accounts.queries import people_in_scope
from claims.files import file_batch, max_count, remove_stored
from claims.models import (
    EDITABLE,
    KIND_CLASS,
    TRANSITIONS,
    Attachment,
    Claim,
    ClaimEvent,
    ClaimKind,
    ClaimSettings,
    ClaimStatus,
    SupplementaryWindow,
)
from core.audit import audit_record
from core.errors import DomainError, ErrorCode
from core.minutes import hours_to_minutes
from ledger.queries import policy_for
from ledger.services import ledger_credit, ledger_reverse_source
from notifications.services import notify
from orgs.models import Org, OrgKind

TEXT_LIMITS = {"name": 200, "subject": 100, "organiser": 200, "contact": 50, "contact_phone": 30,
               "location": 200, "purpose": 300, "content": 300}
FIELDS = ["year", "name", "category", "subject", "start", "end", "hours", "organiser", "contact",
          "contact_phone", "location", "cost", "purpose", "content"]


def _not_found():
    return DomainError(ErrorCode.NOT_FOUND, _("Not found."))


# --- rules --------------------------------------------------------------------------------

def categories_for(owner: User, kind: str, year: int):
    """The policy categories a claim of this kind may take (those counting in the kind's
    class; external training also takes any further class such as 公派留学)."""
    rules = policy_for(owner.institute, year)
    if kind == ClaimKind.EXTERNAL_TRAINING:
        return [c for c in rules.categories if c.cap_class not in ("online", "self_study")]
    return [c for c in rules.categories if c.cap_class == KIND_CLASS[ClaimKind(kind)]]


def cap_class_of(claim: Claim) -> str:
    for category in categories_for(claim.owner, claim.kind, claim.year):
        if category.code == claim.category:
            return category.cap_class
    return KIND_CLASS[ClaimKind(claim.kind)]


def open_window(owner: User, year: int, today: date | None = None) -> SupplementaryWindow | None:
    today = today or timezone.localdate()
    units = [u for u in (owner.institute, owner.institute.root if owner.institute else None) if u]
    return (SupplementaryWindow.objects.filter(org__in=units, year=year, closed_at__isnull=True,
                                               opens_on__lte=today, closes_on__gte=today).first())


def _check_year_open(owner: User, year: int) -> None:
    current = timezone.localdate().year
    if year > current:
        raise DomainError(ErrorCode.INVALID, _("Claims are for this year or earlier."), field="year")
    if year < current and open_window(owner, year) is None:
        raise DomainError(ErrorCode.WINDOW_CLOSED,
                          _("The year %(year)d is closed. Claims for it are accepted only during "
                            "a supplementary registration window opened by your organisation.")
                          % {"year": year}, field="year")


def attachments_required(owner: User) -> bool:
    units = [u for u in (owner.institute, owner.institute.root if owner.institute else None) if u]
    return ClaimSettings.objects.filter(org__in=units, attachments_required=True).exists()


def _clean(owner: User, kind: str, data: dict) -> dict:
    if kind not in ClaimKind.values:
        raise DomainError(ErrorCode.INVALID, _("Choose the kind of learning."), field="kind")
    out = {}
    try:
        year = int(data.get("year"))
    except (TypeError, ValueError):
        raise DomainError(ErrorCode.INVALID, _("Choose the year."), field="year") from None
    if not 1990 <= year <= 2999:
        raise DomainError(ErrorCode.INVALID, _("Choose the year."), field="year")
    out["year"] = year
    for name, limit in TEXT_LIMITS.items():
        value = data.get(name)
        value = "" if value is None else str(value).strip()
        if len(value) > limit:
            raise DomainError(ErrorCode.INVALID, _("At most %(n)d characters.") % {"n": limit}, field=name)
        out[name] = value
    if not out["name"]:
        raise DomainError(ErrorCode.INVALID, _("Enter the training name."), field="name")
    start, end = data.get("start"), data.get("end")
    if not isinstance(start, date):
        raise DomainError(ErrorCode.INVALID, _("Enter the start date."), field="start")
    if not isinstance(end, date):
        raise DomainError(ErrorCode.INVALID, _("Enter the end date."), field="end")
    if end < start:
        raise DomainError(ErrorCode.INVALID, _("The end is before the start."), field="end")
    if start.year != year or end.year != year:
        raise DomainError(ErrorCode.INVALID, _("Start and end must lie in the claim's year."), field="start")
    out["start"], out["end"] = start, end
    minutes = hours_to_minutes(data.get("hours"), field="hours")
    if minutes > ((end - start).days + 1) * 24 * 60:
        raise DomainError(ErrorCode.INVALID, _("More hours than the days between start and end hold."),
                          field="hours")
    out["minutes"] = minutes
    category = str(data.get("category") or "").strip()
    allowed = {c.code for c in categories_for(owner, kind, year)}
    if category and category not in allowed:
        raise DomainError(ErrorCode.INVALID, _("Choose one of the categories."), field="category")
    if not category and allowed and kind == ClaimKind.EXTERNAL_TRAINING:
        raise DomainError(ErrorCode.INVALID, _("Choose one of the categories."), field="category")
    out["category"] = category
    cost = data.get("cost")
    if cost in (None, ""):
        out["cost"] = None
    else:
        try:
            cost = Decimal(str(cost))
        except (InvalidOperation, ValueError):
            raise DomainError(ErrorCode.INVALID, _("Enter the cost as a number."), field="cost") from None
        if not cost.is_finite() or cost < 0 or cost > Decimal("99999999") or cost.as_tuple().exponent < -2:
            raise DomainError(ErrorCode.INVALID, _("Enter the cost in 10,000 yuan, at most two decimals."),
                              field="cost")
        out["cost"] = cost
    return out


def _snapshot(claim: Claim) -> dict:
    return {"status": claim.status, "name": claim.name, "minutes": claim.minutes,
            "start": claim.start.isoformat(), "end": claim.end.isoformat(), "kind": claim.kind}


def _org_of(claim: Claim) -> Org:
    return claim.owner.department or claim.owner.institute


def transition(claim: Claim, to: str, *, actor, reason: str = "") -> Claim:
    """Move the (locked) claim to `to` if the table allows it; log the change."""
    if to not in TRANSITIONS[ClaimStatus(claim.status)]:
        raise DomainError(ErrorCode.CONFLICT,
                          _("A claim that is %(status)s cannot become %(to)s.")
                          % {"status": ClaimStatus(claim.status).label, "to": ClaimStatus(to).label})
    before = claim.status
    claim.status = to
    fields = ["status", "updated_at"]
    now = timezone.now()
    if to == ClaimStatus.SUBMITTED:
        claim.submitted_at, claim.reject_reason = now, ""
        fields += ["submitted_at", "reject_reason"]
    elif to in (ClaimStatus.APPROVED, ClaimStatus.REJECTED, ClaimStatus.REVOKED):
        claim.decided_at, claim.decided_by = now, actor
        fields += ["decided_at", "decided_by"]
        if to == ClaimStatus.REJECTED:
            claim.reject_reason = reason
            fields.append("reject_reason")
    claim.save(update_fields=fields)
    ClaimEvent.objects.create(claim=claim, actor=actor, from_status=before, to_status=to,
                              reason=reason[:500])
    audit_record(actor=actor, action=f"claim.{to}", obj=claim, org=_org_of(claim),
                 before={"status": before}, after={"status": to}, note=reason)
    return claim


def _lock(claim_id) -> Claim:
    claim = (Claim.objects.select_for_update(of=("self",)).select_related(
        "owner", "owner__institute", "owner__department").filter(pk=claim_id).first())
    if claim is None:
        raise _not_found()
    return claim


def _own(actor: User, claim_id) -> Claim:
    claim = _lock(claim_id)
    if claim.owner_id != actor.pk:
        raise _not_found()
    return claim


def _add_files(batch, claim: Claim, files, actor) -> None:
    files = [f for f in files or [] if f is not None]
    if claim.attachments.count() + len(files) > max_count():
        raise DomainError(ErrorCode.INVALID, _("At most %(n)d attachments per claim.") % {"n": max_count()},
                          field="attachments")
    for kind, upload in files if files and isinstance(files[0], tuple) else [("certificate", f) for f in files]:
        meta = batch.store(upload)
        Attachment.objects.create(claim=claim, kind=kind, uploaded_by=actor, **meta)


def _reviewers_of(owner: User) -> list[User]:
    roles = RoleAssignment.objects.filter(
        Q(role=Role.INSTITUTE_ADMIN, org=owner.institute_id)
        | Q(role=Role.DEPARTMENT_ADMIN, org__path__in=_ancestor_paths(owner.department))
    ).select_related("user")
    return [r.user for r in roles if r.user_id != owner.pk]


def _ancestor_paths(unit: Org | None) -> list[str]:
    if unit is None:
        return []
    parts = [p for p in unit.path.split("/") if p]
    return ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]


# --- learners -------------------------------------------------------------------------------

def claim_create(*, actor: User, kind: str, data: dict, files=(), submit: bool = False) -> Claim:
    """A learner records learning done elsewhere (a draft, or submitted at once)."""
    fields = _clean(actor, kind, data)
    _check_year_open(actor, fields["year"])
    with file_batch() as batch, transaction.atomic():
        claim = Claim.objects.create(owner=actor, kind=kind, created_by=actor, **fields)
        ClaimEvent.objects.create(claim=claim, actor=actor, to_status=ClaimStatus.DRAFT)
        audit_record(actor=actor, action="claim.created", obj=claim, org=_org_of(claim),
                     after=_snapshot(claim))
        _add_files(batch, claim, files, actor)
        if submit:
            _submit(actor, claim)
    return claim


def claim_update(*, actor: User, claim_id, data: dict, files=(), remove_attachments=()) -> Claim:
    """Change one's own draft or rejected claim."""
    removed = []
    with file_batch() as batch, transaction.atomic():
        claim = _own(actor, claim_id)
        if claim.status not in EDITABLE:
            raise DomainError(ErrorCode.CONFLICT, _("Only drafts and rejected claims can be changed."))
        fields = _clean(actor, claim.kind, data)
        _check_year_open(actor, fields["year"])
        before = _snapshot(claim)
        for name, value in fields.items():
            setattr(claim, name, value)
        claim.save()
        for attachment in claim.attachments.filter(pk__in=[int(i) for i in remove_attachments or []]):
            removed.append(attachment.stored_name)
            attachment.delete()
        _add_files(batch, claim, files, actor)
        audit_record(actor=actor, action="claim.updated", obj=claim, org=_org_of(claim),
                     before=before, after=_snapshot(claim))
    remove_stored(removed)
    return claim


def claims_delete(*, actor: User, claim_ids) -> int:
    """Delete one's own drafts and rejected claims (batch: all or none)."""
    names = []
    with transaction.atomic():
        claims = [_own(actor, pk) for pk in claim_ids]
        for claim in claims:
            if claim.status not in EDITABLE:
                raise DomainError(ErrorCode.CONFLICT,
                                  _("“%(name)s” is %(status)s and cannot be deleted.")
                                  % {"name": claim.name, "status": ClaimStatus(claim.status).label})
        for claim in claims:
            names += list(claim.attachments.values_list("stored_name", flat=True))
            audit_record(actor=actor, action="claim.deleted", obj=claim, org=_org_of(claim),
                         before=_snapshot(claim))
            claim.delete()
    remove_stored(names)
    return len(claims)


def _submit(actor, claim):
    if attachments_required(claim.owner) and not claim.attachments.exists():
        raise DomainError(ErrorCode.INVALID, _("Upload the training notice and the certificate first."),
                          field="attachments")
    transition(claim, ClaimStatus.SUBMITTED, actor=actor)
    notify(recipients=_reviewers_of(claim.owner), kind="claim.submitted",
           title=_("New external learning to review: %(name)s") % {"name": claim.name},
           body=_("%(person)s submitted “%(name)s”.") % {"person": claim.owner.real_name, "name": claim.name},
           url=reverse("claims:review_detail", args=[claim.pk]))


def claim_submit(*, actor: User, claim_id) -> Claim:
    with transaction.atomic():
        claim = _own(actor, claim_id)
        _check_year_open(actor, claim.year)
        _submit(actor, claim)
    return claim


# --- reviewers ------------------------------------------------------------------------------

def _check_reviewer(role, actor: User, claim: Claim) -> None:
    if role is None or not people_in_scope(role).filter(pk=claim.owner_id).exists():
        raise _not_found()
    if role.role == Role.CLASS_ADMIN:
        raise DomainError(ErrorCode.FORBIDDEN, _("Your role cannot review claims."))
    if claim.owner_id == actor.pk:
        raise DomainError(ErrorCode.FORBIDDEN, _("Nobody reviews their own claim."))


def _approve(actor, role, claim: Claim) -> Claim:
    _check_reviewer(role, actor, claim)
    transition(claim, ClaimStatus.APPROVED, actor=actor)
    ledger_credit(person=claim.owner, cap_class=cap_class_of(claim), minutes=claim.minutes,
                  start=claim.start, end=claim.end, category=claim.category, source_kind="claim",
                  source_id=claim.pk, source_label=claim.name, actor=actor,
                  details={"place": claim.location, "organiser": claim.organiser,
                           "start": claim.start.isoformat(), "end": claim.end.isoformat()})
    notify(recipients=[claim.owner], kind="claim.approved",
           title=_("Your external learning “%(name)s” was approved") % {"name": claim.name},
           url=reverse("claims:mine", args=[claim.kind]))
    return claim


def claim_approve(*, actor: User, role, claim_id) -> Claim:
    """Approve one submitted claim and credit its hours (exactly once)."""
    with transaction.atomic():
        return _approve(actor, role, _lock(claim_id))


def claim_reject(*, actor: User, role, claim_id, reason: str) -> Claim:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(ErrorCode.INVALID, _("Give the reason for the rejection."), field="reason")
    if len(reason) > 500:
        raise DomainError(ErrorCode.INVALID, _("At most %(n)d characters.") % {"n": 500}, field="reason")
    with transaction.atomic():
        claim = _lock(claim_id)
        _check_reviewer(role, actor, claim)
        transition(claim, ClaimStatus.REJECTED, actor=actor, reason=reason)
        notify(recipients=[claim.owner], kind="claim.rejected",
               title=_("Your external learning “%(name)s” was rejected") % {"name": claim.name},
               body=reason, url=reverse("claims:mine", args=[claim.kind]))
    return claim


def claims_decide(*, actor: User, role, claim_ids, approve: bool, reason: str = "") -> int:
    """Approve or reject many at once: all of them or none."""
    ids = sorted({int(i) for i in claim_ids})
    if not ids:
        raise DomainError(ErrorCode.INVALID, _("Choose at least one claim."), field="claims")
    with transaction.atomic():
        for pk in ids:
            if approve:
                _approve(actor, role, _lock(pk))
            else:
                claim_reject(actor=actor, role=role, claim_id=pk, reason=reason)
    return len(ids)


def claim_revoke_approval(*, actor: User, role, claim_id, reason: str) -> Claim:
    """Undo a mistaken approval: its hours are reversed in the ledger; the claim is final."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(ErrorCode.INVALID, _("Give a reason."), field="reason")
    with transaction.atomic():
        claim = _lock(claim_id)
        _check_reviewer(role, actor, claim)
        transition(claim, ClaimStatus.REVOKED, actor=actor, reason=reason)
        ledger_reverse_source(person=claim.owner, source_kind="claim", source_id=claim.pk,
                              actor=actor, reason=reason)
        notify(recipients=[claim.owner], kind="claim.revoked",
               title=_("The approval of “%(name)s” was revoked") % {"name": claim.name}, body=reason)
    return claim


def claim_create_on_behalf(*, actor: User, role, owner: User, kind: str, data: dict, files=(),
                           import_key: str | None = None) -> Claim:
    """审核创建: an admin records a claim for a person in scope; approved at once and
    attributed to the admin."""
    if role is None or not people_in_scope(role).filter(pk=owner.pk).exists():
        raise _not_found()
    if role.role == Role.CLASS_ADMIN:
        raise DomainError(ErrorCode.FORBIDDEN, _("Your role cannot review claims."))
    if owner.pk == actor.pk:
        raise DomainError(ErrorCode.FORBIDDEN, _("Nobody reviews their own claim."))
    fields = _clean(owner, kind, data)
    with file_batch() as batch, transaction.atomic():
        claim = Claim.objects.create(owner=owner, kind=kind, created_by=actor, import_key=import_key,
                                     **fields)
        ClaimEvent.objects.create(claim=claim, actor=actor, to_status=ClaimStatus.DRAFT,
                                  reason=_("created by an administrator"))
        audit_record(actor=actor, action="claim.created_on_behalf", obj=claim, org=_org_of(claim),
                     after=_snapshot(claim))
        _add_files(batch, claim, files, actor)
        transition(claim, ClaimStatus.SUBMITTED, actor=actor)
        _approve(actor, role, claim)
    return claim


def import_key_for(owner: User, kind: str, fields: dict) -> str:
    raw = f"{owner.pk}|{kind}|{fields['name']}|{fields['start']}|{fields['end']}|{fields['minutes']}"
    return hashlib.sha256(raw.encode()).hexdigest()


# --- supplementary windows and settings -----------------------------------------------------

def _check_window_admin(role, org: Org) -> None:
    if role is None or not org.path.startswith(role.org.path):
        raise _not_found()
    if role.role not in (Role.INSTITUTE_ADMIN, Role.ACADEMY_ADMIN) or org.kind not in (
            OrgKind.INSTITUTE, OrgKind.ACADEMY):
        raise DomainError(ErrorCode.FORBIDDEN, _("Institute and academy admins open windows."))


@transaction.atomic
def window_open(*, actor, role, org: Org, year: int, opens_on: date, closes_on: date) -> SupplementaryWindow:
    """年终补录: accept claims for a closed year between two dates."""
    _check_window_admin(role, org)
    if year >= timezone.localdate().year:
        raise DomainError(ErrorCode.INVALID, _("Windows are for closed years."), field="year")
    if closes_on < opens_on:
        raise DomainError(ErrorCode.INVALID, _("The end is before the start."), field="closes_on")
    window = SupplementaryWindow.objects.create(org=org, year=year, opens_on=opens_on,
                                                closes_on=closes_on, opened_by=actor)
    audit_record(actor=actor, action="claim_window.opened", obj=window, org=org,
                 after={"year": year, "opens_on": opens_on.isoformat(), "closes_on": closes_on.isoformat()})
    return window


@transaction.atomic
def window_close(*, actor, role, window_id) -> SupplementaryWindow:
    window = SupplementaryWindow.objects.select_for_update().filter(pk=window_id).first()
    if window is None:
        raise _not_found()
    _check_window_admin(role, window.org)
    if window.closed_at is None:
        window.closed_at, window.closed_by = timezone.now(), actor
        window.save(update_fields=["closed_at", "closed_by"])
        audit_record(actor=actor, action="claim_window.closed", obj=window, org=window.org)
    return window


@transaction.atomic
def claim_settings_set(*, actor, role, org: Org, attachments_required: bool) -> ClaimSettings:
    _check_window_admin(role, org)
    row, _created = ClaimSettings.objects.update_or_create(
        org=org, defaults={"attachments_required": bool(attachments_required)})
    audit_record(actor=actor, action="claim_settings.updated", obj=org, org=org,
                 after={"attachments_required": bool(attachments_required)})
    return row
