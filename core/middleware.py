from core.requestcontext import client_ip, reset_current_ip, set_current_ip

# No inline script or style anywhere: every script is a static file, so the policy can
# forbid inline code outright (ABUSE/ASVS 3.4.3).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# The OpenAPI docs page (swagger-ui, served locally) initialises itself from a static file
# but injects styles at run time.
CSP_DOCS = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = set_current_ip(client_ip(request))
        try:
            response = self.get_response(request)
        finally:
            reset_current_ip(token)
        if "Content-Security-Policy" not in response:
            docs = request.path.startswith("/api/v1/docs")
            response["Content-Security-Policy"] = CSP_DOCS if docs else CSP
        response.setdefault("Permissions-Policy", "camera=(self), geolocation=(self), microphone=()")
        return response


class DomainErrorMiddleware:
    """A DomainError that escapes a view (a guard deep in a service) becomes a clear
    4xx page or JSON answer instead of a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from core.errors import DomainError
        from core.views import _error

        if isinstance(exception, DomainError):
            return _error(request, exception.status, exception.code, str(exception.message))
        return None


class RequestSizeLimitMiddleware:
    """Refuse a request whose declared body is larger than XUESHI_MAX_UPLOAD_BYTES with
    413 before anything reads it (ABUSE-CASES 21). The reverse proxy should enforce the
    same limit for chunked bodies (docs/deployment.md)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings

        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.XUESHI_MAX_UPLOAD_BYTES
        if length > limit:
            from core.views import _error

            return _error(request, 413, "too_large",
                          f"The request is larger than {limit // (1024 * 1024)} MB.")
        return self.get_response(request)


class TextInputGuardMiddleware:
    """Refuse NUL and other control characters (all C0 and C1 except tab, CR and LF, and
    lone surrogates) in every text a request carries: the path, query keys and values,
    form keys and values, JSON bodies (keys and values, recursively) and uploaded file
    names. PostgreSQL cannot store NUL, so these were 500s (issue 9, finding 4); now they
    are 400 {"code": "invalid", ...} for the API and an error page for forms. Cookies
    with control characters are ignored rather than looked up (a NUL session key would
    reach the database)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from core.validators import CONTROL

        for name in [n for n, v in request.COOKIES.items() if CONTROL.search(n) or CONTROL.search(v)]:
            del request.COOKIES[name]
        field = self._offending(request, CONTROL)
        if field is not None:
            return self._refuse(request, field)
        return self.get_response(request)

    @staticmethod
    def _offending(request, pattern):
        """The name of the first input holding a control character ("" when the name
        itself is the problem), or None."""
        if pattern.search(request.path):
            return ""
        for key, values in request.GET.lists():
            if pattern.search(key):
                return ""
            for value in values:
                if pattern.search(value):
                    return key
        content_type = request.content_type or ""
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return None
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            try:
                if request.method != "POST" and content_type == "application/x-www-form-urlencoded":
                    from django.http import QueryDict
                    from django.utils.datastructures import MultiValueDict

                    post, files = QueryDict(request.body, encoding=request.encoding), MultiValueDict()
                else:  # Django parses bodies of POST only; ninja reads others itself
                    post, files = request.POST, request.FILES
            except Exception:  # a broken multipart body: Django's own 400 path handles it later
                return None
            for key, values in post.lists():
                if pattern.search(key):
                    return ""
                for value in values:
                    if pattern.search(value):
                        return key
            for key, uploads in files.lists():
                if pattern.search(key):
                    return ""
                for upload in uploads:
                    if pattern.search(upload.name or ""):
                        return key
        elif content_type.endswith("json"):
            import json

            try:
                data = json.loads(request.body or b"null")
            except (ValueError, RecursionError):
                return None  # not JSON: the API's own parser answers
            return _json_offending(data, pattern, "")
        return None

    @staticmethod
    def _refuse(request, field):
        from django.http import JsonResponse
        from django.shortcuts import render
        from django.utils.translation import gettext as _

        message = _("Control characters (such as NUL) are not allowed in text.")
        if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
            return JsonResponse({"code": "invalid", "message": message, "field": field or None}, status=400)
        return render(request, "core/error.html", {"status": 400, "message": message}, status=400)


def _json_offending(data, pattern, path):
    stack = [(data, path)]
    while stack:
        value, where = stack.pop()
        if isinstance(value, str):
            if pattern.search(value):
                return where
        elif isinstance(value, dict):
            for key, item in value.items():
                if pattern.search(key):
                    return where
                stack.append((item, f"{where}.{key}" if where else key))
        elif isinstance(value, list):
            stack.extend((item, where) for item in value)
    return None


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every page, API answer and export: they carry
    personal data that must not stay in a shared or browser cache. Static files keep the
    long caching WhiteNoise gives them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils.cache import patch_cache_control

        response = self.get_response(request)
        if not request.path.startswith(settings.STATIC_URL or "/static/"):
            patch_cache_control(response, no_store=True)
            if "max-age" in response.get("Cache-Control", ""):
                response["Cache-Control"] = "no-store"
        return response
