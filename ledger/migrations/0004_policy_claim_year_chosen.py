from django.db import migrations, models


def cast_policies_choose_the_year(apps, schema_editor):
    # Policies seeded from the CAST rule set are the ones whose categories are subjects
    # (培训科目); seed 003 lets their learners choose the year of a claim.
    Policy = apps.get_model("ledger", "Policy")
    Policy.objects.filter(categories__kind="subject").update(claim_year_chosen=True)


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0003_yearly_totals'),
    ]

    operations = [
        migrations.AddField(
            model_name='policy',
            name='claim_year_chosen',
            field=models.BooleanField(default=False, verbose_name='learners choose the year of a claim'),
        ),
        migrations.RunPython(cast_policies_choose_the_year, migrations.RunPython.noop),
    ]
