"""Attachments: checked by content, stored through Django's storage API under a name the
server makes (a random stem and the extension of the type found in the content), removed
again if the transaction that wanted them fails, and served only as that type.

The client's file name is display text only: it never decides the type, the stored name
or the extension a browser saves the download under (issue 9, finding 7: a PDF/HTA
polyglot uploaded as `x.hta` was saved by Chromium as `x.hta`).
"""

import hashlib
import re
import secrets
import struct
import unicodedata
import zipfile
from contextlib import contextmanager

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from core.errors import DomainError, ErrorCode
from core.xlsx import zip_inflates_too_far

TYPES = {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png", "ofd": "application/ofd"}
# Shown inline on request (the reviewer's preview); everything else is only downloaded.
PREVIEWABLE = {"application/pdf", "image/jpeg", "image/png"}
EXTENSIONS = {mime: ext for ext, mime in TYPES.items()}
FOLDER = "claims"
# A sandboxed document: no script, no plugin, no form, no same-origin access, even if a
# browser were to render a polyglot as HTML despite nosniff.
SANDBOX_CSP = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
# An inline PDF, framed by the review page (审核): the browser's PDF viewer refuses to
# run in a sandboxed document, so this one is not sandboxed; instead nothing may load
# into it, and only a page of our own origin may frame it (frame-ancestors, and
# X-Frame-Options for older browsers). nosniff keeps it a PDF.
INLINE_PDF_CSP = "default-src 'none'; object-src 'self'; frame-ancestors 'self'"

# Markup that has no business in the first KB of a PDF or an image, but makes the file
# a polyglot another program (mshta, a browser) would run (`<hta:application>`).
_MARKUP = re.compile(rb"<\s*(script|hta:|html|svg|body|iframe|object|embed|!doctype\s+html)", re.I)

# OFD packages (GB/T 33190) of a certificate hold a few dozen entries and a few MB.
OFD_MAX_ENTRIES = 1000
OFD_MAX_UNCOMPRESSED = 50 * 1024 * 1024
OFD_MAX_RATIO = 100  # per entry, for entries above 64 KB uncompressed
OFD_MAX_CENTRAL_DIRECTORY = 256 * 1024
_EOCD = b"PK\x05\x06"


def max_bytes() -> int:
    """Per file (XUESHI_CLAIM_MAX_FILE_BYTES, config/settings.py)."""
    return settings.XUESHI_CLAIM_MAX_FILE_BYTES


def max_count() -> int:
    """Per claim (XUESHI_CLAIM_MAX_FILES)."""
    return settings.XUESHI_CLAIM_MAX_FILES


def storage_name(stored_name: str) -> str:
    """The storage key of an attachment row's file."""
    return f"{FOLDER}/{stored_name}"


def _bad(message) -> DomainError:
    return DomainError(ErrorCode.BAD_FILE, message, field="attachments")


def _not_accepted() -> DomainError:
    return _bad(_("Only PDF, JPEG, PNG and OFD files are accepted."))


def _check_ofd(upload) -> None:
    """Refuse a zip that is not a small OFD package, reading only its directory: the end
    record first (entry count and directory size, so a 100,001-entry file is refused
    before Python lists a single entry; ZIP64 is refused outright, an OFD certificate
    never needs it), then every entry's declared sizes (total, per-entry ratio: a 5 GiB
    bomb of zeros is refused without inflating a byte), then that OFD.xml sits at the
    root and names an OFD document."""
    upload.seek(0, 2)
    length = upload.tell()
    tail_size = min(length, 22 + 65535)
    upload.seek(length - tail_size)
    tail = upload.read(tail_size)
    at = tail.rfind(_EOCD)
    if at < 0 or len(tail) - at < 22:
        raise _not_accepted()
    (_sig, disk, _cd_disk, _here, entries, cd_size, _cd_offset, _comment) = struct.unpack(
        "<4sHHHHIIH", tail[at:at + 22])
    zip64 = at >= 20 and tail[at - 20:at - 16] == b"PK\x06\x07"
    if disk != 0 or zip64 or entries == 0xFFFF or cd_size == 0xFFFFFFFF or entries > OFD_MAX_ENTRIES \
            or cd_size > OFD_MAX_CENTRAL_DIRECTORY:
        raise _bad(_("The OFD file has too many entries."))
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            infos = archive.infolist()
            if len(infos) > OFD_MAX_ENTRIES:
                raise _bad(_("The OFD file has too many entries."))
            if zip_inflates_too_far(infos, max_total=OFD_MAX_UNCOMPRESSED, max_ratio=OFD_MAX_RATIO,
                                    ratio_from=64 * 1024):
                raise _bad(_("The OFD file expands to an implausible size and was refused."))
            entry = next((i for i in infos if i.filename == "OFD.xml"), None)
            if entry is None or entry.file_size > 1024 * 1024:
                raise _not_accepted()
            with archive.open(entry) as part:
                head = part.read(4096)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, ValueError):
        raise _not_accepted() from None
    if b"<!DOCTYPE" in head.upper() or b"<!ENTITY" in head.upper() or not re.search(rb"<(\w+:)?OFD[\s>]", head):
        raise _not_accepted()


def sniff(upload) -> str:
    """The file type from its content: PDF, JPEG, PNG or OFD (GB/T 33190: a zip package
    whose entry file OFD.xml sits at its root; any other zip is refused). Polyglots with
    HTML or HTA markup in their first KB are refused."""
    upload.seek(0)
    head = upload.read(1024)
    if head.startswith(b"%PDF-"):
        kind = "pdf"
    elif head.startswith(b"\xff\xd8\xff"):
        kind = "jpg"
    elif head.startswith(b"\x89PNG\r\n\x1a\n"):
        kind = "png"
    elif head.startswith(b"PK\x03\x04"):
        _check_ofd(upload)
        kind = "ofd"
    else:
        raise _not_accepted()
    if kind != "ofd" and _MARKUP.search(head):
        raise _bad(_("The file contains web page markup and was refused."))
    upload.seek(0)
    return kind


def clean_name(name: str) -> str:
    """Keep only the last path part and ordinary characters of a client's file name:
    no control or format characters (a right-to-left override can make `gpj.exe` read
    as `exe.jpg`), no characters Windows refuses."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(c for c in base if unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co"))
    base = re.sub(r"[<>:\"|?*]", "", base).strip(" .") or "file"
    return base[:200]


def download_name(original_name: str, content_type: str) -> str:
    """The name a browser saves the file under: the display name's stem with the
    extension of the type found at upload, whatever extension the client sent."""
    ext = EXTENSIONS.get(content_type, "bin")
    stem = clean_name(original_name)
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    return f"{stem.strip(' .') or 'file'}.{ext}"


def remove_stored(names) -> None:
    """Remove attachment files once the transaction that dropped their rows commits (at
    once outside a transaction); a rollback keeps them, as it keeps the rows."""
    keys = [storage_name(n) for n in names]
    if keys:
        transaction.on_commit(lambda: [default_storage.delete(k) for k in keys])


class FileBatch:
    """Files written during one service call; all removed if the call fails."""

    def __init__(self):
        self.keys: list[str] = []

    def store(self, upload) -> dict:
        too_large = DomainError(ErrorCode.TOO_LARGE, _("A file may have at most %(mb)d MB.")
                                % {"mb": max_bytes() // (1024 * 1024) or 1}, field="attachments")
        size = getattr(upload, "size", None)
        if size is not None and size > max_bytes():
            raise too_large
        if not size:
            raise _bad(_("The file is empty."))
        digest = hashlib.sha256()
        written = 0
        carry = b""
        hta = False
        upload.seek(0)
        for chunk in upload.chunks(64 * 1024):
            written += len(chunk)
            if written > max_bytes():
                raise too_large
            digest.update(chunk)
            # mshta runs an HTA application found anywhere in a file, not only at its start.
            hta = hta or b"<hta:" in (carry + chunk).lower()
            carry = chunk[-8:]
        kind = sniff(upload)
        if hta:
            raise _bad(_("The file contains web page markup and was refused."))
        key = default_storage.save(f"{FOLDER}/{secrets.token_hex(16)}.{kind}", upload)
        self.keys.append(key)
        return {"stored_name": key.rsplit("/", 1)[-1], "original_name": clean_name(upload.name),
                "content_type": TYPES[kind], "size": written, "sha256": digest.hexdigest()}

    def discard(self):
        for key in self.keys:
            default_storage.delete(key)


@contextmanager
def file_batch():
    batch = FileBatch()
    try:
        yield batch
    except BaseException:
        batch.discard()
        raise


def serve(item, *, inline: bool = False) -> FileResponse:
    """An attachment's file as its detected type: a download unless `inline` is asked
    for a previewable type; always nosniff, sandboxed and not cached."""
    key = storage_name(item.stored_name)
    try:
        handle = default_storage.open(key, "rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    content_type = item.content_type if item.content_type in EXTENSIONS else "application/octet-stream"
    inline = inline and content_type in PREVIEWABLE
    response = FileResponse(handle, as_attachment=not inline,
                            filename=download_name(item.original_name, content_type),
                            content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    if inline and content_type == "application/pdf":
        response["Content-Security-Policy"] = INLINE_PDF_CSP
        response["X-Frame-Options"] = "SAMEORIGIN"
    else:
        response["Content-Security-Policy"] = SANDBOX_CSP
    response["Cache-Control"] = "private, no-store"
    return response
