"""schemathesis against our own OpenAPI schema, in-process: for every operation, as a
learner and as an institute admin in admin mode, no server error and no response that
breaks the schema. Seeded and bounded so that it runs the same way every time."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

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


@schema.parametrize()
@settings(max_examples=12, derandomize=True, deadline=None,
          suppress_health_check=list(HealthCheck))
def test_api_conforms(case, auth_headers):
    # The login operation itself goes without a token.
    login = case.path == "/api/v1/auth/tokens" and case.method == "POST"
    headers = None if login else auth_headers
    case.call_and_validate(headers=headers, checks=[not_a_server_error, response_schema_conformance])
