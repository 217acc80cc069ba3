"""Access helpers: fetch an object for the acting role or answer 404 (outside scope and
missing look the same), and the admin-mode guard for views."""

from functools import wraps

from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from accounts.models import ROLE_RANK, Role, User
from accounts.queries import people_in_scope
from core.errors import DomainError, ErrorCode


def get_person_for(role, pk) -> User:
    try:
        return people_in_scope(role).select_related("institute", "department").get(pk=int(pk))
    except (User.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def admin_required(*roles: Role, min_role: Role | None = None):
    """View decorator: a live admin mode is required; with `roles`, the role in use must
    be one of them, with `min_role` at least as strong (403 otherwise)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            role = getattr(request, "admin_role", None)
            if not request.user.is_authenticated:
                return redirect(f"{reverse('accounts:login')}?{urlencode({'next': request.get_full_path()})}")
            if role is None:
                if request.headers.get("HX-Request") or request.path.startswith("/api/"):
                    return JsonResponse({"code": ErrorCode.ADMIN_MODE_REQUIRED,
                                         "message": "Enter admin mode first."}, status=403)
                return redirect(f"{reverse('accounts:admin_mode')}?{urlencode({'next': request.get_full_path()})}")
            check_role(role, *roles, min_role=min_role)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def check_role(role, *roles: Role, min_role: Role | None = None) -> None:
    if roles and role.role not in roles:
        raise DomainError(ErrorCode.FORBIDDEN, "Your role cannot do this.")
    if min_role is not None and ROLE_RANK[Role(role.role)] < ROLE_RANK[min_role]:
        raise DomainError(ErrorCode.FORBIDDEN, "Your role cannot do this.")
