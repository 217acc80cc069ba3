"""Hours are whole minutes everywhere; this module is the only place that converts."""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from core.errors import DomainError, ErrorCode

# 24 h a day for ten years: far above any real record, far below integer overflow.
MAX_MINUTES = 10 * 366 * 24 * 60


def format_minutes(minutes: int) -> str:
    """16h10m → "16小时10分" (or "16h 10m" in English); whole hours drop the minutes."""
    sign = "-" if minutes < 0 else ""
    hours, mins = divmod(abs(int(minutes)), 60)
    if mins == 0:
        return sign + _("%(h)dh") % {"h": hours}
    return sign + _("%(h)dh %(m)dm") % {"h": hours, "m": mins}


def hours_to_minutes(value, *, field: str = "hours", allow_zero: bool = False) -> int:
    """Parse "4", "4.5", 24.0 or Decimal into whole minutes, refusing what is not a sane
    amount (negative, NaN, Infinity, more than two decimals, absurdly large)."""
    if isinstance(value, bool) or value is None or value == "":
        raise DomainError(ErrorCode.INVALID, _("Enter the number of hours."), field=field)
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise DomainError(ErrorCode.INVALID, _("Hours must be a number."), field=field) from None
    if not number.is_finite():
        raise DomainError(ErrorCode.INVALID, _("Hours must be a number."), field=field)
    if number.as_tuple().exponent < -2:
        raise DomainError(ErrorCode.INVALID, _("Hours take at most two decimals."), field=field)
    minutes = number * 60
    if minutes != minutes.to_integral_value():
        raise DomainError(ErrorCode.INVALID, _("Hours must come to whole minutes."), field=field)
    minutes = int(minutes)
    if minutes < 0 or (minutes == 0 and not allow_zero):
        raise DomainError(ErrorCode.INVALID, _("Hours must be more than zero."), field=field)
    if minutes > MAX_MINUTES:
        raise DomainError(ErrorCode.INVALID, _("That many hours is not plausible."), field=field)
    return minutes
