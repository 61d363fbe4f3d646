"""Extra alert addresses per team (TeamAlertAddress: an MSP's ticketing system, a shared
mailbox), and notifications to them (Notification.team_address; user becomes nullable, one of
the two is set). Adds a table and columns; no stored row changes."""

import uuid

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import mailsec.alerts.models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("alerts", "0010_forget_ended_memberships"),
        ("domains", "0009_domain_last_worst_coverage"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="notification",
            name="user",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="alert_notifications",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.CreateModel(
            name="TeamAlertAddress",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("code", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("email", models.EmailField(max_length=254)),
                (
                    "mode",
                    models.CharField(
                        choices=[("immediate", "Email at once"), ("digest", "Daily digest")],
                        default="immediate",
                        max_length=10,
                    ),
                ),
                (
                    "token",
                    models.CharField(
                        default=mailsec.alerts.models._confirm_token,
                        editable=False,
                        max_length=64,
                        unique=True,
                    ),
                ),
                ("created", models.DateTimeField(default=django.utils.timezone.now)),
                ("confirmation_sent_at", models.DateTimeField(blank=True, null=True)),
                ("confirmed_at", models.DateTimeField(blank=True, null=True)),
                ("unsubscribed_at", models.DateTimeField(blank=True, null=True)),
                (
                    "added_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "muted_domains",
                    models.ManyToManyField(blank=True, related_name="+", to="domains.domain"),
                ),
                (
                    "team",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="alert_addresses",
                        to="accounts.team",
                    ),
                ),
            ],
        ),
        migrations.AddField(
            model_name="notification",
            name="team_address",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="notifications",
                to="alerts.teamalertaddress",
            ),
        ),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.UniqueConstraint(
                condition=models.Q(("kind", "digest")),
                fields=("team_address", "digest_day"),
                name="one_digest_per_team_address_per_day",
            ),
        ),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("team_address__isnull", True), ("user__isnull", False)),
                    models.Q(("team_address__isnull", False), ("user__isnull", True)),
                    _connector="OR",
                ),
                name="notification_to_a_person_or_a_team_address",
            ),
        ),
        migrations.AddConstraint(
            model_name="teamalertaddress",
            constraint=models.UniqueConstraint(
                fields=("team", "email"), name="one_alert_address_per_team"
            ),
        ),
    ]
