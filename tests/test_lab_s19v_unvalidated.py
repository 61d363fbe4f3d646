"""s19v: DNSSEC and DANE verdicts when our own resolver does not validate DNSSEC.

Knot, the lab's authoritative server, asked directly (127.0.53.1) answers the lab's zones with
their signatures and never sets the AD bit, as a non-validating cloud or laptop resolver does.
A signed zone read through it must be "could not check" (checklist §0), never "not signed":
DNSSEC-01 names the cause, DNSSEC and DANE leave the score, and DANE is not judged on TLSA
records nobody validated (RFC 7672 §2.2). What the records themselves show (an unsigned zone,
a DS matching no key, expired signatures) is still reported as before. The lab's validating
Unbound (127.0.53.2) is the control.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from checks.engine import check_domain
from checks.findings import DomainReport, Finding, Status
from tests.test_engine_lab import lab_config

pytestmark = pytest.mark.lab

KNOT = ("127.0.53.1", 53)  # authoritative: validates nothing, sets no AD
VALIDATING = ("127.0.53.2", 53)
CAUSE = "our resolver does not validate DNSSEC"


def _check(lab: Any, domain: str, resolver: tuple[str, int]) -> DomainReport:
    report = asyncio.run(check_domain(domain, lab_config(lab, resolvers=(resolver,))))
    assert not report.error, report.error
    return report


def _one(report: DomainReport, check_id: str, subject: str | None = None) -> Finding:
    found = [f for f in report.findings if f.id == check_id and subject in (None, f.subject)]
    assert len(found) == 1, [(f.id, f.subject, f.summary) for f in found]
    return found[0]


def _words(report: DomainReport, prefixes: tuple[str, ...]) -> str:
    return "\n".join(
        f"{f.summary} {f.fix or ''}" for f in report.findings if f.id.startswith(prefixes)
    )


def test_a_signed_zone_through_a_resolver_that_does_not_validate_is_could_not_check(
    lab: Any,
) -> None:
    report = _check(lab, "f01.lab.test", KNOT)
    first = _one(report, "DNSSEC-01")
    assert first.status == Status.ERROR, first.summary
    assert CAUSE in first.summary
    assert first.evidence["resolver"]["resolver_validates"] is False
    # Nothing tells the owner of a signed zone to sign it, or calls it unsigned.
    words = _words(report, ("DNSSEC", "DANE"))
    for wrong in ("not DNSSEC-signed", "Enable DNSSEC", "Sign the zone", "insecure"):
        assert wrong not in words, words
    # DNSSEC-02..06 still judge the records themselves.
    for check_id in ("DNSSEC-02", "DNSSEC-03", "DNSSEC-04", "DNSSEC-05", "DNSSEC-06"):
        assert _one(report, check_id).status == Status.PASS
    assert _one(report, "DNSSEC-08").status == Status.ERROR
    for host in ("mx1.f01.lab.test", "mx2.f01.lab.test"):
        assert _one(report, "DNSSEC-09", host).status == Status.ERROR
        dane02 = _one(report, "DANE-02", f"_25._tcp.{host}")
        assert dane02.status == Status.ERROR and CAUSE in dane02.summary
    # DANE is not judged on TLSA records nobody validated (RFC 7672 §2.2).
    judged = {f.id for f in report.findings if f.id.startswith("DANE")}
    assert judged == {"DANE-01", "DANE-02"}, judged
    # Neither category counts, for or against the domain (checklist §0).
    categories = report.score_detail["categories"]
    for mechanism in ("dnssec", "dane"):
        assert categories[mechanism]["counted"] is False, categories[mechanism]
        assert categories[mechanism]["reason"] == "could not be checked"
    assert report.score == _check(lab, "f01.lab.test", VALIDATING).score == 100


def test_the_validating_resolver_still_says_secure(lab: Any) -> None:
    report = _check(lab, "f01.lab.test", VALIDATING)
    assert _one(report, "DNSSEC-01").status == Status.PASS
    assert _one(report, "DANE-02", "_25._tcp.mx1.f01.lab.test").status == Status.PASS
    assert CAUSE not in _words(report, ("DNSSEC", "DANE"))


def test_an_unsigned_zone_still_reads_unsigned(lab: Any) -> None:
    # f52: no DS, no DNSKEY, TLSA records in the unsigned zone: that much needs no validator.
    report = _check(lab, "f52.lab.test", KNOT)
    first = _one(report, "DNSSEC-01")
    assert first.status == Status.INFO and "not DNSSEC-signed" in first.summary
    assert _one(report, "DANE-02", "_25._tcp.mx1.f52.lab.test").status == Status.WARN
    assert _one(report, "DNSSEC-09", "mx1.f52.lab.test").status == Status.INFO
    assert CAUSE not in _words(report, ("DNSSEC", "DANE"))


def test_a_broken_chain_still_fails_from_the_records_themselves(lab: Any) -> None:
    # f49: the DS matches none of the keys, which our own check sees without a validator.
    report = _check(lab, "f49.lab.test", KNOT)
    assert _one(report, "DNSSEC-01").status == Status.ERROR
    ds = _one(report, "DNSSEC-02")
    assert ds.status == Status.FAIL and "bogus" in ds.summary
    assert report.score_detail["categories"]["dnssec"]["reason"] == "failing"
    # A DS whose algorithm (1) validators do not implement makes the zone insecure, not bogus.
    report = _check(lab, "s19n-dsalgmd5.lab.test", KNOT)
    ds = _one(report, "DNSSEC-02")
    assert ds.status == Status.FAIL and "insecure" in ds.summary and "bogus" not in ds.summary


def test_dane_advice_does_not_tell_a_signed_zone_to_sign(lab: Any) -> None:
    # f29 is signed and publishes no TLSA records.
    report = _check(lab, "f29.lab.test", KNOT)
    advice = _one(report, "DANE-01", "_25._tcp.mx1.f29.lab.test")
    assert advice.status == Status.INFO
    assert "Sign f29.lab.test with DNSSEC" not in advice.fix
    assert CAUSE in advice.fix
    assert "IN TLSA 3 1 1" in advice.fix
    # Through the validating resolver the zone is secure: the record alone.
    report = _check(lab, "f29.lab.test", VALIDATING)
    advice = _one(report, "DANE-01", "_25._tcp.mx1.f29.lab.test")
    assert CAUSE not in advice.fix and "Sign" not in advice.fix
