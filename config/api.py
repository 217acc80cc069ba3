"""The /api/v1/ root: one NinjaAPI, one router per domain app, one error format.

Every error the API returns is JSON {"code": ..., "message": ..., "field": ...} with a
4xx status; codes are listed in core.errors.ErrorCode.
"""

from django.http import Http404
from django.utils.translation import gettext
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from accounts.api import router as accounts_router
from accounts.api_auth import ApiAuth
from claims.api import router as claims_router
from core.errors import DomainError, ErrorCode
from ledger.api import router as ledger_router
from notifications.api import router as notifications_router
from orgs.api_tree import router as orgs_router
from reports.api import router as reports_router
from training.api import router as training_router

# Every answer the code can give, declared on every operation (issue 9, "the contract"):
# the error body is always {"code", "message", "field"}.
ERROR_STATUSES = {
    400: "Invalid input (code `invalid`, or a more specific code) or a control character in text.",
    401: "Not logged in, or the token is unknown, revoked or expired.",
    403: "Role too weak, admin mode required, or the initial password must be changed first.",
    404: "Does not exist or is outside your scope.",
    409: "The current state does not allow this (conflict, duplicate, cap reached, window closed).",
    413: "The request or file is too large.",
    422: "The body is JSON but not the object this operation expects (e.g. an array).",
    429: "Too many attempts; try again later.",
}


class XueshiApi(NinjaAPI):
    """NinjaAPI whose schema declares the error answers of every operation in one place,
    so a new endpoint cannot forget them."""

    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.setdefault("ErrorOut", {
            "title": "ErrorOut", "type": "object", "required": ["code", "message"],
            "properties": {"code": {"type": "string", "title": "Code"},
                           "message": {"type": "string", "title": "Message"},
                           "field": {"anyOf": [{"type": "string"}, {"type": "null"}], "title": "Field"}}})
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
        _declare_no_control_characters(schema)
        for operations in schema.get("paths", {}).values():
            for method, operation in operations.items():
                if method not in ("get", "post", "put", "patch", "delete"):
                    continue
                responses = operation.setdefault("responses", {})
                declared = {str(status) for status in responses}
                for status, description in ERROR_STATUSES.items():
                    if str(status) not in declared:
                        responses[status] = {"description": description, "content": error}
        return schema


# What TextInputGuardMiddleware lets through, declared on every text a client sends.
NO_CONTROL = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]*$"


def _declare_no_control_characters(schema: dict) -> None:
    """Add NO_CONTROL as the pattern of every free-text string in parameters and request
    bodies (the components they reference included), so the schema says what the
    middleware refuses."""
    components = schema.get("components", {}).get("schemas", {})
    seen: set[str] = set()

    def visit(node):
        if isinstance(node, list):
            for item in node:
                visit(item)
            return
        if not isinstance(node, dict):
            return
        ref = node.get("$ref", "")
        if ref.startswith("#/components/schemas/"):
            name = ref.rsplit("/", 1)[1]
            if name not in seen and name in components:
                seen.add(name)
                visit(components[name])
        if node.get("type") == "string" and not {"format", "enum", "pattern", "const"} & node.keys():
            node["pattern"] = NO_CONTROL
        for key, value in node.items():
            if key != "$ref":
                visit(value)

    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict):
                visit(operation.get("parameters", []))
                visit(operation.get("requestBody", {}))


api = XueshiApi(
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
    if _json_but_not_an_object(request):
        return _error(request, 422, ErrorCode.INVALID, "Send a JSON object.")
    first = exc.errors[0] if exc.errors else {}
    loc = [str(p) for p in first.get("loc", [])]
    # Drop where the value came from (body, query, form …) and the schema's own name.
    while loc and loc[0] in ("body", "query", "path", "form", "file", "header", "cookie",
                             "payload", "fields", "filters"):
        loc = loc[1:]
    return _error(request, 400, ErrorCode.INVALID, first.get("msg", "invalid input"),
                  ".".join(loc) or None)


def _json_but_not_an_object(request) -> bool:
    """A JSON array (or string, number, null) where the operation expects an object."""
    import json

    if "json" not in (request.content_type or "") or request.method in ("GET", "HEAD", "DELETE"):
        return False
    try:
        return not isinstance(json.loads(request.body or b"{}"), dict)
    except ValueError:
        return False


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
    return _error(request, 404, ErrorCode.NOT_FOUND, gettext("Not found."))


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
api.add_router("/training", training_router)
api.add_router("/notifications", notifications_router)
api.add_router("/reports", reports_router)
