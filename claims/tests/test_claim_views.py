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
    # One notice for the claim, giving both reasons (same attachment; same name and dates).
    assert detail.count('data-testid="duplicate-flag"') == 1
    assert "也附在" in detail and "同名且日期重叠" in detail


def test_export_keeps_formulas_as_text(cast, client):
    claim_create(actor=cast.learner, kind="external_training", data=claim_data(name="=HYPERLINK(\"x\")"), submit=True)
    enter_admin(client, cast.institute_admin)
    response = client.get("/manage/claims/?status=&export=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cell = sheet.cell(row=2, column=6)  # after 单位 and the year
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
    # Closing asks first, naming the unit, the year and the planned closing date.
    window = SupplementaryWindow.objects.get(org=cast.niaot)
    ask = client.post("/manage/claims/windows/", {"close": window.pk}).content.decode()
    assert 'data-testid="confirm"' in ask and cast.niaot.name in ask and str(YEAR - 1) in ask
    window.refresh_from_db()
    assert window.closed_at is None
    client.post("/manage/claims/windows/", {"close": window.pk, "confirmed": "1"})
    window.refresh_from_db()
    assert window.closed_at is not None


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


# --- issue 4 review: withdrawing, tabs, list, batch delete, resubmit, revoke, import ---------

def rows(html: str) -> int:
    return html.count("<tr data-claim=")


def test_edit_page_withdraws_and_resubmits_a_submitted_claim(cast, client):
    claim = claim_create(actor=cast.learner, kind="external_training", data=claim_data(), submit=True)
    login(client, cast.learner)
    html = client.get(f"/learning/external/claim/{claim.pk}/").content.decode()
    assert 'data-testid="withdraw-note"' in html and 'id="claim-form"' in html
    # Saving a change withdraws it: a draft with the new hours.
    response = client.post(f"/learning/external/claim/{claim.pk}/", {**FORM, "hours": "12", "action": "save"})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.DRAFT and claim.minutes == 720
    client.post(f"/learning/external/claim/{claim.pk}/", {**FORM, "hours": "10", "action": "submit"})
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED and claim.minutes == 600
    # The withdraw button alone.
    client.post(f"/learning/external/claim/{claim.pk}/", {"action": "withdraw"})
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.DRAFT


def test_list_withdraws_selected(cast, client):
    one = claim_create(actor=cast.learner, kind="external_training", data=claim_data(name="一"), submit=True)
    two = claim_create(actor=cast.learner, kind="external_training", data=claim_data(name="二"), submit=True)
    login(client, cast.learner)
    response = client.post("/learning/external/external_training/", {"ids": [one.pk, two.pk],
                                                                     "action": "withdraw"}, follow=True)
    assert "撤回" in response.content.decode()
    assert set(Claim.objects.values_list("status", flat=True)) == {ClaimStatus.DRAFT}


def test_kinds_without_a_class_have_no_tab(cast, client):
    from ledger.services import policy_seed_cast

    def tabs():
        html = client.get("/learning/external/external_training/").content.decode()
        return html.split('data-testid="claim-tabs"', 1)[1].split("</nav>", 1)[0]

    login(client, cast.learner)
    assert "/learning/external/self_study/" in tabs() and "在职自学" in tabs() and "网络学时" in tabs()
    policy_seed_cast(cast.academy, YEAR)
    assert "/learning/external/self_study/" not in tabs() and "/learning/external/online/" in tabs()
    assert client.get("/learning/external/").url == "/learning/external/external_training/"
    response = client.post("/learning/external/self_study/new/", {**FORM, "category": ""})
    assert response.status_code == 400 and "没有“在职自学”对应的学时类别" in response.content.decode()
    assert not Claim.objects.exists()


def test_list_filters_by_year_category_and_name(cast, client):
    from claims.services import claim_create_on_behalf

    claim_create(actor=cast.learner, kind="external_training", data=claim_data(name="光学年会"))
    claim_create(actor=cast.learner, kind="external_training",
                 data=claim_data(name="管理研修", category="management"))
    last = YEAR - 1
    claim_create_on_behalf(actor=cast.institute_admin, role=cast.institute_admin.roles.get(),
                           owner=cast.learner, kind="external_training",
                           data=claim_data(name="去年的会", year=last, start=date(last, 6, 1),
                                           end=date(last, 6, 2), hours="8"))
    claim_create(actor=cast.colleague, kind="external_training", data=claim_data(name="李四的会"))
    login(client, cast.learner)
    base = "/learning/external/external_training/"
    everything = client.get(base).content.decode()
    assert rows(everything) == 3 and "李四的会" not in everything
    html = client.get(f"{base}?year={YEAR}").content.decode()
    assert rows(html) == 2 and "去年的会" not in html
    html = client.get(f"{base}?year={last}").content.decode()
    assert rows(html) == 1 and "去年的会" in html
    html = client.get(f"{base}?category=management").content.decode()
    assert rows(html) == 1 and "管理研修" in html
    html = client.get(f"{base}?q=年会").content.decode()
    assert rows(html) == 1 and "光学年会" in html
    html = client.get(f"{base}?q=李四").content.decode()
    assert rows(html) == 0


def test_list_page_size_choice(cast, client):
    for i in range(12):
        claim_create(actor=cast.learner, kind="external_training", data=claim_data(name=f"会{i:02d}"))
    login(client, cast.learner)
    base = "/learning/external/external_training/"
    assert rows(client.get(base).content.decode()) == 5
    assert rows(client.get(f"{base}?size=10").content.decode()) == 10
    second = client.get(f"{base}?size=10&page=2").content.decode()
    assert rows(second) == 2
    assert rows(client.get(f"{base}?size=50").content.decode()) == 12
    # A size that is not offered is a form error, not a huge page.
    bad = client.get(f"{base}?size=100000")
    assert bad.status_code == 200 and rows(bad.content.decode()) == 0


def test_batch_delete_only_own_undecided_claims(cast, client):
    draft = claim_create(actor=cast.learner, kind="external_training", data=claim_data(name="草稿"))
    waiting = claim_create(actor=cast.learner, kind="external_training", data=claim_data(name="待审"),
                           submit=True)
    approved = claim_create(actor=cast.learner, kind="external_training", data=claim_data(name="已批"),
                            submit=True)
    from claims.services import claim_approve

    claim_approve(actor=cast.institute_admin, role=cast.institute_admin.roles.get(), claim_id=approved.pk)
    theirs = claim_create(actor=cast.colleague, kind="external_training", data=claim_data(name="李四的"))
    login(client, cast.learner)
    url = "/learning/external/external_training/"
    html = client.post(url, {"ids": [draft.pk, approved.pk], "action": "delete", "confirmed": "1"}, follow=True).content.decode()
    assert "已批" in html and "没有删除任何记录" in html
    html = client.post(url, {"ids": [draft.pk, theirs.pk], "action": "delete", "confirmed": "1"}, follow=True).content.decode()
    assert "没有删除任何记录" in html and "李四的" not in html
    assert Claim.objects.count() == 4
    # An approved claim has no checkbox to begin with.
    listing = client.get(url).content.decode()
    assert f'name="ids" value="{approved.pk}"' not in listing and f'name="ids" value="{waiting.pk}"' in listing
    # The first POST only asks, naming what goes; the confirmed one deletes.
    ask = client.post(url, {"ids": [draft.pk, waiting.pk], "action": "delete"}).content.decode()
    assert 'data-testid="confirm"' in ask and "草稿" in ask and "待审" in ask and "已批" not in ask
    assert Claim.objects.count() == 4
    client.post(url, {"ids": [draft.pk, waiting.pk], "action": "delete", "confirmed": "1"})
    assert set(Claim.objects.values_list("name", flat=True)) == {"已批", "李四的"}


def test_rejected_claim_is_fixed_and_resubmitted_on_the_page(cast, client):
    from claims.services import claim_reject

    claim = claim_create(actor=cast.learner, kind="external_training", data=claim_data(), submit=True)
    claim_reject(actor=cast.institute_admin, role=cast.institute_admin.roles.get(), claim_id=claim.pk,
                 reason="学时与通知不符")
    login(client, cast.learner)
    assert "学时与通知不符" in client.get("/learning/external/external_training/").content.decode()
    html = client.get(f"/learning/external/claim/{claim.pk}/").content.decode()
    assert 'data-testid="reject-reason"' in html and "学时与通知不符" in html
    response = client.post(f"/learning/external/claim/{claim.pk}/",
                           {**FORM, "hours": "12", "certificate": pdf(), "action": "submit"})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert (claim.status, claim.minutes, claim.reject_reason) == (ClaimStatus.SUBMITTED, 720, "")
    assert claim.attachments.count() == 1


def test_revoke_an_approval_on_the_review_page(cast, client):
    from claims.services import claim_approve

    claim = claim_create(actor=cast.learner, kind="external_training", data=claim_data(), submit=True)
    claim_approve(actor=cast.institute_admin, role=cast.institute_admin.roles.get(), claim_id=claim.pk)
    enter_admin(client, cast.institute_admin)
    html = client.get(f"/manage/claims/{claim.pk}/").content.decode()
    assert 'value="revoke"' in html
    client.post(f"/manage/claims/{claim.pk}/", {"action": "revoke", "reason": ""})
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED  # a reason is required
    client.post(f"/manage/claims/{claim.pk}/", {"action": "revoke", "reason": "重复登记"})
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.REVOKED
    reversal = LedgerEntry.objects.get(source_id=str(claim.pk), reverses__isnull=False)
    assert reversal.minutes == -16 * 60
    assert sum(LedgerEntry.objects.filter(source_id=str(claim.pk)).values_list("minutes", flat=True)) == 0


def test_import_page_template_and_row_errors(cast, client):
    from claims.imports import COLUMNS
    from core.tests.xlsxfiles import upload, workbook_bytes

    enter_admin(client, cast.institute_admin)
    template = client.get("/manage/claims/import/template/")
    assert template.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(template.content)).active
    assert [c.value for c in sheet[1]] == COLUMNS
    good = ["N002", "", "李四", "在职自学", YEAR, "读书", "", f"{YEAR}-02-01", f"{YEAR}-02-28", 6, "", ""]
    bad_hours = ["N001", "", "张三", "外部培训", YEAR, "年会", "外部培训", f"{YEAR}-03-01", f"{YEAR}-03-02",
                 -3, "", ""]
    bad_kind = ["N001", "", "张三", "出国", YEAR, "x", "", f"{YEAR}-03-01", f"{YEAR}-03-02", 1, "", ""]
    data = workbook_bytes(COLUMNS, [good, bad_hours, bad_kind])
    response = client.post("/manage/claims/import/", {"file": upload(data, "claims.xlsx")})
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="import-result"' in html
    assert "<td>3</td><td>学时</td>" in html and "<td>4</td><td>类型</td>" in html
    assert not Claim.objects.exists() and not LedgerEntry.objects.exists()
    ok = client.post("/manage/claims/import/", {"file": upload(workbook_bytes(COLUMNS, [good]), "c.xlsx")})
    assert 'data-testid="import-counts"' in ok.content.decode()
    assert Claim.objects.get().status == ClaimStatus.APPROVED


def test_on_behalf_resolves_shared_employee_numbers_like_the_import(cast, client):
    """Employee numbers are unique only per institute: the academy admin naming one that
    two institutes use gets a form error naming both; the login name picks one."""
    from accounts.tests.factories import make_user

    here = make_user(login_name="niaot-qianba", real_name="钱八", institute=cast.niaot,
                     department=cast.dept_b, employee_no="X777")
    there = make_user(login_name="imr-zhoujiu", real_name="周九", institute=cast.imr,
                      department=cast.imr_dept, employee_no="X777")
    enter_admin(client, cast.academy_admin)
    response = client.post("/manage/claims/new/", {**FORM, "person": "X777", "kind": "external_training"})
    html = response.content.decode()
    assert response.status_code == 400 and not Claim.objects.exists()
    for text in ("钱八", "南京天文光学技术研究所", "机械部", "周九", "金属研究所", "材料部"):
        assert text in html, text
    response = client.post("/manage/claims/new/", {**FORM, "person": "imr-zhoujiu", "kind": "external_training"})
    assert response.status_code == 302
    assert Claim.objects.get().owner == there
    # Inside one institute the number is unique: its admin records by number.
    client.logout()
    enter_admin(client, cast.institute_admin)
    response = client.post("/manage/claims/new/", {**FORM, "person": "X777", "kind": "external_training",
                                                   "name": "所内"})
    assert response.status_code == 302 and Claim.objects.get(name="所内").owner == here


@pytest.mark.parametrize("kind, category", [("external_training", "conference"), ("online", "online_platform")])
def test_on_behalf_offers_and_takes_the_kinds_categories(cast, client, kind, category):
    """外部培训 and 网络学时 on behalf: the page lists every kind's categories (it was empty)."""
    enter_admin(client, cast.institute_admin)
    page = client.get("/manage/claims/new/").content.decode()
    assert f'<option value="{category}"' in page
    response = client.post("/manage/claims/new/", {**FORM, "person": "N001", "kind": kind, "category": category})
    assert response.status_code == 302, response.content.decode()[:3000]
    claim = Claim.objects.get()
    assert (claim.kind, claim.category, claim.status) == (kind, category, ClaimStatus.APPROVED)
    # A category of another kind is refused for this one.
    other = "online_platform" if kind == "external_training" else "conference"
    response = client.post("/manage/claims/new/", {**FORM, "person": "N001", "kind": kind, "category": other,
                                                   "name": "另一个"})
    assert response.status_code == 400 and Claim.objects.count() == 1


def test_academy_queue_names_institutes_and_the_export_names_categories(cast, client):
    import io

    import openpyxl

    from claims.tests.helpers import claim_data

    claim_create(actor=cast.learner, kind="external_training", data=claim_data(name="已提交"), submit=True)
    claim_create(actor=cast.learner, kind="external_training", data=claim_data(name="草稿不导出"))
    enter_admin(client, cast.academy_admin)
    html = client.get("/manage/claims/").content.decode()
    assert f"<td>{cast.niaot.name}</td>" in html
    # Departments are named with their institute; institutes can be picked too.
    assert f"{cast.niaot.name} · {cast.dept_a.name}" in html and f'>{cast.imr.name}</option>' in html
    narrowed = client.get(f"/manage/claims/?department={cast.imr.pk}&status=").content.decode()
    assert "已提交" not in narrowed
    response = client.get("/manage/claims/?status=&export=xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)
    names = [r[5] for r in rows[1:]]
    assert names == ["已提交"] and rows[1][2] == cast.niaot.name
    assert rows[1][6] and rows[1][6] != "external_training"


def test_submitting_says_submitted_and_saving_says_saved(cast, client):
    login(client, cast.learner)
    url = "/learning/external/external_training/new/"
    sent = client.post(url, {**FORM, "certificate": pdf(), "action": "submit"}, follow=True).content.decode()
    assert "已提交审核" in sent and "已保存" not in sent
    kept = client.post(url, {**FORM, "name": "暂存的", "action": "save"}, follow=True).content.decode()
    assert "已保存" in kept and "已提交审核" not in kept


def test_my_claims_have_a_heading_and_a_status_filter(cast, client):
    claim_create(actor=cast.learner, kind="external_training", data=claim_data(name="待审的"), submit=True)
    claim_create(actor=cast.learner, kind="external_training", data=claim_data(name="暂存的"))
    login(client, cast.learner)
    url = "/learning/external/external_training/"
    html = client.get(url).content.decode()
    assert "<h1>我的外部学习</h1>" in html and "待审的" in html and "暂存的" in html
    only = client.get(url + "?status=draft").content.decode()
    assert "暂存的" in only.split('data-testid="my-claims"')[1] and "待审的" not in only.split('data-testid="my-claims"')[1]
    assert client.get(url + "?status=nonsense").status_code == 200
