"""忘记密码 pages: ask for a reset, the emailed link, the SMS code (accounts.services.reset).

The link's token never stays in the address bar: the link page checks it, keeps it in
the session and redirects to a page without it (as Django's own reset views do), so it
cannot leak through the Referer or the browser history.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.devices import login_client
from accounts.forms import PasswordResetCodeForm, PasswordResetRequestForm, PasswordResetSetForm
from accounts.services import (
    password_reset_check_link,
    password_reset_request,
    password_reset_with_code,
    password_reset_with_link,
)
from accounts.sms import sms_enabled
from core.errors import DomainError

SESSION_LINK = "xueshi_reset_link"
SESSION_LOGIN = "xueshi_reset_login"


def reset_link_for(request):
    def link_for(uidb64: str, token: str) -> str:
        return request.build_absolute_uri(
            reverse("accounts:password_reset_link", args=[uidb64, token]))

    return link_for


def _show(form, exc: DomainError):
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


@require_http_methods(["GET", "POST"])
def password_reset_view(request):
    form = PasswordResetRequestForm(request.POST or None, sms=sms_enabled())
    if request.method == "POST" and form.is_valid():
        channel = form.cleaned_data["channel"]
        try:
            message = password_reset_request(identifier=form.cleaned_data["login"],
                                             channel=channel, client=login_client(request),
                                             link_for=reset_link_for(request))
        except DomainError as exc:
            _show(form, exc)
        else:
            messages.info(request, message)
            if channel == "sms":
                request.session[SESSION_LOGIN] = form.cleaned_data["login"].strip()
                return redirect("accounts:password_reset_code")
            return redirect("accounts:login")
    return render(request, "accounts/password_reset.html", {"form": form})


@require_http_methods(["GET"])
def password_reset_link_view(request, uidb64, token):
    """The link from the email: checked, kept in the session, then out of the URL."""
    if password_reset_check_link(uidb64, token) is None:
        messages.error(request, _("This reset link is invalid or has expired. Ask for a new one."))
        return redirect("accounts:password_reset")
    request.session[SESSION_LINK] = [uidb64, token]
    return redirect("accounts:password_reset_set")


@require_http_methods(["GET", "POST"])
def password_reset_set_view(request):
    link = request.session.get(SESSION_LINK)
    if not (isinstance(link, list) and len(link) == 2) or \
            password_reset_check_link(*link) is None:
        request.session.pop(SESSION_LINK, None)
        messages.error(request, _("This reset link is invalid or has expired. Ask for a new one."))
        return redirect("accounts:password_reset")
    form = PasswordResetSetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            password_reset_with_link(uidb64=link[0], token=link[1],
                                     new_password=form.cleaned_data["new_password"],
                                     client=login_client(request))
        except DomainError as exc:
            _show(form, exc)
        else:
            return _done(request)
    return render(request, "accounts/password_reset_set.html", {"form": form})


@require_http_methods(["GET", "POST"])
def password_reset_code_view(request):
    form = PasswordResetCodeForm(request.POST or None,
                                 initial={"login": request.session.get(SESSION_LOGIN, "")})
    if request.method == "POST" and form.is_valid():
        try:
            password_reset_with_code(identifier=form.cleaned_data["login"],
                                     code=form.cleaned_data["code"],
                                     new_password=form.cleaned_data["new_password"],
                                     client=login_client(request))
        except DomainError as exc:
            _show(form, exc)
        else:
            return _done(request)
    return render(request, "accounts/password_reset_code.html", {"form": form})


def _done(request):
    """Every session of the person has ended; this browser, if signed in as anybody,
    signs in again too."""
    from django.contrib.auth import logout

    logout(request)
    messages.success(request, _("Your password has been reset. Log in with the new one."))
    return redirect("accounts:login")
