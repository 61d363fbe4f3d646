"""NSEC3 Opt-Out in a small signed zone (blind round s39h, s39h-optout): why a denial came
without AD, and what DANE-01 tells the owner to do.

With the Opt-Out flag on its NSEC3 records (RFC 5155 §6), a signed zone's proof that a name
does not exist cannot rule out an unsigned delegation there (§9.2), so validating resolvers
answer the NXDOMAIN without AD although every record the zone holds is signed and validates.
DNSSEC-07 said the denial was not authenticated because of "an insecure delegation on the way"
(there is none), and DANE-01's fix began "Sign the zone holding _25._tcp.mx1... with DNSSEC:
TLSA records in an unsigned zone are ignored" for a zone that is signed: a TLSA record
published there is signed and secure, Opt-Out or not.
"""

from __future__ import annotations

from typing import Any

import dns.message
import pytest

from checks.dnssec import nsec3_opt_out_in
from checks.findings import Status
from tests.lab.scenarios import Scenario, load_scenarios
from tests.test_engine_lab import describe, scenario_report

DOMAIN = "s39h-optout.lab.test"

_RESPONSE = """id 1
opcode QUERY
rcode NXDOMAIN
flags QR RD RA
edns 0
eflags DO
;QUESTION
_mta-sts.{d}. IN TXT
;ANSWER
;AUTHORITY
{d}. 300 IN SOA ns1.test. hostmaster.{d}. 1 3600 600 86400 60
ncig9ga06kufm37hdojo4h0fcmme45ca.{d}. 60 IN NSEC3 1 {flags} 0 - S83U1UI2BQESAHS6PPSD1P6RIJ4R080R NS SOA MX TXT RRSIG DNSKEY NSEC3PARAM
;ADDITIONAL
"""


def _response(flags: int) -> dns.message.Message:
    return dns.message.from_text(_RESPONSE.format(d=DOMAIN, flags=flags))


def test_it_sees_the_opt_out_flag_on_a_denials_nsec3_records() -> None:
    assert nsec3_opt_out_in(_response(1)) is True


def test_it_sees_no_opt_out_without_the_flag() -> None:
    assert nsec3_opt_out_in(_response(0)) is False


def test_it_sees_no_opt_out_without_nsec3_records() -> None:
    text = "\n".join(line for line in _RESPONSE.splitlines() if " NSEC3 " not in line)
    assert nsec3_opt_out_in(dns.message.from_text(text.format(d=DOMAIN, flags=0))) is False


def _scenario() -> Scenario:
    return next(s for s in load_scenarios() if s.domain == DOMAIN)


@pytest.mark.lab
def test_it_names_opt_out_as_why_the_denial_is_not_authenticated(lab: Any) -> None:
    report = scenario_report(lab, _scenario())
    denial = [
        f for f in report.findings if f.id == "DNSSEC-07" and f.subject == f"_mta-sts.{DOMAIN}"
    ]
    assert [f.status for f in denial] == [Status.INFO], describe(report)
    assert "Opt-Out" in denial[0].summary, denial[0].summary
    assert "insecure delegation" not in denial[0].summary, denial[0].summary
    assert "RFC 9276" in denial[0].fix, denial[0].fix


@pytest.mark.lab
def test_it_does_not_ask_to_sign_a_signed_zone_for_tlsa(lab: Any) -> None:
    report = scenario_report(lab, _scenario())
    absent = [f for f in report.findings if f.id == "DANE-01" and f.status == Status.INFO]
    assert len(absent) == 1, describe(report)
    assert "Sign the zone" not in absent[0].fix, absent[0].fix
    assert absent[0].fix.startswith(f"_25._tcp.mx1.{DOMAIN}. IN TLSA 3 1 1 "), absent[0].fix
