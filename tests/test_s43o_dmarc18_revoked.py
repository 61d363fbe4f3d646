"""DMARC-18 and a revoked DKIM key (task s43o). A key record with an empty p= is a revoked key,
no key (RFC 6376 §3.6.1): with no SPF record either, nothing can pass DMARC aligned (RFC 7489
§3.1), so DMARC-18 keeps its status (checklist DMARC-18: warn, info for a domain with a null MX
that sends no mail). Its words name the revoked record plainly instead of "no DKIM key was
found", which sent owners looking for a record that is there. No network: in-memory DNS."""

from __future__ import annotations

import asyncio
from typing import Any

from checks import dkim, dmarc
from checks.dns import DnsAnswer, normalize
from tests.blind_engine import CnameDns, run_engine
from tests.test_spf import make_ctx

D = "ormsby-farriers.com"
DMARC = (f"_dmarc.{D}", "TXT")
REVOKED = "v=DKIM1; k=rsa; p="


def _dmarc18(findings: list[Any]) -> Any:
    found = [f for f in findings if f.id == "DMARC-18"]
    assert len(found) == 1, [(f.id, str(f.status), f.summary) for f in findings]
    return found[0]


def _run(zone: dict[Any, Any], **config: Any) -> Any:
    return _dmarc18(run_engine(dmarc, D, zone, **config).findings)


def test_a_revoked_key_is_named_not_called_missing() -> None:
    finding = _run(
        {
            (D, "MX"): [f"10 mx1.{D}."],
            DMARC: ["v=DMARC1; p=reject"],
            (f"google._domainkey.{D}", "TXT"): [REVOKED],
        }
    )
    assert str(finding.status) == "warn"  # as before: a revoked key is no key
    text = finding.summary
    assert "no DKIM key was found" not in text
    assert "selector 'google' is revoked" in text and "empty p=" in text
    assert "RFC 6376 §3.6.1" in text
    assert "aligned DKIM pass" in text and "no mail from it can pass DMARC" in text
    assert finding.evidence["dkim_revoked"] == [f"google._domainkey.{D}"]
    assert "in place of the revoked one" in finding.fix
    assert f'{D}. TXT "v=spf1 -all"' in finding.fix


def test_two_revoked_selectors_are_both_named() -> None:
    finding = _run(
        {
            DMARC: ["v=DMARC1; p=quarantine"],
            (f"google._domainkey.{D}", "TXT"): [REVOKED],
            (f"selector1._domainkey.{D}", "TXT"): ["v=DKIM1; p="],
        }
    )
    assert str(finding.status) == "warn"
    assert "selectors 'selector1' and 'google' are revoked" in finding.summary or (
        "selectors 'google' and 'selector1' are revoked" in finding.summary
    )
    # s47e: the mail signed with them fails, not "every signature made with them".
    assert "signed with those selectors fails DKIM" in finding.summary


def test_no_key_at_all_reads_as_before() -> None:
    # Control: nothing revoked, nothing found.
    finding = _run({DMARC: ["v=DMARC1; p=reject"], (D, "MX"): [f"10 mx1.{D}."]})
    assert str(finding.status) == "warn"
    assert "no DKIM key was found" in finding.summary and "revoked" not in finding.summary
    assert "dkim_revoked" not in finding.evidence
    assert "v=spf1 -all" not in finding.fix


def test_a_usable_key_beside_a_revoked_one_is_no_dmarc18() -> None:
    # Control: selector2 holds a key, so DKIM can align (no DMARC-18 at all).
    from tests.test_s43h_engine_blind import K2048

    findings = run_engine(
        dmarc,
        D,
        {
            DMARC: ["v=DMARC1; p=reject"],
            (f"selector1._domainkey.{D}", "TXT"): [REVOKED],
            (f"selector2._domainkey.{D}", "TXT"): [["v=DKIM1; k=rsa; p=", K2048]],
        },
    ).findings
    assert not [f for f in findings if f.id == "DMARC-18"]


class _WildcardDns(CnameDns):
    """Answers every <selector>._domainkey name without a record of its own from
    *._domainkey (RFC 4592), as a parked domain's wildcard does."""

    async def query(self, name: str, rdtype: str, **kw: Any) -> DnsAnswer:
        key = (normalize(name), rdtype.upper())
        star = (f"*._domainkey.{D}", "TXT")
        own = key in self.zone or key[1] != "TXT"
        if not own and key[0].endswith(f"._domainkey.{D}") and star in self.zone:
            answer = await super().query(star[0], "TXT", **kw)
            answer.name = key[0]
            return answer
        return await super().query(name, rdtype, **kw)


def _run_wild(zone: dict[Any, Any]) -> Any:
    ctx = make_ctx(D, zone)
    ctx.dns = _WildcardDns(zone)  # type: ignore[assignment]
    return _dmarc18(asyncio.run(dmarc.evaluate(ctx)))


def test_a_parked_domains_revoking_wildcard_is_named_in_the_info() -> None:
    # Null MX, DMARC p=reject, *._domainkey revoking every selector (M3AAWG's parked domain):
    # info as before (RFC 7505 §4.2: it sends no mail), naming the wildcard.
    finding = _run_wild(
        {
            (D, "MX"): ["0 ."],
            DMARC: ["v=DMARC1; p=reject"],
            (f"*._domainkey.{D}", "TXT"): [REVOKED],
        }
    )
    assert str(finding.status) == "info"
    text = finding.summary
    assert f"a wildcard at *._domainkey.{D}, revokes every selector" in text
    assert "no DKIM key was found" not in text and "sends no mail" in text
    assert finding.evidence["dkim_revoked"] == [f"*._domainkey.{D}"]


def test_the_keys_reader_still_counts_a_revoked_key_as_none() -> None:
    # The status rests on this (checklist DMARC-18: "any DKIM key found").
    zone = {(f"google._domainkey.{D}", "TXT"): [REVOKED]}
    ctx = make_ctx(D, zone)
    ctx.dns = CnameDns(zone)  # type: ignore[assignment]
    keys = asyncio.run(dkim.get_keys(ctx))
    assert not keys.found
