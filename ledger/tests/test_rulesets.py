"""Rules are data: the CAST-like rule set (seed 003) next to the CAS one, each academy on
its own policy, and the archive's hours per subject."""

from datetime import date

import pytest
from django.test import Client

from conftest import login
from core.errors import DomainError
from ledger.models import CapClass, Category, Policy
from ledger.queries import archive_for, policy_for
from ledger.services import ledger_credit, policy_seed_cas, policy_seed_cast
from orgs.models import OrgKind
from orgs.tests.factories import make_org

pytestmark = pytest.mark.django_db
H = 60
YEAR = 2026


@pytest.fixture
def cast_school(cast):
    """niaot stays on the CAS rules; a second academy runs the CAST rules."""
    top = make_org(OrgKind.ACADEMY, name="中国科协")
    office = make_org(OrgKind.INSTITUTE, top, name="中国科协机关", abbr="castorg")
    from accounts.tests.factories import make_user

    cast.party_learner = make_user(login_name="castorg-liming", real_name="李明", institute=office,
                                   employee_no="C001")
    policy_seed_cas(cast.academy, YEAR)
    policy_seed_cast(top, YEAR)
    # The CAST rule set ships no caps (seed 003 gives none); these tests set the online cap
    # at 50 h as the demo does (test_cast_unset.py covers the unset numbers).
    CapClass.objects.filter(policy__org=top, code="online").update(cap_minutes=50 * H, cap_set=True)
    cast.cast_top = top
    return cast


def test_cast_rules_have_subjects_and_no_self_study(cast_school):
    rules = policy_for(cast_school.party_learner.institute, YEAR)
    assert [c.code for c in rules.classes] == ["online", "offline"]
    assert rules.cap("online") == 50 * H and rules.cap("offline") is None
    subjects = Category.objects.filter(policy__org=cast_school.cast_top, policy__year=YEAR)
    # Seed 003: nine 培训科目, and the 培训分类 its claim form asks for beside them.
    assert subjects.filter(kind="subject").count() == 9
    assert set(subjects.values_list("kind", flat=True)) == {"subject", "training_category"}
    assert [s.code for s in rules.subjects("offline")] == [
        "party_theory", "party_study", "special", "cast_events", "other_onsite"]
    assert "党的基本理论和党性教育培训" in {c.name for c in rules.categories}
    # The CAS academy keeps its own three classes in the same year.
    cas = policy_for(cast_school.learner.institute, YEAR)
    assert [c.code for c in cas.classes] == ["online", "self_study", "offline"]
    assert Policy.objects.filter(year=YEAR).count() == 2


def test_self_study_is_refused_under_cast_rules(cast_school):
    with pytest.raises(DomainError) as err:
        ledger_credit(person=cast_school.party_learner, cap_class="self_study", minutes=60,
                      start=date(YEAR, 3, 1), source_kind="admin", source_id="x")
    assert err.value.field == "cap_class"
    # The same credit is fine for a CAS person.
    ledger_credit(person=cast_school.learner, cap_class="self_study", minutes=60,
                  start=date(YEAR, 3, 1), source_kind="admin", source_id="x")


def test_archive_shows_hours_per_subject_and_caps_online(cast_school):
    p = cast_school.party_learner
    for n, (cls, subject, hours) in enumerate([("offline", "party_theory", 24),
                                               ("offline", "special", 8),
                                               ("online", "cloud", 30),
                                               ("online", "school_online", 28)]):
        ledger_credit(person=p, cap_class=cls, minutes=hours * H, category=subject,
                      start=date(YEAR, 1 + n, 1), source_kind="admin", source_id=f"c{n}")
    archive = archive_for(p, (YEAR, 1), (YEAR, 12))
    assert archive.by_category == {
        "党的基本理论和党性教育培训": 24 * H, "专项培训": 8 * H,
        "\u201c科协党建云\u201d平台在线学习": 30 * H, "党校平台中的线上专题培训班和网络课程": 28 * H}
    assert archive.total == 90 * H and archive.effective == 32 * H + 50 * H
    client = Client()
    login(client, p)
    page = client.get(f"/learning/archive/?start={YEAR}-01&end={YEAR}-12").content.decode()
    # Seed 003's archive: decimal 学时, a block per class listing every subject (zeros
    # too), the tables 线下培训情况 / 线上培训情况; nothing of the CAS layout.
    assert 'data-testid="archive-cast"' in page and 'data-testid="archive-summary"' not in page
    online = page.split('data-testid="block-online"')[1].split('data-testid="block-offline"')[0]
    offline = page.split('data-testid="block-offline"')[1].split("</section>")[0]
    assert "58.0学时" in online and "党校平台中的线上专题培训班和网络课程 <span class=\"num\">28.0学时" in online
    assert "组织人事部认可的其他网络培训 <span class=\"num\">0.0学时" in online
    assert "党的基本理论和党性教育培训 <span class=\"num\">24.0学时" in offline
    assert "党组织集体学习、党课学习 <span class=\"num\">0.0学时" in offline
    assert "(有效学时 50.0学时)" in online
    tables = page.split('data-testid="table-offline"')[1]
    assert tables.index("线上培训") > 0 and "24.0学时" in tables.split('data-testid="table-online"')[0]
    assert "小时" not in page.split("<main")[1]
    # The CAS learner's archive keeps hours and minutes.
    client = Client()
    login(client, cast_school.learner)
    page = client.get(f"/learning/archive/?start={YEAR}-01&end={YEAR}-12").content.decode()
    assert 'data-testid="archive-summary"' in page and 'data-testid="archive-cast"' not in page


def test_academy_figures_use_each_academys_rules_in_constant_queries(cast_school,
                                                                    django_assert_max_num_queries):
    from ledger.queries import totals_by_person

    for n, person in enumerate([cast_school.learner, cast_school.party_learner]):
        ledger_credit(person=person, cap_class="online", minutes=60 * H, start=date(YEAR, 2, 1),
                      source_kind="admin", source_id=f"o{n}")
    ledger_credit(person=cast_school.learner, cap_class="self_study", minutes=12 * H,
                  start=date(YEAR, 2, 1), source_kind="admin", source_id="s")
    people = [cast_school.learner.pk, cast_school.party_learner.pk, cast_school.colleague.pk]
    # Two reads (totals, people's academies) and the rules of each academy seen.
    with django_assert_max_num_queries(2 + 2 * 3):
        figures = totals_by_person(people, YEAR, with_classes=True)
    assert figures[cast_school.learner.pk] == {
        "total": 72 * H, "effective": 60 * H, "classes": {"online": 60 * H, "self_study": 12 * H}}
    assert figures[cast_school.party_learner.pk]["effective"] == 50 * H
    assert cast_school.colleague.pk not in figures
    by_month = totals_by_person(people, YEAR, months=(3, 12))
    assert by_month == {}


def test_cast_learners_choose_the_year_of_a_claim_cas_learners_do_not(cast_school):
    assert policy_for(cast_school.party_learner.institute, YEAR).claim_year_chosen is True
    assert policy_for(cast_school.learner.institute, YEAR).claim_year_chosen is False
    assert Policy.objects.get(org=cast_school.cast_top, year=YEAR).claim_year_chosen is True


def test_choosing_the_year_is_edited_on_the_policy_page_and_shown_by_the_api(cast_school, client):
    from conftest import enter_admin

    enter_admin(client, cast_school.academy_admin)
    form = {"action": "policy", "policy-annual_target_hours": "100",
            "policy-backbone_single_min_hours": "40", "policy-backbone_ratio_permille": "40",
            "policy-backbone_basis": "effective", "policy-chapter_threshold_percent": "60",
            "policy-heartbeat_seconds": "30", "policy-hours_display": "hm"}
    assert 'name="policy-claim_year_chosen"' in client.get(f"/manage/policy/{YEAR}/").content.decode()
    assert client.post(f"/manage/policy/{YEAR}/", {**form, "policy-claim_year_chosen": "on"}
                       ).status_code == 302
    assert policy_for(cast_school.learner.institute, YEAR).claim_year_chosen is True
    body = client.get(f"/api/v1/ledger/policy/{YEAR}").json()
    assert body["claim_year_chosen"] is True
    assert client.post(f"/manage/policy/{YEAR}/", form).status_code == 302  # unticked
    assert policy_for(cast_school.learner.institute, YEAR).claim_year_chosen is False


def test_archive_page_takes_its_classes_from_the_policy(cast_school):
    """No class code is written into the archive page: a CAST learner's page has no
    self-study line, an academy's own 公派留学 class gets its line and its column."""
    from ledger.services import cap_class_upsert

    p = cast_school.party_learner
    ledger_credit(person=p, cap_class="online", minutes=3 * H, category="cloud",
                  start=date(YEAR, 2, 1), source_kind="claim", source_id="k1")
    client = Client()
    login(client, p)
    page = client.get(f"/learning/archive/?start={YEAR}-01&end={YEAR}-12").content.decode()
    table = page.split('data-testid="table-online"')[1].split("</table>")[0]
    assert "3.0学时" in table and "“科协党建云”平台在线学习" in table and "在职自学" not in page
    policy = Policy.objects.get(org=cast_school.academy, year=YEAR)
    cap_class_upsert(actor=cast_school.academy_admin, role=cast_school.academy_admin.roles.get(),
                     policy=policy, code="overseas", name="公派留学", cap_minutes=100 * H)
    ledger_credit(person=cast_school.learner, cap_class="overseas", minutes=30 * H,
                  start=date(YEAR, 3, 1), source_kind="claim", source_id="k2")
    ledger_credit(person=cast_school.learner, cap_class="overseas", minutes=20 * H,
                  start=date(YEAR, 3, 1), source_kind="project", source_id="k3", source_label="访学")
    login(client, cast_school.learner)
    page = client.get(f"/learning/archive/?start={YEAR}-01&end={YEAR}-12").content.decode()
    assert "公派留学外部学习1项" in page and "<th>公派留学</th>" in page
