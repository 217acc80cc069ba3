"""Issue 9, finding 5: a person signed in with an initial password reaches exactly the
(route, method) pairs of accounts.gate.INITIAL_PASSWORD_ALLOWED: every URL pattern of
the URLconf × every method (for the API: the methods its router declares), by session
and by bearer token."""

import re

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver, resolve
from ninja.operation import PathView

from accounts.gate import INITIAL_PASSWORD_ALLOWED
from accounts.services import password_set_initial, token_create
from config.api import api

pytestmark = pytest.mark.django_db

PAGE_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")
_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")


def _sample(route: str) -> str:
    """A concrete path for a route or regex pattern (ids that may not exist: the gate
    answers before any view looks them up)."""
    path = _CONVERTER.sub(lambda m: "x" if m.group(1) in ("str", "slug", "path") else "999999",
                          route)
    path = _GROUP.sub(lambda m: "accounts" if m.group(1) == "app_label" else "x", path)
    return "/" + path.replace("^", "").replace("$", "")


def _routes(patterns=None, prefix=""):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern)


def _api_methods(route: str) -> set[str]:
    """The methods the ninja router declares on the path view this route resolves to
    (ninja mounts one view per path; its operations carry the methods)."""
    view = resolve(_sample(route)).func
    path_views = [c.cell_contents for c in (getattr(view, "__closure__", None) or ())
                  if isinstance(c.cell_contents, PathView)]
    if not path_views:  # the schema and the docs page
        return {"GET"}
    return {m for op in path_views[0].operations for m in op.methods}


def _cases():
    seen = set()
    for route in _routes():
        if route in seen:
            continue
        seen.add(route)
        if route.startswith("api/v1/"):
            for method in sorted(_api_methods(route)):
                yield route, method
        else:
            for method in PAGE_METHODS:
                yield route, method


CASES = list(_cases())


def test_the_walk_covers_every_api_operation():
    api_cases = {case for case in CASES if case[0].startswith("api/v1/")}
    assert ("api/v1/me", "PATCH") in api_cases and ("api/v1/auth/tokens", "GET") in api_cases
    operations = sum(len(op.methods) for _p, router in api._routers
                     for view in router.path_operations.values() for op in view.operations)
    assert len(api_cases) >= operations


def _refused(response, route: str) -> bool:
    if route.startswith("api/v1/"):
        if response.status_code != 403 or not response.get("Content-Type", "").startswith(
                "application/json"):
            return False
        return response.json().get("code") == "password_change_required"
    return response.status_code == 302 and response["Location"] == "/me/password/"


def _initial_login(user) -> Client:
    client = Client()
    response = client.post("/login/", {"login": user.login_name, "password": "Abcd1234"})
    assert response["Location"] == "/me/password/"
    return client


@pytest.fixture
def initial_session(cast):
    password_set_initial(actor=cast.institute_admin, user=cast.learner, password="Abcd1234")
    _token, secret = token_create(user=cast.learner)
    return _initial_login(cast.learner), secret


def test_only_the_allow_list_passes(initial_session, cast):
    session, _secret = initial_session
    wrong = []
    for route, method in CASES:
        path = _sample(route)
        allowed = (route, method) in INITIAL_PASSWORD_ALLOWED
        if "_auth_user_id" not in session.session:  # logging out was one of the cases
            session = _initial_login(cast.learner)
        response = session.generic(method, path)
        if _refused(response, route) == allowed:
            wrong.append(("session", method, route, response.status_code))
        if route.startswith("api/v1/"):
            # A token of its own per case: logging out (a case above) revokes tokens.
            cast.learner.refresh_from_db()
            _token, secret = token_create(user=cast.learner)
            response = Client().generic(method, path, HTTP_AUTHORIZATION=f"Bearer {secret}")
            if _refused(response, route) == allowed:
                wrong.append(("token", method, route, response.status_code))
    assert wrong == [], "\n".join(map(str, wrong))


def test_patch_me_is_refused_and_token_list_allowed(initial_session, cast):
    session, secret = initial_session
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    response = Client().patch("/api/v1/me", {"email": "x@niaot.ac.cn", "password": "Abcd1234"},
                              content_type="application/json", **bearer)
    assert response.status_code == 403 and response.json()["code"] == "password_change_required"
    cast.learner.refresh_from_db()
    assert cast.learner.email is None
    response = Client().get("/api/v1/auth/tokens", **bearer)
    assert response.status_code == 200 and len(response.json()) == 1
