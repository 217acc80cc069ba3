"""验证码 on the login (issue 9, seed 003): once a client without the account's device
cookie has failed XUESHI_LOGIN_CAPTCHA_AFTER times, the login page and the token API
ask for a self-hosted CAPTCHA; each challenge answers once and expires."""

import base64
import re
from datetime import timedelta

import pytest
from captcha.models import CaptchaStore
from django.test import Client, override_settings
from django.utils import timezone

from accounts.devices import COOKIE_NAME
from accounts.services import captcha_new, captcha_solve
from core.models import AuditEvent

pytestmark = pytest.mark.django_db

LIMITS = {"XUESHI_LOGIN_FAILURES_ALLOWED": 5, "XUESHI_LOGIN_COOLOFF_SECONDS": 900,
          "XUESHI_LOGIN_CAPTCHA_AFTER": 2}
KEY = re.compile(r'name="captcha_key" value="([0-9a-f]{40})"')


def post_login(client, password, **extra):
    return client.post("/login/", {"login": "niaot-zhangsan", "password": password, **extra},
                       REMOTE_ADDR="10.0.0.1")


def shown_key(response) -> str | None:
    match = KEY.search(response.content.decode())
    return match.group(1) if match else None


def answer_of(key: str) -> str:
    return CaptchaStore.objects.get(hashkey=key).response


def fail_twice(client) -> str:
    """Two wrong passwords: the second answer shows the CAPTCHA; returns its key."""
    first = post_login(client, "guess-1")
    assert shown_key(first) is None
    key = shown_key(post_login(client, "guess-2"))
    assert key is not None
    return key


def logged_in(client, cast) -> bool:
    return client.session.get("_auth_user_id") == str(cast.learner.pk)


@override_settings(**LIMITS)
def test_below_the_threshold_no_captcha_is_asked(cast):
    client = Client()
    response = post_login(client, "guess-1")
    assert response.status_code == 200
    assert 'name="captcha"' not in response.content.decode()
    assert post_login(client, cast.password).status_code == 302
    assert logged_in(client, cast)
    assert not AuditEvent.objects.filter(action="login.captcha_required").exists()


@override_settings(**LIMITS)
def test_without_captcha_the_right_password_is_refused(cast):
    client = Client()
    fail_twice(client)
    response = post_login(client, cast.password)
    assert response.status_code == 200
    assert "请输入图中的字符" in response.content.decode()
    assert not logged_in(client, cast)
    assert AuditEvent.objects.filter(action="login.captcha_required",
                                     actor=cast.learner).count() == 1
    # A fresh picture is shown for the next try.
    assert shown_key(response) is not None


@override_settings(**LIMITS)
def test_wrong_captcha_is_refused_and_used_up(cast):
    client = Client()
    key = fail_twice(client)
    wrong = "ZZZZ" if answer_of(key) != "zzzz" else "YYYY"
    response = post_login(client, cast.password, captcha_key=key, captcha=wrong)
    assert not logged_in(client, cast)
    assert "请输入图中的字符" in response.content.decode()
    assert not CaptchaStore.objects.filter(hashkey=key).exists()
    assert shown_key(response) not in (None, key)


@override_settings(**LIMITS)
def test_correct_captcha_logs_in(cast):
    client = Client()
    key = fail_twice(client)
    response = post_login(client, cast.password, captcha_key=key, captcha=answer_of(key).upper())
    assert response.status_code == 302
    assert logged_in(client, cast)
    assert not CaptchaStore.objects.filter(hashkey=key).exists()


@override_settings(**LIMITS)
def test_a_solved_captcha_cannot_be_used_again(cast):
    client = Client()
    key = fail_twice(client)
    answer = answer_of(key)
    # Solved with a wrong password: the password counts, the challenge is gone.
    response = post_login(client, "guess-3", captcha_key=key, captcha=answer)
    assert "用户名或密码错误" in response.content.decode()
    response = post_login(client, cast.password, captcha_key=key, captcha=answer)
    assert not logged_in(client, cast)
    assert "请输入图中的字符" in response.content.decode()


@override_settings(**LIMITS)
def test_an_expired_captcha_is_refused(cast):
    client = Client()
    key = fail_twice(client)
    answer = answer_of(key)
    CaptchaStore.objects.filter(hashkey=key).update(
        expiration=timezone.now() - timedelta(seconds=1))
    assert Client().get(f"/login/captcha/{key}.png").status_code == 404
    post_login(client, cast.password, captcha_key=key, captcha=answer)
    assert not logged_in(client, cast)


@override_settings(**LIMITS)
def test_unknown_names_see_the_captcha_alike(cast):
    client = Client()
    for n in range(2):
        response = client.post("/login/", {"login": "no-such-person", "password": f"g{n}"})
    assert shown_key(response) is not None


@override_settings(**LIMITS)
def test_the_owners_browser_never_sees_it(cast):
    browser = Client()
    assert post_login(browser, cast.password).status_code == 302
    assert COOKIE_NAME in browser.cookies
    browser.post("/logout/")
    fail_twice(Client())  # someone else spends the shared budget
    for _ in range(3):
        response = post_login(browser, "typo")
        assert 'name="captcha"' not in response.content.decode()
    assert post_login(browser, cast.password).status_code == 302


def test_picture_and_refresh(cast):
    challenge = captcha_new()
    response = Client().get(f"/login/captcha/{challenge.hashkey}.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG")
    assert "no-store" in response["Cache-Control"]
    fragment = Client().get("/login/captcha/")
    key = shown_key(fragment)
    assert key and key != challenge.hashkey
    assert f"/login/captcha/{key}.png" in fragment.content.decode()
    assert Client().get("/login/captcha/" + "0" * 40 + ".png").status_code == 404


def test_text_avoids_look_alikes_and_comes_from_the_alphabet(db):
    for _ in range(50):
        text = captcha_new().challenge
        assert len(text) == 4
        assert not set(text) & set("0O1IL")


def test_solve_is_single_use_and_case_blind(db):
    challenge = captcha_new()
    assert captcha_solve(key=challenge.hashkey, answer=f" {challenge.response.upper()} ")
    assert not captcha_solve(key=challenge.hashkey, answer=challenge.response)
    assert not captcha_solve(key="", answer="abcd")
    assert not captcha_solve(key="x" * 41, answer="abcd")
    other = captcha_new()
    assert not captcha_solve(key=other.hashkey, answer="")
    assert not CaptchaStore.objects.filter(pk=other.pk).exists()


# --- the token API --------------------------------------------------------------------------


def token(payload):
    return Client().post("/api/v1/auth/tokens", {"login": "niaot-zhangsan", **payload},
                         content_type="application/json", REMOTE_ADDR="172.16.0.9")


@override_settings(**LIMITS)
def test_api_asks_for_the_captcha_and_takes_it(cast):
    assert token({"password": "guess-1"}).status_code == 401
    assert token({"password": "guess-2"}).status_code == 401
    refused = token({"password": cast.password})
    assert refused.status_code == 400
    assert refused.json()["code"] == "captcha_required"
    assert refused.json()["field"] == "captcha"
    challenge = Client().post("/api/v1/auth/captcha")
    assert challenge.status_code == 201
    body = challenge.json()
    assert base64.b64decode(body["image_png_base64"]).startswith(b"\x89PNG")
    assert Client().get(body["image_url"]).status_code == 200
    answer = answer_of(body["key"])
    wrong = token({"password": cast.password, "captcha_key": body["key"], "captcha": "nope"})
    assert wrong.json()["code"] == "captcha_required"
    # The wrong answer used the challenge up; a fresh one with the right answer passes.
    again = token({"password": cast.password, "captcha_key": body["key"], "captcha": answer})
    assert again.json()["code"] == "captcha_required"
    body = Client().post("/api/v1/auth/captcha").json()
    ok = token({"password": cast.password, "captcha_key": body["key"],
                "captcha": answer_of(body["key"])})
    assert ok.status_code == 201, ok.content


@override_settings(**LIMITS)
def test_api_below_the_threshold_asks_nothing(cast):
    assert token({"password": "guess-1"}).status_code == 401
    assert token({"password": cast.password}).status_code == 201


@override_settings(**LIMITS)
def test_django_admin_login_is_no_way_around_it(cast):
    cast.learner.is_staff = True
    cast.learner.save(update_fields=["is_staff"])
    fail_twice(Client())
    response = Client().post("/django-admin/login/", {"username": "niaot-zhangsan",
                                                      "password": cast.password})
    assert response.status_code == 200
    assert "请输入图中的字符" in response.content.decode()
