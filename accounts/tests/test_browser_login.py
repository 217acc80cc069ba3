import pytest

from accounts.tests.factories import make_user
from orgs.models import OrgKind
from orgs.tests.factories import make_org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_page_in_chinese_and_wrong_password_message(page):
    academy = make_org(OrgKind.ACADEMY, name="中国科学院")
    niaot = make_org(OrgKind.INSTITUTE, academy, name="南京天文光学技术研究所", abbr="niaot")
    make_user(login_name="niaot-zhangsan", real_name="张三", institute=niaot,
              password="Tianwen-Guangxue-88")
    page.goto("/login/")
    assert page.locator("h1").inner_text() == "登录"
    page.fill("input[name=login]", "niaot-zhangsan")
    page.fill("input[name=password]", "wrong")
    page.click("button.primary")
    assert "用户名或密码错误" in page.locator(".form-errors").inner_text()
    page.fill("input[name=password]", "Tianwen-Guangxue-88")
    page.click("button.primary")
    page.wait_for_url("**/")
    assert "您好，张三" in page.locator(".greeting").inner_text()
