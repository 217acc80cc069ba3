"""Which rules apply to an organisation in a year (defect 7), and the per-request memo
that reads them once per request (issue 11)."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import enter_admin, login
from core.errors import DomainError
from ledger.models import Policy
from ledger.queries import policy_for, policy_memo
from ledger.services import (
    ledger_credit,
    policy_seed_cas,
    policy_seed_cast,
    policy_update,
)
from orgs.models import OrgKind
from orgs.tests.factories import make_org

pytestmark = pytest.mark.django_db
H = 60


@pytest.fixture
def cast_org(cast):
    """A second academy on the CAST rules next to the CAS academy of the cast."""
    from accounts.models import Role
    from accounts.tests.factories import grant, make_user

    cast.cast_top = make_org(OrgKind.ACADEMY, name="中国科协")
    cast.cast_office = make_org(OrgKind.INSTITUTE, cast.cast_top, name="中国科协机关", abbr="castorg")
    cast.cast_dept = make_org(OrgKind.DEPARTMENT, cast.cast_office, name="组织人事部")
    cast.party_learner = make_user(login_name="castorg-liming", real_name="李明",
                                   institute=cast.cast_office, department=cast.cast_dept,
                                   employee_no="C001")
    cast.cast_admin = make_user(login_name="cast-admin", real_name="科协管理员", institute=None)
    grant(cast.cast_admin, Role.ACADEMY_ADMIN, cast.cast_top)
    return cast


def _codes(rules):
    return [c.code for c in rules.classes]


def test_a_year_without_policy_takes_last_years_rules_not_the_cas_defaults(cast_org):
    policy_seed_cast(cast_org.cast_top, 2025)
    # Another academy's policy for the year in question must not leak in.
    cas = policy_seed_cas(cast_org.academy, 2026)
    policy_update(actor=None, role=cast_org.academy_admin.roles.get(), policy=cas,
                  annual_target_minutes=120 * H)
    for org in (cast_org.cast_office, cast_org.cast_dept, cast_org.cast_top):
        rules = policy_for(org, 2026)
        assert _codes(rules) == ["online", "offline"]  # no self-study class
        # The CAST rules' own year carries on: no target set (seed 003 gives none),
        # never the other academy's 120 h.
        assert rules.claim_year_chosen is True and not rules.target_set and rules.target == 0
        assert rules.source_year == 2025 and rules.policy is None and not rules.locked
    with pytest.raises(DomainError) as err:
        ledger_credit(person=cast_org.party_learner, cap_class="self_study", minutes=60,
                      start=date(2026, 3, 1), source_kind="admin", source_id="x")
    assert err.value.field == "cap_class"


def test_a_year_before_the_first_policy_takes_the_organisations_own_rule_set(cast_org):
    policy_seed_cast(cast_org.cast_top, 2027)
    policy_seed_cas(cast_org.academy, 2024)
    rules = policy_for(cast_org.cast_office, 2026)
    assert _codes(rules) == ["online", "offline"] and rules.source_year == 2027
    # The latest earlier year wins over a later one, and the year's own policy over both.
    policy_seed_cast(cast_org.cast_top, 2020)
    assert policy_for(cast_org.cast_office, 2026).source_year == 2020
    own = policy_seed_cast(cast_org.cast_top, 2026)
    rules = policy_for(cast_org.cast_office, 2026)
    assert rules.source_year == 2026 and rules.policy == own


def test_the_nearest_unit_with_a_policy_owns_the_rules(cast_org):
    """Policies sit on academies today; a unit's own policy would still win over its
    academy's, and a sibling's never applies."""
    policy_seed_cast(cast_org.cast_top, 2026)
    Policy.objects.create(org=cast_org.cast_office, year=2025, annual_target_minutes=80 * H)
    assert policy_for(cast_org.cast_dept, 2026).target == 80 * H
    assert not policy_for(cast_org.cast_top, 2026).target_set  # the CAST rules ship none
    sibling = make_org(OrgKind.INSTITUTE, cast_org.cast_top, name="学会服务中心", abbr="cast2")
    assert _codes(policy_for(sibling, 2026)) == ["online", "offline"]


def test_no_policy_anywhere_above_gives_the_shipped_cas_rules(cast_org):
    rules = policy_for(cast_org.cast_office, 2026)
    assert _codes(rules) == ["online", "self_study", "offline"] and rules.source_year is None


def test_policy_page_says_which_year_applies(cast_org, client):
    policy_seed_cast(cast_org.cast_top, 2025)
    enter_admin(client, cast_org.cast_admin)
    html = client.get("/manage/policy/2026/").content.decode()
    assert "沿用 2025 年度的规则" in html


# --- the policy once per request ----------------------------------------------------------

def _policy_reads(queries):
    return [q["sql"] for q in queries if 'FROM "ledger_policy"' in q["sql"]]


@pytest.mark.parametrize("url", ["/", "/learning/archive/", "/learning/archive/entries/?cap_class=online",
                                 "/api/v1/ledger/archive/me", "/api/v1/ledger/policy/{year}"])
def test_a_page_reads_the_years_policy_once(cast, client, url):
    from django.utils import timezone

    year = timezone.localdate().year
    policy_seed_cas(cast.academy, year)
    ledger_credit(person=cast.learner, cap_class="online", minutes=90, start=date(year, 2, 1),
                  source_kind="course", source_id="c1")
    login(client, cast.learner)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url.format(year=year))
    assert response.status_code == 200
    assert len(_policy_reads(ctx.captured_queries)) == 1
    # The classes and categories of that policy: once each as well.
    assert len([q for q in ctx.captured_queries if 'FROM "ledger_capclass"' in q["sql"]]) == 1


def test_the_memo_lives_one_request_and_forgets_after_a_policy_edit(cast, client):
    policy = policy_seed_cas(cast.academy, 2026)
    role = cast.academy_admin.roles.get()
    with policy_memo():
        assert policy_for(cast.niaot, 2026).target == 100 * H
        with CaptureQueriesContext(connection) as ctx:
            assert policy_for(cast.niaot, 2026).target == 100 * H
        assert ctx.captured_queries == []
        policy_update(actor=None, role=role, policy=policy, annual_target_minutes=90 * H)
        assert policy_for(cast.niaot, 2026).target == 90 * H
    # Outside a request nothing is remembered.
    Policy.objects.filter(pk=policy.pk).update(annual_target_minutes=80 * H)
    assert policy_for(cast.niaot, 2026).target == 80 * H
    # Nor between requests: the banner shows the new target at once.
    login(client, cast.learner)
    assert "80学时的目标" in client.get("/").content.decode()
    Policy.objects.filter(pk=policy.pk).update(annual_target_minutes=70 * H)
    assert "70学时的目标" in client.get("/").content.decode()
