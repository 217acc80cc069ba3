from django.db import migrations, models


def backfill(apps, schema_editor):
    """Drafts whose last step was 撤回 (submitted → draft) get that step's time."""
    Claim = apps.get_model("claims", "Claim")
    ClaimEvent = apps.get_model("claims", "ClaimEvent")
    for claim in Claim.objects.filter(status="draft").only("pk").iterator():
        last = ClaimEvent.objects.filter(claim_id=claim.pk).order_by("-at", "-id").first()
        if last is not None and last.from_status == "submitted" and last.to_status == "draft":
            Claim.objects.filter(pk=claim.pk).update(withdrawn_at=last.at)


class Migration(migrations.Migration):

    dependencies = [
        ('claims', '0007_claimsettings_credited_without_review'),
    ]

    operations = [
        migrations.AddField(
            model_name='claim',
            name='withdrawn_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
