from django.utils.translation import gettext_lazy as _

LEARNING_MENU = [
    {"label": _("Training projects"), "url": "training:catalogue", "order": 20},
    {"label": _("My training"), "url": "training:mine", "order": 25},
]

ADMIN_MENU = [
    {"section": _("Training implementation"), "label": _("Training class management"),
     "url": "training:manage", "permission": "training.manage"},
]
