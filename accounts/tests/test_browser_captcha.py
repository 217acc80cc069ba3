"""验证码 in Chromium: failed logins bring the picture up, 换一张 replaces it, the right
characters log in."""

import pytest
from captcha.models import CaptchaStore

from accounts.tests.factories import make_user
from orgs.models import OrgKind
from orgs.tests.factories import make_org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LOADED = "() => { const i = document.querySelector('#captcha img'); " \
         "return i && i.complete && i.naturalWidth > 0; }"


def test_failed_logins_bring_the_captcha_and_the_right_answer_logs_in(page, settings):
    settings.XUESHI_LOGIN_CAPTCHA_AFTER = 2
    settings.XUESHI_LOGIN_FAILURES_ALLOWED = 5
    academy = make_org(OrgKind.ACADEMY, name="中国科学院")
    niaot = make_org(OrgKind.INSTITUTE, academy, name="南京天文光学技术研究所", abbr="niaot")
    make_user(login_name="niaot-zhangsan", real_name="张三", institute=niaot,
              password="Tianwen-Guangxue-88")
    page.goto("/login/")
    for n in range(2):
        assert page.locator("#captcha").count() == 0
        page.fill("input[name=login]", "niaot-zhangsan")
        page.fill("input[name=password]", f"wrong-{n}")
        page.click("button.primary")
        assert "用户名或密码错误" in page.locator(".form-errors").inner_text()
    picture = page.locator("#captcha img")
    picture.wait_for()
    page.wait_for_function(LOADED)
    first = page.locator("input[name=captcha_key]").input_value()
    page.click("text=换一张")
    page.wait_for_function(
        "(first) => document.querySelector('input[name=captcha_key]').value !== first", arg=first)
    key = page.locator("input[name=captcha_key]").input_value()
    page.wait_for_function(LOADED)
    answer = CaptchaStore.objects.get(hashkey=key).response
    page.fill("input[name=login]", "niaot-zhangsan")
    page.fill("input[name=password]", "Tianwen-Guangxue-88")
    page.fill("input[name=captcha]", answer)
    page.click("button.primary")
    page.wait_for_url("**/")
    assert "您好，张三" in page.locator(".greeting").inner_text()
