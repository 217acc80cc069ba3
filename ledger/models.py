"""The hours ledger and the yearly policy (SPEC §2).

Every credited minute is a LedgerEntry naming its source; entries are never changed
(database triggers refuse UPDATE and DELETE), corrections are reversing entries.
LedgerTotal keeps per person, year, month and class sums in the same transaction as
every posting, so academy-wide figures read O(people) rows; `xueshi ledger_check`
verifies them against the entries.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class BackboneBasis(models.TextChoices):
    TOTAL = "total", _("Total hours")  # 培训总时长 (the CAS default, seed 002: 培训总学时达到100小时)
    EFFECTIVE = "effective", _("Effective hours")  # 有效学时


class HoursDisplay(models.TextChoices):
    HOURS_MINUTES = "hm", _("Hours and minutes (16小时10分)")  # CAS (seeds 000-002)
    DECIMAL = "decimal", _("Decimal study hours (2.5学时)")  # CAST (seed 003)


class Terms(models.TextChoices):
    """Whose words the learner's pages use: the menus and tabs of the CAS network or of
    the CAST party school (我的学时补录, 外部现场培训, 外部网络培训, 我的学习档案)."""

    CAS = "cas", _("CAS continuing-education network")
    CAST = "cast", _("CAST online party school")


class Policy(models.Model):
    """The rules of one top organisation (academy) for one calendar year."""

    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="policies")
    year = models.PositiveSmallIntegerField()
    # None: not set yet. The CAST rule set ships no target and no backbone thresholds
    # (seed 003 gives none); the organisation's admin sets them on the policy page.
    annual_target_minutes = models.PositiveIntegerField(_("yearly target"), default=100 * 60,
                                                        null=True, blank=True)
    backbone_single_min_minutes = models.PositiveIntegerField(
        _("backbone: one training of more than"), default=40 * 60, null=True, blank=True)
    backbone_ratio_permille = models.PositiveSmallIntegerField(_("backbone ratio (‰)"), default=40,
                                                               null=True, blank=True)
    backbone_basis = models.CharField(_("backbone basis"), max_length=16,
                                      choices=BackboneBasis.choices, default=BackboneBasis.TOTAL)
    chapter_threshold_percent = models.PositiveSmallIntegerField(_("chapter threshold (%)"),
                                                                 default=60)
    heartbeat_seconds = models.PositiveSmallIntegerField(_("heartbeat interval (s)"), default=30)
    # CAST (seed 003): the learner picks the year (年份) a claim's hours count in; under
    # the CAS rules a claim's hours fall in the months it spans.
    claim_year_chosen = models.BooleanField(_("learners choose the year of a claim"),
                                            default=False)
    hours_display = models.CharField(_("hours shown as"), max_length=8, choices=HoursDisplay.choices,
                                     default=HoursDisplay.HOURS_MINUTES)
    terms = models.CharField(_("page terms"), max_length=8, choices=Terms.choices, default=Terms.CAS)
    # Set when the year's backbone report is locked; the policy is then final.
    locked_at = models.DateTimeField(null=True, blank=True)
    locked_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="policy_unique_year")]
        ordering = ["org", "-year"]

    def __str__(self):
        return f"{self.org} {self.year}"


class CapClass(models.Model):
    """A class of hours with its yearly cap (online 50 h, self-study 10 h, offline none,
    公派留学 100 h …)."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="classes")
    code = models.SlugField(max_length=32)
    name = models.CharField(max_length=64)
    cap_minutes = models.PositiveIntegerField(null=True, blank=True)  # None: no cap
    # False while the cap is not set yet (the CAST rule set ships none): it counts as no
    # cap and the policy page says "not set" until an admin saves the class.
    cap_set = models.BooleanField(default=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["policy", "code"], name="capclass_unique")]
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.name


class CategoryKind(models.TextChoices):
    TRAINING_CATEGORY = "training_category", _("Training category")  # 培训类别 (CAS)
    SUBJECT = "subject", _("Subject")  # 培训科目 (CAST)


class Category(models.Model):
    """A training category or subject, mapped to the class its hours count in."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="categories")
    cap_class = models.ForeignKey(CapClass, on_delete=models.CASCADE, related_name="categories")
    code = models.SlugField(max_length=64)
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=24, choices=CategoryKind.choices,
                            default=CategoryKind.TRAINING_CATEGORY)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["policy", "code"], name="category_unique")]
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.name


class SourceKind(models.TextChoices):
    PROJECT = "project", _("Training project")  # attendance confirmed by an admin
    CLAIM = "claim", _("External learning claim")  # reviewed claim
    COURSE = "course", _("Online courseware")  # server-measured course time
    ADMIN = "admin", _("Credited by an administrator")  # 补录 / admin import


class LedgerEntry(models.Model):
    """Minutes credited to a person in one month, from one source. Append-only."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="ledger_entries")
    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()
    cap_class = models.CharField(max_length=32)
    category = models.CharField(max_length=64, blank=True)
    minutes = models.IntegerField()  # negative only in reversing entries
    source_kind = models.CharField(max_length=16, choices=SourceKind.choices)
    source_id = models.CharField(max_length=64)
    source_label = models.CharField(max_length=200, blank=True)
    # What the archive tables show about the source: place, form, organiser, start, end.
    details = models.JSONField(default=dict, blank=True)
    credited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="reversed_by")
    # One posting per (source, person, month); one reversal per entry. A retried or doubled
    # request hits this constraint instead of crediting twice.
    idempotency_key = models.CharField(max_length=200, unique=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["year", "month", "id"]
        indexes = [
            models.Index(fields=["person", "year", "month"]),
            models.Index(fields=["source_kind", "source_id"]),
        ]

    def __str__(self):
        return f"{self.person_id} {self.year}-{self.month:02d} {self.cap_class} {self.minutes}"


class LedgerTotal(models.Model):
    """Sum of LedgerEntry.minutes per person, year, month and class (kept in step by
    ledger.services; checked by `xueshi ledger_check`)."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="ledger_totals")
    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()
    cap_class = models.CharField(max_length=32)
    minutes = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "year", "month", "cap_class"],
                                               name="ledgertotal_unique")]
        indexes = [models.Index(fields=["year", "person"])]

    def __str__(self):
        return f"{self.person_id} {self.year}-{self.month:02d} {self.cap_class} {self.minutes}"


class LedgerYearTotal(models.Model):
    """Sum of LedgerEntry.minutes per person, year and class: the yearly figures of a
    whole academy read three or four rows a person."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="ledger_year_totals")
    year = models.PositiveSmallIntegerField()
    cap_class = models.CharField(max_length=32)
    minutes = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "year", "cap_class"],
                                               name="ledgeryeartotal_unique")]
        indexes = [models.Index(fields=["year", "person"])]

    def __str__(self):
        return f"{self.person_id} {self.year} {self.cap_class} {self.minutes}"
