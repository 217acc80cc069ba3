"""The one way to write the audit trail. Call it inside the transaction of the change it
records, so the change and its record commit or roll back together."""

from core.models import AuditEvent
from core.requestcontext import current_ip


def audit_record(
    *,
    actor,
    action: str,
    obj=None,
    org=None,
    before=None,
    after=None,
    note: str = "",
    actor_label: str | None = None,
    ip: str | None = None,
    object_type: str = "",
    object_id: str = "",
) -> AuditEvent:
    """One row. `object_type`/`object_id` name an object that is not at hand (a refused
    request for an id outside the actor's scope); with `obj` they come from it."""
    if actor is not None and not getattr(actor, "is_authenticated", True):
        actor = None
    label = actor_label if actor_label is not None else (
        f"{actor.real_name} ({actor.login_name})" if actor is not None else "system"
    )
    return AuditEvent.objects.create(
        actor=actor,
        actor_label=label[:200],
        ip=ip if ip is not None else current_ip(),
        action=action,
        object_type=obj._meta.label_lower if obj is not None else object_type,
        object_id=str(obj.pk) if obj is not None else object_id,
        object_repr=str(obj)[:200] if obj is not None else "",
        org=org,
        before=before,
        after=after,
        note=note,
    )
