"""补录 by administrators: categories checked against the year's policy (defect 4),
小时 + 分 and integer minutes (defect 5), request keys, sensible dates."""

import pytest
from django.utils import timezone

from conftest import enter_admin
from ledger.models import LedgerEntry
from ledger.tests.test_api_ledger import admin_client

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year
API = "/api/v1/ledger/entries"


def _post(api, **fields):
    payload = {"cap_class": "offline", "minutes": 60, "start": f"{YEAR}-03-01", "reason": "补录",
               **fields}
    return api.post(API, payload, content_type="application/json")


@pytest.mark.parametrize("cap_class, category", [("offline", "self_study"),  # another class's
                                                 ("offline", "no_such_category"),
                                                 ("online", "management"),
                                                 ("self_study", "online_platform")])
def test_api_refuses_a_category_of_another_class_or_unknown(cast, cap_class, category):
    api = admin_client(cast, cast.institute_admin)
    response = _post(api, person_id=cast.learner.pk, cap_class=cap_class, category=category)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and response.json()["field"] == "category"
    assert not LedgerEntry.objects.exists()


def test_api_takes_a_category_of_the_class_and_none(cast):
    api = admin_client(cast, cast.institute_admin)
    assert _post(api, person_id=cast.learner.pk, category="management").status_code == 201
    assert _post(api, person_id=cast.learner.pk, cap_class="self_study",
                 category="self_study").status_code == 201
    assert _post(api, person_id=cast.learner.pk).status_code == 201  # no category
    assert LedgerEntry.objects.count() == 3


def test_page_refuses_a_category_of_another_class(cast, client):
    enter_admin(client, cast.institute_admin)
    url = f"/manage/staff/{cast.learner.pk}/archive/credit/"
    response = client.post(url, {"credit-cap_class": "offline", "credit-category": "self_study",
                                 "credit-hours": "4", "credit-start": f"{YEAR}-03-01",
                                 "credit-reason": "补录"})
    assert response.status_code == 400
    assert "在职自学计入在职自学,而不是线下学时" in response.content.decode()
    assert not LedgerEntry.objects.exists()


def test_page_takes_hours_and_minutes(cast, client):
    enter_admin(client, cast.institute_admin)
    url = f"/manage/staff/{cast.learner.pk}/archive/credit/"
    form = {"credit-cap_class": "online", "credit-start": f"{YEAR}-03-01", "credit-reason": "补录"}
    assert client.post(url, {**form, "credit-minutes": "10"}).status_code == 302
    assert client.post(url, {**form, "credit-hours": "16", "credit-minutes": "10"}).status_code == 302
    assert sorted(LedgerEntry.objects.values_list("minutes", flat=True)) == [10, 16 * 60 + 10]
    for bad in ({"credit-hours": "1e9"}, {"credit-hours": "2", "credit-minutes": "75"},
                {"credit-hours": "-1"}, {"credit-hours": "", "credit-minutes": ""},
                {"credit-hours": "1.5"}, {"credit-hours": "99999", "credit-minutes": "0"}):
        response = client.post(url, {**form, **bad})
        assert response.status_code == 400, bad
        assert 'data-field="hours"' in response.content.decode(), bad
    assert LedgerEntry.objects.count() == 2


def test_api_takes_integer_minutes_or_hours_exactly_one(cast):
    api = admin_client(cast, cast.institute_admin)
    response = _post(api, person_id=cast.learner.pk, cap_class="online", minutes=10)
    assert response.status_code == 201 and response.json()[0]["minutes"] == 10
    response = _post(api, person_id=cast.learner.pk, minutes=None, hours="2.5")
    assert response.status_code == 201 and response.json()[0]["minutes"] == 150
    for bad in ({"minutes": 10, "hours": "1"}, {"minutes": None}, {"minutes": 0},
                {"minutes": -5}, {"minutes": 10 ** 12}, {"minutes": 1.5}, {"minutes": "1e9"},
                {"minutes": None, "hours": "1e999999"}):
        response = _post(api, person_id=cast.learner.pk, **bad)
        assert response.status_code == 400, bad
        assert response.json()["field"] in ("minutes", "hours"), bad
    assert LedgerEntry.objects.count() == 2


def test_a_request_key_reused_with_another_payload_is_a_conflict(cast):
    api = admin_client(cast, cast.institute_admin)
    first = _post(api, person_id=cast.learner.pk, request_key="key-0000-0001")
    assert first.status_code == 201
    again = _post(api, person_id=cast.learner.pk, request_key="key-0000-0001")
    assert again.status_code == 201 and again.json() == first.json()
    for other in ({"person_id": cast.colleague.pk}, {"minutes": 61}, {"cap_class": "online"},
                  {"start": f"{YEAR}-04-01"}, {"reason": "另一个理由"}, {"category": "management"},
                  {"end": f"{YEAR}-05-01"}, {"source_note": "讲座"}):
        response = _post(api, **{"person_id": cast.learner.pk, "request_key": "key-0000-0001",
                                 **other})
        assert response.status_code == 409, other
        assert response.json()["code"] == "conflict" and response.json()["field"] == "request_key"
    assert LedgerEntry.objects.count() == 1


@pytest.mark.parametrize("dates, field", [({"start": "0001-01-01"}, "start"),
                                          ({"start": "1999-12-31"}, "start"),
                                          ({"start": f"{YEAR}-01-01", "end": "9999-12-31"}, "end"),
                                          ({"start": f"{YEAR + 2}-01-01"}, "start")])
def test_credit_dates_are_bounded(cast, client, dates, field):
    api = admin_client(cast, cast.institute_admin)
    response = _post(api, person_id=cast.learner.pk, **dates)
    assert response.status_code == 400 and response.json()["field"] == field
    assert f"2000 到 {YEAR + 1} 年" in response.json()["message"]
    enter_admin(client, cast.institute_admin)
    page = client.post(f"/manage/staff/{cast.learner.pk}/archive/credit/", {
        "credit-cap_class": "offline", "credit-hours": "1", "credit-reason": "补录",
        **{f"credit-{k}": v for k, v in dates.items()}})
    assert page.status_code == 400 and f'data-field="{field}"' in page.content.decode()
    assert not LedgerEntry.objects.exists()


def test_next_year_is_allowed(cast):
    api = admin_client(cast, cast.institute_admin)
    assert _post(api, person_id=cast.learner.pk, start=f"{YEAR + 1}-01-05").status_code == 201
    assert LedgerEntry.objects.get().year == YEAR + 1
    assert _post(api, person_id=cast.learner.pk, start="2000-01-01", request_key="first-year-01"
                 ).status_code == 201
