from typing import Any

from django.db import migrations, models


def carry_over(apps: Any, schema_editor: Any) -> None:
    """Whom a null MX or NXDOMAIN notice went to (mx_unusable_told_to, s44b) becomes the
    "mx-unusable" entry: its recovery still goes to them. The other problems have no entry
    (told before s44g): their ends go to whoever hears, as before."""
    HostedPolicy = apps.get_model("hosting", "HostedPolicy")
    for pk, told in HostedPolicy.objects.filter(mx_unusable_told_to__isnull=False).values_list(
        "pk", "mx_unusable_told_to"
    ):
        HostedPolicy.objects.filter(pk=pk).update(told_to={"mx-unusable": told})


def carry_back(apps: Any, schema_editor: Any) -> None:
    HostedPolicy = apps.get_model("hosting", "HostedPolicy")
    for pk, told in HostedPolicy.objects.values_list("pk", "told_to"):
        if told and told.get("mx-unusable") is not None:
            HostedPolicy.objects.filter(pk=pk).update(mx_unusable_told_to=told["mx-unusable"])


class Migration(migrations.Migration):
    """Whom the notices of each problem the MX sync tells were emailed to, by problem, so that
    every problem's end is told to them (task s44g); mx_unusable_told_to (s44b) is folded
    in (its column goes in 0018, after this copy, each in its own transaction)."""

    dependencies = [
        ("hosting", "0016_mx_unusable_told_to"),
    ]

    operations = [
        migrations.AddField(
            model_name="hostedpolicy",
            name="told_to",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(carry_over, carry_back),
    ]
