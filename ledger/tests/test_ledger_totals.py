"""The running totals against the entries (defect 8): the yearly totals are filled for
entries written before their table existed, and `ledger_check` agrees with a database
built through every service that writes minutes."""

import importlib
from datetime import date

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.utils import timezone

from claims.services import (
    claim_approve,
    claim_create,
    claim_create_on_behalf,
    claim_revoke_approval,
)
from claims.tests.helpers import claim_data, pdf
from ledger.models import LedgerEntry, LedgerTotal, LedgerYearTotal
from ledger.queries import totals_by_person
from ledger.services import (
    cap_class_upsert,
    ledger_admin_credit,
    ledger_admin_reverse_posting,
    ledger_credit,
    ledger_reverse_entry,
    policy_seed_cas,
)

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year
H = 60


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _role(user):
    return user.roles.get()


@pytest.fixture
def built(cast):
    """Minutes written by every service there is."""
    policy = policy_seed_cas(cast.academy, YEAR)
    cap_class_upsert(actor=cast.academy_admin, role=_role(cast.academy_admin), policy=policy,
                     code="overseas", name="公派留学", cap_minutes=100 * H)
    admin, role = cast.institute_admin, _role(cast.institute_admin)
    # Course time up to the cap, a project over two years, an admin credit over months.
    ledger_credit(person=cast.learner, cap_class="online", minutes=40 * H, start=date(YEAR, 1, 3),
                  source_kind="course", source_id="c1", stop_at_cap=True)
    ledger_credit(person=cast.learner, cap_class="online", minutes=40 * H, start=date(YEAR, 2, 3),
                  source_kind="course", source_id="c2", stop_at_cap=True)
    ledger_credit(person=cast.colleague, cap_class="offline", minutes=24 * H + 7,
                  start=date(YEAR - 1, 12, 20), end=date(YEAR, 1, 10), category="short_course",
                  source_kind="project", source_id="p1")
    spread = ledger_admin_credit(actor=admin, role=role, person=cast.learner, cap_class="offline",
                                 minutes=16 * H + 10, start=date(YEAR, 3, 1), end=date(YEAR, 5, 1),
                                 reason="补录", request_key="built-0000-0001")
    ledger_admin_credit(actor=admin, role=role, person=cast.learner, cap_class="overseas",
                        minutes=30 * H, start=date(YEAR, 6, 1), reason="公派留学")
    # Reversals: one month the old way, then the whole posting.
    ledger_reverse_entry(entry=spread[0], actor=admin, reason="旧版冲销")
    ledger_admin_reverse_posting(actor=admin, role=role, person=cast.learner, source_kind="admin",
                                 source_id="built-0000-0001", reason="录错")
    # Claims: approved, approved on behalf, approved then revoked.
    for hours in ("6", "9"):
        claim = claim_create(actor=cast.learner, kind="external_training",
                             data=claim_data(hours=hours), files=[pdf()], submit=True)
        claim_approve(actor=admin, role=role, claim_id=claim.pk)
    claim_revoke_approval(actor=admin, role=role, claim_id=claim.pk, reason="重复")
    claim_create_on_behalf(actor=admin, role=role, owner=cast.colleague, kind="self_study",
                           data=claim_data(category="", hours="12"))
    return cast


def test_ledger_check_agrees_with_every_service(built, capsys):
    assert LedgerEntry.objects.values("source_kind").distinct().count() == 4
    assert LedgerEntry.objects.filter(reverses__isnull=False).count() >= 4
    call_command("ledger_check")
    out = capsys.readouterr().out
    assert "0 wrong" in out and f"{LedgerTotal.objects.count()} month totals" in out
    figures = totals_by_person([built.learner.pk, built.colleague.pk], YEAR, with_classes=True)
    assert figures[built.learner.pk]["classes"]["online"] == 50 * H  # course time stopped at the cap


@pytest.mark.parametrize("table", ["month", "year"])
def test_ledger_check_reports_a_tampered_total(built, table):
    if table == "month":
        LedgerTotal.objects.filter(person=built.learner, cap_class="online").update(minutes=1)
    else:
        LedgerYearTotal.objects.filter(person=built.colleague, year=YEAR - 1).update(minutes=0)
    with pytest.raises(CommandError, match="differ from the entries"):
        call_command("ledger_check")


def test_the_migration_fills_the_yearly_totals_from_the_entries(built):
    """Year totals that were never written (entries from before migration 0003) are
    rebuilt from the entries; running the fill again changes nothing."""
    expected = sorted(LedgerYearTotal.objects.values_list("person_id", "year", "cap_class", "minutes"))
    LedgerYearTotal.objects.filter(person=built.learner).delete()
    LedgerYearTotal.objects.filter(person=built.colleague, year=YEAR - 1).update(minutes=5)
    with pytest.raises(CommandError):
        call_command("ledger_check")
    fill = importlib.import_module("ledger.migrations.0005_fill_yearly_totals").fill_yearly_totals
    fill(apps, None)  # the registry of today has the models as the migration knows them
    assert sorted(LedgerYearTotal.objects.values_list("person_id", "year", "cap_class", "minutes")
                  ) == expected
    fill(apps, None)
    call_command("ledger_check")



def test_totals_sql_matches_the_python_rule(cast):
    """totals_by_person computes effective minutes in SQL; YearRules.effective (through
    `capped`) in Python. Random figures around the caps, two academies on different
    rules, an academy's own capped class, a whole year and part of one."""
    import random

    from accounts.tests.factories import make_user
    from ledger.queries import policy_for
    from ledger.services import policy_seed_cast
    from orgs.models import OrgKind
    from orgs.tests.factories import make_org

    policy = policy_seed_cas(cast.academy, YEAR)
    cap_class_upsert(actor=None, role=_role(cast.academy_admin), policy=policy, code="overseas",
                     name="公派留学", cap_minutes=100 * H)
    top = make_org(OrgKind.ACADEMY, name="中国科协")
    office = make_org(OrgKind.INSTITUTE, top, name="科协机关", abbr="castorg")
    policy_seed_cast(top, YEAR)
    people = [cast.learner, cast.colleague, cast.outsider_learner] + [
        make_user(login_name=f"castorg-p{n}", real_name=f"科协{n}", institute=office,
                  employee_no=f"C{n}") for n in range(3)]
    rng = random.Random(8)
    for n in range(60):
        person = rng.choice(people)
        rules = policy_for(person.institute, YEAR)
        code = rng.choice([c.code for c in rules.classes])
        month = rng.randint(1, 12)
        ledger_credit(person=person, cap_class=code, minutes=rng.choice([1, 59, 600, 1500, 3001]),
                      start=date(YEAR, month, 1), source_kind="admin", source_id=f"r{n}")
    ids = [p.pk for p in people]
    for months in (None, (1, 6), (7, 12)):
        figures = totals_by_person(ids, YEAR, months, with_classes=True)
        for person in people:
            if person.pk not in figures:
                continue
            per_class = figures[person.pk]["classes"]
            rules = policy_for(person.institute, YEAR)
            assert figures[person.pk]["total"] == sum(per_class.values())
            assert figures[person.pk]["effective"] == rules.effective(per_class), (person, months)
    assert any(f["effective"] < f["total"] for f in totals_by_person(ids, YEAR).values())
