"""On PostgreSQL the progress row moves while the import's transaction is still open:
another connection (the page's) sees rows done grow before anything is committed."""

import threading
import time

import pytest
from django.db import connection
from django_tasks_db.management.commands.db_worker import Worker

from claims.imports import COLUMNS, claims_import_job
from claims.models import Claim
from claims.tests.helpers import YEAR
from core.jobs import job_start
from core.models import Job, JobKind, JobStatus
from core.tests.xlsxfiles import workbook_bytes

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def test_progress_is_visible_while_the_import_runs(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    admin = cast.institute_admin
    rows = [["N001", "", "张三", "外部培训", YEAR, f"年会{i}", "外部培训", f"{YEAR}-03-10", f"{YEAR}-03-11",
             8, "", ""] for i in range(80)]
    job = job_start(actor=admin, kind=JobKind.CLAIMS_IMPORT, data=workbook_bytes(COLUMNS, rows), rows_total=80,
                    params={"role_id": admin.roles.get().pk}, runner=claims_import_job)

    def work():
        # db_worker's own loop, minus its signal handlers (those need the main thread).
        try:
            Worker(queue_names=["default"], interval=0, batch=True, backend_name="default",
                   startup_delay=False, max_tasks=None, worker_id="test", excluded_queue_names=[]).run()
        finally:
            connection.close()

    worker = threading.Thread(target=work)
    worker.start()
    seen = []
    while worker.is_alive():
        row = Job.objects.filter(pk=job.pk).values_list("status", "rows_done").get()
        if row[0] == JobStatus.RUNNING and 0 < row[1] < 80:
            seen.append((row[1], Claim.objects.count()))
        time.sleep(0.02)
    worker.join()
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.rows_done == 80 and Claim.objects.count() == 80
    assert seen, "no progress was visible while the import ran"
    assert all(claims == 0 for _done, claims in seen)  # nothing committed before the end
    assert [done for done, _c in seen] == sorted(done for done, _c in seen)
