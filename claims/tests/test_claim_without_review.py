"""不用审批直接计入 (seed 003): a kind an organisation credits without review is approved
by the system as the learner submits it, audited as such, and still revocable."""

import pytest
from django.db.models import Sum

from claims.models import Claim, ClaimEvent, ClaimStatus
from claims.services import (
    claim_create,
    claim_revoke_approval,
    claim_settings_set,
    claim_submit,
    claims_submit,
)
from claims.tests.helpers import YEAR, claim_data
from claims.tests.test_claim_settings import bearer
from conftest import enter_admin, login
from core.models import AuditEvent
from ledger.models import LedgerEntry
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def online(**overrides):
    return claim_data(category="", hours="2", **overrides)


def credit_online(cast, org=None, actor=None):
    actor = actor or cast.academy_admin
    claim_settings_set(actor=actor, role=actor.roles.get(), org=org or cast.academy, required={},
                       without_review={"online"})


def credited(person) -> int:
    return LedgerEntry.objects.filter(person=person).aggregate(m=Sum("minutes"))["m"] or 0


def test_submitted_claim_is_approved_by_the_system_and_audited(cast):
    credit_online(cast)  # set on the academy: it holds for its institutes' learners
    claim = claim_create(actor=cast.learner, kind="online", data=online(), submit=True)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED and claim.decided_by is None
    assert credited(cast.learner) == 120
    event = ClaimEvent.objects.filter(claim=claim).last()
    assert (event.from_status, event.to_status, event.actor) == ("submitted", "approved", None)
    assert event.reason  # says why: the organisation's setting
    audit = AuditEvent.objects.get(action="claim.approved", object_id=str(claim.pk))
    assert audit.actor is None and audit.actor_label.startswith("system")
    assert "niaot-zhangsan" in audit.actor_label
    submitted = AuditEvent.objects.get(action="claim.submitted", object_id=str(claim.pk))
    assert submitted.actor == cast.learner
    # Nobody is asked to review it; the learner hears it was credited.
    assert not Notification.objects.filter(kind="claim.submitted").exists()
    assert Notification.objects.filter(kind="claim.approved", recipient=cast.learner).exists()


def test_other_kinds_and_other_organisations_still_go_to_review(cast):
    credit_online(cast, org=cast.niaot, actor=cast.institute_admin)
    training = claim_create(actor=cast.learner, kind="external_training", data=claim_data(), submit=True)
    assert training.status == ClaimStatus.SUBMITTED
    outsider = claim_create(actor=cast.outsider_learner, kind="online", data=online(), submit=True)
    assert outsider.status == ClaimStatus.SUBMITTED  # 金属所 is not 天光所
    # A draft is submitted later (singly or in a batch): credited at that moment.
    draft = claim_create(actor=cast.learner, kind="online", data=online(name="网课一"))
    other = claim_create(actor=cast.learner, kind="online", data=online(name="网课二"))
    assert claim_submit(actor=cast.learner, claim_id=draft.pk).status == ClaimStatus.APPROVED
    claims_submit(actor=cast.learner, claim_ids=[other.pk])
    assert Claim.objects.get(pk=other.pk).status == ClaimStatus.APPROVED
    assert credited(cast.learner) == 240


def test_an_admin_revokes_a_claim_credited_without_review(cast):
    credit_online(cast)
    claim = claim_create(actor=cast.learner, kind="online", data=online(), submit=True)
    claim_revoke_approval(actor=cast.institute_admin, role=cast.institute_admin.roles.get(), claim_id=claim.pk,
                          reason="非学习平台课程")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.REVOKED and credited(cast.learner) == 0


def test_learner_page_says_credited_and_settings_page_and_api(cast, client):
    enter_admin(client, cast.institute_admin)
    page = client.get("/manage/claims/settings/").content.decode()
    assert 'name="online__without_review"' in page and "不用审批直接计入" in page
    response = client.post("/manage/claims/settings/", {"org": cast.niaot.pk, "online__without_review": "on"})
    assert response.status_code == 302
    client.logout()
    login(client, cast.learner)
    response = client.post("/learning/external/online/new/", {
        "year": YEAR, "name": "网络课程", "start": f"{YEAR}-03-10", "end": f"{YEAR}-03-10", "hours": "2",
        "action": "submit"}, follow=True)
    assert "已直接计入" in response.content.decode()
    assert Claim.objects.get().status == ClaimStatus.APPROVED
    api = bearer(cast.institute_admin, admin=True)
    kinds = {k["kind"]: k for k in api.get(f"/api/v1/claims/settings/{cast.niaot.pk}").json()["kinds"]}
    assert kinds["online"]["credited_without_review"] and not kinds["self_study"]["credited_without_review"]
    response = api.put(f"/api/v1/claims/settings/{cast.niaot.pk}", {"kinds": [
        {"kind": "online", "credited_without_review": False}]}, content_type="application/json")
    assert response.status_code == 200
    assert not {k["kind"]: k for k in response.json()["kinds"]}["online"]["credited_without_review"]
