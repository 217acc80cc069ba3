"""Security headers, no inline code, generic error pages, escaped log lines."""

import logging
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import path

from config import urls as config_urls
from conftest import enter_admin, login
from core.logging import EscapingFormatter

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=\"", re.I)


def boom(request):
    raise RuntimeError("secret internals")


def ok(request):
    return HttpResponse("ok")


urlpatterns = [path("boom/", boom), path("ok/", ok), *config_urls.urlpatterns]
handler500 = "core.views.server_error"


def test_headers_on_pages_and_api(cast):
    client = Client()
    login(client, cast.learner)
    for url in ("/", "/learning/archive/", "/api/v1/me", "/no-such-page/"):
        response = client.get(url)
        csp = response["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        assert "frame-ancestors 'none'" in csp
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["X-Frame-Options"] == "DENY"
        assert response["Referrer-Policy"] == "same-origin"


def test_no_inline_script_or_style_in_pages(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    pages = ["/login/"]
    learner = Client()
    login(learner, cast.learner)
    admin = Client()
    enter_admin(admin, cast.institute_admin)
    academy = Client()
    enter_admin(academy, cast.academy_admin)
    checked = 0
    for client, urls in (
            (Client(), pages),
            (learner, ["/", "/learning/", "/learning/archive/", "/learning/archive/print/", "/me/",
                       "/me/password/", "/learning/external/external_training/",
                       "/learning/external/self_study/new/", "/learning/notifications/"]),
            (admin, ["/manage/", "/manage/staff/", "/manage/staff/new/", f"/manage/staff/{cast.learner.pk}/",
                     "/manage/staff/import/", "/manage/orgs/", "/manage/audit/", "/manage/claims/",
                     "/manage/claims/new/", "/manage/claims/import/", "/manage/claims/windows/",
                     f"/manage/staff/{cast.learner.pk}/archive/"]),
            (academy, ["/manage/policy/2026/"])):
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            html = response.content.decode()
            assert not INLINE_SCRIPT.search(html), url
            assert not INLINE_STYLE.search(html), url
            checked += 1
    assert checked >= 20


def test_hsts_in_production():
    code = ("import django, os; django.setup(); from django.test import Client; "
            "r = Client().get('/api/v1/openapi.json', secure=True, HTTP_HOST='xueshi.example.org'); "
            "print(r.status_code, r.get('Strict-Transport-Security'))")
    env = {"XUESHI_ENV": "production", "SECRET_KEY": "s" * 64, "ALLOWED_HOSTS": "xueshi.example.org",
           "DJANGO_SETTINGS_MODULE": "config.settings", "PATH": "/usr/bin:/bin",
           "XUESHI_VAR_DIR": str(ROOT / "var")}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert "max-age=31536000; includeSubDomains; preload" in result.stdout, result.stderr[-2000:]


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_server_error_is_generic(caplog):
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    assert b"secret internals" not in response.content and b"Traceback" not in response.content
    api = client.get("/boom/", HTTP_ACCEPT="application/json")
    assert api.json() == {"code": "server_error", "message": "系统出错，请稍后再试。", "field": None}
    client.cookies["django_language"] = "en"
    api = client.get("/boom/", HTTP_ACCEPT="application/json")
    assert api.json() == {"code": "server_error", "message": "Something went wrong on our side.",
                          "field": None}


def test_log_lines_escape_control_characters():
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "login failed for %s", ("a\r\nFAKE ok",), None)
    line = EscapingFormatter("%(message)s").format(record)
    assert "\n" not in line and "\r" not in line and "a\\r\\nFAKE ok" in line
