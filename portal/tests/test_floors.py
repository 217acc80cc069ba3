"""The house plan (docs/architecture.md, "Floors"): an app imports only from its own floor
or below. Every module of every app is parsed (ast), top-level and function-level imports
alike; tests/ and migrations/ are exempt."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# app → floor. An app may import apps on a lower floor, and apps on its own floor only
# where SIDEWAYS allows it. notifications sits between core and orgs: a service
# everyone calls that imports nothing above core.
FLOORS = {
    "core": 0,
    "notifications": 0.5,
    "orgs": 1,
    "accounts": 2,
    "ledger": 3,
    "claims": 4,
    "training": 4,
    "courses": 4,
    "plans": 4,
    "reports": 5,
    "portal": 6,
    "config": 7,
}
# One-way imports between apps of one floor that the domain asks for.
SIDEWAYS = {("plans", "training"), ("courses", "training")}
EXEMPT_DIRS = {"tests", "migrations"}


def _modules(app: str):
    folder = ROOT / app
    for path in sorted(folder.rglob("*.py")):
        parts = set(path.relative_to(folder).parts)
        if parts & EXEMPT_DIRS or ".venv" in path.parts:
            continue
        yield path


def imported_apps(source: str) -> set[tuple[str, int]]:
    """(top-level package, line) of every absolute import in the source."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {(alias.name.split(".")[0], node.lineno) for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add((node.module.split(".")[0], node.lineno))
    return found


def violations(app: str, source: str, where: str = "") -> list[str]:
    floor = FLOORS[app]
    problems = []
    for other, line in sorted(imported_apps(source)):
        if other == app or other not in FLOORS:
            continue
        if FLOORS[other] < floor or (app, other) in SIDEWAYS:
            continue
        problems.append(f"{where}:{line}: {app} (floor {floor}) imports {other} "
                        f"(floor {FLOORS[other]})")
    return problems


def test_every_app_has_a_floor():
    """A new app must be placed on a floor here (and in docs/architecture.md)."""
    apps_on_disk = {p.parent.name for p in ROOT.glob("*/apps.py")}
    assert apps_on_disk, "found no apps: the test would pass vacuously"
    assert apps_on_disk <= set(FLOORS), f"apps without a floor: {apps_on_disk - set(FLOORS)}"


@pytest.mark.parametrize("app", sorted(FLOORS))
def test_app_imports_only_lower_floors(app):
    problems = []
    for path in _modules(app):
        problems += violations(app, path.read_text(encoding="utf-8"),
                               str(path.relative_to(ROOT)))
    assert not problems, "imports above the app's floor:\n" + "\n".join(problems)


def test_the_check_sees_upward_imports():
    """The parser catches both forms, also inside a function, and lets lower floors
    and the allowed sideways import through."""
    source = ("import ledger.models\n"
              "def f():\n    from accounts.access import admin_required\n"
              "from core.errors import DomainError\nfrom django.db import models\n")
    assert [p.split(": ", 1)[1] for p in violations("orgs", source)] == [
        "orgs (floor 1) imports accounts (floor 2)", "orgs (floor 1) imports ledger (floor 3)"]
    assert violations("notifications", "from orgs.models import Org\n")
    assert violations("core", "from notifications.services import notify\n")
    assert not violations("notifications", "from core.errors import DomainError\n")
    assert not violations("plans", "from training.services import x\n")
    assert violations("training", "from plans.services import x\n")
    assert violations("claims", "from training.models import x\n")
