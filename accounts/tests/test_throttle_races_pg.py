"""20 parallel wrong-password attempts on PostgreSQL never get more guesses through than
the limit (issue 9, finding 2: 6-8 of 20 got through a limit of 5)."""

import threading

import pytest
from django.db import close_old_connections, connection
from django.test import override_settings

from accounts.models import LoginThrottle
from accounts.services import LoginClient, authenticate_with_throttle
from core.errors import DomainError

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def race(calls: list) -> list:
    """Start every call at once, each in its own thread and connection; return the
    DomainError codes (or "ok"). Any other exception fails the test."""
    barrier = threading.Barrier(len(calls))
    outcomes, errors = [], []

    def act(call):
        try:
            barrier.wait()
            call()
            outcomes.append("ok")
        except DomainError as exc:
            outcomes.append(exc.code)
        except Exception as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)
        finally:
            connection.close()
            close_old_connections()

    threads = [threading.Thread(target=act, args=(call,)) for call in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    return outcomes


@override_settings(XUESHI_LOGIN_FAILURES_ALLOWED=5, XUESHI_LOGIN_COOLOFF_SECONDS=900)
@pytest.mark.parametrize("identifier", ["niaot-zhangsan", "no-such-person"])
def test_twenty_parallel_guesses_never_pass_the_limit(cast, identifier):
    for trial in range(30):
        LoginThrottle.objects.all().delete()
        outcomes = race([
            lambda n=n, trial=trial: authenticate_with_throttle(
                identifier=identifier, password=f"guess-{trial}-{n}",
                client=LoginClient(ip=f"172.16.{trial}.{n}"))
            for n in range(20)])
        assert outcomes.count("bad_credentials") == 5, (trial, outcomes)
        assert outcomes.count("throttled") == 15, (trial, outcomes)
