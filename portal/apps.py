from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The top floor: the page shell and menus assembled from every app, the home page,
    the admin home, the audit pages and the demo academy (docs/architecture.md)."""

    name = "portal"
    verbose_name = "Portal"
