"""The ledger's pages: banner, 我的学习, 我的档案, drill-down, print, admin tools, policy."""

import re
from datetime import date

import pytest
from django.utils import timezone

from conftest import enter_admin, login
from ledger.models import LedgerEntry, Policy
from ledger.services import ledger_credit, policy_lock, policy_seed_cas

pytestmark = pytest.mark.django_db
H = 60
YEAR = timezone.localdate().year


def credit(person, cls, minutes, start, sid, kind="claim", **kw):
    return ledger_credit(person=person, cap_class=cls, minutes=minutes, start=start,
                         source_kind=kind, source_id=sid, **kw)


@pytest.fixture
def seed001(cast):
    p = cast.learner
    credit(p, "online", 10, date(2016, 3, 1), "c1", kind="course", source_label="标准、质量体系与我")
    credit(p, "offline", 12 * H, date(2016, 5, 5), "p1", kind="project", category="management",
           end=date(2016, 5, 7), source_label="干部教育培训工作条例培训",
           details={"place": "丹东", "form": "混合培训", "organiser": "沈阳分院",
                    "start": "2016-05-05", "end": "2016-05-07"})
    credit(p, "offline", 32 * H, date(2016, 4, 6), "p2", kind="project", category="short_course")
    credit(p, "self_study", 48 * H, date(2016, 6, 1), "s1", source_label="读书")
    return cast


def test_banner_text_exactly(cast, client):
    credit(cast.learner, "offline", 16 * H + 10, date(YEAR, 1, 10), "b1")
    login(client, cast.learner)
    html = client.get("/").content.decode()
    assert f"{YEAR}年度您已完成16小时10分,再学83小时50分将达到100学时的目标" in html
    assert f"{YEAR}年度您已完成16小时10分" in client.get("/learning/").content.decode()


def test_banner_when_target_met(cast, client):
    credit(cast.learner, "offline", 100 * H + 10, date(YEAR, 1, 10), "b2")
    login(client, cast.learner)
    assert f"{YEAR}年度您已完成100小时10分,已达到100学时的目标" in client.get("/").content.decode()


def test_archive_seed_001(seed001, client):
    login(client, seed001.learner)
    html = client.get("/learning/archive/?start=2016-01&end=2016-12").content.decode()
    assert "培训总时长" in html and "92小时10分" in html and "54小时10分" in html
    assert "网络学时" in html and "0小时10分" in html and "在职自学" in html and "48小时" in html
    assert "(有效学时10小时)" in html
    assert "干部教育培训工作条例培训" in html and "丹东" in html and "沈阳分院" in html
    assert "培训项目2个" in html.replace(" ", "")
    assert 'id="archive-data"' in html


def test_archive_range_changes_totals(seed001, client):
    login(client, seed001.learner)
    html = client.get("/learning/archive/?start=2016-06&end=2016-12").content.decode()
    assert "48小时" in html and "92小时10分" not in html


@pytest.mark.parametrize("query", ["start=2016-13&end=2016-12", "start=2016-05&end=2016-01",
                                   "start=1990-01&end=2016-12", "start=garbage"])
def test_archive_bad_range_is_a_form_error(seed001, client, query):
    login(client, seed001.learner)
    response = client.get(f"/learning/archive/?{query}")
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()


def test_drill_down_shows_cap(seed001, client):
    login(client, seed001.learner)
    html = client.get("/learning/archive/entries/?start=2016-01&end=2016-12&cap_class=self_study",
                      HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in html and "读书" in html and "48小时" in html
    assert 'data-testid="cap-note"' in html and "38小时" in html


def test_every_count_and_row_drills_down_to_its_entries(seed001, client):
    login(client, seed001.learner)
    html = client.get("/learning/archive/?start=2016-01&end=2016-12").content.decode()
    assert 'data-testid="drill-projects"' in html and 'data-testid="drill-claims-self_study"' in html
    # Seed 001 has a self-study claim only: one claims line, named after the policy's class.
    assert "在职自学外部学习1项" in html and 'data-testid="drill-claims-online"' not in html
    expectations = {"source_kind=project": ("干部教育培训工作条例培训", "读书"),
                    "source_kind=claim&cap_class=self_study": ("读书", "干部教育培训工作条例培训"),
                    "source_kind=course": ("标准、质量体系与我", "读书"),
                    "source_kind=project&source_id=p1": ("干部教育培训工作条例培训", "p2")}
    for query, (shown, hidden) in expectations.items():
        assert query.replace("&", "&amp;") in html, query
        body = client.get(f"/learning/archive/entries/?start=2016-01&end=2016-12&{query}",
                          HTTP_HX_REQUEST="true").content.decode()
        assert shown in body and hidden not in body, query


def test_policy_categories_are_edited_and_locked(cast, client):
    enter_admin(client, cast.academy_admin)
    client.post(f"/manage/policy/{YEAR}/", {"action": "create", "ruleset": "cas"})
    policy = Policy.objects.get(org=cast.academy, year=YEAR)
    response = client.post(f"/manage/policy/{YEAR}/", {
        "action": "category", "cat-code": "overseas_training", "cat-name": "境外培训",
        "cat-cap_class": "offline", "cat-kind": "training_category"})
    assert response.status_code == 302
    assert policy.categories.get(code="overseas_training").cap_class.code == "offline"
    bad = client.post(f"/manage/policy/{YEAR}/", {
        "action": "category", "cat-code": "x", "cat-name": "x", "cat-cap_class": "magic",
        "cat-kind": "subject"})
    assert bad.status_code == 200 and not policy.categories.filter(code="x").exists()
    policy_lock(actor=None, policy=policy, reason="骨干人才已完成上报")
    client.post(f"/manage/policy/{YEAR}/", {
        "action": "category", "cat-code": "late", "cat-name": "迟到的类别",
        "cat-cap_class": "offline", "cat-kind": "training_category"})
    assert not policy.categories.filter(code="late").exists()


def test_print_view(seed001, client):
    login(client, seed001.learner)
    html = client.get("/learning/archive/print/?start=2016-01&end=2016-12").content.decode()
    assert "print.css" in html and "92小时10分" in html and "<nav" not in html


def test_learner_without_institute_gets_404(cast, client):
    login(client, cast.academy_admin)
    assert client.get("/learning/archive/").status_code == 404


def test_admin_sees_person_archive_in_scope_only(seed001, client):
    enter_admin(client, seed001.institute_admin)
    html = client.get(f"/manage/staff/{seed001.learner.pk}/archive/?start=2016-01&end=2016-12").content.decode()
    assert "92小时10分" in html and "张三" in html
    client.post("/logout/")
    enter_admin(client, seed001.outsider_admin)
    assert client.get(f"/manage/staff/{seed001.learner.pk}/archive/").status_code == 404
    assert client.get(f"/manage/staff/{seed001.learner.pk}/archive/entries/").status_code == 404


def test_admin_credit_and_reverse_pages(cast, client):
    enter_admin(client, cast.institute_admin)
    url = f"/manage/staff/{cast.learner.pk}/archive/credit/"
    bad = client.post(url, {"credit-cap_class": "offline", "credit-hours": "-3",
                            "credit-start": f"{YEAR}-03-01", "credit-reason": "x"})
    assert bad.status_code == 400 and 'data-field="hours"' in bad.content.decode()
    ok = client.post(url, {"credit-cap_class": "offline", "credit-hours": "4",
                           "credit-start": f"{YEAR}-03-01", "credit-reason": "所内讲座补录"})
    assert ok.status_code == 302
    entry = LedgerEntry.objects.get(person=cast.learner)
    assert entry.minutes == 240 and entry.credited_by == cast.institute_admin
    response = client.post(f"/manage/staff/{cast.learner.pk}/archive/entries/{entry.pk}/reverse/",
                           {"reason": ""})
    assert response.status_code == 400 and LedgerEntry.objects.count() == 1
    client.post(f"/manage/staff/{cast.learner.pk}/archive/entries/{entry.pk}/reverse/", {"reason": "录错"})
    assert LedgerEntry.objects.filter(reverses=entry).exists()


def test_credit_form_posted_twice_credits_once(cast, client):
    """A double click or a browser resubmit sends the form's one-time key again."""
    enter_admin(client, cast.institute_admin)
    page = client.get(f"/manage/staff/{cast.learner.pk}/archive/").content.decode()
    key = re.search(r'name="credit-request_key" value="([0-9a-f]{32})"', page).group(1)
    url = f"/manage/staff/{cast.learner.pk}/archive/credit/"
    data = {"credit-cap_class": "offline", "credit-hours": "4", "credit-start": f"{YEAR}-03-01",
            "credit-reason": "所内讲座补录", "credit-request_key": key}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert LedgerEntry.objects.filter(person=cast.learner).count() == 1
    # A freshly rendered form carries a new key, so a second real credit is possible.
    again = client.get(f"/manage/staff/{cast.learner.pk}/archive/").content.decode()
    assert re.search(r'name="credit-request_key" value="([0-9a-f]{32})"', again).group(1) != key
    bad = client.post(url, {**data, "credit-request_key": "../../x"})
    assert bad.status_code == 400 and LedgerEntry.objects.filter(person=cast.learner).count() == 1


def test_outsider_cannot_credit_or_reverse(cast, client):
    entry = credit(cast.learner, "offline", 60, date(YEAR, 1, 1), "x1")[0]
    enter_admin(client, cast.outsider_admin)
    assert client.post(f"/manage/staff/{cast.learner.pk}/archive/credit/", {
        "credit-cap_class": "offline", "credit-hours": "4", "credit-start": f"{YEAR}-03-01",
        "credit-reason": "x"}).status_code == 404
    assert client.post(f"/manage/staff/{cast.learner.pk}/archive/entries/{entry.pk}/reverse/",
                       {"reason": "x"}).status_code == 404
    assert LedgerEntry.objects.count() == 1


def test_policy_page_for_academy_admin(cast, client):
    enter_admin(client, cast.academy_admin)
    assert "默认" in client.get(f"/manage/policy/{YEAR}/").content.decode()
    client.post(f"/manage/policy/{YEAR}/", {"action": "create", "ruleset": "cas"})
    policy = Policy.objects.get(org=cast.academy, year=YEAR)
    client.post(f"/manage/policy/{YEAR}/", {"action": "class", "cls-code": "overseas",
                                            "cls-name": "公派留学", "cls-cap_hours": "100"})
    assert policy.classes.get(code="overseas").cap_minutes == 100 * H
    response = client.post(f"/manage/policy/{YEAR}/", {
        "action": "policy", "policy-annual_target_hours": "120", "policy-backbone_single_min_hours": "40",
        "policy-backbone_ratio_permille": "40", "policy-backbone_basis": "total",
        "policy-chapter_threshold_percent": "60", "policy-heartbeat_seconds": "30",
        "policy-hours_display": "hm"})
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.annual_target_minutes == 120 * H and policy.backbone_basis == "total"


def test_locked_policy_refuses_changes(cast, client):
    policy = policy_seed_cas(cast.academy, YEAR)
    policy_lock(actor=None, policy=policy, reason="骨干人才已完成上报")
    enter_admin(client, cast.academy_admin)
    html = client.get(f"/manage/policy/{YEAR}/").content.decode()
    assert 'data-testid="locked"' in html
    client.post(f"/manage/policy/{YEAR}/", {"action": "class", "cls-code": "x", "cls-name": "x",
                                            "cls-cap_hours": "1"})
    assert not policy.classes.filter(code="x").exists()
    from core.errors import DomainError
    from ledger.services import policy_update

    with pytest.raises(DomainError) as exc:
        policy_update(actor=cast.academy_admin, role=cast.academy_admin.roles.get(), policy=policy,
                      annual_target_minutes=1)
    assert exc.value.code == "locked" and exc.value.status == 409


def test_policy_page_roles(cast, client):
    enter_admin(client, cast.institute_admin)
    assert client.get(f"/manage/policy/{YEAR}/").status_code == 403
