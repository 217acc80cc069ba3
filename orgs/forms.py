from django import forms
from django.utils.translation import gettext_lazy as _

from core.validators import SingleLineField
from orgs.models import LoginRule


class DepartmentForm(forms.Form):
    parent = forms.TypedChoiceField(label=_("Parent unit"), coerce=int)
    name = SingleLineField(label=_("Department name"), max_length=100)

    def __init__(self, *args, parents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = [(u.pk, ("— " * u.depth) + u.name) for u in parents]


class RenameForm(forms.Form):
    name = SingleLineField(label=_("Name"), max_length=100)


class PasswordPolicyForm(forms.Form):
    mode = forms.ChoiceField(label=_("Initial passwords"), choices=[
        ("default", _("One default initial password for everybody")),
        ("random", _("A random initial password per person (listed in the import result file)")),
    ], widget=forms.RadioSelect)
    default_password = forms.CharField(label=_("Default initial password"), max_length=64,
                                       required=False)


class LoginRuleForm(forms.Form):
    rule = forms.ChoiceField(label=_("Login names of new people"), choices=LoginRule.choices,
                             widget=forms.RadioSelect)
