from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self):
        from core import appendonly, checks  # noqa: F401 - registers the system checks

        appendonly.connect_sqlite_guard()
