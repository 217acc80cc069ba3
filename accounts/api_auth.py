"""Authentication for /api/v1/: a bearer token (mobile client) or the page session
(with CSRF on unsafe methods). Sets request.auth_user and request.admin_role the same
way for both, so operations do not care which was used."""

from django.middleware.csrf import CsrfViewMiddleware
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security.base import AuthBase

from accounts.adminmode import needs_touch, token_admin_role
from accounts.gate import initial_password_allows
from accounts.models import ApiToken
from accounts.services import token_authenticate
from core.errors import DomainError, ErrorCode


def _csrf_ok(request) -> bool:
    check = CsrfViewMiddleware(lambda r: None)
    check.process_request(request)
    return check.process_view(request, None, (), {}) is None


class ApiAuth(AuthBase):
    openapi_type = "http"
    openapi_scheme = "bearer"

    def __init__(self, *, admin: bool = False):
        self.admin = admin
        super().__init__()

    def __call__(self, request):
        user = None
        token: ApiToken | None = None
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            token = token_authenticate(header[7:].strip())
            if token is None:
                return None
            user = token.user
        elif getattr(request, "user", None) is not None and request.user.is_authenticated:
            if request.method not in ("GET", "HEAD", "OPTIONS") and not _csrf_ok(request):
                return None
            user = request.user
        if user is None:
            return None
        request.auth_user = user
        request.auth_token = token
        if user.password_is_initial and user.initial_password_expires_at is not None and \
                user.initial_password_expires_at <= timezone.now():
            # As on the pages (AccountStateMiddleware): an expired initial password
            # reaches nothing, not even the password change; an admin hands out a new one.
            raise DomainError(ErrorCode.PASSWORD_EXPIRED,
                              _("Your initial password has expired. Ask your administrator "
                                "for a new one."))
        if user.password_is_initial and not initial_password_allows(request.path_info,
                                                                     request.method):
            request.auth_failure_code = ErrorCode.PASSWORD_CHANGE_REQUIRED
            return None
        if token is not None:
            role = token_admin_role(token)
            if role is not None and needs_touch(
                    token.admin_last.timestamp() if token.admin_last else None,
                    timezone.now().timestamp()):
                # Like a session: the idle clock is written at most once a minute.
                ApiToken.objects.filter(pk=token.pk).update(admin_last=timezone.now())
            request.admin_role = role
        # Sessions: AccountStateMiddleware already set request.admin_role.
        if self.admin and getattr(request, "admin_role", None) is None:
            request.auth_failure_code = ErrorCode.ADMIN_MODE_REQUIRED
            return None
        return user


admin_auth = ApiAuth(admin=True)
