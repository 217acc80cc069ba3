"""Menus assembled from the apps: each app may have a `menu.py` with ADMIN_MENU and
LEARNING_MENU lists, so a new app adds its pages without editing the portal.

An item: {"section": gettext_lazy(...), "label": gettext_lazy(...), "url": "app:name",
"permission": "claims.review", "terms": {"cast": gettext_lazy(...)}} — the action of core.permissions the linked page asks
(admin menu only; a test checks it is the page's own). Without one, every admin role
sees the item.
"""

from functools import cache
from importlib import import_module

from django.apps import apps
from django.urls import NoReverseMatch, reverse

from core.permissions import has_permission


@cache
def _collect(name: str) -> list[dict]:
    items = []
    for config in apps.get_app_configs():
        try:
            module = import_module(f"{config.name}.menu")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.menu":
                raise
            continue
        items.extend(getattr(module, name, []))
    return items


def _resolved(items, role=None):
    out = []
    for item in items:
        action = item.get("permission")
        if role is not None and action and not has_permission(role, action):
            continue
        try:
            url = reverse(item["url"])
        except NoReverseMatch:
            continue
        out.append({**item, "href": url})
    return out


def admin_menu(role) -> list[tuple[str, list[dict]]]:
    """The admin menu for the role in use, grouped by section in declaration order."""
    sections: dict[str, list[dict]] = {}
    for item in _resolved(_collect("ADMIN_MENU"), role):
        sections.setdefault(str(item["section"]), []).append(item)
    return list(sections.items())


def learning_menu(terms: str = "cas") -> list[dict]:
    """The learner's menu, labelled in the names of the learner's rule set (`terms` of
    the policy: an item's "terms" gives its label under the CAST rules, 我的学习档案 …)."""
    return [{**item, "label": item.get("terms", {}).get(terms, item["label"])}
            for item in _resolved(_collect("LEARNING_MENU"))]
