"""Reports API: the same figures as the 培训统计 pages, asked the same permission
questions (core/tests/authz.py pairs each operation with its page)."""

from datetime import date
from decimal import Decimal
from typing import Literal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from accounts.access import api_permission
from core.api_schemas import ErrorOut
from core.errors import DomainError, ErrorCode
from orgs.models import OrgKind
from reports.access import get_institute_for, institutes_for
from reports.forms import overview_filters
from reports.models import BackboneWindow
from reports.queries import (
    AcademyBackbone,
    backbone_by_institute,
    backbone_view,
    report_figures,
    staff_overview,
)
from reports.services import (
    backbone_lock,
    backbone_report_people,
    backbone_revoke_people,
    backbone_window_set,
)

router = Router(tags=["reports"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class CompletionOut(Schema):
    staff: int = Field(description="active staff (单位在职总人数)")
    required: int = Field(description="people with a requirement, new hires of the year left out")
    met: int = Field(description="required people whose effective hours reach the target")
    new_hires: int = Field(description="hired in the year: not in the rate")
    not_required: int = Field(description="without an hours requirement: not in the rate")
    rate_percent: Decimal | None = Field(description="met / required, two decimals; null: no one required")
    total_minutes: int
    average_minutes: int | None


def completion_out(c) -> dict:
    return {"staff": c.staff, "required": c.required, "met": c.met, "new_hires": c.new_hires,
            "not_required": c.not_required, "rate_percent": c.rate,
            "total_minutes": c.total_minutes, "average_minutes": c.average_minutes}


class StaffRowOut(Schema):
    person_id: int
    name: str
    login_name: str
    employee_no: str
    institute: str
    department: str
    post_type: str
    hire_date: date | None
    hours_required: bool
    new_hire: bool
    total_minutes: int
    effective_minutes: int
    classes: dict[str, int]
    target_minutes: int
    met: bool
    missing_minutes: int


class StaffOverviewOut(Schema):
    year: int
    count: int
    page: int
    page_size: int
    classes: dict[str, str]
    completion: CompletionOut
    items: list[StaffRowOut]


class StaffFilterIn(Schema):
    year: int | None = Field(None, ge=1900, le=2999)
    department: int | None = Field(None, ge=1, le=2**31 - 1,
                                   description="a department outside the scope matches nobody")
    post_type: Literal["", "research", "management", "support"] = ""
    met: Literal["", "yes", "no"] = ""
    new_hires: Literal["", "only", "exclude"] = ""
    q: str = Field("", max_length=100)
    order: Literal["name", "-name", "dept", "-dept", "effective", "-effective", "total", "-total",
                   "missing", "-missing", "hired", "-hired"] = "name"
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(50, ge=1, le=500)


def _row(r) -> dict:
    return {"person_id": r.person_id, "name": r.name, "login_name": r.login_name,
            "employee_no": r.employee_no, "institute": r.institute, "department": r.department,
            "post_type": r.post_type, "hire_date": r.hire_date, "hours_required": r.hours_required,
            "new_hire": r.new_hire, "total_minutes": r.total, "effective_minutes": r.effective,
            "classes": r.classes, "target_minutes": r.target, "met": r.met,
            "missing_minutes": r.missing}


@router.get("/staff", response={200: StaffOverviewOut, **ERRORS}, auth=api_permission("reports.staff"))
def staff(request, filters: Query[StaffFilterIn]):
    """职工学习总体情况统计: every in-service person of the scope with the year's figures."""
    query = {k: str(v) for k, v in filters.dict().items()
             if k not in ("page", "page_size") and v not in (None, "")}
    _form, kwargs = overview_filters(request.admin_role, query)
    year = kwargs.pop("year")
    overview = staff_overview(request.admin_role, year, **kwargs)
    start = (filters.page - 1) * filters.page_size
    return {"year": year, "count": len(overview.rows), "page": filters.page,
            "page_size": filters.page_size, "classes": dict(overview.classes),
            "completion": completion_out(overview.completion),
            "items": [_row(r) for r in overview.rows[start:start + filters.page_size]]}


# --- backbone talent ------------------------------------------------------------------------

class BackboneFiguresOut(Schema):
    staff: int
    ratio_permille: int
    required: int = Field(description="staff × ratio, rounded up")
    required_exact: Decimal = Field(description="staff × ratio, unrounded (the rate's divisor)")
    reported: int
    rate_percent: Decimal | None = Field(description="reported / required_exact, two decimals")


def figures_out(f) -> dict:
    return {"staff": f.staff, "ratio_permille": getattr(f, "ratio_permille", 0), "required": f.required,
            "required_exact": f.required_exact, "reported": f.reported, "rate_percent": f.rate}


class CandidateOut(Schema):
    person_id: int
    name: str
    employee_no: str
    department: str
    total_minutes: int
    effective_minutes: int
    largest_single_minutes: int
    qualifies: bool
    reported: bool


class WindowOut(Schema):
    year: int
    opens_on: date
    closes_on: date


class BackboneOut(Schema):
    institute_id: int
    year: int
    status: str = Field(description="open (尚未完成上报) or locked (已完成上报)")
    basis: str = Field(description="total or effective: the hours compared with the target")
    target_minutes: int
    single_min_minutes: int = Field(description="one training record must be MORE than this")
    window: WindowOut | None
    window_open: bool
    figures: BackboneFiguresOut
    candidates: list[CandidateOut]


class BackboneQueryIn(Schema):
    year: int | None = Field(None, ge=1900, le=2999)
    institute: int | None = Field(None, ge=1, le=2**31 - 1, description="academy admins: which institute")


def _institute(request, institute_id):
    role = request.admin_role
    if role.org.kind == OrgKind.INSTITUTE and not institute_id:
        return role.org
    if not institute_id:
        raise DomainError(ErrorCode.INVALID, _("Choose an institute."), field="institute")
    return get_institute_for(role, institute_id)


def _this_year(year):
    return year or timezone.localdate().year


def _window_out(w):
    return {"year": w.year, "opens_on": w.opens_on, "closes_on": w.closes_on} if w else None


@router.get("/backbone", response={200: BackboneOut, **ERRORS}, auth=api_permission("reports.backbone_view"))
def backbone(request, query: Query[BackboneQueryIn]):
    """骨干人才筛选上报表 of one institute: candidates (and reported people) with each
    person's total and effective hours and largest single training record, the required
    number, the reported count and the rate."""
    year = _this_year(query.year)
    view = backbone_view(_institute(request, query.institute), year)
    return {"institute_id": view.institute.pk, "year": year,
            "status": view.report.status if view.report else "open",
            "basis": view.rules.backbone_basis, "target_minutes": view.rules.target,
            "single_min_minutes": view.rules.backbone_single_min, "window": _window_out(view.window),
            "window_open": view.window_open(timezone.localdate()), "figures": figures_out(view.figures),
            "candidates": [{"person_id": c.row.person_id, "name": c.row.name,
                            "employee_no": c.row.employee_no, "department": c.row.department,
                            "total_minutes": c.row.total, "effective_minutes": c.row.effective,
                            "largest_single_minutes": c.largest, "qualifies": c.qualifies,
                            "reported": reported} for c, reported in view.rows]}


class InstituteBackboneOut(Schema):
    institute_id: int
    name: str
    status: str
    figures: BackboneFiguresOut


class AcademyBackboneOut(Schema):
    year: int
    window: WindowOut | None
    institutes: list[InstituteBackboneOut]
    total: BackboneFiguresOut = Field(description="the sum of the institutes")


class YearIn(Schema):
    year: int | None = Field(None, ge=1900, le=2999)


@router.get("/backbone/institutes", response={200: AcademyBackboneOut, **ERRORS},
            auth=api_permission("reports.backbone_view"))
def backbone_institutes(request, query: Query[YearIn]):
    """Every institute of the scope with its backbone figures and status, and their sum."""
    role = request.admin_role
    year = _this_year(query.year)
    rows = backbone_by_institute(institutes_for(role), year)
    total = AcademyBackbone(parts=[f for _u, _r, f in rows])
    window = BackboneWindow.objects.filter(org_id=role.org.root_id or role.org.pk, year=year).first()
    return {"year": year, "window": _window_out(window),
            "institutes": [{"institute_id": u.pk, "name": u.name, "status": r.status if r else "open",
                            "figures": figures_out(f)} for u, r, f in rows],
            "total": {**figures_out(total), "ratio_permille": rows[0][2].ratio_permille if rows else 0}}


class PeopleIn(Schema):
    year: int = Field(..., ge=1900, le=2999)
    person_ids: list[int] = Field(..., min_length=1, max_length=1000)


class CountOut(Schema):
    count: int


@router.post("/backbone/report", response={200: CountOut, **ERRORS},
             auth=api_permission("reports.backbone_report"))
def backbone_report(request, body: PeopleIn):
    """上报 one or many candidates (inside the window, before the lock)."""
    role = request.admin_role
    return {"count": backbone_report_people(actor=request.user, role=role, institute_id=role.org.pk,
                                            year=body.year, person_ids=body.person_ids)}


@router.post("/backbone/revoke", response={200: CountOut, **ERRORS},
             auth=api_permission("reports.backbone_report"))
def backbone_revoke(request, body: PeopleIn):
    """撤销 one or many reported people (inside the window, before the lock)."""
    role = request.admin_role
    return {"count": backbone_revoke_people(actor=request.user, role=role, institute_id=role.org.pk,
                                            year=body.year, person_ids=body.person_ids)}


class LockIn(Schema):
    year: int = Field(..., ge=1900, le=2999)


@router.post("/backbone/lock", response={200: BackboneFiguresOut, **ERRORS},
             auth=api_permission("reports.backbone_report"))
def backbone_lock_year(request, body: LockIn):
    """完成上报: lock the institute's report of the year for good."""
    role = request.admin_role
    report = backbone_lock(actor=request.user, role=role, institute_id=role.org.pk, year=body.year)
    return figures_out(report_figures(report, report.institute, body.year))


class WindowIn(Schema):
    year: int = Field(..., ge=1900, le=2999)
    opens_on: date
    closes_on: date


@router.get("/backbone/window", response={200: list[WindowOut], **ERRORS},
            auth=api_permission("reports.backbone_window"))
def backbone_windows(request):
    """The academy's reporting windows, newest year first."""
    return [_window_out(w) for w in BackboneWindow.objects.filter(org=request.admin_role.org).order_by("-year")]


@router.put("/backbone/window", response={200: WindowOut, **ERRORS},
            auth=api_permission("reports.backbone_window"))
def backbone_window_put(request, body: WindowIn):
    """Open (or move) the year's reporting window for every institute of the academy."""
    window = backbone_window_set(actor=request.user, role=request.admin_role, year=body.year,
                                 opens_on=body.opens_on, closes_on=body.closes_on)
    return _window_out(window)
