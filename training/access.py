"""Who sees which training project: every view, API operation and service fetches
projects and enrolments through this module.

- Managing (培训班管理): institute and academy admins reach every project organised
  within their unit; a class admin (培训班管理员) only the projects they are assigned
  to, within their role's unit. Outside that a project does not exist (404).
- Learners see a project in the catalogue when it is implemented or ended and its
  visibility reaches them (本单位: their institute; 全院: their academy; 对外: everyone),
  or when they are already enrolled or on its attendance list.
"""

from django.db.models import Q, QuerySet

from accounts.models import Role, RoleAssignment, User
from accounts.queries import people_scope_q
from core.access import not_found, out_of_scope, parse_pk
from core.permissions import has_permission
from training.models import Enrolment, Project, ProjectStatus, Visibility

PUBLISHED = (ProjectStatus.IMPLEMENTED, ProjectStatus.ENDED)
MAX_ID = 2**63 - 1


def pk_of(pk) -> int:
    """An id from a URL, a form or the API: anything that is not a database id (text,
    zero, a number past the column's range) is simply not found."""
    value = parse_pk(pk)
    if not 0 < value <= MAX_ID:
        raise not_found()
    return value


def _recorded(actor, kind: str, pk, org=None):
    out_of_scope(actor, kind, pk, org=org)
    return not_found()


# --- managers ---------------------------------------------------------------------------------

def managed_projects(role: RoleAssignment | None) -> QuerySet[Project]:
    """The projects a role manages (none for a role without training.manage)."""
    if not has_permission(role, "training.manage"):
        return Project.objects.none()
    projects = Project.objects.filter(org__path__startswith=role.org.path)
    if role.role == Role.CLASS_ADMIN:
        projects = projects.filter(class_admins=role.user_id)
    return projects


def get_project_for(role: RoleAssignment | None, pk, *, lock: bool = False) -> Project:
    """A project the role manages, or 404 (recorded as an out-of-scope request)."""
    projects = managed_projects(role).select_related("org", "institute")
    if lock:
        projects = projects.select_for_update(of=("self",))
    project = projects.filter(pk=pk_of(pk)).first()
    if project is None:
        raise _recorded(role.user if role else None, "training project", pk,
                        role.org if role else None)
    return project


def people_for(role: RoleAssignment) -> QuerySet[User]:
    """The people a manager may enrol, add as attendees or assign as class admins: the
    role's staff scope."""
    return User.objects.filter(people_scope_q(role), is_active=True)


# --- learners ---------------------------------------------------------------------------------

def visibility_q(user: User, prefix: str = "") -> Q:
    """The published projects whose visibility reaches `user`."""
    p = prefix
    reach = Q(**{f"{p}visibility": Visibility.PUBLIC})
    institute = user.institute
    if institute is not None:
        reach |= Q(**{f"{p}visibility": Visibility.UNIT, f"{p}institute": institute.pk})
        root = institute.root or institute
        reach |= Q(**{f"{p}visibility": Visibility.ACADEMY,
                      f"{p}institute__path__startswith": root.path})
    return Q(**{f"{p}status__in": PUBLISHED}) & reach


def visible_projects(user: User) -> QuerySet[Project]:
    """The catalogue of `user` (培训项目): published projects their visibility reaches."""
    return Project.objects.filter(visibility_q(user))


def get_visible_project(user: User, pk, *, lock: bool = False) -> Project:
    """A project the learner may see: in their catalogue, or one they are enrolled in or
    attend (a project made private later stays readable for them); else 404."""
    pk = pk_of(pk)
    mine = Q(enrolments__person=user) | Q(attendees__person=user)
    ids = Project.objects.filter(Q(visibility_q(user)) | (Q(status__in=PUBLISHED) & mine),
                                 pk=pk).values("pk")
    projects = Project.objects.filter(pk__in=ids).select_related("org", "institute")
    if lock:
        projects = projects.select_for_update(of=("self",))
    project = projects.first()
    if project is None:
        raise _recorded(user, "training project", pk)
    return project


def get_own_enrolment(user: User, project_pk, *, lock: bool = False) -> Enrolment:
    enrolments = Enrolment.objects.filter(person=user, project_id=pk_of(project_pk))
    if lock:
        enrolments = enrolments.select_for_update(of=("self",))
    enrolment = enrolments.select_related("project").first()
    if enrolment is None:
        raise _recorded(user, "enrolment", project_pk)
    return enrolment
