"""Reports API: the same figures as the 培训统计 pages, asked the same permission
questions (core/tests/authz.py pairs each operation with its page)."""

from datetime import date
from decimal import Decimal
from typing import Literal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from accounts.access import api_permission
from core.api_schemas import ErrorOut
from core.errors import DomainError, ErrorCode
from orgs.models import OrgKind
from reports.access import get_institute_for, get_summary_for, institutes_for
from reports.forms import overview_filters
from reports.models import AnnualSummary, BackboneWindow
from reports.queries import (
    AcademyBackbone,
    Completion,
    backbone_by_institute,
    backbone_view,
    class_execution,
    completion_by_institute,
    dashboard,
    plan_implementation_rate,
    report_figures,
    staff_overview,
)
from reports.services import (
    at_risk_notify,
    backbone_lock,
    backbone_report_people,
    backbone_revoke_people,
    backbone_window_set,
    summary_create,
    summary_refresh,
    summary_submit,
    summary_update,
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


# --- annual summary ---------------------------------------------------------------------------

class SummaryOut(Schema):
    id: int
    institute_id: int
    institute: str
    year: int
    status: str = Field(description="draft or submitted")
    person_times: int | None = Field(description="单位培训总人次 (editable)")
    funding: Decimal | None = Field(description="单位投入总经费, 10k yuan (editable)")
    plan_rate_percent: Decimal | None = Field(description="年度计划执行率; null: not available (no plans yet)")
    staff_met: int = Field(description="学时达标人数, new hires and people without a requirement left out")
    staff_required: int = Field(description="需学时达标人数, same exclusions")
    completion_rate_percent: Decimal | None = Field(description="职工完训率 = staff_met / staff_required")
    staff_total: int = Field(description="单位在职总人数")
    backbone_rate_percent: Decimal | None = Field(description="骨干人才完训率 = reported / (staff at the lock × 4%)")
    total_minutes: int = Field(description="单位职工总学时: total minutes of the in-service staff")
    average_minutes: int | None = Field(description="单位职工平均学时 = total_minutes / staff_total")
    refreshed_at: str | None


def summary_out(s) -> dict:
    return {"id": s.pk, "institute_id": s.institute_id, "institute": s.institute.name, "year": s.year,
            "status": s.status, "person_times": s.person_times, "funding": s.funding,
            "plan_rate_percent": s.plan_rate, "staff_met": s.staff_met, "staff_required": s.staff_required,
            "completion_rate_percent": s.completion_rate, "staff_total": s.staff_total,
            "backbone_rate_percent": s.backbone_rate, "total_minutes": s.total_minutes,
            "average_minutes": s.average_minutes,
            "refreshed_at": s.refreshed_at.isoformat() if s.refreshed_at else None}


@router.get("/summaries", response={200: list[SummaryOut], **ERRORS}, auth=api_permission("reports.summary"))
def summaries(request, query: Query[YearIn]):
    """Every annual summary of the scope's institutes (the academy: all of them)."""
    rows = AnnualSummary.objects.filter(institute__in=institutes_for(request.admin_role)).select_related("institute")
    if query.year:
        rows = rows.filter(year=query.year)
    return [summary_out(s) for s in rows.order_by("-year", "institute__path")[:1000]]


class SummaryCreateIn(Schema):
    year: int = Field(..., ge=1900, le=2999)


@router.post("/summaries", response={201: SummaryOut, **ERRORS}, auth=api_permission("reports.summary_edit"))
def summary_new(request, body: SummaryCreateIn):
    """新建总结 (409 before the year's backbone report is locked)."""
    role = request.admin_role
    return Status(201, summary_out(summary_create(actor=request.user, role=role, institute_id=role.org.pk,
                                           year=body.year)))


@router.get("/summaries/{summary_id}", response={200: SummaryOut, **ERRORS}, auth=api_permission("reports.summary"))
def summary_get(request, summary_id: int):
    return summary_out(get_summary_for(request.admin_role, summary_id))


class SummaryEditIn(Schema):
    person_times: int | None = Field(None, ge=0, le=10_000_000)
    funding: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)


@router.patch("/summaries/{summary_id}", response={200: SummaryOut, **ERRORS},
              auth=api_permission("reports.summary_edit"))
def summary_patch(request, summary_id: int, body: SummaryEditIn):
    """Set 总人次 and 总经费 (the only editable fields; computed ones are not accepted)."""
    return summary_out(summary_update(actor=request.user, role=request.admin_role, summary_id=summary_id,
                                      person_times=body.person_times, funding=body.funding))


@router.post("/summaries/{summary_id}/refresh", response={200: SummaryOut, **ERRORS},
             auth=api_permission("reports.summary_edit"))
def summary_refresh_data(request, summary_id: int):
    """刷新数据: recompute the computed fields."""
    return summary_out(summary_refresh(actor=request.user, role=request.admin_role, summary_id=summary_id))


@router.post("/summaries/{summary_id}/submit", response={200: SummaryOut, **ERRORS},
             auth=api_permission("reports.summary_edit"))
def summary_hand_in(request, summary_id: int):
    """提交: the summary becomes final."""
    return summary_out(summary_submit(actor=request.user, role=request.admin_role, summary_id=summary_id))


# --- dashboards ---------------------------------------------------------------------------

class DepartmentOut(Schema):
    department_id: int | None
    name: str
    completion: CompletionOut


class BandOut(Schema):
    low_hours: int
    high_hours: int | None
    people: int


class MonthOut(Schema):
    month: int
    average_minutes: int = Field(description="cumulative total minutes per person by the month's end")
    pace_minutes: int = Field(description="target × month / 12: the pace needed")


class AtRiskOut(Schema):
    person_id: int
    name: str
    department: str
    effective_minutes: int
    forecast_minutes: int = Field(description="effective × days in year / days elapsed")
    missing_minutes: int


class DashboardOut(Schema):
    institute_id: int
    year: int
    days_elapsed: int
    days_in_year: int
    completion: CompletionOut
    departments: list[DepartmentOut]
    bands: list[BandOut]
    months: list[MonthOut]
    at_risk: list[AtRiskOut]


@router.get("/dashboard", response={200: DashboardOut, **ERRORS}, auth=api_permission("reports.dashboard"))
def dashboard_figures(request, query: Query[BackboneQueryIn]):
    """An institute's figures: completion per department (excluded people counted
    separately), the spread of effective hours, progress against the pace, at-risk list."""
    year = _this_year(query.year)
    institute = _institute(request, query.institute)
    board = dashboard(request.admin_role, year, timezone.localdate(), institute=institute)
    return {"institute_id": institute.pk, "year": year, "days_elapsed": board.days_elapsed,
            "days_in_year": board.days_in_year, "completion": completion_out(board.completion),
            "departments": [{"department_id": pk, "name": name, "completion": completion_out(c)}
                            for pk, name, c in board.by_department],
            "bands": [{"low_hours": b[0], "high_hours": b[1], "people": n} for b, _label, n in board.bands],
            "months": [{"month": m, "average_minutes": a, "pace_minutes": p} for m, a, p in board.months],
            "at_risk": [{"person_id": f.row.person_id, "name": f.row.name, "department": f.row.department,
                         "effective_minutes": f.row.effective, "forecast_minutes": f.minutes,
                         "missing_minutes": f.row.missing} for f in board.at_risk]}


class InstituteCompletionOut(Schema):
    institute_id: int
    name: str
    completion: CompletionOut
    plan_rate_percent: Decimal | None = Field(description="null: not available until training plans land")
    backbone: BackboneFiguresOut
    backbone_status: str


class AcademyDashboardOut(Schema):
    year: int
    institutes: list[InstituteCompletionOut]
    total: CompletionOut = Field(description="the sum of the institutes")


@router.get("/dashboard/institutes", response={200: AcademyDashboardOut, **ERRORS},
            auth=api_permission("reports.dashboard"))
def dashboard_institutes(request, query: Query[YearIn]):
    """The academy's figures per institute and their sum."""
    role = request.admin_role
    year = _this_year(query.year)
    completion = completion_by_institute(role, year)
    rows = backbone_by_institute(institutes_for(role), year)
    parts = [completion.get(u.pk) or Completion() for u, _r, _f in rows]
    return {"year": year, "total": completion_out(sum(parts, Completion())),
            "institutes": [{"institute_id": u.pk, "name": u.name, "completion": completion_out(c),
                            "plan_rate_percent": plan_implementation_rate(u, year),
                            "backbone": figures_out(f), "backbone_status": r.status if r else "open"}
                           for (u, r, f), c in zip(rows, parts, strict=True)]}


class NotifyIn(Schema):
    year: int = Field(..., ge=1900, le=2999)
    institute: int | None = Field(None, ge=1, le=2**31 - 1)


@router.post("/dashboard/notify", response={200: CountOut, **ERRORS}, auth=api_permission("reports.dashboard"))
def dashboard_notify(request, body: NotifyIn):
    """Notify everyone at risk in one action (the list is recomputed on the server)."""
    return {"count": at_risk_notify(actor=request.user, role=request.admin_role, year=body.year,
                                    institute_id=body.institute)}


# --- 培训班统计表 ---------------------------------------------------------------------------

class ClassRowOut(Schema):
    project_id: int
    institute: str
    name: str
    premium: bool
    audience: str
    content: str
    objective: str
    start: date
    end: date
    place: str
    attendees: int = Field(description="confirmed attendees; 0 while the project is not implemented")
    staff: int = Field(description="the project's staff; 0 while it is not implemented")
    spent: Decimal | None = Field(description="actual spending, 10,000 yuan")
    effectiveness: str
    contact: str
    phone: str
    implemented: bool


class ClassesOut(Schema):
    year: int
    unimplemented: int
    items: list[ClassRowOut]


@router.get("/classes", response={200: ClassesOut, **ERRORS}, auth=api_permission("reports.classes"))
def classes(request, query: Query[YearIn]):
    """培训班统计表: the scope's training projects of the year, unimplemented ones marked."""
    year = _this_year(query.year)
    rows = class_execution(request.admin_role, year)
    return {"year": year, "unimplemented": sum(1 for r in rows if not r.implemented),
            "items": [vars(r) for r in rows]}
