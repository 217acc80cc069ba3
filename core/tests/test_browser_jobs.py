"""A large import in headless Chromium: the job page's progress bar follows the worker
and shows the counts without a reload."""

import pytest
from django_tasks_db.management.commands.db_worker import Worker

from accounts.models import Role
from accounts.tests.factories import grant, make_user
from claims.imports import COLUMNS
from claims.tests.helpers import YEAR
from core.models import Job
from core.tests.xlsxfiles import workbook_bytes
from orgs.models import OrgKind
from orgs.tests.factories import make_org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Tianwen-Guangxue-88"


def test_the_progress_bar_follows_the_worker_without_a_reload(page, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.XUESHI_IMPORT_INLINE_ROWS = 2
    cas = make_org(OrgKind.ACADEMY, name="中国科学院")
    niaot = make_org(OrgKind.INSTITUTE, cas, name="南京天文光学技术研究所", abbr="niaot")
    make_user(login_name="niaot-zhangsan", real_name="张三", institute=niaot, employee_no="N001")
    admin = make_user(login_name="niaot", real_name="天光所管理员", institute=niaot, password=PASSWORD)
    grant(admin, Role.INSTITUTE_ADMIN, niaot)
    rows = [["N001", "", "张三", "外部培训", YEAR, f"年会{i}", "外部培训", f"{YEAR}-03-10", f"{YEAR}-03-11",
             8, "", ""] for i in range(4)]

    page.goto("/login/")
    page.fill("input[name=login]", "niaot")
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(lambda url: "/login/" not in url)
    page.goto("/manage/claims/import/")
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    page.wait_for_url("**/manage/claims/import/")
    page.set_input_files("input[name=file]", files=[{
        "name": "导入.xlsx", "mimeType": "application/octet-stream", "buffer": workbook_bytes(COLUMNS, rows)}])
    page.click("form[enctype] button.primary")
    page.wait_for_url("**/manage/jobs/*/")
    assert page.locator("[data-testid=job-progress]").get_attribute("data-status") == "queued"
    page.evaluate("window.xueshiSamePage = true")

    # db_worker's loop (its signal handlers would stay installed in the test process).
    Worker(queue_names=["default"], interval=0, batch=True, backend_name="default", startup_delay=False,
           max_tasks=None, worker_id="test", excluded_queue_names=[]).run()

    page.wait_for_selector("[data-testid=job-progress][data-status=done]")
    assert page.evaluate("window.xueshiSamePage") is True  # replaced in place, not reloaded
    assert "新增：4" in page.locator("[data-testid=job-counts]").inner_text()
    assert page.locator("progress").get_attribute("value") == "100"
    assert Job.objects.get().rows_done == 4
