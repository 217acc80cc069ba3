from django.utils.translation import gettext_lazy as _

from accounts.models import Role

ADMIN_MENU = [
    {"section": _("System management"), "label": _("Audit trail"), "url": "core:audit",
     "roles": {Role.INSTITUTE_ADMIN, Role.ACADEMY_ADMIN}},
]
