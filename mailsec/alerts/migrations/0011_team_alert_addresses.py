"""Extra alert addresses per team (TeamAlertAddress: an MSP's ticketing system, a shared
mailbox), and notifications to them (Notification.team_address; user becomes nullable, one of
the two is set). Adds a table and columns; no stored row changes.

Reversed (`migrate alerts 0010`), the notifications of team addresses are deleted first: their
user is NULL, which the restored NOT NULL column cannot hold, and the table they name goes."""

import uuid

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

import mailsec.alerts.models


def delete_team_address_notifications(
    apps: StateApps, schema_editor: BaseDatabaseSchemaEditor
) -> None:
    """Reverse only: the emails to team addresses (user NULL, team_address set) go before
    their column, their addresses' table and the nullable user do."""
    Notification = apps.get_model("alerts", "Notification")
    Notification.objects.using(schema_editor.connection.alias).filter(user__isnull=True).delete()
    if schema_editor.connection.vendor == "postgresql":
        # The delete queued the deferred foreign-key checks of the rows that referenced them
        # (alerts_notification_changes); PostgreSQL refuses to ALTER a table with pending
        # trigger events, and the next steps alter alerts_notification.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


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
        # Last, so that reversed it runs first, while the rows' team_address still exists.
        migrations.RunPython(migrations.RunPython.noop, delete_team_address_notifications),
    ]
