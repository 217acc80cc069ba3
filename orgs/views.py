from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.access import admin_required
from core.errors import DomainError
from orgs.access import get_unit_for
from orgs.forms import DepartmentForm, LoginRuleForm, PasswordPolicyForm, RenameForm
from orgs.models import OrgKind
from orgs.queries import units_in_scope
from orgs.services import department_create, org_rename, org_set_login_rule, org_set_password_policy


def _show_error(form, exc: DomainError):
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


@admin_required("orgs.edit")
@require_http_methods(["GET", "POST"])
def org_tree_view(request):
    """机构管理: the units in scope, adding departments."""
    role = request.admin_role
    units = list(units_in_scope(role).order_by("path"))
    parents = [u for u in units if u.kind in (OrgKind.INSTITUTE, OrgKind.DEPARTMENT)]
    form = DepartmentForm(request.POST or None, parents=parents)
    if request.method == "POST" and form.is_valid():
        try:
            parent = get_unit_for(role, form.cleaned_data["parent"])
            department_create(actor=request.user, role=role, parent=parent,
                              name=form.cleaned_data["name"])
        except DomainError as exc:
            _show_error(form, exc)
        else:
            messages.success(request, _("Department added."))
            return redirect("orgs:tree")
    base_depth = units[0].depth if units else 0
    rows = [{"unit": u, "indent": u.depth - base_depth} for u in units]
    return render(request, "orgs/tree.html", {"rows": rows, "form": form})


@admin_required("orgs.edit")
@require_http_methods(["GET", "POST"])
def org_edit_view(request, pk):
    role = request.admin_role
    unit = get_unit_for(role, pk)
    rename = RenameForm(request.POST if "rename" in request.POST else None,
                        initial={"name": unit.name}, prefix="rename")
    policy = None
    if unit.kind in (OrgKind.INSTITUTE, OrgKind.ACADEMY):
        policy = PasswordPolicyForm(request.POST if "policy" in request.POST else None,
                                    initial={"mode": unit.initial_password_mode,
                                             "default_password": unit.default_initial_password},
                                    prefix="policy")
    login_rule = None
    if unit.kind == OrgKind.INSTITUTE:
        login_rule = LoginRuleForm(request.POST if "login_rule" in request.POST else None,
                                   initial={"rule": unit.login_rule}, prefix="login")
    if request.method == "POST":
        try:
            if login_rule is not None and "login_rule" in request.POST and login_rule.is_valid():
                org_set_login_rule(actor=request.user, role=role, org=unit,
                                   rule=login_rule.cleaned_data["rule"])
                messages.success(request, _("Saved."))
                return redirect("orgs:edit", pk=unit.pk)
            if "rename" in request.POST and rename.is_valid():
                org_rename(actor=request.user, role=role, org=unit, name=rename.cleaned_data["name"])
                messages.success(request, _("Saved."))
                return redirect("orgs:edit", pk=unit.pk)
            if policy is not None and "policy" in request.POST and policy.is_valid():
                org_set_password_policy(actor=request.user, role=role, org=unit,
                                        mode=policy.cleaned_data["mode"],
                                        default_password=policy.cleaned_data["default_password"])
                messages.success(request, _("Saved."))
                return redirect("orgs:edit", pk=unit.pk)
        except DomainError as exc:
            _show_error(login_rule if "login_rule" in request.POST
                        else rename if "rename" in request.POST else policy, exc)
    return render(request, "orgs/edit.html", {"unit": unit, "rename": rename, "policy": policy,
                                              "login_rule": login_rule})

