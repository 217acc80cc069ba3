"""20 simultaneous approvals of one claim on PostgreSQL: one success, one posting."""

import threading

import pytest
from django.db import close_old_connections, connection

from claims.models import ClaimEvent, ClaimStatus
from claims.services import claim_approve, claim_create
from claims.tests.helpers import claim_data
from core.errors import DomainError
from core.models import AuditEvent
from ledger.models import LedgerEntry

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def race(calls: dict) -> dict:
    """Start every call at the same moment, each in its own thread and connection; return
    {name: "ok" or the DomainError code}. Any other exception fails the test."""
    barrier = threading.Barrier(len(calls))
    outcomes, errors = {}, []

    def act(name, call):
        try:
            barrier.wait()
            call()
            outcomes[name] = "ok"
        except DomainError as exc:
            outcomes[name] = exc.code
        except Exception as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)
        finally:
            connection.close()
            close_old_connections()

    threads = [threading.Thread(target=act, args=item) for item in calls.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    return outcomes


def test_twenty_parallel_approvals_credit_once(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    role = cast.institute_admin.roles.get()
    for trial in range(30):
        claim = claim_create(actor=cast.learner, kind="self_study",
                             data=claim_data(category="", hours="2", name=f"读书{trial}"), submit=True)
        outcomes = list(race({n: lambda c=claim: claim_approve(
            actor=cast.institute_admin, role=role, claim_id=c.pk) for n in range(20)}).values())
        assert outcomes.count("ok") == 1 and outcomes.count("conflict") == 19
        assert LedgerEntry.objects.filter(source_kind="claim", source_id=str(claim.pk)).count() == 1
        assert ClaimEvent.objects.filter(claim=claim, to_status=ClaimStatus.APPROVED).count() == 1
        assert AuditEvent.objects.filter(action="claim.approved", object_id=str(claim.pk)).count() == 1


def test_withdraw_racing_an_approval_never_leaves_hours_on_a_draft(cast, settings, tmp_path):
    """The learner withdraws (撤回) while a reviewer approves: exactly one of them wins;
    hours are credited if and only if the claim ends approved."""
    from claims.models import Claim
    from claims.services import claim_withdraw

    settings.MEDIA_ROOT = tmp_path
    role = cast.institute_admin.roles.get()
    for trial in range(20):
        claim = claim_create(actor=cast.learner, kind="self_study",
                             data=claim_data(category="", hours="1", name=f"撤回{trial}"), submit=True)
        outcomes = race({
            "approve": lambda c=claim: claim_approve(actor=cast.institute_admin, role=role,
                                                     claim_id=c.pk),
            "withdraw": lambda c=claim: claim_withdraw(actor=cast.learner, claim_id=c.pk)})
        assert sorted(outcomes.values()) == ["conflict", "ok"], outcomes
        status = Claim.objects.get(pk=claim.pk).status
        credited = LedgerEntry.objects.filter(source_kind="claim", source_id=str(claim.pk)).count()
        if outcomes["approve"] == "ok":
            assert status == ClaimStatus.APPROVED and credited == 1
        else:
            assert status == ClaimStatus.DRAFT and credited == 0


def test_twenty_parallel_submissions_credited_without_review_credit_once(cast, settings, tmp_path):
    """不用审批直接计入: the learner's submission approves and credits in one transaction
    under the claim's row lock; 20 submissions of one draft at once credit it once."""
    from claims.services import claim_settings_set, claim_submit

    settings.MEDIA_ROOT = tmp_path
    claim_settings_set(actor=cast.academy_admin, role=cast.academy_admin.roles.get(), org=cast.academy,
                       required={}, without_review={"online"})
    for trial in range(30):
        claim = claim_create(actor=cast.learner, kind="online",
                             data=claim_data(category="", hours="2", name=f"网课{trial}"))
        outcomes = list(race({n: lambda c=claim: claim_submit(actor=cast.learner, claim_id=c.pk)
                              for n in range(20)}).values())
        assert outcomes.count("ok") == 1 and outcomes.count("conflict") == 19
        assert LedgerEntry.objects.filter(source_kind="claim", source_id=str(claim.pk)).count() == 1
        assert ClaimEvent.objects.filter(claim=claim, to_status=ClaimStatus.APPROVED).count() == 1
