"""Every ledger edit form saved as it came changes nothing, and date inputs carry ISO
dates (defect 1): a browser shows `2026/07/01` in <input type="date"> as blank."""

from datetime import date

import pytest
from django.utils import timezone, translation

from claims.tests.helpers import form_values
from conftest import enter_admin
from core.models import AuditEvent
from ledger.forms import CreditForm
from ledger.models import LedgerEntry, Policy
from ledger.queries import policy_for
from ledger.services import policy_seed_cast

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year


def _fields(policy):
    return {f.name: getattr(policy, f.name) for f in Policy._meta.fields}


def test_policy_form_saved_unchanged_changes_nothing(cast, client):
    policy = policy_seed_cast(cast.academy, YEAR)
    # Values the form shows rounded or as a tick box: each must survive an unchanged save.
    Policy.objects.filter(pk=policy.pk).update(annual_target_minutes=100 * 60 + 30,
                                               backbone_basis="total", heartbeat_seconds=45)
    before = _fields(Policy.objects.get(pk=policy.pk))
    assert before["claim_year_chosen"] is True
    enter_admin(client, cast.academy_admin)
    page = client.get(f"/manage/policy/{YEAR}/").content.decode()
    data = form_values(page, "policy-annual_target_hours")
    assert data["action"] == "policy" and data["policy-claim_year_chosen"] == "on"
    assert client.post(f"/manage/policy/{YEAR}/", data).status_code == 302
    assert _fields(Policy.objects.get(pk=policy.pk)) == before
    assert not AuditEvent.objects.filter(action="policy.updated").exists()
    # A real change still saves just that field.
    assert client.post(f"/manage/policy/{YEAR}/", {**data, "policy-heartbeat_seconds": "60"}
                       ).status_code == 302
    after = _fields(Policy.objects.get(pk=policy.pk))
    assert after == {**before, "heartbeat_seconds": 60}


def test_credit_form_writes_iso_dates_in_chinese_too(cast):
    rules = policy_for(cast.niaot, YEAR)
    for language in ("zh-hans", "en"):
        with translation.override(language):
            html = CreditForm(rules=rules, prefix="credit",
                              initial={"start": date(2026, 7, 1), "end": date(2026, 7, 3)}).as_p()
        assert 'type="date"' in html
        assert 'value="2026-07-01"' in html and 'value="2026-07-03"' in html, language


def test_credit_form_sent_back_after_an_error_keeps_every_value(cast, client):
    """A refused credit form comes back with what was typed; sent again with only the
    missing reason added it credits exactly that."""
    enter_admin(client, cast.institute_admin)
    url = f"/manage/staff/{cast.learner.pk}/archive/credit/"
    typed = {"credit-cap_class": "offline", "credit-category": "management", "credit-hours": "16",
             "credit-minutes": "10", "credit-start": f"{YEAR}-01-20", "credit-end": f"{YEAR}-02-10",
             "credit-source_note": "签到表", "credit-reason": ""}
    response = client.post(url, typed)
    assert response.status_code == 400
    data = form_values(response.content.decode(), "credit-reason")
    assert {k: data[k] for k in typed if k != "credit-reason"} == {
        k: v for k, v in typed.items() if k != "credit-reason"}
    assert client.post(url, {**data, "credit-reason": "补录"}).status_code == 302
    entries = LedgerEntry.objects.filter(person=cast.learner).order_by("month")
    assert [(e.month, e.minutes) for e in entries] == [(1, 485), (2, 485)]
    assert entries[0].category == "management" and entries[0].details["start"] == f"{YEAR}-01-20"
