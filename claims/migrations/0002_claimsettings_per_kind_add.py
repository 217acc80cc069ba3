"""Claim settings per kind of claim and per attachment (add): the single
attachments_required flag becomes, for each kind, whether a training notice and whether a
certificate is required. This step only adds; 0003 fills, 0004 drops the old flag."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("claims", "0001_initial"),
        ("orgs", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="claimsettings",
            name="org",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                    related_name="claim_settings", to="orgs.org"),
        ),
        migrations.AddField(
            model_name="claimsettings",
            name="kind",
            field=models.CharField(max_length=24, null=True, choices=[
                ("external_training", "External training"), ("self_study", "Self-study"),
                ("online", "Other-site online learning")]),
        ),
        migrations.AddField(
            model_name="claimsettings",
            name="notice_required",
            field=models.BooleanField(default=False, verbose_name="training notice required"),
        ),
        migrations.AddField(
            model_name="claimsettings",
            name="certificate_required",
            field=models.BooleanField(default=False, verbose_name="certificate required"),
        ),
    ]
