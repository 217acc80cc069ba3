from datetime import date, timedelta

import pytest
from django.utils import timezone

from core.errors import DomainError
from core.models import AuditEvent
from ledger.models import LedgerEntry, LedgerTotal
from ledger.queries import archive_for
from training.models import (
    PROJECT_WORKFLOW,
    Attendee,
    Enrolment,
    EnrolmentStatus,
    Project,
    ProjectEvent,
    ProjectStatus,
)
from training.services import (
    attendees_add,
    attendees_confirm,
    attendees_remove,
    attendees_unconfirm,
    enrol,
    enrolment_cancel,
    enrolments_decide,
    project_cancel,
    project_create,
    project_end,
    project_implement,
    project_set_class_admins,
    project_update,
)
from training.tests.helpers import YEAR, make_project, project_data

pytestmark = pytest.mark.django_db


def _role(user):
    return user.roles.get()


def test_workflow_walks_every_state_and_action(cast):
    expected = {
        ("planned", "implement"): "implemented", ("planned", "cancel"): "cancelled",
        ("implemented", "end"): "ended", ("implemented", "cancel"): "cancelled",
    }
    actions = {"implement", "end", "cancel"}
    role = _role(cast.institute_admin)
    for status in ProjectStatus.values:
        for action in actions:
            project = make_project(cast, implement=False, name=f"{status}-{action}")
            Project.objects.filter(pk=project.pk).update(status=status)
            events = ProjectEvent.objects.count()
            call = {"implement": project_implement, "end": project_end}.get(action)
            try:
                if call:
                    call(actor=cast.institute_admin, role=role, project_id=project.pk)
                else:
                    project_cancel(actor=cast.institute_admin, role=role, project_id=project.pk,
                                   reason="场地取消")
            except DomainError as exc:
                assert (status, action) not in expected
                assert exc.code == "conflict"
                assert Project.objects.get(pk=project.pk).status == status
                assert ProjectEvent.objects.count() == events
            else:
                target = expected[(status, action)]
                project.refresh_from_db()
                assert project.status == target
                event = ProjectEvent.objects.get(project=project)
                assert (event.from_status, event.to_status, event.actor) == (status, target,
                                                                             cast.institute_admin)
                if action == "cancel":
                    assert project.cancel_reason == "场地取消" and project.cancelled_by == cast.institute_admin
    assert {(s.source, s.action) for s in PROJECT_WORKFLOW.table.values()} == set(expected)


def test_create_checks_fields_and_scope(cast):
    role = _role(cast.institute_admin)
    with pytest.raises(DomainError) as exc:
        project_create(actor=cast.institute_admin, role=role, data=project_data(cast, org=cast.imr_dept))
    assert exc.value.field == "org"
    for bad, field in (({"minutes": 0}, "minutes"), ({"name": "a\x00b"}, "name"),
                       ({"name": "a\nb"}, "name"), ({"category": "nope"}, "category"),
                       ({"method": "mixed", "online_minutes": 0}, "online_minutes"),
                       ({"end": date(YEAR, 1, 1) - timedelta(days=1)}, "end"),
                       ({"capacity": "1e3"}, "capacity"), ({"budget": "-1"}, "budget"),
                       ({"visibility": "everyone"}, "visibility")):
        with pytest.raises(DomainError) as exc:
            project_create(actor=cast.institute_admin, role=role, data=project_data(cast, **bad))
        assert exc.value.field == field, bad
    assert Project.objects.count() == 0
    with pytest.raises(DomainError) as exc:  # a class admin creates nothing
        project_create(actor=cast.class_admin, role=_role(cast.class_admin), data=project_data(cast))
    assert exc.value.code == "forbidden"


def test_class_admin_manages_only_assigned_projects(cast):
    mine = make_project(cast, name="赵六的班")
    other = make_project(cast, name="别人的班", class_admin=False)
    role = _role(cast.class_admin)
    project_update(actor=cast.class_admin, role=role, project_id=mine.pk,
                   data=project_data(cast, name="赵六的班", place="上海"))
    assert Project.objects.get(pk=mine.pk).place == "上海"
    with pytest.raises(DomainError) as exc:
        project_update(actor=cast.class_admin, role=role, project_id=other.pk,
                       data=project_data(cast, place="上海"))
    assert exc.value.code == "not_found"
    assert Project.objects.get(pk=other.pk).place == "南京"
    # The other institute's admin does not reach niaot's projects either.
    with pytest.raises(DomainError) as exc:
        project_end(actor=cast.outsider_admin, role=_role(cast.outsider_admin), project_id=mine.pk)
    assert exc.value.code == "not_found"


def test_unchanged_update_writes_nothing(cast):
    project = make_project(cast)
    before = AuditEvent.objects.count()
    project_update(actor=cast.institute_admin, role=_role(cast.institute_admin), project_id=project.pk,
                   data=project_data(cast))
    assert AuditEvent.objects.count() == before


def test_assign_class_admins_only_holders_of_the_role(cast):
    project = make_project(cast, class_admin=False)
    role = _role(cast.institute_admin)
    with pytest.raises(DomainError):
        project_set_class_admins(actor=cast.institute_admin, role=role, project_id=project.pk,
                                 person_ids=[cast.learner.pk])
    project_set_class_admins(actor=cast.institute_admin, role=role, project_id=project.pk,
                             person_ids=[cast.class_admin.pk])
    assert list(project.class_admins.all()) == [cast.class_admin]


# --- enrolment --------------------------------------------------------------------------------

def test_enrol_once_inside_window_and_capacity(cast):
    project = make_project(cast, capacity=1)
    enrolment = enrol(actor=cast.learner, project_id=project.pk)
    assert enrolment.status == EnrolmentStatus.APPROVED
    with pytest.raises(DomainError) as exc:
        enrol(actor=cast.learner, project_id=project.pk)
    assert exc.value.code == "duplicate"
    with pytest.raises(DomainError) as exc:
        enrol(actor=cast.colleague, project_id=project.pk)
    assert exc.value.code == "conflict"  # no places left
    enrolment_cancel(actor=cast.learner, project_id=project.pk)
    assert enrol(actor=cast.colleague, project_id=project.pk).status == EnrolmentStatus.APPROVED
    assert Enrolment.objects.filter(project=project, status__in=("pending", "approved")).count() == 1


@pytest.mark.parametrize("change", [
    {"enrol_allowed": False},
    {"enrol_opens": timezone.now() + timedelta(days=1)},
    {"enrol_closes": timezone.now() - timedelta(minutes=1)},
])
def test_enrol_outside_the_window_is_refused(cast, change):
    project = make_project(cast)
    Project.objects.filter(pk=project.pk).update(**change)
    with pytest.raises(DomainError) as exc:
        enrol(actor=cast.learner, project_id=project.pk)
    assert exc.value.code == "window_closed"
    assert not Enrolment.objects.exists()


def test_enrol_in_a_project_not_visible_is_404(cast):
    private = make_project(cast, visibility="private")
    planned = make_project(cast, implement=False)
    for project, person in ((private, cast.learner), (planned, cast.learner),
                            (make_project(cast), cast.outsider_learner)):
        with pytest.raises(DomainError) as exc:
            enrol(actor=person, project_id=project.pk)
        assert exc.value.code == "not_found"
    academy_wide = make_project(cast, visibility="academy")
    assert enrol(actor=cast.outsider_learner, project_id=academy_wide.pk)


def test_cancel_only_before_the_start(cast):
    project = make_project(cast)
    enrol(actor=cast.learner, project_id=project.pk)
    Project.objects.filter(pk=project.pk).update(start=timezone.localdate())
    with pytest.raises(DomainError) as exc:
        enrolment_cancel(actor=cast.learner, project_id=project.pk)
    assert exc.value.code == "conflict"


def test_approval_batch_and_rejection_reason(cast):
    project = make_project(cast, enrol_needs_approval=True)
    a = enrol(actor=cast.learner, project_id=project.pk)
    b = enrol(actor=cast.colleague, project_id=project.pk)
    assert a.status == b.status == EnrolmentStatus.PENDING
    role = _role(cast.class_admin)
    with pytest.raises(DomainError) as exc:
        enrolments_decide(actor=cast.class_admin, role=role, project_id=project.pk, ids=[a.pk], approve=False)
    assert exc.value.field == "reason"
    assert enrolments_decide(actor=cast.class_admin, role=role, project_id=project.pk, ids=[a.pk, b.pk],
                             approve=True) == 2
    assert set(Enrolment.objects.values_list("status", flat=True)) == {"approved"}
    with pytest.raises(DomainError) as exc:  # decided already: 409, nothing changes
        enrolments_decide(actor=cast.class_admin, role=role, project_id=project.pk, ids=[a.pk],
                          approve=False, reason="满员")
    assert exc.value.code == "conflict"
    assert cast.learner.notifications.filter(kind="training.enrolment_decided").count() == 1


# --- attendance -------------------------------------------------------------------------------

def _attend(cast, project, people):
    role = _role(cast.institute_admin)
    attendees_add(actor=cast.institute_admin, role=role, project_id=project.pk,
                  person_ids=[p.pk for p in people])
    return list(Attendee.objects.filter(project=project).order_by("person__pk"))


def test_confirm_credits_once_and_unconfirm_reverses(cast):
    project = make_project(cast)
    role = _role(cast.institute_admin)
    [row] = _attend(cast, project, [cast.learner])
    assert attendees_confirm(actor=cast.institute_admin, role=role, project_id=project.pk, ids=[row.pk]) == 1
    assert attendees_confirm(actor=cast.institute_admin, role=role, project_id=project.pk, ids=[row.pk]) == 0
    entries = LedgerEntry.objects.filter(person=cast.learner, source_kind="project")
    assert sum(e.minutes for e in entries) == 480 and {e.cap_class for e in entries} == {"offline"}
    assert {e.category for e in entries} == {"short_course"}
    archive = archive_for(cast.learner, (YEAR, 1), (YEAR, 12))
    [source] = archive.rows("project")
    assert (source.label, source.minutes, source.details["place"], source.details["method"]) == (
        "光学设计培训班", 480, "南京", "offline")
    with pytest.raises(DomainError):  # a reason is required
        attendees_unconfirm(actor=cast.institute_admin, role=role, project_id=project.pk, ids=[row.pk],
                            reason="")
    assert attendees_unconfirm(actor=cast.institute_admin, role=role, project_id=project.pk, ids=[row.pk],
                               reason="未到场") == 1
    assert sum(LedgerEntry.objects.filter(person=cast.learner).values_list("minutes", flat=True)) == 0
    assert archive_for(cast.learner, (YEAR, 1), (YEAR, 12)).rows("project") == []
    # Confirmed again: a fresh posting, credited once more.
    attendees_confirm(actor=cast.institute_admin, role=role, project_id=project.pk, ids=[row.pk])
    assert sum(LedgerEntry.objects.filter(person=cast.learner).values_list("minutes", flat=True)) == 480
    assert sum(LedgerTotal.objects.filter(person=cast.learner).values_list("minutes", flat=True)) == 480


def test_mixed_project_credits_online_and_offline_as_one_posting(cast):
    start = date(YEAR, 1, 30)
    project = make_project(cast, method="mixed", minutes=600, online_minutes=240, start=start,
                           end=date(YEAR, 2, 2), days=4, enrol_allowed=False)
    [row] = _attend(cast, project, [cast.learner])
    attendees_confirm(actor=cast.institute_admin, role=_role(cast.institute_admin), project_id=project.pk,
                      ids=[row.pk])
    entries = LedgerEntry.objects.filter(person=cast.learner, source_kind="project")
    by_class = {}
    for e in entries:
        by_class[e.cap_class] = by_class.get(e.cap_class, 0) + e.minutes
    assert by_class == {"offline": 360, "online": 240}
    assert {(e.year, e.month) for e in entries} == {(YEAR, 1), (YEAR, 2)}  # spread over its months
    [source] = archive_for(cast.learner, (YEAR, 1), (YEAR, 12)).rows("project")
    assert source.by_class == {"offline": 360, "online": 240}
    attendees_unconfirm(actor=cast.institute_admin, role=_role(cast.institute_admin),
                        project_id=project.pk, ids=[row.pk], reason="重复")
    assert sum(LedgerEntry.objects.filter(person=cast.learner).values_list("minutes", flat=True)) == 0


def test_attendees_from_enrolments_and_out_of_scope_people(cast):
    project = make_project(cast)
    enrol(actor=cast.learner, project_id=project.pk)
    role = _role(cast.class_admin)
    with pytest.raises(DomainError) as exc:
        attendees_add(actor=cast.class_admin, role=role, project_id=project.pk,
                      person_ids=[cast.outsider_learner.pk])
    assert exc.value.field == "people"
    assert not Attendee.objects.exists()
    assert attendees_add(actor=cast.class_admin, role=role, project_id=project.pk, from_enrolments=True) == 1
    [row] = Attendee.objects.all()
    attendees_confirm(actor=cast.class_admin, role=role, project_id=project.pk, ids=[row.pk])
    with pytest.raises(DomainError):  # confirmed: un-confirm first
        attendees_remove(actor=cast.class_admin, role=role, project_id=project.pk, ids=[row.pk])
    with pytest.raises(DomainError):  # and the project cannot be cancelled with credited hours
        project_cancel(actor=cast.class_admin, role=role, project_id=project.pk, reason="x")
