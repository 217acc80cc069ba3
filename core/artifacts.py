"""Files the server makes for one person (import results with initial passwords, error
reports): kept in the default storage (django.core.files.storage, so any app process,
or an object store, can serve them) under a random name, reachable only from the session
that made them, removed after a day."""

import secrets
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

SESSION_KEY = "xueshi_artifacts"
FOLDER = "artifacts"
MAX_AGE = timedelta(days=1)


def sweep(folder: str = FOLDER, max_age: timedelta = MAX_AGE) -> int:
    """Remove files of `folder` older than `max_age`; the number removed."""
    try:
        _dirs, names = default_storage.listdir(folder)
    except FileNotFoundError:
        return 0
    cutoff = timezone.now() - max_age
    removed = 0
    for name in names:
        key = f"{folder}/{name}"
        try:
            if default_storage.get_modified_time(key) < cutoff:
                default_storage.delete(key)
                removed += 1
        except (FileNotFoundError, NotImplementedError):
            continue
    return removed


def artifact_store(request, data: bytes, filename: str) -> str:
    sweep()
    token = secrets.token_urlsafe(18)
    default_storage.save(f"{FOLDER}/{token}.xlsx", ContentFile(data))
    entries = request.session.get(SESSION_KEY, {})
    entries[token] = filename
    request.session[SESSION_KEY] = entries
    return token


def artifact_open(request, token: str):
    """(an open file, the download name), or None if this session made no such file."""
    entries = request.session.get(SESSION_KEY, {})
    if token not in entries:
        return None
    try:
        return default_storage.open(f"{FOLDER}/{token}.xlsx", "rb"), entries[token]
    except (FileNotFoundError, OSError):
        return None
