"""Claim settings per kind (drop): the old flag goes; a kind is required and unique per
organisation."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [("claims", "0003_claimsettings_per_kind_fill")]

    operations = [
        migrations.RemoveField(model_name="claimsettings", name="attachments_required"),
        migrations.AlterField(
            model_name="claimsettings",
            name="kind",
            field=models.CharField(max_length=24, choices=[
                ("external_training", "External training"), ("self_study", "Self-study"),
                ("online", "Other-site online learning")]),
        ),
        migrations.AddConstraint(
            model_name="claimsettings",
            constraint=models.UniqueConstraint(fields=("org", "kind"), name="claim_settings_org_kind"),
        ),
    ]
