"""The dashboard's figures on a realistic mix of reports for one domain: several reporters,
policy types, MX hosts and IPs (IPv6 too), days without mail, the next-day 00:00:00Z end
convention, a resend, a report about another domain sharing the address, a report with no
sessions, and rates that round to 0 % or 100 %."""

from __future__ import annotations

import csv
import gzip
import html
import io
import json
import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from mailsec.accounts.models import Team
from mailsec.domains.models import Domain
from reports.dashboard import percent_text, summarise
from reports.models import RawReport, ReportAddress

pytestmark = pytest.mark.django_db


def report(
    org: str, rid: str, day: date, policies: list[dict[str, Any]], *, next_day_end: bool = False
) -> dict[str, Any]:
    end = f"{day + timedelta(days=1)}T00:00:00Z" if next_day_end else f"{day}T23:59:59Z"
    return {
        "organization-name": org,
        "date-range": {"start-datetime": f"{day}T00:00:00Z", "end-datetime": end},
        "contact-info": f"tlsrpt@{org.split()[0].lower()}.example",
        "report-id": rid,
        "policies": policies,
    }


def policy(
    kind: str, domain: str, ok: int, failed: int, details: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "policy": {"policy-type": kind, "policy-domain": domain},
        "summary": {"total-successful-session-count": ok, "total-failure-session-count": failed},
    }
    if details:
        out["failure-details"] = details
    return out


def detail(result_type: str, n: int, mx: str = "", ip: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {"result-type": result_type, "failed-session-count": n}
    if mx:
        out["receiving-mx-hostname"] = mx
    if ip:
        out["receiving-ip"] = ip
    return out


def post(address: ReportAddress, body: dict[str, Any], *, gzipped: bool = True) -> RawReport:
    data = json.dumps(body).encode()
    raw, _ = RawReport.store(
        address, gzip.compress(data) if gzipped else data, source=RawReport.HTTPS
    )
    raw.process()
    raw.refresh_from_db()
    return raw


@pytest.fixture
def owner_and_address() -> tuple[User, ReportAddress]:
    owner = User.objects.create_user("owner", "owner@example.org")
    domain = Domain.objects.create(
        team=Team.create_for(owner), name="example.com", verified_at=timezone.now()
    )
    return owner, ReportAddress.for_domain(domain)


def dashboard(owner: User, address: ReportAddress) -> str:
    client = Client()
    client.force_login(owner)
    response = client.get(f"/tlsrpt/{address.token}/dashboard/")
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def org_row(page: str, org: str) -> list[str]:
    row = re.search(rf"<tr><td>{re.escape(org)}</td>(.*?)</tr>", page, re.S)
    assert row, org
    return [c.strip() for c in re.findall(r"<td>(.*?)</td>", row.group(1), re.S)]


def test_percent_text_never_rounds_to_none_or_all_failed() -> None:
    assert percent_text(0, 0) == ""
    assert percent_text(0, 10) == "0.00 %"
    assert percent_text(10, 10) == "100.00 %"
    assert percent_text(3, 1_000_000) == "< 0.01 %"
    assert percent_text(99_999, 100_000) == "> 99.99 %"
    assert percent_text(1, 3) == "33.33 %"


def test_a_sender_that_nearly_always_fails_is_not_shown_failing_everything(
    owner_and_address: tuple[User, ReportAddress],
) -> None:
    # A small sender whose sessions all but one failed (its MX pool cannot do TLS with us).
    owner, address = owner_and_address
    day = timezone.now().date() - timedelta(days=1)
    post(
        address,
        report(
            "Tiny Mail",
            "t1",
            day,
            [policy("sts", "example.com", 1, 40_000, [detail("validation-failure", 40_000)])],
        ),
    )
    page = dashboard(owner, address)
    assert "failure rate > 99.99 %" in page
    assert org_row(page, "Tiny Mail") == ["1", "1", "40,000", "> 99.99 %"]
    assert "100.00 %" not in page


def test_a_realistic_mix_adds_up(owner_and_address: tuple[User, ReportAddress]) -> None:
    owner, address = owner_and_address
    today = timezone.now().date()
    d1, d2, d3 = (today - timedelta(days=n) for n in (5, 3, 1))
    google = report(
        "Google Inc.",
        f"{d1}T00:00:00Z_example.com",
        d1,
        [
            policy(
                "sts",
                "example.com",
                1_000_000,
                3,
                [
                    detail("certificate-expired", 2, "mx2.example.com", "192.0.2.2"),
                    detail("certificate-expired", 1, "mx2.example.com", "2001:db8::2"),
                ],
            )
        ],
    )
    post(address, google)
    post(address, google, gzipped=False)  # the same report again, uncompressed: counted once
    post(
        address,
        report(
            "Microsoft Corporation",
            "133715927483468703+example.com",
            d1,
            [policy("sts", "example.com", 5000, 4, [detail("sts-policy-fetch-error", 4)])],
        ),
    )
    # mail.ru ends its day at the next 00:00:00Z: still d2.
    post(
        address,
        report(
            "Mail.Ru",
            "mr-1",
            d2,
            [
                policy(
                    "no-policy-found",
                    "example.com",
                    30,
                    2,
                    [detail("starttls-not-supported", 2, "mx3.example.com", "192.0.2.3")],
                )
            ],
            next_day_end=True,
        ),
    )
    post(address, report("Quiet Sender", "q-1", d2, [policy("sts", "example.com", 0, 0)]))
    post(
        address,
        report(
            "Yahoo",
            "y-1",
            d3,
            [
                policy(
                    "tlsa",
                    "mx1.example.com",
                    70,
                    5,
                    [detail("tlsa-invalid", 5, "mx1.example.com", "2001:db8::1")],
                )
            ],
        ),
    )
    # Another domain whose _smtp._tls record was copied: listed, not counted.
    post(
        address,
        report(
            "Google Inc.",
            "parked",
            d3,
            [
                policy(
                    "sts",
                    "parked.example.net",
                    0,
                    500,
                    [detail("certificate-not-trusted", 500, "mx.parked.example.net")],
                )
            ],
        ),
    )
    summary = summarise(address)
    by_day = {d.day: (d.successful, d.failed) for d in summary.days if d.total}
    assert by_day == {d1: (1_005_000, 7), d2: (30, 2), d3: (70, 5)}
    assert (summary.successful, summary.failed) == (1_005_100, 14)
    # Days without mail are in the chart, at zero.
    assert len(summary.days) == 30 and summary.days[-1].day == today
    orgs = {row["organization_name"]: (row["ok"], row["failed"]) for row in summary.by_organisation}
    assert orgs == {
        "Google Inc.": (1_000_000, 3),
        "Microsoft Corporation": (5000, 4),
        "Mail.Ru": (30, 2),
        "Quiet Sender": (0, 0),
        "Yahoo": (70, 5),
    }
    assert {t.name: n for t, n, _ in summary.by_result_type} == {
        "certificate-expired": 3,
        "sts-policy-fetch-error": 4,
        "starttls-not-supported": 2,
        "tlsa-invalid": 5,
    }
    receivers = {
        (r["receiving_mx_hostname"], r["receiving_ip"], r["result_type"]): r["sessions"]
        for r in summary.by_receiver
    }
    assert receivers == {
        ("mx2.example.com", "192.0.2.2", "certificate-expired"): 2,
        ("mx2.example.com", "2001:db8::2", "certificate-expired"): 1,
        ("", "", "sts-policy-fetch-error"): 4,
        ("mx3.example.com", "192.0.2.3", "starttls-not-supported"): 2,
        ("mx1.example.com", "2001:db8::1", "tlsa-invalid"): 5,
    }
    page = dashboard(owner, address)
    assert "1,005,100 successful and 14 failed TLS sessions reported" in page
    assert "failure rate < 0.01 %" in page
    assert org_row(page, "Google Inc.")[-1] == "< 0.01 %"  # 3 of a million: not 0.00 %
    assert org_row(page, "Quiet Sender")[-1] == ""  # no sessions: no rate, no error
    assert "(about parked.example.net: not counted here)" in page

    # The CSV has every policy and failure detail of every report, the other domain's too.
    client = Client()
    client.force_login(owner)
    rows = list(
        csv.DictReader(
            io.StringIO(client.get(f"/tlsrpt/{address.token}/export.csv").content.decode())
        )
    )
    assert len(rows) == 7
    assert {r["policy_domain"] for r in rows} == {
        "example.com",
        "mx1.example.com",
        "parked.example.net",
    }


def test_a_report_of_a_day_still_to_come_is_listed_as_not_counted_yet(
    owner_and_address: tuple[User, ReportAddress],
) -> None:
    # A sender whose clock is two days ahead: the report is stored and listed, but its
    # sessions are in no figure until its day comes, and the list must say why.
    owner, address = owner_and_address
    ahead = timezone.now().date() + timedelta(days=2)
    post(
        address,
        report(
            "Clock Ahead Mail",
            "ahead-1",
            ahead,
            [policy("sts", "example.com", 10, 90, [detail("starttls-not-supported", 90)])],
        ),
    )
    summary = summarise(address)
    assert (summary.successful, summary.failed) == (0, 0)
    page = dashboard(owner, address)
    row = re.search(r"<td>Clock Ahead Mail(.*?)</td>", page, re.S)
    assert row and "not counted yet" in row.group(1)


def test_one_receiving_mx_and_ip_written_two_ways_is_one_row(
    owner_and_address: tuple[User, ReportAddress],
) -> None:
    # Host names are case-insensitive and may end in a root dot; IPv6 has several text forms
    # (RFC 5952 names one): two senders writing the same MX and IP differently are one row.
    owner, address = owner_and_address
    day = timezone.now().date() - timedelta(days=1)
    for org, mx, ip in (
        ("Google Inc.", "mx2.example.com", "2001:db8::2"),
        ("Postfix Sender", "MX2.Example.com.", "2001:DB8:0:0:0:0:0:2"),
    ):
        post(
            address,
            report(
                org,
                f"{org}-1",
                day,
                [policy("sts", "example.com", 100, 3, [detail("certificate-expired", 3, mx, ip)])],
            ),
        )
    rows = [
        (r["receiving_mx_hostname"], r["receiving_ip"], r["result_type"], r["sessions"])
        for r in summarise(address).by_receiver
    ]
    assert rows == [("mx2.example.com", "2001:db8::2", "certificate-expired", 6)]


RFC_8460_TYPES = (
    "starttls-not-supported",
    "certificate-host-mismatch",
    "certificate-expired",
    "certificate-not-trusted",
    "validation-failure",
    "tlsa-invalid",
    "dnssec-invalid",
    "dane-required",
    "sts-policy-fetch-error",
    "sts-policy-invalid",
    "sts-webpki-invalid",
)


def test_every_reported_type_is_explained_and_unknown_ones_are_shown_as_text(
    owner_and_address: tuple[User, ReportAddress],
) -> None:
    owner, address = owner_and_address
    day = timezone.now().date() - timedelta(days=1)
    types = (*RFC_8460_TYPES, "<b>certificate-revoked</b>")
    post(
        address,
        report(
            "Every Type Mail",
            "all-1",
            day,
            [
                policy(
                    "sts",
                    "example.com",
                    100,
                    len(types),
                    [detail(t, 1, "mx1.example.com", "192.0.2.1") for t in types],
                )
            ],
        ),
    )
    summary = summarise(address)
    explained = {t.name: t for t, _, _ in summary.by_result_type}
    assert set(explained) == set(types)
    for name in RFC_8460_TYPES:
        assert explained[name].group != "unknown", name
        assert "<domain>" not in explained[name].meaning + explained[name].likely_cause
    assert explained["<b>certificate-revoked</b>"].group == "not in RFC 8460"
    client = Client()
    client.force_login(owner)
    raw_page = client.get(f"/tlsrpt/{address.token}/dashboard/").content.decode()
    assert "<b>certificate-revoked" not in raw_page  # the sender's text is escaped
    assert "&lt;b&gt;certificate-revoked&lt;/b&gt;" in raw_page
    page = html.unescape(raw_page)
    assert "mta-sts.example.com failed Web PKI (PKIX) validation" in page
    assert "A result type not defined in RFC 8460 §4.3" in page
