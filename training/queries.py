"""Reads of training projects: the catalogue (培训项目) with its filters and counts, a
manager's list, the learner's 我的培训. Every list is a fixed number of queries."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from training.access import managed_projects, visible_projects
from training.models import TAKES_PLACE, Enrolment, EnrolmentStatus, Project, ProjectStatus

SOURCES = ("all", "institute", "department", "academy")  # 全部/本单位/本部门/全院
OPEN = "open"  # the 可报名 status filter


def with_places(projects: QuerySet[Project]) -> QuerySet[Project]:
    """Annotate `taken` (pending and approved enrolments)."""
    return projects.annotate(taken=Count("enrolments", filter=Q(enrolments__status__in=TAKES_PLACE),
                                         distinct=True))


def open_q(now=None) -> Q:
    """Projects taking enrolments now (places are checked separately)."""
    now = now or timezone.now()
    return (Q(status=ProjectStatus.IMPLEMENTED, enrol_allowed=True, start__gte=timezone.localdate(now))
            & (Q(enrol_opens__isnull=True) | Q(enrol_opens__lte=now))
            & (Q(enrol_closes__isnull=True) | Q(enrol_closes__gte=now)))


def source_q(user: User, source: str) -> Q:
    if source == "institute":
        return Q(institute=user.institute_id)
    if source == "department":
        return Q(org=user.department_id) if user.department_id else Q(pk__in=[])
    if source == "academy":
        return ~Q(institute=user.institute_id)
    return Q()


@dataclass
class Catalogue:
    projects: QuerySet
    categories: list  # (code, count)
    sources: dict  # source → count
    fundings: list  # (code, count)


def catalogue(user: User, *, kind: str = "", category: str = "", source: str = "all",
              funding: str = "", year: int | None = None, month: int | None = None,
              status: str = "", q: str = "") -> Catalogue:
    """The learner's catalogue: published projects visible to them, filtered; the counts
    beside each filter are of the projects the other filters leave."""
    base = visible_projects(user)
    if kind:
        base = base.filter(kind=kind)
    if year:
        base = base.filter(start__year=year)
    if month:
        base = base.filter(start__month=month)
    if status == OPEN:
        base = base.filter(open_q())
    elif status:
        base = base.filter(status=status)
    if q:
        base = base.filter(Q(name__icontains=q) | Q(organiser__icontains=q) | Q(place__icontains=q))
    by_source = base.filter(category=category) if category else base
    by_source = by_source.filter(funding=funding) if funding else by_source
    counts = by_source.aggregate(**{f"n_{s}": Count("pk", filter=source_q(user, s)) for s in SOURCES})
    sources = {s: counts[f"n_{s}"] for s in SOURCES}
    scoped = base.filter(source_q(user, source)) if source in SOURCES else base
    categories = list((scoped.filter(funding=funding) if funding else scoped)
                      .values_list("category").annotate(n=Count("pk")).order_by("category"))
    fundings = list((scoped.filter(category=category) if category else scoped)
                    .values_list("funding").annotate(n=Count("pk")).order_by("funding"))
    projects = scoped
    if category:
        projects = projects.filter(category=category)
    if funding:
        projects = projects.filter(funding=funding)
    projects = with_places(projects.select_related("org")).order_by("start", "pk")
    return Catalogue(projects, categories, sources, fundings)


def manager_list(role, *, status: str = "", year: int | None = None, q: str = "") -> QuerySet[Project]:
    projects = managed_projects(role)
    if status:
        projects = projects.filter(status=status)
    if year:
        projects = projects.filter(year=year)
    if q:
        projects = projects.filter(name__icontains=q)
    return with_places(projects.select_related("org")).annotate(
        confirmed=Count("attendees", filter=Q(attendees__confirmed=True), distinct=True)
    ).order_by("-start", "-pk")


def my_training(user: User, *, approved: bool, year: int | None = None) -> QuerySet[Enrolment]:
    """我的培训: 审核通过的培训 (approved) or 审核中的培训 (pending)."""
    rows = Enrolment.objects.filter(person=user, status=EnrolmentStatus.APPROVED if approved
                                    else EnrolmentStatus.PENDING)
    if year:
        rows = rows.filter(project__start__year=year)
    return rows.select_related("project", "project__org").order_by("-project__start", "-pk")

