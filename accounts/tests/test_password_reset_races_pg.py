"""忘记密码 on PostgreSQL: a link or an SMS code answers once also when 20 requests bring
it at the same moment, and parallel wrong codes never get more tries than allowed
(30 trials each)."""

import re

import pytest

from accounts.models import PasswordResetCode
from accounts.services import (
    LoginClient,
    password_reset_request,
    password_reset_with_code,
    password_reset_with_link,
    reset_token_generator,
)
from accounts.sms import RecordingSmsBackend
from accounts.tests.test_throttle_races_pg import race

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def person(cast, settings):
    settings.XUESHI_SMS_BACKEND = "accounts.sms.RecordingSmsBackend"
    settings.XUESHI_RESET_REQUESTS_PER_ACCOUNT = 1000
    settings.XUESHI_RESET_REQUESTS_PER_ADDRESS = 1000
    settings.XUESHI_RESET_CODE_ATTEMPTS = 5
    cast.learner.mobile = "13800138000"
    cast.learner.save(update_fields=["mobile"])
    return cast.learner


def new_code(person) -> str:
    RecordingSmsBackend.outbox.clear()
    password_reset_request(identifier=person.login_name, channel="sms",
                           client=LoginClient(ip="10.0.0.1"), link_for=lambda u, t: "")
    return re.search(r"\b(\d{6})\b", RecordingSmsBackend.outbox[-1][1]).group(1)


def test_twenty_parallel_uses_of_one_link_set_the_password_once(person):
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(person.pk))
    for trial in range(30):
        person.refresh_from_db()
        token = reset_token_generator.make_token(person)
        outcomes = race([
            lambda n=n, trial=trial, token=token: password_reset_with_link(
                uidb64=uid, token=token, new_password=f"Xingyun-{trial}-{n}-Tianwen",
                client=LoginClient(ip="10.0.0.2"))
            for n in range(20)])
        assert outcomes.count("ok") == 1, (trial, outcomes)
        assert outcomes.count("invalid") == 19, (trial, outcomes)


def test_twenty_parallel_uses_of_one_code_set_the_password_once(person):
    for trial in range(30):
        code = new_code(person)
        outcomes = race([
            lambda n=n, trial=trial, code=code: password_reset_with_code(
                identifier=person.login_name, code=code,
                new_password=f"Xingyun-{trial}-{n}-Tianwen", client=LoginClient(ip="10.0.0.3"))
            for n in range(20)])
        assert outcomes.count("ok") == 1, (trial, outcomes)
        assert outcomes.count("invalid") == 19, (trial, outcomes)


def test_twenty_parallel_wrong_codes_get_only_the_allowed_tries(person):
    for trial in range(30):
        code = new_code(person)
        wrong = f"{(int(code) + 1) % 10 ** 6:06d}"
        outcomes = race([
            lambda wrong=wrong: password_reset_with_code(identifier=person.login_name, code=wrong,
                                             new_password="Xingyun-Tianwen-2027",
                                             client=LoginClient(ip="10.0.0.4"))
            for _ in range(20)])
        assert outcomes == ["invalid"] * 20, (trial, outcomes)
        assert PasswordResetCode.objects.filter(used_at__isnull=True).get().attempts == 5
