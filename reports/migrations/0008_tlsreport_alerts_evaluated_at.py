from typing import Any

from django.db import migrations, models, transaction
from django.db.models import F

BATCH = 5000


def mark_stored_reports_evaluated(apps: Any, schema_editor: Any) -> None:
    """Reports stored before the column existed had their alert task sent already: marked
    evaluated, so the sweep does not raise alerts about all of history at once. In batches by
    primary key, each its own transaction (the migration is not atomic), so a large table holds
    no long transaction; running it again only fills what is still empty."""
    TlsReport = apps.get_model("reports", "TlsReport")
    last = 0
    while True:
        pks = list(
            TlsReport.objects.filter(pk__gt=last, alerts_evaluated_at__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)[:BATCH]
        )
        if not pks:
            return
        last = pks[-1]
        with transaction.atomic():
            TlsReport.objects.filter(pk__in=pks).update(alerts_evaluated_at=F("created"))


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("reports", "0007_leave_out_reports_about_other_domains"),
    ]

    operations = [
        migrations.AddField(
            model_name="tlsreport",
            name="alerts_evaluated_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(mark_stored_reports_evaluated, migrations.RunPython.noop),
        # After the UPDATE: the index then holds only what arrives from now on.
        migrations.AddIndex(
            model_name="tlsreport",
            index=models.Index(
                condition=models.Q(("alerts_evaluated_at__isnull", True)),
                fields=["created"],
                name="tlsreport_alerts_pending",
            ),
        ),
    ]
