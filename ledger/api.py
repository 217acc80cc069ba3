"""Ledger API: archives, the entries behind them, the year's policy, admin credits."""

import re
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status

from accounts.access import api_permission
from core.api_schemas import ErrorOut, PageIn, paginate
from core.errors import DomainError, ErrorCode
from core.minutes import HOURS_PATTERN, MAX_MINUTES, hours_to_minutes
from ledger.access import get_person_for, get_posting_of_entry
from ledger.queries import archive_for, entries_for, policy_for
from ledger.services import ledger_admin_credit, ledger_admin_reverse_posting

router = Router(tags=["ledger"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
MONTH_PATTERN = r"^(19\d{2}|2\d{3})-(0[1-9]|1[0-2])$"  # 1900-01 .. 2999-12, as parse_range checks


def parse_range(start: str | None, end: str | None) -> tuple[tuple[int, int], tuple[int, int]]:
    """'2016-01'..'2016-12' (default: this year). Refuses bad months, reversed ranges
    and ranges over ten years."""
    year = timezone.localdate().year
    out = []
    for name, value, default in (("start", start, (year, 1)), ("end", end, (year, 12))):
        if not value:
            out.append(default)
            continue
        match = _MONTH.match(value)
        if not match or not 1 <= int(match.group(2)) <= 12 or not 1900 <= int(match.group(1)) <= 2999:
            raise DomainError(ErrorCode.INVALID, _("Write the month as 2016-01."), field=name)
        out.append((int(match.group(1)), int(match.group(2))))
    first, last = out
    if last < first:
        raise DomainError(ErrorCode.INVALID, _("The end month is before the start month."), field="end")
    if (last[0] * 12 + last[1]) - (first[0] * 12 + first[1]) >= 120:
        raise DomainError(ErrorCode.INVALID, _("Choose at most ten years."), field="end")
    return first, last


class RangeIn(Schema):
    start: str | None = Field(None, max_length=7, pattern=MONTH_PATTERN, description="YYYY-MM")
    end: str | None = Field(None, max_length=7, pattern=MONTH_PATTERN, description="YYYY-MM")


class ClassOut(Schema):
    code: str
    name: str
    cap_minutes: int | None
    minutes: int
    effective_minutes: int
    capped: bool


class SourceOut(Schema):
    source_kind: str
    source_id: str
    label: str
    category: str
    category_name: str
    minutes: int
    by_class: dict[str, int]
    details: dict


class ArchiveOut(Schema):
    person_id: int
    start: str
    end: str
    total_minutes: int
    effective_minutes: int
    classes: list[ClassOut]
    projects_by_category: dict[str, int]
    sources: list[SourceOut]
    exams_taken: int
    pass_rate: float


class EntryOut(Schema):
    id: int
    year: int
    month: int
    cap_class: str
    category: str
    minutes: int
    source_kind: str
    source_id: str
    source_label: str
    credited_by_id: int | None
    created_at: str
    reverses_id: int | None
    note: str

    @staticmethod
    def resolve_created_at(obj):
        return obj.created_at.isoformat()


class EntryPageOut(Schema):
    count: int
    page: int
    page_size: int
    items: list[EntryOut]


class EntryFilter(PageIn, RangeIn):
    cap_class: str | None = Field(None, max_length=32)
    category: str | None = Field(None, max_length=64)
    source_kind: str | None = Field(None, max_length=16)


class PolicyClassOut(Schema):
    code: str
    name: str
    cap_minutes: int | None
    cap_set: bool = True  # False: the cap is not set yet (counts as none)


class PolicyCategoryOut(Schema):
    code: str
    name: str
    cap_class: str
    kind: str


class PolicyOut(Schema):
    year: int
    annual_target_minutes: int | None  # None: not set yet (CAST rule set)
    classes: list[PolicyClassOut]
    categories: list[PolicyCategoryOut]
    backbone_single_min_minutes: int | None
    backbone_ratio_permille: int | None
    backbone_basis: str
    chapter_threshold_percent: int
    heartbeat_seconds: int
    claim_year_chosen: bool
    locked: bool


class CreditIn(Schema):
    person_id: int = Field(..., ge=1, le=2**31)
    cap_class: str = Field(..., max_length=32)
    category: str = Field("", max_length=64)
    minutes: int | None = Field(None, ge=1, le=MAX_MINUTES,
                                description="whole minutes, e.g. 970 for 16 h 10 min")
    hours: str | None = Field(None, max_length=9, pattern=HOURS_PATTERN,
                              description="instead of minutes: decimal hours, e.g. 4 or 2.5")
    start: date
    end: date | None = None
    reason: str = Field(..., min_length=1, max_length=500)
    source_note: str = Field("", max_length=200)
    request_key: str | None = Field(
        None, min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$",
        description="a key of the client's choosing; a retry with the same key credits once")


class ReverseIn(Schema):
    reason: str = Field(..., min_length=1, max_length=500)


class PostingReverseIn(ReverseIn):
    person_id: int = Field(..., ge=1, le=2**31)
    source_kind: str = Field(..., max_length=16)
    source_id: str = Field(..., min_length=1, max_length=64)


def _archive(person, filters: RangeIn) -> dict:
    start, end = parse_range(filters.start, filters.end)
    a = archive_for(person, start, end)
    return {
        "person_id": person.pk, "start": f"{start[0]}-{start[1]:02d}", "end": f"{end[0]}-{end[1]:02d}",
        "total_minutes": a.total, "effective_minutes": a.effective,
        "classes": [{"code": c.code, "name": c.name, "cap_minutes": c.cap, "minutes": c.minutes,
                     "effective_minutes": c.effective, "capped": c.capped} for c in a.classes],
        "projects_by_category": a.projects_by_category,
        "sources": [{"source_kind": s.source_kind, "source_id": s.source_id, "label": s.label,
                     "category": s.category, "category_name": s.category_name,
                     "minutes": s.minutes, "by_class": s.by_class, "details": s.details}
                    for s in a.sources],
        "exams_taken": a.exams_taken, "pass_rate": a.pass_rate,
    }


def _entries(person, filters: EntryFilter):
    start, end = parse_range(filters.start, filters.end)
    return paginate(entries_for(person, start, end, cap_class=filters.cap_class,
                                category=filters.category, source_kind=filters.source_kind),
                    filters)


@router.get("/archive/me", response={200: ArchiveOut, **ERRORS}, url_name="archive_me")
def archive_me(request, filters: Query[RangeIn]):
    """我的档案 for a month range (default: this year)."""
    return _archive(request.auth_user, filters)


@router.get("/archive/{person_id}", response={200: ArchiveOut, **ERRORS}, auth=api_permission("ledger.view"),
            url_name="archive_person")
def archive_person(request, person_id: int, filters: Query[RangeIn]):
    return _archive(get_person_for(request.admin_role, person_id), filters)


@router.get("/entries/me", response={200: EntryPageOut, **ERRORS}, url_name="entries_me")
def entries_me(request, filters: Query[EntryFilter]):
    """The ledger entries behind the archive's figures."""
    return _entries(request.auth_user, filters)


@router.get("/entries/{person_id}", response={200: EntryPageOut, **ERRORS}, auth=api_permission("ledger.view"),
            url_name="entries_person")
def entries_person(request, person_id: int, filters: Query[EntryFilter]):
    return _entries(get_person_for(request.admin_role, person_id), filters)


@router.get("/policy/{year}", response={200: PolicyOut, **ERRORS}, url_name="policy_year")
def policy_year(request, year: int = Path(..., ge=1900, le=2999)):
    """The yearly rules of the caller's academy."""
    if not 1900 <= year <= 2999:
        raise DomainError(ErrorCode.INVALID, _("Choose a year between 1900 and 2999."), field="year")
    role = getattr(request, "admin_role", None)
    org = role.org if role is not None else request.auth_user.institute
    rules = policy_for(org, year)
    return {"year": year, "annual_target_minutes": rules.target if rules.target_set else None,
            "classes": [{"code": c.code, "name": c.name, "cap_minutes": c.cap, "cap_set": c.cap_set}
                        for c in rules.classes],
            "categories": [{"code": c.code, "name": c.name, "cap_class": c.cap_class, "kind": c.kind}
                           for c in rules.categories],
            "backbone_single_min_minutes": rules.backbone_single_min if rules.backbone_set else None,
            "backbone_ratio_permille": rules.backbone_ratio_permille if rules.backbone_set else None,
            "backbone_basis": rules.backbone_basis,
            "chapter_threshold_percent": rules.chapter_threshold_percent,
            "heartbeat_seconds": rules.heartbeat_seconds,
            "claim_year_chosen": rules.claim_year_chosen, "locked": rules.locked}


@router.post("/entries", response={201: list[EntryOut], **ERRORS}, auth=api_permission("ledger.credit"),
             url_name="entries_credit")
def credit(request, payload: CreditIn):
    """补录: credit `minutes` (or `hours`, exactly one of them) to a person in scope
    (audited, with a reason). A `request_key` sent again with the same payload answers
    with the first posting; with another payload it is a 409 `conflict`."""
    person = get_person_for(request.admin_role, payload.person_id)
    if (payload.minutes is None) == (payload.hours is None):
        raise DomainError(ErrorCode.INVALID, _("Send either minutes or hours."), field="minutes")
    minutes = (payload.minutes if payload.minutes is not None
               else hours_to_minutes(payload.hours, field="hours"))
    entries = ledger_admin_credit(
        actor=request.auth_user, role=request.admin_role, person=person,
        cap_class=payload.cap_class, category=payload.category,
        minutes=minutes, start=payload.start, end=payload.end,
        reason=payload.reason, source_note=payload.source_note, request_key=payload.request_key)
    return Status(201, entries)


@router.post("/entries/{entry_id}/reverse", response={201: list[EntryOut], **ERRORS},
             auth=api_permission("ledger.credit"), url_name="entries_reverse")
def reverse(request, entry_id: int, payload: ReverseIn):
    """冲销: reverse the whole posting this entry belongs to (every month of its source),
    audited, with a reason; answers with the reversing entries. Already reversed: 409."""
    posting = get_posting_of_entry(request.admin_role, entry_id)
    return Status(201, ledger_admin_reverse_posting(
        actor=request.auth_user, role=request.admin_role, person=posting.person,
        source_kind=posting.source_kind, source_id=posting.source_id, reason=payload.reason))


@router.post("/postings/reverse", response={201: list[EntryOut], **ERRORS},
             auth=api_permission("ledger.credit"),
             url_name="postings_reverse")
def reverse_posting(request, payload: PostingReverseIn):
    """冲销 of a posting named by its source, as the archive lists it (`source_kind`,
    `source_id` of a person's source row)."""
    person = get_person_for(request.admin_role, payload.person_id)
    return Status(201, ledger_admin_reverse_posting(
        actor=request.auth_user, role=request.admin_role, person=person,
        source_kind=payload.source_kind, source_id=payload.source_id, reason=payload.reason))
