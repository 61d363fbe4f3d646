"""MTASTS-11 names the address it tried when the policy host could not be checked (task s48h,
from the product lessons: "could not test" must still show the MX, IP and record that were
tested, internet.nl #1425, #1736).

Addresses that failed in different ways were each named with their failure (s25k); one
address, or several failing alike, read "Could not check the policy host mta-sts.example.org:
no complete answer within 10 s." with no address, so the owner could not tell which of the
host's addresses (an old one left in DNS, a CDN's) to look at. The status stays `error`."""

from __future__ import annotations

import pytest

from checks import https
from checks.findings import Finding, Status
from tests.test_engine_s25k import _fetched, _refused, _timed_out
from tests.test_mtasts import evaluate


def mtasts11(monkeypatch: pytest.MonkeyPatch, per: list[https.AddressOutcome]) -> Finding:
    (finding,) = [f for f in evaluate(monkeypatch, fetched=_fetched(per)) if f.id == "MTASTS-11"]
    assert finding.status == Status.ERROR  # could not check, as before
    return finding


def test_it_names_the_one_address_tried(monkeypatch: pytest.MonkeyPatch) -> None:
    finding = mtasts11(monkeypatch, [_timed_out("192.0.2.13")])
    assert finding.summary.startswith(
        "Could not check the policy host mta-sts.example.org at 192.0.2.13: no complete "
        "answer within 10 s."
    )
    assert "up to a minute" in finding.summary  # what senders wait (s33q), kept


def test_it_names_every_address_that_failed_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    finding = mtasts11(monkeypatch, [_timed_out("192.0.2.13"), _timed_out("2001:db8::13")])
    assert finding.summary.startswith(
        "Could not check the policy host mta-sts.example.org at 192.0.2.13 and 2001:db8::13: "
        "no complete answer within 10 s."
    )


def test_addresses_failing_differently_read_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    no_route = https.AddressOutcome(
        "2001:db8::13", False, "this checker has no IPv6 route (unreachable)", "no-route"
    )
    finding = mtasts11(monkeypatch, [_timed_out("192.0.2.13"), no_route])
    assert finding.summary.startswith(
        "Could not check the policy host mta-sts.example.org (192.0.2.13: no complete answer "
        "within 10 s; 2001:db8::13: this checker has no IPv6 route (unreachable))."
    )


def test_a_private_only_host_reads_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    finding = mtasts11(monkeypatch, [_refused("10.1.2.3")])
    assert finding.summary.startswith(
        "Could not check the policy host mta-sts.example.org: it resolves only to the private "
        "address 10.1.2.3;"
    )
