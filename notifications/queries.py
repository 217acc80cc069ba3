"""Reads of the inbox, for the page and the API alike."""

from django.db.models import F, QuerySet

from notifications.models import Notification


def inbox_for(user) -> QuerySet[Notification]:
    """The person's notifications, unread first, then newest first."""
    return Notification.objects.filter(recipient=user).order_by(
        F("read_at").asc(nulls_first=True), "-created_at", "-id")


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
