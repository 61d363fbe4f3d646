"""Review of the TLS-RPT dashboard's s12 changes, on reports posted to the real HTTPS intake
(the fixtures and helpers of tests/test_reports_s12_dashboard.py): a domain no check has
finished for is never told what "our last check" did; a defined type in odd case is one row
with that type in every table."""

from __future__ import annotations

import csv
import html
import io
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from mailsec.domains.models import CheckRun, Domain
from reports.dashboard import summarise
from reports.join import sight
from reports.models import ReportAddress
from tests.test_reports_s12_dashboard import (  # noqa: F401 (fixtures)
    FINDINGS,
    FINISHED,
    address,
    checked,
    detail,
    domain,
    eager,
    owner,
    page_of,
    policy,
    report,
    send,
    sight_cell,
    yesterday,
)

pytestmark = pytest.mark.django_db


def _mixed_report(post: Any) -> None:
    """A subdomain's policy failure (its policy domain as a sender may write it), a sender's
    own type, and a defined type, all about example.com's address."""
    post(
        report(
            "Mixed Mail",
            "nocheck-1",
            yesterday(),
            [
                policy("sts", "Shop.Example.com.", 40, 5, [detail("sts-webpki-invalid", 5)]),
                policy(
                    "sts",
                    "example.com",
                    90,
                    3,
                    [
                        detail("tls-version-mismatch", 2, "mx1.example.com", "192.0.2.1"),
                        detail("certificate-expired", 1, "mx2.example.com", "192.0.2.2"),
                    ],
                ),
            ],
        )
    )


@pytest.mark.parametrize("history", ["never checked", "finished without findings"])
def test_a_domain_no_check_has_finished_for_is_not_told_of_our_last_check(
    owner: User,  # noqa: F811
    domain: Domain,  # noqa: F811
    address: ReportAddress,  # noqa: F811
    send: Any,  # noqa: F811
    history: str,
) -> None:
    if history == "finished without findings":
        checked(domain, [])
    _mixed_report(send)
    page = page_of(owner, address)
    shop = sight_cell(page, "sts-webpki-invalid")
    assert shop == (
        "sts-webpki-invalid reported for the MTA-STS policy of shop.example.com — not compared "
        "with a check: no check of example.com has finished yet, and a check of example.com "
        "fetches the policy of example.com, not this one (from mta-sts.shop.example.com); add "
        "shop.example.com as a domain to have it checked."
    )
    own = sight_cell(page, "tls-version-mismatch")
    assert own == (
        "tls-version-mismatch reported for mx1.example.com — not a result type of RFC 8460 "
        "§4.3, so it would not be compared with a check: which of our checks would test it is "
        "not known (no check of example.com has finished yet)."
    )
    assert sight_cell(page, "certificate-expired") == (
        "certificate-expired reported for mx2.example.com — no check of example.com has "
        "finished yet to compare with."
    )
    # The column is "What our last check saw"; no row claims one.
    cells = re.findall(r"check-sight[^>]*>(.*?)</td>", page, re.S)
    assert len(cells) == 3 and not any("our last check" in c for c in cells)


def test_a_check_that_could_not_complete_is_no_check_to_speak_of(
    domain: Domain,  # noqa: F811
) -> None:
    # Only a finished run becomes the domain's last run; a run that could not complete,
    # handed to the join all the same (with what it had found by then), is not one either.
    failed = CheckRun.objects.create(
        domain=domain, status=CheckRun.Status.ERROR, finished=FINISHED, findings=FINDINGS
    )
    for result_type, other in (
        ("sts-policy-fetch-error", "shop.example.com"),
        ("certificate-revoked", ""),
        ("certificate-expired", ""),
    ):
        seen = sight(
            result_type, ["mx2.example.com"], failed, other_policy=other, domain="example.com"
        )
        assert "no check of example.com has finished yet" in seen.text
        assert "last check" not in seen.text
    assert sight("certificate-expired", [], failed).verdict == "no-check"


def test_a_subdomains_policy_failure_still_names_the_check_that_ran(
    owner: User,  # noqa: F811
    domain: Domain,  # noqa: F811
    address: ReportAddress,  # noqa: F811
    send: Any,  # noqa: F811
) -> None:
    checked(domain, FINDINGS)
    _mixed_report(send)
    rows = {t.name: seen for t, _, seen in summarise(address).by_result_type}
    assert rows["sts-webpki-invalid"].text.startswith(
        "sts-webpki-invalid reported for the MTA-STS policy of shop.example.com — not compared "
        "with our last check, which fetched the policy of example.com"
    )
    assert rows["certificate-expired"].verdict == "problem"


def test_a_type_in_odd_case_and_as_written_is_one_row_in_every_table(
    owner: User,  # noqa: F811
    domain: Domain,  # noqa: F811
    address: ReportAddress,  # noqa: F811
    send: Any,  # noqa: F811
) -> None:
    # Two senders, one session each at mx2: one writes the type and host in capitals, the
    # other as RFC 8460 §4.3 does. One failure type, 2 sessions — not two rows of 1.
    checked(domain, FINDINGS)
    send(
        report(
            "Odd Case Mail",
            "odd-a",
            yesterday(),
            [
                policy(
                    "sts",
                    "example.com",
                    50,
                    1,
                    [detail("Certificate-Expired", 1, "MX2.Example.com.", "192.0.2.2")],
                )
            ],
        )
    )
    send(
        report(
            "Plain Mail",
            "odd-b",
            yesterday(),
            [
                policy(
                    "sts",
                    "example.com",
                    50,
                    1,
                    [detail("certificate-expired", 1, "mx2.example.com", "192.0.2.2")],
                )
            ],
        )
    )
    summary = summarise(address)
    ((kind, sessions, seen),) = summary.by_result_type
    assert (kind.name, kind.group, sessions) == ("certificate-expired", "TLS negotiation", 2)
    assert seen.verdict == "problem"
    assert seen.text.startswith("certificate-expired reported for mx2.example.com — our last")
    assert summary.by_receiver == [
        {
            "receiving_mx_hostname": "mx2.example.com",
            "receiving_ip": "192.0.2.2",
            "result_type": "certificate-expired",
            "sessions": 2,
        }
    ]
    assert summary.receivers_total == 1
    page = html.unescape(page_of(owner, address))
    assert "Certificate-Expired" not in page
    # The CSV is the raw data: each sender's spelling, one row per failure detail.
    client = Client()
    client.force_login(owner)
    export = client.get(f"/tlsrpt/{address.token}/export.csv").content.decode()
    rows = list(csv.DictReader(io.StringIO(export)))
    assert sorted(r["result_type"] for r in rows) == ["Certificate-Expired", "certificate-expired"]


def test_a_type_only_ever_written_in_odd_case_keeps_the_senders_spelling_in_each_table(
    owner: User,  # noqa: F811
    domain: Domain,  # noqa: F811
    address: ReportAddress,  # noqa: F811
    send: Any,  # noqa: F811
) -> None:
    checked(domain, FINDINGS)
    send(
        report(
            "Odd Case Mail",
            "odd-c",
            yesterday(),
            [
                policy(
                    "sts",
                    "example.com",
                    50,
                    3,
                    [
                        detail("Certificate-Expired", 2, "MX2.Example.com.", "192.0.2.2"),
                        detail("Certificate-Expired", 1, "mx2.example.com", "2001:db8::2"),
                    ],
                )
            ],
        )
    )
    summary = summarise(address)
    ((kind, sessions, seen),) = summary.by_result_type
    assert (kind.name, sessions, seen.verdict) == ("Certificate-Expired", 3, "problem")
    assert {(r["receiving_ip"], r["result_type"], r["sessions"]) for r in summary.by_receiver} == {
        ("192.0.2.2", "Certificate-Expired", 2),
        ("2001:db8::2", "Certificate-Expired", 1),
    }


def test_the_cut_receivers_table_counts_the_rows_it_shows(
    owner: User,  # noqa: F811
    domain: Domain,  # noqa: F811
    address: ReportAddress,  # noqa: F811
    send: Any,  # noqa: F811
) -> None:
    # 20 addresses of mx2, each with three failure types: 60 rows of (MX, IP, type) but 20 MX
    # and IP pairs. The note must count what the table lists, not call 50 rows "50 pairs".
    checked(domain, FINDINGS)
    failures = [
        detail(result_type, 1 + i, "mx2.example.com", f"2001:db8::{n + 1:x}")
        for n in range(20)
        for i, result_type in enumerate(
            ("certificate-expired", "starttls-not-supported", "validation-failure")
        )
    ]
    send(
        report("Busy Mail", "cut-1", yesterday(), [policy("sts", "example.com", 10, 120, failures)])
    )
    summary = summarise(address)
    assert (len(summary.by_receiver), summary.receivers_total) == (50, 60)
    pairs = {(r["receiving_mx_hostname"], r["receiving_ip"]) for r in summary.by_receiver}
    assert len(pairs) == 20
    page = re.sub(r"\s+", " ", html.unescape(page_of(owner, address)))
    assert (
        "The 50 rows with the most failed sessions of 60 (one per receiving MX, IP and result "
        "type) are shown; the CSV export has them all." in page
    )
    assert "pairs" not in page
