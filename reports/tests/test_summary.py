"""年度培训总结 (issue 13): only after the lock; computed fields with their definitions,
总人次 and 总经费 editable, 刷新数据, submit, export in the hand-in layout, the academy's
list and multi-export."""

import io
from datetime import date, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.test import Client
from django.utils import timezone

from accounts.tests.factories import make_user
from conftest import enter_admin
from core.errors import DomainError, ErrorCode
from reports.models import AnnualSummary, SummaryStatus
from reports.services import (
    backbone_lock,
    backbone_report_people,
    backbone_window_set,
    summary_create,
    summary_refresh,
    summary_submit,
    summary_update,
)
from reports.tests.helpers import YEAR, H, credit

pytestmark = pytest.mark.django_db


def _role(user):
    return user.roles.get()


def lock_year(cast, institute_admin=None, reported=()):
    admin = institute_admin or cast.institute_admin
    today = timezone.localdate()
    backbone_window_set(actor=cast.academy_admin, role=_role(cast.academy_admin), year=YEAR,
                        opens_on=today - timedelta(days=1), closes_on=today + timedelta(days=1))
    if reported:
        backbone_report_people(actor=admin, role=_role(admin), institute_id=_role(admin).org_id, year=YEAR,
                               person_ids=[p.pk for p in reported])
    return backbone_lock(actor=admin, role=_role(admin), institute_id=_role(admin).org_id, year=YEAR)


@pytest.fixture
def year(cast):
    """niaot: 7 in service (the cast's 5 + a new hire + one without requirement); the
    learner and the colleague meet the target, the learner is reported."""
    credit(cast.learner, 100 * H)
    credit(cast.colleague, 60 * H)
    credit(cast.colleague, 50 * H, cap_class="online", kind="course")  # 110 total, 100 effective
    make_user(institute=cast.niaot, real_name="新人", hire_date=date(YEAR, 3, 1))
    student = make_user(institute=cast.niaot, real_name="学生", hours_required=False)
    credit(student, 120 * H)
    return cast


def _create(cast):
    return summary_create(actor=cast.institute_admin, role=_role(cast.institute_admin),
                          institute_id=cast.niaot.pk, year=YEAR)


def test_a_summary_is_refused_before_the_backbone_report_is_locked(year):
    with pytest.raises(DomainError) as exc:
        _create(year)
    assert exc.value.code == ErrorCode.CONFLICT
    assert not AnnualSummary.objects.exists()


def test_the_computed_fields_come_from_the_system(year):
    lock_year(year, reported=[year.learner])
    s = _create(year)
    assert (s.staff_total, s.staff_required, s.staff_met) == (7, 5, 2)
    assert s.completion_rate == Decimal("40.00")  # 2 / 5: the new hire and the student left out
    assert s.backbone_rate == Decimal("357.14")  # 1 / (7 × 4% = 0.28)
    assert s.total_minutes == (100 + 110 + 120) * H
    assert s.average_minutes == round(330 * H / 7)
    assert s.plan_rate is None  # plans have not landed: not available, never 0%
    assert s.person_times is None and s.funding is None


def test_edit_refresh_submit_and_what_can_no_longer_change(year):
    lock_year(year)
    s = _create(year)
    role = _role(year.institute_admin)
    summary_update(actor=year.institute_admin, role=role, summary_id=s.pk, person_times=320,
                   funding=Decimal("12.50"))
    credit(year.outsider_learner, 100 * H)  # another institute: no effect
    credit(year.dept_admin, 100 * H)  # a late posting: the refresh takes it in
    s = summary_refresh(actor=year.institute_admin, role=role, summary_id=s.pk)
    assert s.staff_met == 3 and s.total_minutes == 430 * H
    assert (s.person_times, s.funding) == (320, Decimal("12.50"))  # the admin's fields stay
    s = summary_submit(actor=year.institute_admin, role=role, summary_id=s.pk)
    assert s.status == SummaryStatus.SUBMITTED and s.submitted_by == year.institute_admin
    for call in (lambda: summary_update(actor=year.institute_admin, role=role, summary_id=s.pk,
                                        person_times=1, funding=None),
                 lambda: summary_refresh(actor=year.institute_admin, role=role, summary_id=s.pk),
                 lambda: summary_submit(actor=year.institute_admin, role=role, summary_id=s.pk)):
        with pytest.raises(DomainError) as exc:
            call()
        assert exc.value.code == ErrorCode.LOCKED
    with pytest.raises(DomainError) as exc:
        _create(year)
    assert exc.value.code == ErrorCode.DUPLICATE


def test_the_page_shows_definitions_edits_funding_and_exports_the_hand_in_layout(year, client):
    lock_year(year, reported=[year.learner])
    enter_admin(client, year.institute_admin)
    created = client.post("/manage/reports/summaries/", {"year": YEAR})
    s = AnnualSummary.objects.get()
    assert created.status_code == 302 and created["Location"] == f"/manage/reports/summaries/{s.pk}/"
    page = client.get(created["Location"]).content.decode()
    assert "不包括新入职职工和无继续教育学时要求的职工" in page and "暂无数据" in page
    assert 'name="funding"' in page and 'name="person_times"' in page and 'name="staff_met"' not in page
    bad = client.post(created["Location"], {"action": "save", "person_times": "", "funding": "1e9"})
    assert bad.status_code == 400 and AnnualSummary.objects.get().funding is None
    client.post(created["Location"], {"action": "save", "person_times": "88", "funding": "36.8",
                                      "staff_met": "999"})
    s.refresh_from_db()
    assert (s.person_times, s.funding, s.staff_met) == (88, Decimal("36.80"), 2)
    export = client.get("/manage/reports/summaries/", {"export": "xlsx", "ids": s.pk})
    book = openpyxl.load_workbook(io.BytesIO(b"".join(export.streaming_content)))
    sheet = book.active
    assert sheet["A1"].value == f"南京天文光学技术研究所{YEAR}年度继续教育与培训工作总结"
    values = {row[0]: row[1] for row in sheet.iter_rows(min_row=4, values_only=True)}
    assert values["单位投入总经费（万元）"] == 36.8 and values["单位培训总人次"] == 88
    assert values["职工完训率"] == "40.00%" and values["单位在职总人数"] == 7
    assert values["年度计划执行率"] == "暂无数据" and values["单位职工总学时"] == "330小时"


def test_the_academy_lists_every_institute_and_exports_several(year, client):
    lock_year(year)
    _create(year)
    make_user(institute=year.imr, real_name="金属")
    lock_year(year, institute_admin=year.outsider_admin)
    summary_create(actor=year.outsider_admin, role=_role(year.outsider_admin), institute_id=year.imr.pk, year=YEAR)
    enter_admin(client, year.academy_admin)
    page = client.get("/manage/reports/summaries/").content.decode()
    assert "南京天文光学技术研究所" in page and "金属研究所" in page
    ids = list(AnnualSummary.objects.values_list("pk", flat=True))
    export = client.get("/manage/reports/summaries/", {"export": "xlsx", "ids": ids})
    book = openpyxl.load_workbook(io.BytesIO(b"".join(export.streaming_content)))
    assert sorted(book.sheetnames) == sorted([f"niaot-{YEAR}", f"imr-{YEAR}"])
    api = client.get("/api/v1/reports/summaries", {"year": YEAR}).json()
    assert {s["institute"] for s in api} == {"南京天文光学技术研究所", "金属研究所"}
    assert client.post(f"/manage/reports/summaries/{ids[0]}/", {"action": "refresh"}).status_code == 403
    outsider = Client()
    enter_admin(outsider, year.outsider_admin)
    niaot = AnnualSummary.objects.get(institute=year.niaot)
    assert outsider.get(f"/manage/reports/summaries/{niaot.pk}/").status_code == 404
    assert outsider.get(f"/api/v1/reports/summaries/{niaot.pk}").status_code == 404
    names = {s["institute"] for s in outsider.get("/api/v1/reports/summaries").json()}
    assert names == {"金属研究所"}


def test_the_api_creates_edits_refreshes_and_submits(year, client):
    enter_admin(client, year.institute_admin)
    early = client.post("/api/v1/reports/summaries", {"year": YEAR}, content_type="application/json")
    assert early.status_code == 409 and early.json()["code"] == "conflict"
    lock_year(year)
    created = client.post("/api/v1/reports/summaries", {"year": YEAR}, content_type="application/json")
    assert created.status_code == 201
    sid = created.json()["id"]
    assert created.json()["plan_rate_percent"] is None and created.json()["completion_rate_percent"] == "40.00"
    patched = client.patch(f"/api/v1/reports/summaries/{sid}", {"person_times": 5, "funding": "1.25"},
                           content_type="application/json")
    assert patched.status_code == 200 and patched.json()["funding"] == "1.25"
    assert client.patch(f"/api/v1/reports/summaries/{sid}", {"funding": "-1"},
                        content_type="application/json").status_code == 400
    assert client.post(f"/api/v1/reports/summaries/{sid}/refresh").status_code == 200
    assert client.post(f"/api/v1/reports/summaries/{sid}/submit").json()["status"] == "submitted"
    again = client.post(f"/api/v1/reports/summaries/{sid}/submit")
    assert again.status_code == 409 and again.json()["code"] == "locked"
