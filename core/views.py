from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import render

from accounts.access import admin_required
from accounts.models import Role
from core.forms import AuditFilterForm
from core.menus import admin_menu
from core.models import AuditEvent
from core.queries import audit_search


@login_required
def home(request):
    return render(request, "core/home.html")


@login_required
def learning(request):
    """我的学习: the banner, this year's figures and the way to everything personal."""
    from django.utils import timezone

    from ledger.queries import archive_for

    year = timezone.localdate().year
    archive = archive_for(request.user, (year, 1), (year, 12)) if request.user.institute_id else None
    return render(request, "core/learning.html", {"archive": archive, "year": year,
                                                  "learning_tab": "home"})


@admin_required()
def admin_home(request):
    return render(request, "core/admin_home.html",
                  {"menu": admin_menu(request.admin_role)})


def _wants_json(request) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", "")


def _error(request, status: int, code: str, message: str):
    if _wants_json(request):
        return JsonResponse({"code": code, "message": message, "field": None}, status=status)
    return render(request, "core/error.html", {"status": status, "message": message},
                  status=status)


def bad_request(request, exception=None):
    return _error(request, 400, "invalid", "Bad request.")


def permission_denied(request, exception=None):
    return _error(request, 403, "forbidden", "You may not do this.")


def page_not_found(request, exception=None):
    return _error(request, 404, "not_found", "Not found.")


def server_error(request):
    return _error(request, 500, "server_error", "Something went wrong on our side.")


AUDIT_PAGE_SIZE = 50


@admin_required(Role.INSTITUTE_ADMIN, Role.ACADEMY_ADMIN)
def audit_list(request):
    """操作日志: who did what, when, within the role's scope."""
    form = AuditFilterForm(request.GET or None)
    events = AuditEvent.objects.none()
    if form.is_valid() or not request.GET:
        data = form.cleaned_data if request.GET else {}
        events = audit_search(request.admin_role, q=data.get("q", ""),
                              action=data.get("action", ""), date_from=data.get("date_from"),
                              date_to=data.get("date_to"))
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    template = "core/_audit_table.html" if request.htmx else "core/audit_list.html"
    return render(request, template, {"form": form, "page": page, "query": query.urlencode()})
