"""人员导入: all-or-nothing, errors by row and column, idempotent re-import."""

import io

import openpyxl
import pytest

from accounts.models import User
from accounts.staff_import import COLUMNS, staff_import
from conftest import enter_admin
from core.errors import DomainError, ErrorCode
from core.tests.xlsxfiles import upload, workbook_bytes, zip_bomb

pytestmark = pytest.mark.django_db

GOOD = [
    ["单田芳", "N101", "", "13900000001", "光学部", "科研岗", "2024-03-01", "是"],
    ["吕布", "N102", "lvbu@niaot.ac.cn", "", "机械部", "管理岗", "2026/1/5", "否"],
    ["欧阳修", "N103", "", "", "光学部/光学部一组", "支撑岗", "", ""],
]


def run(cast, rows, admin=None, columns=COLUMNS):
    admin = admin or cast.institute_admin
    return staff_import(actor=admin, role=admin.roles.get(),
                        upload=upload(workbook_bytes(columns, rows)))


def test_valid_file_creates_people(cast):
    result = run(cast, GOOD)
    assert result.ok and len(result.created) == 3
    names = {p.login_name for p, _pw in result.created}
    assert names == {"niaot-shantianfang", "lvbu@niaot.ac.cn", "niaot-ouyangxiu"}
    lvbu = User.objects.get(employee_no="N102")
    assert lvbu.hours_required is False and lvbu.department == cast.dept_b
    assert lvbu.post_type == "management" and lvbu.hire_date.isoformat() == "2026-01-05"
    assert User.objects.get(employee_no="N103").department == cast.dept_a1
    assert all(p.password_is_initial for p, _pw in result.created)


def test_same_file_twice_changes_nothing(cast):
    run(cast, GOOD)
    count = User.objects.count()
    again = run(cast, GOOD)
    assert again.ok and again.created == [] and again.updated == 0 and again.unchanged == 3
    assert User.objects.count() == count


def test_changed_row_updates(cast):
    run(cast, GOOD)
    rows = [list(r) for r in GOOD]
    rows[0][5] = "管理岗"
    result = run(cast, rows)
    assert result.updated == 1 and result.unchanged == 2
    assert User.objects.get(employee_no="N101").post_type == "management"


def test_one_bad_row_writes_nothing_and_lists_every_error(cast):
    rows = [list(r) for r in GOOD] + [
        ["", "N104", "bad-email", "123", "不存在部", "教授岗", "2024-13-01", "也许"],
        ["李雷", "N101", "", "13900000001", "", "", "", ""],
    ]
    before = User.objects.count()
    result = run(cast, rows)
    assert not result.ok
    assert User.objects.count() == before
    found = {(e.row, e.column): e.message for e in result.errors}
    # Every error of every row, each with its message; a row's email and mobile are
    # checked by the services only once the row parses, so row 5 lists none for them.
    assert set(found) == {(5, "姓名"), (5, "部门"), (5, "岗位类型"), (5, "入职时间"),
                          (5, "是否有学时要求"), (6, "员工编号"), (6, "手机号码")}
    assert all(found.values())
    # A value repeated within the file names the row it repeats.
    assert "2" in found[(6, "员工编号")] and "2" in found[(6, "手机号码")]


def test_service_level_errors_are_reported_by_row(cast):
    rows = [["甲", "N201", "not-an-email", "", "", "", "", ""]]
    result = run(cast, rows)
    assert [(e.row, e.column) for e in result.errors] == [(2, "邮箱")]
    assert not User.objects.filter(employee_no="N201").exists()


def test_existing_employee_number_of_other_department_for_department_admin(cast):
    """A department admin's file cannot change a person outside the department: the row
    renames 李四 (dept_b, outside dept_a), and the rename must not happen."""
    rows = [["李四改", "N002", "", "", "", "", "", ""]]
    result = run(cast, rows, admin=cast.dept_admin)
    assert not result.ok
    assert [e.row for e in result.errors] == [2]
    cast.colleague.refresh_from_db()
    assert cast.colleague.real_name == "李四"
    assert not User.objects.filter(real_name="李四改").exists()


def test_wrong_columns(cast):
    with pytest.raises(DomainError) as exc:
        run(cast, [["x"]], columns=["名字"])
    assert exc.value.code == ErrorCode.IMPORT_ERRORS


def test_zip_bomb_and_non_excel(cast):
    admin = cast.institute_admin
    for data in (zip_bomb(), b"%PDF-1.4", b"<html><script>alert(1)</script></html>"):
        with pytest.raises(DomainError) as exc:
            staff_import(actor=admin, role=admin.roles.get(), upload=upload(data))
        assert exc.value.code == ErrorCode.BAD_FILE


def test_academy_admin_must_choose_institute(cast):
    with pytest.raises(DomainError) as exc:
        run(cast, GOOD, admin=cast.academy_admin)
    assert exc.value.field == "institute"


def test_outsider_cannot_import_into_niaot(cast):
    admin = cast.outsider_admin
    with pytest.raises(DomainError) as exc:
        staff_import(actor=admin, role=admin.roles.get(), institute=cast.niaot,
                     upload=upload(workbook_bytes(COLUMNS, GOOD)))
    assert exc.value.code == ErrorCode.NOT_FOUND


# --- pages --------------------------------------------------------------------------------

def test_import_page_flow_with_result_file(cast, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    cast.niaot.initial_password_mode = "random"
    cast.niaot.save()
    enter_admin(client, cast.institute_admin)
    template = client.get("/manage/staff/import/template/")
    assert template.status_code == 200
    headers = [c.value for c in openpyxl.load_workbook(io.BytesIO(template.content)).active[1]]
    assert headers == COLUMNS
    data = workbook_bytes(COLUMNS, GOOD)
    response = client.post("/manage/staff/import/", {"file": upload(data)})
    html = response.content.decode()
    assert "新增：3" in html.replace(" ", "")
    token = html.split("/manage/files/")[1].split("/")[0]
    download = client.get(f"/manage/files/{token}/")
    assert download.status_code == 200 and download["X-Content-Type-Options"] == "nosniff"
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    person = User.objects.get(employee_no="N101")
    password = next(r[3] for r in rows if r[2] == person.login_name)
    assert person.check_password(password)
    # Another admin's session cannot fetch the file.
    other = client.__class__()
    enter_admin(other, cast.academy_admin)
    assert other.get(f"/manage/files/{token}/").status_code == 404


def test_import_page_shows_errors_and_error_file(cast, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    enter_admin(client, cast.institute_admin)
    rows = GOOD + [["", "N999", "", "", "", "", "", ""]]
    html = client.post("/manage/staff/import/", {"file": upload(workbook_bytes(COLUMNS, rows))}).content.decode()
    assert 'data-testid="import-errors"' in html and "<td>5</td>" in html
    assert not User.objects.filter(employee_no="N101").exists()
    token = html.split("/manage/files/")[1].split("/")[0]
    download = client.get(f"/manage/files/{token}/")
    assert download.status_code == 200 and download["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in download["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    assert list(sheet.iter_rows(values_only=True)) == [("行号", "列", "错误"), (5, "姓名", "必填。")]


def test_import_page_non_excel_is_form_error(cast, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    enter_admin(client, cast.institute_admin)
    response = client.post("/manage/staff/import/", {"file": upload(b"MZ\x90 exe", "x.xlsx")})
    assert response.status_code == 200 and "Excel" in response.content.decode()


def test_default_initial_password_is_hashed_once_per_import(cast):
    """Hundreds of rows must not cost a full PBKDF2 hash each: in default mode the file
    shares one hash (of a password the institute publishes anyway), and it still works."""
    from orgs.models import Org

    Org.objects.filter(pk=cast.niaot.pk).update(initial_password_mode="default",
                                                default_initial_password="Abcd1234")
    result = run(cast, GOOD)
    hashes = {p.password for p, _pw in result.created}
    assert len(hashes) == 1 and {pw for _p, pw in result.created} == {"Abcd1234"}
    assert all(p.check_password("Abcd1234") for p, _pw in result.created)
    # Random mode gives everyone a password (and a hash) of their own.
    Org.objects.filter(pk=cast.niaot.pk).update(initial_password_mode="random")
    more = run(cast, [["诸葛亮", "N201", "", "", "光学部", "科研岗", "", ""],
                      ["司马懿", "N202", "", "", "光学部", "科研岗", "", ""]])
    assert len({p.password for p, _pw in more.created}) == 2
    assert all(p.check_password(pw) for p, pw in more.created)


def _rows(n, start=0):
    names = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
    return [[f"{names[k % len(names)]}{names[(k // len(names)) % len(names)]}", f"Q{k:05d}",
             f"p{k}@niaot.ac.cn" if k % 3 == 0 else "", f"139{k:08d}" if k % 2 else "",
             "光学部", "科研岗", "2024-03-01", "是"] for k in range(start, start + n)]


def test_queries_do_not_grow_with_rows(cast):
    """The whole file is checked in a handful of queries and written in a few: a file of
    40 people costs the queries of a file of 10, creating and updating alike. (SQLite
    caps the parameters of a statement, so its inserts batch at about 40 people: the
    files stay below that; PostgreSQL batches a thousand.)"""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from core.models import AuditEvent

    counts = []
    for rows in (_rows(10), _rows(40, start=100)):
        with CaptureQueriesContext(connection) as ctx:
            result = run(cast, rows)
        assert result.ok and len(result.created) == len(rows)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    assert counts[0] <= 15
    assert AuditEvent.objects.filter(action="person.created").count() == 50
    # Updating: every row changes its post type.
    updates = []
    for rows in (_rows(10), _rows(40, start=100)):
        for r in rows:
            r[5] = "管理岗"
        with CaptureQueriesContext(connection) as ctx:
            result = run(cast, rows)
        assert result.ok and result.updated == len(rows) and not result.created
        updates.append(len(ctx.captured_queries))
    assert updates[0] == updates[1]
    assert User.objects.filter(employee_no__startswith="Q", post_type="management").count() == 50
    assert AuditEvent.objects.filter(action="person.updated").count() == 50


def test_rows_see_each_other_as_if_written_in_order(cast):
    """A later row cannot take an email or mobile an earlier row (or an existing person)
    holds, across columns; an update frees the mobile the person held."""
    cast.colleague.mobile = "13911112222"
    cast.colleague.save()
    rows = [["李四", "N002", "", "13933334444", "", "", "", ""],     # frees 13911112222
            ["新一", "N301", "", "13911112222", "光学部", "", "", ""],  # takes it: fine
            ["新二", "N302", "13933334444@x.cn", "", "光学部", "", "", ""],
            ["新三", "N303", "", "13933334444", "光学部", "", "", ""]]  # 李四's new mobile
    result = run(cast, rows)
    assert [(e.row, e.column) for e in result.errors] == [(5, "手机号码")]
    rows.pop()
    result = run(cast, rows)
    assert result.ok and result.updated == 1 and len(result.created) == 2
    assert User.objects.get(employee_no="N301").mobile == "13911112222"
