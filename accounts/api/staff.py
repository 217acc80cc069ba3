"""Staff management API (admin mode). Same services as the 人员管理 pages."""

from datetime import date

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from accounts.access import api_permission, get_person_for
from accounts.api_auth import admin_auth
from accounts.models import PostType, User
from accounts.queries import STAFF_ORDERINGS, staff_search
from accounts.services import (
    person_create,
    person_deactivate,
    person_reactivate,
    person_update,
)
from accounts.staff_import import staff_import
from core.api_schemas import ErrorOut, PageIn, paginate
from core.errors import DomainError, ErrorCode
from core.validators import PersonDate, SingleLine
from orgs.models import Org, OrgKind
from orgs.queries import units_in_scope

router = Router(tags=["staff"], auth=admin_auth)

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class StaffOut(Schema):
    id: int
    login_name: str
    real_name: str
    email: str | None
    mobile: str | None
    employee_no: str
    institute_id: int | None
    department_id: int | None
    department_name: str | None = Field(None, alias="department.name")
    post_type: str
    hire_date: date | None
    hours_required: bool
    is_active: bool


class StaffPageOut(Schema):
    count: int
    page: int
    page_size: int
    items: list[StaffOut]


class StaffFilter(PageIn):
    q: str = Field("", max_length=100)
    department_id: int | None = Field(None, ge=1, le=2**31)
    institute_id: int | None = Field(None, ge=1, le=2**31)
    post_type: PostType | None = None
    active: bool | None = None
    hours_required: bool | None = None
    new_hires: bool = False
    order: str = Field("name", max_length=10, pattern="^-?(name|login|no|hired|dept)$")


class StaffIn(Schema):
    real_name: SingleLine = Field(..., min_length=1, max_length=64)
    institute_id: int | None = Field(None, ge=1, le=2**31)
    department_id: int | None = Field(None, ge=1, le=2**31)
    login_name: SingleLine | None = Field(None, max_length=150)
    email: str | None = Field(None, max_length=254)
    mobile: str | None = Field(None, max_length=20)
    employee_no: str = Field("", max_length=32)
    post_type: PostType | None = None
    hire_date: PersonDate | None = None
    hours_required: bool = True


class StaffCreatedOut(Schema):
    person: StaffOut
    initial_password: str


class StaffPatch(Schema):
    real_name: SingleLine | None = Field(None, min_length=1, max_length=64)
    department_id: int | None = Field(None, ge=1, le=2**31)
    login_name: SingleLine | None = Field(None, max_length=150)
    email: str | None = Field(None, max_length=254)
    mobile: str | None = Field(None, max_length=20)
    employee_no: str | None = Field(None, max_length=32)
    post_type: PostType | None = None
    hire_date: PersonDate | None = None
    hours_required: bool | None = None


class ImportOut(Schema):
    created: int
    updated: int
    unchanged: int


def _unit(role, pk, kind) -> Org | None:
    if pk is None:
        return None
    unit = units_in_scope(role).filter(pk=pk, kind=kind).first()
    if unit is None:
        # A unit outside the scope filters to nothing rather than leaking that it exists.
        return Org(pk=0, path="/none/", kind=kind)
    return unit


def _out(person: User) -> User:
    return User.objects.select_related("department").get(pk=person.pk)


@router.get("", response={200: StaffPageOut, **ERRORS}, auth=api_permission("staff.view"), url_name="staff_api_list")
def staff_list(request, filters: Query[StaffFilter]):
    """人员管理 list: the role's scope only; filters only narrow it."""
    role = request.admin_role
    people = staff_search(
        role, q=filters.q, department=_unit(role, filters.department_id, OrgKind.DEPARTMENT),
        institute=_unit(role, filters.institute_id, OrgKind.INSTITUTE),
        post_type=filters.post_type or "", active=filters.active,
        hours_required=filters.hours_required,
        new_hires_year=timezone.localdate().year if filters.new_hires else None,
        order=filters.order if filters.order in STAFF_ORDERINGS else "name")
    return paginate(people, filters)


@router.post("", response={201: StaffCreatedOut, **ERRORS}, auth=api_permission("staff.edit"), url_name="staff_api_create")
def staff_create(request, payload: StaffIn):
    role = request.admin_role
    institute = None
    if payload.institute_id is not None:
        institute = get_object_or_404(units_in_scope(role), pk=payload.institute_id,
                                      kind=OrgKind.INSTITUTE)
    department = None
    if payload.department_id is not None:
        department = get_object_or_404(units_in_scope(role), pk=payload.department_id,
                                       kind=OrgKind.DEPARTMENT)
    person, password = person_create(
        actor=request.auth_user, role=role, real_name=payload.real_name, institute=institute,
        department=department, email=payload.email, mobile=payload.mobile,
        employee_no=payload.employee_no, post_type=payload.post_type or "",
        hire_date=payload.hire_date, hours_required=payload.hours_required,
        login_name=payload.login_name)
    return Status(201, {"person": _out(person), "initial_password": password})


class ImportErrorOut(Schema):
    code: str
    message: str
    field: str | None = None
    errors: list[dict] = []


@router.post("/import", response={200: ImportOut, 400: ImportErrorOut, 401: ErrorOut, 403: ErrorOut,
                                  404: ErrorOut, 413: ErrorOut},
             auth=api_permission("staff.edit"), url_name="staff_api_import")
def staff_import_op(request, file: File[UploadedFile],
                    institute_id: Form[int | None] = None):
    """Import staff from the HR export (multipart `file`). All or nothing."""
    role = request.admin_role
    institute = None
    if institute_id is not None:
        institute = get_object_or_404(units_in_scope(role), pk=institute_id, kind=OrgKind.INSTITUTE)
    result = staff_import(actor=request.auth_user, role=role, upload=file, institute=institute)
    if result.errors:
        return Status(400, {"code": ErrorCode.IMPORT_ERRORS,
                            "message": _("The file has errors; nothing was imported."),
                            "field": "file",
                            "errors": [{"row": e.row, "column": e.column, "message": e.message}
                                       for e in result.errors]})
    return {"created": len(result.created), "updated": result.updated,
            "unchanged": result.unchanged}


@router.get("/{person_id}", response={200: StaffOut, **ERRORS}, auth=api_permission("staff.view"), url_name="staff_api_get")
def staff_get(request, person_id: int):
    return get_person_for(request.admin_role, person_id)


@router.patch("/{person_id}", response={200: StaffOut, **ERRORS}, auth=api_permission("staff.edit"), url_name="staff_api_update")
def staff_update(request, person_id: int, payload: StaffPatch):
    role = request.admin_role
    person = get_person_for(role, person_id)
    changes = payload.dict(exclude_unset=True)
    if "department_id" in changes:
        dept_id = changes.pop("department_id")
        changes["department"] = None if dept_id is None else get_object_or_404(
            units_in_scope(role), pk=dept_id, kind=OrgKind.DEPARTMENT)
    if "post_type" in changes:
        changes["post_type"] = changes["post_type"] or ""
    for required in ("real_name", "hours_required", "employee_no"):
        if required in changes and changes[required] is None:
            raise DomainError(ErrorCode.INVALID, _("This field cannot be empty."), field=required)
    person = person_update(actor=request.auth_user, role=role, person=person, **changes)
    return _out(person)


@router.post("/{person_id}/deactivate", response={200: StaffOut, **ERRORS},
             auth=api_permission("staff.edit"), url_name="staff_api_deactivate")
def staff_deactivate(request, person_id: int):
    person = get_person_for(request.admin_role, person_id)
    return _out(person_deactivate(actor=request.auth_user, role=request.admin_role, person=person))


@router.post("/{person_id}/reactivate", response={200: StaffOut, **ERRORS},
             auth=api_permission("staff.edit"), url_name="staff_api_reactivate")
def staff_reactivate(request, person_id: int):
    person = get_person_for(request.admin_role, person_id)
    return _out(person_reactivate(actor=request.auth_user, role=request.admin_role, person=person))
