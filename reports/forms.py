from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import PostType
from core.errors import DomainError, ErrorCode
from orgs.queries import departments_in_scope

FIRST_YEAR = 2000


def year_choices():
    this = timezone.localdate().year
    return [(y, y) for y in range(this + 1, FIRST_YEAR - 1, -1)]


class YearForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = year_choices()

    def chosen_year(self) -> int:
        return (self.cleaned_data.get("year") if self.is_bound and self.is_valid() else None) \
            or timezone.localdate().year


class StaffFilterForm(YearForm):
    department = forms.TypedChoiceField(label=_("Department"), coerce=int, required=False,
                                        empty_value=None)
    post_type = forms.ChoiceField(label=_("Post type"), required=False,
                                  choices=[("", _("All"))] + list(PostType.choices))
    met = forms.ChoiceField(label=_("Target"), required=False,
                            choices=[("", _("All")), ("yes", _("Met")), ("no", _("Not met"))])
    new_hires = forms.ChoiceField(label=_("New hires"), required=False,
                                  choices=[("", _("All")), ("only", _("Only new hires")),
                                           ("exclude", _("Without new hires"))])
    q = forms.CharField(label=_("Name, login or employee number"), max_length=100, required=False)
    order = forms.ChoiceField(label=_("Sort by"), required=False, choices=[
        ("name", _("Name")), ("dept", _("Department")), ("-effective", _("Effective hours, most first")),
        ("effective", _("Effective hours, fewest first")), ("-total", _("Total hours, most first")),
        ("-missing", _("Hours missing, most first")), ("hired", _("Hire date"))])

    def __init__(self, *args, departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.departments = list(departments)
        self.fields["department"].choices = [("", _("All"))] + [(d.pk, d.name) for d in self.departments]


def overview_filters(role, query) -> tuple[StaffFilterForm, dict]:
    """The filter form over `query` (a QueryDict or dict) and the keyword arguments of
    reports.queries.staff_overview; bad filters are a 400 `invalid` naming the field."""
    from reports.queries import staff_overview  # noqa: F401 - the arguments' consumer

    form = StaffFilterForm(query or None, departments=departments_in_scope(role).order_by("path"))
    if query and not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        raise DomainError(ErrorCode.INVALID, errors[0], field=field)
    data = form.cleaned_data if query else {}
    department = next((d for d in form.departments if d.pk == data.get("department")), None)
    if data.get("department") and department is None:
        raise DomainError(ErrorCode.INVALID, _("Choose a department of your scope."), field="department")
    kwargs = {
        "department": department, "post_type": data.get("post_type", ""),
        "met": {"yes": True, "no": False}.get(data.get("met", "")),
        "new_hires": {"only": True, "exclude": False}.get(data.get("new_hires", "")),
        "q": data.get("q", ""), "order": data.get("order") or "name"}
    return form, {"year": form.chosen_year(), **kwargs}


def overview_for(role, query):
    from reports.queries import staff_overview

    _form, kwargs = overview_filters(role, query)
    year = kwargs.pop("year")
    return staff_overview(role, year, **kwargs)
