"""Files through Django's storage API (issue 8): attachments and import result files
live wherever STORAGES["default"] says, so app processes keep nothing of their own and a
deployment can plug in object storage."""

import io
import re
from pathlib import Path

import openpyxl
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.staff_import import COLUMNS
from claims.services import claim_create, claims_delete
from claims.tests.helpers import PDF, claim_data
from conftest import enter_admin, login
from core.tests.xlsxfiles import upload, workbook_bytes

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
APPS = ["config", "core", "orgs", "accounts", "ledger", "claims", "notifications"]


@pytest.fixture
def memory_storage(settings, tmp_path):
    """A storage that is not the file system; MEDIA_ROOT points at an empty folder that
    must stay empty."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {**settings.STORAGES,
                         "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    assert type(default_storage._wrapped).__name__ in ("InMemoryStorage", "object")
    yield settings.MEDIA_ROOT
    assert not settings.MEDIA_ROOT.exists() or not any(settings.MEDIA_ROOT.rglob("*"))


def test_attachments_are_stored_served_and_removed_through_the_storage(
        cast, client, memory_storage, django_capture_on_commit_callbacks):
    claim = claim_create(actor=cast.learner, kind="external_training", data=claim_data(),
                         files=[("certificate", SimpleUploadedFile("c.pdf", PDF))])
    item = claim.attachments.get()
    assert type(default_storage._wrapped).__name__ == "InMemoryStorage"
    assert default_storage.exists(f"claims/{item.stored_name}")
    login(client, cast.learner)
    response = client.get(f"/claims/attachments/{item.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    with django_capture_on_commit_callbacks(execute=True):
        claims_delete(actor=cast.learner, claim_ids=[claim.pk])
    assert not default_storage.exists(f"claims/{item.stored_name}")


def test_import_result_files_go_through_the_storage(cast, client, memory_storage):
    enter_admin(client, cast.institute_admin)
    rows = [["", "N999", "", "", "", "", "", ""]]
    html = client.post("/manage/staff/import/", {"file": upload(workbook_bytes(COLUMNS, rows))}).content.decode()
    token = re.search(r"/manage/files/([\w-]+)/", html).group(1)
    assert default_storage.exists(f"artifacts/{token}.xlsx")
    download = client.get(f"/manage/files/{token}/")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    assert list(sheet.iter_rows(values_only=True))[1][:2] == (2, "姓名")


def test_app_code_never_opens_media_paths():
    """Only the settings (which define it) and the backup command of a file-system
    deployment may name MEDIA_ROOT; everything else goes through the storage API."""
    allowed = {Path("config/settings.py"), Path("core/backup.py")}
    offenders = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            relative = path.relative_to(ROOT)
            if "tests" in relative.parts or "migrations" in relative.parts or relative in allowed:
                continue
            if re.search(r"MEDIA_ROOT|FileSystemStorage\(", path.read_text(encoding="utf-8")):
                offenders.append(str(relative))
    assert offenders == []
