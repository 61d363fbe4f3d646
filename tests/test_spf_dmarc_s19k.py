"""Round s19k: a wildcard TXT is not an owner name written without its final dot (2990dd3).

With `*.example.org TXT "v=spf1 -all"` (protecting subdomains) and no SPF at the apex, the lookup
of example.org.example.org is answered by the wildcard; SPF-01 must not tell the owner to move
that record to the apex and delete it at example.org.example.org (the wildcard). The same for a
DMARC-looking wildcard and _dmarc.example.org.example.org (DMARC-04). A record really published
one name off is still found, a wildcard beside it notwithstanding.

DNS is the in-memory tests.test_mx.FakeDns, taught wildcards as RFC 4592 has them.
"""

from __future__ import annotations

import asyncio
from typing import Any

from checks import dmarc, spf
from checks.dns import DnsAnswer, normalize
from checks.findings import Finding, Status
from tests.test_mx import FakeDns
from tests.test_spf import make_ctx

ORG = "example.org"


class WildcardDns(FakeDns):
    """FakeDns answering names it does not hold from a wildcard, as RFC 4592 §3.3.1 does: the
    closest encloser (the nearest ancestor that exists, an empty non-terminal included) with a
    '*' child answers for every name below it that does not exist."""

    def _exists(self, name: str) -> bool:
        return any(n == name or n.endswith(f".{name}") for n, _ in self.zone)

    async def query(self, name: str, rdtype: str, **kw: Any) -> DnsAnswer:  # type: ignore[override]
        name = normalize(name)
        if self._exists(name):
            return await super().query(name, rdtype, **kw)
        labels = name.split(".")
        for cut in range(1, len(labels)):
            encloser = ".".join(labels[cut:])
            if self._exists(encloser):
                wildcard = f"*.{encloser}"
                if not self._exists(wildcard):
                    break
                answer = await super().query(wildcard, rdtype, **kw)
                answer.name = name
                return answer
        return await super().query(name, rdtype, **kw)


def evaluate(module: Any, domain: str, zone: dict[Any, Any]) -> list[Finding]:
    ctx = make_ctx(domain, zone)
    ctx.dns = WildcardDns(zone)
    return asyncio.run(module.evaluate(ctx))


def only(found: list[Finding], check_id: str) -> Finding:
    [finding] = [f for f in found if f.id == check_id]
    return finding


def mail_domain(**more: list[str]) -> dict[tuple[str, str], list[str]]:
    zone = {
        (ORG, "A"): ["192.0.2.1"],
        (ORG, "MX"): ["10 mx.example.net."],
        ("mx.example.net", "A"): ["192.0.2.25"],
    }
    zone.update({(name, "TXT"): texts for name, texts in more.items()})
    return zone


def test_it_does_not_read_a_wildcard_spf_record_as_an_undotted_owner() -> None:
    found = evaluate(spf, ORG, mail_domain(**{f"*.{ORG}": ['"v=spf1 -all"']}))
    spf01 = only(found, "SPF-01")
    assert "without its final dot" not in spf01.summary
    assert "found_at" not in spf01.evidence
    assert f"delete the record at {ORG}.{ORG}" not in spf01.summary
    assert "-all" not in spf01.fix  # no subdomain-protecting wildcard put on a sending apex


def test_it_still_finds_an_undotted_spf_record_beside_a_wildcard() -> None:
    # The record really published at example.org.example.org (the same text as the wildcard):
    # a name beside it that does not exist is not answered by *.example.org, as
    # org.example.org exists (an empty non-terminal above the misplaced record).
    zone = mail_domain(**{f"*.{ORG}": ['"v=spf1 -all"'], f"{ORG}.{ORG}": ['"v=spf1 -all"']})
    spf01 = only(evaluate(spf, ORG, zone), "SPF-01")
    assert "without its final dot" in spf01.summary
    assert spf01.evidence["found_at"] == f"{ORG}.{ORG}"


def test_it_does_not_read_a_wildcard_dmarc_record_as_an_undotted_owner() -> None:
    # _dmarc.example.org exists (it holds a report authorisation below it), so the wildcard
    # does not answer it, but does answer _dmarc.example.org.example.org.
    zone = mail_domain(
        **{
            ORG: ['"v=spf1 mx -all"'],
            f"*.{ORG}": ['"v=DMARC1; p=reject"'],
            f"example.net._report._dmarc.{ORG}": ['"v=DMARC1"'],
        }
    )
    found = evaluate(dmarc, ORG, zone)
    assert [f.id for f in found if f.id == "DMARC-04"] == []
    dmarc01 = only(found, "DMARC-01")
    assert dmarc01.status == Status.INFO
    assert "has no DMARC policy" in dmarc01.summary


def test_it_still_finds_an_undotted_dmarc_record_beside_a_wildcard() -> None:
    zone = mail_domain(
        **{
            ORG: ['"v=spf1 mx -all"'],
            f"*.{ORG}": ['"v=DMARC1; p=reject"'],
            f"example.net._report._dmarc.{ORG}": ['"v=DMARC1"'],
            f"_dmarc.{ORG}.{ORG}": ['"v=DMARC1; p=reject"'],
        }
    )
    dmarc04 = only(evaluate(dmarc, ORG, zone), "DMARC-04")
    assert dmarc04.status == Status.FAIL
    assert dmarc04.evidence["found_at"] == f"_dmarc.{ORG}.{ORG}"
