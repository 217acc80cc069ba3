"""冲销 reverses a whole posting (defect 6): every month of one source, as one action,
after a confirmation page naming the person and the hours; page and API."""

from datetime import date

import pytest
from django.utils import timezone

from conftest import enter_admin
from core.models import AuditEvent
from ledger.models import LedgerEntry
from ledger.queries import year_progress
from ledger.services import ledger_admin_credit, ledger_reverse_entry
from ledger.tests.test_api_ledger import admin_client

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year
H = 60


@pytest.fixture
def spread_credit(cast):
    """16 h 10 min credited over March to May: three monthly entries of one posting."""
    entries = ledger_admin_credit(actor=cast.institute_admin, role=cast.institute_admin.roles.get(),
                                  person=cast.learner, cap_class="offline", minutes=16 * H + 10,
                                  start=date(YEAR, 3, 10), end=date(YEAR, 5, 20),
                                  reason="所内系列讲座补录", source_note="系列讲座")
    assert len(entries) == 3
    return entries


def test_confirmation_names_the_person_and_the_hours_then_reverses_every_month(
        cast, client, spread_credit):
    enter_admin(client, cast.institute_admin)
    archive = client.get(f"/manage/staff/{cast.learner.pk}/archive/?start={YEAR}-01&end={YEAR}-12")
    assert (f"/manage/staff/{cast.learner.pk}/archive/entries/{spread_credit[0].pk}/reverse/"
            in archive.content.decode())
    # Starting from any month of the posting (here April's entry) reverses all of it.
    url = f"/manage/staff/{cast.learner.pk}/archive/entries/{spread_credit[1].pk}/reverse/"
    page = client.get(url).content.decode()
    assert "张三" in page and "N001" in page and "16小时10分" in page and "系列讲座" in page
    assert "3 个月" in page and "confirm(" not in page
    assert LedgerEntry.objects.count() == 3  # a GET changes nothing
    response = client.post(url, {"reason": "重复录入"})
    assert response.status_code == 302
    assert sorted(LedgerEntry.objects.filter(reverses__isnull=False).values_list("month", "minutes")) == [
        (3, -(5 * H + 24)), (4, -(5 * H + 23)), (5, -(5 * H + 23))]
    assert year_progress(cast.learner, YEAR).total_minutes == 0
    assert AuditEvent.objects.filter(action="ledger.posting_reversed").count() == 1
    # The same confirmation again: nothing left, nothing written.
    again = client.post(url, {"reason": "重复录入"})
    assert again.status_code == 400 and "已冲销" in again.content.decode()
    assert LedgerEntry.objects.count() == 6


def test_a_half_reversed_posting_is_completed(cast, client, spread_credit):
    """Postings left half reversed by the old per-entry reversal are finished off."""
    ledger_reverse_entry(entry=spread_credit[0], actor=None, reason="旧版冲销")
    enter_admin(client, cast.institute_admin)
    url = f"/manage/staff/{cast.learner.pk}/archive/entries/{spread_credit[0].pk}/reverse/"
    assert "10小时46分" in client.get(url).content.decode()  # what is left: April and May
    assert client.post(url, {"reason": "补全冲销"}).status_code == 302
    assert year_progress(cast.learner, YEAR).total_minutes == 0
    assert LedgerEntry.objects.count() == 6


def test_reason_is_required_and_outsiders_get_404(cast, client, spread_credit):
    url = f"/manage/staff/{cast.learner.pk}/archive/entries/{spread_credit[0].pk}/reverse/"
    enter_admin(client, cast.institute_admin)
    assert client.post(url, {"reason": " "}).status_code == 400
    client.post("/logout/")
    enter_admin(client, cast.outsider_admin)
    assert client.get(url).status_code == 404 and client.post(url, {"reason": "x"}).status_code == 404
    # An entry of someone else under a person in scope: 404 too.
    other = f"/manage/staff/{cast.colleague.pk}/archive/entries/{spread_credit[0].pk}/reverse/"
    client.post("/logout/")
    enter_admin(client, cast.institute_admin)
    assert client.get(other).status_code == 404
    assert LedgerEntry.objects.count() == 3


def test_api_reverses_the_whole_posting_by_entry_or_by_source(cast, spread_credit):
    api = admin_client(cast, cast.institute_admin)
    response = api.post(f"/api/v1/ledger/entries/{spread_credit[2].pk}/reverse",
                        {"reason": "录错"}, content_type="application/json")
    assert response.status_code == 201
    assert sorted(r["month"] for r in response.json()) == [3, 4, 5]
    assert sum(r["minutes"] for r in response.json()) == -(16 * H + 10)
    again = api.post(f"/api/v1/ledger/entries/{spread_credit[0].pk}/reverse",
                     {"reason": "录错"}, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    second = ledger_admin_credit(actor=cast.institute_admin, role=cast.institute_admin.roles.get(),
                                 person=cast.learner, cap_class="online", minutes=90,
                                 start=date(YEAR, 1, 1), end=date(YEAR, 2, 1), reason="网课补录")
    body = {"person_id": cast.learner.pk, "source_kind": "admin",
            "source_id": second[0].source_id, "reason": "录错"}
    outsider = admin_client(cast, cast.outsider_admin)
    assert outsider.post("/api/v1/ledger/postings/reverse", body,
                         content_type="application/json").status_code == 404
    response = api.post("/api/v1/ledger/postings/reverse", body, content_type="application/json")
    assert response.status_code == 201 and len(response.json()) == 2
    missing = api.post("/api/v1/ledger/postings/reverse", {**body, "source_id": "nope"},
                       content_type="application/json")
    assert missing.status_code == 404
    assert year_progress(cast.learner, YEAR).total_minutes == 0
