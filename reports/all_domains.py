"""TLS reports across all of a person's teams' domains (task s35t): one page for an MSP with
hundreds of domains, which the per-domain dashboard shows one at a time.

Three queries whatever the number of domains: the addresses the person may read, the sums of
their reports in the period, and their failed sessions by result type (the top one per
domain is picked here)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from mailsec.accounts.models import Membership
from mailsec.ordering import by_name
from reports.explain import ResultType, defined_type, explain
from reports.models import FailureDetail, ReportAddress, TlsReport
from reports.sums import SessionSum

# The per-domain dashboard's period (reports.dashboard.summarise).
PERIOD_DAYS = 30


@dataclass(frozen=True)
class DomainRow:
    name: str
    token: str
    reports: int
    successful: int
    failed: int
    last_report: datetime | None
    top_failure: ResultType | None

    @property
    def failure_percent(self) -> str | None:
        total = self.successful + self.failed
        if not total:
            return None
        return f"{100 * self.failed / total:.1f}%"


def team_rows(user: object, days: int = PERIOD_DAYS) -> tuple[list[DomainRow], int]:
    """The rows of the domains that received counted reports in the last `days` days (UTC),
    most failed sessions first, then by name; and how many of the person's domains with a
    report address received none. Verified domains of the person's own teams only, as the
    dashboard (reports.views.get_address_for) shows them."""
    today = timezone.now().date()
    since = today - timedelta(days=days - 1)
    addresses = list(
        ReportAddress.objects.filter(
            # A subquery, not a join through memberships: one row per address however many
            # members its team has.
            domain__team__in=Membership.objects.filter(user=user).values("team"),
            domain__verified_at__isnull=False,
        )
        .order_by(*by_name("domain_name"), "pk")
        .values_list("pk", "domain_name", "token", "domain_id")
    )
    ids = [pk for pk, _, _, _ in addresses]
    reports = TlsReport.objects.filter(
        address_id__in=ids, counted=True, day__gte=since, day__lte=today
    )
    sums = {
        row["address_id"]: row
        for row in reports.values("address_id").annotate(
            n=Count("pk"),
            ok=SessionSum("total_successful"),
            failed=SessionSum("total_failed"),
            last=Max("created"),
        )
    }
    # As the dashboard's by-type table: only policies whose summary counts failures, and a
    # defined type in other letters is that type.
    by_type: dict[int, dict[str, int]] = {}
    for address_id, result_type, n in (
        FailureDetail.objects.filter(
            report__address_id__in=ids,
            report__counted=True,
            report__day__gte=since,
            report__day__lte=today,
            policy__failed__gt=0,
        )
        .values_list("report__address_id", "result_type")
        .annotate(n=SessionSum("failed_session_count"))
        .order_by()
    ):
        name = defined_type(result_type) or result_type
        types = by_type.setdefault(address_id, {})
        types[name] = types.get(name, 0) + int(n or 0)
    rows = []
    reporting: set[int] = set()
    for pk, name, token, domain_id in addresses:
        row = sums.get(pk)
        if row is None:
            continue
        reporting.add(domain_id)
        types = by_type.get(pk)
        top = min(types.items(), key=lambda t: (-t[1], t[0]))[0] if types else None
        rows.append(
            DomainRow(
                name=name,
                token=token,
                reports=row["n"],
                successful=int(row["ok"] or 0),
                failed=int(row["failed"] or 0),
                last_report=row["last"],
                top_failure=explain(top) if top else None,
            )
        )
    # Stable: equal failures keep the name order of the query.
    rows.sort(key=lambda r: -r.failed)
    # Domains, not addresses: a domain with an address that received nothing besides one
    # that did is no silent domain.
    return rows, len({domain_id for _, _, _, domain_id in addresses} - reporting)


@login_required
@require_GET
def all_domains(request: HttpRequest) -> HttpResponse:
    rows, silent = team_rows(request.user)
    ctx = {
        "page": "domains",
        "rows": rows,
        "silent": silent,
        "days": PERIOD_DAYS,
    }
    return render(request, "reports/all_domains.html", ctx)
