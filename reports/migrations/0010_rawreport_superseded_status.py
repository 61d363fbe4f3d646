"""RawReport status `superseded`: a copy not signed by its reporter that differs from a
DKIM-signed copy of the same report, kept but not counted. Choices only: no data changes."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0009_reportaddress_team"),
    ]

    operations = [
        migrations.AlterField(
            model_name="rawreport",
            name="parse_status",
            field=models.CharField(
                choices=[
                    ("pending", "waiting to be parsed"),
                    ("parsed", "parsed"),
                    ("rejected", "rejected"),
                    ("duplicate", "resent report, already stored"),
                    ("superseded", "set aside for a DKIM-signed copy"),
                    ("error", "could not be parsed (our error)"),
                ],
                default="pending",
                max_length=10,
            ),
        ),
    ]
