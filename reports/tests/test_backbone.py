"""骨干人才筛选上报表 (issue 13, "Rules that must come out exactly"): who is a candidate,
the required number and rate, the window, report/revoke, the lock and what it covers."""

import io
from datetime import date, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.http import Http404
from django.utils import timezone

from accounts.tests.factories import make_user
from conftest import enter_admin
from core.errors import DomainError, ErrorCode
from core.models import AuditEvent
from ledger.models import Policy
from ledger.queries import policy_for
from ledger.services import ledger_admin_reverse_posting, policy_seed_cas
from reports.models import BackboneNomination, BackboneReport, BackboneStatus
from reports.queries import AcademyBackbone, BackboneFigures, backbone_candidates, backbone_view
from reports.services import (
    backbone_lock,
    backbone_report_people,
    backbone_revoke_people,
    backbone_window_set,
)
from reports.tests.helpers import YEAR, H, credit

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def _role(user):
    return user.roles.get()


def open_window(cast, year=YEAR, *, opens=-1, closes=1):
    return backbone_window_set(actor=cast.academy_admin, role=_role(cast.academy_admin), year=year,
                               opens_on=TODAY + timedelta(days=opens), closes_on=TODAY + timedelta(days=closes))


def candidate_ids(cast, year=YEAR):
    people = cast.niaot.staff.filter(is_active=True)
    return {c.row.person_id for c in backbone_candidates(people, year, policy_for(cast.niaot, year))
            if c.qualifies}


def person(cast, name):
    return make_user(institute=cast.niaot, department=cast.dept_b, real_name=name)


# --- who is a candidate ------------------------------------------------------------------

def test_one_record_must_be_more_than_40_hours_and_the_total_reach_the_target(cast):
    just_40 = person(cast, "四十")
    credit(just_40, 40 * H)
    credit(just_40, 30 * H)
    credit(just_40, 30 * H)
    over_40 = person(cast, "四十零一")
    credit(over_40, 40 * H + 1)
    credit(over_40, 60 * H - 1)
    at_target = person(cast, "正好一百")
    credit(at_target, 41 * H)
    credit(at_target, 59 * H)
    below_target = person(cast, "差一分")
    credit(below_target, 41 * H)
    credit(below_target, 59 * H - 1)
    ids = candidate_ids(cast)
    assert just_40.pk not in ids  # exactly 40 h in one record is not enough
    assert over_40.pk in ids  # 40h01m is
    assert at_target.pk in ids  # hours exactly at the target qualify
    assert below_target.pk not in ids


def test_small_trainings_do_not_add_up_to_one_record(cast):
    many = person(cast, "五次十小时")
    for _ in range(5):
        credit(many, 10 * H)  # 50 h in five trainings
    credit(many, 50 * H, cap_class="self_study", kind="claim")
    credit(many, 40 * H, kind="admin")  # 补录 of a training, exactly 40 h
    assert many.pk not in candidate_ids(cast)


def test_one_posting_spread_over_months_is_one_record(cast):
    spread = person(cast, "跨月培训")
    credit(spread, 45 * H, start=date(YEAR, 3, 1), end=date(YEAR, 7, 31))  # 5 months, 9 h each
    credit(spread, 55 * H)
    assert spread.pk in candidate_ids(cast)


def small_trainings(p, hours=60):
    """Hours in projects of 20 h each: enough for the target, no record above 40 h."""
    for _ in range(hours // 20):
        credit(p, 20 * H)


def test_only_trainings_count_never_course_time_or_self_study(cast):
    course = person(cast, "课件")
    credit(course, 45 * H, cap_class="online", kind="course")
    small_trainings(course)
    self_study = person(cast, "自学")
    credit(self_study, 45 * H, cap_class="self_study", kind="claim")
    small_trainings(self_study)
    online_claim = person(cast, "其他网站")
    credit(online_claim, 45 * H, cap_class="online", kind="claim")
    small_trainings(online_claim)
    external = person(cast, "外部培训")
    credit(external, 45 * H, kind="claim")  # an external training claim (offline)
    small_trainings(external)
    admin = person(cast, "补录培训")
    credit(admin, 45 * H, kind="admin")  # 补录 of a training (offline)
    small_trainings(admin)
    online_project = person(cast, "线上项目")  # a project counts with all its hours, online ones too
    credit(online_project, 45 * H, cap_class="online")
    small_trainings(online_project)
    ids = candidate_ids(cast)
    assert course.pk not in ids and self_study.pk not in ids and online_claim.pk not in ids
    assert {external.pk, admin.pk, online_project.pk} <= ids


def test_a_reversed_record_no_longer_counts(cast):
    p = person(cast, "冲销")
    big = credit(p, 50 * H, kind="admin")
    credit(p, 50 * H, source="other")
    assert p.pk in candidate_ids(cast)
    ledger_admin_reverse_posting(actor=cast.institute_admin, role=_role(cast.institute_admin), person=p,
                                 source_kind="admin", source_id=big[0].source_id, reason="错录")
    assert p.pk not in candidate_ids(cast)


def test_the_cas_default_basis_is_total_hours_and_effective_is_a_policy_setting(cast):
    assert Policy._meta.get_field("backbone_basis").default == "total"
    p = person(cast, "网络学时多")
    credit(p, 45 * H)
    credit(p, 60 * H, cap_class="online", kind="course")  # total 105 h, effective 95 h
    assert policy_for(cast.niaot, YEAR).backbone_basis == "total"
    assert p.pk in candidate_ids(cast)
    policy = policy_seed_cas(cast.academy, YEAR)
    assert policy.backbone_basis == "total"
    Policy.objects.filter(pk=policy.pk).update(backbone_basis="effective")
    assert p.pk not in candidate_ids(cast)


# --- required number and rate ------------------------------------------------------------

@pytest.mark.parametrize("staff, reported, required, rate", [
    (130, 3, 6, "57.69"),  # 130 × 4% = 5.2 → 6 people; 3 / 5.2
    (100, 4, 4, "100.00"),
    (25, 1, 1, "100.00"),  # 1.0
    (26, 1, 2, "96.15"),  # 1.04 → 2; 1 / 1.04
    (1, 0, 1, "0.00"),
])
def test_required_is_rounded_up_and_the_rate_divides_by_the_unrounded_figure(staff, reported, required, rate):
    f = BackboneFigures(staff=staff, ratio_permille=40, reported=reported)
    assert f.required == required and str(f.rate) == rate
    assert BackboneFigures(0, 40, 0).rate is None  # no staff: no rate, never 0%


def test_the_academy_total_is_the_sum_of_its_institutes():
    parts = [BackboneFigures(130, 40, 3), BackboneFigures(26, 40, 1), BackboneFigures(70, 40, 2)]
    total = AcademyBackbone(parts=parts)
    assert total.staff == 226 and total.reported == 6
    assert total.required == 6 + 2 + 3 == sum(p.required for p in parts)
    assert total.required_exact == Decimal("9.04")
    assert str(total.rate) == "66.37"  # 6 / 9.04


def test_130_staff_and_3_reported_show_6_and_57_69_percent(cast, client):
    for _ in range(130 - cast.niaot.staff.count()):
        make_user(institute=cast.niaot)
    reported = [person(cast, f"骨干{i}") for i in range(3)]
    for p in reported:
        credit(p, 100 * H)
    open_window(cast)
    role = _role(cast.institute_admin)
    assert backbone_report_people(actor=cast.institute_admin, role=role, institute_id=cast.niaot.pk,
                                  year=YEAR, person_ids=[p.pk for p in reported]) == 3
    enter_admin(client, cast.institute_admin)
    data = client.get("/api/v1/reports/backbone", {"year": YEAR}).json()
    assert data["figures"] == {"staff": 133, "ratio_permille": 40, "required": 6, "required_exact": "5.32",
                               "reported": 3, "rate_percent": "56.39"}
    # 133 because the three were added: take three away to make it 130 exactly
    for u in cast.niaot.staff.exclude(pk__in=[p.pk for p in reported]).filter(roles__isnull=True)[:3]:
        u.is_active = False
        u.save(update_fields=["is_active"])
    data = client.get("/api/v1/reports/backbone", {"year": YEAR}).json()
    assert (data["figures"]["staff"], data["figures"]["required"], data["figures"]["rate_percent"]) == (130, 6, "57.69")
    page = client.get("/manage/reports/backbone/", {"year": YEAR}).content.decode()
    assert 'data-testid="required"' in page and ">6<" in page and "57.69%" in page


# --- window, report, revoke, lock --------------------------------------------------------

@pytest.fixture
def two(cast):
    a, b, c = person(cast, "甲"), person(cast, "乙"), person(cast, "丙")
    for p in (a, b):
        credit(p, 100 * H)
    credit(c, 20 * H)  # not a candidate
    cast.a, cast.b, cast.c = a, b, c
    return cast


def _report(cast, ids, **kw):
    return backbone_report_people(actor=cast.institute_admin, role=_role(cast.institute_admin),
                                  institute_id=cast.niaot.pk, year=kw.get("year", YEAR), person_ids=ids)


def _revoke(cast, ids):
    return backbone_revoke_people(actor=cast.institute_admin, role=_role(cast.institute_admin),
                                  institute_id=cast.niaot.pk, year=YEAR, person_ids=ids)


def _lock(cast, year=YEAR):
    return backbone_lock(actor=cast.institute_admin, role=_role(cast.institute_admin),
                         institute_id=cast.niaot.pk, year=year)


def _code(call):
    with pytest.raises(DomainError) as exc:
        call()
    return exc.value.code


def test_report_and_revoke_only_inside_the_window(two):
    assert _code(lambda: _report(two, [two.a.pk])) == ErrorCode.WINDOW_CLOSED  # no window yet
    open_window(two, opens=1, closes=5)  # opens tomorrow
    assert _code(lambda: _report(two, [two.a.pk])) == ErrorCode.WINDOW_CLOSED
    open_window(two, opens=-5, closes=-1)  # closed yesterday
    assert _code(lambda: _report(two, [two.a.pk])) == ErrorCode.WINDOW_CLOSED
    open_window(two, opens=0, closes=0)  # today only: inclusive
    assert _report(two, [two.a.pk, two.b.pk]) == 2
    assert _report(two, [two.a.pk]) == 0  # already reported: nothing changes
    assert _revoke(two, [two.b.pk]) == 1
    open_window(two, opens=-5, closes=-1)
    assert _code(lambda: _revoke(two, [two.a.pk])) == ErrorCode.WINDOW_CLOSED
    assert list(BackboneNomination.objects.values_list("person_id", flat=True)) == [two.a.pk]


def test_a_batch_is_all_or_nothing(two):
    open_window(two)
    assert _code(lambda: _report(two, [two.a.pk, two.c.pk])) == ErrorCode.CONFLICT  # 丙 is no candidate
    assert _code(lambda: _report(two, [two.a.pk, two.outsider_learner.pk])) == ErrorCode.NOT_FOUND
    assert not BackboneNomination.objects.exists()
    _report(two, [two.a.pk])
    assert _code(lambda: _revoke(two, [two.a.pk, two.b.pk])) == ErrorCode.NOT_FOUND  # 乙 not reported
    assert BackboneNomination.objects.count() == 1


def test_the_lock_is_for_good_and_covers_the_report_and_the_policy(two):
    policy = policy_seed_cas(two.academy, YEAR)
    open_window(two)
    _report(two, [two.a.pk, two.b.pk])
    report = _lock(two)
    assert report.status == BackboneStatus.LOCKED and report.locked_by == two.institute_admin
    assert report.figures == {"staff": 8, "ratio_permille": 40, "reported": 2}
    assert _code(lambda: _report(two, [two.a.pk])) == ErrorCode.LOCKED
    assert _code(lambda: _revoke(two, [two.a.pk])) == ErrorCode.LOCKED
    assert _code(lambda: _lock(two)) == ErrorCode.LOCKED
    open_window(two, opens=-3, closes=3)  # the academy moving the window reopens nothing
    assert _code(lambda: _report(two, [two.a.pk])) == ErrorCode.LOCKED
    policy.refresh_from_db()
    assert policy.locked_at is not None  # the year's rules are final too
    # Later postings change the live list, never the locked report's figures.
    make_user(institute=two.niaot)
    credit(two.c, 90 * H)
    view = backbone_view(two.niaot, YEAR)
    assert (view.figures.staff, view.figures.reported) == (8, 2)
    assert BackboneNomination.objects.get(person=two.a).total_minutes == 100 * H
    assert AuditEvent.objects.filter(action="backbone_report.locked").count() == 1
    assert AuditEvent.objects.filter(action="backbone.reported").count() == 2


def test_the_lock_needs_the_window_to_have_opened(two):
    assert _code(lambda: _lock(two)) == ErrorCode.WINDOW_CLOSED
    open_window(two, opens=2, closes=4)
    assert _code(lambda: _lock(two)) == ErrorCode.WINDOW_CLOSED
    assert not BackboneReport.objects.filter(status=BackboneStatus.LOCKED).exists()


def test_who_may_report_lock_and_open_windows(two):
    open_window(two)
    for user in (two.academy_admin, two.dept_admin, two.class_admin):
        assert _code(lambda u=user: backbone_report_people(
            actor=u, role=_role(u), institute_id=two.niaot.pk, year=YEAR, person_ids=[two.a.pk])) \
            in (ErrorCode.FORBIDDEN, ErrorCode.NOT_FOUND)
    with pytest.raises(Http404):
        backbone_report_people(actor=two.outsider_admin, role=_role(two.outsider_admin),
                               institute_id=two.niaot.pk, year=YEAR, person_ids=[two.a.pk])
    assert _code(lambda: backbone_window_set(
        actor=two.institute_admin, role=_role(two.institute_admin), year=YEAR, opens_on=TODAY,
        closes_on=TODAY)) == ErrorCode.FORBIDDEN
    assert not BackboneNomination.objects.exists()


# --- pages, API and export ---------------------------------------------------------------

def test_the_page_reports_in_batch_locks_and_exports(two, client):
    open_window(two)
    enter_admin(client, two.institute_admin)
    page = client.get("/manage/reports/backbone/", {"year": YEAR}).content.decode()
    assert "甲" in page and "乙" in page and "丙" not in page and 'data-testid="report"' in page
    response = client.post("/manage/reports/backbone/", {"year": YEAR, "action": "report",
                                                         "ids": [two.a.pk, two.b.pk]})
    assert response.status_code == 302
    assert BackboneNomination.objects.count() == 2
    confirm = client.post("/manage/reports/backbone/", {"year": YEAR, "action": "lock"})
    assert 'data-testid="confirm"' in confirm.content.decode() and not BackboneReport.objects.get().locked
    client.post("/manage/reports/backbone/", {"year": YEAR, "action": "lock", "confirmed": "1"})
    page = client.get("/manage/reports/backbone/", {"year": YEAR}).content.decode()
    assert "已完成上报" in page and 'data-testid="report"' not in page
    export = client.get("/manage/reports/backbone/export/", {"year": YEAR})
    book = openpyxl.load_workbook(io.BytesIO(b"".join(export.streaming_content)))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][0].endswith("年度骨干人才培训表") and "已完成上报" in rows[1]
    names = [r[1] for r in rows[3:]]
    assert sorted(names) == sorted(["甲", "乙"]) and rows[3][-1] == 100.0


def test_the_api_reports_revokes_locks_and_the_academy_sees_every_institute(two, client):
    open_window(two)
    enter_admin(client, two.institute_admin)
    ok = client.post("/api/v1/reports/backbone/report", {"year": YEAR, "person_ids": [two.a.pk, two.b.pk]},
                     content_type="application/json")
    assert ok.status_code == 200 and ok.json() == {"count": 2}
    bad = client.post("/api/v1/reports/backbone/report", {"year": YEAR, "person_ids": [two.c.pk]},
                      content_type="application/json")
    assert bad.status_code == 409 and bad.json()["code"] == "conflict"
    assert client.post("/api/v1/reports/backbone/revoke", {"year": YEAR, "person_ids": [two.b.pk]},
                       content_type="application/json").json() == {"count": 1}
    data = client.get("/api/v1/reports/backbone", {"year": YEAR}).json()
    a = next(c for c in data["candidates"] if c["person_id"] == two.a.pk)
    assert a == {"person_id": two.a.pk, "name": "甲", "employee_no": "", "department": "机械部",
                 "total_minutes": 100 * H, "effective_minutes": 100 * H, "largest_single_minutes": 100 * H,
                 "qualifies": True, "reported": True}
    assert data["status"] == "open" and data["basis"] == "total" and data["window_open"] is True
    locked = client.post("/api/v1/reports/backbone/lock", {"year": YEAR}, content_type="application/json")
    assert locked.status_code == 200 and locked.json()["reported"] == 1
    again = client.post("/api/v1/reports/backbone/revoke", {"year": YEAR, "person_ids": [two.a.pk]},
                        content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "locked"

    academy = client.__class__()
    enter_admin(academy, two.academy_admin)
    data = academy.get("/api/v1/reports/backbone/institutes", {"year": YEAR}).json()
    by_name = {i["name"]: i for i in data["institutes"]}
    assert by_name["南京天文光学技术研究所"]["status"] == "locked"
    assert data["total"]["staff"] == sum(i["figures"]["staff"] for i in data["institutes"])
    assert data["total"]["reported"] == sum(i["figures"]["reported"] for i in data["institutes"]) == 1
    assert data["total"]["required"] == sum(i["figures"]["required"] for i in data["institutes"])
    page = academy.get("/manage/reports/backbone/", {"year": YEAR}).content.decode()
    assert "金属研究所" in page and 'data-testid="academy-total"' in page
    assert academy.get("/manage/reports/backbone/", {"year": YEAR, "institute": two.niaot.pk}).status_code == 200
    assert academy.post("/manage/reports/backbone/", {"year": YEAR, "action": "lock"}).status_code == 403
    outsider = client.__class__()
    enter_admin(outsider, two.outsider_admin)
    assert outsider.get("/api/v1/reports/backbone", {"year": YEAR, "institute": two.niaot.pk}).status_code == 404
    assert outsider.get("/manage/reports/backbone/export/", {"year": YEAR, "institute": two.niaot.pk}
                        ).status_code == 404


def test_the_window_page_and_api_belong_to_the_academy(cast, client):
    enter_admin(client, cast.academy_admin)
    response = client.post("/manage/reports/backbone/window/", {
        "year": YEAR, "opens_on": TODAY.isoformat(), "closes_on": (TODAY + timedelta(days=9)).isoformat()})
    assert response.status_code == 302
    put = client.put("/api/v1/reports/backbone/window", {"year": YEAR, "opens_on": TODAY.isoformat(),
                                                         "closes_on": (TODAY - timedelta(days=1)).isoformat()},
                     content_type="application/json")
    assert put.status_code == 400 and put.json()["field"] == "closes_on"
    assert client.get("/api/v1/reports/backbone/window").json()[0]["closes_on"] == (TODAY + timedelta(days=9)).isoformat()
    other = client.__class__()
    enter_admin(other, cast.institute_admin)
    assert other.get("/manage/reports/backbone/window/").status_code == 403
