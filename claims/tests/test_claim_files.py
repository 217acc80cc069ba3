"""Attachments: content detection (JPEG, OFD) and the size limits as settings."""

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.services import token_create
from claims.models import Attachment, Claim
from claims.services import claim_create
from claims.tests.helpers import YEAR, claim_data, pdf
from conftest import login
from core.errors import DomainError, ErrorCode

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored(media) -> list[str]:
    folder = Path(media) / "claims"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _jpeg() -> bytes:
    """A complete baseline JPEG: one 8×8 grey block. Each Huffman table holds one 1-bit
    code (DC difference 0, end of block), so the scan is the two bits 00 plus padding."""
    def segment(marker: int, body: bytes) -> bytes:
        return bytes([0xFF, marker]) + (len(body) + 2).to_bytes(2, "big") + body

    one_code = bytes([1] + [0] * 15) + b"\x00"
    return (b"\xff\xd8"
            + segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
            + segment(0xDB, b"\x00" + b"\x01" * 64)
            + segment(0xC0, b"\x08\x00\x08\x00\x08\x01\x01\x11\x00")
            + segment(0xC4, b"\x00" + one_code) + segment(0xC4, b"\x10" + one_code)
            + segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
            + b"\x3f" + b"\xff\xd9")


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


JPEG = _jpeg()
OFD_XML = (b'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" '
           b'Version="1.0" DocType="OFD"><ofd:DocBody><ofd:DocInfo><ofd:DocID>1</ofd:DocID>'
           b'</ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>')
OFD = _zip({"OFD.xml": OFD_XML, "Doc_0/Document.xml": b"<ofd:Document/>"})


def test_jpeg_is_accepted_by_content(cast, media):
    assert JPEG[:3] == b"\xff\xd8\xff" and JPEG[-2:] == b"\xff\xd9"
    claim = claim_create(actor=cast.learner, kind="external_training", data=claim_data(),
                         files=[("certificate", SimpleUploadedFile("证书.JPG", JPEG))])
    item = claim.attachments.get()
    assert (item.content_type, item.original_name, item.size) == ("image/jpeg", "证书.JPG", len(JPEG))
    assert item.stored_name.endswith(".jpg") and stored(media) == [item.stored_name]


def test_ofd_is_accepted_by_content(cast, media):
    claim = claim_create(actor=cast.learner, kind="external_training", data=claim_data(),
                         files=[("certificate", SimpleUploadedFile("结业证书.ofd", OFD))])
    item = claim.attachments.get()
    assert item.content_type == "application/ofd" and item.stored_name.endswith(".ofd")


@pytest.mark.parametrize("data", [
    _zip({"word/document.xml": b"<w:document/>", "[Content_Types].xml": b"<Types/>"}),  # a .docx
    _zip({"Doc_0/OFD.xml": OFD_XML}),  # the entry file is not at the root
    b"PK\x03\x04" + b"\x00" * 200,  # not a readable zip
])
def test_zip_without_ofd_entry_is_refused(cast, media, data):
    with pytest.raises(DomainError) as exc:
        claim_create(actor=cast.learner, kind="external_training", data=claim_data(),
                     files=[("certificate", SimpleUploadedFile("x.ofd", data))])
    assert exc.value.code == ErrorCode.BAD_FILE and exc.value.field == "certificate"
    assert not Claim.objects.exists() and not Attachment.objects.exists() and stored(media) == []


def test_jpeg_and_ofd_through_the_api(cast):
    _token, secret = token_create(user=cast.learner)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    response = client.post("/api/v1/claims/mine", {
        "kind": "external_training", "year": YEAR, "name": "年会", "category": "external_training",
        "start": f"{YEAR}-03-10", "end": f"{YEAR}-03-11", "hours": "8",
        "notice": [SimpleUploadedFile("通知.jpg", JPEG)], "certificate": [SimpleUploadedFile("c.ofd", OFD)]})
    assert response.status_code == 201, response.content
    assert sorted((a["kind"], a["content_type"]) for a in response.json()["attachments"]) == [
        ("certificate", "application/ofd"), ("notice", "image/jpeg")]


# --- limits ----------------------------------------------------------------------------------

def test_the_request_limit_leaves_room_for_a_full_claim():
    full_claim = django_settings.XUESHI_CLAIM_MAX_FILES * django_settings.XUESHI_CLAIM_MAX_FILE_BYTES
    assert full_claim + 1024 * 1024 <= django_settings.XUESHI_MAX_UPLOAD_BYTES  # plus form fields


def _settings_in_env(env: dict) -> subprocess.CompletedProcess:
    dropped = {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "XUESHI_MAX_UPLOAD_BYTES",
               "XUESHI_CLAIM_MAX_FILE_BYTES", "XUESHI_CLAIM_MAX_FILES"}
    full = {k: v for k, v in os.environ.items() if k not in dropped}
    full.update(env)
    code = ("from django.conf import settings as s; "
            "print(s.XUESHI_CLAIM_MAX_FILE_BYTES, s.XUESHI_CLAIM_MAX_FILES, s.XUESHI_MAX_UPLOAD_BYTES)")
    return subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=full,
                          capture_output=True, text=True, timeout=120)


def test_limits_come_from_the_environment_and_bad_values_stop_the_start():
    result = _settings_in_env({})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == [str(10 * 1024 * 1024), "5", str(60 * 1024 * 1024)]
    result = _settings_in_env({"XUESHI_CLAIM_MAX_FILE_BYTES": "2048", "XUESHI_CLAIM_MAX_FILES": "2"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == ["2048", "2", str(60 * 1024 * 1024)]
    result = _settings_in_env({"XUESHI_CLAIM_MAX_FILES": "five"})
    assert result.returncode != 0 and "XUESHI_CLAIM_MAX_FILES" in result.stderr


def test_a_file_over_the_limit_is_a_clear_error_on_the_page_and_413_in_the_api(cast, client, settings, media):
    settings.XUESHI_CLAIM_MAX_FILE_BYTES = 4096
    big = b"%PDF-1.4\n" + b"0" * 8192
    login(client, cast.learner)
    form = {"year": YEAR, "name": "年会", "category": "external_training", "start": f"{YEAR}-03-10",
            "end": f"{YEAR}-03-11", "hours": "8"}
    page = client.post("/learning/external/external_training/new/",
                       {**form, "certificate": SimpleUploadedFile("big.pdf", big), "action": "save"})
    html = page.content.decode()
    assert page.status_code == 400 and 'data-field="certificate"' in html and "MB" in html
    _token, secret = token_create(user=cast.learner)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}").post("/api/v1/claims/mine", {
        **form, "kind": "external_training", "files": [SimpleUploadedFile("big.pdf", big)]})
    assert api.status_code == 413 and api.json()["code"] == "too_large"
    assert not Claim.objects.exists() and stored(media) == []
    # Within the limit the same request passes.
    ok = client.post("/learning/external/external_training/new/",
                     {**form, "certificate": pdf(), "action": "save"})
    assert ok.status_code == 302


def test_too_many_files_per_claim_is_a_setting(cast, settings):
    settings.XUESHI_CLAIM_MAX_FILES = 1
    with pytest.raises(DomainError) as exc:
        claim_create(actor=cast.learner, kind="external_training", data=claim_data(),
                     files=[("notice", pdf()), ("certificate", pdf())])
    assert exc.value.field == "attachments" and "1" in str(exc.value.message)
    assert not Claim.objects.exists()
