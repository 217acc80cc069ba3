from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from claims.models import AttachmentKind, ClaimKind, ClaimStatus
from core.errors import DomainError
from core.minutes import hours_minutes_to_minutes
from core.validators import AmountField, BoundedDateField, SingleLineField, StrictIntegerField

PAGE_SIZES = [5, 10, 20, 50]


class DateInput(forms.DateInput):
    """<input type="date"> takes and shows only ISO dates (YYYY-MM-DD): the localised
    2026/07/01 shows as blank in browsers, and saving the form then loses the date."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class ClaimForm(forms.Form):
    """新添记录 (seed 003's fields)."""

    year = forms.TypedChoiceField(label=_("Year"), coerce=int)
    name = SingleLineField(label=_("Training name"), max_length=200)
    category = forms.ChoiceField(label=_("Training category"), required=False)
    subject = forms.CharField(label=_("Training subject"), max_length=100, required=False)
    start = BoundedDateField(label=_("Start"), widget=DateInput())
    end = BoundedDateField(label=_("End"), widget=DateInput())
    # 申请学时 as 小时 + 分, so that 10 minutes (an online course) can be recorded; the pair
    # becomes cleaned_data["minutes"] through core.minutes.
    hours = forms.CharField(label=_("Requested hours"), max_length=5, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 5}))
    mins = forms.CharField(label=_("Minutes"), max_length=5, required=False,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 3}))
    organiser = forms.CharField(label=_("Organiser"), max_length=200, required=False)
    contact = forms.CharField(label=_("Contact"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=30, required=False)
    location = forms.CharField(label=_("Training location"), max_length=200, required=False)
    cost = AmountField(label=_("Cost (10,000 yuan)"), max_length=20, required=False)
    purpose = forms.CharField(label=_("Purpose"), max_length=300, required=False,
                              widget=forms.Textarea(attrs={"rows": 2, "maxlength": 300}),
                              help_text=_("At most 300 characters"))
    content = forms.CharField(label=_("Content"), max_length=300, required=False,
                              widget=forms.Textarea(attrs={"rows": 2, "maxlength": 300}),
                              help_text=_("At most 300 characters"))
    notice = forms.FileField(label=_("Training notice"), required=False,
                             help_text=_("PDF, JPEG, PNG or OFD"))
    certificate = forms.FileField(label=_("Certificate"), required=False,
                                  help_text=_("PDF, JPEG, PNG or OFD"))

    def __init__(self, *args, categories=(), subjects=(), **kwargs):
        super().__init__(*args, **kwargs)
        year = timezone.localdate().year
        self.fields["year"].choices = [(y, y) for y in range(year, year - 4, -1)]
        self.fields["category"].choices = [("", "—")] + [(c.code, c.name) for c in categories]
        if subjects:
            # Seed 003 (CAST): 培训分类 and 培训科目, two required choices from the policy.
            self.fields["category"].label = _("Training classification")
            self.fields["category"].required = bool(categories)
            self.fields["subject"] = forms.ChoiceField(
                label=_("Training subject"), choices=[("", "—")] + [(c.code, c.name) for c in subjects])

    def clean(self):
        data = super().clean()
        try:
            data["minutes"] = hours_minutes_to_minutes(data.get("hours"), data.get("mins"), field="hours")
        except DomainError as exc:
            self.add_error("hours", exc.message)
        return data

    @staticmethod
    def initial_duration(minutes: int) -> dict:
        """The 小时 and 分 fields of a stored amount (16h10m → "16", "10")."""
        return {"hours": str(minutes // 60), "mins": str(minutes % 60)}

    def files_to_store(self):
        return [(kind, self.cleaned_data[kind]) for kind in ("notice", "certificate")
                if self.cleaned_data.get(kind)]


class MineFilterForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False, empty_value=None)
    category = forms.ChoiceField(label=_("Training category"), required=False)
    q = forms.CharField(label=_("Training name"), max_length=100, required=False)
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("All"))] + list(ClaimStatus.choices))
    size = forms.TypedChoiceField(label=_("Per page"), coerce=int, required=False, empty_value=5,
                                  choices=[(n, n) for n in PAGE_SIZES])

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        year = timezone.localdate().year
        self.fields["year"].choices = [("", _("All"))] + [(y, y) for y in range(year, year - 6, -1)]
        self.fields["category"].choices = [("", _("All"))] + [(c.code, c.name) for c in categories]


class ReviewFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False,
                             choices=[("", _("All"))] + list(ClaimKind.choices))
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("All"))] + list(ClaimStatus.choices))
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False, empty_value=None)
    department = forms.TypedChoiceField(label=_("Department"), coerce=int, required=False, empty_value=None)
    q = forms.CharField(label=_("Name, person or employee number"), max_length=100, required=False)

    def __init__(self, *args, departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        year = timezone.localdate().year
        self.fields["year"].choices = [("", _("All"))] + [(y, y) for y in range(year, year - 6, -1)]
        self.fields["department"].choices = [("", _("All"))] + [(d.pk, getattr(d, "label", d.name))
                                                                 for d in departments]


class OnBehalfForm(ClaimForm):
    """审核创建. `categories` are optgroups, [(kind label, [(code, name)])]: the kind is
    chosen on the same form, so every kind's categories are offered."""

    person = forms.CharField(label=_("Person (login name or employee number)"), max_length=150)
    kind = forms.ChoiceField(label=_("Kind"), choices=ClaimKind.choices)

    field_order = ["person", "kind"]

    def __init__(self, *args, categories=(), subjects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "—")] + [(label, list(group)) for label, group in categories
                                                         if group]
        if any(group for _label, group in subjects):
            # Rules with 培训科目 (CAST): a choice per kind; the service asks for one.
            self.fields["category"].label = _("Training classification")
            self.fields["subject"] = forms.ChoiceField(
                label=_("Training subject"), required=False,
                choices=[("", "—")] + [(label, list(group)) for label, group in subjects if group])


class DecisionForm(forms.Form):
    """The reason of a 驳回 (or of revoking an approval): required, one textarea, its error
    shown next to it."""

    reason = forms.CharField(label=_("Reason"), max_length=500, strip=True,
                             error_messages={"required": _("Give the reason for the rejection.")},
                             widget=forms.Textarea(attrs={"rows": 3, "maxlength": 500}))

    def __init__(self, *args, purpose="reject", **kwargs):
        super().__init__(*args, **kwargs)
        if purpose == "revoke":
            self.fields["reason"].error_messages["required"] = _("Give a reason.")
            self.fields["reason"].label = _("Reason for revoking")
        else:
            self.fields["reason"].label = _("Reason for rejecting")


class WindowForm(forms.Form):
    # A context of its own: the orgs catalog translates a bare "Organisation" as its menu name.
    org = forms.TypedChoiceField(label=pgettext_lazy("claims", "Organisation"), coerce=int)
    year = StrictIntegerField(label=_("Claims for the year"), min_value=1990, max_value=2999)
    opens_on = BoundedDateField(label=_("Opens on"), widget=DateInput())
    closes_on = BoundedDateField(label=_("Closes on"), widget=DateInput())

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = [(u.pk, u.name) for u in units]


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel file (.xlsx)"))


class ClaimSettingsForm(forms.Form):
    """One checkbox per kind of claim and requirable attachment (`<kind>__<attachment>`)."""

    ATTACHMENTS = (AttachmentKind.NOTICE, AttachmentKind.CERTIFICATE)

    def __init__(self, *args, current=None, without_review=None, **kwargs):
        super().__init__(*args, **kwargs)
        current = current or {}
        without_review = without_review or {}
        for kind in ClaimKind:
            for attachment in self.ATTACHMENTS:
                self.fields[f"{kind.value}__{attachment.value}"] = forms.BooleanField(
                    label=f"{kind.label}: {attachment.label}", required=False,
                    initial=attachment.value in current.get(kind.value, []))
            # 不用审批直接计入 (seed 003): approved by the system as it is submitted.
            self.fields[f"{kind.value}__without_review"] = forms.BooleanField(
                label=f"{kind.label}: {_('credited without review')}", required=False,
                initial=bool(without_review.get(kind.value)))

    def rows(self):
        """[(kind label, [bound checkbox per attachment], without-review checkbox)]."""
        return [(kind.label, [self[f"{kind.value}__{a.value}"] for a in self.ATTACHMENTS],
                 self[f"{kind.value}__without_review"]) for kind in ClaimKind]

    def without_review(self) -> set[str]:
        return {kind.value for kind in ClaimKind if self.cleaned_data.get(f"{kind.value}__without_review")}

    def required(self) -> dict[str, list[str]]:
        return {kind.value: [a.value for a in self.ATTACHMENTS
                             if self.cleaned_data.get(f"{kind.value}__{a.value}")]
                for kind in ClaimKind}
