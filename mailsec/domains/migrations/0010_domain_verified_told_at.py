"""Domain.verified_told_at: when the team was emailed that the background lookup verified the
domain (mailsec.domains.notices.tell_verified). Empty on every row: domains verified before
were not told, and are not told now."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("domains", "0009_domain_last_worst_coverage")]

    operations = [
        migrations.AddField(
            model_name="domain",
            name="verified_told_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
