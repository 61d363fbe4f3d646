"""A TXT record holding one empty string where the MTA-STS record belongs (blind round s38m,
stsempty: a DNS panel saved the record with its value field blank).

RFC 8461 §3.1: senders discard TXT records that do not begin with "v=STSv1;", so an empty one
announces nothing and MTA-STS stays "not deployed" (MTASTS-01 info, no fail). The finding said
the served policy was announced by no _mta-sts TXT record while the owner sees one standing
there; it now says what stands there and gives the record to publish in its place. The
non-lab tests run the evaluator against a real DNS server on loopback (tests/test_dns_s9_server);
the lab test checks the scenario end to end.
"""

from __future__ import annotations

import asyncio
from typing import Any

import dns.message
import dns.rcode
import dns.rdatatype
import pytest

from checks import dmarc, mtasts
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.findings import Finding, Status
from tests.lab.scenarios import load_scenarios
from tests.test_dns_s9_server import Reply, answer, fake_dns, records

DOMAIN = "example.org"


def _zone(sts_txt: str) -> dict[tuple[str, str], str]:
    return {
        (f"{DOMAIN}.", "MX"): f"{DOMAIN}. 300 MX 10 mx1.{DOMAIN}.",
        (f"mx1.{DOMAIN}.", "A"): f"mx1.{DOMAIN}. 300 A 192.0.2.25",
        (f"_mta-sts.{DOMAIN}.", "TXT"): f"_mta-sts.{DOMAIN}. 300 TXT {sts_txt}",
    }


def _findings(module: Any, zone: dict[tuple[str, str], str]) -> list[Finding]:
    def handler(query: dns.message.Message, transport: str) -> Reply:
        q = query.question[0]
        key = (q.name.to_text().lower(), dns.rdatatype.to_text(q.rdtype))
        if key in zone:
            return Reply(answer(query, records(zone[key])))
        return Reply(answer(query, rcode=dns.rcode.NXDOMAIN))

    with fake_dns(handler) as server:  # type: ignore[arg-type]
        config = CheckConfig(resolvers=(server.address,), timeout=2.0)
        return asyncio.run(module.evaluate(CheckContext(DOMAIN, config)))


def _one(findings: list[Finding], check_id: str) -> Finding:
    (found,) = [f for f in findings if f.id == check_id]
    return found


def test_an_empty_mta_sts_txt_record_is_named_and_replaced() -> None:
    found = _one(_findings(mtasts, _zone('""')), "MTASTS-01")
    assert found.status == Status.INFO  # not deployed: never a fail
    assert f"_mta-sts.{DOMAIN} holds a TXT record with an empty string" in found.summary
    assert "not an MTA-STS record" in found.summary and "RFC 8461 §3.1" in found.summary
    assert f'_mta-sts.{DOMAIN}. TXT "v=STSv1; id=' in found.fix
    assert f"in place of the TXT record with an empty string at _mta-sts.{DOMAIN}" in found.fix


def test_another_text_at_mta_sts_is_quoted() -> None:
    found = _one(_findings(mtasts, _zone('"v=spf1 -all"')), "MTASTS-01")
    assert found.status == Status.INFO
    assert f"_mta-sts.{DOMAIN} holds a TXT record 'v=spf1 -all'" in found.summary
    # No "in place of": a text may be a wildcard's (* TXT) answer, no record at the name.
    assert f'_mta-sts.{DOMAIN}. TXT "v=STSv1; id=' in found.fix and "in place of" not in found.fix


def test_no_txt_record_at_all_reads_as_before() -> None:
    zone = _zone('""')
    del zone[(f"_mta-sts.{DOMAIN}.", "TXT")]
    found = _one(_findings(mtasts, zone), "MTASTS-01")
    assert found.status == Status.INFO
    assert "holds a TXT record" not in found.summary and "in place of" not in found.fix


def test_an_empty_dmarc_txt_record_is_named_and_replaced() -> None:
    zone = {(f"_dmarc.{DOMAIN}.", "TXT"): f'_dmarc.{DOMAIN}. 300 TXT ""', **_zone('""')}
    found = _one(_findings(dmarc, zone), "DMARC-01")
    assert found.status == Status.INFO
    assert found.summary.startswith(f"{DOMAIN} has no DMARC policy")
    assert f"_dmarc.{DOMAIN} holds a TXT record with an empty string" in found.summary
    assert "not a DMARC record" in found.summary
    assert f'_dmarc.{DOMAIN}. TXT "v=DMARC1; p=none' in found.fix
    assert f"in place of the TXT record with an empty string at _dmarc.{DOMAIN}" in found.fix


def test_no_dmarc_txt_record_reads_as_before() -> None:
    found = _one(_findings(dmarc, _zone('""')), "DMARC-01")
    assert found.status == Status.INFO
    assert "holds a TXT record" not in found.summary and "in place of" not in found.fix


STSEMPTY = [s for s in load_scenarios() if s.domain == "s38m-stsempty.lab.test"]


@pytest.mark.lab
@pytest.mark.parametrize("scenario", STSEMPTY, ids=[s.domain for s in STSEMPTY])
def test_lab_stsempty_says_what_stands_at_mta_sts(lab: Any, scenario: Any) -> None:
    from tests.test_engine_lab import run

    report = run(lab, scenario)
    found = _one(report.findings, "MTASTS-01")
    name = f"_mta-sts.{scenario.domain}"
    assert found.status == Status.INFO
    assert "A policy file is served" in found.summary
    assert f"{name} holds a TXT record with an empty string" in found.summary
    assert "without the" not in found.summary  # a record stands there
    assert f'{name}. TXT "v=STSv1; id=' in found.fix
    assert f"in place of the TXT record with an empty string at {name}" in found.fix
