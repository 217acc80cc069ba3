"""Attachments: content detection (JPEG, OFD) and the size limits as settings."""

import io
import os
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.services import token_create
from claims import files
from claims.models import Attachment, Claim
from claims.services import claim_create
from claims.tests.helpers import PDF, PNG, YEAR, claim_data, pdf
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


# --- issue 9, finding 7: names, polyglots and OFD packages -----------------------------------

def _entry(name: bytes, data: bytes, crc: int, size: int, offset: int, method: int = 8) -> tuple[bytes, bytes]:
    """One zip entry by hand: its local header with data and its central directory record.
    Sizes of 4 GiB and more go into a ZIP64 extra field, as zip tools write them."""
    big = size >= 0xFFFFFFFF
    extra = struct.pack("<HHQQ", 1, 16, size, len(data)) if big else b""
    small = (0xFFFFFFFF, 0xFFFFFFFF) if big else (len(data), size)
    local = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 45 if big else 20, 0, method, 0, 0, crc,
                        small[0], small[1], len(name), len(extra)) + name + extra + data
    central = struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 45 if big else 20, 45 if big else 20, 0,
                          method, 0, 0, crc, small[0], small[1], len(name), len(extra), 0, 0, 0, 0,
                          offset) + name + extra
    return local, central


def _crafted_zip(entries) -> bytes:
    """A zip from (name, compressed data, crc, declared size, method) tuples; ZIP64 end
    records when there are more than 65,535 entries."""
    locals_, centrals, offset = [], [], 0
    for name, data, crc, size, method in entries:
        local, central = _entry(name, data, crc, size, offset, method)
        locals_.append(local)
        centrals.append(central)
        offset += len(local)
    directory = b"".join(centrals)
    count = len(centrals)
    tail = b""
    if count > 0xFFFF:
        end64_at = offset + len(directory)
        tail = (struct.pack("<4sQHHIIQQQQ", b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, len(directory), offset)
                + struct.pack("<4sIQI", b"PK\x06\x07", 0, end64_at, 1))
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, min(count, 0xFFFF), min(count, 0xFFFF),
                      len(directory), offset, 0)
    return b"".join(locals_) + directory + tail + end


def _ofd_entry():
    return (b"OFD.xml", OFD_XML, zlib.crc32(OFD_XML), len(OFD_XML), 0)


def _deflated_zeros(size: int) -> tuple[bytes, int]:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = b"\x00" * (1024 * 1024)
    crc, out = 0, []
    for _i in range(size // len(block)):
        out.append(packer.compress(block))
        crc = zlib.crc32(block, crc)
    out.append(packer.flush())
    return b"".join(out), crc


def _store(name: str, data: bytes, learner):
    return claim_create(actor=learner, kind="external_training", data=claim_data(),
                        files=[("certificate", SimpleUploadedFile(name, data))])


@pytest.mark.parametrize("name", ["证书.hta", "证书.html", "证书.svg", "证书.exe", "证书.pdf.hta", "证书"])
def test_the_download_carries_the_extension_of_the_detected_type(cast, client, media, name):
    claim = _store(name, PDF, cast.learner)
    item = claim.attachments.get()
    assert item.stored_name.endswith(".pdf") and item.content_type == "application/pdf"
    assert item.original_name == name  # kept for display only
    login(client, cast.learner)
    page = client.get(f"/claims/attachments/{item.pk}/")
    _token, secret = token_create(user=cast.learner)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get(f"/api/v1/claims/attachments/{item.pk}")
    for response in (page, api):
        assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
        disposition = response["Content-Disposition"]
        assert disposition.startswith("attachment;") and disposition.rstrip('"').endswith(".pdf")
        assert ".hta" not in disposition and ".html" not in disposition and ".exe" not in disposition
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"].startswith("sandbox; default-src 'none'")


def test_only_previewable_types_are_shown_inline(cast, client, media):
    claim = claim_create(actor=cast.learner, kind="external_training", data=claim_data(),
                         files=[("certificate", SimpleUploadedFile("c.ofd", OFD)),
                                ("notice", SimpleUploadedFile("n.png", PNG))])
    login(client, cast.learner)
    by_type = {a.content_type: a.pk for a in claim.attachments.all()}
    ofd = client.get(f"/claims/attachments/{by_type['application/ofd']}/?inline=1")
    png = client.get(f"/claims/attachments/{by_type['image/png']}/?inline=1")
    assert ofd["Content-Disposition"].startswith("attachment;") and ofd["Content-Disposition"].endswith('.ofd"')
    assert png["Content-Disposition"].startswith("inline;") and png["Content-Disposition"].endswith('.png"')
    assert "sandbox" in png["Content-Security-Policy"]


def test_display_names_lose_path_parts_and_direction_overrides(cast, media):
    claim = _store("..\\..\\evil\u202egpj.exe", PDF, cast.learner)
    item = claim.attachments.get()
    assert item.original_name == "evilgpj.exe"
    assert files.download_name(item.original_name, item.content_type) == "evilgpj.pdf"


@pytest.mark.parametrize("data", [
    PDF[:9] + b"<hta:application id=x><script>new ActiveXObject('WScript.Shell')</script>" + PDF[9:],
    PDF[:9] + b"<html><body><script>alert(1)</script></body></html>" + PDF[9:],
    PDF[:9] + b"< svg onload=alert(1)>" + PDF[9:],
    PNG + b"<script>alert(1)</script>",
    # mshta finds an HTA application anywhere in the file, not only in the first KB.
    PDF + b"%" + b"x" * 200_000 + b"<HTA:APPLICATION><script>x</script>",
], ids=["pdf-hta", "pdf-html", "pdf-svg", "png-script", "pdf-hta-late"])
def test_polyglots_with_web_markup_are_refused(cast, media, data):
    with pytest.raises(DomainError) as exc:
        _store("证书.pdf", data, cast.learner)
    assert exc.value.code == ErrorCode.BAD_FILE
    assert not Attachment.objects.exists() and stored(media) == []


def test_ofd_zip_bomb_of_five_gib_is_refused_without_inflating(cast, media):
    data, _crc = _deflated_zeros(1024 * 1024)
    bomb = _crafted_zip([_ofd_entry(), (b"Doc_0/Res/zeros.bin", data, zlib.crc32(b"\x00" * 1024 * 1024),
                                        5 * 1024 ** 3, 8)])
    assert len(bomb) < 8 * 1024
    with pytest.raises(DomainError) as exc:
        _store("bomb.ofd", bomb, cast.learner)
    assert exc.value.code == ErrorCode.BAD_FILE and stored(media) == []


def test_ofd_that_inflates_far_beyond_its_size_is_refused(cast, media):
    data, crc = _deflated_zeros(20 * 1024 * 1024)
    bomb = _crafted_zip([_ofd_entry(), (b"Doc_0/Res/zeros.bin", data, crc, 20 * 1024 * 1024, 8)])
    with zipfile.ZipFile(io.BytesIO(bomb)) as archive:
        assert archive.testzip() is None  # a valid zip: only its ratio is wrong
    with pytest.raises(DomainError) as exc:
        _store("bomb.ofd", bomb, cast.learner)
    assert exc.value.code == ErrorCode.BAD_FILE and "解压后大小异常" in str(exc.value.message)
    assert stored(media) == []


@pytest.mark.parametrize("count", [100_001, 2_000])
def test_ofd_with_too_many_entries_is_refused_from_its_end_record(cast, media, settings, count):
    settings.XUESHI_CLAIM_MAX_FILE_BYTES = 16 * 1024 * 1024
    empty = zlib.crc32(b"")
    crowd = _crafted_zip([_ofd_entry()] + [(b"%x" % i, b"", empty, 0, 0) for i in range(count - 1)])
    with zipfile.ZipFile(io.BytesIO(crowd)) as archive:
        assert len(archive.infolist()) == count  # a well-formed zip
    with pytest.raises(DomainError) as exc:
        _store("many.ofd", crowd, cast.learner)
    assert exc.value.code == ErrorCode.BAD_FILE and "条目过多" in str(exc.value.message)
    assert stored(media) == []


@pytest.mark.parametrize("xml", [
    b"<html><body>not an OFD document</body></html>",
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "a">]><ofd:OFD xmlns:ofd="x"/>',
])
def test_ofd_entry_file_must_name_an_ofd_document(cast, media, xml):
    with pytest.raises(DomainError) as exc:
        _store("x.ofd", _zip({"OFD.xml": xml}), cast.learner)
    assert exc.value.code == ErrorCode.BAD_FILE and stored(media) == []
