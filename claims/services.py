"""Every write to claims. Public verbs run in a transaction of their own
(`atomic(durable=True)`; claim_create_on_behalf alone may nest, inside the import's) and
call private helpers (`_submit`, `_approve`, `_reject`) to nest; files are removed and
notifications sent only once that transaction commits. Invariants:
- status moves only along claims.models.CLAIM_WORKFLOW, through core.workflow.transition,
  which logs a ClaimEvent and an audit row;
- a claim is recorded only for a kind whose class of hours the year's policy has, and
  never for a year that has not begun;
- only an approval credits hours, in the same transaction, exactly once (row lock on the
  claim plus the ledger's idempotency per source);
- learners touch only their own claims while not yet decided (a submitted claim is
  withdrawn to a draft first); reviewers only claims of people in their scope, never
  their own;
- a claim is submitted only with the attachments its organisation requires;
- a file or row written by a failed call is removed again.
"""

import hashlib
import json
import re
from contextlib import contextmanager
from datetime import date

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from claims import notices
from claims.access import (
    check_org_admin,
    check_reviewer,
    get_own_claim,
    get_window_for,
    lock_claim_to_decide,
    reviewers_of,
)
from claims.files import file_batch, max_count, remove_stored
from claims.models import (
    EDITABLE,
    KIND_CLASS,
    Attachment,
    AttachmentKind,
    Claim,
    ClaimEvent,
    ClaimKind,
    ClaimSettings,
    ClaimStatus,
    SupplementaryWindow,
)
from claims.queries import claim_settings_of, credited_without_review_of, submission_rules
from core.audit import audit_record
from core.errors import DomainError, ErrorCode
from core.minutes import MAX_MINUTES, hours_to_minutes, parse_decimal, parse_int
from core.workflow import transition
from ledger.models import CategoryKind
from ledger.queries import policy_for
from ledger.services import ledger_credit, ledger_reverse_source
from notifications.services import notify
from orgs.models import Org

TEXT_LIMITS = {"name": 200, "subject": 100, "organiser": 200, "contact": 50, "contact_phone": 30,
               "location": 200, "purpose": 300, "content": 300}
FIELDS = ["year", "name", "category", "subject", "start", "end", "hours", "organiser", "contact",
          "contact_phone", "location", "cost", "purpose", "content"]


def _not_found():
    return DomainError(ErrorCode.NOT_FOUND, _("Not found."))


# --- rules --------------------------------------------------------------------------------

def kind_available(owner: User, kind: str, year: int) -> bool:
    """Whether the year's policy of the owner's academy has the class of hours this kind
    counts in (the CAST rules, for one, have no self-study class)."""
    return _kind_in(policy_for(owner.institute, year), kind)


def _kind_in(rules, kind: str) -> bool:
    return KIND_CLASS[ClaimKind(kind)] in {c.code for c in rules.classes}


def kinds_for(owner: User, year: int) -> list[str]:
    """The kinds a learner may claim for the year, in the order of ClaimKind."""
    rules = policy_for(owner.institute, year)
    codes = {c.code for c in rules.classes}
    return [k for k in ClaimKind.values if KIND_CLASS[ClaimKind(k)] in codes]


def _check_kind(rules, kind: str, year: int) -> None:
    if not _kind_in(rules, kind):
        raise DomainError(ErrorCode.INVALID,
                          _("The %(year)d rules of your organisation have no class of hours for "
                            "%(kind)s, so such learning cannot be recorded for that year.")
                          % {"year": year, "kind": ClaimKind(kind).label}, field="kind")


def categories_for(owner: User, kind: str, year: int):
    """The policy categories a claim of this kind may take (those counting in the kind's
    class; external training also takes any further class such as 公派留学)."""
    return categories_in(policy_for(owner.institute, year), kind)


def _of_kind(rules, kind: str):
    if kind == ClaimKind.EXTERNAL_TRAINING:
        return [c for c in rules.categories if c.cap_class not in ("online", "self_study")]
    return [c for c in rules.categories if c.cap_class == KIND_CLASS[ClaimKind(kind)]]


def categories_in(rules, kind: str):
    """categories_for, from a year's rules already at hand: the 培训分类 (training
    categories) a claim of this kind may take, never the 培训科目 (subjects)."""
    return [c for c in _of_kind(rules, kind) if c.kind != CategoryKind.SUBJECT]


def subjects_in(rules, kind: str):
    """The 培训科目 a claim of this kind must name where the rules have subjects (CAST,
    seed 003): a choice from the policy, and the line of the archive its hours count on."""
    return [c for c in _of_kind(rules, kind) if c.kind == CategoryKind.SUBJECT]


def subjects_for(owner: User, kind: str, year: int):
    return subjects_in(policy_for(owner.institute, year), kind)


def cap_class_of(claim: Claim, rules=None) -> str:
    """The class the claim's hours count in: its subject's (CAST), else its category's,
    else its kind's."""
    rules = rules or policy_for(claim.owner.institute, claim.year)
    for subject in subjects_in(rules, claim.kind):
        if subject.code == claim.subject:
            return subject.cap_class
    for category in categories_in(rules, claim.kind):
        if category.code == claim.category:
            return category.cap_class
    return KIND_CLASS[ClaimKind(claim.kind)]


def ledger_category_of(claim: Claim, rules=None) -> str:
    """What the ledger files the hours under: the subject where the rules have subjects
    (the CAST archive sums hours per subject), else the training category."""
    rules = rules or policy_for(claim.owner.institute, claim.year)
    if any(s.code == claim.subject for s in subjects_in(rules, claim.kind)):
        return claim.subject
    return claim.category


def open_window(owner: User, year: int, today: date | None = None) -> SupplementaryWindow | None:
    today = today or timezone.localdate()
    units = [u for u in (owner.institute, owner.institute.root if owner.institute else None) if u]
    return (SupplementaryWindow.objects.filter(org__in=units, year=year, closed_at__isnull=True,
                                               opens_on__lte=today, closes_on__gte=today).first())


def _check_not_future(year: int) -> None:
    current = timezone.localdate().year
    if year > current:
        raise DomainError(ErrorCode.INVALID,
                          _("The year %(year)d has not begun: claims are for %(current)d or earlier.")
                          % {"year": year, "current": current}, field="year")


def _check_year_open(owner: User, year: int) -> None:
    _check_not_future(year)
    if year < timezone.localdate().year and open_window(owner, year) is None:
        raise DomainError(ErrorCode.WINDOW_CLOSED,
                          _("The year %(year)d is closed. Claims for it are accepted only during "
                            "a supplementary registration window opened by your organisation.")
                          % {"year": year}, field="year")


def _minutes_of(data: dict) -> int:
    """The claimed amount: `minutes` (whole minutes; forms send their 小时 + 分 pair as
    this) or `hours` (a decimal such as "1.5"), exactly one of them."""
    given = [k for k in ("minutes", "hours") if data.get(k) not in (None, "")]
    if len(given) != 1:
        raise DomainError(ErrorCode.INVALID, _("Give the hours either as minutes or as hours, not both.")
                          if given else _("Enter the number of hours."), field="hours")
    if given == ["minutes"]:
        return parse_int(data["minutes"], field="minutes", min=1, max=MAX_MINUTES)
    return hours_to_minutes(data["hours"], field="hours")


def _clean(owner: User, kind: str, data: dict) -> dict:
    if kind not in ClaimKind.values:
        raise DomainError(ErrorCode.INVALID, _("Choose the kind of learning."), field="kind")
    out = {}
    year = parse_int(data.get("year"), field="year", min=1990, max=2999)
    rules = policy_for(owner.institute, year)  # once per claim: the rules of its year
    _check_kind(rules, kind, year)
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
    # A claim may cross a year end (its hours are spread over its months like any credit);
    # its year, for listing and windows, is the start's. Where the rules let the learner
    # choose the year (CAST), the year is theirs and the hours count in it (_credit_period).
    if start.year != year and not getattr(rules, "claim_year_chosen", False):
        raise DomainError(ErrorCode.INVALID, _("The start must lie in the claim's year."), field="start")
    if (end - start).days > 366:
        raise DomainError(ErrorCode.INVALID, _("A claim spans at most a year."), field="end")
    out["start"], out["end"] = start, end
    minutes = _minutes_of(data)
    if minutes > ((end - start).days + 1) * 24 * 60:
        raise DomainError(ErrorCode.INVALID, _("More hours than the days between start and end hold."),
                          field="hours")
    out["minutes"] = minutes
    category = str(data.get("category") or "").strip()
    allowed = {c.code for c in categories_in(rules, kind)}
    if category and category not in allowed:
        raise DomainError(ErrorCode.INVALID, _("Choose one of the categories."), field="category")
    if not category and allowed and kind == ClaimKind.EXTERNAL_TRAINING:
        raise DomainError(ErrorCode.INVALID, _("Choose one of the categories."), field="category")
    out["category"] = category
    subjects = {c.code for c in subjects_in(rules, kind)}
    if subjects:
        # Seed 003: 培训分类 and 培训科目 are both required choices from the policy.
        if not category and allowed:
            raise DomainError(ErrorCode.INVALID, _("Choose one of the categories."), field="category")
        if out["subject"] not in subjects:
            raise DomainError(ErrorCode.INVALID, _("Choose one of the subjects."), field="subject")
    out["cost"] = parse_decimal(data.get("cost"), field="cost", max_whole_digits=8, places=2)
    return out


def _snapshot(claim: Claim) -> dict:
    return {"status": claim.status, "name": claim.name, "minutes": claim.minutes,
            "start": claim.start.isoformat(), "end": claim.end.isoformat(), "kind": claim.kind}


def _org_of(claim: Claim) -> Org:
    return Claim.workflow.org_of(claim)


def _own(actor: User, claim_id) -> Claim:
    return get_own_claim(actor, claim_id, lock=True)


def _add_files(batch, claim: Claim, files, actor) -> None:
    """Store `files`: (attachment kind, upload) pairs, or bare uploads (certificates). A
    file's error names the field it came in (notice or certificate)."""
    files = [f for f in files or [] if f is not None]
    if claim.attachments.count() + len(files) > max_count():
        raise DomainError(ErrorCode.INVALID, _("At most %(n)d attachments per claim.") % {"n": max_count()},
                          field="attachments")
    for kind, upload in files if files and isinstance(files[0], tuple) else [("certificate", f) for f in files]:
        if kind not in AttachmentKind.values:
            raise DomainError(ErrorCode.INVALID, _("Unknown kind of attachment."), field="attachments")
        try:
            meta = batch.store(upload)
        except DomainError as exc:
            if kind in (AttachmentKind.NOTICE, AttachmentKind.CERTIFICATE):
                exc.field = kind
            raise
        Attachment.objects.create(claim=claim, kind=kind, uploaded_by=actor, **meta)


# --- learners -------------------------------------------------------------------------------

REQUEST_KEY = re.compile(r"[A-Za-z0-9_-]{8,64}", re.ASCII)


def _request_digest(owner: User, kind: str, fields: dict, files, submit: bool) -> str:
    """What a creation asked for, so a reused request key can be told from a retry."""
    uploads = [f if isinstance(f, tuple) else ("certificate", f) for f in files or [] if f is not None]
    parts = [owner.pk, kind, bool(submit), sorted((k, str(v)) for k, v in fields.items()),
             [(k, getattr(u, "name", ""), getattr(u, "size", 0)) for k, u in uploads]]
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()


def _replayed(actor: User, request_key: str | None, digest: str) -> Claim | None:
    """The claim an earlier request with this key created (a retry gets it again), or
    None; the key with other data is a 409."""
    if request_key is None:
        return None
    if not REQUEST_KEY.fullmatch(request_key):
        raise DomainError(ErrorCode.INVALID, _("The request key is 8 to 64 letters, digits, '-' or '_'."),
                          field="request_key")
    claim = Claim.objects.filter(created_by=actor, request_key=request_key).first()
    if claim is not None and claim.request_digest != digest:
        raise DomainError(ErrorCode.CONFLICT, _("This request key was used for another request."),
                          field="request_key")
    return claim


def claim_create(*, actor: User, kind: str, data: dict, files=(), submit: bool = False,
                 request_key: str | None = None) -> Claim:
    """A learner records learning done elsewhere (a draft, or submitted at once). With a
    `request_key`, a retry of the same request returns the first claim; the key reused
    with other data is a 409."""
    fields = _clean(actor, kind, data)
    digest = _request_digest(actor, kind, fields, files, submit)
    if (earlier := _replayed(actor, request_key, digest)) is not None:
        return earlier
    _check_year_open(actor, fields["year"])
    try:
        with file_batch() as batch, transaction.atomic(durable=True):
            claim = Claim.objects.create(owner=actor, kind=kind, created_by=actor, request_key=request_key,
                                         request_digest=digest if request_key else "", **fields)
            ClaimEvent.objects.create(claim=claim, actor=actor, to_status=ClaimStatus.DRAFT)
            audit_record(actor=actor, action="claim.created", obj=claim, org=_org_of(claim),
                         after=_snapshot(claim))
            _add_files(batch, claim, files, actor)
            if submit:
                _submit(actor, claim)
    except IntegrityError:
        # The same key in a concurrent request: that request's claim stands.
        if (earlier := _replayed(actor, request_key, digest)) is not None:
            return earlier
        raise
    return claim


def claims_create_drafts(*, actor: User, kind: str, rows: list[dict]) -> list[Claim]:
    """批量上传: a learner's own records from a file, as drafts to submit, all of them or
    none. Each row is cleaned as one claim (`_clean`) and its year must be open; `rows`
    may carry an `import_key` (claims.imports), so the same file twice adds nothing."""
    cleaned = []
    for data in rows:
        fields = _clean(actor, kind, data)
        _check_year_open(actor, fields["year"])
        cleaned.append((fields, data.get("import_key")))
    created = []
    with transaction.atomic(durable=True):
        for fields, import_key in cleaned:
            claim = Claim.objects.create(owner=actor, kind=kind, created_by=actor, import_key=import_key, **fields)
            ClaimEvent.objects.create(claim=claim, actor=actor, to_status=ClaimStatus.DRAFT,
                                      reason=_("uploaded from a file"))
            audit_record(actor=actor, action="claim.uploaded", obj=claim, org=_org_of(claim),
                         after=_snapshot(claim))
            created.append(claim)
    return created


def _withdraw(actor: User, claim: Claim, reason: str = "") -> None:
    if claim.status == ClaimStatus.SUBMITTED:
        transition(claim, "withdraw", actor=actor, reason=reason)


def claim_withdraw(*, actor: User, claim_id) -> Claim:
    """撤回: the learner takes their submitted claim back from review; it is a draft
    again (the row lock means a reviewer deciding at the same moment wins or loses
    cleanly: an approved claim cannot be withdrawn)."""
    with transaction.atomic(durable=True):
        claim = _own(actor, claim_id)
        transition(claim, "withdraw", actor=actor)
    return claim


def _ids(values) -> list[int]:
    """Row ids from a form or JSON list; anything that is not one matches nothing."""
    return [int(v) for v in values or [] if re.fullmatch(r"\d{1,18}", str(v), re.ASCII)]


def claim_update(*, actor: User, claim_id, data: dict, files=(), remove_attachments=()) -> Claim:
    """Change one's own claim that is not yet decided. A submitted claim is withdrawn to a
    draft by the change (logged as such) and must be submitted again, so a reviewer never
    approves a version the learner has since changed."""
    removed = []
    with file_batch() as batch, transaction.atomic(durable=True):
        claim = _own(actor, claim_id)
        if claim.status not in EDITABLE:
            raise DomainError(ErrorCode.CONFLICT,
                              _("“%(name)s” is %(status)s and can no longer be changed.")
                              % {"name": claim.name, "status": ClaimStatus(claim.status).label})
        fields = _clean(actor, claim.kind, data)
        removing = list(claim.attachments.filter(pk__in=_ids(remove_attachments)))
        if (all(getattr(claim, name) == value for name, value in fields.items()) and not removing
                and not [f for f in files or [] if f is not None]):
            return claim  # saved unchanged: nothing changes (not even a submitted claim's status)
        _check_year_open(actor, fields["year"])
        before = _snapshot(claim)
        _withdraw(actor, claim, _("withdrawn to be changed"))
        for name, value in fields.items():
            setattr(claim, name, value)
        claim.save()
        for attachment in removing:
            removed.append(attachment.stored_name)
            attachment.delete()
        _add_files(batch, claim, files, actor)
        audit_record(actor=actor, action="claim.updated", obj=claim, org=_org_of(claim),
                     before=before, after=_snapshot(claim))
        remove_stored(removed)  # on commit
    return claim


def claims_delete(*, actor: User, claim_ids) -> int:
    """Delete one's own claims that are not yet decided (batch: all or none; an approved
    claim or another person's in the batch deletes nothing). A submitted claim is
    withdrawn from review as it goes."""
    names = []
    with transaction.atomic(durable=True):
        claims = []
        for pk in claim_ids:
            try:
                claims.append(_own(actor, pk))
            except DomainError:
                raise DomainError(ErrorCode.NOT_FOUND, _("A chosen record does not exist or is not "
                                                         "yours; nothing was deleted.")) from None
        for claim in claims:
            if claim.status not in EDITABLE:
                raise DomainError(ErrorCode.CONFLICT,
                                  _("“%(name)s” is %(status)s and cannot be deleted; nothing was "
                                    "deleted.")
                                  % {"name": claim.name, "status": ClaimStatus(claim.status).label})
        for claim in claims:
            names += list(claim.attachments.values_list("stored_name", flat=True))
            snapshot = _snapshot(claim)
            _withdraw(actor, claim, _("withdrawn to be deleted"))
            audit_record(actor=actor, action="claim.deleted", obj=claim, org=_org_of(claim),
                         before=snapshot)
            claim.delete()
        remove_stored(names)  # on commit: a rollback keeps the files with their rows
    return len(claims)


def _check_attachments(claim: Claim, required: list[str]) -> None:
    have = set(claim.attachments.values_list("kind", flat=True))
    for needed in required:
        if needed not in have:
            raise DomainError(ErrorCode.INVALID,
                              _("Upload the %(attachment)s first: your organisation requires it "
                                "for %(kind)s.")
                              % {"attachment": AttachmentKind(needed).label,
                                 "kind": ClaimKind(claim.kind).label}, field=needed)


def _submit(actor, claim):
    # The policy may have changed since the draft was saved.
    _check_kind(policy_for(claim.owner.institute, claim.year), claim.kind, claim.year)
    required, without_review = submission_rules(claim.owner, claim.kind)
    _check_attachments(claim, required)
    transition(claim, "submit", actor=actor)
    if without_review:
        # 不用审批直接计入: the system approves it on the learner's submission (audited as
        # the system, on their behalf); an admin can still revoke it.
        _approve(None, claim, reason=_("Credited without review (the organisation's setting)"),
                 actor_label=f"system (on the submission of {actor.real_name} ({actor.login_name}))")
        return
    notify(recipients=reviewers_of(claim.owner), kind=notices.SUBMITTED,
           params={"name": claim.name, "person": claim.owner.real_name},
           url=reverse("claims:review_detail", args=[claim.pk]),
           digest=(notices.SUBMITTED_MANY, reverse("claims:review")))


def _batch_ids(claim_ids) -> list[int]:
    ids = sorted(set(_ids(claim_ids)))
    if not ids or len(ids) != len({str(i) for i in claim_ids or []}):
        raise DomainError(ErrorCode.INVALID, _("Choose records first."), field="claims")
    return ids


@contextmanager
def _naming(claim: Claim, outcome: str):
    """In a batch, say which claim failed and that the batch did nothing."""
    try:
        yield
    except DomainError as exc:
        exc.message = _("“%(name)s”: %(error)s (%(outcome)s)") % {
            "name": claim.name, "error": exc.message, "outcome": outcome}
        raise


def claims_submit(*, actor: User, claim_ids) -> int:
    """Send many of one's own claims for review: all of them or none (one that may not be
    submitted, or is not one's own, leaves every claim as it was)."""
    ids = _batch_ids(claim_ids)
    with transaction.atomic(durable=True):
        for pk in ids:
            claim = _own(actor, pk)
            with _naming(claim, _("nothing was submitted")):
                _check_year_open(actor, claim.year)
                _submit(actor, claim)
    return len(ids)


def claims_withdraw(*, actor: User, claim_ids) -> int:
    """撤回 many of one's own submitted claims: all of them or none."""
    ids = _batch_ids(claim_ids)
    with transaction.atomic(durable=True):
        for pk in ids:
            claim = _own(actor, pk)
            with _naming(claim, _("nothing was withdrawn")):
                transition(claim, "withdraw", actor=actor)
    return len(ids)


def claim_submit(*, actor: User, claim_id) -> Claim:
    """Send one's own draft or rejected claim for review: the year must be open, the kind
    in the year's policy and the required attachments there."""
    with transaction.atomic(durable=True):
        claim = _own(actor, claim_id)
        _check_year_open(actor, claim.year)
        _submit(actor, claim)
    return claim


# --- reviewers ------------------------------------------------------------------------------

def _approve(actor, claim: Claim, *, reason: str = "", actor_label: str | None = None) -> Claim:
    """Approve the locked claim (its reviewer already checked, or the organisation credits
    its kind without review: actor None) and credit its hours."""
    transition(claim, "approve", actor=actor, reason=reason, actor_label=actor_label)
    rules = policy_for(claim.owner.institute, claim.year)
    start, end = _credit_period(claim, rules)
    ledger_credit(person=claim.owner, cap_class=cap_class_of(claim, rules), minutes=claim.minutes,
                  start=start, end=end, category=ledger_category_of(claim, rules), source_kind="claim",
                  source_id=claim.pk, source_label=claim.name, actor=actor,
                  details={"place": claim.location, "organiser": claim.organiser,
                           "start": claim.start.isoformat(), "end": claim.end.isoformat()})
    notify(recipients=[claim.owner], kind=notices.APPROVED, params={"name": claim.name},
           url=reverse("claims:edit", args=[claim.pk]))
    return claim


def _notice_params(claim: Claim, reason: str = "") -> dict:
    return {"name": claim.name, **({"reason": reason} if reason else {})}


def _credit_period(claim: Claim, rules) -> tuple[date, date]:
    """The dates the ledger spreads the hours over: the claim's own (a claim across a
    year end gives each year its months' share), or, where the rules let the learner
    choose the year, the part of them inside the chosen year (the nearest day of it when
    none is), so that all hours count in that year."""
    if not getattr(rules, "claim_year_chosen", False):
        return claim.start, claim.end
    first, last = date(claim.year, 1, 1), date(claim.year, 12, 31)
    return min(max(claim.start, first), last), min(max(claim.end, first), last)


def claim_approve(*, actor: User, role, claim_id) -> Claim:
    """Approve one submitted claim and credit its hours (exactly once)."""
    with transaction.atomic(durable=True):
        return _approve(actor, lock_claim_to_decide(role, actor, claim_id))


def _reject_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(ErrorCode.INVALID, _("Give the reason for the rejection."), field="reason")
    if len(reason) > 500:
        raise DomainError(ErrorCode.INVALID, _("At most %(n)d characters.") % {"n": 500}, field="reason")
    return reason


def _reject(actor: User, claim: Claim, reason: str) -> Claim:
    transition(claim, "reject", actor=actor, reason=reason)
    notify(recipients=[claim.owner], kind=notices.REJECTED, params=_notice_params(claim, reason),
           url=reverse("claims:edit", args=[claim.pk]))
    return claim


def claim_reject(*, actor: User, role, claim_id, reason: str) -> Claim:
    """Send a submitted claim back with a reason; the learner may fix and resubmit it."""
    reason = _reject_reason(reason)
    with transaction.atomic(durable=True):
        return _reject(actor, lock_claim_to_decide(role, actor, claim_id), reason)


def claims_decide(*, actor: User, role, claim_ids, approve: bool, reason: str = "") -> int:
    """Approve or reject many at once: all of them or none (locked in id order, so two
    batches cannot deadlock)."""
    ids = _batch_ids(claim_ids)
    reason = reason if approve else _reject_reason(reason)
    with transaction.atomic(durable=True):
        for pk in ids:
            claim = lock_claim_to_decide(role, actor, pk)
            with _naming(claim, _("nothing was decided")):
                _approve(actor, claim) if approve else _reject(actor, claim, reason)
    return len(ids)


def claim_revoke_approval(*, actor: User, role, claim_id, reason: str) -> Claim:
    """Undo a mistaken approval: its hours are reversed in the ledger (audited, with the
    reason); the claim is final."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(ErrorCode.INVALID, _("Give a reason."), field="reason")
    if len(reason) > 500:
        raise DomainError(ErrorCode.INVALID, _("At most %(n)d characters.") % {"n": 500}, field="reason")
    with transaction.atomic(durable=True):
        claim = lock_claim_to_decide(role, actor, claim_id)
        transition(claim, "revoke", actor=actor, reason=reason)
        ledger_reverse_source(person=claim.owner, source_kind="claim", source_id=claim.pk,
                              actor=actor, reason=reason)
        notify(recipients=[claim.owner], kind=notices.REVOKED, params=_notice_params(claim, reason),
               url=reverse("claims:edit", args=[claim.pk]))
    return claim


def claim_create_on_behalf(*, actor: User, role, owner: User, kind: str, data: dict, files=(),
                           import_key: str | None = None) -> Claim:
    """审核创建: an admin records a claim for a person in scope; approved at once and
    attributed to the admin.

    Unlike a learner's claim this is allowed for a past, closed year without a
    supplementary window: recording hours after the fact (from paper records, an import)
    is what admins do, and the approval is theirs. A year that has not begun is refused
    as for learners. The organisation's attachment requirements do not apply: they are
    asked of learners submitting for review, and an imported row carries no file."""
    check_reviewer(role, actor, owner)
    fields = _clean(owner, kind, data)
    _check_not_future(fields["year"])
    # Not durable: the claims import runs this inside its own all-or-nothing transaction.
    with file_batch() as batch, transaction.atomic():
        claim = Claim.objects.create(owner=owner, kind=kind, created_by=actor, import_key=import_key,
                                     **fields)
        ClaimEvent.objects.create(claim=claim, actor=actor, to_status=ClaimStatus.DRAFT,
                                  reason=_("created by an administrator"))
        audit_record(actor=actor, action="claim.created_on_behalf", obj=claim, org=_org_of(claim),
                     after=_snapshot(claim))
        _add_files(batch, claim, files, actor)
        transition(claim, "submit", actor=actor)
        _approve(actor, claim)
    return claim


def import_key_for(owner: User, kind: str, fields: dict) -> str:
    raw = f"{owner.pk}|{kind}|{fields['name']}|{fields['start']}|{fields['end']}|{fields['minutes']}"
    return hashlib.sha256(raw.encode()).hexdigest()


# --- supplementary windows and settings -----------------------------------------------------

def _check_window_admin(role, org: Org) -> None:
    check_org_admin(role, org, _("Institute and academy admins open windows."))


@transaction.atomic(durable=True)
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


@transaction.atomic(durable=True)
def window_close(*, actor, role, window_id) -> SupplementaryWindow:
    """End a window now (closing a closed window changes nothing)."""
    window = get_window_for(role, window_id, lock=True)
    _check_window_admin(role, window.org)
    if window.closed_at is None:
        window.closed_at, window.closed_by = timezone.now(), actor
        window.save(update_fields=["closed_at", "closed_by"])
        audit_record(actor=actor, action="claim_window.closed", obj=window, org=window.org)
    return window


REQUIRABLE = (AttachmentKind.NOTICE, AttachmentKind.CERTIFICATE)


@transaction.atomic(durable=True)
def claim_settings_set(*, actor, role, org: Org, required: dict,
                       without_review: set | None = None) -> dict[str, list[str]]:
    """Set, for every kind of claim, which attachments (notice, certificate) a claim in
    `org` (an institute or the academy) needs before it is submitted; a kind missing
    from `required` needs none. `without_review`, if given, is the set of kinds credited
    without review (不用审批直接计入); None leaves that as it is. Returns the new
    attachment settings of `org`."""
    check_org_admin(role, org, _("Institute and academy admins set what claims require."))
    for kind, wanted in required.items():
        if kind not in ClaimKind.values:
            raise DomainError(ErrorCode.INVALID, _("Choose the kind of learning."), field="kind")
        if not set(wanted) <= set(REQUIRABLE):
            raise DomainError(ErrorCode.INVALID, _("Only the training notice and the certificate "
                                                   "can be required."), field=kind)
    if without_review is not None and not set(without_review) <= set(ClaimKind.values):
        raise DomainError(ErrorCode.INVALID, _("Choose the kind of learning."), field="kind")
    before = claim_settings_of(org)
    before_auto = credited_without_review_of(org)
    for kind in ClaimKind.values:
        wanted = set(required.get(kind) or ())
        auto = before_auto[kind] if without_review is None else kind in without_review
        if set(before[kind]) == wanted and before_auto[kind] == auto:
            continue  # saved unchanged: no row is written (nor created where none was)
        ClaimSettings.objects.update_or_create(org=org, kind=kind, defaults={
            "notice_required": AttachmentKind.NOTICE in wanted,
            "certificate_required": AttachmentKind.CERTIFICATE in wanted,
            "credited_without_review": auto})
    after, after_auto = claim_settings_of(org), credited_without_review_of(org)
    if after != before or after_auto != before_auto:
        audit_record(actor=actor, action="claim_settings.updated", obj=org, org=org,
                     before={"required": before, "credited_without_review": _kinds_on(before_auto)},
                     after={"required": after, "credited_without_review": _kinds_on(after_auto)})
    return after


def _kinds_on(flags: dict[str, bool]) -> list[str]:
    return [kind for kind, on in flags.items() if on]
