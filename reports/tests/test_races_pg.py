"""完成上报 against 上报 on PostgreSQL (row locks are real there; deselected on SQLite):
20 simultaneous requests × 30 trials, one of them the lock."""

import threading
from datetime import date, timedelta

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone

from accounts.tests.factories import make_user
from core.errors import DomainError, ErrorCode
from reports.models import BackboneNomination, BackboneReport, BackboneStatus, BackboneWindow
from reports.services import backbone_lock, backbone_report_people
from reports.tests.helpers import H, credit

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def _hammer(n, work):
    barrier = threading.Barrier(n)
    errors, refused, done = [], [], []

    def run(i):
        try:
            barrier.wait()
            work(i)
            done.append(i)
        except DomainError as exc:
            refused.append((i, exc.code))
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
    return done, refused


def test_a_report_racing_the_lock_is_either_in_the_locked_figures_or_refused(cast):
    admin, role = cast.institute_admin, cast.institute_admin.roles.get()
    people = [make_user(institute=cast.niaot, real_name=f"骨干{i}") for i in range(20)]
    today = timezone.localdate()
    for trial in range(30):
        year = 1990 + trial  # a report of its own per trial
        # The academy's window for a past year (the service only opens windows around
        # the current year); every person a candidate of that year.
        BackboneWindow.objects.create(org=cast.academy, year=year, opens_on=today - timedelta(days=1),
                                      closes_on=today + timedelta(days=1), opened_by=cast.academy_admin)
        for p in people:
            credit(p, 100 * H, start=date(year, 5, 1))
        locker = trial % 20

        def work(i, year=year, locker=locker):
            if i == locker:
                backbone_lock(actor=admin, role=role, institute_id=cast.niaot.pk, year=year)
            else:
                backbone_report_people(actor=admin, role=role, institute_id=cast.niaot.pk, year=year,
                                       person_ids=[people[i].pk])

        done, refused = _hammer(20, work)
        assert done, refused
        report = BackboneReport.objects.get(institute=cast.niaot, year=year)
        assert report.status == BackboneStatus.LOCKED and locker in done
        nominated = set(BackboneNomination.objects.filter(report=report).values_list("person_id", flat=True))
        # Every report that succeeded is in the locked figures; every other was refused
        # as locked; nothing was added after the lock.
        assert nominated == {people[i].pk for i in done if i != locker}
        assert report.figures["reported"] == len(nominated)
        assert all(code == ErrorCode.LOCKED for _i, code in refused)
        assert len(done) + len(refused) == 20
