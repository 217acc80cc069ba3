"""The Chinese catalogs are complete (docs/running.md: a test runs `translations --check`)
and the English switch in the page header works."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client, modify_settings

HEADER = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'


def test_every_catalog_is_translated():
    out = io.StringIO()
    call_command("translations", "--check", stdout=out)
    assert out.getvalue() == ""


@pytest.fixture
def scratch_catalog(tmp_path, monkeypatch):
    """An extra app, outside the repository, whose catalog the test writes."""
    package = tmp_path / "xs_scratch_app"
    directory = package / "locale" / "zh_Hans" / "LC_MESSAGES"
    directory.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    with modify_settings(INSTALLED_APPS={"append": "xs_scratch_app"}):
        yield directory / "django.po"


def test_check_fails_on_a_missing_or_fuzzy_translation(scratch_catalog):
    scratch_catalog.write_text(
        HEADER
        + 'msgid "Translated"\nmsgstr "已翻译"\n\n'
        + 'msgid "Forgotten"\nmsgstr ""\n\n'
        + '#, fuzzy\nmsgid "Guessed"\nmsgstr "猜的"\n\n'
        + 'msgid "One hour"\nmsgid_plural "%(n)d hours"\nmsgstr[0] ""\n',
        encoding="utf-8")
    out = io.StringIO()
    with pytest.raises(CommandError, match="3 untranslated msgids"):
        call_command("translations", "--check", "--app", "xs_scratch_app", stdout=out)
    listed = out.getvalue()
    assert "'Forgotten'" in listed and "'Guessed'" in listed and "'One hour'" in listed
    assert "'Translated'" not in listed

    scratch_catalog.write_text(HEADER + 'msgid "Translated"\nmsgstr "已翻译"\n', encoding="utf-8")
    call_command("translations", "--check", "--app", "xs_scratch_app", stdout=io.StringIO())


@pytest.mark.django_db
def test_language_switch_to_english_and_back():
    client = Client()
    assert "<h1>登录</h1>" in client.get("/login/").content.decode()

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert response.status_code == 302 and response["Location"] == "/login/"
    html = client.get("/login/").content.decode()
    assert '<html lang="en">' in html and "<h1>Log in</h1>" in html
    assert "登录" not in html

    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/login/"})
    html = client.get("/login/").content.decode()
    assert '<html lang="zh-hans">' in html and "<h1>登录</h1>" in html
