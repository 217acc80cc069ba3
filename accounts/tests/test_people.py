"""人员管理 as its users need it (issue 10): pinyin order, Excel export of the filtered
list, administrator-only accounts not owing hours, confirmation before adding a second
person of the same name, and a password note that matches the institute's mode."""

import io

import openpyxl
import pytest

from accounts.models import Role, User
from accounts.queries import owing_hours
from accounts.services import admin_bootstrap, person_create
from accounts.tests.factories import make_user
from conftest import enter_admin, login

pytestmark = pytest.mark.django_db


def _names(html: str, names) -> list[str]:
    return sorted((n for n in names if n in html), key=html.index)


def test_list_sorts_by_pinyin_by_default_and_by_column(cast, client):
    for name, no in (("曾小贤", "N10"), ("安娜", "N11"), ("白雪", "N12"), ("单田芳", "N13")):
        make_user(login_name=f"niaot-{no}", real_name=name, institute=cast.niaot, employee_no=no)
    enter_admin(client, cast.institute_admin)
    names = ["安娜", "白雪", "单田芳", "曾小贤", "张三"]
    html = client.get("/manage/staff/").content.decode()
    # an, bai, shan (单 as a surname), zeng, zhang: not the characters' code points.
    assert _names(html, names) == ["安娜", "白雪", "单田芳", "曾小贤", "张三"]
    html = client.get("/manage/staff/?order=-name").content.decode()
    assert _names(html, names) == ["张三", "曾小贤", "单田芳", "白雪", "安娜"]
    html = client.get("/manage/staff/?order=no").content.decode()
    assert _names(html, names) == ["张三", "曾小贤", "安娜", "白雪", "单田芳"]  # N001, N10, N11 …


def test_sort_key_follows_renames_and_bulk_writes(cast):
    person = User.objects.get(pk=cast.learner.pk)
    assert person.name_pinyin == "zhangsan"
    person.real_name = "欧阳修"
    person.save(update_fields=["real_name"])
    assert User.objects.get(pk=person.pk).name_pinyin == "ouyangxiu"
    made = User.objects.bulk_create([User(login_name="bulk-1", real_name="吕布", institute=cast.niaot)])
    assert User.objects.get(pk=made[0].pk).name_pinyin == "lvbu"
    row = User.objects.get(pk=made[0].pk)
    row.real_name = "安娜"
    User.objects.bulk_update([row], ["real_name"])
    assert User.objects.get(pk=row.pk).name_pinyin == "anna"


def test_export_is_the_filtered_list_with_text_cells(cast, client):
    make_user(login_name="niaot-formula", real_name="=1+1", institute=cast.niaot, employee_no="N20",
              department=cast.dept_b)
    enter_admin(client, cast.institute_admin)
    response = client.get(f"/manage/staff/?department={cast.dept_b.pk}&export=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    data = b"".join(response.streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][:3] == ["姓名", "登录名", "员工编号"]
    names = [r[0] for r in rows[1:]]
    # 机械部 only (李四, 赵六 and the new one), never the other institute's people.
    assert set(names) == {"李四", "赵六", "=1+1"} and "孙七" not in names
    formula = next(row for row in sheet.iter_rows() if row[0].value == "=1+1")
    assert formula[0].data_type == "s"
    # The list page links the export with the current filters.
    html = client.get(f"/manage/staff/?department={cast.dept_b.pk}").content.decode()
    assert f"department={cast.dept_b.pk}&amp;export=xlsx" in html


def test_export_outside_admin_mode_or_scope(cast, client):
    login(client, cast.learner)
    response = client.get("/manage/staff/?export=xlsx")
    assert response.status_code in (302, 403)
    client.post("/logout/")
    enter_admin(client, cast.outsider_admin)
    response = client.get(f"/manage/staff/?institute={cast.niaot.pk}&export=xlsx")
    names = []
    if response.status_code == 200:
        sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
        names = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert "张三" not in names


def test_admin_only_accounts_owe_no_hours(cast, client):
    admin = admin_bootstrap(login_name="imr2", real_name="金属所管理员2", role=Role.INSTITUTE_ADMIN,
                            org=cast.imr, password="Cast-pass-2026!", institute=cast.imr)
    assert admin.admin_only is False  # not named by the unit's abbreviation
    cast.imr.abbr = "imr"
    named = admin_bootstrap(login_name="IMR", real_name="x", role=Role.INSTITUTE_ADMIN, org=cast.imr,
                            password="Cast-pass-2026!", institute=cast.imr)
    assert named.pk == User.objects.get(login_name="imr").pk  # the existing account, unchanged
    fresh = admin_bootstrap(login_name="cast9", real_name="科协管理员", role=Role.INSTITUTE_ADMIN,
                            org=_abbr(cast.dept_b.institute, "cast9"), password="Cast-pass-2026!",
                            institute=cast.niaot)
    assert fresh.admin_only and not fresh.owes_hours
    assert User.objects.get(pk=cast.learner.pk).owes_hours
    owing = set(owing_hours(User.objects.filter(institute=cast.niaot)).values_list("login_name", flat=True))
    assert "niaot-zhangsan" in owing and "cast9" not in owing
    # Listed as an administrator account; no progress banner for it.
    enter_admin(client, cast.institute_admin)
    html = client.get("/manage/staff/?q=cast9").content.decode()
    assert 'data-testid="admin-only"' in html
    client.post("/logout/")
    login(client, fresh, password="Cast-pass-2026!")
    assert 'class="banner"' not in client.get("/").content.decode()


def _abbr(org, abbr):
    org.abbr = abbr
    org.save(update_fields=["abbr"])
    return org


def test_same_name_in_the_institute_asks_for_confirmation(cast, client):
    enter_admin(client, cast.institute_admin)
    form = {"real_name": "张三", "department": cast.dept_b.pk, "hours_required": "on"}
    response = client.post("/manage/staff/new/", form)
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="namesakes"' in html
    assert "niaot-zhangsan" in html and 'name="confirm_same_name"' in html
    assert User.objects.filter(real_name="张三").count() == 1
    response = client.post("/manage/staff/new/", {**form, "confirm_same_name": "1"})
    assert 'data-testid="new-login"' in response.content.decode()
    assert User.objects.filter(real_name="张三").count() == 2
    # A name used only in another institute asks nothing.
    response = client.post("/manage/staff/new/", {**form, "real_name": "孙七"})
    assert 'data-testid="new-login"' in response.content.decode()


def test_department_admin_is_told_the_count_not_the_people_outside_their_scope(cast, client):
    enter_admin(client, cast.dept_admin)
    response = client.post("/manage/staff/new/", {"real_name": "李四", "hours_required": "on"})
    html = response.content.decode()
    assert 'data-testid="namesakes"' in html and "niaot-lisi" not in html
    assert User.objects.filter(real_name="李四").count() == 1


def test_password_note_matches_the_institute_mode(cast, client):
    enter_admin(client, cast.institute_admin)
    html = client.post("/manage/staff/new/", {"real_name": "王五一", "hours_required": "on"}).content.decode()
    note = html.split('data-testid="password-note"')[1].split("</p>")[0]
    assert "统一的初始密码" in note and "只显示一次" not in note
    cast.niaot.initial_password_mode = "random"
    cast.niaot.save()
    html = client.post("/manage/staff/new/", {"real_name": "王五二", "hours_required": "on"}).content.decode()
    note = html.split('data-testid="password-note"')[1].split("</p>")[0]
    assert "统一的初始密码" not in note
    person = User.objects.get(real_name="王五二")
    html = client.post(f"/manage/staff/{person.pk}/reset-password/").content.decode()
    assert "统一的初始密码" not in html.split('data-testid="password-note"')[1].split("</p>")[0]


def test_person_create_service_names_people_alike_without_asking(cast):
    # The confirmation is the page's: the service (API, import) creates namesakes.
    admin = cast.institute_admin
    person, _pw = person_create(actor=admin, role=admin.roles.get(), real_name="张三")
    assert person.login_name == "niaot-zhangsan2"
