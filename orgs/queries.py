"""Reads of the organisation tree, always relative to the role in use."""

from django.db.models import QuerySet

from orgs.models import Org, OrgKind


def units_in_scope(role) -> QuerySet[Org]:
    """The subtree the role governs (the role's own unit included)."""
    return Org.objects.filter(path__startswith=role.org.path)


def institutes_in_scope(role) -> QuerySet[Org]:
    if role.org.kind == OrgKind.DEPARTMENT:
        return Org.objects.filter(pk=role.org.institute_id)
    return units_in_scope(role).filter(kind=OrgKind.INSTITUTE)


def departments_in_scope(role) -> QuerySet[Org]:
    return units_in_scope(role).filter(kind=OrgKind.DEPARTMENT)


def org_tree(root: Org) -> list[dict]:
    """The subtree under `root` as nested dicts, in one query."""
    nodes = {}
    top = []
    for org in Org.objects.filter(path__startswith=root.path).order_by("path", "sort_order"):
        node = {"id": org.pk, "kind": org.kind, "name": org.name, "abbr": org.abbr,
                "children": []}
        nodes[org.pk] = node
        parent = nodes.get(org.parent_id)
        (parent["children"] if parent and org.pk != root.pk else top).append(node)
    return top
