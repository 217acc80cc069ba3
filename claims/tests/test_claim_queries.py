"""Creating a claim costs a small constant number of queries and reads the year's rules
once (issue 8, "Speed": it was about 22 queries and 3 policy lookups)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.models import Claim, ClaimStatus
from claims.tests.helpers import YEAR, pdf
from claims.tests.test_claim_api import FIELDS, bearer
from conftest import login

pytestmark = pytest.mark.django_db

# Session or token, user, the claim, its history and audit rows, the attachment, the
# attachment rules, the submission's history and audit rows, the reviewers and their
# notification (after looking for an unread one to fold into): 20 today, with a little room.
MAX_QUERIES = 21


def policy_reads(ctx) -> int:
    return sum('FROM "ledger_policy"' in q["sql"] for q in ctx.captured_queries)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_creating_a_claim_on_the_page_is_a_small_constant(cast, client, django_assert_max_num_queries):
    login(client, cast.learner)
    form = {"year": YEAR, "name": "年会", "category": "external_training", "start": f"{YEAR}-03-10",
            "end": f"{YEAR}-03-11", "hours": "8", "action": "submit"}
    with django_assert_max_num_queries(MAX_QUERIES), CaptureQueriesContext(connection) as ctx:
        response = client.post("/learning/external/external_training/new/", {**form, "certificate": pdf()})
    assert response.status_code == 302
    assert policy_reads(ctx) == 1
    assert Claim.objects.get().status == ClaimStatus.SUBMITTED


def test_creating_a_claim_through_the_api_is_a_small_constant(cast, django_assert_max_num_queries):
    api = bearer(cast.learner)
    with django_assert_max_num_queries(MAX_QUERIES), CaptureQueriesContext(connection) as ctx:
        response = api.post("/api/v1/claims/mine", {**FIELDS, "submit": "true", "files": [pdf()]})
    assert response.status_code == 201, response.content
    assert policy_reads(ctx) == 1
    assert Claim.objects.get().status == ClaimStatus.SUBMITTED
