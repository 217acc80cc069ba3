"""The rotating sign-in token of a session (培训签到), decided by the server's clock only.

Time is cut into INTERVAL-second slots. In slot n the session's QR code encodes the token
`<session>.<n>.<mac>` and shows a 6-digit short code, both an HMAC of (session, n) under
the project's SECRET_KEY and the session's own secret. A token or code is accepted in
its own slot and the next one (it expires after 2 intervals), only for its session.
Nothing the client says about time is used.
"""

import hashlib
import hmac
import math
import time

from django.conf import settings

INTERVAL = 30  # seconds a QR code / short code is shown
VALID_SLOTS = 2  # accepted in its slot and the next


def current_slot(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // INTERVAL)


def _mac(session, slot: int, purpose: str) -> str:
    key = f"{settings.SECRET_KEY}:training-session:{session.secret}".encode()
    return hmac.new(key, f"{purpose}:{session.pk}:{slot}".encode(), hashlib.sha256).hexdigest()


def token_for(session, slot: int | None = None) -> str:
    slot = current_slot() if slot is None else slot
    return f"{session.pk}.{slot}.{_mac(session, slot, 'qr')[:20]}"


def code_for(session, slot: int | None = None) -> str:
    slot = current_slot() if slot is None else slot
    return f"{int(_mac(session, slot, 'code')[:12], 16) % 1_000_000:06d}"


def _fresh(slot: int, now: float | None) -> bool:
    return 0 <= current_slot(now) - slot < VALID_SLOTS


def check_token(session, token: str, now: float | None = None) -> bool:
    """The token is this session's, for a slot that has not expired, and unforged."""
    parts = str(token or "").split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit() or len(parts[1]) > 12:
        return False
    if int(parts[0]) != session.pk:
        return False
    slot = int(parts[1])
    return _fresh(slot, now) and hmac.compare_digest(parts[2], _mac(session, slot, "qr")[:20])


def check_code(session, code: str, now: float | None = None) -> bool:
    code = str(code or "").strip()
    if len(code) != 6 or not code.isdigit():
        return False
    slot = current_slot(now)
    return any(hmac.compare_digest(code, code_for(session, s)) for s in range(slot - VALID_SLOTS + 1, slot + 1))


EARTH_RADIUS_M = 6_371_000


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))
