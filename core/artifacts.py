"""Files the server makes for one person (import results with initial passwords, error
reports): stored under a random name outside the static tree, reachable only from the
session that made them, removed after a day."""

import secrets
import time
from pathlib import Path

from django.conf import settings

SESSION_KEY = "xueshi_artifacts"
MAX_AGE = 24 * 3600


def _dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "artifacts"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _sweep(directory: Path) -> None:
    cutoff = time.time() - MAX_AGE
    for old in directory.glob("*.xlsx"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)


def artifact_store(request, data: bytes, filename: str) -> str:
    directory = _dir()
    _sweep(directory)
    token = secrets.token_urlsafe(18)
    (directory / f"{token}.xlsx").write_bytes(data)
    entries = request.session.get(SESSION_KEY, {})
    entries[token] = filename
    request.session[SESSION_KEY] = entries
    return token


def artifact_open(request, token: str) -> tuple[Path, str] | None:
    entries = request.session.get(SESSION_KEY, {})
    if token not in entries:
        return None
    path = _dir() / f"{token}.xlsx"
    if not path.exists():
        return None
    return path, entries[token]
