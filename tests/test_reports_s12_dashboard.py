"""The TLS-RPT dashboard read on realistic mixed reports posted to the real HTTPS intake: what
each sentence says (explanations, the join with our last check, figures, tables, CSV), not
only that the page renders. Scenarios nobody listed before: MTA-STS and DANE policies in one
report, opportunistic TLS failing, a subdomain's and another domain's policy, every RFC 8460
§4.3 result type and a sender's own, a result type in odd case, MX hosts our check does not
know, days without sessions, 2^53 counts, a report spanning two days, many receivers, IPv6,
organisation names that look like HTML."""

from __future__ import annotations

import csv
import datetime
import gzip
import html
import io
import json
import re
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from mailsec.accounts.models import Team
from mailsec.celery import app
from mailsec.domains.models import CheckRun, Domain
from reports.dashboard import summarise
from reports.join import compared_with_check, sight
from reports.models import RawReport, ReportAddress

pytestmark = pytest.mark.django_db

FINISHED = datetime.datetime(2026, 6, 2, 6, 0, tzinfo=datetime.UTC)
GZ = "application/tlsrpt+gzip"


@pytest.fixture
def eager() -> Iterator[None]:
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = False


@pytest.fixture
def owner() -> User:
    return User.objects.create_user("owner", "owner@example.org")


@pytest.fixture
def domain(owner: User) -> Domain:
    return Domain.objects.create(
        team=Team.create_for(owner), name="example.com", verified_at=timezone.now()
    )


@pytest.fixture
def address(domain: Domain) -> ReportAddress:
    return ReportAddress.for_domain(domain)


@pytest.fixture
def send(
    address: ReportAddress, eager: None, django_capture_on_commit_callbacks: Any
) -> Callable[[dict[str, Any]], RawReport]:
    """POST a report to the HTTPS intake and run the parse task queued on commit."""
    client = Client()

    def send(body: dict[str, Any]) -> RawReport:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                f"/tlsrpt/{address.token}",
                data=gzip.compress(json.dumps(body).encode()),
                content_type=GZ,
            )
        assert response.status_code == 201, response.content
        raw = RawReport.objects.get(public_id=response.json()["id"])
        assert raw.parse_status == RawReport.PARSED, raw.error
        return raw

    return send


def finding(
    fid: str,
    status: str,
    mechanism: str,
    subject: str,
    summary: str,
    evidence: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "id": fid,
        "status": status,
        "mechanism": mechanism,
        "subject": subject,
        "summary": summary,
        "evidence": evidence or {},
        "fix": "",
    }


def mx01(*hosts: str) -> dict[str, Any]:
    return finding(
        "MX-01",
        "pass",
        "mx",
        "example.com",
        f"{len(hosts)} MX hosts.",
        {"answers": [f"{10 * (i + 1)} {h}." for i, h in enumerate(hosts)]},
    )


def checked(domain: Domain, findings: list[dict[str, Any]]) -> CheckRun:
    run = CheckRun.objects.create(
        domain=domain, status=CheckRun.Status.DONE, finished=FINISHED, findings=findings
    )
    domain.set_last_run(run)
    return run


def report(
    org: str,
    rid: str,
    day: date,
    policies: list[dict[str, Any]],
    *,
    start: str | None = None,
    end: str | None = None,
) -> dict[str, Any]:
    return {
        "organization-name": org,
        "date-range": {
            "start-datetime": start or f"{day}T00:00:00Z",
            "end-datetime": end or f"{day}T23:59:59Z",
        },
        "contact-info": "tlsrpt@sender.example",
        "report-id": rid,
        "policies": policies,
    }


def policy(
    kind: str,
    domain: str,
    ok: int,
    failed: int,
    details: list[dict[str, Any]] | None = None,
    strings: list[str] | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "policy": {"policy-type": kind, "policy-domain": domain},
        "summary": {"total-successful-session-count": ok, "total-failure-session-count": failed},
    }
    if strings:
        out["policy"]["policy-string"] = strings
    if details:
        out["failure-details"] = details
    return out


def detail(result_type: str, n: int, mx: str = "", ip: str = "", **extra: str) -> dict[str, Any]:
    out: dict[str, Any] = {"result-type": result_type, "failed-session-count": n}
    if mx:
        out["receiving-mx-hostname"] = mx
    if ip:
        out["receiving-ip"] = ip
    out.update({k.replace("_", "-"): v for k, v in extra.items()})
    return out


def page_of(owner: User, address: ReportAddress) -> str:
    client = Client()
    client.force_login(owner)
    response = client.get(f"/tlsrpt/{address.token}/dashboard/")
    assert response.status_code == 200
    return response.content.decode()


def sight_cell(page: str, result_type: str) -> str:
    """The "What our last check saw" cell of a result type's row, as text."""
    row = re.search(
        rf"<tr><td><code>{re.escape(html.escape(result_type))}</code>(.*?)</tr>", page, re.S
    )
    assert row, result_type
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cells[-1]))).strip()


def yesterday() -> date:
    return timezone.now().date() - timedelta(days=1)


MX1, MX2 = "mx1.example.com", "mx2.example.com"
POLICY_URL = "https://mta-sts.example.com/.well-known/mta-sts.txt"
# What our last check of example.com saw: mx1 answered (certificate valid, STARTTLS, TLSA
# matching); mx2's certificate had expired on its IPv4 address, and its IPv6 address did not
# answer at all; the policy was fetched.
FINDINGS = [
    mx01(MX1, MX2),
    finding("SMTP-01", "pass", "smtp", f"{MX1} [192.0.2.1]", f"{MX1} [192.0.2.1] offers STARTTLS."),
    finding("SMTP-01", "pass", "smtp", f"{MX2} [192.0.2.2]", f"{MX2} [192.0.2.2] offers STARTTLS."),
    finding(
        "SMTP-01",
        "error",
        "smtp",
        f"{MX2} [2001:db8::2]",
        f"{MX2} at 2001:db8::2 did not answer on port 25.",
    ),
    finding(
        "SMTP-10",
        "pass",
        "smtp",
        f"{MX1} [192.0.2.1]",
        f"The certificate of {MX1} [192.0.2.1] is valid for 59 more days.",
        {"leaf": {"days_left": 59}},
    ),
    finding(
        "SMTP-10",
        "fail",
        "smtp",
        f"{MX2} [192.0.2.2]",
        f"The certificate of {MX2} [192.0.2.2] expired on 2026-06-01 00:00:00 UTC.",
        {"leaf": {"days_left": -2}, "verify_error": "expired"},
    ),
    finding(
        "DANE-04",
        "pass",
        "dane",
        f"_25._tcp.{MX1}",
        f"The TLSA records of {MX1} match its certificate.",
    ),
    finding("MTASTS-14", "pass", "mta-sts", POLICY_URL, "The policy was fetched with status 200."),
]


def test_a_defined_type_in_odd_case_is_compared_with_our_check_as_that_type(
    owner: User, domain: Domain, address: ReportAddress, send: Any
) -> None:
    # One sender writes the type in capitals and the host with a root dot: still the
    # certificate of mx2 our check saw expired, not a type "our last check did not test".
    checked(domain, FINDINGS)
    send(
        report(
            "Odd Case Mail",
            "odd-1",
            yesterday(),
            [
                policy(
                    "sts",
                    "example.com",
                    100,
                    3,
                    [detail("Certificate-Expired", 3, "MX2.Example.com.", "192.0.2.2")],
                )
            ],
        )
    )
    page = page_of(owner, address)
    cell = sight_cell(page, "Certificate-Expired")
    assert cell.startswith("Certificate-Expired reported for mx2.example.com — our last check")
    assert f"saw: The certificate of {MX2} [192.0.2.2] expired on 2026-06-01" in cell
    assert "did not test" not in cell
    # Shown as the sender wrote it, explained as the type it most likely is.
    assert "most likely certificate-expired written differently" in html.unescape(page)


def test_a_defined_type_in_odd_case_brings_the_next_check_forward_as_that_type() -> None:
    # The dashboard compares it with our check, so a new one must make that check current.
    assert compared_with_check("Certificate-Expired")
    assert compared_with_check("STS_POLICY_INVALID")
    assert not compared_with_check("certificate-revoked")


def test_a_type_a_sender_invents_is_shown_as_sent_and_not_compared_with_our_check(
    owner: User, domain: Domain, address: ReportAddress, send: Any
) -> None:
    # Types outside RFC 8460 §4.3: no check of ours is known to test them, so the page must
    # not claim our check "did not test this" (it may well have tested TLS versions), nor
    # drop the row or give it a defined type's explanation.
    checked(domain, FINDINGS)
    send(
        report(
            "Inventive Mail",
            "inv-1",
            yesterday(),
            [
                policy(
                    "sts",
                    "example.com",
                    100,
                    3,
                    [
                        detail("certificate-revoked", 2, MX1, "192.0.2.1"),
                        detail("tls-version-mismatch", 1, MX1, "192.0.2.1"),
                    ],
                )
            ],
        )
    )
    page = page_of(owner, address)
    text = html.unescape(page)
    for name in ("certificate-revoked", "tls-version-mismatch"):
        cell = sight_cell(page, name)
        assert cell == (
            f"{name} reported for {MX1} — not a result type of RFC 8460 §4.3, so it is not "
            "compared with our last check: which of our checks would test it is not known."
        )
        assert f"<code>{name}</code> <small>(not in RFC 8460)</small>" in text
    assert text.count("A result type not defined in RFC 8460 §4.3") == 2


def test_a_certificate_expiring_soon_is_not_what_our_check_saw_expired(
    owner: User, domain: Domain, address: ReportAddress, send: Any
) -> None:
    # Our check saw mx2's certificate valid for 5 more days (SMTP-10 warns: renew now). A
    # sender reporting certificate-expired there is not confirmed by it: the page must not
    # read "our last check saw" it, and marks it as seen clear, with the date it expires.
    soon = finding(
        "SMTP-10",
        "warn",
        "smtp",
        f"{MX2} [192.0.2.2]",
        f"The certificate of {MX2} [192.0.2.2] expires in 5 days (2026-06-07).",
        {"leaf": {"days_left": 5, "not_after": "2026-06-07T00:00:00Z"}, "verify_error": None},
    )
    # Expired, but DANE-EE senders still deliver: also a warning, and it is expired.
    dane_ok = finding(
        "SMTP-10",
        "warn",
        "smtp",
        f"{MX1} [192.0.2.1]",
        f"The certificate of {MX1} [192.0.2.1] expired on 2026-06-01 00:00:00 UTC. DANE-EE "
        "senders still deliver.",
        {"leaf": {"days_left": -1}, "verify_error": "expired"},
    )
    checked(domain, [mx01(MX1, MX2), soon, dane_ok])
    send(
        report(
            "Expiry Mail",
            "exp-1",
            yesterday(),
            [
                policy(
                    "sts",
                    "example.com",
                    100,
                    3,
                    [detail("certificate-expired", 3, MX2, "192.0.2.2")],
                ),
                policy("tlsa", MX1, 10, 2, [detail("certificate-expired", 2, MX1, "192.0.2.1")]),
            ],
        )
    )
    summary = summarise(address)
    (row,) = summary.by_result_type
    assert row[2].verdict == "problem"  # mx1's is expired
    assert f"saw: The certificate of {MX1} [192.0.2.1] expired on 2026-06-01" in row[2].text
    assert "expires in 5 days" not in row[2].text
    # mx2 alone: what our check saw there does not confirm it.
    seen = sight("certificate-expired", [MX2], domain.last_run)
    assert seen.verdict == "clear"
    assert seen.text.startswith(
        f"certificate-expired reported for {MX2} — our last check (2 Jun 2026, 06:00 UTC) saw "
        f"no such problem: The certificate of {MX2} [192.0.2.2] expires in 5 days (2026-06-07)."
    )


def test_a_subdomains_policy_failure_is_not_read_against_our_policy_check(
    owner: User, domain: Domain, address: ReportAddress, send: Any
) -> None:
    # shop.example.com publishes the same _smtp._tls record: its reports are counted here
    # (a name below the domain), but its MTA-STS policy is fetched from mta-sts.shop.
    # example.com, which our check of example.com never fetched. "Our last check saw no such
    # problem: The policy was fetched" would be about another policy host.
    checked(domain, FINDINGS)
    day = yesterday()
    send(
        report(
            "Microsoft Corporation",
            "sub-1",
            day,
            [policy("sts", "shop.example.com", 40, 5, [detail("sts-policy-fetch-error", 5)])],
        )
    )
    send(
        report(
            "Google Inc.",
            "own-1",
            day,
            [policy("sts", "example.com", 90, 2, [detail("sts-policy-fetch-error", 2)])],
        )
    )
    summary = summarise(address)
    assert (summary.successful, summary.failed) == (130, 7)  # the subdomain's are counted
    rows = {(t.name, n): (t, seen) for t, n, seen in summary.by_result_type}
    shop_type, shop_seen = rows[("sts-policy-fetch-error", 5)]
    own_type, own_seen = rows[("sts-policy-fetch-error", 2)]
    assert shop_seen.verdict == "not-compared"
    assert shop_seen.text == (
        "sts-policy-fetch-error reported for the MTA-STS policy of shop.example.com — not "
        "compared with our last check, which fetched the policy of example.com, not this one "
        "(from mta-sts.shop.example.com); add shop.example.com as a domain to have it checked."
    )
    assert "mta-sts.shop.example.com does not resolve" in shop_type.likely_cause
    # Our own policy's failure is still read against our check of it.
    assert own_seen.verdict == "clear"
    assert "The policy was fetched with status 200." in own_seen.text
    assert "mta-sts.example.com does not resolve" in own_type.likely_cause
    page = html.unescape(page_of(owner, address))
    assert "reported for the MTA-STS policy of shop.example.com — not compared" in page


def test_tables_cut_short_say_so(
    owner: User, domain: Domain, address: ReportAddress, send: Any
) -> None:
    # 60 senders, each reporting one failure at its own IPv6 address of mx1 (a /64 of MX
    # addresses): the receivers table and the report list show 50 rows each and must say
    # that there are more, and where to find them all.
    checked(domain, FINDINGS)
    day = yesterday()
    for n in range(60):
        send(
            report(
                f"Sender {n:02d}",
                f"many-{n}",
                day,
                [
                    policy(
                        "sts",
                        "example.com",
                        100,
                        1 + n,
                        [detail("certificate-host-mismatch", 1 + n, MX1, f"2001:db8::{n + 1:x}")],
                    )
                ],
            )
        )
    summary = summarise(address)
    assert len(summary.by_organisation) == 60  # every sender, uncut
    page = html.unescape(page_of(owner, address))
    assert page.count("certificate-host-mismatch</code></td>") == 50
    assert "The 50 rows with the most failed sessions of 60 (one per receiving MX, IP" in page
    assert "The latest 50 of 60 reports are shown" in page
    assert "2001:db8::3c<" in page and "2001:db8::a<" not in page  # the busiest first
    client = Client()
    client.force_login(owner)
    rows = list(
        csv.DictReader(
            io.StringIO(client.get(f"/tlsrpt/{address.token}/export.csv").content.decode())
        )
    )
    assert len({r["receiving_ip"] for r in rows}) == 60


def test_a_mixed_month_reads_right(
    owner: User, domain: Domain, address: ReportAddress, send: Any
) -> None:
    checked(domain, FINDINGS)
    day = yesterday()
    # MTA-STS and DANE in one report, each policy with its own failures.
    send(
        report(
            '<script>alert("x")</script> Mail & Co',
            "mix-1",
            day,
            [
                policy(
                    "sts",
                    "example.com",
                    1000,
                    3,
                    [detail("certificate-expired", 3, MX2, "192.0.2.2")],
                    ["version: STSv1", "mode: enforce", "mx: *.example.com", "max_age: 604800"],
                ),
                policy(
                    "tlsa",
                    MX1,
                    800,
                    2,
                    [detail("tlsa-invalid", 2, MX1, "2001:db8::1")],
                    ["3 1 1 0123456789abcdef"],
                ),
            ],
        )
    )
    # Opportunistic TLS failing on mx2's IPv6 address, which our check could not reach.
    send(
        report(
            "Opportunist",
            "mix-2",
            day,
            [
                policy(
                    "no-policy-found",
                    "example.com",
                    10,
                    4,
                    [detail("starttls-not-supported", 4, MX2, "2001:DB8:0:0:0:0:0:2")],
                )
            ],
        )
    )
    # Another domain's report sent here by a copied record: listed, never counted.
    send(
        report(
            "Google Inc.",
            "mix-3",
            day,
            [
                policy(
                    "sts",
                    "other.example.net",
                    0,
                    70,
                    [detail("certificate-not-trusted", 70, "mx.other.example.net")],
                )
            ],
        )
    )
    summary = summarise(address)
    assert (summary.successful, summary.failed) == (1810, 9)
    seen = {t.name: s for t, _, s in summary.by_result_type}
    assert set(seen) == {"certificate-expired", "tlsa-invalid", "starttls-not-supported"}
    assert seen["certificate-expired"].verdict == "problem"
    assert f"saw: The certificate of {MX2} [192.0.2.2] expired on 2026-06-01" in (
        seen["certificate-expired"].text
    )
    assert seen["tlsa-invalid"].verdict == "clear"
    assert seen["tlsa-invalid"].text.startswith(
        f"tlsa-invalid reported for {MX1} — our last check, at 2 Jun 2026, 06:00 UTC, saw no "
        f"such problem: The TLSA records of {MX1} match its certificate."
    )
    # mx2 answered on IPv4 but not on IPv6: never "no such problem" on mx2.
    assert seen["starttls-not-supported"].verdict == "untested"
    assert "could not test this: mx2.example.com at 2001:db8::2 did not answer" in (
        seen["starttls-not-supported"].text
    )
    assert "no such problem" not in seen["starttls-not-supported"].text
    receivers = {
        (r["receiving_mx_hostname"], r["receiving_ip"], r["result_type"]): r["sessions"]
        for r in summary.by_receiver
    }
    assert receivers == {
        (MX2, "192.0.2.2", "certificate-expired"): 3,
        (MX1, "2001:db8::1", "tlsa-invalid"): 2,
        (MX2, "2001:db8::2", "starttls-not-supported"): 4,
    }
    raw_page = page_of(owner, address)
    assert "<script>alert" not in raw_page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Mail &amp; Co" in raw_page
    page = re.sub(r"\s+", " ", html.unescape(raw_page))
    assert "1,810 successful and 9 failed TLS sessions reported — failure rate 0.49 %" in page
    assert "(about other.example.net: not counted here)" in page
    assert "certificate-not-trusted" not in re.sub(r"<h2>Reports</h2>.*", "", page, flags=re.S)
    # The CSV keeps both policies of the first report apart, and the other domain's rows.
    client = Client()
    client.force_login(owner)
    rows = list(
        csv.DictReader(
            io.StringIO(client.get(f"/tlsrpt/{address.token}/export.csv").content.decode())
        )
    )
    by_policy = {(r["policy_type"], r["policy_domain"], r["result_type"]) for r in rows}
    assert by_policy == {
        ("sts", "example.com", "certificate-expired"),
        ("tlsa", MX1, "tlsa-invalid"),
        ("no-policy-found", "example.com", "starttls-not-supported"),
        ("sts", "other.example.net", "certificate-not-trusted"),
    }
    assert {r["organization"] for r in rows} >= {'<script>alert("x")</script> Mail & Co'}


def test_figures_for_empty_days_huge_counts_and_a_report_spanning_two_days(
    owner: User, domain: Domain, address: ReportAddress, send: Any
) -> None:
    today = timezone.now().date()
    d1, d2 = today - timedelta(days=4), today - timedelta(days=2)
    big = 2**53 - 1  # the largest count I-JSON carries exactly (RFC 7493 §2.2)
    send(report("Huge Mail", "huge-1", d1, [policy("sts", "example.com", big, 1)]))
    send(report("Huge Mail", "huge-2", d2, [policy("sts", "example.com", 1, big)]))
    # Noon to noon: half of d1 + 1 and half of d1 + 2; its middle is d1 + 2 00:00 UTC.
    send(
        report(
            "Span Mail",
            "span-1",
            d1,
            [policy("sts", "example.com", 30, 10, [detail("starttls-not-supported", 10, MX1)])],
            start=f"{d1 + timedelta(days=1)}T12:00:00Z",
            end=f"{d2}T12:00:00Z",
        )
    )
    summary = summarise(address)
    days = {d.day: d for d in summary.days}
    assert (days[d1].successful, days[d1].failed) == (big, 1)
    assert (days[d2].successful, days[d2].failed) == (31, big + 10)
    # Days without sessions are at zero, with no rate rather than 0 % or an error.
    empty = days[d1 + timedelta(days=1)]
    assert (empty.total, empty.failure_rate) == (0, None)
    assert (summary.successful, summary.failed) == (big + 31, big + 11)
    assert summary.failure_percent_text == "50.00 %"
    bars = {b.day.day: b for b in summary.bars}
    assert bars[d1].fail_h == 2 and bars[d1].ok_h + bars[d1].fail_h <= 120  # seen, inside
    assert bars[d1].ok_y >= 0 and bars[d1].fail_y >= 0  # inside the chart
    assert bars[empty.day].ok_h == bars[empty.day].fail_h == 0
    orgs = {r["organization_name"]: r for r in summary.by_organisation}
    assert orgs["Huge Mail"]["failure_percent_text"] == "50.00 %"
    page = re.sub(r"\s+", " ", html.unescape(page_of(owner, address)))
    assert f"{big + 31:,} successful and {big + 11:,} failed TLS sessions reported" in page
    assert f"{d2:%Y-%m-%d}: 31 successful, {big + 10:,} failed" in page
    assert f"{empty.day:%Y-%m-%d}: 0 successful, 0 failed" in page


def test_a_count_of_2_to_the_53_is_not_counted_and_the_report_says_why(
    owner: User, domain: Domain, address: ReportAddress, send: Any
) -> None:
    # Beyond what I-JSON carries exactly (RFC 7493 §2.2): the policy is dropped, and the
    # report is listed with the warning rather than counted with a rounded number.
    raw = send(report("Huge Mail", "huge-x", yesterday(), [policy("sts", "example.com", 2**53, 1)]))
    assert (raw.report.total_successful, raw.report.total_failed) == (0, 0)
    assert any("beyond 2^53" in w for w in raw.report.warnings)
    summary = summarise(address)
    assert (summary.successful, summary.failed) == (0, 0)
    assert summary.failure_percent_text == ""
    page = re.sub(r"\s+", " ", html.unescape(page_of(owner, address)))
    assert "0 successful and 0 failed TLS sessions reported." in page  # no rate
