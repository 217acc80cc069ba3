"""Issue 8, defect 1 in Chromium: editing only a person's mobile keeps the hire date
(the date input used to show 2026/07/01 as blank and the save erased it)."""

import datetime

import pytest

from accounts.models import Role, User
from accounts.tests.factories import grant, make_user
from orgs.models import OrgKind
from orgs.tests.factories import make_org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_editing_only_the_mobile_keeps_the_hire_date(page):
    academy = make_org(OrgKind.ACADEMY, name="中国科学院")
    niaot = make_org(OrgKind.INSTITUTE, academy, name="南京天文光学技术研究所", abbr="niaot")
    dept = make_org(OrgKind.DEPARTMENT, niaot, name="光学部")
    admin = make_user(login_name="niaot", real_name="所管理员", institute=niaot,
                      password="Tianwen-Guangxue-88")
    grant(admin, Role.INSTITUTE_ADMIN, niaot)
    person = make_user(login_name="niaot-zhangsan", real_name="张三", institute=niaot,
                       department=dept, mobile="13800138000",
                       hire_date=datetime.date(2026, 7, 1))
    page.goto("/login/")
    page.fill("input[name=login]", "niaot")
    page.fill("input[name=password]", "Tianwen-Guangxue-88")
    page.click("button.primary")
    page.wait_for_url(lambda url: url.endswith("/"))
    page.goto("/manage/enter/")
    page.fill("input[name=password]", "Tianwen-Guangxue-88")
    page.click("button.primary")
    page.wait_for_url("**/manage/")
    page.goto(f"/manage/staff/{person.pk}/")
    assert page.input_value("input[name=hire_date]") == "2026-07-01"
    page.fill("input[name=mobile]", "13900139000")
    page.click("form:has(input[name=mobile]) button.primary")
    page.wait_for_load_state()
    person = User.objects.get(pk=person.pk)
    assert person.mobile == "13900139000"
    assert person.hire_date == datetime.date(2026, 7, 1)
