"""Training projects API: the catalogue, enrolment and 我的培训 for learners; 培训班管理
(projects, enrolment decisions, attendance) for class, institute and academy admins."""

from datetime import date, datetime
from decimal import Decimal

from ninja import Field, Query, Router, Schema, Status

from accounts.access import api_permission
from core.api_schemas import ErrorOut, PageIn, paginate
from core.minutes import MAX_MINUTES
from core.validators import LearningDate, SingleLine
from training.access import get_project_for, get_visible_project
from training.models import (
    Enrolment,
    EnrolmentStatus,
    Funding,
    Method,
    ProjectKind,
    ProjectStatus,
    Visibility,
)
from training.queries import catalogue, manager_list, my_training, with_places
from training.services import (
    attendees_add,
    attendees_confirm,
    attendees_unconfirm,
    enrol,
    enrolment_cancel,
    enrolments_decide,
    get_session_for,
    project_cancel,
    project_create,
    project_end,
    project_implement,
    project_update,
    session_create,
    sign_in,
    sign_in_manual,
)
from training.sessions import live_state

router = Router(tags=["training"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}
MANAGE = api_permission("training.manage")
CREATE = api_permission("training.create")


class ProjectOut(Schema):
    id: int
    name: str
    kind: str
    category: str
    method: str
    start: date
    end: date
    minutes: int
    online_minutes: int
    organiser: str
    org_name: str
    place: str
    funding: str
    visibility: str
    status: str
    capacity: int | None
    taken: int | None = None
    enrol_allowed: bool
    enrol_opens: datetime | None
    enrol_closes: datetime | None

    @staticmethod
    def resolve_org_name(obj):
        return obj.org.name


class ProjectDetailOut(ProjectOut):
    contact: str
    phone: str
    email: str
    objective: str
    content: str
    audience: str


class ManagedProjectOut(ProjectDetailOut):
    org_id: int
    year: int
    days: int
    planned_attendees: int
    planned_research: int
    planned_management: int
    planned_support: int
    external_attendees: int
    staff_count: int
    budget: Decimal | None
    spent: Decimal | None
    enrol_needs_approval: bool
    effectiveness: str
    cancel_reason: str


class PageOut(Schema):
    count: int
    page: int
    page_size: int
    items: list[ProjectOut]


class CatalogueFilter(PageIn):
    kind: ProjectKind | None = None
    category: str = Field("", max_length=64)
    source: str = Field("all", pattern=r"^(all|institute|department|academy)$")
    funding: Funding | None = None
    year: int | None = Field(None, ge=2000, le=2999)
    month: int | None = Field(None, ge=1, le=12)
    status: str = Field("", pattern=r"^(|open|implemented|ended)$")
    q: str = Field("", max_length=100)


class ProjectFields(Schema):
    """Only these fields are taken from a client."""

    org_id: int = Field(..., ge=1)
    name: SingleLine = Field(..., min_length=1, max_length=200)
    year: int = Field(..., ge=2000, le=2999)
    kind: ProjectKind = ProjectKind.TRAINING
    category: str = Field("", max_length=64)
    method: Method = Method.OFFLINE
    start: LearningDate
    end: LearningDate
    minutes: int = Field(..., ge=1, le=MAX_MINUTES)
    online_minutes: int = Field(0, ge=0, le=MAX_MINUTES)
    days: int = Field(1, ge=1, le=366)
    planned_attendees: int = Field(0, ge=0, le=1_000_000)
    planned_research: int = Field(0, ge=0, le=1_000_000)
    planned_management: int = Field(0, ge=0, le=1_000_000)
    planned_support: int = Field(0, ge=0, le=1_000_000)
    external_attendees: int = Field(0, ge=0, le=1_000_000)
    staff_count: int = Field(0, ge=0, le=1_000_000)
    organiser: SingleLine = Field("", max_length=200)
    contact: SingleLine = Field("", max_length=50)
    phone: SingleLine = Field("", max_length=30)
    email: SingleLine = Field("", max_length=254)
    place: SingleLine = Field("", max_length=200)
    audience: SingleLine = Field("", max_length=200)
    objective: str = Field("", max_length=2000)
    content: str = Field("", max_length=5000)
    funding: Funding = Funding.ORDINARY
    budget: str = Field("", max_length=20, pattern=r"^(\d{1,8}(\.\d{1,2})?)?$")
    spent: str = Field("", max_length=20, pattern=r"^(\d{1,8}(\.\d{1,2})?)?$")
    visibility: Visibility = Visibility.UNIT
    enrol_allowed: bool = False
    enrol_needs_approval: bool = False
    enrol_opens: datetime | None = None
    enrol_closes: datetime | None = None
    capacity: int | None = Field(None, ge=1, le=1_000_000)

    def data(self) -> dict:
        out = self.dict()
        out["org"] = out.pop("org_id")
        return out


class ProjectUpdate(ProjectFields):
    effectiveness: str | None = Field(None, max_length=5000)


class ManageFilter(PageIn):
    status: ProjectStatus | None = None
    year: int | None = Field(None, ge=2000, le=2999)
    q: str = Field("", max_length=100)


class EnrolmentOut(Schema):
    id: int
    project_id: int
    person_id: int
    person_name: str
    status: str
    reject_reason: str
    created_at: datetime

    @staticmethod
    def resolve_person_name(obj):
        return obj.person.real_name


class MyTrainingFilter(PageIn):
    tab: str = Field("approved", pattern=r"^(approved|pending)$")
    year: int | None = Field(None, ge=2000, le=2999)


class MyTrainingOut(Schema):
    count: int
    page: int
    page_size: int
    items: list[EnrolmentOut]


class IdsIn(Schema):
    ids: list[int] = Field(..., min_length=1, max_length=500)


class DecideIn(IdsIn):
    approve: bool
    reason: str = Field("", max_length=500)


class ReasonIn(Schema):
    reason: str = Field(..., min_length=1, max_length=500)


class UnconfirmIn(IdsIn):
    reason: str = Field(..., min_length=1, max_length=500)


class AttendeesAddIn(Schema):
    person_ids: list[int] = Field([], max_length=500)
    from_enrolments: bool = False


class AttendeeOut(Schema):
    id: int
    person_id: int
    person_name: str
    confirmed: bool
    credited_minutes: int

    @staticmethod
    def resolve_person_name(obj):
        return obj.person.real_name


class CountOut(Schema):
    count: int


# --- learners ---------------------------------------------------------------------------------

@router.get("/projects", response={200: PageOut, **ERRORS}, url_name="training_catalogue")
def projects(request, filters: Query[CatalogueFilter]):
    """培训项目: the projects visible to the caller, filtered like the page."""
    result = catalogue(request.auth_user, kind=filters.kind or "", category=filters.category,
                       source=filters.source, funding=filters.funding or "", year=filters.year,
                       month=filters.month, status=filters.status, q=filters.q)
    return paginate(result.projects, filters)


@router.get("/projects/{int:project_id}", response={200: ProjectDetailOut, **ERRORS}, url_name="training_project")
def project(request, project_id: int):
    found = get_visible_project(request.auth_user, project_id)
    return with_places(type(found).objects.filter(pk=found.pk)).select_related("org").get()


@router.post("/projects/{int:project_id}/enrol", response={200: EnrolmentOut, **ERRORS}, url_name="training_enrol")
def enrol_op(request, project_id: int):
    """我要报名: approved at once, or under review when the project asks for approval."""
    return enrol(actor=request.auth_user, project_id=project_id)


@router.post("/projects/{int:project_id}/cancel-enrolment", response={200: EnrolmentOut, **ERRORS},
             url_name="training_enrol_cancel")
def enrol_cancel_op(request, project_id: int):
    return enrolment_cancel(actor=request.auth_user, project_id=project_id)


@router.get("/mine", response={200: MyTrainingOut, **ERRORS}, url_name="training_mine")
def mine(request, filters: Query[MyTrainingFilter]):
    """我的培训: approved or pending enrolments, by year."""
    rows = my_training(request.auth_user, approved=filters.tab == "approved", year=filters.year)
    return paginate(rows.select_related("person"), filters)


# --- managers ---------------------------------------------------------------------------------

def _managed(request, project_id):
    return get_project_for(request.admin_role, project_id)


def _out(project_id):
    from training.models import Project

    return with_places(Project.objects.filter(pk=project_id)).select_related("org").get()


@router.get("/manage", response={200: PageOut, **ERRORS}, auth=MANAGE, url_name="training_manage")
def manage(request, filters: Query[ManageFilter]):
    return paginate(manager_list(request.admin_role, status=filters.status or "", year=filters.year,
                                 q=filters.q), filters)


@router.post("/manage", response={201: ManagedProjectOut, **ERRORS}, auth=CREATE, url_name="training_create")
def create(request, payload: ProjectFields):
    created = project_create(actor=request.auth_user, role=request.admin_role, data=payload.data())
    return Status(201, _out(created.pk))


@router.get("/manage/{int:project_id}", response={200: ManagedProjectOut, **ERRORS}, auth=MANAGE,
            url_name="training_manage_get")
def manage_get(request, project_id: int):
    _managed(request, project_id)
    return _out(project_id)


@router.patch("/manage/{int:project_id}", response={200: ManagedProjectOut, **ERRORS}, auth=MANAGE,
              url_name="training_update")
def update(request, project_id: int, payload: ProjectUpdate):
    data = payload.data()
    effectiveness = data.pop("effectiveness", None)
    project_update(actor=request.auth_user, role=request.admin_role, project_id=project_id, data=data,
                   effectiveness=effectiveness)
    return _out(project_id)


@router.post("/manage/{int:project_id}/implement", response={200: ManagedProjectOut, **ERRORS}, auth=MANAGE,
             url_name="training_implement")
def implement(request, project_id: int):
    project_implement(actor=request.auth_user, role=request.admin_role, project_id=project_id)
    return _out(project_id)


@router.post("/manage/{int:project_id}/end", response={200: ManagedProjectOut, **ERRORS}, auth=MANAGE,
             url_name="training_end")
def end(request, project_id: int):
    project_end(actor=request.auth_user, role=request.admin_role, project_id=project_id)
    return _out(project_id)


@router.post("/manage/{int:project_id}/cancel", response={200: ManagedProjectOut, **ERRORS}, auth=MANAGE,
             url_name="training_cancel")
def cancel(request, project_id: int, payload: ReasonIn):
    project_cancel(actor=request.auth_user, role=request.admin_role, project_id=project_id,
                   reason=payload.reason)
    return _out(project_id)


@router.get("/manage/{int:project_id}/enrolments", response={200: list[EnrolmentOut], **ERRORS}, auth=MANAGE,
            url_name="training_enrolments")
def enrolments(request, project_id: int, status: EnrolmentStatus | None = None):
    project = _managed(request, project_id)
    rows = Enrolment.objects.filter(project=project).select_related("person").order_by("created_at", "pk")
    return list(rows.filter(status=status) if status else rows[:5000])


@router.post("/manage/{int:project_id}/enrolments/decide", response={200: CountOut, **ERRORS}, auth=MANAGE,
             url_name="training_enrolments_decide")
def decide(request, project_id: int, payload: DecideIn):
    return {"count": enrolments_decide(actor=request.auth_user, role=request.admin_role,
                                       project_id=project_id, ids=payload.ids, approve=payload.approve,
                                       reason=payload.reason)}


@router.get("/manage/{int:project_id}/attendees", response={200: list[AttendeeOut], **ERRORS}, auth=MANAGE,
            url_name="training_attendees")
def attendees(request, project_id: int):
    project = _managed(request, project_id)
    return list(project.attendees.select_related("person").order_by("pk")[:20000])


@router.post("/manage/{int:project_id}/attendees", response={200: CountOut, **ERRORS}, auth=MANAGE,
             url_name="training_attendees_add")
def attendees_add_op(request, project_id: int, payload: AttendeesAddIn):
    return {"count": attendees_add(actor=request.auth_user, role=request.admin_role, project_id=project_id,
                                   person_ids=payload.person_ids, from_enrolments=payload.from_enrolments)}


@router.post("/manage/{int:project_id}/attendees/confirm", response={200: CountOut, **ERRORS}, auth=MANAGE,
             url_name="training_confirm")
def confirm(request, project_id: int, payload: IdsIn):
    """确认参加: credit the project's hours to each chosen attendee, once."""
    return {"count": attendees_confirm(actor=request.auth_user, role=request.admin_role,
                                       project_id=project_id, ids=payload.ids)}


@router.post("/manage/{int:project_id}/attendees/unconfirm", response={200: CountOut, **ERRORS}, auth=MANAGE,
             url_name="training_unconfirm")
def unconfirm(request, project_id: int, payload: UnconfirmIn):
    return {"count": attendees_unconfirm(actor=request.auth_user, role=request.admin_role,
                                         project_id=project_id, ids=payload.ids, reason=payload.reason)}


# --- sessions and sign-in ---------------------------------------------------------------------

class SessionIn(Schema):
    title: SingleLine = Field(..., min_length=1, max_length=200)
    starts_at: datetime
    ends_at: datetime
    place: SingleLine = Field("", max_length=200)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    radius_m: int = Field(200, ge=10, le=50_000)
    require_qr: bool = True
    require_location: bool = False


class SessionOut(Schema):
    id: int
    project_id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    place: str
    latitude: Decimal | None
    longitude: Decimal | None
    radius_m: int
    require_qr: bool
    require_location: bool


class SignInIn(Schema):
    token: str = Field("", max_length=80)
    code: str = Field("", max_length=6)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    accuracy: float | None = Field(None, ge=0, le=100_000)


class SignInOut(Schema):
    id: int
    session_id: int
    person_id: int
    method: str
    at: datetime
    distance_m: int | None
    accuracy_m: int | None


class ManualIn(Schema):
    person_id: int = Field(..., ge=1)
    reason: str = Field(..., min_length=1, max_length=500)


class PersonRef(Schema):
    id: int
    name: str


class SignedRef(PersonRef):
    at: str
    method: str


class LiveOut(Schema):
    code: str
    slot: int
    changes_in: int
    signed: list[SignedRef]
    missing: list[PersonRef]


@router.post("/sessions/{int:session_id}/sign-in", response={200: SignInOut, **ERRORS}, url_name="training_sign_in")
def sign_in_op(request, session_id: int, payload: SignInIn):
    """签到 at a session: the QR token (or short code) where the session asks for it, and
    the position (degrees, accuracy in metres) where it checks the location."""
    return sign_in(actor=request.auth_user, session_id=session_id, token=payload.token, code=payload.code,
                   latitude=payload.latitude, longitude=payload.longitude, accuracy=payload.accuracy)


@router.get("/manage/{int:project_id}/sessions", response={200: list[SessionOut], **ERRORS}, auth=MANAGE,
            url_name="training_sessions")
def sessions(request, project_id: int):
    return list(_managed(request, project_id).sessions.order_by("starts_at", "pk"))


@router.post("/manage/{int:project_id}/sessions", response={201: SessionOut, **ERRORS}, auth=MANAGE,
             url_name="training_session_create")
def session_create_op(request, project_id: int, payload: SessionIn):
    return Status(201, session_create(actor=request.auth_user, role=request.admin_role, project_id=project_id,
                                      data=payload.dict()))


@router.get("/manage/sessions/{int:session_id}/live", response={200: LiveOut, **ERRORS}, auth=MANAGE,
            url_name="training_session_live")
def session_live_op(request, session_id: int):
    """Who has and has not signed in, and the current short code."""
    return live_state(request, get_session_for(request.admin_role, session_id))


@router.post("/manage/sessions/{int:session_id}/manual", response={200: SignInOut, **ERRORS}, auth=MANAGE,
             url_name="training_sign_in_manual")
def manual(request, session_id: int, payload: ManualIn):
    """补签 by the admin, with a reason."""
    return sign_in_manual(actor=request.auth_user, role=request.admin_role, session_id=session_id,
                          person_id=payload.person_id, reason=payload.reason)
