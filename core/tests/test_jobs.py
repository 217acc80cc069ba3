"""Background work that really runs (issue 8): large imports go to the django-tasks
worker with a progress row; small ones still finish in the request."""

import io
import re

import openpyxl
import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django_tasks_db.management.commands.db_worker import Worker

from accounts.models import User
from accounts.staff_import import COLUMNS as STAFF_COLUMNS
from claims.imports import COLUMNS as CLAIM_COLUMNS
from claims.models import Claim
from claims.tests.helpers import YEAR
from conftest import enter_admin
from core.models import AuditEvent, Job, JobStatus
from core.tests.xlsxfiles import upload, workbook_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.XUESHI_IMPORT_INLINE_ROWS = 3
    return tmp_path


@pytest.fixture(autouse=True)
def _keep_the_test_connection(monkeypatch):
    """The worker drops database connections that are inside a transaction between
    tasks; in a test that transaction is the test's own (PostgreSQL would close it)."""
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)


def run_worker():
    """`xueshi db_worker --batch`: its own loop until the queue is empty, without the
    signal handlers the command would leave installed in the test process."""
    Worker(queue_names=["default"], interval=0, batch=True, backend_name="default", startup_delay=False,
           max_tasks=None, worker_id="test", excluded_queue_names=[]).run()


def claim_row(title, kind="外部培训"):
    return ["N001", "", "张三", kind, YEAR, title, "外部培训", f"{YEAR}-03-10", f"{YEAR}-03-11", 8, "SPIE", "北京"]


def post_claims(client, rows, capture):
    with capture(execute=True):  # the task is enqueued when the job row commits
        return client.post("/manage/claims/import/", {"file": upload(workbook_bytes(CLAIM_COLUMNS, rows))})


def test_a_large_claims_import_runs_on_the_worker_and_reports_progress(
        cast, client, django_capture_on_commit_callbacks):
    enter_admin(client, cast.institute_admin)
    response = post_claims(client, [claim_row(f"年会{i}") for i in range(5)], django_capture_on_commit_callbacks)
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/manage/jobs/{job.pk}/"
    assert (job.kind, job.status, job.rows_total, job.rows_done) == ("claims_import", JobStatus.QUEUED, 5, 0)
    assert not Claim.objects.exists() and default_storage.exists(job.input_file)
    assert AuditEvent.objects.filter(action="job.start", object_id=str(job.pk), actor=cast.institute_admin).exists()
    page = client.get(response["Location"]).content.decode()
    assert f'data-poll="/manage/jobs/{job.pk}/progress/"' in page and 'value="0"' in page
    assert "/static/js/app.js" in page  # the poller

    run_worker()

    job.refresh_from_db()
    assert (job.status, job.rows_done, job.summary) == (JobStatus.DONE, 5, {"created": 5, "unchanged": 0})
    assert job.finished_at is not None and job.error_file == "" and job.input_file == ""
    assert Claim.objects.filter(owner=cast.learner).count() == 5
    partial = client.get(f"/manage/jobs/{job.pk}/progress/").content.decode()
    assert "data-poll" not in partial and 'value="100"' in partial and "新增：5" in partial


def test_a_failing_large_import_writes_nothing_and_leaves_the_error_file(
        cast, client, django_capture_on_commit_callbacks):
    enter_admin(client, cast.institute_admin)
    rows = [claim_row(f"年会{i}") for i in range(5)] + [claim_row("坏的", kind="旅游")]
    post_claims(client, rows, django_capture_on_commit_callbacks)
    run_worker()
    job = Job.objects.get()
    assert job.status == JobStatus.FAILED and job.summary["errors"] == 1 and job.rows_done == 6  # all checked
    assert not Claim.objects.exists()
    partial = client.get(f"/manage/jobs/{job.pk}/progress/").content.decode()
    assert 'data-testid="job-failed"' in partial and "data-poll" not in partial
    link = re.search(r'href="(/manage/jobs/\d+/files/errors/)"', partial).group(1)
    download = client.get(link)
    assert download.status_code == 200 and download["X-Content-Type-Options"] == "nosniff"
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    assert [r[:2] for r in sheet.iter_rows(min_row=2, values_only=True)] == [(7, "类型")]


def test_a_large_staff_import_hands_its_passwords_to_the_owner_only(
        cast, client, django_capture_on_commit_callbacks):
    cast.niaot.initial_password_mode = "random"
    cast.niaot.save()
    enter_admin(client, cast.institute_admin)
    rows = [[f"新人{i}", f"M{i:03d}", "", "", "光学部", "科研岗", "2024-03-01", "是"] for i in range(4)]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/manage/staff/import/", {"file": upload(workbook_bytes(STAFF_COLUMNS, rows))})
    job = Job.objects.get()
    assert response["Location"] == f"/manage/jobs/{job.pk}/" and not User.objects.filter(employee_no="M000").exists()
    run_worker()
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.summary["created"] == 4 and job.rows_done == 4
    download = client.get(f"/manage/jobs/{job.pk}/files/result/")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    passwords = {r[1]: r[3] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert User.objects.get(employee_no="M002").check_password(passwords["M002"])
    # Everybody else, even an admin above the owner, gets 404 for the page, the progress and the files.
    other = enter_admin(Client(), cast.academy_admin)
    for url in (f"/manage/jobs/{job.pk}/", f"/manage/jobs/{job.pk}/progress/",
                f"/manage/jobs/{job.pk}/files/result/", f"/manage/jobs/{job.pk}/files/errors/"):
        assert other.get(url).status_code == 404, url
    assert client.get(f"/manage/jobs/{job.pk}/files/errors/").status_code == 404  # there is none


def test_a_small_import_still_finishes_in_the_request(cast, client, django_capture_on_commit_callbacks):
    enter_admin(client, cast.institute_admin)
    response = post_claims(client, [claim_row(f"年会{i}") for i in range(3)], django_capture_on_commit_callbacks)
    assert response.status_code == 200 and Claim.objects.count() == 3 and not Job.objects.exists()


def test_a_job_whose_role_was_removed_writes_nothing(cast, client, django_capture_on_commit_callbacks):
    enter_admin(client, cast.institute_admin)
    post_claims(client, [claim_row(f"年会{i}") for i in range(5)], django_capture_on_commit_callbacks)
    cast.institute_admin.roles.all().delete()
    run_worker()
    job = Job.objects.get()
    assert job.status == JobStatus.FAILED and "管理角色" in job.summary["message"]
    assert not Claim.objects.exists()
