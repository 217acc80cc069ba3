"""ledger/access.py: outside the scope a ledger object does not exist (404); inside it a
role too weak is 403; pages and API give the same answers."""

from datetime import date

import pytest
from django.utils import timezone

from conftest import enter_admin
from core.errors import DomainError, ErrorCode
from ledger import access
from ledger.models import LedgerEntry, Policy
from ledger.services import (
    ledger_admin_credit,
    ledger_credit,
    policy_seed,
    policy_seed_cas,
    policy_update,
)
from ledger.tests.test_api_ledger import admin_client
from orgs.models import OrgKind
from orgs.tests.factories import make_org

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year


@pytest.fixture
def entry(cast):
    return ledger_credit(person=cast.learner, cap_class="offline", minutes=90,
                         start=date(YEAR, 1, 5), source_kind="admin", source_id="acc-1")[0]


def _code(fn):
    with pytest.raises(DomainError) as exc:
        fn()
    return exc.value.code


def test_people_and_entries_by_scope(cast, entry):
    dept = cast.dept_admin.roles.get()
    assert access.get_person_for(dept, cast.learner.pk) == cast.learner  # dept_a1 under dept_a
    assert _code(lambda: access.get_person_for(dept, cast.colleague.pk)) == ErrorCode.NOT_FOUND
    assert _code(lambda: access.get_person_for(dept, "1 OR 1=1")) == ErrorCode.NOT_FOUND
    assert access.get_entry_for(dept, entry.pk) == entry
    outsider = cast.outsider_admin.roles.get()
    assert _code(lambda: access.get_entry_for(outsider, entry.pk)) == ErrorCode.NOT_FOUND
    assert _code(lambda: access.get_entry_for(dept, entry.pk, person=cast.dept_admin)
                 ) == ErrorCode.NOT_FOUND
    assert access.get_posting_of_entry(dept, entry.pk).live == [entry]
    # The class admin (培训班管理员) reads no archives: 403 inside its scope, 404 outside.
    class_admin = cast.class_admin.roles.get()
    assert _code(lambda: access.get_person_for(class_admin, cast.learner.pk)) == ErrorCode.FORBIDDEN
    assert _code(lambda: access.get_person_for(class_admin, cast.outsider_learner.pk)
                 ) == ErrorCode.NOT_FOUND


def test_class_admin_gets_the_same_answer_from_page_and_api(cast, client, entry):
    """Finding 3 of issue 9 for the ledger: the class admin read archives through the API
    while every page answered 403."""
    enter_admin(client, cast.class_admin)
    assert client.get(f"/manage/staff/{cast.learner.pk}/archive/").status_code == 403
    api = admin_client(cast, cast.class_admin)
    assert api.get(f"/api/v1/ledger/archive/{cast.learner.pk}").status_code == 403
    assert api.get(f"/api/v1/ledger/entries/{cast.learner.pk}").status_code == 403
    response = api.post("/api/v1/ledger/entries", {
        "person_id": cast.learner.pk, "cap_class": "offline", "minutes": 60,
        "start": f"{YEAR}-03-01", "reason": "x"}, content_type="application/json")
    assert response.status_code == 403
    assert api.post(f"/api/v1/ledger/entries/{entry.pk}/reverse", {"reason": "x"},
                    content_type="application/json").status_code == 403
    assert LedgerEntry.objects.count() == 1


def test_services_refuse_outside_the_scope(cast, entry):
    from ledger.services import ledger_admin_reverse_posting

    outsider = cast.outsider_admin.roles.get()
    assert _code(lambda: ledger_admin_credit(
        actor=cast.outsider_admin, role=outsider, person=cast.learner, cap_class="offline",
        minutes=60, start=date(YEAR, 1, 1), reason="x")) == ErrorCode.NOT_FOUND
    assert _code(lambda: ledger_admin_reverse_posting(
        actor=cast.outsider_admin, role=outsider, person=cast.learner, source_kind="admin",
        source_id="acc-1", reason="x")) == ErrorCode.NOT_FOUND
    assert LedgerEntry.objects.count() == 1


def test_policies_only_for_their_academys_admins(cast):
    policy = policy_seed_cas(cast.academy, YEAR)
    other_top = make_org(OrgKind.ACADEMY, name="中国科协")
    from accounts.models import Role
    from accounts.tests.factories import grant, make_user

    stranger = make_user(login_name="cast-admin", real_name="科协管理员", institute=None)
    grant(stranger, Role.ACADEMY_ADMIN, other_top)
    institute = cast.institute_admin.roles.get()
    assert _code(lambda: policy_update(actor=None, role=institute, policy=policy,
                                       annual_target_minutes=60)) == ErrorCode.FORBIDDEN
    assert _code(lambda: policy_update(actor=None, role=stranger.roles.get(), policy=policy,
                                       annual_target_minutes=60)) == ErrorCode.NOT_FOUND
    assert _code(lambda: policy_seed(actor=None, role=stranger.roles.get(), org=cast.academy,
                                     year=YEAR + 1)) == ErrorCode.NOT_FOUND
    assert _code(lambda: policy_seed(actor=None, role=institute, org=cast.academy,
                                     year=YEAR + 1)) == ErrorCode.FORBIDDEN
    assert not Policy.objects.filter(year=YEAR + 1).exists()
    assert access.get_policy_for(stranger.roles.get(), YEAR) is None  # its own academy has none
    assert access.get_policy_for(cast.academy_admin.roles.get(), YEAR) == policy


def test_no_inline_path_comparison_in_the_ledger():
    """Scope is asked of accounts' people scope and Org.is_within, never of paths here."""
    from pathlib import Path

    import ledger

    root = Path(ledger.__file__).parent
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.py")
                 if "tests" not in p.parts and "migrations" not in p.parts
                 and "path.startswith" in p.read_text(encoding="utf-8")]
    assert offenders == []
