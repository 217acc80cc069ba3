"""The named cast every test can call on (STYLE.md): one academy with a branch, two
institutes (niaot directly under the academy, imr under the branch), departments, and
people holding each role. `outsider_*` belong to the other institute."""

import pytest
from django.core.management.commands import flush

from accounts.models import Role
from accounts.tests.factories import CAST_PASSWORD, grant, make_user
from core.appendonly import unlocked_for_flush
from orgs.models import OrgKind
from orgs.tests.factories import make_org

# Django's test flush deletes rows table by table; the append-only triggers would refuse.
_original_flush = flush.Command.handle


def _flush_unlocked(self, *args, **kwargs):
    with unlocked_for_flush():
        return _original_flush(self, *args, **kwargs)


flush.Command.handle = _flush_unlocked


def pytest_collection_modifyitems(config, items):
    """Race tests need real row locks: on SQLite select_for_update is a no-op, so tests
    marked postgres_only run in the PostgreSQL pass (make test-pg) and are deselected,
    not skipped, in the SQLite pass."""
    from django.conf import settings

    if "postgresql" in settings.DATABASES["default"]["ENGINE"]:
        return
    keep, dropped = [], []
    for item in items:
        (dropped if item.get_closest_marker("postgres_only") else keep).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2 at production strength costs ~0.3 s a hash; the cast alone has nine people.
    # Production hashing is exercised by test_production_hasher_is_pbkdf2.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language. A request in English (a django_language
    cookie) leaves English active in the thread after it (LocaleMiddleware activates per
    request and restores nothing), which would change what the next test of the same
    worker reads from code called outside a request."""
    from django.conf import settings as django_settings
    from django.utils import translation

    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


class Cast:
    password = CAST_PASSWORD


@pytest.fixture
def cast(db):
    c = Cast()
    c.academy = make_org(OrgKind.ACADEMY, name="中国科学院")
    c.branch = make_org(OrgKind.BRANCH, c.academy, name="沈阳分院")
    c.niaot = make_org(OrgKind.INSTITUTE, c.academy, name="南京天文光学技术研究所", abbr="niaot")
    c.imr = make_org(OrgKind.INSTITUTE, c.branch, name="金属研究所", abbr="imr")
    c.dept_a = make_org(OrgKind.DEPARTMENT, c.niaot, name="光学部")
    c.dept_a1 = make_org(OrgKind.DEPARTMENT, c.dept_a, name="光学部一组")
    c.dept_b = make_org(OrgKind.DEPARTMENT, c.niaot, name="机械部")
    c.imr_dept = make_org(OrgKind.DEPARTMENT, c.imr, name="材料部")

    c.learner = make_user(login_name="niaot-zhangsan", real_name="张三", institute=c.niaot,
                          department=c.dept_a1, employee_no="N001")
    c.colleague = make_user(login_name="niaot-lisi", real_name="李四", institute=c.niaot,
                            department=c.dept_b, employee_no="N002")
    c.dept_admin = make_user(login_name="niaot-wangwu", real_name="王五", institute=c.niaot,
                             department=c.dept_a, employee_no="N003")
    grant(c.dept_admin, Role.DEPARTMENT_ADMIN, c.dept_a)
    c.institute_admin = make_user(login_name="niaot", real_name="天光所管理员", institute=c.niaot)
    grant(c.institute_admin, Role.INSTITUTE_ADMIN, c.niaot)
    c.class_admin = make_user(login_name="niaot-zhaoliu", real_name="赵六", institute=c.niaot,
                              department=c.dept_b, employee_no="N004")
    grant(c.class_admin, Role.CLASS_ADMIN, c.niaot)
    c.academy_admin = make_user(login_name="cas-admin", real_name="人事局", institute=None)
    grant(c.academy_admin, Role.ACADEMY_ADMIN, c.academy)
    c.outsider_learner = make_user(login_name="imr-sunqi", real_name="孙七", institute=c.imr,
                                   department=c.imr_dept, employee_no="M001")
    c.outsider_admin = make_user(login_name="imr", real_name="金属所管理员", institute=c.imr)
    grant(c.outsider_admin, Role.INSTITUTE_ADMIN, c.imr)
    return c


def login(client, user, password=CAST_PASSWORD):
    response = client.post("/login/", {"login": user.login_name, "password": password})
    assert response.status_code == 302, response.content[:500]
    return client


def enter_admin(client, user, role=None, password=CAST_PASSWORD):
    """Log in (if needed) and enter admin mode through the real form."""
    if "_auth_user_id" not in client.session:
        login(client, user, password)
    role = role or user.roles.first()
    response = client.post("/manage/enter/", {"role": role.pk, "password": password})
    assert response.status_code == 302, response.content[:800]
    return client


@pytest.fixture
def as_admin(client):
    def _as(user, role=None):
        return enter_admin(client, user, role)

    return _as


# --- Browser journeys (headless Debian Chromium driven by Playwright) --------------------

@pytest.fixture(scope="session")
def browser():
    import os
    import shutil

    # Playwright's sync API runs an event loop in this thread; the live server and the
    # test's own ORM calls are ordinary synchronous Django code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=executable,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    context.set_default_timeout(15000)
    pg = context.new_page()
    yield pg
    context.close()
