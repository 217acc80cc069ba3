"""Training projects (培训项目; SPEC §3 "Training projects", seeds 000/001/003/004): the
project an institute runs, who enrols, who really attended (实际参会人员) and whose
hours were credited from it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.workflow import ACTOR, NOW, REASON, History, Step, Workflow


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", _("Not implemented")  # 未实施: being prepared (暂存 allowed)
    IMPLEMENTED = "implemented", _("Implemented")  # 已实施: published, enrolment may open
    ENDED = "ended", _("Ended")  # 已结束: attendance confirmed, rated
    CANCELLED = "cancelled", _("Cancelled")  # 已撤销: with a reason; final


PROJECT_WORKFLOW = Workflow(
    name="project", status=ProjectStatus, noun=_("training project"),
    history=History("training.ProjectEvent", "project"),
    org_of=lambda project: project.org,
    steps=[
        Step(ProjectStatus.PLANNED, "implement", ProjectStatus.IMPLEMENTED, label=_("implement"),
             stamp={"implemented_at": NOW}),
        Step(ProjectStatus.IMPLEMENTED, "end", ProjectStatus.ENDED, label=_("end"),
             stamp={"ended_at": NOW}),
        Step(ProjectStatus.PLANNED, "cancel", ProjectStatus.CANCELLED, label=_("cancel"),
             stamp={"cancelled_at": NOW, "cancelled_by": ACTOR, "cancel_reason": REASON}),
        Step(ProjectStatus.IMPLEMENTED, "cancel", ProjectStatus.CANCELLED, label=_("cancel"),
             stamp={"cancelled_at": NOW, "cancelled_by": ACTOR, "cancel_reason": REASON}),
    ])


class Method(models.TextChoices):
    ONLINE = "online", _("Online")  # 线上
    OFFLINE = "offline", _("Offline")  # 线下
    MIXED = "mixed", _("Mixed (online + offline)")  # 混合(线上+线下)


class Visibility(models.TextChoices):
    PRIVATE = "private", _("Not public")  # 不公开: only people the admin adds
    UNIT = "unit", _("Own institute")  # 本单位公开
    ACADEMY = "academy", _("Whole academy")  # 全院公开
    PUBLIC = "public", _("Public")  # 对外公开: every learner of the platform


class Funding(models.TextChoices):
    PREMIUM = "premium", _("Premium")  # 精品
    SUBSIDISED = "subsidised", _("Ordinary, subsidised")  # 普通资助
    ORDINARY = "ordinary", _("Ordinary")  # 普通


class ProjectKind(models.TextChoices):
    TRAINING = "training", _("Training project")  # 培训项目
    LECTURE = "lecture", _("Academic lecture")  # 学术报告


class Project(models.Model):
    workflow = PROJECT_WORKFLOW

    # The organising unit (主办单位: an institute or one of its departments) and, kept
    # beside it for the scope and visibility filters, its institute and academy.
    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="training_projects")
    institute = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("training year"))
    name = models.CharField(_("training name"), max_length=200)
    kind = models.CharField(_("project class"), max_length=16, choices=ProjectKind.choices,
                            default=ProjectKind.TRAINING)
    category = models.CharField(_("training category"), max_length=64, blank=True)
    method = models.CharField(_("training method"), max_length=16, choices=Method.choices,
                              default=Method.OFFLINE)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    minutes = models.PositiveIntegerField(_("hours"))
    # 混合: how many of `minutes` are online; the rest are offline.
    online_minutes = models.PositiveIntegerField(_("online hours"), default=0)
    days = models.PositiveSmallIntegerField(_("days"), default=1)
    planned_attendees = models.PositiveIntegerField(_("planned attendees"), default=0)
    planned_research = models.PositiveIntegerField(_("research posts"), default=0)
    planned_management = models.PositiveIntegerField(_("management posts"), default=0)
    planned_support = models.PositiveIntegerField(_("support posts"), default=0)
    external_attendees = models.PositiveIntegerField(_("external attendees"), default=0)
    staff_count = models.PositiveIntegerField(_("staff"), default=0)
    organiser = models.CharField(_("organiser"), max_length=200, blank=True)
    contact = models.CharField(_("contact"), max_length=50, blank=True)
    phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    email = models.CharField(_("contact email"), max_length=254, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    objective = models.TextField(_("objective"), max_length=2000, blank=True)
    content = models.TextField(_("content"), max_length=5000, blank=True)
    funding = models.CharField(_("funding"), max_length=16, choices=Funding.choices,
                               default=Funding.ORDINARY)
    budget = models.DecimalField(_("budget (10,000 yuan)"), max_digits=10, decimal_places=2,
                                 null=True, blank=True)
    spent = models.DecimalField(_("actual spending (10,000 yuan)"), max_digits=10,
                                decimal_places=2, null=True, blank=True)
    audience = models.CharField(_("target audience"), max_length=200, blank=True)
    visibility = models.CharField(_("visibility"), max_length=16, choices=Visibility.choices,
                                  default=Visibility.UNIT)
    enrol_allowed = models.BooleanField(_("enrolment allowed"), default=False)
    enrol_needs_approval = models.BooleanField(_("enrolment needs approval"), default=False)
    enrol_opens = models.DateTimeField(_("enrolment opens"), null=True, blank=True)
    enrol_closes = models.DateTimeField(_("enrolment closes"), null=True, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)  # None: no limit
    effectiveness = models.TextField(_("effectiveness"), max_length=5000, blank=True)  # 培训成效
    status = models.CharField(max_length=16, choices=ProjectStatus.choices,
                              default=ProjectStatus.PLANNED)
    cancel_reason = models.CharField(max_length=500, blank=True)
    class_admins = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True,
                                          related_name="training_projects_run")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    implemented_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["start", "id"]
        indexes = [models.Index(fields=["status", "start"]), models.Index(fields=["institute", "year"])]

    def __str__(self):
        return self.name

    @property
    def offline_minutes(self) -> int:
        return self.minutes - self.online_minutes


class ProjectEvent(models.Model):
    """One status change of a project: who, when, from, to, why."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT,
                              related_name="+")
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.project_id}: {self.from_status} → {self.to_status}"


class EnrolmentStatus(models.TextChoices):
    PENDING = "pending", _("Under review")  # 审核中
    APPROVED = "approved", _("Approved")  # 审核通过
    REJECTED = "rejected", _("Rejected")  # with a reason
    CANCELLED = "cancelled", _("Cancelled")  # by the learner, before the start


# Places are taken by pending and approved enrolments.
TAKES_PLACE = (EnrolmentStatus.PENDING, EnrolmentStatus.APPROVED)

ENROLMENT_WORKFLOW = Workflow(
    name="enrolment", status=EnrolmentStatus, noun=_("enrolment"),
    history=History("training.EnrolmentEvent", "enrolment"),
    org_of=lambda e: e.project.org,
    steps=[
        Step(EnrolmentStatus.PENDING, "approve", EnrolmentStatus.APPROVED, label=_("approve"),
             stamp={"decided_at": NOW, "decided_by": ACTOR}),
        Step(EnrolmentStatus.PENDING, "reject", EnrolmentStatus.REJECTED, label=_("reject"),
             stamp={"decided_at": NOW, "decided_by": ACTOR, "reject_reason": REASON}),
        Step(EnrolmentStatus.PENDING, "cancel", EnrolmentStatus.CANCELLED, label=_("cancel"),
             event="cancelled"),
        Step(EnrolmentStatus.APPROVED, "cancel", EnrolmentStatus.CANCELLED, label=_("cancel"),
             event="cancelled"),
        # Enrolling again after cancelling: under review, or approved at once.
        Step(EnrolmentStatus.CANCELLED, "reenrol", EnrolmentStatus.PENDING, label=_("enrol"),
             event="reenrolled"),
        Step(EnrolmentStatus.CANCELLED, "reenrol_approved", EnrolmentStatus.APPROVED,
             label=_("enrol"), event="reenrolled"),
    ])


class Enrolment(models.Model):
    """我要报名: one learner's enrolment in one project (one row per pair)."""

    workflow = ENROLMENT_WORKFLOW

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="enrolments")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="training_enrolments")
    status = models.CharField(max_length=16, choices=EnrolmentStatus.choices,
                              default=EnrolmentStatus.PENDING)
    reject_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["project", "person"], name="enrolment_once")]

    def __str__(self):
        return f"{self.project_id}: {self.person_id} {self.status}"


class EnrolmentEvent(models.Model):
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT,
                              related_name="+")
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.enrolment_id}: {self.from_status} → {self.to_status}"


class Attendee(models.Model):
    """实际参会人员: a person on the project's attendance list. `confirmed` (确认参加)
    means the project's hours are credited to them; `credit_round` counts confirmations,
    so a confirmation after an un-confirmation posts a fresh ledger source."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="attendees")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="training_attendance")
    confirmed = models.BooleanField(default=False)
    credit_round = models.PositiveIntegerField(default=0)
    credited_minutes = models.PositiveIntegerField(default=0)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [models.UniqueConstraint(fields=["project", "person"], name="attendee_once")]

    def __str__(self):
        return f"{self.project_id}: {self.person_id}"

    @property
    def source_id(self) -> str:
        """The ledger source of this attendee's current credit: the project, with the
        round after the first (so a re-confirmation is a new posting)."""
        base = str(self.project_id)
        return base if self.credit_round <= 1 else f"{base}.{self.credit_round}"


class Session(models.Model):
    """培训日程: one session of a project, with its sign-in rules. `secret` keys the
    rotating QR token and short code of this session alone."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="sessions")
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    radius_m = models.PositiveIntegerField(_("radius (m)"), default=200)
    require_qr = models.BooleanField(_("QR code or short code required"), default=True)
    require_location = models.BooleanField(_("location required"), default=False)
    secret = models.CharField(max_length=64, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "id"]

    def __str__(self):
        return self.title


class SignInMethod(models.TextChoices):
    QR = "qr", _("QR code")
    CODE = "code", _("Short code")
    LOCATION = "location", _("Location")
    MANUAL = "manual", _("By the admin")


class SignIn(models.Model):
    """One person's sign-in at one session (once). The position and its reported
    accuracy are kept as sent."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="sign_ins")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    method = models.CharField(max_length=16, choices=SignInMethod.choices)
    at = models.DateTimeField(auto_now_add=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    accuracy_m = models.PositiveIntegerField(null=True, blank=True)
    distance_m = models.PositiveIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True)  # manual sign-in
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["at", "id"]
        constraints = [models.UniqueConstraint(fields=["session", "person"], name="signin_once")]

    def __str__(self):
        return f"{self.session_id}: {self.person_id}"
