
import pytest
from django.test import Client

from accounts.services import token_create, token_enter_admin_mode
from claims.imports import COLUMNS
from claims.models import Claim, ClaimStatus
from claims.tests.helpers import PDF, YEAR, pdf
from conftest import enter_admin, login
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
    response = learner.post("/api/v1/claims/mine", {**FIELDS, "status": "approved", "decided_by": cast.colleague.pk,
                                                     "owner": cast.colleague.pk, "owner_id": cast.colleague.pk})
    assert response.status_code == 201
    claim = Claim.objects.get()
    assert claim.status == ClaimStatus.DRAFT and claim.owner == cast.learner and claim.minutes == 480
    assert claim.decided_by is None


def test_minutes_or_hours_exactly_one(cast):
    """The API takes whole `minutes` (so 10 minutes can be recorded) or `hours`, not both."""
    learner = bearer(cast.learner)
    fields = {k: v for k, v in FIELDS.items() if k != "hours"}
    ten = learner.post("/api/v1/claims/mine", {**fields, "name": "十分钟", "minutes": "10"})
    assert ten.status_code == 201 and ten.json()["minutes"] == 10
    assert learner.post("/api/v1/claims/mine", {**fields, "hours": "1.5"}).json()["minutes"] == 90
    for bad in ({"minutes": "10", "hours": "1"}, {}, {"minutes": "0"}, {"minutes": "-5"},
                {"minutes": "1e3"}, {"minutes": "9" * 30}, {"minutes": "1.5"}):
        response = learner.post("/api/v1/claims/mine", {**fields, **bad})
        assert response.status_code in (400, 422), (bad, response.content)
        assert response.json()["code"] == "invalid", bad
    assert Claim.objects.count() == 2


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
    admin.post(f"/api/v1/claims/review/{body['id']}/approve")
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


# --- withdraw, review detail, revoke, windows (issue 4 review) ---------------------------------

def test_withdraw(cast):
    learner = bearer(cast.learner)
    body = learner.post("/api/v1/claims/mine", {**FIELDS, "submit": "true"}).json()
    withdrawn = learner.post(f"/api/v1/claims/mine/{body['id']}/withdraw")
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "draft"
    again = learner.post(f"/api/v1/claims/mine/{body['id']}/withdraw")
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    learner.post(f"/api/v1/claims/mine/{body['id']}/submit")
    assert bearer(cast.colleague).post(f"/api/v1/claims/mine/{body['id']}/withdraw").status_code == 404
    assert Claim.objects.get().status == ClaimStatus.SUBMITTED
    # Changing a submitted claim through the API withdraws it too.
    changed = learner.post(f"/api/v1/claims/mine/{body['id']}", {**FIELDS, "hours": "4"})
    assert changed.status_code == 200 and changed.json()["status"] == "draft"


def test_a_withdrawn_claim_reads_withdrawn_until_submitted_again(cast, client):
    """UX finding: a withdrawn claim showed 暂存; it reads 已撤回 (a fresh draft stays 暂存)."""
    learner = bearer(cast.learner)
    body = learner.post("/api/v1/claims/mine", {**FIELDS, "submit": "true"}).json()
    learner.post("/api/v1/claims/mine", {**FIELDS, "name": "新草稿"})
    login(client, cast.learner)

    def status_of(name):
        html = client.get("/learning/external/external_training/").content.decode()
        return html.split(f"<td>{name}</td>")[1].split('class="status')[1].split("</span>")[0].split(">")[1]

    assert status_of("年会") == "待审核"
    learner.post(f"/api/v1/claims/mine/{body['id']}/withdraw")
    assert status_of("年会") == "已撤回" and status_of("新草稿") == "暂存"
    assert Claim.objects.get(pk=body["id"]).withdrawn_at is not None
    learner.post(f"/api/v1/claims/mine/{body['id']}/submit")
    assert status_of("年会") == "待审核"
    assert Claim.objects.get(pk=body["id"]).withdrawn_at is None


def test_review_detail_with_duplicates_only_linked_inside_scope(cast):
    learner, colleague = bearer(cast.learner), bearer(cast.colleague)
    first = learner.post("/api/v1/claims/mine", {**FIELDS, "submit": "true", "files": [pdf()]}).json()
    second = learner.post("/api/v1/claims/mine", {**FIELDS, "submit": "true", "files": [pdf()]}).json()
    # The same certificate in a colleague's claim (another department) and an outsider's.
    theirs = colleague.post("/api/v1/claims/mine", {**FIELDS, "name": "AuthzPeerCopy", "submit": "true",
                                                     "files": [pdf()]}).json()
    bearer(cast.outsider_learner).post("/api/v1/claims/mine", {**FIELDS, "name": "OutsiderCopy",
                                                                "submit": "true", "files": [pdf()]})
    admin = bearer(cast.institute_admin, admin=True)
    response = admin.get(f"/api/v1/claims/review/{second['id']}")
    assert response.status_code == 200, response.content
    detail = response.json()
    assert detail["owner"]["real_name"] == "张三" and detail["owner"]["department"] == "光学部一组"
    assert [e["to_status"] for e in detail["events"]] == ["draft", "submitted"]
    assert detail["attachments"][0]["original_name"] == "certificate.pdf"
    linked = {(d["kind"], d["claim_id"]) for d in detail["duplicates"]}
    # The outsider's copy (another institute) is not considered at all: no bare flag either.
    assert linked == {("attachment", first["id"]), ("same", first["id"]), ("attachment", theirs["id"])}
    assert "OutsiderCopy" not in response.content.decode()
    # The department admin of 光学部 sees only the copy in 光学部; the colleague's is outside.
    dept = bearer(cast.dept_admin, admin=True).get(f"/api/v1/claims/review/{second['id']}").json()
    assert {(d["kind"], d["claim_id"]) for d in dept["duplicates"]} == {
        ("attachment", first["id"]), ("same", first["id"])}
    assert "AuthzPeerCopy" not in str(dept)


def test_duplicate_flag_considers_only_claims_in_the_reviewers_scope(cast, client):
    """The same certificate in another institute's claim, or in a draft, raises no flag."""
    bearer(cast.outsider_learner).post("/api/v1/claims/mine", {**FIELDS, "name": "OutsiderCopy",
                                                                "submit": "true", "files": [pdf()]})
    bearer(cast.learner).post("/api/v1/claims/mine", {**FIELDS, "name": "MyDraft", "files": [pdf()]})
    mine = bearer(cast.learner).post("/api/v1/claims/mine", {**FIELDS, "submit": "true",
                                                              "files": [pdf()]}).json()
    admin = bearer(cast.institute_admin, admin=True)
    assert admin.get(f"/api/v1/claims/review/{mine['id']}").json()["duplicates"] == []
    enter_admin(client, cast.institute_admin)
    assert 'data-testid="duplicate-flag"' not in client.get("/manage/claims/").content.decode()
    assert 'data-testid="duplicate-flag"' not in client.get(f"/manage/claims/{mine['id']}/").content.decode()


def test_review_detail_bad_input_and_outsider(cast):
    body = bearer(cast.learner).post("/api/v1/claims/mine", {**FIELDS, "submit": "true"}).json()
    assert bearer(cast.outsider_admin, admin=True).get(f"/api/v1/claims/review/{body['id']}").status_code == 404
    admin = bearer(cast.institute_admin, admin=True)
    assert admin.get("/api/v1/claims/review/999999").status_code == 404
    assert admin.get("/api/v1/claims/review/abc").status_code in (400, 404)
    assert bearer(cast.learner).get(f"/api/v1/claims/review/{body['id']}").status_code == 403


def test_revoke_approval(cast):
    body = bearer(cast.learner).post("/api/v1/claims/mine", {**FIELDS, "submit": "true"}).json()
    admin = bearer(cast.institute_admin, admin=True)
    url = f"/api/v1/claims/review/{body['id']}/revoke"
    early = admin.post(url, {"reason": "误批"}, content_type="application/json")
    assert early.status_code == 409  # not approved yet
    admin.post(f"/api/v1/claims/review/{body['id']}/approve")
    for bad in ({"reason": ""}, {"reason": "x" * 501}, {}):
        response = admin.post(url, bad, content_type="application/json")
        assert response.status_code == 400 and response.json()["code"] == "invalid"
    assert bearer(cast.outsider_admin, admin=True).post(url, {"reason": "x"},
                                                        content_type="application/json").status_code == 404
    assert Claim.objects.get().status == ClaimStatus.APPROVED
    revoked = admin.post(url, {"reason": "证书系伪造"}, content_type="application/json")
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    entries = LedgerEntry.objects.filter(source_id=str(body["id"]))
    assert entries.count() == 2 and sum(e.minutes for e in entries) == 0
    assert entries.filter(reverses__isnull=False).exists()
    assert admin.post(url, {"reason": "again"}, content_type="application/json").status_code == 409


def test_supplementary_windows(cast):
    from datetime import date

    from claims.models import SupplementaryWindow

    admin = bearer(cast.institute_admin, admin=True)
    today = date.today().isoformat()
    opened = admin.post("/api/v1/claims/windows", {"org_id": cast.niaot.pk, "year": YEAR - 1,
                                                   "opens_on": today, "closes_on": today},
                        content_type="application/json")
    assert opened.status_code == 201, opened.content
    window = opened.json()
    assert window["org_name"] == "南京天文光学技术研究所" and window["closed_at"] is None
    listed = admin.get("/api/v1/claims/windows").json()
    assert [w["id"] for w in listed] == [window["id"]]
    closed = admin.post(f"/api/v1/claims/windows/{window['id']}/close")
    assert closed.status_code == 200 and closed.json()["closed_at"] is not None
    # Bad input: this year, an end before the start, another institute, a weak role.
    for body, status in [({"org_id": cast.niaot.pk, "year": YEAR, "opens_on": today, "closes_on": today}, 400),
                         ({"org_id": cast.niaot.pk, "year": YEAR - 1, "opens_on": today,
                           "closes_on": f"{YEAR - 2}-01-01"}, 400),
                         ({"org_id": cast.niaot.pk, "year": "x", "opens_on": today, "closes_on": today}, 400),
                         ({"org_id": cast.imr.pk, "year": YEAR - 1, "opens_on": today, "closes_on": today}, 404),
                         ({"org_id": cast.dept_a.pk, "year": YEAR - 1, "opens_on": today,
                           "closes_on": today}, 403)]:
        response = admin.post("/api/v1/claims/windows", body, content_type="application/json")
        assert response.status_code == status, (body, response.content)
    outsider = bearer(cast.outsider_admin, admin=True)
    assert outsider.get("/api/v1/claims/windows").json() == []
    assert outsider.post(f"/api/v1/claims/windows/{window['id']}/close").status_code == 404
    dept = bearer(cast.dept_admin, admin=True)
    assert dept.get("/api/v1/claims/windows").status_code == 403
    assert SupplementaryWindow.objects.count() == 1


def test_reviewers_do_not_read_drafts(cast, client):
    """A draft (never submitted, or withdrawn) is the learner's: 404 to reviewers in the
    API, on the pages and for its attachments; it is not in their queue."""
    learner = bearer(cast.learner)
    draft = learner.post("/api/v1/claims/mine", {**FIELDS, "name": "DraftOnly", "files": [pdf()]}).json()
    withdrawn = learner.post("/api/v1/claims/mine", {**FIELDS, "submit": "true"}).json()
    learner.post(f"/api/v1/claims/mine/{withdrawn['id']}/withdraw")
    admin = bearer(cast.institute_admin, admin=True)
    for claim in (draft, withdrawn):
        assert admin.get(f"/api/v1/claims/review/{claim['id']}").status_code == 404
    assert admin.get(f"/api/v1/claims/attachments/{draft['attachments'][0]['id']}").status_code == 404
    queue = admin.get("/api/v1/claims/review", {"status": "draft"}).json()
    assert queue["count"] == 0
    enter_admin(client, cast.institute_admin)
    assert client.get(f"/manage/claims/{draft['id']}/").status_code == 404
    assert "DraftOnly" not in client.get("/manage/claims/?status=draft").content.decode()
    # The learner still reads their own draft and its file.
    assert learner.get(f"/api/v1/claims/attachments/{draft['attachments'][0]['id']}").status_code == 200
    # Deciding on a withdrawn claim from a stale page is a conflict, never a credit.
    response = admin.post(f"/api/v1/claims/review/{withdrawn['id']}/approve")
    assert response.status_code in (404, 409) and not LedgerEntry.objects.exists()


def test_class_admin_reads_no_claims_through_the_api(cast):
    """The pages answer 403 to the class admin; the API asks the same question."""
    body = bearer(cast.learner).post("/api/v1/claims/mine", {**FIELDS, "submit": "true"}).json()
    class_admin = bearer(cast.class_admin, admin=True)
    assert class_admin.get("/api/v1/claims/review").status_code == 403
    assert class_admin.get(f"/api/v1/claims/review/{body['id']}").status_code == 403


def test_request_key_replays_the_same_request_and_refuses_other_data(cast):
    """A retry with the same key and data answers with the first claim; the key with
    other data is 409 `conflict`; nothing is created twice."""
    learner = bearer(cast.learner)
    first = learner.post("/api/v1/claims/mine", {**FIELDS, "request_key": "retry-key-0001"})
    assert first.status_code == 201
    again = learner.post("/api/v1/claims/mine", {**FIELDS, "request_key": "retry-key-0001"})
    assert again.status_code == 201 and again.json() == first.json()
    other = learner.post("/api/v1/claims/mine", {**FIELDS, "hours": "4", "request_key": "retry-key-0001"})
    assert other.status_code == 409 and other.json()["code"] == "conflict"
    assert other.json()["field"] == "request_key"
    assert Claim.objects.count() == 1
    # Keys are per creator: another learner's same key is their own request.
    assert bearer(cast.colleague).post("/api/v1/claims/mine", {**FIELDS, "request_key": "retry-key-0001"}
                                       ).status_code == 201
    bad = learner.post("/api/v1/claims/mine", {**FIELDS, "request_key": "../../x"})
    assert bad.status_code == 400 and bad.json()["field"] == "request_key"
    assert Claim.objects.count() == 2
