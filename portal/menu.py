from django.utils.translation import gettext_lazy as _

ADMIN_MENU = [
    {"section": _("System management"), "label": _("Audit trail"), "url": "portal:audit",
     "permission": "audit.view"},
]
