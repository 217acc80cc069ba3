"""The Makefile does what README.md says (issue 8, defect 12)."""

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _dry(*args):
    return subprocess.run(["make", "-n", *args], cwd=ROOT, capture_output=True, text=True, timeout=60).stdout


def test_demo_port_is_configurable():
    out = _dry("demo", "PORT=8123")
    assert "runserver 127.0.0.1:8123" in out and "demo_logins --port 8123" in out
    assert "runserver 127.0.0.1:8000" in _dry("demo")


def test_install_uses_an_editable_mode_that_does_not_warn():
    makefile = (ROOT / "Makefile").read_text()
    assert "editable_mode=compat" not in makefile
    assert 'PYTHONWARNINGS="ignore:Editable installation:Warning"' in makefile


def test_python_is_chosen_with_PYTHON():
    out = subprocess.run(["make", "-n", "-B", ".venv/bin/python", "PYTHON=python3.11"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60).stdout
    assert "python3.11 -m venv .venv" in out
