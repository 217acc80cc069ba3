"""Finding 4 (issue 9): a NUL byte was a 500 on PostgreSQL in six operations, one of them
anonymous (the token endpoint). Control characters are refused with a 4xx wherever text
comes in; single-line fields refuse tabs and line breaks too. Also the Low items
"Cache-Control: no-store" and "dates bounded to sensible years"."""

import json
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import User
from accounts.services import token_create, token_enter_admin_mode
from claims.models import SupplementaryWindow
from claims.tests.helpers import PDF, YEAR
from conftest import enter_admin, login
from core.validators import SingleLineField, check_date_range, check_single_line
from ledger.models import LedgerEntry
from orgs.models import Org

pytestmark = pytest.mark.django_db

BAD = ["a\x00b", "\x00", "x\x01", "x\x1b[31m", "x\x7f", "x\x85", "x\x9f"]


def _bearer(user, admin=False):
    token, secret = token_create(user=user)
    if admin:
        token_enter_admin_mode(token=token, password="Cast-pass-2026!", role_id=user.roles.get().pk,
                               ip="127.0.0.1")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def _refused_json(response):
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert body["code"] == "invalid" and "message" in body and "field" in body
    return body


@pytest.mark.parametrize("text", BAD)
def test_anonymous_token_endpoint_refuses_nul(cast, text):
    response = Client().post("/api/v1/auth/tokens", {"login": text, "password": "x"},
                             content_type="application/json")
    assert _refused_json(response)["field"] == "login"
    nested = Client().post("/api/v1/auth/tokens", {"login": "a", "password": "x", "name": text},
                           content_type="application/json")
    _refused_json(nested)


@pytest.mark.parametrize("text", BAD)
def test_login_form_refuses_nul_with_an_error_page(cast, text):
    response = Client().post("/login/", {"login": text, "password": "x"})
    assert response.status_code == 400 and "text/html" in response["Content-Type"]
    assert "控制字符" in response.content.decode() or "Control characters" in response.content.decode()


def test_query_strings_keys_json_keys_and_file_names(cast, client):
    api = _bearer(cast.institute_admin, admin=True)
    _refused_json(api.get("/api/v1/staff", {"q": "张\x00"}))
    _refused_json(api.get("/api/v1/staff", {"q\x00": "x"}))
    _refused_json(api.get("/api/v1/staff/\x00"))
    _refused_json(api.post("/api/v1/staff", json.dumps({"real_name": "甲", "x": [{"\x00k": 1}]}),
                           content_type="application/json"))
    _refused_json(api.post("/api/v1/staff", '{"real_name": "\\ud800"}', content_type="application/json"))
    learner = _bearer(cast.learner)
    upload = SimpleUploadedFile("cert\x00.pdf", PDF, content_type="application/pdf")
    _refused_json(learner.post("/api/v1/claims/mine", {"kind": "external_training", "year": YEAR, "name": "x",
                                                       "start": f"{YEAR}-03-01", "end": f"{YEAR}-03-01",
                                                       "hours": "1", "files": [upload]}))
    login(client, cast.learner)
    page = client.get("/learning/external/external_training/", {"q": "\x00"})
    assert page.status_code == 400


def test_nul_in_a_cookie_is_ignored(cast):
    client = Client()
    client.cookies["sessionid"] = "abc\x00def12345"
    assert client.get("/login/").status_code == 200


def test_tab_and_newline_stay_allowed_in_long_text(cast):
    response = _bearer(cast.learner).post("/api/v1/claims/mine", {
        "kind": "external_training", "year": YEAR, "name": "年会", "category": "external_training",
        "start": f"{YEAR}-03-01", "end": f"{YEAR}-03-01", "hours": "1", "purpose": "一\n二\t三\r\n"})
    assert response.status_code == 201, response.content


def test_single_line_fields_refuse_line_breaks(cast, client):
    api = _bearer(cast.institute_admin, admin=True)
    for name in ("吕\n布", "吕\t布", "吕\r布"):
        response = api.post("/api/v1/staff", {"real_name": name}, content_type="application/json")
        assert response.status_code == 400 and response.json()["field"] == "real_name"
    assert not User.objects.filter(real_name__startswith="吕").exists()
    enter_admin(client, cast.institute_admin)
    response = client.post(f"/manage/orgs/{cast.dept_a.pk}/", {"rename": "1", "name": "光学\n部"})
    assert response.status_code in (200, 400)
    assert Org.objects.get(pk=cast.dept_a.pk).name == "光学部"
    form_field = SingleLineField()
    with pytest.raises(Exception):
        form_field.clean("a\tb")
    assert check_single_line("甲 乙") == "甲 乙"


# --- Cache-Control -------------------------------------------------------------------

def test_pages_api_and_exports_are_not_stored(cast, client, settings):
    enter_admin(client, cast.institute_admin)
    for url in ("/", "/manage/audit/", "/manage/audit/?export=xlsx", "/login/"):
        response = client.get(url)
        assert "no-store" in response.get("Cache-Control", ""), url
    api = _bearer(cast.institute_admin, admin=True)
    for response in (api.get("/api/v1/staff"), api.get("/api/v1/staff/999999"), Client().get("/api/v1/me")):
        assert "no-store" in response["Cache-Control"]


def test_static_files_keep_their_caching(client):
    from django.conf import settings
    from django.http import HttpResponse
    from django.test import RequestFactory

    from core.middleware import NoStoreMiddleware

    response = HttpResponse()
    response["Cache-Control"] = "max-age=60, public"
    request = RequestFactory().get(settings.STATIC_URL + "app.css")
    assert NoStoreMiddleware(lambda r: response)(request)["Cache-Control"] == "max-age=60, public"
    page = NoStoreMiddleware(lambda r: response)(RequestFactory().get("/x/"))
    assert page["Cache-Control"] == "no-store"


# --- dates ---------------------------------------------------------------------------

@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1999-12-31", f"{YEAR + 2}-01-01"])
def test_learning_dates_are_bounded(cast, client, day):
    enter_admin(client, cast.institute_admin)
    credit = client.post(f"/manage/staff/{cast.learner.pk}/archive/credit/", {
        "credit-cap_class": "offline", "credit-hours": "1", "credit-start": day, "credit-reason": "x"})
    assert credit.status_code == 400
    window = client.post("/manage/claims/windows/", {"org": cast.niaot.pk, "year": YEAR, "opens_on": day,
                                                     "closes_on": day})
    assert window.status_code in (200, 400)
    api = _bearer(cast.institute_admin, admin=True)
    response = api.post("/api/v1/ledger/entries", {"person_id": cast.learner.pk, "cap_class": "offline",
                                                   "hours": "1", "start": day, "reason": "x"},
                        content_type="application/json")
    assert response.status_code == 400 and response.json()["field"] == "start"
    response = api.post("/api/v1/claims/windows", {"org_id": cast.niaot.pk, "year": YEAR, "opens_on": day,
                                                   "closes_on": day}, content_type="application/json")
    assert 400 <= response.status_code < 500
    assert not LedgerEntry.objects.exists() and not SupplementaryWindow.objects.exists()


@pytest.mark.parametrize("day, ok", [("1899-12-31", False), ("2101-01-01", False), ("1985-07-01", True)])
def test_person_dates_are_bounded(cast, day, ok):
    api = _bearer(cast.institute_admin, admin=True)
    response = api.post("/api/v1/staff", {"real_name": "吕布", "hire_date": day}, content_type="application/json")
    assert (response.status_code == 201) is ok, response.content


def test_check_date_range():
    assert check_date_range(date(YEAR, 1, 1), field="start") == date(YEAR, 1, 1)
    with pytest.raises(Exception):
        check_date_range(date(1, 1, 1), field="start")
