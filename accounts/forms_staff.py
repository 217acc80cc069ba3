from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import PostType, Role
from core.validators import PERSON_DATES, BoundedDateField, SingleLineField

PAGE_SIZES = [10, 20, 50, 100]
_YES_NO = [("", _("All")), ("1", _("Yes")), ("0", _("No"))]


class StaffFilterForm(forms.Form):
    q = forms.CharField(label=_("Name, login name, employee number, email or mobile"),
                        max_length=100, required=False)
    institute = forms.TypedChoiceField(label=_("Institute"), coerce=int, required=False,
                                       empty_value=None)
    department = forms.TypedChoiceField(label=_("Department"), coerce=int, required=False,
                                        empty_value=None)
    post_type = forms.ChoiceField(label=_("Post type"), required=False,
                                  choices=[("", _("All"))] + list(PostType.choices))
    active = forms.ChoiceField(label=_("Active"), required=False, choices=_YES_NO)
    hours_required = forms.ChoiceField(label=_("Hours required"), required=False, choices=_YES_NO)
    new_hires = forms.BooleanField(label=_("New hires of this year"), required=False)
    order = forms.CharField(required=False, widget=forms.HiddenInput)
    size = forms.TypedChoiceField(label=_("Per page"), coerce=int, required=False,
                                  choices=[(n, n) for n in PAGE_SIZES], empty_value=20)

    def __init__(self, *args, institutes=(), departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", _("All"))] + [
            (d.pk, ("— " * max(d.depth - 3, 0)) + d.name) for d in departments]
        if len(institutes) > 1:
            self.fields["institute"].choices = [("", _("All"))] + [(i.pk, i.name) for i in institutes]
        else:
            del self.fields["institute"]


class StaffForm(forms.Form):
    real_name = SingleLineField(label=_("Staff name"), max_length=64)
    login_name = SingleLineField(label=_("Login name"), max_length=150, required=False)
    institute = forms.TypedChoiceField(label=_("Institute"), coerce=int, required=False,
                                       empty_value=None)
    department = forms.TypedChoiceField(label=_("Department"), coerce=int, required=False,
                                        empty_value=None)
    employee_no = forms.CharField(label=_("Employee number"), max_length=32, required=False)
    email = forms.CharField(label=_("Email"), max_length=254, required=False)
    mobile = forms.CharField(label=_("Mobile"), max_length=20, required=False)
    post_type = forms.ChoiceField(label=_("Post type"), required=False,
                                  choices=[("", "—")] + list(PostType.choices))
    hire_date = BoundedDateField(label=_("Hire date"), required=False, years=PERSON_DATES)
    hours_required = forms.BooleanField(label=_("Hours required"), required=False, initial=True)

    def __init__(self, *args, institutes=(), departments=(), editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", "—")] + [
            (d.pk, f"{d.institute.name if len(institutes) > 1 else ''} {d.name}".strip())
            for d in departments]
        if editing or len(institutes) <= 1:
            del self.fields["institute"]
        else:
            self.fields["institute"].choices = [(i.pk, i.name) for i in institutes]
            self.fields["institute"].required = True
        if not editing:
            self.fields["login_name"].help_text = _(
                "Left empty: named by the institute's rule (its email, abbreviation-pinyin or "
                "mobile number).")


class RoleGrantForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    org = forms.TypedChoiceField(label=_("Unit"), coerce=int)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = [(u.pk, u.name) for u in units]
