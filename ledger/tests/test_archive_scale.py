"""我的档案 at scale (issue 11): the same number of queries for 10 and 500 entries, page
and API; long tables folded past FOLD_ROWS rows with a plain "show all" link."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import enter_admin, login
from ledger.services import ledger_credit, policy_seed_cas
from ledger.views import FOLD_ROWS

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year


def _fill(person, n):
    """n sources of one entry each: two thirds projects, one third claims."""
    for k in range(n):
        kind = "project" if k % 3 else "claim"
        cap_class = "offline" if kind == "project" or k % 2 else "online"
        ledger_credit(person=person, cap_class=cap_class, minutes=45,
                      start=date(YEAR, k % 12 + 1, 1), source_kind=kind, source_id=f"s{k}",
                      source_label=f"培训{k}", category="short_course" if kind == "project" else "",
                      details={"place": "北京"} if kind == "project" else None)


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return len(ctx.captured_queries), response


URLS = [f"/learning/archive/?start={YEAR}-01&end={YEAR}-12",
        f"/learning/archive/?start={YEAR}-01&end={YEAR}-12&all=1",
        f"/api/v1/ledger/archive/me?start={YEAR}-01&end={YEAR}-12"]


def test_the_archive_costs_the_same_queries_for_10_and_500_entries(cast, client):
    policy_seed_cas(cast.academy, YEAR)
    _fill(cast.learner, 10)
    _fill(cast.colleague, 500)
    login(client, cast.learner)
    small = [_queries(client, url)[0] for url in URLS]
    client.post("/logout/")
    login(client, cast.colleague)
    large = [_queries(client, url)[0] for url in URLS]
    assert small == large


def test_the_admins_archive_of_a_person_costs_the_same_for_10_and_500(cast, client):
    policy_seed_cas(cast.academy, YEAR)
    _fill(cast.learner, 10)
    _fill(cast.colleague, 500)
    enter_admin(client, cast.institute_admin)
    counts = []
    for person in (cast.learner, cast.colleague):
        counts.append([_queries(client, url)[0] for url in (
            f"/manage/staff/{person.pk}/archive/?start={YEAR}-01&end={YEAR}-12",
            f"/api/v1/ledger/archive/{person.pk}?start={YEAR}-01&end={YEAR}-12")])
    assert counts[0] == counts[1]


def test_long_tables_fold_with_a_show_all_link(cast, client):
    policy_seed_cas(cast.academy, YEAR)
    _fill(cast.learner, 150)  # 100 projects, 50 claims (25 online, 25 offline)
    login(client, cast.learner)
    _n, folded = _queries(client, URLS[0])
    html = folded.content.decode()
    projects = html.split('data-testid="projects-table"')[1].split("</table>")[0]
    assert projects.count("<tr>") == 1 + FOLD_ROWS  # the header and the first rows
    assert "培训项目100个" in html  # the summary counts every row, shown or folded
    assert html.count('data-testid="folded"') == 1  # the claims tables are short
    link = f'href="?start={YEAR}-01&amp;end={YEAR}-12&amp;all=1"'
    assert link in html
    # The link works without JavaScript: a plain GET shows every row.
    _n, everything = _queries(client, f"/learning/archive/?start={YEAR}-01&end={YEAR}-12&all=1")
    html = everything.content.decode()
    projects = html.split('data-testid="projects-table"')[1].split("</table>")[0]
    assert projects.count("<tr>") == 1 + 100
    assert 'data-testid="folded"' not in html
    # Every shown row links to its drill-down, built once per row.
    assert html.count("source_kind=project&amp;source_id=s") == 2 * 100
    # The print view shows every row.
    printed = client.get(f"/learning/archive/print/?start={YEAR}-01&end={YEAR}-12").content.decode()
    assert printed.split('data-testid="projects-table"')[1].split("</table>")[0].count("<tr>") == 101
