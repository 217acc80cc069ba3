"""The login throttle: failure budgets after OWASP's "device cookies".

- A browser that has logged in to an account before carries a signed device cookie for
  it (accounts.devices) and has a budget of its own: an attacker elsewhere cannot lock
  the owner out of the browser they always use.
- Every other client of the account (a new browser, the token endpoint) draws on one
  budget per account, whatever its address: guessing stays bounded per account even
  from many addresses. Once spent, untrusted clients wait; each lock in a row lasts
  twice as long as the one before (up to XUESHI_LOGIN_LOCK_MAX_SECONDS).
- A bearer token re-checking the password (admin mode, password change) has its own
  budget, so a stolen token cannot lock the owner out either.
- Text that names no account has a budget per text, so refusals look the same.

An attempt is counted *before* the password is hashed, under a row lock: n parallel
requests cannot make more than XUESHI_LOGIN_FAILURES_ALLOWED guesses in a window. A
successful attempt gives its count back.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import LoginThrottle

__all__ = [
    "LoginClient",
    "throttle_bucket",
    "throttle_key",
    "throttle_reserve",
    "throttle_give_back",
    "throttle_clear",
    "throttle_failures",
    "throttle_prune",
]


@dataclass(frozen=True)
class LoginClient:
    """Who is trying: the address (for the audit trail only), the devices this client
    proved with a valid signed cookie ({account pk: device id}) and the bearer token of
    a signed-in request."""

    ip: str | None = None
    devices: dict = field(default_factory=dict)
    token_id: int | None = None

    def device_for(self, user) -> str | None:
        if user is None:
            return None
        return self.devices.get(user.pk)


def throttle_bucket(*, user=None, identifier: str = "", client: LoginClient | None = None,
                    signed_in: bool = False) -> str:
    """The key of the budget an attempt draws on (see the module docstring)."""
    client = client or LoginClient()
    if user is None:
        subject = f"name:{(identifier or '').strip().lower()}"
    elif client.device_for(user):
        subject = f"device:{user.pk}:{client.device_for(user)}"
    elif signed_in and client.token_id is not None:
        subject = f"token:{client.token_id}"
    else:
        subject = f"account:{user.pk}"
    return hashlib.sha256(subject.encode()).hexdigest()


def throttle_key(subject: str) -> str:
    """The key of a budget named by `subject` (other uses of the throttle: "reset:..." for
    password-reset requests)."""
    return hashlib.sha256(subject.encode()).hexdigest()


def _lock_length(lockouts: int) -> timedelta:
    base = settings.XUESHI_LOGIN_COOLOFF_SECONDS
    seconds = min(base * 2 ** min(max(lockouts - 1, 0), 20), settings.XUESHI_LOGIN_LOCK_MAX_SECONDS)
    return timedelta(seconds=max(seconds, base))


def throttle_reserve(key: str, *, limit: int | None = None,
                     window_seconds: int | None = None) -> datetime | None:
    """Count one attempt on the budget `key`. Returns None when the attempt may go on,
    else the moment the budget opens again (the attempt is then not counted). Invariant:
    at most `limit` (XUESHI_LOGIN_FAILURES_ALLOWED) attempts pass per window
    (XUESHI_LOGIN_COOLOFF_SECONDS), also under parallel requests (the row is locked from
    the read to the write)."""
    now = timezone.now()
    window = timedelta(seconds=window_seconds or settings.XUESHI_LOGIN_COOLOFF_SECONDS)
    limit = limit or settings.XUESHI_LOGIN_FAILURES_ALLOWED
    with transaction.atomic():
        LoginThrottle.objects.get_or_create(key=key)
        row = LoginThrottle.objects.select_for_update().get(key=key)
        if row.locked_until and row.locked_until > now:
            return row.locked_until
        if row.locked_until and now - row.locked_until > timedelta(
                seconds=settings.XUESHI_LOGIN_LOCK_MAX_SECONDS):
            row.lockouts = 0  # quiet for long enough: start again from the short lock
        if row.first_failure_at is None or now - row.first_failure_at > window:
            row.failures = 0
            row.first_failure_at = now
        row.last_attempt_at = now
        if row.failures >= limit:
            row.lockouts += 1
            row.locked_until = now + _lock_length(row.lockouts)
            row.failures = 0
            row.first_failure_at = None
            row.save()
            return row.locked_until
        row.failures += 1
        row.save()
    return None


def throttle_give_back(key: str) -> None:
    """A successful attempt on a shared budget returns its count (the lock history
    stays, so an owner logging in does not reset an attacker's growing delays)."""
    LoginThrottle.objects.filter(key=key, failures__gt=0).update(failures=F("failures") - 1)


def throttle_clear(key: str) -> None:
    """A successful attempt on a budget of its own (a device, a token) clears it."""
    LoginThrottle.objects.filter(key=key).delete()


def throttle_failures(key: str) -> int:
    """Attempts counted in the current window (for the CAPTCHA decision)."""
    row = LoginThrottle.objects.filter(key=key).first()
    if row is None:
        return 0
    now = timezone.now()
    if row.locked_until and row.locked_until > now:
        return settings.XUESHI_LOGIN_FAILURES_ALLOWED
    if row.first_failure_at is None or \
            now - row.first_failure_at > timedelta(seconds=settings.XUESHI_LOGIN_COOLOFF_SECONDS):
        return 0
    return row.failures


def throttle_prune(*, now: datetime | None = None) -> int:
    """Delete budgets that no longer hold anything: no lock running and no attempt for
    longer than the longest lock (so growing delays are remembered as long as they
    matter). Returns how many rows went."""
    now = now or timezone.now()
    horizon = now - timedelta(seconds=max(settings.XUESHI_LOGIN_LOCK_MAX_SECONDS,
                                          settings.XUESHI_LOGIN_COOLOFF_SECONDS))
    stale = LoginThrottle.objects.filter(
        last_attempt_at__lt=horizon).exclude(locked_until__gt=now)
    never_used = LoginThrottle.objects.filter(last_attempt_at__isnull=True)
    deleted, _ = stale.delete()
    deleted_empty, _ = never_used.delete()
    return deleted + deleted_empty
