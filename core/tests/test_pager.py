"""The shared pager (core/_pager.html): page numbers, gaps and 转至 keep the filters."""

import pytest
from django.core.paginator import Paginator
from django.template.loader import render_to_string

from conftest import login
from notifications.services import notify


def _render(n_items, per_page, number, query=""):
    page = Paginator(list(range(n_items)), per_page).get_page(number)
    return render_to_string("core/_pager.html", {"page": page, "query": query})


def test_page_numbers_with_gaps_and_jump_keeping_the_filters():
    html = _render(200, 10, 10, query="q=%E5%BC%A0&year=2026")
    assert 'aria-current="page">10<' in html
    for n in (1, 8, 9, 11, 12, 20):
        assert f"page={n}\">{n}</a>" in html
    assert "page=5\"" not in html and "…" in html
    # The jump form sends the filters again as hidden fields, but not the old page.
    assert '<input type="hidden" name="q" value="张">' in html
    assert '<input type="hidden" name="year" value="2026">' in html
    assert 'name="page" min="1" max="20" value="10"' in html
    assert html.count('name="page"') == 1


def test_one_page_shows_the_total_only_and_empty_shows_nothing():
    one = _render(3, 10, 1)
    assert "3" in one and "data-testid=\"pager-jump\"" not in one
    assert _render(0, 10, 1).strip() == ""


@pytest.mark.django_db
def test_inbox_jump_to_page(cast, client):
    for i in range(45):
        notify(recipients=[cast.learner], kind="t", title=f"消息{i:02d}")
    login(client, cast.learner)
    html = client.get("/learning/notifications/?page=3").content.decode()
    assert 'aria-current="page">3<' in html and "消息04" in html and "转至" in html
