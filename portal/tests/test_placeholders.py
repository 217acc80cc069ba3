"""Placeholders: the home page and menus show only what exists."""

import pytest
from django.test import Client

from conftest import login
from portal.menus import admin_menu

pytestmark = pytest.mark.django_db


def test_manage_link_only_for_a_role_with_something_to_manage(cast, client):
    login(client, cast.class_admin)
    html = client.get("/").content.decode()
    # The class admin's menu is empty until training projects exist; then it shows.
    assert ('data-testid="nav-manage"' in html) == bool(admin_menu(cast.class_admin.roles.get()))
    admin = Client()
    login(admin, cast.institute_admin)
    assert 'data-testid="nav-manage"' in admin.get("/").content.decode()


def test_home_offers_no_feature_that_is_not_there(cast, client):
    login(client, cast.learner)
    html = client.get("/").content.decode()
    assert "will be listed here" not in html and "将在此列出" not in html
    assert "#resources" not in html and "#projects" not in html


def test_password_page_shows_the_rules_first_and_one_error_a_line(cast, client):
    login(client, cast.learner)
    page = client.get("/me/password/").content.decode()
    assert "8" in page and 'class="help"' in page  # the rules, before any try
    response = client.post("/me/password/", {"old_password": cast.password, "new_password": "123456",
                                             "new_password2": "123456"})
    error = response.content.decode().split('data-field="new_password"')[1].split("</p>")[0]
    assert error.count("<br>") >= 1


def test_while_the_password_must_change_the_navigation_says_why(cast, client):
    cast.learner.password_is_initial = True
    cast.learner.save(update_fields=["password_is_initial"])
    login(client, cast.learner)
    html = client.get("/me/password/").content.decode()
    assert 'data-testid="nav-locked"' in html and 'data-testid="nav-learning"' not in html
