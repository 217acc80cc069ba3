import pytest
from django.test import override_settings

from conftest import login
from core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_profile_shows_basic_info_and_invites_email(cast, client):
    login(client, cast.learner)
    html = client.get("/me/").content.decode()
    assert "张三" in html and "niaot-zhangsan" in html and "南京天文光学技术研究所" in html
    assert 'data-testid="email-invite"' in html


def test_update_email_and_mobile_needs_password(cast, client):
    login(client, cast.learner)
    response = client.post("/me/", {"email": "ZS@niaot.ac.cn", "mobile": "+86 138-0013-8000",
                                    "password": "wrong"})
    assert response.status_code == 200 and "原密码错误" in response.content.decode()
    cast.learner.refresh_from_db()
    assert cast.learner.email is None
    response = client.post("/me/", {"email": "ZS@niaot.ac.cn", "mobile": "+86 138-0013-8000",
                                    "password": cast.password})
    assert response.status_code == 302
    cast.learner.refresh_from_db()
    assert (cast.learner.email, cast.learner.mobile) == ("zs@niaot.ac.cn", "13800138000")
    event = AuditEvent.objects.get(action="profile.updated")
    assert event.before == {"email": None, "mobile": None}


@override_settings(XUESHI_LOGIN_FAILURES_ALLOWED=3, XUESHI_LOGIN_COOLOFF_SECONDS=900)
def test_password_guessing_on_profile_is_throttled(cast, client):
    login(client, cast.learner)
    data = {"email": "zs@niaot.ac.cn", "mobile": ""}
    for _ in range(3):
        response = client.post("/me/", {**data, "password": "wrong"})
        assert response.status_code == 200 and "原密码错误" in response.content.decode()
    response = client.post("/me/", {**data, "password": cast.password})
    assert response.status_code == 200 and "失败次数过多" in response.content.decode()
    cast.learner.refresh_from_db()
    assert cast.learner.email is None
    assert AuditEvent.objects.filter(action="profile_update.failed", actor=cast.learner).count() == 3
    assert not AuditEvent.objects.filter(action="profile.updated").exists()


@pytest.mark.parametrize("email, mobile, field_text", [
    ("not-an-email", "", "有效的邮箱"),
    ("", "12345", "11 位手机号码"),
    ("x@y.cn", "1380013800012345", "11 位手机号码"),
])
def test_bad_contact_data(cast, client, email, mobile, field_text):
    login(client, cast.learner)
    response = client.post("/me/", {"email": email, "mobile": mobile, "password": cast.password})
    assert response.status_code == 200
    assert field_text in response.content.decode()


def test_email_of_another_account_refused(cast, client):
    cast.colleague.email = "taken@niaot.ac.cn"
    cast.colleague.save()
    login(client, cast.learner)
    response = client.post("/me/", {"email": "TAKEN@niaot.ac.cn", "mobile": "",
                                    "password": cast.password})
    assert "此标识不可使用" in response.content.decode()
    cast.learner.refresh_from_db()
    assert cast.learner.email is None


def test_switch_login_name_to_email(cast, client):
    cast.learner.email = "zhangsan@niaot.ac.cn"
    cast.learner.save()
    login(client, cast.learner)
    client.post("/me/login-name/")
    cast.learner.refresh_from_db()
    assert cast.learner.login_name == "zhangsan@niaot.ac.cn"
    client.post("/logout/")
    assert client.post("/login/", {"login": "zhangsan@niaot.ac.cn",
                                   "password": cast.password}).status_code == 302


def test_switch_without_email_is_refused(cast, client):
    login(client, cast.learner)
    client.post("/me/login-name/")
    cast.learner.refresh_from_db()
    assert cast.learner.login_name == "niaot-zhangsan"
