"""人员管理: creating, editing and deactivating staff, and granting roles. Every
function takes the acting user and the role in use; people and units outside the
role's scope do not exist for it (NOT_FOUND)."""

import secrets
import string
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ROLE_ORG_KINDS, ROLE_RANK, PostType, Role, RoleAssignment, User
from accounts.naming import login_name_suggest
from accounts.queries import people_in_scope
from accounts.services.auth import password_set_initial, user_end_other_sessions
from accounts.services.profile import identifiers_check_free, normalise_email, normalise_mobile
from core.audit import audit_event, audit_record, audit_record_many
from core.errors import DomainError, ErrorCode
from core.permissions import check_permission
from orgs.models import Org, OrgKind

__all__ = [
    "initial_password_for",
    "person_create",
    "person_update",
    "person_deactivate",
    "person_reactivate",
    "person_reset_password",
    "role_grant",
    "role_revoke",
    "admin_bootstrap",
    "STAFF_FIELDS",
    "staff_fields_clean",
    "staff_write_many",
]

STAFF_FIELDS = ["real_name", "login_name", "email", "mobile", "employee_no", "department",
                "post_type", "hire_date", "hours_required"]
_ALPHABET = string.ascii_letters + string.digits


def _not_found():
    return DomainError(ErrorCode.NOT_FOUND, _("Not found."))


def _check_person(role, person: User) -> None:
    if not people_in_scope(role).filter(pk=person.pk).exists():
        raise _not_found()


def _check_staff_admin(role) -> None:
    check_permission(role, "staff.edit")


def initial_password_for(institute: Org | None) -> str:
    """The institute's default initial password, or a random one when it hands out
    random passwords (or has none set)."""
    unit = institute
    if unit is not None and unit.initial_password_mode == "default" and unit.default_initial_password:  # noqa: S105
        return unit.default_initial_password
    return "".join(secrets.choice(_ALPHABET) for _i in range(10))


def _clean_fields(*, person: User | None, institute: Org, role, data: dict) -> dict:
    """Validate and normalise staff fields; raise DomainError naming the field."""
    out = staff_fields_clean(institute=institute, role=role, data=data)
    _check_unique(person, institute, out)
    return out


def staff_fields_clean(*, institute: Org, role, data: dict) -> dict:
    """Validate and normalise staff fields without asking the database (bulk imports
    check uniqueness for the whole file at once); raise DomainError naming the field."""
    out = {}
    if "real_name" in data:
        name = (data["real_name"] or "").strip()
        if not name or len(name) > 64:
            raise DomainError(ErrorCode.INVALID, _("Enter the name (at most 64 characters)."),
                              field="real_name")
        out["real_name"] = name
    if "email" in data:
        out["email"] = normalise_email(data["email"])
    if "mobile" in data:
        out["mobile"] = normalise_mobile(data["mobile"])
    if "employee_no" in data:
        number = (data["employee_no"] or "").strip()
        if len(number) > 32:
            raise DomainError(ErrorCode.INVALID, _("At most 32 characters."), field="employee_no")
        out["employee_no"] = number
    if "post_type" in data:
        post = data["post_type"] or ""
        if post and post not in PostType.values:
            raise DomainError(ErrorCode.INVALID, _("Choose a post type."), field="post_type")
        out["post_type"] = post
    if "hire_date" in data:
        hired = data["hire_date"]
        if hired is not None and not isinstance(hired, date):
            raise DomainError(ErrorCode.INVALID, _("Enter a date."), field="hire_date")
        if hired is not None and (hired > timezone.localdate() + timedelta(days=366)
                                  or hired.year < 1940):
            raise DomainError(ErrorCode.INVALID, _("The hire date is not plausible."),
                              field="hire_date")
        out["hire_date"] = hired
    if "hours_required" in data:
        out["hours_required"] = bool(data["hours_required"])
    if "department" in data:
        dept = data["department"]
        if dept is not None:
            if dept.kind != OrgKind.DEPARTMENT or dept.institute_id != institute.pk:
                raise DomainError(ErrorCode.INVALID, _("Choose a department of this institute."),
                                  field="department")
            if role.org.kind == OrgKind.DEPARTMENT and not dept.path.startswith(role.org.path):
                raise DomainError(ErrorCode.INVALID, _("Choose a department you manage."),
                                  field="department")
        out["department"] = dept
    if "login_name" in data and data["login_name"] is not None:
        login = (data["login_name"] or "").strip().lower()
        if not login or len(login) > 150 or any(c.isspace() for c in login):
            raise DomainError(ErrorCode.INVALID, _("Enter a login name without spaces."),
                              field="login_name")
        out["login_name"] = login
    return out


def _check_unique(person: User | None, institute: Org, fields: dict) -> None:
    others = User.objects.all() if person is None else User.objects.exclude(pk=person.pk)
    identifiers_check_free(person=person, login_name=fields.get("login_name"),
                           email=fields.get("email"), mobile=fields.get("mobile"))
    number = fields.get("employee_no")
    if number and others.filter(institute=institute, employee_no=number).exists():
        raise DomainError(ErrorCode.DUPLICATE,
                          _("This employee number is already used in the institute."),
                          field="employee_no")


def _snapshot(person: User) -> dict:
    return {
        "real_name": person.real_name, "login_name": person.login_name, "email": person.email,
        "mobile": person.mobile, "employee_no": person.employee_no,
        "department": person.department_id, "post_type": person.post_type,
        "hire_date": person.hire_date.isoformat() if person.hire_date else None,
        "hours_required": person.hours_required, "is_active": person.is_active,
    }


def _institute_for(role, institute: Org | None) -> Org:
    if institute is None:
        if role.org.kind in (OrgKind.INSTITUTE, OrgKind.DEPARTMENT):
            return role.org.institute
        raise DomainError(ErrorCode.INVALID, _("Choose the institute."), field="institute")
    if institute.kind != OrgKind.INSTITUTE:
        raise DomainError(ErrorCode.INVALID, _("Choose the institute."), field="institute")
    if not institute.path.startswith(role.org.path) and institute.pk != role.org.institute_id:
        raise _not_found()
    return institute


@transaction.atomic
def person_create(*, actor, role, real_name: str, institute: Org | None = None,
                  department: Org | None = None, email: str | None = None,
                  mobile: str | None = None, employee_no: str = "", post_type: str = "",
                  hire_date: date | None = None, hours_required: bool = True,
                  login_name: str | None = None, taken: set | None = None) -> tuple[User, str]:
    """Create a staff member in the role's scope with an initial password (returned, to
    be handed over once). Invariant: login name, email, mobile and employee number are
    unique; a department admin can only create people in their own subtree."""
    _check_staff_admin(role)
    institute = _institute_for(role, institute)
    if role.org.kind == OrgKind.DEPARTMENT and department is None:
        department = role.org
    fields = _clean_fields(person=None, institute=institute, role=role, data={
        "real_name": real_name, "email": email, "mobile": mobile, "employee_no": employee_no,
        "post_type": post_type, "hire_date": hire_date, "hours_required": hours_required,
        "department": department, "login_name": login_name,
    })
    if not fields.get("login_name"):
        fields["login_name"] = login_name_suggest(real_name=fields["real_name"],
                                                  institute=institute, email=fields.get("email"),
                                                  mobile=fields.get("mobile"), taken=taken)
        _check_unique(None, institute, {"login_name": fields["login_name"]})
    person = User(institute=institute, **fields)
    password = initial_password_for(institute)
    password_set_initial(actor=actor, user=person, password=password)
    person.save()
    audit_record(actor=actor, action="person.created", obj=person, org=person.department or institute,
                 after=_snapshot(person))
    return person, password


@transaction.atomic
def person_update(*, actor, role, person: User, **changes) -> User:
    """Edit a staff member in scope. Only the fields in STAFF_FIELDS can change; an
    unchanged value is not a change (the audit row lists only real changes)."""
    _check_staff_admin(role)
    person = User.objects.select_for_update().get(pk=person.pk)
    _check_person(role, person)
    unknown = set(changes) - set(STAFF_FIELDS)
    if unknown:
        raise DomainError(ErrorCode.INVALID, _("These fields cannot be changed here."),
                          field=sorted(unknown)[0])
    fields = _clean_fields(person=person, institute=person.institute, role=role, data=changes)
    before = _snapshot(person)
    changed = [name for name, value in fields.items() if getattr(person, name) != value]
    if not changed:
        return person
    for name in changed:
        setattr(person, name, fields[name])
    person.save(update_fields=changed)
    after = _snapshot(person)
    audit_record(actor=actor, action="person.updated", obj=person,
                 org=person.department or person.institute,
                 before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    return person


@transaction.atomic
def staff_write_many(*, actor, role, institute: Org, new: list[dict],
                     changes: list[tuple[User, dict]]) -> tuple[list[tuple[User, str]], int]:
    """person_create and person_update for a whole file (人员导入), in a few statements:
    `new` are cleaned fields with their login names, `changes` people of the role's
    scope (locked by the caller) with their cleaned fields. The caller has checked every
    value's uniqueness for the whole file (staff_fields_clean, identifiers_holders).
    Writes the same rows, audit rows included, as the one-person services would; returns
    (person, initial password) for the new people and how many people changed. Changes
    are written first: a change may free an email or mobile that a new person takes."""
    _check_staff_admin(role)
    events = []
    touched: set[str] = set()
    changed_people = []
    for person, fields in changes:
        before = _snapshot(person)
        changed = [name for name, value in fields.items() if getattr(person, name) != value]
        if not changed:
            continue
        for name in changed:
            setattr(person, name, fields[name])
        touched.update(changed)
        changed_people.append(person)
        after = _snapshot(person)
        events.append(audit_event(actor=actor, action="person.updated", obj=person,
                                  org=person.department or person.institute,
                                  before={k: before[k] for k in changed},
                                  after={k: after[k] for k in changed}))
    if changed_people:
        User.objects.bulk_update(changed_people, sorted(touched), batch_size=500)
    created: list[tuple[User, str]] = []
    people = []
    for fields in new:
        if role.org.kind == OrgKind.DEPARTMENT and fields.get("department") is None:
            fields = {**fields, "department": role.org}
        person = User(institute=institute, **fields)
        password = initial_password_for(institute)
        password_set_initial(actor=actor, user=person, password=password)
        people.append(person)
        created.append((person, password))
    if people:
        User.objects.bulk_create(people, batch_size=1000)
    for person in people:
        events.append(audit_event(actor=actor, action="person.created", obj=person,
                                  org=person.department or institute, after=_snapshot(person)))
    if events:
        audit_record_many(events)
    return created, len(changed_people)


@transaction.atomic
def person_deactivate(*, actor, role, person: User) -> User:
    """停用: the person can no longer log in; their sessions and tokens end now. Their
    records (hours, claims) stay."""
    _check_staff_admin(role)
    _check_person(role, person)
    if person.pk == actor.pk:
        raise DomainError(ErrorCode.CONFLICT, _("You cannot deactivate yourself."))
    if person.is_active:
        User.objects.filter(pk=person.pk).update(is_active=False)
        person.is_active = False
        user_end_other_sessions(user=person, reason="person.deactivated")
        audit_record(actor=actor, action="person.deactivated", obj=person,
                     org=person.department or person.institute,
                     before={"is_active": True}, after={"is_active": False})
    return person


@transaction.atomic
def person_reactivate(*, actor, role, person: User) -> User:
    _check_staff_admin(role)
    _check_person(role, person)
    if not person.is_active:
        User.objects.filter(pk=person.pk).update(is_active=True)
        person.is_active = True
        audit_record(actor=actor, action="person.reactivated", obj=person,
                     org=person.department or person.institute,
                     before={"is_active": False}, after={"is_active": True})
    return person


@transaction.atomic
def person_reset_password(*, actor, role, person: User) -> str:
    """Hand out a new initial password (the institute's default or a random one)."""
    _check_staff_admin(role)
    _check_person(role, person)
    password = initial_password_for(person.institute)
    password_set_initial(actor=actor, user=person, password=password)
    return password


@transaction.atomic
def role_grant(*, actor, role, user: User, new_role: str, org: Org) -> RoleAssignment:
    """Give `user` an admin role over `org`. Invariant: the unit lies in the granting
    role's scope, the new role is not stronger than the granting one (academy admins
    grant anything under their academy), and the unit kind fits the role."""
    check_permission(role, "staff.roles")
    try:
        new_role = Role(new_role)
    except ValueError:
        raise DomainError(ErrorCode.INVALID, _("Choose a role."), field="role") from None
    if not org.path.startswith(role.org.path):
        raise _not_found()
    if role.role != Role.ACADEMY_ADMIN:
        _check_person(role, user)
    if ROLE_RANK[new_role] > ROLE_RANK[Role(role.role)]:
        raise DomainError(ErrorCode.FORBIDDEN, _("You cannot grant a stronger role than yours."))
    if org.kind not in ROLE_ORG_KINDS[new_role]:
        raise DomainError(ErrorCode.INVALID, _("This role does not fit this kind of unit."),
                          field="org")
    assignment, created = RoleAssignment.objects.get_or_create(
        user=user, role=new_role, org=org, defaults={"granted_by": actor})
    if created:
        audit_record(actor=actor, action="role.granted", obj=assignment, org=org,
                     after={"user": user.pk, "role": new_role, "org": org.pk})
    return assignment


@transaction.atomic
def role_revoke(*, actor, role, assignment: RoleAssignment) -> None:
    """Take a role away; the person's admin mode ends at their next request."""
    check_permission(role, "staff.roles")
    if not assignment.org.path.startswith(role.org.path):
        raise _not_found()
    if assignment.pk == role.pk:
        raise DomainError(ErrorCode.CONFLICT, _("You cannot remove the role you are using."))
    audit_record(actor=actor, action="role.revoked", obj=assignment, org=assignment.org,
                 before={"user": assignment.user_id, "role": assignment.role,
                         "org": assignment.org_id})
    assignment.delete()


@transaction.atomic
def admin_bootstrap(*, login_name: str, real_name: str, role: str, org: Org, password: str,
                    institute: Org | None = None, department: Org | None = None) -> User:
    """Create (or find) an administrator account for installation and the demo: the
    first academy admin cannot be created by an admin. Idempotent by login name; the
    password is set only when the account is created."""
    user = User.objects.filter(login_name=login_name.lower()).first()
    if user is None:
        # An account named by the unit's abbreviation (the institute admin login of seed
        # 002) or outside every institute administers only: it owes no hours.
        admin_only = institute is None or (bool(org.abbr) and login_name.lower() == org.abbr.lower())
        user = User(login_name=login_name.lower(), real_name=real_name, institute=institute,
                    department=department, admin_only=admin_only)
        user.set_password(password)
        user.password_changed_at = timezone.now()
        user.save()
        audit_record(actor=None, action="person.created", obj=user, org=department or institute or org,
                     after=_snapshot(user), note="bootstrap")
    assignment, created = RoleAssignment.objects.get_or_create(user=user, role=role, org=org)
    if created:
        audit_record(actor=None, action="role.granted", obj=assignment, org=org,
                     after={"user": user.pk, "role": role, "org": org.pk}, note="bootstrap")
    return user
