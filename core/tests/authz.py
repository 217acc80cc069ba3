"""The machinery of the authorization matrix (test_authz_matrix.py) and of the page crawl
in test_security_headers.py.

Endpoints are DISCOVERED, never listed: every URL pattern of the resolver (pages, the
OpenAPI docs, Django's admin) and every operation of the ninja API's OpenAPI schema. A
path parameter is filled from REGISTRY, which maps a parameter to a factory making real
objects on each side of a scope line:

    own      belongs to the niaot learner (cast.learner, department dept_a1)
    peer     belongs to a niaot colleague in another department (cast.colleague, dept_b)
    outside  belongs to the other institute (cast.outsider_learner, imr)
    above    an org unit above every institute (the academy, the branch)

Each acting role has the sides that lie outside its scope (ROLES). A new endpoint whose
path parameter has no factory makes test_every_path_parameter_has_a_factory fail with a
message saying what to register here: that is how endpoints landing later get covered.

Every call runs inside a savepoint that is rolled back, and the client's cookies are put
back afterwards, so calls cannot disturb one another (a POST that deactivates the
learner does not log the learner out for the next call) and the state before each call is
the same baseline snapshot.
"""

import copy
import io
import itertools
import json
import re
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import quote, urlencode

from django.apps import apps
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern
from django.utils import timezone

API_PREFIX = "/api/v1/"
ADMIN_PREFIX = "/django-admin/"
SIDES = ("own", "peer", "outside", "above")

# --- who acts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoleSpec:
    name: str
    cast_attr: str | None  # the cast member acting; None = anonymous
    admin_mode: bool  # enter admin mode with the person's (only) role
    out_of_scope: frozenset  # sides this role must never reach


ROLES = (
    RoleSpec("anonymous", None, False, frozenset(SIDES)),
    RoleSpec("learner", "learner", False, frozenset({"peer", "outside", "above"})),
    # dept_admin governs dept_a (and dept_a1 below it), not dept_b.
    RoleSpec("department_admin", "dept_admin", True, frozenset({"peer", "outside", "above"})),
    RoleSpec("institute_admin", "institute_admin", True, frozenset({"outside", "above"})),
    RoleSpec("class_admin", "class_admin", True, frozenset({"outside", "above"})),
    RoleSpec("academy_admin", "academy_admin", True, frozenset()),
    RoleSpec("outsider_admin", "outsider_admin", True, frozenset({"own", "peer", "above"})),
)
ROLE_BY_NAME = {r.name: r for r in ROLES}
SIDE_PERSON = {"own": "learner", "peer": "colleague", "outside": "outsider_learner"}

# Anonymous may get a 2xx only from these (login forms, token obtain, language switch,
# the API description). Keys: URL names for routes, "METHOD /path" for API operations.
ANONYMOUS_ALLOWED = {
    "accounts:login", "set_language", "api:openapi-json", "api:openapi-view", "admin:login",
    "POST /api/v1/auth/tokens",
    # 验证码 of the login: a fresh challenge and the picture of a live one.
    "accounts:captcha_refresh", "accounts:captcha_image", "POST /api/v1/auth/captcha",
    # 忘记密码: asking for a reset and setting the password with a link or an SMS code.
    "accounts:password_reset", "accounts:password_reset_code", "accounts:password_reset_set",
    "accounts:password_reset_link", "POST /api/v1/auth/password-reset",
    "POST /api/v1/auth/password-reset/link", "POST /api/v1/auth/password-reset/code",
}
# Django admin routes anyone may reach: its login form, and logging out (which ends
# only the caller's own session and grants nothing).
ADMIN_OPEN = {"admin:login", "admin:logout"}
# Routes under /api/v1/ that are not operations of the schema.
API_META_ROUTES = {"api:openapi-json", "api:openapi-view", "api:api-root"}

# --- factories -----------------------------------------------------------------------------


@dataclass
class Factory:
    """Makes values for one kind of path parameter. `make(world, side)` returns a list of
    values for that side ([] when the side has no such object); an unscoped factory is
    called with side None and its values sit on no side (a kind, a year). An owner-only
    object (a notification, a token, a learner's own claim page) is in scope for its owner
    alone, whatever the admin scope says."""

    name: str
    make: Callable
    unscoped: bool = False
    owner_only: bool = False


REGISTRY: dict[str, Factory] = {}


def register(factory: Factory, *keys: str) -> Factory:
    """Keys are "<url name>:<param>" ("claims:edit:pk", "api:<operationId>:<param>") or a
    bare parameter name that means the same object everywhere ("person_id")."""
    for key in keys:
        if key in REGISTRY:
            raise ValueError(f"{key} is registered twice")
        REGISTRY[key] = factory
    return factory


def factory_for(endpoint_name: str, param: str) -> Factory | None:
    return REGISTRY.get(f"{endpoint_name}:{param}") or REGISTRY.get(param)


def _person(world, side):
    return world.person(side)


def _people(world, side):
    person = _person(world, side)
    return [person.pk] if person else []


def _orgs(world, side):
    c = world.cast
    units = {"own": [c.dept_a1], "peer": [c.dept_b], "outside": [c.imr_dept, c.imr],
             "above": [c.academy, c.branch]}[side]
    return [u.pk for u in units]


def _role_assignments(world, side):
    person = _person(world, side)
    if person is None:
        return []

    def make():
        from accounts.models import Role
        from accounts.tests.factories import grant

        return grant(person, Role.DEPARTMENT_ADMIN, person.department)

    return [world.memo(("role", side), make).pk]


def _api_tokens(world, side):
    person = _person(world, side)
    if person is None:
        return []

    def make():
        from accounts.services import token_create

        return token_create(user=person, name=f"authz {side}")[0]

    return [world.memo(("token", side), make).pk]


def _kinds(world, side):
    from claims.models import ClaimKind

    return list(ClaimKind.values)


def _years(world, side):
    return [timezone.localdate().year]


def _artifact_tokens(world, side):
    # Artifacts belong to the session that made them; a token this session never made
    # must be a 404 for everybody.
    return ["authz-not-this-sessions-artifact"]


register(Factory("person", _people), "person_id", "accounts:staff_edit:pk",
         "accounts:staff_deactivate:pk", "accounts:staff_reactivate:pk",
         "accounts:staff_reset_password:pk", "accounts:staff_role_grant:pk",
         "accounts:staff_role_revoke:pk", "ledger:person_archive:pk", "ledger:person_entries:pk",
         "ledger:person_credit:pk", "ledger:entry_reverse:pk")
register(Factory("role assignment", _role_assignments), "accounts:staff_role_revoke:role_pk")
register(Factory("org unit", _orgs), "org_id", "orgs:edit:pk")
register(Factory("api token", _api_tokens, owner_only=True), "token_id")
register(Factory("year", _years, unscoped=True), "year")
register(Factory("artifact token", _artifact_tokens, unscoped=True), "accounts:artifact:token",
         "claims:upload_errors:token")


def _captchas(world, side):
    from accounts.services import captcha_new

    return [world.memo("captcha", lambda: captcha_new().hashkey), "0" * 40]


register(Factory("captcha challenge", _captchas, unscoped=True), "accounts:captcha_image:key")
# A reset link of nobody (uid 1 in base64, a token that never checks).
register(Factory("reset link uid", lambda world, side: ["MQ"], unscoped=True),
         "accounts:password_reset_link:uidb64")
register(Factory("reset link token", lambda world, side: ["authz-no-such-token"], unscoped=True),
         "accounts:password_reset_link:token")


def _jobs(world, side):
    # A queued import belongs to the person who started it and to nobody else.
    person = _person(world, side)
    if person is None:
        return []

    def make():
        from core.models import Job, JobKind

        return Job.objects.create(kind=JobKind.STAFF_IMPORT, owner=person, rows_total=1,
                                  error_file=f"jobs/authz-{side}.xlsx")

    return [world.memo(("job", side), make).pk]


def _job_files(world, side):
    return ["errors", "result"]


register(Factory("job", _jobs, owner_only=True), "accounts:job:pk", "accounts:job_progress:pk",
         "accounts:job_file:pk")
register(Factory("job file", _job_files, unscoped=True), "accounts:job_file:which")

if apps.is_installed("ledger"):
    def _entries(world, side):
        person = _person(world, side)
        if person is None:
            return []

        def make():
            from ledger.services import ledger_credit

            return ledger_credit(person=person, cap_class="offline", minutes=90,
                                 start=date(timezone.localdate().year, 1, 15),
                                 source_kind="admin", source_id=f"authz-{side}",
                                 source_label=f"Authz{side.title()}Entry")[0]

        return [world.memo(("entry", side), make).pk]

    register(Factory("ledger entry", _entries), "entry_id", "ledger:entry_reverse:entry_pk")

if apps.is_installed("claims"):
    def _claims_of(world, side):
        """A draft and a submitted claim (with a PDF attachment) of the side's person: a
        submitted one, so that a missing scope check on approve/reject would succeed
        (and be seen) instead of failing with 409 for an unrelated reason."""
        person = _person(world, side)
        if person is None:
            return None

        def make():
            from django.core.files.uploadedfile import SimpleUploadedFile

            from claims.services import claim_create
            from claims.tests.helpers import PDF, claim_data

            name = f"Authz{side.title()}Claim"
            draft = claim_create(actor=person, kind="external_training",
                                 data=claim_data(name=name + "Draft"))
            submitted = claim_create(
                actor=person, kind="external_training", data=claim_data(name=name),
                files=[SimpleUploadedFile(f"{name}.pdf", PDF, content_type="application/pdf")],
                submit=True)
            return draft, submitted

        return world.memo(("claims", side), make)

    def _claims(world, side):
        pair = _claims_of(world, side)
        return [c.pk for c in pair] if pair else []

    def _attachments(world, side):
        pair = _claims_of(world, side)
        return [pair[1].attachments.get().pk] if pair else []

    claim = register(Factory("claim", _claims), "claim_id", "claims:review_detail:pk")
    # The learner's own-claim pages and operations: only the owner, never an admin.
    register(Factory("own claim", _claims, owner_only=True), "claims:edit:pk",
             "api:claims_api_get:claim_id", "api:claims_api_update:claim_id",
             "api:claims_api_submit:claim_id", "api:claims_api_withdraw:claim_id")
    register(Factory("attachment", _attachments), "attachment_id", "claims:attachment:pk")

    def _windows(world, side):
        """A supplementary window of the side's institute (own: niaot, outside: imr) or of
        the academy (above); the peer department has none of its own."""
        c = world.cast
        org = {"own": c.niaot, "peer": None, "outside": c.imr, "above": c.academy}[side]
        if org is None:
            return []

        def make():
            from claims.models import SupplementaryWindow

            today = timezone.localdate()
            return SupplementaryWindow.objects.create(org=org, year=today.year - 1, opens_on=today,
                                                      closes_on=today, opened_by=c.academy_admin)

        return [world.memo(("window", side), make).pk]

    register(Factory("supplementary window", _windows), "window_id")
    register(Factory("claim kind", _kinds, unscoped=True), "claims:mine:kind",
             "claims:new:kind", "claims:upload:kind", "claims:upload_template:kind")

if apps.is_installed("reports"):
    def _summaries(world, side):
        """An annual summary of the side's institute (own: niaot, outside: imr); the peer
        department and the academy have none of their own."""
        c = world.cast
        org = {"own": c.niaot, "peer": None, "outside": c.imr, "above": None}[side]
        if org is None:
            return []

        def make():
            from reports.models import AnnualSummary

            return AnnualSummary.objects.create(institute=org, year=timezone.localdate().year,
                                                created_by=c.academy_admin)

        return [world.memo(("summary", side), make).pk]

    register(Factory("annual summary", _summaries), "summary_id", "reports:summary:pk")

if apps.is_installed("training"):
    def _projects(world, side):
        """A training project on the side: own (organised by dept_a1, visible to the
        institute), peer (dept_b, not public, so the learner does not see it), outside
        (imr, visible to imr). The niaot class admin is assigned to own and peer; each
        has an enrolment and an attendee of the side's person."""
        c = world.cast
        org = {"own": c.dept_a1, "peer": c.dept_b, "outside": c.imr_dept}.get(side)
        if org is None:
            return []

        def make():
            from accounts.models import Role
            from training.models import Attendee, Enrolment, EnrolmentStatus
            from training.services import project_create, project_implement
            from training.tests.helpers import project_data

            admin = c.institute_admin if side != "outside" else c.outsider_admin
            role = admin.roles.get(role=Role.INSTITUTE_ADMIN)
            project = project_create(actor=admin, role=role, data=project_data(
                c, org=org, name=f"Authz{side.title()}Project", enrol_needs_approval=True,
                visibility="private" if side == "peer" else "unit"))
            project_implement(actor=admin, role=role, project_id=project.pk)
            if side != "outside":
                project.class_admins.add(c.class_admin)
            person = _person(world, side)
            Enrolment.objects.create(project=project, person=person, status=EnrolmentStatus.PENDING)
            Attendee.objects.create(project=project, person=person, added_by=admin)
            return project

        return [world.memo(("project", side), make).pk]

    def _sessions(world, side):
        projects = _projects(world, side)
        if not projects:
            return []

        def make():
            from datetime import timedelta

            from training.models import Project
            from training.services import session_create

            c = world.cast
            admin = c.institute_admin if side != "outside" else c.outsider_admin
            now = timezone.now()
            return session_create(actor=admin, role=admin.roles.get(), project_id=projects[0], data={
                "title": f"Authz{side.title()}Session", "starts_at": now, "ends_at": now + timedelta(hours=2),
                "require_qr": True, "place": Project.objects.get(pk=projects[0]).place})

        return [world.memo(("session", side), make).pk]

    register(Factory("training session", _sessions), "session_id", "training:session_qr:pk",
             "training:session_live:pk", "training:sign_in:pk")
    register(Factory("training project", _projects), "project_id", "training:detail:pk",
             "training:enrol_cancel:pk",
             "training:manage_edit:pk", "training:manage_enrolments:pk",
             "training:manage_attendees:pk", "training:manage_sessions:pk")

if apps.is_installed("notifications"):
    def _notifications(world, side):
        person = _person(world, side)
        if person is None:
            return []

        def make():
            from notifications.services import notify

            return notify(recipients=[person], kind="authz.test",
                          title=f"Authz{side.title()}Notice")[0]

        return [world.memo(("notification", side), make).pk]

    register(Factory("notification", _notifications, owner_only=True), "notification_id",
             "notifications:read:pk")

# Strings that identify each side's data; none may appear in anything a role outside that
# side's scope receives (lists, exports, error pages, JSON).
MARKERS = {
    "own": ("张三", "AuthzOwn"),
    "peer": ("李四", "AuthzPeer"),
    "outside": ("孙七", "金属所管理员", "AuthzOutside"),
    "above": (),
}

# --- endpoints -----------------------------------------------------------------------------


@dataclass
class Endpoint:
    surface: str  # "page", "api" or "admin"
    name: str  # URL name ("accounts:staff_edit") or "api:<operationId>"
    template: str  # "/manage/staff/{pk}/"
    params: tuple[str, ...]
    methods: tuple[str, ...]
    allow_key: str = ""  # key into ANONYMOUS_ALLOWED

    @property
    def label(self) -> str:
        return f"{self.name} {self.template}"


_CONVERTER = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>\w+)>")
_REGEX_GROUP = re.compile(r"\(\?P<(\w+)>(?:[^()]|\([^()]*\))*\)")


def _template_of(pattern) -> str:
    if isinstance(pattern, RoutePattern):
        return _CONVERTER.sub(lambda m: "{" + m.group("name") + "}", str(pattern))
    if isinstance(pattern, RegexPattern):
        text = _REGEX_GROUP.sub(lambda m: "{" + m.group(1) + "}", pattern.regex.pattern)
        return text.replace("^", "").replace("$", "").replace("\\", "")
    raise TypeError(f"unknown URL pattern type {type(pattern)}")


def walk_routes() -> Iterator[tuple[str, str, URLPattern]]:
    """(template, qualified name, pattern) for every URL pattern, recursively."""

    def walk(patterns, prefix, namespaces):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = namespaces + ((p.namespace,) if p.namespace else ())
                yield from walk(p.url_patterns, prefix + _template_of(p.pattern), ns)
            else:
                name = ":".join(namespaces + (p.name or "<unnamed>",))
                yield "/" + prefix + _template_of(p.pattern), name, p

    yield from walk(get_resolver().url_patterns, "", ())


def _params(template: str) -> tuple[str, ...]:
    return tuple(re.findall(r"\{(\w+)\}", template))


def api_schema() -> dict:
    from config.api import api

    return api.get_openapi_schema()


def discover() -> list[Endpoint]:
    """Every page route, every Django-admin route and every API operation."""
    endpoints = []
    for template, name, _pattern in walk_routes():
        if template.startswith(ADMIN_PREFIX):
            surface = "admin"
        elif template.startswith(API_PREFIX) and name not in API_META_ROUTES:
            continue  # operations come from the schema, with their methods
        else:
            surface = "page"
        endpoints.append(Endpoint(surface, name, template, _params(template), ("GET", "POST"),
                                  allow_key=name))
    for path, operations in api_schema()["paths"].items():
        for method, op in operations.items():
            params = tuple(p["name"] for p in op.get("parameters", []) if p["in"] == "path")
            endpoints.append(Endpoint("api", f"api:{op['operationId']}", path, params,
                                      (method.upper(),), allow_key=f"{method.upper()} {path}"))
    return endpoints


def api_routes_outside_schema() -> list[str]:
    """Routes under /api/v1/ that no schema operation describes (should be none)."""
    paths = set(api_schema()["paths"])
    return sorted(f"{name} {template}" for template, name, _p in walk_routes()
                  if template.startswith(API_PREFIX) and name not in API_META_ROUTES
                  and template not in paths)


def missing_factories(endpoints: list[Endpoint]) -> list[str]:
    problems = []
    for ep in endpoints:
        if ep.surface == "admin":
            continue  # Django admin internals: superusers only, see admin_placeholder()
        for param in ep.params:
            if factory_for(ep.name, param) is None:
                problems.append(
                    f"path parameter '{param}' of {ep.label} has no factory: register one in "
                    f"core/tests/authz.py under '{ep.name}:{param}' (or '{param}' if the "
                    f"name means the same object everywhere) that returns the id of an object "
                    f"in the niaot scope and one outside it (imr), so the authorization "
                    f"matrix can call this endpoint.")
    return problems


def admin_placeholder(param: str) -> str:
    """Values for Django-admin route parameters (no cast role is staff; every such URL
    must refuse them whatever the object)."""
    return {"app_label": "accounts", "object_id": "1", "content_type_id": "1",
            "url": "no-such-page/"}.get(param, "1")


# --- the world the matrix acts in ----------------------------------------------------------


@dataclass
class Binding:
    param: str
    value: object
    side: str | None
    owner_only: bool


@dataclass
class Case:
    endpoint: Endpoint
    method: str
    url: str
    bindings: tuple[Binding, ...]
    spoofed: bool = False

    @property
    def sides(self) -> set[str]:
        return {b.side for b in self.bindings if b.side}

    def out_of_scope_for(self, role: RoleSpec) -> bool:
        if self.endpoint.surface == "admin" and self.endpoint.name not in ADMIN_OPEN:
            return True  # no role of the cast is staff: the Django admin is for operators
        for b in self.bindings:
            if b.side is None:
                continue
            if b.owner_only:
                if not (role.name == "learner" and b.side == "own"):
                    return True
            elif b.side in role.out_of_scope:
                return True
        return False


@dataclass
class Finding:
    role: str
    method: str
    url: str
    endpoint: str
    problem: str

    def __str__(self):
        return f"[{self.role}] {self.method} {self.url} ({self.endpoint}): {self.problem}"


@dataclass
class Stats:
    endpoints: set = field(default_factory=set)
    roles: set = field(default_factory=set)
    cases: int = 0
    out_of_scope: int = 0


class _Rollback(Exception):
    pass


class World:
    """The cast plus one object per side and parameter kind, and a logged-in client per
    role (in admin mode where the role has one)."""

    def __init__(self, cast):
        self.cast = cast
        self._memo = {}
        self.clients: dict[str, Client] = {}

    def memo(self, key, make):
        if key not in self._memo:
            self._memo[key] = make()
        return self._memo[key]

    def person(self, side):
        attr = SIDE_PERSON.get(side)
        return getattr(self.cast, attr) if attr else None

    def prepare(self, endpoints: list[Endpoint], roles=ROLES) -> None:
        """Create every object the endpoints need (before any client logs in, so admin
        mode sees the final roles), then log the roles in."""
        from conftest import enter_admin, login

        for ep in endpoints:
            for param in ep.params:
                fac = factory_for(ep.name, param)
                if fac is None or ep.surface == "admin":
                    continue
                for side in (None,) if fac.unscoped else SIDES:
                    fac.make(self, side)
        for role in roles:
            client = Client()
            user = getattr(self.cast, role.cast_attr) if role.cast_attr else None
            if user is not None:
                if role.admin_mode:
                    enter_admin(client, user)
                else:
                    login(client, user)
            self.clients[role.name] = client

    def cases(self, ep: Endpoint, *, sides=SIDES) -> Iterator[Case]:
        """Every combination of values of the endpoint's parameters: for a route with two
        object parameters this includes the mixed ones (niaot person + imr entry)."""
        choices = []
        for param in ep.params:
            if ep.surface == "admin":
                choices.append([Binding(param, admin_placeholder(param), None, False)])
                continue
            fac = factory_for(ep.name, param)
            if fac is None:
                raise LookupError(missing_factories([ep])[0])
            if fac.unscoped:
                choices.append([Binding(param, v, None, False) for v in fac.make(self, None)])
            else:
                choices.append([Binding(param, v, side, fac.owner_only)
                                for side in sides for v in fac.make(self, side)])
        for combo in itertools.product(*choices):
            url = ep.template
            for b in combo:
                url = url.replace("{" + b.param + "}", quote(str(b.value), safe=""))
            for method in ep.methods:
                yield Case(ep, method, url, tuple(combo))

    def spoof_query(self, role: RoleSpec) -> str:
        """Org and person filters pointing outside the role's scope, under every name a
        list or export might read."""
        c = self.cast
        side = next((s for s in ("outside", "peer", "own") if s in role.out_of_scope), None)
        if side is None:
            return ""
        person = self.person(side)
        dept, inst = person.department, person.institute
        query = {}
        for key in ("institute", "institute_id", "org", "org_id", "unit", "root"):
            query[key] = inst.pk
        for key in ("department", "department_id", "dept"):
            query[key] = dept.pk
        for key in ("person", "person_id", "owner", "owner_id", "user", "user_id", "staff"):
            query[key] = person.pk
        query["q"] = ""
        del c
        return urlencode(query)


def call(client: Client, case: Case, surface: str):
    method = case.method
    if surface == "api" and method in ("POST", "PUT", "PATCH"):
        return client.generic(method, case.url, b"{}", content_type="application/json")
    if method == "GET":
        return client.get(case.url)
    if method == "POST":
        return client.post(case.url, {})
    return client.generic(method, case.url)


def body_text(response) -> str:
    """What a person would read in the response: HTML/text as is, JSON re-encoded without
    \\u escapes, an Excel export's cell values."""
    if getattr(response, "streaming", False):
        raw = b"".join(response.streaming_content)
    else:
        raw = response.content
    # No response.close() here: the test client has closed it already (after iterating, for
    # streams) with close_old_connections detached. Closing again sends request_finished,
    # whose handler drops the PostgreSQL connection inside the test's transaction.
    ctype = response.get("Content-Type", "")
    if "spreadsheetml" in ctype:
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(raw), read_only=True)
        except Exception:  # noqa: BLE001 — an unreadable export is itself reported below
            return "<unreadable xlsx>"
        return "\n".join(str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True)
                         for v in row if v is not None)
    text = raw.decode("utf-8", errors="replace")
    if "json" in ctype:
        try:
            return json.dumps(json.loads(text), ensure_ascii=False)
        except ValueError:
            return text
    return text


# Rows that legitimately change on a request that changes nothing: the session store,
# CAPTCHA challenges (anyone may ask for one; they grant nothing) and last-use clocks.
_VOLATILE_MODELS = {"sessions.Session", "captcha.CaptchaStore"}
_VOLATILE_FIELDS = {"accounts.User.last_login", "accounts.ApiToken.last_used_at",
                    "accounts.ApiToken.admin_last"}


def snapshot() -> dict[str, list]:
    """Every row of every model (the test database is small), ordered by pk."""
    data = {}
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed or meta.label in _VOLATILE_MODELS:
            continue
        fields = [f.attname for f in meta.concrete_fields
                  if f"{meta.label}.{f.attname}" not in _VOLATILE_FIELDS]
        rows = model._base_manager.order_by("pk")
        if meta.label == "core.AuditEvent":
            # Requests refused as outside the scope are recorded on purpose (ABUSE-CASES 7).
            from core.access import OUT_OF_SCOPE_ACTION

            rows = rows.exclude(action=OUT_OF_SCOPE_ACTION)
        data[meta.label] = list(rows.values_list(*fields))
    return data


def diff(before: dict, after: dict) -> list[str]:
    changed = []
    for label, rows in before.items():
        if after.get(label) != rows:
            n, m = len(rows), len(after.get(label, []))
            changed.append(f"{label} ({n}→{m} rows)" if n != m else f"{label} (rows changed)")
    return changed


_OK_OUT_OF_SCOPE = {400, 401, 403, 404, 405, 409, 413, 422}
_REDIRECT_OK = ("/login/", "/manage/enter/", "/me/password/", "/django-admin/login/")


class Runner:
    """Runs cases as roles and collects findings (never stops at the first)."""

    def __init__(self, world: World, stats: Stats | None = None,
                 inspect: Callable | None = None):
        self.world = world
        self.stats = stats or Stats()
        self.inspect = inspect
        self.findings: list[Finding] = []
        self.baseline = snapshot()

    def run(self, case: Case, role: RoleSpec) -> None:
        client = self.world.clients[role.name]
        ep = case.endpoint
        checked = role.name == "anonymous" or case.out_of_scope_for(role)
        self.stats.endpoints.add(ep.label)
        self.stats.roles.add(role.name)
        self.stats.cases += 1
        self.stats.out_of_scope += checked

        def report(problem):
            self.findings.append(Finding(role.name, case.method, case.url, ep.name, problem))

        cookies = copy.deepcopy(client.cookies)
        # The harness's rollback block stands for the test's own transaction, as
        # TestCase's do: services that run durable transactions work inside it.
        rollback = transaction.atomic()
        rollback._from_testcase = True
        try:
            with rollback:
                try:
                    response = call(client, case, ep.surface)
                except Exception as exc:  # noqa: BLE001 — every exception is a finding
                    head = "".join(traceback.format_exception(exc)[-3:]).strip()
                    report(f"raised {type(exc).__name__} (a 500): {head}")
                    raise _Rollback from None
                status = response.status_code
                text = body_text(response)
                if status >= 500:
                    report(f"status {status}")
                if role.name == "anonymous":
                    if 200 <= status < 300 and ep.allow_key not in ANONYMOUS_ALLOWED:
                        report(f"anonymous got {status}")
                elif checked:
                    self._check_out_of_scope(case, response, status, report)
                self._check_markers(role, text, report)
                if checked:
                    changed = diff(self.baseline, snapshot())
                    if changed:
                        report(f"status {status} and the database changed: {', '.join(changed)}")
                if self.inspect is not None:
                    self.inspect(case, role, response, text)
                raise _Rollback
        except _Rollback:
            pass
        finally:
            client.cookies = cookies

    @staticmethod
    def _check_out_of_scope(case, response, status, report):
        sides = ",".join(sorted(case.sides))
        if 200 <= status < 300:
            report(f"{status} on an object outside the role's scope (sides {sides})")
        elif 300 <= status < 400:
            target = response.get("Location", "")
            if not target.startswith(_REDIRECT_OK):
                report(f"{status} → {target} on an object outside the role's scope "
                       f"(sides {sides}); expected 404/403")
        elif status not in _OK_OUT_OF_SCOPE:
            report(f"unexpected status {status} outside the role's scope (sides {sides})")

    @staticmethod
    def _check_markers(role, text, report):
        for side in role.out_of_scope:
            for marker in MARKERS[side]:
                if marker in text:
                    report(f"the response shows {marker!r}, data of the {side} side, which is "
                           f"outside this role's scope")

    def run_all(self, endpoints: list[Endpoint], roles=ROLES, *, spoof: bool = False) -> None:
        for ep in endpoints:
            for case in self.world.cases(ep):
                for role in roles:
                    self.run(case, role)
            if spoof and not ep.params and "GET" in ep.methods:
                for role in roles:
                    query = self.world.spoof_query(role)
                    if role.name == "anonymous" or not query:
                        continue
                    for extra in ("", "&export=xlsx&format=xlsx"):
                        url = f"{ep.template}?{query}{extra}"
                        self.run(Case(ep, "GET", url, (), spoofed=True), role)


# --- pages and the API ask the same question (issue 9, finding 3) ----------------------------
#
# Every API operation does what some page does (a pair below) or is declared API-only
# with the reason. For every pair and every role, test_pages_and_api_agree calls both on
# the same objects, inside the role's scope, and compares whether each let the role in:
# they must agree with each other and, where the pair names an action of the permission
# table, with the table. A new API operation in neither list fails
# test_every_api_operation_is_paired.


@dataclass(frozen=True)
class Pair:
    page: str  # URL name of the page
    page_method: str  # "GET" (reads) or "POST" (the page's form)
    api: str  # "METHOD /api/v1/path", as the OpenAPI schema spells it
    action: str | None  # the permission both ask; None: the person's own things, no role
    # Values for parameters that no factory gives the right object for this pair, by
    # parameter name: callable(world, role_spec) → value.
    values: tuple = ()


def _role_org(world, role):
    """The unit the admin role governs (settings and windows are per institute/academy)."""
    user = getattr(world.cast, role.cast_attr) if role.cast_attr else None
    assignment = user.roles.first() if user is not None else None
    return assignment.org_id if assignment else world.cast.niaot.pk


PAGE_API_PAIRS = (
    # 人员管理
    Pair("accounts:staff_list", "GET", "GET /api/v1/staff", "staff.view"),
    Pair("accounts:staff_create", "POST", "POST /api/v1/staff", "staff.edit"),
    Pair("accounts:staff_import", "POST", "POST /api/v1/staff/import", "staff.edit"),
    Pair("accounts:staff_edit", "GET", "GET /api/v1/staff/{person_id}", "staff.view"),
    Pair("accounts:staff_edit", "POST", "PATCH /api/v1/staff/{person_id}", "staff.edit"),
    Pair("accounts:staff_deactivate", "POST", "POST /api/v1/staff/{person_id}/deactivate",
         "staff.edit"),
    Pair("accounts:staff_reactivate", "POST", "POST /api/v1/staff/{person_id}/reactivate",
         "staff.edit"),
    # a person's archive and credits
    Pair("ledger:person_archive", "GET", "GET /api/v1/ledger/archive/{person_id}", "ledger.view"),
    Pair("ledger:person_entries", "GET", "GET /api/v1/ledger/entries/{person_id}", "ledger.view"),
    Pair("ledger:person_credit", "POST", "POST /api/v1/ledger/entries", "ledger.credit"),
    Pair("ledger:entry_reverse", "POST", "POST /api/v1/ledger/entries/{entry_id}/reverse",
         "ledger.credit"),
    Pair("ledger:entry_reverse", "POST", "POST /api/v1/ledger/postings/reverse", "ledger.credit"),
    # review
    Pair("claims:review", "GET", "GET /api/v1/claims/review", "claims.review"),
    Pair("claims:review", "POST", "POST /api/v1/claims/review/decide", "claims.review"),
    Pair("claims:review_detail", "GET", "GET /api/v1/claims/review/{claim_id}", "claims.review"),
    Pair("claims:review_detail", "POST", "POST /api/v1/claims/review/{claim_id}/approve",
         "claims.review"),
    Pair("claims:review_detail", "POST", "POST /api/v1/claims/review/{claim_id}/reject",
         "claims.review"),
    Pair("claims:review_detail", "POST", "POST /api/v1/claims/review/{claim_id}/revoke",
         "claims.review"),
    Pair("claims:on_behalf", "POST", "POST /api/v1/claims/review/on-behalf",
         "claims.create_on_behalf"),
    Pair("claims:import", "POST", "POST /api/v1/claims/review/import", "claims.import"),
    Pair("claims:windows", "GET", "GET /api/v1/claims/windows", "claims.windows"),
    Pair("claims:windows", "POST", "POST /api/v1/claims/windows", "claims.windows"),
    Pair("claims:windows", "POST", "POST /api/v1/claims/windows/{window_id}/close",
         "claims.windows"),
    Pair("claims:settings", "GET", "GET /api/v1/claims/settings/{org_id}", "claims.settings",
         values=(("org_id", _role_org),)),
    Pair("claims:settings", "POST", "PUT /api/v1/claims/settings/{org_id}", "claims.settings",
         values=(("org_id", _role_org),)),
    # 培训统计 (reports)
    Pair("reports:staff", "GET", "GET /api/v1/reports/staff", "reports.staff"),
    Pair("reports:classes", "GET", "GET /api/v1/reports/classes", "reports.classes"),
    Pair("reports:backbone", "GET", "GET /api/v1/reports/backbone", "reports.backbone_view"),
    Pair("reports:backbone", "GET", "GET /api/v1/reports/backbone/institutes", "reports.backbone_view"),
    Pair("reports:backbone", "POST", "POST /api/v1/reports/backbone/report", "reports.backbone_report"),
    Pair("reports:backbone", "POST", "POST /api/v1/reports/backbone/revoke", "reports.backbone_report"),
    Pair("reports:backbone", "POST", "POST /api/v1/reports/backbone/lock", "reports.backbone_report"),
    Pair("reports:backbone_window", "GET", "GET /api/v1/reports/backbone/window", "reports.backbone_window"),
    Pair("reports:backbone_window", "POST", "PUT /api/v1/reports/backbone/window", "reports.backbone_window"),
    Pair("reports:dashboard", "GET", "GET /api/v1/reports/dashboard/institutes", "reports.dashboard"),
    Pair("reports:dashboard", "GET", "GET /api/v1/reports/dashboard", "reports.dashboard"),
    Pair("reports:dashboard", "POST", "POST /api/v1/reports/dashboard/notify", "reports.dashboard"),
    Pair("reports:summaries", "GET", "GET /api/v1/reports/summaries", "reports.summary"),
    Pair("reports:summaries", "POST", "POST /api/v1/reports/summaries", "reports.summary_edit"),
    Pair("reports:summary", "GET", "GET /api/v1/reports/summaries/{summary_id}", "reports.summary"),
    Pair("reports:summary", "POST", "PATCH /api/v1/reports/summaries/{summary_id}", "reports.summary_edit"),
    Pair("reports:summary", "POST", "POST /api/v1/reports/summaries/{summary_id}/refresh",
         "reports.summary_edit"),
    Pair("reports:summary", "POST", "POST /api/v1/reports/summaries/{summary_id}/submit",
         "reports.summary_edit"),
    # 培训班管理
    Pair("training:manage", "GET", "GET /api/v1/training/manage", "training.manage"),
    Pair("training:create", "POST", "POST /api/v1/training/manage", "training.create"),
    Pair("training:manage_edit", "GET", "GET /api/v1/training/manage/{project_id}", "training.manage"),
    Pair("training:manage_edit", "POST", "PATCH /api/v1/training/manage/{project_id}", "training.manage"),
    Pair("training:manage_edit", "POST", "POST /api/v1/training/manage/{project_id}/implement",
         "training.manage"),
    Pair("training:manage_edit", "POST", "POST /api/v1/training/manage/{project_id}/end",
         "training.manage"),
    Pair("training:manage_edit", "POST", "POST /api/v1/training/manage/{project_id}/cancel",
         "training.manage"),
    Pair("training:manage_enrolments", "GET", "GET /api/v1/training/manage/{project_id}/enrolments",
         "training.manage"),
    Pair("training:manage_enrolments", "POST",
         "POST /api/v1/training/manage/{project_id}/enrolments/decide", "training.manage"),
    Pair("training:manage_attendees", "GET", "GET /api/v1/training/manage/{project_id}/attendees",
         "training.manage"),
    Pair("training:manage_attendees", "POST", "POST /api/v1/training/manage/{project_id}/attendees",
         "training.manage"),
    Pair("training:manage_attendees", "POST",
         "POST /api/v1/training/manage/{project_id}/attendees/confirm", "training.manage"),
    Pair("training:manage_attendees", "POST",
         "POST /api/v1/training/manage/{project_id}/attendees/unconfirm", "training.manage"),
    # 培训项目 and 我的培训
    Pair("training:catalogue", "GET", "GET /api/v1/training/projects", None),
    Pair("training:detail", "GET", "GET /api/v1/training/projects/{project_id}", None),
    Pair("training:detail", "POST", "POST /api/v1/training/projects/{project_id}/enrol", None),
    Pair("training:enrol_cancel", "POST", "POST /api/v1/training/projects/{project_id}/cancel-enrolment",
         None),
    Pair("training:mine", "GET", "GET /api/v1/training/mine", None),
    Pair("training:sign_in", "POST", "POST /api/v1/training/sessions/{session_id}/sign-in", None),
    Pair("training:manage_sessions", "GET", "GET /api/v1/training/manage/{project_id}/sessions",
         "training.manage"),
    Pair("training:manage_sessions", "POST", "POST /api/v1/training/manage/{project_id}/sessions",
         "training.manage"),
    Pair("training:session_live", "GET", "GET /api/v1/training/manage/sessions/{session_id}/live",
         "training.manage"),
    Pair("training:session_qr", "POST", "POST /api/v1/training/manage/sessions/{session_id}/manual",
         "training.manage"),
    # the person's own things (no role: the owner, or a reviewer in scope for files)
    Pair("ledger:archive", "GET", "GET /api/v1/ledger/archive/me", None),
    Pair("ledger:archive_entries", "GET", "GET /api/v1/ledger/entries/me", None),
    Pair("claims:mine_default", "GET", "GET /api/v1/claims/mine", None),
    Pair("claims:new", "POST", "POST /api/v1/claims/mine", None,
         values=(("kind", lambda world, role: "external_training"),)),
    Pair("claims:edit", "GET", "GET /api/v1/claims/mine/{claim_id}", None),
    Pair("claims:edit", "POST", "POST /api/v1/claims/mine/{claim_id}", None),
    Pair("claims:mine", "POST", "POST /api/v1/claims/mine/{claim_id}/submit", None,
         values=(("kind", lambda world, role: "external_training"),)),
    Pair("claims:mine", "POST", "POST /api/v1/claims/mine/{claim_id}/withdraw", None,
         values=(("kind", lambda world, role: "external_training"),)),
    Pair("claims:mine", "POST", "POST /api/v1/claims/mine/delete", None,
         values=(("kind", lambda world, role: "external_training"),)),
    Pair("claims:attachment", "GET", "GET /api/v1/claims/attachments/{attachment_id}", None),
    Pair("claims:upload", "POST", "POST /api/v1/claims/mine/upload", None,
         values=(("kind", lambda world, role: "external_training"),)),
    Pair("notifications:inbox", "GET", "GET /api/v1/notifications", None),
    Pair("notifications:read", "POST", "POST /api/v1/notifications/{notification_id}/read", None),
    Pair("notifications:read_all", "POST", "POST /api/v1/notifications/read-all", None),
    Pair("accounts:profile", "GET", "GET /api/v1/me", None),
    Pair("accounts:profile", "POST", "PATCH /api/v1/me", None),
    Pair("accounts:password_change", "POST", "POST /api/v1/me/password", None),
    Pair("accounts:admin_mode", "POST", "POST /api/v1/auth/admin-mode", None),
    # 忘记密码 (anyone, signed in or not)
    Pair("accounts:password_reset", "POST", "POST /api/v1/auth/password-reset", None),
    Pair("accounts:password_reset_set", "POST", "POST /api/v1/auth/password-reset/link", None),
    Pair("accounts:password_reset_code", "POST", "POST /api/v1/auth/password-reset/code", None),
)

# API operations no page does, and why.
API_ONLY = {
    "POST /api/v1/auth/tokens": "the mobile client's login; pages log in with a session",
    "POST /api/v1/auth/captcha": "the mobile client's 验证码 for its login; the login page "
                                 "shows one in the form",
    "GET /api/v1/auth/tokens": "the person's own bearer tokens; pages use no tokens",
    "DELETE /api/v1/auth/tokens/{token_id}": "revoking one's own bearer token",
    "GET /api/v1/orgs/tree": "the unit picker of the client: the person's own institute or "
                             "the role's subtree, names only (no people)",
    "GET /api/v1/ledger/policy/{year}": "the year's rules the client needs to fill a claim "
                                        "form; pages render them into the form",
}

_PROMPTS = ("/login/", "/manage/enter/", "/me/password/")
# The table's role for each acting cast member (None: no admin role in use).
TABLE_ROLE = {"anonymous": None, "learner": None, "department_admin": "department_admin",
              "institute_admin": "institute_admin", "class_admin": "class_admin",
              "academy_admin": "academy_admin", "outsider_admin": "institute_admin"}


def api_operations() -> set[str]:
    return {f"{method.upper()} {path}" for path, ops in api_schema()["paths"].items()
            for method in ops}


def unpaired_api_operations() -> list[str]:
    paired = {p.api for p in PAGE_API_PAIRS} | set(API_ONLY)
    return sorted(api_operations() - paired)


def let_in(response) -> bool | None:
    """Did the endpoint let the caller in? No: 401/403/404 or a redirect to the login or
    admin-mode prompt. None: 405 or a 5xx (the pair is wrong or the endpoint broken). Yes:
    anything else — a 2xx, a redirect elsewhere, or a 400/409/422 about the (empty) input,
    which comes only after the permission check."""
    status = response.status_code
    if status in (401, 403, 404):
        return False
    if 300 <= status < 400:
        return not response.get("Location", "").startswith(_PROMPTS)
    if status == 405 or status >= 500:
        return None
    return True


def expected_by_table(role: RoleSpec, action: str | None) -> bool | None:
    """What core.permissions says the role may do (None: the pair names no action)."""
    from core.permissions import PERMISSIONS

    if action is None:
        return None
    held = TABLE_ROLE[role.name]
    return held is not None and held in PERMISSIONS[action]


@dataclass
class PairOutcome:
    pair: Pair
    role: str
    page_url: str
    api_url: str
    page_status: int
    api_status: int
    page_in: bool | None
    api_in: bool | None
    expected: bool | None

    def problem(self) -> str | None:
        if self.page_in is None or self.api_in is None:
            return "the page or the API answered 405/5xx: the pair is wrong or the endpoint broken"
        if self.page_in != self.api_in:
            return "the page and the API disagree"
        if self.expected is not None and self.page_in != self.expected:
            return f"both disagree with the permission table ({self.pair.action})"
        return None

    def __str__(self):
        return (f"[{self.role}] {self.pair.page_method} {self.page_url} → {self.page_status} vs "
                f"{self.pair.api.split()[0]} {self.api_url} → {self.api_status}: {self.problem()}")


def _endpoint(name: str, method: str) -> Endpoint:
    for ep in discover():
        if ep.surface == "page" and ep.name == name:
            return Endpoint(ep.surface, ep.name, ep.template, ep.params, (method,))
        if ep.surface == "api" and ep.allow_key == name:
            return ep
    raise LookupError(f"no endpoint {name!r}: fix PAGE_API_PAIRS in core/tests/authz.py")


def _in_scope_side(role: RoleSpec, owner_only: bool) -> str | None:
    if owner_only:
        return "own" if role.name == "learner" else None
    return next((s for s in SIDES if s not in role.out_of_scope), None)


def _bind(world: World, ep: Endpoint, side: str | None, values: dict, role: RoleSpec):
    """The endpoint's URL with every parameter bound to the object of `side`, or None if
    some parameter has no object there."""
    url = ep.template
    for param in ep.params:
        if param in values:
            value = values[param](world, role)
        else:
            fac = factory_for(ep.name, param)
            if fac is None:
                raise LookupError(missing_factories([ep])[0])
            made = fac.make(world, None if fac.unscoped else side)
            if not made:
                return None
            value = made[-1] if fac.name == "claim" else made[0]
        url = url.replace("{" + param + "}", quote(str(value), safe=""))
    return url


def _owner_only(world: World, ep: Endpoint, values: dict) -> bool:
    return any(getattr(factory_for(ep.name, p), "owner_only", False)
               for p in ep.params if p not in values)


def _has_institute(world: World, role: RoleSpec) -> bool:
    user = getattr(world.cast, role.cast_attr) if role.cast_attr else None
    return user is None or user.institute_id is not None


def _call_rolled_back(client: Client, ep: Endpoint, method: str, url: str):
    cookies = copy.deepcopy(client.cookies)
    response = None
    # As in Runner.run: the rollback block stands for the test's own transaction, so
    # services running durable transactions work inside it.
    rollback = transaction.atomic()
    rollback._from_testcase = True
    try:
        with rollback:
            response = call(client, Case(ep, method, url, ()), ep.surface)
            body_text(response)  # drain streamed answers inside the transaction
            raise _Rollback
    except _Rollback:
        pass
    finally:
        client.cookies = cookies
    return response


def compare_pairs(world: World, pairs=PAGE_API_PAIRS, roles=ROLES) -> list[PairOutcome]:
    """Call each pair's page and API operation as each role, on the same objects inside
    the role's scope (pairs about one's own objects: the owner only)."""
    outcomes = []
    for pair in pairs:
        page = _endpoint(pair.page, pair.page_method)
        api = _endpoint(pair.api, pair.api.split()[0])
        values = dict(pair.values)
        owner_only = _owner_only(world, page, values) or _owner_only(world, api, values)
        for role in roles:
            side = _in_scope_side(role, owner_only)
            if side is None:
                continue  # outside every object of this role: the matrix checks the 404s
            if pair.action is None and not _has_institute(world, role):
                # The academy's own admins belong to no institute, so they have no
                # learning pages (404); the API refuses them only after reading the input,
                # which these empty calls never get past.
                continue
            page_url = _bind(world, page, side, values, role)
            api_url = _bind(world, api, side, values, role)
            if page_url is None or api_url is None:
                continue
            client = world.clients[role.name]
            page_response = _call_rolled_back(client, page, pair.page_method, page_url)
            api_response = _call_rolled_back(client, api, pair.api.split()[0], api_url)
            outcomes.append(PairOutcome(
                pair, role.name, page_url, api_url, page_response.status_code,
                api_response.status_code, let_in(page_response), let_in(api_response),
                expected_by_table(role, pair.action)))
    return outcomes
