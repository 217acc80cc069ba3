"""Issue 5: every URL and API operation × every role × objects inside and outside the
role's scope.

Endpoints are discovered (core/tests/authz.py walks the URL resolver and the OpenAPI
schema), so an endpoint that lands later is covered without anyone editing this file; a
path parameter nobody registered makes test_every_path_parameter_has_a_factory fail and
says what to add. What the matrix asserts, for every call:

- nothing answers 500 or raises;
- anonymous callers get no 2xx except from the login forms, token obtain, the language
  switch and the API description, and change nothing;
- no role gets a 2xx (or a redirect other than to a login/admin-mode prompt) on an object
  outside its scope, and such a call changes no row of any table;
- no response to a role shows names of people or claims outside its scope, including
  lists and Excel exports called with org/person filters pointing outside it;
- a page and the API operation doing the same thing (PAGE_API_PAIRS) let the same roles
  in, and the ones the permission table (core.permissions) names (issue 9, finding 3).
"""

from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

from conftest import enter_admin
from core.tests.authz import (
    API_ONLY,
    PAGE_API_PAIRS,
    ROLE_BY_NAME,
    Runner,
    Stats,
    World,
    api_operations,
    api_routes_outside_schema,
    body_text,
    compare_pairs,
    discover,
    missing_factories,
    unpaired_api_operations,
)

ROOT = Path(__file__).resolve().parents[2]
STATS = Stats()


def _summary() -> str:
    return (f"authz matrix: {len(STATS.endpoints)} endpoints × {len(STATS.roles)} roles × "
            f"objects = {STATS.cases} cases checked ({STATS.out_of_scope} outside the "
            f"caller's scope or anonymous)")


class _SummaryPlugin:
    def pytest_terminal_summary(self, terminalreporter):
        if STATS.cases:
            terminalreporter.write_line(_summary())


@pytest.fixture(scope="module", autouse=True)
def _report_summary(request):
    """Print the totals after the run. Under pytest-xdist the workers' terminal is not
    shown, so the line also goes to test-artifacts/ (the Makefile prints it)."""
    # Under xdist one worker may set this module up more than once; one plugin suffices.
    if request.config.pluginmanager.get_plugin("xueshi-authz-summary") is None:
        request.config.pluginmanager.register(_SummaryPlugin(), "xueshi-authz-summary")
    yield
    if STATS.cases:
        folder = ROOT / "test-artifacts"
        folder.mkdir(exist_ok=True)
        (folder / f"authz-matrix-{connection.vendor}.txt").write_text(_summary() + "\n",
                                                                     encoding="utf-8")


@pytest.fixture
def world(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return World(cast)


def _assert_clean(runner: Runner, what: str):
    findings = runner.findings
    shown = "\n".join(str(f) for f in findings[:60])
    more = f"\n… and {len(findings) - 60} more" if len(findings) > 60 else ""
    assert not findings, f"{len(findings)} authorization findings in {what}:\n{shown}{more}"


def test_every_path_parameter_has_a_factory():
    endpoints = discover()
    problems = missing_factories(endpoints)
    problems += [f"{route} is served under /api/v1/ but is not in the OpenAPI schema, so the "
                 f"matrix cannot know its methods" for route in api_routes_outside_schema()]
    assert not problems, "\n".join(problems)
    # Sanity: the walk really found the surfaces (a broken walk would pass vacuously).
    surfaces = {ep.surface for ep in endpoints}
    assert surfaces == {"page", "api", "admin"}
    assert sum(ep.surface == "api" for ep in endpoints) >= 30
    assert any(ep.params for ep in endpoints if ep.surface == "page")


@pytest.mark.django_db
def test_pages_matrix(world):
    endpoints = [ep for ep in discover() if ep.surface == "page"]
    world.prepare(endpoints)
    runner = Runner(world, STATS)
    runner.run_all(endpoints, spoof=True)
    _assert_clean(runner, "pages")


@pytest.mark.django_db
def test_api_matrix(world):
    endpoints = [ep for ep in discover() if ep.surface == "api"]
    world.prepare(endpoints)
    runner = Runner(world, STATS)
    runner.run_all(endpoints, spoof=True)
    _assert_clean(runner, "the API")


@pytest.mark.django_db
def test_django_admin_matrix(world):
    """The Django admin is for operators (superusers), not for any role of the cast: the
    runner treats every admin URL but its login form as outside every role's scope. A
    superuser does get in, else the refusals would prove nothing."""
    from accounts.models import User

    endpoints = [ep for ep in discover() if ep.surface == "admin"]
    world.prepare(endpoints)
    runner = Runner(world, STATS)
    runner.run_all(endpoints)
    _assert_clean(runner, "the Django admin")
    superuser = User.objects.create_superuser("authz-root", "Root-pass-2026!")
    client = Client()
    client.force_login(superuser)
    assert client.get("/django-admin/").status_code == 200


@pytest.mark.django_db
def test_spoofed_filters_return_only_the_callers_scope(world, cast):
    """ABUSE-CASES 8: filters pointing at the other institute, under the names the forms
    and the API use, never widen a list; filters the form ignores leave it at the
    caller's own people (so the check is not passing on an empty page)."""
    world.prepare([])
    client = Client()
    enter_admin(client, cast.institute_admin)
    imr, dept = cast.imr.pk, cast.imr_dept.pk
    spoof = (f"institute={imr}&institute_id={imr}&org={imr}&department={dept}"
             f"&department_id={dept}")
    for url in ("/manage/staff/", "/api/v1/staff"):
        text = body_text(client.get(f"{url}?{spoof}"))
        assert "孙七" not in text and "金属所管理员" not in text, url
        ignored = body_text(client.get(f"{url}?org={imr}&unit={imr}&owner={cast.outsider_learner.pk}"))
        assert "张三" in ignored and "李四" in ignored, url
        assert "孙七" not in ignored and "金属所管理员" not in ignored, url
    api = client.get(f"/api/v1/staff?institute_id={imr}").json()
    assert api["items"] == [] or {p["institute_id"] for p in api["items"]} == {cast.niaot.pk}
    everyone = client.get("/api/v1/staff?page_size=100").json()
    assert {p["institute_id"] for p in everyone["items"]} == {cast.niaot.pk}
    assert everyone["count"] == len(everyone["items"]) >= 5
    # A department admin filtering on a sibling department sees none of it.
    dept_client = Client()
    enter_admin(dept_client, cast.dept_admin)
    text = body_text(dept_client.get(f"/api/v1/staff?department_id={cast.dept_b.pk}"))
    assert "李四" not in text
    assert {p["department_id"] for p in dept_client.get("/api/v1/staff").json()["items"]} <= {
        cast.dept_a.pk, cast.dept_a1.pk}


def test_role_table_is_consistent():
    """The scope table the matrix relies on: academy admins see everything, the outsider
    nothing of niaot, anonymous nothing at all."""
    assert ROLE_BY_NAME["academy_admin"].out_of_scope == frozenset()
    assert {"own", "peer"} <= ROLE_BY_NAME["outsider_admin"].out_of_scope
    assert "outside" in ROLE_BY_NAME["institute_admin"].out_of_scope
    assert ROLE_BY_NAME["anonymous"].out_of_scope >= {"own", "peer", "outside"}


def test_every_api_operation_is_paired():
    """Each API operation is paired with the page doing the same thing, or declared
    API-only with a reason; no pair or API-only entry names an operation that is gone."""
    assert unpaired_api_operations() == [], (
        "API operations with no page pair: add them to PAGE_API_PAIRS (or API_ONLY with the "
        "reason) in core/tests/authz.py")
    declared = {p.api for p in PAGE_API_PAIRS} | set(API_ONLY)
    assert declared - api_operations() == set()
    assert not {p.api for p in PAGE_API_PAIRS} & set(API_ONLY)


@pytest.mark.django_db
def test_pages_and_api_agree(world):
    """Per role and pair, on objects inside the role's scope: the page lets the role in
    exactly when the API does, and both answer what the permission table says."""
    world.prepare([])
    outcomes = compare_pairs(world)
    problems = [str(o) for o in outcomes if o.problem()]
    assert not problems, f"{len(problems)} page/API disagreements:\n" + "\n".join(problems)
    # The comparison really ran both ways: every pair for some role, and each table
    # action both allowed (some role) and refused (the class admin) somewhere.
    assert {o.pair for o in outcomes} == set(PAGE_API_PAIRS)
    for action in {p.action for p in PAGE_API_PAIRS if p.action}:
        answers = {o.page_in for o in outcomes if o.pair.action == action}
        assert answers == {True, False}, action


@pytest.mark.django_db
def test_class_admin_reads_no_staff_archive_or_claims_through_the_api(cast, client):
    """Issue 9, finding 3: the class admin (培训班管理员) got institute-wide personal data
    from the API (staff with mobiles and emails, study records, claim drafts) while every
    page answered 403. Now both answer 403."""
    from claims.services import claim_create
    from claims.tests.helpers import claim_data

    claim_create(actor=cast.learner, kind="external_training", data=claim_data(name="ClassAdminSees"))
    enter_admin(client, cast.class_admin)
    learner = cast.learner.pk
    for url in ("/api/v1/staff", f"/api/v1/staff/{learner}", f"/api/v1/ledger/archive/{learner}",
                f"/api/v1/ledger/entries/{learner}", "/api/v1/claims/review",
                "/manage/staff/", f"/manage/staff/{learner}/", f"/manage/staff/{learner}/archive/",
                "/manage/claims/"):
        response = client.get(url)
        assert response.status_code == 403, url
        text = body_text(response)
        assert "张三" not in text and "ClassAdminSees" not in text, url
    assert client.get("/manage/").status_code == 200  # admin mode itself works
