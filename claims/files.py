"""Attachments: checked by content, stored under random names outside the static tree,
removed again if the transaction that wanted them fails."""

import hashlib
import re
import secrets
import zipfile
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from core.errors import DomainError, ErrorCode

TYPES = {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png", "ofd": "application/ofd"}


def max_bytes() -> int:
    """Per file (XUESHI_CLAIM_MAX_FILE_BYTES, config/settings.py)."""
    return settings.XUESHI_CLAIM_MAX_FILE_BYTES


def max_count() -> int:
    """Per claim (XUESHI_CLAIM_MAX_FILES)."""
    return settings.XUESHI_CLAIM_MAX_FILES


def storage_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "claims"
    path.mkdir(parents=True, exist_ok=True)
    return path


def sniff(head: bytes, path: Path) -> str | None:
    """The file type from its first bytes: PDF, JPEG, PNG or OFD (GB/T 33190: a zip
    package whose entry file OFD.xml sits at its root; any other zip is refused)."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                if "OFD.xml" in archive.namelist():
                    return "ofd"
        except zipfile.BadZipFile:
            return None
    return None


def clean_name(name: str) -> str:
    """Keep only the last path part and ordinary characters of a client's file name."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = re.sub(r"[\x00-\x1f\x7f<>:\"|?*]", "", base).strip(" .") or "file"
    return base[:200]


class FileBatch:
    """Files written during one service call; all removed if the call fails."""

    def __init__(self):
        self.paths: list[Path] = []

    def store(self, upload) -> dict:
        size = getattr(upload, "size", None)
        if size is not None and size > max_bytes():
            raise DomainError(ErrorCode.TOO_LARGE, _("A file may have at most %(mb)d MB.")
                              % {"mb": max_bytes() // (1024 * 1024) or 1}, field="attachments")
        if not size:
            raise DomainError(ErrorCode.BAD_FILE, _("The file is empty."), field="attachments")
        stored = secrets.token_hex(16)
        path = storage_dir() / stored
        self.paths.append(path)
        digest = hashlib.sha256()
        written = 0
        with path.open("wb") as out:
            for chunk in upload.chunks(64 * 1024):
                written += len(chunk)
                if written > max_bytes():
                    raise DomainError(ErrorCode.TOO_LARGE, _("A file may have at most %(mb)d MB.")
                                      % {"mb": max_bytes() // (1024 * 1024) or 1}, field="attachments")
                digest.update(chunk)
                out.write(chunk)
        with path.open("rb") as f:
            head = f.read(16)
        kind = sniff(head, path)
        if kind is None:
            raise DomainError(ErrorCode.BAD_FILE, _("Only PDF, JPEG, PNG and OFD files are accepted."),
                              field="attachments")
        final = path.with_name(f"{stored}.{kind}")
        path.rename(final)
        self.paths[-1] = final
        return {"stored_name": final.name, "original_name": clean_name(upload.name),
                "content_type": TYPES[kind], "size": written, "sha256": digest.hexdigest()}

    def discard(self):
        for path in self.paths:
            path.unlink(missing_ok=True)


@contextmanager
def file_batch():
    batch = FileBatch()
    try:
        yield batch
    except BaseException:
        batch.discard()
        raise


def remove_stored(names) -> None:
    for name in names:
        (storage_dir() / name).unlink(missing_ok=True)
