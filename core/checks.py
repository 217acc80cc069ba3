"""System checks of our own (`manage.py check --deploy`)."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def development_secret_key(app_configs, **kwargs):
    """The public development key must never reach a deployment (issue 9, Low)."""
    # The prefix of config.startup.DEVELOPMENT_KEY: core (floor 0) does not import config.
    if settings.SECRET_KEY.startswith("development-only-key-"):
        return [Error("SECRET_KEY is the public development key.",
                      hint="Set XUESHI_ENV=production and a random SECRET_KEY of 50+ characters "
                           "(docs/deployment.md).", id="xueshi.E001")]
    return []
