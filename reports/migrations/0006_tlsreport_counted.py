from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0005_report_day_from_middle_of_range"),
    ]

    operations = [
        migrations.AddField(
            model_name="tlsreport",
            name="counted",
            field=models.BooleanField(default=True),
        ),
    ]
