from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.backup import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database and the uploaded files into one .tar archive."

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path)

    def handle(self, *args, output=None, **options):
        from django.conf import settings

        output = output or Path(settings.VAR_DIR) / "backups" / (
            f"xueshi-{timezone.now():%Y%m%d-%H%M%S}.tar")
        try:
            manifest = backup(output)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"backup of the {manifest['engine']} database written to {output}")
