"""MTASTS-01's setup for a domain whose MX is an alias (found by the free check's blind round
s38c, zone s38c-mxcnamests: MX 10 mail.<domain>, mail CNAME mx1.<provider>). On one page MX-04
and SMTP-11 gave the MX record pointing at mx1.<provider> (RFC 2181 §10.3; the certificate
names only the provider's host), while MTASTS-01 offered a policy naming only the alias:
followed together, the MX would match no pattern (RFC 8461 §4.1, MTASTS-30) and senders would
report every delivery as failed, then refuse it under enforce. The file now lists the alias's
target too, so it fits the MX record before and after MX-04's fix, and says why."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from checks import https, mtasts, starttls
from checks.findings import Finding, Status
from tests.test_mtasts import FakeProbe
from tests.test_mx import make_ctx

ZONE: dict[tuple[str, str], list[str] | str] = {
    ("example.org", "MX"): ["10 mail.example.org.", "20 mx2.example.org."],
    ("mx1.provider.example", "A"): ["192.0.2.21"],
    ("mx2.example.org", "A"): ["192.0.2.12"],
}


def evaluate(
    monkeypatch: pytest.MonkeyPatch,
    cnames: dict[str, str],
    more: dict[tuple[str, str], list[str] | str] | None = None,
) -> list[Finding]:
    async def no_policy_host(ctx: Any, url: str, **kw: Any) -> https.HttpsResult:
        result = https.HttpsResult(url=url, host=url.split("/")[2], elapsed_ms=5.0)
        result.error_kind, result.error = "dns", "simulated"
        return result

    async def probe_mx(ctx: Any, host: str, address: str) -> FakeProbe:
        return FakeProbe()

    monkeypatch.setattr(https, "fetch", no_policy_host)
    monkeypatch.setattr(starttls, "probe_mx", probe_mx)
    return asyncio.run(
        mtasts.evaluate(make_ctx("example.org", {**ZONE, **(more or {})}, cnames=cnames))
    )


def setup_fix(findings: list[Finding]) -> str:
    [note] = [f for f in findings if f.id == "MTASTS-01"]
    assert note.status == Status.INFO
    return note.fix


def test_the_policy_offered_lists_an_aliased_mx_and_its_target(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fix = setup_fix(evaluate(monkeypatch, {"mail.example.org": "mx1.provider.example"}))
    assert (
        "version: STSv1\nmode: testing\nmx: mail.example.org\nmx: mx1.provider.example\n"
        "mx: mx2.example.org\nmax_age: 604800\n"
    ) in fix, fix
    assert "MX-04" in fix and "alias" in fix, fix


def test_without_an_alias_the_policy_is_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    fix = setup_fix(evaluate(monkeypatch, {}, {("mail.example.org", "A"): ["192.0.2.21"]}))
    assert (
        "version: STSv1\nmode: testing\nmx: mail.example.org\nmx: mx2.example.org\n"
        "max_age: 604800\n"
    ) in fix, fix
    assert "MX-04" not in fix, fix
