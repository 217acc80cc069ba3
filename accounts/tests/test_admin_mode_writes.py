"""Admin mode costs no write per request (issue 11): the idle clock is touched only when
it is older than a minute, and the role is read once per request, on pages, on the API
with the page session and on the API with a bearer token."""

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.adminmode import SESSION_LAST, TOUCH_SECONDS
from accounts.models import ApiToken
from accounts.tests.test_api_auth import _enter_admin_mode, bearer, obtain
from conftest import enter_admin

pytestmark = pytest.mark.django_db

N = 8


def _writes(queries, table):
    return [q["sql"] for q in queries
            if table in q["sql"] and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE"))]


def _reads(queries, table):
    return [q["sql"] for q in queries
            if table in q["sql"] and q["sql"].lstrip().upper().startswith("SELECT")]


def _session_row(client):
    return Session.objects.get(session_key=client.session.session_key)


@pytest.mark.parametrize("url", ["/manage/", "/", "/api/v1/staff"])
def test_admin_mode_requests_do_not_save_the_session(cast, client, url):
    enter_admin(client, cast.institute_admin)
    before = _session_row(client)
    for _ in range(N):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        assert _writes(ctx.captured_queries, "django_session") == []
        # The role of the admin mode is read once per request, nothing else re-reads it.
        assert len(_reads(ctx.captured_queries, "accounts_roleassignment")) == 1, url
    after = _session_row(client)
    assert (after.session_data, after.expire_date) == (before.session_data, before.expire_date)


def test_the_idle_clock_is_touched_once_it_is_a_minute_old(cast, client):
    enter_admin(client, cast.institute_admin)
    session = client.session
    session[SESSION_LAST] = session[SESSION_LAST] - TOUCH_SECONDS - 1
    session.save()
    stale = client.session[SESSION_LAST]
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/manage/").status_code == 200
    assert len(_writes(ctx.captured_queries, "django_session")) == 1
    assert client.session[SESSION_LAST] > stale + TOUCH_SECONDS
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/manage/").status_code == 200
    assert _writes(ctx.captured_queries, "django_session") == []


def test_bearer_admin_mode_writes_its_token_at_most_once_a_minute(cast, client):
    secret = obtain(client, "niaot", cast.password).json()["token"]
    assert _enter_admin_mode(secret, cast.password, cast.institute_admin.roles.get()).status_code == 200
    api = Client()
    api.get("/api/v1/staff", **bearer(secret))  # last_used_at settles (once a minute too)
    for _ in range(N):
        with CaptureQueriesContext(connection) as ctx:
            assert api.get("/api/v1/staff", **bearer(secret)).status_code == 200
        assert _writes(ctx.captured_queries, "accounts_apitoken") == []
        assert len(_reads(ctx.captured_queries, "accounts_roleassignment")) == 1
    token = ApiToken.objects.get(user=cast.institute_admin, revoked_at__isnull=True)
    from datetime import timedelta

    ApiToken.objects.filter(pk=token.pk).update(admin_last=token.admin_last - timedelta(seconds=61))
    with CaptureQueriesContext(connection) as ctx:
        assert api.get("/api/v1/staff", **bearer(secret)).status_code == 200
    assert len(_writes(ctx.captured_queries, "accounts_apitoken")) == 1
