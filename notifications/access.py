"""A notification is its recipient's alone: anyone else asking for it gets 404, exactly as
for one that does not exist (and the request is recorded: core.access.out_of_scope)."""

from core.access import out_of_scope
from notifications.models import Notification


def get_notification_for(user, pk) -> Notification:
    try:
        return Notification.objects.get(recipient=user, pk=int(pk))
    except (Notification.DoesNotExist, TypeError, ValueError):
        raise out_of_scope(user, "notification", pk) from None
