import pytest
from django.test import Client

from accounts.models import User
from accounts.services import token_create, token_enter_admin_mode
from accounts.staff_import import COLUMNS
from conftest import enter_admin, login
from core.tests.xlsxfiles import upload, workbook_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(cast):
    """A bearer-token client of niaot's institute admin in admin mode."""
    token, secret = token_create(user=cast.institute_admin)
    token_enter_admin_mode(token=token, password=cast.password,
                           role_id=cast.institute_admin.roles.get().pk, ip="127.0.0.1")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def test_list_in_scope_paginated(cast, api):
    body = api.get("/api/v1/staff?page_size=2").json()
    assert body["count"] == 5 and len(body["items"]) == 2  # niaot has five people in the cast
    names = {p["real_name"] for p in api.get("/api/v1/staff?page_size=100").json()["items"]}
    assert "张三" in names and "孙七" not in names


def test_spoofed_filters(cast, api):
    for query in (f"department_id={cast.imr_dept.pk}", f"institute_id={cast.imr.pk}", "q=孙七"):
        assert api.get(f"/api/v1/staff?{query}").json()["count"] == 0, query


@pytest.mark.parametrize("query", ["page=0", "page=99999999999999999999", "page_size=1000",
                                   "order=password", "post_type=boss", "department_id=abc"])
def test_bad_query_is_400(cast, api, query):
    response = api.get(f"/api/v1/staff?{query}")
    assert response.status_code == 400 and response.json()["code"] == "invalid"


def test_create_get_patch_deactivate(cast, api):
    response = api.post("/api/v1/staff", {"real_name": "吕布", "department_id": cast.dept_b.pk,
                                          "employee_no": "N300"}, content_type="application/json")
    assert response.status_code == 201
    body = response.json()
    assert body["person"]["login_name"] == "niaot-lvbu" and body["initial_password"] == "Abcd1234"
    pid = body["person"]["id"]
    assert api.get(f"/api/v1/staff/{pid}").json()["department_name"] == "机械部"
    patched = api.patch(f"/api/v1/staff/{pid}", {"hours_required": False, "department_id": None},
                        content_type="application/json").json()
    assert patched["hours_required"] is False and patched["department_id"] is None
    assert api.post(f"/api/v1/staff/{pid}/deactivate").json()["is_active"] is False
    assert api.post(f"/api/v1/staff/{pid}/reactivate").json()["is_active"] is True


def test_bad_create_is_400_with_field(cast, api):
    response = api.post("/api/v1/staff", {"real_name": "甲", "email": "nope"},
                        content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"code": "invalid", "message": "请输入有效的邮箱地址。", "field": "email"}
    dup = api.post("/api/v1/staff", {"real_name": "甲", "employee_no": "N001"},
                   content_type="application/json")
    assert dup.status_code == 409 and dup.json()["field"] == "employee_no"


def test_mass_assignment_ignored(cast, api):
    response = api.patch(f"/api/v1/staff/{cast.learner.pk}",
                         {"is_superuser": True, "is_staff": True, "institute_id": cast.imr.pk},
                         content_type="application/json")
    assert response.status_code == 200
    cast.learner.refresh_from_db()
    assert not cast.learner.is_superuser and cast.learner.institute == cast.niaot


def test_outsider_gets_404_and_nothing_changes(cast):
    token, secret = token_create(user=cast.outsider_admin)
    token_enter_admin_mode(token=token, password=cast.password,
                           role_id=cast.outsider_admin.roles.get().pk, ip="127.0.0.1")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    pid = cast.learner.pk
    assert client.get(f"/api/v1/staff/{pid}").status_code == 404
    response = client.patch(f"/api/v1/staff/{pid}", {"real_name": "改名"}, content_type="application/json")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert client.post(f"/api/v1/staff/{pid}/deactivate").status_code == 404
    cast.learner.refresh_from_db()
    assert cast.learner.real_name == "张三" and cast.learner.is_active


def test_admin_mode_required(cast):
    token, secret = token_create(user=cast.institute_admin)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    response = client.get("/api/v1/staff")
    assert response.status_code == 403 and response.json()["code"] == "admin_mode_required"
    session = Client()
    login(session, cast.institute_admin)
    assert session.get("/api/v1/staff").status_code == 403
    enter_admin(session, cast.institute_admin)
    assert session.get("/api/v1/staff").status_code == 200


def test_learner_cannot_use_staff_api(cast):
    client = Client()
    login(client, cast.learner)
    assert client.get("/api/v1/staff").status_code == 403


def test_import_via_api(cast, api):
    rows = [["单田芳", "N101", "", "", "光学部", "科研岗", "2024-03-01", "是"]]
    response = api.post("/api/v1/staff/import", {"file": upload(workbook_bytes(COLUMNS, rows))})
    assert response.status_code == 200 and response.json() == {"created": 1, "updated": 0, "unchanged": 0}
    bad = [["", "N102", "", "", "", "", "", ""]]
    response = api.post("/api/v1/staff/import", {"file": upload(workbook_bytes(COLUMNS, bad))})
    assert response.status_code == 400
    assert response.json()["errors"] == [{"row": 2, "column": "姓名", "message": "必填。"}]
    assert not User.objects.filter(employee_no="N102").exists()
    junk = api.post("/api/v1/staff/import", {"file": upload(b"MZ\x90")})
    assert junk.status_code == 400 and junk.json()["code"] == "bad_file"


def test_org_tree_in_scope(cast, api):
    tree = api.get("/api/v1/orgs/tree").json()
    assert [n["name"] for n in tree] == ["南京天文光学技术研究所"]
    assert {c["name"] for c in tree[0]["children"]} == {"光学部", "机械部"}
    learner = Client()
    login(learner, cast.outsider_learner)
    assert learner.get("/api/v1/orgs/tree").json()[0]["name"] == "金属研究所"
