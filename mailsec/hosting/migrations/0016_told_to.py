from django.db import migrations, models


class Migration(migrations.Migration):
    """Whom the notices of each problem the MX sync tells were emailed to, by problem, so that
    every problem's end is told to them (tasks s44b, s44g). Empty for a policy told before:
    those ends go to whoever hears, as they did."""

    dependencies = [
        ("hosting", "0015_cert_warned_to"),
    ]

    operations = [
        migrations.AddField(
            model_name="hostedpolicy",
            name="told_to",
            field=models.JSONField(blank=True, default=dict),
        ),
    ]
