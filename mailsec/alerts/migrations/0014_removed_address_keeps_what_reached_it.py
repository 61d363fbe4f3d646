"""Notification: what reached a team's extra address that is removed since is kept with no
row (user and team_address both empty, to_address naming the mailbox): alerts.models.
_digests_stay_with_the_mailbox, sent_to (s26a)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0013_digests_stay_with_the_mailbox"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="notification",
            name="notification_to_a_person_or_a_team_address",
        ),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("team_address__isnull", True), ("user__isnull", False)),
                    models.Q(("team_address__isnull", False), ("user__isnull", True)),
                    models.Q(
                        ("team_address__isnull", True),
                        ("user__isnull", True),
                        models.Q(("to_address", ""), _negated=True),
                    ),
                    _connector="OR",
                ),
                name="notification_to_a_person_an_address_or_a_removed_one",
            ),
        ),
    ]
