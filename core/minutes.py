"""Hours are whole minutes everywhere; this module is the only place that converts, and
the one strict parser for every number a user types (hours, amounts, years, ids).

Every parser checks the text against a short ASCII pattern and its bounds before any
Decimal or int arithmetic: `1e999998` once cost 35 s of CPU (a million-digit integer was
built before the range check) and `1e999999` was a 500 (decimal overflow). Exponent
notation, signs, whitespace, non-ASCII digits, NaN, Infinity and booleans are refused.
"""

import math
import re
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from core.errors import DomainError, ErrorCode

# 24 h a day for ten years: far above any real record, far below integer overflow.
MAX_MINUTES = 10 * 366 * 24 * 60
MAX_HOURS = MAX_MINUTES // 60

# For schemas and HTML `pattern` attributes: what a client may send as hours.
HOURS_PATTERN = r"^\d{1,6}(\.\d{1,2})?$"
_HOURS = re.compile(r"(\d{1,6})(?:\.(\d{1,2}))?", re.ASCII)
_PART = re.compile(r"\d{1,5}", re.ASCII)
_INT = re.compile(r"(-?)(\d{1,18})", re.ASCII)
_TEXT_LIMIT = 32  # longer text is refused before the pattern even looks at it


# How hours read in this request: "hm" (16小时10分, the CAS rules) or "decimal" (2.5学时,
# the CAST rules). The ledger's middleware sets a resolver for each request from the rules
# of the viewer's organisation; it runs on the first hours shown, once. Outside a request
# (commands, exports built in jobs, tests) hours read as "hm" unless `hours_display` says.
_display: ContextVar = ContextVar("hours_display", default=None)


@contextmanager
def hours_display(style_or_resolver):
    """Show hours in `style_or_resolver` ("hm", "decimal", or a callable returning one,
    asked at most once) inside the block."""
    token = _display.set([style_or_resolver])
    try:
        yield
    finally:
        _display.reset(token)


def display_style() -> str:
    box = _display.get()
    if box is None:
        return "hm"
    if callable(box[0]):
        box[0] = box[0]() or "hm"
    return box[0] if box[0] in ("hm", "decimal") else "hm"


def format_decimal_hours(minutes: int) -> str:
    """150 → "2.5学时" (English "2.5 h"): one decimal place, two where one would round
    (10 minutes → 0.17学时), as seed 003 shows them (8.0学时, 0.0学时)."""
    value = Decimal(int(minutes)) / 60
    places = Decimal("0.1") if int(minutes) % 6 == 0 else Decimal("0.01")
    return _("%(h)s study hours") % {"h": value.quantize(places, rounding=ROUND_HALF_UP)}


def format_minutes(minutes: int, style: str | None = None) -> str:
    """16h10m → "16小时10分" (or "16h 10m" in English); whole hours drop the minutes. Under
    rules that show decimal 学时 (CAST) → "16.17学时". The one formatter of hours: the `hm`
    template filter and every message use it."""
    if (style or display_style()) == "decimal":
        return format_decimal_hours(minutes)
    sign = "-" if minutes < 0 else ""
    hours, mins = divmod(abs(int(minutes)), 60)
    if mins == 0:
        return sign + _("%(h)dh") % {"h": hours}
    return sign + _("%(h)dh %(m)dm") % {"h": hours, "m": mins}


def _invalid(message, field):
    return DomainError(ErrorCode.INVALID, message, field=field)


def _number_text(value, *, field, empty_message, max_whole_digits: int) -> str:
    """The canonical text of int/float/Decimal/str input, or a DomainError. Never does
    arithmetic on an unbounded value."""
    if isinstance(value, bool) or value is None:
        raise _invalid(empty_message, field)
    if isinstance(value, int | float) and value < 0:
        raise _invalid(_("The number must not be negative."), field)
    if isinstance(value, int):
        if value >= 10 ** max_whole_digits:
            raise _invalid(_("The number is out of range."), field)
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _invalid(_("Enter a plain number such as 4 or 4.5."), field)
        if value >= 10 ** max_whole_digits:
            raise _invalid(_("The number is out of range."), field)
        return repr(value)  # shortest round-trip form; tiny values come out as 1e-05 and fail
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise _invalid(_("Enter a plain number such as 4 or 4.5."), field)
        if value.is_signed() and value != 0:
            raise _invalid(_("The number must not be negative."), field)
        if value != 0 and value.adjusted() >= max_whole_digits:
            raise _invalid(_("The number is out of range."), field)
        return format(value, "f")  # bounded above, so this is short
    if not isinstance(value, str):
        raise _invalid(_("Enter a plain number such as 4 or 4.5."), field)
    if value == "":
        raise _invalid(empty_message, field)
    if len(value) > _TEXT_LIMIT:
        raise _invalid(_("The number is out of range."), field)
    return value


def _parse_hours_text(text: str, field: str) -> int:
    """'4.5' → 270 (minutes), through the pattern only."""
    match = _HOURS.fullmatch(text)
    if not match:
        if text.startswith("-"):
            raise _invalid(_("Hours must be more than zero."), field)
        if "e" in text.lower():
            raise _invalid(_("Enter a plain number such as 4 or 4.5, without an exponent."), field)
        if re.fullmatch(r"\d+\.\d{3,}", text, re.ASCII):
            raise _invalid(_("Hours take at most two decimals."), field)
        if re.fullmatch(r"\d{7,}(\.\d*)?", text, re.ASCII):
            raise _invalid(_("That many hours is not plausible."), field)
        raise _invalid(_("Hours must be a number."), field)
    whole, fraction = match.group(1), (match.group(2) or "").ljust(2, "0")
    hundredths = int(whole) * 100 + int(fraction)  # at most 8 digits
    if hundredths * 60 % 100:
        raise _invalid(_("Hours must come to whole minutes."), field)
    return hundredths * 60 // 100


def hours_to_minutes(value, *, field: str = "hours", allow_zero: bool = False) -> int:
    """Parse "4", "4.5", 24.0 or Decimal into whole minutes, refusing what is not a sane
    amount (exponent notation, sign, NaN, Infinity, more than two decimals, absurdly large)."""
    text = _number_text(value, field=field, empty_message=_("Enter the number of hours."),
                        max_whole_digits=7)
    if isinstance(value, float | Decimal):
        # 24.0 → "24.0", Decimal("1.250") → "1.250" (three decimals: refused)
        text = text[:-2] if isinstance(value, float) and text.endswith(".0") else text
    minutes = _parse_hours_text(text, field)
    if minutes == 0 and not allow_zero:
        raise _invalid(_("Hours must be more than zero."), field)
    if minutes > MAX_MINUTES:
        raise _invalid(_("That many hours is not plausible."), field)
    return minutes


def hours_minutes_to_minutes(hours, minutes, *, field: str = "hours", allow_zero: bool = False) -> int:
    """The 小时 + 分 pair of a form: "16" and "10" → 970. Each part is 1-5 ASCII digits or
    empty; minutes stay below 60 unless the hours are empty ("" and "90" is 90 minutes)."""
    parts = []
    for part in (hours, minutes):
        if isinstance(part, int) and not isinstance(part, bool) and 0 <= part < 100000:
            part = str(part)
        if part is None or part == "":
            parts.append(None)
        elif isinstance(part, str) and _PART.fullmatch(part):
            parts.append(int(part))
        else:
            raise _invalid(_("Enter hours and minutes as whole numbers."), field)
    h, m = parts
    if h is None and m is None:
        raise _invalid(_("Enter the number of hours."), field)
    if h is not None and m is not None and m >= 60:
        raise _invalid(_("Minutes must be less than 60."), field)
    total = (h or 0) * 60 + (m or 0)
    if total == 0 and not allow_zero:
        raise _invalid(_("Hours must be more than zero."), field)
    if total > MAX_MINUTES:
        raise _invalid(_("That many hours is not plausible."), field)
    return total


def parse_int(value, *, field: str, min: int, max: int) -> int:  # noqa: A002 - the brief's names
    """A whole number from a form, a query string, an import cell or JSON, within
    [min, max]. ASCII digits only, an optional '-' only when min is negative."""
    if isinstance(value, bool) or value is None or value == "":
        raise _invalid(_("Enter a whole number."), field)
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer() or abs(value) > 2 ** 53:
            raise _invalid(_("Enter a whole number."), field)
        value = int(value)
    if isinstance(value, Decimal):
        if not value.is_finite() or value.adjusted() > 18 or value != value.to_integral_value():
            raise _invalid(_("Enter a whole number."), field)
        value = int(value)
    if isinstance(value, str):
        match = _INT.fullmatch(value) if len(value) <= 19 else None
        if not match or (match.group(1) and min >= 0):
            raise _invalid(_("Enter a whole number between %(min)d and %(max)d.") % {"min": min, "max": max},
                           field)
        value = int(value)
    if not isinstance(value, int):
        raise _invalid(_("Enter a whole number."), field)
    if not min <= value <= max:
        raise _invalid(_("Enter a whole number between %(min)d and %(max)d.") % {"min": min, "max": max}, field)
    return value


def parse_decimal(value, *, field: str, max_whole_digits: int = 8, places: int = 2,
                  allow_empty: bool = True) -> Decimal | None:
    """An amount such as a cost: up to `max_whole_digits` digits and `places` decimals,
    no sign, no exponent. '' → None when allowed."""
    if value in (None, "") and allow_empty:
        return None
    text = _number_text(value, field=field, empty_message=_("Enter a number."),
                        max_whole_digits=max_whole_digits)
    if isinstance(value, float) and text.endswith(".0"):
        text = text[:-2]
    pattern = rf"\d{{1,{max_whole_digits}}}" + (rf"(\.\d{{1,{places}}})?" if places else "")
    if not re.fullmatch(pattern, text, re.ASCII):
        raise _invalid(_("Enter a plain number with at most %(n)d decimals, without sign or exponent.")
                       % {"n": places}, field)
    return Decimal(text)
