"""s21e review of MTASTS-30 for an MX name that is an alias of a host the policy names.

A dangling alias (its target does not exist, or has no address) gets no "point the MX there":
an MX record naming that target reaches no server either (MX-04, MX-06 say so). Beside an
aliased MX, a plain MX host the policy misses still needs its mx line: the first option names
it, so following it alone leaves no host uncovered.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from checks import https, mtasts, starttls
from checks.findings import Finding, Status
from tests.test_mtasts import FakeProbe
from tests.test_mx import make_ctx

BASE: dict[tuple[str, str], list[str] | str] = {
    ("_mta-sts.example.org", "TXT"): ['"v=STSv1; id=20260601T0000"'],
    ("mx1.provider.example", "A"): ["192.0.2.11"],
    ("mx3.other.example", "A"): ["192.0.2.14"],
}


def _mtasts_30(
    monkeypatch: pytest.MonkeyPatch, mx: list[str], cnames: dict[str, str], policy_mx: list[str]
) -> Finding:
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
    ctx = make_ctx("example.org", {**BASE, ("example.org", "MX"): mx}, cnames=cnames)
    [finding] = [f for f in asyncio.run(mtasts.evaluate(ctx)) if f.id == "MTASTS-30"]
    return finding


def test_a_dangling_alias_is_not_offered_its_missing_target(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    finding = _mtasts_30(
        monkeypatch,
        ["10 mail.example.org."],
        {"mail.example.org": "mx9.provider.example"},  # no such name
        ["mx9.provider.example"],
    )
    assert finding.status == Status.FAIL
    assert "MX 10 mx9.provider.example" not in finding.fix
    assert "alias" not in finding.summary
    assert "no address" in finding.summary  # MX-06's cause, as for any host without one


def test_the_plain_uncovered_host_is_added_beside_the_pointed_alias(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    finding = _mtasts_30(
        monkeypatch,
        ["10 mail.example.org.", "20 mx3.other.example."],
        {"mail.example.org": "mx1.provider.example"},
        ["mx1.provider.example"],
    )
    assert finding.status == Status.FAIL
    first, _, other = finding.fix.partition("\nOr keep the alias and change the policy:\n")
    assert first == (
        "Point the MX record at the host the policy names (see MX-04):\n"
        "example.org. MX 10 mx1.provider.example.\n"
        "and add to the policy file, then give the record a new id:\n"
        "mx: mx3.other.example"
    )
    assert "mx: mail.example.org" in other


def test_only_aliases_need_no_policy_line(monkeypatch: pytest.MonkeyPatch) -> None:
    finding = _mtasts_30(
        monkeypatch,
        ["10 mail.example.org."],
        {"mail.example.org": "mx1.provider.example"},
        ["mx1.provider.example"],
    )
    assert "add to the policy file" not in finding.fix
