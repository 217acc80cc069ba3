"""Admin mode ("我的管理"): a short-lived elevation bound to one role.

Entering asks for the password again (counted by the login throttle), rotates the
session key and remembers the role; it lapses after XUESHI_ADMIN_IDLE_SECONDS without a
request or XUESHI_ADMIN_MAX_SECONDS in all, and ends at logout. The role is re-read
once per request (AccountStateMiddleware for pages and the session API; ApiAuth for
bearer tokens), so a role removed mid-session takes effect at once.

The idle clock is touched only when it is older than TOUCH_SECONDS: a request in admin
mode does not write its session (or its token row) each time, so the idle limit is kept
to within that minute.
"""

import time

from django.conf import settings

from accounts.models import RoleAssignment

SESSION_ROLE = "xueshi_admin_role"
SESSION_SINCE = "xueshi_admin_since"
SESSION_LAST = "xueshi_admin_last"
# The idle clock's resolution: touched (a session or token write) at most once a minute.
TOUCH_SECONDS = 60


def needs_touch(last: float | None, now: float) -> bool:
    return last is None or now - last >= TOUCH_SECONDS


def _valid(role_id, since, last, user, now):
    if not role_id or since is None or last is None:
        return None
    if now - last > settings.XUESHI_ADMIN_IDLE_SECONDS:
        return None
    if now - since > settings.XUESHI_ADMIN_MAX_SECONDS:
        return None
    return (
        RoleAssignment.objects.select_related("org", "org__institute", "org__root")
        .filter(pk=role_id, user=user)
        .first()
    )


def session_admin_role(request) -> RoleAssignment | None:
    """The role of a live admin mode in this session (and touch its idle clock when it is
    older than TOUCH_SECONDS; otherwise the session is left unmodified and not saved)."""
    session = request.session
    now = time.time()
    last = session.get(SESSION_LAST)
    role = _valid(session.get(SESSION_ROLE), session.get(SESSION_SINCE), last, request.user, now)
    if role is None:
        if session.get(SESSION_ROLE):
            session_admin_clear(request)
            request.admin_mode_lapsed = True
        return None
    if needs_touch(last, now):
        session[SESSION_LAST] = now
    return role


def session_admin_start(request, role: RoleAssignment) -> None:
    # A new key, so a session id captured before elevation is worth nothing after it.
    request.session.cycle_key()
    now = time.time()
    request.session[SESSION_ROLE] = role.pk
    request.session[SESSION_SINCE] = now
    request.session[SESSION_LAST] = now


def session_admin_clear(request) -> None:
    for key in (SESSION_ROLE, SESSION_SINCE, SESSION_LAST):
        request.session.pop(key, None)


def token_admin_role(token) -> RoleAssignment | None:
    if token.admin_role_id is None:
        return None
    since = token.admin_since.timestamp() if token.admin_since else None
    last = token.admin_last.timestamp() if token.admin_last else None
    return _valid(token.admin_role_id, since, last, token.user, time.time())
