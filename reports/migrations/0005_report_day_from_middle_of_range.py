"""A report's day is the UTC day the middle of its date range falls on, not the UTC date of
its start: a report from 2024-01-01T00:00:00+03:00 to 23:59:59+03:00 was bucketed to
2023-12-31. Existing rows are recomputed from their stored start and end.

Batches of BATCH rows by primary key, each in its own transaction (the migration is not
atomic), so a large table neither holds one long transaction on PostgreSQL nor starts over
when interrupted: running it again recomputes the same values. Only rows whose day changes
are written.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from django.db import migrations, transaction

BATCH = 2000


def recompute_days(apps: Any, schema_editor: Any) -> None:
    TlsReport = apps.get_model("reports", "TlsReport")
    last = 0
    while True:
        rows = list(
            TlsReport.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", "start", "end", "day")[:BATCH]
        )
        if not rows:
            return
        last = rows[-1][0]
        changed = []
        for pk, start, end, day in rows:
            # The formula of reports.parse.ParsedReport.day, frozen here as migrations are.
            middle = (start + (end - start) / 2).astimezone(UTC).date()
            if middle != day:
                changed.append(TlsReport(pk=pk, day=middle))
        if changed:
            with transaction.atomic():
                TlsReport.objects.bulk_update(changed, ["day"])


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("reports", "0004_failuredetail_result_type_no_index"),
    ]

    operations = [
        migrations.RunPython(recompute_days, migrations.RunPython.noop, elidable=True),
    ]
