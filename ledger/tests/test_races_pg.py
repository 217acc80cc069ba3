"""Concurrent credits on PostgreSQL (row locks are real there; deselected on SQLite)."""

import threading
from datetime import date

import pytest
from django.db import close_old_connections, connection

from core.errors import DomainError
from ledger.models import LedgerEntry
from ledger.queries import year_progress
from ledger.services import ledger_credit

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def _hammer(n, work):
    barrier = threading.Barrier(n)
    errors = []

    def run(i):
        try:
            barrier.wait()
            work(i)
        except DomainError:
            pass
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()
            close_old_connections()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_twenty_simultaneous_credits_of_one_source_credit_once(cast):
    for trial in range(30):
        _hammer(20, lambda i, trial=trial: ledger_credit(
            person=cast.learner, cap_class="offline", minutes=120, start=date(2026, 1, 1),
            end=date(2026, 2, 1), source_kind="claim", source_id=f"race-{trial}"))
        assert LedgerEntry.objects.filter(source_id=f"race-{trial}").count() == 2
    assert year_progress(cast.learner, 2026).total_minutes == 30 * 120


def test_concurrent_course_credits_never_pass_the_online_cap(cast):
    for trial in range(30):
        person = cast.learner if trial % 2 == 0 else cast.colleague
        year = 1990 + trial  # a year of its own per trial, all in the past
        _hammer(20, lambda i, person=person, year=year: ledger_credit(
            person=person, cap_class="online", minutes=3 * 60 * 60 // 20 + 7,
            start=date(year, 3, 1), source_kind="course", source_id=f"cap-{year}-{i}",
            stop_at_cap=True))
        assert year_progress(person, year).total_minutes == 50 * 60


def test_one_request_key_sent_twenty_times_with_two_payloads_credits_one(cast):
    from ledger.services import ledger_admin_credit

    role = cast.institute_admin.roles.get()
    for trial in range(30):
        key = f"race-key-{trial:04d}"
        _hammer(20, lambda i, key=key: ledger_admin_credit(
            actor=cast.institute_admin, role=role,
            person=cast.learner if i % 2 else cast.colleague, cap_class="offline",
            minutes=60 + i % 2, start=date(2026, 1, 1), end=date(2026, 2, 1), reason="补录",
            request_key=key))
        entries = LedgerEntry.objects.filter(source_kind="admin", source_id=key)
        # One payload won: one person, its minutes over two months, nothing of the other.
        assert entries.count() == 2 and len({e.person_id for e in entries}) == 1
        assert sum(e.minutes for e in entries) == (61 if entries[0].person_id == cast.learner.pk else 60)


def test_twenty_simultaneous_reversals_of_a_posting_reverse_it_once(cast):
    from ledger.services import ledger_admin_reverse_posting

    role = cast.institute_admin.roles.get()
    for trial in range(30):
        ledger_credit(person=cast.learner, cap_class="offline", minutes=181, start=date(2026, 1, 1),
                      end=date(2026, 3, 1), source_kind="project", source_id=f"rev-{trial}")
        _hammer(20, lambda i, trial=trial: ledger_admin_reverse_posting(
            actor=cast.institute_admin, role=role, person=cast.learner, source_kind="project",
            source_id=f"rev-{trial}", reason="录错"))
        reversals = LedgerEntry.objects.filter(source_id=f"rev-{trial}", reverses__isnull=False)
        assert reversals.count() == 3
    assert year_progress(cast.learner, 2026).total_minutes == 0
