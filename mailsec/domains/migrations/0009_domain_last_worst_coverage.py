"""Domain.last_worst also keeps "coverage" when scored categories of the last run could not be
checked (row_worst, row_coverage): the list's pill and the weekly summary read it from the row
to say "45 of 85 points checked" (n/a below half) instead of a bare number. Data only: fill it
from each domain's last finished run as row_coverage does (checks.scoring.coverage).

Cheap on many domains: in batches by primary key, each its own transaction (the migration is
not atomic, so the rows a finishing check updates are never locked for long); only the
score_detail of runs marked partial is read (a category that could not be checked needs a
check that could not run), and only rows that gain the key are written. Safe to run twice: a
row with the key is skipped, and one filled is filled with the same answer.
"""

from django.db import migrations, transaction
from django.db.models import Q

from checks import scoring
from mailsec.domains import pagecache

BATCH = 1000


def _coverage(detail):
    """models.row_coverage as of this migration (a copy: the live helper may change)."""
    cover = scoring.coverage(detail or {})
    if cover.complete:
        return None
    return {**cover.to_dict(), "not_checked": [str(m) for m in cover.not_checked]}


def fill(apps, schema_editor):
    Domain = apps.get_model("domains", "Domain")
    CheckRun = apps.get_model("domains", "CheckRun")
    lacking = Domain.objects.exclude(last_run=None).filter(
        Q(last_worst__isnull=True) | ~Q(last_worst__has_key="coverage")
    )
    last = 0
    while True:
        batch = list(
            lacking.filter(pk__gt=last).order_by("pk").values_list("pk", "last_run_id")[:BATCH]
        )
        if not batch:
            return
        last = batch[-1][0]
        partial = CheckRun.objects.filter(
            pk__in=[run_id for _, run_id in batch], status="done", score_detail__partial=True
        ).values_list("pk", "score_detail")
        covers = {pk: _coverage(detail) for pk, detail in partial}
        covers = {pk: cover for pk, cover in covers.items() if cover}
        if not covers:
            continue
        with transaction.atomic():
            domains = Domain.objects.select_for_update().filter(
                pk__in=[pk for pk, run_id in batch if run_id in covers],
                last_run__in=list(covers),  # a check that finished meanwhile wrote its own row
            )
            for domain in domains.only("pk", "team_id", "last_run_id", "last_worst"):
                if "coverage" in (domain.last_worst or {}):
                    continue
                domain.last_worst = {
                    **(domain.last_worst or {}),
                    "coverage": covers[domain.last_run_id],
                }
                domain.save(update_fields=["last_worst"])
                # The list and the page cache what they made of the old row.
                pagecache.changed(team_id=domain.team_id, domain_id=domain.pk)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("domains", "0008_domain_last_worst_no_mail")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=True)]
