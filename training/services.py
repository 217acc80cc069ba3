"""Every write to training projects. Public verbs run in a transaction of their own
(`atomic(durable=True)`) and lock the rows they change. Invariants:
- a project's status moves only along training.models.PROJECT_WORKFLOW and an
  enrolment's along ENROLMENT_WORKFLOW, through core.workflow.transition;
- managers touch only the projects training.access gives them (404 otherwise); a class
  admin only the projects assigned to them;
- enrolment: once per person and project, inside the window, while places are left
  (pending and approved enrolments take a place), only in a project the learner sees;
  the project row is locked while places are counted, so the last place goes once;
- confirming an attendee credits the project's hours once through the ledger
  (source = the project); un-confirming reverses that posting; the attendee row is
  locked, so confirm and un-confirm racing leave the hours credited once or not at all.
"""

import math
import re
import secrets
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Role, RoleAssignment, User
from core.access import not_found
from core.audit import audit_record
from core.errors import DomainError, ErrorCode
from core.minutes import MAX_MINUTES, parse_decimal, parse_int
from core.permissions import check_permission
from core.validators import CONTROL, check_single_line
from core.workflow import transition
from ledger.models import SourceKind
from ledger.queries import policy_for
from ledger.services import ledger_credit_parts, ledger_reverse_source
from notifications.services import notify
from orgs.models import Org, OrgKind
from training.access import (
    get_project_for,
    get_visible_project,
    managed_projects,
    people_for,
    pk_of,
)
from training.models import (
    TAKES_PLACE,
    Attendee,
    Enrolment,
    EnrolmentStatus,
    Funding,
    Method,
    Project,
    ProjectKind,
    ProjectStatus,
    Visibility,
)

SINGLE_LINE = {"name": 200, "organiser": 200, "contact": 50, "phone": 30, "email": 254,
               "place": 200, "audience": 200}
MULTI_LINE = {"objective": 2000, "content": 5000}
COUNTS = ("days", "planned_attendees", "planned_research", "planned_management", "planned_support",
          "external_attendees", "staff_count")
# The fields a manager edits (forms and the API send these; nothing else is taken).
FIELDS = (["org", "year", "kind", "category", "method", "start", "end", "minutes",
           "online_minutes"] + list(COUNTS) + list(SINGLE_LINE) + list(MULTI_LINE)
          + ["funding", "budget", "spent", "visibility", "enrol_allowed",
             "enrol_needs_approval", "enrol_opens", "enrol_closes", "capacity"])
MAX_COUNT = 1_000_000


def _invalid(message, field=None):
    return DomainError(ErrorCode.INVALID, message, field=field)


def _choice(value, choices, field, default):
    value = default if value in (None, "") else str(value)
    if value not in choices.values:
        raise _invalid(_("Choose one of the options."), field)
    return value


def _datetime(value, field):
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        if not 2000 <= value.year <= timezone.localdate().year + 5:
            raise _invalid(_("Choose a date between %(first)d and %(last)d.")
                           % {"first": 2000, "last": timezone.localdate().year + 5}, field)
        # Whole minutes, as the form's datetime-local input shows and sends them.
        return value.replace(second=0, microsecond=0)
    raise _invalid(_("Enter a date and time."), field)


def categories_of(org: Org, year: int):
    """The training categories of the year's policy of the org's academy."""
    return list(policy_for(org.institute or org, year).categories)


def _clean(role: RoleAssignment, data: dict, *, current: Project | None = None) -> dict:
    out = {}
    org = data.get("org")
    if not isinstance(org, Org):
        org_id = data.get("org") if data.get("org") not in (None, "") else (current.org_id if current else None)
        org = Org.objects.filter(pk=parse_int(org_id, field="org", min=1, max=2**63 - 1)).first() \
            if org_id is not None else None
    if (org is None or not org.path.startswith(role.org.path)
            or org.kind not in (OrgKind.INSTITUTE, OrgKind.DEPARTMENT)):
        raise _invalid(_("Choose the organising unit."), "org")
    out["org"] = org
    out["institute"] = org if org.kind == OrgKind.INSTITUTE else org.institute
    for name, limit in SINGLE_LINE.items():
        value = str(data.get(name) or "").strip()
        if len(value) > limit:
            raise _invalid(_("At most %(n)d characters.") % {"n": limit}, name)
        out[name] = check_single_line(value, field=name)
    for name, limit in MULTI_LINE.items():
        value = str(data.get(name) or "").strip()
        if len(value) > limit:
            raise _invalid(_("At most %(n)d characters.") % {"n": limit}, name)
        if CONTROL.search(value):
            raise _invalid(_("Control characters are not allowed."), name)
        out[name] = value
    if not out["name"]:
        raise _invalid(_("Enter the training name."), "name")
    if out["email"] and ("@" not in out["email"] or " " in out["email"]):
        raise _invalid(_("Enter a valid email address."), "email")
    year = parse_int(data.get("year"), field="year", min=2000, max=timezone.localdate().year + 5)
    out["year"] = year
    out["kind"] = _choice(data.get("kind"), ProjectKind, "kind", ProjectKind.TRAINING)
    out["method"] = _choice(data.get("method"), Method, "method", Method.OFFLINE)
    out["funding"] = _choice(data.get("funding"), Funding, "funding", Funding.ORDINARY)
    out["visibility"] = _choice(data.get("visibility"), Visibility, "visibility", Visibility.UNIT)
    start, end = data.get("start"), data.get("end")
    if not isinstance(start, date):
        raise _invalid(_("Enter the start date."), "start")
    if not isinstance(end, date):
        raise _invalid(_("Enter the end date."), "end")
    if end < start:
        raise _invalid(_("The end is before the start."), "end")
    if (end - start).days > 366:
        raise _invalid(_("A training project spans at most a year."), "end")
    if start.year != year:
        raise _invalid(_("The start must lie in the training year."), "start")
    out["start"], out["end"] = start, end
    minutes = parse_int(data.get("minutes"), field="minutes", min=1, max=MAX_MINUTES)
    if minutes > ((end - start).days + 1) * 24 * 60:
        raise _invalid(_("More hours than the days between start and end hold."), "minutes")
    out["minutes"] = minutes
    online = parse_int(data.get("online_minutes") or 0, field="online_minutes", min=0, max=MAX_MINUTES)
    if out["method"] == Method.ONLINE:
        online = minutes
    elif out["method"] == Method.OFFLINE:
        online = 0
    elif not 0 < online < minutes:
        raise _invalid(_("A mixed project has both online and offline hours: the online "
                         "hours lie between zero and the total."), "online_minutes")
    out["online_minutes"] = online
    for name in COUNTS:
        out[name] = parse_int(data.get(name) or 0, field=name, min=0, max=MAX_COUNT)
    if out["days"] < 1:
        out["days"] = 1
    if out["days"] > (end - start).days + 1:
        raise _invalid(_("More days than the project spans."), "days")
    category = str(data.get("category") or "").strip()
    if category and category not in {c.code for c in categories_of(org, year)}:
        raise _invalid(_("Choose one of the categories."), "category")
    out["category"] = category
    for name in ("budget", "spent"):
        out[name] = parse_decimal(data.get(name), field=name, max_whole_digits=8, places=2)
    out["enrol_allowed"] = bool(data.get("enrol_allowed"))
    out["enrol_needs_approval"] = bool(data.get("enrol_needs_approval"))
    out["enrol_opens"] = _datetime(data.get("enrol_opens"), "enrol_opens")
    out["enrol_closes"] = _datetime(data.get("enrol_closes"), "enrol_closes")
    if out["enrol_opens"] and out["enrol_closes"] and out["enrol_closes"] < out["enrol_opens"]:
        raise _invalid(_("Enrolment closes before it opens."), "enrol_closes")
    capacity = data.get("capacity")
    out["capacity"] = None if capacity in (None, "") else parse_int(capacity, field="capacity", min=1,
                                                                    max=MAX_COUNT)
    return out


def _snapshot(project: Project) -> dict:
    """The fields as the audit trail shows them: choices by their label (in the platform's
    language), dates and amounts as text, numbers, flags and blanks as they are."""
    out = {}
    with translation.override(settings.LANGUAGE_CODE):
        for name in FIELDS:
            value = getattr(project, "org_id" if name == "org" else name)
            if project._meta.get_field(name).choices and name != "category":
                value = str(getattr(project, f"get_{name}_display")())
            elif isinstance(value, (date, Decimal)):
                value = str(value)
            out[name] = value
    return out


# --- projects ---------------------------------------------------------------------------------

def project_create(*, actor: User, role: RoleAssignment, data: dict) -> Project:
    """A project created directly (no plan): 未实施 until implemented."""
    check_permission(role, "training.create")
    with transaction.atomic(durable=True):
        fields = _clean(role, data)
        project = Project.objects.create(**fields, created_by=actor)
        audit_record(actor=actor, action="project.created", obj=project, org=project.org,
                     after=_snapshot(project))
    return project


def project_update(*, actor: User, role: RoleAssignment, project_id, data: dict,
                   effectiveness: str | None = None) -> Project:
    """Change the project's fields (培训班管理 暂存). Saving unchanged values changes
    nothing and records nothing. A cancelled project is final."""
    check_permission(role, "training.manage")
    with transaction.atomic(durable=True):
        project = get_project_for(role, project_id, lock=True)
        if project.status == ProjectStatus.CANCELLED:
            raise DomainError(ErrorCode.CONFLICT, _("A cancelled project cannot be changed."))
        fields = _clean(role, {"org": project.org, **data}, current=project)
        if role.role == Role.CLASS_ADMIN:
            fields["org"] = project.org  # a class admin does not move a project
            fields["institute"] = project.institute
        if effectiveness is not None:
            text = str(effectiveness).strip()
            if len(text) > 5000 or CONTROL.search(text):
                raise _invalid(_("At most %(n)d characters.") % {"n": 5000}, "effectiveness")
            if text and project.status == ProjectStatus.PLANNED:
                raise _invalid(_("The effectiveness is written once the project is implemented."),
                               "effectiveness")
            fields["effectiveness"] = text
        before = _snapshot(project) | {"effectiveness": project.effectiveness}
        changed = [name for name, value in fields.items() if getattr(project, name) != value]
        if not changed:
            return project
        for name in changed:
            setattr(project, name, fields[name])
        project.save(update_fields=changed + ["updated_at"])
        after = _snapshot(project) | {"effectiveness": project.effectiveness}
        audit_record(actor=actor, action="project.updated", obj=project, org=project.org,
                     before={k: v for k, v in before.items() if after.get(k) != v},
                     after={k: v for k, v in after.items() if before.get(k) != v})
    return project


def _step(actor, role, project_id, action, reason=""):
    check_permission(role, "training.manage")
    with transaction.atomic(durable=True):
        project = get_project_for(role, project_id, lock=True)
        transition(project, action, actor=actor, reason=reason)
    return project


def project_implement(*, actor: User, role: RoleAssignment, project_id) -> Project:
    """实施: the project appears in the catalogue (as its visibility allows)."""
    return _step(actor, role, project_id, "implement")


def project_end(*, actor: User, role: RoleAssignment, project_id) -> Project:
    return _step(actor, role, project_id, "end")


def project_cancel(*, actor: User, role: RoleAssignment, project_id, reason: str) -> Project:
    """撤销 with a reason. Confirmed attendance must be un-confirmed first."""
    reason = check_single_line(str(reason or "").strip(), field="reason")
    if not reason or len(reason) > 500:
        raise _invalid(_("Give a reason (at most 500 characters)."), "reason")
    check_permission(role, "training.manage")
    with transaction.atomic(durable=True):
        project = get_project_for(role, project_id, lock=True)
        if project.attendees.filter(confirmed=True).exists():
            raise DomainError(ErrorCode.CONFLICT,
                              _("Attendance of this project has been confirmed: un-confirm it "
                                "before cancelling the project."))
        transition(project, "cancel", actor=actor, reason=reason)
    return project


def project_set_class_admins(*, actor: User, role: RoleAssignment, project_id, person_ids) -> Project:
    """Assign the project's class admins (培训班管理员): people of the role's scope who
    hold the class admin role over a unit above the project's organising unit."""
    check_permission(role, "training.create")
    ids = {parse_int(i, field="class_admins", min=1, max=2**63 - 1) for i in person_ids}
    with transaction.atomic(durable=True):
        project = get_project_for(role, project_id, lock=True)
        holders = RoleAssignment.objects.filter(role=Role.CLASS_ADMIN, user__in=ids)
        people = [p for p in people_for(role).filter(pk__in=ids)
                  if any(project.org.path.startswith(r.org.path) for r in holders if r.user_id == p.pk)]
        if len(people) != len(ids):
            raise _invalid(_("Choose class admins of this unit."), "class_admins")
        before = sorted(project.class_admins.values_list("pk", flat=True))
        if before == sorted(ids):
            return project
        project.class_admins.set(people)
        audit_record(actor=actor, action="project.class_admins", obj=project, org=project.org,
                     before={"class_admins": before}, after={"class_admins": sorted(ids)})
    return project


def class_admin_candidates(role: RoleAssignment, project: Project | None = None):
    """The people who may be assigned as class admins by this role."""
    holders = RoleAssignment.objects.filter(role=Role.CLASS_ADMIN, org__path__startswith=role.org.institute.path
                                            if role.org.institute_id else role.org.path)
    return people_for(role).filter(pk__in=holders.values("user")).order_by("real_name", "pk")


# --- enrolment --------------------------------------------------------------------------------

def places_taken(project: Project) -> int:
    return project.enrolments.filter(status__in=TAKES_PLACE).count()


def enrol_state(project: Project, now=None) -> str | None:
    """Why nobody can enrol now (a message), or None when enrolment is open."""
    now = now or timezone.now()
    if project.status != ProjectStatus.IMPLEMENTED or not project.enrol_allowed:
        return _("This project takes no enrolments.")
    if project.enrol_opens and now < project.enrol_opens:
        return _("Enrolment has not opened yet.")
    if project.enrol_closes and now > project.enrol_closes:
        return _("Enrolment has closed.")
    if project.start < timezone.localdate(now):
        return _("The project has begun.")
    return None


def enrol(*, actor: User, project_id) -> Enrolment:
    """我要报名. The project row is locked while its places are counted, so 20 learners
    racing for the last place get it once."""
    with transaction.atomic(durable=True):
        project = get_visible_project(actor, project_id, lock=True)
        refusal = enrol_state(project)
        if refusal:
            raise DomainError(ErrorCode.WINDOW_CLOSED, refusal)
        enrolment = Enrolment.objects.select_for_update().filter(project=project, person=actor).first()
        if enrolment is not None and enrolment.status != EnrolmentStatus.CANCELLED:
            raise DomainError(ErrorCode.DUPLICATE, _("You have already enrolled in this project."))
        if project.capacity is not None and places_taken(project) >= project.capacity:
            raise DomainError(ErrorCode.CONFLICT, _("No places are left."))
        approved = not project.enrol_needs_approval
        if enrolment is None:
            enrolment = Enrolment.objects.create(
                project=project, person=actor,
                status=EnrolmentStatus.APPROVED if approved else EnrolmentStatus.PENDING,
                decided_at=timezone.now() if approved else None)
            audit_record(actor=actor, action="enrolment.created", obj=enrolment, org=project.org,
                         after={"status": enrolment.status})
        else:
            enrolment.project = project
            transition(enrolment, "reenrol_approved" if approved else "reenrol", actor=actor)
        if not approved:
            notify(recipients=list(project.class_admins.all()), kind="training.enrolment",
                   title=_("New enrolment in %(name)s") % {"name": project.name},
                   url=reverse("training:manage_enrolments", args=[project.pk]))
    return enrolment


def enrolment_cancel(*, actor: User, project_id) -> Enrolment:
    """The learner cancels before the project starts."""
    from training.access import get_own_enrolment

    with transaction.atomic(durable=True):
        enrolment = get_own_enrolment(actor, project_id, lock=True)
        if enrolment.project.start <= timezone.localdate():
            raise DomainError(ErrorCode.CONFLICT, _("The project has begun: enrolment can no longer be cancelled."))
        transition(enrolment, "cancel", actor=actor)
    return enrolment


def enrolments_decide(*, actor: User, role: RoleAssignment, project_id, ids, approve: bool,
                      reason: str = "") -> int:
    """Approve or reject pending enrolments of one project (batch); a rejection needs a
    reason. All or nothing."""
    ids = {parse_int(i, field="ids", min=1, max=2**63 - 1) for i in ids}
    if not ids:
        raise _invalid(_("Choose records first."), "ids")
    reason = check_single_line(str(reason or "").strip(), field="reason")
    if not approve and not reason:
        raise _invalid(_("Give a reason."), "reason")
    if len(reason) > 500:
        raise _invalid(_("At most %(n)d characters.") % {"n": 500}, "reason")
    check_permission(role, "training.manage")
    with transaction.atomic(durable=True):
        project = get_project_for(role, project_id, lock=True)
        rows = list(Enrolment.objects.select_for_update(of=("self",)).filter(project=project, pk__in=ids)
                    .select_related("person"))
        if len(rows) != len(ids):
            raise DomainError(ErrorCode.NOT_FOUND, _("Not found."))
        for enrolment in rows:
            enrolment.project = project
            transition(enrolment, "approve" if approve else "reject", actor=actor, reason=reason)
        title = (_("Your enrolment in %(name)s was approved") if approve
                 else _("Your enrolment in %(name)s was rejected")) % {"name": project.name}
        notify(recipients=[e.person for e in rows], kind="training.enrolment_decided", title=title,
               body=reason, url=reverse("training:detail", args=[project.pk]))
    return len(rows)


# --- attendance (实际参会人员) -----------------------------------------------------------------

def attendees_add(*, actor: User, role: RoleAssignment, project_id, person_ids=(),
                  from_enrolments: bool = False) -> int:
    """Put people on the attendance list: chosen people of the role's scope and/or every
    approved enrolment. People already on it are left alone. Returns how many were added."""
    ids = {parse_int(i, field="people", min=1, max=2**63 - 1) for i in person_ids}
    check_permission(role, "training.manage")
    with transaction.atomic(durable=True):
        project = get_project_for(role, project_id, lock=True)
        if project.status not in (ProjectStatus.IMPLEMENTED, ProjectStatus.ENDED):
            raise DomainError(ErrorCode.CONFLICT, _("Attendance is kept once the project is implemented."))
        people = set(people_for(role).filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()
        if people != ids:
            raise _invalid(_("Some of the chosen people are outside your scope."), "people")
        if from_enrolments:
            people |= set(project.enrolments.filter(status=EnrolmentStatus.APPROVED)
                          .values_list("person_id", flat=True))
        have = set(project.attendees.values_list("person_id", flat=True))
        new = sorted(people - have)
        Attendee.objects.bulk_create([Attendee(project=project, person_id=pk, added_by=actor) for pk in new])
        if new:
            audit_record(actor=actor, action="project.attendees_added", obj=project, org=project.org,
                         after={"people": new})
    return len(new)


def attendees_remove(*, actor: User, role: RoleAssignment, project_id, ids) -> int:
    """Take unconfirmed people off the list (a confirmed one is un-confirmed first)."""
    ids = {parse_int(i, field="ids", min=1, max=2**63 - 1) for i in ids}
    check_permission(role, "training.manage")
    with transaction.atomic(durable=True):
        project = get_project_for(role, project_id, lock=True)
        rows = Attendee.objects.select_for_update(of=("self",)).filter(project=project, pk__in=ids)
        if rows.filter(confirmed=True).exists():
            raise DomainError(ErrorCode.CONFLICT, _("Un-confirm the attendance first."))
        people = list(rows.values_list("person_id", flat=True))
        count = rows.delete()[0]
        if count:
            audit_record(actor=actor, action="project.attendees_removed", obj=project,
                         org=project.org, before={"people": people})
    return count


def _parts(project: Project, person: User) -> list[tuple[str, int, str]]:
    """(class, minutes, category) of the project's credit: online and offline hours, the
    category where it counts in that class."""
    rules = policy_for(person.institute, project.start.year)
    rule = rules.category(project.category) if project.category else None
    parts = []
    for cap_class, minutes in (("offline", project.offline_minutes), ("online", project.online_minutes)):
        if minutes:
            category = project.category if rule is not None and rule.cap_class == cap_class else ""
            parts.append((cap_class, minutes, category))
    return parts


def _details(project: Project) -> dict:
    """What the archive's project table shows (seed 001's columns). The method and the
    project class are kept as codes; the archive names them in the reader's language."""
    return {"place": project.place, "method": project.method, "project_class": project.kind,
            "organiser": project.organiser or project.org.name,
            "start": project.start.isoformat(), "end": project.end.isoformat()}


def attendees_confirm(*, actor: User, role: RoleAssignment, project_id, ids) -> int:
    """确认参加: credit each chosen attendee the project's hours (once: an attendee
    already confirmed is left alone). Returns how many were newly confirmed."""
    ids = {parse_int(i, field="ids", min=1, max=2**63 - 1) for i in ids}
    if not ids:
        raise _invalid(_("Choose records first."), "ids")
    check_permission(role, "training.manage")
    with transaction.atomic(durable=True):
        project = get_project_for(role, project_id)
        if project.status not in (ProjectStatus.IMPLEMENTED, ProjectStatus.ENDED):
            raise DomainError(ErrorCode.CONFLICT, _("Attendance is confirmed once the project is implemented."))
        rows = list(Attendee.objects.select_for_update(of=("self",)).filter(project=project, pk__in=ids)
                    .select_related("person", "person__institute", "person__department")
                    .order_by("pk"))
        if len(rows) != len(ids):
            raise DomainError(ErrorCode.NOT_FOUND, _("Not found."))
        done = []
        for attendee in rows:
            if attendee.confirmed:
                continue
            attendee.credit_round += 1
            entries = ledger_credit_parts(
                person=attendee.person, parts=_parts(project, attendee.person), start=project.start,
                end=project.end, source_kind=SourceKind.PROJECT, source_id=attendee.source_id,
                source_label=project.name, actor=actor, details=_details(project))
            attendee.confirmed = True
            attendee.credited_minutes = sum(e.minutes for e in entries)
            attendee.confirmed_at, attendee.confirmed_by = timezone.now(), actor
            attendee.save(update_fields=["confirmed", "credit_round", "credited_minutes",
                                         "confirmed_at", "confirmed_by"])
            done.append(attendee)
        if done:
            audit_record(actor=actor, action="project.attendance_confirmed", obj=project,
                         org=project.org, after={"people": [a.person_id for a in done]})
            notify(recipients=[a.person for a in done], kind="training.credited",
                   title=_("Hours credited for %(name)s") % {"name": project.name},
                   url=reverse("ledger:archive"))
    return len(done)


def attendees_unconfirm(*, actor: User, role: RoleAssignment, project_id, ids, reason: str) -> int:
    """Undo 确认参加: reverse the attendee's posting of this project."""
    ids = {parse_int(i, field="ids", min=1, max=2**63 - 1) for i in ids}
    if not ids:
        raise _invalid(_("Choose records first."), "ids")
    reason = check_single_line(str(reason or "").strip(), field="reason")
    if not reason or len(reason) > 500:
        raise _invalid(_("Give a reason (at most 500 characters)."), "reason")
    check_permission(role, "training.manage")
    with transaction.atomic(durable=True):
        project = get_project_for(role, project_id)
        rows = list(Attendee.objects.select_for_update(of=("self",)).filter(project=project, pk__in=ids)
                    .select_related("person").order_by("pk"))
        if len(rows) != len(ids):
            raise DomainError(ErrorCode.NOT_FOUND, _("Not found."))
        done = []
        for attendee in rows:
            if not attendee.confirmed:
                continue
            ledger_reverse_source(person=attendee.person, source_kind=SourceKind.PROJECT,
                                  source_id=attendee.source_id, actor=actor, reason=reason)
            attendee.confirmed = False
            attendee.credited_minutes = 0
            attendee.save(update_fields=["confirmed", "credited_minutes"])
            done.append(attendee)
        if done:
            audit_record(actor=actor, action="project.attendance_unconfirmed", obj=project,
                         org=project.org, before={"people": [a.person_id for a in done]}, note=reason)
    return len(done)


def learner_projects_q(user: User) -> Q:
    return Q(enrolments__person=user) | Q(attendees__person=user)


# --- sessions and sign-in (培训日程, 签到) ------------------------------------------------------

SIGN_IN_EARLY = timedelta(minutes=30)  # sign-in opens this long before a session starts
SIGN_IN_LATE = timedelta(minutes=30)  # and closes this long after it ends


def _coordinate(value, field, limit):
    """A latitude or longitude in degrees (a browser sends floats with many decimals),
    kept to 6 decimals (about 0.1 m)."""
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise _invalid(_("Enter a valid position."), field)
    text = format(value, ".8f") if isinstance(value, float) and math.isfinite(value) else str(value).strip()
    if not re.fullmatch(r"-?\d{1,3}(\.\d{1,20})?", text, re.ASCII):
        raise _invalid(_("Enter a valid position."), field)
    number = Decimal(text).quantize(Decimal("0.000001"))
    if abs(number) > limit:
        raise _invalid(_("Enter a valid position."), field)
    return number


def session_create(*, actor: User, role: RoleAssignment, project_id, data: dict):
    """Add a session (培训日程) to a project the role manages."""
    from training.models import Session

    title = check_single_line(str(data.get("title") or "").strip(), field="title")
    if not title or len(title) > 200:
        raise _invalid(_("Enter the title (at most 200 characters)."), "title")
    place = check_single_line(str(data.get("place") or "").strip(), field="place")[:200]
    starts, ends = _datetime(data.get("starts_at"), "starts_at"), _datetime(data.get("ends_at"), "ends_at")
    if starts is None or ends is None:
        raise _invalid(_("Enter a date and time."), "starts_at" if starts is None else "ends_at")
    if ends <= starts or ends - starts > timedelta(days=2):
        raise _invalid(_("A session ends after it starts, within two days."), "ends_at")
    lat = _coordinate(data.get("latitude"), "latitude", 90)
    lon = _coordinate(data.get("longitude"), "longitude", 180)
    radius = parse_int(data.get("radius_m") or 200, field="radius_m", min=10, max=50_000)
    require_location = bool(data.get("require_location"))
    if require_location and (lat is None or lon is None):
        raise _invalid(_("A session checking the location needs its position."), "latitude")
    require_qr = bool(data.get("require_qr"))
    check_permission(role, "training.manage")
    with transaction.atomic(durable=True):
        project = get_project_for(role, project_id, lock=True)
        if project.status not in (ProjectStatus.PLANNED, ProjectStatus.IMPLEMENTED):
            raise DomainError(ErrorCode.CONFLICT, _("Sessions are added before the project ends."))
        session = Session.objects.create(
            project=project, title=title, place=place, starts_at=starts, ends_at=ends, latitude=lat,
            longitude=lon, radius_m=radius, require_qr=require_qr, require_location=require_location,
            secret=secrets.token_hex(16), created_by=actor)
        audit_record(actor=actor, action="session.created", obj=session, org=project.org,
                     after={"project": project.pk, "title": title, "starts_at": starts.isoformat()})
    return session


def may_sign_in(user: User, project: Project) -> bool:
    """Approved enrolment or on the attendance list."""
    return (project.enrolments.filter(person=user, status=EnrolmentStatus.APPROVED).exists()
            or project.attendees.filter(person=user).exists())


def sign_in(*, actor: User, session_id, token: str = "", code: str = "", latitude=None,
            longitude=None, accuracy=None, now: float | None = None):
    """A learner signs in at a session. Checked on the server's clock: the session's
    sign-in time, the rotating QR token or short code (when the session asks for it), the
    position inside the radius with an accuracy no worse than the radius (when it asks
    for the location). Signing in again returns the first sign-in."""
    from training.models import SignIn, SignInMethod
    from training.signin import check_code, check_token, haversine_m

    session = _session_for_learner(actor, session_id)
    project = session.project
    moment = timezone.now()
    if not session.starts_at - SIGN_IN_EARLY <= moment <= session.ends_at + SIGN_IN_LATE:
        raise DomainError(ErrorCode.WINDOW_CLOSED, _("Sign-in for this session is not open now."))
    if not may_sign_in(actor, project):
        raise DomainError(ErrorCode.FORBIDDEN, _("You are not enrolled in this project."))
    found = SignIn.objects.filter(session=session, person=actor).first()
    if found is not None:  # signed in already: the first sign-in stands
        return found
    method = SignInMethod.LOCATION
    if token:
        if not check_token(session, token, now):
            raise DomainError(ErrorCode.INVALID, _("This QR code has expired or is not this "
                                                   "session's: scan the code shown now."), field="token")
        method = SignInMethod.QR
    elif code:
        if not check_code(session, code, now):
            raise DomainError(ErrorCode.INVALID, _("This code has expired or is wrong: enter the code "
                                                   "shown now."), field="code")
        method = SignInMethod.CODE
    elif session.require_qr:
        raise DomainError(ErrorCode.INVALID, _("Scan the session's QR code or enter its code."), field="token")
    lat = lon = acc = distance = None
    if session.require_location:
        lat = _coordinate(latitude, "latitude", 90)
        lon = _coordinate(longitude, "longitude", 180)
        if lat is None or lon is None or accuracy in (None, ""):
            raise DomainError(ErrorCode.INVALID, _("Your position is needed to sign in: allow the "
                                                   "browser to share it."), field="location")
        try:
            acc = math.ceil(float(accuracy))
        except (TypeError, ValueError, OverflowError):
            raise _invalid(_("Enter a valid position."), "accuracy") from None
        if not 0 <= acc <= 100_000:
            raise _invalid(_("Enter a valid position."), "accuracy")
        if acc > session.radius_m:
            raise DomainError(ErrorCode.INVALID, _("Your position is too imprecise (±%(acc)d m) for this "
                                                   "session's radius of %(radius)d m.")
                              % {"acc": acc, "radius": session.radius_m}, field="location")
        distance = round(haversine_m(float(lat), float(lon), float(session.latitude), float(session.longitude)))
        if distance > session.radius_m:
            raise DomainError(ErrorCode.INVALID, _("You are %(distance)d m from the session's place, "
                                                   "outside its radius of %(radius)d m.")
                              % {"distance": distance, "radius": session.radius_m}, field="location")
    elif not token and not code:
        raise DomainError(ErrorCode.INVALID, _("Scan the session's QR code or enter its code."), field="token")
    with transaction.atomic(durable=True):
        found = SignIn.objects.filter(session=session, person=actor).first()
        if found is not None:
            return found
        try:
            with transaction.atomic():
                row = SignIn.objects.create(session=session, person=actor, method=method, latitude=lat,
                                            longitude=lon, accuracy_m=acc, distance_m=distance)
        except IntegrityError:
            return SignIn.objects.get(session=session, person=actor)
    return row


def sign_in_manual(*, actor: User, role: RoleAssignment, session_id, person_id, reason: str):
    """签到 recorded by the admin (补签), with a reason; the person is an attendee or has
    an approved enrolment."""
    from training.models import SignIn, SignInMethod

    reason = check_single_line(str(reason or "").strip(), field="reason")
    if not reason or len(reason) > 500:
        raise _invalid(_("Give a reason (at most 500 characters)."), "reason")
    check_permission(role, "training.manage")
    with transaction.atomic(durable=True):
        session = get_session_for(role, session_id)
        person = people_for(role).filter(pk=parse_int(person_id, field="person", min=1, max=2**63 - 1)).first()
        if person is None or not may_sign_in(person, session.project):
            raise _invalid(_("Choose an enrolled person or an attendee."), "person")
        row, created = SignIn.objects.get_or_create(
            session=session, person=person,
            defaults={"method": SignInMethod.MANUAL, "reason": reason, "recorded_by": actor})
        if created:
            audit_record(actor=actor, action="session.manual_sign_in", obj=session,
                         org=session.project.org, after={"person": person.pk}, note=reason)
    return row


def get_session_for(role: RoleAssignment, pk):
    from training.models import Session

    projects = managed_projects(role)
    session = (Session.objects.filter(pk=pk_of(pk), project__in=projects)
               .select_related("project", "project__org").first())
    if session is None:
        raise not_found()
    return session


def _session_for_learner(user: User, pk):
    from training.models import Session

    session = Session.objects.filter(pk=pk_of(pk)).select_related("project", "project__org").first()
    if session is None:
        raise not_found()
    get_visible_project(user, session.project_id)  # 404 unless the learner may see the project
    return session
