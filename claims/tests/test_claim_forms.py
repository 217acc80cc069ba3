"""Claims edit forms (issue 8, defects 1 and 5): ISO dates in <input type="date">, a form
saved unchanged changes nothing, hours as 小时 + 分."""

import re
from datetime import date

import pytest
from django.utils import translation

from claims.forms import ClaimForm, WindowForm
from claims.models import Claim, ClaimEvent, ClaimStatus, SupplementaryWindow
from claims.services import claim_create, claim_settings_set, claim_withdraw
from claims.tests.helpers import YEAR, claim_data, form_values, pdf
from conftest import enter_admin, login
from core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def row(claim) -> dict:
    values = Claim.objects.filter(pk=claim.pk).values().get()
    values.pop("updated_at")
    return values


def written() -> tuple[int, int]:
    return AuditEvent.objects.count(), ClaimEvent.objects.count()


def date_values(html: str) -> dict:
    return dict(re.findall(r'<input type="date" name="(\w+)" value="([^"]*)"', html))


def test_date_widgets_write_iso_dates_in_chinese_too():
    with translation.override("zh-hans"):
        html = str(ClaimForm(initial={"start": date(YEAR, 7, 1), "end": date(YEAR, 7, 2)}, categories=[]))
        assert date_values(html) == {"start": f"{YEAR}-07-01", "end": f"{YEAR}-07-02"}
        window = str(WindowForm(initial={"opens_on": date(2025, 1, 5), "closes_on": date(2025, 2, 1)}))
        assert date_values(window) == {"opens_on": "2025-01-05", "closes_on": "2025-02-01"}


@pytest.mark.parametrize("status", [ClaimStatus.DRAFT, ClaimStatus.SUBMITTED, ClaimStatus.REJECTED])
def test_claim_edit_form_saved_unchanged_changes_nothing(cast, client, status):
    claim = claim_create(actor=cast.learner, kind="external_training",
                         data=claim_data(hours=None, minutes=16 * 60 + 10, cost="0.35"), files=[pdf()],
                         submit=status != ClaimStatus.DRAFT)
    if status == ClaimStatus.REJECTED:
        from claims.services import claim_reject

        claim_reject(actor=cast.institute_admin, role=cast.institute_admin.roles.get(), claim_id=claim.pk,
                     reason="补充材料")
    login(client, cast.learner)
    page = client.get(f"/learning/external/claim/{claim.pk}/").content.decode()
    assert date_values(page) == {"start": f"{YEAR}-03-10", "end": f"{YEAR}-03-12"}
    data = form_values(page, "name")
    assert (data["hours"], data["mins"]) == ("16", "10")
    before, counts = row(claim), written()
    response = client.post(f"/learning/external/claim/{claim.pk}/", {**data, "action": "save"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert row(claim) == before and written() == counts


def test_withdrawn_claim_is_resubmitted_without_retyping(cast, client):
    claim = claim_create(actor=cast.learner, kind="external_training", data=claim_data(), files=[pdf()],
                         submit=True)
    claim_withdraw(actor=cast.learner, claim_id=claim.pk)
    login(client, cast.learner)
    data = form_values(client.get(f"/learning/external/claim/{claim.pk}/").content.decode(), "name")
    response = client.post(f"/learning/external/claim/{claim.pk}/", {**data, "action": "submit"})
    assert response.status_code == 302, response.content.decode()[:2000]
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED
    assert (claim.start, claim.end, claim.minutes) == (date(YEAR, 3, 10), date(YEAR, 3, 12), 16 * 60)


def test_claim_form_takes_hours_and_minutes(cast, client):
    login(client, cast.learner)
    base = {"year": YEAR, "name": "网课", "start": f"{YEAR}-03-10", "end": f"{YEAR}-03-10",
            "action": "save"}
    assert client.post("/learning/external/online/new/", {**base, "hours": "", "mins": "10"}).status_code == 302
    assert client.post("/learning/external/online/new/", {**base, "hours": "2", "mins": "30"}).status_code == 302
    assert sorted(Claim.objects.values_list("minutes", flat=True)) == [10, 150]
    for hours, mins in (("1", "60"), ("1e3", ""), ("-1", ""), ("", ""), ("1.5", ""), ("0", "0")):
        response = client.post("/learning/external/online/new/", {**base, "hours": hours, "mins": mins})
        assert response.status_code == 400 and 'data-field="hours"' in response.content.decode(), (hours, mins)
    assert Claim.objects.count() == 2


def test_claim_settings_form_saved_unchanged_changes_nothing(cast, client):
    claim_settings_set(actor=cast.institute_admin, role=cast.institute_admin.roles.get(), org=cast.niaot,
                       required={"external_training": ["certificate"], "online": ["notice", "certificate"]})
    enter_admin(client, cast.institute_admin)
    page = client.get("/manage/claims/settings/").content.decode()
    data = form_values(page, "online__notice")
    assert data["online__notice"] == "on" and "self_study__notice" not in data
    counts = written()
    assert client.post("/manage/claims/settings/", data).status_code == 302
    assert written() == counts


def test_window_form_keeps_iso_dates_after_an_error(cast, client):
    enter_admin(client, cast.institute_admin)
    response = client.post("/manage/claims/windows/", {"org": cast.niaot.pk, "year": YEAR - 1,
                                                        "opens_on": f"{YEAR}-02-01", "closes_on": f"{YEAR}-01-01"})
    html = response.content.decode()
    assert date_values(html) == {"opens_on": f"{YEAR}-02-01", "closes_on": f"{YEAR}-01-01"}
    assert not SupplementaryWindow.objects.exists()
