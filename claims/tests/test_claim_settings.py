"""Attachments required where the organisation says so (issue 4): the settings page and
API for institute and academy admins, and the refusal at submission."""

import pytest
from django.test import Client

from accounts.services import token_create, token_enter_admin_mode
from accounts.tests.factories import CAST_PASSWORD
from claims.models import Claim, ClaimSettings, ClaimStatus
from claims.services import claim_create, claim_settings_set, claim_submit
from claims.tests.helpers import YEAR, claim_data, pdf
from conftest import enter_admin, login
from core.errors import DomainError, ErrorCode
from core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def role(user):
    return user.roles.get()


def require(cast, org=None, actor=None, **required):
    actor = actor or cast.institute_admin
    return claim_settings_set(actor=actor, role=role(actor), org=org or cast.niaot, required=required)


def bearer(user, admin=False):
    token, secret = token_create(user=user)
    if admin:
        token_enter_admin_mode(token=token, password=CAST_PASSWORD, role_id=user.roles.get().pk,
                               ip="127.0.0.1")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


FORM = {"year": YEAR, "name": "国际光学工程学会年会", "category": "external_training",
        "start": f"{YEAR}-03-10", "end": f"{YEAR}-03-12", "hours": "16"}
API_FIELDS = {**FORM, "kind": "external_training"}


# --- the rule -----------------------------------------------------------------------------------

def test_submit_without_a_required_certificate_is_refused(cast):
    require(cast, external_training=["certificate"])
    with pytest.raises(DomainError) as exc:
        claim_create(actor=cast.learner, kind="external_training", data=claim_data(), submit=True)
    assert exc.value.code == ErrorCode.INVALID and exc.value.field == "certificate"
    assert "结业证书" in str(exc.value.message) and "外部培训" in str(exc.value.message)
    assert not Claim.objects.exists()
    # A notice is not a certificate.
    with pytest.raises(DomainError) as exc:
        claim_create(actor=cast.learner, kind="external_training", data=claim_data(),
                     files=[("notice", pdf("notice.pdf"))], submit=True)
    assert exc.value.field == "certificate"
    claim = claim_create(actor=cast.learner, kind="external_training", data=claim_data(),
                         files=[("certificate", pdf())], submit=True)
    assert claim.status == ClaimStatus.SUBMITTED
    # Other kinds are not affected.
    other = claim_create(actor=cast.learner, kind="self_study", data=claim_data(category="", hours="2"),
                         submit=True)
    assert other.status == ClaimStatus.SUBMITTED


def test_without_the_setting_submission_needs_no_attachment(cast):
    require(cast)  # everything off
    claim = claim_create(actor=cast.learner, kind="external_training", data=claim_data(), submit=True)
    assert claim.status == ClaimStatus.SUBMITTED


def test_a_draft_is_checked_when_it_is_submitted(cast):
    draft = claim_create(actor=cast.learner, kind="external_training", data=claim_data())
    require(cast, external_training=["notice", "certificate"])
    with pytest.raises(DomainError) as exc:
        claim_submit(actor=cast.learner, claim_id=draft.pk)
    assert exc.value.field == "notice" and "培训通知" in str(exc.value.message)
    assert Claim.objects.get().status == ClaimStatus.DRAFT


def test_the_academys_requirement_holds_in_its_institutes(cast):
    require(cast, org=cast.academy, actor=cast.academy_admin, online=["certificate"])
    with pytest.raises(DomainError) as exc:
        claim_create(actor=cast.learner, kind="online", data=claim_data(category="", hours="2"), submit=True)
    assert exc.value.field == "certificate"
    # The institute cannot waive it by switching its own setting off.
    require(cast, online=[])
    with pytest.raises(DomainError):
        claim_create(actor=cast.learner, kind="online", data=claim_data(category="", hours="2"), submit=True)


def test_settings_are_saved_per_kind_and_audited(cast):
    after = require(cast, external_training=["certificate"], self_study=["notice"])
    assert after == {"external_training": ["certificate"], "self_study": ["notice"], "online": []}
    # A kind left as it was (online: nothing required) gets no row written.
    assert set(ClaimSettings.objects.filter(org=cast.niaot).values_list("kind", flat=True)) == {
        "external_training", "self_study"}
    event = AuditEvent.objects.get(action="claim_settings.updated")
    assert event.after == {"required": after, "credited_without_review": []} and event.actor == cast.institute_admin
    require(cast, external_training=["certificate"], self_study=["notice"])  # no change, no row
    assert AuditEvent.objects.filter(action="claim_settings.updated").count() == 1


@pytest.mark.parametrize("required, field", [({"bogus": ["notice"]}, "kind"),
                                             ({"online": ["other"]}, "online")])
def test_settings_bad_input(cast, required, field):
    with pytest.raises(DomainError) as exc:
        claim_settings_set(actor=cast.institute_admin, role=role(cast.institute_admin), org=cast.niaot,
                           required=required)
    assert exc.value.code == ErrorCode.INVALID and exc.value.field == field
    assert not ClaimSettings.objects.exists()


def test_settings_outsider_and_weak_roles(cast):
    cases = [(cast.outsider_admin, cast.niaot, ErrorCode.NOT_FOUND),
             (cast.institute_admin, cast.academy, ErrorCode.NOT_FOUND),
             (cast.dept_admin, cast.dept_a, ErrorCode.FORBIDDEN),
             (cast.class_admin, cast.niaot, ErrorCode.FORBIDDEN),
             (cast.institute_admin, cast.dept_a, ErrorCode.FORBIDDEN)]
    for actor, org, code in cases:
        with pytest.raises(DomainError) as exc:
            claim_settings_set(actor=actor, role=role(actor), org=org,
                               required={"external_training": ["certificate"]})
        assert exc.value.code == code, (actor, org)
    assert not ClaimSettings.objects.exists()


# --- pages --------------------------------------------------------------------------------------

def test_settings_page_sets_the_requirement_and_the_learner_page_refuses(cast, client):
    enter_admin(client, cast.institute_admin)
    page = client.get("/manage/claims/settings/")
    assert page.status_code == 200 and 'data-testid="claim-settings"' in page.content.decode()
    response = client.post("/manage/claims/settings/", {"org": cast.niaot.pk,
                                                        "external_training__certificate": "on"})
    assert response.status_code == 302
    assert ClaimSettings.objects.get(org=cast.niaot, kind="external_training").certificate_required
    assert 'checked' in client.get("/manage/claims/settings/").content.decode()

    learner = Client()
    login(learner, cast.learner)
    form = learner.get("/learning/external/external_training/new/").content.decode()
    assert 'data-testid="required-attachments"' in form and "结业证书" in form
    refused = learner.post("/learning/external/external_training/new/", {**FORM, "action": "submit"})
    html = refused.content.decode()
    assert refused.status_code == 400 and 'data-field="certificate"' in html and "结业证书" in html
    assert not Claim.objects.exists()
    saved = learner.post("/learning/external/external_training/new/",
                         {**FORM, "action": "submit", "certificate": pdf()})
    assert saved.status_code == 302 and Claim.objects.get().status == ClaimStatus.SUBMITTED


def test_with_the_setting_off_the_page_submits_without_files(cast, client):
    login(client, cast.learner)
    response = client.post("/learning/external/external_training/new/", {**FORM, "action": "submit"})
    assert response.status_code == 302 and Claim.objects.get().status == ClaimStatus.SUBMITTED


def test_settings_page_outsider_and_weak_roles(cast, client):
    enter_admin(client, cast.outsider_admin)
    assert client.get(f"/manage/claims/settings/?org={cast.niaot.pk}").status_code == 404
    assert client.post("/manage/claims/settings/", {"org": cast.niaot.pk,
                                                    "online__notice": "on"}).status_code == 404
    dept = Client()
    enter_admin(dept, cast.dept_admin)
    assert dept.get("/manage/claims/settings/").status_code == 403
    assert dept.post("/manage/claims/settings/", {"org": cast.niaot.pk, "online__notice": "on"}).status_code == 403
    learner = Client()
    login(learner, cast.learner)
    assert learner.get("/manage/claims/settings/").status_code == 302  # to admin mode
    assert not ClaimSettings.objects.exists()


def test_academy_admin_picks_an_institute_and_sees_the_academy_rule(cast, client):
    require(cast, org=cast.academy, actor=cast.academy_admin, online=["certificate"])
    enter_admin(client, cast.academy_admin)
    html = client.get(f"/manage/claims/settings/?org={cast.imr.pk}").content.decode()
    assert "金属研究所" in html and 'data-testid="inherited"' in html
    assert '<label for="id_pick_org">单位</label>' in html  # not the orgs menu's 机构管理
    client.post("/manage/claims/settings/", {"org": cast.imr.pk, "self_study__notice": "on"})
    assert ClaimSettings.objects.get(org=cast.imr, kind="self_study").notice_required


# --- API ----------------------------------------------------------------------------------------

def test_api_settings_and_submission(cast):
    admin = bearer(cast.institute_admin, admin=True)
    url = f"/api/v1/claims/settings/{cast.niaot.pk}"
    got = admin.get(url)
    assert got.status_code == 200 and got.json() == {"org_id": cast.niaot.pk, "kinds": [
        {"kind": k, "notice_required": False, "certificate_required": False, "credited_without_review": False}
        for k in ("external_training", "self_study", "online")]}
    put = admin.put(url, {"kinds": [{"kind": "external_training", "certificate_required": True}]},
                    content_type="application/json")
    assert put.status_code == 200 and put.json()["kinds"][0]["certificate_required"] is True

    learner = bearer(cast.learner)
    refused = learner.post("/api/v1/claims/mine", {**API_FIELDS, "submit": "true"})
    assert refused.status_code == 400 and refused.json()["field"] == "certificate"
    assert "结业证书" in refused.json()["message"] and not Claim.objects.exists()
    notice_only = learner.post("/api/v1/claims/mine", {**API_FIELDS, "submit": "true",
                                                         "notice": [pdf("notice.pdf")]})
    assert notice_only.status_code == 400 and not Claim.objects.exists()
    ok = learner.post("/api/v1/claims/mine", {**API_FIELDS, "submit": "true", "certificate": [pdf()],
                                                "notice": [pdf("notice.pdf")]})
    assert ok.status_code == 201 and ok.json()["status"] == "submitted"
    assert sorted(a["kind"] for a in ok.json()["attachments"]) == ["certificate", "notice"]

    admin.put(url, {"kinds": []}, content_type="application/json")
    off = learner.post("/api/v1/claims/mine", {**API_FIELDS, "name": "另一个", "submit": "true"})
    assert off.status_code == 201 and off.json()["status"] == "submitted"


@pytest.mark.parametrize("body", [{"kinds": [{"kind": "bogus"}]}, {"kinds": "x"}, {},
                                  {"kinds": [{"kind": "online"}, {"kind": "online"}]}])
def test_api_settings_bad_input(cast, body):
    admin = bearer(cast.institute_admin, admin=True)
    response = admin.put(f"/api/v1/claims/settings/{cast.niaot.pk}", body, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    assert not ClaimSettings.objects.exists()


def test_api_settings_outsider_and_weak_roles(cast):
    body = {"kinds": [{"kind": "online", "notice_required": True}]}
    outsider = bearer(cast.outsider_admin, admin=True)
    assert outsider.get(f"/api/v1/claims/settings/{cast.niaot.pk}").status_code == 404
    assert outsider.put(f"/api/v1/claims/settings/{cast.niaot.pk}", body,
                        content_type="application/json").status_code == 404
    dept = bearer(cast.dept_admin, admin=True)
    assert dept.get(f"/api/v1/claims/settings/{cast.niaot.pk}").status_code == 403
    assert dept.put(f"/api/v1/claims/settings/{cast.dept_a.pk}", body,
                    content_type="application/json").status_code == 403
    assert bearer(cast.learner).put(f"/api/v1/claims/settings/{cast.niaot.pk}", body,
                                    content_type="application/json").status_code == 403
    assert not ClaimSettings.objects.exists()
