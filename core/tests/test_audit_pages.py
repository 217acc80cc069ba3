import pytest
from django.test import Client

from conftest import enter_admin
from core.audit import audit_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(cast):
    audit_record(actor=cast.institute_admin, action="person.updated", obj=cast.learner,
                 org=cast.dept_a1, before={"hire_date": None}, after={"hire_date": "2026-03-01"})
    audit_record(actor=cast.outsider_admin, action="person.updated", obj=cast.outsider_learner,
                 org=cast.imr_dept, note="secret-imr-note")
    Client().post("/login/", {"login": "niaot-zhangsan", "password": "wrong"})
    return cast


def test_institute_admin_sees_own_scope_only(events, client):
    enter_admin(client, events.institute_admin)
    html = client.get("/manage/audit/").content.decode()
    assert "张三 (niaot-zhangsan)" in html
    assert "login.failed" in html
    assert "孙七" not in html and "secret-imr-note" not in html


def test_academy_admin_sees_all_institutes(events, client):
    enter_admin(client, events.academy_admin)
    html = client.get("/manage/audit/?q=secret-imr").content.decode()
    assert "孙七" in html


def test_spoofed_filters_stay_in_scope(events, client):
    enter_admin(client, events.institute_admin)
    html = client.get(f"/manage/audit/?q=secret&org={events.imr.pk}&institute={events.imr.pk}").content.decode()
    assert "secret-imr-note" not in html


def test_filters_and_bad_dates(events, client):
    enter_admin(client, events.institute_admin)
    html = client.get("/manage/audit/?action=login").content.decode()
    assert "login.failed" in html and "person.updated" not in html
    response = client.get("/manage/audit/?date_from=2026-05-01&date_to=2026-04-01")
    assert response.status_code == 200 and "结束日期早于开始日期" in response.content.decode()
    assert client.get("/manage/audit/?date_from=garbage").status_code == 200


def test_weak_roles_forbidden(events, client):
    enter_admin(client, events.dept_admin)
    assert client.get("/manage/audit/").status_code == 403


def test_htmx_returns_the_table_only(events, client):
    enter_admin(client, events.institute_admin)
    html = client.get("/manage/audit/", HTTP_HX_REQUEST="true").content.decode()
    assert html.lstrip().startswith("<table") or 'data-testid="audit-table"' in html[:300]
    assert "<html" not in html
