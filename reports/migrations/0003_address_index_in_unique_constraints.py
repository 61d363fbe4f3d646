"""Drop the separate address_id indexes of RawReport and TlsReport.

address_id is the leading column of rawreport_unique_body (address, sha256), of
rawreport_quota (address, received_at) and of tlsreport_unique_report (address, submitter,
report_id): those indexes answer every look-up by address and the foreign-key checks when
an address is deleted, so the single-column indexes only cost an insertion per row.

Only the indexes go. Django's own AlterField would drop and re-add the foreign-key
constraints too (re-checking every row of both tables); the constraints stay as they are.
"""

import django.db.models.deletion
from django.db import migrations, models

INDEXES = [
    ("reports_rawreport", "reports_rawreport_address_id_e50a99a6"),
    ("reports_tlsreport", "reports_tlsreport_address_id_36a06fa8"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_rawreport_quota_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="rawreport",
                    name="address",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="raw_reports",
                        to="reports.reportaddress",
                    ),
                ),
                migrations.AlterField(
                    model_name="tlsreport",
                    name="address",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="reports",
                        to="reports.reportaddress",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{index}"',
                    reverse_sql=f'CREATE INDEX "{index}" ON "{table}" ("address_id")',
                )
                for table, index in INDEXES
            ],
        ),
    ]
