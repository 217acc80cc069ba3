"""The login throttle with device cookies (issue 9, finding 2): an attacker cannot lock
the owner out of their browser, guessing is bounded per account across addresses, and
the proxy setting that decides the address is read and checked."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client, RequestFactory, override_settings
from django.utils import timezone

from accounts.devices import COOKIE_NAME
from accounts.models import LoginThrottle
from core.models import AuditEvent
from core.requestcontext import client_ip

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
LIMITS = {"XUESHI_LOGIN_FAILURES_ALLOWED": 5, "XUESHI_LOGIN_COOLOFF_SECONDS": 900,
          "XUESHI_LOGIN_CAPTCHA_AFTER": 100}


def post_login(client, login_name, password, ip="10.0.0.1"):
    return client.post("/login/", {"login": login_name, "password": password}, REMOTE_ADDR=ip)


def owner_browser(cast) -> Client:
    """The owner's usual browser: it has logged in before and keeps the device cookie."""
    browser = Client()
    assert post_login(browser, "niaot-zhangsan", cast.password, ip="10.8.8.8").status_code == 302
    assert COOKIE_NAME in browser.cookies
    browser.post("/logout/")
    return browser


@override_settings(**LIMITS)
def test_owner_with_device_cookie_logs_in_during_an_attack(cast):
    browser = owner_browser(cast)
    attacker = Client()
    for n in range(60):
        post_login(attacker, "niaot-zhangsan", "guess", ip=f"172.16.0.{n % 12}")
    # Clients without the cookie are locked out, whatever their address ...
    assert "失败次数过多" in post_login(Client(), "niaot-zhangsan", cast.password,
                                          ip="10.8.8.8").content.decode()
    # ... the owner's browser is not.
    assert post_login(browser, "niaot-zhangsan", cast.password, ip="10.8.8.8").status_code == 302
    assert browser.session["_auth_user_id"] == str(cast.learner.pk)


@override_settings(**LIMITS)
def test_attacker_from_twelve_addresses_gets_at_most_the_limit(cast):
    attacker = Client()
    for n in range(60):
        post_login(attacker, "niaot-zhangsan", "guess", ip=f"172.16.0.{n % 12}")
    # Only the attempts whose password was checked are audited as failed.
    guesses = AuditEvent.objects.filter(action="login.failed", actor=cast.learner).count()
    assert guesses == 5
    assert AuditEvent.objects.filter(action="login.throttled", actor=cast.learner).count() == 55


@override_settings(**LIMITS)
def test_locks_of_unknown_clients_grow(cast):
    def spend():
        for _ in range(6):
            post_login(Client(), "niaot-zhangsan", "guess", ip="172.16.0.1")
        return LoginThrottle.objects.get(locked_until__isnull=False)

    first = spend()
    first_length = first.locked_until - timezone.now()
    # The lock ends; the attacker spends the next window's budget.
    LoginThrottle.objects.update(locked_until=timezone.now() - timedelta(seconds=1))
    second = spend()
    second_length = second.locked_until - timezone.now()
    assert first_length <= timedelta(seconds=900)
    assert second_length > timedelta(seconds=1700)
    assert second.lockouts == 2


@override_settings(**LIMITS)
def test_token_flood_does_not_lock_the_browser_out(cast):
    browser = owner_browser(cast)
    for n in range(30):
        response = Client().post("/api/v1/auth/tokens", {"login": "niaot-zhangsan",
                                                         "password": "guess"},
                                 content_type="application/json", REMOTE_ADDR=f"172.16.1.{n}")
        assert response.status_code in (401, 429)
    assert response.status_code == 429
    assert post_login(browser, "niaot-zhangsan", cast.password).status_code == 302


@override_settings(**LIMITS)
def test_device_budget_is_its_own_and_bounded(cast):
    browser = owner_browser(cast)
    for _ in range(5):
        assert "用户名或密码错误" in post_login(browser, "niaot-zhangsan", "typo").content.decode()
    # The device's own budget is spent: this browser waits too ...
    assert "失败次数过多" in post_login(browser, "niaot-zhangsan",
                                          cast.password).content.decode()
    # ... but its typos did not lock the account for other clients.
    assert post_login(Client(), "niaot-zhangsan", cast.password).status_code == 302


@override_settings(**LIMITS)
def test_forged_or_other_accounts_device_cookie_counts_as_none(cast):
    browser = owner_browser(cast)
    cookie = browser.cookies[COOKIE_NAME].value
    for _ in range(6):
        post_login(Client(), "niaot-zhangsan", "guess")
    forged = Client()
    forged.cookies[COOKIE_NAME] = cookie[:-3] + "abc"
    assert "失败次数过多" in post_login(forged, "niaot-zhangsan", cast.password).content.decode()
    # zhangsan's device cookie gives no budget of its own for lisi.
    for _ in range(6):
        post_login(Client(), "niaot-lisi", "guess")
    assert "失败次数过多" in post_login(browser, "niaot-lisi", cast.password).content.decode()


def test_device_cookie_flags(cast, settings):
    settings.XUESHI_DEVICE_COOKIE_SECURE = True
    browser = Client()
    response = post_login(browser, "niaot-zhangsan", cast.password)
    morsel = response.cookies[COOKIE_NAME]
    assert morsel["httponly"] and morsel["secure"] and morsel["samesite"] == "Lax"
    assert int(morsel["max-age"]) == 180 * 24 * 3600


# --- XUESHI_TRUSTED_PROXY_COUNT ---------------------------------------------------------

def _settings_value(value: str | None):
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "XUESHI_ENV", "DJANGO_ALLOW_ASYNC_UNSAFE",
                        "XUESHI_TRUSTED_PROXY_COUNT"}}
    if value is not None:
        env["XUESHI_TRUSTED_PROXY_COUNT"] = value
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "-c",
         "from django.conf import settings; print(settings.XUESHI_TRUSTED_PROXY_COUNT)"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("value, expected", [(None, "0"), ("0", "0"), ("1", "1"), ("2", "2")])
def test_proxy_count_is_read_from_the_environment(value, expected):
    result = _settings_value(value)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == expected


@pytest.mark.parametrize("value", ["one", "-1", "1.5", "9", ""])
def test_bad_proxy_count_stops_the_process(value):
    result = _settings_value(value)
    assert result.returncode != 0
    assert "XUESHI_TRUSTED_PROXY_COUNT" in result.stderr


def test_client_address_behind_the_proxy(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2",
                                   HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    settings.XUESHI_TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.2"
    settings.XUESHI_TRUSTED_PROXY_COUNT = 1
    # The entry the proxy appended, not the one the client made up.
    assert client_ip(request) == "203.0.113.7"


# --- pruning stale rows -----------------------------------------------------------------

def _row(key, *, last_attempt, locked_until=None):
    return LoginThrottle.objects.create(key=key, failures=1, last_attempt_at=last_attempt,
                                        locked_until=locked_until)


@override_settings(XUESHI_LOGIN_LOCK_MAX_SECONDS=24 * 3600)
@pytest.mark.parametrize("how", ["command", "task"])
def test_prune_removes_only_stale_rows(db, how):
    from django.core.management import call_command

    from accounts.tasks import prune_login_throttle

    now = timezone.now()
    _row("stale", last_attempt=now - timedelta(days=2))
    _row("recent", last_attempt=now - timedelta(hours=1))
    _row("still-locked", last_attempt=now - timedelta(days=2),
         locked_until=now + timedelta(hours=1))
    if how == "command":
        call_command("prune_throttle", stdout=open(os.devnull, "w"))  # noqa: SIM115
    else:
        prune_login_throttle.call()
    assert set(LoginThrottle.objects.values_list("key", flat=True)) == {"recent", "still-locked"}
