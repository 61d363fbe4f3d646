"""s21e: an MX name that is an alias (CNAME) of the host the MTA-STS policy names.

Senders match the name in the MX record, not where it points (RFC 8461 §4.1), so MTASTS-30
fails; its fix points the MX record at the host the policy names (MX-04's fix), which makes the
policy match as written, instead of lowering the policy to testing first. The lab scenario
s21e-mxcname (tests/test_lab_s21e_blind.py) shows it whole.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from checks import https, mtasts, starttls
from checks.findings import Finding, Status
from tests.test_mtasts import FakeProbe
from tests.test_mx import make_ctx

ZONE: dict[tuple[str, str], list[str] | str] = {
    ("example.org", "MX"): ["10 mail.example.org."],
    ("mx1.provider.example", "A"): ["192.0.2.11"],
    ("_mta-sts.example.org", "TXT"): ['"v=STSv1; id=20260601T0000"'],
}


def _evaluate(monkeypatch: pytest.MonkeyPatch, policy_mx: list[str]) -> list[Finding]:
    body = "version: STSv1\r\nmode: enforce\r\n"
    body += "".join(f"mx: {m}\r\n" for m in policy_mx) + "max_age: 604800\r\n"

    async def fake_fetch(ctx: Any, url: str, **kw: Any) -> https.HttpsResult:
        result = https.HttpsResult(url=url, host=url.split("/")[2], elapsed_ms=5.0)
        result.status = 200
        result.headers = {"content-type": "text/plain; charset=utf-8"}
        result.body = body.encode()
        result.per_address = [https.AddressOutcome("192.0.2.13", True, status=200)]
        return result

    async def probe_mx(ctx: Any, host: str, address: str) -> Any:
        return FakeProbe()

    monkeypatch.setattr(starttls, "probe_mx", probe_mx)
    monkeypatch.setattr(https, "fetch", fake_fetch)
    ctx = make_ctx("example.org", ZONE, cnames={"mail.example.org": "mx1.provider.example"})
    return asyncio.run(mtasts.evaluate(ctx))


def test_the_policy_naming_the_alias_target_is_fixed_by_pointing_the_mx_there(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    [finding] = [f for f in _evaluate(monkeypatch, ["mx1.provider.example"]) if f.id == "MTASTS-30"]
    assert finding.status == Status.FAIL
    assert "mail.example.org is an alias (CNAME) of mx1.provider.example" in finding.summary
    assert finding.fix.startswith(
        "Point the MX record at the host the policy names (see MX-04):\n"
        "example.org. MX 10 mx1.provider.example.\n"
        "Or keep the alias and change the policy:\n"
    )


def test_a_policy_naming_neither_says_nothing_of_the_alias(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    [finding] = [f for f in _evaluate(monkeypatch, ["mx9.other.example"]) if f.id == "MTASTS-30"]
    assert finding.status == Status.FAIL
    assert "alias" not in finding.summary
    assert not finding.fix.startswith("Point the MX record")
