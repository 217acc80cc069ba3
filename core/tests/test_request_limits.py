import pytest
from django.test import Client

from conftest import login

pytestmark = pytest.mark.django_db


def test_declared_oversized_body_is_413_before_reading(cast, settings):
    settings.XUESHI_MAX_UPLOAD_BYTES = 1024 * 1024
    client = Client()
    login(client, cast.learner)
    response = client.generic("POST", "/api/v1/claims/mine", b"x" * 10,
                              CONTENT_TYPE="multipart/form-data; boundary=x",
                              CONTENT_LENGTH=str(200 * 1024 * 1024))
    assert response.status_code == 413 and response.json()["code"] == "too_large"
    page = client.generic("POST", "/learning/external/external_training/new/", b"x",
                          CONTENT_LENGTH=str(200 * 1024 * 1024))
    assert page.status_code == 413


def test_normal_requests_pass(cast):
    client = Client()
    login(client, cast.learner)
    assert client.get("/").status_code == 200
