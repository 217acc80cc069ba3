import pytest

from accounts.models import Role
from accounts.tests.factories import grant
from conftest import enter_admin
from core.models import AuditEvent
from orgs.models import Org, OrgKind

pytestmark = pytest.mark.django_db


def test_tree_shows_only_scope(cast, client):
    enter_admin(client, cast.institute_admin)
    html = client.get("/manage/orgs/").content.decode()
    assert "光学部一组" in html and "机械部" in html
    assert "材料部" not in html and "金属研究所" not in html


def test_academy_admin_sees_everything(cast, client):
    enter_admin(client, cast.academy_admin)
    html = client.get("/manage/orgs/").content.decode()
    assert "材料部" in html and "沈阳分院" in html


def test_add_department_inside_scope(cast, client):
    enter_admin(client, cast.institute_admin)
    response = client.post("/manage/orgs/", {"parent": cast.dept_a.pk, "name": "光学部二组"})
    assert response.status_code == 302
    new = Org.objects.get(name="光学部二组")
    assert new.parent == cast.dept_a and new.institute == cast.niaot
    assert new.path.startswith(cast.dept_a.path)
    assert AuditEvent.objects.filter(action="org.create", object_id=str(new.pk)).exists()


def test_add_department_under_other_institute_refused(cast, client):
    enter_admin(client, cast.institute_admin)
    response = client.post("/manage/orgs/", {"parent": cast.imr_dept.pk, "name": "偷渡部"})
    assert response.status_code == 200
    assert not Org.objects.filter(name="偷渡部").exists()


def test_duplicate_sibling_name_refused(cast, client):
    enter_admin(client, cast.institute_admin)
    response = client.post("/manage/orgs/", {"parent": cast.niaot.pk, "name": "机械部"})
    assert "已存在" in response.content.decode()
    assert Org.objects.filter(name="机械部").count() == 1


def test_edit_outside_scope_is_404(cast, client):
    enter_admin(client, cast.outsider_admin)
    assert client.get(f"/manage/orgs/{cast.niaot.pk}/").status_code == 404
    response = client.post(f"/manage/orgs/{cast.dept_a.pk}/", {"rename": "1", "rename-name": "x"})
    assert response.status_code == 404
    cast.dept_a.refresh_from_db()
    assert cast.dept_a.name == "光学部"


def test_department_admin_cannot_change_tree(cast, client):
    enter_admin(client, cast.dept_admin)
    assert client.get("/manage/orgs/").status_code == 403


def test_rename_and_password_policy(cast, client):
    enter_admin(client, cast.institute_admin)
    client.post(f"/manage/orgs/{cast.dept_b.pk}/", {"rename": "1", "rename-name": "机械工程部"})
    cast.dept_b.refresh_from_db()
    assert cast.dept_b.name == "机械工程部"
    response = client.post(f"/manage/orgs/{cast.niaot.pk}/",
                           {"policy": "1", "policy-mode": "default", "policy-default_password": "123"})
    assert response.status_code == 200 and "6" in response.content.decode()
    client.post(f"/manage/orgs/{cast.niaot.pk}/", {"policy": "1", "policy-mode": "random"})
    cast.niaot.refresh_from_db()
    assert cast.niaot.initial_password_mode == "random"
    event = AuditEvent.objects.get(action="org.password_policy")
    assert "default_password" not in str(event.after)


def test_class_admin_and_second_role(cast, client):
    grant(cast.class_admin, Role.INSTITUTE_ADMIN, cast.niaot)
    enter_admin(client, cast.class_admin, role=cast.class_admin.roles.get(role=Role.CLASS_ADMIN))
    assert client.get("/manage/orgs/").status_code == 403


def test_org_kind_rules(cast):
    from core.errors import DomainError
    from orgs.services import org_create

    with pytest.raises(DomainError):
        org_create(actor=None, kind=OrgKind.DEPARTMENT, name="x", parent=cast.academy)
    with pytest.raises(DomainError):
        org_create(actor=None, kind=OrgKind.INSTITUTE, name="x", parent=cast.academy, abbr="niaot")
    with pytest.raises(DomainError):
        org_create(actor=None, kind=OrgKind.INSTITUTE, name="x", parent=cast.academy, abbr="中文")


def test_admin_home_menu_follows_role(cast, client):
    enter_admin(client, cast.institute_admin)
    assert 'href="/manage/orgs/"' in client.get("/manage/").content.decode()
    client.post("/logout/")
    enter_admin(client, cast.dept_admin)
    assert 'href="/manage/orgs/"' not in client.get("/manage/").content.decode()
