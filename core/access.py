"""The access layer every app's access.py and views build on.

- `admin_required(action)`: the page guard. A live admin mode is required (accounts'
  middleware puts the role in use on `request.admin_role`), and the role must hold the
  action in the permission table (core.permissions), else 403.
"""

from functools import wraps

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from core.errors import ErrorCode
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
