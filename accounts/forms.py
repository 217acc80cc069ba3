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


class PasswordResetRequestForm(forms.Form):
    """忘记密码, step one: who, and which way the reset should come."""

    login = forms.CharField(label=_("Login name, email or mobile"), max_length=254,
                            widget=forms.TextInput(attrs={"autofocus": True,
                                                          "autocomplete": "username"}))
    channel = forms.ChoiceField(label=_("Send the reset by"), widget=forms.RadioSelect,
                                initial="email")

    def __init__(self, *args, sms=False, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("email", _("a link to my email"))]
        if sms:
            choices.append(("sms", _("a code to my mobile (SMS)")))
        self.fields["channel"].choices = choices


class PasswordResetSetForm(forms.Form):
    """The page an emailed link leads to: the new password, twice."""

    new_password = forms.CharField(label=_("New password"), max_length=4096, strip=False,
                                   widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    new_password2 = forms.CharField(label=_("New password again"), max_length=4096, strip=False,
                                    widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("new_password") != data.get("new_password2"):
            self.add_error("new_password2", _("The two new passwords differ."))
        return data


class PasswordResetCodeForm(PasswordResetSetForm):
    """The SMS way: the identifier, the code received and the new password, twice."""

    login = forms.CharField(label=_("Login name, email or mobile"), max_length=254,
                            widget=forms.TextInput(attrs={"autocomplete": "username"}))
    code = forms.CharField(label=_("Code from the SMS"), max_length=12,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code",
                                                         "inputmode": "numeric"}))
    field_order = ["login", "code", "new_password", "new_password2"]
