from ninja import Router, Schema

from orgs.models import Org
from orgs.queries import org_tree

router = Router(tags=["orgs"])


class OrgNode(Schema):
    id: int
    kind: str
    name: str
    abbr: str
    children: list["OrgNode"]


OrgNode.model_rebuild()


@router.get("/tree", response=list[OrgNode], url_name="org_tree")
def tree(request):
    """The organisation tree in scope: the admin role's subtree in admin mode, otherwise
    the person's own institute with its departments."""
    role = getattr(request, "admin_role", None)
    if role is not None:
        return org_tree(role.org)
    institute = request.auth_user.institute
    if institute is None:
        return []
    return org_tree(Org.objects.get(pk=institute.pk))
