"""ReportAddress.team: whose address it is, kept when its domain is removed, so the same team
adding the name again gets the address (and the `_smtp._tls` record it published) back.

Addresses linked to a domain take its team. Addresses whose domain was removed before this
column existed stay without one: which team they were made for is not known, so none may
claim them (an operator can link one by hand in `manage.py shell`).
"""

from __future__ import annotations

from typing import Any

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def team_from_domain(apps: Any, schema_editor: Any) -> None:
    # One row per monitored domain: a single UPDATE is small.
    ReportAddress = apps.get_model("reports", "ReportAddress")
    Domain = apps.get_model("domains", "Domain")
    ReportAddress.objects.filter(domain__isnull=False, team__isnull=True).update(
        team_id=Subquery(Domain.objects.filter(pk=OuterRef("domain_id")).values("team_id")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("domains", "0001_initial"),
        ("reports", "0008_tlsreport_alerts_evaluated_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="reportaddress",
            name="team",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="accounts.team",
            ),
        ),
        migrations.RunPython(team_from_domain, migrations.RunPython.noop),
    ]
