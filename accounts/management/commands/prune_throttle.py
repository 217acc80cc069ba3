"""`xueshi prune_throttle`: remove stale login-throttle rows (schedule it daily, e.g. from
cron; `--enqueue` hands the work to the django-tasks worker instead)."""

from django.core.management.base import BaseCommand

from accounts.services.throttle import throttle_prune


class Command(BaseCommand):
    help = "Remove login-throttle budgets with no running lock and no recent attempt."

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true",
                            help="enqueue the prune_login_throttle task for the worker")

    def handle(self, *args, enqueue=False, **options):
        if enqueue:
            from accounts.tasks import prune_login_throttle

            result = prune_login_throttle.enqueue()
            self.stdout.write(f"enqueued {result.id}")
            return
        removed = throttle_prune()
        self.stdout.write(f"removed {removed} stale throttle rows")
