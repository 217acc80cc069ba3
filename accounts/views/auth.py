from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.adminmode import session_admin_clear, session_admin_start
from accounts.devices import login_client, remember_device
from accounts.forms import AdminModeForm, LoginForm, PasswordChangeForm
from accounts.middleware import SESSION_STAMP
from accounts.queries import roles_of
from accounts.services import (
    admin_mode_check_password,
    authenticate_with_throttle,
    captcha_live,
    captcha_new,
    captcha_solve,
    login_needs_captcha,
    password_change,
    user_end_other_sessions,
)
from core.audit import audit_record
from core.errors import DomainError


def remember_stamp(request, user) -> None:
    request.session[SESSION_STAMP] = user.security_stamp


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()},
                                                    require_https=request.is_secure()):
        return target
    return default


@require_http_methods(["GET", "POST"])
def login_view(request):
    if request.user.is_authenticated and request.method == "GET":
        return redirect("portal:home")
    form = LoginForm(request.POST or None)
    show_captcha = False
    if request.method == "POST" and form.is_valid():
        client = login_client(request)
        data = form.cleaned_data
        # A challenge sent along answers once, right or wrong (accounts.services.captcha).
        passed = bool(data["captcha_key"]) and captcha_solve(key=data["captcha_key"],
                                                              answer=data["captcha"])
        try:
            user = authenticate_with_throttle(identifier=data["login"], password=data["password"],
                                              client=client, captcha_passed=passed)
        except DomainError as exc:
            form.add_error("captcha" if exc.field == "captcha" else None, exc.message)
            # The next attempt must solve a fresh picture once the throttle says so.
            show_captcha = login_needs_captcha(identifier=data["login"], client=client)
        else:
            login(request, user, backend="accounts.backends.LoginNameEmailMobileBackend")
            remember_stamp(request, user)
            if user.password_is_initial:
                messages.warning(request, _("Please change your initial password before you go on."))
                response = redirect("accounts:password_change")
            else:
                response = redirect(_safe_next(request, "/"))
            # This browser now has its own failure budget for the account.
            remember_device(request, response, user)
            return response
    return render(request, "accounts/login.html", {
        "form": form, "next": request.POST.get("next") or request.GET.get("next", ""),
        "challenge": captcha_new() if show_captcha else None})


@require_http_methods(["GET"])
def captcha_refresh_view(request):
    """换一张: a fresh challenge for the login form (an htmx fragment)."""
    return render(request, "accounts/_captcha.html", {"challenge": captcha_new()})


@require_http_methods(["GET"])
def captcha_image_view(request, key):
    """The picture of a live challenge; 404 once it is used or expired."""
    from captcha.views import captcha_image

    if captcha_live(key) is None:
        raise Http404
    response = captcha_image(request, key)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def logout_view(request):
    """Log out everywhere (issue 5): this session ends now, the person's other sessions at
    their next request, and their API tokens are revoked."""
    if request.user.is_authenticated:
        with transaction.atomic():
            user_end_other_sessions(user=request.user, reason="logout")
            audit_record(actor=request.user, action="logout", obj=request.user,
                         org=request.user.institute)
    logout(request)
    return redirect("accounts:login")


@login_required
@require_http_methods(["GET", "POST"])
def password_change_view(request):
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            password_change(user=request.user, old_password=form.cleaned_data["old_password"],
                            new_password=form.cleaned_data["new_password"],
                            client=login_client(request))
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            update_session_auth_hash(request, request.user)
            remember_stamp(request, request.user)
            messages.success(request, _("Your password has been changed."))
            return redirect("portal:home")
    return render(request, "accounts/password_change.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def admin_mode_view(request):
    """我的管理: ask for the password again and pick a role."""
    roles = list(roles_of(request.user))
    if not roles:
        messages.error(request, _("You hold no administrator role."))
        return redirect("portal:home")
    form = AdminModeForm(request.POST or None, roles=roles,
                         initial={"role": request.admin_role.pk if request.admin_role else roles[0].pk})
    if request.method == "POST" and form.is_valid():
        try:
            role = admin_mode_check_password(user=request.user,
                                             password=form.cleaned_data["password"],
                                             role_id=form.cleaned_data["role"],
                                             client=login_client(request))
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            session_admin_start(request, role)
            return redirect(_safe_next(request, "portal:admin_home"))
    return render(request, "accounts/admin_mode.html", {"form": form, "roles": roles,
                                                        "next": request.GET.get("next", "")})


@login_required
@require_POST
def admin_mode_exit_view(request):
    session_admin_clear(request)
    return redirect("portal:home")
