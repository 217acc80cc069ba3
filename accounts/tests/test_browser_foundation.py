"""Issue 2's journey in headless Chromium: initial password → forced change → home →
admin mode → the staff list of one's own institute only; and admin mode lapsing."""

import time

import pytest
from django.contrib.sessions.backends.db import SessionStore
from playwright.sync_api import expect

from accounts.adminmode import SESSION_LAST
from accounts.models import Role
from accounts.services import password_set_initial
from accounts.tests.factories import grant, make_user
from orgs.models import OrgKind
from orgs.tests.factories import make_org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def academy():
    cas = make_org(OrgKind.ACADEMY, name="中国科学院")
    niaot = make_org(OrgKind.INSTITUTE, cas, name="南京天文光学技术研究所", abbr="niaot")
    imr = make_org(OrgKind.INSTITUTE, cas, name="金属研究所", abbr="imr")
    optics = make_org(OrgKind.DEPARTMENT, niaot, name="光学技术研究部")
    admin = make_user(login_name="niaot-admin", real_name="王管理", institute=niaot,
                      password="Unused-Pass-2026")
    grant(admin, Role.INSTITUTE_ADMIN, niaot)
    password_set_initial(actor=None, user=admin, password="Abcd1234")
    make_user(login_name="niaot-zhangsan", real_name="张三", institute=niaot, department=optics)
    make_user(login_name="imr-sunqi", real_name="孙七", institute=imr)
    return admin


def log_in(page, login, password):
    page.goto("/login/")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", password)
    page.click("button.primary")


def test_initial_password_to_own_staff_list(page, academy):
    log_in(page, "niaot-admin", "Abcd1234")
    page.wait_for_url("**/me/password/")
    assert "初始密码" in page.locator(".notice").inner_text()
    page.goto("/manage/staff/")  # anything else leads back to the change page
    page.wait_for_url("**/me/password/")

    page.fill("input[name=old_password]", "Abcd1234")
    page.fill("input[name=new_password]", "123456")
    page.fill("input[name=new_password2]", "123456")
    page.click("button.primary")
    assert "默认密码" in page.locator(".error").first.inner_text()

    page.fill("input[name=old_password]", "Abcd1234")
    page.fill("input[name=new_password]", "Tianwen-Guangxue-88")
    page.fill("input[name=new_password2]", "Tianwen-Guangxue-88")
    page.click("button.primary")
    page.wait_for_url(lambda url: url.endswith("/"))
    assert page.locator("nav.mainnav").inner_text().split()[:1] == ["首页"]
    assert "我的学习" in page.locator("nav.mainnav").inner_text()

    page.click("[data-testid=nav-manage]")
    page.wait_for_url("**/manage/enter/**")
    page.fill("input[name=password]", "Tianwen-Guangxue-88")
    page.click("button.primary")
    page.wait_for_url("**/manage/")
    assert "所级管理员" in page.locator("[data-testid=admin-role]").inner_text()

    page.click("text=人员管理")
    page.wait_for_url("**/manage/staff/")
    table = page.locator("[data-testid=staff-table]").inner_text()
    assert "张三" in table and "孙七" not in table

    # Filtering works through htmx without a full page load.
    page.fill("input[name=q]", "张三")
    page.click("form.filters button.primary")
    # A locator assertion retries from outside the page: wait_for_function would evaluate a
    # string inside it, which our CSP (no unsafe-eval) rightly refuses once it has to poll.
    expect(page.locator("[data-testid=staff-table]")).not_to_contain_text("王管理")
    assert "张三" in page.locator("[data-testid=staff-table]").inner_text()


def test_admin_mode_lapses(page, academy, live_server):
    from accounts.services import password_change

    password_change(user=academy, old_password="Abcd1234", new_password="Tianwen-Guangxue-88")
    log_in(page, "niaot-admin", "Tianwen-Guangxue-88")
    page.goto("/manage/enter/")
    page.fill("input[name=password]", "Tianwen-Guangxue-88")
    page.click("button.primary")
    page.wait_for_url("**/manage/")
    cookie = next(c for c in page.context.cookies() if c["name"] == "sessionid")
    store = SessionStore(session_key=cookie["value"])
    store[SESSION_LAST] = time.time() - 31 * 60
    store.save()
    page.goto("/manage/staff/")
    page.wait_for_url("**/manage/enter/**")
    assert page.locator("input[name=password]").is_visible()
