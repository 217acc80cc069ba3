"""Issue 13's "done when" in headless Chromium: the institute admin opens the backbone
table inside the window, reports two people in batch, locks; creates the annual summary,
edits 总经费, exports it; the file opens with openpyxl and holds the expected figures."""

import io
from datetime import timedelta

import openpyxl
import pytest
from django.utils import timezone

from accounts.models import Role
from accounts.tests.factories import grant, make_user
from orgs.models import OrgKind
from orgs.tests.factories import make_org
from reports.models import BackboneNomination, BackboneReport, BackboneWindow
from reports.tests.helpers import YEAR, H, credit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Tianwen-Guangxue-88"


def test_backbone_batch_lock_then_the_summary_exported(page, tmp_path):
    academy = make_org(OrgKind.ACADEMY, name="中国科学院")
    niaot = make_org(OrgKind.INSTITUTE, academy, name="南京天文光学技术研究所", abbr="niaot")
    cas_admin = make_user(login_name="cas-admin", real_name="人事局", password=PASSWORD)
    grant(cas_admin, Role.ACADEMY_ADMIN, academy)
    admin = make_user(login_name="niaot", real_name="所管理员", institute=niaot, password=PASSWORD)
    grant(admin, Role.INSTITUTE_ADMIN, niaot)
    a = make_user(institute=niaot, real_name="甲")
    b = make_user(institute=niaot, real_name="乙")
    make_user(institute=niaot, real_name="丙")
    for p in (a, b):
        credit(p, 100 * H)
    today = timezone.localdate()
    BackboneWindow.objects.create(org=academy, year=YEAR, opens_on=today - timedelta(days=1),
                                  closes_on=today + timedelta(days=1), opened_by=cas_admin)

    page.goto("/login/")
    page.fill("input[name=login]", "niaot")
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(lambda url: url.endswith("/"))
    page.goto("/manage/enter/")
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    page.wait_for_url("**/manage/")
    page.click("text=骨干人才筛选上报表")
    page.wait_for_url("**/manage/reports/backbone/**")
    table = page.locator("[data-testid=backbone-candidates]")
    assert "甲" in table.inner_text() and "丙" not in table.inner_text()
    page.check(f"input[name=ids][value='{a.pk}']")
    page.check(f"input[name=ids][value='{b.pk}']")
    page.click("[data-testid=report]")
    page.wait_for_load_state()
    assert page.locator("[data-testid=reported]").inner_text() == "2"
    page.click("[data-testid=lock]")
    page.click("[data-testid=confirm-button]")  # the confirmation step names what changes
    page.wait_for_load_state()
    assert "已完成上报" in page.locator("[data-testid=backbone-status]").inner_text()
    assert BackboneReport.objects.get().locked and BackboneNomination.objects.count() == 2

    page.goto("/manage/reports/summaries/")
    page.fill("[data-testid=summary-create] input[name=year]", str(YEAR))
    page.click("[data-testid=summary-create] button.primary")
    page.wait_for_url("**/manage/reports/summaries/*/")
    page.fill("input[name=funding]", "36.5")
    page.click("[data-testid=summary-save]")
    page.wait_for_load_state()
    assert page.input_value("input[name=funding]") == "36.50"
    with page.expect_download() as download:
        page.click("[data-testid=summary-export]")
    path = tmp_path / "summary.xlsx"
    download.value.save_as(path)
    book = openpyxl.load_workbook(io.BytesIO(path.read_bytes()))
    values = {row[0]: row[1] for row in book.active.iter_rows(min_row=4, values_only=True)}
    assert values["单位投入总经费（万元）"] == 36.5
    assert values["单位在职总人数"] == 4  # 所管理员, 甲, 乙, 丙
    assert values["学时达标人数"] == 2 and values["需学时达标人数"] == 4 and values["职工完训率"] == "50.00%"
    assert values["骨干人才完训率"] == "1250.00%"  # 2 / (4 × 4%)
    assert values["单位职工总学时"] == "200小时"
