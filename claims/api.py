"""Claims API for the mobile client (learners, with attachments) and reviewers."""

from datetime import date, datetime
from decimal import Decimal

from django.http import Http404
from django.utils.translation import gettext
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from accounts.access import api_permission
from claims import files as claim_files
from claims.access import (
    get_attachment_for,
    get_claim_for,
    get_org_for,
    get_own_claim,
    windows_for,
)
from claims.imports import claims_import, mine_import
from claims.models import (
    AttachmentKind,
    Claim,
    ClaimKind,
    ClaimStatus,
)
from claims.queries import (
    claim_settings_of,
    credited_without_review_of,
    duplicate_reasons,
    my_claims,
    next_in_queue,
    review_flags,
    review_queue,
    review_totals,
    with_duplicate_flags,
)
from claims.services import (
    claim_approve,
    claim_create,
    claim_create_on_behalf,
    claim_reject,
    claim_revoke_approval,
    claim_settings_set,
    claim_submit,
    claim_update,
    claim_withdraw,
    claims_decide,
    claims_delete,
    window_close,
    window_open,
)
from core.api_schemas import ErrorOut, PageIn, paginate
from core.errors import DomainError, ErrorCode
from core.minutes import HOURS_PATTERN, MAX_MINUTES
from core.validators import LearningDate, SingleLine
from orgs.models import Org

router = Router(tags=["claims"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 413: ErrorOut}


class AttachmentOut(Schema):
    id: int
    kind: str
    original_name: str
    content_type: str
    size: int


class ClaimOut(Schema):
    id: int
    owner_id: int
    kind: str
    year: int
    name: str
    category: str
    subject: str
    start: date
    end: date
    minutes: int
    organiser: str
    contact: str
    contact_phone: str
    location: str
    cost: Decimal | None
    purpose: str
    content: str
    status: str
    reject_reason: str
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_attachments(obj):
        return list(obj.attachments.all())


class ClaimPageOut(Schema):
    count: int
    page: int
    page_size: int
    items: list[ClaimOut]


class ClaimFields(Schema):
    """Only these fields are taken from a client; status, owner and the like are not."""

    year: int = Field(..., ge=1990, le=2999)
    name: SingleLine = Field(..., min_length=1, max_length=200)
    category: str = Field("", max_length=64)
    subject: str = Field("", max_length=100)
    start: LearningDate
    end: LearningDate
    # Exactly one of them: whole minutes (16h10m is 970), or hours as a decimal ("1.5").
    minutes: int | None = Field(None, ge=1, le=MAX_MINUTES)
    hours: str | None = Field(None, max_length=20, pattern=HOURS_PATTERN)
    organiser: str = Field("", max_length=200)
    contact: str = Field("", max_length=50)
    contact_phone: str = Field("", max_length=30)
    location: str = Field("", max_length=200)
    cost: str = Field("", max_length=20, pattern=r"^(\d{1,8}(\.\d{1,2})?)?$")
    purpose: str = Field("", max_length=300)
    content: str = Field("", max_length=300)


class MineFilter(PageIn):
    kind: ClaimKind
    year: int | None = Field(None, ge=1990, le=2999)
    category: str = Field("", max_length=64)
    q: str = Field("", max_length=100)


class QueueFilter(PageIn):
    kind: ClaimKind | None = None
    status: ClaimStatus | None = ClaimStatus.SUBMITTED
    year: int | None = Field(None, ge=1990, le=2999)
    q: str = Field("", max_length=100)


class IdsIn(Schema):
    ids: list[int] = Field(..., min_length=1, max_length=500)


class ReasonIn(Schema):
    reason: str = Field(..., min_length=1, max_length=500)


class DecideIn(IdsIn):
    approve: bool
    reason: str = Field("", max_length=500)


class ImportOut(Schema):
    created: int
    unchanged: int


class ImportErrorsOut(ErrorOut):
    errors: list[dict] = []


def _import_errors(result) -> dict:
    return {"code": ErrorCode.IMPORT_ERRORS, "message": "The file has errors.", "field": "file",
            "errors": [{"row": r, "column": c, "message": m} for r, c, m in result.errors]}


class OwnerOut(Schema):
    id: int
    real_name: str
    login_name: str
    employee_no: str | None = None
    department: str | None = None

    @staticmethod
    def resolve_department(obj):
        return obj.department.name if obj.department_id else None


class EventOut(Schema):
    at: datetime
    actor_name: str | None
    from_status: str
    to_status: str
    reason: str

    @staticmethod
    def resolve_actor_name(obj):
        return obj.actor.real_name if obj.actor_id else None


class DuplicateOut(Schema):
    """One other claim this one may repeat: `attachment` (a file of this claim is attached
    to it) or `same` (the same person's claim of the same name with overlapping dates).
    Only claims inside the reviewer's scope are named."""

    kind: str
    claim_id: int | None
    name: str | None
    status: str | None


class ClassTotalOut(Schema):
    """One class of the learner's year: `cap` null for none; `adds` what this claim would
    add while it waits for review, `adds_effective` what of it counts under the cap, `cut`
    what the cap cuts off (minutes throughout)."""

    code: str
    name: str
    cap: int | None
    minutes: int
    effective: int
    adds: int
    adds_effective: int
    cut: int


class TotalsOut(Schema):
    year: int
    target: int
    effective: int
    effective_after: int
    classes: list[ClassTotalOut]


class ReviewDetailOut(ClaimOut):
    owner: OwnerOut
    submitted_at: datetime | None
    decided_at: datetime | None
    events: list[EventOut]
    duplicates: list[DuplicateOut]
    totals: TotalsOut
    next_claim_id: int | None = Field(None, description="The next claim waiting in the queue (通过并下一条)")


class QueueItemOut(ClaimOut):
    owner: OwnerOut
    duplicates: list[str] = Field(..., description="Why it may be a duplicate: attachment, same")

    @staticmethod
    def resolve_duplicates(obj):
        return duplicate_reasons(obj)


class QueuePageOut(Schema):
    count: int
    page: int
    page_size: int
    items: list[QueueItemOut]

    @staticmethod
    def resolve_events(obj):
        return list(obj.events.select_related("actor"))


class WindowOut(Schema):
    id: int
    org_id: int
    org_name: str
    year: int
    opens_on: date
    closes_on: date
    closed_at: datetime | None

    @staticmethod
    def resolve_org_name(obj):
        return obj.org.name


class WindowIn(Schema):
    org_id: int
    year: int = Field(..., ge=1990, le=2999)
    opens_on: LearningDate
    closes_on: LearningDate


class KindRequirement(Schema):
    """`credited_without_review` (不用审批直接计入): a learner's claim of this kind is
    approved by the system as it is submitted."""

    kind: ClaimKind
    notice_required: bool = False
    certificate_required: bool = False
    credited_without_review: bool = False


class SettingsOut(Schema):
    org_id: int
    kinds: list[KindRequirement]


class SettingsIn(Schema):
    """Every kind's requirements; a kind left out requires nothing."""

    kinds: list[KindRequirement] = Field(..., max_length=10)


def _with_files(files, certificate=None, notice=None):
    """(attachment kind, upload) pairs: `files` are certificates (as the first clients
    sent them), `certificate` and `notice` say what they are."""
    return ([("notice", f) for f in notice or []] + [("certificate", f) for f in certificate or []]
            + [("certificate", f) for f in files or []])


def _own(request, claim_id) -> Claim:
    return get_own_claim(request.auth_user, claim_id)


@router.get("/mine", response={200: ClaimPageOut, **ERRORS}, url_name="claims_mine")
def mine(request, filters: Query[MineFilter]):
    claims = my_claims(request.auth_user, kind=filters.kind, year=filters.year,
                       category=filters.category, q=filters.q).prefetch_related("attachments")
    return paginate(claims, filters)


@router.post("/mine", response={201: ClaimOut, **ERRORS}, url_name="claims_create")
def create(request, kind: Form[ClaimKind], fields: Form[ClaimFields], submit: Form[bool] = False,
           files: File[list[UploadedFile]] = None, certificate: File[list[UploadedFile]] = None,
           notice: File[list[UploadedFile]] = None,
           request_key: Form[str | None] = None):
    """新添记录, with attachments (multipart: `notice` for the training notice,
    `certificate` or `files` for certificates). `submit=true` sends it for review at once;
    that is refused (400, `field` naming it) while an attachment the organisation requires
    is missing. `request_key` (8-64 of A-Z a-z 0-9 - _) makes a retry safe: the same key
    with the same data answers with the first claim again; with other data it is 409."""
    claim = claim_create(actor=request.auth_user, kind=kind, data=fields.dict(),
                         files=_with_files(files, certificate, notice), submit=submit,
                         request_key=request_key)
    return Status(201, _own(request, claim.pk))


@router.get("/mine/{int:claim_id}", response={200: ClaimOut, **ERRORS}, url_name="claims_get")
def get(request, claim_id: int):
    return _own(request, claim_id)


@router.post("/mine/{int:claim_id}", response={200: ClaimOut, **ERRORS}, url_name="claims_update")
def update(request, claim_id: int, fields: Form[ClaimFields], files: File[list[UploadedFile]] = None,
           remove_attachments: Form[list[int]] = None, certificate: File[list[UploadedFile]] = None,
           notice: File[list[UploadedFile]] = None):
    """Change a claim that is not yet decided (multipart, like create). A submitted claim
    is withdrawn to a draft by the change and must be submitted again."""
    claim_update(actor=request.auth_user, claim_id=claim_id, data=fields.dict(),
                 files=_with_files(files, certificate, notice), remove_attachments=remove_attachments or [])
    return _own(request, claim_id)


@router.post("/mine/{int:claim_id}/submit", response={200: ClaimOut, **ERRORS}, url_name="claims_submit")
def submit(request, claim_id: int):
    claim_submit(actor=request.auth_user, claim_id=claim_id)
    return _own(request, claim_id)


@router.post("/mine/{int:claim_id}/withdraw", response={200: ClaimOut, **ERRORS}, url_name="claims_withdraw")
def withdraw(request, claim_id: int):
    """撤回: take a submitted claim back from review; it is a draft again."""
    claim_withdraw(actor=request.auth_user, claim_id=claim_id)
    return _own(request, claim_id)


@router.post("/mine/delete", response={200: dict, **ERRORS}, url_name="claims_delete")
def delete(request, payload: IdsIn):
    """Batch delete of one's own claims not yet decided (all or none)."""
    return {"deleted": claims_delete(actor=request.auth_user, claim_ids=payload.ids)}


@router.post("/mine/upload", response={201: ImportOut, 400: ImportErrorsOut, 401: ErrorOut, 403: ErrorOut,
                                       404: ErrorOut, 413: ErrorOut}, url_name="claims_upload")
def upload(request, kind: Form[ClaimKind], file: File[UploadedFile]):
    """批量上传: several of one's own records of one kind from the Excel template (the
    page's 下载模板), all or none, as drafts to submit; 400 `import_errors` lists every
    row's error."""
    if request.auth_user.institute_id is None:
        raise DomainError(ErrorCode.NOT_FOUND, gettext("Not found."))
    result = mine_import(actor=request.auth_user, kind=kind, upload=file)
    if result.errors:
        return Status(400, _import_errors(result))
    return Status(201, {"created": result.created, "unchanged": result.unchanged})


@router.get("/attachments/{int:attachment_id}", response={200: None, **ERRORS}, url_name="claims_attachment")
def attachment(request, attachment_id: int):
    item = get_attachment_for(request.auth_user, getattr(request, "admin_role", None), attachment_id)
    try:
        return claim_files.serve(item)
    except Http404:
        raise DomainError(ErrorCode.NOT_FOUND, gettext("Not found.")) from None


# --- reviewers --------------------------------------------------------------------------------

@router.get("/review", response={200: QueuePageOut, **ERRORS}, auth=api_permission("claims.review"), url_name="claims_queue")
def queue(request, filters: Query[QueueFilter]):
    """The review queue; each item says why it may be a duplicate (same query)."""
    claims = review_queue(request.admin_role, kind=filters.kind or "", status=filters.status or "",
                          year=filters.year, q=filters.q).prefetch_related("attachments")
    return paginate(with_duplicate_flags(claims, request.admin_role), filters)


def _review_claim(request, claim_id):
    return get_claim_for(request.admin_role, claim_id)


@router.get("/review/{int:claim_id}", response={200: ReviewDetailOut, **ERRORS}, auth=api_permission("claims.review"),
            url_name="claims_review_detail")
def review_detail(request, claim_id: int):
    """One claim of a person in scope, with its history, why it may be a duplicate, the
    learner's totals of the claim's year per class (caps, and what this claim would add)
    and the next claim waiting in the queue."""
    role = request.admin_role
    claim = _review_claim(request, claim_id)
    claim.duplicates = [{"kind": kind, "claim_id": o.pk, "name": o.name, "status": o.status}
                        for kind, others in review_flags(role, claim) for o in others]
    totals = review_totals(claim)
    claim.totals = {"year": totals.year, "target": totals.target, "effective": totals.effective,
                    "effective_after": totals.effective_after,
                    "classes": [{**vars(c), "cut": c.cut} for c in totals.classes]}
    following = next_in_queue(role, claim) if claim.status == ClaimStatus.SUBMITTED else None
    claim.next_claim_id = following.pk if following else None
    return claim


@router.post("/review/{int:claim_id}/approve", response={200: ClaimOut, **ERRORS}, auth=api_permission("claims.review"),
             url_name="claims_approve")
def approve(request, claim_id: int):
    _review_claim(request, claim_id)
    claim_approve(actor=request.auth_user, role=request.admin_role, claim_id=claim_id)
    return Claim.objects.prefetch_related("attachments").get(pk=claim_id)


@router.post("/review/{int:claim_id}/reject", response={200: ClaimOut, **ERRORS}, auth=api_permission("claims.review"),
             url_name="claims_reject")
def reject(request, claim_id: int, payload: ReasonIn):
    _review_claim(request, claim_id)
    claim_reject(actor=request.auth_user, role=request.admin_role, claim_id=claim_id, reason=payload.reason)
    return Claim.objects.prefetch_related("attachments").get(pk=claim_id)


@router.post("/review/{int:claim_id}/revoke", response={200: ClaimOut, **ERRORS}, auth=api_permission("claims.review"),
             url_name="claims_revoke")
def revoke(request, claim_id: int, payload: ReasonIn):
    """Undo an approval: the hours are reversed in the ledger (audited); the claim is final."""
    _review_claim(request, claim_id)
    claim_revoke_approval(actor=request.auth_user, role=request.admin_role, claim_id=claim_id,
                          reason=payload.reason)
    return Claim.objects.prefetch_related("attachments").get(pk=claim_id)


@router.post("/review/decide", response={200: dict, **ERRORS}, auth=api_permission("claims.review"), url_name="claims_decide")
def decide(request, payload: DecideIn):
    """Approve or reject many at once: all of them or none."""
    count = claims_decide(actor=request.auth_user, role=request.admin_role, claim_ids=payload.ids,
                          approve=payload.approve, reason=payload.reason)
    return {"decided": count}


@router.post("/review/on-behalf", response={201: ClaimOut, **ERRORS}, auth=api_permission("claims.create_on_behalf"),
             url_name="claims_on_behalf")
def on_behalf(request, person_id: Form[int], kind: Form[ClaimKind], fields: Form[ClaimFields],
              files: File[list[UploadedFile]] = None):
    from accounts.access import get_person_for

    person = get_person_for(request.admin_role, person_id)
    claim = claim_create_on_behalf(actor=request.auth_user, role=request.admin_role, owner=person,
                                   kind=kind, data=fields.dict(), files=_with_files(files))
    return Status(201, Claim.objects.prefetch_related("attachments").get(pk=claim.pk))




@router.post("/review/import", response={200: ImportOut, 400: ImportErrorsOut, 401: ErrorOut,
                                         403: ErrorOut, 413: ErrorOut}, auth=api_permission("claims.import"),
             url_name="claims_import")
def import_claims(request, file: File[UploadedFile]):
    result = claims_import(actor=request.auth_user, role=request.admin_role, upload=file)
    if result.errors:
        return Status(400, _import_errors(result))
    return {"created": result.created, "unchanged": result.unchanged}


# --- supplementary windows and settings (institute and academy admins) ----------------------

def _org(request, org_id) -> Org:
    return get_org_for(request.admin_role, org_id)


@router.get("/windows", response={200: list[WindowOut], **ERRORS}, auth=api_permission("claims.windows"), url_name="claims_windows")
def windows(request):
    """年终补录 windows of the organisations in scope, newest first."""
    return list(windows_for(request.admin_role)[:500])


@router.post("/windows", response={201: WindowOut, **ERRORS}, auth=api_permission("claims.windows"), url_name="claims_window_open")
def window_open_op(request, payload: WindowIn):
    """Accept claims for a closed year between two dates."""
    window = window_open(actor=request.auth_user, role=request.admin_role, org=_org(request, payload.org_id),
                         year=payload.year, opens_on=payload.opens_on, closes_on=payload.closes_on)
    return Status(201, window)


@router.post("/windows/{int:window_id}/close", response={200: WindowOut, **ERRORS}, auth=api_permission("claims.windows"),
             url_name="claims_window_close")
def window_close_op(request, window_id: int):
    return window_close(actor=request.auth_user, role=request.admin_role, window_id=window_id)


def _settings_out(org, current) -> dict:
    without_review = credited_without_review_of(org)
    return {"org_id": org.pk, "kinds": [
        {"kind": kind, "notice_required": AttachmentKind.NOTICE in required,
         "certificate_required": AttachmentKind.CERTIFICATE in required,
         "credited_without_review": without_review[kind]}
        for kind, required in current.items()]}


@router.get("/settings/{int:org_id}", response={200: SettingsOut, **ERRORS}, auth=api_permission("claims.settings"),
            url_name="claims_settings")
def settings_get(request, org_id: int):
    """Which attachments each kind of claim needs in this institute or academy (what the
    academy requires applies to its institutes as well)."""
    org = _org(request, org_id)
    return _settings_out(org, claim_settings_of(org))


@router.put("/settings/{int:org_id}", response={200: SettingsOut, **ERRORS}, auth=api_permission("claims.settings"),
            url_name="claims_settings_set")
def settings_set(request, org_id: int, payload: SettingsIn):
    """Replace the requirements of this institute or academy (and which kinds are
    credited without review: a kind left out is reviewed)."""
    required = {}
    for item in payload.kinds:
        if item.kind in required:
            raise DomainError(ErrorCode.INVALID, "Each kind once.", field="kinds")
        required[item.kind] = ([AttachmentKind.NOTICE] if item.notice_required else []) + (
            [AttachmentKind.CERTIFICATE] if item.certificate_required else [])
    org = _org(request, org_id)
    without_review = {str(item.kind) for item in payload.kinds if item.credited_without_review}
    return _settings_out(org, claim_settings_set(actor=request.auth_user, role=request.admin_role,
                                                 org=org, required=required, without_review=without_review))
