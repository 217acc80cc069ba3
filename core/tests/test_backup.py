"""Backup → change → restore → every table is as it was (on the engine under test)."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
CHANGE = ("from accounts.models import User; from core.audit import audit_record; "
          "u = User.objects.get(login_name='niaot-zhangsan'); "
          "from accounts.services import profile_update; "
          "User.objects.filter(pk=u.pk).update(real_name='改过的名字'); "
          "audit_record(actor=None, action='after.backup'); "
          "User.objects.create(login_name='new-after-backup', real_name='新人')")


def _manage(env, *args):
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def _snapshot_sqlite(path):
    conn = sqlite3.connect(path)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                         "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    snap = {t: conn.execute(f'SELECT * FROM "{t}" ORDER BY 1').fetchall() for t in tables}
    conn.close()
    return snap


def _snapshot_pg(url):
    with psycopg.connect(url) as conn:
        tables = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname='public' "
                                             "ORDER BY tablename")]
        return {t: conn.execute(f'SELECT * FROM "{t}" ORDER BY 1').fetchall() for t in tables}


@pytest.mark.django_db
def test_backup_round_trip(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE",)}
    env["XUESHI_VAR_DIR"] = str(tmp_path / "var")
    archive = tmp_path / "backup.tar"
    if connection.vendor == "postgresql":
        from core.tests.servers import ScratchDatabase

        with ScratchDatabase(os.environ["DATABASE_URL"], f"xueshi_backup_{os.getpid()}") as scratch:
            env["DATABASE_URL"] = scratch.url
            _manage(env, "seed_demo")
            before = _snapshot_pg(scratch.url)
            _manage(env, "backup", "--output", str(archive))
            _manage(env, "shell", "-c", CHANGE)
            assert _snapshot_pg(scratch.url) != before
            _manage(env, "restore", str(archive))
            after = _snapshot_pg(scratch.url)
    else:
        env.pop("DATABASE_URL", None)
        _manage(env, "migrate", "-v", "0")
        _manage(env, "seed_demo")
        database = tmp_path / "var" / "xueshi.sqlite3"
        uploads = tmp_path / "var" / "uploads" / "claims"
        uploads.mkdir(parents=True)
        (uploads / "kept.pdf").write_bytes(b"%PDF-1.4 kept")
        before = _snapshot_sqlite(database)
        _manage(env, "backup", "--output", str(archive))
        _manage(env, "shell", "-c", CHANGE)
        (uploads / "kept.pdf").unlink()
        assert _snapshot_sqlite(database) != before
        _manage(env, "restore", str(archive))
        after = _snapshot_sqlite(database)
        assert (uploads / "kept.pdf").read_bytes() == b"%PDF-1.4 kept"
    assert set(after) == set(before)
    for table in before:
        assert after[table] == before[table], table
    assert sum(len(rows) for rows in before.values()) > 1000


def test_restore_refuses_foreign_archives(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL")}
    env["XUESHI_VAR_DIR"] = str(tmp_path)
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"not a tar at all")
    result = subprocess.run([sys.executable, "manage.py", "restore", str(junk)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "not an xueshi backup" in result.stderr
