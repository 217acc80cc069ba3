"""Device cookies (OWASP "Slow down online guessing attacks with device cookies").

After a successful login the browser gets a signed cookie naming the account and a
random device id. Later attempts from that browser for that account draw on the
device's own failure budget, so a flood of guesses elsewhere never locks the owner out
of their usual browser, and the CAPTCHA is never shown to it. One cookie holds the
devices of the last few accounts used in this browser (a shared office computer).
"""

import secrets

from django.conf import settings
from django.core import signing

COOKIE_NAME = "xueshi_device"
_SALT = "accounts.devices"
_MAX_ACCOUNTS = 5


def _max_age() -> int:
    return settings.XUESHI_DEVICE_COOKIE_DAYS * 24 * 3600


def _entries(request) -> list[list]:
    raw = request.COOKIES.get(COOKIE_NAME)
    if not raw or len(raw) > 2048:
        return []
    try:
        value = signing.loads(raw, salt=_SALT, max_age=_max_age())
    except signing.BadSignature:
        return []
    if not isinstance(value, list):
        return []
    return [e for e in value
            if isinstance(e, list) and len(e) == 2 and isinstance(e[0], int)
            and isinstance(e[1], str) and 0 < len(e[1]) <= 64][:_MAX_ACCOUNTS]


def devices_of(request) -> dict[int, str]:
    """{account pk: device id} for every account whose valid device cookie this request
    carries (a forged or expired cookie counts as none)."""
    return dict(_entries(request))


def remember_device(request, response, user) -> None:
    """Give this browser a fresh device id for `user` (after a successful login)."""
    entries = [e for e in _entries(request) if e[0] != user.pk]
    entries.insert(0, [user.pk, secrets.token_urlsafe(16)])
    value = signing.dumps(entries[:_MAX_ACCOUNTS], salt=_SALT, compress=True)
    response.set_cookie(COOKIE_NAME, value, max_age=_max_age(), httponly=True,
                        secure=settings.XUESHI_DEVICE_COOKIE_SECURE, samesite="Lax")


def login_client(request):
    """The LoginClient of a request: its address, the device cookies it proves and, for
    the API, the bearer token it is signed in with."""
    from accounts.services.throttle import LoginClient
    from core.requestcontext import client_ip

    token = getattr(request, "auth_token", None)
    return LoginClient(ip=client_ip(request), devices=devices_of(request),
                       token_id=token.pk if token is not None else None)
