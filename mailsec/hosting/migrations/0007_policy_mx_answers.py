from django.db import migrations, models


def carry_unusable(apps, schema_editor):
    """A policy whose last sync found a null MX or NXDOMAIN was told so (the old rule keyed on
    last_sync_error): carry that over, or the next sync would tell it again. So was one whose
    last lookup failed after it (a failed lookup overwrote last_sync_error): its latest MX event
    is that mx-unusable, since any answer with hosts that changed anything was told after it.
    (MX back unchanged was told nothing: such a row is carried too, and the next answer with
    hosts says they are back, which is true; the other way, the next null MX were told twice.)"""
    HostedPolicy = apps.get_model("hosting", "HostedPolicy")
    HostingEvent = apps.get_model("hosting", "HostingEvent")
    for policy in HostedPolicy.objects.filter(last_sync_error__startswith="MX not followed:"):
        nxdomain = "NXDOMAIN" in policy.last_sync_error
        policy.mx_unusable = "NXDOMAIN" if nxdomain else "a null MX (MX 0 .)"
        policy.save(update_fields=["mx_unusable"])
    for policy in HostedPolicy.objects.filter(last_sync_error__startswith="MX lookup failed:"):
        latest = (
            HostingEvent.objects.filter(policy=policy)
            .filter(models.Q(kind__startswith="mx-") | models.Q(kind__in=["enabled", "resumed"]))
            .order_by("-created", "-pk")
            .first()
        )
        if latest is not None and latest.kind == "mx-unusable":
            nxdomain = "NXDOMAIN" in latest.message
            policy.mx_unusable = "NXDOMAIN" if nxdomain else "a null MX (MX 0 .)"
            policy.save(update_fields=["mx_unusable"])


class Migration(migrations.Migration):
    dependencies = [
        ("hosting", "0006_policy_mx_aliases"),
    ]

    operations = [
        migrations.AddField(
            model_name="hostedpolicy",
            name="mx_changed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="hostedpolicy",
            name="mx_unstable_since",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="hostedpolicy",
            name="mx_unusable",
            field=models.CharField(blank=True, max_length=40),
        ),
        migrations.AddField(
            model_name="hostedpolicy",
            name="mx_earlier",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="hostedpolicy",
            name="mx_flap_answers",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="hostedpolicy",
            name="mx_failed_since",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(carry_unusable, migrations.RunPython.noop),
    ]
