"""The only writer of the ledger and the policy.

Invariants kept here:
- entries are only ever inserted; a correction is a reversing entry;
- crediting is idempotent per (source, person): a retry returns the first posting;
- LedgerTotal equals the sum of the entries, updated in the same transaction;
- a locked year's policy does not change.
"""

import re
import uuid
from datetime import date

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.audit import audit_record
from core.errors import DomainError, ErrorCode
from core.minutes import MAX_MINUTES
from ledger.access import check_ledger_admin, check_policy_admin, posting_of
from ledger.models import (
    BackboneBasis,
    CapClass,
    Category,
    CategoryKind,
    HoursDisplay,
    LedgerEntry,
    LedgerTotal,
    LedgerYearTotal,
    Policy,
    SourceKind,
)
from ledger.queries import forget_policies
from ledger.rulesets import RULESETS, UNSET_CAP

# --- months -------------------------------------------------------------------------------


def months_between(start: date, end: date) -> list[tuple[int, int]]:
    """Every (year, month) from start's month to end's month, inclusive."""
    first, last = start.year * 12 + start.month - 1, end.year * 12 + end.month - 1
    return [(i // 12, i % 12 + 1) for i in range(first, last + 1)]


def spread(minutes: int, months: list[tuple[int, int]]) -> list[tuple[tuple[int, int], int]]:
    """Split minutes evenly over the months, summing exactly to the whole: the first
    `remainder` months get one minute more (deterministic). Months that would get 0
    minutes are left out."""
    base, remainder = divmod(minutes, len(months))
    shares = [(m, base + (1 if i < remainder else 0)) for i, m in enumerate(months)]
    return [(m, n) for m, n in shares if n]


# --- totals -------------------------------------------------------------------------------


def _bump(model, minutes: int, **key) -> None:
    if model.objects.filter(**key).update(minutes=F("minutes") + minutes):
        return
    try:
        with transaction.atomic():
            model.objects.create(minutes=minutes, **key)
    except IntegrityError:
        # Another transaction created the row between our update and insert.
        model.objects.filter(**key).update(minutes=F("minutes") + minutes)


def _add_total(person_id: int, year: int, month: int, cap_class: str, minutes: int) -> None:
    _bump(LedgerTotal, minutes, person_id=person_id, year=year, month=month, cap_class=cap_class)
    _bump(LedgerYearTotal, minutes, person_id=person_id, year=year, cap_class=cap_class)


# --- policy -------------------------------------------------------------------------------


def _academy(org):
    return org.root if org.root_id else org


def policy_seed(*, actor, org, year: int, ruleset: str = "cas", role=None) -> Policy:
    """Create the year's policy of the academy from a shipped rule set, or from the
    academy's previous year when there is one. Idempotent. With a `role` (pages, API)
    only an admin of that academy may; without one it is the system (seeding, tests)."""
    academy = _academy(org)
    if role is not None:
        check_policy_admin(role, Policy(org=academy, year=year))
    existing = Policy.objects.filter(org=academy, year=year).first()
    if existing:
        return existing
    with transaction.atomic():
        previous = Policy.objects.filter(org=academy, year__lt=year).order_by("-year").first()
        if previous is not None and ruleset == "cas":
            return _copy_policy(actor, previous, year)
        rules = RULESETS[ruleset]
        policy = Policy.objects.create(org=academy, year=year, **{
            k: v for k, v in rules.items() if k not in ("classes", "categories")})
        classes = {}
        for order, (code, name, cap) in enumerate(rules["classes"]):
            unset = cap == UNSET_CAP
            classes[code] = CapClass.objects.create(policy=policy, code=code, name=name,
                                                    cap_minutes=None if unset else cap,
                                                    cap_set=not unset, sort_order=order)
        for order, (code, name, cls, kind) in enumerate(rules["categories"]):
            Category.objects.create(policy=policy, cap_class=classes[cls], code=code, name=name,
                                    kind=kind, sort_order=order)
        audit_record(actor=actor, action="policy.created", obj=policy, org=academy,
                     after={"year": year, "ruleset": ruleset})
    forget_policies()
    return policy


def policy_seed_cas(org, year: int, *, actor=None) -> Policy:
    return policy_seed(actor=actor, org=org, year=year, ruleset="cas")


def policy_seed_cast(org, year: int, *, actor=None) -> Policy:
    return policy_seed(actor=actor, org=org, year=year, ruleset="cast")


def _copy_policy(actor, source: Policy, year: int) -> Policy:
    fields = {f: getattr(source, f) for f in (
        "annual_target_minutes", "backbone_single_min_minutes", "backbone_ratio_permille",
        "backbone_basis", "chapter_threshold_percent", "heartbeat_seconds", "claim_year_chosen",
        "hours_display", "terms")}
    policy = Policy.objects.create(org=source.org, year=year, **fields)
    classes = {}
    for cls in source.classes.all():
        classes[cls.pk] = CapClass.objects.create(policy=policy, code=cls.code, name=cls.name,
                                                  cap_minutes=cls.cap_minutes, cap_set=cls.cap_set,
                                                  sort_order=cls.sort_order)
    for cat in source.categories.all():
        Category.objects.create(policy=policy, cap_class=classes[cat.cap_class_id], code=cat.code,
                                name=cat.name, kind=cat.kind, sort_order=cat.sort_order)
    audit_record(actor=actor, action="policy.created", obj=policy, org=source.org,
                 after={"year": year, "copied_from": source.year})
    forget_policies()
    return policy


def _check_policy_admin(role, policy: Policy) -> None:
    check_policy_admin(role, policy)
    if policy.locked_at is not None:
        raise DomainError(ErrorCode.LOCKED,
                          _("The %(year)d policy is locked: the backbone report of that year is final.")
                          % {"year": policy.year})


# The numbers a rule set may leave unset (None) until the organisation sets them.
_UNSETTABLE = {"annual_target_minutes", "backbone_single_min_minutes", "backbone_ratio_permille"}
_POLICY_LIMITS = {
    "annual_target_minutes": (60, 1000 * 60),
    "backbone_single_min_minutes": (0, 1000 * 60),
    "backbone_ratio_permille": (0, 1000),
    "chapter_threshold_percent": (1, 100),
    "heartbeat_seconds": (5, 600),
}


@transaction.atomic(durable=True)
def policy_update(*, actor, role, policy: Policy, **fields) -> Policy:
    """Edit the year's numbers. Only the academy's admins; not once locked."""
    policy = Policy.objects.select_for_update().select_related("org").get(pk=policy.pk)
    _check_policy_admin(role, policy)
    before, changed = {}, []
    for name, value in fields.items():
        if name == "backbone_basis":
            if value not in BackboneBasis.values:
                raise DomainError(ErrorCode.INVALID, _("Choose effective or total hours."), field=name)
        elif name == "hours_display":
            if value not in HoursDisplay.values:
                raise DomainError(ErrorCode.INVALID, _("Choose how hours are shown."), field=name)
        elif name == "claim_year_chosen":
            if not isinstance(value, bool):
                raise DomainError(ErrorCode.INVALID, _("Choose yes or no."), field=name)
        elif name in _UNSETTABLE and value is None:
            pass  # back to "not set"
        elif name in _POLICY_LIMITS:
            low, high = _POLICY_LIMITS[name]
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise DomainError(ErrorCode.INVALID, _("Enter a value between %(low)d and %(high)d.")
                                  % {"low": low, "high": high}, field=name)
        else:
            raise DomainError(ErrorCode.INVALID, _("This field cannot be changed."), field=name)
        if getattr(policy, name) != value:
            before[name] = getattr(policy, name)
            setattr(policy, name, value)
            changed.append(name)
    if changed:
        policy.save(update_fields=changed)
        audit_record(actor=actor, action="policy.updated", obj=policy, org=policy.org,
                     before=before, after={k: getattr(policy, k) for k in changed})
        forget_policies()
    return policy


@transaction.atomic(durable=True)
def cap_class_upsert(*, actor, role, policy: Policy, code: str, name: str,
                     cap_minutes: int | None) -> CapClass:
    """Add a class (e.g. 公派留学 with a 100 h cap) or change a class's name or cap."""
    policy = Policy.objects.select_for_update().select_related("org").get(pk=policy.pk)
    _check_policy_admin(role, policy)
    code = (code or "").strip().lower()
    if not code or not code.replace("_", "").isalnum() or not code.isascii() or len(code) > 32:
        raise DomainError(ErrorCode.INVALID, _("Use letters, digits and _ for the code."), field="code")
    name = (name or "").strip()
    if not name or len(name) > 64:
        raise DomainError(ErrorCode.INVALID, _("Enter a name."), field="name")
    if cap_minutes is not None and not 0 <= cap_minutes <= MAX_MINUTES:
        raise DomainError(ErrorCode.INVALID, _("Enter a sensible cap."), field="cap_minutes")
    cls = CapClass.objects.filter(policy=policy, code=code).first()
    before = {"name": cls.name, "cap_minutes": cls.cap_minutes} if cls else None
    if cls is None:
        cls = CapClass.objects.create(policy=policy, code=code, name=name, cap_minutes=cap_minutes,
                                      sort_order=policy.classes.count())
    else:
        # Saving the class sets its cap (an empty cap now means "no cap", said by an admin).
        cls.name, cls.cap_minutes, cls.cap_set = name, cap_minutes, True
        cls.save(update_fields=["name", "cap_minutes", "cap_set"])
    audit_record(actor=actor, action="policy.class_saved", obj=policy, org=policy.org, before=before,
                 after={"code": code, "name": name, "cap_minutes": cap_minutes})
    forget_policies()
    return cls


@transaction.atomic(durable=True)
def category_upsert(*, actor, role, policy: Policy, code: str, name: str, cap_class_code: str,
                    kind: str = CategoryKind.TRAINING_CATEGORY) -> Category:
    policy = Policy.objects.select_for_update().select_related("org").get(pk=policy.pk)
    _check_policy_admin(role, policy)
    code = (code or "").strip().lower()
    if not code or not code.replace("_", "").isalnum() or not code.isascii() or len(code) > 64:
        raise DomainError(ErrorCode.INVALID, _("Use letters, digits and _ for the code."), field="code")
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise DomainError(ErrorCode.INVALID, _("Enter a name."), field="name")
    cls = CapClass.objects.filter(policy=policy, code=cap_class_code).first()
    if cls is None:
        raise DomainError(ErrorCode.INVALID, _("Choose a class."), field="cap_class")
    if kind not in CategoryKind.values:
        raise DomainError(ErrorCode.INVALID, _("Choose a kind."), field="kind")
    category, created = Category.objects.update_or_create(
        policy=policy, code=code,
        defaults={"name": name, "cap_class": cls, "kind": kind},
        create_defaults={"name": name, "cap_class": cls, "kind": kind,
                         "sort_order": policy.categories.count()})
    audit_record(actor=actor, action="policy.category_saved", obj=policy, org=policy.org,
                 after={"code": code, "name": name, "class": cap_class_code, "created": created})
    forget_policies()
    return category


def policy_lock(*, actor, policy: Policy, reason: str) -> Policy:
    """Called when the year's backbone report is locked: the policy becomes final."""
    with transaction.atomic():
        policy = Policy.objects.select_for_update().get(pk=policy.pk)
        if policy.locked_at is None:
            policy.locked_at = timezone.now()
            policy.locked_reason = reason[:200]
            policy.save(update_fields=["locked_at", "locked_reason"])
            audit_record(actor=actor, action="policy.locked", obj=policy, org=policy.org,
                         note=reason)
            forget_policies()
    return policy


# --- crediting ----------------------------------------------------------------------------


def _rules_for(person: User, years) -> dict:
    from ledger.queries import policies_for

    return policies_for(person.institute, years)


def _check_class_and_category(rules, cap_class: str, category: str) -> None:
    """The class must be one of the year's policy, and a category (optional) one of the
    policy's categories counting in that class: the rule claims follow, for every
    source of hours."""
    if cap_class not in rules.caps:
        raise DomainError(ErrorCode.INVALID, _("Unknown class of hours."), field="cap_class")
    if category:
        rule = rules.category(category)
        if rule is None:
            raise DomainError(ErrorCode.INVALID, _("Choose one of the categories."), field="category")
        if rule.cap_class != cap_class:
            raise DomainError(ErrorCode.INVALID,
                              _("%(category)s counts in %(right)s, not in %(chosen)s.")
                              % {"category": rule.name, "right": rules.class_name(rule.cap_class),
                                 "chosen": rules.class_name(cap_class)}, field="category")


def _check_years(start: date, end: date, *, first: int) -> None:
    """Dates in sensible years: a credit dated year 1 or 9999 is a typing error."""
    last = timezone.localdate().year + 1
    for name, day in (("start", start), ("end", end)):
        if not first <= day.year <= last:
            raise DomainError(ErrorCode.INVALID,
                              _("Choose a date between %(first)d and %(last)d.")
                              % {"first": first, "last": last}, field=name)


def _credit_key(source_kind, source_id, person_id, year, month) -> str:
    return f"credit:{source_kind}:{source_id}:{person_id}:{year}-{month:02d}"


def _existing_credit(source_kind, source_id, person_id) -> list[LedgerEntry]:
    return list(LedgerEntry.objects.filter(
        idempotency_key__startswith=f"credit:{source_kind}:{source_id}:{person_id}:").order_by("id"))


def ledger_credit(*, person: User, cap_class: str, minutes: int, start: date, end: date | None = None,
                  category: str = "", source_kind: str, source_id, source_label: str = "",
                  actor=None, note: str = "", details: dict | None = None,
                  stop_at_cap: bool = False) -> list[LedgerEntry]:
    """Credit `minutes` of `cap_class` to `person`, spread over the months from start to
    end. Idempotent per (source_kind, source_id, person). With stop_at_cap (course time)
    only what still fits under the yearly cap is credited (the person's row is locked, so
    concurrent credits cannot pass the cap); CAP_REACHED if nothing fits."""
    end = end or start
    source_id = str(source_id)
    if source_kind not in SourceKind.values:
        raise DomainError(ErrorCode.INVALID, _("Unknown source."), field="source_kind")
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 < minutes <= MAX_MINUTES:
        raise DomainError(ErrorCode.INVALID, _("Hours must be more than zero."), field="minutes")
    if end < start:
        raise DomainError(ErrorCode.INVALID, _("The end is before the start."), field="end")
    if (end.year * 12 + end.month) - (start.year * 12 + start.month) >= 120:
        raise DomainError(ErrorCode.INVALID, _("A record cannot span more than ten years."), field="end")
    if person.institute_id is None:
        raise DomainError(ErrorCode.INVALID, _("This person belongs to no institute."), field="person")
    _check_years(start, end, first=1900)
    months = months_between(start, end)
    rules = _rules_for(person, {y for y, _m in months})
    classes = {year: r.caps for year, r in rules.items()}
    category = category or ""
    for year_rules in rules.values():
        _check_class_and_category(year_rules, cap_class, category)
    existing = _existing_credit(source_kind, source_id, person.pk)
    if existing:
        return existing
    try:
        with transaction.atomic():
            if stop_at_cap:
                User.objects.select_for_update().filter(pk=person.pk).first()
                minutes = _fit_under_cap(person, cap_class, minutes, months, classes)
            entries = []
            for (year, month), share in spread(minutes, months):
                entries.append(LedgerEntry.objects.create(
                    person=person, year=year, month=month, cap_class=cap_class,
                    category=category or "", minutes=share, source_kind=source_kind,
                    source_id=source_id, source_label=(source_label or "")[:200],
                    details=details or {}, credited_by=actor if getattr(actor, "pk", None) else None,
                    idempotency_key=_credit_key(source_kind, source_id, person.pk, year, month),
                    note=note or ""))
                _add_total(person.pk, year, month, cap_class, share)
            audit_record(actor=actor if getattr(actor, "pk", None) else None,
                         action="ledger.credited", obj=person,
                         org=person.department or person.institute,
                         after={"source": f"{source_kind}:{source_id}", "class": cap_class,
                                "category": category, "minutes": minutes,
                                "months": [f"{y}-{m:02d}" for (y, m), _n in spread(minutes, months)]},
                         note=note or "")
            return entries
    except IntegrityError:
        # A concurrent request credited the same source first: that posting stands.
        existing = _existing_credit(source_kind, source_id, person.pk)
        if existing:
            return existing
        raise


def ledger_credit_parts(*, person: User, parts: list[tuple[str, int, str]], start: date, end: date,
                        source_kind: str, source_id, source_label: str = "", actor=None,
                        note: str = "", details: dict | None = None) -> list[LedgerEntry]:
    """One source crediting several classes at once (a 混合 training project: its online
    and offline hours), as one posting: `parts` are (cap_class, minutes, category), each
    spread over the months from start to end. Idempotent per (source_kind, source_id,
    person) like ledger_credit, and reversed as a whole by ledger_reverse_source.
    A single part is exactly ledger_credit."""
    parts = [(c, m, cat or "") for c, m, cat in parts if m]
    if len(parts) <= 1:
        cap_class, minutes, category = parts[0] if parts else ("offline", 0, "")
        return ledger_credit(person=person, cap_class=cap_class, minutes=minutes, start=start,
                             end=end, category=category, source_kind=source_kind,
                             source_id=source_id, source_label=source_label, actor=actor,
                             note=note, details=details)
    source_id = str(source_id)
    if source_kind not in SourceKind.values:
        raise DomainError(ErrorCode.INVALID, _("Unknown source."), field="source_kind")
    if len({c for c, _m, _cat in parts}) != len(parts):
        raise DomainError(ErrorCode.INVALID, _("Unknown class of hours."), field="cap_class")
    for _c, minutes, _cat in parts:
        if isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 < minutes <= MAX_MINUTES:
            raise DomainError(ErrorCode.INVALID, _("Hours must be more than zero."), field="minutes")
    if end < start:
        raise DomainError(ErrorCode.INVALID, _("The end is before the start."), field="end")
    if (end.year * 12 + end.month) - (start.year * 12 + start.month) >= 120:
        raise DomainError(ErrorCode.INVALID, _("A record cannot span more than ten years."), field="end")
    if person.institute_id is None:
        raise DomainError(ErrorCode.INVALID, _("This person belongs to no institute."), field="person")
    _check_years(start, end, first=1900)
    months = months_between(start, end)
    rules = _rules_for(person, {y for y, _m in months})
    for year_rules in rules.values():
        for cap_class, _m, category in parts:
            _check_class_and_category(year_rules, cap_class, category)
    existing = _existing_credit(source_kind, source_id, person.pk)
    if existing:
        return existing
    try:
        with transaction.atomic():
            entries = []
            for index, (cap_class, minutes, category) in enumerate(parts):
                # The first part keeps ledger_credit's key; the others add their class, so
                # one (source, person, month) holds one entry per class.
                suffix = "" if index == 0 else f":{cap_class}"
                for (year, month), share in spread(minutes, months):
                    entries.append(LedgerEntry.objects.create(
                        person=person, year=year, month=month, cap_class=cap_class,
                        category=category, minutes=share, source_kind=source_kind,
                        source_id=source_id, source_label=(source_label or "")[:200],
                        details=details or {}, credited_by=actor if getattr(actor, "pk", None) else None,
                        idempotency_key=_credit_key(source_kind, source_id, person.pk, year, month) + suffix,
                        note=note or ""))
                    _add_total(person.pk, year, month, cap_class, share)
            audit_record(actor=actor if getattr(actor, "pk", None) else None,
                         action="ledger.credited", obj=person,
                         org=person.department or person.institute,
                         after={"source": f"{source_kind}:{source_id}",
                                "parts": [{"class": c, "category": cat, "minutes": m}
                                          for c, m, cat in parts],
                                "months": [f"{y}-{m:02d}" for y, m in months]},
                         note=note or "")
            return entries
    except IntegrityError:
        existing = _existing_credit(source_kind, source_id, person.pk)
        if existing:
            return existing
        raise


def _fit_under_cap(person, cap_class, minutes, months, classes) -> int:
    years = {y for y, _m in months}
    if len(years) != 1:
        return minutes
    year = years.pop()
    cap = classes[year].get(cap_class)
    if cap is None:
        return minutes
    used = LedgerYearTotal.objects.filter(person=person, year=year, cap_class=cap_class).aggregate(
        s=Sum("minutes"))["s"] or 0
    room = cap - used
    if room <= 0:
        raise DomainError(ErrorCode.CAP_REACHED,
                          _("The yearly cap of this class of hours has been reached."))
    return min(minutes, room)


def ledger_reverse_entry(*, entry: LedgerEntry, actor, reason: str) -> LedgerEntry:
    """Write the entry's reversing entry (once; a second call returns the same)."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(ErrorCode.INVALID, _("Give a reason."), field="reason")
    if entry.reverses_id is not None:
        raise DomainError(ErrorCode.CONFLICT, _("A reversing entry cannot be reversed."))
    key = f"reverse:{entry.pk}"
    found = LedgerEntry.objects.filter(idempotency_key=key).first()
    if found:
        return found
    try:
        with transaction.atomic():
            reversal = LedgerEntry.objects.create(
                person_id=entry.person_id, year=entry.year, month=entry.month,
                cap_class=entry.cap_class, category=entry.category, minutes=-entry.minutes,
                source_kind=entry.source_kind, source_id=entry.source_id,
                source_label=entry.source_label, details=entry.details,
                credited_by=actor if getattr(actor, "pk", None) else None, reverses=entry,
                idempotency_key=key, note=reason[:2000])
            _add_total(entry.person_id, entry.year, entry.month, entry.cap_class, -entry.minutes)
            person = User.objects.select_related("institute", "department").get(pk=entry.person_id)
            audit_record(actor=actor if getattr(actor, "pk", None) else None,
                         action="ledger.reversed", obj=person,
                         org=person.department or person.institute,
                         before={"entry": entry.pk, "minutes": entry.minutes},
                         after={"reversal": reversal.pk}, note=reason)
            return reversal
    except IntegrityError:
        return LedgerEntry.objects.get(idempotency_key=key)


def _reverse_posting(*, person: User, source_kind: str, source_id, actor, reason: str
                     ) -> list[LedgerEntry]:
    # The person's row is locked so that two reversals of one posting (a double click, a
    # retried request, a claim revoked while an admin reverses it) write one set.
    User.objects.select_for_update().filter(pk=person.pk).first()
    posting = posting_of(person, source_kind, source_id)
    live = posting.live if posting is not None else []
    if not live:
        return []
    actor = actor if getattr(actor, "pk", None) else None
    reversals = []
    for entry in live:
        reversals.append(LedgerEntry.objects.create(
            person_id=entry.person_id, year=entry.year, month=entry.month,
            cap_class=entry.cap_class, category=entry.category, minutes=-entry.minutes,
            source_kind=entry.source_kind, source_id=entry.source_id,
            source_label=entry.source_label, details=entry.details, credited_by=actor,
            reverses=entry, idempotency_key=f"reverse:{entry.pk}", note=reason[:2000]))
        _add_total(entry.person_id, entry.year, entry.month, entry.cap_class, -entry.minutes)
    person = User.objects.select_related("institute", "department").get(pk=person.pk)
    audit_record(actor=actor, action="ledger.posting_reversed", obj=person,
                 org=person.department or person.institute,
                 before={"source": f"{source_kind}:{source_id}",
                         "minutes": sum(e.minutes for e in live),
                         "months": [f"{e.year}-{e.month:02d}" for e in live],
                         "entries": [e.pk for e in live]},
                 after={"reversals": [r.pk for r in reversals]}, note=reason)
    return reversals


def ledger_reverse_source(*, person: User, source_kind: str, source_id, actor,
                          reason: str) -> list[LedgerEntry]:
    """Reverse the whole posting of that source for that person: every month not yet
    reversed, in one transaction, with one audit row. Nothing left to reverse: []."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(ErrorCode.INVALID, _("Give a reason."), field="reason")
    with transaction.atomic():
        return _reverse_posting(person=person, source_kind=source_kind, source_id=source_id,
                                actor=actor, reason=reason)


# --- administrators' tools ---------------------------------------------------------------


REQUEST_KEY = re.compile(r"[A-Za-z0-9_-]{8,64}")
# Admin credits are for this century: 补录 of the years the platform has records for.
ADMIN_CREDIT_FIRST_YEAR = 2000


def _lock_request_key(key: str) -> None:
    """Serialise requests carrying the same key, so that two of them with different
    payloads cannot both be credited (PostgreSQL; SQLite has one writer at a time)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"ledger-credit:{key}"])


def _admin_details(start: date, end: date, source_note: str) -> dict:
    return {"start": start.isoformat(), "end": end.isoformat(), "source_note": source_note}


def ledger_admin_credit(*, actor, role, person: User, cap_class: str, minutes: int, start: date,
                        end: date | None = None, category: str = "", reason: str,
                        source_note: str = "", request_key: str | None = None) -> list[LedgerEntry]:
    """补录: an admin credits hours to a person in scope, with a reason and a note of
    where the hours come from. `request_key` (the form's one-time key, or the API
    client's) is the posting's source id: the same key with the same payload credits
    once and answers with the first posting; the same key with another payload (another
    person, class, amount, dates, reason…) is a CONFLICT and credits nothing."""
    check_ledger_admin(role, person)
    reason = (reason or "").strip()
    source_note = (source_note or "").strip()
    category = category or ""
    end = end or start
    if not reason:
        raise DomainError(ErrorCode.INVALID, _("Give a reason."), field="reason")
    if request_key is not None and not REQUEST_KEY.fullmatch(request_key):
        raise DomainError(ErrorCode.INVALID, _("The request key must be 8 to 64 letters, digits, "
                                               "'-' or '_'."), field="request_key")
    _check_years(start, end, first=ADMIN_CREDIT_FIRST_YEAR)
    details = _admin_details(start, end, source_note)
    with transaction.atomic(durable=True):
        if request_key:
            _lock_request_key(request_key)
            first = list(LedgerEntry.objects.filter(
                source_kind=SourceKind.ADMIN, source_id=request_key, reverses__isnull=True)
                .order_by("id"))
            if first:
                same = (all(e.person_id == person.pk and e.cap_class == cap_class
                            and e.category == category and e.details == details
                            and e.note == reason for e in first)
                        and sum(e.minutes for e in first) == minutes)
                if not same:
                    raise DomainError(ErrorCode.CONFLICT,
                                      _("This request key was already used for a different "
                                        "credit; send a new key."), field="request_key")
                return first
        return ledger_credit(person=person, cap_class=cap_class, minutes=minutes, start=start,
                             end=end, category=category, source_kind=SourceKind.ADMIN,
                             source_id=request_key or uuid.uuid4().hex,
                             source_label=(source_note or reason)[:200], actor=actor, note=reason,
                             details=details)


def ledger_admin_reverse_posting(*, actor, role, person: User, source_kind: str, source_id,
                                 reason: str) -> list[LedgerEntry]:
    """冲销 by an administrator: the whole posting (every month of one source) of a person
    in scope, as one action. A posting already reversed is a CONFLICT, a missing one
    NOT_FOUND; a credit spread over months is never left half reversed."""
    check_ledger_admin(role, person)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(ErrorCode.INVALID, _("Give a reason."), field="reason")
    with transaction.atomic(durable=True):
        reversals = _reverse_posting(person=person, source_kind=source_kind, source_id=source_id,
                                     actor=actor, reason=reason)
        if not reversals:
            if posting_of(person, source_kind, source_id) is None:
                raise DomainError(ErrorCode.NOT_FOUND, _("Not found."))
            raise DomainError(ErrorCode.CONFLICT, _("This record has already been reversed."))
        return reversals
