"""Claims: the workflow, the rules and the faults (issue 4)."""

import itertools
from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from claims.models import Attachment, Claim, ClaimEvent, ClaimStatus
from claims.services import (
    claim_approve,
    claim_create,
    claim_create_on_behalf,
    claim_reject,
    claim_revoke_approval,
    claim_submit,
    claim_update,
    claims_decide,
    claims_delete,
    window_close,
    window_open,
)
from claims.tests.helpers import PNG, YEAR, claim_data, pdf
from core.errors import DomainError, ErrorCode
from core.workflow import transition
from ledger.models import LedgerEntry
from ledger.queries import year_progress
from notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored_files(media):
    folder = Path(media) / "claims"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def role(user):
    return user.roles.get()


def submitted(cast, **overrides):
    return claim_create(actor=cast.learner, kind="external_training", data=claim_data(**overrides),
                        files=[pdf()], submit=True)


def test_learner_creates_submits_admin_approves_once(cast):
    claim = submitted(cast)
    assert claim.status == ClaimStatus.SUBMITTED
    assert Notification.objects.filter(recipient=cast.institute_admin, kind="claim.submitted").exists()
    assert Notification.objects.filter(recipient=cast.dept_admin, kind="claim.submitted").exists()
    claim_approve(actor=cast.institute_admin, role=role(cast.institute_admin), claim_id=claim.pk)
    assert year_progress(cast.learner, YEAR).total_minutes == 16 * 60
    with pytest.raises(DomainError) as exc:
        claim_approve(actor=cast.institute_admin, role=role(cast.institute_admin), claim_id=claim.pk)
    assert exc.value.code == ErrorCode.CONFLICT
    assert LedgerEntry.objects.filter(source_kind="claim", source_id=str(claim.pk)).count() == 1
    assert Notification.objects.filter(recipient=cast.learner, kind="claim.approved").exists()
    assert list(ClaimEvent.objects.filter(claim=claim).values_list("to_status", flat=True)) == [
        "draft", "submitted", "approved"]


# The workflow as the issue states it: (from, action) → to. A change to
# claims.models.CLAIM_WORKFLOW must change this too.
EXPECTED_STEPS = {
    ("draft", "submit"): "submitted",  # the learner submits
    ("rejected", "submit"): "submitted",  # fixed and resubmitted
    ("submitted", "withdraw"): "draft",  # the learner withdraws (撤回) before a decision
    ("submitted", "approve"): "approved", ("submitted", "reject"): "rejected",  # the reviewer
    ("approved", "revoke"): "revoked",  # an audited reversal
}
EXPECTED_AUDIT = {"submit": "claim.submitted", "withdraw": "claim.withdrawn", "approve": "claim.approved",
                  "reject": "claim.rejected", "revoke": "claim.revoked"}


def test_workflow_walks_every_state_and_action(cast):
    """Every status × every action of the claims table: an allowed step moves, stamps and
    logs (history + audit); any other is 409 and writes nothing."""
    from core.models import AuditEvent

    workflow = Claim.workflow
    assert {key: step.target for key, step in workflow.table.items()} == EXPECTED_STEPS
    claim = claim_create(actor=cast.learner, kind="self_study", data=claim_data(category="", hours="2"))
    for here, action in itertools.product(ClaimStatus.values, workflow.actions):
        Claim.objects.filter(pk=claim.pk).update(status=here, reject_reason="old", submitted_at=None,
                                                 decided_at=None, decided_by=None)
        claim.refresh_from_db()
        events, audits = ClaimEvent.objects.count(), AuditEvent.objects.count()
        row = Claim.objects.filter(pk=claim.pk).values().get()
        if (here, action) in EXPECTED_STEPS:
            there = EXPECTED_STEPS[(here, action)]
            transition(claim, action, actor=cast.institute_admin, reason="为何")
            claim.refresh_from_db()
            assert claim.status == there, (here, action)
            event = ClaimEvent.objects.filter(claim=claim).last()
            assert ClaimEvent.objects.count() == events + 1
            assert (event.from_status, event.to_status, event.actor, event.reason) == (
                here, there, cast.institute_admin, "为何")
            audit = AuditEvent.objects.order_by("id").last()
            assert AuditEvent.objects.count() == audits + 1
            assert (audit.action, audit.object_id, audit.before, audit.after) == (
                EXPECTED_AUDIT[action], str(claim.pk), {"status": here}, {"status": there})
            if there == ClaimStatus.SUBMITTED:
                assert claim.submitted_at is not None and claim.reject_reason == ""
            if there == ClaimStatus.DRAFT:
                assert claim.submitted_at is None  # out of the review queue's order
            if there in (ClaimStatus.APPROVED, ClaimStatus.REJECTED, ClaimStatus.REVOKED):
                assert claim.decided_by == cast.institute_admin and claim.decided_at is not None
            if there == ClaimStatus.REJECTED:
                assert claim.reject_reason == "为何"
        else:
            with pytest.raises(DomainError) as exc:
                transition(claim, action, actor=cast.institute_admin, reason="为何")
            assert exc.value.code == ErrorCode.CONFLICT and exc.value.status == 409, (here, action)
            assert Claim.objects.filter(pk=claim.pk).values().get() == row
            assert (ClaimEvent.objects.count(), AuditEvent.objects.count()) == (events, audits)


def test_workflow_takes_a_target_status_too(cast):
    claim = claim_create(actor=cast.learner, kind="self_study", data=claim_data(category="", hours="2"))
    transition(claim, ClaimStatus.SUBMITTED, actor=cast.learner)
    assert claim.status == ClaimStatus.SUBMITTED
    with pytest.raises(DomainError) as exc:
        transition(claim, ClaimStatus.REVOKED, actor=cast.learner)
    assert exc.value.code == ErrorCode.CONFLICT
    with pytest.raises(ValueError):
        transition(claim, "explode", actor=cast.learner)


def test_approving_a_draft_or_a_rejected_claim_is_409(cast):
    draft = claim_create(actor=cast.learner, kind="external_training", data=claim_data())
    with pytest.raises(DomainError) as exc:
        claim_approve(actor=cast.institute_admin, role=role(cast.institute_admin), claim_id=draft.pk)
    assert exc.value.status == 409
    rejected = submitted(cast, name="另一个")
    claim_reject(actor=cast.institute_admin, role=role(cast.institute_admin), claim_id=rejected.pk,
                 reason="缺少证书")
    with pytest.raises(DomainError):
        claim_approve(actor=cast.institute_admin, role=role(cast.institute_admin), claim_id=rejected.pk)
    assert not LedgerEntry.objects.exists()


def test_rejected_claim_is_fixed_and_resubmitted(cast):
    claim = submitted(cast)
    with pytest.raises(DomainError) as exc:
        claim_reject(actor=cast.institute_admin, role=role(cast.institute_admin), claim_id=claim.pk, reason=" ")
    assert exc.value.field == "reason"
    claim_reject(actor=cast.institute_admin, role=role(cast.institute_admin), claim_id=claim.pk,
                 reason="请上传结业证书")
    claim.refresh_from_db()
    assert claim.reject_reason == "请上传结业证书"
    claim_update(actor=cast.learner, claim_id=claim.pk, data=claim_data(hours="12"))
    claim_submit(actor=cast.learner, claim_id=claim.pk)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED and claim.minutes == 720 and claim.reject_reason == ""


def test_learner_cannot_edit_approved_or_others_claims(cast):
    claim = submitted(cast)
    claim_approve(actor=cast.institute_admin, role=role(cast.institute_admin), claim_id=claim.pk)
    with pytest.raises(DomainError) as exc:
        claim_update(actor=cast.learner, claim_id=claim.pk, data=claim_data(hours="99"))
    assert exc.value.code == ErrorCode.CONFLICT
    with pytest.raises(DomainError) as exc:
        claims_delete(actor=cast.learner, claim_ids=[claim.pk])
    assert exc.value.code == ErrorCode.CONFLICT
    with pytest.raises(DomainError) as exc:
        claim_update(actor=cast.colleague, claim_id=claim.pk, data=claim_data())
    assert exc.value.code == ErrorCode.NOT_FOUND


def test_outsider_and_weak_roles(cast):
    claim = submitted(cast)
    with pytest.raises(DomainError) as exc:
        claim_approve(actor=cast.outsider_admin, role=role(cast.outsider_admin), claim_id=claim.pk)
    assert exc.value.code == ErrorCode.NOT_FOUND
    with pytest.raises(DomainError) as exc:
        claim_approve(actor=cast.class_admin, role=role(cast.class_admin), claim_id=claim.pk)
    assert exc.value.code == ErrorCode.FORBIDDEN
    own = claim_create(actor=cast.dept_admin, kind="external_training", data=claim_data(), submit=True)
    with pytest.raises(DomainError) as exc:
        claim_approve(actor=cast.dept_admin, role=role(cast.dept_admin), claim_id=own.pk)
    assert exc.value.code == ErrorCode.FORBIDDEN
    assert not LedgerEntry.objects.exists()


@pytest.mark.parametrize("overrides, field", [
    ({"hours": "-1"}, "hours"), ({"hours": "0"}, "hours"), ({"hours": "1e9"}, "hours"),
    ({"hours": "abc"}, "hours"), ({"hours": "NaN"}, "hours"), ({"hours": "1.234"}, "hours"),
    ({"hours": "100"}, "hours"),  # more than three days hold
    ({"end": date(YEAR, 3, 1)}, "end"), ({"purpose": "x" * 301}, "purpose"),
    ({"content": "x" * 301}, "content"), ({"name": ""}, "name"), ({"category": "nonsense"}, "category"),
    ({"cost": "-1"}, "cost"), ({"cost": "abc"}, "cost"), ({"start": date(YEAR - 1, 12, 31)}, "start"),
    ({"year": YEAR + 1, "start": date(YEAR + 1, 1, 1), "end": date(YEAR + 1, 1, 2)}, "year"),
])
def test_bad_input_leaves_nothing(cast, media, overrides, field):
    with pytest.raises(DomainError) as exc:
        claim_create(actor=cast.learner, kind="external_training", data=claim_data(**overrides),
                     files=[pdf()])
    assert exc.value.field == field
    assert not Claim.objects.exists() and not Attachment.objects.exists()
    assert stored_files(media) == []


@pytest.mark.parametrize("upload, code", [
    (SimpleUploadedFile("x.pdf", b"MZ\x90\x00 this is an exe" * 10), ErrorCode.BAD_FILE),
    (SimpleUploadedFile("x.pdf", b"<html><script>alert(1)</script></html>"), ErrorCode.BAD_FILE),
    (SimpleUploadedFile("x.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>1</script></svg>"),
     ErrorCode.BAD_FILE),
    (SimpleUploadedFile("empty.pdf", b""), ErrorCode.BAD_FILE),
])
def test_bad_files_are_refused(cast, media, upload, code):
    with pytest.raises(DomainError) as exc:
        claim_create(actor=cast.learner, kind="external_training", data=claim_data(), files=[upload])
    assert exc.value.code == code
    assert not Claim.objects.exists() and stored_files(media) == []


def test_too_large_file_is_413_and_nothing_left(cast, media, settings):
    settings.XUESHI_CLAIM_MAX_FILE_BYTES = 1024
    with pytest.raises(DomainError) as exc:
        claim_create(actor=cast.learner, kind="external_training", data=claim_data(),
                     files=[pdf(content=b"%PDF-1.4" + b"0" * 2048)])
    assert exc.value.status == 413
    assert not Claim.objects.exists() and stored_files(media) == []


def test_path_names_are_never_used(cast, media):
    claim = claim_create(actor=cast.learner, kind="external_training", data=claim_data(),
                         files=[pdf(name="../../x.pdf"), SimpleUploadedFile("photo.png", PNG)])
    names = list(claim.attachments.values_list("original_name", "content_type", "stored_name"))
    assert [(n, t) for n, t, _s in names] == [("x.pdf", "application/pdf"), ("photo.png", "image/png")]
    assert all(".." not in s and "/" not in s for _n, _t, s in names)
    assert sorted(s for *_x, s in names) == stored_files(media)


def test_too_many_attachments(cast, settings):
    settings.XUESHI_CLAIM_MAX_FILES = 2
    with pytest.raises(DomainError) as exc:
        claim_create(actor=cast.learner, kind="external_training", data=claim_data(),
                     files=[pdf(), pdf(), pdf()])
    assert exc.value.field == "attachments" and not Claim.objects.exists()


def test_delete_removes_files_on_commit(cast, media, django_capture_on_commit_callbacks):
    a = claim_create(actor=cast.learner, kind="external_training", data=claim_data(), files=[pdf()])
    b = claim_create(actor=cast.learner, kind="self_study", data=claim_data(category="", hours="1"))
    assert len(stored_files(media)) == 1
    with django_capture_on_commit_callbacks() as pending:
        assert claims_delete(actor=cast.learner, claim_ids=[a.pk, b.pk]) == 2
    # Until the transaction commits the file stays: a rollback would keep the row.
    assert len(stored_files(media)) == 1 and len(pending) == 1
    pending[0]()
    assert stored_files(media) == [] and not Claim.objects.exists()


def test_closed_year_needs_a_window(cast):
    last = YEAR - 1
    data = claim_data(year=last, start=date(last, 11, 1), end=date(last, 11, 2), hours="8")
    with pytest.raises(DomainError) as exc:
        claim_create(actor=cast.learner, kind="external_training", data=data)
    assert exc.value.code == ErrorCode.WINDOW_CLOSED and exc.value.status == 409
    from django.utils import timezone

    today = timezone.localdate()
    window = window_open(actor=cast.institute_admin, role=role(cast.institute_admin), org=cast.niaot,
                         year=last, opens_on=today, closes_on=today)
    claim_create(actor=cast.learner, kind="external_training", data=data)
    window_close(actor=cast.institute_admin, role=role(cast.institute_admin), window_id=window.pk)
    with pytest.raises(DomainError):
        claim_create(actor=cast.learner, kind="external_training", data={**data, "name": "又一个"})
    with pytest.raises(DomainError) as exc:
        window_open(actor=cast.outsider_admin, role=role(cast.outsider_admin), org=cast.niaot,
                    year=last, opens_on=today, closes_on=today)
    assert exc.value.code == ErrorCode.NOT_FOUND


def test_on_behalf_is_approved_at_once_and_attributed(cast):
    claim = claim_create_on_behalf(actor=cast.institute_admin, role=role(cast.institute_admin),
                                   owner=cast.learner, kind="self_study",
                                   data=claim_data(category="", hours="3"))
    assert claim.status == ClaimStatus.APPROVED and claim.created_by == cast.institute_admin
    assert LedgerEntry.objects.get(source_id=str(claim.pk)).credited_by == cast.institute_admin
    with pytest.raises(DomainError) as exc:
        claim_create_on_behalf(actor=cast.outsider_admin, role=role(cast.outsider_admin),
                               owner=cast.learner, kind="self_study", data=claim_data(category="", hours="3"))
    assert exc.value.code == ErrorCode.NOT_FOUND


def test_revoke_approval_reverses_the_hours(cast):
    claim = submitted(cast)
    claim_approve(actor=cast.institute_admin, role=role(cast.institute_admin), claim_id=claim.pk)
    claim_revoke_approval(actor=cast.institute_admin, role=role(cast.institute_admin),
                          claim_id=claim.pk, reason="证书系伪造")
    assert year_progress(cast.learner, YEAR).total_minutes == 0
    assert LedgerEntry.objects.filter(source_id=str(claim.pk)).count() == 2


def test_batch_decisions_are_all_or_nothing(cast):
    one, two = submitted(cast, name="一"), submitted(cast, name="二")
    draft = claim_create(actor=cast.learner, kind="external_training", data=claim_data(name="三"))
    with pytest.raises(DomainError):
        claims_decide(actor=cast.institute_admin, role=role(cast.institute_admin),
                      claim_ids=[one.pk, two.pk, draft.pk], approve=True)
    assert not LedgerEntry.objects.exists()
    assert Claim.objects.filter(status=ClaimStatus.APPROVED).count() == 0
    assert claims_decide(actor=cast.institute_admin, role=role(cast.institute_admin),
                         claim_ids=[one.pk, two.pk], approve=True) == 2
    assert year_progress(cast.learner, YEAR).total_minutes == 32 * 60


def test_self_study_and_online_count_in_their_classes(cast):
    s = claim_create(actor=cast.learner, kind="self_study", data=claim_data(category="", hours="12"), submit=True)
    o = claim_create(actor=cast.learner, kind="online", data=claim_data(category="", hours="2"), submit=True)
    claims_decide(actor=cast.institute_admin, role=role(cast.institute_admin), claim_ids=[s.pk, o.pk], approve=True)
    progress = year_progress(cast.learner, YEAR)
    assert progress.total_minutes == 14 * 60 and progress.effective_minutes == 12 * 60


# --- withdrawing (撤回) and changing a submitted claim ---------------------------------------

def test_learner_withdraws_a_submitted_claim(cast):
    from claims.queries import review_queue
    from claims.services import claim_withdraw
    from core.models import AuditEvent

    claim = submitted(cast)
    claim_withdraw(actor=cast.learner, claim_id=claim.pk)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.DRAFT and claim.submitted_at is None
    event = ClaimEvent.objects.filter(claim=claim).last()
    assert (event.from_status, event.to_status, event.actor) == ("submitted", "draft", cast.learner)
    assert AuditEvent.objects.filter(action="claim.withdrawn", object_id=str(claim.pk)).count() == 1
    assert not review_queue(role(cast.institute_admin), status=ClaimStatus.SUBMITTED).exists()
    # A reviewer acting on the stale page now gets a conflict, and no hours move.
    with pytest.raises(DomainError) as exc:
        claim_approve(actor=cast.institute_admin, role=role(cast.institute_admin), claim_id=claim.pk)
    assert exc.value.code == ErrorCode.CONFLICT and not LedgerEntry.objects.exists()
    # A draft cannot be withdrawn; nor can someone else's claim be touched.
    with pytest.raises(DomainError) as exc:
        claim_withdraw(actor=cast.learner, claim_id=claim.pk)
    assert exc.value.code == ErrorCode.CONFLICT
    claim_submit(actor=cast.learner, claim_id=claim.pk)
    with pytest.raises(DomainError) as exc:
        claim_withdraw(actor=cast.colleague, claim_id=claim.pk)
    assert exc.value.code == ErrorCode.NOT_FOUND


def test_approved_or_rejected_claim_cannot_be_withdrawn(cast):
    from claims.services import claim_withdraw

    approved, rejected = submitted(cast, name="一"), submitted(cast, name="二")
    claim_approve(actor=cast.institute_admin, role=role(cast.institute_admin), claim_id=approved.pk)
    claim_reject(actor=cast.institute_admin, role=role(cast.institute_admin), claim_id=rejected.pk, reason="缺")
    for claim in (approved, rejected):
        with pytest.raises(DomainError) as exc:
            claim_withdraw(actor=cast.learner, claim_id=claim.pk)
        assert exc.value.code == ErrorCode.CONFLICT
    assert Claim.objects.get(pk=approved.pk).status == ClaimStatus.APPROVED


def test_changing_a_submitted_claim_withdraws_it(cast):
    claim = submitted(cast)
    claim_update(actor=cast.learner, claim_id=claim.pk, data=claim_data(hours="10"))
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.DRAFT and claim.minutes == 600
    assert list(ClaimEvent.objects.filter(claim=claim).values_list("to_status", flat=True)) == [
        "draft", "submitted", "draft"]
    claim_submit(actor=cast.learner, claim_id=claim.pk)
    claim_approve(actor=cast.institute_admin, role=role(cast.institute_admin), claim_id=claim.pk)
    assert year_progress(cast.learner, YEAR).total_minutes == 600  # the changed version


def test_a_failed_change_leaves_the_claim_submitted(cast):
    claim = submitted(cast)
    with pytest.raises(DomainError):
        claim_update(actor=cast.learner, claim_id=claim.pk, data=claim_data(hours="-1"))
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED and claim.minutes == 16 * 60


def test_deleting_a_submitted_claim(cast, media, django_capture_on_commit_callbacks):
    from core.models import AuditEvent

    claim = submitted(cast)
    with django_capture_on_commit_callbacks(execute=True):
        assert claims_delete(actor=cast.learner, claim_ids=[claim.pk]) == 1
    assert not Claim.objects.exists() and stored_files(media) == []
    assert list(AuditEvent.objects.filter(object_id=str(claim.pk), action__startswith="claim.")
                .order_by("id").values_list("action", flat=True)) == [
        "claim.created", "claim.submitted", "claim.withdrawn", "claim.deleted"]


def test_batch_delete_is_all_or_nothing(cast):
    mine = claim_create(actor=cast.learner, kind="external_training", data=claim_data(name="一"))
    approved = submitted(cast, name="二")
    claim_approve(actor=cast.institute_admin, role=role(cast.institute_admin), claim_id=approved.pk)
    theirs = claim_create(actor=cast.colleague, kind="external_training", data=claim_data(name="三"))
    with pytest.raises(DomainError) as exc:
        claims_delete(actor=cast.learner, claim_ids=[mine.pk, approved.pk])
    assert exc.value.code == ErrorCode.CONFLICT and "二" in str(exc.value.message)
    with pytest.raises(DomainError) as exc:
        claims_delete(actor=cast.learner, claim_ids=[mine.pk, theirs.pk])
    assert exc.value.code == ErrorCode.NOT_FOUND and "三" not in str(exc.value.message)
    assert Claim.objects.count() == 3


# --- kinds follow the year's policy ----------------------------------------------------------

def test_kind_without_a_class_in_the_policy_is_refused_at_create_and_submit(cast):
    from claims.services import kinds_for
    from ledger.services import policy_seed_cast

    # A draft saved under the default (CAS) rules, then the academy adopts the CAST rules,
    # which have no self-study class.
    draft = claim_create(actor=cast.learner, kind="self_study", data=claim_data(category="", hours="2"))
    policy_seed_cast(cast.academy, YEAR)
    assert kinds_for(cast.learner, YEAR) == ["external_training", "online"]
    with pytest.raises(DomainError) as exc:
        claim_create(actor=cast.learner, kind="self_study", data=claim_data(category="", hours="2"))
    assert exc.value.code == ErrorCode.INVALID and exc.value.field == "kind"
    assert str(YEAR) in str(exc.value.message)
    with pytest.raises(DomainError) as exc:
        claim_submit(actor=cast.learner, claim_id=draft.pk)
    assert exc.value.field == "kind"
    with pytest.raises(DomainError) as exc:
        claim_create_on_behalf(actor=cast.institute_admin, role=role(cast.institute_admin),
                               owner=cast.learner, kind="self_study", data=claim_data(category="", hours="2"))
    assert exc.value.field == "kind"
    assert Claim.objects.get().status == ClaimStatus.DRAFT and not LedgerEntry.objects.exists()
    # The kinds the CAST rules do have work, with a 培训分类 and a 培训科目 each (seed 003).
    online = claim_create(actor=cast.learner, kind="online",
                          data=claim_data(category="cast_online_course", subject="cloud", hours="2"),
                          submit=True)
    offline = claim_create(actor=cast.learner, kind="external_training",
                           data=claim_data(category="cast_business", subject="special"), submit=True)
    claims_decide(actor=cast.institute_admin, role=role(cast.institute_admin),
                  claim_ids=[online.pk, offline.pk], approve=True)
    # The ledger files the hours under the subject: the archive sums them per subject.
    assert set(LedgerEntry.objects.values_list("cap_class", "category")) == {
        ("online", "cloud"), ("offline", "special")}


@pytest.mark.parametrize("data, field", [
    ({"category": "cast_business", "subject": ""}, "subject"),
    ({"category": "cast_business", "subject": "free text"}, "subject"),
    # An online subject on an on-site claim, a subject given as the category.
    ({"category": "cast_business", "subject": "cloud"}, "subject"),
    ({"category": "", "subject": "special"}, "category"),
    ({"category": "special", "subject": "special"}, "category"),
])
def test_cast_claims_need_a_category_and_a_subject_of_the_policy(cast, data, field):
    from ledger.services import policy_seed_cast

    policy_seed_cast(cast.academy, YEAR)
    with pytest.raises(DomainError) as exc:
        claim_create(actor=cast.learner, kind="external_training", data=claim_data(**data))
    assert exc.value.field == field
    assert not Claim.objects.exists()


# --- 公派留学: a further class of the policy ---------------------------------------------------

def test_overseas_study_posts_to_its_class_and_its_cap_applies(cast):
    from ledger.queries import archive_for
    from ledger.services import cap_class_upsert, category_upsert, policy_seed_cas

    academy_role = role(cast.academy_admin)
    policy = policy_seed_cas(cast.academy, YEAR)
    cap_class_upsert(actor=cast.academy_admin, role=academy_role, policy=policy, code="overseas",
                     name="公派留学", cap_minutes=100 * 60)
    category_upsert(actor=cast.academy_admin, role=academy_role, policy=policy, code="overseas_study",
                    name="公派留学", cap_class_code="overseas")
    first = submitted(cast, name="访学一", category="overseas_study", start=date(YEAR, 1, 5),
                      end=date(YEAR, 1, 20), hours="80")
    second = submitted(cast, name="访学二", category="overseas_study", start=date(YEAR, 2, 1),
                       end=date(YEAR, 2, 10), hours="60")
    claims_decide(actor=cast.institute_admin, role=role(cast.institute_admin),
                  claim_ids=[first.pk, second.pk], approve=True)
    assert set(LedgerEntry.objects.values_list("cap_class", flat=True)) == {"overseas"}
    archive = archive_for(cast.learner, (YEAR, 1), (YEAR, 12))
    overseas = next(c for c in archive.classes if c.code == "overseas")
    assert (overseas.minutes, overseas.effective, overseas.cap) == (140 * 60, 100 * 60, 100 * 60)
    assert archive.total == 140 * 60 and archive.effective == 100 * 60
    assert year_progress(cast.learner, YEAR).effective_minutes == 100 * 60


# --- the year of an admin's claim ---------------------------------------------------------------

def test_on_behalf_allows_closed_years_but_not_future_ones(cast):
    admin, admin_role = cast.institute_admin, role(cast.institute_admin)
    last, future = YEAR - 1, YEAR + 1
    # No window is open: the learner is refused, the admin records it after the fact.
    past = claim_data(year=last, start=date(last, 5, 1), end=date(last, 5, 2), hours="8")
    with pytest.raises(DomainError) as exc:
        claim_create(actor=cast.learner, kind="external_training", data=past)
    assert exc.value.code == ErrorCode.WINDOW_CLOSED
    claim = claim_create_on_behalf(actor=admin, role=admin_role, owner=cast.learner,
                                   kind="external_training", data=past)
    assert claim.status == ClaimStatus.APPROVED and claim.year == last
    ahead = claim_data(year=future, start=date(future, 1, 5), end=date(future, 1, 6), hours="8")
    for call in (lambda: claim_create(actor=cast.learner, kind="external_training", data=ahead),
                 lambda: claim_create_on_behalf(actor=admin, role=admin_role, owner=cast.learner,
                                                kind="external_training", data=ahead)):
        with pytest.raises(DomainError) as exc:
            call()
        assert exc.value.code == ErrorCode.INVALID and exc.value.field == "year"
        assert str(future) in str(exc.value.message)
    assert Claim.objects.count() == 1 and LedgerEntry.objects.filter(year=future).count() == 0


def test_import_refuses_kinds_and_years_the_rules_do_not_allow(cast):
    from claims.imports import COLUMNS, claims_import
    from core.tests.xlsxfiles import upload, workbook_bytes
    from ledger.services import policy_seed_cast

    policy_seed_cast(cast.academy, YEAR)
    future = YEAR + 1
    rows = [["N001", "", "张三", "在职自学", YEAR, "读书", "", f"{YEAR}-02-01", f"{YEAR}-02-02", 2, "", ""],
            ["N001", "", "张三", "网络学时", future, "课程", "网络课程", f"{future}-02-01", f"{future}-02-02", 2,
             "", "", "组织人事部认可的其他网络培训"]]
    result = claims_import(actor=cast.institute_admin, role=role(cast.institute_admin),
                           upload=upload(workbook_bytes(COLUMNS, rows)))
    assert [(r, c) for r, c, _m in result.errors] == [(2, "类型"), (3, "年度")]
    assert not Claim.objects.exists()


def _ledger_by_year(person) -> dict[int, int]:
    from django.db.models import Sum

    return dict(LedgerEntry.objects.filter(person=person).values_list("year").annotate(m=Sum("minutes")))


def test_claim_across_a_year_end_spreads_over_its_months(cast):
    """Issue 8, defect 11: 10 h of external training 12-20 → 01-10 give 5 h to each year;
    the claim's year (listing, windows) is its start's."""
    claim = claim_create_on_behalf(
        actor=cast.institute_admin, role=role(cast.institute_admin), owner=cast.learner,
        kind="external_training",
        data=claim_data(year=YEAR - 1, start=date(YEAR - 1, 12, 20), end=date(YEAR, 1, 10), hours="10"))
    assert claim.status == ClaimStatus.APPROVED and claim.year == YEAR - 1
    assert _ledger_by_year(cast.learner) == {YEAR - 1: 300, YEAR: 300}
    # The start must lie in the claim's year (the end may not come first, either).
    with pytest.raises(DomainError) as exc:
        claim_create(actor=cast.learner, kind="external_training",
                     data=claim_data(year=YEAR, start=date(YEAR - 1, 12, 20), end=date(YEAR, 1, 10)))
    assert exc.value.field == "start"


def test_claim_year_chosen_counts_all_hours_in_the_chosen_year(cast):
    """Where the rules let the learner choose the 年份 (CAST, seed 003), a claim across a
    year end counts wholly in the chosen year."""
    from ledger.models import Policy
    from ledger.services import policy_seed_cas

    for year in (YEAR - 1, YEAR):
        policy_seed_cas(cast.academy, year)
    Policy.objects.filter(org=cast.academy).update(claim_year_chosen=True)
    claim = claim_create_on_behalf(
        actor=cast.institute_admin, role=role(cast.institute_admin), owner=cast.learner,
        kind="external_training",
        data=claim_data(year=YEAR, start=date(YEAR - 1, 12, 20), end=date(YEAR, 1, 10), hours="10"))
    assert claim.year == YEAR and (claim.start, claim.end) == (date(YEAR - 1, 12, 20), date(YEAR, 1, 10))
    assert _ledger_by_year(cast.learner) == {YEAR: 600}
    entry = LedgerEntry.objects.get(person=cast.learner)
    assert entry.details["start"] == f"{YEAR - 1}-12-20"  # the record keeps the real dates


def _states():
    return list(Claim.objects.order_by("pk").values_list("pk", "status", "submitted_at", "decided_at"))


def test_batch_submit_is_all_or_nothing(cast, client):
    """One claim that may not be submitted (a required certificate missing) leaves every
    claim of the batch a draft, in the service and on the page."""
    from claims.services import claim_settings_set, claims_submit
    from conftest import login

    good = claim_create(actor=cast.learner, kind="external_training", data=claim_data(), files=[pdf()])
    claim_settings_set(actor=cast.institute_admin, role=role(cast.institute_admin), org=cast.niaot,
                       required={"self_study": ["certificate"]})
    bad = claim_create(actor=cast.learner, kind="self_study", data=claim_data(category="", hours="2"))
    before, events = _states(), ClaimEvent.objects.count()
    with pytest.raises(DomainError) as exc:
        claims_submit(actor=cast.learner, claim_ids=[good.pk, bad.pk])
    assert bad.name in str(exc.value.message)
    assert _states() == before and ClaimEvent.objects.count() == events
    assert not Notification.objects.filter(kind="claim.submitted").exists()
    login(client, cast.learner)
    client.post("/learning/external/external_training/", {"ids": [good.pk, bad.pk], "action": "submit"})
    assert _states() == before
    # Someone else's claim in the batch: 404, nothing submitted.
    theirs = claim_create(actor=cast.colleague, kind="external_training", data=claim_data())
    with pytest.raises(DomainError) as exc:
        claims_submit(actor=cast.learner, claim_ids=[good.pk, theirs.pk])
    assert exc.value.code == ErrorCode.NOT_FOUND and Claim.objects.get(pk=good.pk).status == "draft"
    assert claims_submit(actor=cast.learner, claim_ids=[good.pk]) == 1


def test_batch_withdraw_is_all_or_nothing(cast):
    from claims.services import claims_withdraw

    first, second = submitted(cast, name="一"), submitted(cast, name="二")
    claim_approve(actor=cast.institute_admin, role=role(cast.institute_admin), claim_id=second.pk)
    before, events = _states(), ClaimEvent.objects.count()
    with pytest.raises(DomainError) as exc:
        claims_withdraw(actor=cast.learner, claim_ids=[first.pk, second.pk])
    assert exc.value.code == ErrorCode.CONFLICT and "二" in str(exc.value.message)
    assert _states() == before and ClaimEvent.objects.count() == events
    assert claims_withdraw(actor=cast.learner, claim_ids=[first.pk]) == 1


def test_batch_decide_is_all_or_nothing(cast):
    first, second = submitted(cast, name="一"), submitted(cast, name="二")
    claim_reject(actor=cast.institute_admin, role=role(cast.institute_admin), claim_id=second.pk,
                 reason="缺少证书")
    before = _states()
    with pytest.raises(DomainError):
        claims_decide(actor=cast.institute_admin, role=role(cast.institute_admin),
                      claim_ids=[first.pk, second.pk], approve=True)
    assert _states() == before and not LedgerEntry.objects.exists()


def test_public_verbs_run_in_their_own_transaction(cast):
    """Public verbs are durable: calling one inside another transaction is a programming
    error, not a silent partial write (private helpers nest)."""
    from django.db import transaction

    from claims.services import claim_withdraw

    claim = submitted(cast)
    with transaction.atomic(), pytest.raises(RuntimeError):
        claim_withdraw(actor=cast.learner, claim_id=claim.pk)
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.SUBMITTED
