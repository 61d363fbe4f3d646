from django.db import migrations, models


class Migration(migrations.Migration):
    """Whom a certificate's expiry notices were emailed to, so its renewal is told to them
    (task s43f). None for a notice sent before: its renewal goes to whoever hears now."""

    dependencies = [
        ("hosting", "0014_policy_disabling_since"),
    ]

    operations = [
        migrations.AddField(
            model_name="hostedpolicy",
            name="cert_warned_to",
            field=models.JSONField(blank=True, default=None, null=True),
        ),
    ]
