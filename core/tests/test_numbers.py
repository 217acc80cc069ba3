"""Finding 1 (issue 9): an 8-character hours value tied up a worker (`1e999998`, ~35 s of
CPU) or was a 500 (`1e999999`). Every path that takes hours from a user answers at once
with a 4xx or a form error; the parser itself stays fast on hostile input."""

import time
from decimal import Decimal

import pytest
from django.test import Client

from accounts.services import token_create, token_enter_admin_mode
from claims.models import Claim
from claims.tests.helpers import YEAR
from conftest import enter_admin, login
from core.errors import DomainError
from core.minutes import (
    MAX_MINUTES,
    hours_minutes_to_minutes,
    hours_to_minutes,
    parse_decimal,
    parse_int,
)
from ledger.models import LedgerEntry

BOMBS = ["1e999998", "1e999999", "1E3", "9" * 20, "-5", "NaN", "１２", "4 ", "+4", "0x10", "1_000"]


@pytest.mark.parametrize("value", BOMBS + [Decimal("1e999999"), float("inf"), -1, 10**30, True])
def test_parsers_refuse_fast(value):
    for parse in (lambda v: hours_to_minutes(v), lambda v: parse_int(v, field="n", min=0, max=3000),
                  lambda v: parse_decimal(v, field="cost")):
        started = time.process_time()
        with pytest.raises(DomainError) as exc:
            parse(value)
        assert time.process_time() - started < 0.05
        assert exc.value.code == "invalid" and str(exc.value.message)


def test_exponent_has_a_clear_message():
    with pytest.raises(DomainError) as exc:
        hours_to_minutes("1e999998")
    assert "exponent" in str(exc.value.message) or "指数" in str(exc.value.message)


@pytest.mark.parametrize("hours, minutes, total", [("16", "10", 970), ("", "90", 90), (None, "30", 30),
                                                   ("2", "", 120), (3, 0, 180), ("00", "05", 5)])
def test_hours_minutes_pair(hours, minutes, total):
    assert hours_minutes_to_minutes(hours, minutes, field="hours") == total


@pytest.mark.parametrize("hours, minutes", [("1", "60"), ("", ""), ("0", "0"), ("1e3", ""), ("-1", "5"),
                                            ("123456", "0"), ("99999", "0"), ("", "9999999"), ("1.5", ""),
                                            (True, "1"), ("٣", "")])
def test_hours_minutes_pair_refuses(hours, minutes):
    with pytest.raises(DomainError):
        hours_minutes_to_minutes(hours, minutes, field="hours")


def test_parse_int_bounds_and_sign():
    assert parse_int("2024", field="year", min=1990, max=2999) == 2024
    assert parse_int(2024.0, field="year", min=1990, max=2999) == 2024
    assert parse_int("-3", field="n", min=-5, max=5) == -3
    for bad in ("-3", "3001", "2024.5", "2e3", " 2024", "2024\n", 2024.5):
        with pytest.raises(DomainError):
            parse_int(bad, field="year", min=0, max=3000)


def test_parse_decimal():
    assert parse_decimal("0.35", field="cost") == Decimal("0.35")
    assert parse_decimal("", field="cost") is None
    assert parse_decimal(2.5, field="cost") == Decimal("2.5")
    assert parse_decimal("99999999.99", field="cost") == Decimal("99999999.99")
    for bad in ("100000000", "1.234", "1e2", "-1", Decimal("NaN")):
        with pytest.raises(DomainError):
            parse_decimal(bad, field="cost")


def test_max_is_the_limit():
    assert hours_to_minutes(str(MAX_MINUTES // 60)) == MAX_MINUTES
    with pytest.raises(DomainError):
        hours_to_minutes(str(MAX_MINUTES // 60 + 1))


# --- every path that takes hours from a user, end to end --------------------------------

FORM = {"year": YEAR, "name": "年会", "category": "external_training", "start": f"{YEAR}-03-10",
        "end": f"{YEAR}-03-12", "hours": "16"}


def _bearer(user, admin=False):
    token, secret = token_create(user=user)
    if admin:
        token_enter_admin_mode(token=token, password="Cast-pass-2026!", role_id=user.roles.get().pk,
                               ip="127.0.0.1")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def _timed(call):
    started = time.process_time()
    response = call()
    assert time.process_time() - started < 5, "a hostile number must not cost seconds of CPU"
    return response


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.django_db
@pytest.mark.parametrize("bomb", ["1e999998", "1e999999", "1E3"])
def test_every_hours_path_refuses_exponents(cast, client, bomb):
    login(client, cast.learner)
    page = _timed(lambda: client.post("/learning/external/external_training/new/", {**FORM, "hours": bomb}))
    assert page.status_code == 400 and 'data-field="hours"' in page.content.decode()
    client.post("/logout/")
    cast.learner.refresh_from_db()  # logging out renews the security stamp tokens carry

    api = _timed(lambda: _bearer(cast.learner).post(
        "/api/v1/claims/mine", {"kind": "external_training", **FORM, "hours": bomb}))
    assert 400 <= api.status_code < 500 and api.status_code != 401, api.content
    assert api.json()["code"] in ("invalid", "validation_error")

    cost = _bearer(cast.learner).post("/api/v1/claims/mine", {"kind": "external_training", **FORM,
                                                              "cost": bomb})
    assert 400 <= cost.status_code < 500

    enter_admin(client, cast.institute_admin)
    behalf = _timed(lambda: client.post("/manage/claims/new/", {**FORM, "hours": bomb, "person": "N001",
                                                                "kind": "external_training"}))
    assert behalf.status_code == 400
    credit = _timed(lambda: client.post(f"/manage/staff/{cast.learner.pk}/archive/credit/", {
        "credit-cap_class": "offline", "credit-hours": bomb, "credit-start": f"{YEAR}-03-01",
        "credit-reason": "x"}))
    assert credit.status_code == 400
    credit_api = _timed(lambda: _bearer(cast.institute_admin, admin=True).post(
        "/api/v1/ledger/entries", {"person_id": cast.learner.pk, "cap_class": "offline", "hours": bomb,
                                   "start": f"{YEAR}-03-01", "reason": "x"}, content_type="application/json"))
    assert 400 <= credit_api.status_code < 500
    assert not Claim.objects.exists() and not LedgerEntry.objects.exists()


@pytest.mark.django_db
def test_import_columns_refuse_exponents(cast, client):
    from claims.imports import COLUMNS
    from core.tests.xlsxfiles import upload, workbook_bytes

    enter_admin(client, cast.institute_admin)
    rows = [["N001", "", "张三", "外部培训", YEAR, "年会", "外部培训", f"{YEAR}-03-01", f"{YEAR}-03-02",
             "1e999998", "", ""],
            ["N001", "", "张三", "外部培训", "1e999999", "年会", "外部培训", f"{YEAR}-03-01", f"{YEAR}-03-02",
             "4", "", ""]]
    response = _timed(lambda: client.post("/manage/claims/import/",
                                          {"file": upload(workbook_bytes(COLUMNS, rows), "c.xlsx")}))
    html = response.content.decode()
    assert response.status_code == 200 and "<td>2</td><td>学时</td>" in html and "<td>3</td>" in html
    assert not Claim.objects.exists()
