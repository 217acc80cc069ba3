"""A CAPTCHA challenge answers once, also when 20 requests bring the right answer at the
same moment (PostgreSQL, 30 trials)."""

import pytest

from accounts.services import captcha_new, captcha_solve
from accounts.tests.test_throttle_races_pg import race
from core.errors import DomainError, ErrorCode

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def test_twenty_parallel_right_answers_pass_once(db):
    for trial in range(30):
        challenge = captcha_new()

        def solve(key=challenge.hashkey, answer=challenge.response):
            if not captcha_solve(key=key, answer=answer):
                raise DomainError(ErrorCode.CAPTCHA_REQUIRED, "refused")

        outcomes = race([solve for _ in range(20)])
        assert outcomes.count("ok") == 1, (trial, outcomes)
        assert outcomes.count("captcha_required") == 19, (trial, outcomes)
