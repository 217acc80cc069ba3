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
