from django.utils.translation import gettext_lazy as _

LEARNING_MENU = [
    # "terms": the label under another rule set's names (seed 003: 我的学时补录).
    {"label": _("My external learning"), "url": "claims:mine_default", "order": 40,
     "terms": {"cast": _("My hours supplement")}},
]

ADMIN_MENU = [
    {"section": _("Training implementation"), "label": _("External learning review"), "url": "claims:review",
     "permission": "claims.review"},
    {"section": _("Training implementation"), "label": _("Record for a person"), "url": "claims:on_behalf",
     "permission": "claims.create_on_behalf"},
    {"section": _("Training implementation"), "label": _("Import external learning"), "url": "claims:import",
     "permission": "claims.import"},
    {"section": _("Training implementation"), "label": _("Supplementary registration"), "url": "claims:windows",
     "permission": "claims.windows"},
    {"section": _("Training implementation"), "label": _("External learning settings"), "url": "claims:settings",
     "permission": "claims.settings"},
]
