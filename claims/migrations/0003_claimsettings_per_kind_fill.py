"""Claim settings per kind (fill): an organisation that required attachments required
them for every kind, and "attachments" meant the notice and the certificate (the form
said so), so each old row becomes one row per kind requiring both."""

from django.db import migrations

KINDS = ("external_training", "self_study", "online")


def forwards(apps, schema_editor):
    ClaimSettings = apps.get_model("claims", "ClaimSettings")
    for row in ClaimSettings.objects.filter(kind__isnull=True):
        flag = row.attachments_required
        row.kind, row.notice_required, row.certificate_required = KINDS[0], flag, flag
        row.save(update_fields=["kind", "notice_required", "certificate_required"])
        for kind in KINDS[1:]:
            ClaimSettings.objects.create(org_id=row.org_id, kind=kind, notice_required=flag,
                                         certificate_required=flag, attachments_required=flag)


def backwards(apps, schema_editor):
    ClaimSettings = apps.get_model("claims", "ClaimSettings")
    for row in ClaimSettings.objects.all():
        row.attachments_required = ClaimSettings.objects.filter(
            org_id=row.org_id, certificate_required=True).exists() or ClaimSettings.objects.filter(
            org_id=row.org_id, notice_required=True).exists()
        row.save(update_fields=["attachments_required"])
    # One row per organisation again, as the one-to-one before 0002 wants.
    seen = set()
    for row in ClaimSettings.objects.order_by("org_id", "id"):
        if row.org_id in seen:
            row.delete()
        else:
            seen.add(row.org_id)
            row.kind = None
            row.save(update_fields=["kind"])


class Migration(migrations.Migration):

    dependencies = [("claims", "0002_claimsettings_per_kind_add")]

    operations = [migrations.RunPython(forwards, backwards)]
