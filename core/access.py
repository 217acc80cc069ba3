"""The access layer every app's access.py and views build on.

- `admin_required(action)`: the page guard. A live admin mode is required (accounts'
  middleware puts the role in use on `request.admin_role`), and the role must hold the
  action in the permission table (core.permissions), else 403.
- `out_of_scope(actor, kind, pk)`: the one hook every access helper calls when an
  object is outside the actor's scope: it writes a rate-limited audit row and returns
  the 404 to raise.
"""

from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from core.errors import DomainError, ErrorCode
from core.permissions import PERMISSIONS, check_permission

ADMIN_MODE_URL = "accounts:admin_mode"


def admin_required(action: str = "admin.home"):
    """View decorator: a live admin mode whose role may do `action` (403 otherwise)."""
    if action not in PERMISSIONS:
        raise KeyError(f"{action!r} is not in core.permissions.PERMISSIONS")

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            role = getattr(request, "admin_role", None)
            if not request.user.is_authenticated:
                return redirect(f"{reverse(settings.LOGIN_URL)}?"
                                f"{urlencode({'next': request.get_full_path()})}")
            if role is None:
                if request.headers.get("HX-Request") or request.path.startswith("/api/"):
                    return JsonResponse({"code": ErrorCode.ADMIN_MODE_REQUIRED,
                                         "message": "Enter admin mode first."}, status=403)
                return redirect(f"{reverse(ADMIN_MODE_URL)}?"
                                f"{urlencode({'next': request.get_full_path()})}")
            check_permission(role, action)
            return view(request, *args, **kwargs)

        wrapper.permission = action
        return wrapper

    return decorator


# --- requests for objects outside the actor's scope (ABUSE-CASES 7) ----------------------

OUT_OF_SCOPE_ACTION = "access.out_of_scope"
# At most one audit row per actor and kind of object in this many seconds, so a script
# walking ids cannot flood the trail; the first probe of each minute is kept.
OUT_OF_SCOPE_WINDOW_SECONDS = 60


def out_of_scope(actor, kind: str, pk, *, org=None) -> Http404:
    """Record that `actor` asked for object `kind` #`pk` outside their scope, and return
    the Http404 to raise (outside scope looks exactly like missing to the caller).

    Every access helper (`get_<entity>_for`) calls this on its not-found path. The row
    names the actor, the client address (core.requestcontext), the kind and the id as
    typed, and the actor's unit (`org`: the role's unit, else their institute) so the
    admins of that unit see it under 操作日志; rate-limited per actor and kind."""
    from core.audit import audit_record
    from core.models import AuditEvent

    if actor is None or not getattr(actor, "is_authenticated", False):
        return Http404()
    since = timezone.now() - timedelta(seconds=OUT_OF_SCOPE_WINDOW_SECONDS)
    recent = AuditEvent.objects.filter(actor=actor, action=OUT_OF_SCOPE_ACTION,
                                       object_type=kind[:64], at__gte=since)
    if not recent.exists():
        audit_record(actor=actor, action=OUT_OF_SCOPE_ACTION,
                     org=org if org is not None else getattr(actor, "institute", None),
                     object_type=kind[:64], object_id=str(pk)[:64],
                     note=f"{kind} #{str(pk)[:64]}")
    return Http404()


def not_found() -> DomainError:
    """The one answer for "does not exist" and "outside your scope" (STYLE.md)."""
    return DomainError(ErrorCode.NOT_FOUND, _("Not found."))


def parse_pk(pk) -> int:
    """An id from a URL or a form; anything that is not one is simply not found."""
    try:
        return int(pk)
    except (TypeError, ValueError):
        raise not_found() from None
