"""Bearer tokens for the mobile client and the me/password operations."""

from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from accounts.models import ApiToken, User
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


def _enter_admin_mode(secret, password, role):
    return Client().post("/api/v1/auth/admin-mode", {"password": password, "role_id": role.pk},
                         content_type="application/json", REMOTE_ADDR="10.0.0.5", **bearer(secret))


@override_settings(XUESHI_LOGIN_FAILURES_ALLOWED=3, XUESHI_LOGIN_COOLOFF_SECONDS=900)
def test_token_admin_mode_wrong_passwords_are_throttled(cast, client):
    secret = obtain(client, "niaot", cast.password).json()["token"]
    role = cast.institute_admin.roles.get()
    for _ in range(3):
        wrong = _enter_admin_mode(secret, "nope", role)
        assert wrong.status_code == 401
        assert wrong.json() == {"code": "bad_credentials", "message": "密码错误。",
                                "field": "password"}
    # Over the limit: the same generic refusal as the 我的管理 page, even for the right
    # password, until the cool-off passes.
    for password in ("nope", cast.password):
        refused = _enter_admin_mode(secret, password, role)
        assert refused.status_code == 429
        assert refused.json()["code"] == "throttled"
        assert refused.json()["message"] == "失败次数过多，请几分钟后再试。"
    assert Client().get("/api/v1/me", **bearer(secret)).json()["admin_role"] is None
    assert Client().get("/api/v1/staff", **bearer(secret)).status_code == 403
    # The failures survived the refusal (no rollback took them away).
    failed = AuditEvent.objects.filter(action="admin_mode.failed", actor=cast.institute_admin)
    assert failed.count() == 3 and set(failed.values_list("ip", flat=True)) == {"10.0.0.5"}
    assert AuditEvent.objects.filter(action="admin_mode.throttled").count() == 2
    assert not AuditEvent.objects.filter(action="admin_mode.entered").exists()
    # The token has a budget of its own: a stolen token's guesses do not lock the owner
    # out of logging in (finding 2).
    assert obtain(client, "niaot", cast.password).status_code == 201


@pytest.mark.parametrize("field, age", [("admin_last", timedelta(minutes=31)),
                                        ("admin_since", timedelta(hours=2, seconds=1))])
def test_token_admin_mode_lapses(cast, client, field, age):
    secret = obtain(client, "niaot", cast.password).json()["token"]
    role = cast.institute_admin.roles.get()
    assert _enter_admin_mode(secret, cast.password, role).status_code == 200
    assert Client().get("/api/v1/staff", **bearer(secret)).status_code == 200
    token = ApiToken.objects.get(user=cast.institute_admin, revoked_at__isnull=True)
    ApiToken.objects.filter(pk=token.pk).update(**{field: getattr(token, field) - age})
    response = Client().get("/api/v1/staff", **bearer(secret))
    assert response.status_code == 403
    assert response.json()["code"] == "admin_mode_required"


def test_expired_initial_password_token_refused(cast, client):
    password_set_initial(actor=None, user=cast.learner, password="Abcd1234")
    secret = obtain(client, "niaot-zhangsan", "Abcd1234").json()["token"]
    User.objects.filter(pk=cast.learner.pk).update(
        initial_password_expires_at=timezone.now() - timedelta(minutes=1))
    change = Client().post("/api/v1/me/password",
                           {"old_password": "Abcd1234", "new_password": "Tianwen-Guangxue-88"},
                           content_type="application/json", **bearer(secret))
    assert change.status_code == 403
    assert change.json()["code"] == "password_expired"
    assert change.json()["message"] == "您的初始密码已过期，请联系管理员重新设置。"
    me = Client().get("/api/v1/me", **bearer(secret))
    assert me.status_code == 403 and me.json()["code"] == "password_expired"
    cast.learner.refresh_from_db()
    assert cast.learner.password_is_initial and cast.learner.check_password("Abcd1234")
    assert not AuditEvent.objects.filter(action="password.changed").exists()


@override_settings(XUESHI_LOGIN_FAILURES_ALLOWED=3, XUESHI_LOGIN_COOLOFF_SECONDS=900)
@pytest.mark.parametrize("method, url, payload", [
    ("post", "/api/v1/me/password", lambda pw: {"old_password": pw,
                                                 "new_password": "Tianwen-Guangxue-88"}),
    ("patch", "/api/v1/me", lambda pw: {"email": "zs@niaot.ac.cn", "password": pw}),
])
def test_current_password_guessing_via_api_is_throttled(cast, client, method, url, payload):
    secret = obtain(client, "niaot-zhangsan", cast.password).json()["token"]

    def send(password):
        return getattr(Client(), method)(url, payload(password), content_type="application/json",
                                         REMOTE_ADDR="10.0.0.5", **bearer(secret))

    for _ in range(3):
        response = send("wrong")
        assert response.status_code == 401 and response.json()["code"] == "bad_credentials"
    refused = send(cast.password)
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"
    assert refused.json()["message"] == "失败次数过多，请几分钟后再试。"
    cast.learner.refresh_from_db()
    assert cast.learner.check_password(cast.password) and cast.learner.email is None
    # Counted on the token's own budget: the owner still logs in (finding 2).
    assert obtain(client, "niaot-zhangsan", cast.password).status_code == 201
    assert obtain(client, "niaot-zhangsan", cast.password, ip="10.0.0.6").status_code == 201


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
