"""Which institutes and summaries a role reaches: the reports of its scope, 404 for the
rest (core.access.out_of_scope records the probe)."""

from django.db.models import QuerySet

from core.access import out_of_scope, parse_pk
from orgs.models import Org, OrgKind
from orgs.queries import institutes_in_scope
from reports.models import AnnualSummary


def institutes_for(role) -> QuerySet[Org]:
    """The institutes a role's reports cover (a department admin: none of these reports)."""
    if role.org.kind == OrgKind.DEPARTMENT:
        return Org.objects.none()
    return institutes_in_scope(role).order_by("path")


def get_institute_for(role, pk) -> Org:
    """An institute of the role's scope, or 404."""
    try:
        return institutes_for(role).get(pk=parse_pk(pk))
    except Exception:  # noqa: BLE001 - DoesNotExist and the parse error answer alike
        raise out_of_scope(role.user if role is not None else None, "institute", pk,
                           org=role.org if role is not None else None) from None


def get_summary_for(role, pk) -> AnnualSummary:
    """An annual summary of an institute of the role's scope, or 404."""
    try:
        return (AnnualSummary.objects.select_related("institute")
                .get(pk=parse_pk(pk), institute__in=institutes_for(role)))
    except Exception:  # noqa: BLE001
        raise out_of_scope(role.user if role is not None else None, "annual_summary", pk,
                           org=role.org if role is not None else None) from None
