from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """Who did what, when, from where, to which object: one row per state change, login
    event or ledger posting. Append-only (database triggers, see migration 0002)."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    # Kept as text too, so the row still reads right after the actor renames themselves,
    # and for attempts by unknown login names.
    actor_label = models.CharField(max_length=200, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    # The org unit the object belongs to, so admins browse the trail of their scope only.
    org = models.ForeignKey("orgs.Org", null=True, blank=True, on_delete=models.PROTECT,
                            related_name="+")
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"


class JobKind(models.TextChoices):
    STAFF_IMPORT = "staff_import", _("Staff import")  # 人员导入
    CLAIMS_IMPORT = "claims_import", _("Claims import")  # 外部学习导入
    STAFF_EXPORT = "staff_export", _("Staff statistics export")  # 职工学习总体情况统计导出


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")  # enqueued, no worker has taken it yet
    RUNNING = "running", _("Running")  # a worker is on it; rows_done moves
    DONE = "done", _("Done")  # finished and written
    FAILED = "failed", _("Failed")  # nothing written; summary says why, error_file has the rows


class Job(models.Model):
    """A long piece of work run by the django-tasks worker (core/jobs.py), with its
    progress for the page that polls it. Seen only by its owner (404 for anybody else).
    Files live in the default storage under the keys kept here."""

    kind = models.CharField(max_length=24, choices=JobKind.choices)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=12, choices=JobStatus.choices, default=JobStatus.QUEUED)
    params = models.JSONField(default=dict, blank=True)  # what the runner needs (role, institute)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict, blank=True)  # counts, or {"message": …} on failure
    input_file = models.CharField(max_length=200, blank=True)  # the upload, removed when done
    error_file = models.CharField(max_length=200, blank=True)  # rows with errors (xlsx)
    result_file = models.CharField(max_length=200, blank=True)  # e.g. initial passwords (xlsx)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.kind} #{self.pk} {self.status}"

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    @property
    def is_export(self) -> bool:
        """An export (no input file, a result to download) rather than an import."""
        return self.kind.endswith("_export")

    @property
    def percent(self) -> int:
        if self.finished:
            return 100
        return min(99, self.rows_done * 100 // self.rows_total) if self.rows_total else 0
