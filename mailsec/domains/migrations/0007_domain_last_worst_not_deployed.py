"""Domain.last_worst also keeps what the last run counted as not deployed (row_worst): the list
showed "Nothing wrong" for a domain with no MTA-STS or DMARC whose worst finding was a note.
Data only: fill it from each last run's score_detail, as row_worst() does. In batches by primary
key, each its own transaction (the migration is not atomic), so the rows a finishing check
updates are never locked for the whole migration."""

from django.db import migrations, transaction

BATCH = 1000


def fill(apps, schema_editor):
    Domain = apps.get_model("domains", "Domain")
    last = 0
    while True:
        domains = list(
            Domain.objects.exclude(last_run=None)
            .filter(pk__gt=last)
            .order_by("pk")
            .select_related("last_run")
            .only("pk", "last_worst", "last_run__score_detail")[:BATCH]
        )
        if not domains:
            return
        last = domains[-1].pk
        changed = []
        for domain in domains:
            categories = (domain.last_run.score_detail or {}).get("categories") or {}
            absent = [
                (mech, cat)
                for mech, cat in categories.items()
                if cat.get("reason") == "not deployed" and cat.get("counted") and cat.get("weight")
            ]
            if not absent:
                continue
            absent.sort(
                key=lambda item: -float(item[1].get("score_lost") or item[1].get("lost") or 0)
            )
            domain.last_worst = {
                **(domain.last_worst or {}),
                "not_deployed": [mech for mech, _ in absent],
            }
            changed.append(domain)
        if changed:
            with transaction.atomic():
                Domain.objects.bulk_update(changed, ["last_worst"])


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("domains", "0006_domain_contested_control")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=True)]
