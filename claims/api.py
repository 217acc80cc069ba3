"""Claims API for the mobile client (learners, with attachments) and reviewers."""

from datetime import date
from decimal import Decimal

from django.http import FileResponse
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from accounts.api_auth import admin_auth
from accounts.queries import people_in_scope
from claims import files as claim_files
from claims.imports import claims_import
from claims.models import Attachment, Claim, ClaimKind, ClaimStatus
from claims.queries import get_review_claim, my_claims, review_queue
from claims.services import (
    claim_approve,
    claim_create,
    claim_create_on_behalf,
    claim_reject,
    claim_submit,
    claim_update,
    claims_decide,
    claims_delete,
)
from core.api_schemas import ErrorOut, PageIn, paginate
from core.errors import DomainError, ErrorCode

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
    name: str = Field(..., min_length=1, max_length=200)
    category: str = Field("", max_length=64)
    subject: str = Field("", max_length=100)
    start: date
    end: date
    hours: str = Field(..., max_length=20)
    organiser: str = Field("", max_length=200)
    contact: str = Field("", max_length=50)
    contact_phone: str = Field("", max_length=30)
    location: str = Field("", max_length=200)
    cost: str = Field("", max_length=20)
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


def _with_files(files):
    return [("certificate", f) for f in files or []]


def _own(request, claim_id) -> Claim:
    claim = Claim.objects.filter(pk=claim_id, owner=request.auth_user).prefetch_related("attachments").first()
    if claim is None:
        raise DomainError(ErrorCode.NOT_FOUND, "Not found.")
    return claim


@router.get("/mine", response={200: ClaimPageOut, **ERRORS}, url_name="claims_mine")
def mine(request, filters: Query[MineFilter]):
    claims = my_claims(request.auth_user, kind=filters.kind, year=filters.year,
                       category=filters.category, q=filters.q).prefetch_related("attachments")
    return paginate(claims, filters)


@router.post("/mine", response={201: ClaimOut, **ERRORS}, url_name="claims_create")
def create(request, kind: Form[ClaimKind], fields: Form[ClaimFields], submit: Form[bool] = False,
           files: File[list[UploadedFile]] = None):
    """新添记录, with attachments (multipart). `submit=true` sends it for review at once."""
    claim = claim_create(actor=request.auth_user, kind=kind, data=fields.dict(),
                         files=_with_files(files), submit=submit)
    return Status(201, _own(request, claim.pk))


@router.get("/mine/{int:claim_id}", response={200: ClaimOut, **ERRORS}, url_name="claims_get")
def get(request, claim_id: int):
    return _own(request, claim_id)


@router.post("/mine/{int:claim_id}", response={200: ClaimOut, **ERRORS}, url_name="claims_update")
def update(request, claim_id: int, fields: Form[ClaimFields], files: File[list[UploadedFile]] = None,
           remove_attachments: Form[list[int]] = None):
    """Change a draft or rejected claim (multipart, like create)."""
    claim_update(actor=request.auth_user, claim_id=claim_id, data=fields.dict(),
                 files=_with_files(files), remove_attachments=remove_attachments or [])
    return _own(request, claim_id)


@router.post("/mine/{int:claim_id}/submit", response={200: ClaimOut, **ERRORS}, url_name="claims_submit")
def submit(request, claim_id: int):
    claim_submit(actor=request.auth_user, claim_id=claim_id)
    return _own(request, claim_id)


@router.post("/mine/delete", response={200: dict, **ERRORS}, url_name="claims_delete")
def delete(request, payload: IdsIn):
    """Batch delete of one's own drafts and rejected claims (all or none)."""
    return {"deleted": claims_delete(actor=request.auth_user, claim_ids=payload.ids)}


@router.get("/attachments/{int:attachment_id}", response={200: None, **ERRORS}, url_name="claims_attachment")
def attachment(request, attachment_id: int):
    item = Attachment.objects.select_related("claim").filter(pk=attachment_id).first()
    allowed = item is not None and item.claim.owner_id == request.auth_user.pk
    role = getattr(request, "admin_role", None)
    if item is not None and not allowed and role is not None and role.role != "class_admin":
        allowed = people_in_scope(role).filter(pk=item.claim.owner_id).exists()
    path = claim_files.storage_dir() / item.stored_name if allowed else None
    if path is None or not path.exists():
        raise DomainError(ErrorCode.NOT_FOUND, "Not found.")
    response = FileResponse(path.open("rb"), as_attachment=True, filename=item.original_name,
                            content_type=item.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- reviewers --------------------------------------------------------------------------------

@router.get("/review", response={200: ClaimPageOut, **ERRORS}, auth=admin_auth, url_name="claims_queue")
def queue(request, filters: Query[QueueFilter]):
    claims = review_queue(request.admin_role, kind=filters.kind or "", status=filters.status or "",
                          year=filters.year, q=filters.q).prefetch_related("attachments")
    return paginate(claims, filters)


def _review_claim(request, claim_id):
    claim = get_review_claim(request.admin_role, claim_id)
    if claim is None:
        raise DomainError(ErrorCode.NOT_FOUND, "Not found.")
    return claim


@router.post("/review/{int:claim_id}/approve", response={200: ClaimOut, **ERRORS}, auth=admin_auth,
             url_name="claims_approve")
def approve(request, claim_id: int):
    _review_claim(request, claim_id)
    claim_approve(actor=request.auth_user, role=request.admin_role, claim_id=claim_id)
    return Claim.objects.prefetch_related("attachments").get(pk=claim_id)


@router.post("/review/{int:claim_id}/reject", response={200: ClaimOut, **ERRORS}, auth=admin_auth,
             url_name="claims_reject")
def reject(request, claim_id: int, payload: ReasonIn):
    _review_claim(request, claim_id)
    claim_reject(actor=request.auth_user, role=request.admin_role, claim_id=claim_id, reason=payload.reason)
    return Claim.objects.prefetch_related("attachments").get(pk=claim_id)


@router.post("/review/decide", response={200: dict, **ERRORS}, auth=admin_auth, url_name="claims_decide")
def decide(request, payload: DecideIn):
    """Approve or reject many at once: all of them or none."""
    count = claims_decide(actor=request.auth_user, role=request.admin_role, claim_ids=payload.ids,
                          approve=payload.approve, reason=payload.reason)
    return {"decided": count}


@router.post("/review/on-behalf", response={201: ClaimOut, **ERRORS}, auth=admin_auth,
             url_name="claims_on_behalf")
def on_behalf(request, person_id: Form[int], kind: Form[ClaimKind], fields: Form[ClaimFields],
              files: File[list[UploadedFile]] = None):
    from accounts.access import get_person_for

    person = get_person_for(request.admin_role, person_id)
    claim = claim_create_on_behalf(actor=request.auth_user, role=request.admin_role, owner=person,
                                   kind=kind, data=fields.dict(), files=_with_files(files))
    return Status(201, Claim.objects.prefetch_related("attachments").get(pk=claim.pk))


class ImportErrorsOut(ErrorOut):
    errors: list[dict] = []


@router.post("/review/import", response={200: ImportOut, 400: ImportErrorsOut, 401: ErrorOut,
                                         403: ErrorOut, 413: ErrorOut}, auth=admin_auth,
             url_name="claims_import")
def import_claims(request, file: File[UploadedFile]):
    result = claims_import(actor=request.auth_user, role=request.admin_role, upload=file)
    if result.errors:
        return Status(400, {"code": ErrorCode.IMPORT_ERRORS, "message": "The file has errors.",
                            "field": "file", "errors": [{"row": r, "column": c, "message": m}
                                                        for r, c, m in result.errors]})
    return {"created": result.created, "unchanged": result.unchanged}
