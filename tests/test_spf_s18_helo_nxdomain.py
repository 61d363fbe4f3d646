"""SPF-17 leaves out an MX name that does not exist (MX-06: a target written without its final
dot, mx1.example.test.example.test, or a host gone): no server there says HELO, and the record
it proposed was at a name MX-06 says should not exist (review of round s18)."""

from __future__ import annotations

import asyncio

from checks import spf
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.dns import DnsAnswer, normalize
from checks.findings import Collector, Mechanism
from tests.test_s14_rules_spf17 import DOMAIN, AliasDns, _mx


class GoneDns(AliasDns):
    """AliasDns whose names in `gone` do not exist (NXDOMAIN)."""

    def __init__(self, gone: set[str]) -> None:
        super().__init__({}, {})
        self.gone = gone

    async def query(self, name: str, rdtype: str, *, cd: bool = False) -> DnsAnswer:
        if normalize(name) in self.gone:
            return DnsAnswer(normalize(name), rdtype, "NXDOMAIN")
        return await super().query(name, rdtype, cd=cd)


def test_an_mx_name_that_does_not_exist_gets_no_helo_record() -> None:
    gone = f"mx1.{DOMAIN}.{DOMAIN}"
    ctx = CheckContext(
        DOMAIN,
        CheckConfig(extra_public_suffixes=("test",)),
        dns=GoneDns({gone}),  # type: ignore[arg-type]
    )
    out = Collector(Mechanism.SPF)
    asyncio.run(spf._helo(out, ctx, _mx(gone, f"mx2.{DOMAIN}")))
    (finding,) = [f for f in out.findings if f.id == "SPF-17"]
    assert finding.evidence["hosts"] == [f"mx2.{DOMAIN}"]
    assert gone not in finding.summary and gone not in finding.fix
