import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from core.audit import audit_record
from core.models import AuditEvent

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db(transaction=True)
def test_audit_rows_refuse_raw_update_and_delete():
    event = audit_record(actor=None, action="test.event", note="original")
    table = AuditEvent._meta.db_table
    for sql in (f"UPDATE {table} SET note = 'changed' WHERE id = %s",
                f"DELETE FROM {table} WHERE id = %s"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql, [event.pk])
    event.refresh_from_db()
    assert event.note == "original"


@pytest.mark.django_db(transaction=True)
def test_orm_delete_is_refused_too():
    event = audit_record(actor=None, action="test.event")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_sqlite_raw_client_cannot_change_rows(tmp_path):
    """A second program opening the SQLite file (without our guard function) can neither
    update nor delete audit rows."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["XUESHI_VAR_DIR"] = str(tmp_path)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env,
                   check=True, timeout=300)
    raw = sqlite3.connect(tmp_path / "xueshi.sqlite3")
    table = AuditEvent._meta.db_table
    raw.execute(f"INSERT INTO {table} (at, actor_label, action, object_type, object_id, "
                f"object_repr, note) VALUES ('2026-01-01', 'x', 'a', '', '', '', 'n')")
    raw.commit()
    with pytest.raises(sqlite3.DatabaseError):
        raw.execute(f"DELETE FROM {table}")
    with pytest.raises(sqlite3.DatabaseError):
        raw.execute(f"UPDATE {table} SET note = 'changed'")
    assert raw.execute(f"SELECT note FROM {table}").fetchall() == [("n",)]
