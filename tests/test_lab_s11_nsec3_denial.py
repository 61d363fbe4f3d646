"""DNSSEC-07 for a secure zone whose NSEC3 iteration count is above validators' limit (s11e-nsec3high).

Unbound (like BIND and Knot Resolver) answers NSEC3 denials with more than 150 iterations as
insecure (RFC 9276 §3.2): the zone validates, its proofs of absence do not. DNSSEC-07 stays info
(the denial is insecure, not bogus), but it must name that cause, not "an insecure delegation on
the way", which would send the reader looking for a delegation that is not there.
"""

from __future__ import annotations

import asyncio

import pytest

from checks import dnssec
from checks.dns import DnsAnswer
from checks.findings import Collector, Finding, Mechanism, Status
from tests.test_mx import make_ctx

ZONE = {
    ("ex.com", "MX"): ["10 mx.ex.com."],
    ("mx.ex.com", "A"): ["192.0.2.1"],
}


def _denials(nsec3_iterations: int | None) -> list[Finding]:
    # The fake resolver answers every absent name without AD, as Unbound does above its limit.
    ctx = make_ctx("ex.com", ZONE)
    soa = DnsAnswer("ex.com", "SOA", "NOERROR", records=[object()], ad=True)  # type: ignore[list-item]
    out = Collector(Mechanism.DNSSEC)
    asyncio.run(
        dnssec._mail_names(
            out, ctx, dnssec.Validation("ex.com", "secure", soa), nsec3_iterations=nsec3_iterations
        )
    )
    return [f for f in out.findings if f.id == "DNSSEC-07"]


def test_it_names_the_nsec3_iterations_as_the_cause_of_an_insecure_denial() -> None:
    found = _denials(200)
    assert {f.subject for f in found} >= {"_mta-sts.ex.com", "_dmarc.ex.com"}
    for f in found:
        assert f.status == Status.INFO  # insecure, not bogus: checklist DNSSEC-07 fails bogus only
        assert "200 iterations" in f.summary and "RFC 9276" in f.summary, f.summary
        assert "insecure delegation" not in f.summary


@pytest.mark.parametrize("iterations", [None, 0, 10])
def test_it_keeps_the_delegation_explanation_when_iterations_are_not_the_cause(
    iterations: int | None,
) -> None:
    found = _denials(iterations)
    assert found
    assert all("insecure delegation on the way" in f.summary for f in found)


@pytest.mark.lab
def test_the_lab_zone_with_200_iterations_is_explained_by_them(lab) -> None:  # type: ignore[no-untyped-def]
    from tests.test_engine_lab import SCENARIOS, run

    scenario = next(s for s in SCENARIOS if s.domain == "s11e-nsec3high.lab.test")
    report = run(lab, scenario)
    denial = [f for f in report.findings if f.id == "DNSSEC-07"]
    assert denial, "no DNSSEC-07 finding for the TLSA name without a record"
    for f in denial:
        assert f.status == Status.INFO
        assert "200 iterations" in f.summary, f.summary
