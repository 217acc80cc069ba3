from django.utils.translation import gettext_lazy as _

ADMIN_MENU = [
    {"section": _("Training statistics"), "label": _("Staff learning overview"), "url": "reports:staff",
     "permission": "reports.staff"},
]
