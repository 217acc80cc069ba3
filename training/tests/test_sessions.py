"""培训日程 and 签到: the rotating token and short code on the server's clock, the
location rule, manual sign-in, the admin's live screen."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import enter_admin, login
from core.errors import DomainError
from training.models import SignIn
from training.services import enrol, session_create, sign_in, sign_in_manual
from training.signin import (
    INTERVAL,
    check_code,
    check_token,
    code_for,
    current_slot,
    haversine_m,
    token_for,
)
from training.tests.helpers import make_project

pytestmark = pytest.mark.django_db

# 南京天文光学技术研究所, roughly; 0.001° of latitude is about 111 m.
LAT, LON = 32.0603, 118.7969


def _session(cast, project, **overrides):
    now = timezone.now()
    data = {"title": "第一天上午", "starts_at": now - timedelta(minutes=5), "ends_at": now + timedelta(hours=2),
            "place": "报告厅", "latitude": str(LAT), "longitude": str(LON), "radius_m": 200,
            "require_qr": True, "require_location": False}
    data.update(overrides)
    return session_create(actor=cast.institute_admin, role=cast.institute_admin.roles.get(),
                          project_id=project.pk, data=data)


@pytest.fixture
def enrolled(cast):
    project = make_project(cast)
    enrol(actor=cast.learner, project_id=project.pk)
    return project


def test_token_rotates_and_expires_after_two_intervals(cast, enrolled):
    session = _session(cast, enrolled)
    now = time.time()
    slot = current_slot(now)
    token = token_for(session, slot)
    assert check_token(session, token, now)
    assert check_token(session, token, now + INTERVAL)  # still valid in the next interval
    assert not check_token(session, token, now + 2 * INTERVAL)  # expired
    assert not check_token(session, token_for(session, slot + 1), now)  # from the future
    assert token_for(session, slot) != token_for(session, slot + 1)
    code = code_for(session, slot)
    assert check_code(session, code, now) and not check_code(session, code, now + 2 * INTERVAL)


def test_forged_and_other_session_tokens_are_refused(cast, enrolled):
    session = _session(cast, enrolled)
    other = _session(cast, enrolled, title="第一天下午")
    slot = current_slot()
    good = token_for(session, slot)
    forged = good[:-1] + ("0" if good[-1] != "0" else "1")
    for token in (forged, token_for(other, slot), f"{session.pk}.{slot}.", "x", f"{session.pk}.{slot}",
                  good.replace(f".{slot}.", f".{slot - 5}.")):
        with pytest.raises(DomainError) as exc:
            sign_in(actor=cast.learner, session_id=session.pk, token=token)
        assert exc.value.field == "token", token
    assert not SignIn.objects.exists()
    row = sign_in(actor=cast.learner, session_id=session.pk, token=good)
    assert row.method == "qr"
    assert sign_in(actor=cast.learner, session_id=session.pk, token=good).pk == row.pk  # once


def test_short_code_and_no_code(cast, enrolled):
    session = _session(cast, enrolled)
    with pytest.raises(DomainError):
        sign_in(actor=cast.learner, session_id=session.pk)
    with pytest.raises(DomainError):
        sign_in(actor=cast.learner, session_id=session.pk, code="12345x")
    assert sign_in(actor=cast.learner, session_id=session.pk, code=code_for(session)).method == "code"


def test_location_inside_outside_bad_accuracy_and_none(cast, enrolled):
    session = _session(cast, enrolled, require_qr=False, require_location=True)
    cases = [({}, "location"),  # no position
             ({"latitude": LAT, "longitude": LON}, "location"),  # no accuracy
             ({"latitude": LAT + 0.003, "longitude": LON, "accuracy": 20}, "location"),  # ~330 m away
             ({"latitude": LAT, "longitude": LON, "accuracy": 500}, "location"),  # ±500 m > radius
             ({"latitude": 91, "longitude": LON, "accuracy": 5}, "latitude"),
             ({"latitude": "nan", "longitude": LON, "accuracy": 5}, "latitude")]
    for position, field in cases:
        with pytest.raises(DomainError) as exc:
            sign_in(actor=cast.learner, session_id=session.pk, **position)
        assert exc.value.field == field, position
    assert not SignIn.objects.exists()
    row = sign_in(actor=cast.learner, session_id=session.pk, latitude=LAT + 0.001, longitude=LON, accuracy=30)
    assert row.method == "location" and 100 <= row.distance_m <= 120 and row.accuracy_m == 30


def test_qr_and_location_together_refuse_a_photo_sent_elsewhere(cast, enrolled):
    session = _session(cast, enrolled, require_location=True)
    token = token_for(session)
    with pytest.raises(DomainError) as exc:  # the right token, but 5 km away
        sign_in(actor=cast.learner, session_id=session.pk, token=token, latitude=LAT + 0.045,
                longitude=LON, accuracy=10)
    assert exc.value.field == "location"
    with pytest.raises(DomainError):  # on site but without the code
        sign_in(actor=cast.learner, session_id=session.pk, latitude=LAT, longitude=LON, accuracy=10)
    assert sign_in(actor=cast.learner, session_id=session.pk, token=token, latitude=LAT, longitude=LON,
                   accuracy=10).method == "qr"


def test_sign_in_only_while_open_and_only_enrolled(cast, enrolled):
    later = _session(cast, enrolled, starts_at=timezone.now() + timedelta(hours=3),
                     ends_at=timezone.now() + timedelta(hours=5))
    with pytest.raises(DomainError) as exc:
        sign_in(actor=cast.learner, session_id=later.pk, token=token_for(later))
    assert exc.value.code == "window_closed"
    session = _session(cast, enrolled)
    with pytest.raises(DomainError) as exc:  # the colleague sees the project but did not enrol
        sign_in(actor=cast.colleague, session_id=session.pk, token=token_for(session))
    assert exc.value.code == "forbidden"
    with pytest.raises(DomainError) as exc:  # the other institute does not see it at all
        sign_in(actor=cast.outsider_learner, session_id=session.pk, token=token_for(session))
    assert exc.value.code == "not_found"


def test_haversine():
    assert round(haversine_m(0, 0, 0, 1)) == 111195
    assert haversine_m(LAT, LON, LAT, LON) == 0


def test_manual_sign_in_needs_a_reason_and_an_enrolled_person(cast, enrolled):
    session = _session(cast, enrolled)
    role = cast.class_admin.roles.get()
    with pytest.raises(DomainError):
        sign_in_manual(actor=cast.class_admin, role=role, session_id=session.pk, person_id=cast.learner.pk,
                       reason="")
    with pytest.raises(DomainError):
        sign_in_manual(actor=cast.class_admin, role=role, session_id=session.pk,
                       person_id=cast.colleague.pk, reason="忘带手机")
    row = sign_in_manual(actor=cast.class_admin, role=role, session_id=session.pk, person_id=cast.learner.pk,
                         reason="忘带手机")
    assert (row.method, row.reason, row.recorded_by) == ("manual", "忘带手机", cast.class_admin)


def test_pages_qr_screen_live_list_and_learner_sign_in(cast, client, enrolled):
    enter_admin(client, cast.class_admin)
    response = client.post(f"/manage/training/{enrolled.pk}/sessions/", {
        "title": "开班", "starts_at": (timezone.localtime() - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (timezone.localtime() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "radius_m": "200", "require_qr": "on"})
    assert response.status_code == 302, response.content.decode()[:1500]
    session = enrolled.sessions.get()
    page = client.get(f"/manage/training/sessions/{session.pk}/")
    assert page.status_code == 200 and "data:image/svg+xml" in page.content.decode()
    live = client.get(f"/manage/training/sessions/{session.pk}/live/").json()
    assert [m["name"] for m in live["missing"]] == ["张三"] and live["signed"] == []
    assert live["code"] == code_for(session)
    client.logout()
    # The learner opens the QR link: login first, then back to the sign-in page.
    url = f"/training/sign/{session.pk}/?t={token_for(session)}"
    assert client.get(url)["Location"].startswith("/login/")
    login(client, cast.learner)
    page = client.get(url)
    assert page.status_code == 200 and token_for(session) in page.content.decode()
    assert client.post(url, {"token": token_for(session)}).status_code == 302
    assert SignIn.objects.filter(session=session, person=cast.learner, method="qr").exists()
    response = client.post(f"/api/v1/training/sessions/{session.pk}/sign-in", {"token": "forged"},
                           content_type="application/json")
    assert response.status_code == 200  # signed in already: the first sign-in stands
    client.logout()
    enter_admin(client, cast.class_admin)
    live = client.get(f"/api/v1/training/manage/sessions/{session.pk}/live").json()
    assert [s["name"] for s in live["signed"]] == ["张三"] and live["missing"] == []


def test_sign_in_page_refuses_people_not_enrolled(cast, client, enrolled):
    session = _session(cast, enrolled)
    login(client, cast.colleague)  # sees the project (本单位公开) but did not enrol
    url = f"/training/sign/{session.pk}/?t={token_for(session)}"
    assert client.get(url).status_code == 403
    assert client.post(url, {"token": token_for(session)}).status_code == 403
    assert not SignIn.objects.exists()
    client.logout()
    login(client, cast.outsider_learner)  # does not see it at all
    assert client.get(url).status_code == 404


def test_exports_write_text_never_formulas(cast, client, enrolled):
    from io import BytesIO

    from openpyxl import load_workbook

    from training.services import attendees_add

    session = _session(cast, enrolled)
    sign_in_manual(actor=cast.institute_admin, role=cast.institute_admin.roles.get(), session_id=session.pk,
                   person_id=cast.learner.pk, reason="=HYPERLINK(\"http://x\")")
    attendees_add(actor=cast.institute_admin, role=cast.institute_admin.roles.get(), project_id=enrolled.pk,
                  from_enrolments=True)
    enter_admin(client, cast.class_admin)
    for url in (f"/manage/training/sessions/{session.pk}/?export=xlsx",
                f"/manage/training/{enrolled.pk}/attendees/?export=xlsx"):
        response = client.get(url)
        assert response.status_code == 200, url
        book = load_workbook(BytesIO(b"".join(response.streaming_content) if response.streaming
                                     else response.content))
        cells = [c for row in book.active.iter_rows() for c in row]
        assert "张三" in [c.value for c in cells]
        assert all(c.data_type != "f" for c in cells)
