"""我的档案 (archive), its print view and drill-downs; admins' view of a person's
archive with 补录 and 冲销; the academy's yearly rules."""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import admin_required
from core.errors import DomainError
from core.minutes import format_minutes
from ledger.access import (
    get_person_for,
    get_policy_for,
    get_posting_of_entry,
)
from ledger.forms import (
    CapClassForm,
    CategoryForm,
    CreditForm,
    MonthRangeForm,
    PolicyForm,
    ReverseForm,
)
from ledger.models import SourceKind
from ledger.queries import archive_for, entries_for, policy_for
from ledger.services import (
    cap_class_upsert,
    category_upsert,
    ledger_admin_credit,
    ledger_admin_reverse_posting,
    policy_seed,
    policy_update,
)

# PolicyForm field → Policy field, where the form shows hours of a minutes field.
_POLICY_FIELD = {"annual_target_hours": "annual_target_minutes",
                 "backbone_single_min_hours": "backbone_single_min_minutes"}


def _unset(policy) -> list[str]:
    """The names of the policy's numbers that are not set yet (CAST rule set)."""
    if policy is None:
        return []
    names = [label for field, label in (
        ("annual_target_minutes", _("yearly target")),
        ("backbone_single_min_minutes", _("backbone: one training of more than")),
        ("backbone_ratio_permille", _("backbone ratio"))) if getattr(policy, field) is None]
    return names + [_("cap of %(name)s") % {"name": c.name} for c in policy.classes.all() if not c.cap_set]


def _hours_or_none(minutes):
    return None if minutes is None else minutes // 60


def _minutes_or_none(hours):
    return None if hours is None else hours * 60


def _range(request):
    form = MonthRangeForm(request.GET or None)
    if request.GET and form.is_valid():
        return form, form.cleaned_data["range"]
    if not request.GET or not any(request.GET.get(k) for k in ("start", "end")):
        form = MonthRangeForm(initial=_initial(*MonthRangeForm.default_range()))
        return form, MonthRangeForm.default_range()
    return form, None


def _initial(start, end):
    return {"start": f"{start[0]}-{start[1]:02d}", "end": f"{end[0]}-{end[1]:02d}"}


def _chart_data(archive):
    labels = [f"{y}-{m:02d}" for (y, m) in archive.by_month]
    return {
        "months": labels,
        "series": [{"name": c.name, "data": [round(archive.by_month[k].get(c.code, 0) / 60, 2)
                                              for k in archive.by_month]}
                   for c in archive.classes],
        "effective": [{"name": c.name, "value": round(c.effective / 60, 2)} for c in archive.classes],
    }


def _cast_blocks(archive, rules):
    """Seed 003's archive (CAST rules): per class (线上培训, 线下培训) its hours, every
    subject of the class with its hours (zeros included), and the sources of the class
    for the tables 线上培训情况 / 线下培训情况."""
    blocks = []
    figures = {c.code: c for c in archive.classes}
    for cls in rules.classes:
        figure = figures.get(cls.code)
        subjects = [(subject, sum(s.by_class.get(cls.code, 0) for s in archive.sources
                                  if s.category == subject.code))
                    for subject in rules.subjects(cls.code)]
        rows = [s for s in archive.sources if cls.code in s.by_class]
        blocks.append({"cls": cls, "minutes": figure.minutes if figure else 0,
                       "effective": figure.effective if figure else 0,
                       "capped": bool(figure and figure.capped), "subjects": subjects, "rows": rows})
    # Seed 003 lists 线上培训 before 线下培训 in the overview and 线下 before 线上 in the tables.
    return blocks


def _cast_chart(blocks):
    return [{"code": b["cls"].code, "name": b["cls"].name, "total": round(b["minutes"] / 60, 2),
             "data": [{"name": subject.name, "value": round(m / 60, 2)} for subject, m in b["subjects"]]}
            for b in blocks]


# Tables of the archive show this many rows; "show all" (?all=1, a plain link) the rest.
# The print view always shows every row.
FOLD_ROWS = 50


def _fold(rows: list, show_all: bool) -> tuple[list, int]:
    """The rows to show and how many are folded away."""
    if show_all or len(rows) <= FOLD_ROWS + 10:  # folding a handful of rows helps no one
        return rows, 0
    return rows[:FOLD_ROWS], len(rows) - FOLD_ROWS


def _archive_context(request, person, *, admin=False, show_all=None):
    form, rng = _range(request)
    ctx = {"form": form, "person": person, "admin": admin, "learning_tab": "ledger:archive"}
    entries_url = (reverse("ledger:person_entries", args=[person.pk]) if admin
                   else reverse("ledger:archive_entries"))
    ctx["entries_url"] = entries_url
    if rng is None:
        ctx["cast"] = policy_for(person.institute, timezone.localdate().year).terms == "cast"
        return ctx
    if show_all is None:
        show_all = request.GET.get("all") == "1"
    archive = archive_for(person, *rng)
    rules = policy_for(person.institute, rng[1][0])
    range_query = f"start={rng[0][0]}-{rng[0][1]:02d}&end={rng[1][0]}-{rng[1][1]:02d}"
    drill = f"{entries_url}?{range_query}"
    projects = archive.rows(SourceKind.PROJECT)
    project_classes = [c for c in archive.classes
                       if any(c.code in r.by_class for r in projects)]
    # Classes come from the policy: a CAST archive has no self-study line, an academy
    # with a 公派留学 class gets one more.
    claims = [(c, archive.rows(SourceKind.CLAIM, c.code)) for c in archive.classes]
    courses = archive.rows(SourceKind.COURSE)
    admin_rows = archive.rows(SourceKind.ADMIN)
    tables = {"projects": projects, "courses": courses, "admin_rows": admin_rows}
    folded = {}
    for name, rows in tables.items():
        tables[name], folded[name] = _fold(rows, show_all)
    shown_claims = []
    for c, rows in claims:
        shown, hidden = _fold(rows, show_all)
        shown_claims.append((c, shown, hidden))
    # Each shown row's links are built once here, not twice per row in the template.
    shown_rows = [*tables["projects"], *tables["courses"], *tables["admin_rows"],
                  *(r for _c, rows, _h in shown_claims for r in rows)]
    for r in shown_rows:
        r.drill_url = f"{drill}&source_kind={r.source_kind}&source_id={quote(r.source_id, safe='/')}"
        if admin:
            r.reverse_url = reverse("ledger:entry_reverse", args=[person.pk, r.entry_id])
    for r in tables["projects"]:
        r.class_minutes = [r.by_class.get(c.code, 0) for c in project_classes]
    ctx.update({
        "archive": archive, "start": rng[0], "end": rng[1], "range_query": range_query,
        "drill_url": drill,
        "chart": _chart_data(archive), "rules": rules,
        "capped_classes": [c for c in rules.classes if c.cap is not None],
        "projects": tables["projects"], "projects_count": len(projects),
        "projects_folded": folded["projects"],
        "project_classes": project_classes,
        "claims": shown_claims,
        "claim_summary": [(c, len(rows), sum(r.by_class.get(c.code, 0) for r in rows))
                          for c, rows in claims if rows],
        "courses": tables["courses"], "courses_count": len(courses),
        "courses_folded": folded["courses"],
        "admin_rows": tables["admin_rows"], "admin_rows_folded": folded["admin_rows"],
        "course_minutes": archive.minutes(SourceKind.COURSE),
        "show_all_url": f"?{range_query}&all=1",
    })
    if rules.terms == "cast":
        # Seed 003's layout (ledger/_archive_body_cast.html); the CAS layout stays as it is.
        blocks = _cast_blocks(archive, rules)
        ctx.update({"cast": True, "blocks": blocks, "table_blocks": list(reversed(blocks))})
        ctx["chart"]["subjects"] = _cast_chart(blocks)
    return ctx


@login_required
def archive_view(request):
    if request.user.institute_id is None:
        raise Http404
    return render(request, "ledger/archive.html", _archive_context(request, request.user))


@login_required
def archive_print(request):
    if request.user.institute_id is None:
        raise Http404
    return render(request, "ledger/archive_print.html",
                  _archive_context(request, request.user, show_all=True))


def _drill(request, person, base_template):
    form, rng = _range(request)
    if rng is None:
        return render(request, base_template, {"form": form, "entries": [], "person": person},
                      status=400)
    entries = list(entries_for(person, *rng, cap_class=request.GET.get("cap_class") or None,
                               category=request.GET.get("category") or None,
                               source_kind=request.GET.get("source_kind") or None,
                               source_id=request.GET.get("source_id") or None)[:1000])
    rules = policy_for(person.institute, rng[1][0])
    cap_class = request.GET.get("cap_class") or ""
    ctx = {"entries": entries, "person": person, "form": form, "rules": rules,
           "cap_class": cap_class, "cap_name": rules.class_name(cap_class) if cap_class else "",
           "learning_tab": "ledger:archive"}
    if cap_class:
        archive = archive_for(person, *rng)
        ctx["figure"] = next((c for c in archive.classes if c.code == cap_class), None)
    template = "ledger/_entries.html" if request.htmx else base_template
    return render(request, template, ctx)


@login_required
def archive_entries(request):
    if request.user.institute_id is None:
        raise Http404
    return _drill(request, request.user, "ledger/entries.html")


# --- administrators ------------------------------------------------------------------------

@admin_required("ledger.view")
def person_archive(request, pk):
    person = get_person_for(request.admin_role, pk)
    ctx = _archive_context(request, person, admin=True)
    ctx["credit_form"] = CreditForm(rules=policy_for(person.institute, timezone.localdate().year),
                                    prefix="credit")
    return render(request, "ledger/archive.html", ctx)


@admin_required("ledger.view")
def person_entries(request, pk):
    person = get_person_for(request.admin_role, pk)
    return _drill(request, person, "ledger/entries.html")


@admin_required("ledger.credit")
@require_POST
def person_credit(request, pk):
    person = get_person_for(request.admin_role, pk)
    rules = policy_for(person.institute, timezone.localdate().year)
    form = CreditForm(request.POST, rules=rules, prefix="credit")
    if form.is_valid():
        data = form.cleaned_data
        try:
            ledger_admin_credit(actor=request.user, role=request.admin_role, person=person,
                                cap_class=data["cap_class"], category=data["category"],
                                minutes=data["total_minutes"], start=data["start"],
                                end=data["end"], reason=data["reason"],
                                source_note=data["source_note"], request_key=data["request_key"] or None)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Hours credited."))
            return redirect("ledger:person_archive", pk=person.pk)
    ctx = _archive_context(request, person, admin=True)
    ctx["credit_form"] = form
    return render(request, "ledger/archive.html", ctx, status=400)


@admin_required("ledger.credit")
@require_http_methods(["GET", "POST"])
def entry_reverse(request, pk, entry_pk):
    """冲销 of the whole posting an entry belongs to (every month of its source), after a
    confirmation page naming the person and the hours."""
    person = get_person_for(request.admin_role, pk)
    posting = get_posting_of_entry(request.admin_role, entry_pk, person=person)
    form = ReverseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            reversals = ledger_admin_reverse_posting(
                actor=request.user, role=request.admin_role, person=person,
                source_kind=posting.source_kind, source_id=posting.source_id,
                reason=form.cleaned_data["reason"])
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Reversed %(hours)s of %(name)s.") % {
                "hours": format_minutes(-sum(r.minutes for r in reversals)),
                "name": person.real_name})
            return redirect("ledger:person_archive", pk=person.pk)
    rules = policy_for(person.institute, posting.entries[-1].year)
    return render(request, "ledger/reverse_confirm.html", {
        "person": person, "posting": posting, "form": form, "rules": rules},
        status=400 if request.method == "POST" else 200)


# --- the academy's yearly rules ------------------------------------------------------------

@admin_required("ledger.policy_view")
def policy_current(request):
    return redirect("ledger:policy", year=timezone.localdate().year)


@admin_required("ledger.policy_view")
@require_http_methods(["GET", "POST"])
def policy_view(request, year):
    if not 1900 <= year <= 2999:
        raise Http404
    role = request.admin_role
    policy = get_policy_for(role, year)
    if request.method == "POST" and request.POST.get("action") == "create":
        policy_seed(actor=request.user, role=role, org=role.org, year=year,
                    ruleset="cast" if request.POST.get("ruleset") == "cast" else "cas")
        return redirect("ledger:policy", year=year)
    forms = {}
    if policy is not None:
        initial = {"annual_target_hours": _hours_or_none(policy.annual_target_minutes),
                   "backbone_single_min_hours": _hours_or_none(policy.backbone_single_min_minutes),
                   "backbone_ratio_permille": policy.backbone_ratio_permille,
                   "backbone_basis": policy.backbone_basis,
                   "chapter_threshold_percent": policy.chapter_threshold_percent,
                   "heartbeat_seconds": policy.heartbeat_seconds,
                   "claim_year_chosen": policy.claim_year_chosen,
                   "hours_display": policy.hours_display}
        action = request.POST.get("action") if request.method == "POST" else None
        forms["policy"] = PolicyForm(request.POST if action == "policy" else None, initial=initial,
                                     prefix="policy")
        # 编辑 on a row fills the form with that entry (its code names what is saved).
        edit_class = next(({"code": c.code, "name": c.name, "cap_hours": None if c.cap_minutes is None
                            else c.cap_minutes // 60} for c in policy.classes.all()
                           if c.code == request.GET.get("edit_class")), None)
        edit_category = next(({"code": c.code, "name": c.name, "cap_class": c.cap_class.code, "kind": c.kind}
                              for c in policy.categories.select_related("cap_class")
                              if c.code == request.GET.get("edit_category")), None)
        forms["cls"] = CapClassForm(request.POST if action == "class" else None, prefix="cls",
                                    initial=edit_class)
        forms["category"] = CategoryForm(request.POST if action == "category" else None,
                                         classes=policy.classes.all(), prefix="cat", initial=edit_category)
        form = {"policy": forms["policy"], "class": forms["cls"], "category": forms["category"]}.get(action)
        if form is not None and form.is_valid():
            data = form.cleaned_data
            try:
                if action == "policy":
                    # Only what the admin changed: a target of 100 h 30 min shown as 100 h
                    # must not become 100 h when the form is saved as it came.
                    values = {"annual_target_minutes": _minutes_or_none(data["annual_target_hours"]),
                              "backbone_single_min_minutes": _minutes_or_none(data["backbone_single_min_hours"]),
                              "backbone_ratio_permille": data["backbone_ratio_permille"],
                              "backbone_basis": data["backbone_basis"],
                              "chapter_threshold_percent": data["chapter_threshold_percent"],
                              "heartbeat_seconds": data["heartbeat_seconds"],
                              "claim_year_chosen": data["claim_year_chosen"],
                              "hours_display": data["hours_display"]}
                    fields = {_POLICY_FIELD.get(name, name) for name in form.changed_data}
                    policy_update(actor=request.user, role=role, policy=policy,
                                  **{k: v for k, v in values.items() if k in fields})
                elif action == "class":
                    cap = data["cap_hours"]
                    cap_class_upsert(actor=request.user, role=role, policy=policy, code=data["code"],
                                     name=data["name"], cap_minutes=None if cap is None else cap * 60)
                else:
                    category_upsert(actor=request.user, role=role, policy=policy, code=data["code"],
                                    name=data["name"], cap_class_code=data["cap_class"],
                                    kind=data["kind"])
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("Saved."))
                return redirect("ledger:policy", year=year)
    return render(request, "ledger/policy.html", {
        "policy": policy, "year": year, "unset": _unset(policy),
        "applies": policy_for(role.org, year) if policy is None else None, "policy_form": forms.get("policy"),
        "cls": forms.get("cls"), "category": forms.get("category")})
