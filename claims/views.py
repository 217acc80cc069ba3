"""我的外部学习 (learners) and 外部学习审核 (reviewers)."""

import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from accounts.access import admin_required
from claims import files as claim_files
from claims.access import (
    find_person_for,
    get_attachment_for,
    get_claim_for,
    get_own_claim,
    get_window_for,
    windows_for,
)
from claims.forms import (
    ClaimForm,
    ClaimSettingsForm,
    DecisionForm,
    ImportForm,
    MineFilterForm,
    OnBehalfForm,
    ReviewFilterForm,
    WindowForm,
)
from claims.imports import (
    COLUMNS,
    EXAMPLE,
    MINE_COLUMNS,
    claims_import,
    claims_import_job,
    count_rows,
    mine_example,
    mine_import,
)
from claims.models import (
    AttachmentKind,
    Claim,
    ClaimKind,
    ClaimStatus,
)
from claims.queries import (
    claim_settings_of,
    credited_without_review_of,
    my_claims,
    next_in_queue,
    own_duplicates,
    required_attachments,
    review_flags,
    review_queue,
    review_totals,
    with_duplicate_flags,
)
from claims.services import (
    categories_for,
    categories_in,
    claim_approve,
    claim_create,
    claim_create_on_behalf,
    claim_reject,
    claim_revoke_approval,
    claim_settings_set,
    claim_submit,
    claim_update,
    claim_withdraw,
    claims_decide,
    claims_delete,
    claims_submit,
    claims_withdraw,
    kinds_for,
    subjects_in,
    window_close,
    window_open,
)
from core.artifacts import artifact_open, artifact_store
from core.confirm import confirm_step
from core.errors import DomainError
from core.jobs import inline_rows, job_start
from core.models import JobKind
from core.xlsx import XLSX_TYPE, write_xlsx, xlsx_response
from ledger.queries import policy_for
from orgs.models import OrgKind
from orgs.queries import institutes_in_scope, units_in_scope


def _kind(kind: str) -> str:
    if kind not in ClaimKind.values:
        raise Http404
    return kind


def _show(form, exc: DomainError):
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _required(user, kind) -> list[str]:
    """The attachments the learner's organisation requires for this kind, as labels."""
    return [str(AttachmentKind(k).label) for k in required_attachments(user, kind)]


# The kinds' own labels (网络学时 for online: "Online hours" means 线上学时 in the ledger).
TAB_LABELS = {ClaimKind.EXTERNAL_TRAINING: gettext_lazy("My external training"),
              ClaimKind.SELF_STUDY: ClaimKind.SELF_STUDY.label, ClaimKind.ONLINE: ClaimKind.ONLINE.label}
# Seed 003's names under the CAST rules: 我的学时补录 with the tabs 外部现场培训 and 外部网络培训.
CAST_TAB_LABELS = {ClaimKind.EXTERNAL_TRAINING: gettext_lazy("External on-site training"),
                   ClaimKind.SELF_STUDY: ClaimKind.SELF_STUDY.label,
                   ClaimKind.ONLINE: gettext_lazy("External online training")}


def _terms(user) -> str:
    return policy_for(user.institute, timezone.localdate().year).terms if user.institute_id else "cas"


def _kind_label(user, kind) -> str:
    return (CAST_TAB_LABELS if _terms(user) == "cast" else TAB_LABELS)[ClaimKind(kind)]


def _section_label(user) -> str:
    """我的外部学习, or 我的学时补录 under the CAST rules."""
    return _("My hours supplement") if _terms(user) == "cast" else _("My external learning")


def _claim_form(user, kind, year, *args, **kwargs) -> ClaimForm:
    rules = policy_for(user.institute, year)
    return ClaimForm(*args, categories=categories_in(rules, kind), subjects=subjects_in(rules, kind),
                     **kwargs)


def _data(form) -> dict:
    return {k: form.cleaned_data.get(k) for k in (
        "year", "name", "category", "subject", "start", "end", "minutes", "organiser", "contact",
        "contact_phone", "location", "cost", "purpose", "content")}


# --- learners -------------------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def mine(request, kind):
    kind = _kind(kind)
    user = request.user
    if user.institute_id is None:
        raise Http404
    year = timezone.localdate().year
    categories = categories_for(user, kind, year)
    if request.method == "POST":
        ids = request.POST.getlist("ids")
        action = request.POST.get("action")
        try:
            if not ids:
                raise ValueError
            if action == "delete":
                chosen = my_claims(user, kind=kind).filter(pk__in=[i for i in ids if i.isdigit()])
                answer = chosen.exists() and confirm_step(
                    request, title=_("Delete records"), button=_("Delete"),
                    cancel=request.get_full_path(),
                    changes=[_("“%(name)s” (%(status)s) is deleted with its attachments.")
                             % {"name": c.name, "status": c.status_label} for c in chosen])
                if answer:
                    return answer
                count = claims_delete(actor=user, claim_ids=ids)
                messages.success(request, _("%(n)d deleted.") % {"n": count})
            elif action == "submit":
                claims_submit(actor=user, claim_ids=ids)
                messages.success(request, _("Submitted for review."))
            elif action == "withdraw":
                claims_withdraw(actor=user, claim_ids=ids)
                messages.success(request, _("Withdrawn from review; submit again when ready."))
        except DomainError as exc:
            messages.error(request, exc.message)
        except ValueError:
            messages.error(request, _("Choose records first."))
        return redirect(request.get_full_path())
    form = MineFilterForm(request.GET or None, categories=categories)
    claims = Claim.objects.none()
    size = 5
    if not request.GET or form.is_valid():
        data = form.cleaned_data if request.GET else {}
        size = data.get("size") or 5
        claims = my_claims(user, kind=kind, year=data.get("year"), category=data.get("category", ""),
                           q=data.get("q", ""), status=data.get("status", ""))
    page = Paginator(claims, size).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    names = {c.code: c.name for c in categories + subjects_in(policy_for(user.institute, year), kind)}
    # Only the kinds this year's policy has a class of hours for get a tab (the CAST rules
    # have no self-study); old claims of a dropped kind stay reachable by their address.
    available = kinds_for(user, year)
    return render(request, "claims/mine.html", {
        "kind": kind, "kinds": [(k, _kind_label(user, k)) for k in available], "can_add": kind in available,
        "section_label": _section_label(user),
        "form": form, "page": page, "query": query.urlencode(),
        "category_names": names, "learning_tab": "claims:mine_default"})


@login_required
def mine_default(request):
    kinds = kinds_for(request.user, timezone.localdate().year) if request.user.institute_id else []
    return redirect("claims:mine", kind=kinds[0] if kinds else ClaimKind.EXTERNAL_TRAINING)


def _digest(upload) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _duplicates_before_submit(request, form, claim=None) -> list:
    """For a learner about to submit: their other claims this one may repeat (same
    certificate file, or same name and overlapping dates). Empty once they confirmed
    (duplicate_ok), or when not submitting."""
    if request.POST.get("action") != "submit" or request.POST.get("duplicate_ok") == "1":
        return []
    hashes = [_digest(upload) for _kind, upload in form.files_to_store()]
    if claim is not None:
        removing = set(request.POST.getlist("remove"))
        hashes += [a.sha256 for a in claim.attachments.all() if str(a.pk) not in removing]
    data = form.cleaned_data
    return own_duplicates(request.user, name=data["name"], start=data["start"], end=data["end"],
                          hashes=hashes, exclude_pk=claim.pk if claim else None)


def _saved(claim, submitted: bool) -> str:
    if claim.status == ClaimStatus.APPROVED:  # 不用审批直接计入
        return _("Recorded and credited: your organisation credits this kind without review.")
    return _("Submitted for review.") if submitted else _("Saved.")


DUPLICATE_SAVED = gettext_lazy("Saved as a draft, not submitted: it may repeat another of your records "
                               "(see below). If it is a different one, submit it anyway.")


@login_required
@require_http_methods(["GET", "POST"])
def new(request, kind):
    kind = _kind(kind)
    if request.user.institute_id is None:
        raise Http404
    # The window banner links here with ?year= (the year the window is for).
    year = request.GET.get("year", "")
    form = _claim_form(request.user, kind, timezone.localdate().year, request.POST or None,
                       request.FILES or None,
                       initial={"year": int(year)} if year.isdigit() and len(year) == 4 else None)
    if request.method == "POST" and form.is_valid():
        duplicates = _duplicates_before_submit(request, form)
        submit = request.POST.get("action") == "submit" and not duplicates
        try:
            claim = claim_create(actor=request.user, kind=kind, data=_data(form), files=form.files_to_store(),
                                 submit=submit)
        except DomainError as exc:
            _show(form, exc)
        else:
            if duplicates:  # kept with its files; the edit page shows what it may repeat
                messages.warning(request, DUPLICATE_SAVED)
                return redirect("claims:edit", pk=claim.pk)
            messages.success(request, _saved(claim, submit))
            return redirect("claims:mine", kind=kind)
    return render(request, "claims/form.html", {
        "form": form, "kind": kind, "kind_label": _kind_label(request.user, kind), "claim": None,
        "section_label": _section_label(request.user),
        "required": _required(request.user, kind), "learning_tab": "claims:mine_default"},
        status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, pk):
    claim = get_own_claim(request.user, pk)
    initial = {k: getattr(claim, k) for k in ("year", "name", "category", "subject", "start", "end",
                                             "organiser", "contact", "contact_phone", "location",
                                             "cost", "purpose", "content")}
    initial.update(ClaimForm.initial_duration(claim.minutes))
    if request.method == "POST" and request.POST.get("action") == "withdraw":
        try:
            claim_withdraw(actor=request.user, claim_id=claim.pk)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Withdrawn from review; submit again when ready."))
        return redirect("claims:edit", pk=claim.pk)
    form = _claim_form(request.user, claim.kind, claim.year, request.POST or None, request.FILES or None,
                       initial=initial)
    if request.method == "POST" and claim.editable and form.is_valid():
        duplicates = _duplicates_before_submit(request, form, claim)
        try:
            claim_update(actor=request.user, claim_id=claim.pk, data=_data(form),
                         files=form.files_to_store(), remove_attachments=request.POST.getlist("remove"))
            if request.POST.get("action") == "submit" and not duplicates:
                claim = claim_submit(actor=request.user, claim_id=claim.pk)
        except DomainError as exc:
            _show(form, exc)
        else:
            if duplicates:
                messages.warning(request, DUPLICATE_SAVED)
                return redirect("claims:edit", pk=claim.pk)
            messages.success(request, _saved(claim, request.POST.get("action") == "submit"))
            return redirect("claims:mine", kind=claim.kind)
    # An unsubmitted claim that may repeat another of the learner's: say so before they
    # submit it (they may still: the submit button then carries duplicate_ok).
    duplicates = (own_duplicates(request.user, name=claim.name, start=claim.start, end=claim.end,
                                 hashes=[a.sha256 for a in claim.attachments.all()], exclude_pk=claim.pk)
                  if claim.status in (ClaimStatus.DRAFT, ClaimStatus.REJECTED) else [])
    return render(request, "claims/form.html", {
        "form": form, "kind": claim.kind, "kind_label": _kind_label(request.user, claim.kind), "claim": claim,
        "section_label": _section_label(request.user),
        "duplicates": duplicates,
        "required": _required(request.user, claim.kind), "learning_tab": "claims:mine_default"},
        status=400 if form.errors else 200)


@login_required
def upload_template(request, kind):
    """批量上传's Excel template for one kind, with an example row."""
    kind = _kind(kind)
    year = timezone.localdate().year
    categories = categories_for(request.user, kind, year) if request.user.institute_id else []
    return xlsx_response(f"{TAB_LABELS[kind]}批量上传模板.xlsx", MINE_COLUMNS,
                         [mine_example(categories[0].name if categories else "", year)])


@login_required
@require_http_methods(["GET", "POST"])
def upload(request, kind):
    """批量上传 (seed 000): several of one's own records from the template, all or none,
    as drafts to submit from the list."""
    kind = _kind(kind)
    if request.user.institute_id is None:
        raise Http404
    year = timezone.localdate().year
    form = ImportForm(request.POST or None, request.FILES or None)
    ctx = {"form": form, "kind": kind, "kind_label": TAB_LABELS[kind], "columns": MINE_COLUMNS,
           "categories": [c.name for c in categories_for(request.user, kind, year)],
           "learning_tab": "claims:mine_default"}
    if request.method == "POST" and form.is_valid():
        try:
            result = mine_import(actor=request.user, kind=kind, upload=form.cleaned_data["file"])
        except DomainError as exc:
            _show(form, exc)
        else:
            if not result.errors:
                messages.success(request, _("%(c)d records uploaded as drafts (%(u)d were there already). "
                                            "Check them, then submit them for review.")
                                 % {"c": result.created, "u": result.unchanged})
                return redirect("claims:mine", kind=kind)
            ctx["result"] = result
            ctx["errors_token"] = artifact_store(request, write_xlsx(["行号", "列", "错误"], result.errors),
                                                 "批量上传错误.xlsx")
    return render(request, "claims/upload.html", ctx, status=400 if form.errors or "result" in ctx else 200)


@login_required
def upload_errors(request, token):
    """The error file of one's own 批量上传 (only the session that made it has it)."""
    found = artifact_open(request, token)
    if found is None:
        raise Http404
    handle, filename = found
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX_TYPE)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def attachment(request, pk):
    """A claim's file, for its owner or a reviewer whose scope holds the owner."""
    item = get_attachment_for(request.user, getattr(request, "admin_role", None), pk)
    return claim_files.serve(item, inline=request.GET.get("inline") == "1")


# --- reviewers ------------------------------------------------------------------------------

@admin_required("claims.review")
@require_http_methods(["GET", "POST"])
def review(request):
    role = request.admin_role
    if request.method == "POST":
        ids = request.POST.getlist("ids")
        approve = request.POST.get("action") == "approve"
        try:
            count = claims_decide(actor=request.user, role=role, claim_ids=ids, approve=approve,
                                  reason=request.POST.get("reason", ""))
        except DomainError as exc:
            messages.error(request, exc.message)
        except ValueError:
            messages.error(request, _("Choose records first."))
        else:
            messages.success(request, (_("%(n)d approved.") if approve else _("%(n)d rejected.")) % {"n": count})
        return redirect(request.get_full_path())
    # Above one institute (academy, branch) the filter offers the institutes and their
    # departments, each department named with its institute (人事教育处 exists in many).
    institutes = list(institutes_in_scope(role).order_by("path"))
    many = len(institutes) > 1
    departments = list(units_in_scope(role).filter(
        kind__in=[OrgKind.INSTITUTE, OrgKind.DEPARTMENT] if many else [OrgKind.DEPARTMENT])
        .select_related("institute").order_by("path"))
    for d in departments:
        d.label = (d.name if d.kind == OrgKind.INSTITUTE else f"{d.institute.name} · {d.name}") if many else d.name
    form = ReviewFilterForm(request.GET or None, departments=departments,
                            initial={"status": ClaimStatus.SUBMITTED})
    claims = Claim.objects.none()
    if not request.GET or form.is_valid():
        data = form.cleaned_data if request.GET else {"status": ClaimStatus.SUBMITTED}
        dept = next((d for d in departments if d.pk == data.get("department")), None)
        claims = review_queue(role, kind=data.get("kind", ""), status=data.get("status", ""),
                              year=data.get("year"), department=dept, q=data.get("q", ""))
    if request.GET.get("export") == "xlsx":
        return _export(claims.exclude(status=ClaimStatus.DRAFT))
    # The duplicate flags come with the page's own query (EXISTS subqueries, indexed).
    page = Paginator(with_duplicate_flags(claims, role), 20).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "claims/review.html", {"form": form, "page": page, "query": query.urlencode(),
                                                  "show_institute": many})


def _export(claims):
    rules = {}

    def category(c):  # the policy's name of the category, never its code
        key = (c.owner.institute_id, c.year)
        if key not in rules:
            rules[key] = policy_for(c.owner.institute, c.year)
        return rules[key].category_name(c.category) if c.category else ""

    rows = [(c.owner.real_name, c.owner.employee_no, c.owner.institute.name if c.owner.institute_id else "",
             c.get_kind_display(), c.year, c.name, category(c),
             c.start, c.end, c.minutes / 60, c.organiser, c.location, c.status_label,
             c.reject_reason) for c in claims[:100_000]]
    return xlsx_response("外部学习.xlsx", ["姓名", "员工编号", "单位", "类型", "年度", "培训名称", "培训类别", "开始时间",
                                        "结束时间", "学时", "主办单位", "培训地点", "状态", "驳回原因"], rows)


@admin_required("claims.review")
@require_http_methods(["GET", "POST"])
def review_detail(request, pk):
    """审核: one claim with the learner's yearly totals and caps, the attachments
    previewed, 通过 / 通过并下一条, and 驳回 with its reason (refused next to the field
    when empty)."""
    role = request.admin_role
    claim = get_claim_for(role, pk)
    reject_form = DecisionForm(purpose="reject")
    revoke_form = DecisionForm(purpose="revoke")
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action in ("approve", "approve_next"):
                claim_approve(actor=request.user, role=role, claim_id=claim.pk)
                messages.success(request, _("“%(name)s” approved.") % {"name": claim.name})
                following = next_in_queue(role, claim) if action == "approve_next" else None
                if following is not None:
                    return redirect("claims:review_detail", pk=following.pk)
                if action == "approve_next":
                    messages.info(request, _("No more claims wait for review."))
                return redirect("claims:review")
            if action == "reject":
                reject_form = DecisionForm(request.POST, purpose="reject")
                if reject_form.is_valid():
                    claim_reject(actor=request.user, role=role, claim_id=claim.pk,
                                 reason=reject_form.cleaned_data["reason"])
                    messages.success(request, _("“%(name)s” rejected.") % {"name": claim.name})
                    return redirect("claims:review")
            elif action == "revoke":
                revoke_form = DecisionForm(request.POST, purpose="revoke")
                if revoke_form.is_valid():
                    claim_revoke_approval(actor=request.user, role=role, claim_id=claim.pk,
                                          reason=revoke_form.cleaned_data["reason"])
                    messages.success(request, _("The approval is revoked; its hours are reversed."))
                    return redirect("claims:review_detail", pk=claim.pk)
            else:
                raise DomainError("invalid", _("Choose an action."))
        except DomainError as exc:
            form = revoke_form if action == "revoke" else reject_form
            if exc.field == "reason" and form.is_bound:
                form.add_error("reason", exc.message)
            else:
                messages.error(request, exc.message)
                return redirect("claims:review_detail", pk=claim.pk)
        status = 400
        claim = get_claim_for(role, pk)
    rules = policy_for(claim.owner.institute, claim.year)
    return render(request, "claims/review_detail.html", {
        "claim": claim, "flags": review_flags(role, claim), "totals": review_totals(claim, rules),
        "category_name": rules.category_name(claim.category) if claim.category else "",
        "reject_form": reject_form, "revoke_form": revoke_form,
        "has_next": claim.status == ClaimStatus.SUBMITTED and next_in_queue(role, claim) is not None,
        "attachments": claim.attachments.all(), "events": claim.events.select_related("actor")},
        status=status)


@admin_required("claims.create_on_behalf")
@require_http_methods(["GET", "POST"])
def on_behalf(request):
    role = request.admin_role
    year = timezone.localdate().year
    # Every kind's categories, grouped by kind, from the rules of the admin's organisation;
    # the chosen person's own rules decide on submission (claims.services._clean).
    unit = role.org.institute or role.org
    form = OnBehalfForm(request.POST or None, request.FILES or None,
                        categories=_categories_by_kind(unit, year),
                        subjects=_categories_by_kind(unit, year, subjects=True))
    if request.method == "POST":
        person, candidates = find_person_for(role, request.POST.get("person", ""))
        kind = request.POST.get("kind")
        if person is not None and kind in ClaimKind.values:
            form = OnBehalfForm(request.POST, request.FILES,
                                categories=_categories_by_kind(person.institute, year),
                                subjects=_categories_by_kind(person.institute, year, subjects=True))
        if form.is_valid():
            if candidates:
                form.add_error("person", _("Several people have this employee number; give the login "
                                           "name of one of them: %(people)s")
                               % {"people": "; ".join(_candidate(p) for p in candidates)})
            elif person is None:
                form.add_error("person", _("No such person in your scope."))
            else:
                try:
                    claim_create_on_behalf(actor=request.user, role=role, owner=person, kind=kind,
                                           data=_data(form), files=form.files_to_store())
                except DomainError as exc:
                    _show(form, exc)
                else:
                    messages.success(request, _("Recorded and approved."))
                    return redirect("claims:review")
    return render(request, "claims/on_behalf.html", {"form": form}, status=400 if form.errors else 200)


def _candidate(person) -> str:
    """One of several people sharing an employee number, as the admin tells them apart."""
    unit = " / ".join(u.name for u in (person.institute, person.department) if u is not None)
    return f"{person.real_name} ({unit}; {person.login_name})"


def _categories_by_kind(org, year: int, *, subjects: bool = False) -> list:
    """[(kind label, [(code, name)])]: every kind's category (or subject) choices, as
    optgroups."""
    if org is None:
        return []
    rules = policy_for(org, year)
    of = subjects_in if subjects else categories_in
    return [(ClaimKind(kind).label, [(c.code, c.name) for c in of(rules, kind)])
            for kind in ClaimKind.values]


@admin_required("claims.import")
def import_template(request):
    return xlsx_response("外部学习导入模板.xlsx", COLUMNS, [EXAMPLE])


@admin_required("claims.import")
@require_http_methods(["GET", "POST"])
def import_view(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    ctx = {"form": form, "columns": COLUMNS}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = count_rows(upload)
            if rows > inline_rows():  # too long for a request: the worker runs it
                job = job_start(actor=request.user, kind=JobKind.CLAIMS_IMPORT, data=upload.read(),
                                rows_total=rows, runner=claims_import_job,
                                params={"role_id": request.admin_role.pk})
                return redirect("accounts:job", pk=job.pk)
            result = claims_import(actor=request.user, role=request.admin_role, upload=upload)
        except DomainError as exc:
            _show(form, exc)
        else:
            ctx["result"] = result
            if result.errors:
                ctx["errors_token"] = artifact_store(request, write_xlsx(["行号", "列", "错误"], result.errors),
                                                     "外部学习导入错误.xlsx")
    return render(request, "claims/import.html", ctx)


@admin_required("claims.windows")
@require_http_methods(["GET", "POST"])
def windows(request):
    role = request.admin_role
    units = list(units_in_scope(role).filter(kind__in=[OrgKind.INSTITUTE, OrgKind.ACADEMY]).order_by("path"))
    form = WindowForm(request.POST or None, units=units)
    if request.method == "POST":
        try:
            if request.POST.get("close"):
                window = get_window_for(role, request.POST["close"])
                answer = None if window.closed_at else confirm_step(
                    request, title=_("Close a supplementary window"), button=_("Close the window"),
                    cancel=reverse("claims:windows"),
                    changes=[_("The window of %(org)s for claims of %(year)s closes now instead "
                               "of on %(date)s; learners can no longer claim for that year.")
                             % {"org": window.org.name, "year": window.year,
                                "date": window.closes_on.isoformat()}])
                if answer:
                    return answer
                window_close(actor=request.user, role=role, window_id=int(request.POST["close"]))
                messages.success(request, _("The window is closed."))
                return redirect("claims:windows")
            if form.is_valid():
                org = next(u for u in units if u.pk == form.cleaned_data["org"])
                window_open(actor=request.user, role=role, org=org, year=form.cleaned_data["year"],
                            opens_on=form.cleaned_data["opens_on"], closes_on=form.cleaned_data["closes_on"])
                messages.success(request, _("The window is open."))
                return redirect("claims:windows")
        except DomainError as exc:
            _show(form, exc)
        except (ValueError, StopIteration):
            raise Http404 from None
    rows = windows_for(role)
    return render(request, "claims/windows.html", {"form": form, "windows": rows})



@admin_required("claims.settings")
@require_http_methods(["GET", "POST"])
def settings_view(request):
    """外部学习设置: which attachments each kind of claim needs, per institute or academy."""
    role = request.admin_role
    units = list(units_in_scope(role).filter(kind__in=[OrgKind.INSTITUTE, OrgKind.ACADEMY]).order_by("path"))
    try:
        picked = int(request.POST.get("org") or request.GET.get("org") or role.org_id)
    except ValueError:
        raise Http404 from None
    org = next((u for u in units if u.pk == picked), None)
    if org is None:
        raise Http404
    current = claim_settings_of(org)
    form = ClaimSettingsForm(request.POST or None, current=current,
                             without_review=credited_without_review_of(org))
    if request.method == "POST" and form.is_valid():
        try:
            claim_settings_set(actor=request.user, role=role, org=org, required=form.required(),
                               without_review=form.without_review())
        except DomainError as exc:
            _show(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(f"{reverse('claims:settings')}?org={org.pk}")
    academy = org.root if org.kind == OrgKind.INSTITUTE and org.root_id else None
    inherited = claim_settings_of(academy) if academy else {}
    return render(request, "claims/settings.html", {
        "form": form, "org": org, "units": units, "rows": form.rows(),
        "academy": academy, "inherited": [(ClaimKind(k).label, [AttachmentKind(a).label for a in v])
                                          for k, v in inherited.items() if v]},
        status=400 if form.errors else 200)
