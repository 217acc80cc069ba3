import pytest
from django.core.management import call_command

from accounts.models import Role, RoleAssignment, User
from accounts.services import authenticate_with_throttle
from orgs.models import Org, OrgKind
from portal.demodata import DEMO_INITIAL_PASSWORD, DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def test_seed_demo_loads_the_academy_once(capsys):
    call_command("seed_demo")
    people = User.objects.count()
    names = set(User.objects.values_list("login_name", flat=True))
    assert 290 <= people <= 320
    assert Org.objects.filter(kind=OrgKind.INSTITUTE, root__abbr="cas").count() == 3
    assert Org.objects.filter(kind=OrgKind.INSTITUTE, root__abbr="cast").count() == 1
    assert {r.role for r in RoleAssignment.objects.all()} == set(Role.values)
    assert User.objects.filter(hours_required=False).exists()
    assert User.objects.exclude(email=None).exists() and User.objects.filter(email=None).exists()
    # Login names follow the rules: emails, or <abbr>-<pinyin>.
    sample = User.objects.filter(email=None, institute__abbr="imr").exclude(login_name="imr").first()
    assert sample.login_name.startswith("imr-") and sample.login_name.isascii()
    call_command("seed_demo")
    assert User.objects.count() == people
    assert set(User.objects.values_list("login_name", flat=True)) == names
    assert "already loaded" in capsys.readouterr().out


def test_demo_logins_work():
    call_command("seed_demo")
    for login in ("cas-admin", "niaot", "imr", "niaot-wangfang", "niaot-zhaolei", "niaot-zhangsan",
                  "cast-admin", "castorg", "castorg-liming"):
        user = authenticate_with_throttle(identifier=login, password=DEMO_PASSWORD, ip="127.0.0.1")
        assert not user.password_is_initial, login
    lisi = authenticate_with_throttle(identifier="niaot-lisi", password=DEMO_INITIAL_PASSWORD,
                                      ip="127.0.0.1")
    assert lisi.password_is_initial


def test_demo_logins_command_prints_them(capsys):
    call_command("demo_logins")
    out = capsys.readouterr().out
    assert "cas-admin" in out and DEMO_PASSWORD in out and "niaot-lisi" in out


def test_demo_hours_include_the_seed_001_archive():
    from django.utils import timezone

    from ledger.queries import archive_for, year_progress

    call_command("seed_demo")
    zhangsan = User.objects.get(login_name="niaot-zhangsan")
    last = timezone.localdate().year - 1
    archive = archive_for(zhangsan, (last, 1), (last, 12))
    assert (archive.total, archive.effective) == (92 * 60 + 10, 54 * 60 + 10)
    assert year_progress(zhangsan, last + 1).effective_minutes == 16 * 60 + 10


def test_demo_has_a_second_academy_on_the_cast_rules():
    from django.utils import timezone

    from ledger.queries import archive_for, policy_for

    call_command("seed_demo")
    liming = User.objects.get(login_name="castorg-liming")
    year = timezone.localdate().year
    assert [c.code for c in policy_for(liming.institute, year).classes] == ["online", "offline"]
    zhangsan = User.objects.get(login_name="niaot-zhangsan")
    assert "self_study" in [c.code for c in policy_for(zhangsan.institute, year).classes]
    archive = archive_for(liming, (year, 1), (year, 12))
    # Seed 003's figures: online 32.5 学时 (under the 50 h cap the demo sets), offline 32.
    assert (archive.total, archive.effective) == (64 * 60 + 30, 64 * 60 + 30)
    assert len(archive.by_category) == 4
    # The CAST rule set ships no target, caps or backbone; the demo sets them and says so.
    rules = policy_for(liming.institute, year)
    assert rules.target_set and rules.target == 100 * 60 and rules.cap("online") == 50 * 60
    assert rules.hours_display == "decimal" and rules.terms == "cast"
    from core.models import AuditEvent

    assert AuditEvent.objects.filter(action="policy.updated", note__contains="演示").exists()
    from claims.queries import required_attachments

    assert set(required_attachments(liming, "external_training")) == {"notice", "certificate"}
    assert liming.institute.login_rule == "mobile"


def test_demo_logins_print_the_chosen_port(capsys):
    call_command("demo_logins", "--port", "8123")
    assert "http://127.0.0.1:8123/" in capsys.readouterr().out
