"""The shared error answers speak the reader's language (Chinese by default), on pages
and in the API, and keep their machine-readable code."""

import pytest

from conftest import login

pytestmark = pytest.mark.django_db


def test_missing_page_in_chinese_and_english(cast, client):
    login(client, cast.learner)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "The page does not exist" not in response.content.decode()  # translated
    client.cookies["django_language"] = "en"
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "The page does not exist, or it is not yours to see." in response.content.decode()


def test_missing_api_path_keeps_its_code_and_translates_its_message(cast, client):
    login(client, cast.learner)
    body = client.get("/api/v1/no-such-thing").json()
    assert body["code"] == "not_found" and body["message"] == "不存在。"
    client.cookies["django_language"] = "en"
    body = client.get("/api/v1/no-such-thing").json()
    assert body == {"code": "not_found", "message": "Not found.", "field": None}
