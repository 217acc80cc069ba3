from django.utils.translation import gettext_lazy as _

LEARNING_MENU = [{"label": _("Notifications"), "url": "notifications:inbox", "order": 10}]
