"""Excel exports of the statistics, written by XlsxWriter in constant-memory mode (rows
go to disk as they are written, so 70,000 people cost a few MB of memory), with every
string as a text cell: a name like "=1+1" stays text (ABUSE-CASES 25).

Short exports stream from a temporary file in the request; an export of more than
XUESHI_EXPORT_INLINE_ROWS rows runs on the worker (core.jobs) and the page follows its
progress and links the file when it is done.
"""

import tempfile
from datetime import date

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.http import FileResponse
from django.utils.encoding import escape_uri_path
from django.utils.translation import gettext as _

from core.jobs import JobOutcome, job_runner, result_key
from core.minutes import format_minutes
from core.models import JobKind
from core.xlsx import XLSX_TYPE

STAFF_EXPORT_NAME = "职工学习总体情况统计-{year}.xlsx"


def inline_rows() -> int:
    return settings.XUESHI_EXPORT_INLINE_ROWS


class SheetWriter:
    """One worksheet written row by row in constant memory; strings always as text."""

    def __init__(self, handle, sheet_name: str):
        import xlsxwriter

        self.book = xlsxwriter.Workbook(handle, {
            "constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
            "strings_to_numbers": False, "tmpdir": tempfile.gettempdir()})
        self.sheet = self.book.add_worksheet(sheet_name[:31])
        self.bold = self.book.add_format({"bold": True})
        self.row = 0

    def title(self, text: str) -> None:
        self.sheet.write_string(self.row, 0, text, self.bold)
        self.row += 1

    def headers(self, headers) -> None:
        for col, header in enumerate(headers):
            self.sheet.write_string(self.row, col, str(header), self.bold)
            self.sheet.set_column(col, col, max(10, min(40, len(str(header)) * 2 + 4)))
        self.row += 1

    def write(self, values) -> None:
        for col, value in enumerate(values):
            if value is None:
                continue
            if isinstance(value, bool):
                self.sheet.write_string(self.row, col, _("Yes") if value else _("No"))
            elif isinstance(value, (int, float)):
                self.sheet.write_number(self.row, col, value)
            elif isinstance(value, date):
                self.sheet.write_string(self.row, col, value.isoformat())
            else:
                self.sheet.write_string(self.row, col, str(value))
        self.row += 1

    def close(self) -> None:
        self.book.close()


def _hours(minutes: int) -> float:
    """Minutes as decimal hours for a number cell (92h10m → 92.17)."""
    return round(minutes / 60, 2)


def staff_headers(overview) -> list[str]:
    return (["姓名", "登录名", "员工编号", "单位", "部门", "岗位类型", "入职日期", "有学时要求",
             "本年度新入职", "培训总学时(小时)", "有效学时(小时)"]
            + [f"{name}(小时)" for _code, name in overview.classes]
            + ["学时目标(小时)", "是否达标", "尚差学时", "尚差学时(小时)"])


def staff_values(overview, r) -> list:
    return ([r.name, r.login_name, r.employee_no, r.institute, r.department, r.post_type_label,
             r.hire_date, r.hours_required, r.new_hire, _hours(r.total), _hours(r.effective)]
            + [_hours(r.classes.get(code, 0)) for code, _name in overview.classes]
            + [_hours(r.target), "达标" if r.met else "未达标", format_minutes(r.missing),
               _hours(r.missing)])


def write_staff_overview(handle, overview, progress=None) -> None:
    writer = SheetWriter(handle, f"{overview.year}")
    writer.headers(staff_headers(overview))
    for i, r in enumerate(overview.rows, start=1):
        writer.write(staff_values(overview, r))
        if progress is not None:
            progress(i)
    writer.close()


def file_response(handle, filename: str) -> FileResponse:
    """Send a finished temporary file (removed when the response closes)."""
    handle.seek(0)
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{escape_uri_path(filename)}"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def staff_overview_response(overview) -> FileResponse:
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    write_staff_overview(handle, overview)
    return file_response(handle, STAFF_EXPORT_NAME.format(year=overview.year))


@job_runner(JobKind.STAFF_EXPORT)
def staff_export_job(job, data: bytes, progress) -> JobOutcome:
    """The worker's side of a long staff export: the same overview the page would show,
    for the role the request had (re-read: a role removed meanwhile exports nothing)."""
    from accounts.models import RoleAssignment
    from core.access import not_found
    from reports.forms import overview_for

    role = RoleAssignment.objects.select_related("org", "user").filter(
        pk=job.params.get("role_id"), user=job.owner).first()
    if role is None:
        raise not_found()
    overview = overview_for(role, job.params.get("query", {}))
    key = result_key()
    with tempfile.TemporaryFile() as handle:
        write_staff_overview(handle, overview, progress)
        handle.seek(0)
        key = default_storage.save(key, File(handle))
    return JobOutcome(summary={"rows": len(overview.rows)},
                      stored_result=(key, STAFF_EXPORT_NAME.format(year=overview.year)))


BACKBONE_HEADERS = ["序号", "姓名", "员工编号", "部门", "培训总学时(小时)", "有效学时(小时)",
                    "最长单次培训(小时)", "培训名称", "培训类型", "培训地点", "主办单位", "开始时间",
                    "结束时间", "学时(小时)"]
SOURCE_NAMES = {"project": "培训项目", "claim": "外部培训", "admin": "管理员补录"}


def backbone_export_response(report, people, figures, role) -> FileResponse:
    """导出骨干人才培训表: the report's figures on top, then one row per training record of
    each reported person (a person without a record still gets their line)."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    writer = SheetWriter(handle, f"{report.year}")
    status = "已完成上报" if report.locked else "尚未完成上报"
    writer.title(f"{report.institute.name} {report.year}年度骨干人才培训表")
    writer.write(["单位在职总人数", figures.staff, "需上报人数", figures.required, "已上报人数",
                  figures.reported, "骨干人才完训率", f"{figures.rate}%" if figures.rate is not None else "—",
                  "上报状态", status])
    writer.headers(BACKBONE_HEADERS)
    for number, (n, postings) in enumerate(people, start=1):
        person = n.person
        head = [number, person.real_name, person.employee_no,
                person.department.name if person.department_id else "", _hours(n.total_minutes),
                _hours(n.effective_minutes), _hours(n.largest_minutes)]
        for p in postings or [None]:
            if p is None:
                writer.write(head)
                continue
            d = p["details"]
            writer.write(head + [p["label"], SOURCE_NAMES.get(p["source_kind"], p["source_kind"]),
                                 d.get("place", ""), d.get("organiser", ""), d.get("start", ""),
                                 d.get("end", ""), _hours(p["minutes"])])
    writer.close()
    return file_response(handle, f"骨干人才培训表-{report.institute.abbr or report.institute.pk}-{report.year}.xlsx")


def summary_lines(s) -> list[tuple[str, object, str]]:
    """年度培训总结 in the hand-in layout: (数据, 数值, 来源/口径), as on the page."""
    def pct(value):
        return f"{value}%" if value is not None else "暂无数据"

    return [
        ("单位培训总人次", s.person_times if s.person_times is not None else "", "各培训班中的计划参加人数（可修改）"),
        ("年度计划执行率", pct(s.plan_rate), "已实施 / 已发布且未撤销的项目计划（培训计划模块上线前暂无数据）"),
        ("学时达标人数", s.staff_met, "有效学时达到目标的人数，不包括新入职职工和无学时要求的职工"),
        ("需学时达标人数", s.staff_required, "不包括新入职职工和无继续教育学时要求的职工"),
        ("职工完训率", pct(s.completion_rate), "学时达标人数 / 需学时达标人数"),
        ("单位在职总人数", s.staff_total, "在职职工人数"),
        ("骨干人才完训率", pct(s.backbone_rate), "上报骨干人才数 / (完成上报时的单位在职总人数 × 4%)"),
        ("单位投入总经费（万元）", float(s.funding) if s.funding is not None else "", "管理员填写（可修改）"),
        ("单位职工总学时", format_minutes(s.total_minutes), "在职职工培训总学时之和"),
        ("单位职工平均学时", format_minutes(s.average_minutes) if s.average_minutes is not None else "暂无数据",
         "单位职工总学时 / 单位在职总人数"),
    ]


def summaries_response(summaries) -> FileResponse:
    """继续教育与培训工作总结: one sheet per summary, in the hand-in layout."""
    import xlsxwriter

    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    book = xlsxwriter.Workbook(handle, {"constant_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False, "strings_to_numbers": False})
    bold = book.add_format({"bold": True})
    used = set()
    for s in summaries:
        name = f"{s.institute.abbr or s.institute.pk}-{s.year}"[:31]
        while name in used:
            name = f"{name[:28]}-{len(used)}"
        used.add(name)
        sheet = book.add_worksheet(name)
        sheet.set_column(0, 0, 24)
        sheet.set_column(1, 1, 16)
        sheet.set_column(2, 2, 60)
        sheet.write_string(0, 0, f"{s.institute.name}{s.year}年度继续教育与培训工作总结", bold)
        sheet.write_string(1, 0, "状态", bold)
        sheet.write_string(1, 1, "已提交" if s.status == "submitted" else "暂存")
        for col, header in enumerate(("数据", "数值", "来源")):
            sheet.write_string(2, col, header, bold)
        for row, (label, value, source) in enumerate(summary_lines(s), start=3):
            sheet.write_string(row, 0, label)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                sheet.write_number(row, 1, value)
            else:
                sheet.write_string(row, 1, str(value))
            sheet.write_string(row, 2, source)
    if not used:
        book.add_worksheet("-")
    book.close()
    first = summaries[0] if summaries else None
    name = (f"年度培训总结-{first.institute.abbr or first.institute.pk}-{first.year}.xlsx"
            if len(summaries) == 1 else "年度培训总结.xlsx")
    return file_response(handle, name)


CLASSES_EXPORT_NAME = "培训班统计表-{year}.xlsx"
# Seed 002's export columns, in its order (SPEC §3 "Statistics and exports").
CLASSES_COLUMNS = ["培训名称", "是否精品", "培训对象", "培训内容", "目的目标", "培训起止时间", "培训地点",
                   "参会人数", "工作人数", "经费开支", "培训成效", "联系人", "联系电话"]


def classes_response(rows, year: int):
    """培训班统计表 as Excel, to stamp and hand in: unimplemented projects count 0
    attendees and 0 staff (the rows say so already); text stays text."""
    from core.xlsx import xlsx_export_response

    def lines():
        for r in rows:
            yield [r.name, "是" if r.premium else "否", r.audience, r.content, r.objective,
                   f"{r.start:%Y-%m-%d}至{r.end:%Y-%m-%d}", r.place, r.attendees, r.staff,
                   "" if r.spent is None else str(r.spent), r.effectiveness, r.contact, r.phone]

    return xlsx_export_response(CLASSES_EXPORT_NAME.format(year=year), CLASSES_COLUMNS, lines(),
                                sheet_name="培训班统计表")
