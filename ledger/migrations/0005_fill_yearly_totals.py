"""Fill LedgerYearTotal from the entries: 0003 added the table without filling it, so
entries written before it were missing from every yearly figure."""

from django.db import migrations
from django.db.models import Sum


def fill_yearly_totals(apps, schema_editor):
    LedgerEntry = apps.get_model("ledger", "LedgerEntry")
    LedgerYearTotal = apps.get_model("ledger", "LedgerYearTotal")
    # Derived data: rebuilt whole from the entries (rows written since 0003 included), so
    # running it again gives the same table.
    LedgerYearTotal.objects.all().delete()
    sums = (LedgerEntry.objects.values("person_id", "year", "cap_class")
            .annotate(minutes=Sum("minutes")).order_by())
    batch = []
    for row in sums.iterator(chunk_size=2000):
        batch.append(LedgerYearTotal(person_id=row["person_id"], year=row["year"],
                                     cap_class=row["cap_class"], minutes=row["minutes"]))
        if len(batch) >= 2000:
            LedgerYearTotal.objects.bulk_create(batch)
            batch = []
    LedgerYearTotal.objects.bulk_create(batch)


class Migration(migrations.Migration):

    dependencies = [
        ("ledger", "0004_policy_claim_year_chosen"),
    ]

    operations = [
        migrations.RunPython(fill_yearly_totals, migrations.RunPython.noop),
    ]
