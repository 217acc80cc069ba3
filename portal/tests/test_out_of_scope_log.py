"""ABUSE-CASES 7 (issue 9, low): a request refused as 404 because the object lies outside
the actor's scope leaves an audit row — actor, address, kind and id — at most one per
actor and kind a minute, and the audit page (操作日志) filters them."""

import pytest
from django.test import Client

from conftest import enter_admin, login
from core import access
from core.access import OUT_OF_SCOPE_ACTION
from core.models import AuditEvent
from notifications.services import notify

pytestmark = pytest.mark.django_db


def probes(actor=None):
    rows = AuditEvent.objects.filter(action=OUT_OF_SCOPE_ACTION).order_by("id")
    return list(rows.filter(actor=actor) if actor else rows)


def test_page_and_api_probes_are_recorded_once_a_minute_per_kind(cast):
    client = Client(REMOTE_ADDR="203.0.113.7")
    enter_admin(client, cast.outsider_admin)
    learner = cast.learner.pk
    assert client.get(f"/manage/staff/{learner}/").status_code == 404
    [row] = probes(cast.outsider_admin)
    assert (row.object_type, row.object_id, row.ip) == ("person", str(learner), "203.0.113.7")
    assert row.org_id == cast.imr.pk and "金属所管理员" in row.actor_label
    # The same kind again within the minute, through the API or another person: no row.
    assert client.get(f"/api/v1/staff/{cast.colleague.pk}").status_code == 404
    assert client.get(f"/manage/staff/{learner}/archive/").status_code == 404
    assert len(probes(cast.outsider_admin)) == 1
    # Another kind is its own budget.
    assert client.get(f"/manage/orgs/{cast.niaot.pk}/").status_code == 404
    kinds = [(r.object_type, r.object_id) for r in probes(cast.outsider_admin)]
    assert kinds == [("person", str(learner)), ("org", str(cast.niaot.pk))]
    # Objects inside the scope are no probe.
    assert client.get(f"/manage/staff/{cast.outsider_learner.pk}/").status_code == 200
    assert len(probes(cast.outsider_admin)) == 2


def test_after_the_window_the_next_probe_is_recorded(cast, monkeypatch):
    monkeypatch.setattr(access, "OUT_OF_SCOPE_WINDOW_SECONDS", 0)
    client = Client()
    enter_admin(client, cast.outsider_admin)
    for person in (cast.learner, cast.colleague):
        assert client.get(f"/api/v1/staff/{person.pk}").status_code == 404
    assert [r.object_id for r in probes(cast.outsider_admin)] == [str(cast.learner.pk),
                                                                  str(cast.colleague.pk)]


def test_someone_elses_notification_is_a_recorded_probe(cast):
    theirs = notify(recipients=[cast.colleague], kind="t", title="李四的消息")[0]
    client = Client()
    login(client, cast.learner)
    assert client.post(f"/api/v1/notifications/{theirs.pk}/read").status_code == 404
    [row] = probes(cast.learner)
    assert (row.object_type, row.object_id, row.org_id) == ("notification", str(theirs.pk),
                                                            cast.niaot.pk)
    # Reading one's own is no probe.
    mine = notify(recipients=[cast.learner], kind="t", title="我的")[0]
    assert client.post(f"/api/v1/notifications/{mine.pk}/read").status_code == 200
    assert len(probes()) == 1


def test_audit_page_filters_the_probes_within_its_scope(cast):
    prober = Client()
    enter_admin(prober, cast.dept_admin)  # dept_a: the colleague in dept_b is outside
    assert prober.get(f"/manage/staff/{cast.colleague.pk}/").status_code == 404
    outsider = Client()
    enter_admin(outsider, cast.outsider_admin)
    assert outsider.get(f"/manage/staff/{cast.learner.pk}/").status_code == 404

    admin = Client()
    enter_admin(admin, cast.institute_admin)
    everything = admin.get("/manage/audit/").content.decode()
    assert "王五 (niaot-wangwu)" in everything and ">进入管理模式</td>" in everything
    html = admin.get("/manage/audit/?out_of_scope=on").content.decode()
    assert ">越权访问已拒绝</td>" in html and f"人员 #{cast.colleague.pk}" in html
    assert ">进入管理模式</td>" not in html
    # niaot's admin does not see the other institute's admin probing niaot.
    assert "金属所管理员" not in html
    academy = Client()
    enter_admin(academy, cast.academy_admin)
    html = academy.get("/manage/audit/?out_of_scope=on").content.decode()
    assert "金属所管理员" in html and "王五" in html


def test_claims_of_another_institute_are_recorded_probes(cast):
    from claims.services import claim_create
    from claims.tests.helpers import claim_data

    claim = claim_create(actor=cast.learner, kind="external_training",
                         data=claim_data(name="天光所的申请"), submit=True)
    client = Client()
    enter_admin(client, cast.outsider_admin)
    assert client.get(f"/api/v1/claims/review/{claim.pk}").status_code == 404
    assert client.get(f"/manage/claims/{claim.pk}/").status_code == 404
    [row] = probes(cast.outsider_admin)
    assert (row.object_type, row.object_id, row.org_id) == ("claim", str(claim.pk), cast.imr.pk)
    colleague = Client()
    login(colleague, cast.colleague)
    assert colleague.get(f"/api/v1/claims/mine/{claim.pk}").status_code == 404
    assert [(r.object_type, r.object_id) for r in probes(cast.colleague)] == [("claim", str(claim.pk))]
