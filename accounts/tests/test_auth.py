"""Logging in, throttling, initial passwords and the password rules (ABUSE-CASES 1-4)."""

from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from accounts.models import User
from accounts.services import authenticate_with_throttle, password_change, password_set_initial
from conftest import login
from core.errors import DomainError, ErrorCode
from core.models import AuditEvent

pytestmark = pytest.mark.django_db


def post_login(client, login_name, password, ip="10.0.0.1"):
    return client.post("/login/", {"login": login_name, "password": password}, REMOTE_ADDR=ip)


@pytest.mark.parametrize("field", ["login_name", "email", "mobile"])
def test_login_with_login_name_email_or_mobile(cast, client, field):
    cast.learner.email = "ZhangSan@niaot.ac.cn"
    cast.learner.mobile = "13800138000"
    cast.learner.save()
    ident = {"login_name": "NIAOT-zhangsan", "email": "zhangsan@NIAOT.ac.cn",
             "mobile": "13800138000"}[field]
    response = post_login(client, ident, cast.password)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(cast.learner.pk)


@pytest.mark.parametrize("ident, password", [
    ("niaot-zhangsan", "wrong-password"),
    ("nobody-at-all", "whatever-123"),
    ("", ""),
    ("x" * 300, "p"),
    ("niaot-zhangsan\r\nINFO forged", "p"),
])
def test_bad_login_gives_one_generic_message(cast, client, ident, password):
    response = post_login(client, ident, password)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    text = response.content.decode()
    if ident and len(ident) <= 254:
        assert "用户名或密码错误" in text


def test_failed_logins_are_audited(cast, client):
    post_login(client, "niaot-zhangsan", "wrong")
    post_login(client, "ghost", "wrong")
    actions = list(AuditEvent.objects.values_list("action", "actor_label", "actor_id"))
    assert ("login.failed", "niaot-zhangsan", cast.learner.pk) in actions
    assert ("login.failed", "ghost", None) in actions


def test_one_megabyte_password_is_refused_before_hashing(cast, client, django_assert_max_num_queries):
    huge = "a" * (1024 * 1024 - 100)
    with pytest.raises(DomainError) as exc:
        authenticate_with_throttle(identifier="niaot-zhangsan", password=huge, ip="10.0.0.9")
    assert exc.value.code == ErrorCode.BAD_CREDENTIALS


@override_settings(XUESHI_LOGIN_FAILURES_ALLOWED=5, XUESHI_LOGIN_COOLOFF_SECONDS=900,
                   XUESHI_LOGIN_CAPTCHA_AFTER=100)
def test_throttle_per_account_for_unknown_clients(cast, client):
    for _ in range(20):
        post_login(client, "niaot-zhangsan", "wrong", ip="10.1.1.1")
    # Now even the right password is refused for clients without the device cookie,
    # from any address, with the generic notice.
    response = post_login(client, "niaot-zhangsan", cast.password, ip="10.1.1.1")
    assert "_auth_user_id" not in client.session
    assert "失败次数过多" in response.content.decode()
    assert "失败次数过多" in post_login(Client(), "niaot-zhangsan", cast.password,
                                          ip="10.9.9.9").content.decode()
    # Another person behind the same address still logs in.
    other = Client()
    assert post_login(other, "niaot-lisi", cast.password, ip="10.1.1.1").status_code == 302
    # Unknown names are throttled the same way (no hint that the name does not exist).
    for _ in range(6):
        post_login(client, "ghost-user", "wrong", ip="10.1.1.1")
    assert "失败次数过多" in post_login(client, "ghost-user", "x", ip="10.1.1.1").content.decode()
    assert AuditEvent.objects.filter(action="login.throttled").exists()


@override_settings(XUESHI_LOGIN_FAILURES_ALLOWED=3, XUESHI_LOGIN_COOLOFF_SECONDS=900,
                   XUESHI_LOGIN_CAPTCHA_AFTER=100)
def test_throttle_counts_per_account_whichever_identifier_is_typed(cast, client):
    cast.learner.email = "zhangsan@niaot.ac.cn"
    cast.learner.mobile = "13800138000"
    cast.learner.save()
    for ident in ("niaot-zhangsan", "ZhangSan@niaot.ac.cn", "13800138000"):
        response = post_login(client, ident, "wrong", ip="10.3.3.3")
        assert "用户名或密码错误" in response.content.decode()
    for ident in ("niaot-zhangsan", "zhangsan@niaot.ac.cn", "13800138000"):
        response = post_login(client, ident, cast.password, ip="10.3.3.3")
        assert "失败次数过多" in response.content.decode(), ident
        assert "_auth_user_id" not in client.session
    # Another account behind the same address is not affected.
    assert post_login(Client(), "niaot-lisi", cast.password, ip="10.3.3.3").status_code == 302
    # Text that names no account is throttled by itself, with the same notices.
    for _ in range(3):
        assert "用户名或密码错误" in post_login(client, "ghost@niaot.ac.cn", "x",
                                                 ip="10.3.3.3").content.decode()
    assert "失败次数过多" in post_login(client, "ghost@niaot.ac.cn", "x",
                                          ip="10.3.3.3").content.decode()
    assert "用户名或密码错误" in post_login(client, "13900000000", "x",
                                             ip="10.3.3.3").content.decode()


@override_settings(XUESHI_LOGIN_FAILURES_ALLOWED=3, XUESHI_LOGIN_COOLOFF_SECONDS=900,
                   XUESHI_LOGIN_CAPTCHA_AFTER=100)
def test_throttle_lifts_after_cool_off(cast, client):
    from accounts.models import LoginThrottle

    for _ in range(3):
        post_login(client, "niaot-zhangsan", "wrong", ip="10.2.2.2")
    assert post_login(client, "niaot-zhangsan", cast.password, ip="10.2.2.2").status_code == 200
    LoginThrottle.objects.update(locked_until=timezone.now() - timedelta(seconds=1),
                                 first_failure_at=timezone.now() - timedelta(hours=1))
    assert post_login(client, "niaot-zhangsan", cast.password, ip="10.2.2.2").status_code == 302


def test_inactive_user_cannot_log_in(cast, client):
    cast.learner.is_active = False
    cast.learner.save()
    response = post_login(client, "niaot-zhangsan", cast.password)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


# --- initial passwords ------------------------------------------------------------------

@pytest.fixture
def fresh(cast):
    password_set_initial(actor=cast.institute_admin, user=cast.learner, password="Abcd1234")
    return cast.learner


def test_initial_password_reaches_only_the_change_page(fresh, client):
    response = post_login(client, fresh.login_name, "Abcd1234")
    assert response.status_code == 302 and response["Location"] == "/me/password/"
    for url in ["/", "/manage/", "/manage/enter/", "/django-admin/"]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == "/me/password/", url
    assert client.get("/me/password/").status_code == 200


def test_initial_password_api_refused_with_code(fresh, client):
    post_login(client, fresh.login_name, "Abcd1234")
    response = client.post("/api/v1/auth/admin-mode", {"password": "Abcd1234", "role_id": 1},
                           content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "password_change_required"


@pytest.mark.parametrize("new, reason", [
    ("123456", "默认密码"),
    ("ABCD1234", "默认密码"),
    ("abcd1234", "默认密码"),
    ("niaot-zhangsan-2026", "登录名"),
    ("Zhangsan!2026", "登录名"),
    ("niaot!Strong2026", "单位缩写"),
    ("short1", "太短"),
    ("password", "这个密码太常见了。"),
])
def test_weak_new_password_refused_with_reason(fresh, client, new, reason):
    post_login(client, fresh.login_name, "Abcd1234")
    response = client.post("/me/password/", {"old_password": "Abcd1234", "new_password": new,
                                              "new_password2": new})
    assert response.status_code == 200
    text = response.content.decode()
    assert reason in text
    fresh.refresh_from_db()
    assert fresh.password_is_initial and fresh.check_password("Abcd1234")


def test_same_as_old_password_refused(cast):
    with pytest.raises(DomainError) as exc:
        password_change(user=cast.learner, old_password=cast.password, new_password=cast.password)
    assert exc.value.code == ErrorCode.WEAK_PASSWORD


def test_64_character_unicode_password_accepted(cast):
    new = "学时平台密码" * 10 + "Ab1!"
    assert len(new) == 64
    password_change(user=cast.learner, old_password=cast.password, new_password=new)
    cast.learner.refresh_from_db()
    assert cast.learner.check_password(new)


def test_good_new_password_frees_the_account(fresh, client):
    post_login(client, fresh.login_name, "Abcd1234")
    response = client.post("/me/password/", {"old_password": "Abcd1234",
                                              "new_password": "Tianwen-Guangxue-88",
                                              "new_password2": "Tianwen-Guangxue-88"})
    assert response.status_code == 302
    fresh.refresh_from_db()
    assert not fresh.password_is_initial
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(action="password.changed", actor=fresh).exists()


def test_expired_initial_password_refused(fresh, client):
    User.objects.filter(pk=fresh.pk).update(
        initial_password_expires_at=timezone.now() - timedelta(minutes=1))
    response = post_login(client, fresh.login_name, "Abcd1234")
    assert response.status_code == 200
    assert "初始密码已过期" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_initial_password_expiring_mid_session_logs_out(fresh, client):
    post_login(client, fresh.login_name, "Abcd1234")
    User.objects.filter(pk=fresh.pk).update(
        initial_password_expires_at=timezone.now() - timedelta(minutes=1))
    response = client.get("/me/password/")
    assert response.status_code == 302 and response["Location"] == "/login/"


@override_settings(XUESHI_LOGIN_FAILURES_ALLOWED=3, XUESHI_LOGIN_COOLOFF_SECONDS=900)
def test_current_password_guessing_on_change_page_is_throttled(cast, client):
    login(client, cast.learner)

    def change(old):
        return client.post("/me/password/", {"old_password": old,
                                              "new_password": "Tianwen-Guangxue-88",
                                              "new_password2": "Tianwen-Guangxue-88"})

    for _ in range(3):
        response = change("wrong")
        assert response.status_code == 200 and "原密码错误" in response.content.decode()
    response = change(cast.password)
    assert response.status_code == 200 and "失败次数过多" in response.content.decode()
    cast.learner.refresh_from_db()
    assert cast.learner.check_password(cast.password)
    assert AuditEvent.objects.filter(action="password_change.failed", actor=cast.learner).count() == 3
    assert AuditEvent.objects.filter(action="password_change.throttled").count() == 1
    # One budget with the logins of this browser (its device cookie) for this account;
    # the guesses of this session do not lock the account for other clients.
    assert "失败次数过多" in post_login(client, "niaot-zhangsan", cast.password,
                                          ip="127.0.0.1").content.decode()
    assert post_login(Client(), "niaot-zhangsan", cast.password).status_code == 302


def test_password_change_ends_other_sessions(cast):
    first, second = Client(), Client()
    login(first, cast.learner)
    login(second, cast.learner)
    response = first.post("/me/password/", {"old_password": cast.password,
                                             "new_password": "Tianwen-Guangxue-88",
                                             "new_password2": "Tianwen-Guangxue-88"})
    assert response.status_code == 302
    assert first.get("/").status_code == 200
    assert second.get("/").status_code == 302


def test_login_next_must_be_local(cast, client):
    response = client.post("/login/?next=https://evil.example/", {
        "login": cast.learner.login_name, "password": cast.password,
        "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/"



def test_production_hasher_is_pbkdf2():
    import config.settings as configured

    assert configured.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.PBKDF2PasswordHasher"
