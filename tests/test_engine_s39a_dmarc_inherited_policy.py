"""DMARC-05's pass on a record a subdomain inherits says which policy the subdomain gets
(blind round s39a, subinherit and subspnone).

news.<org> without a record of its own takes _dmarc.<org>'s 'p=reject; sp=quarantine' (RFC 7489
§6.3, §6.6.3; RFC 9989 §4.7, §4.10.1): its policy is quarantine. DMARC-05 passed with 'The
policy is p=reject.' beside DMARC-19's 'quarantine' (and, at sp=none, beside DMARC-06's 'sp=none
(monitoring only)'), two contradicting sentences on one report. Now it says the record's policy
and the one the subdomain gets. Status unchanged (pass).
"""

from __future__ import annotations

from typing import Any

from checks import dmarc
from checks.findings import Finding, Status
from tests.test_spf import run

ORG = "example.com"
SUB = f"news.{ORG}"


def _dmarc05(domain: str, record: str) -> Finding:
    zone: dict[Any, Any] = {
        (ORG, "MX"): [f"10 mx.{ORG}."],
        (SUB, "MX"): [f"10 mx.{ORG}."],
        (f"_dmarc.{ORG}", "TXT"): [record],
    }
    (found,) = [f for f in run(dmarc, domain, zone) if f.id == "DMARC-05"]
    return found


def test_a_subdomain_names_the_sp_it_gets() -> None:
    found = _dmarc05(SUB, f"v=DMARC1; p=reject; sp=quarantine; rua=mailto:d@{ORG}")
    assert found.status == Status.PASS
    assert found.summary == (
        f"The record's policy is p=reject; {SUB}, a subdomain of {ORG}, gets its sp=quarantine."
    )


def test_a_subdomain_under_sp_none_is_not_told_reject() -> None:
    found = _dmarc05(SUB, f"v=DMARC1; p=reject; sp=none; rua=mailto:d@{ORG}")
    assert found.status == Status.PASS
    assert "gets its sp=none" in found.summary


def test_a_subdomain_without_sp_gets_p() -> None:
    found = _dmarc05(SUB, f"v=DMARC1; p=reject; rua=mailto:d@{ORG}")
    assert found.summary == (
        f"The record's policy is p=reject, which {SUB}, a subdomain of {ORG}, gets too (the "
        "record has no sp=)."
    )


def test_the_organisational_domain_reads_as_before() -> None:
    # Control (passes before and after).
    found = _dmarc05(ORG, f"v=DMARC1; p=reject; sp=quarantine; rua=mailto:d@{ORG}")
    assert found.summary == "The policy is p=reject."
