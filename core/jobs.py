"""Long work on the django-tasks worker (`xueshi db_worker`), with a progress row.

An import of more than XUESHI_IMPORT_INLINE_ROWS rows is not run in the request: the
view calls `job_start`, which keeps the upload in the default storage, writes a `Job`
row and enqueues `run_job` once that row is committed. The worker runs the app's runner
(a function marked with `@job_runner(kind)`), which does the import exactly as the
request would (one transaction, all or nothing) and reports rows done through `progress`.
The page polls the row (`core/templates/core/job_progress.html`) and, when done, links
the result or the error file, both in the default storage and served only to the owner.

Progress is written through a connection of its own so the page sees it while the
import's transaction is still open; SQLite allows only one writer, so there the row
jumps from 0 to done.
"""

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django_tasks import task

from core.audit import audit_record
from core.errors import DomainError
from core.models import Job, JobStatus
from core.xlsx import write_xlsx

logger = logging.getLogger(__name__)
FOLDER = "jobs"
KEEP_FILES = timedelta(days=1)
ERROR_HEADERS = ["行号", "列", "错误"]


def inline_rows() -> int:
    """Imports of at most this many rows finish inside the request."""
    return settings.XUESHI_IMPORT_INLINE_ROWS


@dataclass
class JobOutcome:
    """What a runner hands back: counts for the page, the rows with errors (the import
    then wrote nothing), and optionally a result file (headers, rows, download name)."""

    summary: dict
    errors: list = field(default_factory=list)  # (row, column, message)
    result: tuple | None = None
    # A result the runner already wrote to the default storage (a large export written
    # in constant memory): (storage key, download name).
    stored_result: tuple | None = None


def job_runner(kind: str):
    """Mark a function `runner(job, data: bytes, progress) -> JobOutcome` as the one
    that runs jobs of `kind`; `run_job` refuses any other function."""
    def mark(function: Callable) -> Callable:
        function.job_kind = kind
        return function
    return mark


def result_key(suffix: str = ".xlsx") -> str:
    """A fresh storage key for a result file a runner writes itself."""
    return _key(suffix)


def _key(suffix: str) -> str:
    return f"{FOLDER}/{secrets.token_hex(16)}{suffix}"


def jobs_prune(now=None) -> int:
    """Remove the files of jobs finished more than a day ago (the rows stay as history)."""
    cutoff = (now or timezone.now()) - KEEP_FILES
    pruned = 0
    for job in Job.objects.filter(finished_at__lt=cutoff).exclude(error_file="", result_file=""):
        for key in (job.error_file, job.result_file):
            if key:
                default_storage.delete(key)
        Job.objects.filter(pk=job.pk).update(error_file="", result_file="")
        pruned += 1
    return pruned


def job_start(*, actor, kind: str, data: bytes, rows_total: int, params: dict, runner: Callable) -> Job:
    """Queue `runner` over the uploaded `data`. Invariant: the job row, its input file
    and its audit row exist together, and the task is enqueued only after they commit
    (a worker never sees a job that a rollback takes back)."""
    if getattr(runner, "job_kind", None) != kind:
        raise ValueError(f"{runner!r} is not a runner of {kind}")
    jobs_prune()
    path = f"{runner.__module__}.{runner.__name__}"
    key = default_storage.save(_key(".xlsx"), ContentFile(data))
    try:
        with transaction.atomic():
            job = Job.objects.create(kind=kind, owner=actor, rows_total=rows_total, input_file=key,
                                     params={**params, "language": translation.get_language()})
            audit_record(actor=actor, action="job.start", obj=job,
                         after={"kind": kind, "rows": rows_total})
            transaction.on_commit(lambda: run_job.enqueue(job.pk, path))
    except BaseException:
        default_storage.delete(key)
        raise
    return job


def get_job_for(user, pk) -> Job:
    """The job, for its owner only; 404 for everybody else, as if it did not exist."""
    job = Job.objects.filter(pk=pk, owner_id=getattr(user, "pk", None)).first()
    if job is None:
        raise Http404
    return job


_PROGRESS_SQL = "UPDATE core_job SET rows_done = %s WHERE id = %s"


class Progress:
    """`progress(done)` from inside the runner's transaction: written about every 2% of
    the rows through a connection of its own (PostgreSQL), so others see it at once."""

    def __init__(self, job: Job):
        self.job_id = job.pk
        self.step = max(1, job.rows_total // 50)
        self.last = 0
        self.connection = None
        self.vendor = connections[DEFAULT_DB_ALIAS].vendor

    def __call__(self, done: int) -> None:
        if done - self.last < self.step:
            return
        self.last = done
        if self.vendor != "postgresql":
            return
        try:
            if self.connection is None:
                self.connection = connections.create_connection(DEFAULT_DB_ALIAS)
                with self.connection.cursor() as cursor:
                    cursor.execute("SET lock_timeout = '2s'")
            with self.connection.cursor() as cursor:
                cursor.execute(_PROGRESS_SQL, [done, self.job_id])
        except DatabaseError:
            logger.warning("progress of job %s not written", self.job_id, exc_info=True)

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


def _finish(job: Job, status: str, summary: dict, *, errors=(), result=None, stored_result=None,
            rows_done=None) -> None:
    error_file = result_file = ""
    name = None
    if errors:
        error_file = default_storage.save(_key(".xlsx"), ContentFile(write_xlsx(ERROR_HEADERS, list(errors))))
    if result:
        headers, rows, name = result
        result_file = default_storage.save(_key(".xlsx"), ContentFile(write_xlsx(headers, rows)))
    elif stored_result:
        result_file, name = stored_result
    Job.objects.filter(pk=job.pk).update(
        status=status, summary={**summary, **({"result_name": name} if name else {})},
        error_file=error_file, result_file=result_file, input_file="", finished_at=timezone.now(),
        rows_done=job.rows_total if rows_done is None else rows_done)


@task()
def run_job(job_id: int, runner_path: str) -> str:
    """The worker's side: run the job's runner once, record the outcome on the row."""
    job = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).first()
    if job is None:
        return "gone"
    with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
        try:
            runner = import_string(runner_path)
        except ImportError:
            runner = None
        if getattr(runner, "job_kind", None) != job.kind:
            _finish(job, JobStatus.FAILED, {"message": _("The work could not be started.")}, rows_done=0)
            return JobStatus.FAILED
        Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)
        progress = Progress(job)
        try:
            with default_storage.open(job.input_file, "rb") as handle:
                data = handle.read()
            outcome = runner(job, data, progress)
        except DomainError as exc:
            _finish(job, JobStatus.FAILED, {"message": str(exc.message)}, rows_done=0)
        except Exception:
            logger.exception("job %s (%s) failed", job.pk, job.kind)
            _finish(job, JobStatus.FAILED, {"message": _("The work failed unexpectedly; nothing was written.")},
                    rows_done=0)
        else:
            if outcome.errors:
                _finish(job, JobStatus.FAILED, {**outcome.summary, "errors": len(outcome.errors)},
                        errors=outcome.errors)
            else:
                _finish(job, JobStatus.DONE, outcome.summary, result=outcome.result,
                        stored_result=outcome.stored_result)
        finally:
            progress.close()
            default_storage.delete(job.input_file)
    return Job.objects.get(pk=job.pk).status
