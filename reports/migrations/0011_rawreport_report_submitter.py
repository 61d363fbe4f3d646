"""RawReport.report_submitter: the TLS-Report-Submitter domain the parse read (the forwarded
message's for a report forwarded as an attachment, RFC 2047 decoded), so that which copy of a
report is signed by its reporter is judged as the parse judged the signature. Existing rows
get "" and are read from `headers` as before (`manage.py reparse --id` records theirs)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0010_rawreport_superseded_status"),
    ]

    operations = [
        migrations.AddField(
            model_name="rawreport",
            name="report_submitter",
            field=models.CharField(blank=True, db_default="", default="", max_length=253),
        ),
    ]
