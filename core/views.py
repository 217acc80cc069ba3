"""The error pages every app shares (400/403/404/500 and DomainError answers): JSON for
the API, the error template for pages. Pages of the shell live in `portal`."""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def _wants_json(request) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", "")


def _error(request, status: int, code: str, message: str):
    if _wants_json(request):
        return JsonResponse({"code": code, "message": message, "field": None}, status=status)
    return render(request, "core/error.html", {"status": status, "message": message},
                  status=status)


def bad_request(request, exception=None):
    return _error(request, 400, "invalid", _("Bad request."))


def permission_denied(request, exception=None):
    return _error(request, 403, "forbidden", _("You may not do this."))


def page_not_found(request, exception=None):
    return _error(request, 404, "not_found", _("Not found."))


def server_error(request):
    return _error(request, 500, "server_error", _("Something went wrong on our side."))
