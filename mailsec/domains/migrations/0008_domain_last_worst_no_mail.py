"""Domain.last_worst also keeps "no_mail" when the last run found a null MX (row_worst, since
the domain page, the list and the weekly summary read it from the row): rows written before
lacked it, and a signed null-MX domain showed "100 / 100" until its next check. Data only:
fill it from each domain's last finished run with the helper the live code uses
(checks.scoring.receives_no_mail, through CheckRun.receives_no_mail).

Cheap on many domains: only rows with a last run whose last_worst lacks the key, in batches by
primary key, each its own transaction (the migration is not atomic, so the rows a finishing
check updates are never locked for long); a run's findings (the heavy part) are read only when
its score says every transport category did not apply, which a null MX needs. Like row_worst,
only a null MX writes the key, so most rows are not written at all. Safe to run twice: a row
with the key is skipped, and one filled is filled with the same answer.
"""

from django.db import migrations, transaction
from django.db.models import Q

from checks import scoring
from mailsec.domains import pagecache

BATCH = 1000


def fill(apps, schema_editor):
    Domain = apps.get_model("domains", "Domain")
    CheckRun = apps.get_model("domains", "CheckRun")
    lacking = Domain.objects.exclude(last_run=None).filter(
        Q(last_worst__isnull=True) | ~Q(last_worst__has_key="no_mail")
    )
    # receives_no_mail holds only when every transport category "does not apply".
    transport_not_applying = {
        f"score_detail__categories__{mechanism}__reason": "does not apply"
        for mechanism in scoring.TRANSPORT
    }
    last = 0
    while True:
        batch = list(
            lacking.filter(pk__gt=last).order_by("pk").values_list("pk", "last_run_id")[:BATCH]
        )
        if not batch:
            return
        last = batch[-1][0]
        candidates = CheckRun.objects.filter(
            pk__in=[run_id for _, run_id in batch], status="done", **transport_not_applying
        ).values_list("pk", "findings", "score_detail")
        no_mail_runs = {
            pk
            for pk, findings, detail in candidates
            if scoring.receives_no_mail(detail or {}, (f.get("id", "") for f in findings or ()))
        }
        if not no_mail_runs:
            continue
        with transaction.atomic():
            domains = Domain.objects.select_for_update().filter(
                pk__in=[pk for pk, run_id in batch if run_id in no_mail_runs],
                last_run__in=no_mail_runs,  # a check that finished meanwhile wrote its own row
            )
            for domain in domains.only("pk", "team_id", "last_run_id", "last_worst"):
                if "no_mail" in (domain.last_worst or {}):
                    continue
                domain.last_worst = {**(domain.last_worst or {}), "no_mail": True}
                domain.save(update_fields=["last_worst"])
                # The page and the list read the row: drop what they cached of the old one.
                pagecache.changed(team_id=domain.team_id, domain_id=domain.pk)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("domains", "0007_domain_last_worst_not_deployed")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=True)]
