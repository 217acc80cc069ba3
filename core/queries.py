"""Reads of the audit trail, always within the acting role's scope."""

from django.db.models import Q, QuerySet

from core.access import OUT_OF_SCOPE_ACTION
from core.models import AuditEvent


def audit_events_in_scope(role) -> QuerySet[AuditEvent]:
    """Events about objects of units inside the role's subtree. Events with no unit
    (failed logins of unknown names, system jobs) are for the operators (Django admin)."""
    return AuditEvent.objects.filter(org__path__startswith=role.org.path)


def audit_search(role, *, q: str = "", action: str = "", date_from=None, date_to=None,
                 out_of_scope: bool = False):
    events = audit_events_in_scope(role).select_related("org")
    if out_of_scope:
        events = events.filter(action=OUT_OF_SCOPE_ACTION)
    if q:
        events = events.filter(Q(actor_label__icontains=q) | Q(object_repr__icontains=q)
                               | Q(note__icontains=q))
    if action:
        events = events.filter(action__startswith=action)
    if date_from:
        events = events.filter(at__date__gte=date_from)
    if date_to:
        events = events.filter(at__date__lte=date_to)
    return events.order_by("-at", "-id")
