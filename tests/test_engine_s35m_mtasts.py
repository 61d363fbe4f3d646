"""MTA-STS texts left by the last session (task s35m items 1-3), pinned without the lab
(tests.test_mtasts' fake DNS, policy fetch and MX probes). Texts only, no status change.

1. MTASTS-16 for a policy over the 64 KiB limit said "larger than 65536 bytes" without how
   large: it now gives the size the server declared (Content-Length), or says the server
   declared none and mailsec, as senders, stopped reading at the limit.
2. MTASTS-11 for a policy host refusing connections on both its IPv4 and IPv6 address named
   one refusal (the first address's): it now names every address and what each did.
3. MTASTS-28 (and MTASTS-20) quoted an indented line with its indent ("('  mx: ...')", a
   doubled space in the summary, which tests/test_fix_texts.py refuses): the line is quoted
   without the indent, and the indent is said in words.
"""

from __future__ import annotations

import pytest

from checks import https, mtasts
from checks.findings import Finding, Status
from checks.mtasts import parse_policy
from tests.test_fix_texts import summary_problems
from tests.test_mtasts import POLICY, evaluate

URL = "https://mta-sts.example.org/.well-known/mta-sts.txt"
HOST = "mta-sts.example.org"


def _one(findings: list[Finding], check: str, status: Status) -> Finding:
    found = [f for f in findings if f.id == check and f.status == status]
    assert len(found) == 1, [(f.id, f.status, f.summary) for f in findings]
    return found[0]


# ---- 1. MTASTS-16: how big the oversize policy was ------------------------------------------


def _oversize(headers: dict[str, str]) -> str:
    body = (POLICY + "x-padding: " + "a" * 80_000 + "\r\n").encode()
    result = https.HttpsResult(
        url=URL,
        host=HOST,
        status=200,
        headers={"content-type": "text/plain", **headers},
        body=body[: mtasts.MAX_POLICY_BYTES + 1],
        truncated=True,
        per_address=[https.AddressOutcome("192.0.2.80", True, status=200)],
    )
    (problem,) = [p for p in mtasts._fetch_problems(result) if p.check_id == "MTASTS-16"]
    assert problem.status == Status.FAIL
    return problem.message


def test_mtasts16_says_the_declared_size_and_the_limit() -> None:
    message = _oversize({"content-length": "80123"})
    assert "80123 bytes" in message, message
    assert "78.2 KiB" in message, message
    assert "65536 bytes (64 KiB)" in message, message


def test_mtasts16_without_a_declared_size_says_mailsec_stopped_at_the_limit() -> None:
    # Chunked: no Content-Length. The size is not known; what is known is said.
    message = _oversize({"transfer-encoding": "chunked"})
    assert "more than 65536 bytes (64 KiB)" in message, message
    assert "Content-Length" in message, message
    assert "stopped reading" in message, message


def test_mtasts16_a_compressed_policy_gives_the_compressed_size_as_such() -> None:
    message = _oversize({"content-length": "900", "content-encoding": "gzip"})
    assert "900 bytes gzip-compressed" in message, message
    assert "more than 65536 bytes (64 KiB) once decoded" in message, message


def test_mtasts16_the_engine_finding_reads_cleanly(monkeypatch: pytest.MonkeyPatch) -> None:
    body = (POLICY + "x-padding: " + "a" * 80_000 + "\r\n").encode()
    fetched = https.HttpsResult(
        url=URL,
        host=HOST,
        status=200,
        headers={"content-type": "text/plain", "content-length": str(len(body))},
        body=body[: mtasts.MAX_POLICY_BYTES + 1],
        truncated=True,
        per_address=[https.AddressOutcome("192.0.2.80", True, status=200)],
    )
    finding = _one(evaluate(monkeypatch, fetched=fetched), "MTASTS-16", Status.FAIL)
    assert f"{len(body)} bytes" in finding.summary, finding.summary
    assert not summary_problems(finding), summary_problems(finding)


# ---- 2. MTASTS-11: every address of a host refusing connections -----------------------------

REFUSED = "could not connect to port 443: connection refused"


def _refused_everywhere(monkeypatch: pytest.MonkeyPatch, second: https.AddressOutcome) -> Finding:
    first = https.AddressOutcome("192.0.2.80", False, REFUSED, "connect")
    fetched = https.HttpsResult(
        url=URL,
        host=HOST,
        error_kind="connect",
        error=REFUSED,
        per_address=[first, second],
    )
    return _one(evaluate(monkeypatch, fetched=fetched), "MTASTS-11", Status.FAIL)


def test_mtasts11_names_both_addresses_that_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    finding = _refused_everywhere(
        monkeypatch, https.AddressOutcome("2001:db8::80", False, REFUSED, "connect")
    )
    assert f"192.0.2.80: {REFUSED}" in finding.summary, finding.summary
    assert f"2001:db8::80: {REFUSED}" in finding.summary, finding.summary
    assert "IPv4" in finding.summary and "IPv6" in finding.summary, finding.summary
    assert not summary_problems(finding), summary_problems(finding)
    # The fix still names the addresses that refused.
    assert "(192.0.2.80, 2001:db8::80)" in finding.fix, finding.fix


def test_mtasts11_names_what_the_other_address_did(monkeypatch: pytest.MonkeyPatch) -> None:
    # The IPv6 address took the connection and failed TLS: not "does not accept" for it.
    tls = "TLS handshake failed: handshake failure"
    finding = _refused_everywhere(
        monkeypatch, https.AddressOutcome("2001:db8::80", False, tls, "tls")
    )
    assert f"192.0.2.80: {REFUSED}" in finding.summary, finding.summary
    assert f"2001:db8::80: {tls}" in finding.summary, finding.summary
    assert "(192.0.2.80)" in finding.fix, finding.fix


def test_mtasts11_one_address_is_said_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    fetched = https.HttpsResult(
        url=URL,
        host=HOST,
        error_kind="connect",
        error=REFUSED,
        per_address=[https.AddressOutcome("192.0.2.80", False, REFUSED, "connect")],
    )
    finding = _one(evaluate(monkeypatch, fetched=fetched), "MTASTS-11", Status.FAIL)
    assert finding.summary == (
        f"The policy host {HOST} does not accept HTTPS connections ({REFUSED})."
    ), finding.summary


# ---- 3. MTASTS-28: an indented line quoted without a doubled space --------------------------

GOOD = "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.org\r\nmax_age: 604800\r\n"


def _fails(body: str, check: str = "MTASTS-28") -> list[str]:
    return [
        p.message
        for p in parse_policy(body).problems
        if p.check_id == check and p.status == Status.FAIL
    ]


def test_mtasts28_an_indented_field_is_quoted_without_its_indent() -> None:
    (message,) = _fails(GOOD.replace("mx: mx1", "  mx: mx1"))
    assert "  " not in message, message
    assert "'mx: mx1.example.org'" in message, message
    assert "indented by 2 spaces" in message, message
    assert "Line 3" in message and "key: value" in message, message


def test_mtasts28_a_tab_indent_is_said_in_words() -> None:
    (message,) = _fails(GOOD.replace("mx: mx1", "\tmx: mx1"))
    assert "indented by a tab" in message, message
    assert "'mx: mx1.example.org'" in message, message


def test_mtasts28_an_indented_line_that_is_no_field_is_quoted_without_a_doubled_space() -> None:
    (message,) = _fails(GOOD + "    <html>\r\n")
    assert "  " not in message, message
    assert "'<html>', indented by 4 spaces" in message, message


def test_mtasts28_blanks_inside_a_quoted_line_show_without_a_doubled_space() -> None:
    (message,) = _fails(GOOD + "some  words here\r\n")
    assert "  " not in message, message
    assert "some" in message and "words here" in message, message


def test_mtasts20_an_indented_key_with_a_space_before_the_colon() -> None:
    (message,) = _fails(GOOD.replace("mode: enforce", "   mode : enforce"), "MTASTS-20")
    assert "  " not in message, message
    assert "'mode : enforce', indented by 3 spaces" in message, message


def test_mtasts28_an_unindented_line_is_quoted_as_before() -> None:
    assert _fails(GOOD + "<html>\r\n") == [
        "Line 5 ('<html>') is not a \"key: value\" line, so the policy is invalid."
    ]
