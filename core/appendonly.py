"""Database-enforced append-only tables (the ledger, the audit trail).

PostgreSQL: a BEFORE UPDATE OR DELETE row trigger raises. SQLite: triggers that call
RAISE(ABORT). Django's own test flush on SQLite deletes rows one table at a time, so the
SQLite DELETE trigger consults a function this process registers on every connection;
only the test suite's flush turns it off. A raw client (sqlite3 CLI, another program)
does not have the function at all, so its DELETE fails too.
"""

from django.db import migrations
from django.db.backends.signals import connection_created

_state = {"unlocked": False}


def unlocked_for_flush():
    """Context manager used only by the test suite to let Django flush tables."""
    from contextlib import contextmanager

    @contextmanager
    def _cm():
        _state["unlocked"] = True
        try:
            yield
        finally:
            _state["unlocked"] = False

    return _cm()


def _guard() -> int:
    return 0 if _state["unlocked"] else 1


def _register(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_function("xueshi_append_only", 0, _guard,
                                              deterministic=False)


def connect_sqlite_guard():
    connection_created.connect(_register, dispatch_uid="xueshi_append_only_guard")


class AppendOnly(migrations.operations.base.Operation):
    """Migration operation: make `table` refuse UPDATE and DELETE."""

    reversible = True
    reduces_to_sql = True

    def __init__(self, table: str):
        self.table = table

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        t = self.table
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                "CREATE OR REPLACE FUNCTION xueshi_forbid_change() RETURNS trigger AS $$ "
                "BEGIN RAISE EXCEPTION 'table %% is append-only', TG_TABLE_NAME "
                "USING ERRCODE = 'insufficient_privilege'; END; $$ LANGUAGE plpgsql;"
            )
            schema_editor.execute(
                f'CREATE TRIGGER "{t}_append_only" BEFORE UPDATE OR DELETE ON "{t}" '
                f"FOR EACH ROW EXECUTE FUNCTION xueshi_forbid_change();"
            )
        elif schema_editor.connection.vendor == "sqlite":
            schema_editor.execute(
                f'CREATE TRIGGER "{t}_no_update" BEFORE UPDATE ON "{t}" '
                f"BEGIN SELECT RAISE(ABORT, 'table {t} is append-only'); END;"
            )
            schema_editor.execute(
                f'CREATE TRIGGER "{t}_no_delete" BEFORE DELETE ON "{t}" '
                f"WHEN xueshi_append_only() "
                f"BEGIN SELECT RAISE(ABORT, 'table {t} is append-only'); END;"
            )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        t = self.table
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'DROP TRIGGER IF EXISTS "{t}_append_only" ON "{t}";')
        elif schema_editor.connection.vendor == "sqlite":
            schema_editor.execute(f'DROP TRIGGER IF EXISTS "{t}_no_update";')
            schema_editor.execute(f'DROP TRIGGER IF EXISTS "{t}_no_delete";')

    def describe(self):
        return f"Make {self.table} append-only"

    def deconstruct(self):
        return (self.__class__.__qualname__, [self.table], {})
