import pytest
from django.test import Client

from conftest import enter_admin, login
from core.audit import audit_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(cast):
    audit_record(actor=cast.institute_admin, action="person.updated", obj=cast.learner,
                 org=cast.dept_a1, before={"hire_date": None}, after={"hire_date": "2026-03-01"})
    audit_record(actor=cast.outsider_admin, action="person.updated", obj=cast.outsider_learner,
                 org=cast.imr_dept, note="secret-imr-note")
    Client().post("/login/", {"login": "niaot-zhangsan", "password": "wrong"})
    return cast


def test_institute_admin_sees_own_scope_only(events, client):
    enter_admin(client, events.institute_admin)
    html = client.get("/manage/audit/").content.decode()
    assert "张三 (niaot-zhangsan)" in html
    assert "login.failed" in html
    assert "孙七" not in html and "secret-imr-note" not in html


def test_academy_admin_sees_all_institutes(events, client):
    enter_admin(client, events.academy_admin)
    html = client.get("/manage/audit/?q=secret-imr").content.decode()
    assert "孙七" in html


def test_spoofed_filters_stay_in_scope(events, client):
    enter_admin(client, events.institute_admin)
    html = client.get(f"/manage/audit/?q=secret&org={events.imr.pk}&institute={events.imr.pk}").content.decode()
    assert "secret-imr-note" not in html


def test_filters_and_bad_dates(events, client):
    enter_admin(client, events.institute_admin)
    html = client.get("/manage/audit/?action=login").content.decode()
    table = html.split('data-testid="audit-table"')[1]
    assert "登录失败" in table and "编辑人员" not in table and "login.failed" not in table
    response = client.get("/manage/audit/?date_from=2026-05-01&date_to=2026-04-01")
    assert response.status_code == 200 and "结束日期早于开始日期" in response.content.decode()
    assert client.get("/manage/audit/?date_from=garbage").status_code == 200


def test_weak_roles_forbidden(events, client):
    enter_admin(client, events.dept_admin)
    assert client.get("/manage/audit/").status_code == 403


def test_htmx_returns_the_table_only(events, client):
    enter_admin(client, events.institute_admin)
    html = client.get("/manage/audit/", HTTP_HX_REQUEST="true").content.decode()
    assert html.lstrip().startswith("<table") or 'data-testid="audit-table"' in html[:300]
    assert "<html" not in html


# --- the Excel export (issue 5: "browse and export it within their scope") ---------------

def _sheet(response):
    """The export's rows as lists of cell values, and the worksheet itself."""
    import io

    from openpyxl import load_workbook

    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.streaming  # written in constant memory to a file, streamed from it
    response.xlsx_bytes = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(response.xlsx_bytes)).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)], sheet


_ACTION = "动作"


def _text(rows) -> str:
    return "\n".join(str(v) for row in rows for v in row if v is not None)


def test_export_within_scope_for_institute_admin(events, client):
    enter_admin(client, events.institute_admin)
    rows, _ = _sheet(client.get("/manage/audit/?export=xlsx"))
    # "Action" is 动作 here: Django admin's catalog comes first in INSTALLED_APPS, as on the page.
    assert rows[0] == ["时间", "操作人", "地址", _ACTION, "对象类型", "对象编号", "对象", "机构",
                       "变更内容", "备注"]
    updated = next(r for r in rows if r[3] == "编辑人员")
    assert updated[1] == "天光所管理员 (niaot)" and updated[4] == "人员"
    assert updated[6] == str(events.learner) and updated[7] == "光学部一组"
    assert updated[8] == "入职时间: — → 2026-03-01"
    assert any(r[3] == "登录失败" and r[1] == "niaot-zhangsan" for r in rows)
    text = _text(rows)
    assert "孙七" not in text and "secret-imr-note" not in text and "金属所管理员" not in text
    # Every row is about a unit of niaot's subtree.
    assert {r[7] for r in rows[1:]} <= {"南京天文光学技术研究所", "光学部", "光学部一组", "机械部"}


def test_export_academy_admin_sees_all(events, client):
    enter_admin(client, events.academy_admin)
    text = _text(_sheet(client.get("/manage/audit/?export=xlsx"))[0])
    assert "secret-imr-note" in text and "孙七" in text
    assert "张三 (niaot-zhangsan)" in text and "登录失败" in text


def test_export_with_spoofed_filter_stays_in_scope(events, client):
    enter_admin(client, events.institute_admin)
    imr = events.imr.pk
    spoof = f"org={imr}&institute={imr}&unit={imr}&department={events.imr_dept.pk}"
    rows, _ = _sheet(client.get(f"/manage/audit/?q=secret&{spoof}&export=xlsx"))
    assert len(rows) == 1  # the header only
    rows, _ = _sheet(client.get(f"/manage/audit/?{spoof}&export=xlsx"))
    text = _text(rows)
    assert "secret-imr-note" not in text and "孙七" not in text and "金属研究所" not in text
    assert "编辑人员" in text  # the caller's own scope, not an empty file


def test_export_follows_the_filters(events, client):
    enter_admin(client, events.institute_admin)
    rows, _ = _sheet(client.get("/manage/audit/?action=login.failed&export=xlsx"))
    assert len(rows) > 1 and {r[3] for r in rows[1:]} == {"登录失败"}
    # Invalid filters show the page with the error, not an empty file.
    response = client.get("/manage/audit/?date_from=2026-05-01&date_to=2026-04-01&export=xlsx")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert "结束日期早于开始日期" in response.content.decode()


def test_export_formula_like_cells_stay_text(events, client):
    payloads = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
    for payload in payloads:
        audit_record(actor=events.institute_admin, action="person.updated", obj=events.learner,
                     org=events.dept_a1, note=payload, after={"real_name": payload})
    enter_admin(client, events.institute_admin)
    response = client.get("/manage/audit/?export=xlsx")
    rows, sheet = _sheet(response)
    # XlsxWriter stores CR as the escape _x000D_, which Excel (and calamine) read back as
    # CR; openpyxl leaves the escape as is.
    notes = {(r[9] or "").replace("_x000D_", "\r") for r in rows[1:]}
    assert set(payloads) <= notes
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f", cell.value
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(response.xlsx_bytes)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml


def test_export_is_bounded(events, client, monkeypatch):
    from portal import views

    monkeypatch.setattr(views, "AUDIT_EXPORT_MAX_ROWS", 2)
    enter_admin(client, events.institute_admin)
    rows, _ = _sheet(client.get("/manage/audit/?export=xlsx"))
    assert len(rows) == 1 + 2 + 1  # header, two events, the closing note
    assert "仅导出了最新的 2 条记录" in rows[-1][0]
    newest = client.get("/manage/audit/").content.decode()
    assert rows[1][3] in newest
    page = client.get("/manage/audit/?action=login").content.decode()
    assert "最多导出最新的 2 条" in page


def test_export_queries_do_not_grow_with_rows(events, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    enter_admin(client, events.institute_admin)
    with CaptureQueriesContext(connection) as few:
        client.get("/manage/audit/?export=xlsx")
    for i in range(40):
        audit_record(actor=events.institute_admin, action="person.updated", obj=events.learner,
                     org=events.dept_a1 if i % 2 else events.niaot, note=f"n{i}")
    with CaptureQueriesContext(connection) as many:
        rows, _ = _sheet(client.get("/manage/audit/?export=xlsx"))
    assert len(rows) > 40
    assert len(many) == len(few)


def test_export_weak_roles_refused(events, client):
    assert client.get("/manage/audit/?export=xlsx")["Location"].startswith("/login/")
    for person in (events.dept_admin, events.class_admin):
        other = Client()
        enter_admin(other, person)
        response = other.get("/manage/audit/?export=xlsx")
        assert response.status_code == 403
        assert "spreadsheetml" not in response.get("Content-Type", "")
    learner = Client()
    login(learner, events.learner)
    response = learner.get("/manage/audit/?export=xlsx")
    assert response.status_code == 302 and response["Location"].startswith("/manage/enter/")


def test_export_link_carries_the_filters(events, client):
    enter_admin(client, events.institute_admin)
    html = client.get("/manage/audit/?action=login&page=2").content.decode()
    assert 'href="?action=login&amp;export=xlsx"' in html
    partial = client.get("/manage/audit/?q=zhang", HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-swap-oob="true"' in partial and 'href="?q=zhang&amp;export=xlsx"' in partial
