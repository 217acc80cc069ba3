"""Issue 4's journey in headless Chromium: a learner adds a claim with a PDF certificate
and submits it; an institute admin approves it in admin mode; the learner's banner,
archive and inbox show it."""

import pytest

from accounts.models import Role
from accounts.tests.factories import grant, make_user
from claims.tests.helpers import PDF, YEAR
from orgs.models import OrgKind
from orgs.tests.factories import make_org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Tianwen-Guangxue-88"


@pytest.fixture
def people(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    cas = make_org(OrgKind.ACADEMY, name="中国科学院")
    niaot = make_org(OrgKind.INSTITUTE, cas, name="南京天文光学技术研究所", abbr="niaot")
    learner = make_user(login_name="niaot-zhangsan", real_name="张三", institute=niaot, password=PASSWORD)
    admin = make_user(login_name="niaot", real_name="天光所管理员", institute=niaot, password=PASSWORD)
    grant(admin, Role.INSTITUTE_ADMIN, niaot)
    return learner, admin


def log_in(page, login):
    page.goto("/login/")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(lambda url: "/login/" not in url)


def test_claim_submitted_approved_and_counted(browser, live_server, people):
    learner_ctx = browser.new_context(base_url=live_server.url, locale="zh-CN")
    page = learner_ctx.new_page()
    log_in(page, "niaot-zhangsan")
    page.click("[data-testid=nav-learning]")
    page.click("text=我的外部学习")
    page.click("text=新添记录")
    page.select_option("select[name=year]", str(YEAR))
    page.fill("input[name=name]", "国际光学工程学会年会")
    page.select_option("select[name=category]", "external_training")
    page.fill("input[name=start]", f"{YEAR}-03-10")
    page.fill("input[name=end]", f"{YEAR}-03-12")
    page.fill("input[name=hours]", "16")
    page.fill("input[name=organiser]", "SPIE")
    page.set_input_files("input[name=certificate]", files=[
        {"name": "结业证书.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.click("button[value=submit]")
    page.wait_for_url("**/learning/external/external_training/")
    assert "待审核" in page.locator("[data-testid=my-claims]").inner_text()

    admin_ctx = browser.new_context(base_url=live_server.url, locale="zh-CN")
    admin = admin_ctx.new_page()
    log_in(admin, "niaot")
    admin.click("[data-testid=nav-manage]")
    admin.fill("input[name=password]", PASSWORD)
    admin.click("button.primary")
    admin.wait_for_url("**/manage/")
    admin.click("text=外部学习审核")
    assert "国际光学工程学会年会" in admin.locator("[data-testid=review-queue]").inner_text()
    admin.click("text=审核 >> nth=-1")
    assert "结业证书.pdf" in admin.content()
    admin.click("[data-testid=approve]")
    admin.wait_for_url("**/manage/claims/")
    admin_ctx.close()

    page.goto("/")
    assert page.locator("[data-testid=progress-banner]").inner_text() == (
        f"{YEAR}年度您已完成16小时,再学84小时将达到100学时的目标")
    assert page.locator("[data-testid=unread-count]").inner_text() == "1"
    page.goto("/learning/archive/")
    assert page.locator("[data-testid=archive-total]").inner_text() == "16小时"
    assert "国际光学工程学会年会" in page.content()
    page.click("[data-testid=inbox-link]")
    assert "审核通过" in page.locator("[data-testid=inbox]").inner_text()
    learner_ctx.close()


def test_claim_edit_form_saved_unchanged_in_chromium(browser, live_server, people):
    """Issue 8, defect 1: Chromium shows the stored dates in the edit form (ISO in
    <input type="date">), and saving the form unchanged changes nothing."""
    from datetime import date

    from claims.models import Claim
    from claims.services import claim_create

    learner, _admin = people
    claim = claim_create(actor=learner, kind="external_training", data={
        "year": YEAR, "name": "国际光学工程学会年会", "category": "external_training",
        "start": date(YEAR, 7, 1), "end": date(YEAR, 7, 3), "minutes": 16 * 60 + 10, "cost": "0.35",
        "organiser": "SPIE"}, submit=False)
    before = Claim.objects.filter(pk=claim.pk).values().get()
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    page = context.new_page()
    log_in(page, "niaot-zhangsan")
    page.goto(f"/learning/external/claim/{claim.pk}/")
    assert page.input_value("input[name=start]") == f"{YEAR}-07-01"
    assert page.input_value("input[name=end]") == f"{YEAR}-07-03"
    assert (page.input_value("input[name=hours]"), page.input_value("input[name=mins]")) == ("16", "10")
    page.click("button[value=save]")
    page.wait_for_url("**/learning/external/external_training/")
    after = Claim.objects.filter(pk=claim.pk).values().get()
    assert after == before
    context.close()


def test_reviewer_decides_with_totals_and_pdf_preview(browser, live_server, people):
    """Issue 10: a reviewer approves one claim with the totals panel visible and the PDF
    previewed, opens the next (通过并下一条), rejects it without a reason (refused next
    to the field) and then with one."""
    from datetime import date

    from claims.models import Claim, ClaimStatus
    from claims.services import claim_create
    from claims.tests.helpers import pdf

    learner, _admin = people
    first, second = (claim_create(actor=learner, kind="external_training", files=[pdf("结业证书.pdf")], submit=True,
                                  data={"year": YEAR, "name": name, "category": "external_training",
                                        "start": date(YEAR, 3, day), "end": date(YEAR, 3, day), "hours": "8"})
                     for name, day in (("光学设计研修班", 10), ("精密机械讲座", 20)))
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    admin = context.new_page()
    log_in(admin, "niaot")
    admin.click("[data-testid=nav-manage]")
    admin.fill("input[name=password]", PASSWORD)
    admin.click("button.primary")
    admin.wait_for_url("**/manage/")
    with admin.expect_response(lambda r: "inline=1" in r.url) as preview:
        admin.goto(f"/manage/claims/{first.pk}/")
    response = preview.value
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert "frame-ancestors 'self'" in response.headers["content-security-policy"]
    assert admin.locator("[data-testid=preview-pdf]").is_visible()
    totals = admin.locator("[data-testid=totals]")
    assert totals.is_visible() and "线下学时" in totals.inner_text() and "+8小时" in totals.inner_text()
    admin.click("[data-testid=approve-next]")
    admin.wait_for_url(f"**/manage/claims/{second.pk}/")
    assert "精密机械讲座" in admin.locator("h1").inner_text()
    admin.click("[data-testid=reject]")
    error = admin.locator("[data-testid=reject-form] p.error[data-field=reason]")
    assert error.inner_text() == "请填写驳回原因。"
    assert Claim.objects.get(pk=second.pk).status == ClaimStatus.SUBMITTED
    admin.fill("[data-testid=reject-form] textarea[name=reason]", "请补充结业证书")
    admin.click("[data-testid=reject]")
    admin.wait_for_url("**/manage/claims/")
    assert Claim.objects.get(pk=first.pk).status == ClaimStatus.APPROVED
    second.refresh_from_db()
    assert (second.status, second.reject_reason) == (ClaimStatus.REJECTED, "请补充结业证书")
    context.close()
