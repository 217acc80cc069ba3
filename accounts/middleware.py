from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.adminmode import session_admin_role
from accounts.gate import initial_password_allows

SESSION_STAMP = "xueshi_security_stamp"

# Static files need no person; the API gates in accounts.api_auth with the same list.
_OPEN_PREFIXES = ("/static/", "/api/v1/")


class AccountStateMiddleware:
    """Per request: end sessions made stale by a password change, deactivation or role
    removal; confine people with an initial password to the change-password page; set
    request.admin_role from a live admin mode."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.admin_role = None
        user = request.user
        if user.is_authenticated:
            stamp = request.session.get(SESSION_STAMP)
            if stamp is None:
                # A session started by a login that did not stamp it (the Django admin's
                # form): stamp it now, so logging out elsewhere ends it too.
                request.session[SESSION_STAMP] = stamp = user.security_stamp
            if stamp != user.security_stamp:
                logout(request)
                messages.info(request, _("Your session has ended; please log in again."))
                return redirect(reverse("accounts:login"))
            if user.password_is_initial:
                expires = user.initial_password_expires_at
                if expires is not None and expires <= timezone.now():
                    logout(request)
                    messages.error(request, _("Your initial password has expired. "
                                              "Ask your administrator for a new one."))
                    return redirect(reverse("accounts:login"))
                if not request.path.startswith(_OPEN_PREFIXES) and \
                        not initial_password_allows(request.path_info, request.method):
                    return redirect(reverse("accounts:password_change"))
            request.admin_role = session_admin_role(request)
        return self.get_response(request)
