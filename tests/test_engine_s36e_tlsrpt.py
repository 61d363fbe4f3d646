"""Task s36e, item 1: a TLS-RPT mailbox at an address literal (mailto:r@[192.0.2.1]).

RFC 8460 §3 takes mailto: URIs of RFC 6068, whose addr-spec has `domain = dot-atom-text / "["
*dtext-no-obs "]"` (RFC 6068 §2), and RFC 5321 §4.1.3 delivers mail for an address literal
([192.0.2.1], [IPv6:2001:db8::1]) straight to that address. TLSRPT-06 called such an address
unusable ('has no usable address') and the record invalid. It is a mailbox senders can use in
principle; whether it is reachable is TLSRPT-10's question, answered as MX-06 answers it for an
MX host: a non-public address (private, loopback, reserved as the documentation ranges are)
cannot be reached from the internet. In a URI the brackets are to be percent-encoded
(%5B, %5D: RFC 6068 §2 names '[' and ']' among the gen-delims to encode), which TLSRPT-07 says.
"""

from __future__ import annotations

from typing import Any

import pytest

from checks import tlsrpt
from checks.findings import Finding, Status
from tests.blind_engine import run_engine

D = "s36e-rpt.example"


def _zone(rua: str) -> dict[Any, Any]:
    return {
        (D, "MX"): [f"10 mx.{D}."],
        (f"mx.{D}", "A"): ["192.0.2.70"],
        (f"_smtp._tls.{D}", "TXT"): [f"v=TLSRPTv1; rua={rua}"],
        ("reports.s36e-other.example", "MX"): ["10 mx.s36e-other.example."],
        ("mx.s36e-other.example", "A"): ["8.8.4.4"],
    }


def _of(findings: list[Finding], check_id: str) -> list[Finding]:
    return [f for f in findings if f.id == check_id]


@pytest.mark.parametrize(
    "rua", ["mailto:r@%5B192.0.2.1%5D", "mailto:r@[192.0.2.1]", "mailto:r@%5BIPv6:2001:db8::1%5D"]
)
def test_an_address_literal_is_a_mailbox_not_an_unusable_address(rua: str) -> None:
    record = tlsrpt.parse_tlsrpt_record(f"v=TLSRPTv1; rua={rua}")
    assert record.valid, record.problems
    assert [u.usable for u in record.uris] == [True]
    assert not [p for p in record.problems if p.check_id == "TLSRPT-06"], record.problems


def test_a_documentation_literal_is_unreachable_as_mx06_says_of_a_non_public_address() -> None:
    findings = run_engine(tlsrpt, D, _zone("mailto:r@%5B192.0.2.1%5D")).findings
    assert not _of(findings, "TLSRPT-06"), _of(findings, "TLSRPT-06")
    (t10,) = _of(findings, "TLSRPT-10")
    assert t10.status == Status.WARN, t10
    assert "address literal" in t10.summary, t10.summary
    assert "the reserved address 192.0.2.1" in t10.summary, t10.summary
    assert "senders on the internet cannot reach it" in t10.summary, t10.summary
    assert "RFC 5321 §4.1.3" in t10.summary
    assert "mailbox at a domain that receives mail" in t10.fix, t10.fix
    # Nothing looked up for it: an address literal has no MX to ask.
    asked = run_engine(tlsrpt, D, _zone("mailto:r@%5B192.0.2.1%5D")).asked
    assert not [n for n, t in asked if "192.0.2.1" in n], asked


def test_a_literal_beside_a_working_address_is_dropped_from_the_record_offered() -> None:
    rua = "mailto:r@%5B10.1.2.3%5D,mailto:tls@reports.s36e-other.example"
    findings = run_engine(tlsrpt, D, _zone(rua)).findings
    warn = [f for f in _of(findings, "TLSRPT-10") if f.status == Status.WARN]
    assert len(warn) == 1 and "the private address 10.1.2.3" in warn[0].summary, warn
    assert "v=TLSRPTv1; rua=mailto:tls@reports.s36e-other.example" in warn[0].fix, warn[0].fix


def test_a_public_literal_is_deliverable_in_principle() -> None:
    findings = run_engine(tlsrpt, D, _zone("mailto:r@%5B8.8.8.8%5D")).findings
    (t10,) = _of(findings, "TLSRPT-10")
    assert t10.status == Status.PASS, t10
    assert "address literal" in t10.summary and "8.8.8.8" in t10.summary, t10.summary
    assert not [f for f in findings if f.status in {Status.FAIL, Status.WARN}], findings


def test_unencoded_brackets_are_asked_to_be_percent_encoded() -> None:
    findings = run_engine(tlsrpt, D, _zone("mailto:r@[8.8.8.8]")).findings
    (t07,) = _of(findings, "TLSRPT-07")
    assert t07.status == Status.WARN
    assert "%5B" in t07.summary and "RFC 6068 §2" in t07.summary, t07.summary
    assert "rua=mailto:r@%5B8.8.8.8%5D" in t07.fix, t07.fix


@pytest.mark.parametrize("literal", ["[300.1.2.3]", "[mail.example]", "[IPv6:nonsense]"])
def test_a_literal_that_is_no_address_stays_unusable_and_says_why(literal: str) -> None:
    record = tlsrpt.parse_tlsrpt_record(f"v=TLSRPTv1; rua=mailto:r@{literal}")
    (p,) = [p for p in record.problems if p.check_id == "TLSRPT-06"]
    assert "address literal" in p.message and "RFC 5321 §4.1.3" in p.message, p.message
