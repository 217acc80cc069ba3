from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import enter_admin, login
from ledger.models import LedgerEntry
from training.models import Attendee, Enrolment, Project, ProjectStatus
from training.tests.helpers import YEAR, make_project, project_data

pytestmark = pytest.mark.django_db


def _post_data(cast, **overrides):
    data = project_data(cast, **overrides)
    out = {k: ("on" if v is True else "" if v in (None, False) else v) for k, v in data.items()}
    out["org"] = data["org"].pk
    out["start"] = data["start"].isoformat()
    out["end"] = data["end"].isoformat()
    out["hours"], out["mins"] = divmod(data["minutes"], 60)
    out.pop("minutes")
    out.pop("online_minutes")
    return {k: v for k, v in out.items() if v != ""}


def test_institute_admin_creates_implements_and_cancels_through_pages(cast, client):
    enter_admin(client, cast.institute_admin)
    assert client.get("/manage/training/").status_code == 200
    response = client.post("/manage/training/new/", _post_data(cast, name="页面创建的班"))
    assert response.status_code == 302, response.content.decode()[:2000]
    project = Project.objects.get(name="页面创建的班")
    assert project.status == ProjectStatus.PLANNED and project.minutes == 480
    assert client.post(f"/manage/training/{project.pk}/", {"action": "implement"}).status_code == 302
    assert Project.objects.get(pk=project.pk).status == ProjectStatus.IMPLEMENTED
    client.post(f"/manage/training/{project.pk}/", {"action": "cancel", "reason": ""})
    assert Project.objects.get(pk=project.pk).status == ProjectStatus.IMPLEMENTED  # a reason is needed
    client.post(f"/manage/training/{project.pk}/", {"action": "cancel", "reason": "讲师生病"})
    project.refresh_from_db()
    assert (project.status, project.cancel_reason) == (ProjectStatus.CANCELLED, "讲师生病")


def test_bad_form_input_is_a_form_error(cast, client):
    enter_admin(client, cast.institute_admin)
    for bad in ({"hours": "x"}, {"capacity": "１２"}, {"start": "9999-01-01"}, {"name": ""}):
        response = client.post("/manage/training/new/", {**_post_data(cast), **bad})
        assert response.status_code == 400, bad
    assert not Project.objects.exists()


def test_class_admin_sees_only_assigned_projects_and_404_elsewhere(cast, client):
    mine = make_project(cast, name="赵六的班")
    other = make_project(cast, name="别人的班", class_admin=False)
    enter_admin(client, cast.class_admin)
    text = client.get("/manage/training/").content.decode()
    assert "赵六的班" in text and "别人的班" not in text
    assert client.get(f"/manage/training/{mine.pk}/").status_code == 200
    for url in (f"/manage/training/{other.pk}/", f"/manage/training/{other.pk}/attendees/",
                f"/api/v1/training/manage/{other.pk}"):
        assert client.get(url).status_code == 404, url
    assert client.get("/manage/training/new/").status_code == 403
    response = client.post(f"/api/v1/training/manage/{other.pk}/implement")
    assert response.status_code == 404


def test_catalogue_filters_counts_and_visibility(cast, client):
    make_project(cast, name="六月的班", start=date(YEAR, 6, 3), end=date(YEAR, 6, 3), enrol_allowed=False)
    make_project(cast, name="周五报告会", kind="lecture", category="lecture", start=date(YEAR, 7, 1),
                 end=date(YEAR, 7, 1), enrol_allowed=False)
    make_project(cast, name="不公开的班", visibility="private", enrol_allowed=False)
    make_project(cast, name="未实施的班", implement=False)
    login(client, cast.learner)
    text = client.get("/training/").content.decode()
    assert "六月的班" in text and "周五报告会" in text
    assert "不公开的班" not in text and "未实施的班" not in text
    text = client.get(f"/training/?year={YEAR}&month=6").content.decode()
    assert "六月的班" in text and "周五报告会" not in text
    text = client.get("/training/?kind=lecture").content.decode()
    assert "周五报告会" in text and "六月的班" not in text
    text = client.get("/training/?category=short_course").content.decode()
    assert "六月的班" in text and "周五报告会" not in text
    api = client.get("/api/v1/training/projects?category=lecture").json()
    assert [p["name"] for p in api["items"]] == ["周五报告会"]
    assert client.get("/api/v1/training/projects?month=13").status_code in (400, 422)
    login(client, cast.outsider_learner)
    assert "六月的班" not in client.get("/training/").content.decode()


def test_catalogue_queries_do_not_grow_with_projects(cast, client):
    login(client, cast.learner)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/training/").status_code == 200
        return len(ctx.captured_queries)

    make_project(cast, name="一")
    few = count()
    for n in range(25):
        make_project(cast, name=f"班{n}", capacity=10)
    assert count() == few


def test_learner_enrols_on_the_page_and_sees_my_training(cast, client):
    project = make_project(cast, enrol_needs_approval=True, capacity=5)
    login(client, cast.learner)
    assert client.get(f"/training/{project.pk}/").status_code == 200
    client.post(f"/training/{project.pk}/", {"action": "enrol"})
    assert Enrolment.objects.get(project=project, person=cast.learner).status == "pending"
    assert "光学设计培训班" in client.get("/training/mine/?tab=pending").content.decode()
    assert "光学设计培训班" not in client.get("/training/mine/").content.decode()
    api = client.get("/api/v1/training/mine?tab=pending").json()
    assert api["count"] == 1
    # The class admin approves the batch; the learner now has it under 审核通过的培训.
    client.logout()
    enter_admin(client, cast.class_admin)
    enrolment = Enrolment.objects.get()
    client.post(f"/manage/training/{project.pk}/enrolments/", {"action": "approve", "ids": [enrolment.pk]})
    assert Enrolment.objects.get().status == "approved"
    client.logout()
    login(client, cast.learner)
    assert "光学设计培训班" in client.get("/training/mine/").content.decode()
    response = client.post(f"/api/v1/training/projects/{project.pk}/enrol")
    assert response.status_code == 409 and response.json()["code"] == "duplicate"


def test_attendance_page_confirms_and_credits(cast, client):
    project = make_project(cast)
    login(client, cast.learner)
    client.post(f"/training/{project.pk}/", {"action": "enrol"})
    client.logout()
    enter_admin(client, cast.class_admin)
    client.post(f"/manage/training/{project.pk}/attendees/", {"action": "from_enrolments"})
    client.post(f"/manage/training/{project.pk}/attendees/", {"action": "add", "people": "N002 nobody"})
    assert Attendee.objects.count() == 1  # unknown names: nothing added
    row = Attendee.objects.get()
    client.post(f"/manage/training/{project.pk}/attendees/", {"action": "confirm", "ids": [row.pk]})
    assert sum(LedgerEntry.objects.filter(person=cast.learner).values_list("minutes", flat=True)) == 480
    response = client.post(f"/api/v1/training/manage/{project.pk}/attendees/confirm",
                           {"ids": [row.pk]}, content_type="application/json")
    assert response.json() == {"count": 0}
    client.logout()
    login(client, cast.learner)
    html = client.get("/learning/archive/").content.decode()
    table = html.split('data-testid="projects-table"')[1].split("</table>")[0]
    # seed 001's columns: 培训方式 and 培训项目分类 named in the reader's language, not codes
    assert "培训方式" in table and "培训项目分类" in table
    row = table.split("光学设计培训班")[1].split("</tr>")[0]
    assert "<td>线下</td>" in row and "<td>培训项目</td>" in row and "offline" not in row
    assert "<td>南京</td>" in row and "<td>光学部</td>" in row


def test_api_create_and_update(cast, client):
    enter_admin(client, cast.institute_admin)
    payload = {"org_id": cast.dept_a.pk, "name": "接口班", "year": YEAR, "start": f"{YEAR}-05-01",
               "end": f"{YEAR}-05-02", "minutes": 600, "days": 2, "method": "mixed",
               "online_minutes": 120}
    response = client.post("/api/v1/training/manage", payload, content_type="application/json")
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    response = client.patch(f"/api/v1/training/manage/{pk}", {**payload, "org_id": cast.imr.pk},
                            content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    response = client.patch(f"/api/v1/training/manage/{pk}", {**payload, "name": "a\u0000"},
                            content_type="application/json")
    assert response.status_code in (400, 422)
    assert Project.objects.get(pk=pk).name == "接口班"
