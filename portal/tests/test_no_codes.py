"""Issue 10, labels never codes: every page of the demo, as each demo role (and its admin
mode), in Chinese and English, is scanned for internal codes in its visible text —
class and category codes of the policies, status and kind codes, audit action codes,
Python values (True/False/None) and dicts. Pages are found by following the links of
the home pages (same site, GET, a bounded number per role)."""

import re
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import User
from claims.models import ClaimKind, ClaimStatus
from core.permissions import Role
from ledger.models import CapClass, Category, LedgerEntry
from portal.audit_labels import ACTIONS
from portal.demodata import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

LOGINS = ("niaot-zhangsan", "castorg-liming", "niaot-wangfang", "niaot-zhaolei", "niaot", "cas-admin",
          "castorg", "cast-admin")
START = ("/", "/learning/", "/manage/")
SKIP = re.compile(r"/logout/|export=|/files/|/attachments/|/print/|/template/|/api/|/i18n/|/static/|"
                  r"/django-admin/|/jobs/")
MAX_PAGES = 45


class VisibleText(HTMLParser):
    """The text a person sees (no script, style or attribute values) and the links."""

    def __init__(self):
        super().__init__()
        self.parts, self.links, self._hidden = [], [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._hidden += 1
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def code_pattern(chinese: bool) -> re.Pattern:
    codes = set(CapClass.objects.values_list("code", flat=True)) | set(Category.objects.values_list("code", flat=True))
    codes |= set(ClaimKind.values) | set(Role.values) | set(ACTIONS)
    if chinese:  # in English, "online" or "approved" are words, not codes
        codes |= set(ClaimStatus.values)
    else:
        codes = {c for c in codes if "_" in c or "." in c}
    words = sorted((re.escape(c) for c in codes if c), key=len, reverse=True)
    words += ["True", "False", "None"] if chinese else ["True", "False"]  # "None" is English
    return re.compile(r"(?<![\w.@-])(" + "|".join(words) + r")(?![\w@-])|\{'|→ *'")


CJK = re.compile(r"[\u4e00-\u9fff]")
# Chinese punctuation run into English words ("effective。", "Name：") — our own strings.
MIXED = re.compile(r"[A-Za-z0-9][，。：；！？、]|[，。：；！？、（][A-Za-z]")


def chinese_of_our_strings() -> set[str]:
    """Every Chinese translation in our catalogs: on an English page, a text that is one
    of them came from a hard-coded or untranslated string of ours, not from the data."""
    from core.management.commands.translations import ENTRY, _unquote, catalogs

    found = set()
    for po in catalogs():
        for m in ENTRY.finditer(po.read_text(encoding="utf-8") + "\n"):
            for block in re.findall(r'msgstr(?:\[\d\])? ((?:"[^\n]*"\n)+)', m.group(4)):
                text = _unquote(block).strip()
                if CJK.search(text) and "%" not in text and "{" not in text and len(text) >= 2:
                    found.add(text)
    return found


def english_problems(parts, ours) -> list[str]:
    texts = [" ".join(p.split()) for p in parts]
    return [t for t in texts if t and (t in ours or MIXED.search(t))]


def crawl(client, pattern, ours=None):
    seen, queue, problems = set(), list(START), []
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        parser = VisibleText()
        parser.feed(response.content.decode())
        text = " ".join(" ".join(parser.parts).split())
        for m in pattern.finditer(text):
            problems.append((url, text[max(0, m.start() - 30):m.end() + 30]))
        if ours is not None:
            problems += [(url, f"Chinese on an English page: {t}") for t in english_problems(parser.parts, ours)]
        for href in parser.links:
            href = urldefrag(href)[0]
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not href.startswith("/") or SKIP.search(href):
                continue
            if href not in seen and href not in queue:
                queue.append(href)
    return seen, problems


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_no_page_of_the_demo_shows_internal_codes(language, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo")
    pattern = code_pattern(chinese=language == "zh-hans")
    # Names of people and policy entries stay as entered, even when they are also words
    # of our catalogs (在职自学).
    entered = set(User.objects.values_list("real_name", flat=True)) | set(
        CapClass.objects.values_list("name", flat=True)) | set(Category.objects.values_list("name", flat=True))
    for details in LedgerEntry.objects.values_list("details", flat=True):  # place, organiser …
        entered |= {v for v in (details or {}).values() if isinstance(v, str)}
    ours = chinese_of_our_strings() - entered if language == "en" else None
    visited, problems = 0, []
    for login in LOGINS:
        user = User.objects.get(login_name=login)
        client = Client()
        client.cookies["django_language"] = language
        assert client.post("/login/", {"login": login, "password": DEMO_PASSWORD}).status_code == 302
        for role in list(user.roles.all()) or [None]:
            if role is not None:
                client.post("/manage/enter/", {"role": role.pk, "password": DEMO_PASSWORD})
            seen, found = crawl(client, pattern, ours)
            visited += len(seen)
            problems += [(login, *p) for p in found]
    assert visited > 100
    assert problems == [], "\n".join(sorted({f"{u.split('?')[0]} :: {s}" for _l, u, s in problems}))
