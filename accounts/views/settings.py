"""个人设置: basic info, email settings (password change lives in views.auth)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts.devices import login_client
from accounts.services import login_name_switch_to_email, profile_update
from core.errors import DomainError


class ProfileForm(forms.Form):
    email = forms.CharField(label=gettext_lazy("Work email"), max_length=254, required=False)
    mobile = forms.CharField(label=gettext_lazy("Mobile"), max_length=20, required=False)
    password = forms.CharField(label=gettext_lazy("Current password"), max_length=4096,
                               strip=False, widget=forms.PasswordInput(
                                   attrs={"autocomplete": "current-password"}))


@login_required
@require_http_methods(["GET", "POST"])
def profile_view(request):
    user = request.user
    form = ProfileForm(request.POST or None, initial={"email": user.email, "mobile": user.mobile})
    if request.method == "POST" and form.is_valid():
        try:
            profile_update(user=user, email=form.cleaned_data["email"],
                           mobile=form.cleaned_data["mobile"],
                           password=form.cleaned_data["password"],
                           client=login_client(request))
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form, "tab": "profile"})


@login_required
@require_POST
def switch_login_name_view(request):
    try:
        login_name_switch_to_email(user=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your login name is now %(email)s.") % {"email": request.user.login_name})
    return redirect("accounts:profile")
