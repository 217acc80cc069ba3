from django.core.management.base import BaseCommand

from portal import demodata
from portal.management.commands.seed_demo import demo_people


class Command(BaseCommand):
    help = "Print the demo academy's logins."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000, help="the port `make demo` serves on")

    def handle(self, *args, **options):
        out = self.stdout
        out.write("")
        out.write(f"xueshi demo: http://127.0.0.1:{options['port']}/")
        out.write(f"{'login name':<18} {'password':<18} role / what to try")
        out.write("-" * 78)
        for person in demo_people():
            role = person["role"] or "learner"
            out.write(f"{person['login']:<18} {demodata.DEMO_PASSWORD:<18} {role}: {person['try']}")
        out.write(f"{'niaot-lisi':<18} {demodata.DEMO_INITIAL_PASSWORD:<18} learner with an initial "
                  "password: forced to change it first")
        out.write("Other staff log in with their initial password "
                  f"{demodata.DEMO_INITIAL_PASSWORD} and must change it.")
        out.write("")
