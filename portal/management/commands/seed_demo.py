"""Load the demo academy (idempotent): 中国科学院 with a branch, three institutes with
departments, about 300 staff with realistic names, and administrators of every level
with known passwords (see `xueshi demo_logins`)."""

import random
from datetime import date, timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import PostType, Role, User
from accounts.queries import owing_hours
from accounts.services import (
    admin_bootstrap,
    password_change,
    password_set_initial,
    person_create,
    reuse_password_hash,
)
from orgs.models import Org, OrgKind
from orgs.services import org_create
from portal import demodata

STAFF_PER_INSTITUTE = 100


def demo_people() -> list[dict]:
    """The fixed demo accounts: who they are and what to try with them."""
    return [
        {"login": "cas-admin", "name": "院人事局管理员", "role": Role.ACADEMY_ADMIN, "unit": "cas",
         "try": "我的管理 → 院级管理员: every institute"},
        {"login": "niaot", "name": "天光所管理员", "role": Role.INSTITUTE_ADMIN, "unit": "niaot",
         "try": "我的管理 → 所级管理员: 人员管理, 机构管理, 操作日志"},
        {"login": "imr", "name": "金属所管理员", "role": Role.INSTITUTE_ADMIN, "unit": "imr",
         "try": "another institute: sees none of niaot"},
        {"login": "cnic", "name": "网络中心管理员", "role": Role.INSTITUTE_ADMIN, "unit": "cnic",
         "try": "another institute"},
        {"login": "niaot-wangfang", "name": "王芳", "role": Role.DEPARTMENT_ADMIN,
         "unit": "niaot/光学技术研究部", "try": "department admin: own department only"},
        {"login": "niaot-zhaolei", "name": "赵磊", "role": Role.CLASS_ADMIN, "unit": "niaot",
         "try": "class admin"},
        {"login": "niaot-zhangsan", "name": "张三", "role": None, "unit": "niaot/光学技术研究部",
         "try": "a learner: 我的学习, 个人设置"},
        # A second top organisation on the CAST-like rule set (seed 003).
        {"login": "cast-admin", "name": "科协党校管理员", "role": Role.ACADEMY_ADMIN, "unit": "cast",
         "try": "CAST rules: 我的管理 → 学时规则 (subjects, no self-study; target and caps set by the demo)", "ruleset": "cast"},
        {"login": "castorg", "name": "科协机关管理员", "role": Role.INSTITUTE_ADMIN, "unit": "castorg",
         "try": "institute admin under the CAST rules", "ruleset": "cast"},
        {"login": "castorg-liming", "name": "李明", "role": None, "unit": "castorg/组织人事部",
         "try": "a CAST learner: 我的档案 shows hours per subject", "ruleset": "cast"},
    ]


class Command(BaseCommand):
    help = "Load the demo academy (safe to run again: it changes nothing the second time)."

    def handle(self, *args, **options):
        if Org.objects.filter(kind=OrgKind.ACADEMY, abbr="cas").exists():
            self.stdout.write("The demo academy is already loaded; nothing changed.")
            return
        with transaction.atomic(), reuse_password_hash(demodata.DEMO_INITIAL_PASSWORD):
            self._load()
        # The training services run in durable transactions of their own.
        self._training(timezone.localdate())
        self.stdout.write(self.style.SUCCESS(
            f"Loaded the demo academy: {Org.objects.count()} units, {User.objects.count()} people."))

    def _load(self):
        rng = random.Random(2016)
        academy = org_create(actor=None, kind=OrgKind.ACADEMY, name="中国科学院")
        Org.objects.filter(pk=academy.pk).update(abbr="cas")
        academy.abbr = "cas"
        branch = org_create(actor=None, kind=OrgKind.BRANCH, name="沈阳分院", parent=academy)
        units = {"cas": academy}
        for spec in demodata.INSTITUTES:
            parent = academy if spec["parent"] == "academy" else branch
            institute = org_create(actor=None, kind=OrgKind.INSTITUTE, name=spec["name"],
                                   parent=parent, abbr=spec["abbr"])
            units[spec["abbr"]] = institute
            for dept in spec["departments"]:
                if isinstance(dept, tuple):
                    parent_dept = units[f"{spec['abbr']}/{dept[0]}"]
                    unit = org_create(actor=None, kind=OrgKind.DEPARTMENT, name=dept[1],
                                      parent=parent_dept)
                    units[f"{spec['abbr']}/{dept[0]}/{dept[1]}"] = unit
                else:
                    unit = org_create(actor=None, kind=OrgKind.DEPARTMENT, name=dept,
                                      parent=institute)
                    units[f"{spec['abbr']}/{dept}"] = unit

        for person in demo_people():
            if person.get("ruleset") == "cast":
                continue  # loaded by _cast below
            unit = units[person["unit"]]
            institute = unit.institute if unit.kind in (OrgKind.INSTITUTE, OrgKind.DEPARTMENT) else None
            department = unit if unit.kind == OrgKind.DEPARTMENT else None
            if person["role"] is None:
                continue
            admin_bootstrap(login_name=person["login"], real_name=person["name"],
                            role=person["role"], org=unit, password=demodata.DEMO_PASSWORD,
                            institute=institute, department=department)

        today = timezone.localdate()
        for spec in demodata.INSTITUTES:
            institute = units[spec["abbr"]]
            admin = User.objects.get(login_name=spec["abbr"])
            role = admin.roles.get(role=Role.INSTITUTE_ADMIN)
            departments = [u for key, u in units.items() if key.startswith(spec["abbr"] + "/")]
            for n in range(STAFF_PER_INSTITUTE):
                self._staff(rng, admin, role, institute, departments, n, spec, today)

        niaot = units["niaot"]
        admin = User.objects.get(login_name="niaot")
        role = admin.roles.get(role=Role.INSTITUTE_ADMIN)
        optics = units["niaot/光学技术研究部"]
        zhangsan, _pw = person_create(actor=admin, role=role, real_name="张三", institute=niaot,
                                      department=optics, employee_no="NIAOT-0001",
                                      post_type=PostType.RESEARCH, hire_date=date(2012, 7, 1),
                                      login_name="niaot-zhangsan")
        password_change(user=zhangsan, old_password=demodata.DEMO_INITIAL_PASSWORD,
                        new_password=demodata.DEMO_PASSWORD)
        lisi, _pw = person_create(actor=admin, role=role, real_name="李四", institute=niaot,
                                  department=units["niaot/机械与控制研究部"], employee_no="NIAOT-0002",
                                  post_type=PostType.SUPPORT, hire_date=date(2018, 3, 1),
                                  login_name="niaot-lisi")
        # The demo's initial password must not expire before someone tries it.
        password_set_initial(actor=admin, user=lisi, password=demodata.DEMO_INITIAL_PASSWORD,
                             valid_days=3650)

        self._hours(rng, academy, today)
        self._cast(today)

    def _training(self, today):
        """天光所's training projects in every state, one with a session today so the QR
        sign-in can be shown (培训班管理员 赵磊 runs it; 张三 is enrolled)."""
        from datetime import timedelta

        from training.models import Attendee
        from training.services import (
            attendees_add,
            attendees_confirm,
            enrol,
            project_cancel,
            project_create,
            project_end,
            project_implement,
            session_create,
        )

        admin = User.objects.get(login_name="niaot")
        role = admin.roles.get(role=Role.INSTITUTE_ADMIN)
        zhaolei = User.objects.get(login_name="niaot-zhaolei")
        zhangsan = User.objects.get(login_name="niaot-zhangsan")
        optics = Org.objects.get(institute__abbr="niaot", name="光学技术研究部")
        base = {"org": optics, "year": today.year, "kind": "training", "category": "short_course",
                "method": "offline", "minutes": 8 * 60, "days": 1, "organiser": "光学技术研究部",
                "contact": "赵磊", "phone": "025-8548 2200", "place": "天光所办公楼二楼学术报告厅",
                "objective": "掌握光学设计软件的常用功能", "content": "Zemax 光学设计入门与实践",
                "visibility": "academy", "enrol_allowed": True, "capacity": 60, "planned_attendees": 60}

        def project(name, start, **extra):
            data = {**base, "name": name, "start": start, "end": start, **extra}
            if data["start"].year != today.year:
                data["start"] = data["end"] = today
            created = project_create(actor=admin, role=role, data=data)
            created.class_admins.add(zhaolei)
            return created

        project(f"{today.year}年度光学设计培训班（筹备中）", today + timedelta(days=30))
        upcoming = project("精密机械设计专题培训", today + timedelta(days=14), enrol_needs_approval=True,
                           method="mixed", minutes=16 * 60, online_minutes=6 * 60, days=2,
                           end=today + timedelta(days=15))
        project_implement(actor=admin, role=role, project_id=upcoming.pk)
        live = project("Zemax 光学设计实训（今日开班）", today, capacity=None)
        project_implement(actor=admin, role=role, project_id=live.pk)
        attendees_add(actor=admin, role=role, project_id=live.pk, person_ids=[zhangsan.pk])
        now = timezone.now()
        session_create(actor=admin, role=role, project_id=live.pk, data={
            "title": "开班与第一讲", "starts_at": now - timedelta(minutes=10), "ends_at": now + timedelta(hours=4),
            "place": base["place"], "latitude": "32.0573", "longitude": "118.7765", "radius_m": 300,
            "require_qr": True, "require_location": False})
        enrol(actor=User.objects.get(login_name="niaot-lisi"), project_id=upcoming.pk)
        done = project("科研项目经费管理培训", date(today.year, 1, 10), category="management",
                       enrol_allowed=False, organiser="综合办公室")
        project_implement(actor=admin, role=role, project_id=done.pk)
        others = list(User.objects.filter(department=optics).exclude(pk=zhangsan.pk).order_by("pk")[:5])
        attendees_add(actor=admin, role=role, project_id=done.pk, person_ids=[p.pk for p in others])
        attendees_confirm(actor=admin, role=role, project_id=done.pk,
                          ids=list(Attendee.objects.filter(project=done).values_list("pk", flat=True)))
        project_end(actor=admin, role=role, project_id=done.pk)
        dropped = project("望远镜控制系统研讨班", today + timedelta(days=20))
        project_cancel(actor=admin, role=role, project_id=dropped.pk, reason="主讲人行程冲突，改期另行通知")

    def _cast(self, today):
        """中国科协: a top organisation of its own on the CAST-like rule set, so the demo shows
        that rules are data: subjects under online and offline, no self-study class."""
        from claims.models import ClaimSettings
        from core.audit import audit_record
        from ledger.models import CapClass, Policy
        from ledger.queries import forget_policies
        from ledger.services import ledger_credit, policy_seed_cast

        top = org_create(actor=None, kind=OrgKind.ACADEMY, name="中国科协")
        Org.objects.filter(pk=top.pk).update(abbr="cast")
        office = org_create(actor=None, kind=OrgKind.INSTITUTE, name="中国科协机关", parent=top,
                            abbr="castorg")
        # Seed 003: 系统登录名为手机号 — new people of the CAST office are named by mobile.
        Org.objects.filter(pk=office.pk).update(login_rule="mobile")
        office.refresh_from_db()
        dept = org_create(actor=None, kind=OrgKind.DEPARTMENT, name="组织人事部", parent=office)
        units = {"cast": top, "castorg": office, "castorg/组织人事部": dept}
        for person in demo_people():
            if person.get("ruleset") != "cast" or person["role"] is None:
                continue
            unit = units[person["unit"]]
            admin_bootstrap(login_name=person["login"], real_name=person["name"],
                            role=person["role"], org=unit, password=demodata.DEMO_PASSWORD,
                            institute=office if unit != top else None)
        admin = User.objects.get(login_name="castorg")
        liming, _pw = person_create(actor=admin, role=admin.roles.get(role=Role.INSTITUTE_ADMIN),
                                    real_name="李明", institute=office, department=dept,
                                    employee_no="CAST-0001", post_type=PostType.MANAGEMENT,
                                    hire_date=date(2015, 9, 1), login_name="castorg-liming")
        password_change(user=liming, old_password=demodata.DEMO_INITIAL_PASSWORD,
                        new_password=demodata.DEMO_PASSWORD)
        cast_admin = User.objects.get(login_name="cast-admin")
        for year in (today.year - 1, today.year):
            policy = policy_seed_cast(top, year)
            # Seed 003 gives no target, caps or backbone thresholds, so the CAST rule set
            # ships them unset; the demo sets the CAS figures, as an admin would, and its
            # audit trail and README say so.
            numbers = {"annual_target_minutes": 100 * 60, "backbone_single_min_minutes": 40 * 60,
                       "backbone_ratio_permille": 40}
            Policy.objects.filter(pk=policy.pk).update(**numbers)
            CapClass.objects.filter(policy=policy, code="online").update(cap_minutes=50 * 60, cap_set=True)
            audit_record(actor=cast_admin, action="policy.updated", obj=policy, org=top,
                         after={**numbers, "online cap": 50 * 60},
                         note="演示数据：种子003未给出目标、上限和骨干标准，演示按中科院数值设定")
        forget_policies()
        # Seed 003: 一定要上传相关证明材料作为附件 — the notice and the certificate; and
        # 网络学时 "不用审批直接计入" (approved by the system as submitted).
        for kind in ("external_training", "online"):
            ClaimSettings.objects.update_or_create(org=top, kind=kind, defaults={
                "notice_required": True, "certificate_required": True,
                "credited_without_review": kind == "online"})
        # Seed 003's archive: decimal 学时, every subject listed (zeros too), the tables
        # 线下培训情况 and 线上培训情况 with 主办单位 and 起止时间.
        hours = [("offline", "party_theory", 24 * 60, "学习贯彻党的二十大精神专题培训班", "中国科协党校"),
                 ("offline", "special", 8 * 60, "科技社团治理专项培训", "组织人事部"),
                 ("online", "cloud", 30 * 60, "“科协党建云”平台在线学习", "科协党建云"),
                 ("online", "school_online", 2 * 60 + 30, "党校网络专题班", "科协系统网上党校")]
        for n, (cls, subject, minutes, label, organiser) in enumerate(hours):
            start = date(today.year, 1 + n, 1)
            ledger_credit(person=liming, cap_class=cls, minutes=minutes, category=subject,
                          start=start, source_kind="admin", source_id=f"demo-cast-{n}",
                          source_label=label,
                          details={"organiser": organiser, "start": start.isoformat(),
                                   "end": (start + timedelta(days=2)).isoformat()})

    def _hours(self, rng, academy, today):
        """This year's and last year's rules, and hours for everybody: some meet the target,
        some do not; 张三's last year is the archive example of seed 001."""
        from ledger.services import ledger_credit, policy_seed_cas

        for year in (today.year - 1, today.year):
            policy_seed_cas(academy, year)
        zhangsan = User.objects.get(login_name="niaot-zhangsan")
        last = today.year - 1
        seed001 = [("online", 10, date(last, 3, 1), "course", "online_platform", "标准、质量体系与“我”"),
                   ("offline", 12 * 60, date(last, 5, 5), "project", "management", "干部教育培训工作条例培训"),
                   ("offline", 32 * 60, date(last, 4, 6), "project", "short_course", "“Excel在实际工作中的高效应用”所级培训"),
                   ("self_study", 48 * 60, date(last, 6, 1), "claim", "self_study", "在职自学：专业书籍")]
        for n, (cls, minutes, start, kind, category, label) in enumerate(seed001):
            ledger_credit(person=zhangsan, cap_class=cls, minutes=minutes, start=start, category=category,
                          source_kind=kind, source_id=f"demo-001-{n}", source_label=label,
                          details={"organiser": "沈阳分院" if n == 1 else "金属研究所"})
        ledger_credit(person=zhangsan, cap_class="offline", minutes=16 * 60 + 10,
                      start=date(today.year, 1, 15), category="short_course", source_kind="project",
                      source_id="demo-zhangsan-now", source_label="SolidWorks软件系列培训",
                      details={"place": "天光所办公楼二楼学术报告厅", "organiser": "国家天文台南京天文光学技术研究所"})
        people = list(owing_hours(User.objects.filter(institute__isnull=False))
                      .exclude(login_name__in=["niaot-zhangsan", "niaot-lisi"]).order_by("pk"))
        for person in people:
            for year in (today.year - 1, today.year):
                last_month = 12 if year < today.year else today.month
                for k in range(rng.randint(1, 5)):
                    cls = rng.choice(["offline", "offline", "offline", "online", "self_study"])
                    month = rng.randint(1, last_month)
                    ledger_credit(person=person, cap_class=cls, minutes=rng.choice([4, 8, 16, 24, 45]) * 60,
                                  start=date(year, month, 1), source_kind="admin",
                                  source_id=f"demo-{person.pk}-{year}-{k}",
                                  source_label="演示数据", category="other" if cls == "offline" else "")

    def _staff(self, rng, admin, role, institute, departments, n, spec, today):
        if rng.random() < 0.04:
            surname = rng.choice(demodata.COMPOUND_SURNAMES)
        else:
            surname = rng.choice(demodata.SURNAMES)
        given = "".join(rng.choice(demodata.GIVEN) for _i in range(rng.choice([1, 2, 2])))
        name = surname + given
        email = None
        if rng.random() < 0.3:
            email = f"staff{n:03d}@{spec['email_domain']}"
        mobile = f"139{rng.randrange(10**8):08d}" if rng.random() < 0.5 else None
        if rng.random() < 0.05:
            hire = date(today.year, rng.randint(1, max(today.month, 1)), 1)
        else:
            hire = date(rng.randint(1995, today.year - 1), rng.randint(1, 12), 1)
        person_create(actor=admin, role=role, real_name=name, institute=institute,
                      department=rng.choice(departments), email=email, mobile=mobile,
                      employee_no=f"{spec['abbr'].upper()}-{n + 100:04d}",
                      post_type=rng.choice([PostType.RESEARCH] * 3 + [PostType.MANAGEMENT, PostType.SUPPORT]),
                      hire_date=hire, hours_required=rng.random() > 0.05)
