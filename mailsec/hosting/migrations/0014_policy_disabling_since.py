from typing import Any

from django.db import migrations, models


def fill_from_events(apps: Any, schema_editor: Any) -> None:
    """A policy already winding down began when its first 'disabling' (Stop hosting) or
    'detached' (domain deleted) event after the latest hosting start or Keep hosting was
    recorded; with none kept, it stays unknown (the texts then say "since then")."""
    HostedPolicy = apps.get_model("hosting", "HostedPolicy")
    HostingEvent = apps.get_model("hosting", "HostingEvent")
    for policy in HostedPolicy.objects.filter(state="disabling"):
        since = None
        kinds = HostingEvent.objects.filter(
            policy=policy, kind__in=["enabled", "resumed", "disabling", "detached"]
        ).order_by("-created", "-pk")
        for kind, created in kinds.values_list("kind", "created"):
            if kind in ("enabled", "resumed"):
                break
            since = created
        if since is not None:
            HostedPolicy.objects.filter(pk=policy.pk).update(disabling_since=since)


class Migration(migrations.Migration):
    dependencies = [
        ("hosting", "0013_policy_host_seen_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="hostedpolicy",
            name="disabling_since",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(fill_from_events, migrations.RunPython.noop),
    ]
