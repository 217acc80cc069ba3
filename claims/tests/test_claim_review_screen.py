"""审核: the review screen's facts (totals and caps, previews, reasons, 通过并下一条) and
the duplicate flags, page and API."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.models import Claim, ClaimStatus
from claims.queries import review_queue, review_totals, with_duplicate_flags
from claims.services import claim_approve, claim_create
from claims.tests.helpers import YEAR, claim_data, pdf
from claims.tests.test_claim_api import bearer
from conftest import enter_admin

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _self_study(cast, hours, name, day=1, **kw):
    data = claim_data(name=name, category="", hours=str(hours), start=date(YEAR, 1, day),
                      end=date(YEAR, 1, day))
    return claim_create(actor=cast.learner, kind="self_study", data=data, submit=True, **kw)


def test_totals_show_the_cap_cutting_the_claim(cast, client):
    role = cast.institute_admin.roles.get()
    first = _self_study(cast, 8, "自学一")
    claim_approve(actor=cast.institute_admin, role=role, claim_id=first.pk)
    second = _self_study(cast, 4, "自学二", day=2)
    totals = review_totals(Claim.objects.select_related("owner__institute").get(pk=second.pk))
    row = next(c for c in totals.classes if c.code == "self_study")
    assert (row.minutes, row.cap, row.adds, row.adds_effective, row.cut) == (480, 600, 240, 120, 120)
    assert totals.effective_after == totals.effective + 120
    enter_admin(client, cast.institute_admin)
    html = client.get(f"/manage/claims/{second.pk}/").content.decode()
    assert 'data-testid="totals"' in html and 'data-testid="cap-cut"' in html
    assert "上限截去 2小时" in html and "+2小时" in html


def test_reject_needs_a_reason_next_to_the_field(cast, client):
    claim = claim_create(actor=cast.learner, kind="external_training", data=claim_data(), submit=True)
    enter_admin(client, cast.institute_admin)
    response = client.post(f"/manage/claims/{claim.pk}/", {"action": "reject", "reason": "  "})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-field="reason"' in html and "请填写驳回原因" in html
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED
    response = client.post(f"/manage/claims/{claim.pk}/", {"action": "reject", "reason": "证书不清晰"})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert (claim.status, claim.reject_reason) == (ClaimStatus.REJECTED, "证书不清晰")


def test_approve_and_open_the_next(cast, client):
    claims = [claim_create(actor=cast.learner, kind="external_training", submit=True,
                           data=claim_data(name=f"培训{i}", start=date(YEAR, 2, i + 1), end=date(YEAR, 2, i + 1)))
              for i in range(3)]
    enter_admin(client, cast.institute_admin)
    assert 'data-testid="approve-next"' in client.get(f"/manage/claims/{claims[0].pk}/").content.decode()
    response = client.post(f"/manage/claims/{claims[0].pk}/", {"action": "approve_next"})
    assert response.status_code == 302 and response["Location"] == f"/manage/claims/{claims[1].pk}/"
    # The middle one approved: the next is the one after it, then the queue wraps round.
    response = client.post(f"/manage/claims/{claims[1].pk}/", {"action": "approve_next"})
    assert response["Location"] == f"/manage/claims/{claims[2].pk}/"
    html = client.get(f"/manage/claims/{claims[2].pk}/").content.decode()
    assert 'data-testid="approve-next"' not in html  # the last one waiting
    response = client.post(f"/manage/claims/{claims[2].pk}/", {"action": "approve_next"})
    assert response["Location"] == "/manage/claims/"
    assert set(Claim.objects.values_list("status", flat=True)) == {ClaimStatus.APPROVED}


def test_pdf_is_previewed_inline_framed_only_by_our_origin(cast, client):
    claim = claim_create(actor=cast.learner, kind="external_training", data=claim_data(), files=[pdf()],
                         submit=True)
    attachment = claim.attachments.get()
    enter_admin(client, cast.institute_admin)
    html = client.get(f"/manage/claims/{claim.pk}/").content.decode()
    assert f'<iframe src="/claims/attachments/{attachment.pk}/?inline=1"' in html
    inline = client.get(f"/claims/attachments/{attachment.pk}/?inline=1")
    assert inline["Content-Type"] == "application/pdf"
    assert inline["Content-Disposition"].startswith("inline;")
    assert inline["X-Frame-Options"] == "SAMEORIGIN" and inline["X-Content-Type-Options"] == "nosniff"
    csp = inline["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in csp and "default-src 'none'" in csp
    # The page that frames it allows frames from its own origin only (default-src 'self').
    page_csp = client.get(f"/manage/claims/{claim.pk}/")["Content-Security-Policy"]
    assert "default-src 'self'" in page_csp and "frame-src" not in page_csp
    download = client.get(f"/claims/attachments/{attachment.pk}/")
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["Content-Security-Policy"].startswith("sandbox") and download["X-Frame-Options"] == "DENY"


def test_api_detail_has_the_totals_and_the_next(cast):
    first = claim_create(actor=cast.learner, kind="external_training", data=claim_data(), submit=True)
    second = claim_create(actor=cast.learner, kind="external_training", submit=True,
                          data=claim_data(name="第二个", start=date(YEAR, 5, 1), end=date(YEAR, 5, 1)))
    admin = bearer(cast.institute_admin, admin=True)
    body = admin.get(f"/api/v1/claims/review/{first.pk}").json()
    assert body["next_claim_id"] == second.pk
    offline = next(c for c in body["totals"]["classes"] if c["code"] == "offline")
    assert (offline["adds"], offline["adds_effective"], offline["cut"], offline["cap"]) == (960, 960, 0, None)
    assert body["totals"]["effective_after"] == body["totals"]["effective"] + 960


def test_duplicates_overlapping_dates_one_notice_and_api_reasons(cast, client):
    first = claim_create(actor=cast.learner, kind="external_training", submit=True,
                         data=claim_data(start=date(YEAR, 3, 10), end=date(YEAR, 3, 12)))
    overlapping = claim_create(actor=cast.learner, kind="external_training", submit=True,
                               data=claim_data(start=date(YEAR, 3, 12), end=date(YEAR, 3, 14)))
    apart = claim_create(actor=cast.learner, kind="external_training", submit=True,
                         data=claim_data(start=date(YEAR, 3, 15), end=date(YEAR, 3, 16)))
    # The colleague's claim of the same name: another person, no flag.
    claim_create(actor=cast.colleague, kind="external_training", submit=True, data=claim_data())
    role = cast.institute_admin.roles.get()
    flagged = {c.pk: (c.dup_attachment, c.dup_same) for c in with_duplicate_flags(review_queue(role), role)}
    assert flagged[first.pk] == (False, True) and flagged[overlapping.pk] == (False, True)
    assert flagged[apart.pk] == (False, False)
    items = bearer(cast.institute_admin, admin=True).get("/api/v1/claims/review").json()["items"]
    assert {i["id"]: i["duplicates"] for i in items}[overlapping.pk] == ["same"]
    enter_admin(client, cast.institute_admin)
    html = client.get(f"/manage/claims/{apart.pk}/").content.decode()
    assert 'data-testid="duplicate-flag"' not in html


def _queue_queries(client, path) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


def test_queue_query_count_does_not_grow_with_claims(cast, client):
    """Issue 11: the duplicate flags come with the page's own query."""
    def add(n, offset):
        for i in range(n):
            day = date(YEAR, 1, 1 + (offset + i) % 28)
            claim_create(actor=cast.learner if i % 2 else cast.colleague, kind="external_training",
                         data=claim_data(name=f"会议{i % 3}", start=day, end=day), files=[pdf()], submit=True)

    enter_admin(client, cast.institute_admin)
    add(3, 0)
    small = _queue_queries(client, "/manage/claims/")
    api = bearer(cast.institute_admin, admin=True)
    api.get("/api/v1/claims/review")  # the token's first use is recorded once
    with CaptureQueriesContext(connection) as ctx:
        api.get("/api/v1/claims/review")
    api_small = len(ctx.captured_queries)
    add(15, 3)
    assert Claim.objects.filter(status=ClaimStatus.SUBMITTED).count() == 18
    html = client.get("/manage/claims/").content.decode()
    assert html.count('data-testid="duplicate-flag"') == 18  # the same certificate everywhere
    assert _queue_queries(client, "/manage/claims/") == small
    with CaptureQueriesContext(connection) as ctx:
        api.get("/api/v1/claims/review")
    assert len(ctx.captured_queries) == api_small


LEARNER_FORM = {"year": YEAR, "name": "国际光学工程学会年会", "category": "external_training",
                "start": f"{YEAR}-03-11", "end": f"{YEAR}-03-13", "hours": "16", "organiser": "SPIE"}


def test_learner_is_warned_before_submitting_a_duplicate_and_can_still_submit(cast, client):
    from conftest import login

    earlier = claim_create(actor=cast.learner, kind="external_training", data=claim_data(), submit=True)
    login(client, cast.learner)
    response = client.post("/learning/external/external_training/new/",
                           {**LEARNER_FORM, "certificate": pdf(), "action": "submit"})
    claim = Claim.objects.exclude(pk=earlier.pk).get()
    # Kept as a draft with its file; the edit page says what it may repeat.
    assert response.status_code == 302 and response["Location"] == f"/learning/external/claim/{claim.pk}/"
    assert claim.status == ClaimStatus.DRAFT and claim.attachments.count() == 1
    html = client.get(response["Location"]).content.decode()
    assert html.count('data-testid="own-duplicate"') == 1 and "同名且日期重叠" in html
    assert 'name="duplicate_ok" value="1"' in html
    response = client.post(response["Location"], {**LEARNER_FORM, "action": "submit", "duplicate_ok": "1"})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED


def test_learner_warned_about_the_same_certificate_under_another_name(cast, client):
    from conftest import login

    claim_create(actor=cast.learner, kind="external_training", data=claim_data(), files=[pdf()], submit=True)
    login(client, cast.learner)
    response = client.post("/learning/external/external_training/new/", {
        **LEARNER_FORM, "name": "另一个名字", "start": f"{YEAR}-06-01", "end": f"{YEAR}-06-02",
        "certificate": pdf("renamed.pdf"), "action": "submit"})
    assert response.status_code == 302 and "/claim/" in response["Location"]
    html = client.get(response["Location"]).content.decode()
    assert "同一文件也附在" in html
    # The same certificate as another person's claim is not the colleague's business: no warning.
    login(client, cast.colleague)
    response = client.post("/learning/external/external_training/new/", {
        **LEARNER_FORM, "name": "李四的", "certificate": pdf(), "action": "submit", "start": f"{YEAR}-08-01",
        "end": f"{YEAR}-08-02"})
    assert response["Location"] == "/learning/external/external_training/"


def test_learner_without_duplicates_submits_at_once(cast, client):
    from conftest import login

    login(client, cast.learner)
    response = client.post("/learning/external/external_training/new/", {**LEARNER_FORM, "action": "submit"})
    assert response["Location"] == "/learning/external/external_training/"
    assert Claim.objects.get().status == ClaimStatus.SUBMITTED
