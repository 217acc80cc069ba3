"""Dashboards (issue 13): institute figures, the at-risk forecast and notify-in-one-action,
the academy's figures per institute summing to its total, every figure linking to people."""

from datetime import date

import pytest
from django.test import Client

from accounts.tests.factories import make_user
from conftest import enter_admin
from notifications.models import Notification
from reports.queries import Forecast, StaffRow, dashboard, staff_overview, year_days
from reports.tests.helpers import YEAR, H, credit

pytestmark = pytest.mark.django_db


def _role(user):
    return user.roles.get()


def _row(effective, target=100 * H, hours_required=True, new_hire=False):
    return StaffRow(1, "x", "x", "", 1, "", None, "", "", "", None, hours_required, new_hire,
                    effective, effective, {}, target)


def test_the_forecast_extends_the_pace_so_far_over_the_year():
    assert year_days(2025, date(2025, 7, 2)) == (183, 365)
    assert year_days(2024, date(2024, 12, 31)) == (366, 366)
    assert year_days(2025, date(2024, 12, 31)) == (0, 365)
    on_pace = Forecast(_row(51 * H), 183, 365)
    assert on_pace.minutes == 51 * H * 365 // 183 and not on_pace.at_risk  # 101h43m by 31 Dec
    behind = Forecast(_row(50 * H), 183, 365)
    assert behind.minutes == 50 * H * 365 // 183 and behind.at_risk  # 99h43m: just short
    slow = Forecast(_row(40 * H), 183, 365)
    assert slow.minutes == 40 * H * 365 // 183 and slow.at_risk
    assert not Forecast(_row(40 * H, new_hire=True), 183, 365).at_risk  # not counted
    assert not Forecast(_row(40 * H, hours_required=False), 183, 365).at_risk
    assert not Forecast(_row(100 * H), 1, 365).at_risk  # met already


@pytest.fixture
def hours(cast):
    credit(cast.learner, 100 * H)  # met
    credit(cast.colleague, 5 * H)  # far behind
    make_user(institute=cast.niaot, department=cast.dept_b, real_name="新人", hire_date=date(YEAR, 5, 1))
    return cast


def test_the_institute_dashboard_counts_per_department_and_lists_who_is_at_risk(hours):
    board = dashboard(_role(hours.institute_admin), YEAR, date(YEAR, 7, 1), institute=hours.niaot)
    by_name = {name: c for _pk, name, c in board.by_department}
    assert (by_name["光学部一组"].required, by_name["光学部一组"].met) == (1, 1)
    assert by_name["机械部"].new_hires == 1 and by_name["机械部"].met == 0
    assert sum(c.staff for c in by_name.values()) == board.completion.staff == 6
    risky = {f.row.name for f in board.at_risk}
    assert "李四" in risky and "张三" not in risky and "新人" not in risky
    assert sum(n for _b, _l, n in board.bands) == board.completion.required
    assert board.months[11][2] == 100 * H and board.months[2][1] == (105 * H) // 6


def test_a_band_links_to_exactly_the_people_it_counts(hours):
    role = _role(hours.institute_admin)
    board = dashboard(role, YEAR, date(YEAR, 7, 1), institute=hours.niaot)
    for band, _label, count in board.bands:
        assert len(staff_overview(role, YEAR, band=band).rows) == count


def test_the_page_links_every_figure_and_notifies_the_at_risk_in_one_action(hours, client):
    enter_admin(client, hours.institute_admin)
    page = client.get("/manage/reports/dashboard/", {"year": YEAR}).content.decode()
    assert 'id="dashboard-data"' in page and "echarts.common.min.js" in page
    assert f"/manage/reports/staff/?year={YEAR}&amp;band=0-20" in page
    assert f"/manage/staff/{hours.colleague.pk}/archive/" in page
    response = client.post("/manage/reports/dashboard/", {"year": YEAR})
    assert response.status_code == 302
    notified = set(Notification.objects.filter(kind="reports.at_risk").values_list("recipient_id", flat=True))
    assert hours.colleague.pk in notified and hours.learner.pk not in notified
    staff_pages = client.get(f"/manage/reports/staff/?year={YEAR}&band=0-20").content.decode()
    assert "李四" in staff_pages and "张三" not in staff_pages


def test_the_academy_dashboard_sums_its_institutes(hours, client):
    credit(hours.outsider_learner, 120 * H)
    enter_admin(client, hours.academy_admin)
    data = client.get("/api/v1/reports/dashboard/institutes", {"year": YEAR}).json()
    parts = [i["completion"] for i in data["institutes"]]
    for key in ("staff", "required", "met", "new_hires", "not_required", "total_minutes"):
        assert data["total"][key] == sum(p[key] for p in parts)
    assert all(i["plan_rate_percent"] is None for i in data["institutes"])  # not available, never 0
    page = client.get("/manage/reports/dashboard/", {"year": YEAR}).content.decode()
    assert "金属研究所" in page and 'data-testid="plan-rate">暂无数据<' in page
    detail = client.get("/api/v1/reports/dashboard", {"year": YEAR, "institute": hours.imr.pk}).json()
    assert detail["completion"]["met"] == 1
    outsider = Client()
    enter_admin(outsider, hours.outsider_admin)
    assert outsider.get("/api/v1/reports/dashboard", {"year": YEAR}).json()["institute_id"] == hours.imr.pk
    assert outsider.get("/api/v1/reports/dashboard", {"year": YEAR, "institute": hours.niaot.pk}).status_code == 404
    assert outsider.get("/manage/reports/dashboard/", {"year": YEAR, "institute": hours.niaot.pk}).status_code == 404
    assert outsider.post("/api/v1/reports/dashboard/notify", {"year": YEAR, "institute": hours.niaot.pk},
                         content_type="application/json").status_code == 404
    assert not Notification.objects.filter(kind="reports.at_risk").exists()


def test_the_dashboard_takes_a_bounded_number_of_queries(cast, django_assert_max_num_queries):
    role = _role(cast.institute_admin)
    with django_assert_max_num_queries(10) as small:
        dashboard(role, YEAR, date(YEAR, 6, 1), institute=cast.niaot)
    for i in range(25):
        credit(make_user(institute=cast.niaot, department=cast.dept_b), (i + 1) * 5 * H)
    with django_assert_max_num_queries(len(small.captured_queries)):
        board = dashboard(role, YEAR, date(YEAR, 6, 1), institute=cast.niaot)
    assert board.completion.staff == 30
