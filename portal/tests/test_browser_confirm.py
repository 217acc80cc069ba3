"""Issue 10's journey: an institute admin reverses a credit through the confirmation page,
which names the person, the hours and the record before anything changes."""

import pytest
from django.core.management import call_command

from accounts.models import User
from ledger.models import LedgerEntry
from portal.demodata import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_reverses_a_credit_through_the_confirmation(browser, live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo")
    person = User.objects.get(login_name="niaot-zhangsan")
    live = LedgerEntry.objects.filter(person=person, reverses__isnull=True, reversed_by__isnull=True)
    before = live.count()
    ctx = browser.new_context(base_url=live_server.url, locale="zh-CN")
    ctx.set_default_timeout(15000)
    page = ctx.new_page()
    page.goto("/login/")
    page.fill("input[name=login]", "niaot")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button.primary")
    page.click("[data-testid=nav-manage]")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button.primary")
    page.goto(f"/manage/staff/{person.pk}/archive/entries/")
    page.click("text=冲销 >> nth=0")
    summary = page.locator("[data-testid=reverse-summary]").inner_text()
    assert person.real_name in summary and "小时" in summary
    assert live.count() == before  # asking changed nothing
    page.fill("textarea[name=reason], input[name=reason]", "重复登记")
    page.click("[data-testid=reverse-confirm-button]")
    page.wait_for_url(f"**/manage/staff/{person.pk}/archive/")
    assert "冲销" in page.locator(".messages").inner_text() or "Reversed" in page.locator(".messages").inner_text()
    assert LedgerEntry.objects.filter(person=person, reverses__isnull=False).exists()
    ctx.close()
