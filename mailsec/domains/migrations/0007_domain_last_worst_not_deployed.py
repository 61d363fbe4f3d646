"""Domain.last_worst also keeps what the last run counted as not deployed (row_worst): the list
showed "Nothing wrong" for a domain with no MTA-STS or DMARC whose worst finding was a note.
Data only: fill it from each last run's score_detail, as row_worst() does."""

from django.db import migrations


def fill(apps, schema_editor):
    Domain = apps.get_model("domains", "Domain")
    domains = (
        Domain.objects.exclude(last_run=None)
        .select_related("last_run")
        .only("pk", "last_worst", "last_run__score_detail")
    )
    for domain in domains.iterator():
        categories = (domain.last_run.score_detail or {}).get("categories") or {}
        absent = [
            (mech, cat)
            for mech, cat in categories.items()
            if cat.get("reason") == "not deployed" and cat.get("counted")
        ]
        if not absent:
            continue
        absent.sort(key=lambda item: -float(item[1].get("score_lost") or item[1].get("lost") or 0))
        worst = {**(domain.last_worst or {}), "not_deployed": [mech for mech, _ in absent]}
        Domain.objects.filter(pk=domain.pk).update(last_worst=worst)


class Migration(migrations.Migration):
    dependencies = [("domains", "0006_domain_contested_control")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=True)]
