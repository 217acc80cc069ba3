import io
from datetime import date

import openpyxl
import pytest

from claims.models import Claim, ClaimStatus
from claims.services import claim_create
from claims.tests.helpers import PDF, YEAR, claim_data, pdf
from conftest import enter_admin, login
from ledger.models import LedgerEntry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


FORM = {"year": YEAR, "name": "国际光学工程学会年会", "category": "external_training",
        "start": f"{YEAR}-03-10", "end": f"{YEAR}-03-12", "hours": "16", "organiser": "SPIE"}


def test_learner_pages_add_list_submit(cast, client):
    login(client, cast.learner)
    page = client.get("/learning/external/external_training/")
    assert page.status_code == 200 and "我的外部培训" in page.content.decode()
    response = client.post("/learning/external/external_training/new/",
                           {**FORM, "certificate": pdf(), "action": "submit"})
    assert response.status_code == 302
    claim = Claim.objects.get()
    assert claim.status == ClaimStatus.SUBMITTED and claim.attachments.count() == 1
    html = client.get("/learning/external/external_training/").content.decode()
    assert "国际光学工程学会年会" in html and "16小时" in html


def test_form_errors_are_shown(cast, client):
    login(client, cast.learner)
    response = client.post("/learning/external/external_training/new/", {**FORM, "hours": "-1"})
    assert response.status_code == 400 and 'data-field="hours"' in response.content.decode()
    response = client.post("/learning/external/external_training/new/", {**FORM, "purpose": "x" * 301})
    assert response.status_code == 400
    assert not Claim.objects.exists()


def test_unknown_kind_is_404(cast, client):
    login(client, cast.learner)
    assert client.get("/learning/external/bogus/").status_code == 404


def test_other_learners_claim_is_404(cast, client):
    claim = claim_create(actor=cast.learner, kind="external_training", data=claim_data(), files=[pdf()])
    login(client, cast.colleague)
    assert client.get(f"/learning/external/claim/{claim.pk}/").status_code == 404
    attachment = claim.attachments.get()
    assert client.get(f"/claims/attachments/{attachment.pk}/").status_code == 404


def test_attachment_is_served_as_attachment_with_nosniff(cast, client):
    claim = claim_create(actor=cast.learner, kind="external_training", data=claim_data(), files=[pdf()])
    login(client, cast.learner)
    response = client.get(f"/claims/attachments/{claim.attachments.get().pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff" and response["Content-Type"] == "application/pdf"


def test_review_queue_detail_approve(cast, client):
    claim = claim_create(actor=cast.learner, kind="external_training", data=claim_data(), files=[pdf()], submit=True)
    enter_admin(client, cast.institute_admin)
    html = client.get("/manage/claims/").content.decode()
    assert "国际光学工程学会年会" in html and "张三" in html
    detail = client.get(f"/manage/claims/{claim.pk}/").content.decode()
    assert "certificate.pdf" in detail
    assert client.get(f"/claims/attachments/{claim.attachments.get().pk}/?inline=1")["Content-Disposition"].startswith("inline")
    client.post(f"/manage/claims/{claim.pk}/", {"action": "approve"})
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED
    assert LedgerEntry.objects.filter(source_id=str(claim.pk)).exists()


def test_review_outside_scope_is_404(cast, client):
    claim = claim_create(actor=cast.learner, kind="external_training", data=claim_data(), files=[pdf()], submit=True)
    enter_admin(client, cast.outsider_admin)
    assert client.get(f"/manage/claims/{claim.pk}/").status_code == 404
    assert client.post(f"/manage/claims/{claim.pk}/", {"action": "approve"}).status_code == 404
    assert client.get(f"/claims/attachments/{claim.attachments.get().pk}/").status_code == 404
    assert "国际光学工程学会年会" not in client.get("/manage/claims/?status=").content.decode()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED


def test_class_admin_gets_403(cast, client):
    enter_admin(client, cast.class_admin)
    assert client.get("/manage/claims/").status_code == 403


def test_batch_reject_needs_reason(cast, client):
    claim = claim_create(actor=cast.learner, kind="external_training", data=claim_data(), submit=True)
    enter_admin(client, cast.institute_admin)
    client.post("/manage/claims/", {"ids": [claim.pk], "action": "reject", "reason": ""})
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED
    client.post("/manage/claims/", {"ids": [claim.pk], "action": "reject", "reason": "信息不全"})
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.REJECTED and claim.reject_reason == "信息不全"


def test_duplicates_flagged(cast, client):
    claim_create(actor=cast.learner, kind="external_training", data=claim_data(), files=[pdf()], submit=True)
    second = claim_create(actor=cast.learner, kind="external_training", data=claim_data(), files=[pdf()], submit=True)
    enter_admin(client, cast.institute_admin)
    assert 'data-testid="duplicate-flag"' in client.get("/manage/claims/").content.decode()
    detail = client.get(f"/manage/claims/{second.pk}/").content.decode()
    assert detail.count('data-testid="duplicate-flag"') >= 2  # same attachment, same name and dates


def test_export_keeps_formulas_as_text(cast, client):
    claim_create(actor=cast.learner, kind="external_training", data=claim_data(name="=HYPERLINK(\"x\")"), submit=True)
    enter_admin(client, cast.institute_admin)
    response = client.get("/manage/claims/?status=&export=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cell = sheet.cell(row=2, column=5)
    assert cell.value == '=HYPERLINK("x")' and cell.data_type == "s"


def test_on_behalf_and_windows_pages(cast, client):
    enter_admin(client, cast.institute_admin)
    response = client.post("/manage/claims/new/", {**FORM, "person": "N001", "kind": "external_training"})
    assert response.status_code == 302
    assert Claim.objects.get(owner=cast.learner).status == ClaimStatus.APPROVED
    response = client.post("/manage/claims/new/", {**FORM, "person": "M001", "kind": "external_training"})
    assert response.status_code == 400 and Claim.objects.count() == 1
    today = date.today()
    client.post("/manage/claims/windows/", {"org": cast.niaot.pk, "year": YEAR - 1,
                                            "opens_on": today.isoformat(), "closes_on": today.isoformat()})
    from claims.models import SupplementaryWindow

    assert SupplementaryWindow.objects.filter(org=cast.niaot, year=YEAR - 1).exists()
    response = client.post("/manage/claims/windows/", {"org": cast.imr.pk, "year": YEAR - 1,
                                                       "opens_on": today.isoformat(), "closes_on": today.isoformat()})
    assert response.status_code == 200 and not SupplementaryWindow.objects.filter(org=cast.imr).exists()


def test_inbox_and_badge(cast, client):
    claim = claim_create(actor=cast.learner, kind="external_training", data=claim_data(), submit=True)
    from claims.services import claim_reject

    claim_reject(actor=cast.institute_admin, role=cast.institute_admin.roles.get(), claim_id=claim.pk,
                 reason="请补充证书")
    login(client, cast.learner)
    home = client.get("/").content.decode()
    assert 'data-testid="unread-count">1<' in home
    inbox = client.get("/learning/notifications/").content.decode()
    assert "驳回" in inbox and "请补充证书" in inbox
