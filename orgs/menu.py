from django.utils.translation import gettext_lazy as _

ADMIN_MENU = [
    {"section": _("System management"), "label": _("Organisation"), "url": "orgs:tree",
     "permission": "orgs.edit"},
]
