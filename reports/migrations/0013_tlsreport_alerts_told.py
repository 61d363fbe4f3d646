"""TlsReport.alerts_told: the facts a report's alerts were evaluated on (reports.models.
AlertFacts), so that a copy taking the report over, or a reparse that reads more of it, tells
only what is news. Nullable: adding it rewrites no table, and the bulk import's COPY, which
names its columns, leaves it null. Existing rows get null; for an evaluated report the facts
are then read from its rows the first time another copy's content replaces them."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0012_rawreport_report_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="tlsreport",
            name="alerts_told",
            field=models.JSONField(blank=True, null=True),
        ),
    ]
