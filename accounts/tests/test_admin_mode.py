"""我的管理: re-authentication, role choice, session rotation, lapse (ABUSE-CASES 5, 6)."""

import time

import pytest
from django.test import override_settings

from accounts.adminmode import SESSION_LAST, SESSION_SINCE
from accounts.models import Role
from accounts.tests.factories import grant
from conftest import enter_admin, login
from core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_admin_pages_need_admin_mode(cast, client):
    login(client, cast.institute_admin)
    response = client.get("/manage/")
    assert response.status_code == 302 and response["Location"].startswith("/manage/enter/")


def test_enter_with_password_rotates_session_key(cast, client):
    login(client, cast.institute_admin)
    before = client.session.session_key
    role = cast.institute_admin.roles.get()
    response = client.post("/manage/enter/", {"role": role.pk, "password": cast.password})
    assert response.status_code == 302 and response["Location"] == "/manage/"
    assert client.session.session_key != before
    page = client.get("/manage/")
    assert page.status_code == 200
    assert "所级管理员" in page.content.decode()
    assert AuditEvent.objects.filter(action="admin_mode.entered", actor=cast.institute_admin).exists()


def test_wrong_password_refused_and_counted(cast, client):
    login(client, cast.institute_admin)
    role = cast.institute_admin.roles.get()
    with override_settings(XUESHI_LOGIN_FAILURES_ALLOWED=3):
        for _ in range(3):
            response = client.post("/manage/enter/", {"role": role.pk, "password": "nope"})
            assert response.status_code == 200
        response = client.post("/manage/enter/", {"role": role.pk, "password": cast.password})
    assert response.status_code == 200
    assert "失败次数过多" in response.content.decode()
    assert client.get("/manage/").status_code == 302
    assert AuditEvent.objects.filter(action="admin_mode.failed").count() == 3


def test_missing_password_refused(cast, client):
    login(client, cast.institute_admin)
    role = cast.institute_admin.roles.get()
    response = client.post("/manage/enter/", {"role": role.pk})
    assert response.status_code == 200
    assert client.get("/manage/").status_code == 302


def test_cannot_pick_someone_elses_role(cast, client):
    login(client, cast.dept_admin)
    foreign = cast.institute_admin.roles.get()
    response = client.post("/manage/enter/", {"role": foreign.pk, "password": cast.password})
    assert response.status_code == 200
    assert client.get("/manage/").status_code == 302


def test_learner_without_roles_is_sent_home(cast, client):
    login(client, cast.learner)
    assert client.get("/manage/enter/")["Location"] == "/"


def test_several_roles_pick_one(cast, client):
    second = grant(cast.institute_admin, Role.CLASS_ADMIN, cast.niaot)
    enter_admin(client, cast.institute_admin, role=second)
    assert "培训班管理员" in client.get("/manage/").content.decode()


def _age(client, key, seconds):
    session = client.session
    session[key] = session[key] - seconds
    session.save()


def test_admin_mode_lapses_after_idle(cast, client):
    enter_admin(client, cast.institute_admin)
    _age(client, SESSION_LAST, 31 * 60)
    assert client.get("/manage/").status_code == 302


def test_activity_keeps_admin_mode_until_two_hours(cast, client):
    enter_admin(client, cast.institute_admin)
    _age(client, SESSION_LAST, 29 * 60)
    assert client.get("/manage/").status_code == 200
    session = client.session
    assert time.time() - session[SESSION_LAST] < 5  # the idle clock was touched
    _age(client, SESSION_SINCE, 2 * 3600 + 1)
    assert client.get("/manage/").status_code == 302


def test_logout_ends_admin_mode(cast, client):
    enter_admin(client, cast.institute_admin)
    client.post("/logout/")
    login(client, cast.institute_admin)
    assert client.get("/manage/").status_code == 302


def test_role_removed_takes_effect_at_next_request(cast, client):
    enter_admin(client, cast.institute_admin)
    cast.institute_admin.roles.all().delete()
    assert client.get("/manage/").status_code == 302


def test_exit_admin_mode(cast, client):
    enter_admin(client, cast.institute_admin)
    client.post("/manage/exit/")
    assert client.get("/manage/").status_code == 302
