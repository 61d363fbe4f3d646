"""TLS reports across all of a person's teams' domains (task s35t): one page for an MSP with
hundreds of domains, which the per-domain dashboard shows one at a time.

Three queries whatever the number of domains: the addresses the person may read, the sums of
their reports in the period, and their failed sessions by result type (the top one per
domain is picked here). A name filter (?q=, as the domain list's text box: s36m) keeps the
addresses whose name holds the text, picked from the first query's rows, so the other two
read the kept domains' reports alone and the count is the same filtered or not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.db.models import Count, Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from mailsec.accounts.models import Membership
from mailsec.domains.forms import needle
from mailsec.domains.models import display_name
from mailsec.domains.views import htmx_login_required
from mailsec.ordering import by_name
from reports.dashboard import percent_text
from reports.explain import ResultType, defined_type, explain
from reports.models import FailureDetail, ReportAddress, TlsReport
from reports.sums import SessionSum

if TYPE_CHECKING:
    from django.contrib.auth.models import User

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
    def shown(self) -> str:
        """The name as the domain pages show it: the U-label of an IDN (task s37i)."""
        return display_name(self.name)

    @property
    def failure_percent(self) -> str | None:
        """As the dashboard shows the rate (two decimals, never 0.00 % when some failed nor
        100.00 % when some got through); before s40f the float to one decimal, so 34 failed
        of 70,270 read "0.0%"."""
        return percent_text(self.failed, self.successful + self.failed) or None


def name_holds(name: str, found: str) -> bool:
    """Whether the domain `name` (an A-label, as stored) holds `found` (a needle): as stored,
    or for an A-label as people read it (bücher finds xn--bcher-kva.example). Only names with
    an A-label are decoded."""
    return found in name or ("xn--" in name and found in display_name(name).casefold())


def team_rows(
    user: User, days: int = PERIOD_DAYS, find: str = ""
) -> tuple[list[DomainRow], int, int]:
    """The rows of the domains that received counted reports in the last `days` days (UTC),
    most failed sessions first, then by name; how many of the person's domains with a
    report address received none; and how many domains with an address were looked at.
    Verified domains of the person's own teams only, as the dashboard
    (reports.views.get_address_for) shows them; with `find` (a needle) only those whose name
    holds it, the counts too."""
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
    if find:
        addresses = [a for a in addresses if name_holds(a[1], find)]
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
    domains = {domain_id for _, _, _, domain_id in addresses}
    return rows, len(domains - reporting), len(domains)


def _live_words(shown: int, filtered: bool, kept: int, q: str) -> str:
    """The list in words: how many domains it shows, and of how many kept by the filter."""
    reporting = f"{shown} domain{pluralize(shown)} with TLS reports"
    if not filtered:
        return f"{reporting}."
    if not kept:
        return f"No domain with \u201c{q}\u201d in the name."
    return f"{kept} domain{pluralize(kept)} with \u201c{q}\u201d in the name: {reporting}."


# The list's id (all_domains.html): the filter's htmx requests target it and get it alone.
LIST_ID = "all-domains-list"
# The id of the filter's text box field, whose requests replace the address rather than push
# it (as the domain list's LIST_FIND).
FIND_ID = "all-find"


# Outermost, so every answer carries it: the same URL answers a page or the list alone.
# Cache-Control is PrivateAnswersMiddleware's, as the domain list's (s41f).
@vary_on_headers("HX-Request")
@htmx_login_required
@require_GET
def all_domains(request: HttpRequest) -> HttpResponse:
    """The page, filtered by name as ?q= says (a URL to share; without JavaScript, Apply).
    The filter's htmx requests get the list alone, and the address without empty parameters
    to push (Apply) or to put in place of the current one (typing), as the domain list's."""
    q = request.GET.get("q", "").strip()[:255]
    found = needle(q)
    rows, silent, total = team_rows(request.user, find=found)
    ctx = {
        "page": "domains",
        "rows": rows,
        "silent": silent,
        "days": PERIOD_DAYS,
        "q": q,
        "filtered": bool(found),
        "kept": total,
    }
    url = reverse("reports:all_domains") + (f"?{urlencode({'q': q})}" if found else "")
    if request.htmx.target == LIST_ID and not request.htmx.history_restore_request:
        response = render(request, "reports/_all_domains_list.html", ctx)
        # What the list now shows, in words, for the page's live region (as the domain
        # list's #list-live): the table itself is no thing to read out on every key.
        response.content += format_html(
            '<p id="all-live" hx-swap-oob="innerHTML">{}</p>',
            _live_words(len(rows), bool(found), total, q),
        ).encode()
        how = "HX-Replace-Url" if request.htmx.trigger == FIND_ID else "HX-Push-Url"
        response[how] = url
        return response
    return render(request, "reports/all_domains.html", ctx)
