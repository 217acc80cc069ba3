"""Checks every app applies to text and dates from users (issue 9, findings 4 and Low).

- Control characters: NUL made PostgreSQL answer 500 in six operations. The middleware
  (core.middleware.TextInputGuardMiddleware) refuses C0/C1 control characters, except tab,
  CR and LF, in every query, form, JSON body and file name. Single-line fields (names,
  login names, titles) refuse tab, CR and LF too: `SingleLineField` for forms,
  `SingleLine` for API schemas, `check_single_line` for services.
- Dates: `check_date_range` and the two bounds below keep year 1 and 9999 out:
  `PERSON_DATES` (birth, hire: 1900..2100) and `learning_dates()` (2000..next year).
"""

import re
from datetime import date
from typing import Annotated

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import AfterValidator

# C0 except tab, LF, CR; DEL; C1; lone surrogates (JSON "\ud800" cannot be stored either).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
LINE_BREAKS = re.compile(r"[\t\r\n\u2028\u2029]")


def has_control(text: str) -> bool:
    return bool(CONTROL.search(text))


def check_single_line(value: str, *, field: str | None = None) -> str:
    """For services: the value, or a DomainError naming the field."""
    from core.errors import DomainError, ErrorCode

    if value and (CONTROL.search(value) or LINE_BREAKS.search(value)):
        raise DomainError(ErrorCode.INVALID, _("Use one line without tabs or control characters."),
                          field=field)
    return value


def validate_single_line(value) -> None:
    """A Django validator (forms and model fields)."""
    if isinstance(value, str) and (CONTROL.search(value) or LINE_BREAKS.search(value)):
        raise ValidationError(gettext_lazy("Use one line without tabs or control characters."),
                              code="control_characters")


def validate_no_control(value) -> None:
    if isinstance(value, str) and CONTROL.search(value):
        raise ValidationError(gettext_lazy("Control characters are not allowed."),
                              code="control_characters")


class SingleLineField(forms.CharField):
    """A CharField for names, login names and titles."""

    default_validators = [validate_single_line]


def _single_line(value: str) -> str:
    if CONTROL.search(value) or LINE_BREAKS.search(value):
        raise ValueError("use one line without tabs or control characters")
    return value


# For API schemas: `name: SingleLine = Field(..., max_length=100)`.
SingleLine = Annotated[str, AfterValidator(_single_line)]


# --- dates ---------------------------------------------------------------------------

PERSON_DATES = (1900, 2100)


def learning_dates() -> tuple[int, int]:
    """Dates of learning, credits and windows: 2000 up to next year."""
    return 2000, timezone.localdate().year + 1


def check_date_range(value: date | None, *, field: str, years: tuple[int, int] | None = None) -> date | None:
    """For services: the date, or a DomainError when its year is outside `years`
    (default: learning_dates())."""
    from core.errors import DomainError, ErrorCode

    if value is None:
        return None
    low, high = years or learning_dates()
    if not low <= value.year <= high:
        raise DomainError(ErrorCode.INVALID, _("Enter a date between %(low)d and %(high)d.")
                          % {"low": low, "high": high}, field=field)
    return value


class BoundedDateField(forms.DateField):
    """A DateField with an ISO `<input type="date">` and bounded years.

    `years=None` bounds to learning_dates() at validation time; pass PERSON_DATES for
    birth and hire dates."""

    def __init__(self, *args, years=None, **kwargs):
        self.years = years
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
        super().__init__(*args, **kwargs)

    def validate(self, value):
        super().validate(value)
        if value in self.empty_values:
            return
        low, high = self.years or learning_dates()
        if not low <= value.year <= high:
            raise ValidationError(_("Enter a date between %(low)d and %(high)d.") % {"low": low, "high": high},
                                  code="date_range")


def _learning_date(value: date) -> date:
    low, high = learning_dates()
    if not low <= value.year <= high:
        raise ValueError(f"the date must lie between {low} and {high}")
    return value


def _person_date(value: date) -> date:
    low, high = PERSON_DATES
    if not low <= value.year <= high:
        raise ValueError(f"the date must lie between {low} and {high}")
    return value


# For API schemas: `start: LearningDate`, `hire_date: PersonDate | None = None`.
LearningDate = Annotated[date, AfterValidator(_learning_date)]
PersonDate = Annotated[date, AfterValidator(_person_date)]


# --- numbers in forms (one parser: core.minutes) ----------------------------------------

class HoursField(forms.CharField):
    """Decimal hours ("4", "2.5"), checked by core.minutes.hours_to_minutes; the cleaned
    value stays the text the services parse again."""

    def __init__(self, *args, allow_zero=False, **kwargs):
        self.allow_zero = allow_zero
        kwargs.setdefault("max_length", 20)
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("inputmode", "decimal")

    def validate(self, value):
        from core.errors import DomainError
        from core.minutes import hours_to_minutes

        super().validate(value)
        if value in self.empty_values:
            return
        try:
            hours_to_minutes(value, field="hours", allow_zero=self.allow_zero)
        except DomainError as exc:
            raise ValidationError(str(exc.message), code="invalid") from None


class StrictIntegerField(forms.IntegerField):
    """An IntegerField through core.minutes.parse_int: ASCII digits only (no "１２", no
    "1e3", no "12.0"), bounds checked before anything else."""

    def to_python(self, value):
        from core.errors import DomainError
        from core.minutes import parse_int

        if value in self.empty_values:
            return None
        low = self.min_value if self.min_value is not None else 0
        high = self.max_value if self.max_value is not None else 2**31 - 1
        try:
            return parse_int(str(value).strip() if isinstance(value, str) else value,
                             field=None, min=low, max=high)
        except DomainError as exc:
            raise ValidationError(str(exc.message), code="invalid") from None


class AmountField(forms.CharField):
    """A money amount such as a cost ("0.35"), checked by core.minutes.parse_decimal:
    at most `max_whole_digits` digits and `places` decimals, no sign, no exponent."""

    def __init__(self, *args, max_whole_digits=8, places=2, **kwargs):
        self.max_whole_digits, self.places = max_whole_digits, places
        kwargs.setdefault("max_length", 20)
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("inputmode", "decimal")

    def validate(self, value):
        from core.errors import DomainError
        from core.minutes import parse_decimal

        super().validate(value)
        try:
            parse_decimal(value, field=None, max_whole_digits=self.max_whole_digits, places=self.places)
        except DomainError as exc:
            raise ValidationError(str(exc.message), code="invalid") from None
