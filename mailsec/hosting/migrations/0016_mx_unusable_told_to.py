from django.db import migrations, models


class Migration(migrations.Migration):
    """Whom a null MX or NXDOMAIN notice was emailed to, so "the MX records are back" is told
    to them (task s44b). None for a notice sent before: its recovery goes to whoever hears."""

    dependencies = [
        ("hosting", "0015_cert_warned_to"),
    ]

    operations = [
        migrations.AddField(
            model_name="hostedpolicy",
            name="mx_unusable_told_to",
            field=models.JSONField(blank=True, default=None, null=True),
        ),
    ]
