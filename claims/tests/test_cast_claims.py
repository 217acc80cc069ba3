"""The claim pages under the CAST rules (seed 003): 我的学时补录 with the tabs 外部现场培训 and
外部网络培训, a form with 培训分类 and 培训科目 as two required choices from the policy, and
hours shown as decimal 学时; the CAS pages keep their own names and 小时/分."""

import re

import pytest

from claims.models import Claim, ClaimStatus
from claims.services import claim_create
from claims.tests.helpers import YEAR, claim_data
from conftest import login
from core.minutes import format_minutes, hours_display
from ledger.services import policy_seed_cas, policy_seed_cast

pytestmark = pytest.mark.django_db

NEW = "/learning/external/external_training/new/"


@pytest.fixture
def cast_rules(cast):
    policy_seed_cast(cast.academy, YEAR)
    return cast


def _select(page: str, name: str) -> str:
    match = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert match, f"no <select name={name!r}>"
    return match.group(0)


def _post(client, **overrides):
    data = {"year": str(YEAR), "name": "科技社团治理专项培训", "category": "cast_business",
            "subject": "special", "start": f"{YEAR}-03-10", "end": f"{YEAR}-03-12", "hours": "8",
            "mins": "", "organiser": "组织人事部", "action": "save"}
    data.update(overrides)
    return client.post(NEW, data)


def test_cast_form_has_two_required_choices_from_the_policy(cast_rules, client):
    login(client, cast_rules.learner)
    page = client.get(NEW).content.decode()
    category, subject = _select(page, "category"), _select(page, "subject")
    assert "required" in category and "required" in subject
    assert "业务培训" in category and "党的基本理论和党性教育培训" not in category
    assert "党的基本理论和党性教育培训" in subject and "专项培训" in subject
    # Only the on-site subjects on the on-site form; no free-text subject field.
    assert "“科协党建云”平台在线学习" not in subject
    assert not re.search(r'<input[^>]*name="subject"', page)
    assert "培训分类" in page and "培训科目" in page
    online = client.get("/learning/external/online/new/").content.decode()
    assert "“科协党建云”平台在线学习" in _select(online, "subject")
    assert "党的基本理论和党性教育培训" not in _select(online, "subject")


@pytest.mark.parametrize("field, value", [("subject", ""), ("subject", "free text"),
                                          ("subject", "cloud"), ("category", "")])
def test_cast_form_refuses_a_missing_or_foreign_choice(cast_rules, client, field, value):
    login(client, cast_rules.learner)
    response = _post(client, **{field: value})
    assert response.status_code == 400
    assert f'class="error" data-field="{field}"' in response.content.decode()
    assert not Claim.objects.exists()


def test_cast_claim_saved_with_its_subject_and_listed_in_decimal_hours(cast_rules, client):
    login(client, cast_rules.learner)
    assert _post(client, hours="2", mins="30").status_code == 302
    claim = Claim.objects.get()
    assert (claim.category, claim.subject, claim.minutes, claim.status) == (
        "cast_business", "special", 150, ClaimStatus.DRAFT)
    page = client.get("/learning/external/external_training/").content.decode()
    assert "2.5学时" in page and "小时" not in page.split("<main")[1]


def test_cast_names_in_menus_tabs_and_crumbs(cast_rules, client):
    login(client, cast_rules.learner)
    page = client.get("/learning/external/external_training/").content.decode()
    assert "我的学时补录" in page and "我的外部学习" not in page
    tabs = page.split('data-testid="claim-tabs"')[1].split("</nav>")[0]
    assert "外部现场培训" in tabs and "外部网络培训" in tabs and "在职自学" not in tabs
    assert "我的学习档案" in page
    assert "我的学学时补录" not in page
    form = client.get(NEW).content.decode()
    assert "我的学时补录" in form and "外部现场培训" in form


def test_cas_pages_keep_their_names_and_the_free_text_subject(cast, client):
    policy_seed_cas(cast.academy, YEAR)
    login(client, cast.learner)
    page = client.get("/learning/external/external_training/").content.decode()
    assert "我的外部学习" in page and "我的学时补录" not in page and "我的学习档案" not in page
    form = client.get(NEW).content.decode()
    assert re.search(r'<input[^>]*name="subject"', form)
    claim_create(actor=cast.learner, kind="external_training", data=claim_data(hours="2.5"))
    page = client.get("/learning/external/external_training/").content.decode()
    assert "2小时30分" in page and "学时</td>" not in page


def test_one_formatter_two_styles():
    assert format_minutes(150) == "2小时30分" or format_minutes(150) == "2h 30m"
    with hours_display("decimal"):
        assert format_minutes(150).startswith("2.5")
        assert format_minutes(480).startswith("8.0")
        assert format_minutes(0).startswith("0.0")
        assert format_minutes(10).startswith("0.17")
        assert format_minutes(-90).startswith("-1.5")
    calls = []
    with hours_display(lambda: calls.append(1) or "decimal"):
        format_minutes(60)
        format_minutes(60)
    assert calls == [1]  # the resolver is asked once
    assert format_minutes(60) in ("1小时", "1h")
