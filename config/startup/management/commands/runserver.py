"""runserver that refuses a non-loopback address with the development secret key."""

from django.core.management.base import CommandError
from whitenoise.runserver_nostatic.management.commands.runserver import Command as Base

from config.startup import PublicDevelopmentServer, refuse_public_development_key


class Command(Base):
    def run(self, **options):
        try:
            refuse_public_development_key([self.addr])
        except PublicDevelopmentServer as exc:
            raise CommandError(str(exc)) from None
        super().run(**options)
