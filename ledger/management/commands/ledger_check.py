"""Compare LedgerTotal with the sums of the entries; --fix rewrites wrong totals."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Sum

from ledger.models import LedgerEntry, LedgerTotal, LedgerYearTotal


class Command(BaseCommand):
    help = "Check the ledger totals against the entries (and repair them with --fix)."

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true")

    def handle(self, *args, fix=False, **options):
        with transaction.atomic():
            truth = {(p, y, m, c): s for p, y, m, c, s in (
                LedgerEntry.objects.values("person_id", "year", "month", "cap_class")
                .annotate(s=Sum("minutes")).order_by()
                .values_list("person_id", "year", "month", "cap_class", "s"))}
            stored = {(p, y, m, c): s for p, y, m, c, s in LedgerTotal.objects.values_list(
                "person_id", "year", "month", "cap_class", "minutes")}
            wrong = [(key, stored.get(key, 0), truth.get(key, 0))
                     for key in set(truth) | set(stored)
                     if stored.get(key, 0) != truth.get(key, 0)]
            for (person, year, month, cls), have, want in sorted(wrong):
                self.stdout.write(f"person {person} {year}-{month:02d} {cls}: total {have}, entries {want}")
                if fix:
                    LedgerTotal.objects.update_or_create(
                        person_id=person, year=year, month=month, cap_class=cls,
                        defaults={"minutes": want})
            year_truth = {(p, y, c): s for p, y, c, s in (
                LedgerEntry.objects.values("person_id", "year", "cap_class")
                .annotate(s=Sum("minutes")).order_by()
                .values_list("person_id", "year", "cap_class", "s"))}
            year_stored = {(p, y, c): s for p, y, c, s in LedgerYearTotal.objects.values_list(
                "person_id", "year", "cap_class", "minutes")}
            for key in set(year_truth) | set(year_stored):
                have, want = year_stored.get(key, 0), year_truth.get(key, 0)
                if have != want:
                    wrong.append((key, have, want))
                    person, year, cls = key
                    self.stdout.write(f"person {person} {year} {cls}: year total {have}, entries {want}")
                    if fix:
                        LedgerYearTotal.objects.update_or_create(
                            person_id=person, year=year, cap_class=cls, defaults={"minutes": want})
        if wrong and not fix:
            raise CommandError(f"{len(wrong)} totals differ from the entries (run with --fix)")
        self.stdout.write(f"ledger_check: {len(truth)} month totals checked, "
                          f"{len(wrong)} {'repaired' if fix else 'wrong'}.")
