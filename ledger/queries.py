"""Reads of the ledger: the yearly policy, progress, the archive (我的档案) and
academy-wide totals. Figures come from LedgerTotal where possible (O(people) rows) and
from the entries where a drill-down needs them."""

from collections import defaultdict
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Case, F, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Least

from ledger.models import (
    CapClass,
    Category,
    LedgerEntry,
    LedgerTotal,
    LedgerYearTotal,
    Policy,
    SourceKind,
)
from ledger.rulesets import CAS


@dataclass(frozen=True)
class ClassRule:
    code: str
    name: str
    cap: int | None
    cap_set: bool = True  # False: not set yet (counts as no cap)


@dataclass(frozen=True)
class CategoryRule:
    code: str
    name: str
    cap_class: str
    kind: str


def capped(minutes: int, cap: int | None) -> int:
    """The minutes of one class that count towards the target: all of them up to the
    class's yearly cap (None: no cap). The one rule of effective hours (SPEC §2);
    `totals_by_person` states the same rule in SQL, and a test holds the two together."""
    return minutes if cap is None or minutes < cap else cap


@dataclass(frozen=True)
class YearRules:
    """The rules of one organisation and year. Frozen: one request shares one instance
    between its page, banner, API and services (see `policy_memo`)."""

    year: int
    target: int
    classes: tuple[ClassRule, ...]
    categories: tuple[CategoryRule, ...]
    backbone_single_min: int
    backbone_ratio_permille: int
    backbone_basis: str
    chapter_threshold_percent: int
    heartbeat_seconds: int
    # False while the policy leaves the target (or the backbone thresholds) unset: the
    # CAST rule set ships none. `target` and the thresholds then read 0.
    target_set: bool = True
    backbone_set: bool = True
    # The learner chooses the year a claim's hours count in (CAST); otherwise a claim's
    # hours are spread over the months it spans.
    claim_year_chosen: bool = False
    # How hours read on pages ("hm": 16小时10分; "decimal": 2.5学时) and whose menu names
    # the learner's pages use ("cas" or "cast").
    hours_display: str = "hm"
    terms: str = "cas"
    locked: bool = False
    # The year's own Policy row; None when the rules were taken from another year.
    policy: Policy | None = None
    # The year whose policy these rules are (== year for the year's own policy); None for
    # the shipped defaults of an organisation that has no policy at all.
    source_year: int | None = None

    @cached_property
    def caps(self) -> dict[str, int | None]:
        return {c.code: c.cap for c in self.classes}

    @cached_property
    def class_codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.classes)

    def cap(self, code: str) -> int | None:
        return self.caps.get(code)

    def class_name(self, code: str) -> str:
        return next((c.name for c in self.classes if c.code == code), code)

    def category_name(self, code: str) -> str:
        return next((c.name for c in self.categories if c.code == code), code)

    def subjects(self, cap_class: str | None = None) -> list[CategoryRule]:
        """The 培训科目 (subjects) of the rules, of one class when given, in policy order."""
        return [c for c in self.categories if c.kind == "subject"
                and (cap_class is None or c.cap_class == cap_class)]

    def category(self, code: str) -> CategoryRule | None:
        return next((c for c in self.categories if c.code == code), None)

    def effective(self, per_class: dict[str, int]) -> int:
        """Effective minutes of one year: `capped` summed over the classes."""
        caps = self.caps
        return sum(capped(minutes, caps.get(code)) for code, minutes in per_class.items())


def _rules(policy: Policy, year: int, classes, categories) -> YearRules:
    code_of = {c.pk: c.code for c in classes}
    return YearRules(
        year=year, target=policy.annual_target_minutes or 0,
        target_set=policy.annual_target_minutes is not None,
        backbone_set=None not in (policy.backbone_single_min_minutes, policy.backbone_ratio_permille),
        classes=tuple(ClassRule(c.code, c.name, c.cap_minutes if c.cap_set else None, c.cap_set)
                      for c in classes),
        categories=tuple(CategoryRule(c.code, c.name, code_of[c.cap_class_id], c.kind)
                         for c in categories),
        backbone_single_min=policy.backbone_single_min_minutes or 0,
        backbone_ratio_permille=policy.backbone_ratio_permille or 0,
        backbone_basis=policy.backbone_basis,
        chapter_threshold_percent=policy.chapter_threshold_percent,
        heartbeat_seconds=policy.heartbeat_seconds, claim_year_chosen=policy.claim_year_chosen,
        hours_display=policy.hours_display, terms=policy.terms,
        locked=policy.year == year and policy.locked_at is not None,
        policy=policy if policy.year == year else None, source_year=policy.year)


def _default(year: int) -> YearRules:
    """The shipped CAS rules, for an organisation none of whose units has any policy."""
    return YearRules(
        year=year, target=CAS["annual_target_minutes"],
        classes=tuple(ClassRule(code, name, cap) for code, name, cap in CAS["classes"]),
        categories=tuple(CategoryRule(code, name, cls, kind)
                         for code, name, cls, kind in CAS["categories"]),
        backbone_single_min=CAS["backbone_single_min_minutes"],
        backbone_ratio_permille=CAS["backbone_ratio_permille"], backbone_basis=CAS["backbone_basis"],
        chapter_threshold_percent=CAS["chapter_threshold_percent"],
        heartbeat_seconds=CAS["heartbeat_seconds"], claim_year_chosen=CAS["claim_year_chosen"],
        hours_display=CAS["hours_display"], terms=CAS["terms"])


def _chain(org) -> list[int]:
    """The ids of org and its ancestors, nearest first ("/1/4/17/" → [17, 4, 1])."""
    if org.path:
        return [int(part) for part in reversed(org.path.strip("/").split("/"))]
    return [pk for pk in (org.pk, org.root_id) if pk]


def _choose(policies: list[Policy], year: int) -> Policy:
    """The year's own policy; else the latest earlier one (last year's rules carry on);
    else the earliest later one (the organisation's own rule set)."""
    by_year = {p.year: p for p in policies}
    if year in by_year:
        return by_year[year]
    earlier = [y for y in by_year if y < year]
    return by_year[max(earlier) if earlier else min(by_year)]


def _load(org, years: list[int]) -> dict[int, YearRules]:
    if org is None:
        return {y: _default(y) for y in years}
    chain = _chain(org)
    rows = list(Policy.objects.filter(org_id__in=chain))
    # The rules belong to the nearest unit that has any: the organisation itself or its
    # nearest ancestor, never another organisation.
    owner = next((pk for pk in chain if any(p.org_id == pk for p in rows)), None)
    if owner is None:
        return {y: _default(y) for y in years}
    own = [p for p in rows if p.org_id == owner]
    chosen = {y: _choose(own, y) for y in years}
    ids = {p.pk for p in chosen.values()}
    classes, categories = defaultdict(list), defaultdict(list)
    for c in CapClass.objects.filter(policy_id__in=ids).order_by("sort_order", "code"):
        classes[c.policy_id].append(c)
    for c in Category.objects.filter(policy_id__in=ids).order_by("sort_order", "code"):
        categories[c.policy_id].append(c)
    return {y: _rules(p, y, classes[p.pk], categories[p.pk]) for y, p in chosen.items()}


# The rules loaded in this request, by (organisation id, year). Set for the length of one
# request by ledger.middleware.PolicyMemoMiddleware (and by `policy_memo()` wherever else
# one unit of work wants it); outside it every call reads the database, so a management
# command or a test never sees rules older than the last policy edit.
_memo: ContextVar[dict | None] = ContextVar("ledger_policy_memo", default=None)


@contextmanager
def policy_memo():
    """Remember the rules read inside the block (one request); forget them after."""
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def forget_policies() -> None:
    """Drop what this request remembered (called by every policy write)."""
    memo = _memo.get()
    if memo is not None:
        memo.clear()


def policies_for(org, years) -> dict[int, YearRules]:
    """The rules that apply to `org` in each year: the year's own policy of the nearest
    unit (org or an ancestor) that has policies, else that unit's latest earlier year,
    else its earliest later year; the shipped CAS rules only when no unit above org has
    any policy. Three queries for any number of years, none when this request has
    already read them."""
    years = sorted(set(years))
    memo = _memo.get()
    key = org.pk if org is not None else None
    if memo is None:
        return _load(org, years)
    missing = [y for y in years if (key, y) not in memo]
    if missing:
        for y, rules in _load(org, missing).items():
            memo[(key, y)] = rules
    return {y: memo[(key, y)] for y in years}


def policy_for(org, year: int) -> YearRules:
    return policies_for(org, [year])[year]


def policies_for_units(units, year: int) -> dict[int, YearRules]:
    """The rules of one year for many units at once ({unit id: YearRules}), resolved as
    `policies_for` does: three queries for any number of units, fewer when this request
    has already read some."""
    memo = _memo.get()
    out, todo = {}, []
    for unit in units:
        if memo is not None and (unit.pk, year) in memo:
            out[unit.pk] = memo[(unit.pk, year)]
        else:
            todo.append(unit)
    if not todo:
        return out
    chains = {unit.pk: _chain(unit) for unit in todo}
    by_org: dict[int, list[Policy]] = defaultdict(list)
    for p in Policy.objects.filter(org_id__in={pk for chain in chains.values() for pk in chain}):
        by_org[p.org_id].append(p)
    chosen = {}
    for unit in todo:
        owner = next((pk for pk in chains[unit.pk] if by_org.get(pk)), None)
        chosen[unit.pk] = _choose(by_org[owner], year) if owner is not None else None
    ids = {p.pk for p in chosen.values() if p is not None}
    classes, categories = defaultdict(list), defaultdict(list)
    if ids:
        for c in CapClass.objects.filter(policy_id__in=ids).order_by("sort_order", "code"):
            classes[c.policy_id].append(c)
        for c in Category.objects.filter(policy_id__in=ids).order_by("sort_order", "code"):
            categories[c.policy_id].append(c)
    for unit in todo:
        p = chosen[unit.pk]
        rules = _rules(p, year, classes[p.pk], categories[p.pk]) if p is not None else _default(year)
        out[unit.pk] = rules
        if memo is not None:
            memo[(unit.pk, year)] = rules
    return out


# --- progress -----------------------------------------------------------------------------

@dataclass
class Progress:
    year: int
    total_minutes: int
    effective_minutes: int
    target_minutes: int
    target_set: bool = True

    @property
    def remaining_minutes(self) -> int:
        return max(self.target_minutes - self.effective_minutes, 0)

    @property
    def met(self) -> bool:
        return self.effective_minutes >= self.target_minutes


def year_progress(person, year: int) -> Progress:
    rules = policy_for(person.institute, year)
    per_class = dict(LedgerYearTotal.objects.filter(person=person, year=year)
                     .values_list("cap_class", "minutes"))
    return Progress(year=year, total_minutes=sum(per_class.values()),
                    effective_minutes=rules.effective(per_class), target_minutes=rules.target,
                    target_set=rules.target_set)


# --- archive ------------------------------------------------------------------------------

Month = tuple[int, int]


def _month_q(start: Month, end: Month) -> Q:
    (y1, m1), (y2, m2) = start, end
    if y1 == y2:
        return Q(year=y1, month__gte=m1, month__lte=m2)
    return (Q(year=y1, month__gte=m1) | Q(year__gt=y1, year__lt=y2) | Q(year=y2, month__lte=m2))


@dataclass
class ClassFigure:
    code: str
    name: str
    cap: int | None
    minutes: int = 0
    effective: int = 0

    @property
    def capped(self) -> bool:
        return self.effective < self.minutes

    @property
    def cut_minutes(self) -> int:
        return self.minutes - self.effective


@dataclass
class SourceRow:
    """One source (a project, a claim, a course, an admin credit) within the range."""

    source_kind: str
    source_id: str
    label: str
    category: str
    category_name: str
    details: dict
    minutes: int = 0
    by_class: dict = field(default_factory=dict)
    first: Month | None = None
    last: Month | None = None
    entry_id: int | None = None  # one entry of the posting: where 冲销 starts


@dataclass
class Archive:
    start: Month
    end: Month
    total: int
    effective: int
    classes: list[ClassFigure]
    years: dict[int, dict]  # year → {"classes": [ClassFigure], "total", "effective"}
    sources: list[SourceRow]
    projects_by_category: dict[str, int]
    by_month: dict = field(default_factory=dict)  # (year, month) → {class: minutes}
    # Hours per subject / training category (CAST's archive shows them), before caps.
    by_category: dict = field(default_factory=dict)  # category name → minutes
    exams_taken: int = 0
    exams_passed: int = 0
    # The sources grouped once by kind, and by (kind, class): rows() reads these.
    groups: dict = field(default_factory=dict, repr=False)

    def rows(self, kind: str, cap_class: str | None = None) -> list[SourceRow]:
        if not self.groups and self.sources:
            self.groups = group_sources(self.sources)
        return list(self.groups.get(kind if cap_class is None else (kind, cap_class), ()))

    def count(self, kind: str, cap_class: str | None = None) -> int:
        return len(self.rows(kind, cap_class))

    def minutes(self, kind: str, cap_class: str | None = None) -> int:
        return sum(s.by_class.get(cap_class, 0) if cap_class else s.minutes
                   for s in self.rows(kind, cap_class))

    @property
    def pass_rate(self) -> float:
        return 100.0 * self.exams_passed / self.exams_taken if self.exams_taken else 0.0


def archive_for(person, start: Month, end: Month) -> Archive:
    """我的档案 for the months start..end (inclusive). Caps apply per calendar year to the
    minutes of that year inside the range: a range over two years caps each year on its
    own, and a range of part of a year caps what falls in that part."""
    years = list(range(start[0], end[0] + 1))
    rules = policies_for(person.institute, years)
    # Plain tuples, not model instances: a person's year can hold hundreds of entries.
    entries = (LedgerEntry.objects.filter(person=person).filter(_month_q(start, end))
               .order_by("year", "month", "id")
               .values_list("pk", "year", "month", "cap_class", "category", "minutes",
                            "source_kind", "source_id", "source_label", "details"))
    per_year_class: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    sources: dict[tuple[str, str], SourceRow] = {}
    by_month: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for pk, year, month, cap_class, category, minutes, kind, source_id, label, details in entries:
        per_year_class[year][cap_class] += minutes
        ym = (year, month)
        by_month[ym][cap_class] += minutes
        key = (kind, source_id)
        row = sources.get(key)
        if row is None:
            row = sources[key] = SourceRow(kind, source_id, label, category,
                                           rules[year].category_name(category) if category else "",
                                           details or {}, entry_id=pk, first=ym)
        row.minutes += minutes
        row.by_class[cap_class] = row.by_class.get(cap_class, 0) + minutes
        # Entries come in month order: the first month is the row's first, the last its last.
        row.last = ym
    # Fully reversed sources have left the archive; the rest are grouped in this one pass.
    live = []
    projects_by_category: dict[str, int] = defaultdict(int)
    by_category: dict[str, int] = defaultdict(int)
    for s in sources.values():
        if s.minutes == 0:
            continue
        s.by_class = {k: v for k, v in s.by_class.items() if v}
        live.append(s)
        if s.source_kind == SourceKind.PROJECT:
            projects_by_category[s.category_name or s.category] += 1
        if s.category:
            by_category[s.category_name or s.category] += s.minutes

    order = []
    for y in years:
        for c in rules[y].classes:
            if c.code not in order:
                order.append(c.code)
    for per_class in per_year_class.values():
        for code in per_class:
            if code not in order:
                order.append(code)
    figures = {code: ClassFigure(code, next((r.class_name(code) for r in rules.values()
                                             if any(c.code == code for c in r.classes)), code),
                                 rules[years[-1]].cap(code)) for code in order}
    year_figures = {}
    for y in years:
        per_class = per_year_class.get(y, {})
        ys = []
        for code in order:
            minutes = per_class.get(code, 0)
            cap = rules[y].cap(code)
            effective = capped(minutes, cap)
            figures[code].minutes += minutes
            figures[code].effective += effective
            ys.append(ClassFigure(code, figures[code].name, cap, minutes, effective))
        year_figures[y] = {"classes": ys, "total": sum(per_class.values()),
                           "effective": sum(f.effective for f in ys)}
    classes = [figures[c] for c in order]
    return Archive(start=start, end=end, total=sum(f.minutes for f in classes),
                   effective=sum(f.effective for f in classes), classes=classes,
                   years=year_figures, sources=live,
                   projects_by_category=dict(projects_by_category),
                   by_category={k: v for k, v in by_category.items() if v},
                   by_month={k: dict(v) for k, v in sorted(by_month.items())},
                   groups=group_sources(live))


def group_sources(sources) -> dict:
    """Sources by kind and by (kind, class), in their order, in one pass."""
    groups: dict = defaultdict(list)
    for s in sources:
        groups[s.source_kind].append(s)
        for code in s.by_class:
            groups[(s.source_kind, code)].append(s)
    return dict(groups)


def entries_for(person, start: Month, end: Month, *, cap_class: str | None = None,
                category: str | None = None, source_kind: str | None = None,
                source_id: str | None = None):
    """The ledger entries behind a figure (drill-down), reversals included."""
    entries = LedgerEntry.objects.filter(person=person).filter(_month_q(start, end))
    if cap_class:
        entries = entries.filter(cap_class=cap_class)
    if category:
        entries = entries.filter(category=category)
    if source_kind:
        entries = entries.filter(source_kind=source_kind)
    if source_id:
        entries = entries.filter(source_id=source_id)
    return entries.select_related("credited_by", "reverses").order_by("year", "month", "id")


# --- academy-wide -------------------------------------------------------------------------

def _effective_expression(rules_by_unit: dict[int, YearRules]):
    """`capped` as a database expression over LedgerYearTotal rows: LEAST(minutes, cap) for
    a capped class of the person's institute's rules, the minutes otherwise. Institutes on
    the same caps share their WHEN clauses, so an academy costs a clause per capped class."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for unit_id, rules in rules_by_unit.items():
        groups[tuple(sorted((c.code, c.cap) for c in rules.classes if c.cap is not None))].append(unit_id)
    whens = [When(Q(person__institute_id__in=sorted(units), cap_class=code),
                  then=Least(F("minutes"), Value(cap)))
             for caps, units in groups.items() for code, cap in caps]
    return Case(*whens, default=F("minutes"), output_field=IntegerField()) if whens else F("minutes")


def totals_by_person(people, year: int, months: tuple[int, int] | None = None, *,
                     with_classes: bool = False) -> dict[int, dict]:
    """{person_id: {"total", "effective"}} for the year (or the months first..last of it),
    with "classes": {code: minutes} only when asked for. Reads the running totals, never
    the entries. For a whole year the database sums total and effective minutes per
    person over LedgerYearTotal, the caps of each person's institute (its year's rules,
    resolved like `policy_for`) joined in as a CASE: one row a person comes back. Part
    of a year caps the sum of its months, so those rows come back per class and
    `YearRules.effective` applies (test_totals_sql_matches_the_python_rule holds the two
    together)."""
    from accounts.models import User
    from orgs.models import Org

    people_qs = User.objects.filter(pk__in=people)
    institutes = list(Org.objects.filter(pk__in=people_qs.values("institute_id"))
                      .only("pk", "path", "root_id"))
    rules = policies_for_units(institutes, year)
    out: dict[int, dict] = {}
    if months:
        rows = (LedgerTotal.objects.filter(year=year, person__in=people_qs, month__gte=months[0],
                                           month__lte=months[1])
                .values("person_id", "cap_class").annotate(m=Sum("minutes"))
                .values_list("person_id", "person__institute_id", "cap_class", "m"))
        per_person: dict[int, tuple[int, dict]] = {}
        for pid, unit_id, code, minutes in rows:
            per_person.setdefault(pid, (unit_id, {}))[1][code] = minutes
        for pid, (unit_id, per_class) in per_person.items():
            unit_rules = rules.get(unit_id) or _default(year)
            out[pid] = {"total": sum(per_class.values()), "effective": unit_rules.effective(per_class)}
            if with_classes:
                out[pid]["classes"] = per_class
        return out
    totals = LedgerYearTotal.objects.filter(year=year, person__in=people_qs)
    for pid, total, effective in (totals.values("person_id")
                                  .annotate(total=Sum("minutes"),
                                            effective=Sum(_effective_expression(rules)))
                                  .values_list("person_id", "total", "effective").order_by()):
        out[pid] = {"total": total, "effective": effective}
    if with_classes and out:
        for pid, code, minutes in totals.values_list("person_id", "cap_class", "minutes"):
            out[pid].setdefault("classes", {})[code] = minutes
    return out
