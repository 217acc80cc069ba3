"""The CAST rule set ships no numbers seed 003 does not give: no yearly target, no caps,
no backbone thresholds. They read as not set (no target, no cap) until the
organisation's admin sets them on the policy page."""

from datetime import date

import pytest
from django.test import Client

from conftest import enter_admin, login
from ledger.models import CapClass, Policy
from ledger.queries import archive_for, policy_for, year_progress
from ledger.services import ledger_credit, policy_seed_cas, policy_seed_cast
from orgs.models import OrgKind
from orgs.tests.factories import make_org

pytestmark = pytest.mark.django_db
H = 60


@pytest.fixture
def party(cast):
    from django.utils import timezone

    year = timezone.localdate().year
    policy_seed_cast(cast.academy, year)
    cast.year = year
    return cast


def test_cast_policy_ships_without_target_caps_or_backbone(party):
    policy = Policy.objects.get(org=party.academy, year=party.year)
    assert (policy.annual_target_minutes, policy.backbone_single_min_minutes,
            policy.backbone_ratio_permille) == (None, None, None)
    online = CapClass.objects.get(policy=policy, code="online")
    assert online.cap_set is False and online.cap_minutes is None
    rules = policy_for(party.niaot, party.year)
    assert not rules.target_set and not rules.backbone_set and rules.cap("online") is None
    # No cap: every online minute counts; no target: nothing "remains".
    ledger_credit(person=party.learner, cap_class="online", minutes=70 * H, category="cloud",
                  start=date(party.year, 1, 5), source_kind="admin", source_id="o1")
    archive = archive_for(party.learner, (party.year, 1), (party.year, 12))
    assert archive.effective == 70 * H
    progress = year_progress(party.learner, party.year)
    assert not progress.target_set
    # The CAS rules keep their numbers.
    other = make_org(OrgKind.ACADEMY, name="另一院")
    policy_seed_cas(other, party.year)
    cas = policy_for(other, party.year)
    assert cas.target_set and cas.target == 100 * H and cas.cap("online") == 50 * H


def test_banner_without_target_names_no_target(party, client):
    ledger_credit(person=party.learner, cap_class="offline", minutes=150, category="special",
                  start=date(party.year, 1, 5), source_kind="admin", source_id="o1")
    login(client, party.learner)
    banner = client.get("/").content.decode().split('data-testid="progress-banner"')[1].split("</p>")[0]
    assert f"{party.year}年度您已完成2.5学时" in banner and "目标" not in banner


def test_policy_page_shows_unset_and_the_admin_sets_them(party, client):
    enter_admin(client, party.academy_admin)
    page = client.get(f"/manage/policy/{party.year}/").content.decode()
    notice = page.split('data-testid="policy-unset"')[1].split("</p>")[0]
    assert "年度学时目标" in notice or "yearly target" in notice
    assert 'data-testid="unset-cap-online"' in page
    api = client.get(f"/api/v1/ledger/policy/{party.year}").json()
    assert api["annual_target_minutes"] is None and api["backbone_ratio_permille"] is None
    assert next(c for c in api["classes"] if c["code"] == "online")["cap_set"] is False
    form = {"action": "policy", "policy-annual_target_hours": "80",
            "policy-backbone_single_min_hours": "", "policy-backbone_ratio_permille": "",
            "policy-backbone_basis": "effective", "policy-chapter_threshold_percent": "60",
            "policy-heartbeat_seconds": "30", "policy-hours_display": "decimal",
            "policy-claim_year_chosen": "on"}
    assert client.post(f"/manage/policy/{party.year}/", form).status_code == 302
    assert client.post(f"/manage/policy/{party.year}/", {
        "action": "class", "cls-code": "online", "cls-name": "线上培训", "cls-cap_hours": "40"}
    ).status_code == 302
    rules = policy_for(party.niaot, party.year)
    assert rules.target_set and rules.target == 80 * H and not rules.backbone_set
    assert rules.cap("online") == 40 * H
    page = client.get(f"/manage/policy/{party.year}/").content.decode()
    assert 'data-testid="unset-cap-online"' not in page
    # A bad target is refused next to the field; nothing changes.
    bad = client.post(f"/manage/policy/{party.year}/", {**form, "policy-annual_target_hours": "0"})
    assert bad.status_code in (200, 400) and 'data-field="annual_target_hours"' in bad.content.decode()
    assert Policy.objects.get(org=party.academy, year=party.year).annual_target_minutes == 80 * H


def test_learner_of_the_cast_rules_sees_no_target_in_the_api(party):
    client = Client()
    login(client, party.learner)
    body = client.get(f"/api/v1/ledger/policy/{party.year}").json()
    assert body["annual_target_minutes"] is None


def test_demo_style_setting_is_audited_by_the_service(party):
    from ledger.services import policy_update

    role = party.academy_admin.roles.get()
    policy = Policy.objects.get(org=party.academy, year=party.year)
    policy_update(actor=party.academy_admin, role=role, policy=policy, annual_target_minutes=100 * H)
    policy_update(actor=party.academy_admin, role=role, policy=policy, annual_target_minutes=None)
    assert Policy.objects.get(pk=policy.pk).annual_target_minutes is None
