from django.utils.translation import gettext_lazy as _

LEARNING_MENU = [
    {"label": _("My archive"), "url": "ledger:archive", "order": 60,
     "terms": {"cast": _("My learning archive")}},
]

ADMIN_MENU = [
    {"section": _("Training statistics"), "label": _("Yearly rules"), "url": "ledger:policy_current",
     "permission": "ledger.policy_view"},
]
