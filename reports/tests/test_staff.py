"""职工学习总体情况统计 (issue 13): figures, filters, sort, export, drill-down, API, scope
and a bounded number of queries."""

import io
from datetime import date

import openpyxl
import pytest
from django.test import Client
from django_tasks_db.management.commands.db_worker import Worker

from accounts.models import PostType
from accounts.tests.factories import make_user
from conftest import enter_admin
from core.models import Job, JobStatus
from reports.queries import staff_overview
from reports.tests.helpers import YEAR, H, credit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def hours(cast):
    """Seed 001's archive for the learner; the colleague meets the target; a new hire
    and a person without requirement in the institute."""
    credit(cast.learner, 10, cap_class="online", kind="course")
    credit(cast.learner, 44 * H)
    credit(cast.learner, 48 * H, cap_class="self_study", kind="claim")
    credit(cast.colleague, 101 * H)
    cast.learner.post_type = PostType.RESEARCH
    cast.learner.save(update_fields=["post_type"])
    cast.newbie = make_user(login_name="niaot-xin", real_name="新人", institute=cast.niaot,
                            department=cast.dept_b, hire_date=date(YEAR, 2, 1))
    cast.student = make_user(login_name="niaot-xuesheng", real_name="学生", institute=cast.niaot,
                             department=cast.dept_b, hours_required=False)
    return cast


def _role(user):
    return user.roles.get()


def test_the_seed_001_figures_come_out_per_person(hours):
    overview = staff_overview(_role(hours.institute_admin), YEAR)
    row = next(r for r in overview.rows if r.person_id == hours.learner.pk)
    assert (row.total, row.effective) == (92 * H + 10, 54 * H + 10)
    assert row.classes == {"online": 10, "offline": 44 * H, "self_study": 48 * H}
    assert (row.met, row.missing, row.target) == (False, 45 * H + 50, 100 * H)
    colleague = next(r for r in overview.rows if r.person_id == hours.colleague.pk)
    assert (colleague.met, colleague.missing) == (True, 0)
    assert [code for code, _name in overview.classes] == ["online", "self_study", "offline"]


def test_completion_leaves_out_new_hires_and_people_without_a_requirement(hours):
    c = staff_overview(_role(hours.institute_admin), YEAR).completion
    # niaot: learner, colleague, dept admin, institute admin, class admin, newbie, student
    assert (c.staff, c.new_hires, c.not_required) == (7, 1, 1)
    assert (c.required, c.met) == (5, 1)
    assert str(c.rate) == "20.00"
    assert c.total_minutes == 92 * H + 10 + 101 * H


def test_filters_narrow_and_sort(hours):
    role = _role(hours.institute_admin)
    names = lambda **kw: [r.name for r in staff_overview(role, YEAR, **kw).rows]  # noqa: E731
    assert names(department=hours.dept_a) == ["张三", "王五"] or set(names(department=hours.dept_a)) == {"张三", "王五"}
    assert names(post_type=PostType.RESEARCH) == ["张三"]
    assert names(met=True) == ["李四"]
    assert names(new_hires=True) == ["新人"]
    assert "新人" not in names(new_hires=False)
    assert names(order="-effective")[:2] == ["李四", "张三"]
    assert names(order="-missing")[-1] == "李四"


def test_the_department_admin_sees_their_subtree_only_and_the_outsider_nothing_of_niaot(hours):
    dept = {r.person_id for r in staff_overview(_role(hours.dept_admin), YEAR).rows}
    assert dept == {hours.learner.pk, hours.dept_admin.pk}
    outsider = {r.person_id for r in staff_overview(_role(hours.outsider_admin), YEAR).rows}
    assert hours.learner.pk not in outsider and hours.outsider_learner.pk in outsider
    academy = {r.person_id for r in staff_overview(_role(hours.academy_admin), YEAR).rows}
    assert {hours.learner.pk, hours.outsider_learner.pk} <= academy


def test_the_page_filters_links_the_archive_and_refuses_a_department_outside_the_scope(hours, client):
    enter_admin(client, hours.institute_admin)
    page = client.get("/manage/reports/staff/", {"year": YEAR, "met": "no"})
    body = page.content.decode()
    assert page.status_code == 200 and "张三" in body and "李四" not in body
    assert f"/manage/staff/{hours.learner.pk}/archive/?start={YEAR}-01&amp;end={YEAR}-12" in body
    assert "45小时50分" in body  # still missing, as 小时/分
    outside = client.get("/manage/reports/staff/", {"department": hours.imr_dept.pk})
    assert outside.status_code == 200 and "孙七" not in outside.content.decode()
    assert 'data-person="' not in outside.content.decode()  # a unit outside the scope matches nobody
    assert client.get("/manage/reports/staff/", {"year": "abc"}).status_code == 400


def test_the_export_streams_text_cells_never_formulas(hours, client):
    hours.learner.real_name = "=HYPERLINK(\"http://x\")"
    hours.learner.save(update_fields=["real_name"])
    enter_admin(client, hours.institute_admin)
    response = client.get("/manage/reports/staff/", {"year": YEAR, "export": "xlsx"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:3] == ("姓名", "登录名", "员工编号")
    learner = next(r for r in rows if r[1] == "niaot-zhangsan")
    assert learner[0] == "=HYPERLINK(\"http://x\")"
    cell = next(row[0] for row in book.active.iter_rows() if row[1].value == "niaot-zhangsan")
    assert cell.data_type == "s"
    header = rows[0]
    assert learner[header.index("培训总学时(小时)")] == pytest.approx(92.17)
    assert learner[header.index("是否达标")] == "未达标"
    assert len(rows) == 1 + 7


@pytest.fixture
def _keep_the_test_connection(monkeypatch):
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)


def test_a_long_export_runs_on_the_worker_with_progress_and_a_download(
        hours, client, settings, django_capture_on_commit_callbacks, _keep_the_test_connection):
    settings.XUESHI_EXPORT_INLINE_ROWS = 3
    enter_admin(client, hours.institute_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get("/manage/reports/staff/", {"year": YEAR, "export": "xlsx", "met": "no"})
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/manage/jobs/{job.pk}/"
    assert (job.kind, job.rows_total) == ("staff_export", 6)
    Worker(queue_names=["default"], interval=0, batch=True, backend_name="default", startup_delay=False,
           max_tasks=None, worker_id="test", excluded_queue_names=[]).run()
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.summary["rows"] == 6
    assert "职工学习总体情况统计" in client.get(f"/manage/jobs/{job.pk}/").content.decode()
    download = client.get(f"/manage/jobs/{job.pk}/files/result/")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    names = {r[0] for r in book.active.iter_rows(min_row=2, values_only=True)}
    assert "张三" in names and "李四" not in names
    other = Client()
    enter_admin(other, hours.outsider_admin)
    assert other.get(f"/manage/jobs/{job.pk}/files/result/").status_code == 404


def test_the_api_gives_the_page_figures(hours, client):
    enter_admin(client, hours.institute_admin)
    data = client.get("/api/v1/reports/staff", {"year": YEAR, "page_size": 2, "order": "-effective"}).json()
    assert data["count"] == 7 and len(data["items"]) == 2
    assert data["items"][0]["name"] == "李四" and data["items"][1]["effective_minutes"] == 54 * H + 10
    assert data["completion"] == {"staff": 7, "required": 5, "met": 1, "new_hires": 1, "not_required": 1,
                                  "rate_percent": "20.00", "total_minutes": 193 * H + 10,
                                  "average_minutes": round((193 * H + 10) / 7)}
    outside = client.get("/api/v1/reports/staff", {"department": hours.imr_dept.pk}).json()
    assert outside["count"] == 0 and outside["items"] == []
    assert client.get("/api/v1/reports/staff", {"met": "perhaps"}).status_code == 400


def test_the_figures_take_a_bounded_number_of_queries(cast, django_assert_max_num_queries):
    role = _role(cast.academy_admin)
    for i in range(3):
        person = make_user(institute=cast.niaot, department=cast.dept_b)
        credit(person, (i + 1) * 30 * H)
    with django_assert_max_num_queries(8) as small:
        staff_overview(role, YEAR)
    for i in range(30):
        person = make_user(institute=cast.imr if i % 2 else cast.niaot)
        credit(person, (i + 1) * 7 * H)
        credit(person, 60, cap_class="online", kind="course")
    with django_assert_max_num_queries(len(small.captured_queries)):
        overview = staff_overview(role, YEAR)
    assert len(overview.rows) >= 33
