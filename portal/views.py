"""The pages of the shell: home, 我的学习, the admin home (我的管理) and the audit trail
(操作日志), which reads core's audit table through the admin guard of accounts."""

from itertools import islice

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from core.access import admin_required
from core.forms import AuditFilterForm
from core.models import AuditEvent
from core.queries import audit_search
from core.xlsx import xlsx_export_response
from ledger.queries import archive_for
from portal.audit_labels import ACTIONS, GROUPS, Names, action_label, changes, object_type_label
from portal.menus import admin_menu


@login_required
def home(request):
    return render(request, "portal/home.html")


@login_required
def learning(request):
    """我的学习: the banner, this year's figures and the way to everything personal."""
    year = timezone.localdate().year
    archive = archive_for(request.user, (year, 1), (year, 12)) if request.user.institute_id else None
    return render(request, "portal/learning.html", {"archive": archive, "year": year,
                                                  "learning_tab": "home"})


@admin_required()
def admin_home(request):
    return render(request, "portal/admin_home.html",
                  {"menu": admin_menu(request.admin_role)})


AUDIT_PAGE_SIZE = 20
# The export is written in constant memory (core.xlsx.xlsx_export_response); it still holds
# at most this many events, the newest first (a file a person can open); the page and
# the file's last row say so when more matched.
AUDIT_EXPORT_MAX_ROWS = 20_000


@admin_required("audit.view")
def audit_list(request):
    """操作日志: who did what, when, within the role's scope. `?export=xlsx` gives the
    same filtered list as an Excel file."""
    form = AuditFilterForm(request.GET or None)
    # The action is picked by its name, never typed as a code.
    form.fields["action"] = forms.ChoiceField(
        label=form.fields["action"].label, required=False,
        choices=[("", _("All"))] + [(code, str(label)) for code, label in GROUPS.items()]
        + sorted(((code, str(label)) for code, label in ACTIONS.items()), key=lambda c: c[1]))
    events = AuditEvent.objects.none()
    if form.is_valid() or not request.GET:
        data = form.cleaned_data if request.GET else {}
        events = audit_search(request.admin_role, q=data.get("q", ""),
                              action=data.get("action", ""), date_from=data.get("date_from"),
                              date_to=data.get("date_to"),
                              out_of_scope=bool(data.get("out_of_scope")))
        # With invalid filters the page shows the errors instead of an empty file.
        if request.GET.get("export") == "xlsx":
            return _audit_export(events)
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    names = Names([(e.before, e.after) for e in page])
    for e in page:
        e.action_label = action_label(e.action)
        e.changes = changes(e.before, e.after, names)
        e.object_type_label = object_type_label(e.object_type) if e.object_type else ""
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("export", None)
    template = "portal/_audit_table.html" if request.htmx else "portal/audit_list.html"
    return render(request, template, {"form": form, "page": page, "query": query.urlencode(),
                                      "export_max": AUDIT_EXPORT_MAX_ROWS})


def _audit_rows(events, limit: int):
    """Rows for the export, read in chunks as plain tuples (no model instances), then a
    closing note if more than `limit` events matched."""
    fields = ("at", "actor_label", "ip", "action", "object_type", "object_id", "object_repr",
              "org__name", "before", "after", "note")
    rows = events.values_list(*fields)[:limit + 1].iterator(chunk_size=2000)
    n = 0
    while chunk := list(islice(rows, 2000)):
        names = Names([(row[8], row[9]) for row in chunk])
        for at, who, ip, action, otype, oid, orepr, org, before, after, note in chunk:
            if n == limit:
                yield (_("Only the newest %(n)d records are exported; narrow the filters to "
                         "export older ones.") % {"n": limit},)
                return
            n += 1
            yield (timezone.localtime(at).strftime("%Y-%m-%d %H:%M:%S"), who, ip or "",
                   action_label(action), object_type_label(otype) if otype else "", oid, orepr,
                   org or "", "\n".join(changes(before, after, names)), note)


def _audit_export(events):
    headers = [_("Time"), _("Who"), _("Address"), _("Action"), _("Object type"),
               _("Object ID"), _("Object"), _("Unit"), _("Changes"), _("Note")]
    name = f"{_('Audit trail')}-{timezone.localdate():%Y%m%d}.xlsx"
    return xlsx_export_response(name, headers, _audit_rows(events, AUDIT_EXPORT_MAX_ROWS),
                         sheet_name=_("Audit trail"))
