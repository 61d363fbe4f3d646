"""A report is (address, submitter, report-id, day): a report-id a sender uses again for
another day is a report of its own (RFC 8460 §4.4: a unique identifier for the report; §4.1:
a report covers a day), where before it was kept as a copy of the first day's and its
sessions were not counted. reports.models.same_report decides which stored report a copy is
(the same day's, or one whose range overlaps); this index only keeps two reports of one day
from being stored.

The new unique index is built first, then the old one dropped: every row already satisfies
it (it is the old key and one column more), and the table is never without a unique key.
On PostgreSQL the index is built inside the migration's transaction (ALTER TABLE … ADD
CONSTRAINT), which holds an ACCESS EXCLUSIVE lock on reports_tlsreport while it builds: the
intake keeps answering senders (raw bytes go to reports_rawreport), but parses and pages
reading reports wait for it (docs/reports.md, "Upgrading past s35i"). Copies stored as
duplicates before are counted by `manage.py reparse --reused-ids`."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0013_tlsreport_alerts_told"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="tlsreport",
            constraint=models.UniqueConstraint(
                fields=("address", "submitter", "report_id", "day"),
                name="tlsreport_unique_report_day",
            ),
        ),
        migrations.RemoveConstraint(
            model_name="tlsreport",
            name="tlsreport_unique_report",
        ),
    ]
