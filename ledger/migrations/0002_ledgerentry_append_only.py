from django.db import migrations

from core.appendonly import AppendOnly


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [AppendOnly("ledger_ledgerentry")]
