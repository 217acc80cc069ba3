"""审核导入: admins import claims for people in scope from Excel. Every row validated,
errors by row and column, nothing written unless the whole file is valid, and the same
file twice adds nothing (each row has a natural key)."""

import io
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.queries import people_in_scope
from accounts.staff_import import job_role
from claims.models import Claim, ClaimKind
from claims.services import (
    _check_year_open,
    _clean,
    categories_for,
    claim_create_on_behalf,
    import_key_for,
    subjects_for,
)
from core.errors import DomainError
from core.jobs import JobOutcome, job_runner
from core.minutes import parse_int
from core.models import JobKind
from core.xlsx import parse_date, read_sheet

COLUMNS = ["员工编号", "登录名", "姓名", "类型", "年度", "培训名称", "培训类别", "开始时间", "结束时间",
           "学时", "主办单位", "培训地点", "培训科目"]
REQUIRED = ["姓名", "类型", "年度", "培训名称", "开始时间", "结束时间", "学时"]
KINDS = {"外部培训": ClaimKind.EXTERNAL_TRAINING, "在职自学": ClaimKind.SELF_STUDY,
         "网络学时": ClaimKind.ONLINE}
_FIELD_COLUMN = {"kind": "类型", "year": "年度", "name": "培训名称", "category": "培训类别", "start": "开始时间",
                 "end": "结束时间", "hours": "学时", "organiser": "主办单位", "location": "培训地点",
                 "subject": "培训科目"}
EXAMPLE = ["N0001", "", "陈晓明", "外部培训", 2026, "国际光学工程学会年会", "外部培训", "2026-03-10",
           "2026-03-12", 16, "SPIE", "北京", ""]


@dataclass
class ImportResult:
    created: int = 0
    unchanged: int = 0
    errors: list = field(default_factory=list)  # (row, column, message)


def _trimmed(value):
    """Numbers typed as text may carry spaces; text cells otherwise reach the services
    exactly as stored (core.xlsx keeps leading whitespace)."""
    return value.strip() if isinstance(value, str) else value


class _Rollback(Exception):
    pass


def _people(role, rows) -> tuple[dict, dict]:
    """The people in scope the file names, by login name and by employee number, read in
    one query per thousand names (not one per row); at most two kept per key, which is
    enough to tell "several people match"."""
    people = people_in_scope(role)
    logins = sorted({str(v.get("登录名") or "").strip().lower() for _r, v in rows} - {""})
    numbers = sorted({str(v.get("员工编号") or "").strip() for _r, v in rows} - {""})
    by_login: dict[str, list] = {}
    by_number: dict[str, list] = {}
    for i in range(0, len(logins), 1000):
        for person in people.filter(login_name__in=logins[i:i + 1000]).select_related("institute"):
            by_login.setdefault(person.login_name, []).append(person)
    for i in range(0, len(numbers), 1000):
        for person in (people.filter(employee_no__in=numbers[i:i + 1000])
                       .select_related("institute").order_by("pk")):
            found = by_number.setdefault(person.employee_no, [])
            if len(found) < 2:
                found.append(person)
    return by_login, by_number


def _person(values, by_login, by_number):
    login = str(values.get("登录名") or "").strip().lower()
    number = str(values.get("员工编号") or "").strip()
    if login:
        matches = by_login.get(login, [])[:2]
    elif number:
        matches = by_number.get(number, [])[:2]
    else:
        return None, ("员工编号", _("Give the employee number or the login name."))
    if len(matches) != 1:
        return None, ("员工编号" if not login else "登录名",
                      _("No such person in your scope.") if not matches
                      else _("Several people match; give the login name."))
    person = matches[0]
    name = str(values.get("姓名") or "").strip()
    if name and name != person.real_name:
        return None, ("姓名", _("The name does not match the person (%(name)s).") % {"name": person.real_name})
    return person, None


def _read(upload):
    return read_sheet(upload, required=REQUIRED, optional=[c for c in COLUMNS if c not in REQUIRED])


def count_rows(upload) -> int:
    """The data rows of a claims file (the file's own errors raised as for the import);
    the upload is rewound for the import itself."""
    rows = len(_read(upload).rows)
    upload.seek(0)
    return rows


@job_runner(JobKind.CLAIMS_IMPORT)
def claims_import_job(job, data: bytes, progress) -> JobOutcome:
    """The worker's side of a large claims import (core/jobs.py)."""
    result = claims_import(actor=job.owner, role=job_role(job), upload=io.BytesIO(data), progress=progress)
    return JobOutcome(summary={"created": result.created, "unchanged": result.unchanged}, errors=result.errors)


def claims_import(*, actor, role, upload, progress=None) -> ImportResult:
    """All rows or none. `progress(rows_done)`, if given, is called after every row.

    The people the file names and the rows already imported are read for the whole file
    in a few queries, and every row is validated in memory first; each new claim is then
    written by the one service (claim_create_on_behalf), which posts its hours."""
    sheet = _read(upload)
    result = ImportResult()
    seen = {}
    by_login, by_number = _people(role, sheet.rows)
    categories: dict = {}
    valid = []  # (row, person, kind, data, key)
    for row, values in sheet.rows:
        person, problem = _person(values, by_login, by_number)
        if problem:
            result.errors.append((row, *problem))
            continue
        kind = KINDS.get(str(values.get("类型") or "").strip())
        if kind is None:
            result.errors.append((row, "类型", _("Write 外部培训, 在职自学 or 网络学时.")))
            continue
        try:
            year = parse_int(_trimmed(values.get("年度")), field="年度", min=1990, max=2999)
            start, end = parse_date(values.get("开始时间")), parse_date(values.get("结束时间"))
        except (TypeError, ValueError, DomainError):
            result.errors.append((row, "开始时间", _("Write the year as 2026 and dates as 2026-03-01.")))
            continue
        category_name = str(values.get("培训类别") or "").strip()
        category = ""
        if category_name:
            memo_key = (person.institute_id, kind, year)
            if memo_key not in categories:
                categories[memo_key] = categories_for(person, kind, year)
            match = [c.code for c in categories[memo_key] if c.name == category_name]
            if not match:
                result.errors.append((row, "培训类别", _("Unknown category for this kind.")))
                continue
            category = match[0]
        # 培训科目 (CAST rules): a subject of the policy, by its name.
        subject_name = str(values.get("培训科目") or "").strip()
        subject = ""
        if subject_name:
            memo_key = ("subjects", person.institute_id, kind, year)
            if memo_key not in categories:
                categories[memo_key] = subjects_for(person, kind, year)
            match = [c.code for c in categories[memo_key] if c.name == subject_name]
            if not match:
                result.errors.append((row, "培训科目", _("Unknown subject for this kind.")))
                continue
            subject = match[0]
        data = {"year": year, "name": values.get("培训名称"), "category": category, "subject": subject,
                "start": start, "end": end, "hours": _trimmed(values.get("学时")),
                "organiser": values.get("主办单位"), "location": values.get("培训地点")}
        try:
            fields = _clean(person, kind, data)
        except DomainError as exc:
            result.errors.append((row, _FIELD_COLUMN.get(exc.field or "", ""), str(exc.message)))
            continue
        key = import_key_for(person, kind, fields)
        if key in seen:
            result.errors.append((row, "培训名称", _("Same as row %(r)d.") % {"r": seen[key]}))
            continue
        seen[key] = row
        valid.append((row, person, kind, data, key))
    keys = [v[4] for v in valid]
    imported = set()
    for i in range(0, len(keys), 1000):
        imported.update(Claim.objects.filter(import_key__in=keys[i:i + 1000])
                        .values_list("import_key", flat=True))
    skipped = len(sheet.rows) - len(valid)  # refused above: the progress bar counts them done
    try:
        with transaction.atomic():
            for done, (row, person, kind, data, key) in enumerate(valid, start=1):
                if progress is not None:
                    progress(done + skipped)
                if key in imported:
                    result.unchanged += 1
                    continue
                try:
                    with transaction.atomic():
                        claim_create_on_behalf(actor=actor, role=role, owner=person, kind=kind,
                                               data=data, import_key=key)
                    result.created += 1
                except DomainError as exc:
                    result.errors.append((row, _FIELD_COLUMN.get(exc.field or "", ""), str(exc.message)))
            if result.errors:
                raise _Rollback
    except _Rollback:
        result.created = result.unchanged = 0
    result.errors.sort(key=lambda e: e[0])
    return result


# --- 批量上传: a learner's own records -------------------------------------------------------
# The same reading, row errors and error file as the admins' import, for the learner's own
# records of one kind (the tab they upload from), created as drafts to submit. The file
# is read in the request: it holds one person's records, so it is bounded by
# XUESHI_IMPORT_INLINE_ROWS (the queued jobs and their pages belong to 我的管理).

MINE_COLUMNS = ["年度", "培训名称", "培训类别", "培训科目", "开始时间", "结束时间", "学时", "主办单位", "培训地点"]
MINE_REQUIRED = ["年度", "培训名称", "开始时间", "结束时间", "学时"]
_MINE_FIELD_COLUMN = {**_FIELD_COLUMN, "subject": "培训科目", "kind": "培训类别"}


def mine_example(category: str, year: int) -> list:
    """The template's example row (`category`: the name of one of the kind's categories)."""
    return [year, "国际光学工程学会年会", category, "", f"{year}-03-10", f"{year}-03-12", 16, "SPIE", "北京"]


def mine_import(*, actor, kind: str, upload) -> ImportResult:
    """All rows or none, as drafts of `actor`'s own; errors by row and column."""
    from django.conf import settings

    from claims.services import claims_create_drafts

    sheet = read_sheet(upload, required=MINE_REQUIRED, optional=[c for c in MINE_COLUMNS if c not in MINE_REQUIRED],
                       max_rows=settings.XUESHI_IMPORT_INLINE_ROWS)
    result = ImportResult()
    seen, rows = {}, []
    for row, values in sheet.rows:
        try:
            year = parse_int(_trimmed(values.get("年度")), field="年度", min=1990, max=2999)
            start, end = parse_date(values.get("开始时间")), parse_date(values.get("结束时间"))
        except (TypeError, ValueError, DomainError):
            result.errors.append((row, "开始时间", _("Write the year as 2026 and dates as 2026-03-01.")))
            continue
        category_name = str(values.get("培训类别") or "").strip()
        category = ""
        if category_name:
            match = [c.code for c in categories_for(actor, kind, year) if c.name == category_name]
            if not match:
                result.errors.append((row, "培训类别", _("Unknown category for this kind.")))
                continue
            category = match[0]
        data = {"year": year, "name": values.get("培训名称"), "category": category,
                "subject": values.get("培训科目"), "start": start, "end": end,
                "hours": _trimmed(values.get("学时")), "organiser": values.get("主办单位"),
                "location": values.get("培训地点")}
        try:
            fields = _clean(actor, kind, data)
            _check_year_open(actor, fields["year"])
        except DomainError as exc:
            result.errors.append((row, _MINE_FIELD_COLUMN.get(exc.field or "", ""), str(exc.message)))
            continue
        key = import_key_for(actor, kind, fields)
        if key in seen:
            result.errors.append((row, "培训名称", _("Same as row %(r)d.") % {"r": seen[key]}))
            continue
        seen[key] = row
        if Claim.objects.filter(import_key=key).exists():
            result.unchanged += 1
            continue
        rows.append({**data, "import_key": key})
    if result.errors:
        result.unchanged = 0
        return result
    if rows:
        try:
            result.created = len(claims_create_drafts(actor=actor, kind=kind, rows=rows))
        except DomainError as exc:  # changed under us (a window closed): nothing written
            result.errors.append((0, _MINE_FIELD_COLUMN.get(exc.field or "", ""), str(exc.message)))
    return result
