"""The yearly reports institutes hand in (seed 002): the backbone-talent report
(骨干人才筛选上报表) and the annual training summary (年度培训总结).

Figures themselves are never stored while they can still change: they are computed
from the ledger (reports.queries). What is stored is what people decide — who is
reported, when the year was locked, the summary's two hand-entered fields — and, at
the moment of 完成上报 or of a summary's 刷新数据, the figures as they stood, so a
locked report reads the same for ever.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.workflow import ACTOR, NOW, History, Step, Workflow


class BackboneWindow(models.Model):
    """The reporting window the academy opens for a year (骨干人才上报时间范围): inside
    it, from opens_on to closes_on inclusive, institutes report and revoke."""

    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="backbone_windows")
    year = models.PositiveSmallIntegerField(_("year"))
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="backbonewindow_unique")]
        ordering = ["-year"]

    def __str__(self):
        return f"{self.org_id} {self.year}: {self.opens_on} – {self.closes_on}"

    def is_open(self, day) -> bool:
        return self.opens_on <= day <= self.closes_on


class BackboneStatus(models.TextChoices):
    OPEN = "open", _("Not yet completed")  # 尚未完成上报: people can be reported and revoked
    LOCKED = "locked", _("Completed")  # 已完成上报: final, nothing about it changes again


BACKBONE_WORKFLOW = Workflow(
    name="backbone_report", status=BackboneStatus, noun=_("backbone report"),
    history=History("reports.BackboneReportEvent", "report"),
    org_of=lambda report: report.institute,
    steps=[Step(BackboneStatus.OPEN, "lock", BackboneStatus.LOCKED, event="locked",
                label=_("complete the report"), stamp={"locked_at": NOW, "locked_by": ACTOR})])


class BackboneReport(models.Model):
    """One institute's backbone report of one year. Created on the first report (or
    lock); locked for good by 完成上报, which stores the figures as they stood."""

    workflow = BACKBONE_WORKFLOW
    institute = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="backbone_reports")
    year = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=8, choices=BackboneStatus.choices, default=BackboneStatus.OPEN)
    locked_at = models.DateTimeField(null=True, blank=True)
    locked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    # At the lock: {"staff", "ratio_permille", "reported"} (the rate follows from them).
    figures = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["institute", "year"], name="backbonereport_unique")]
        ordering = ["-year", "institute"]

    def __str__(self):
        return f"{self.institute_id} {self.year} {self.status}"

    @property
    def locked(self) -> bool:
        return self.status == BackboneStatus.LOCKED


class BackboneReportEvent(models.Model):
    report = models.ForeignKey(BackboneReport, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    from_status = models.CharField(max_length=8, blank=True)
    to_status = models.CharField(max_length=8)
    reason = models.CharField(max_length=500, blank=True)

    def __str__(self):
        return f"{self.report_id} {self.from_status}→{self.to_status}"


class BackboneNomination(models.Model):
    """A person reported as backbone talent (上报). Revoking removes the row (and writes
    an audit row); once the report is locked no row of it is added or removed."""

    report = models.ForeignKey(BackboneReport, on_delete=models.PROTECT, related_name="nominations")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField(auto_now_add=True)
    # The person's figures when reported, then again at the lock (minutes).
    total_minutes = models.IntegerField(default=0)
    effective_minutes = models.IntegerField(default=0)
    largest_minutes = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["report", "person"], name="backbonenomination_unique")]
        ordering = ["report", "person"]

    def __str__(self):
        return f"{self.report_id} {self.person_id}"


class SummaryStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")  # created, figures refreshable, two fields editable
    SUBMITTED = "submitted", _("Submitted")  # handed in; final


SUMMARY_WORKFLOW = Workflow(
    name="annual_summary", status=SummaryStatus, noun=_("annual summary"),
    history=History("reports.AnnualSummaryEvent", "summary"),
    org_of=lambda summary: summary.institute,
    steps=[Step(SummaryStatus.DRAFT, "submit", SummaryStatus.SUBMITTED, event="submitted",
                label=_("submit"), stamp={"submitted_at": NOW, "submitted_by": ACTOR})])


class AnnualSummary(models.Model):
    """年度培训总结 of one institute and year. The computed fields are written only by
    刷新数据 (summary_refresh) from the system's figures; 总人次 and 总经费 by the admin."""

    workflow = SUMMARY_WORKFLOW
    institute = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="annual_summaries")
    year = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=12, choices=SummaryStatus.choices, default=SummaryStatus.DRAFT)
    # Editable (seed 002: 可以修改). 总人次 starts from the projects' planned attendees.
    person_times = models.PositiveIntegerField(_("total person-times"), null=True, blank=True)
    funding = models.DecimalField(_("total funding (10k yuan)"), max_digits=12, decimal_places=2,
                                  null=True, blank=True)
    # Computed (灰色, not editable); None where the figure is not available.
    plan_rate = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    staff_met = models.PositiveIntegerField(default=0)
    staff_required = models.PositiveIntegerField(default=0)
    completion_rate = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    staff_total = models.PositiveIntegerField(default=0)
    backbone_rate = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    total_minutes = models.BigIntegerField(default=0)
    average_minutes = models.IntegerField(null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["institute", "year"], name="annualsummary_unique")]
        ordering = ["-year", "institute"]

    def __str__(self):
        return f"{self.institute_id} {self.year}"


class AnnualSummaryEvent(models.Model):
    summary = models.ForeignKey(AnnualSummary, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    reason = models.CharField(max_length=500, blank=True)

    def __str__(self):
        return f"{self.summary_id} {self.from_status}→{self.to_status}"
