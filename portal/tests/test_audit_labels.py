"""Every action a service writes to the audit trail has a name in portal.audit_labels
(the page and export show the code otherwise): the literal `action="..."` strings of
every app's code and every step of every workflow."""

import importlib
import re
from pathlib import Path

from core.workflow import Workflow
from portal.audit_labels import ACTIONS

ROOT = Path(__file__).resolve().parents[2]
APPS = ["core", "notifications", "orgs", "accounts", "ledger", "claims", "training", "courses",
        "plans", "reports", "portal"]
LITERAL = re.compile(r"""action=["']([a-z_]+\.[a-z_.]+)["']""")
# f"{purpose}.failed" and the like: each purpose's actions are listed by hand here.
PURPOSES = ["login", "admin_mode", "django_admin", "password_change", "profile_update"]


def literal_actions() -> set[str]:
    found = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py") if (ROOT / app).is_dir() else ():
            if {"tests", "migrations"} & set(path.relative_to(ROOT).parts):
                continue
            found |= set(LITERAL.findall(path.read_text(encoding="utf-8")))
    return found


def workflow_actions() -> set[str]:
    found = set()
    for app in APPS:
        try:
            module = importlib.import_module(f"{app}.models")
        except ModuleNotFoundError:
            continue
        for value in vars(module).values():
            if isinstance(value, Workflow):
                found |= {f"{value.name}.{step.event or step.target}" for step in value.steps}
    return found


def test_the_scan_finds_the_services_actions():
    """Guard against a scan that finds nothing (and so passes vacuously)."""
    assert {"ledger.credited", "claim.created", "password.changed"} <= literal_actions()
    assert {"claim.approved", "project.implemented"} <= workflow_actions()


def test_every_action_has_a_label():
    missing = sorted(a for a in literal_actions() | workflow_actions() if a not in ACTIONS)
    assert not missing, f"audit actions without a label in portal/audit_labels.py: {missing}"


def test_every_purpose_action_has_a_label():
    suffixes = ["failed", "throttled"]
    missing = [f"{p}.{s}" for p in PURPOSES for s in suffixes if f"{p}.{s}" not in ACTIONS]
    assert not missing, missing
