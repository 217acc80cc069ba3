"""schemathesis against our own OpenAPI schema, in-process: for every operation, as a
learner and as an institute admin in admin mode, no server error, no undocumented status,
no response that breaks the schema, no invalid input accepted. Seeded and bounded so that it runs the same way every time."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _keep_test_connection():
    """schemathesis calls the WSGI app directly, so Django's request signals run; their
    close_old_connections would drop the test's PostgreSQL connection mid-transaction
    (autocommit is off inside the test's atomic block). Django's own test client
    disconnects the same handler for the same reason."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture(params=["learner", "institute_admin"])
def auth_headers(request, cast, settings, tmp_path):
    from accounts.services import token_create, token_enter_admin_mode

    settings.MEDIA_ROOT = tmp_path
    user = getattr(cast, request.param)
    token, secret = token_create(user=user)
    if request.param != "learner":
        token_enter_admin_mode(token=token, password=cast.password, role_id=user.roles.get().pk,
                               ip="127.0.0.1")
    return {"Authorization": f"Bearer {secret}"}


# --- the contract (issue 9): every answer declared, invalid input refused --------------
# status_code_conformance: no undocumented status; negative_data_rejection: input that
# breaks the schema is never accepted; positive_data_acceptance: on reading operations
# (GET), input the schema allows is never refused with 400. Write operations, and the
# two ledger reads that take a month range, are left out of the last one: they refuse
# schema-valid input on purpose because a rule spans fields (an end before the start, a
# range over ten years, a claim year without an open window), with 400 and the error body.
# schemathesis generates strings with NUL and other control characters (allow_x00) and
# out-of-range numbers in its negative mode; both databases run this test (make test).
POSITIVE_SKIPPED = {"/api/v1/ledger/archive/me", "/api/v1/ledger/archive/{person_id}",
                    "/api/v1/ledger/entries/me", "/api/v1/ledger/entries/{person_id}"}
CONTRACT = [not_a_server_error, status_code_conformance, content_type_conformance,
            response_schema_conformance, negative_data_rejection]


@schema.parametrize()
@settings(max_examples=10, derandomize=True, deadline=None,
          suppress_health_check=list(HealthCheck))
def test_api_contract(case, auth_headers):
    login = case.path == "/api/v1/auth/tokens" and case.method == "POST"
    headers = None if login else auth_headers
    reading = case.method == "GET" and case.path not in POSITIVE_SKIPPED
    checks = CONTRACT + ([positive_data_acceptance] if reading else [])
    if headers is not None and _header_made_negative(case):
        # The harness replaces the headers with a valid token, so the case no longer
        # breaks its schema where schemathesis broke it: a 200 is right, not a failure.
        checks = [check for check in checks if check is not negative_data_rejection]
    case.call_and_validate(headers=headers, checks=checks)


def _header_made_negative(case) -> bool:
    components = getattr(case.meta, "components", None) or {}
    header = components.get(ParameterLocation.HEADER)
    return header is not None and header.mode == GenerationMode.NEGATIVE
