from django.utils.translation import gettext_lazy as _

from accounts.models import Role

LEARNING_MENU = [
    {"label": _("My external learning"), "url": "claims:mine_default", "order": 40},
]

ADMIN_MENU = [
    {"section": _("Training implementation"), "label": _("External learning review"), "url": "claims:review",
     "roles": {Role.DEPARTMENT_ADMIN, Role.INSTITUTE_ADMIN, Role.ACADEMY_ADMIN}},
    {"section": _("Training implementation"), "label": _("Record for a person"), "url": "claims:on_behalf",
     "roles": {Role.DEPARTMENT_ADMIN, Role.INSTITUTE_ADMIN, Role.ACADEMY_ADMIN}},
    {"section": _("Training implementation"), "label": _("Import external learning"), "url": "claims:import",
     "roles": {Role.DEPARTMENT_ADMIN, Role.INSTITUTE_ADMIN, Role.ACADEMY_ADMIN}},
    {"section": _("Training implementation"), "label": _("Supplementary registration"), "url": "claims:windows",
     "roles": {Role.INSTITUTE_ADMIN, Role.ACADEMY_ADMIN}},
    {"section": _("Training implementation"), "label": _("External learning settings"), "url": "claims:settings",
     "roles": {Role.INSTITUTE_ADMIN, Role.ACADEMY_ADMIN}},
]
