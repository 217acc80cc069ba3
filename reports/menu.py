from django.utils.translation import gettext_lazy as _

ADMIN_MENU = [
    {"section": _("Training statistics"), "label": _("Training class statistics"), "url": "reports:classes",
     "permission": "reports.classes"},
    {"section": _("Training statistics"), "label": _("Staff learning overview"), "url": "reports:staff",
     "permission": "reports.staff"},
]
ADMIN_MENU += [
    {"section": _("Training statistics"), "label": _("Backbone talent report"), "url": "reports:backbone",
     "permission": "reports.backbone_view"},
    {"section": _("Training statistics"), "label": _("Backbone reporting window"),
     "url": "reports:backbone_window", "permission": "reports.backbone_window"},
]
ADMIN_MENU += [
    {"section": _("Training statistics"), "label": _("Annual training summary"), "url": "reports:summaries",
     "permission": "reports.summary"},
]
ADMIN_MENU += [
    {"section": _("Training statistics"), "label": _("Training dashboard"), "url": "reports:dashboard",
     "permission": "reports.dashboard"},
]
