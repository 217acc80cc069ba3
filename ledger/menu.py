from django.utils.translation import gettext_lazy as _

from accounts.models import Role

LEARNING_MENU = [
    {"label": _("My archive"), "url": "ledger:archive", "order": 60},
]

ADMIN_MENU = [
    {"section": _("Training statistics"), "label": _("Yearly rules"), "url": "ledger:policy_current",
     "roles": {Role.ACADEMY_ADMIN}},
]
