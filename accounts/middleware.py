from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.adminmode import session_admin_role

SESSION_STAMP = "xueshi_security_stamp"

# Paths a person with an initial password may still reach.
_OPEN_PREFIXES = ("/static/", "/i18n/", "/api/v1/")


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
            if stamp is not None and stamp != user.security_stamp:
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
                allowed = {reverse("accounts:password_change"), reverse("accounts:logout")}
                if request.path not in allowed and not request.path.startswith(_OPEN_PREFIXES):
                    return redirect(reverse("accounts:password_change"))
            request.admin_role = session_admin_role(request)
        return self.get_response(request)
