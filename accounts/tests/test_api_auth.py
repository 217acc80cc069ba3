"""Bearer tokens for the mobile client and the me/password operations."""

import pytest
from django.test import Client

from accounts.services import password_set_initial
from conftest import login
from core.models import AuditEvent

pytestmark = pytest.mark.django_db


def obtain(client, login_name, password, ip="10.0.0.5"):
    return client.post("/api/v1/auth/tokens", {"login": login_name, "password": password},
                       content_type="application/json", REMOTE_ADDR=ip)


def bearer(secret):
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_obtain_use_list_revoke(cast, client):
    response = obtain(client, "niaot-zhangsan", cast.password)
    assert response.status_code == 201
    body = response.json()
    secret = body["token"]
    assert body["password_change_required"] is False
    me = Client().get("/api/v1/me", **bearer(secret))
    assert me.status_code == 200
    assert me.json()["login_name"] == "niaot-zhangsan"
    assert me.json()["institute_name"] == "南京天文光学技术研究所"
    tokens = Client().get("/api/v1/auth/tokens", **bearer(secret)).json()
    assert [t["id"] for t in tokens] == [body["id"]]
    assert "token" not in tokens[0] and "key_hash" not in tokens[0]
    assert Client().delete(f"/api/v1/auth/tokens/{body['id']}", **bearer(secret)).status_code == 204
    assert Client().get("/api/v1/me", **bearer(secret)).status_code == 401
    assert AuditEvent.objects.filter(action="token.revoked").count() == 1


def test_bad_credentials_generic_401(cast, client):
    for login_name in ("niaot-zhangsan", "ghost"):
        response = obtain(client, login_name, "wrong")
        assert response.status_code == 401
        assert response.json() == {"code": "bad_credentials", "message": "用户名或密码错误。",
                                   "field": None}


def test_malformed_body_is_400_with_code(cast, client):
    response = client.post("/api/v1/auth/tokens", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    response = client.post("/api/v1/auth/tokens", {"login": "x"}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["field"] == "password"


def test_cannot_revoke_someone_elses_token(cast, client):
    mine = obtain(client, "niaot-zhangsan", cast.password).json()
    theirs = obtain(client, "imr-sunqi", cast.password).json()
    response = Client().delete(f"/api/v1/auth/tokens/{theirs['id']}", **bearer(mine["token"]))
    assert response.status_code == 404
    assert Client().get("/api/v1/me", **bearer(theirs["token"])).status_code == 200


def test_garbage_tokens_are_401(cast):
    for header in ("Bearer ", "Bearer xs_nope", "Bearer " + "x" * 5000, "Basic abc"):
        response = Client().get("/api/v1/me", HTTP_AUTHORIZATION=header)
        assert response.status_code == 401, header
        assert response.json()["code"] == "not_authenticated"


def test_initial_password_token_only_changes_password(cast, client):
    password_set_initial(actor=None, user=cast.learner, password="Abcd1234")
    body = obtain(client, "niaot-zhangsan", "Abcd1234").json()
    assert body["password_change_required"] is True
    me = Client().get("/api/v1/me", **bearer(body["token"])).json()
    assert me["password_change_required"] is True
    weak = Client().post("/api/v1/me/password", {"old_password": "Abcd1234", "new_password": "123456"},
                         content_type="application/json", **bearer(body["token"]))
    assert weak.status_code == 400 and weak.json()["code"] == "weak_password"
    ok = Client().post("/api/v1/me/password",
                       {"old_password": "Abcd1234", "new_password": "Tianwen-Guangxue-88"},
                       content_type="application/json", **bearer(body["token"]))
    assert ok.status_code == 204
    # The token that changed the password keeps working.
    assert Client().get("/api/v1/me", **bearer(body["token"])).json()["password_change_required"] is False


def test_password_change_revokes_other_tokens(cast, client):
    first = obtain(client, "niaot-zhangsan", cast.password).json()["token"]
    second = obtain(client, "niaot-zhangsan", cast.password).json()["token"]
    response = Client().post("/api/v1/me/password",
                             {"old_password": cast.password, "new_password": "Tianwen-Guangxue-88"},
                             content_type="application/json", **bearer(first))
    assert response.status_code == 204
    assert Client().get("/api/v1/me", **bearer(first)).status_code == 200
    assert Client().get("/api/v1/me", **bearer(second)).status_code == 401


def test_deactivated_user_token_stops(cast, client):
    secret = obtain(client, "niaot-zhangsan", cast.password).json()["token"]
    cast.learner.is_active = False
    cast.learner.save()
    assert Client().get("/api/v1/me", **bearer(secret)).status_code == 401


def test_token_admin_mode(cast, client):
    secret = obtain(client, "niaot", cast.password).json()["token"]
    role = cast.institute_admin.roles.get()
    wrong = Client().post("/api/v1/auth/admin-mode", {"password": "nope", "role_id": role.pk},
                          content_type="application/json", **bearer(secret))
    assert wrong.status_code == 401
    foreign = cast.outsider_admin.roles.get()
    bad_role = Client().post("/api/v1/auth/admin-mode",
                             {"password": cast.password, "role_id": foreign.pk},
                             content_type="application/json", **bearer(secret))
    assert bad_role.status_code == 400 and bad_role.json()["field"] == "role"
    ok = Client().post("/api/v1/auth/admin-mode", {"password": cast.password, "role_id": role.pk},
                       content_type="application/json", **bearer(secret))
    assert ok.status_code == 200 and ok.json()["role"] == "institute_admin"
    me = Client().get("/api/v1/me", **bearer(secret)).json()
    assert me["admin_role"]["org_name"] == "南京天文光学技术研究所"


def test_session_api_needs_csrf_for_writes(cast):
    client = Client(enforce_csrf_checks=True)
    login_page = client.get("/login/")
    token = login_page.cookies["csrftoken"].value
    client.post("/login/", {"login": "niaot-zhangsan", "password": cast.password,
                            "csrfmiddlewaretoken": token})
    assert client.get("/api/v1/me").status_code == 200
    response = client.post("/api/v1/me/password",
                           {"old_password": cast.password, "new_password": "Tianwen-Guangxue-88"},
                           content_type="application/json")
    assert response.status_code == 401
    cast.learner.refresh_from_db()
    assert cast.learner.check_password(cast.password)


def test_session_login_uses_same_api(cast, client):
    login(client, cast.learner)
    assert client.get("/api/v1/me").json()["real_name"] == "张三"


def test_openapi_schema_and_docs_served_locally(client):
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    assert "/api/v1/auth/tokens" in schema.json()["paths"]
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "cdn" not in html.lower() and "/static/ninja/" in html


def test_profile_update_via_api(cast, client):
    login(client, cast.learner)
    wrong = client.patch("/api/v1/me", {"email": "zs@niaot.ac.cn", "password": "nope"},
                         content_type="application/json")
    assert wrong.status_code == 401 and wrong.json()["field"] == "password"
    bad = client.patch("/api/v1/me", {"mobile": "12", "password": cast.password},
                       content_type="application/json")
    assert bad.status_code == 400 and bad.json()["field"] == "mobile"
    ok = client.patch("/api/v1/me", {"email": "ZS@niaot.ac.cn", "mobile": "13800138000",
                                     "password": cast.password}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["email"] == "zs@niaot.ac.cn"
