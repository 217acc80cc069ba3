"""Issue 8, defect 1 (accounts part): edit forms write ISO dates into date inputs, and
saving a form exactly as rendered changes nothing; editing only the mobile keeps the
hire date."""

import datetime
from html.parser import HTMLParser

import pytest
from django.test import Client

from accounts.models import User
from conftest import enter_admin, login
from core.models import AuditEvent

pytestmark = pytest.mark.django_db


class _FormValues(HTMLParser):
    """The values a browser would submit for each form with method=post (inputs,
    checked checkboxes, selected options)."""

    def __init__(self):
        super().__init__()
        self.forms, self._select, self._in_form = [], None, False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self._in_form = True
            self.data, self.types = {}, {}
            self.forms.append((self.data, self.types))
        if not self._in_form:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button"):
            self.types[name] = a.get("type", "text")
            if a.get("type") == "checkbox":
                if "checked" in a:
                    self.data[name] = a.get("value", "on")
            else:
                self.data[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        if tag == "form":
            self._in_form = False


def form_values(html: str) -> tuple[dict, dict]:
    """The edit form of the page: the POST form with the most fields."""
    parser = _FormValues()
    parser.feed(html)
    return max(parser.forms, key=lambda form: len(form[0]))


@pytest.fixture
def hired(cast):
    User.objects.filter(pk=cast.learner.pk).update(hire_date=datetime.date(2026, 7, 1),
                                                   mobile="13800138000",
                                                   email="zhangsan@niaot.ac.cn",
                                                   post_type="research")
    return cast.learner


def _snapshot(user):
    return User.objects.filter(pk=user.pk).values().get()


def test_staff_edit_form_shows_iso_date_and_unchanged_save_changes_nothing(cast, hired):
    client = Client()
    enter_admin(client, cast.institute_admin)
    url = f"/manage/staff/{hired.pk}/"
    data, types = form_values(client.get(url).content.decode())
    assert types["hire_date"] == "date" and data["hire_date"] == "2026-07-01"
    before = _snapshot(hired)
    response = client.post(url, data)
    assert response.status_code == 302, response.content[:2000]
    assert _snapshot(hired) == before
    assert not AuditEvent.objects.filter(action="person.updated").exists()


def test_changing_only_the_mobile_keeps_the_hire_date(cast, hired):
    client = Client()
    enter_admin(client, cast.institute_admin)
    url = f"/manage/staff/{hired.pk}/"
    data, _types = form_values(client.get(url).content.decode())
    data["mobile"] = "13900139000"
    assert client.post(url, data).status_code == 302
    hired.refresh_from_db()
    assert hired.mobile == "13900139000" and hired.hire_date == datetime.date(2026, 7, 1)
    event = AuditEvent.objects.get(action="person.updated")
    assert set(event.after) == {"mobile"}


def test_profile_form_unchanged_save_changes_nothing(cast, hired):
    client = Client()
    login(client, hired)
    data, _types = form_values(client.get("/me/").content.decode())
    assert data["mobile"] == "13800138000" and data["email"] == "zhangsan@niaot.ac.cn"
    data["password"] = cast.password
    before = _snapshot(hired)
    assert client.post("/me/", data).status_code == 302
    assert _snapshot(hired) == before
    assert not AuditEvent.objects.filter(action="profile.updated").exists()
