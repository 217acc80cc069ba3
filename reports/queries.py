"""Reads for the yearly statistics (seed 002 培训统计): the staff overview
(职工学习总体情况统计), completion figures, backbone candidates and rates.

Every figure is computed over the role's scope with a bounded number of queries: the
people (one query), their yearly totals (ledger.queries.totals_by_person: the running
totals, never the entries), the rules of their institutes (policies_for_units), and for
the backbone list one grouped query over the training postings. No query runs per person
(tests assert the count with django_assert_max_num_queries at two sizes).
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Max, Min, Q, Sum

from accounts.models import PostType, User
from accounts.queries import people_in_scope
from ledger.models import BackboneBasis, LedgerEntry, SourceKind
from ledger.queries import YearRules, policies_for_units, policy_for, totals_by_person
from orgs.models import Org, OrgKind
from reports.models import BackboneNomination, BackboneReport, BackboneWindow
from training.models import Funding, Project, ProjectStatus

# --- one person's line -------------------------------------------------------------------


@dataclass
class StaffRow:
    """One person's year in the staff overview."""

    person_id: int
    name: str
    login_name: str
    employee_no: str
    institute_id: int | None
    institute: str
    department_id: int | None
    department: str
    post_type: str
    post_type_label: str
    hire_date: date | None
    hours_required: bool
    new_hire: bool  # hired in the year: left out of the completion rate
    total: int
    effective: int
    classes: dict[str, int]
    target: int

    @property
    def met(self) -> bool:
        return self.effective >= self.target

    @property
    def missing(self) -> int:
        """Minutes still missing to the target (0 when met)."""
        return max(self.target - self.effective, 0)

    @property
    def counted(self) -> bool:
        """In the completion rate: has an hours requirement and was not hired this year."""
        return self.hours_required and not self.new_hire


def percent(numerator: int | Decimal, denominator: int | Decimal) -> Decimal | None:
    """numerator / denominator as a percentage with two decimals (half up); None when
    the denominator is 0 (no rate, never 0%)."""
    if not denominator:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.01"), ROUND_HALF_UP)


@dataclass
class Completion:
    """Completion figures of a set of people. `staff` counts everyone active;
    `required` leaves out new hires of the year and people without a requirement
    (counted separately as `new_hires` and `not_required`); `met` counts the required
    people whose effective hours reach their target."""

    staff: int = 0
    required: int = 0
    met: int = 0
    new_hires: int = 0
    not_required: int = 0
    total_minutes: int = 0  # 单位职工总学时: all minutes of the in-service staff

    @property
    def rate(self) -> Decimal | None:
        return percent(self.met, self.required)

    @property
    def average_minutes(self) -> int | None:
        """单位职工平均学时: total minutes / 单位在职总人数, whole minutes (half up)."""
        if not self.staff:
            return None
        return int((Decimal(self.total_minutes) / self.staff).quantize(Decimal("1"), ROUND_HALF_UP))

    def add(self, row: StaffRow) -> None:
        self.staff += 1
        self.total_minutes += row.total
        if not row.hours_required:
            self.not_required += 1
        elif row.new_hire:
            self.new_hires += 1
        else:
            self.required += 1
            self.met += row.met

    def __add__(self, other: "Completion") -> "Completion":
        return Completion(*(getattr(self, f) + getattr(other, f) for f in
                            ("staff", "required", "met", "new_hires", "not_required", "total_minutes")))


# --- the staff overview ------------------------------------------------------------------

ORDERINGS = {
    "name": lambda r: (r.name, r.person_id),
    "dept": lambda r: (r.department, r.name, r.person_id),
    "total": lambda r: (r.total, r.person_id),
    "effective": lambda r: (r.effective, r.person_id),
    "missing": lambda r: (r.missing, r.person_id),
    "hired": lambda r: (r.hire_date or date.min, r.person_id),
}


@dataclass
class Overview:
    year: int
    rows: list[StaffRow]
    classes: list[tuple[str, str]]  # (code, name) of every class any row's rules have
    completion: Completion
    rules: dict[int, YearRules] = field(default_factory=dict)  # institute id → rules


def active_staff(role) -> "QuerySet[User]":  # noqa: F821 - the queryset type, for readers
    """The in-service staff of the role's scope (单位在职人员): active people with an
    institute, not administrator-only logins."""
    return people_in_scope(role).filter(is_active=True, institute__isnull=False, admin_only=False)


def active_staff_of(institute: Org) -> "QuerySet[User]":  # noqa: F821
    """单位在职人员 of one institute (an administrator-only login is no staff member)."""
    return User.objects.filter(institute=institute, is_active=True, admin_only=False)


def staff_rows(people, year: int, *, with_classes: bool = True) -> tuple[list[StaffRow], dict[int, YearRules]]:
    """Every person of `people` (a queryset) with their year's figures: one query for the
    people, the totals from the running totals, the rules per institute."""
    ids = people.values("pk")
    people = list(people.select_related("institute", "department")
                  .only("pk", "real_name", "login_name", "employee_no", "institute__name",
                        "institute__path", "institute__root_id", "department__name",
                        "post_type", "hire_date", "hours_required", "admin_only"))
    institutes = {p.institute_id: p.institute for p in people if p.institute_id}
    rules = policies_for_units(list(institutes.values()), year)
    # The ids go to the database as a subquery, never as a list of 70,000 parameters.
    totals = totals_by_person(ids, year, with_classes=with_classes) if people else {}
    labels = dict(PostType.choices)
    rows = []
    for p in people:
        t = totals.get(p.pk, {})
        unit_rules = rules.get(p.institute_id)
        rows.append(StaffRow(
            person_id=p.pk, name=p.real_name, login_name=p.login_name, employee_no=p.employee_no,
            institute_id=p.institute_id, institute=p.institute.name if p.institute_id else "",
            department_id=p.department_id, department=p.department.name if p.department_id else "",
            post_type=p.post_type, post_type_label=str(labels.get(p.post_type, "")),
            # An administrator-only account (accounts.queries.owing_hours) owes no hours.
            hire_date=p.hire_date, hours_required=p.hours_required and not p.admin_only,
            new_hire=p.hire_date is not None and p.hire_date.year == year,
            total=t.get("total", 0), effective=t.get("effective", 0),
            classes=t.get("classes", {}),
            target=unit_rules.target if unit_rules else 0))
    return rows, rules


def _class_columns(rules: dict[int, YearRules]) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for unit_rules in rules.values():
        for c in unit_rules.classes:
            seen.setdefault(c.code, c.name)
    return list(seen.items())


def staff_overview(role, year: int, *, department: Org | None = None, post_type: str = "",
                   met: bool | None = None, new_hires: bool | None = None, q: str = "",
                   order: str = "name", band: tuple | None = None) -> Overview:
    """职工学习总体情况统计: every in-service person of the role's scope, with total,
    effective and per-class minutes, target met or not and the minutes still missing.
    Filters only narrow the scope (a department outside it matches nobody); `met`
    and `new_hires` are applied after the figures. The completion figures are those
    of the rows shown."""
    people = active_staff(role)
    if department is not None and not isinstance(department, Org):
        people = people.none()  # a department outside the scope matches nobody
    elif department is not None:
        people = people.filter(department__path__startswith=department.path)
    if post_type:
        people = people.filter(post_type=post_type)
    if q:
        q = q.strip()
        people = people.filter(Q(real_name__icontains=q) | Q(login_name__icontains=q)
                               | Q(employee_no__iexact=q))
    rows, rules = staff_rows(people, year)
    if new_hires is not None:
        rows = [r for r in rows if r.new_hire == new_hires]
    if met is not None:
        rows = [r for r in rows if r.met == met]
    if band is not None:  # the dashboard's spread links here: counted people in one band
        rows = [r for r in rows if r.counted and in_band(r.effective, band)]
    key = order.lstrip("-")
    rows.sort(key=ORDERINGS.get(key, ORDERINGS["name"]), reverse=order.startswith("-"))
    completion = Completion()
    for r in rows:
        completion.add(r)
    return Overview(year=year, rows=rows, classes=_class_columns(rules), completion=completion,
                    rules=rules)


# --- per institute -----------------------------------------------------------------------


def completion_by_institute(role, year: int) -> dict[int, Completion]:
    """{institute id: Completion} over the role's scope; the academy's figure is the sum.
    No per-class rows are needed: one row a person comes back."""
    rows, _rules = staff_rows(active_staff(role), year, with_classes=False)
    out: dict[int, Completion] = {}
    for r in rows:
        out.setdefault(r.institute_id, Completion()).add(r)
    return out


# --- backbone talent (骨干人才) ------------------------------------------------------------


def training_classes(rules: YearRules) -> set[str]:
    """The classes whose claims and admin credits are trainings: the classes without a
    yearly cap (线下学时 offline under both shipped rule sets). Capped classes are course
    time, other-site online learning and self-study, which never make a backbone record."""
    return {c.code for c in rules.classes if c.cap is None}


def largest_training(people_ids, year: int, classes: set[str]) -> dict[int, int]:
    """{person id: minutes of their largest single training record} for postings that
    touch `year`. A record is one posting (every entry of one source for one person,
    however many months or years it spans, reversals netted): a training project with
    all its hours, or a claim or admin credit in a training class. One grouped query."""
    trainings = Q(source_kind=SourceKind.PROJECT) | Q(
        source_kind__in=[SourceKind.CLAIM, SourceKind.ADMIN], cap_class__in=sorted(classes))
    postings = (LedgerEntry.objects.filter(person_id__in=people_ids).filter(trainings)
                .values("person_id", "source_kind", "source_id")
                .annotate(minutes=Sum("minutes"), first=Min("year"), last=Max("year"))
                .filter(first__lte=year, last__gte=year)
                .values_list("person_id", "minutes").order_by())
    out: dict[int, int] = {}
    for pid, minutes in postings:
        if minutes > out.get(pid, 0):
            out[pid] = minutes
    return out


@dataclass
class Candidate:
    row: StaffRow
    largest: int  # minutes of the largest single training record
    basis_minutes: int  # the hours the policy compares with the target
    qualifies: bool


def backbone_candidates(people, year: int, rules: YearRules) -> list[Candidate]:
    """Everyone of `people` with the backbone test: the basis hours (total or effective,
    `backbone_basis`) reach the target, and one training record is *more than*
    `backbone_single_min` (exactly 40 h is not enough)."""
    rows, _unit_rules = staff_rows(people, year)
    largest = largest_training(people.values("pk"), year, training_classes(rules))
    out = []
    for r in rows:
        basis = r.total if rules.backbone_basis == BackboneBasis.TOTAL else r.effective
        big = largest.get(r.person_id, 0)
        out.append(Candidate(row=r, largest=big, basis_minutes=basis,
                             qualifies=basis >= rules.target and big > rules.backbone_single_min))
    return out


@dataclass
class BackboneFigures:
    """Required number and rate of one institute (or the sum of several)."""

    staff: int
    ratio_permille: int
    reported: int

    @property
    def required_exact(self) -> Decimal:
        """staff × ratio, unrounded (130 × 4% = 5.2)."""
        return Decimal(self.staff * self.ratio_permille) / 1000

    @property
    def required(self) -> int:
        """People to report, rounded up (5.2 → 6)."""
        return -(-self.staff * self.ratio_permille // 1000)

    @property
    def rate(self) -> Decimal | None:
        """reported / (staff × ratio) — the unrounded figure: 3 / 5.2 = 57.69%."""
        return percent(self.reported, self.required_exact)


@dataclass
class AcademyBackbone:
    """The sum over institutes: staff and reported add up; the required number is the
    sum of the institutes' own (each rounded up), the rate divides by the sum of their
    unrounded figures."""

    parts: list[BackboneFigures]

    @property
    def staff(self) -> int:
        return sum(p.staff for p in self.parts)

    @property
    def reported(self) -> int:
        return sum(p.reported for p in self.parts)

    @property
    def required(self) -> int:
        return sum(p.required for p in self.parts)

    @property
    def required_exact(self) -> Decimal:
        return sum((p.required_exact for p in self.parts), Decimal(0))

    @property
    def rate(self) -> Decimal | None:
        return percent(self.reported, self.required_exact)


def window_for(institute: Org, year: int) -> BackboneWindow | None:
    """The reporting window the institute's academy opened for the year."""
    return BackboneWindow.objects.filter(org_id=institute.root_id or institute.pk, year=year).first()


def report_figures(report: BackboneReport | None, institute: Org, year: int) -> BackboneFigures:
    """The report's figures: those stored at the lock, else the live ones."""
    if report is not None and report.locked and report.figures:
        f = report.figures
        return BackboneFigures(staff=f["staff"], ratio_permille=f["ratio_permille"], reported=f["reported"])
    rules = policy_for(institute, year)
    reported = report.nominations.count() if report is not None else 0
    return BackboneFigures(staff=active_staff_of(institute).count(),
                           ratio_permille=rules.backbone_ratio_permille, reported=reported)


def backbone_by_institute(institutes, year: int) -> list[tuple[Org, BackboneReport | None, BackboneFigures]]:
    """Each institute's report and figures (locked ones as stored): five queries for any
    number of institutes."""
    from django.db.models import Count

    institutes = list(institutes)
    reports = {r.institute_id: r for r in BackboneReport.objects.filter(
        institute__in=institutes, year=year).annotate(n=Count("nominations"))}
    staff = dict(User.objects.filter(institute__in=institutes, is_active=True, admin_only=False)
                 .values("institute_id")
                 .annotate(n=Count("pk")).values_list("institute_id", "n").order_by())
    rules = policies_for_units(institutes, year)
    out = []
    for unit in institutes:
        report = reports.get(unit.pk)
        if report is not None and report.locked and report.figures:
            f = report.figures
            figures = BackboneFigures(f["staff"], f["ratio_permille"], f["reported"])
        else:
            figures = BackboneFigures(staff.get(unit.pk, 0), rules[unit.pk].backbone_ratio_permille,
                                      report.n if report is not None else 0)
        out.append((unit, report, figures))
    return out


@dataclass
class BackboneView:
    """What 骨干人才筛选上报表 shows for one institute and year."""

    institute: Org
    year: int
    rules: YearRules
    window: BackboneWindow | None
    report: BackboneReport | None
    figures: BackboneFigures
    rows: list  # [(Candidate, reported: bool)] candidates and reported people
    reported: dict  # person id → BackboneNomination

    @property
    def locked(self) -> bool:
        return self.report is not None and self.report.locked

    def window_open(self, day) -> bool:
        return self.window is not None and self.window.is_open(day) and not self.locked


def backbone_view(institute: Org, year: int) -> BackboneView:
    """Candidates (qualifying now) and reported people (whether or not they still
    qualify), with the figures: a fixed number of queries for any institute size."""
    rules = policy_for(institute, year)
    report = BackboneReport.objects.filter(institute=institute, year=year).first()
    nominations = ({n.person_id: n for n in BackboneNomination.objects.filter(report=report)}
                   if report is not None else {})
    rows = [(c, c.row.person_id in nominations)
            for c in backbone_candidates(active_staff_of(institute), year, rules)
            if c.qualifies or c.row.person_id in nominations]
    rows.sort(key=lambda pair: (not pair[1], -pair[0].basis_minutes, pair[0].row.person_id))
    figures = report_figures(report, institute, year)
    return BackboneView(institute=institute, year=year, rules=rules, window=window_for(institute, year),
                        report=report, figures=figures, rows=rows, reported=nominations)


def reported_trainings(report: BackboneReport, classes: set[str]) -> list:
    """导出骨干人才培训表: every training record of the reported people that touches the
    year, one row per posting: (person, source kind, label, details, minutes). One
    query for the people, one for their postings."""
    nominations = list(BackboneNomination.objects.filter(report=report).select_related(
        "person", "person__department").order_by("person__real_name", "person_id"))
    ids = [n.person_id for n in nominations]
    trainings = Q(source_kind=SourceKind.PROJECT) | Q(
        source_kind__in=[SourceKind.CLAIM, SourceKind.ADMIN], cap_class__in=sorted(classes))
    postings = list(LedgerEntry.objects.filter(person_id__in=ids).filter(trainings)
                    .values("person_id", "source_kind", "source_id")
                    .annotate(minutes=Sum("minutes"), first=Min("year"), last=Max("year"),
                              label=Max("source_label"), first_id=Min("id"))
                    .filter(first__lte=report.year, last__gte=report.year)
                    .order_by("person_id", "first_id"))
    details = dict(LedgerEntry.objects.filter(pk__in=[p["first_id"] for p in postings])
                   .values_list("pk", "details"))
    by_person: dict[int, list] = {}
    for p in postings:
        if p["minutes"] > 0:
            by_person.setdefault(p["person_id"], []).append({**p, "details": details.get(p["first_id"]) or {}})
    return [(n, by_person.get(n.person_id, [])) for n in nominations]


# --- the annual summary ------------------------------------------------------------------


def plan_implementation_rate(institute: Org, year: int) -> Decimal | None:
    """年度计划执行率: implemented / published non-revoked project plans. Training plans
    have not landed yet, so the figure is not available (None, shown as such), never 0%."""
    return None


def planned_attendees(institute: Org, year: int) -> int | None:
    """单位培训总人次's starting value: the projects' planned attendees. None until
    training projects land (the admin enters the figure)."""
    return None


def summary_figures(institute: Org, year: int, backbone: BackboneFigures) -> dict:
    """The computed fields of 年度培训总结, each as its definition on the page says."""
    rows, _rules = staff_rows(active_staff_of(institute), year, with_classes=False)
    completion = Completion()
    for r in rows:
        completion.add(r)
    return {"plan_rate": plan_implementation_rate(institute, year),
            "staff_met": completion.met, "staff_required": completion.required,
            "completion_rate": completion.rate, "staff_total": completion.staff,
            "backbone_rate": backbone.rate,
            "total_minutes": completion.total_minutes, "average_minutes": completion.average_minutes}


# --- dashboards -------------------------------------------------------------------------

BANDS = ((0, 20), (20, 40), (40, 60), (60, 80), (80, 100), (100, None))  # effective hours


def band_label(band) -> str:
    low, high = band
    return f"{low}–{high}" if high is not None else f"≥{low}"


def in_band(minutes: int, band) -> bool:
    low, high = band
    return minutes >= low * 60 and (high is None or minutes < high * 60)


@dataclass
class Forecast:
    """A simple, explained forecast: the effective hours so far, extended at the same
    pace over the days left of the year (effective × days in year / days elapsed)."""

    row: StaffRow
    days_elapsed: int
    days_in_year: int

    @property
    def minutes(self) -> int:
        if self.days_elapsed <= 0:
            return self.row.effective
        return self.row.effective * self.days_in_year // self.days_elapsed

    @property
    def at_risk(self) -> bool:
        return self.row.counted and not self.row.met and self.minutes < self.row.target


def year_days(year: int, today: date) -> tuple[int, int]:
    """(days elapsed of the year, days in the year), elapsed counted up to today."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    total = (last - first).days + 1
    if today < first:
        return 0, total
    return min((today - first).days + 1, total), total


@dataclass
class Dashboard:
    year: int
    completion: Completion
    by_department: list  # [(department id, name, Completion)]
    bands: list  # [(band, label, count)] over the counted people
    months: list  # [(month, cumulative average minutes per person, pace minutes)]
    at_risk: list  # [Forecast]
    days_elapsed: int
    days_in_year: int


def dashboard(role, year: int, today: date, *, institute: Org | None = None) -> Dashboard:
    """The institute's figures (or the scope's): completion per department, the spread
    of effective hours, the year's progress against the pace needed, the at-risk list.
    Queries: the staff rows plus one grouped query over the monthly totals."""
    from ledger.models import LedgerTotal

    people = active_staff(role)
    if institute is not None:
        people = people.filter(institute=institute)
    rows, rules = staff_rows(people, year)
    completion, depts = Completion(), {}
    for r in rows:
        completion.add(r)
        depts.setdefault((r.department_id, r.department), Completion()).add(r)
    counted = [r for r in rows if r.counted]
    bands = [(b, band_label(b), sum(1 for r in counted if in_band(r.effective, b))) for b in BANDS]
    monthly = dict(LedgerTotal.objects.filter(person__in=people.values("pk"), year=year)
                   .values("month").annotate(m=Sum("minutes")).values_list("month", "m").order_by())
    target = max((r.target for r in rows), default=0)
    running, months = 0, []
    for month in range(1, 13):
        running += monthly.get(month, 0)
        months.append((month, running // len(rows) if rows else 0, target * month // 12))
    elapsed, total = year_days(year, today)
    forecasts = [Forecast(r, elapsed, total) for r in counted]
    at_risk = sorted((f for f in forecasts if f.at_risk), key=lambda f: (f.minutes, f.row.person_id))
    by_department = sorted(((pk, name, c) for (pk, name), c in depts.items()), key=lambda d: d[1])
    return Dashboard(year=year, completion=completion, by_department=by_department, bands=bands,
                     months=months, at_risk=at_risk, days_elapsed=elapsed, days_in_year=total)


# --- 培训班统计表 (the training-class execution table, seed 002) ---------------------------

@dataclass
class ClassRow:
    """One training project of the year as the execution table shows it. An unimplemented
    project (未实施) is marked and counts 0 attendees and 0 staff (seed 002)."""

    project_id: int
    institute: str
    name: str
    premium: bool
    audience: str
    content: str
    objective: str
    start: object
    end: object
    place: str
    attendees: int
    staff: int
    spent: object
    effectiveness: str
    contact: str
    phone: str
    implemented: bool


def class_execution(role, year: int) -> list[ClassRow]:
    """The year's training projects (not the cancelled ones) of the role's scope, by start,
    in one query: confirmed attendees are counted in the database."""
    if role is None or role.org.kind == OrgKind.DEPARTMENT:
        return []
    projects = (Project.objects.filter(org__path__startswith=role.org.path, year=year)
                .exclude(status=ProjectStatus.CANCELLED)
                .annotate(confirmed=Count("attendees", filter=Q(attendees__confirmed=True)))
                .select_related("institute").order_by("start", "pk"))
    rows = []
    for p in projects:
        implemented = p.status != ProjectStatus.PLANNED
        rows.append(ClassRow(
            project_id=p.pk, institute=p.institute.name, name=p.name,
            premium=p.funding == Funding.PREMIUM, audience=p.audience, content=p.content,
            objective=p.objective, start=p.start, end=p.end, place=p.place,
            attendees=p.confirmed if implemented else 0, staff=p.staff_count if implemented else 0,
            spent=p.spent, effectiveness=p.effectiveness, contact=p.contact, phone=p.phone,
            implemented=implemented))
    return rows
