"""Backups of the database and the uploaded files, as one .tar archive:

    manifest.json   engine, time, migrations applied
    database        SQLite: a copy made with SQLite's online backup API
                    PostgreSQL: pg_dump custom format
    uploads/...     the files under MEDIA_ROOT (attachments, result files)

Restoring refuses an archive of another engine; the password of PostgreSQL goes through
PGPASSWORD, never the command line.
"""

import io
import json
import os
import shutil
import sqlite3
import subprocess  # noqa: S404 - pg_dump/pg_restore with fixed arguments
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connection


class BackupError(Exception):
    pass


def _pg_env(db) -> dict:
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def _pg_args(db) -> list[str]:
    args = []
    if db.get("HOST"):
        args += ["-h", db["HOST"]]
    if db.get("PORT"):
        args += ["-p", str(db["PORT"])]
    if db.get("USER"):
        args += ["-U", db["USER"]]
    return args


def backup(output: Path) -> dict:
    db = settings.DATABASES["default"]
    engine = connection.vendor
    with tempfile.TemporaryDirectory() as tmp:
        dump = Path(tmp) / "database"
        if engine == "sqlite":
            connection.ensure_connection()
            target = sqlite3.connect(dump)
            with target:
                connection.connection.backup(target)
            target.close()
        elif engine == "postgresql":
            result = subprocess.run(["pg_dump", "-Fc", "--no-owner", "-f", str(dump), *_pg_args(db), db["NAME"]],  # noqa: S603,S607
                                    env=_pg_env(db), capture_output=True, text=True, check=False)
            if result.returncode:
                raise BackupError(f"pg_dump failed: {result.stderr.strip()[:500]}")
        else:
            raise BackupError(f"cannot back up a {engine} database")
        from django.db.migrations.recorder import MigrationRecorder

        manifest = {"engine": engine, "created_at": datetime.now(UTC).isoformat(),
                    "migrations": MigrationRecorder(connection).migration_qs.count()}
        output.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(output, "w") as archive:
            data = json.dumps(manifest).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
            archive.add(dump, arcname="database")
            media = Path(settings.MEDIA_ROOT)
            if media.exists():
                archive.add(media, arcname="uploads")
    return manifest


def _safe_members(archive: tarfile.TarFile):
    for member in archive.getmembers():
        name = Path(member.name)
        if name.is_absolute() or ".." in name.parts or member.issym() or member.islnk():
            raise BackupError(f"refusing archive member {member.name!r}")
        yield member


def restore(source: Path) -> dict:
    db = settings.DATABASES["default"]
    engine = connection.vendor
    if not tarfile.is_tarfile(source):
        raise BackupError("this is not an xueshi backup archive")
    with tempfile.TemporaryDirectory() as tmp, tarfile.open(source) as archive:
        archive.extractall(tmp, members=list(_safe_members(archive)), filter="data")
        manifest_path = Path(tmp) / "manifest.json"
        if not manifest_path.exists():
            raise BackupError("the archive has no manifest.json")
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("engine") != engine:
            raise BackupError(f"this backup is of a {manifest.get('engine')} database; "
                              f"the configured database is {engine}")
        dump = Path(tmp) / "database"
        if engine == "sqlite":
            source_db = sqlite3.connect(dump)
            connection.ensure_connection()
            with source_db:
                source_db.backup(connection.connection)
            source_db.close()
        else:
            connection.close()
            result = subprocess.run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",  # noqa: S603,S607
                                     "-d", db["NAME"], *_pg_args(db), str(dump)],
                                    env=_pg_env(db), capture_output=True, text=True, check=False)
            if result.returncode:
                raise BackupError(f"pg_restore failed: {result.stderr.strip()[:500]}")
        uploads = Path(tmp) / "uploads"
        media = Path(settings.MEDIA_ROOT)
        if uploads.exists():
            if media.exists():
                shutil.rmtree(media)
            shutil.copytree(uploads, media)
    return manifest
