"""培训统计 pages: the staff overview (职工学习总体情况统计), the backbone report
(骨干人才筛选上报表), the annual summary (年度培训总结) and the dashboards."""

from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse

from accounts.access import admin_required
from core.errors import DomainError
from core.jobs import job_start
from core.models import JobKind
from reports.exports import inline_rows, staff_export_job, staff_overview_response
from reports.forms import StaffFilterForm, overview_filters
from reports.queries import staff_overview


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
