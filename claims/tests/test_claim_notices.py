"""Notifications are stored as a kind with parameters and read in the reader's language;
opening one goes to what it is about and marks it read; the supplementary window banner."""

import importlib
from datetime import date, timedelta

import pytest

from claims.models import SupplementaryWindow
from claims.services import claim_create, claim_reject
from claims.tests.helpers import claim_data
from conftest import login
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_rejection_reads_in_the_readers_language_and_opens_the_claim(cast, client):
    claim = claim_create(actor=cast.learner, kind="external_training", data=claim_data(name="光学年会"),
                         submit=True)
    claim_reject(actor=cast.institute_admin, role=cast.institute_admin.roles.get(), claim_id=claim.pk,
                 reason="请补充证书")
    row = Notification.objects.get(recipient=cast.learner)
    assert row.kind == "claim.rejected" and row.params == {"name": "光学年会", "reason": "请补充证书"}
    login(client, cast.learner)
    zh = client.get("/learning/notifications/").content.decode()
    assert "您的外部学习“光学年会”被驳回" in zh and "请补充证书" in zh
    client.cookies["django_language"] = "en"
    en = client.get("/learning/notifications/").content.decode()
    assert "Your external learning “光学年会” was rejected" in en and "Reason: 请补充证书" in en
    assert "被驳回" not in en
    assert client.get("/api/v1/notifications", HTTP_ACCEPT_LANGUAGE="en").status_code in (200, 401)
    # Opening it leads to the claim itself and marks it read.
    response = client.post(f"/learning/notifications/{row.pk}/read/")
    assert response.status_code == 302 and response["Location"] == f"/learning/external/claim/{claim.pk}/"
    row.refresh_from_db()
    assert row.read_at is not None


def test_reviewers_notice_names_the_claim_and_person_in_english(cast, client):
    claim_create(actor=cast.learner, kind="external_training", data=claim_data(name="光学年会"), submit=True)
    row = Notification.objects.filter(kind="claim.submitted").first()
    assert row.params == {"name": "光学年会", "person": cast.learner.real_name}
    from django.utils import translation

    with translation.override("en"):
        assert row.text_title == "New external learning to review: 光学年会"
        assert row.text_body == f"{cast.learner.real_name} submitted “光学年会”."
    with translation.override("zh-hans"):
        assert row.text_title == "新的外部学习待审核：光学年会"


def test_old_rows_get_their_parameters_from_the_text_they_were_sent_with():
    migration = importlib.import_module("notifications.migrations.0002_params")
    assert migration.params_from_text("claim.rejected", "您的外部学习“光学年会”被驳回", "证书不清") == {
        "name": "光学年会", "reason": "证书不清"}
    assert migration.params_from_text("claim.submitted", "新的外部学习待审核：光学年会",
                                      "张三 提交了“光学年会”。") == {"name": "光学年会", "person": "张三"}
    assert migration.params_from_text("claim.approved", "Your external learning “X” was approved", "") == {
        "name": "X"}
    assert migration.params_from_text("claim.approved", "something else", "") == {}
    assert migration.params_from_text("test", "“x”", "") == {}


def test_unknown_kind_or_missing_parameters_show_the_stored_text(cast):
    from notifications.services import notify

    plain = notify(recipients=[cast.learner], kind="t", title="旧消息", body="正文")[0]
    assert (plain.text_title, plain.text_body) == ("旧消息", "正文")
    odd = notify(recipients=[cast.learner], kind="claim.rejected", params={"reason": "x"}, title="存的标题")[0]
    assert odd.text_title == "存的标题"


def test_window_banner_names_the_closing_date_and_links_to_the_form(cast, client):
    today = date.today()
    login(client, cast.learner)
    assert 'data-testid="window-banner"' not in client.get("/learning/").content.decode()
    SupplementaryWindow.objects.create(org=cast.niaot, year=today.year - 1, opens_on=today - timedelta(days=1),
                                       closes_on=today + timedelta(days=9), opened_by=cast.institute_admin)
    SupplementaryWindow.objects.create(org=cast.imr, year=today.year - 1, opens_on=today,
                                       closes_on=today + timedelta(days=30), opened_by=cast.institute_admin)
    html = client.get("/learning/").content.decode()
    assert html.count('data-testid="window-banner"') == 1
    assert (today + timedelta(days=9)).isoformat() in html
    assert f"/learning/external/external_training/new/?year={today.year - 1}" in html
    form = client.get(f"/learning/external/external_training/new/?year={today.year - 1}").content.decode()
    assert f'<option value="{today.year - 1}" selected>' in form


def test_reviewers_get_one_notice_per_queue_change_not_one_per_claim(cast, client):
    for i in range(3):
        claim_create(actor=cast.learner, kind="external_training", data=claim_data(name=f"培训{i}"), submit=True)
    rows = Notification.objects.filter(recipient=cast.institute_admin)
    assert rows.count() == 1
    row = rows.get()
    assert row.kind == "claim.submitted_many" and row.params == {"count": "3"} and row.url == "/manage/claims/"
    from django.utils import translation

    with translation.override("en"):
        assert row.text_title == "3 new external learning records to review"
    with translation.override("zh-hans"):
        assert "3" in row.text_title and "待审核" in row.text_title
    # Once read, the next claim starts a fresh notice about that claim.
    row.read_at = row.created_at
    row.save()
    claim = claim_create(actor=cast.learner, kind="external_training", data=claim_data(name="第四个"), submit=True)
    fresh = rows.get(read_at__isnull=True)
    assert fresh.kind == "claim.submitted" and fresh.url == f"/manage/claims/{claim.pk}/"
