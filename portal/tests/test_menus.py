"""The menus ask the permission table, and each admin menu item asks the same action as
the page it links to (so a role never sees a link that answers 403, nor misses one)."""

import pytest
from django.urls import resolve, reverse

from core.permissions import PERMISSIONS, Role
from portal.menus import _collect, admin_menu


def test_every_admin_item_asks_the_permission_of_its_page():
    items = _collect("ADMIN_MENU")
    assert len(items) >= 8
    for item in items:
        view = resolve(reverse(item["url"])).func
        assert item.get("permission") in PERMISSIONS, item["url"]
        assert getattr(view, "permission", None) == item["permission"], (
            f"menu item {item['url']} asks {item['permission']!r}, its page asks "
            f"{getattr(view, 'permission', None)!r}")


class _Held:
    def __init__(self, role):
        self.role = role


@pytest.mark.parametrize("role", list(Role))
def test_admin_menu_shows_exactly_what_the_table_allows(role):
    shown = {item["url"] for _section, items in admin_menu(_Held(role)) for item in items}
    expected = {item["url"] for item in _collect("ADMIN_MENU")
                if role in PERMISSIONS[item["permission"]]}
    assert shown == expected
    if role == Role.CLASS_ADMIN:
        assert "accounts:staff_list" not in shown and "claims:review" not in shown
    if role == Role.ACADEMY_ADMIN:
        assert {"ledger:policy_current", "portal:audit", "accounts:staff_list"} <= shown
