"""Issue 8, defect 1: opening an edit form and saving it unchanged must change nothing.

For every edit form of the project, as the cast member who may use it: GET the page,
parse the form (inputs, selects, textareas, the submit button), post exactly the values
it rendered, and compare every row of our apps' tables before and after (the audit trail
and session bookkeeping left aside). Every `<input type="date">` must carry an ISO
YYYY-MM-DD value (or none): a localized date would not survive the round trip.

Not in the list, on purpose: forms that create rather than edit (补录 credit, the
supplementary window, new staff, new claims), whose resubmission adds a row by design.
"""

import re
from datetime import date
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.utils import timezone

from claims.services import claim_create
from claims.tests.helpers import YEAR, claim_data
from conftest import enter_admin, login

pytestmark = pytest.mark.django_db

OUR_APPS = {"core", "orgs", "accounts", "ledger", "claims", "notifications", "reports", "training"}
# Bookkeeping that a page view or a no-op save may touch without changing any data.
IGNORED_MODELS = {"auditevent", "session", "loginthrottle", "loginattempt", "apitoken", "devicecookie"}
IGNORED_FIELDS = {"updated_at", "last_login", "last_seen", "last_used_at", "admin_mode_at"}


class FormParser(HTMLParser):
    """The forms of a page: action, method and the fields a browser would send."""

    def __init__(self):
        super().__init__()
        self.forms, self._form, self._select, self._textarea = [], None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"action": a.get("action") or "", "method": (a.get("method") or "get").lower(),
                          "fields": [], "submits": [], "dates": []}
            self.forms.append(self._form)
        if self._form is None:
            return
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind == "date":
                self._form["dates"].append((a.get("name"), a.get("value", "")))
            if not a.get("name") or "disabled" in a:
                return
            if kind in ("submit", "image"):
                self._form["submits"].append((a["name"], a.get("value", "")))
            elif kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form["fields"].append((a["name"], a.get("value", "on")))
            elif kind != "file":
                self._form["fields"].append((a["name"], a.get("value", "")))
        elif tag == "button" and a.get("name") and (a.get("type") or "submit") == "submit":
            self._form["submits"].append((a["name"], a.get("value", "")))
        elif tag == "select" and a.get("name") and "disabled" not in a:
            self._select = {"name": a["name"], "first": None, "chosen": None}
        elif tag == "option" and self._select is not None:
            if self._select["first"] is None:
                self._select["first"] = a.get("value", "")
            if "selected" in a:
                self._select["chosen"] = a.get("value", "")
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "select" and self._select is not None and self._form is not None:
            value = self._select["chosen"] if self._select["chosen"] is not None else self._select["first"]
            if value is not None:
                self._form["fields"].append((self._select["name"], value))
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form["fields"].append((self._textarea[0], self._textarea[1].removeprefix("\n")))
            self._textarea = None
        elif tag == "form":
            self._form = None


def snapshot():
    rows = {}
    for model in apps.get_models():
        if model._meta.app_label not in OUR_APPS or model._meta.model_name in IGNORED_MODELS:
            continue
        fields = [f.attname for f in model._meta.concrete_fields if f.attname not in IGNORED_FIELDS]
        rows[model._meta.label] = list(model.objects.order_by("pk").values_list(*fields))
    return rows


def _claim(cast):
    return claim_create(actor=cast.learner, kind="external_training",
                        data=claim_data(start=date(YEAR, 3, 10), end=date(YEAR, 3, 12), cost="0.35"),
                        files=[])


def _cast_claim(cast):
    """A claim under the CAST rules (seed 003): 培训分类 and 培训科目 are two selects."""
    from ledger.services import policy_seed_cast

    policy_seed_cast(cast.academy, YEAR)
    return claim_create(actor=cast.learner, kind="external_training",
                        data=claim_data(start=date(YEAR, 3, 10), end=date(YEAR, 3, 12), cost="0.35",
                                        category="cast_business", subject="special"), files=[])


def _cast_policy(cast, client):
    enter_admin(client, cast.academy_admin)
    client.post(f"/manage/policy/{YEAR}/", {"action": "create", "ruleset": "cast"})
    return f"/manage/policy/{YEAR}/"


def _project(cast):
    from training.tests.helpers import make_project

    return make_project(cast, method="mixed", minutes=610, online_minutes=125, capacity=30,
                        budget="1.50", enrol_opens=timezone.now(), enrol_needs_approval=True)


def _policy(cast, client):
    enter_admin(client, cast.academy_admin)
    client.post(f"/manage/policy/{YEAR}/", {"action": "create", "ruleset": "cas"})
    return f"/manage/policy/{YEAR}/"


def _summary(cast, client):
    """A 年度培训总结 with both editable fields filled (the year's report locked first)."""
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from reports.services import backbone_lock, backbone_window_set, summary_create, summary_update

    today, role = timezone.localdate(), cast.institute_admin.roles.get()
    backbone_window_set(actor=cast.academy_admin, role=cast.academy_admin.roles.get(), year=YEAR,
                        opens_on=today - timedelta(days=1), closes_on=today)
    backbone_lock(actor=cast.institute_admin, role=role, institute_id=cast.niaot.pk, year=YEAR)
    summary = summary_create(actor=cast.institute_admin, role=role, institute_id=cast.niaot.pk, year=YEAR)
    summary_update(actor=cast.institute_admin, role=role, summary_id=summary.pk, person_times=120,
                   funding=Decimal("12.50"))
    return f"/manage/reports/summaries/{summary.pk}/"


# (case id, who, how to get the URL, a field that identifies the form, extra values the
# form asks for that are never rendered, e.g. the current password)
CASES = [
    ("person", "institute_admin", lambda c, cl: f"/manage/staff/{c.learner.pk}/", "real_name", {}),
    ("claim", "learner", lambda c, cl: f"/learning/external/claim/{_claim(c).pk}/", "name", {}),
    ("policy", "academy_admin", _policy, "annual_target_hours", {}),
    ("CAST claim", "learner", lambda c, cl: f"/learning/external/claim/{_cast_claim(c).pk}/", "subject", {}),
    ("CAST policy", "academy_admin", _cast_policy, "hours_display", {}),
    ("institute name", "institute_admin", lambda c, cl: f"/manage/orgs/{c.niaot.pk}/", "name", {}),
    ("institute password policy", "institute_admin", lambda c, cl: f"/manage/orgs/{c.niaot.pk}/", "mode", {}),
    ("institute login rule", "institute_admin", lambda c, cl: f"/manage/orgs/{c.niaot.pk}/", "rule", {}),


    ("training project", "institute_admin", lambda c, cl: f"/manage/training/{_project(c).pk}/", "name", {}),
    ("training project (class admin)", "class_admin", lambda c, cl: f"/manage/training/{_project(c).pk}/",
     "name", {}),
    ("claim settings", "institute_admin", lambda c, cl: "/manage/claims/settings/", "org", {}),
    ("profile", "learner", lambda c, cl: "/me/", "mobile", {"password": "Cast-pass-2026!"}),
    ("annual summary", "institute_admin", _summary, "funding", {}),
]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.parametrize("case_id, who, url_of, marker, extra", CASES, ids=[c[0] for c in CASES])
def test_saving_an_edit_form_unchanged_changes_nothing(cast, client, case_id, who, url_of, marker, extra):
    user = getattr(cast, who)
    url = url_of(cast, client)
    client.post("/logout/")
    user.refresh_from_db()
    if who == "learner":
        login(client, user)
    else:
        enter_admin(client, user)
    page = client.get(url)
    assert page.status_code == 200, (case_id, page.status_code)
    parser = FormParser()
    parser.feed(page.content.decode())
    forms = [f for f in parser.forms if f["method"] == "post"
             and any(n == marker or n.endswith("-" + marker) for n, _ in f["fields"] + f["submits"])]
    assert forms, f"{case_id}: no POST form with a {marker!r} field on {url}: {parser.forms}"
    form = forms[0]
    for name, value in (d for f in parser.forms for d in f["dates"]):
        assert value == "" or re.fullmatch(r"\d{4}-\d{2}-\d{2}", value), f"{case_id}: {name}={value!r}"
    data = {}
    for name, value in form["fields"] + form["submits"][:1]:
        data.setdefault(name, []).append(value)
    data.update({k: [v] for k, v in extra.items()})
    before = snapshot()
    response = client.post(form["action"] or url, data)
    assert response.status_code in (200, 302), (case_id, response.status_code, response.content[:400])
    if response.status_code == 200:
        assert "errorlist" not in response.content.decode(), f"{case_id}: the unchanged form has errors"
    after = snapshot()
    changed = {label: (before[label], after[label]) for label in before if before[label] != after[label]}
    assert not changed, f"{case_id}: saving unchanged changed {changed}"
