"""审核导入 (claims/imports.py): cells as stored, formulas without a saved value."""

import pytest

from claims.imports import COLUMNS, claims_import
from claims.models import Claim
from claims.tests.helpers import YEAR
from core.errors import DomainError, ErrorCode
from core.tests.xlsxfiles import upload, workbook_bytes

pytestmark = pytest.mark.django_db


def row(number="N001", name="张三", hours=8, title="年会"):
    return [number, "", name, "外部培训", YEAR, title, "外部培训", f"{YEAR}-03-10", f"{YEAR}-03-11", hours, "SPIE", "北京"]


def run(cast, rows):
    admin = cast.institute_admin
    return claims_import(actor=admin, role=admin.roles.get(), upload=upload(workbook_bytes(COLUMNS, rows)))


def test_a_formula_without_saved_value_is_an_error_not_an_empty_cell(cast):
    with pytest.raises(DomainError) as exc:
        run(cast, [row(), row(number="N002", name="李四", hours="=4+4")])
    assert exc.value.code == ErrorCode.IMPORT_ERRORS and "第 3 行「学时」列" in str(exc.value.message)
    assert not Claim.objects.exists()


def test_numbers_typed_with_spaces_still_count(cast):
    result = run(cast, [row(hours=" 8 ")])
    assert result.errors == [] and result.created == 1
    assert Claim.objects.get().minutes == 8 * 60


def test_people_and_earlier_imports_are_read_once_for_the_whole_file(cast):
    """The people a file names and the rows imported before are looked up for the whole
    file at once: the lookups cost the same for 2 rows as for 12 (each new claim is then
    written by claim_create_on_behalf, which posts its hours)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def lookups(rows):
        with CaptureQueriesContext(connection) as ctx:
            result = run(cast, rows)
        assert result.errors == []
        sqls = [q["sql"] for q in ctx.captured_queries]
        return (len([s for s in sqls if s.startswith("SELECT") and 'FROM "accounts_user"' in s
                     and ('"employee_no" =' in s or '"employee_no" IN' in s)]),
                len([s for s in sqls if s.startswith("SELECT") and '"import_key" IN' in s]))

    few = [row(number="N001", name="张三", title=f"会议{k}") for k in range(2)]
    many = [row(number=n, name=name, title=f"会议{k}") for k in range(6)
            for n, name in (("N002", "李四"), ("N001", "张三"))]
    assert lookups(few) == lookups(many) == (1, 1)
    # The same file again: every row is recognised as imported, nothing added.
    again = run(cast, many)
    assert again.created == 0 and again.unchanged == 12
