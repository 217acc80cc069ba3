import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.env import ImproperEnv, database_from_url, env_bool, env_int

ROOT = Path(__file__).resolve().parents[2]


def test_env_bool_accepts_common_spellings(monkeypatch):
    monkeypatch.setenv("X_FLAG", "yes")
    assert env_bool("X_FLAG", False) is True
    monkeypatch.setenv("X_FLAG", "0")
    assert env_bool("X_FLAG", True) is False


def test_env_bool_fails_loudly_on_garbage(monkeypatch):
    monkeypatch.setenv("X_FLAG", "ture")
    with pytest.raises(ImproperEnv, match="X_FLAG"):
        env_bool("X_FLAG", False)


def test_env_int_rejects_non_numbers_and_low_values(monkeypatch):
    monkeypatch.setenv("X_NUM", "12a")
    with pytest.raises(ImproperEnv):
        env_int("X_NUM", 1)
    monkeypatch.setenv("X_NUM", "3")
    with pytest.raises(ImproperEnv, match="minimum"):
        env_int("X_NUM", 1, minimum=10)


def test_database_url_postgres():
    db = database_from_url("postgres://u:p%40ss@db.example:6543/xs")
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "xs", "u", "p@ss", "db.example", "6543")


def test_database_url_unknown_scheme():
    with pytest.raises(ImproperEnv):
        database_from_url("mysql://x/y")


def _manage(*args, env):
    # A clean production-like environment (the browser fixture sets DJANGO_ALLOW_ASYNC_UNSAFE).
    dropped = {"DATABASE_URL", "XUESHI_ENV", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    full = {k: v for k, v in os.environ.items() if k not in dropped}
    full.update(env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=full,
                          capture_output=True, text=True, timeout=120)


def test_production_settings_pass_deploy_check():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env={
        "XUESHI_ENV": "production",
        "SECRET_KEY": "k" * 10 + "Qz8!vR2#mN5@pL7$wX1^yB4&cD6*eF9(gH3)jK0-" + "t" * 10,
        "ALLOWED_HOSTS": "xueshi.example.org",
    })
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_secret():
    result = _manage("check", env={"XUESHI_ENV": "production", "ALLOWED_HOSTS": "x.org"})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_debug():
    result = _manage("check", env={"XUESHI_ENV": "production", "XUESHI_DEBUG": "1",
                                   "SECRET_KEY": "s" * 60, "ALLOWED_HOSTS": "x.org"})
    assert result.returncode != 0
    assert "XUESHI_DEBUG" in result.stderr
