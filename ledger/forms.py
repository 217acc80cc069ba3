import re
import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.validators import SingleLineField, StrictIntegerField
from ledger.models import BackboneBasis, HoursDisplay

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class MonthRangeForm(forms.Form):
    """从 2016-01 到 2016-12."""

    start = forms.CharField(label=_("From"), max_length=7, required=False,
                            widget=forms.TextInput(attrs={"type": "month", "placeholder": "2016-01"}))
    end = forms.CharField(label=_("To"), max_length=7, required=False,
                          widget=forms.TextInput(attrs={"type": "month", "placeholder": "2016-12"}))

    def clean(self):
        from ledger.api import parse_range

        data = super().clean()
        from core.errors import DomainError

        try:
            data["range"] = parse_range(data.get("start") or None, data.get("end") or None)
        except DomainError as exc:
            self.add_error(exc.field, exc.message)
        return data

    @classmethod
    def default_range(cls):
        year = timezone.localdate().year
        return (year, 1), (year, 12)


class ISODateInput(forms.DateInput):
    """<input type="date"> takes and shows only ISO dates (2026-07-01): any other format
    shows as blank and a saved form would lose the date."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class CreditForm(forms.Form):
    cap_class = forms.ChoiceField(label=_("Class of hours"))
    category = forms.ChoiceField(label=_("Category"), required=False)
    # 小时 and 分: seed 001's 10 minutes of online time must be recordable.
    hours = forms.CharField(label=_("Hours"), max_length=5, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "numeric", "pattern": r"\d{1,5}"}))
    minutes = forms.CharField(label=_("Minutes"), max_length=5, required=False,
                              widget=forms.TextInput(attrs={"inputmode": "numeric", "pattern": r"\d{1,5}"}))
    start = forms.DateField(label=_("Start"), input_formats=["%Y-%m-%d"], widget=ISODateInput)
    end = forms.DateField(label=_("End"), required=False, input_formats=["%Y-%m-%d"],
                          widget=ISODateInput)
    reason = forms.CharField(label=_("Reason"), max_length=500)
    source_note = forms.CharField(label=_("Where the hours come from"), max_length=200, required=False)
    # A fresh key per rendered form: posting the same form twice credits once.
    request_key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False,
                                  initial=lambda: uuid.uuid4().hex)

    def __init__(self, *args, rules=None, **kwargs):
        super().__init__(*args, **kwargs)
        if rules is not None:
            self.fields["cap_class"].choices = [(c.code, c.name) for c in rules.classes]
            # Grouped by the class each category counts in; the service refuses a category
            # of another class.
            self.fields["category"].choices = [("", "—")] + [
                (c.name, [(k.code, k.name) for k in rules.categories if k.cap_class == c.code])
                for c in rules.classes if any(k.cap_class == c.code for k in rules.categories)]

    def clean(self):
        from core.errors import DomainError
        from core.minutes import hours_minutes_to_minutes

        data = super().clean()
        try:
            data["total_minutes"] = hours_minutes_to_minutes(data.get("hours"), data.get("minutes"),
                                                             field="hours")
        except DomainError as exc:
            self.add_error("hours", exc.message)
        return data


class ReverseForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)


class PolicyForm(forms.Form):
    # Empty: not set (the CAST rule set ships these unset; seed 003 gives none).
    annual_target_hours = StrictIntegerField(label=_("Yearly target (hours)"), min_value=1, max_value=1000,
                                             required=False, help_text=_("Empty: not set."))
    backbone_single_min_hours = StrictIntegerField(label=_("Backbone: one training of more than (hours)"),
                                                   min_value=0, max_value=1000, required=False,
                                                   help_text=_("Empty: not set."))
    backbone_ratio_permille = StrictIntegerField(label=_("Backbone ratio (‰)"), min_value=0, max_value=1000,
                                                 required=False, help_text=_("Empty: not set."))
    backbone_basis = forms.ChoiceField(label=_("Backbone basis"), choices=BackboneBasis.choices)
    chapter_threshold_percent = StrictIntegerField(label=_("Chapter threshold (%)"), min_value=1, max_value=100)
    heartbeat_seconds = StrictIntegerField(label=_("Heartbeat interval (s)"), min_value=5, max_value=600)
    claim_year_chosen = forms.BooleanField(
        label=_("Learners choose the year a claim counts in"), required=False,
        help_text=_("As in the CAST rules: a claim's hours count in the year the learner picks, "
                    "not in the months the claim spans."))
    hours_display = forms.ChoiceField(label=_("Hours shown as"), choices=HoursDisplay.choices)


class CapClassForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=32)
    name = SingleLineField(label=_("Name"), max_length=64)
    cap_hours = StrictIntegerField(label=_("Yearly cap (hours, empty: none)"), min_value=0,
                                   max_value=10000, required=False)


class CategoryForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=64)
    name = SingleLineField(label=_("Name"), max_length=100)
    cap_class = forms.ChoiceField(label=_("Class of hours"))
    kind = forms.ChoiceField(label=_("Kind"), choices=[("training_category", _("Training category")),
                                                       ("subject", _("Subject"))])

    def __init__(self, *args, classes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cap_class"].choices = [(c.code, c.name) for c in classes]
