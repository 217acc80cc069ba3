"""Issue 9, finding 6: login names, emails and mobiles form one namespace; refusals do
not tell whether an identifier is registered elsewhere; a failed login lands in the
audit trail of the right account only."""

import pytest
from django.test import Client

from accounts.models import User
from accounts.services import person_create, person_update, profile_update
from accounts.staff_import import COLUMNS, staff_import
from accounts.tests.factories import make_user
from core.errors import DomainError, ErrorCode
from core.models import AuditEvent
from core.tests.xlsxfiles import upload, workbook_bytes

pytestmark = pytest.mark.django_db

GENERIC = "此标识不可使用，请换一个。"


@pytest.fixture
def imr_mobile(cast):
    """An IMR learner with a mobile number and an email."""
    cast.outsider_learner.mobile = "13800138000"
    cast.outsider_learner.email = "sunqi@imr.ac.cn"
    cast.outsider_learner.save()
    return cast.outsider_learner


def _admin(cast):
    return cast.institute_admin, cast.institute_admin.roles.get()


@pytest.mark.parametrize("fields, field", [
    ({"login_name": "13800138000"}, "login_name"),   # someone's mobile as a login name
    ({"login_name": "SunQi@imr.ac.cn"}, "login_name"),  # someone's email as a login name
    ({"login_name": "imr-sunqi"}, "login_name"),
    ({"email": "imr-sunqi@x.cn", "login_name": "a1"}, None),  # fine: not an identifier
    ({"mobile": "13800138000"}, "mobile"),
    ({"email": "SUNQI@imr.ac.cn"}, "email"),
])
def test_staff_create_refuses_another_accounts_identifier(cast, imr_mobile, fields, field):
    actor, role = _admin(cast)
    if field is None:
        person, _pw = person_create(actor=actor, role=role, real_name="甲", **fields)
        assert person.pk
        return
    with pytest.raises(DomainError) as exc:
        person_create(actor=actor, role=role, real_name="甲", **fields)
    assert exc.value.code == ErrorCode.INVALID and exc.value.field == field
    assert str(exc.value.message) == GENERIC


def test_staff_edit_refuses_and_api_says_nothing_about_the_holder(cast, imr_mobile):
    actor, role = _admin(cast)
    with pytest.raises(DomainError) as exc:
        person_update(actor=actor, role=role, person=cast.learner, login_name="13800138000")
    assert exc.value.field == "login_name"
    from accounts.services import token_create, token_enter_admin_mode

    token, secret = token_create(user=actor)
    token_enter_admin_mode(token=token, password=cast.password, role_id=role.pk, ip="127.0.0.1")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    for payload in ({"mobile": "13800138000"}, {"email": "sunqi@imr.ac.cn"},
                    {"login_name": "13800138000"}):
        response = api.patch(f"/api/v1/staff/{cast.learner.pk}", payload,
                             content_type="application/json")
        assert response.status_code == 400, payload
        body = response.json()
        assert body["code"] == "invalid" and body["message"] == GENERIC
        assert "孙七" not in str(body) and "金属" not in str(body) and "imr" not in str(body)
    # A mobile nobody has gives a different answer only because it is accepted.
    response = api.patch(f"/api/v1/staff/{cast.learner.pk}", {"mobile": "13900000000"},
                         content_type="application/json")
    assert response.status_code == 200
    cast.learner.refresh_from_db()
    assert cast.learner.login_name == "niaot-zhangsan" and cast.learner.mobile == "13900000000"


def test_profile_refuses_another_accounts_login_name(cast, imr_mobile):
    numeric = make_user(login_name="13700137000", institute=cast.imr)
    for kwargs, field in (({"mobile": "13700137000", "email": None}, "mobile"),
                          ({"mobile": None, "email": "sunqi@imr.ac.cn"}, "email")):
        with pytest.raises(DomainError) as exc:
            profile_update(user=cast.learner, password=cast.password, **kwargs)
        assert exc.value.field == field and str(exc.value.message) == GENERIC
    assert numeric.mobile is None


def test_import_refuses_another_accounts_identifier(cast, imr_mobile):
    make_user(login_name="13700137000", institute=cast.imr)
    rows = [["新人", "N201", "", "13700137000", "光学部", "科研岗", "", "是"]]
    result = staff_import(actor=cast.institute_admin, role=cast.institute_admin.roles.get(),
                          upload=upload(workbook_bytes(COLUMNS, rows)))
    assert not result.ok
    assert [str(e.message) for e in result.errors] == [GENERIC]
    assert not User.objects.filter(employee_no="N201").exists()


def test_failed_login_lands_with_the_right_account_only(cast):
    # Data from before the rule: A's login name is B's mobile.
    a = make_user(login_name="13600136000", institute=cast.imr)
    b = make_user(login_name="niaot-b", institute=cast.niaot, mobile="13600136000")
    Client().post("/login/", {"login": "13600136000", "password": "wrong"},
                  REMOTE_ADDR="10.7.7.7")
    event = AuditEvent.objects.get(action="login.failed")
    assert event.actor_id is None and event.org_id is None
    assert not AuditEvent.objects.filter(actor__in=[a, b]).exists()
    # Each logs in with an identifier that names only them.
    assert Client().post("/login/", {"login": "niaot-b",
                                     "password": cast.password}).status_code == 302
