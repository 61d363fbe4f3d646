"""Problems of a removed domain that someone was told of (RemovedProblem), and the change a
domain added again carries each over to (Change.carried_from): its fix is told to whoever was
told of it (s25n). Adds a table and a nullable column; no stored row changes."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_profile_time_zone"),
        ("alerts", "0011_team_alert_addresses"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="RemovedProblem",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=253)),
                ("kind", models.CharField(max_length=20)),
                ("key", models.CharField(max_length=400)),
                ("subject", models.CharField(blank=True, max_length=300)),
                ("mechanism", models.CharField(blank=True, max_length=20)),
                ("check_id", models.CharField(blank=True, max_length=20)),
                ("before", models.CharField(blank=True, max_length=100)),
                ("after", models.CharField(blank=True, max_length=100)),
                ("summary", models.TextField(blank=True)),
                ("fix", models.TextField(blank=True)),
                ("evidence", models.JSONField(blank=True, default=dict)),
                ("created", models.DateTimeField()),
                ("confirmed_at", models.DateTimeField(blank=True, null=True)),
                ("score_version", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("removed_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "team",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.team",
                    ),
                ),
                (
                    "told_addresses",
                    models.ManyToManyField(
                        blank=True, related_name="+", to="alerts.teamalertaddress"
                    ),
                ),
                (
                    "told_users",
                    models.ManyToManyField(
                        blank=True, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
        ),
        migrations.AddField(
            model_name="change",
            name="carried_from",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="carried",
                to="alerts.removedproblem",
            ),
        ),
        migrations.AddIndex(
            model_name="removedproblem",
            index=models.Index(fields=["team", "name"], name="alerts_remo_team_id_0093a1_idx"),
        ),
    ]
