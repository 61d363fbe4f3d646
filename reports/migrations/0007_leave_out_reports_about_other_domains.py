"""Stored reports about another domain than their address's — a _smtp._tls record shared by
several domains sends them all to one address — are marked `counted = False` with the
warning new ones get, so they leave the domain's totals, charts and alerts.

The domain a report is about is the policy-domain of its first `sts` or `no-policy-found`
policy (never a `tlsa` one: that is an MX host, RFC 8460 §1.1). The TLS-Report-Domain header
of an e-mail is not stored in the report, so a report that names neither policy stays counted,
as the parse task would count it over HTTPS.

Batches of BATCH reports by primary key, each in its own transaction (the migration is not
atomic): idempotent, a report already marked is left alone.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations, transaction

BATCH = 2000


def _inside(name: str, domain: str) -> bool:
    name, domain = name.rstrip(".").lower(), domain.rstrip(".").lower()
    return name == domain or name.endswith("." + domain)


def _warning(about: str, domain: str) -> str:
    # reports.models.foreign_domain_warning, frozen here as migrations are.
    return (
        f"This report is about {about}, not {domain}: senders send a domain's reports to the "
        f"addresses in its own _smtp._tls record, so the record of {about} names this "
        f"address (one record copied, or CNAMEd, to several domains is common). The report "
        f"is kept here, but left out of {domain}'s totals, charts and alerts; give {about} a "
        "report address of its own to follow it."
    )


def mark_foreign_reports(apps: Any, schema_editor: Any) -> None:
    TlsReport = apps.get_model("reports", "TlsReport")
    PolicyResult = apps.get_model("reports", "PolicyResult")
    last = 0
    while True:
        rows = list(
            TlsReport.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", "address__domain_name", "counted", "warnings")[:BATCH]
        )
        if not rows:
            return
        last = rows[-1][0]
        about: dict[int, str] = {}
        for report_id, policy_domain in (
            PolicyResult.objects.filter(
                report_id__in=[r[0] for r in rows if r[2]],
                policy_type__in=["sts", "no-policy-found"],
            )
            .exclude(policy_domain="")
            .order_by("report_id", "pk")
            .values_list("report_id", "policy_domain")
        ):
            about.setdefault(report_id, policy_domain)
        changed = []
        for pk, domain, counted, warnings in rows:
            name = about.get(pk)
            if not counted or name is None or _inside(name, domain):
                continue
            changed.append(
                TlsReport(
                    pk=pk,
                    counted=False,
                    policy_domain=name,
                    warnings=[*(warnings or []), _warning(name, domain)],
                )
            )
        if changed:
            with transaction.atomic():
                TlsReport.objects.bulk_update(changed, ["counted", "policy_domain", "warnings"])


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("reports", "0006_tlsreport_counted"),
    ]

    operations = [
        migrations.RunPython(mark_foreign_reports, migrations.RunPython.noop, elidable=True),
    ]
