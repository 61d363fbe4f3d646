"""Report intake over HTTPS (RFC 8460 §5.4) and the reports dashboard of one address."""

from __future__ import annotations

import csv
import logging
import uuid

from django.contrib.auth.decorators import login_required
from django.db import DatabaseError
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from mailsec.csvsafe import cell as _cell
from mailsec.domains.models import display_name
from mailsec.ordering import CodePointOrder, by_name
from reports import conf
from reports.alerts import is_future
from reports.dashboard import readiness_card, summarise
from reports.explain import RESULT_TYPES, ResultType, explain, policy_meaning
from reports.intake import IntakeError, QuotaExceeded, accept_https, check_quota, find_address
from reports.intake_http import (
    check_content_type,
    check_length,
    is_token,
    label_warnings,
    read_body,
)
from reports.models import (
    OTHER_FIGURES,
    FailureDetail,
    PolicyResult,
    RawReport,
    ReportAddress,
    TlsReport,
    sender_day,
)
from reports.parse import ReportRejected
from reports.templatetags.reports_tags import record_context

log = logging.getLogger(__name__)


def _problem(status: int, reason: str, **headers: str) -> JsonResponse:
    response = JsonResponse({"error": reason}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


@csrf_exempt  # a machine endpoint: senders POST without cookies or tokens (RFC 8460 §5.4)
def receive(request: HttpRequest, token: str) -> HttpResponse:
    """POST /tlsrpt/<token>: 201 once the raw body is committed (one row per report in it: a
    zip may hold several, and all are committed first), 4xx with a reason otherwise.

    Parsing happens afterwards in a task; only a body that is not gzip, zip or JSON at all is
    refused at once (400), after being stored. A storage failure answers 503 + Retry-After so
    the sender retries (§5.5); nothing here answers 500. An address over its daily quota
    answers 429 + Retry-After from Content-Length, before the body is read.
    """
    if request.method != "POST":
        return _problem(405, "POST the report here (RFC 8460 §5.4)", Allow="POST")
    try:
        address = find_address(token) if is_token(token) else None
        if address is None:
            return _problem(404, "no report address with this token")
        cap = conf.max_body_bytes()
        declared = check_length(request, cap)
        content_type, warnings = check_content_type(request)
        # The token is public in DNS: refuse before reading when the address is over quota.
        check_quota(address, declared)
        body = read_body(request, cap, declared)
        warnings += label_warnings(request, content_type, body)
        stored = accept_https(address, body, content_type, warnings)
    except QuotaExceeded as e:
        return _problem(429, e.reason, Retry_After=str(e.retry_after))
    except IntakeError as e:
        return _problem(e.status, e.reason, **getattr(e, "headers", {}))
    except DatabaseError:
        log.exception("could not store a TLS report for token %s…", token[:8])
        return _problem(503, "report could not be stored; try again later", Retry_After="300")
    except Exception:
        # Defensive: a sender must never see a 500 it would retry for a day (§5.5).
        log.exception("unexpected error while receiving a TLS report")
        return _problem(503, "report could not be stored; try again later", Retry_After="300")
    # One row per report in the body (a zip may hold several): "id" is the first, as for a
    # body of one report; "ids" lists them all.
    created = any(accepted.created for accepted in stored)
    return JsonResponse(
        {
            "id": str(stored[0].raw.public_id),
            "ids": [str(accepted.raw.public_id) for accepted in stored],
            "status": "stored" if created else "already stored",
            "sha256": stored[0].raw.sha256,
        },
        status=201 if created else 200,
    )


def get_address_for(request: HttpRequest, token: str) -> ReportAddress:
    """The one lookup every dashboard view goes through; 404 for anyone not allowed.

    Members of the team owning the address's domain may look while it is verified (a team
    that lost control of the name, or has not proved it, must not read its mail traffic);
    staff (operators) may look at every address, including those not linked to a domain yet.
    """
    if not request.user.is_authenticated:
        raise Http404("no such report address")
    addresses = ReportAddress.objects.all()
    if not request.user.is_staff:
        addresses = addresses.filter(
            domain__team__memberships__user=request.user, domain__verified_at__isnull=False
        )
    return get_object_or_404(addresses.distinct(), token=token)


@login_required
@require_GET
def dashboard(request: HttpRequest, token: str) -> HttpResponse:
    address = get_address_for(request, token)
    summary = summarise(address)
    # The same record as the domain's card: ours added to the owner's own addresses.
    run = address.domain.last_run if address.domain is not None else None
    ctx = {
        **record_context(address, run),
        "page": "domains",  # a domain's pages: the header marks Domains as the section
        # The name as the domain pages show it: an IDN's U-label, its A-label beside (s37i).
        "shown_name": display_name(address.domain_name),
        "summary": summary,
        # Nothing ever received (not even a report we could not read): one empty state in
        # place of an empty chart and empty tables.
        "no_reports_yet": not summary.raw_counts
        and not summary.reports_total
        and not address.reports.exists(),
        # Testing → enforce: judged here for a policy the domain serves itself; for one we
        # host, a link to the hosting page, which judges and switches it.
        "readiness_card": readiness_card(address, timezone.now()),
        "chart_height": 120,
        "all_types": [explain(name) for name in RESULT_TYPES],
    }
    return render(request, "reports/dashboard.html", ctx)


@login_required
@require_GET
def report_detail(request: HttpRequest, token: str, report_id: uuid.UUID) -> HttpResponse:
    address = get_address_for(request, token)
    report = get_object_or_404(TlsReport, address=address, public_id=report_id)
    policies = list(report.policies.prefetch_related("failure_details"))
    raws = list(report.raw_reports.defer("body"))
    # Each entry's type in plain words, and a report counting no session said to be nothing
    # to act on (task s48h: "no clue how to read them", daily reports with no mail).
    domain = display_name(report.policy_domain or address.domain_name)
    for p in policies:
        p.meaning = policy_meaning(
            p.policy_type,
            display_name(p.policy_domain or ""),
            domain,
            {d.result_type.strip().lower() for d in p.failure_details.all()},
        )
    ctx = {
        "page": "domains",
        "address": address,
        "report": report,
        "policies": policies,
        "explained": explained_types(report, policies, address),
        "raws": raws,
        "superseded": any(r.parse_status == RawReport.SUPERSEDED for r in raws),
        # A resend saying other figures, not counted (task s48e): said at the top too.
        "other_figures": any(
            r.parse_status == RawReport.DUPLICATE and r.error.endswith(OTHER_FIGURES) for r in raws
        ),
        "future": is_future(report.day),
        # A sender's own day at its offset: said as that day, not as if it were a UTC day.
        "sender_day": sender_day(report.day, report.start, report.end),
        "no_sessions": bool(policies) and not any(p.successful or p.failed for p in policies),
        "domain": domain,
    }
    return render(request, "reports/report.html", ctx)


def explained_types(
    report: TlsReport, policies: list[PolicyResult], address: ReportAddress
) -> list[ResultType]:
    """Each result type the report's failure details carry, once, in the order they first
    appear, in the dashboard's words (reports.explain: what it means, its likely cause),
    naming the hosts of the domain the report is about (s41f: a report's page listed the
    types and reason codes bare, and "what does this failure mean?" is what people ask)."""
    domain = display_name(report.policy_domain or address.domain_name)
    names = dict.fromkeys(
        d.result_type for p in policies for d in p.failure_details.all() if d.result_type
    )
    return [explain(name).about(domain) for name in names]


@login_required
@require_GET
def raw_json(request: HttpRequest, token: str, raw_id: uuid.UUID) -> HttpResponse:
    """The report JSON as the sender wrote it (decompressed; out of the e-mail for mail)."""
    address = get_address_for(request, token)
    raw = get_object_or_404(RawReport, address=address, public_id=raw_id)
    try:
        body = raw.report_json()
    except ReportRejected as e:
        return HttpResponse(
            f"This report's bytes are not readable JSON: {e.reason}\n",
            status=422,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="tlsrpt-{raw.public_id}.json"'
    return response


CSV_COLUMNS = [
    "day",
    "organization",
    "report_id",
    "policy_type",
    "policy_domain",
    "successful_sessions",
    "failed_sessions",
    "result_type",
    "sending_mta_ip",
    "receiving_mx_hostname",
    "receiving_ip",
    "detail_failed_sessions",
    "failure_reason_code",
    # RFC 8460 §4.4's other two detail members, added in s25 after the columns spreadsheets
    # already read by position.
    "receiving_mx_helo",
    "additional_information",
]


@login_required
@require_GET
def export_csv(request: HttpRequest, token: str) -> HttpResponse:
    """One row per failure detail; a policy without failures gets one row with empty details."""
    address = get_address_for(request, token)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="tlsrpt-{address.domain_name}.csv"'
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    details: dict[int, list[FailureDetail]] = {}
    for d in FailureDetail.objects.filter(report__address=address).order_by("id"):
        details.setdefault(d.policy_id, []).append(d)
    reports = TlsReport.objects.filter(address=address).prefetch_related("policies")
    # Days in calendar order, then as the dashboard's list: a total order, the same on every
    # database (before s27x a day's reports of one organisation came in the database's order;
    # before s28n the names came in the order of the database's collation).
    for report in reports.order_by(
        "day", *by_name("organization_name"), CodePointOrder(F("report_id")), "id"
    ):
        for policy in report.policies.all():
            base = [
                report.day.isoformat(),
                _cell(report.organization_name),
                _cell(report.report_id),
                _cell(policy.policy_type),
                _cell(policy.policy_domain),
                policy.successful,
                policy.failed,
            ]
            rows = details.get(policy.pk) or [None]
            for d in rows:
                extra = (
                    [
                        _cell(d.result_type),
                        _cell(d.sending_mta_ip),
                        _cell(d.receiving_mx_hostname),
                        _cell(d.receiving_ip),
                        d.failed_session_count,
                        _cell(d.failure_reason_code),
                        _cell(d.receiving_mx_helo),
                        _cell(d.additional_information),
                    ]
                    if d
                    else [""] * 8
                )
                writer.writerow(base + extra)
    return response
