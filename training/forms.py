from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from core.minutes import hours_minutes_to_minutes
from core.validators import AmountField, BoundedDateField, SingleLineField, StrictIntegerField
from training.models import Funding, Method, ProjectKind, ProjectStatus, Visibility

PAGE_SIZES = [10, 20, 50]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def _text(label, limit, rows=3):
    return forms.CharField(label=label, max_length=limit, required=False,
                           widget=forms.Textarea(attrs={"rows": rows, "maxlength": limit}))


def _count(label):
    return StrictIntegerField(label=label, min_value=0, max_value=1_000_000, required=False)


class ProjectForm(forms.Form):
    """培训项目基本信息表 and 报名与证书 (seed 004). Hours as 小时 + 分 pairs."""

    org = forms.TypedChoiceField(label=_("Organising unit"), coerce=int)
    name = SingleLineField(label=_("Training name"), max_length=200)
    year = StrictIntegerField(label=_("Training year"), min_value=2000, max_value=2999)
    kind = forms.ChoiceField(label=_("Project class"), choices=ProjectKind.choices)
    category = forms.ChoiceField(label=_("Training category"), required=False)
    method = forms.ChoiceField(label=_("Training method"), choices=Method.choices)
    start = BoundedDateField(label=_("Start"), widget=DateInput())
    end = BoundedDateField(label=_("End"), widget=DateInput())
    hours = forms.CharField(label=_("Hours"), max_length=5, widget=forms.TextInput(attrs={"size": 5, "inputmode": "numeric"}))
    mins = forms.CharField(label=_("Minutes"), max_length=5, required=False,
                           widget=forms.TextInput(attrs={"size": 3, "inputmode": "numeric"}))
    online_hours = forms.CharField(label=_("Of which online: hours"), max_length=5, required=False,
                                   widget=forms.TextInput(attrs={"size": 5, "inputmode": "numeric"}),
                                   help_text=_("Only for mixed projects"))
    online_mins = forms.CharField(label=_("Of which online: minutes"), max_length=5, required=False,
                                  widget=forms.TextInput(attrs={"size": 3, "inputmode": "numeric"}))
    days = _count(_("Days"))
    planned_attendees = _count(_("Planned attendees"))
    planned_research = _count(_("Research posts"))
    planned_management = _count(_("Management posts"))
    planned_support = _count(_("Support posts"))
    external_attendees = _count(_("External attendees"))
    staff_count = _count(_("Staff"))
    organiser = SingleLineField(label=_("Organiser"), max_length=200, required=False)
    contact = SingleLineField(label=_("Contact"), max_length=50, required=False)
    phone = SingleLineField(label=_("Contact phone"), max_length=30, required=False)
    email = SingleLineField(label=_("Contact email"), max_length=254, required=False)
    place = SingleLineField(label=_("Place"), max_length=200, required=False)
    audience = SingleLineField(label=_("Target audience"), max_length=200, required=False)
    objective = _text(_("Objective"), 2000)
    content = _text(_("Content"), 5000, rows=5)
    funding = forms.ChoiceField(label=_("Funding"), choices=Funding.choices)
    budget = AmountField(label=_("Budget (10,000 yuan)"), required=False)
    spent = AmountField(label=_("Actual spending (10,000 yuan)"), required=False)
    visibility = forms.ChoiceField(label=_("Visibility"), choices=Visibility.choices)
    enrol_allowed = forms.BooleanField(label=_("Enrolment allowed"), required=False)
    enrol_needs_approval = forms.BooleanField(label=_("Enrolment needs approval"), required=False)
    enrol_opens = forms.DateTimeField(label=_("Enrolment opens"), required=False, widget=DateTimeInput(),
                                      input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    enrol_closes = forms.DateTimeField(label=_("Enrolment closes"), required=False, widget=DateTimeInput(),
                                       input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    capacity = StrictIntegerField(label=_("Capacity"), min_value=1, max_value=1_000_000, required=False,
                                  help_text=_("Empty: no limit"))
    effectiveness = _text(_("Effectiveness"), 5000, rows=4)

    def __init__(self, *args, units=(), categories=(), with_effectiveness=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = [(u.pk, u.name) for u in units]
        self.fields["category"].choices = [("", "—")] + [(c.code, c.name) for c in categories]
        if not with_effectiveness:
            del self.fields["effectiveness"]

    def clean(self):
        data = super().clean()
        try:
            data["minutes"] = hours_minutes_to_minutes(data.get("hours"), data.get("mins"), field="hours")
        except DomainError as exc:
            self.add_error("hours", str(exc.message))
        try:
            data["online_minutes"] = (hours_minutes_to_minutes(
                data.get("online_hours"), data.get("online_mins"), field="online_hours", allow_zero=True)
                if data.get("online_hours") or data.get("online_mins") else 0)
        except DomainError as exc:
            self.add_error("online_hours", str(exc.message))
        return data

    @staticmethod
    def initial_of(project) -> dict:
        initial = {name: getattr(project, name) for name in (
            "name", "year", "kind", "category", "method", "start", "end", "days", "planned_attendees",
            "planned_research", "planned_management", "planned_support", "external_attendees",
            "staff_count", "organiser", "contact", "phone", "email", "place", "audience", "objective",
            "content", "funding", "budget", "spent", "visibility", "enrol_allowed",
            "enrol_needs_approval", "enrol_opens", "enrol_closes", "capacity", "effectiveness")}
        initial["org"] = project.org_id
        initial["hours"], initial["mins"] = divmod(project.minutes, 60)
        if project.method == Method.MIXED:
            initial["online_hours"], initial["online_mins"] = divmod(project.online_minutes, 60)
        return initial


class ManageFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("All"))] + list(ProjectStatus.choices))
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False, empty_value=None)
    q = forms.CharField(label=_("Training name"), max_length=100, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        year = timezone.localdate().year
        self.fields["year"].choices = [("", _("All"))] + [(y, y) for y in range(year + 1, year - 6, -1)]


class CatalogueFilterForm(forms.Form):
    kind = forms.ChoiceField(required=False, choices=[("", _("All"))] + list(ProjectKind.choices))
    category = forms.CharField(required=False, max_length=64)
    source = forms.ChoiceField(required=False, choices=[("all", _("All")), ("institute", _("Own institute")),
                                                        ("department", _("Own department")),
                                                        ("academy", _("Whole academy"))])
    funding = forms.ChoiceField(required=False, choices=[("", _("All"))] + list(Funding.choices))
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False, empty_value=None)
    month = forms.TypedChoiceField(label=_("Month"), coerce=int, required=False, empty_value=None,
                                   choices=[("", _("All"))] + [(m, m) for m in range(1, 13)])
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[
        ("", _("All")), ("open", _("Open for enrolment")), (ProjectStatus.IMPLEMENTED, _("Implemented")),
        (ProjectStatus.ENDED, _("Ended"))])
    q = forms.CharField(label=_("Search"), max_length=100, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        year = timezone.localdate().year
        self.fields["year"].choices = [("", _("All"))] + [(y, y) for y in range(year + 1, year - 6, -1)]


class ReasonForm(forms.Form):
    reason = SingleLineField(label=_("Reason"), max_length=500)


class SessionForm(forms.Form):
    """培训日程: a session and its sign-in rules."""

    title = SingleLineField(label=_("Title"), max_length=200)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DateTimeInput(),
                                    input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=DateTimeInput(),
                                  input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    place = SingleLineField(label=_("Place"), max_length=200, required=False)
    latitude = forms.CharField(label=_("Latitude"), max_length=24, required=False)
    longitude = forms.CharField(label=_("Longitude"), max_length=24, required=False)
    radius_m = StrictIntegerField(label=_("Radius (m)"), min_value=10, max_value=50_000, initial=200)
    require_qr = forms.BooleanField(label=_("QR code or short code required"), required=False, initial=True)
    require_location = forms.BooleanField(label=_("Location required"), required=False)


class SignInForm(forms.Form):
    token = forms.CharField(max_length=80, required=False, widget=forms.HiddenInput())
    code = forms.CharField(label=_("Short code"), max_length=6, required=False,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    latitude = forms.CharField(max_length=32, required=False, widget=forms.HiddenInput())
    longitude = forms.CharField(max_length=32, required=False, widget=forms.HiddenInput())
    accuracy = forms.CharField(max_length=32, required=False, widget=forms.HiddenInput())
