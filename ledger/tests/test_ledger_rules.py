"""The ledger's rules that must come out exactly (issue 3)."""

from datetime import date

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from core.errors import DomainError, ErrorCode
from core.minutes import format_minutes
from ledger.models import LedgerEntry, LedgerTotal
from ledger.queries import archive_for, entries_for, totals_by_person, year_progress
from ledger.services import (
    ledger_admin_credit,
    ledger_admin_reverse_posting,
    ledger_credit,
    ledger_reverse_entry,
    ledger_reverse_source,
    months_between,
    spread,
)

pytestmark = pytest.mark.django_db
H = 60


def credit(person, cls, minutes, start, end=None, kind="claim", sid=None, category=""):
    credit.n = getattr(credit, "n", 0) + 1
    return ledger_credit(person=person, cap_class=cls, minutes=minutes, start=start, end=end,
                         category=category, source_kind=kind, source_id=sid or f"s{credit.n}")


def test_seed_001_example(cast):
    p = cast.learner
    credit(p, "online", 10, date(2016, 3, 1), kind="course")
    credit(p, "offline", 44 * H, date(2016, 5, 5), kind="project", category="management")
    credit(p, "self_study", 48 * H, date(2016, 6, 1))
    archive = archive_for(p, (2016, 1), (2016, 12))
    assert archive.total == 92 * H + 10 and format_minutes(archive.total) == "92小时10分"
    assert archive.effective == 54 * H + 10 and format_minutes(archive.effective) == "54小时10分"
    figures = {c.code: (c.minutes, c.effective) for c in archive.classes}
    assert figures == {"online": (10, 10), "self_study": (48 * H, 10 * H), "offline": (44 * H, 44 * H)}
    self_study = next(c for c in archive.classes if c.code == "self_study")
    assert self_study.capped and self_study.cut_minutes == 38 * H
    assert archive.count("project") == 1 and archive.projects_by_category == {"管理技能培训": 1}
    assert archive.count("course") == 1 and archive.minutes("course") == 10
    assert archive.count("claim", "self_study") == 1


def test_online_from_courses_and_claims_share_the_cap(cast):
    p = cast.learner
    credit(p, "online", 30 * H, date(2026, 2, 1), kind="course")
    credit(p, "online", 30 * H, date(2026, 3, 1), kind="claim")
    progress = year_progress(p, 2026)
    assert progress.total_minutes == 60 * H and progress.effective_minutes == 50 * H


def test_caps_apply_per_year_and_range_over_two_years(cast):
    p = cast.learner
    credit(p, "self_study", 8 * H, date(2025, 11, 1))
    credit(p, "self_study", 8 * H, date(2026, 2, 1))
    both = archive_for(p, (2025, 1), (2026, 12))
    assert both.total == 16 * H and both.effective == 16 * H  # 8 h in each year, under each cap
    credit(p, "self_study", 5 * H, date(2026, 4, 1))
    both = archive_for(p, (2025, 1), (2026, 12))
    assert both.effective == 8 * H + 10 * H
    assert both.years[2025]["effective"] == 8 * H and both.years[2026]["effective"] == 10 * H


def test_reversal_restores_the_figures(cast):
    p = cast.learner
    credit(p, "offline", 4 * H, date(2026, 3, 1), kind="project", sid="p1")
    before = archive_for(p, (2026, 1), (2026, 12))
    entries = credit(p, "offline", 6 * H, date(2026, 4, 1), kind="project", sid="p2")
    ledger_reverse_entry(entry=entries[0], actor=cast.institute_admin, reason="wrong person")
    after = archive_for(p, (2026, 1), (2026, 12))
    assert (after.total, after.effective) == (before.total, before.effective)
    assert after.count("project") == 1  # the fully reversed project left the archive
    assert LedgerEntry.objects.filter(person=p).count() == 3  # nothing deleted
    assert year_progress(p, 2026).total_minutes == 4 * H


def test_spreading_examples():
    assert spread(10 * H, months_between(date(2026, 1, 5), date(2026, 3, 2))) == [
        ((2026, 1), 200), ((2026, 2), 200), ((2026, 3), 200)]
    assert spread(100, months_between(date(2026, 1, 1), date(2026, 3, 31))) == [
        ((2026, 1), 34), ((2026, 2), 33), ((2026, 3), 33)]
    assert months_between(date(2023, 12, 20), date(2024, 1, 10)) == [(2023, 12), (2024, 1)]


def test_training_across_a_year_boundary(cast):
    p = cast.learner
    credit(p, "offline", 7 * H + 1, date(2023, 12, 20), date(2024, 1, 10), kind="project")
    rows = list(LedgerEntry.objects.filter(person=p).values_list("year", "month", "minutes"))
    assert rows == [(2023, 12, 211), (2024, 1, 210)]
    assert year_progress(p, 2023).total_minutes == 211 and year_progress(p, 2024).total_minutes == 210


def test_credit_is_idempotent_per_source(cast):
    p = cast.learner
    first = credit(p, "offline", 5 * H, date(2026, 1, 1), date(2026, 2, 28), kind="claim", sid="c9")
    again = credit(p, "offline", 5 * H, date(2026, 1, 1), date(2026, 2, 28), kind="claim", sid="c9")
    assert [e.pk for e in again] == [e.pk for e in first]
    assert LedgerEntry.objects.filter(person=p).count() == 2
    assert year_progress(p, 2026).total_minutes == 5 * H


@pytest.mark.parametrize("kwargs, field", [
    ({"minutes": 0}, "minutes"), ({"minutes": -5}, "minutes"), ({"minutes": 10**12}, "minutes"),
    ({"cap_class": "nonsense"}, "cap_class"), ({"end": date(2025, 12, 31)}, "end"),
    ({"source_kind": "magic"}, "source_kind"), ({"end": date(2040, 1, 1)}, "end"),
])
def test_credit_refuses_bad_input(cast, kwargs, field):
    args = {"person": cast.learner, "cap_class": "offline", "minutes": 60,
            "start": date(2026, 1, 1), "source_kind": "claim", "source_id": "x"}
    args.update(kwargs)
    with pytest.raises(DomainError) as exc:
        ledger_credit(**args)
    assert exc.value.code == ErrorCode.INVALID and exc.value.field == field
    assert not LedgerEntry.objects.exists()


def test_stop_at_cap_credits_only_what_fits(cast):
    p = cast.learner
    credit(p, "online", 49 * H, date(2026, 1, 1), kind="course")
    entries = ledger_credit(person=p, cap_class="online", minutes=30, start=date(2026, 2, 1),
                            source_kind="course", source_id="beat-2", stop_at_cap=True)
    assert sum(e.minutes for e in entries) == 30
    entries = ledger_credit(person=p, cap_class="online", minutes=60, start=date(2026, 2, 1),
                            source_kind="course", source_id="beat-3", stop_at_cap=True)
    assert sum(e.minutes for e in entries) == 30
    with pytest.raises(DomainError) as exc:
        ledger_credit(person=p, cap_class="online", minutes=1, start=date(2026, 2, 1),
                      source_kind="course", source_id="beat-4", stop_at_cap=True)
    assert exc.value.code == ErrorCode.CAP_REACHED
    assert year_progress(p, 2026).total_minutes == 50 * H


def test_reverse_source_and_double_reverse(cast):
    p = cast.learner
    credit(p, "offline", 3 * H, date(2026, 1, 1), date(2026, 3, 1), kind="claim", sid="c1")
    first = ledger_reverse_source(person=p, source_kind="claim", source_id="c1", actor=None, reason="x")
    assert len(first) == 3
    assert ledger_reverse_source(person=p, source_kind="claim", source_id="c1", actor=None, reason="x") == []
    with pytest.raises(DomainError):
        ledger_reverse_entry(entry=first[0], actor=None, reason="reverse the reversal")
    with pytest.raises(DomainError):
        ledger_reverse_entry(entry=first[0].reverses, actor=None, reason="")
    assert year_progress(p, 2026).total_minutes == 0


def test_totals_match_entries(cast):
    p = cast.learner
    credit(p, "offline", 100, date(2026, 1, 1), date(2026, 3, 1))
    entries = credit(p, "online", 70, date(2026, 2, 1))
    ledger_reverse_entry(entry=entries[0], actor=None, reason="x")
    for total in LedgerTotal.objects.filter(person=p):
        assert total.minutes == sum(LedgerEntry.objects.filter(
            person=p, year=total.year, month=total.month, cap_class=total.cap_class)
            .values_list("minutes", flat=True))


def test_entries_refuse_raw_update_and_delete(cast):
    entry = credit(cast.learner, "offline", 60, date(2026, 1, 1))[0]
    table = LedgerEntry._meta.db_table
    for sql in (f"UPDATE {table} SET minutes = 6000 WHERE id = %s", f"DELETE FROM {table} WHERE id = %s"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [entry.pk])
    entry.refresh_from_db()
    assert entry.minutes == 60


def test_people_with_entries_cannot_be_deleted(cast):
    from django.db.models import ProtectedError

    credit(cast.learner, "offline", 60, date(2026, 1, 1))
    with pytest.raises(ProtectedError):
        cast.learner.delete()


def test_admin_credit_and_reverse_in_scope_only(cast):
    role = cast.institute_admin.roles.get()
    entries = ledger_admin_credit(actor=cast.institute_admin, role=role, person=cast.learner,
                                  cap_class="offline", minutes=90, start=date(2026, 5, 1),
                                  reason="补录 2026 年 5 月所内讲座", source_note="签到表")
    assert entries[0].credited_by == cast.institute_admin and entries[0].source_kind == "admin"
    outsider = cast.outsider_admin.roles.get()
    with pytest.raises(DomainError) as exc:
        ledger_admin_credit(actor=cast.outsider_admin, role=outsider, person=cast.learner,
                            cap_class="offline", minutes=90, start=date(2026, 5, 1), reason="x")
    assert exc.value.code == ErrorCode.NOT_FOUND
    with pytest.raises(DomainError) as exc:
        ledger_admin_reverse_posting(actor=cast.outsider_admin, role=outsider, person=cast.learner,
                                     source_kind="admin", source_id=entries[0].source_id, reason="x")
    assert exc.value.code == ErrorCode.NOT_FOUND
    with pytest.raises(DomainError) as exc:
        ledger_admin_credit(actor=cast.institute_admin, role=role, person=cast.learner,
                            cap_class="offline", minutes=90, start=date(2026, 5, 1), reason=" ")
    assert exc.value.field == "reason"
    ledger_admin_reverse_posting(actor=cast.institute_admin, role=role, person=cast.learner,
                                 source_kind="admin", source_id=entries[0].source_id, reason="录错")
    assert year_progress(cast.learner, 2026).total_minutes == 0
    from core.models import AuditEvent

    assert AuditEvent.objects.filter(action="ledger.credited").count() == 1
    assert AuditEvent.objects.filter(action="ledger.posting_reversed").count() == 1


def test_drill_down_lists_the_entries(cast):
    p = cast.learner
    credit(p, "self_study", 12 * H, date(2026, 1, 1), date(2026, 2, 28), sid="book")
    rows = list(entries_for(p, (2026, 1), (2026, 12), cap_class="self_study"))
    assert [(e.month, e.minutes) for e in rows] == [(1, 360), (2, 360)]


def test_archive_query_count_is_constant(cast, django_assert_num_queries):
    from ledger.services import policy_seed_cas

    policy_seed_cas(cast.academy, 2026)
    p = cast.learner
    for i in range(10):
        credit(p, "offline", 60, date(2026, 1 + i % 12, 1), kind="project", sid=f"a{i}")
    # The policy (with its classes and categories) and the entries: four queries.
    with django_assert_num_queries(4) as small:
        archive_for(p, (2026, 1), (2026, 12))
    for i in range(490):
        credit(p, ["offline", "online", "self_study"][i % 3], 30, date(2026, 1 + i % 12, 1), sid=f"b{i}")
    with django_assert_num_queries(len(small.captured_queries)):
        archive = archive_for(p, (2026, 1), (2026, 12))
    assert LedgerEntry.objects.filter(person=p).count() == 500
    assert archive.total == 600 + 490 * 30


def test_totals_by_person(cast):
    credit(cast.learner, "self_study", 12 * H, date(2026, 1, 1))
    credit(cast.colleague, "offline", 2 * H, date(2026, 1, 1))
    figures = totals_by_person([cast.learner.pk, cast.colleague.pk], 2026)
    assert figures[cast.learner.pk]["effective"] == 10 * H
    assert figures[cast.colleague.pk]["total"] == 2 * H
