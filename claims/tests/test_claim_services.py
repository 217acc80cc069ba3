"""Claims: the workflow, the rules and the faults (issue 4)."""

import itertools
from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from claims.models import TRANSITIONS, Attachment, Claim, ClaimEvent, ClaimStatus
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
    transition,
    window_close,
    window_open,
)
from claims.tests.helpers import PNG, YEAR, claim_data, pdf
from core.errors import DomainError, ErrorCode
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


def test_transition_table_exhaustively(cast):
    claim = claim_create(actor=cast.learner, kind="self_study", data=claim_data(category="", hours="2"))
    for here, there in itertools.product(ClaimStatus.values, repeat=2):
        Claim.objects.filter(pk=claim.pk).update(status=here)
        claim.refresh_from_db()
        if there in TRANSITIONS[ClaimStatus(here)]:
            assert transition(claim, there, actor=cast.institute_admin).status == there
        else:
            with pytest.raises(DomainError) as exc:
                transition(claim, there, actor=cast.institute_admin)
            assert exc.value.code == ErrorCode.CONFLICT, (here, there)


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
    settings.XUESHI_CLAIM_MAX_ATTACHMENT_BYTES = 1024
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
    settings.XUESHI_CLAIM_MAX_ATTACHMENTS = 2
    with pytest.raises(DomainError) as exc:
        claim_create(actor=cast.learner, kind="external_training", data=claim_data(),
                     files=[pdf(), pdf(), pdf()])
    assert exc.value.field == "attachments" and not Claim.objects.exists()


def test_delete_removes_files(cast, media):
    a = claim_create(actor=cast.learner, kind="external_training", data=claim_data(), files=[pdf()])
    b = claim_create(actor=cast.learner, kind="self_study", data=claim_data(category="", hours="1"))
    assert len(stored_files(media)) == 1
    assert claims_delete(actor=cast.learner, claim_ids=[a.pk, b.pk]) == 2
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
