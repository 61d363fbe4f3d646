"""RawReport.report_index: which report of an e-mail a raw report is (0: the first). A message
carrying several reports (a digest, a forward of two) is stored as one row per report, each
holding the whole message, so the unique body is (address, sha256, report_index). Existing
rows are the first report of their message (0), which is what was read from them."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0011_rawreport_report_submitter"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="rawreport",
            name="rawreport_unique_body",
        ),
        migrations.AddField(
            model_name="rawreport",
            name="report_index",
            field=models.PositiveSmallIntegerField(db_default=0, default=0),
        ),
        migrations.AddConstraint(
            model_name="rawreport",
            constraint=models.UniqueConstraint(
                fields=("address", "sha256", "report_index"), name="rawreport_unique_body"
            ),
        ),
    ]
