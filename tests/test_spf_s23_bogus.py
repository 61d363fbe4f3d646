"""SPF-20 for a lookup that fails DNSSEC validation (bogus) says the error is not temporary.

A SERVFAIL that a validating resolver explains as a validation failure (RFC 8914 EDE 6-12) or
whose records come back signed when asked with CD and fail again when asked afresh is bogus
data (dns.servfail_is_bogus): every validating receiver gets the same SERVFAIL, so the SPF
temperror (RFC 7208 §5.4, §2.6.6) does not go away on retry, as MX-06 says of a bogus MX host.
The status stays "could not check" (error), never fail; other SERVFAILs keep their wording.
"""

from __future__ import annotations

import asyncio
from typing import Any

import dns.rdata
import dns.rdataclass
import dns.rdatatype
import pytest

from checks import spf
from checks.dns import DnsAnswer, normalize
from checks.findings import Finding, Status
from tests.test_spf import MX, FakeDns, Zone, flagged, make_ctx, run

D = "example.com"


class ValidatingDns(FakeDns):
    """FakeDns whose `bogus` names answer as a validating resolver does for bogus data: SERVFAIL
    with the given EDE codes (none: no explanation), and with CD the signed records."""

    def __init__(self, zone: Zone, bogus: dict[tuple[str, str], list[str]], codes: tuple[int, ...]):
        super().__init__(zone)
        self.bogus = {(normalize(n), t): v for (n, t), v in bogus.items()}
        self.codes = codes

    async def query(self, name: str, rdtype: str, **kw: Any) -> DnsAnswer:
        key = (normalize(name), rdtype.upper())
        if key not in self.bogus:
            return await super().query(name, rdtype, **kw)
        self.asked.append(key)
        if not kw.get("cd"):
            return DnsAnswer(*key, "SERVFAIL", ede=[(c, "") for c in self.codes])
        rdclass, rdt = dns.rdataclass.IN, dns.rdatatype.from_text(key[1])
        records = [dns.rdata.from_text(rdclass, rdt, text) for text in self.bogus[key]]
        return DnsAnswer(*key, "NOERROR", records=records, signed=True)


def _spf20(found: list[Finding]) -> list[Finding]:
    return [f for f in found if f.id == "SPF-20"]


MX2 = "mx2.example.net"
CASES = {
    # The `mx` mechanism's MX host (s22n-mxaddrexp: its A RRset's signature expired).
    "mx host": ("v=spf1 mx:mail.example.net -all", (MX2, "A"), ["192.0.2.2"]),
    # The MX lookup of the `mx` mechanism itself.
    "mx lookup": ("v=spf1 mx:mail.example.net -all", ("mail.example.net", "MX"), [f"10 {MX2}."]),
    # An `a` mechanism's name.
    "a name": ("v=spf1 a:relay.example.net -all", ("relay.example.net", "A"), ["192.0.2.3"]),
    # An include's record (x34: include target in a bogus zone).
    "include": (
        "v=spf1 include:_spf.example.net -all",
        ("_spf.example.net", "TXT"),
        ["v=spf1 -all"],
    ),
}
ZONE_EXTRA: Zone = {
    ("mail.example.net", "MX"): [f"10 {MX2}."],
    (MX2, "A"): ["192.0.2.2"],
    ("relay.example.net", "A"): ["192.0.2.3"],
}


def _evaluate(zone: Zone, bogus: dict[tuple[str, str], list[str]], codes: tuple[int, ...]) -> list:
    ctx = make_ctx(D, zone)
    ctx.dns = ValidatingDns(zone, bogus, codes)  # type: ignore[assignment]
    return asyncio.run(spf.evaluate(ctx))


def _run_case(case: str, codes: tuple[int, ...]) -> list[Finding]:
    record, key, data = CASES[case]
    return _evaluate({**MX, **ZONE_EXTRA, (D, "TXT"): [record]}, {key: data}, codes)


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("codes", [(7,), (6, 9), ()], ids=["ede7", "ede6+9", "no-ede"])
def test_a_bogus_lookup_is_could_not_check_that_is_not_temporary(
    case: str, codes: tuple[int, ...]
) -> None:
    found = _run_case(case, codes)
    name = CASES[case][1][0]
    (finding,) = _spf20(found)
    assert finding.status == Status.ERROR  # could not check, never fail
    assert finding.subject == name
    assert "fail DNSSEC validation (bogus)" in finding.summary
    assert "not temporary" in finding.summary and "would return a temporary error" not in (
        finding.summary
    )
    assert name in finding.summary and name in finding.fix and "DNSSEC" in finding.fix
    assert finding.evidence["bogus"] is True
    assert flagged(found)["fail"] == set()


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_servfail_the_resolver_explains_otherwise_stays_temporary(case: str) -> None:
    # EDE 22 "No Reachable Authority": trouble on the way, not bogus data.
    (finding,) = _spf20(_run_case(case, (22,)))
    assert finding.status == Status.ERROR
    assert "would return a temporary error" in finding.summary
    assert "bogus" not in finding.summary and "bogus" not in finding.evidence


def test_a_bogus_spf_record_itself_is_not_temporary() -> None:
    found = _evaluate({**MX}, {(D, "TXT"): ["v=spf1 mx -all"]}, (7,))
    assert [(f.id, f.status) for f in found] == [
        ("SPF-01", Status.ERROR),
        ("SPF-20", Status.ERROR),
    ]
    spf20 = found[1]
    assert "The TXT records of example.com" in spf20.summary
    assert "not temporary" in spf20.summary and "not the same as having no SPF record" in (
        spf20.summary
    )
    assert spf20.evidence["bogus"] is True and "example.com" in spf20.fix
    assert "stop referring" not in spf20.fix  # it is the record itself


def test_a_plain_servfail_keeps_its_wording() -> None:
    # The fake answers SERVFAIL with CD too: nothing says bogus (tests/test_spf.py's cases).
    zone: Zone = {**MX, (D, "TXT"): ["v=spf1 a:x.example.net -all"]}
    found = run(spf, D, {**zone, ("x.example.net", "A"): "SERVFAIL"})
    (finding,) = _spf20(found)
    assert "would return a temporary error" in finding.summary
    assert flagged(found)["fail"] == set()


@pytest.mark.lab
@pytest.mark.parametrize(
    ("domain", "name", "bogus"),
    [
        # mx2's A RRset has an expired RRSIG: unbound answers SERVFAIL with EDE 7.
        ("s22n-mxaddrexp.lab.test", "mx2.s22n-mxaddrexp.lab.test", True),
        # The include target sits in f48.lab.test, whose signatures expired.
        ("x34.lab.test", "_spf.f48.lab.test", True),
        # The include target's zone is delegated to NS names that do not exist: a SERVFAIL
        # that is not a validation failure keeps the temporary wording.
        ("s16o-spfnested.lab.test", "_spf.s16olame-b.test", False),
    ],
)
def test_lab_spf20_says_whether_the_failure_is_temporary(
    lab: Any, domain: str, name: str, bogus: bool
) -> None:
    from checks.context import CheckContext
    from tests.test_engine_lab import lab_config

    found = asyncio.run(spf.evaluate(CheckContext(domain, lab_config(lab))))
    # One row per failed lookup (mx2's A and AAAA both fail in s22n-mxaddrexp).
    rows = [f for f in _spf20(found) if f.subject == name]
    assert rows, [(f.id, f.subject, f.summary) for f in found]
    for row in rows:
        assert row.status == Status.ERROR
        assert ("not temporary" in row.summary) is bogus, row.summary
        assert ("would return a temporary error" in row.summary) is not bogus, row.summary
    assert flagged(found)["fail"] == set()
