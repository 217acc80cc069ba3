"""Access helpers: fetch an object for the acting role or answer 404 (outside scope and
missing look the same), and the permission guards for pages and the API.

Pages and API operations that do the same thing ask the same question of the permission
table (core.permissions): pages with `admin_required("staff.view")`, API operations with
`api_permission("staff.view")` (issue 9, finding 3)."""

from accounts.api_auth import ApiAuth
from accounts.models import User
from accounts.queries import people_in_scope
from core.access import admin_required, out_of_scope
from core.permissions import PERMISSIONS, check_permission

__all__ = ["PermissionAuth", "admin_required", "api_permission", "check_permission",
           "get_person_for"]


def get_person_for(role, pk) -> User:
    """A person the role governs, or 404 (and an audit row: core.access.out_of_scope)."""
    try:
        return people_in_scope(role).select_related("institute", "department").get(pk=int(pk))
    except (User.DoesNotExist, ValueError, TypeError):
        raise out_of_scope(role.user if role is not None else None, "person", pk,
                           org=role.org if role is not None else None) from None


class PermissionAuth(ApiAuth):
    """`admin_auth` plus one question to the permission table: the request needs a live
    admin mode whose role may do `action`, else 403 — checked before the body is read,
    as the page's decorator is."""

    def __init__(self, action: str):
        if action not in PERMISSIONS:
            raise KeyError(f"{action!r} is not in core.permissions.PERMISSIONS")
        super().__init__(admin=True)
        self.permission = action

    def __call__(self, request):
        user = super().__call__(request)
        if user is not None:
            check_permission(request.admin_role, self.permission)
        return user


def api_permission(action: str) -> PermissionAuth:
    """The `auth=` of an admin API operation: `@router.get(…, auth=api_permission(
    "staff.view"))` asks what `@admin_required("staff.view")` asks of a page."""
    return PermissionAuth(action)
