"""忘记密码 in Chromium: from the login page to the emailed link, a new password, and the
session the person had open elsewhere ended."""

import re

import pytest
from django.core import mail

from accounts.tests.factories import make_user
from orgs.models import OrgKind
from orgs.tests.factories import make_org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OLD, NEW = "Tianwen-Guangxue-88", "Xingyun-Tianwen-2027"


def log_in(page, password):
    page.goto("/login/")
    page.fill("input[name=login]", "niaot-zhangsan")
    page.fill("input[name=password]", password)
    page.click("button.primary")


def test_forgot_password_by_email_ends_the_old_sessions(page, browser, live_server):
    academy = make_org(OrgKind.ACADEMY, name="中国科学院")
    niaot = make_org(OrgKind.INSTITUTE, academy, name="南京天文光学技术研究所", abbr="niaot")
    make_user(login_name="niaot-zhangsan", real_name="张三", institute=niaot, password=OLD,
              email="zhangsan@niaot.example")
    # The person is signed in on another computer.
    elsewhere = browser.new_context(base_url=live_server.url, locale="zh-CN").new_page()
    log_in(elsewhere, OLD)
    elsewhere.wait_for_url("**/")
    assert "您好，张三" in elsewhere.locator(".greeting").inner_text()

    page.goto("/login/")
    page.click("text=忘记密码?")
    page.wait_for_url("**/password/reset/")
    page.fill("input[name=login]", "zhangsan@niaot.example")
    page.click("button.primary")
    page.wait_for_url("**/login/")
    assert "消息已经发出" in page.locator("body").inner_text()
    link = re.search(r"https?://\S+/password/reset/\S+/\S+/", mail.outbox[-1].body).group(0)
    page.goto(link)
    page.wait_for_url("**/password/reset/new/")
    page.fill("input[name=new_password]", NEW)
    page.fill("input[name=new_password2]", NEW)
    page.click("button.primary")
    page.wait_for_url("**/login/")
    assert "密码已重置" in page.locator("body").inner_text()

    # The other computer's session has ended.
    elsewhere.goto("/")
    elsewhere.wait_for_url("**/login/**")
    # The old password no longer works, the new one does; the link is used up.
    log_in(page, OLD)
    assert "用户名或密码错误" in page.locator(".form-errors").inner_text()
    log_in(page, NEW)
    page.wait_for_url("**/")
    assert "您好，张三" in page.locator(".greeting").inner_text()
    page.goto(link)
    page.wait_for_url("**/password/reset/")
    assert "重置链接无效或已过期" in page.locator("body").inner_text()
    elsewhere.context.close()
