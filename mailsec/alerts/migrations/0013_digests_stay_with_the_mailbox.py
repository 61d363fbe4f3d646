"""Notification.team_address: a mailbox's digests move to its next row when the row they were
made on is deleted (alerts.models._digests_stay_with_the_mailbox). Django emulates on_delete:
no SQL (sqlmigrate: no-op)."""

from django.db import migrations, models

import mailsec.alerts.models


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0012_removed_problems"),
    ]

    operations = [
        migrations.AlterField(
            model_name="notification",
            name="team_address",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=mailsec.alerts.models._digests_stay_with_the_mailbox,
                related_name="notifications",
                to="alerts.teamalertaddress",
            ),
        ),
    ]
