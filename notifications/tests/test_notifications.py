"""通知消息: the inbox, the unread badge, and mail after commit (issue 4)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.test import Client

from claims.services import claim_approve, claim_create, claims_decide
from claims.tests.helpers import claim_data
from conftest import login
from core.errors import DomainError
from notifications.models import Notification
from notifications.services import notify

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp(settings):
    """SMTP "configured", with Django's in-memory backend standing in for the server."""
    settings.EMAIL_HOST = "smtp.example.org"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return settings


@pytest.fixture
def learner(cast):
    cast.learner.email = "zhangsan@niaot.example.org"
    cast.learner.save(update_fields=["email"])
    return cast.learner


def submitted(cast, name="国际光学工程学会年会"):
    return claim_create(actor=cast.learner, kind="external_training", data=claim_data(name=name), submit=True)


def admin_role(cast):
    return cast.institute_admin.roles.get()


# --- mail -------------------------------------------------------------------------------------

def test_an_approval_mails_the_learner_after_commit(cast, smtp, learner, django_capture_on_commit_callbacks):
    claim = submitted(cast)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        claim_approve(actor=cast.institute_admin, role=admin_role(cast), claim_id=claim.pk)
    assert mail.outbox == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["zhangsan@niaot.example.org"] and "国际光学工程学会年会" in message.subject
    assert f"/learning/external/claim/{claim.pk}/" in message.body


def test_a_rolled_back_approval_mails_nobody(cast, smtp, learner, django_capture_on_commit_callbacks):
    good = submitted(cast, "一")
    draft = claim_create(actor=cast.learner, kind="external_training", data=claim_data(name="二"))
    mail.outbox.clear()
    # The batch approves the first claim (queueing its mail), then fails on the draft.
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(DomainError):
        claims_decide(actor=cast.institute_admin, role=admin_role(cast), claim_ids=[good.pk, draft.pk],
                      approve=True)
    assert callbacks == [] and mail.outbox == []
    assert not Notification.objects.filter(kind="claim.approved").exists()
    # And a transaction rolled back after notify() mails nobody either.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                notify(recipients=[learner], kind="test", title="never sent")
                raise RuntimeError
        except RuntimeError:
            pass
    assert callbacks == [] and mail.outbox == []


def test_without_smtp_nothing_is_mailed(cast, settings, learner, django_capture_on_commit_callbacks):
    settings.EMAIL_HOST = ""
    claim = submitted(cast)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        claim_approve(actor=cast.institute_admin, role=admin_role(cast), claim_id=claim.pk)
    assert mail.outbox == []
    assert Notification.objects.filter(recipient=learner, kind="claim.approved").count() == 1


def test_people_without_an_address_or_inactive_get_no_mail(cast, smtp, learner,
                                                           django_capture_on_commit_callbacks):
    cast.colleague.is_active = False
    cast.colleague.email = "lisi@niaot.example.org"
    cast.colleague.save()
    with django_capture_on_commit_callbacks(execute=True):
        rows = notify(recipients=[learner, learner, cast.colleague, cast.dept_admin], kind="test", title="t")
    assert sorted(r.recipient_id for r in rows) == sorted([learner.pk, cast.dept_admin.pk])
    assert [m.to for m in mail.outbox] == [["zhangsan@niaot.example.org"]]


# --- inbox and badge ---------------------------------------------------------------------------

def badge(client) -> str | None:
    html = client.get("/").content.decode()
    marker = 'data-testid="unread-count">'
    if marker not in html:
        return None
    return html.split(marker, 1)[1].split("<", 1)[0]


def test_inbox_read_and_read_all(cast, client):
    first = notify(recipients=[cast.learner], kind="t", title="第一条", url="/learning/external/")[0]
    notify(recipients=[cast.learner], kind="t", title="第二条", body="正文")
    notify(recipients=[cast.colleague], kind="t", title="别人的")
    login(client, cast.learner)
    assert badge(client) == "2"
    html = client.get("/learning/notifications/").content.decode()
    assert "第一条" in html and "第二条" in html and "正文" in html and "别人的" not in html
    response = client.post(f"/learning/notifications/{first.pk}/read/")
    assert response.status_code == 302 and response["Location"] == "/learning/external/"
    first.refresh_from_db()
    assert first.read_at is not None and badge(client) == "1"
    response = client.post("/learning/notifications/read-all/")
    assert response.status_code == 302
    assert badge(client) is None
    assert not Notification.objects.filter(recipient=cast.learner, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=cast.colleague, read_at__isnull=True).count() == 1


def test_unread_come_first(cast, client):
    """An older unread message is listed above a newer read one, on the page and in the
    API alike (newest-first alone would put the read one on top)."""
    unread = notify(recipients=[cast.learner], kind="t", title="未读的旧消息")[0]
    read = notify(recipients=[cast.learner], kind="t", title="已读的新消息")[0]
    Notification.objects.filter(pk=unread.pk).update(created_at=F("created_at") - timedelta(hours=1))
    login(client, cast.learner)
    assert client.post(f"/learning/notifications/{read.pk}/read/").status_code == 302
    html = client.get("/learning/notifications/").content.decode()
    assert html.index("未读的旧消息") < html.index("已读的新消息")
    items = client.get("/api/v1/notifications").json()["items"]
    assert [i["title"] for i in items] == ["未读的旧消息", "已读的新消息"]
    assert items[0]["read_at"] is None and items[1]["read_at"] is not None


def test_notifications_are_fetched_for_their_owner_or_404(cast, client):
    """notifications.access: another person's notification is a 404 on the page and in
    the API, the same as a missing one, and stays unread."""
    from notifications.access import get_notification_for

    theirs = notify(recipients=[cast.colleague], kind="t", title="李四的消息")[0]
    assert get_notification_for(cast.colleague, theirs.pk) == theirs
    for pk in (theirs.pk, "x", None):
        with pytest.raises(Http404):
            get_notification_for(cast.learner, pk)
    login(client, cast.learner)
    response = client.post(f"/api/v1/notifications/{theirs.pk}/read")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert client.post(f"/learning/notifications/{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_another_users_notification_cannot_be_marked_read(cast, client):
    theirs = notify(recipients=[cast.colleague], kind="t", title="李四的消息")[0]
    login(client, cast.learner)
    assert client.post(f"/learning/notifications/{theirs.pk}/read/").status_code == 404
    assert client.post("/learning/notifications/999999/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert client.get(f"/learning/notifications/{theirs.pk}/read/").status_code == 405


def test_read_never_redirects_off_site(cast, client):
    row = notify(recipients=[cast.learner], kind="t", title="x", url="https://evil.example/phish")[0]
    login(client, cast.learner)
    response = client.post(f"/learning/notifications/{row.pk}/read/")
    assert response.status_code == 302 and response["Location"] == "/learning/notifications/"


def test_inbox_needs_a_login():
    response = Client().get("/learning/notifications/")
    assert response.status_code == 302 and "/login/" in response["Location"]
