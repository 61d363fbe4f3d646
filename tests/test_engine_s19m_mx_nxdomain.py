"""Round s19m (3): NXDOMAIN for the MX question alone does not make a name "not exist".

904460b gave no score and checked nothing else for a name whose MX question was answered
NXDOMAIN. Some servers (load balancers, GSLBs) answer NXDOMAIN to MX alone for a name that
exists: the engine and MX-01 now ask its A question too (mx.name_is_missing), and a name that
answers it is checked and scored, MX-01 failing for the broken server. In-memory DNS.
"""

from __future__ import annotations

import asyncio

from checks import engine, scoring
from checks.config import CheckConfig
from checks.dns import DnsAnswer, normalize
from checks.findings import DomainReport, Finding, Status
from tests.test_engine_s19z_nomail import in_memory_dns, one
from tests.test_mx import FakeDns


class MxNxdomainDns(FakeDns):
    """A server that answers NXDOMAIN to the MX question for `broken` (a GSLB or load-balancer
    DNS), whatever the name holds, and the zone's answers to everything else."""

    def __init__(self, zone: dict[tuple[str, str], list[str] | str], broken: str) -> None:
        super().__init__(zone)
        self.broken = normalize(broken)

    async def query(self, name: str, rdtype: str, **kw: bool) -> DnsAnswer:  # type: ignore[override]
        if rdtype.upper() == "MX" and normalize(name) == self.broken:
            self.asked.append((normalize(name), "MX"))
            return DnsAnswer(normalize(name), "MX", "NXDOMAIN")
        return await super().query(name, rdtype, **kw)


def _check_broken(zone: dict[tuple[str, str], list[str] | str], name: str) -> DomainReport:
    with in_memory_dns(MxNxdomainDns(zone, name)):
        return asyncio.run(engine.check_domain(name, CheckConfig(timeout=0.5)))


def _mx01(report: DomainReport) -> Finding:
    return one(report, "MX-01")


def test_it_checks_a_name_whose_server_answers_nxdomain_to_mx_alone() -> None:
    name = "shop.example.org"
    zone: dict[tuple[str, str], list[str] | str] = {
        (name, "A"): ["192.0.2.1"],
        (name, "TXT"): ['"v=spf1 include:_spf.google.com ~all"'],
        (f"_dmarc.{name}", "TXT"): ['"v=DMARC1; p=none"'],
    }
    report = _check_broken(zone, name)
    assert report.score is not None
    assert not report.score_detail.get(scoring.DOES_NOT_EXIST)
    assert one(report, "SPF-01").status != Status.NA
    assert one(report, "DMARC-01").status != Status.NA
    mx01 = _mx01(report)
    # Mail to it still bounces (senders get NXDOMAIN for MX): a fail, naming the broken server.
    assert mx01.status == Status.FAIL
    assert "does not exist in DNS (NXDOMAIN): check the spelling" not in mx01.summary
    assert "192.0.2.1" in mx01.summary and "NXDOMAIN" in mx01.summary
    assert not mx01.evidence.get(scoring.DOES_NOT_EXIST)
    assert mx01.evidence["rcode"] == "NXDOMAIN"


def test_it_still_says_a_name_answering_nxdomain_to_both_questions_does_not_exist() -> None:
    name = "typo.example.org"
    report = _check_broken({}, name)
    assert report.score is None and report.score_detail[scoring.DOES_NOT_EXIST] is True
    assert "check the spelling" in _mx01(report).summary
