"""Issue 8, defect 10: the Django admin is read-only and its login is the project's own
(throttled, audited, ended with the person's other sessions)."""

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory, override_settings

from accounts.tests.factories import make_user
from core.models import AuditEvent
from orgs.models import Org

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(cast):
    return make_user(login_name="ops", real_name="运维", is_staff=True, is_superuser=True)


def admin_login(client, login_name, password, ip="10.0.0.1"):
    return client.post("/django-admin/login/?next=/django-admin/",
                       {"username": login_name, "password": password}, REMOTE_ADDR=ip)


def test_every_registration_is_read_only(operator):
    request = RequestFactory().get("/django-admin/")
    request.user = operator
    assert admin.site._registry, "nothing registered"
    for model, model_admin in admin.site._registry.items():
        assert not model_admin.has_add_permission(request), model
        assert not model_admin.has_change_permission(request), model
        assert not model_admin.has_delete_permission(request), model


def test_operator_cannot_edit_a_unit_or_a_person(cast, operator, client):
    assert admin_login(client, "ops", cast.password).status_code == 302
    assert client.get("/django-admin/orgs/org/").status_code == 200
    url = f"/django-admin/orgs/org/{cast.dept_a1.pk}/change/"
    response = client.post(url, {"name": "moved", "kind": "department", "parent": cast.imr.pk})
    assert response.status_code == 403
    cast.dept_a1.refresh_from_db()
    assert cast.dept_a1.name == "光学部一组" and cast.dept_a1.parent_id == cast.dept_a.pk
    assert Org.objects.get(pk=cast.dept_a1.pk).path.startswith(cast.niaot.path)
    response = client.post(f"/django-admin/accounts/user/{cast.learner.pk}/change/",
                           {"login_name": "taken", "real_name": "x"})
    assert response.status_code == 403
    assert client.post(f"/django-admin/accounts/user/{cast.learner.pk}/delete/",
                       {"post": "yes"}).status_code == 403
    assert client.get("/django-admin/accounts/roleassignment/add/").status_code == 403
    cast.learner.refresh_from_db()
    assert cast.learner.login_name == "niaot-zhangsan"


@override_settings(XUESHI_LOGIN_FAILURES_ALLOWED=3, XUESHI_LOGIN_COOLOFF_SECONDS=900,
                   XUESHI_LOGIN_CAPTCHA_AFTER=100)
def test_admin_login_is_throttled_and_audited(cast, operator):
    for n in range(3):
        response = admin_login(Client(), "ops", "guess", ip=f"172.16.0.{n}")
        assert response.status_code == 200 and "_auth_user_id" not in Client().session
    response = admin_login(Client(), "ops", cast.password, ip="172.16.0.9")
    assert response.status_code == 200
    assert "失败次数过多" in response.content.decode()
    assert AuditEvent.objects.filter(action="django_admin.failed", actor=operator).count() == 3
    assert AuditEvent.objects.filter(action="django_admin.throttled", actor=operator).count() == 1
    # The budget is the one the login page uses for unknown clients.
    response = Client().post("/login/", {"login": "ops", "password": cast.password})
    assert "失败次数过多" in response.content.decode()


def test_admin_login_success_is_audited_and_non_staff_refused(cast, operator):
    client = Client()
    assert admin_login(client, "ops", cast.password).status_code == 302
    assert AuditEvent.objects.filter(action="django_admin.succeeded", actor=operator).exists()
    learner = Client()
    response = admin_login(learner, "niaot-zhangsan", cast.password)
    assert response.status_code == 200 and "_auth_user_id" not in learner.session


def test_admin_session_ends_when_the_person_logs_out_elsewhere(cast, operator):
    console = Client()
    assert admin_login(console, "ops", cast.password).status_code == 302
    assert console.get("/django-admin/").status_code == 200
    elsewhere = Client()
    elsewhere.post("/login/", {"login": "ops", "password": cast.password})
    elsewhere.post("/logout/")
    assert console.get("/django-admin/").status_code == 302
