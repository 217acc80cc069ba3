"""忘记密码 (issue 9, seed 003): a single-use link by email or a code by SMS, throttled,
telling nothing about which accounts exist; the new password follows the policy, ends
every session and token, is audited and notified."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.models import PasswordResetCode
from accounts.services import reset_token_generator, token_create
from accounts.sms import RecordingSmsBackend
from core.models import AuditEvent
from notifications.models import Notification

pytestmark = pytest.mark.django_db

NEW = "Xingyun-Tianwen-2027"
LINK = re.compile(r"http://testserver(/password/reset/([^/]+)/([^/]+)/)")


@pytest.fixture(autouse=True)
def _reset_settings(settings):
    settings.XUESHI_SMS_BACKEND = "accounts.sms.RecordingSmsBackend"
    settings.XUESHI_RESET_REQUESTS_PER_ACCOUNT = 3
    settings.XUESHI_RESET_REQUESTS_PER_ADDRESS = 20
    settings.XUESHI_RESET_CODE_ATTEMPTS = 5
    RecordingSmsBackend.outbox.clear()


@pytest.fixture
def person(cast):
    cast.learner.email = "zhangsan@niaot.example"
    cast.learner.mobile = "13800138000"
    cast.learner.save(update_fields=["email", "mobile"])
    return cast.learner


def ask(login, channel="email", ip="10.0.0.1", client=None):
    return (client or Client()).post("/password/reset/", {"login": login, "channel": channel},
                                     REMOTE_ADDR=ip)


def link_in_mail() -> tuple[str, str, str]:
    assert len(mail.outbox) == 1
    return LINK.search(mail.outbox[0].body).groups()


def set_by_link(path, password=NEW, client=None):
    client = client or Client()
    first = client.get(path)
    assert first.status_code == 302
    return client, client.post(first["Location"], {"new_password": password,
                                                   "new_password2": password})


def sms_code() -> str:
    return re.search(r"\b(\d{6})\b", RecordingSmsBackend.outbox[-1][1]).group(1)


def test_login_page_links_to_forgot_password(db):
    assert 'href="/password/reset/"' in Client().get("/login/").content.decode()
    page = Client().get("/password/reset/").content.decode()
    assert "忘记密码" in page and 'value="sms"' in page


def test_same_answer_whether_or_not_the_account_exists(person, cast):
    cast.colleague.email = None
    cast.colleague.save(update_fields=["email"])
    answers = []
    for login in ("niaot-zhangsan", "no-such-person", "niaot-lisi"):
        client = Client()
        response = ask(login, client=client)
        assert response.status_code == 302 and response["Location"] == "/login/"
        page = client.get("/login/").content.decode().split("<main")[1]
        answers.append(re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page))
    assert answers[0] == answers[1] == answers[2]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["zhangsan@niaot.example"]
    # The same work on every path: one audit row each.
    assert AuditEvent.objects.filter(action="password_reset.requested").count() == 3


def test_email_link_sets_the_password_and_ends_sessions_and_tokens(person, cast):
    old_session = Client()
    assert old_session.post("/login/", {"login": "niaot-zhangsan",
                                        "password": cast.password}).status_code == 302
    _token, secret = token_create(user=person)
    ask("zhangsan@niaot.example")
    path, _uid, token = link_in_mail()
    assert "30" in mail.outbox[0].body
    client, response = set_by_link(path)
    assert response.status_code == 302 and response["Location"] == "/login/"
    person.refresh_from_db()
    assert person.check_password(NEW)
    # The token is not kept in the address: the form lives at /password/reset/new/.
    assert token not in client.get("/password/reset/new/").get("Location", "")
    # Every session and token of the person has ended.
    assert old_session.get("/").status_code == 302
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401
    assert AuditEvent.objects.filter(action="password.reset_by_self", actor=person).count() == 1
    assert Notification.objects.filter(recipient=person, kind="password.reset").exists()
    assert Client().post("/login/", {"login": "niaot-zhangsan", "password": NEW}).status_code == 302


def test_a_link_answers_once(person):
    ask("niaot-zhangsan")
    path, _uid, _token = link_in_mail()
    set_by_link(path)
    again = Client().get(path)
    assert again.status_code == 302 and again["Location"] == "/password/reset/"
    person.refresh_from_db()
    assert person.check_password(NEW)


def test_an_expired_link_is_refused(person, settings):
    old = reset_token_generator._num_seconds(reset_token_generator._now()) - 1801
    token = reset_token_generator._make_token_with_timestamp(
        person, old, reset_token_generator.secret)
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(person.pk))
    assert settings.PASSWORD_RESET_TIMEOUT == 1800
    assert Client().get(f"/password/reset/{uid}/{token}/")["Location"] == "/password/reset/"
    response = Client().post("/api/v1/auth/password-reset/link",
                             {"uid": uid, "token": token, "new_password": NEW},
                             content_type="application/json")
    assert response.status_code == 400 and response.json()["field"] == "token"


@pytest.mark.parametrize("weak", ["Abcd1234", "123456", "niaot-zhangsan-1"])
def test_the_new_password_follows_the_policy(person, weak):
    ask("niaot-zhangsan")
    path, _uid, _token = link_in_mail()
    client, response = set_by_link(path, password=weak)
    assert response.status_code == 200
    assert 'data-field="new_password"' in response.content.decode()
    person.refresh_from_db()
    assert not person.check_password(weak)
    # The refused try did not use the link up.
    response = client.post("/password/reset/new/", {"new_password": NEW, "new_password2": NEW})
    assert response.status_code == 302


def test_requests_are_throttled_per_account_and_per_address(person):
    for n in range(3):
        assert ask(["niaot-zhangsan", "zhangsan@niaot.example", "13800138000"][n],
                   ip=f"10.0.1.{n}").status_code == 302
    refused = ask("niaot-zhangsan", ip="10.0.1.9")
    assert refused.status_code == 200 and "失败次数过多" in refused.content.decode()
    assert len(mail.outbox) == 3
    # Unknown names are throttled alike (nothing to tell them apart).
    for _ in range(3):
        ask("nobody-here", ip="10.0.2.1")
    assert "失败次数过多" in ask("nobody-here", ip="10.0.2.2").content.decode()
    # Per address: many names from one address.
    for n in range(20):
        ask(f"someone-{n}", ip="10.0.3.1")
    assert "失败次数过多" in ask("someone-else", ip="10.0.3.1").content.decode()
    assert AuditEvent.objects.filter(action="password_reset.throttled").count() == 3


def test_sms_code_is_hashed_and_sets_the_password(person):
    response = ask("niaot-zhangsan", channel="sms")
    assert response["Location"] == "/password/reset/code/"
    assert RecordingSmsBackend.outbox[0][0] == "13800138000"
    code = sms_code()
    row = PasswordResetCode.objects.get(user=person)
    assert code not in row.code_hash and len(row.code_hash) == 64
    client = Client()
    page = client.get("/password/reset/code/")
    assert page.status_code == 200
    response = client.post("/password/reset/code/", {
        "login": "niaot-zhangsan", "code": code, "new_password": NEW, "new_password2": NEW})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.check_password(NEW)
    # The code answers once.
    again = Client().post("/api/v1/auth/password-reset/code", {
        "login": "niaot-zhangsan", "code": code, "new_password": "Another-Pass-2028"},
        content_type="application/json")
    assert again.status_code == 400 and again.json()["field"] == "code"


def test_sms_code_allows_a_few_attempts(person):
    ask("niaot-zhangsan", channel="sms")
    code = sms_code()
    wrong = f"{(int(code) + 1) % 10 ** 6:06d}"
    for _ in range(5):
        response = Client().post("/api/v1/auth/password-reset/code", {
            "login": "niaot-zhangsan", "code": wrong, "new_password": NEW},
            content_type="application/json")
        assert response.status_code == 400
    right = Client().post("/api/v1/auth/password-reset/code", {
        "login": "niaot-zhangsan", "code": code, "new_password": NEW},
        content_type="application/json")
    assert right.status_code == 400
    assert PasswordResetCode.objects.get(user=person).attempts == 5
    person.refresh_from_db()
    assert not person.check_password(NEW)
    assert AuditEvent.objects.filter(action="password_reset.code_failed").count() == 6


def test_sms_code_expires_and_a_new_one_ends_the_old(person):
    ask("niaot-zhangsan", channel="sms")
    first = sms_code()
    ask("niaot-zhangsan", channel="sms")
    second = sms_code()
    body = {"login": "13800138000", "new_password": NEW}
    if first != second:
        assert Client().post("/api/v1/auth/password-reset/code", {**body, "code": first},
                             content_type="application/json").status_code == 400
    PasswordResetCode.objects.filter(used_at__isnull=True).update(
        expires_at=timezone.now() - timedelta(seconds=1))
    assert Client().post("/api/v1/auth/password-reset/code", {**body, "code": second},
                         content_type="application/json").status_code == 400
    person.refresh_from_db()
    assert not person.check_password(NEW)


def test_unknown_and_addressless_accounts_get_no_sms_and_the_same_answer(person, cast):
    for login in ("no-such-person", "niaot-lisi"):
        response = ask(login, channel="sms")
        assert response["Location"] == "/password/reset/code/"
    assert RecordingSmsBackend.outbox == []
    response = Client().post("/api/v1/auth/password-reset/code", {
        "login": "no-such-person", "code": "123456", "new_password": NEW},
        content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "invalid"


def test_without_an_sms_backend_only_email_is_offered(person, settings):
    settings.XUESHI_SMS_BACKEND = ""
    assert 'value="sms"' not in Client().get("/password/reset/").content.decode()
    response = Client().post("/api/v1/auth/password-reset",
                             {"login": "niaot-zhangsan", "channel": "sms"},
                             content_type="application/json")
    assert response.status_code == 400 and response.json()["field"] == "channel"


def test_api_request_answers_alike_and_the_link_works(person):
    answers = []
    for login in ("niaot-zhangsan", "no-such-person"):
        response = Client().post("/api/v1/auth/password-reset", {"login": login},
                                 content_type="application/json")
        assert response.status_code == 202
        answers.append(response.json())
    assert answers[0] == answers[1]
    _path, uid, token = link_in_mail()
    response = Client().post("/api/v1/auth/password-reset/link",
                             {"uid": uid, "token": token, "new_password": NEW},
                             content_type="application/json")
    assert response.status_code == 204
    again = Client().post("/api/v1/auth/password-reset/link",
                          {"uid": uid, "token": token, "new_password": "Another-Pass-2028"},
                          content_type="application/json")
    assert again.status_code == 400
    person.refresh_from_db()
    assert person.check_password(NEW)


def test_api_throttles_with_429(person):
    for _ in range(3):
        Client().post("/api/v1/auth/password-reset", {"login": "niaot-zhangsan"},
                      content_type="application/json")
    response = Client().post("/api/v1/auth/password-reset", {"login": "niaot-zhangsan"},
                             content_type="application/json")
    assert response.status_code == 429 and response.json()["code"] == "throttled"


def test_a_deactivated_person_gets_nothing(person):
    person.is_active = False
    person.save(update_fields=["is_active"])
    ask("niaot-zhangsan")
    assert mail.outbox == []
