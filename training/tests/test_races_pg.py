"""Contended training actions on PostgreSQL, 20 requests × 30 trials: the last place goes
once; confirm and un-confirm racing leave the hours credited exactly once or not at all."""

import pytest

from accounts.tests.factories import make_user
from claims.tests.test_races_pg import race
from ledger.models import LedgerEntry, LedgerTotal
from training.models import Attendee, Enrolment, EnrolmentStatus
from training.services import attendees_add, attendees_confirm, attendees_unconfirm, enrol
from training.tests.helpers import make_project

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def test_twenty_learners_race_for_the_last_place(cast):
    learners = [make_user(institute=cast.niaot, department=cast.dept_b) for _ in range(20)]
    for trial in range(30):
        capacity = 1 + trial % 3
        project = make_project(cast, name=f"抢位{trial}", capacity=capacity)
        outcomes = list(race({i: lambda p=project, u=u: enrol(actor=u, project_id=p.pk)
                              for i, u in enumerate(learners)}).values())
        taken = Enrolment.objects.filter(project=project, status__in=(EnrolmentStatus.PENDING,
                                                                      EnrolmentStatus.APPROVED)).count()
        assert taken == capacity == outcomes.count("ok")
        assert outcomes.count("conflict") == 20 - capacity


def test_confirm_and_unconfirm_racing_credit_once_or_not_at_all(cast):
    role = cast.institute_admin.roles.get()
    other = cast.class_admin.roles.get()
    for trial in range(30):
        project = make_project(cast, name=f"确认{trial}", enrol_allowed=False)
        attendees_add(actor=cast.institute_admin, role=role, project_id=project.pk,
                      person_ids=[cast.learner.pk])
        row = Attendee.objects.get(project=project)
        if trial % 2:  # half the trials start confirmed
            attendees_confirm(actor=cast.institute_admin, role=role, project_id=project.pk, ids=[row.pk])
        calls = {}
        for n in range(20):
            if n % 2:
                calls[n] = lambda p=project, r=row: attendees_confirm(
                    actor=cast.institute_admin, role=role, project_id=p.pk, ids=[r.pk])
            else:
                calls[n] = lambda p=project, r=row: attendees_unconfirm(
                    actor=cast.class_admin, role=other, project_id=p.pk, ids=[r.pk], reason="核对")
        outcomes = race(calls)
        assert set(outcomes.values()) == {"ok"}, outcomes
        row.refresh_from_db()
        live = sum(LedgerEntry.objects.filter(person=cast.learner, source_kind="project",
                                              source_label=project.name).values_list("minutes", flat=True))
        assert live == (480 if row.confirmed else 0), (trial, live, row.confirmed)
    entries = sum(LedgerEntry.objects.filter(person=cast.learner).values_list("minutes", flat=True))
    totals = sum(LedgerTotal.objects.filter(person=cast.learner).values_list("minutes", flat=True))
    assert entries == totals
