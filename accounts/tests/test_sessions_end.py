"""Issue 5 "Sessions" and ABUSE-CASES 6: logout, a password change and a deactivation end
the person's other sessions and tokens; a removed role takes effect at the next request.

Each test holds two separate browser sessions (two test Clients) and a bearer token of
the mobile client, and looks at what each answers on its next request. Already covered
elsewhere, so not repeated here: two page sessions after a password change on the page
(test_auth.test_password_change_ends_other_sessions), other tokens after a password change
through the API (test_api_auth.test_password_change_revokes_other_tokens), and a role
deleted under a live page admin mode (test_admin_mode).
"""

import pytest
from django.test import Client

from accounts.models import ApiToken, Role
from accounts.tests.factories import grant
from conftest import enter_admin, login
from core.models import AuditEvent

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Tianwen-Guangxue-88"


def obtain_token(user, password) -> str:
    response = Client().post("/api/v1/auth/tokens", {"login": user.login_name, "password": password},
                             content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()["token"]


def bearer(secret: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def api_me(secret: str) -> int:
    return Client().get("/api/v1/me", **bearer(secret)).status_code


def logged_out(client: Client) -> bool:
    """The session's next request is sent to the login page."""
    response = client.get("/learning/")
    return response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.fixture
def two_sessions_and_token(cast):
    first, second = Client(), Client()
    login(first, cast.learner)
    login(second, cast.learner)
    secret = obtain_token(cast.learner, cast.password)
    assert first.get("/learning/").status_code == 200
    assert second.get("/learning/").status_code == 200
    assert api_me(secret) == 200
    return first, second, secret


def test_logout_ends_other_sessions_and_tokens(cast, two_sessions_and_token):
    first, second, secret = two_sessions_and_token
    bystander = login(Client(), cast.colleague)
    assert first.post("/logout/").status_code == 302
    assert logged_out(first)
    assert logged_out(second)
    assert api_me(secret) == 401
    assert ApiToken.objects.filter(user=cast.learner, revoked_at__isnull=True).count() == 0
    # Someone else's session is untouched, and the person can log in again.
    assert bystander.get("/learning/").status_code == 200
    login(second, cast.learner)
    assert second.get("/learning/").status_code == 200
    assert AuditEvent.objects.filter(action="logout", actor=cast.learner).count() == 1


def test_password_change_on_the_page_revokes_tokens(cast, two_sessions_and_token):
    first, second, secret = two_sessions_and_token
    response = first.post("/me/password/", {"old_password": cast.password,
                                             "new_password": NEW_PASSWORD,
                                             "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert first.get("/learning/").status_code == 200  # the session that changed it stays
    assert logged_out(second)
    assert api_me(secret) == 401
    assert api_me(obtain_token(cast.learner, NEW_PASSWORD)) == 200


def test_password_change_through_the_api_ends_page_sessions(cast, two_sessions_and_token):
    first, second, secret = two_sessions_and_token
    other_token = obtain_token(cast.learner, cast.password)
    response = Client().post("/api/v1/me/password",
                             {"old_password": cast.password, "new_password": NEW_PASSWORD},
                             content_type="application/json", **bearer(secret))
    assert response.status_code == 204
    assert api_me(secret) == 200  # the token that changed it stays
    assert api_me(other_token) == 401
    assert logged_out(first)
    assert logged_out(second)


def test_deactivation_ends_every_session_and_token(cast, two_sessions_and_token):
    first, second, secret = two_sessions_and_token
    admin = enter_admin(Client(), cast.institute_admin)
    assert admin.post(f"/manage/staff/{cast.learner.pk}/deactivate/").status_code == 302
    assert logged_out(first)
    assert logged_out(second)
    assert api_me(secret) == 401
    assert ApiToken.objects.filter(user=cast.learner, revoked_at__isnull=True).count() == 0
    # Reactivation brings back neither the old sessions nor the revoked token.
    admin.post(f"/manage/staff/{cast.learner.pk}/reactivate/")
    assert logged_out(first)
    assert logged_out(second)
    assert api_me(secret) == 401
    assert AuditEvent.objects.filter(action="person.deactivated").count() == 1


def test_removed_role_fails_the_next_admin_request(cast):
    """A department admin in admin mode in two sessions and on a token; the institute
    admin takes the role away through 人员管理."""
    person = cast.learner
    role = grant(person, Role.DEPARTMENT_ADMIN, cast.dept_a1)
    first, second = Client(), Client()
    enter_admin(first, person, role)
    enter_admin(second, person, role)
    secret = obtain_token(person, cast.password)
    entered = Client().post("/api/v1/auth/admin-mode", {"password": cast.password, "role_id": role.pk},
                            content_type="application/json", **bearer(secret))
    assert entered.status_code == 200
    for client in (first, second):
        assert client.get("/manage/").status_code == 200
    assert Client().get("/api/v1/staff", **bearer(secret)).status_code == 200

    admin = enter_admin(Client(), cast.institute_admin)
    response = admin.post(f"/manage/staff/{person.pk}/roles/{role.pk}/revoke/", {"confirmed": "1"})
    assert response.status_code == 302
    assert not person.roles.exists()

    for client in (first, second):
        response = client.get("/manage/")
        assert response.status_code == 302 and response["Location"].startswith("/manage/enter/")
        assert client.get("/manage/staff/").status_code == 302
    response = Client().get("/api/v1/staff", **bearer(secret))
    assert response.status_code == 403 and response.json()["code"] == "admin_mode_required"
    # Nor can the role be picked again.
    again = Client().post("/api/v1/auth/admin-mode", {"password": cast.password, "role_id": role.pk},
                          content_type="application/json", **bearer(secret))
    assert again.status_code == 400 and again.json()["field"] == "role"
