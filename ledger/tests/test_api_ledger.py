from datetime import date

import pytest
from django.test import Client

from accounts.services import token_create, token_enter_admin_mode
from conftest import login
from ledger.models import LedgerEntry
from ledger.services import ledger_credit

pytestmark = pytest.mark.django_db


def admin_client(cast, user):
    token, secret = token_create(user=user)
    token_enter_admin_mode(token=token, password=cast.password, role_id=user.roles.get().pk,
                           ip="127.0.0.1")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


@pytest.fixture
def hours(cast):
    ledger_credit(person=cast.learner, cap_class="self_study", minutes=48 * 60,
                  start=date(2016, 6, 1), source_kind="claim", source_id="book")
    ledger_credit(person=cast.learner, cap_class="online", minutes=10, start=date(2016, 3, 1),
                  source_kind="course", source_id="c1")
    return cast


def test_archive_me(hours, client):
    login(client, hours.learner)
    body = client.get("/api/v1/ledger/archive/me?start=2016-01&end=2016-12").json()
    assert body["total_minutes"] == 48 * 60 + 10 and body["effective_minutes"] == 610
    self_study = next(c for c in body["classes"] if c["code"] == "self_study")
    assert self_study["capped"] is True and self_study["effective_minutes"] == 600


@pytest.mark.parametrize("query, field", [("start=2016-13", "start"), ("start=16-01", "start"),
                                          ("start=2016-05&end=2016-01", "end"),
                                          ("start=2000-01&end=2016-01", "end")])
def test_bad_ranges(hours, client, query, field):
    login(client, hours.learner)
    response = client.get(f"/api/v1/ledger/archive/me?{query}")
    assert response.status_code == 400 and response.json()["field"] == field


def test_entries_me_and_filters(hours, client):
    login(client, hours.learner)
    body = client.get("/api/v1/ledger/entries/me?start=2016-01&end=2016-12&cap_class=online").json()
    assert body["count"] == 1 and body["items"][0]["minutes"] == 10


def test_admin_archive_scope(hours):
    api = admin_client(hours, hours.institute_admin)
    assert api.get(f"/api/v1/ledger/archive/{hours.learner.pk}?start=2016-01&end=2016-12").json()[
        "total_minutes"] == 2890
    outsider = admin_client(hours, hours.outsider_admin)
    assert outsider.get(f"/api/v1/ledger/archive/{hours.learner.pk}").status_code == 404
    assert outsider.get(f"/api/v1/ledger/entries/{hours.learner.pk}").status_code == 404


def test_policy_of_the_year(hours, client):
    login(client, hours.learner)
    body = client.get("/api/v1/ledger/policy/2026").json()
    assert body["annual_target_minutes"] == 6000
    assert {c["code"]: c["cap_minutes"] for c in body["classes"]} == {
        "online": 3000, "self_study": 600, "offline": None}
    assert client.get("/api/v1/ledger/policy/99999").status_code == 400


def test_admin_credit_and_reverse(hours):
    api = admin_client(hours, hours.institute_admin)
    response = api.post("/api/v1/ledger/entries", {
        "person_id": hours.learner.pk, "cap_class": "offline", "hours": "2.5",
        "start": "2026-03-01", "reason": "补录讲座"}, content_type="application/json")
    assert response.status_code == 201 and response.json()[0]["minutes"] == 150
    entry_id = response.json()[0]["id"]
    for bad in ({"hours": "-1"}, {"hours": "NaN"}, {"hours": "1e9"}, {"cap_class": "magic"},
                {"reason": ""}, {"end": "2025-01-01"}):
        payload = {"person_id": hours.learner.pk, "cap_class": "offline", "hours": "1",
                   "start": "2026-03-01", "reason": "x", **bad}
        assert api.post("/api/v1/ledger/entries", payload,
                        content_type="application/json").status_code == 400, bad
    outsider = admin_client(hours, hours.outsider_admin)
    assert outsider.post(f"/api/v1/ledger/entries/{entry_id}/reverse", {"reason": "x"},
                         content_type="application/json").status_code == 404
    response = api.post(f"/api/v1/ledger/entries/{entry_id}/reverse", {"reason": "录错"},
                        content_type="application/json")
    assert response.status_code == 201 and [r["minutes"] for r in response.json()] == [-150]
    assert LedgerEntry.objects.filter(person=hours.learner, source_kind="admin").count() == 2


def test_admin_credit_retried_with_the_same_key_credits_once(hours):
    api = admin_client(hours, hours.institute_admin)
    payload = {"person_id": hours.learner.pk, "cap_class": "offline", "hours": "3",
               "start": "2026-03-01", "reason": "补录讲座", "request_key": "retry-key-0001"}
    first = api.post("/api/v1/ledger/entries", payload, content_type="application/json")
    second = api.post("/api/v1/ledger/entries", payload, content_type="application/json")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert LedgerEntry.objects.filter(person=hours.learner, source_kind="admin").count() == 1
    for bad in ("short", "has space in it", "x" * 65):
        response = api.post("/api/v1/ledger/entries", {**payload, "request_key": bad},
                            content_type="application/json")
        assert response.status_code == 400, bad


def test_learner_cannot_credit(hours, client):
    login(client, hours.learner)
    response = client.post("/api/v1/ledger/entries", {
        "person_id": hours.learner.pk, "cap_class": "offline", "hours": "99",
        "start": "2026-03-01", "reason": "me"}, content_type="application/json")
    assert response.status_code == 403
    assert not LedgerEntry.objects.filter(source_kind="admin").exists()
