# ruff: noqa: F811 (pytest fixtures imported from other test modules)
"""One reporter, one report-id, one day, two policy domains sharing an address (blind round
s44r, W15 and W28): each domain's report is a report of its own, and a copy of either is still
that one's copy (reports.models._another_domains)."""

from __future__ import annotations

import datetime
import gzip
import json
from collections import Counter
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from mailsec.accounts.models import Team
from mailsec.alerts.weekly import DomainWeek, _add_reports
from mailsec.domains.models import Domain
from reports.alerts import day_rates
from reports.ingest import ingest_many
from reports.models import OTHER_DOMAIN, RawReport, ReportAddress, TlsReport, sender_key
from tests.test_reports_email import address, dns_stub, ingest, make_message  # noqa: F401
from tests.test_reports_s12_blind import _post
from tests.test_reports_s13_blind import parse_pending

pytestmark = pytest.mark.django_db


def body(
    domain: str | None,
    ok: int,
    policy_type: str = "sts",
    *,
    day: str = "2026-06-01",
    failed: int = 0,
) -> bytes:
    """A report of `day` under the day-only report-id `day`, gzipped."""
    policy: dict[str, Any] = {"policy-type": policy_type}
    if domain is not None:
        policy["policy-domain"] = domain
    report = {
        "organization-name": "Small Sender",
        "date-range": {
            "start-datetime": f"{day}T00:00:00Z",
            "end-datetime": f"{day}T23:59:59Z",
        },
        "contact-info": "tlsrpt@sender.example",
        "report-id": day,
        "policies": [
            {
                "policy": policy,
                "summary": {
                    "total-successful-session-count": ok,
                    "total-failure-session-count": failed,
                },
            }
        ],
    }
    return gzip.compress(json.dumps(report).encode(), mtime=0)


def post_all(address: ReportAddress, bodies: list[bytes]) -> list[RawReport]:
    client = Client()
    for b in bodies:
        assert _post(client, address.token, b).status_code == 201
    parse_pending()
    return list(RawReport.objects.order_by("pk"))


def sessions_by_domain() -> dict[str, int]:
    return {r.policy_domain: r.total_successful for r in TlsReport.objects.all()}


@pytest.mark.parametrize(
    "first, second",
    [("example.com", "mail.example.com"), ("mail.example.com", "example.com")],
)
def test_it_counts_each_domains_report_and_takes_a_resend_for_its_own_copy(
    address: ReportAddress, first: str, second: str
) -> None:
    rows = post_all(
        address, [body(first, 120), body(second, 80), body(second, 80, "no-policy-found")]
    )
    assert [r.parse_status for r in rows] == ["parsed", "parsed", "duplicate"], [
        r.error for r in rows
    ]
    assert sessions_by_domain() == {first: 120, second: 80}
    assert rows[2].report == rows[1].report  # the resend of the second domain's report
    # Said on the report stored beside the other, naming the other's domain; not on the first.
    assert [w for w in rows[1].report.warnings if w.startswith(OTHER_DOMAIN)] == [
        f"{OTHER_DOMAIN}'2026-06-01' also for its report about {first} of the same day. This "
        "report is about another policy domain, so it is counted as a report of its own, not "
        "taken for a copy of that one (RFC 8460 §4.4: a report-id identifies one report; "
        "§5.1, §5.3: a report is about one policy domain)."
    ]
    assert not any(w.startswith(OTHER_DOMAIN) for w in rows[0].report.warnings)
    # Parsed again, each stays where it is, the warning said once.
    for raw in rows:
        raw.process()
    assert [r.parse_status for r in RawReport.objects.order_by("pk")] == [
        "parsed",
        "parsed",
        "duplicate",
    ]
    again = TlsReport.objects.get(pk=rows[1].report.pk)
    assert sum(w.startswith(OTHER_DOMAIN) for w in again.warnings) == 1
    assert sessions_by_domain() == {first: 120, second: 80}


@pytest.mark.parametrize(
    "copy",
    [
        body("EXAMPLE.COM.", 120),  # the same domain written otherwise
        body(None, 130, "no-policy-found"),  # a copy that names no domain (Postfix)
    ],
    ids=["same-domain-other-spelling", "no-domain"],
)
def test_it_still_takes_a_copy_naming_the_same_or_no_domain_for_a_copy(
    address: ReportAddress, copy: bytes
) -> None:
    rows = post_all(address, [body("example.com", 120), copy])
    assert [r.parse_status for r in rows] == ["parsed", "duplicate"], [r.error for r in rows]
    assert TlsReport.objects.count() == 1


@pytest.mark.parametrize("calls", [1, 3], ids=["one-batch", "stored-before"])
@pytest.mark.parametrize(
    "first, second",
    [("example.com", "mail.example.com"), ("mail.example.com", "example.com")],
)
def test_a_bulk_import_decides_as_the_parse_task(
    address: ReportAddress, first: str, second: str, calls: int
) -> None:
    """ingest_files (reports.ingest, COPY on PostgreSQL) takes the same decision by the same
    rule (another_domains_key): both domains' reports counted, the resend the second's copy,
    whether the reports are in one batch or stored by an earlier import."""
    items = [
        (address, body(first, 120)),
        (address, body(second, 80)),
        (address, body(second, 80, "no-policy-found")),
    ]
    outcome: Counter[str] = Counter()
    for chunk in [items] if calls == 1 else [[item] for item in items]:
        outcome += ingest_many(chunk)
    assert outcome == {"parsed": 2, "duplicate": 1}, outcome
    rows = list(RawReport.objects.order_by("pk"))
    assert [r.parse_status for r in rows] == ["parsed", "parsed", "duplicate"]
    assert sessions_by_domain() == {first: 120, second: 80}
    assert rows[2].report == rows[1].report
    # The key and the warning the parse task gives it.
    second_report = TlsReport.objects.get(pk=rows[1].report.pk)
    assert second_report.submitter == f"small sender for {second}"
    assert [w for w in second_report.warnings if w.startswith(OTHER_DOMAIN)] == [
        f"{OTHER_DOMAIN}'2026-06-01' also for its report about {first} of the same day. This "
        "report is about another policy domain, so it is counted as a report of its own, not "
        "taken for a copy of that one (RFC 8460 §4.4: a report-id identifies one report; "
        "§5.1, §5.3: a report is about one policy domain)."
    ]
    assert TlsReport.objects.get(pk=rows[0].report.pk).submitter == "small sender"
    # Parsed again by the parse task, each stays where it is, the warning said once.
    for raw in rows:
        raw.process()
    assert [r.parse_status for r in RawReport.objects.order_by("pk")] == [
        "parsed",
        "parsed",
        "duplicate",
    ]
    assert TlsReport.objects.count() == 2
    again = TlsReport.objects.get(pk=rows[1].report.pk)
    assert sum(w.startswith(OTHER_DOMAIN) for w in again.warnings) == 1


def test_a_bulk_import_still_takes_a_copy_naming_the_same_domain_for_a_copy(
    address: ReportAddress,
) -> None:
    outcome = ingest_many(
        [(address, body("example.com", 120)), (address, body("EXAMPLE.COM.", 120))]
    )
    assert outcome == {"parsed": 1, "duplicate": 1}, outcome
    assert TlsReport.objects.count() == 1


# --- Per-sender figures do not follow which domain's report came first (sender_key) -------

DAYS = [datetime.date(2026, 6, 1) + datetime.timedelta(days=n) for n in range(4)]


@pytest.fixture
def domain_address() -> ReportAddress:
    owner = User.objects.create_user("owner", "owner@example.org")
    domain = Domain.objects.create(
        team=Team.create_for(owner), name="example.com", verified_at=timezone.now()
    )
    return ReportAddress.for_domain(domain)


def import_days(address: ReportAddress, shift: int) -> None:
    """Each day: example.com's report (100 sessions, none failed) and mail.example.com's
    (10 of 100 failed, its usual rate), under the day as report-id; which came first
    alternates from day to day, so each key holds one domain's report some days and the
    other's on others."""
    items = []
    for n, d in enumerate(DAYS):
        pair = [
            body("example.com", 100, day=d.isoformat()),
            body("mail.example.com", 90, day=d.isoformat(), failed=10),
        ]
        if (n + shift) % 2:
            pair.reverse()
        items += [(address, b) for b in pair]
    assert ingest_many(items) == {"parsed": 8}


@pytest.mark.parametrize("shift", [0, 1])
def test_a_senders_usual_failure_rate_holds_both_domains_whatever_came_first(
    domain_address: ReportAddress, shift: int, settings: Any
) -> None:
    settings.TLSRPT_ALERT_MIN_SESSIONS = 20
    import_days(domain_address, shift)
    # mail.example.com failing its usual 10 % (5 % of the sender's day) is nothing unusual.
    rate = day_rates(domain_address, [DAYS[-1]], 0.05)[DAYS[-1]]
    assert (rate.sessions, rate.failed, rate.unusual) == (200, 10, 0)


def test_the_weekly_summary_counts_such_a_sender_once(domain_address: ReportAddress) -> None:
    import_days(domain_address, 0)
    assert domain_address.domain is not None
    weeks = {domain_address.domain.pk: DomainWeek(domain_address.domain)}
    _add_reports(weeks, DAYS[0], DAYS[-1], timezone.now())
    week = weeks[domain_address.domain.pk]
    assert (week.successful, week.failed, week.reporters) == (760, 40, 1)


# --- A report naming no policy domain, mailed with TLS-Report-Domain (task s44m) ----------


def mailed(address: ReportAddress, report: bytes, domain: str) -> bytes:
    """`report` mailed to `address` with TLS-Report-Domain: `domain` (RFC 8460 §5.3)."""
    message = make_message(address, body=report)
    return message.replace(
        b"TLS-Report-Domain: example.com", f"TLS-Report-Domain: {domain}".encode()
    )


@pytest.mark.parametrize(
    "policy",
    [(None, "no-policy-found"), ("mx1.mail.example.net", "tlsa")],
    ids=["postfix-no-policy-found", "dane-only"],
)
@pytest.mark.parametrize(
    "first, second",
    [("example.com", "mail.example.com"), ("mail.example.com", "example.com")],
)
def test_a_mailed_report_naming_no_domain_is_about_its_headers_domain(
    address: ReportAddress,
    dns_stub: Any,
    settings: Any,
    first: str,
    second: str,
    policy: tuple[str | None, str],
) -> None:
    """A Postfix no-policy-found report leaves policy-domain out (the parser takes the
    envelope's); a DANE-only one names only an MX host (RFC 8460 §1.1). Mailed, its
    TLS-Report-Domain names the domain it is about (§5.3). The other domain's report under the
    same report-id and day is then no copy of it, and neither's sessions are lost."""
    settings.TLSRPT_REQUIRE_DKIM = False
    assert _post(Client(), address.token, body(first, 120)).status_code == 201
    assert ingest(mailed(address, body(*policy[:1], 80, policy[1]), second)) == 0
    # A resend of it, mailed again: still its copy.
    assert ingest(mailed(address, body(*policy[:1], 80, policy[1]), second)) == 0
    parse_pending()
    rows = list(RawReport.objects.order_by("pk"))
    assert [r.parse_status for r in rows] == ["parsed", "parsed", "duplicate"], [
        r.error for r in rows
    ]
    assert sessions_by_domain() == {first: 120, second: 80}
    assert rows[2].report == rows[1].report
    assert TlsReport.objects.get(pk=rows[1].report.pk).submitter == f"small sender for {second}"


def test_a_key_naming_the_headers_domain_is_one_sender_with_its_plain_key(
    domain_address: ReportAddress, dns_stub: Any, settings: Any
) -> None:
    """The key a mailed DANE-only report gets from its TLS-Report-Domain (above) names the
    domain stored as its policy domain, so sender_key reads it as the sender of the plain key
    (task s44m): the weekly summary counts one sending organisation, not two."""
    settings.TLSRPT_REQUIRE_DKIM = False
    day = DAYS[0]
    assert _post(Client(), domain_address.token, body("example.com", 120)).status_code == 201
    dane = body("mx1.mail.example.net", 80, "tlsa")
    assert ingest(mailed(domain_address, dane, "mail.example.com")) == 0
    parse_pending()
    keys = {(r.submitter, r.policy_domain) for r in TlsReport.objects.all()}
    assert keys == {
        ("small sender", "example.com"),
        ("small sender for mail.example.com", "mail.example.com"),
    }
    assert {sender_key(*key) for key in keys} == {"small sender"}
    assert domain_address.domain is not None
    weeks = {domain_address.domain.pk: DomainWeek(domain_address.domain)}
    _add_reports(weeks, day, day, timezone.now())
    week = weeks[domain_address.domain.pk]
    assert (week.successful, week.reporters) == (200, 1)
