"""Password rules beyond Django's: refuse known defaults, anything built from the
person's own identifiers, and absurd lengths before hashing (ABUSE-CASES 2, 3)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_PASSWORD_LENGTH = 128


class MinimumLengthValidator:
    def __init__(self, min_length=8):
        self.min_length = min_length

    def validate(self, password, user=None):
        if len(password) < self.min_length:
            raise ValidationError(
                _("The password is too short: at least %(n)d characters.") % {"n": self.min_length},
                code="password_too_short",
            )

    def get_help_text(self):
        return _("At least %(n)d characters.") % {"n": self.min_length}


class MaximumLengthValidator:
    def validate(self, password, user=None):
        if len(password) > MAX_PASSWORD_LENGTH:
            raise ValidationError(
                _("The password may have at most %(n)d characters.") % {"n": MAX_PASSWORD_LENGTH},
                code="password_too_long",
            )

    def get_help_text(self):
        return _("At most %(n)d characters.") % {"n": MAX_PASSWORD_LENGTH}


class NotKnownDefaultValidator:
    def validate(self, password, user=None):
        defaults = {p.lower() for p in settings.XUESHI_KNOWN_DEFAULT_PASSWORDS}
        org = getattr(user, "institute", None) if user is not None else None
        root = getattr(org, "root", None) if org is not None else None
        for unit in (org, root):
            if unit is not None and unit.default_initial_password:
                defaults.add(unit.default_initial_password.lower())
        if password.lower() in defaults:
            raise ValidationError(_("This is a known default password; choose your own."),
                                  code="password_known_default")

    def get_help_text(self):
        return _("Not a default password such as 123456 or Abcd1234.")


class NotPersonalValidator:
    """Refuse passwords that contain the login name, the email's local part, the
    institute abbreviation or the mobile number."""

    def validate(self, password, user=None):
        if user is None:
            return
        lowered = password.lower()
        parts = []
        login = (user.login_name or "").lower()
        parts.append(login)
        if "@" in login:
            parts.append(login.split("@")[0])
        if "-" in login:
            parts.append(login.split("-", 1)[1])
        if user.email:
            parts.append(user.email.lower().split("@")[0])
        if user.mobile:
            parts.append(user.mobile)
        institute = getattr(user, "institute", None)
        if institute is not None and institute.abbr:
            parts.append(institute.abbr.lower())
        for part in parts:
            if len(part) >= 3 and part in lowered:
                raise ValidationError(
                    _("The password must not contain your login name, email, mobile number "
                      "or institute abbreviation."),
                    code="password_personal",
                )

    def get_help_text(self):
        return _("Not containing your login name, email, mobile or institute abbreviation.")
