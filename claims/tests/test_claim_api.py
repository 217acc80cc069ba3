
import pytest
from django.test import Client

from accounts.services import token_create, token_enter_admin_mode
from claims.imports import COLUMNS
from claims.models import Claim, ClaimStatus
from claims.tests.helpers import PDF, YEAR, pdf
from core.tests.xlsxfiles import upload, workbook_bytes
from ledger.models import LedgerEntry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def bearer(user, admin=False, password="Cast-pass-2026!"):
    token, secret = token_create(user=user)
    if admin:
        token_enter_admin_mode(token=token, password=password, role_id=user.roles.get().pk, ip="127.0.0.1")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


FIELDS = {"kind": "external_training", "year": YEAR, "name": "年会", "category": "external_training",
          "start": f"{YEAR}-03-10", "end": f"{YEAR}-03-11", "hours": "8"}


def test_mobile_client_submits_with_attachment_and_admin_approves(cast):
    learner = bearer(cast.learner)
    response = learner.post("/api/v1/claims/mine", {**FIELDS, "submit": "true", "files": [pdf()]})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "submitted" and body["attachments"][0]["content_type"] == "application/pdf"
    admin = bearer(cast.institute_admin, admin=True)
    queue = admin.get("/api/v1/claims/review").json()
    assert [c["id"] for c in queue["items"]] == [body["id"]]
    file = admin.get(f"/api/v1/claims/attachments/{body['attachments'][0]['id']}")
    assert file.status_code == 200 and b"".join(file.streaming_content) == PDF
    approved = admin.post(f"/api/v1/claims/review/{body['id']}/approve")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    again = admin.post(f"/api/v1/claims/review/{body['id']}/approve")
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    assert LedgerEntry.objects.filter(source_id=str(body["id"])).count() == 1


def test_mass_assignment_is_ignored(cast):
    learner = bearer(cast.learner)
    response = learner.post("/api/v1/claims/mine", {**FIELDS, "status": "approved", "minutes": 99999,
                                                     "owner": cast.colleague.pk, "owner_id": cast.colleague.pk})
    assert response.status_code == 201
    claim = Claim.objects.get()
    assert claim.status == ClaimStatus.DRAFT and claim.owner == cast.learner and claim.minutes == 480


@pytest.mark.parametrize("bad, field", [({"hours": "-1"}, "hours"), ({"hours": "Infinity"}, "hours"),
                                        ({"end": f"{YEAR}-03-01"}, "end"), ({"purpose": "x" * 301}, "purpose"),
                                        ({"kind": "magic"}, "kind"), ({"year": "abc"}, "year")])
def test_bad_input_is_400(cast, bad, field):
    response = bearer(cast.learner).post("/api/v1/claims/mine", {**FIELDS, **bad})
    assert response.status_code == 400 and response.json()["field"] == field
    assert not Claim.objects.exists()


def test_executable_renamed_pdf_is_refused(cast):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = bearer(cast.learner).post("/api/v1/claims/mine", {
        **FIELDS, "files": [SimpleUploadedFile("x.pdf", b"MZ\x90\x00" * 100)]})
    assert response.status_code == 400 and response.json()["code"] == "bad_file"
    assert not Claim.objects.exists()


def test_outsider_and_other_learner(cast):
    learner = bearer(cast.learner)
    body = learner.post("/api/v1/claims/mine", {**FIELDS, "submit": "true", "files": [pdf()]}).json()
    assert bearer(cast.colleague).get(f"/api/v1/claims/mine/{body['id']}").status_code == 404
    assert bearer(cast.colleague).get(f"/api/v1/claims/attachments/{body['attachments'][0]['id']}").status_code == 404
    outsider = bearer(cast.outsider_admin, admin=True)
    assert outsider.post(f"/api/v1/claims/review/{body['id']}/approve").status_code == 404
    assert outsider.get(f"/api/v1/claims/attachments/{body['attachments'][0]['id']}").status_code == 404
    assert outsider.get("/api/v1/claims/review").json()["count"] == 0
    assert not LedgerEntry.objects.exists()


def test_reject_update_resubmit_delete(cast):
    learner = bearer(cast.learner)
    body = learner.post("/api/v1/claims/mine", {**FIELDS, "submit": "true"}).json()
    admin = bearer(cast.institute_admin, admin=True)
    assert admin.post(f"/api/v1/claims/review/{body['id']}/reject", {"reason": ""},
                      content_type="application/json").status_code == 400
    admin.post(f"/api/v1/claims/review/{body['id']}/reject", {"reason": "缺证书"}, content_type="application/json")
    assert learner.get(f"/api/v1/claims/mine/{body['id']}").json()["reject_reason"] == "缺证书"
    updated = learner.post(f"/api/v1/claims/mine/{body['id']}", {**FIELDS, "hours": "6", "files": [pdf()]})
    assert updated.status_code == 200 and updated.json()["minutes"] == 360
    assert learner.post(f"/api/v1/claims/mine/{body['id']}/submit").json()["status"] == "submitted"
    assert learner.post("/api/v1/claims/mine/delete", {"ids": [body["id"]]},
                        content_type="application/json").status_code == 409
    draft = learner.post("/api/v1/claims/mine", FIELDS).json()
    assert learner.post("/api/v1/claims/mine/delete", {"ids": [draft["id"]]},
                        content_type="application/json").json() == {"deleted": 1}


def test_batch_decide_and_import(cast):
    learner = bearer(cast.learner)
    ids = [learner.post("/api/v1/claims/mine", {**FIELDS, "name": f"会{i}", "submit": "true"}).json()["id"]
           for i in range(3)]
    admin = bearer(cast.institute_admin, admin=True)
    assert admin.post("/api/v1/claims/review/decide", {"ids": ids, "approve": True},
                      content_type="application/json").json() == {"decided": 3}
    rows = [["N002", "", "李四", "在职自学", YEAR, "读书", "", f"{YEAR}-02-01", f"{YEAR}-02-28", 6, "", ""]]
    data = workbook_bytes(COLUMNS, rows)
    assert admin.post("/api/v1/claims/review/import", {"file": upload(data)}).json() == {"created": 1, "unchanged": 0}
    assert admin.post("/api/v1/claims/review/import", {"file": upload(data)}).json() == {"created": 0, "unchanged": 1}
    bad = workbook_bytes(COLUMNS, rows + [["M001", "", "孙七", "在职自学", YEAR, "x", "", f"{YEAR}-02-01",
                                           f"{YEAR}-02-02", 1, "", ""]])
    response = admin.post("/api/v1/claims/review/import", {"file": upload(bad)})
    assert response.status_code == 400 and response.json()["errors"][0]["row"] == 3
    assert Claim.objects.filter(owner=cast.colleague).count() == 1


def test_learner_cannot_use_review_api(cast):
    assert bearer(cast.learner).get("/api/v1/claims/review").status_code == 403


def test_notifications_api(cast):
    learner = bearer(cast.learner)
    body = learner.post("/api/v1/claims/mine", {**FIELDS, "submit": "true"}).json()
    bearer(cast.institute_admin, admin=True).post(f"/api/v1/claims/review/{body['id']}/approve")
    inbox = learner.get("/api/v1/notifications").json()
    assert inbox["unread"] == 1 and "年会" in inbox["items"][0]["title"]
    nid = inbox["items"][0]["id"]
    assert bearer(cast.colleague).post(f"/api/v1/notifications/{nid}/read").status_code == 404
    assert learner.post(f"/api/v1/notifications/{nid}/read").json()["read_at"] is not None
    assert learner.get("/api/v1/notifications").json()["unread"] == 0
