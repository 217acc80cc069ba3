"""Issue 10's CAST journey in headless Chromium (seed 003): a learner under the CAST rules
sees 我的学习档案 by subject in decimal 学时 with its charts, and files a claim through
我的学时补录 with 培训分类 and 培训科目 as two required choices."""

from datetime import date

import pytest
from django.utils import timezone

from accounts.tests.factories import make_user
from claims.models import Claim
from ledger.services import ledger_credit, policy_seed_cast
from orgs.models import OrgKind
from orgs.tests.factories import make_org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
YEAR = timezone.localdate().year
PASSWORD = "Kexie-Dangxiao-88"


@pytest.fixture
def party_learner():
    top = make_org(OrgKind.ACADEMY, name="中国科协")
    office = make_org(OrgKind.INSTITUTE, top, name="中国科协机关", abbr="castorg")
    policy_seed_cast(top, YEAR)
    person = make_user(login_name="castorg-liming", real_name="李明", institute=office,
                       password=PASSWORD)
    ledger_credit(person=person, cap_class="offline", minutes=8 * 60, category="party_theory",
                  start=date(YEAR, 1, 10), source_kind="admin", source_id="a1",
                  source_label="学习贯彻党的二十大精神专题培训班",
                  details={"organiser": "中国科协党校", "start": f"{YEAR}-01-10", "end": f"{YEAR}-01-12"})
    ledger_credit(person=person, cap_class="online", minutes=150, category="school_online",
                  start=date(YEAR, 1, 20), source_kind="course", source_id="k1",
                  source_label="“十四五”经济发展目标与构建新发展格局")
    return person


def test_cast_learner_archive_by_subject_and_claim_with_two_choices(page, party_learner):
    page.goto("/login/")
    page.fill("input[name=login]", "castorg-liming")
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")

    page.click("[data-testid=nav-learning]")
    page.click("text=我的学习档案")
    page.wait_for_url("**/learning/archive/**")
    online = page.locator("[data-testid=block-online]")
    offline = page.locator("[data-testid=block-offline]")
    assert page.locator("[data-testid=total-online]").inner_text() == "2.5学时"
    assert page.locator("[data-testid=total-offline]").inner_text() == "8.0学时"
    assert "党的基本理论和党性教育培训 8.0学时" in offline.inner_text()
    assert "党组织集体学习、党课学习 0.0学时" in offline.inner_text()
    assert "组织人事部认可的其他网络培训 0.0学时" in online.inner_text()
    offline_table = page.locator("[data-testid=table-offline]").inner_text()
    assert "学习贯彻党的二十大精神专题培训班" in offline_table and "中国科协党校" in offline_table
    assert "小时" not in page.locator("main").inner_text().replace("学时", "")
    # The donuts were drawn with their labels; no self-study line anywhere.
    page.wait_for_selector("#chart-subjects-online canvas")
    page.wait_for_selector("#chart-subjects-offline canvas")
    assert "在职自学" not in page.locator("main").inner_text()

    page.click("text=我的学时补录")
    tabs = page.locator("[data-testid=claim-tabs]").inner_text()
    assert "外部现场培训" in tabs and "外部网络培训" in tabs
    page.click("text=外部现场培训")
    page.click("text=新添记录")
    assert page.locator("select[name=category]").get_attribute("required") is not None
    assert page.locator("select[name=subject]").get_attribute("required") is not None
    assert page.locator("input[name=subject]").count() == 0
    page.fill("input[name=name]", "科技社团治理专项培训")
    page.fill("input[name=start]", f"{YEAR}-03-10")
    page.fill("input[name=end]", f"{YEAR}-03-12")
    page.fill("input[name=hours]", "8")
    page.select_option("select[name=category]", label="业务培训")
    # Submitting without a subject is refused next to the field; nothing is saved.
    page.click("button[value=save]")
    assert page.locator("[data-field=subject]").count() == 1
    assert not Claim.objects.exists()
    page.select_option("select[name=subject]", label="专项培训")
    page.click("button[value=save]")
    page.wait_for_selector("[data-testid=my-claims]")
    claim = Claim.objects.get()
    assert (claim.category, claim.subject, claim.minutes) == ("cast_business", "special", 480)
    assert "8.0学时" in page.locator("[data-testid=my-claims]").inner_text()
