"""notify() is how every workflow tells people something: an inbox row now, an email
after the transaction commits when SMTP is configured."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError, ErrorCode
from notifications.kinds import registered, render
from notifications.models import Notification

log = logging.getLogger(__name__)


def notify(*, recipients, kind: str, params: dict | None = None, title: str = "", body: str = "",
           url: str = "", digest: tuple[str, str] | None = None) -> list[Notification]:
    """One inbox row per distinct recipient; emails go out only if the surrounding
    transaction commits (a rolled-back approval mails nobody). A kind registered in
    notifications.kinds is stored with its `params` and read in the reader's language;
    title and body (made from the kind when not given) keep the text as sent."""
    params = {k: str(v) for k, v in (params or {}).items()}
    if registered(kind) and params:
        made_title, made_body = render(kind, params)
        title, body = title or made_title, body or made_body
    people = {p.pk: p for p in recipients if p is not None and p.is_active}
    if digest:
        people = _fold_into_digest(people, kind, digest)
    rows = Notification.objects.bulk_create([
        Notification(recipient=p, kind=kind, params=params, title=str(title)[:200], body=str(body),
                     url=url[:300])
        for p in people.values()])
    if settings.EMAIL_HOST:
        addresses = [p.email for p in people.values() if p.email]

        def send():
            for address in addresses:
                try:
                    send_mail(str(title)[:200], f"{body}\n\n{url}".strip(), None, [address])
                except OSError:  # SMTP trouble must not undo the workflow
                    log.warning("notification mail to %s failed", address)

        transaction.on_commit(send)
    return rows


def _fold_into_digest(people: dict, kind: str, digest: tuple[str, str]) -> dict:
    """`digest` = (kind, url): a recipient who has not yet read an earlier notice of `kind`
    (or the digest) gets no new row; that notice becomes the digest, counting how many
    there are, and moves to the top ("3 new claims to review" instead of three rows).
    Returns the recipients who still need a row of their own."""
    digest_kind, digest_url = digest
    waiting = {n.recipient_id: n for n in Notification.objects.select_for_update().filter(
        recipient_id__in=list(people), read_at__isnull=True, kind__in=[kind, digest_kind]).order_by("created_at")}
    for row in waiting.values():
        count = int(row.params.get("count", 1)) if row.kind == digest_kind else 1
        title, body = render(digest_kind, {"count": str(count + 1)})
        Notification.objects.filter(pk=row.pk).update(
            kind=digest_kind, params={"count": str(count + 1)}, title=title[:200], body=body,
            url=digest_url[:300], created_at=timezone.now())
    return {pk: p for pk, p in people.items() if pk not in waiting}


def notification_mark_read(*, user, notification: Notification) -> Notification:
    """Mark one of the person's own notifications read (fetched with
    notifications.access.get_notification_for). Invariant: only the recipient's."""
    if notification.recipient_id != user.pk:
        raise DomainError(ErrorCode.NOT_FOUND, _("Not found."))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
