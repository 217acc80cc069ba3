from django import forms
from django.utils.translation import gettext_lazy as _

from core.validators import BoundedDateField


class AuditFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=100, required=False)
    action = forms.CharField(label=_("Action"), max_length=64, required=False)
    date_from = BoundedDateField(label=_("From"), required=False)
    date_to = BoundedDateField(label=_("To"), required=False)
    # ABUSE-CASES 7: requests for objects outside the actor's scope (core.access.out_of_scope).
    out_of_scope = forms.BooleanField(label=_("Only requests refused as outside the scope"),
                                      required=False)

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return data
