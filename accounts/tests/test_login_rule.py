"""The login-name rule of an institute (seeds 002, 003): the email, abbreviation-pinyin or
the mobile number of new people, chosen by the institute's admin on the unit's page."""

import pytest

from accounts.models import User
from accounts.services import person_create
from conftest import enter_admin, login
from core.errors import DomainError, ErrorCode
from core.models import AuditEvent
from orgs.models import Org
from orgs.services import org_set_login_rule

pytestmark = pytest.mark.django_db


def _create(cast, name, **fields):
    admin = cast.institute_admin
    return person_create(actor=admin, role=admin.roles.get(), real_name=name, **fields)[0]


@pytest.mark.parametrize("rule, fields, expected", [
    ("email", {"email": "WangYi@niaot.ac.cn", "mobile": "13800000001"}, "wangyi@niaot.ac.cn"),
    ("email", {"mobile": "13800000001"}, "niaot-wangyi"),
    ("pinyin", {"email": "wangyi@niaot.ac.cn", "mobile": "13800000001"}, "niaot-wangyi"),
    ("mobile", {"email": "wangyi@niaot.ac.cn", "mobile": "138 0000 0001"}, "13800000001"),
    ("mobile", {"email": "wangyi@niaot.ac.cn"}, "niaot-wangyi"),
])
def test_new_people_are_named_by_the_institute_rule(cast, rule, fields, expected):
    org_set_login_rule(actor=cast.institute_admin, role=cast.institute_admin.roles.get(),
                       org=cast.niaot, rule=rule)
    person = _create(cast, "王一", **fields)
    assert person.login_name == expected
    # Whatever the rule, the person also logs in with the email or mobile they have.
    client = login_with(person, fields.get("email") or fields.get("mobile"))
    assert client is not None


def login_with(person, identifier):
    from django.test import Client

    from accounts.services import password_change
    password_change(user=person, old_password="Abcd1234", new_password="Cast-pass-2026!")
    client = Client()
    response = client.post("/login/", {"login": identifier.replace(" ", ""), "password": "Cast-pass-2026!"})
    assert response.status_code == 302, response.content[:300]
    return client


def test_rule_is_per_institute(cast):
    org_set_login_rule(actor=cast.academy_admin, role=cast.academy_admin.roles.get(), org=cast.imr,
                       rule="mobile")
    here = _create(cast, "王二", mobile="13800000002")
    assert here.login_name == "niaot-wanger"  # niaot keeps the email rule (no email here)
    admin = cast.outsider_admin
    there, _ = person_create(actor=admin, role=admin.roles.get(), real_name="王三", mobile="13800000003")
    assert there.login_name == "13800000003"


def test_only_admins_over_the_institute_set_it_and_it_is_audited(cast):
    with pytest.raises(DomainError) as exc:
        org_set_login_rule(actor=cast.outsider_admin, role=cast.outsider_admin.roles.get(),
                           org=cast.niaot, rule="pinyin")
    assert exc.value.code == ErrorCode.NOT_FOUND
    with pytest.raises(DomainError) as exc:
        org_set_login_rule(actor=cast.institute_admin, role=cast.institute_admin.roles.get(),
                           org=cast.niaot, rule="nickname")
    assert exc.value.field == "rule"
    with pytest.raises(DomainError):
        org_set_login_rule(actor=cast.institute_admin, role=cast.institute_admin.roles.get(),
                           org=cast.dept_a, rule="pinyin")
    assert Org.objects.get(pk=cast.niaot.pk).login_rule == "email"
    org_set_login_rule(actor=cast.institute_admin, role=cast.institute_admin.roles.get(),
                       org=cast.niaot, rule="pinyin")
    event = AuditEvent.objects.get(action="org.login_rule")
    assert event.before == {"login_rule": "email"} and event.after == {"login_rule": "pinyin"}


def test_unit_page_sets_the_rule_and_the_staff_form_follows_it(cast, client):
    enter_admin(client, cast.institute_admin)
    page = client.get(f"/manage/orgs/{cast.niaot.pk}/").content.decode()
    assert 'name="login-rule"' in page and 'value="mobile"' in page
    response = client.post(f"/manage/orgs/{cast.niaot.pk}/", {"login_rule": "1", "login-rule": "mobile"})
    assert response.status_code == 302
    assert Org.objects.get(pk=cast.niaot.pk).login_rule == "mobile"
    client.post("/manage/staff/new/", {"real_name": "王四", "mobile": "13800000004",
                                       "department": cast.dept_b.pk, "hours_required": "on"})
    assert User.objects.filter(login_name="13800000004", real_name="王四").exists()
    bad = client.post(f"/manage/orgs/{cast.niaot.pk}/", {"login_rule": "1", "login-rule": "x"})
    assert bad.status_code == 200 and 'data-field="rule"' in bad.content.decode()
    assert Org.objects.get(pk=cast.niaot.pk).login_rule == "mobile"
    # The other institute's unit page is not found for this admin.
    assert client.get(f"/manage/orgs/{cast.imr.pk}/").status_code == 404
    assert client.post(f"/manage/orgs/{cast.imr.pk}/", {"login_rule": "1", "login-rule": "pinyin"}
                       ).status_code == 404
    assert Org.objects.get(pk=cast.imr.pk).login_rule == "email"


def test_learner_cannot_reach_the_unit_page(cast, client):
    login(client, cast.learner)
    response = client.post(f"/manage/orgs/{cast.niaot.pk}/", {"login_rule": "1", "login-rule": "pinyin"})
    assert response.status_code in (302, 403, 404)
    assert Org.objects.get(pk=cast.niaot.pk).login_rule == "email"


@pytest.mark.parametrize("rule, expected", [
    ("email", {"niaot-shantianfang", "lvbu@niaot.ac.cn", "niaot-ouyangxiu"}),
    ("pinyin", {"niaot-shantianfang", "niaot-lvbu", "niaot-ouyangxiu"}),
    ("mobile", {"13900000001", "niaot-lvbu", "niaot-ouyangxiu"}),
])
def test_staff_import_names_new_people_by_the_rule_and_keeps_the_sort_key(cast, rule, expected):
    from accounts.tests.test_staff_import import GOOD, run

    org_set_login_rule(actor=cast.institute_admin, role=cast.institute_admin.roles.get(),
                       org=cast.niaot, rule=rule)
    result = run(cast, GOOD)
    assert result.ok
    assert {p.login_name for p, _pw in result.created} == expected
    assert User.objects.get(employee_no="N103").name_pinyin == "ouyangxiu"
    assert User.objects.get(employee_no="N101").name_pinyin == "shantianfang"


def test_staff_import_numbers_a_pinyin_name_already_taken(cast):
    from accounts.tests.test_staff_import import GOOD, run

    org_set_login_rule(actor=cast.institute_admin, role=cast.institute_admin.roles.get(),
                       org=cast.niaot, rule="pinyin")
    _create(cast, "吕布")  # niaot-lvbu, created by hand before the import
    result = run(cast, GOOD)
    assert result.ok
    assert "niaot-lvbu2" in {p.login_name for p, _pw in result.created}
