"""Property tests of the yearly rules (hypothesis)."""

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.tests.factories import make_user
from ledger.models import LedgerEntry, LedgerTotal
from ledger.queries import _default, archive_for
from ledger.services import ledger_credit, ledger_reverse_entry

RULES = _default(2026)
CLASSES = [c.code for c in RULES.classes]
CAP_SUM = sum(c.cap for c in RULES.classes if c.cap is not None)

per_class = st.dictionaries(st.sampled_from(CLASSES), st.integers(0, 200 * 60))


@given(per_class)
def test_effective_never_above_total(figures):
    assert RULES.effective(figures) <= sum(figures.values())


@given(per_class)
def test_effective_never_above_caps_plus_uncapped(figures):
    uncapped = sum(m for code, m in figures.items() if RULES.cap(code) is None)
    assert RULES.effective(figures) <= CAP_SUM + uncapped


@given(per_class, st.sampled_from(CLASSES), st.integers(1, 100 * 60))
def test_adding_never_lowers_total_or_effective(figures, code, extra):
    more = dict(figures)
    more[code] = more.get(code, 0) + extra
    assert sum(more.values()) > sum(figures.values())
    assert RULES.effective(more) >= RULES.effective(figures)


records = st.lists(st.tuples(st.sampled_from(CLASSES), st.integers(1, 30 * 60),
                             st.integers(1, 12), st.integers(0, 2)), min_size=1, max_size=8)


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records, st.randoms(use_true_random=False))
def test_order_of_entries_never_changes_results(cast, items, rnd):
    shuffled = list(enumerate(items))
    rnd.shuffle(shuffled)
    # Hypothesis runs many examples in one database transaction: fresh people each time.
    first = make_user(institute=cast.niaot)
    second = make_user(institute=cast.niaot)
    results = []
    for person, order in ((first, list(enumerate(items))), (second, shuffled)):
        for i, (code, minutes, month, span) in order:
            ledger_credit(person=person, cap_class=code, minutes=minutes,
                          start=date(2026, month, 1), end=date(2026, min(month + span, 12), 1),
                          source_kind="claim", source_id=f"prop-{i}")
        archive = archive_for(person, (2026, 1), (2026, 12))
        results.append((archive.total, archive.effective,
                        [(c.code, c.minutes, c.effective) for c in archive.classes]))
    assert results[0] == results[1]
    assert results[0][1] <= results[0][0]


@pytest.mark.django_db
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records, st.lists(st.integers(0, 20), max_size=5))
def test_totals_equal_entries_after_postings_and_reversals(cast, items, reversals):
    person = make_user(institute=cast.imr)
    for i, (code, minutes, month, span) in enumerate(items):
        ledger_credit(person=person, cap_class=code, minutes=minutes, start=date(2025, month, 1),
                      end=date(2025, min(month + span, 12), 1), source_kind="project",
                      source_id=f"tot-{i}")
    entries = list(LedgerEntry.objects.filter(person=person, reverses__isnull=True,
                                              reversed_by__isnull=True))
    for index in reversals:
        if entries:
            ledger_reverse_entry(entry=entries.pop(index % len(entries)), actor=None, reason="x")
    sums = {}
    for e in LedgerEntry.objects.filter(person=person):
        key = (e.year, e.month, e.cap_class)
        sums[key] = sums.get(key, 0) + e.minutes
    totals = {(t.year, t.month, t.cap_class): t.minutes for t in LedgerTotal.objects.filter(person=person)}
    assert {k: v for k, v in totals.items() if v} == {k: v for k, v in sums.items() if v}
