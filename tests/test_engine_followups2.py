"""Follow-ups on the HTTPS fetch, MTA-STS and BIMI checks found by the second round of review."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from checks import https, mtasts, starttls
from checks.config import CheckConfig
from checks.findings import Finding, Status
from checks.mtasts import parse_policy
from tests.test_https import TlsServer
from tests.test_mtasts import POLICY, ZONE, FakeProbe, evaluate
from tests.test_mx import bad, make_ctx, statuses

# --- MTASTS-03: only the MTA-STS record's own strings -------------------------------------


def test_it_ignores_a_split_txt_record_that_is_not_mta_sts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    zone: dict[Any, Any] = dict(ZONE)
    zone[("_mta-sts.example.org", "TXT")] = [
        '"v=STSv1; id=20260601T0000"',
        '"google-site-verification=abcdefghijklmnop" "qrstuvwxyz0123456789"',
    ]
    findings = evaluate(monkeypatch, zone)
    assert bad(findings) == set()
    assert statuses(findings, "MTASTS-03") == []


def test_it_still_notes_a_split_mta_sts_record(monkeypatch: pytest.MonkeyPatch) -> None:
    zone: dict[Any, Any] = dict(ZONE)
    zone[("_mta-sts.example.org", "TXT")] = [
        '"v=STSv1; id=2026" "0601T0000"',
        '"google-site-verification=abcdefghijklmnop"',
    ]
    findings = evaluate(monkeypatch, zone)
    assert statuses(findings, "MTASTS-03") == [Status.INFO]
    assert statuses(findings, "MTASTS-05") == [Status.PASS]


# --- MTA-STS policy extension values: spaces inside, never a tab (RFC 8461 §3.2) -----------

BASE = "version: STSv1\nmode: enforce\nmx: mx1.example.org\nmx: mx2.example.org\nmax_age: 604800\n"


@pytest.mark.parametrize(
    "line", ["note: managed by ops", "note:\tmanaged", "note: managed\t", "note: caf\u00e9"]
)
def test_it_accepts_extension_values_the_grammar_allows(line: str) -> None:
    policy = parse_policy((BASE + line + "\n").encode())
    assert policy.valid
    assert [(p.check_id, p.status) for p in policy.problems] == [("MTASTS-28", Status.INFO)]


def test_it_refuses_a_tab_inside_an_extension_value(monkeypatch: pytest.MonkeyPatch) -> None:
    policy = parse_policy((BASE + "note: managed\tby ops\n").encode())
    assert not policy.valid
    (problem,) = policy.problems
    assert (problem.check_id, problem.status) == ("MTASTS-28", Status.FAIL)
    assert "tab" in problem.message
    findings = evaluate(monkeypatch, body=BASE + "note: managed\tby ops\n")
    assert ("MTASTS-28", "fail") in bad(findings)
    # The offered file is the policy without the broken line, and it parses clean.
    fix = next(f.fix for f in findings if f.id == "MTASTS-28")
    offered = fix.split("with:\n", 1)[1].split("2. Then", 1)[0]
    assert offered == BASE
    assert parse_policy(offered.encode()).valid and parse_policy(offered.encode()).problems == []


# --- MTASTS-17: addresses compared by the policy they serve, not its bytes ------------------


class _TakeTurns(TlsServer):
    """A policy host that answers each connection with the next response of a list (the
    server thread reads `response` once per connection)."""

    @property  # type: ignore[override]
    def response(self) -> bytes:
        return self._queue.pop(0) if len(self._queue) > 1 else self._queue[0]

    @response.setter
    def response(self, value: list[bytes]) -> None:
        self._queue = list(value)


def _http(body: bytes) -> bytes:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n"
    return head % len(body) + body


CRLF_POLICY = POLICY.encode()
LF_POLICY = POLICY.replace("\r\n", "\n").encode()
# The same policy once more: LF, mx lines swapped, trailing blanks and an empty last line.
LOOSE_POLICY = (
    b"version: STSv1 \nmode: enforce\nmx: mx2.example.org\nmx: MX1.example.org\t\n"
    b"max_age: 604800\n\n"
)


def _evaluate_served(
    tmp: Path, monkeypatch: pytest.MonkeyPatch, bodies: list[bytes]
) -> list[Finding]:
    """mtasts.evaluate with the real https.fetch: mta-sts.example.org has an IPv4 and an
    IPv6 address, both routed to one local TLS server answering `bodies` in turn."""
    host = "mta-sts.example.org"
    server = _TakeTurns(tmp, host, [_http(b) for b in bodies])  # type: ignore[arg-type]
    real = https.open_connection

    async def to_server(address: str, port: int, config: CheckConfig, **kw: object):  # type: ignore[no-untyped-def]
        return await real("127.0.0.1", server.port, config)

    async def probe_mx(ctx: Any, mx_host: str, address: str) -> FakeProbe:
        return FakeProbe()

    monkeypatch.setattr(https, "open_connection", to_server)
    monkeypatch.setattr(starttls, "probe_mx", probe_mx)
    zone: dict[Any, Any] = {
        **ZONE,
        (host, "A"): ["192.0.2.13"],
        (host, "AAAA"): ["2001:db8::13"],
    }
    ctx = make_ctx("example.org", zone, https_port=server.port, ca_bundle=server.ca_bundle)
    try:
        return asyncio.run(mtasts.evaluate(ctx))
    finally:
        server.close()


def test_it_takes_one_policy_in_crlf_and_lf_as_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    findings = _evaluate_served(tmp_path, monkeypatch, [CRLF_POLICY, LF_POLICY])
    outcomes = next(f for f in findings if f.id == "MTASTS-11").evidence["addresses"]
    assert len({o["body_sha256"] for o in outcomes}) == 2  # the bytes do differ
    assert len({o["meaning"] for o in outcomes}) == 1
    assert bad(findings) == set()
    assert statuses(findings, "MTASTS-17") == [Status.PASS]


def test_it_takes_blanks_and_mx_order_as_the_same_policy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    findings = _evaluate_served(tmp_path, monkeypatch, [CRLF_POLICY, LOOSE_POLICY])
    assert ("MTASTS-17", "warn") not in bad(findings)
    assert mtasts.policy_meaning(LOOSE_POLICY) == mtasts.policy_meaning(CRLF_POLICY)


def test_it_still_warns_when_the_policies_differ(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = LF_POLICY.replace(b"mode: enforce", b"mode: testing")
    findings = _evaluate_served(tmp_path, monkeypatch, [CRLF_POLICY, other])
    assert ("MTASTS-17", "warn") in bad(findings)
    summary = next(f.summary for f in findings if f.id == "MTASTS-17")
    assert "192.0.2.13" in summary and "2001:db8::13" in summary


@pytest.mark.parametrize(
    "other",
    [
        POLICY.replace("max_age: 604800", "max_age: 86400"),
        POLICY.replace("mx: mx2.example.org\r\n", ""),
        "\ufeff" + POLICY,  # a BOM: strict senders reject this copy, not the other
        POLICY.replace("mode: enforce", "mode: enforced"),
    ],
)
def test_policies_that_differ_for_senders_have_different_meanings(other: str) -> None:
    assert mtasts.policy_meaning(other.encode()) != mtasts.policy_meaning(CRLF_POLICY)


def test_two_broken_files_compare_by_their_lines() -> None:
    broken = "<html>\r\n<body>oops</body>\r\n"
    same = mtasts.policy_meaning(broken.encode())
    assert mtasts.policy_meaning(broken.replace("\r\n", "\n").encode()) == same
    assert mtasts.policy_meaning(b"<html>\n<body>other</body>\n") != same


# --- addresses beyond the fetch's cap are said in words ------------------------------------

V4 = [f"192.0.2.{i}" for i in range(21, 29)]  # 8 A records: 6 tried, 2 not


def test_mta_sts_says_which_addresses_were_not_tried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    host = "mta-sts.example.org"
    server = _TakeTurns(tmp_path, host, [_http(CRLF_POLICY)])  # type: ignore[arg-type]
    real = https.open_connection

    async def to_server(address: str, port: int, config: CheckConfig, **kw: object):  # type: ignore[no-untyped-def]
        return await real("127.0.0.1", server.port, config)

    async def probe_mx(ctx: Any, mx_host: str, address: str) -> FakeProbe:
        return FakeProbe()

    monkeypatch.setattr(https, "open_connection", to_server)
    monkeypatch.setattr(starttls, "probe_mx", probe_mx)
    zone: dict[Any, Any] = {**ZONE, (host, "A"): V4}
    ctx = make_ctx("example.org", zone, https_port=server.port, ca_bundle=server.ca_bundle)
    try:
        findings = asyncio.run(mtasts.evaluate(ctx))
    finally:
        server.close()
    assert bad(findings) == set()
    (note,) = [f for f in findings if f.id == "MTASTS-17"]
    assert note.status == Status.INFO
    assert "8 addresses" in note.summary and "2 were not tried" in note.summary
    assert "192.0.2.27, 192.0.2.28" in note.summary
    assert note.evidence["not_tried"] == V4[6:]


def test_the_note_shortens_a_long_list() -> None:
    result = https.HttpsResult(
        url="https://logo.example.com/l.svg",
        per_address=[https.AddressOutcome(a, True, status=200) for a in V4[:6]],
        not_tried=[f"198.51.100.{i}" for i in range(1, 11)],
    )
    note = https.not_tried_note(result)
    assert note.startswith("logo.example.com has 16 addresses")
    assert "198.51.100.4 and 6 more" in note and "198.51.100.5" not in note
    assert https.not_tried_note(https.HttpsResult(url="https://x.example.com/")) == ""


def test_bimi_says_which_addresses_were_not_tried() -> None:
    from unittest import mock

    from checks import bimi
    from tests.test_bimi import CERT, ENFORCING, GOOD_SVG, GOOD_VMC, LOGO, D
    from tests.test_spf import make_ctx as spf_ctx

    async def fetch(ctx: Any, url: str, *, max_bytes: int = 65536, timeout: Any = None):  # type: ignore[no-untyped-def]
        body = GOOD_VMC if url == CERT else GOOD_SVG
        return https.HttpsResult(
            url=url,
            host="bimi.example.com",
            status=200,
            body=body,
            per_address=[https.AddressOutcome(a, True, status=200) for a in V4[:6]],
            not_tried=V4[6:],
        )

    zone: dict[Any, Any] = {
        (D, "MX"): ["10 mx.example.com."],
        (f"default._bimi.{D}", "TXT"): [f"v=BIMI1; l={LOGO}; a={CERT}"],
        (f"_dmarc.{D}", "TXT"): [ENFORCING],
    }

    async def go() -> list[Finding]:
        with mock.patch.object(https, "fetch", fetch):
            return await bimi.evaluate(spf_ctx(D, zone))

    found = asyncio.run(go())
    assert statuses(found, "BIMI-09") == [Status.INFO, Status.PASS]
    assert statuses(found, "BIMI-10") == [Status.INFO, Status.PASS]
    for check_id in ("BIMI-09", "BIMI-10"):
        note = next(f for f in found if f.id == check_id and f.status == Status.INFO)
        assert "2 were not tried (192.0.2.27, 192.0.2.28)" in note.summary
