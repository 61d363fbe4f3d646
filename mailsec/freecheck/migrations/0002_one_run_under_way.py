"""At most one free check under way (pending or running) per domain.

Two requests at once could each start a run of the same domain (FreeCheck.start). Rows left
by that race, or by a run that never finished beside a newer one, would stop the constraint
from being created: all but the newest run under way of each domain are given up first, as
the sweep gives up a stuck run (its page then says to check again)."""

from django.db import migrations, models
from django.utils import timezone

UNDER_WAY = ["pending", "running"]
MESSAGE = "Another check of this domain was started at the same moment. Please check again."


def give_up_doubles(apps, schema_editor):  # type: ignore[no-untyped-def]
    FreeCheck = apps.get_model("freecheck", "FreeCheck")
    doubled = (
        FreeCheck.objects.filter(status__in=UNDER_WAY)
        .values("domain")
        .annotate(n=models.Count("id"))
        .filter(n__gt=1)
        .values_list("domain", flat=True)
    )
    for domain in list(doubled):
        runs = FreeCheck.objects.filter(domain=domain, status__in=UNDER_WAY)
        newest = runs.order_by("-created", "-id").first()
        runs.exclude(pk=newest.pk).update(status="error", error=MESSAGE, finished=timezone.now())


class Migration(migrations.Migration):
    dependencies = [("freecheck", "0001_initial")]

    operations = [
        migrations.RunPython(give_up_doubles, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="freecheck",
            constraint=models.UniqueConstraint(
                condition=models.Q(status__in=["pending", "running"]),
                fields=("domain",),
                name="freecheck_one_run_under_way",
            ),
        ),
    ]
