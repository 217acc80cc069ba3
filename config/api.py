"""The /api/v1/ root: one NinjaAPI, one router per domain app, one error format.

Every error the API returns is JSON {"code": ..., "message": ..., "field": ...} with a
4xx status; codes are listed in core.errors.ErrorCode.
"""

from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from accounts.api import router as accounts_router
from accounts.api_auth import ApiAuth
from claims.api import router as claims_router
from core.errors import DomainError, ErrorCode
from ledger.api import router as ledger_router
from notifications.api import router as notifications_router
from orgs.api_tree import router as orgs_router

api = NinjaAPI(
    title="xueshi API",
    version="1",
    description="Continuing-education hours platform. Authenticate with a session cookie "
    "(pages) or `Authorization: Bearer <token>` (mobile client; POST /auth/tokens).",
    auth=ApiAuth(),
    urls_namespace="api",
    docs_url="/docs",
)


def _error(request, status: int, code: str, message: str, field: str | None = None):
    return api.create_response(
        request, {"code": code, "message": str(message), "field": field}, status=status
    )


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError):
    return _error(request, exc.status, exc.code, exc.message, exc.field)


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    first = exc.errors[0] if exc.errors else {}
    loc = [str(p) for p in first.get("loc", [])]
    # Drop where the value came from (body, query, form …) and the schema's own name.
    while loc and loc[0] in ("body", "query", "path", "form", "file", "header", "cookie",
                             "payload", "fields", "filters"):
        loc = loc[1:]
    return _error(request, 400, ErrorCode.INVALID, first.get("msg", "invalid input"),
                  ".".join(loc) or None)


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    code = getattr(request, "auth_failure_code", ErrorCode.NOT_AUTHENTICATED)
    status = 403 if code == ErrorCode.PASSWORD_CHANGE_REQUIRED else 401
    messages = {
        ErrorCode.PASSWORD_CHANGE_REQUIRED: "Change your initial password first.",
        ErrorCode.ADMIN_MODE_REQUIRED: "Enter admin mode first.",
    }
    if code == ErrorCode.ADMIN_MODE_REQUIRED:
        status = 403
    return _error(request, status, code, messages.get(code, "Authentication required."))


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return _error(request, 404, ErrorCode.NOT_FOUND, "Not found.")


_HTTP_CODES = {400: ErrorCode.INVALID, 401: ErrorCode.NOT_AUTHENTICATED, 403: ErrorCode.FORBIDDEN,
               404: ErrorCode.NOT_FOUND, 409: ErrorCode.CONFLICT, 413: ErrorCode.TOO_LARGE,
               429: ErrorCode.THROTTLED}


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    code = getattr(exc, "code", None) or _HTTP_CODES.get(exc.status_code, "error")
    return _error(request, exc.status_code, code, str(exc))


api.add_router("/", accounts_router)
api.add_router("/orgs", orgs_router)
api.add_router("/ledger", ledger_router)
api.add_router("/claims", claims_router)
api.add_router("/notifications", notifications_router)
