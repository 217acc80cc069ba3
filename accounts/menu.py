from django.utils.translation import gettext_lazy as _

LEARNING_MENU = [
    {"label": _("Personal settings"), "url": "accounts:profile", "order": 90},
    {"label": _("Change password"), "url": "accounts:password_change", "order": 91},
]

ADMIN_MENU = [
    {"section": _("System management"), "label": _("Staff management"), "url": "accounts:staff_list",
     "permission": "staff.view"},
]
