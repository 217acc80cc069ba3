"""批量上传 (seed 000): a learner uploads several of their own records from the Excel
template, all or none, as drafts to submit."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from claims.imports import MINE_COLUMNS
from claims.models import Claim, ClaimStatus
from claims.tests.helpers import YEAR
from claims.tests.test_claim_api import bearer
from conftest import login

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(rows, columns=MINE_COLUMNS):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(columns)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("records.xlsx", out.getvalue(), content_type=XLSX)


ROW = [YEAR, "光学设计研修班", "外部培训", "", f"{YEAR}-03-10", f"{YEAR}-03-12", 16, "SPIE", "北京"]


def test_template_download_and_upload_creates_drafts(cast, client):
    login(client, cast.learner)
    page = client.get("/learning/external/external_training/").content.decode()
    assert 'data-testid="batch-upload"' in page
    template = client.get("/learning/external/external_training/upload/template/")
    assert template.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(template.content)).active
    assert [c.value for c in sheet[1]] == MINE_COLUMNS
    rows = [ROW, [YEAR, "精密机械讲座", "其他培训", "", f"{YEAR}-04-01", f"{YEAR}-04-01", "2.5", "", ""]]
    response = client.post("/learning/external/external_training/upload/", {"file": workbook(rows)})
    assert response.status_code == 302
    claims = list(Claim.objects.order_by("start"))
    assert [(c.name, c.status, c.owner_id, c.minutes) for c in claims] == [
        ("光学设计研修班", ClaimStatus.DRAFT, cast.learner.pk, 960),
        ("精密机械讲座", ClaimStatus.DRAFT, cast.learner.pk, 150)]
    assert claims[1].category == "other"
    # The same file again adds nothing.
    client.post("/learning/external/external_training/upload/", {"file": workbook(rows)})
    assert Claim.objects.count() == 2


def test_a_bad_row_saves_nothing_and_gives_an_error_file(cast, client):
    login(client, cast.learner)
    rows = [ROW, [YEAR, "", "外部培训", "", f"{YEAR}-04-01", f"{YEAR}-04-01", 2, "", ""],
            [YEAR, "未知类别", "不存在", "", f"{YEAR}-05-01", f"{YEAR}-05-01", 2, "", ""],
            [YEAR + 1, "明年", "外部培训", "", f"{YEAR + 1}-01-01", f"{YEAR + 1}-01-01", 2, "", ""], ROW]
    response = client.post("/learning/external/external_training/upload/", {"file": workbook(rows)})
    assert response.status_code == 400 and not Claim.objects.exists()
    html = response.content.decode()
    assert 'data-testid="import-result"' in html and "请输入培训名称" in html and "与第 2 行重复" in html
    link = html.split('href="/learning/external/upload-errors/')[1].split('"')[0]
    errors = client.get(f"/learning/external/upload-errors/{link}")
    assert errors.status_code == 200
    found = [tuple(r) for r in openpyxl.load_workbook(io.BytesIO(b"".join(errors.streaming_content))).active.iter_rows(values_only=True)]
    assert [r[0] for r in found[1:]] == [3, 4, 5, 6]
    # Another session has no such file.
    client.logout()
    login(client, cast.colleague)
    assert client.get(f"/learning/external/upload-errors/{link}").status_code == 404


def test_wrong_columns_and_non_excel_are_form_errors(cast, client):
    login(client, cast.learner)
    response = client.post("/learning/external/external_training/upload/",
                           {"file": workbook([["x"]], columns=["姓名"])})
    assert response.status_code == 400 and 'data-field="file"' in response.content.decode()
    response = client.post("/learning/external/external_training/upload/",
                           {"file": SimpleUploadedFile("a.xlsx", b"not a workbook", content_type=XLSX)})
    assert response.status_code == 400 and not Claim.objects.exists()


def test_api_upload(cast):
    api = bearer(cast.learner)
    response = api.post("/api/v1/claims/mine/upload", {"kind": "external_training", "file": workbook([ROW])})
    assert response.status_code == 201 and response.json() == {"created": 1, "unchanged": 0}
    bad = api.post("/api/v1/claims/mine/upload", {"kind": "external_training",
                                                   "file": workbook([[YEAR, "", "", "", "", "", "", "", ""]])})
    assert bad.status_code == 400 and bad.json()["code"] == "import_errors" and bad.json()["errors"]
    assert Claim.objects.get().owner == cast.learner
