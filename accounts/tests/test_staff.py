"""人员管理: services and pages, scope, bad input (issue 2)."""

from datetime import date

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Role, RoleAssignment, User
from accounts.services import (
    person_create,
    person_deactivate,
    person_update,
    role_grant,
    role_revoke,
)
from accounts.tests.factories import make_user
from conftest import enter_admin, login
from core.errors import DomainError, ErrorCode
from core.models import AuditEvent

pytestmark = pytest.mark.django_db


def role_of(user):
    return user.roles.get()


# --- services -----------------------------------------------------------------------------

def test_create_generates_login_name_and_initial_password(cast):
    admin = cast.institute_admin
    person, password = person_create(actor=admin, role=role_of(admin), real_name="曾小贤",
                                      department=cast.dept_b, employee_no="N100",
                                      post_type="research", hire_date=date(2026, 3, 1))
    assert person.login_name == "niaot-zengxiaoxian"
    assert person.institute == cast.niaot and person.password_is_initial
    assert password == "Abcd1234"  # the institute's default
    assert person.check_password(password)
    assert person.initial_password_expires_at > timezone.now()
    assert AuditEvent.objects.filter(action="person.created", object_id=str(person.pk)).exists()
    second, _ = person_create(actor=admin, role=role_of(admin), real_name="曾小贤")
    assert second.login_name == "niaot-zengxiaoxian2"


def test_random_password_mode(cast):
    cast.niaot.initial_password_mode = "random"
    cast.niaot.save()
    _, one = person_create(actor=cast.institute_admin, role=role_of(cast.institute_admin),
                           real_name="王一")
    _, two = person_create(actor=cast.institute_admin, role=role_of(cast.institute_admin),
                           real_name="王二")
    assert one != two and len(one) == 10 and one != "Abcd1234"


def test_email_becomes_login_name(cast):
    person, _ = person_create(actor=cast.institute_admin, role=role_of(cast.institute_admin),
                              real_name="赵七", email="ZhaoQi@niaot.ac.cn")
    assert person.login_name == "zhaoqi@niaot.ac.cn"


@pytest.mark.parametrize("fields, field", [
    ({"real_name": ""}, "real_name"),
    ({"real_name": "x" * 65}, "real_name"),
    ({"real_name": "甲", "email": "nope"}, "email"),
    ({"real_name": "甲", "mobile": "123"}, "mobile"),
    ({"real_name": "甲", "post_type": "boss"}, "post_type"),
    ({"real_name": "甲", "hire_date": date(1900, 1, 1)}, "hire_date"),
    ({"real_name": "甲", "employee_no": "N001"}, "employee_no"),
    ({"real_name": "甲", "login_name": "niaot-lisi"}, "login_name"),
    ({"real_name": "甲", "login_name": "has space"}, "login_name"),
])
def test_create_refuses_bad_input(cast, fields, field):
    before = User.objects.count()
    with pytest.raises(DomainError) as exc:
        person_create(actor=cast.institute_admin, role=role_of(cast.institute_admin), **fields)
    assert exc.value.field == field
    assert User.objects.count() == before


def test_department_of_other_institute_refused(cast):
    with pytest.raises(DomainError) as exc:
        person_create(actor=cast.institute_admin, role=role_of(cast.institute_admin),
                      real_name="甲", department=cast.imr_dept)
    assert exc.value.field == "department"


def test_department_admin_creates_only_in_subtree(cast):
    role = role_of(cast.dept_admin)
    person, _ = person_create(actor=cast.dept_admin, role=role, real_name="甲")
    assert person.department == cast.dept_a
    with pytest.raises(DomainError):
        person_create(actor=cast.dept_admin, role=role, real_name="乙", department=cast.dept_b)


def test_update_records_only_changes(cast):
    person_update(actor=cast.institute_admin, role=role_of(cast.institute_admin),
                  person=cast.learner, hours_required=False, hire_date=date(2026, 2, 1),
                  real_name="张三")
    cast.learner.refresh_from_db()
    assert cast.learner.hours_required is False
    event = AuditEvent.objects.get(action="person.updated")
    assert event.before == {"hours_required": True, "hire_date": None}
    assert event.after == {"hours_required": False, "hire_date": "2026-02-01"}


def test_update_cannot_touch_other_fields(cast):
    with pytest.raises(DomainError):
        person_update(actor=cast.institute_admin, role=role_of(cast.institute_admin),
                      person=cast.learner, is_superuser=True)


def test_outsider_cannot_touch_person(cast):
    role = role_of(cast.outsider_admin)
    for call in (lambda: person_update(actor=cast.outsider_admin, role=role, person=cast.learner,
                                       real_name="改名"),
                 lambda: person_deactivate(actor=cast.outsider_admin, role=role, person=cast.learner)):
        with pytest.raises(DomainError) as exc:
            call()
        assert exc.value.code == ErrorCode.NOT_FOUND
    cast.learner.refresh_from_db()
    assert cast.learner.real_name == "张三" and cast.learner.is_active


def test_class_admin_cannot_manage_staff(cast):
    with pytest.raises(DomainError) as exc:
        person_create(actor=cast.class_admin, role=role_of(cast.class_admin), real_name="甲")
    assert exc.value.code == ErrorCode.FORBIDDEN


def test_deactivation_ends_sessions(cast):
    client = Client()
    login(client, cast.learner)
    person_deactivate(actor=cast.institute_admin, role=role_of(cast.institute_admin),
                      person=cast.learner)
    assert client.get("/").status_code == 302
    with pytest.raises(DomainError):
        person_deactivate(actor=cast.institute_admin, role=role_of(cast.institute_admin),
                          person=cast.institute_admin)


def test_role_grant_rules(cast):
    admin_role = role_of(cast.institute_admin)
    assignment = role_grant(actor=cast.institute_admin, role=admin_role, user=cast.learner,
                            new_role=Role.DEPARTMENT_ADMIN, org=cast.dept_a1)
    assert assignment.org == cast.dept_a1
    with pytest.raises(DomainError) as exc:
        role_grant(actor=cast.institute_admin, role=admin_role, user=cast.learner,
                   new_role=Role.ACADEMY_ADMIN, org=cast.academy)
    assert exc.value.code == ErrorCode.NOT_FOUND
    with pytest.raises(DomainError) as exc:
        role_grant(actor=cast.institute_admin, role=admin_role, user=cast.learner,
                   new_role=Role.DEPARTMENT_ADMIN, org=cast.niaot)
    assert exc.value.field == "org"
    with pytest.raises(DomainError) as exc:
        role_grant(actor=cast.institute_admin, role=admin_role, user=cast.outsider_learner,
                   new_role=Role.CLASS_ADMIN, org=cast.niaot)
    assert exc.value.code == ErrorCode.NOT_FOUND
    role_revoke(actor=cast.institute_admin, role=admin_role, assignment=assignment)
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    assert AuditEvent.objects.filter(action="role.revoked").exists()


def test_cannot_revoke_role_in_use(cast):
    admin_role = role_of(cast.institute_admin)
    with pytest.raises(DomainError):
        role_revoke(actor=cast.institute_admin, role=admin_role, assignment=admin_role)


# --- pages --------------------------------------------------------------------------------

def test_staff_list_shows_own_institute_only(cast, client, django_assert_max_num_queries):
    enter_admin(client, cast.institute_admin)
    with django_assert_max_num_queries(12):
        html = client.get("/manage/staff/").content.decode()
    assert "张三" in html and "李四" in html
    assert "孙七" not in html


def test_list_query_count_does_not_grow(cast, client, django_assert_max_num_queries):
    for i in range(40):
        make_user(institute=cast.niaot, department=cast.dept_b, real_name=f"员工{i}")
    enter_admin(client, cast.institute_admin)
    with django_assert_max_num_queries(12):
        assert client.get("/manage/staff/?size=50").status_code == 200


def test_department_admin_sees_subtree(cast, client):
    enter_admin(client, cast.dept_admin)
    html = client.get("/manage/staff/").content.decode()
    assert "张三" in html and "李四" not in html


def test_spoofed_filters_stay_in_scope(cast, client):
    enter_admin(client, cast.institute_admin)
    for query in (f"department={cast.imr_dept.pk}&institute={cast.imr.pk}&q=孙七",
                  f"department={cast.imr_dept.pk}", f"institute={cast.imr.pk}", "q=imr"):
        html = client.get(f"/manage/staff/?{query}").content.decode()
        assert f'data-person="{cast.outsider_learner.pk}"' not in html, query


def test_filters(cast, client):
    cast.colleague.hire_date = timezone.localdate().replace(month=1, day=2)
    cast.colleague.hours_required = False
    cast.colleague.save()
    enter_admin(client, cast.institute_admin)
    html = client.get("/manage/staff/?new_hires=on").content.decode()
    assert "李四" in html and "张三" not in html
    html = client.get("/manage/staff/?hours_required=0").content.decode()
    assert "李四" in html and "张三" not in html
    html = client.get(f"/manage/staff/?department={cast.dept_a.pk}").content.decode()
    assert "张三" in html and "李四" not in html
    html = client.get("/manage/staff/?q=N002").content.decode()
    assert "李四" in html and "张三" not in html
    assert client.get("/manage/staff/?size=7&department=abc&page=999").status_code == 200


def test_htmx_list_returns_table(cast, client):
    enter_admin(client, cast.institute_admin)
    html = client.get("/manage/staff/?q=张", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in html and "张三" in html


def test_create_page_shows_password_once(cast, client):
    enter_admin(client, cast.institute_admin)
    response = client.post("/manage/staff/new/", {"real_name": "单田芳", "department": cast.dept_b.pk,
                                                  "hours_required": "on"})
    html = response.content.decode()
    assert "niaot-shantianfang" in html and "Abcd1234" in html
    person = User.objects.get(login_name="niaot-shantianfang")
    assert person.department == cast.dept_b


def test_create_page_errors_next_to_field(cast, client):
    enter_admin(client, cast.institute_admin)
    response = client.post("/manage/staff/new/", {"real_name": "甲", "email": "bad"})
    assert response.status_code == 200
    assert 'data-field="email"' in response.content.decode()
    assert not User.objects.filter(real_name="甲").exists()


def test_edit_person_of_other_institute_is_404(cast, client):
    enter_admin(client, cast.outsider_admin)
    assert client.get(f"/manage/staff/{cast.learner.pk}/").status_code == 404
    response = client.post(f"/manage/staff/{cast.learner.pk}/", {"real_name": "改名"})
    assert response.status_code == 404
    assert client.post(f"/manage/staff/{cast.learner.pk}/deactivate/").status_code == 404
    assert client.post(f"/manage/staff/{cast.learner.pk}/reset-password/").status_code == 404
    cast.learner.refresh_from_db()
    assert cast.learner.real_name == "张三" and cast.learner.is_active
    assert not cast.learner.password_is_initial


def test_edit_and_deactivate_pages(cast, client):
    enter_admin(client, cast.institute_admin)
    response = client.post(f"/manage/staff/{cast.learner.pk}/", {
        "real_name": "张三", "login_name": "niaot-zhangsan-a", "department": cast.dept_a.pk,
        "employee_no": "N001", "hire_date": "2020-09-01", "post_type": "support"})
    assert response.status_code == 302
    cast.learner.refresh_from_db()
    assert cast.learner.login_name == "niaot-zhangsan-a" and cast.learner.hours_required is False
    client.post(f"/manage/staff/{cast.learner.pk}/deactivate/")
    cast.learner.refresh_from_db()
    assert not cast.learner.is_active
    client.post(f"/manage/staff/{cast.learner.pk}/reactivate/")
    cast.learner.refresh_from_db()
    assert cast.learner.is_active


def test_reset_password_page(cast, client):
    enter_admin(client, cast.institute_admin)
    html = client.post(f"/manage/staff/{cast.learner.pk}/reset-password/").content.decode()
    assert "Abcd1234" in html
    cast.learner.refresh_from_db()
    assert cast.learner.password_is_initial


def test_class_admin_gets_403(cast, client):
    enter_admin(client, cast.class_admin)
    assert client.get("/manage/staff/").status_code == 403


def test_without_admin_mode_redirects(cast, client):
    login(client, cast.institute_admin)
    assert client.get("/manage/staff/").status_code == 302


def test_grant_and_revoke_role_pages(cast, client):
    enter_admin(client, cast.institute_admin)
    client.post(f"/manage/staff/{cast.learner.pk}/roles/",
                {"grant-role": "department_admin", "grant-org": cast.dept_a1.pk})
    assignment = RoleAssignment.objects.get(user=cast.learner)
    ask = client.post(f"/manage/staff/{cast.learner.pk}/roles/{assignment.pk}/revoke/")
    assert ask.status_code == 200 and 'data-testid="confirm"' in ask.content.decode()
    assert cast.dept_a1.name in ask.content.decode() and "部门管理员" in ask.content.decode()
    assert RoleAssignment.objects.filter(user=cast.learner).exists()
    client.post(f"/manage/staff/{cast.learner.pk}/roles/{assignment.pk}/revoke/", {"confirmed": "1"})
    assert not RoleAssignment.objects.filter(user=cast.learner).exists()
    client.post(f"/manage/staff/{cast.learner.pk}/roles/",
                {"grant-role": "department_admin", "grant-org": cast.imr_dept.pk})
    assert not RoleAssignment.objects.filter(user=cast.learner).exists()
