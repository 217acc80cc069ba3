"""Reads of people, always relative to the role in use."""

from django.db.models import Q, QuerySet

from accounts.models import Role, RoleAssignment, User
from orgs.models import OrgKind


def people_scope_q(role: RoleAssignment, prefix: str = "") -> Q:
    """The filter for the staff a role governs; `prefix` ("owner__") applies it to the
    people an object belongs to."""
    org = role.org
    if role.role == Role.ACADEMY_ADMIN or org.kind in (OrgKind.ACADEMY, OrgKind.BRANCH):
        return Q(**{f"{prefix}institute__path__startswith": org.path})
    if org.kind == OrgKind.INSTITUTE:
        return Q(**{f"{prefix}institute": org})
    return Q(**{f"{prefix}department__path__startswith": org.path})


def people_in_scope(role: RoleAssignment) -> QuerySet[User]:
    return User.objects.filter(people_scope_q(role))


def person_in_scope(role: RoleAssignment, user: User) -> bool:
    return people_in_scope(role).filter(pk=user.pk).exists()


def roles_of(user: User) -> QuerySet[RoleAssignment]:
    return user.roles.select_related("org").order_by("role", "org__path")


def owing_hours(people: QuerySet[User]) -> QuerySet[User]:
    """The staff counted against the yearly target (reports, completion rates): active,
    hours required, not an administrator-only account (an institute's admin login).
    Every count of people owing hours goes through this filter (`User.owes_hours` is the
    same rule for one person)."""
    return people.filter(is_active=True, hours_required=True, admin_only=False)


# Names sort by their pinyin (安 before 张), then by the characters, as people expect.
STAFF_ORDERINGS = {
    "name": ("name_pinyin", "real_name", "pk"), "-name": ("-name_pinyin", "-real_name", "-pk"),
    "login": ("login_name",), "-login": ("-login_name",),
    "no": ("employee_no", "pk"), "-no": ("-employee_no", "-pk"),
    "hired": ("hire_date", "pk"), "-hired": ("-hire_date", "-pk"),
    "dept": ("department__path", "real_name"), "-dept": ("-department__path", "real_name"),
}


def staff_search(role: RoleAssignment, *, q: str = "", department=None, institute=None,
                 post_type: str = "", active: bool | None = None,
                 hours_required: bool | None = None, new_hires_year: int | None = None,
                 order: str = "name") -> QuerySet[User]:
    """人员管理 list. Every filter narrows the role's scope; a unit outside it simply
    matches nobody (a spoofed filter cannot widen the list)."""
    people = people_in_scope(role).select_related("institute", "department")
    if q:
        q = q.strip()
        people = people.filter(Q(real_name__icontains=q) | Q(login_name__icontains=q)
                               | Q(employee_no__iexact=q) | Q(email__icontains=q)
                               | Q(mobile__startswith=q))
    if department is not None:
        people = people.filter(department__path__startswith=department.path)
    if institute is not None:
        people = people.filter(institute=institute)
    if post_type:
        people = people.filter(post_type=post_type)
    if active is not None:
        people = people.filter(is_active=active)
    if hours_required is not None:
        people = people.filter(hours_required=hours_required)
    if new_hires_year is not None:
        people = people.filter(hire_date__year=new_hires_year)
    return people.order_by(*STAFF_ORDERINGS.get(order, STAFF_ORDERINGS["name"]))
