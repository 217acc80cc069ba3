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
    dropped = {"DATABASE_URL", "XUESHI_ENV", "DJANGO_ALLOW_ASYNC_UNSAFE", "SECRET_KEY"}
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


# --- DATABASE_URL through dj-database-url (issue 8, defect 9) --------------------------

def test_database_url_sqlite_relative_and_absolute():
    relative = database_from_url("sqlite:///var/rel.sqlite3")
    assert relative["ENGINE"] == "django.db.backends.sqlite3" and relative["NAME"] == "var/rel.sqlite3"
    absolute = database_from_url("sqlite:////srv/xueshi/db.sqlite3")
    assert absolute["NAME"] == "/srv/xueshi/db.sqlite3"
    assert absolute["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_database_url_postgres_options_and_missing_name():
    db = database_from_url("postgresql://xs@127.0.0.1:5432/xueshi?sslmode=require")
    assert (db["NAME"], db["HOST"], db["PORT"], db["OPTIONS"]) == ("xueshi", "127.0.0.1", "5432",
                                                                 {"sslmode": "require"})
    assert db["CONN_MAX_AGE"] == 60 and db["CONN_HEALTH_CHECKS"] is True
    with pytest.raises(ImproperEnv):
        database_from_url("postgres://u@host:5432/")


def test_settings_use_an_absolute_sqlite_path(tmp_path):
    target = tmp_path / "abs.sqlite3"
    result = _manage("shell", "-c", "from django.conf import settings; print(settings.DATABASES['default']['NAME'])",
                     env={"DATABASE_URL": f"sqlite:///{target}"})
    assert result.stdout.strip().splitlines()[-1] == str(target), result.stderr


# --- the development key never serves the network (issue 9, Low) ----------------------

def test_runserver_refuses_a_public_address_with_the_development_key():
    result = _manage("runserver", "0.0.0.0:8997", "--noreload", env={})
    assert result.returncode != 0 and "development SECRET_KEY" in result.stderr


def test_gunicorn_refuses_a_public_address_with_the_development_key():
    full = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "XUESHI_ENV", "SECRET_KEY"}}
    result = subprocess.run([str(Path(sys.executable).parent / "gunicorn"), "config.wsgi", "-b", "0.0.0.0:8996"],
                            cwd=ROOT, env=full, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "development SECRET_KEY" in result.stderr


def test_loopback_and_own_keys_are_fine(settings):
    from config.startup import (
        DEVELOPMENT_KEY,
        PublicDevelopmentServer,
        bind_hosts,
        is_loopback,
        refuse_public_development_key,
    )

    assert bind_hosts(["0.0.0.0:80", "[::1]:8000", "unix:/run/x.sock", "127.0.0.1:8001"]) == [
        "0.0.0.0", "::1", "unix:/run/x.sock", "127.0.0.1"]  # noqa: S104 - a string under test
    assert all(is_loopback(h) for h in ("127.0.0.1", "::1", "localhost", "127.0.0.2"))
    settings.SECRET_KEY = DEVELOPMENT_KEY
    refuse_public_development_key(["127.0.0.1", "::1"])
    with pytest.raises(PublicDevelopmentServer):
        refuse_public_development_key(["192.168.1.5"])
    settings.SECRET_KEY = "an-own-key-" + "q" * 50
    refuse_public_development_key(["0.0.0.0"])  # noqa: S104


def test_check_deploy_flags_the_development_key():
    result = _manage("check", "--deploy", env={})
    assert "xueshi.E001" in result.stderr + result.stdout and result.returncode != 0
