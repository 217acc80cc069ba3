from django.utils.translation import gettext_lazy as _

from accounts.models import Role

ADMIN_MENU = [
    {"section": _("System management"), "label": _("Organisation"), "url": "orgs:tree",
     "roles": {Role.INSTITUTE_ADMIN, Role.ACADEMY_ADMIN}},
]
