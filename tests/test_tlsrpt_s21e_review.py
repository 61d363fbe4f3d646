"""s21e review of the TLS-RPT fixes: an aliased _smtp._tls with nothing behind it, a rua URI
written with its tag again before a bare address or a second tag, and TLSRPT-02's merged record.

A TXT record cannot sit beside a CNAME (RFC 1034 §3.6.2): with _smtp._tls an alias whose target
does not exist or holds no TLS-RPT record, TLSRPT-01 and MTASTS-34 (which repeats its fix) offer
the record at the target, or at the name once the alias is deleted, never beside the alias.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from checks import https, mtasts, starttls, tlsrpt
from checks.findings import Finding, Status
from checks.tlsrpt import parse_tlsrpt_record, record_fix
from tests.test_mtasts import FakeProbe
from tests.test_mx import make_ctx

ZONE: dict[tuple[str, str], list[str] | str] = {
    ("example.org", "MX"): ["10 mx1.provider.example."],
    ("mx1.provider.example", "A"): ["192.0.2.11"],
    ("_mta-sts.example.org", "TXT"): ['"v=STSv1; id=20260601T0000"'],
}
POLICY = "version: STSv1\r\nmode: enforce\r\nmx: mx1.provider.example\r\nmax_age: 604800\r\n"
ALIAS = {"_smtp._tls.example.org": "_smtp._tls.msp.example"}
RECORD = '"v=TLSRPTv1; rua=mailto:tls-reports@example.org"'


def _evaluate(
    monkeypatch: pytest.MonkeyPatch, zone: dict[tuple[str, str], list[str] | str]
) -> list[Finding]:
    async def fake_fetch(ctx: Any, url: str, **kw: Any) -> https.HttpsResult:
        result = https.HttpsResult(url=url, host=url.split("/")[2], elapsed_ms=5.0)
        result.status = 200
        result.headers = {"content-type": "text/plain; charset=utf-8"}
        result.body = POLICY.encode()
        result.per_address = [https.AddressOutcome("192.0.2.13", True, status=200)]
        return result

    async def probe_mx(ctx: Any, host: str, address: str) -> Any:
        return FakeProbe()

    monkeypatch.setattr(starttls, "probe_mx", probe_mx)
    monkeypatch.setattr(https, "fetch", fake_fetch)
    ctx = make_ctx("example.org", zone, cnames=ALIAS)

    async def run() -> list[Finding]:
        return [*await mtasts.evaluate(ctx), *await tlsrpt.evaluate(ctx)]

    return asyncio.run(run())


@pytest.mark.parametrize(
    ("extra", "where"),
    [
        ({}, "which does not exist"),
        # The MSP's name exists (its SPF record) but holds no TLS-RPT record.
        ({("_smtp._tls.msp.example", "TXT"): ['"v=spf1 -all"']}, "where no TLS-RPT record"),
    ],
)
def test_an_alias_with_no_record_behind_it_is_offered_the_target_or_no_alias(
    monkeypatch: pytest.MonkeyPatch, extra: dict[tuple[str, str], list[str]], where: str
) -> None:
    findings = _evaluate(monkeypatch, {**ZONE, **extra})
    [report] = [f for f in findings if f.id == "TLSRPT-01"]
    [sts] = [f for f in findings if f.id == "MTASTS-34"]
    assert (report.status, sts.status) == (Status.WARN, Status.WARN)
    alias = f"_smtp._tls.example.org is an alias (CNAME) of _smtp._tls.msp.example, {where}"
    assert alias in report.summary
    for finding in (report, sts):
        lines = finding.fix.splitlines()
        assert alias in lines[0]
        assert "delete the alias" in lines[0]
        # At the target first; beside the alias only once it is deleted.
        assert lines[1] == f"_smtp._tls.msp.example. TXT {RECORD}"
        assert lines[2:] == ["Or, with the alias deleted:", f"_smtp._tls.example.org. TXT {RECORD}"]


def test_without_an_alias_the_missing_record_fix_is_unchanged() -> None:
    findings = asyncio.run(tlsrpt.evaluate(make_ctx("example.org", ZONE)))
    [report] = [f for f in findings if f.id == "TLSRPT-01"]
    assert report.fix == f"_smtp._tls.example.org. TXT {RECORD}"
    assert "alias" not in report.summary


@pytest.mark.parametrize(
    ("record", "rua"),
    [
        (
            "v=TLSRPTv1; rua=mailto:a@y.example,rua=b@b.example",
            "mailto:a@y.example,mailto:b@b.example",
        ),
        (
            "v=TLSRPTv1; rua=mailto:a@y.example,rua=rua=https://rpt.example.net/v1",
            "mailto:a@y.example,https://rpt.example.net/v1",
        ),
        # Not certain: nothing to keep, as before.
        ("v=TLSRPTv1; rua=mailto:a@y.example,rua=", "mailto:a@y.example"),
        ("v=TLSRPTv1; rua=mailto:a@y.example,rua=http://r.example/", "mailto:a@y.example"),
        ("v=TLSRPTv1; rua=mailto:a@y.example,rua=b@", "mailto:a@y.example"),
    ],
)
def test_what_follows_a_repeated_tag_is_repaired_as_any_uri(record: str, rua: str) -> None:
    fix = record_fix("example.org", [parse_tlsrpt_record(record)])
    assert fix == f'_smtp._tls.example.org. TXT "v=TLSRPTv1; rua={rua}"'


TWO = ['"v=TLSRPTv1; rua=mailto:b@example.org"', '"v=TLSRPTv1; rua=https://r.example/v1"']


def test_two_records_merge_into_one_whatever_order_dns_gives_them() -> None:
    fixes = set()
    for answers in (TWO, TWO[::-1]):
        zone = {**ZONE, ("_smtp._tls.example.org", "TXT"): answers}
        [finding] = [
            f
            for f in asyncio.run(tlsrpt.evaluate(make_ctx("example.org", zone)))
            if f.id == "TLSRPT-02"
        ]
        assert finding.status == Status.FAIL
        assert "Merge them into one." in finding.summary
        assert "Keep exactly one" not in finding.summary
        fixes.add(finding.fix)
    assert fixes == {
        '_smtp._tls.example.org. TXT "v=TLSRPTv1; rua=https://r.example/v1,mailto:b@example.org"'
    }
