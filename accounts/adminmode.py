"""Admin mode ("我的管理"): a short-lived elevation bound to one role.

Entering asks for the password again (counted by the login throttle), rotates the
session key and remembers the role; it lapses after XUESHI_ADMIN_IDLE_SECONDS without a
request or XUESHI_ADMIN_MAX_SECONDS in all, and ends at logout. The role is re-read on
every request, so a role removed mid-session takes effect at once.
"""

import time

from django.conf import settings

from accounts.models import RoleAssignment

SESSION_ROLE = "xueshi_admin_role"
SESSION_SINCE = "xueshi_admin_since"
SESSION_LAST = "xueshi_admin_last"


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
    """The role of a live admin mode in this session (and touch its idle clock)."""
    session = request.session
    now = time.time()
    role = _valid(session.get(SESSION_ROLE), session.get(SESSION_SINCE),
                  session.get(SESSION_LAST), request.user, now)
    if role is None:
        if session.get(SESSION_ROLE):
            session_admin_clear(request)
            request.admin_mode_lapsed = True
        return None
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
