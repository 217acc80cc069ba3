from django import forms
from django.contrib.auth.password_validation import password_validators_help_texts
from django.utils.translation import gettext_lazy as _


class LoginForm(forms.Form):
    login = forms.CharField(label=_("Login name, email or mobile"), max_length=254,
                            widget=forms.TextInput(attrs={"autofocus": True,
                                                          "autocomplete": "username"}))
    password = forms.CharField(label=_("Password"), max_length=4096, strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    # 验证码: shown (accounts/login.html) only once the throttle asks for it.
    captcha_key = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    captcha = forms.CharField(label=_("Verification code"), required=False, max_length=16,
                              widget=forms.TextInput(attrs={"autocomplete": "off",
                                                            "autocapitalize": "characters",
                                                            "spellcheck": "false"}))


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label=_("Current password"), max_length=4096, strip=False,
                                   widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    new_password = forms.CharField(label=_("New password"), max_length=4096, strip=False,
                                   widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    new_password2 = forms.CharField(label=_("New password again"), max_length=4096, strip=False,
                                    widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The rules before the first try, not only after a failure.
        self.fields["new_password"].help_text = " ".join(password_validators_help_texts())

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("new_password") != data.get("new_password2"):
            self.add_error("new_password2", _("The two new passwords differ."))
        return data


class AdminModeForm(forms.Form):
    role = forms.TypedChoiceField(label=_("Role"), coerce=int)
    password = forms.CharField(label=_("Password"), max_length=4096, strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    def __init__(self, *args, roles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(r.pk, str(r)) for r in roles]
