"""培训项目 (catalogue, detail, 我要报名, 我的培训) for learners and 培训班管理 for
class, institute and academy admins."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.access import admin_required
from core.errors import DomainError, ErrorCode
from core.permissions import has_permission
from core.xlsx import xlsx_export_response, xlsx_response
from orgs.models import OrgKind
from orgs.queries import units_in_scope
from training.access import get_own_enrolment, get_project_for, get_visible_project, people_for
from training.forms import (
    CatalogueFilterForm,
    ManageFilterForm,
    ProjectForm,
    SessionForm,
    SignInForm,
)
from training.models import (
    PROJECT_WORKFLOW,
    Enrolment,
    EnrolmentStatus,
    Funding,
    ProjectStatus,
    SignIn,
)
from training.queries import catalogue, manager_list, my_training, with_places
from training.services import (
    FIELDS,
    attendees_add,
    attendees_confirm,
    attendees_remove,
    attendees_unconfirm,
    categories_of,
    class_admin_candidates,
    enrol,
    enrol_state,
    enrolment_cancel,
    enrolments_decide,
    get_session_for,
    may_sign_in,
    project_cancel,
    project_create,
    project_end,
    project_implement,
    project_set_class_admins,
    project_update,
    session_create,
    sign_in,
    sign_in_manual,
)
from training.sessions import live_state, qr_svg_uri


def _show(form, exc: DomainError):
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _query(request):
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- learners ---------------------------------------------------------------------------------

@login_required
def catalogue_view(request):
    """培训项目: tabs 所有/培训项目/学术报告, filters with counts, sorted by start."""
    user = request.user
    form = CatalogueFilterForm(request.GET or None)
    data = form.cleaned_data if request.GET and form.is_valid() else {}
    result = catalogue(user, kind=data.get("kind", ""), category=data.get("category", ""),
                       source=data.get("source") or "all", funding=data.get("funding", ""),
                       year=data.get("year"), month=data.get("month"), status=data.get("status", ""),
                       q=data.get("q", ""))
    page = Paginator(result.projects, 20).get_page(request.GET.get("page"))
    year = data.get("year") or timezone.localdate().year
    names = {c.code: c.name for c in categories_of(user.institute, year)} if user.institute_id else {}
    return render(request, "training/catalogue.html", {
        "form": form, "page": page, "query": _query(request), "result": result, "filters": data,
        "category_names": names, "funding_names": dict(Funding.choices),
        "learning_tab": "training:catalogue"})


@login_required
@require_http_methods(["GET", "POST"])
def detail(request, pk):
    user = request.user
    project = get_visible_project(user, pk)
    if request.method == "POST":
        try:
            enrolment = enrol(actor=user, project_id=project.pk)
            messages.success(request, _("Enrolled.") if enrolment.status == EnrolmentStatus.APPROVED
                             else _("Enrolled; the class admin will review your enrolment."))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("training:detail", pk=project.pk)
    project = with_places(type(project).objects.filter(pk=project.pk)).select_related("org").get()
    enrolment = Enrolment.objects.filter(project=project, person=user).first()
    names = {c.code: c.name for c in categories_of(project.org, project.year)}
    return render(request, "training/detail.html", {
        "project": project, "enrolment": enrolment, "closed": enrol_state(project),
        "category_name": names.get(project.category, project.category),
        "places_left": None if project.capacity is None else max(project.capacity - project.taken, 0),
        "sessions": project.sessions.order_by("starts_at", "pk"),
        "signed": set(SignIn.objects.filter(session__project=project, person=user)
                      .values_list("session_id", flat=True)),
        "learning_tab": "training:catalogue"})


@login_required
@require_http_methods(["GET", "POST"])
def enrol_cancel(request, pk):
    """取消报名 (POST); a GET shows the project. Without an enrolment of one's own: 404."""
    get_own_enrolment(request.user, pk)
    if request.method == "POST":
        try:
            enrolment_cancel(actor=request.user, project_id=pk)
        except DomainError as exc:
            if exc.code == "not_found":
                raise
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Your enrolment is cancelled."))
    return redirect("training:detail", pk=pk)


@login_required
def mine(request):
    """我的培训: 审核通过的培训 and 审核中的培训, by year."""
    tab = "pending" if request.GET.get("tab") == "pending" else "approved"
    form = ManageFilterForm(request.GET or None)
    year = form.cleaned_data.get("year") if request.GET and form.is_valid() else None
    rows = my_training(request.user, approved=tab == "approved", year=year)
    page = Paginator(rows, 20).get_page(request.GET.get("page"))
    return render(request, "training/mine.html", {"tab": tab, "form": form, "page": page,
                                                  "query": _query(request),
                                                  "learning_tab": "training:mine"})


# --- managers ---------------------------------------------------------------------------------

def _units(role):
    return list(units_in_scope(role).filter(kind__in=(OrgKind.INSTITUTE, OrgKind.DEPARTMENT))
                .order_by("path"))


def _data(form) -> dict:
    data = {k: form.cleaned_data.get(k) for k in FIELDS if k != "org"}
    data["org"] = form.cleaned_data.get("org")
    return data


@admin_required("training.manage")
def manage(request):
    role = request.admin_role
    form = ManageFilterForm(request.GET or None)
    data = form.cleaned_data if request.GET and form.is_valid() else {}
    projects = manager_list(role, status=data.get("status", ""), year=data.get("year"), q=data.get("q", ""))
    page = Paginator(projects, 20).get_page(request.GET.get("page"))
    return render(request, "training/manage.html", {
        "form": form, "page": page, "query": _query(request),
        "can_create": has_permission(role, "training.create")})


@admin_required("training.create")
@require_http_methods(["GET", "POST"])
def create(request):
    role = request.admin_role
    units = _units(role)
    year = timezone.localdate().year
    org = units[0] if units else role.org
    form = ProjectForm(request.POST or None, units=units, categories=categories_of(org, year),
                       initial={"year": year, "days": 1})
    if request.method == "POST" and form.is_valid():
        try:
            project = project_create(actor=request.user, role=role, data=_data(form))
        except DomainError as exc:
            _show(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("training:manage_edit", pk=project.pk)
    return render(request, "training/edit.html", {"form": form, "project": None},
                  status=400 if form.errors else 200)


@admin_required("training.manage")
@require_http_methods(["GET", "POST"])
def manage_edit(request, pk):
    """培训班管理: the project's fields (暂存), 实施, 结束, 撤销, class admins."""
    role = request.admin_role
    project = get_project_for(role, pk)
    units = _units(role) if has_permission(role, "training.create") else [project.org]
    with_effectiveness = project.status != ProjectStatus.PLANNED
    form = ProjectForm(None, initial=ProjectForm.initial_of(project), units=units,
                       categories=categories_of(project.org, project.year),
                       with_effectiveness=with_effectiveness)
    if request.method == "POST":
        action = request.POST.get("action", "save")
        try:
            if action == "implement":
                project_implement(actor=request.user, role=role, project_id=project.pk)
                messages.success(request, _("The project is implemented."))
            elif action == "end":
                project_end(actor=request.user, role=role, project_id=project.pk)
                messages.success(request, _("The project has ended."))
            elif action == "cancel":
                project_cancel(actor=request.user, role=role, project_id=project.pk,
                               reason=request.POST.get("reason", ""))
                messages.success(request, _("The project is cancelled."))
            elif action == "class_admins":
                project_set_class_admins(actor=request.user, role=role, project_id=project.pk,
                                         person_ids=request.POST.getlist("class_admins"))
                messages.success(request, _("Saved."))
            else:
                form = ProjectForm(request.POST, units=units,
                                   categories=categories_of(project.org, project.year),
                                   with_effectiveness=with_effectiveness)
                if not form.is_valid():
                    raise ValueError
                project_update(actor=request.user, role=role, project_id=project.pk, data=_data(form),
                               effectiveness=form.cleaned_data.get("effectiveness")
                               if with_effectiveness else None)
                messages.success(request, _("Saved."))
        except DomainError as exc:
            if action in ("save", "") or action not in ("implement", "end", "cancel", "class_admins"):
                _show(form, exc)
            else:
                messages.error(request, exc.message)
        except ValueError:
            pass
        if not form.errors:
            return redirect("training:manage_edit", pk=project.pk)
    candidates = (list(class_admin_candidates(role)) if has_permission(role, "training.create") else [])
    return render(request, "training/edit.html", {
        "form": form, "project": project, "actions": PROJECT_WORKFLOW.actions_from(project.status),
        "candidates": candidates, "assigned": set(project.class_admins.values_list("pk", flat=True)),
        "events": [(e, ProjectStatus(e.from_status).label if e.from_status else "—",
                    ProjectStatus(e.to_status).label) for e in project.events.select_related("actor")]},
        status=400 if form.errors else 200)


@admin_required("training.manage")
@require_http_methods(["GET", "POST"])
def manage_enrolments(request, pk):
    """报名审核: approve or reject pending enrolments (batch, a reason for rejections)."""
    role = request.admin_role
    project = get_project_for(role, pk)
    if request.method == "POST":
        approve = request.POST.get("action") == "approve"
        try:
            count = enrolments_decide(actor=request.user, role=role, project_id=project.pk,
                                      ids=request.POST.getlist("ids"), approve=approve,
                                      reason=request.POST.get("reason", ""))
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, (_("%(n)d approved.") if approve else _("%(n)d rejected."))
                             % {"n": count})
        return redirect(request.get_full_path())
    status = request.GET.get("status", EnrolmentStatus.PENDING)
    rows = project.enrolments.select_related("person", "person__department").order_by("created_at", "pk")
    if status in EnrolmentStatus.values:
        rows = rows.filter(status=status)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "training/enrolments.html", {
        "project": project, "page": page, "status": status, "statuses": EnrolmentStatus.choices,
        "query": _query(request)})


@admin_required("training.manage")
@require_http_methods(["GET", "POST"])
def manage_attendees(request, pk):
    """实际参会人员: build the list from enrolments or by people, confirm (确认参加)."""
    role = request.admin_role
    project = get_project_for(role, pk)
    if request.method == "POST":
        action = request.POST.get("action")
        ids = request.POST.getlist("ids")
        try:
            if action == "from_enrolments":
                n = attendees_add(actor=request.user, role=role, project_id=project.pk, from_enrolments=True)
                messages.success(request, _("%(n)d added.") % {"n": n})
            elif action == "add":
                people = _people_named(role, request.POST.get("people", ""))
                n = attendees_add(actor=request.user, role=role, project_id=project.pk, person_ids=people)
                messages.success(request, _("%(n)d added.") % {"n": n})
            elif action == "confirm":
                n = attendees_confirm(actor=request.user, role=role, project_id=project.pk, ids=ids)
                messages.success(request, _("%(n)d confirmed.") % {"n": n})
            elif action == "unconfirm":
                n = attendees_unconfirm(actor=request.user, role=role, project_id=project.pk, ids=ids,
                                        reason=request.POST.get("reason", ""))
                messages.success(request, _("%(n)d un-confirmed.") % {"n": n})
            elif action == "remove":
                n = attendees_remove(actor=request.user, role=role, project_id=project.pk, ids=ids)
                messages.success(request, _("%(n)d removed.") % {"n": n})
            else:
                messages.error(request, _("Choose an action."))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect(request.get_full_path())
    rows = project.attendees.select_related("person", "person__department").order_by("person__real_name", "pk")
    if request.GET.get("export") == "xlsx":
        return xlsx_export_response(f"{project.name[:60]}-实际参会人员.xlsx",
                                    ["姓名", "员工编号", "部门", "确认参加", "计入学时（分钟）"],
                                    ((a.person.real_name, a.person.employee_no or "",
                                      a.person.department.name if a.person.department_id else "",
                                      "是" if a.confirmed else "否", a.credited_minutes) for a in rows.iterator()))
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "training/attendees.html", {"project": project, "page": page,
                                                       "query": _query(request)})


def _people_named(role, text: str) -> list[int]:
    """Login names or employee numbers, one per line or separated by spaces or commas."""
    names = [n for n in text.replace(",", " ").replace("，", " ").split() if n][:500]
    if not names:
        raise DomainError("invalid", _("Name the people by login name or employee number."), field="people")
    scope = people_for(role)
    found = {u.login_name: u.pk for u in scope.filter(login_name__in=[n.lower() for n in names])}
    by_no: dict[str, list[int]] = {}
    for pk, no in scope.filter(employee_no__in=names).values_list("pk", "employee_no"):
        by_no.setdefault(no, []).append(pk)
    ids, unknown = [], []
    for name in names:
        pk = found.get(name.lower())
        if pk is None and len(by_no.get(name, [])) == 1:
            pk = by_no[name][0]
        if pk is None:
            unknown.append(name)
        else:
            ids.append(pk)
    if unknown:
        raise DomainError("invalid", _("Unknown or outside your scope: %(names)s")
                          % {"names": "、".join(unknown[:20])}, field="people")
    return ids



# --- sessions and sign-in ---------------------------------------------------------------------

@admin_required("training.manage")
@require_http_methods(["GET", "POST"])
def manage_sessions(request, pk):
    """培训日程: the project's sessions; add one."""
    role = request.admin_role
    project = get_project_for(role, pk)
    form = SessionForm(request.POST or None, initial={"place": project.place})
    if request.method == "POST" and form.is_valid():
        try:
            session_create(actor=request.user, role=role, project_id=project.pk, data=form.cleaned_data)
        except DomainError as exc:
            _show(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("training:manage_sessions", pk=project.pk)
    sessions = project.sessions.annotate(n=Count("sign_ins")).order_by("starts_at", "pk")
    return render(request, "training/sessions.html", {"project": project, "form": form,
                                                      "sessions": sessions},
                  status=400 if form.errors else 200)


@admin_required("training.manage")
@require_http_methods(["GET", "POST"])
def session_qr(request, pk):
    """The session's sign-in screen: the rotating QR code and short code (full screen for
    a projector), who has and has not signed in, and 补签 with a reason."""
    role = request.admin_role
    session = get_session_for(role, pk)
    if request.GET.get("export") == "xlsx":
        return _sign_in_sheet(request, session)
    if request.method == "POST":
        try:
            sign_in_manual(actor=request.user, role=role, session_id=session.pk,
                           person_id=request.POST.get("person"), reason=request.POST.get("reason", ""))
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Signed in."))
        return redirect("training:session_qr", pk=session.pk)
    return render(request, "training/session_qr.html", {
        "session": session, "project": session.project, "state": live_state(request, session),
        "qr": qr_svg_uri(request, session)})


def _sign_in_sheet(request, session):
    """签到表: everyone expected and everyone who signed in, with how and when."""
    state = live_state(request, session)
    rows = {s.person_id: s for s in SignIn.objects.filter(session=session).select_related("person", "recorded_by")}
    people = [(r["id"], r["name"]) for r in state["missing"]] + [(r["id"], r["name"]) for r in state["signed"]]
    out = []
    for pk, name in sorted(people, key=lambda p: p[1]):
        row = rows.get(pk)
        out.append((name, timezone.localtime(row.at).strftime("%Y-%m-%d %H:%M:%S") if row else "",
                    str(row.get_method_display()) if row else "未签到",
                    row.distance_m if row and row.distance_m is not None else "",
                    row.reason if row else ""))
    return xlsx_response(f"{session.title[:60]}-签到表.xlsx", ["姓名", "签到时间", "签到方式", "距离（米）", "补签原因"], out)


@admin_required("training.manage")
def session_live(request, pk):
    """What the sign-in screen polls: the current QR code and code, who signed in."""
    session = get_session_for(request.admin_role, pk)
    return JsonResponse({**live_state(request, session), "qr": qr_svg_uri(request, session)})


@login_required
@require_http_methods(["GET", "POST"])
def sign_in_view(request, pk):
    """The page a scanned QR code opens (after logging in if needed): sign in with the
    token from the code, a typed short code and, where asked, the browser's position."""
    from training.services import _session_for_learner

    session = _session_for_learner(request.user, pk)
    if not may_sign_in(request.user, session.project):
        raise DomainError(ErrorCode.FORBIDDEN, _("You are not enrolled in this project."))
    form = SignInForm(request.POST or None, initial={"token": request.GET.get("t", "")[:80]})
    done = SignIn.objects.filter(session=session, person=request.user).first()
    if request.method == "POST" and form.is_valid():
        try:
            done = sign_in(actor=request.user, session_id=session.pk, token=form.cleaned_data["token"],
                           code=form.cleaned_data["code"], latitude=form.cleaned_data["latitude"],
                           longitude=form.cleaned_data["longitude"], accuracy=form.cleaned_data["accuracy"])
        except DomainError as exc:
            _show(form, exc)
        else:
            messages.success(request, _("Signed in."))
            return redirect("training:sign_in", pk=session.pk)
    return render(request, "training/sign_in.html", {
        "session": session, "project": session.project, "form": form, "done": done,
        "learning_tab": "training:mine"}, status=400 if form.errors else 200)
