"""人员管理 pages (admin mode; department admins and stronger)."""

from django import forms
from django.contrib import messages
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import admin_required, get_person_for
from accounts.forms_staff import RoleGrantForm, StaffFilterForm, StaffForm
from accounts.models import RoleAssignment, User
from accounts.queries import staff_search
from accounts.services import (
    person_create,
    person_deactivate,
    person_reactivate,
    person_reset_password,
    person_update,
    role_grant,
    role_revoke,
)
from accounts.staff_import import (
    COLUMNS,
    RESULT_HEADERS,
    TEMPLATE_EXAMPLE,
    count_rows,
    result_rows,
    staff_import,
    staff_import_job,
)
from core.artifacts import artifact_open, artifact_store
from core.confirm import confirm_step
from core.errors import DomainError
from core.jobs import get_job_for, inline_rows, job_start
from core.models import JobKind
from core.xlsx import XLSX_TYPE, write_xlsx, xlsx_response, xlsx_stream_response
from orgs.models import Org, OrgKind
from orgs.queries import departments_in_scope, institutes_in_scope, units_in_scope


def _units(role):
    institutes = list(institutes_in_scope(role).order_by("path"))
    departments = list(departments_in_scope(role).select_related("institute").order_by("path"))
    return institutes, departments


def _unit_in(units, pk):
    return next((u for u in units if u.pk == pk), None) if pk else None


def _flag(value):
    return {"1": True, "0": False}.get(value or "")


def _show(form, exc: DomainError):
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


@admin_required("staff.view")
def staff_list(request):
    role = request.admin_role
    institutes, departments = _units(role)
    form = StaffFilterForm(request.GET or None, institutes=institutes, departments=departments)
    people = staff_search(role).none()
    size = 20
    if not request.GET or form.is_valid():
        data = form.cleaned_data if request.GET else {}
        size = data.get("size") or 20
        people = staff_search(
            role, q=data.get("q", ""),
            department=_unit_in(departments, data.get("department")),
            institute=_unit_in(institutes, data.get("institute")),
            post_type=data.get("post_type", ""), active=_flag(data.get("active")),
            hours_required=_flag(data.get("hours_required")),
            new_hires_year=timezone.localdate().year if data.get("new_hires") else None,
            order=data.get("order") or "name")
    if request.GET.get("export") == "xlsx":
        return _export(people)
    page = Paginator(people, size).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("export", None)
    ctx = {"form": form, "page": page, "query": query.urlencode(),
           "order": request.GET.get("order", "name"), "show_institute": len(institutes) > 1,
           "staff_import_url": reverse("accounts:staff_import")}
    template = "accounts/staff/_table.html" if request.htmx else "accounts/staff/list.html"
    return render(request, template, ctx)


EXPORT_HEADERS = ["姓名", "登录名", "员工编号", "单位", "部门", "岗位类型", "电子邮箱", "手机", "入职时间",
                  "是否有学时要求", "管理员账号", "状态"]


def _export(people):
    """The filtered list as Excel, in the list's order: rows read in chunks and written
    to a temporary file that is streamed back; every text is a text cell (a name
    starting with = stays text)."""
    rows = ((p.real_name, p.login_name, p.employee_no, p.institute.name if p.institute else "",
             p.department.name if p.department else "", p.get_post_type_display(), p.email or "",
             p.mobile or "", p.hire_date, p.hours_required, p.admin_only,
             _("Active") if p.is_active else _("Deactivated"))
            for p in people.iterator(chunk_size=2000))
    return xlsx_stream_response("人员列表.xlsx", EXPORT_HEADERS, rows)


def _save_staff(request, form, *, person=None):
    data = form.cleaned_data
    role = request.admin_role
    institutes, departments = _units(role)
    department = _unit_in(departments, data.get("department"))
    fields = {"real_name": data["real_name"], "department": department,
              "employee_no": data["employee_no"], "email": data["email"] or None,
              "mobile": data["mobile"] or None, "post_type": data["post_type"],
              "hire_date": data["hire_date"], "hours_required": data["hours_required"]}
    if person is None:
        institute = _unit_in(institutes, data.get("institute")) or (
            institutes[0] if len(institutes) == 1 else None)
        return person_create(actor=request.user, role=role, institute=institute,
                             login_name=data["login_name"] or None, **fields)
    if data["login_name"]:
        fields["login_name"] = data["login_name"]
    return person_update(actor=request.user, role=role, person=person, **fields), None


@admin_required("staff.edit")
@require_http_methods(["GET", "POST"])
def staff_create(request):
    institutes, departments = _units(request.admin_role)
    form = StaffForm(request.POST or None, institutes=institutes, departments=departments)
    namesakes = None
    if request.method == "POST" and form.is_valid():
        if not request.POST.get("confirm_same_name"):
            namesakes = _namesakes(request.admin_role, form, institutes)
        if not namesakes:
            try:
                person, password = _save_staff(request, form)
            except DomainError as exc:
                _show(form, exc)
            else:
                return render(request, "accounts/staff/created.html",
                              {"person": person, "password": password,
                               "shared_default": _shared_default(person, password)})
    return render(request, "accounts/staff/form.html", {"form": form, "person": None,
                                                        "namesakes": namesakes})


def _shared_default(person, password: str) -> bool:
    """Whether the password handed out is the institute's one default for everybody:
    then it is no secret "shown only once" and the page says so."""
    unit = person.institute
    return unit is not None and unit.initial_password_mode == "default" and (  # noqa: S105
        password == unit.default_initial_password)


def _namesakes(role, form, institutes):
    """People of the same name in the institute the new person joins: adding one more
    asks for confirmation first. Those outside the admin's scope are counted, not named."""
    data = form.cleaned_data
    institute = _unit_in(institutes, data.get("institute")) or (
        institutes[0] if len(institutes) == 1 else None)
    if institute is None:
        return None
    same = User.objects.filter(institute=institute, real_name=data["real_name"].strip())
    total = same.count()
    if not total:
        return None
    shown = list(staff_search(role).filter(pk__in=same.values("pk"))[:10])
    return {"name": data["real_name"].strip(), "total": total, "people": shown}


@admin_required("staff.view")
@require_http_methods(["GET", "POST"])
def staff_edit(request, pk):
    role = request.admin_role
    person = get_person_for(role, pk)
    institutes, departments = _units(role)
    departments = [d for d in departments if d.institute_id == person.institute_id]
    initial = {"real_name": person.real_name, "login_name": person.login_name,
               "department": person.department_id, "employee_no": person.employee_no,
               "email": person.email or "", "mobile": person.mobile or "",
               "post_type": person.post_type, "hire_date": person.hire_date,
               "hours_required": person.hours_required}
    form = StaffForm(request.POST or None, initial=initial, institutes=institutes,
                     departments=departments, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            _save_staff(request, form, person=person)
        except DomainError as exc:
            _show(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("accounts:staff_edit", pk=person.pk)
    roles = person.roles.select_related("org").order_by("role")
    units = [u for u in units_in_scope(role).order_by("path")
             if u.kind != OrgKind.BRANCH]
    grant = RoleGrantForm(units=units, prefix="grant")
    return render(request, "accounts/staff/form.html",
                  {"form": form, "person": person, "roles": roles, "grant": grant})


@admin_required("staff.edit")
@require_POST
def staff_set_active(request, pk, active):
    person = get_person_for(request.admin_role, pk)
    try:
        service = person_reactivate if active else person_deactivate
        service(actor=request.user, role=request.admin_role, person=person)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Reactivated.") if active else _("Deactivated."))
    return redirect("accounts:staff_edit", pk=person.pk)


@admin_required("staff.edit")
@require_POST
def staff_reset_password(request, pk):
    person = get_person_for(request.admin_role, pk)
    password = person_reset_password(actor=request.user, role=request.admin_role, person=person)
    return render(request, "accounts/staff/created.html",
                  {"person": person, "password": password, "reset": True,
                   "shared_default": _shared_default(person, password)})


@admin_required("staff.roles")
@require_POST
def staff_role_grant(request, pk):
    role = request.admin_role
    person = get_person_for(role, pk)
    units = list(units_in_scope(role).exclude(kind=OrgKind.BRANCH))
    form = RoleGrantForm(request.POST, units=units, prefix="grant")
    if form.is_valid():
        try:
            org = get_object_or_404(Org, pk=form.cleaned_data["org"], path__startswith=role.org.path)
            role_grant(actor=request.user, role=role, user=person,
                       new_role=form.cleaned_data["role"], org=org)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Role granted."))
    else:
        messages.error(request, _("Choose a role and a unit."))
    return redirect("accounts:staff_edit", pk=person.pk)


@admin_required("staff.roles")
@require_POST
def staff_role_revoke(request, pk, role_pk):
    role = request.admin_role
    person = get_person_for(role, pk)
    assignment = get_object_or_404(RoleAssignment, pk=role_pk, user=person,
                                   org__path__startswith=role.org.path)
    answer = confirm_step(
        request, title=_("Remove a role"), button=_("Remove the role"),
        cancel=reverse("accounts:staff_edit", args=[person.pk]),
        changes=[_("%(person)s loses the role %(role)s of %(org)s.")
                 % {"person": person.real_name, "role": assignment.get_role_display(),
                    "org": assignment.org.name}])
    if answer:
        return answer
    try:
        role_revoke(actor=request.user, role=role, assignment=assignment)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Role removed."))
    return redirect("accounts:staff_edit", pk=person.pk)


class StaffImportForm(forms.Form):
    institute = forms.TypedChoiceField(label=gettext_lazy("Institute"), coerce=int, required=False,
                                       empty_value=None)
    file = forms.FileField(label=gettext_lazy("Excel file (.xlsx)"))

    def __init__(self, *args, institutes=(), **kwargs):
        super().__init__(*args, **kwargs)
        if len(institutes) > 1:
            self.fields["institute"].choices = [(i.pk, i.name) for i in institutes]
            self.fields["institute"].required = True
        else:
            del self.fields["institute"]


@admin_required("staff.edit")
def staff_import_template(request):
    return xlsx_response("人员导入模板.xlsx", COLUMNS, [TEMPLATE_EXAMPLE], sheet_name="人员")


@admin_required("staff.edit")
@require_http_methods(["GET", "POST"])
def staff_import_view(request):
    role = request.admin_role
    institutes, _departments = _units(role)
    form = StaffImportForm(request.POST or None, request.FILES or None, institutes=institutes)
    result = None
    ctx = {"form": form, "columns": COLUMNS}
    if request.method == "POST" and form.is_valid():
        institute = _unit_in(institutes, form.cleaned_data.get("institute"))
        upload = form.cleaned_data["file"]
        try:
            rows = count_rows(upload)
            if rows > inline_rows():  # too long for a request: the worker runs it
                job = job_start(actor=request.user, kind=JobKind.STAFF_IMPORT, data=upload.read(),
                                rows_total=rows, runner=staff_import_job,
                                params={"role_id": role.pk, "institute_id": getattr(institute, "pk", None)})
                return redirect("accounts:job", pk=job.pk)
            result = staff_import(actor=request.user, role=role, upload=upload, institute=institute)
        except DomainError as exc:
            _show(form, exc)
        else:
            ctx["result"] = result
            if result.errors:
                ctx["errors_token"] = artifact_store(request, write_xlsx(
                    ["行号", "列", "错误"], [(e.row, e.column, e.message) for e in result.errors]),
                    "人员导入错误.xlsx")
            elif result.created:
                ctx["result_token"] = artifact_store(request, write_xlsx(RESULT_HEADERS, result_rows(result)),
                                                     "人员导入结果.xlsx")
    return render(request, "accounts/staff/import.html", ctx)


@admin_required()
def artifact_download(request, token):
    found = artifact_open(request, token)
    if found is None:
        raise Http404
    handle, filename = found
    response = FileResponse(handle, as_attachment=True, filename=filename,
                            content_type=XLSX_TYPE)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- queued imports (core/jobs.py): the owner's page, its polled progress, its files ----------

@admin_required()
def job_detail(request, pk):
    return render(request, "core/job.html", {"job": get_job_for(request.user, pk)})


@admin_required()
def job_progress(request, pk):
    response = render(request, "core/_job_progress.html", {"job": get_job_for(request.user, pk)})
    response["Cache-Control"] = "no-store"
    return response


@admin_required()
def job_file(request, pk, which):
    job = get_job_for(request.user, pk)
    key = {"errors": job.error_file, "result": job.result_file}.get(which)
    if not key:
        raise Http404
    try:
        handle = default_storage.open(key, "rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    name = (job.summary.get("result_name") if which == "result" else None) or f"{job.get_kind_display()}-{which}.xlsx"
    response = FileResponse(handle, as_attachment=True, filename=name, content_type=XLSX_TYPE)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
