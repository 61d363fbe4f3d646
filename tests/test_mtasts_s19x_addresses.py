"""Round s19x: MTASTS-32/36 on one address of an MX host that has several name the host, the
address and what failed ("mx1.example.org at 2001:db8::11 does not pass MTA-STS validation: it
does not offer STARTTLS ... Its other addresses 192.0.2.11, 192.0.2.21 pass."), so the admin
knows which server to look at; "could not check" says what happened there, without the
probe's internal error kind. The subject stays "host (address)": alerts and hosting read it.
The MTA-STS side as in test_mtasts, with a stand-in probe per (host, address)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from checks import https, mtasts, starttls
from checks.findings import Finding, Status
from tests.test_mtasts import POLICY, ZONE, FakeProbe
from tests.test_mx import make_ctx

SEVERAL = ZONE | {
    ("mx1.example.org", "A"): ["192.0.2.11", "192.0.2.21"],
    ("mx1.example.org", "AAAA"): ["2001:db8::11"],
}


def _per_address(
    monkeypatch: pytest.MonkeyPatch,
    probes: dict[tuple[str, str], Any],
    zone: dict[tuple[str, str], list[str] | str] = SEVERAL,
) -> list[Finding]:
    """mtasts.evaluate with a stand-in probe per (host, address), passing where none is given."""

    async def fake_fetch(ctx: Any, url: str, **kw: Any) -> https.HttpsResult:
        result = https.HttpsResult(url=url, host=url.split("/")[2], elapsed_ms=5.0)
        result.status = 200
        result.headers = {"content-type": "text/plain; charset=utf-8"}
        result.body = POLICY.encode()
        result.per_address = [https.AddressOutcome("192.0.2.13", True, status=200)]
        return result

    async def probe_mx(ctx: Any, host: str, address: str) -> Any:
        return probes.get((host, address), FakeProbe())

    monkeypatch.setattr(starttls, "probe_mx", probe_mx)
    monkeypatch.setattr(https, "fetch", fake_fetch)
    return asyncio.run(mtasts.evaluate(make_ctx("example.org", zone)))


def _no_starttls(address: str) -> starttls.SmtpProbe:
    return starttls.SmtpProbe(
        host="mx1.example.org",
        address=address,
        connected=True,
        banner_code=220,
        banner="mx1.example.org ESMTP",
        ehlo_ok=True,
        extensions=["PIPELINING"],
    )


def _about(found: list[Finding], check_id: str, address: str) -> Finding:
    [one] = [f for f in found if f.id == check_id and f.subject == f"mx1.example.org ({address})"]
    return one


def test_it_names_the_failing_address_and_the_ones_that_pass(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    found = _per_address(monkeypatch, {("mx1.example.org", "2001:db8::11"): _no_starttls("x")})
    failed = _about(found, "MTASTS-32", "2001:db8::11")
    assert failed.status == Status.FAIL
    assert failed.summary.startswith(
        "mx1.example.org at 2001:db8::11 does not pass MTA-STS validation: it does not offer "
        "STARTTLS"
    )
    assert failed.summary.endswith(
        "Its other addresses 192.0.2.11, 192.0.2.21 pass. mx2.example.org at 192.0.2.12 passes "
        "MTA-STS validation."
    )


def test_a_host_failing_everywhere_names_no_passing_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    addresses = ["192.0.2.11", "192.0.2.21", "2001:db8::11"]
    found = _per_address(monkeypatch, {("mx1.example.org", a): _no_starttls(a) for a in addresses})
    for address in addresses:
        failed = _about(found, "MTASTS-32", address)
        assert failed.summary.startswith(f"mx1.example.org at {address} does not pass")
        assert "other address" not in failed.summary


def test_could_not_check_says_where_and_what_happened(monkeypatch: pytest.MonkeyPatch) -> None:
    silent = FakeProbe(error_kind="timeout", problem="no TCP connection to port 25 within 10s")
    found = _per_address(monkeypatch, {("mx1.example.org", "192.0.2.21"): silent})
    unknown = _about(found, "MTASTS-32", "192.0.2.21")
    assert unknown.status == Status.ERROR
    assert unknown.summary == (
        "Could not check mx1.example.org at 192.0.2.21 this time: no TCP connection to port 25 "
        "within 10s. mx2.example.org at 192.0.2.12 passes MTA-STS validation."
    )


def test_old_tls_on_one_address_is_fixed_at_that_address(monkeypatch: pytest.MonkeyPatch) -> None:
    old = FakeProbe(tls_versions_accepted=["TLSv1.1"], max_tls_version="TLSv1.1")
    found = _per_address(monkeypatch, {("mx1.example.org", "192.0.2.21"): old})
    too_old = _about(found, "MTASTS-36", "192.0.2.21")
    assert too_old.status == Status.FAIL
    assert too_old.summary.startswith("mx1.example.org at 192.0.2.21 cannot negotiate TLS 1.2")
    assert too_old.summary.endswith(
        "Its other addresses 192.0.2.11, 2001:db8::11 pass. mx2.example.org at 192.0.2.12 "
        "passes MTA-STS validation."
    )
    assert too_old.fix == "Enable TLS 1.2 and 1.3 on mx1.example.org at 192.0.2.21."


def test_a_failed_address_lookup_is_not_called_no_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    zone = ZONE | {("mx2.example.org", "A"): "SERVFAIL", ("mx2.example.org", "AAAA"): "SERVFAIL"}
    found = _per_address(monkeypatch, {}, zone)
    [unknown] = [f for f in found if f.id == "MTASTS-32" and f.subject == "mx2.example.org"]
    assert unknown.status == Status.ERROR
    assert unknown.summary.startswith("Could not look up the addresses of mx2.example.org")
