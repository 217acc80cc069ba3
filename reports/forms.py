from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import PostType
from core.errors import DomainError, ErrorCode
from core.validators import BoundedDateField, StrictIntegerField
from orgs.queries import departments_in_scope

FIRST_YEAR = 2000


def year_choices():
    this = timezone.localdate().year
    return [(y, y) for y in range(this + 1, FIRST_YEAR - 1, -1)]


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), required=False, min_value=1900, max_value=2999)

    def cleaned_year(self) -> int | None:
        """The year asked for, or None (none given, or not a year)."""
        return self.cleaned_data.get("year") if self.is_bound and self.is_valid() else None

    def chosen_year(self) -> int:
        return (self.cleaned_data.get("year") if self.is_bound and self.is_valid() else None) \
            or timezone.localdate().year


class StaffFilterForm(YearForm):
    department = forms.TypedChoiceField(label=_("Department"), coerce=int, required=False,
                                        empty_value=None)
    ORDERS = ("name", "dept", "effective", "total", "missing", "hired")
    post_type = forms.ChoiceField(label=_("Post type"), required=False,
                                  choices=[("", _("All"))] + list(PostType.choices))
    met = forms.ChoiceField(label=_("Target"), required=False,
                            choices=[("", _("All")), ("yes", _("Met")), ("no", _("Not met"))])
    new_hires = forms.ChoiceField(label=_("New hires"), required=False,
                                  choices=[("", _("All")), ("only", _("Only new hires")),
                                           ("exclude", _("Without new hires"))])
    q = forms.CharField(label=_("Name, login or employee number"), max_length=100, required=False)
    band = forms.ChoiceField(label=_("Effective hours"), required=False, choices=[("", _("All"))] + [
        (f"{low}-{high if high is not None else ''}", f"{low}–{high}" if high is not None else f"≥{low}")
        for low, high in ((0, 20), (20, 40), (40, 60), (60, 80), (80, 100), (100, None))])
    order = forms.ChoiceField(label=_("Sort by"), required=False, choices=[
        ("name", _("Name")), ("dept", _("Department")), ("-effective", _("Effective hours, most first")),
        ("effective", _("Effective hours, fewest first")), ("-total", _("Total hours, most first")),
        ("total", _("Total hours, fewest first")), ("-missing", _("Hours missing, most first")),
        ("missing", _("Hours missing, fewest first")), ("hired", _("Hire date")),
        ("-hired", _("Hire date, latest first")), ("-name", _("Name, reversed")),
        ("-dept", _("Department, reversed"))])

    def __init__(self, *args, departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.departments = list(departments)
        self.fields["department"].choices = [("", _("All"))] + [(d.pk, d.name) for d in self.departments]
        # A unit outside the scope is not an error: it matches nobody (a filter only
        # narrows the scope), so any id is accepted here and looked up below.
        # Still a strict number: ASCII digits only, bounded (no "-5", no "１２").
        self.fields["department"].valid_value = _unit_id


def _unit_id(value) -> bool:
    text = str(value)
    return text.isascii() and text.isdigit() and 0 < int(text[:10]) < 2**31 and len(text) <= 10


def _band(value):
    if not value:
        return None
    low, _sep, high = value.partition("-")
    return int(low), int(high) if high else None


NOBODY = object()  # the department filter named a unit outside the scope


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
        department = NOBODY
    kwargs = {
        "department": department, "post_type": data.get("post_type", ""),
        "met": {"yes": True, "no": False}.get(data.get("met", "")),
        "new_hires": {"only": True, "exclude": False}.get(data.get("new_hires", "")),
        "q": data.get("q", ""), "order": data.get("order") or "name", "band": _band(data.get("band"))}
    return form, {"year": form.chosen_year(), **kwargs}


def overview_for(role, query):
    from reports.queries import staff_overview

    _form, kwargs = overview_filters(role, query)
    year = kwargs.pop("year")
    return staff_overview(role, year, **kwargs)


class BackboneWindowForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int)
    opens_on = BoundedDateField(label=_("Opens on"))
    closes_on = BoundedDateField(label=_("Closes on"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = year_choices()


class SummaryForm(forms.Form):
    """The two fields of 年度培训总结 people fill; the computed ones are not fields."""

    person_times = StrictIntegerField(label=_("Total person-times"), required=False, min_value=0,
                                      max_value=10_000_000)
    funding = forms.CharField(label=_("Total funding (10k yuan)"), required=False, max_length=20)

    def clean_funding(self):
        from core.minutes import parse_decimal

        value = (self.cleaned_data.get("funding") or "").strip()
        if not value:
            return None
        try:
            return parse_decimal(value, field="funding", max_whole_digits=10, places=2)
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from None
