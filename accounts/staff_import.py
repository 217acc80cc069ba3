"""Import staff from the HR system's Excel export (人员导入).

Every row is validated; errors are reported by row and column; nothing is written
unless the whole file is valid (one transaction rolled back on any error). People are
matched by employee number within the institute, so importing the same file again
changes nothing.
"""

import io
import string
from contextlib import nullcontext
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import PostType, RoleAssignment, User
from accounts.naming import login_name_base, login_name_suggest, login_names_starting
from accounts.queries import people_in_scope
from accounts.services.auth import reuse_password_hash
from accounts.services.profile import IDENTIFIER_UNAVAILABLE, identifiers_holders
from accounts.services.staff import initial_password_for, staff_fields_clean, staff_write_many
from core.errors import DomainError, ErrorCode
from core.jobs import JobOutcome, job_runner
from core.models import JobKind
from core.permissions import check_permission
from core.xlsx import parse_date, read_sheet
from orgs.models import Org, OrgKind

COLUMNS = ["姓名", "员工编号", "邮箱", "手机号码", "部门", "岗位类型", "入职时间", "是否有学时要求"]
REQUIRED = ["姓名", "员工编号"]
_POST = {"科研岗": PostType.RESEARCH, "管理岗": PostType.MANAGEMENT, "支撑岗": PostType.SUPPORT,
         "": ""}
_YESNO = {"是": True, "否": False, "": True, "y": True, "n": False, "yes": True, "no": False,
          "1": True, "0": False}
# Service field names → the template's column, for errors raised by the services.
_FIELD_COLUMN = {"real_name": "姓名", "employee_no": "员工编号", "email": "邮箱", "mobile": "手机号码",
                 "department": "部门", "post_type": "岗位类型", "hire_date": "入职时间",
                 "hours_required": "是否有学时要求", "login_name": "姓名"}

TEMPLATE_EXAMPLE = ["陈晓明", "N0001", "", "13800138000", "综合办公室", "科研岗", "2024-03-01", "是"]


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportResult:
    created: list = field(default_factory=list)  # (person, initial password)
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _departments(institute: Org, role) -> dict[str, list[Org]]:
    units = Org.objects.filter(kind=OrgKind.DEPARTMENT, institute=institute)
    if role.org.kind == OrgKind.DEPARTMENT:
        units = units.filter(path__startswith=role.org.path)
    by_name: dict[str, list[Org]] = {}
    for unit in units.select_related("parent"):
        by_name.setdefault(unit.name, []).append(unit)
        if unit.parent and unit.parent.kind == OrgKind.DEPARTMENT:
            by_name.setdefault(f"{unit.parent.name}/{unit.name}", []).append(unit)
    return by_name


def _parse_row(values: dict, departments) -> tuple[dict, list[tuple[str, str]]]:
    errors = []
    out = {"real_name": str(values.get("姓名") or "").strip(),
           "employee_no": str(values.get("员工编号") or "").strip(),
           "email": str(values.get("邮箱") or "").strip() or None,
           "mobile": str(values.get("手机号码") or "").strip() or None}
    if not out["real_name"]:
        errors.append(("姓名", _("Required.")))
    if not out["employee_no"]:
        errors.append(("员工编号", _("Required.")))
    dept_name = str(values.get("部门") or "").strip()
    out["department"] = None
    if dept_name:
        matches = departments.get(dept_name, [])
        if not matches:
            errors.append(("部门", _("No department of this name in your scope.")))
        elif len(matches) > 1:
            errors.append(("部门", _("Several departments have this name; write 上级部门/部门.")))
        else:
            out["department"] = matches[0]
    post = str(values.get("岗位类型") or "").strip()
    if post not in _POST:
        errors.append(("岗位类型", _("Use 科研岗, 管理岗 or 支撑岗.")))
    else:
        out["post_type"] = _POST[post]
    try:
        out["hire_date"] = parse_date(values.get("入职时间"))
    except (ValueError, TypeError):
        errors.append(("入职时间", _("Write the date as 2024-03-01.")))
    flag = str(values.get("是否有学时要求") or "").strip().lower()
    if flag not in _YESNO:
        errors.append(("是否有学时要求", _("Write 是 or 否.")))
    else:
        out["hours_required"] = _YESNO[flag]
    return out, errors


def job_role(job) -> RoleAssignment:
    """The admin role a queued import was started in, if its owner still holds it and is
    still active; the worker acts with exactly the powers the request had."""
    role = (RoleAssignment.objects.select_related("org", "user")
            .filter(pk=job.params.get("role_id"), user_id=job.owner_id, user__is_active=True).first())
    if role is None:
        raise DomainError(ErrorCode.FORBIDDEN, _("The admin role this import was started in is gone."))
    return role


def count_rows(upload) -> int:
    """The data rows of a staff file (the file's own errors raised as for the import);
    the upload is rewound for the import itself."""
    rows = len(read_sheet(upload, required=REQUIRED, optional=[c for c in COLUMNS if c not in REQUIRED]).rows)
    upload.seek(0)
    return rows


RESULT_HEADERS = ["姓名", "员工编号", "登录名", "初始密码"]


def result_rows(result: ImportResult) -> list:
    return [(p.real_name, p.employee_no, p.login_name, pw) for p, pw in result.created]


@job_runner(JobKind.STAFF_IMPORT)
def staff_import_job(job, data: bytes, progress) -> JobOutcome:
    """The worker's side of a large staff import (core/jobs.py)."""
    role = job_role(job)
    institute = Org.objects.filter(pk=job.params.get("institute_id")).first() if job.params.get(
        "institute_id") else None
    result = staff_import(actor=job.owner, role=role, upload=io.BytesIO(data), institute=institute,
                          progress=progress)
    summary = {"created": len(result.created), "updated": result.updated, "unchanged": result.unchanged}
    errors = [(e.row, e.column, e.message) for e in result.errors]
    return JobOutcome(summary=summary, errors=errors,
                      result=(RESULT_HEADERS, result_rows(result), "人员导入结果.xlsx") if result.created else None)


def staff_import(*, actor, role, upload, institute: Org | None = None, progress=None) -> ImportResult:
    """Import the file into `institute` (the role's institute when it has one).
    `progress(rows_done)`, if given, is called after every row (a queued import).

    In bulk: the file is read and every row validated in memory (the services' own
    checks, staff_fields_clean); the people, login names and identifiers already in the
    database are read in a handful of queries for the whole file; people and their audit
    rows are written in a few statements (staff_write_many). Rows see each other as if
    they had been written one after the other: a value taken by an earlier row is taken."""
    if institute is None:
        if role.org.kind not in (OrgKind.INSTITUTE, OrgKind.DEPARTMENT):
            raise DomainError(ErrorCode.INVALID, _("Choose the institute to import into."),
                              field="institute")
        institute = role.org.institute
    elif not institute.path.startswith(role.org.path) or institute.kind != OrgKind.INSTITUTE:
        raise DomainError(ErrorCode.NOT_FOUND, _("Not found."), field="institute")
    check_permission(role, "staff.edit")
    sheet = read_sheet(upload, required=REQUIRED, optional=[c for c in COLUMNS if c not in REQUIRED])
    result = ImportResult()
    departments = _departments(institute, role)
    seen: dict[str, dict[str, int]] = {"员工编号": {}, "邮箱": {}, "手机号码": {}}

    # 1. Every row parsed and cleaned in memory.
    parsed = []  # (row, fields)
    for row, values in sheet.rows:
        fields, problems = _parse_row(values, departments)
        for column in seen:
            key = str(values.get(column) or "").strip().lower()
            if key and key in seen[column]:
                problems.append((column, _("Same as row %(r)d.") % {"r": seen[column][key]}))
            elif key:
                seen[column][key] = row
        if problems:
            result.errors.extend(RowError(row, c, str(m)) for c, m in problems)
            continue
        parsed.append((row, fields))

    with transaction.atomic():
        # 2. What the database holds, for the whole file.
        numbers = [f["employee_no"] for _r, f in parsed]
        existing: dict[str, User] = {}
        for i in range(0, len(numbers), 1000):
            existing.update((u.employee_no, u) for u in User.objects.filter(
                institute=institute, employee_no__in=numbers[i:i + 1000])
                .select_related("department", "institute").select_for_update(of=("self",)))
        in_scope = set()
        ids = [u.pk for u in existing.values()]
        for i in range(0, len(ids), 1000):
            in_scope.update(people_in_scope(role).filter(pk__in=ids[i:i + 1000])
                            .values_list("pk", flat=True))
        bases = {}
        # The institute's login-name rule (Org.login_rule): the email, the mobile, or
        # abbreviation-pinyin; rows that will be named by pinyin need the names in use.
        rule = getattr(institute, "login_rule", "email")
        for _r, f in parsed:
            named_by = f.get("email") if rule == "email" else f.get("mobile") if rule == "mobile" else None
            if f["employee_no"] not in existing and not named_by:
                bases[f["real_name"]] = login_name_base(real_name=f["real_name"], institute=institute)
        known: dict[str, set[str]] = {}
        for name in login_names_starting(bases.values()):
            known.setdefault(name.rstrip(string.digits), set()).add(name)
        # Generated pinyin login names (with a hyphen) are never an email or a mobile;
        # login_name_suggest keeps them clear of the login names read above. A login
        # named by the row's own email or mobile is checked by `free` below.
        holders = identifiers_holders(
            [v for _r, f in parsed for v in (f.get("email"), f.get("mobile"))])

        # 3. Each row checked as the one-person services would, in file order.
        new, changes = [], []
        taken: dict[str, set[str]] = {}

        def free(value, pk) -> bool:
            return not value or not (holders.get(value.lower(), set()) - {pk})

        for done, (row, raw) in enumerate(parsed, start=1):
            if progress is not None:
                progress(done)
            person = existing.get(raw["employee_no"])
            try:
                if person is not None and person.pk not in in_scope:
                    raise DomainError(ErrorCode.NOT_FOUND, _("Not found."))
                data = raw
                if person is None and role.org.kind == OrgKind.DEPARTMENT and raw["department"] is None:
                    data = {**raw, "department": role.org}
                fields = staff_fields_clean(institute=institute, role=role, data=data)
                key = person.pk if person is not None else ("row", row)
                for name in ("email", "mobile"):
                    if not free(fields.get(name), key):
                        raise DomainError(ErrorCode.INVALID, _(IDENTIFIER_UNAVAILABLE), field=name)
                if person is None:
                    base = bases.get(fields["real_name"], "")
                    login = login_name_suggest(real_name=fields["real_name"], institute=institute,
                                               email=fields.get("email"), mobile=fields.get("mobile"),
                                               known=known.get(base, set()),
                                               taken=taken.get(base, set()), base=base or None)
                    if not free(login, key):
                        raise DomainError(ErrorCode.INVALID, _(IDENTIFIER_UNAVAILABLE),
                                          field="login_name")
                    fields["login_name"] = login
                    taken.setdefault(base, set()).add(login)
            except DomainError as exc:
                column = _FIELD_COLUMN.get(exc.field or "", "")
                result.errors.append(RowError(row, column, str(exc.message)))
                continue
            # The row's values are its own from now on: later rows see them taken; an
            # update frees the email and mobile the person held before.
            if person is not None:
                for old in (person.email, person.mobile):
                    if old:
                        holders.get(old.lower(), set()).discard(person.pk)
                changes.append((person, {k: v for k, v in fields.items() if k != "employee_no"}))
            else:
                new.append(fields)
            for name in ("login_name", "email", "mobile"):
                value = fields.get(name) or (person.login_name if person and name == "login_name" else None)
                if value:
                    holders.setdefault(value.lower(), set()).add(key)
        if result.errors:
            return result

        # 4. Written in a few statements. Where the institute hands out one default
        # initial password, it is hashed once for the whole file (PBKDF2 at production
        # strength costs ~0.3 s a person).
        default_mode = institute.initial_password_mode == "default"  # noqa: S105 - a mode name
        shared = initial_password_for(institute) if default_mode else None
        with reuse_password_hash(shared) if shared else nullcontext():
            result.created, result.updated = staff_write_many(
                actor=actor, role=role, institute=institute, new=new, changes=changes)
        result.unchanged = len(changes) - result.updated
    return result
