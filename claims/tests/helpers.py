from datetime import date
from html.parser import HTMLParser

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

YEAR = timezone.localdate().year
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>"
       b"endobj 3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def pdf(name="certificate.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def claim_data(**overrides):
    data = {"year": YEAR, "name": "国际光学工程学会年会", "category": "external_training",
            "start": date(YEAR, 3, 10), "end": date(YEAR, 3, 12), "hours": "16",
            "organiser": "SPIE", "location": "北京", "cost": "0.35", "purpose": "交流", "content": "报告"}
    data.update(overrides)
    return data


class _FormParser(HTMLParser):
    """The fields of every <form> as a browser would post them unchanged (fields outside
    a form that name it with form="…" included)."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str | None, list]] = []
        self.current = None
        self._select = self._textarea = None
        self._options = []

    def _target(self, a):
        if a.get("form"):
            return next((values for fid, values in self.forms if fid == a["form"]), None)
        return self.current

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.current = []
            self.forms.append((a.get("id"), self.current))
            return
        target = self._target(a)
        name = a.get("name")
        if target is None or not name and tag != "option":
            return
        if tag == "input" and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    target.append((name, a.get("value", "on")))
            else:
                target.append((name, a.get("value", "")))
        elif tag == "textarea":
            self._textarea = [target, name, ""]
        elif tag == "select":
            self._select, self._options = (target, name), []
        elif tag == "option" and self._select:
            self._options.append((a.get("value", ""), "selected" in a))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[2] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "textarea" and self._textarea is not None:
            target, name, text = self._textarea
            target.append((name, text.removeprefix("\n")))
            self._textarea = None
        elif tag == "select" and self._select:
            target, name = self._select
            chosen = [v for v, sel in self._options if sel] or [v for v, _s in self._options[:1]]
            target += [(name, v) for v in chosen]
            self._select = None


def form_values(html: str, contains: str) -> dict:
    """What the browser posts, saved without a change, for the first form holding a field
    named `contains`: {name: value} (a list for a repeated name)."""
    parser = _FormParser()
    parser.feed(html)
    for _fid, values in parser.forms:
        if any(name == contains for name, _v in values):
            out = {}
            for name, value in values:
                out.setdefault(name, []).append(value)
            return {k: v[0] if len(v) == 1 else v for k, v in out.items()}
    raise AssertionError(f"no form with a field {contains!r}")
