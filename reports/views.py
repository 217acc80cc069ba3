"""培训统计 pages: the staff overview (职工学习总体情况统计), the backbone report
(骨干人才筛选上报表), the annual summary (年度培训总结) and the dashboards."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.access import admin_required
from core.confirm import confirm_step
from core.errors import DomainError, ErrorCode
from core.jobs import job_start
from core.minutes import parse_int
from core.models import JobKind
from core.permissions import check_permission, has_permission
from ledger.queries import policy_for
from orgs.models import OrgKind
from reports.access import get_institute_for, get_summary_for, institutes_for
from reports.exports import (
    backbone_export_response,
    classes_response,
    inline_rows,
    staff_export_job,
    staff_overview_response,
    summaries_response,
    summary_lines,
)
from reports.forms import (
    BackboneWindowForm,
    StaffFilterForm,
    SummaryForm,
    YearForm,
    overview_filters,
)
from reports.models import AnnualSummary, BackboneReport, BackboneWindow
from reports.queries import (
    AcademyBackbone,
    Completion,
    backbone_by_institute,
    backbone_view,
    class_execution,
    completion_by_institute,
    dashboard,
    report_figures,
    reported_trainings,
    staff_overview,
    training_classes,
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


def _query_without(request, *names) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


@admin_required("reports.staff")
def staff(request):
    """职工学习总体情况统计: filters, sort, page, export (streamed or queued)."""
    role = request.admin_role
    query = request.GET.copy()
    query.pop("page", None)
    wants_export = query.pop("export", None) == ["xlsx"]
    try:
        form, kwargs = overview_filters(role, query)
    except DomainError:
        return render(request, "reports/staff.html", {"form": _bound_form(role, query)}, status=400)
    year = kwargs.pop("year")
    overview = staff_overview(role, year, **kwargs)
    if wants_export:
        if len(overview.rows) > inline_rows():
            job = job_start(actor=request.user, kind=JobKind.STAFF_EXPORT, data=b"",
                            rows_total=len(overview.rows), runner=staff_export_job,
                            params={"role_id": role.pk, "query": {k: query.get(k) for k in query}})
            return redirect(reverse("accounts:job", args=[job.pk]))
        return staff_overview_response(overview)
    page = Paginator(overview.rows, 50).get_page(request.GET.get("page"))
    return render(request, "reports/staff.html", {
        "form": form, "overview": overview, "page": page, "year": year,
        "query": _query_without(request, "page", "export")})


def _bound_form(role, query):
    from orgs.queries import departments_in_scope

    form = StaffFilterForm(query, departments=departments_in_scope(role).order_by("path"))
    form.is_valid()
    return form


# --- 骨干人才筛选上报表 ---------------------------------------------------------------------

def _year(request) -> int:
    form = YearForm(request.GET or None)
    return form.chosen_year()


def _institute_of_request(request, data):
    """The institute a backbone/summary page is about: the institute admin's own; for the
    academy, the one named by `institute` (404 outside the scope), or None (all)."""
    role = request.admin_role
    value = data.get("institute")
    if value:
        return get_institute_for(role, value)  # 404 outside the scope
    return role.org if role.org.kind == OrgKind.INSTITUTE else None


@admin_required("reports.backbone_view")
@require_http_methods(["GET", "POST"])
def backbone(request):
    role = request.admin_role
    if request.method == "POST":
        check_permission(role, "reports.backbone_report")
        year = parse_int(request.POST.get("year"), field="year", min=2000, max=2999)
        institute = role.org
        action = request.POST.get("action")
        ids = request.POST.getlist("ids")
        try:
            if action == "report":
                n = backbone_report_people(actor=request.user, role=role, institute_id=institute.pk,
                                           year=year, person_ids=ids)
                messages.success(request, _("%(n)d reported.") % {"n": n})
            elif action == "revoke":
                n = backbone_revoke_people(actor=request.user, role=role, institute_id=institute.pk,
                                           year=year, person_ids=ids)
                messages.success(request, _("%(n)d revoked.") % {"n": n})
            elif action == "lock":
                answer = confirm_step(
                    request, title=_("Complete the backbone report"), button=_("Complete the report"),
                    cancel=f"{reverse('reports:backbone')}?year={year}",
                    changes=[_("The %(year)d backbone report of %(institute)s is submitted to the academy "
                               "and locked for good: no one can be reported or revoked any more.")
                             % {"year": year, "institute": institute.name}])
                if answer:
                    return answer
                backbone_lock(actor=request.user, role=role, institute_id=institute.pk, year=year)
                messages.success(request, _("The %(year)d backbone report is completed.") % {"year": year})
            else:
                raise DomainError(ErrorCode.INVALID, _("Choose an action."))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect(f"{reverse('reports:backbone')}?year={year}")
    year = _year(request)
    institute = _institute_of_request(request, request.GET)
    ctx = {"year": year, "year_form": YearForm(initial={"year": year}), "today": timezone.localdate()}
    if institute is None:
        rows = backbone_by_institute(institutes_for(role), year)
        ctx.update({"institutes": rows, "academy": AcademyBackbone(parts=[f for _u, _r, f in rows]),
                    "window": BackboneWindow.objects.filter(org_id=role.org.root_id or role.org.pk,
                                                            year=year).first()})
        return render(request, "reports/backbone_academy.html", ctx)
    view = backbone_view(institute, year)
    ctx.update({"view": view, "can_report": has_permission(role, "reports.backbone_report"),
                "window_open": view.window_open(timezone.localdate())})
    return render(request, "reports/backbone.html", ctx)


@admin_required("reports.backbone_view")
def backbone_export(request):
    """导出骨干人才培训表: the reported people's training records of the year."""
    role = request.admin_role
    year = _year(request)
    institute = _institute_of_request(request, request.GET)
    if institute is None:
        raise DomainError(ErrorCode.INVALID, _("Choose an institute."), field="institute")
    report = BackboneReport.objects.filter(institute=institute, year=year).first()
    if report is None:
        raise DomainError(ErrorCode.NOT_FOUND, _("No one is reported for this year."))
    rules = policy_for(institute, year)
    return backbone_export_response(report, reported_trainings(report, training_classes(rules)),
                                    report_figures(report, institute, year), role)


@admin_required("reports.backbone_window")
@require_http_methods(["GET", "POST"])
def backbone_window(request):
    role = request.admin_role
    form = BackboneWindowForm(request.POST or None, initial={"year": timezone.localdate().year})
    if request.method == "POST" and form.is_valid():
        try:
            backbone_window_set(actor=request.user, role=role, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("The reporting window is saved."))
            return redirect(f"{reverse('reports:backbone')}?year={form.cleaned_data['year']}")
    windows = BackboneWindow.objects.filter(org=role.org).order_by("-year")
    return render(request, "reports/backbone_window.html", {"form": form, "windows": windows},
                  status=400 if request.method == "POST" else 200)


# --- 年度培训总结 ----------------------------------------------------------------------------

@admin_required("reports.summary")
@require_http_methods(["GET", "POST"])
def summaries(request):
    """The institute's summaries and 新建总结; for the academy, every institute's, with
    export of the selected ones."""
    role = request.admin_role
    if request.method == "POST":
        check_permission(role, "reports.summary_edit")
        year = parse_int(request.POST.get("year"), field="year", min=1900, max=2999)
        try:
            summary = summary_create(actor=request.user, role=role, institute_id=role.org.pk, year=year)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect(reverse("reports:summaries"))
        return redirect(reverse("reports:summary", args=[summary.pk]))
    year = YearForm(request.GET or None).cleaned_year()
    rows = AnnualSummary.objects.filter(institute__in=institutes_for(role)).select_related("institute")
    if year is not None:
        rows = rows.filter(year=year)
    if request.GET.get("export") == "xlsx":
        ids = [i for i in request.GET.getlist("ids") if i.isdigit()][:500]
        chosen = list(rows.filter(pk__in=ids).order_by("institute__path", "year")) if ids else list(
            rows.order_by("institute__path", "year"))
        return summaries_response(chosen)
    return render(request, "reports/summaries.html", {
        "summaries": rows.order_by("-year", "institute__path"), "can_edit": has_permission(role, "reports.summary_edit"),
        "year_form": YearForm(request.GET or None), "this_year": timezone.localdate().year})


@admin_required("reports.summary")
@require_http_methods(["GET", "POST"])
def summary(request, pk):
    role = request.admin_role
    item = get_summary_for(role, pk)
    form = SummaryForm(initial={"person_times": item.person_times, "funding": item.funding})
    if request.method == "POST":
        check_permission(role, "reports.summary_edit")
        action = request.POST.get("action")
        try:
            if action == "refresh":
                summary_refresh(actor=request.user, role=role, summary_id=item.pk)
                messages.success(request, _("The figures are refreshed."))
            elif action in ("save", "submit"):
                form = SummaryForm(request.POST)
                if not form.is_valid():
                    return render(request, "reports/summary.html", {
                        "item": item, "lines": summary_lines(item), "form": form, "can_edit": True}, status=400)
                if action == "submit":
                    answer = confirm_step(
                        request, title=_("Submit the annual summary"), button=_("Submit"),
                        cancel=reverse("reports:summary", args=[item.pk]),
                        changes=[_("The %(year)d summary is handed in and cannot change any more.")
                                 % {"year": item.year}])
                    if answer:
                        return answer
                summary_update(actor=request.user, role=role, summary_id=item.pk, **form.cleaned_data)
                if action == "submit":
                    summary_submit(actor=request.user, role=role, summary_id=item.pk)
                    messages.success(request, _("The summary is submitted."))
                else:
                    messages.success(request, _("Saved."))
            else:
                raise DomainError(ErrorCode.INVALID, _("Choose an action."))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect(reverse("reports:summary", args=[item.pk]))
    return render(request, "reports/summary.html", {
        "item": item, "lines": summary_lines(item), "form": form,
        "can_edit": has_permission(role, "reports.summary_edit") and item.status == "draft"})


# --- dashboards ----------------------------------------------------------------------------

def _dashboard_chart(board, year, institute) -> dict:
    """What the charts draw, with the link behind every bar: the staff overview filtered
    to the people the figure counts."""
    base = reverse("reports:staff")
    return {
        "departments": [{"name": name or _("No department"), "rate": float(c.rate) if c.rate is not None else 0,
                         "met": c.met, "required": c.required,
                         "url": f"{base}?year={year}&department={pk or ''}&new_hires=exclude"}
                        for pk, name, c in board.by_department],
        "bands": [{"name": label, "count": count,
                   "url": f"{base}?year={year}&band={b[0]}-{b[1] if b[1] is not None else ''}"}
                  for b, label, count in board.bands],
        "months": [{"month": m, "average": round(avg / 60, 2), "pace": round(pace / 60, 2)}
                   for m, avg, pace in board.months],
    }


@admin_required("reports.dashboard")
@require_http_methods(["GET", "POST"])
def dashboard_view(request):
    role = request.admin_role
    if request.method == "POST":
        year = parse_int(request.POST.get("year"), field="year", min=1900, max=2999)
        try:
            n = at_risk_notify(actor=request.user, role=role, year=year,
                               institute_id=request.POST.get("institute") or None)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("%(n)d people notified.") % {"n": n})
        query = f"?year={year}" + (f"&institute={request.POST['institute']}" if request.POST.get("institute") else "")
        return redirect(reverse("reports:dashboard") + query)
    year = _year(request)
    institute = _institute_of_request(request, request.GET)
    ctx = {"year": year, "year_form": YearForm(initial={"year": year})}
    if institute is None:
        completion = completion_by_institute(role, year)
        units = list(institutes_for(role))
        backbone_rows = backbone_by_institute(units, year)
        base = reverse("reports:dashboard")
        institutes = [{"unit": u, "completion": completion.get(u.pk) or Completion(), "report": r, "backbone": f,
                       "url": f"{base}?year={year}&institute={u.pk}"} for u, r, f in backbone_rows]
        total = sum((i["completion"] for i in institutes), Completion())
        chart = {"institutes": [{"name": i["unit"].name, "rate": float(i["completion"].rate or 0),
                                 "url": i["url"]} for i in institutes]}
        ctx.update({"institutes": institutes, "total": total, "chart": chart,
                    "backbone_total": AcademyBackbone(parts=[i["backbone"] for i in institutes])})
        return render(request, "reports/dashboard_academy.html", ctx)
    board = dashboard(role, year, timezone.localdate(), institute=institute)
    ctx.update({"board": board, "institute": institute, "chart": _dashboard_chart(board, year, institute),
                "academy_view": role.org.kind != OrgKind.INSTITUTE})
    return render(request, "reports/dashboard.html", ctx)


@admin_required("reports.classes")
def classes(request):
    """培训班统计表: the scope's training projects of the year (default this year, Jan–Dec),
    unimplemented ones marked; `?export=xlsx` gives seed 002's hand-in table."""
    role = request.admin_role
    year_form = YearForm(request.GET or None)
    year = year_form.chosen_year()
    rows = class_execution(role, year)
    if request.GET.get("export") == "xlsx":
        return classes_response(rows, year)
    return render(request, "reports/classes.html", {
        "rows": rows, "year": year, "year_form": year_form,
        "academy": role.org.kind == OrgKind.ACADEMY,
        "unimplemented": sum(1 for r in rows if not r.implemented),
        "export_query": f"year={year}&export=xlsx"})
