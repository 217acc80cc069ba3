"""Issue 10, phones: every learner page of the demo at 390×844 in Chinese and English —
no page wider than the screen (wide tables scroll inside their own box, the side menu
is a horizontally scrolling tab bar). Also the learner's journey on the phone: open the
archive, then file a claim."""

import pytest
from django.core.management import call_command

from claims.models import Claim, ClaimStatus
from claims.tests.helpers import PDF
from portal.demodata import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LEARNER_PAGES = ["/", "/learning/", "/learning/archive/", "/learning/external/",
                 "/learning/external/external_training/", "/learning/external/online/",
                 "/learning/external/external_training/new/", "/learning/notifications/",
                 "/me/", "/me/password/"]


def phone(browser, live_server, login, language):
    ctx = browser.new_context(base_url=live_server.url, viewport=PHONE, locale="zh-CN",
                              is_mobile=True, has_touch=True)
    ctx.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    ctx.set_default_timeout(15000)
    page = ctx.new_page()
    page.goto("/login/")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button.primary")
    page.wait_for_url(lambda url: "/login/" not in url)
    return ctx, page


def overflow(page) -> tuple[int, int]:
    return page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")


def test_no_learner_page_is_wider_than_a_phone(browser, live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo")
    failures = []
    for login in ("niaot-zhangsan", "castorg-liming"):
        for language in ("zh-hans", "en"):
            ctx, page = phone(browser, live_server, login, language)
            claim = Claim.objects.filter(owner__login_name=login).first()
            extra = [f"/learning/external/claim/{claim.pk}/"] if claim else []
            for path in LEARNER_PAGES + extra:
                response = page.goto(path)
                assert response.status == 200, (login, language, path, response.status)
                assert page.locator("html").get_attribute("lang") == language
                width, inner = overflow(page)
                if width > inner:
                    failures.append((login, language, path, width, inner))
                # A wide table scrolls in its box instead of squeezing its headings into
                # one character per line.
                tallest = page.evaluate("Math.max(0, ...[...document.querySelectorAll("
                                        "'table.data th')].map(th => th.offsetHeight))")
                if tallest > 60:
                    failures.append((login, language, path, "table heading", tallest))
            # The side menu is a tab bar: all its items in one row that scrolls sideways.
            page.goto("/learning/archive/")
            tops = page.eval_on_selector_all(".sidebar a", "els => els.map(e => e.offsetTop)")
            assert len(tops) >= 4 and len(set(tops)) == 1
            ctx.close()
    assert failures == []


def test_learner_on_a_phone_opens_the_archive_and_files_a_claim(browser, live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo")
    ctx, page = phone(browser, live_server, "niaot-zhangsan", "zh-hans")
    page.click("[data-testid=nav-learning]")
    page.click(".sidebar >> text=我的档案")
    page.wait_for_url("**/learning/archive/")
    assert page.locator("h1").inner_text() == "我的档案"
    assert overflow(page)[0] <= PHONE["width"]
    page.click(".sidebar >> text=我的外部学习")
    page.click("text=新添记录")
    year = page.locator("select[name=year] option").first.get_attribute("value")
    page.select_option("select[name=year]", year)
    page.fill("input[name=name]", "手机上填报的培训")
    page.select_option("select[name=category]", index=1)
    page.fill("input[name=start]", f"{year}-03-10")
    page.fill("input[name=end]", f"{year}-03-11")
    page.fill("input[name=hours]", "8")
    page.fill("input[name=organiser]", "天光所")
    page.set_input_files("input[name=certificate]", files=[
        {"name": "证书.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    assert overflow(page)[0] <= PHONE["width"]
    page.click("button[value=submit]")
    page.wait_for_url("**/learning/external/external_training/")
    assert Claim.objects.get(name="手机上填报的培训").status == ClaimStatus.SUBMITTED
    assert "手机上填报的培训" in page.locator("[data-testid=my-claims]").inner_text()
    assert overflow(page)[0] <= PHONE["width"]
    ctx.close()
