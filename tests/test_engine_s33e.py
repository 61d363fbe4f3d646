"""MTASTS-01 names an MTA-STS record published at _mta_sts.<domain> (task s33e, lab round s33m,
tests/lab/scenarios/s33m_recunderscore.toml): an underscore where the hyphen goes. Senders look
up _mta-sts.<domain> alone (RFC 8461 §3.1), so the domain has no MTA-STS (info, unchanged); the
finding says where the record is and the fix moves it, as TLSRPT-01 does for a TLS-RPT record at
a name senders never look. Written failing, before the change."""

from __future__ import annotations

import asyncio
from typing import Any
from unittest import mock

from checks import https, mtasts, starttls
from checks.findings import Finding, Status
from checks.https import HttpsResult
from tests.test_engine_s26c_blind import CnameDns
from tests.test_engine_s32t_blind import policy_file, policy_text, sts_site
from tests.test_mtasts import FakeProbe
from tests.test_spf import make_ctx, published

DOMAIN = "kilnsey-crag.com"
UNDERSCORE = f"_mta_sts.{DOMAIN}"


def _zone(record: str | None, *, at_hyphen: bool = False) -> dict[Any, Any]:
    """A mail domain with `record` at _mta_sts (or at _mta-sts with `at_hyphen`)."""
    if at_hyphen:
        return sts_site(DOMAIN, record)
    zone = sts_site(DOMAIN, "unused")
    del zone[(f"_mta-sts.{DOMAIN}", "TXT")]
    if record is not None:
        zone[(UNDERSCORE, "TXT")] = [record]
    return zone


def _run(zone: dict[Any, Any], files: dict[str, HttpsResult]) -> tuple[list[Finding], CnameDns]:
    ctx = make_ctx(DOMAIN, zone)
    dns = CnameDns(zone)
    ctx.dns = dns  # type: ignore[assignment]

    async def fetch(ctx: Any, url: str, *, max_bytes: int = 65536, **kw: Any) -> HttpsResult:
        return files.get(url) or HttpsResult(url=url, status=404, body=b"Not Found")

    async def probe_mx(ctx: Any, host: str, address: str) -> FakeProbe:
        return FakeProbe()

    async def go() -> list[Finding]:
        with (
            mock.patch.object(https, "fetch", fetch),
            mock.patch.object(starttls, "probe_mx", probe_mx),
        ):
            return await mtasts.evaluate(ctx)

    return asyncio.run(go()), dns


def _mtasts01(findings: list[Finding]) -> Finding:
    found = [f for f in findings if f.id == "MTASTS-01"]
    assert len(found) == 1, [(f.id, f.summary) for f in findings]
    return found[0]


def _asked_underscore(dns: CnameDns) -> int:
    return sum(1 for name, rdtype in dns.asked if name == UNDERSCORE and rdtype == "TXT")


def test_a_record_at_mta_sts_underscore_beside_a_served_policy_is_named_and_moved() -> None:
    # The lab scenario: a valid policy is served, the record sits at _mta_sts.
    findings, dns = _run(
        _zone("v=STSv1; id=20261203; note=owner"), policy_file(DOMAIN, policy_text(DOMAIN))
    )
    finding = _mtasts01(findings)
    assert finding.status == Status.INFO  # no status change
    assert f"published at {UNDERSCORE}, where senders never look" in finding.summary
    assert "'v=STSv1; id=20261203; note=owner'" in finding.summary
    assert f"_mta-sts.{DOMAIN}" in finding.summary and "RFC 8461 §3.1" in finding.summary
    first, *rest = finding.fix.split("\n")
    name, record = published(first)
    assert name == f"_mta-sts.{DOMAIN}"
    assert record.startswith("v=STSv1; id=") and record.endswith("; note=owner"), record
    assert rest == [
        f"Delete the record at {UNDERSCORE}, where senders never look: "
        f'{UNDERSCORE}. TXT "v=STSv1; id=20261203; note=owner"'
    ], finding.fix
    assert finding.evidence["misplaced"] == [
        {"name": UNDERSCORE, "record": "v=STSv1; id=20261203; note=owner"}
    ]
    assert _asked_underscore(dns) == 1


def test_a_record_at_mta_sts_underscore_without_a_policy_gets_the_setup_then_the_delete() -> None:
    findings, _ = _run(_zone("v=STSv1; id=20261203"), {})
    finding = _mtasts01(findings)
    assert finding.status == Status.INFO
    assert f"published at {UNDERSCORE}, where senders never look" in finding.summary
    assert finding.fix.startswith("Publish these three, in this order:"), finding.fix
    assert finding.fix.endswith(
        f"Delete the record at {UNDERSCORE}, where senders never look: "
        f'{UNDERSCORE}. TXT "v=STSv1; id=20261203"'
    ), finding.fix


def test_other_text_at_mta_sts_underscore_is_not_named() -> None:
    findings, _ = _run(_zone("google-site-verification=abc"), {})
    finding = _mtasts01(findings)
    assert "_mta_sts" not in finding.summary + finding.fix
    assert "misplaced" not in finding.evidence


def test_no_record_anywhere_says_nothing_more() -> None:
    findings, dns = _run(_zone(None), {})
    finding = _mtasts01(findings)
    assert "_mta_sts" not in finding.summary + finding.fix
    assert "misplaced" not in finding.evidence
    assert _asked_underscore(dns) == 1


def test_mta_sts_underscore_is_not_asked_when_the_record_is_at_mta_sts() -> None:
    findings, dns = _run(
        _zone("v=STSv1; id=20261203", at_hyphen=True), policy_file(DOMAIN, policy_text(DOMAIN))
    )
    assert _mtasts01(findings).status == Status.PASS
    assert _asked_underscore(dns) == 0
