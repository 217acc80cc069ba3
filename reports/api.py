"""Reports API: the same figures as the 培训统计 pages, asked the same permission
questions (core/tests/authz.py pairs each operation with its page)."""

from datetime import date
from decimal import Decimal

from ninja import Field, Query, Router, Schema

from accounts.access import api_permission
from core.api_schemas import ErrorOut
from reports.forms import overview_filters
from reports.queries import staff_overview

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
    year: int | None = Field(None, ge=2000, le=2999)
    department: int | None = Field(None, ge=1, le=2**31 - 1)
    post_type: str = Field("", max_length=16)
    met: str = Field("", max_length=3, description="yes / no")
    new_hires: str = Field("", max_length=8, description="only / exclude")
    q: str = Field("", max_length=100)
    order: str = Field("name", max_length=12)
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
