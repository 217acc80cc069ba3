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
    event = audit_event(actor=actor, action=action, obj=obj, org=org, before=before, after=after,
                        note=note, actor_label=actor_label, ip=ip, object_type=object_type,
                        object_id=object_id)
    event.save()
    return event


def audit_record_many(events: list[AuditEvent]) -> list[AuditEvent]:
    """Write rows built with audit_event() in a few INSERTs (bulk imports): the same rows
    audit_record would write one by one."""
    return AuditEvent.objects.bulk_create(events, batch_size=1000)


def audit_event(
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
    """The row audit_record writes, unsaved."""
    if actor is not None and not getattr(actor, "is_authenticated", True):
        actor = None
    label = actor_label if actor_label is not None else (
        f"{actor.real_name} ({actor.login_name})" if actor is not None else "system"
    )
    return AuditEvent(
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
