"""Check (and help fill) the zh_Hans catalogs of every app.

    xueshi translations --check          list msgids without a Chinese translation
    xueshi translations --fill F.json    set translations from {"msgid": "译文"} for every
                                         app whose catalog has those msgids
    --app LABEL                          only that app's catalog (repeatable)

Chinese is the default UI language, so an untranslated msgid shows English to users;
the test suite runs --check.
"""

import json
import re
from pathlib import Path

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError

ENTRY = re.compile(r'(?ms)^((?:#[^\n]*\n)*)msgid ((?:"[^\n]*"\n)+)(msgid_plural (?:"[^\n]*"\n)+)?'
                   r'((?:msgstr(?:\[\d\])? (?:"[^\n]*"\n)+)+)')


def _unquote(block: str) -> str:
    return "".join(json.loads(line) for line in block.strip().splitlines() if line.strip())


def catalogs(only=None):
    for config in apps.get_app_configs():
        if only and config.label not in only:
            continue
        po = Path(config.path) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
        if po.exists() and ".venv" not in po.parts and "site-packages" not in po.parts:
            yield po


def untranslated(po: Path) -> list[str]:
    missing = []
    for m in ENTRY.finditer(po.read_text(encoding="utf-8") + "\n"):
        flags, msgid, _plural, msgstr = m.groups()
        ident = _unquote(msgid)
        if not ident:
            continue
        strs = re.findall(r'msgstr(?:\[\d\])? ((?:"[^\n]*"\n)+)', msgstr)
        if "fuzzy" in flags or any(not _unquote(s) for s in strs):
            missing.append(ident)
    return missing


def fill(po: Path, table: dict, overwrite: bool = False) -> int:
    text = po.read_text(encoding="utf-8") + "\n"
    count = 0

    def repl(m):
        nonlocal count
        flags, msgid, plural, msgstr = m.groups()
        ident = _unquote(msgid)
        if ident not in table:
            return m.group(0)
        already = re.findall(r'msgstr(?:\[\d\])? ((?:"[^\n]*"\n)+)', msgstr)
        if not overwrite and "fuzzy" not in flags and all(_unquote(x) for x in already):
            return m.group(0)
        count += 1
        value = json.dumps(table[ident], ensure_ascii=False)
        flags = "\n".join(f for f in flags.splitlines() if "fuzzy" not in f)
        flags = flags + "\n" if flags else ""
        if plural:
            return f"{flags}msgid {msgid}{plural}msgstr[0] {value}\n"
        return f"{flags}msgid {msgid}msgstr {value}\n"

    text = ENTRY.sub(repl, text)
    po.write_text(text.rstrip("\n") + "\n", encoding="utf-8")
    return count


class Command(BaseCommand):
    help = "Check or fill the zh_Hans translation catalogs."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true")
        parser.add_argument("--fill", metavar="JSON")
        parser.add_argument("--overwrite", action="store_true",
                            help="with --fill: also replace existing translations")
        parser.add_argument("--app", action="append", dest="apps",
                            help="limit --fill/--check to this app label (repeatable)")

    def handle(self, *args, check=False, fill=None, apps=None, overwrite=False, **opts):
        if fill:
            table = json.loads(Path(fill).read_text(encoding="utf-8"))
            for po in catalogs(apps):
                n = globals()["fill"](po, table, overwrite)
                if n:
                    self.stdout.write(f"{po}: {n} set")
        if check or not fill:
            problems = {str(po): untranslated(po) for po in catalogs(apps)}
            problems = {k: v for k, v in problems.items() if v}
            for po, ids in problems.items():
                for ident in ids:
                    self.stdout.write(f"{po}: {ident!r}")
            if problems:
                raise CommandError(f"{sum(map(len, problems.values()))} untranslated msgids")
