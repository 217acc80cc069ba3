"""External learning claims (外部学习; SPEC §3): a learner's record of hours earned
elsewhere, reviewed by an admin; only approved claims credit the ledger."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from core.workflow import ACTOR, BLANK, CLEAR, NOW, REASON, History, Step, Workflow


class ClaimKind(models.TextChoices):
    EXTERNAL_TRAINING = "external_training", _("External training")  # 外部培训 → offline class
    SELF_STUDY = "self_study", _("Self-study")  # 在职自学 → self_study class
    ONLINE = "online", _("Other-site online learning")  # 网络学时 → online class


# The class of hours a kind counts in, unless its category names another one (公派留学 …).
KIND_CLASS = {ClaimKind.EXTERNAL_TRAINING: "offline", ClaimKind.SELF_STUDY: "self_study",
              ClaimKind.ONLINE: "online"}


class ClaimStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")  # saved, not yet sent for review (暂存)
    SUBMITTED = "submitted", _("Submitted")  # waiting for a reviewer (待审核)
    APPROVED = "approved", _("Approved")  # hours credited; final
    REJECTED = "rejected", _("Rejected")  # reason given; the learner may fix and resubmit
    REVOKED = "revoked", _("Approval revoked")  # an approval undone by a reversal; final


# The claim workflow; core.workflow.transition is the only place that moves a status.
# SUBMITTED → DRAFT is the learner's withdrawal (撤回) before a reviewer has decided.
CLAIM_WORKFLOW = Workflow(
    name="claim", status=ClaimStatus, noun=_("claim"),
    history=History("claims.ClaimEvent", "claim"),
    # The audit row is filed under the owner's department (or institute).
    org_of=lambda claim: claim.owner.department or claim.owner.institute,
    steps=[
        Step(ClaimStatus.DRAFT, "submit", ClaimStatus.SUBMITTED, label=_("submit"),
             stamp={"submitted_at": NOW, "reject_reason": BLANK, "withdrawn_at": CLEAR}),
        Step(ClaimStatus.REJECTED, "submit", ClaimStatus.SUBMITTED, label=_("submit"),
             stamp={"submitted_at": NOW, "reject_reason": BLANK}),
        # Withdrawn: out of the review queue (and its order) until submitted again.
        Step(ClaimStatus.SUBMITTED, "withdraw", ClaimStatus.DRAFT, event="withdrawn",
             label=_("withdraw"), stamp={"submitted_at": CLEAR, "withdrawn_at": NOW}),
        Step(ClaimStatus.SUBMITTED, "approve", ClaimStatus.APPROVED, label=_("approve"),
             stamp={"decided_at": NOW, "decided_by": ACTOR}),
        Step(ClaimStatus.SUBMITTED, "reject", ClaimStatus.REJECTED, label=_("reject"),
             stamp={"decided_at": NOW, "decided_by": ACTOR, "reject_reason": REASON}),
        Step(ClaimStatus.APPROVED, "revoke", ClaimStatus.REVOKED, label=_("revoke the approval"),
             stamp={"decided_at": NOW, "decided_by": ACTOR}),
    ])
# What the learner may still change or delete: anything not yet decided for good. A
# submitted claim is withdrawn to a draft first (claims.services), so a reviewer never
# approves a version the learner is still changing.
EDITABLE = {ClaimStatus.DRAFT, ClaimStatus.SUBMITTED, ClaimStatus.REJECTED}


class Claim(models.Model):
    workflow = CLAIM_WORKFLOW

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="claims")
    kind = models.CharField(max_length=24, choices=ClaimKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    name = models.CharField(_("training name"), max_length=200)
    category = models.CharField(_("category"), max_length=64, blank=True)
    subject = models.CharField(_("subject"), max_length=100, blank=True)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    minutes = models.PositiveIntegerField(_("requested hours"))
    organiser = models.CharField(_("organiser"), max_length=200, blank=True)
    contact = models.CharField(_("contact"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)
    cost = models.DecimalField(_("cost (10,000 yuan)"), max_digits=10, decimal_places=2, null=True,
                               blank=True)
    purpose = models.CharField(_("purpose"), max_length=300, blank=True)
    content = models.CharField(_("content"), max_length=300, blank=True)
    status = models.CharField(max_length=16, choices=ClaimStatus.choices, default=ClaimStatus.DRAFT)
    reject_reason = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # Set by 撤回 and cleared by the next submit: a withdrawn draft reads 已撤回, not 暂存.
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    # Natural key of an imported claim, so importing the same file twice adds nothing.
    import_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    # A client's one-time key for this creation (API retries), and a digest of what was
    # asked with it: the same key again returns this claim; with other data it is a 409.
    request_key = models.CharField(max_length=64, null=True, blank=True)
    request_digest = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "kind", "year"]), models.Index(fields=["status"]),
                   # possible duplicates: the same person's claims of the same name
                   models.Index(fields=["owner", "name"], name="claim_owner_name")]
        constraints = [models.UniqueConstraint(fields=["created_by", "request_key"],
                                               name="claim_request_key_per_creator")]

    def __str__(self):
        return f"{self.name} ({self.owner_id})"

    @property
    def editable(self) -> bool:
        return self.status in EDITABLE

    @property
    def status_label(self) -> str:
        """The state as the learner reads it: a draft the learner withdrew is 已撤回."""
        if self.status == ClaimStatus.DRAFT and self.withdrawn_at is not None:
            return str(pgettext("claim status", "Withdrawn"))
        return self.get_status_display()


class ClaimEvent(models.Model):
    """One status change of a claim: who, when, from, to, why."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT,
                              related_name="+")
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.claim_id}: {self.from_status} → {self.to_status}"

    @property
    def from_label(self) -> str:
        return ClaimStatus(self.from_status).label if self.from_status in ClaimStatus.values else ""

    @property
    def to_label(self) -> str:
        return ClaimStatus(self.to_status).label if self.to_status in ClaimStatus.values else self.to_status


class AttachmentKind(models.TextChoices):
    NOTICE = "notice", _("Training notice")  # 培训通知
    CERTIFICATE = "certificate", _("Certificate")  # 结业证书
    OTHER = "other", _("Other")


class Attachment(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(max_length=16, choices=AttachmentKind.choices, default=AttachmentKind.CERTIFICATE)
    stored_name = models.CharField(max_length=80, unique=True)  # random; never the user's name
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=64)  # from the content, not the name
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.original_name


class SupplementaryWindow(models.Model):
    """年终补录: a window in which claims for a closed year are accepted."""

    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="claim_windows")
    year = models.PositiveSmallIntegerField(_("year the claims are for"))
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-opens_on"]

    def __str__(self):
        return f"{self.org_id} {self.year}: {self.opens_on} – {self.closes_on}"


class ClaimSettings(models.Model):
    """Per organisation (academy or institute) and kind of claim: the attachments a claim
    must carry before it can be submitted. A learner needs what their institute or their
    academy requires (the union): an institute can ask for more, never for less.

    `credited_without_review` (CAST: 网络学时 "不用审批直接计入", seed 003): a claim of
    this kind is approved by the system as it is submitted, when the learner's institute
    or academy says so; an admin can still revoke it."""

    org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE, related_name="claim_settings")
    kind = models.CharField(max_length=24, choices=ClaimKind.choices)
    notice_required = models.BooleanField(_("training notice required"), default=False)
    certificate_required = models.BooleanField(_("certificate required"), default=False)
    credited_without_review = models.BooleanField(_("credited without review"), default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["org", "kind"], name="claim_settings_org_kind")]

    def __str__(self):
        return f"{self.org_id} {self.kind}: notice {self.notice_required}, certificate {self.certificate_required}"

    @property
    def required(self) -> list[str]:
        """The attachment kinds this row requires, notice first."""
        return ([AttachmentKind.NOTICE.value] if self.notice_required else []) + (
            [AttachmentKind.CERTIFICATE.value] if self.certificate_required else [])
