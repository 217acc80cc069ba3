"""培训班统计表 (seed 002): the scope's training projects of the year, unimplemented ones
marked and counted as 0 attendees and 0 staff, exported with seed 002's columns."""

import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import enter_admin
from reports.exports import CLASSES_COLUMNS
from training.models import Project
from training.services import attendees_add, attendees_confirm, project_cancel, project_create
from training.tests.helpers import YEAR, make_project, project_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def projects(cast):
    role = cast.institute_admin.roles.get()
    held = make_project(cast, name="光学设计培训班", staff_count=3, funding="premium",
                        audience="科研人员", spent="1.50")
    attendees_add(actor=cast.institute_admin, role=role, project_id=held.pk,
                  person_ids=[cast.learner.pk, cast.colleague.pk])
    first = held.attendees.get(person=cast.learner)
    attendees_confirm(actor=cast.institute_admin, role=role, project_id=held.pk, ids=[first.pk])
    planned = make_project(cast, implement=False, name="=1+1", staff_count=5)
    cancelled = make_project(cast, name="撤销的班")
    project_cancel(actor=cast.institute_admin, role=role, project_id=cancelled.pk, reason="讲师生病")
    academy_role = cast.academy_admin.roles.get()
    elsewhere = project_create(actor=cast.academy_admin, role=academy_role,
                               data=project_data(cast, org=cast.imr_dept, name="金属所的班"))
    return held, planned, elsewhere


def _rows(html):
    table = html.split('data-testid="classes"')[1].split("</table>")[0]
    return table.split("<tbody>")[1].split("</tr>")[:-1]


def test_institute_admin_sees_own_projects_with_unimplemented_marked(cast, client, projects):
    held, planned, _elsewhere = projects
    enter_admin(client, cast.institute_admin)
    html = client.get(f"/manage/reports/classes/?year={YEAR}").content.decode()
    rows = _rows(html)
    assert len(rows) == 2  # the cancelled one and the other institute's are not listed
    assert "金属所的班" not in html and "撤销的班" not in html
    held_row = next(r for r in rows if f'data-project="{held.pk}"' in r)
    planned_row = next(r for r in rows if f'data-project="{planned.pk}"' in r)
    assert 'class="unimplemented"' in planned_row and 'class="unimplemented"' not in held_row
    # one confirmed attendee (the other is listed, not confirmed); 3 staff
    assert '<td class="num">1</td><td class="num">3</td>' in held_row
    # not implemented: 0 attendees and 0 staff whatever the project's figures say
    assert '<td class="num">0</td><td class="num">0</td>' in planned_row


def test_export_has_seed_columns_and_text_cells(cast, client, projects):
    held, planned, _elsewhere = projects
    enter_admin(client, cast.institute_admin)
    response = client.get(f"/manage/reports/classes/?year={YEAR}&export=xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book.active
    header, *lines = [[c.value for c in row] for row in sheet.iter_rows()]
    assert header == CLASSES_COLUMNS
    by_name = {line[0]: line for line in lines}
    assert set(by_name) == {"光学设计培训班", "=1+1"}
    held_line = by_name["光学设计培训班"]
    assert held_line[1] == "是" and held_line[2] == "科研人员"
    assert held_line[7:10] == [1, 3, "1.50"]
    assert by_name["=1+1"][7:9] == [0, 0]
    formula_cells = [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert formula_cells == []


def test_academy_sees_every_institute_and_api_agrees(cast, client, projects):
    held, planned, elsewhere = projects
    enter_admin(client, cast.academy_admin)
    html = client.get(f"/manage/reports/classes/?year={YEAR}").content.decode()
    assert len(_rows(html)) == 3 and "金属研究所" in html
    body = client.get(f"/api/v1/reports/classes?year={YEAR}").json()
    assert body["year"] == YEAR and body["unimplemented"] == 2
    assert {i["project_id"]: (i["attendees"], i["staff"]) for i in body["items"]} == {
        held.pk: (1, 3), planned.pk: (0, 0), elsewhere.pk: (0, 0)}


def test_department_admin_has_no_such_table(cast, client, projects):
    enter_admin(client, cast.dept_admin)
    assert client.get("/manage/reports/classes/").status_code in (403, 404)
    assert client.get("/api/v1/reports/classes").status_code in (403, 404)


def test_queries_do_not_grow_with_projects(cast, client, projects):
    enter_admin(client, cast.institute_admin)
    url = f"/manage/reports/classes/?year={YEAR}"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(6):
        make_project(cast, name=f"班{n}")
    assert Project.objects.count() == 10
    with CaptureQueriesContext(connection) as many:
        assert "班5" in client.get(url).content.decode()
    assert len(many) == len(few)
