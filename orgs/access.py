from django.utils.translation import gettext

from core.access import out_of_scope
from core.errors import DomainError, ErrorCode
from core.permissions import check_permission
from orgs.models import Org
from orgs.queries import units_in_scope


def get_unit_for(role, pk) -> Org:
    """A unit inside the role's subtree, or 404 (outside scope looks like missing)."""
    try:
        return units_in_scope(role).get(pk=int(pk))
    except (Org.DoesNotExist, TypeError, ValueError):
        raise out_of_scope(role.user if role is not None else None, "org", pk,
                           org=role.org if role is not None else None) from None


def check_unit_in_scope(role, org: Org) -> None:
    if role is None or not org.path.startswith(role.org.path):
        raise DomainError(ErrorCode.NOT_FOUND, gettext("Not found."))


def check_tree_admin(role, org: Org) -> None:
    """Changing the tree or an institute's account rules is for institute and academy
    admins, inside their scope."""
    check_unit_in_scope(role, org)
    check_permission(role, "orgs.edit")
