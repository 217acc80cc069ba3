"""Issue 3's journey in headless Chromium: banner, 我的档案, a new month range, print."""

from datetime import date

import pytest
from django.utils import timezone

from accounts.tests.factories import make_user
from ledger.services import ledger_credit
from orgs.models import OrgKind
from orgs.tests.factories import make_org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
YEAR = timezone.localdate().year


@pytest.fixture
def learner():
    cas = make_org(OrgKind.ACADEMY, name="中国科学院")
    niaot = make_org(OrgKind.INSTITUTE, cas, name="南京天文光学技术研究所", abbr="niaot")
    person = make_user(login_name="niaot-zhangsan", real_name="张三", institute=niaot,
                       password="Tianwen-Guangxue-88")
    ledger_credit(person=person, cap_class="offline", minutes=16 * 60 + 10, start=date(YEAR, 1, 10),
                  source_kind="project", source_id="p1", source_label="SolidWorks软件系列培训",
                  category="short_course", details={"place": "天光所办公楼", "organiser": "天光所"})
    ledger_credit(person=person, cap_class="self_study", minutes=48 * 60, start=date(YEAR - 1, 6, 1),
                  source_kind="claim", source_id="c1", source_label="读书")
    return person


def test_banner_archive_range_and_print(page, learner, tmp_path):
    page.goto("/login/")
    page.fill("input[name=login]", "niaot-zhangsan")
    page.fill("input[name=password]", "Tianwen-Guangxue-88")
    page.click("button.primary")
    banner = page.locator("[data-testid=progress-banner]")
    assert banner.inner_text() == f"{YEAR}年度您已完成16小时10分,再学83小时50分将达到100学时的目标"

    page.click("[data-testid=nav-learning]")
    page.click("text=我的档案")
    page.wait_for_url("**/learning/archive/**")
    assert page.locator("[data-testid=archive-total]").inner_text() == "16小时10分"
    assert "SolidWorks软件系列培训" in page.locator("[data-testid=projects-table]").inner_text()

    page.fill("input[name=start]", f"{YEAR - 1}-01")
    page.fill("input[name=end]", f"{YEAR}-12")
    page.click("[data-testid=range-form] button.primary")
    page.wait_for_url(f"**start={YEAR - 1}-01**")
    assert page.locator("[data-testid=archive-total]").inner_text() == "64小时10分"
    assert page.locator("[data-testid=archive-effective]").inner_text() == "26小时10分"

    # Drill down: the self-study figure opens its entries under it, with the cap note.
    page.click("[data-testid=class-self_study]")
    page.wait_for_selector("[data-testid=drill]")
    assert "读书" in page.locator("[data-testid=drill]").inner_text()
    assert "38小时" in page.locator("[data-testid=cap-note]").inner_text()
    # The charts were drawn (ECharts puts a canvas into each container).
    page.wait_for_selector("#chart-months canvas")

    with page.context.expect_page() as popup:
        page.click("text=打印")
    printed = popup.value
    printed.wait_for_load_state()
    assert "继续教育学时档案" in printed.locator("h1").inner_text()
    assert printed.evaluate("document.fonts.check('16px \"Noto Sans CJK SC\"', '学时档案')")
    shot = tmp_path / "print.png"  # kept by pytest under its tmp dir for a look by eye
    printed.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20_000  # a page of rendered Chinese text, not a blank page
    pdf = printed.pdf(format="A4")
    assert pdf[:4] == b"%PDF" and len(pdf) > 10_000
