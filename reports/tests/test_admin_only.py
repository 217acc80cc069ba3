"""Administrator-only logins (an institute's admin account named by its abbreviation,
seed 002) are no staff member: not among 在职人员, not in the completion rate."""

import pytest

from accounts.models import Role, User
from accounts.services import admin_bootstrap
from reports.queries import active_staff_of, completion_by_institute, staff_overview
from reports.tests.helpers import YEAR

pytestmark = pytest.mark.django_db


def test_admin_only_login_is_not_counted(cast):
    login = admin_bootstrap(login_name="niaot", real_name="天光所管理员", role=Role.INSTITUTE_ADMIN,
                            org=cast.niaot, password="Cast-pass-2026!", institute=cast.niaot)
    assert login.pk == cast.institute_admin.pk  # the cast's own admin login, unchanged
    User.objects.filter(pk=login.pk).update(admin_only=True)
    role = cast.institute_admin.roles.get()
    overview = staff_overview(role, YEAR)
    names = {r.login_name for r in overview.rows}
    assert "niaot" not in names and "niaot-zhangsan" in names
    staff = active_staff_of(cast.niaot)
    assert not staff.filter(login_name="niaot").exists()
    completion = completion_by_institute(role, YEAR)[cast.niaot.pk]
    assert completion.staff == staff.count()
    # The same account as a staff member (not admin-only) is counted again.
    User.objects.filter(pk=login.pk).update(admin_only=False)
    assert "niaot" in {r.login_name for r in staff_overview(role, YEAR).rows}
