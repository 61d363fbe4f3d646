from datetime import timedelta

from django.db import migrations, models


def fill(apps, schema_editor):
    """Copy each domain's last run summary onto the domain, as last_run_fields() does."""
    Domain = apps.get_model("domains", "Domain")
    CheckRun = apps.get_model("domains", "CheckRun")
    domains = (
        Domain.objects.exclude(last_run=None)
        .select_related("last_run")
        .defer("last_run__findings", "last_run__score_detail", "last_run__mechanisms")
    )
    for domain in domains.iterator():
        run = domain.last_run
        week_ago = (
            CheckRun.objects.filter(
                domain_id=domain.pk, status="done", created__lte=run.created - timedelta(days=7)
            )
            .order_by("-created")
            .values_list("score", flat=True)
            .first()
        )
        Domain.objects.filter(pk=domain.pk).update(
            last_score=run.score,
            last_checked_at=run.finished,
            last_worst=run.worst or {},  # 0003 filled worst on every last run
            week_ago_score=week_ago,
        )


class Migration(migrations.Migration):
    dependencies = [("domains", "0003_checkrun_worst_active_index")]

    operations = [
        migrations.AddField(
            model_name="domain",
            name="last_score",
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="domain",
            name="last_checked_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="domain",
            name="last_worst",
            field=models.JSONField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="domain",
            name="week_ago_score",
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
