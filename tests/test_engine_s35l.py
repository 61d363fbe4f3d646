"""Engine faults the s35l blind lab round found (tests/test_lab_s35l_blind.py), each shown here
without the lab: DNSSEC-10's warning for authoritative servers that disagree (it listed equal
serials as the disagreement, did not say which keys differ or which server lags, and had no
fix), and DANE-03's fix for a domain whose MX hosts are a provider's (it was said as the
provider's change to make, while the MX records to sign are the domain owner's)."""

from __future__ import annotations

import asyncio
import dataclasses
from unittest import mock

import dns.dnssec
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset

from checks import certs, dane
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.dns import DnsAnswer
from checks.findings import Finding, Status
from tests.test_certs import Pki
from tests.test_dane import _good_probe
from tests.test_engine_s33l import _dnssec10
from tests.test_mx import FakeDns

NS = {"ns1.example.test": ["192.0.2.53"], "ns2.example.test": ["192.0.2.54"]}
SIGNING = "257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ=="
NEXT = "257 3 13 oJMRESz5E4gYzS/q6XDrvU1qMPYIjCWzJaOau8XNEZeqCYKD5ar0IRd8KqXXFJkqmVfRvMGPmM1x8fGAa2XhSA=="


def _tag(key: str) -> int:
    return dns.dnssec.key_id(dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.DNSKEY, key))


def _warning(answers: dict[str, tuple[int, frozenset[str]]]) -> Finding:
    (finding,) = _dnssec10(NS, answers)  # type: ignore[arg-type]
    assert finding.status == Status.WARN, finding
    return finding


# ------------------------------------------------------------------ DNSSEC-10
def test_dnssec10_same_serial_different_keys_names_the_keys_not_the_serials() -> None:
    # s35l-stalekeys: a pre-published KSK reached ns1, not ns2; both serve serial 2026120302.
    # The warning said "disagree (SOA serials ns1: 2026120302, ns2: 2026120302; different
    # DNSKEY sets)": equal serials given as the disagreement, and no word of which key.
    finding = _warning(
        {
            "192.0.2.53": (2026120302, frozenset({SIGNING, NEXT})),
            "192.0.2.54": (2026120302, frozenset({SIGNING})),
        }
    )
    text = finding.summary
    assert "SOA serials" not in text
    assert "same SOA serial" in text and "2026120302" in text
    assert f"key tag {_tag(NEXT)}" in text
    assert "ns2.example.test [192.0.2.54]" in text
    # Which copy is current the serials cannot tell: the fix is one DNSKEY set everywhere
    # and a raised serial.
    assert finding.fix and "raise the SOA serial" in finding.fix


def test_dnssec10_an_older_serial_names_the_server_that_lags_and_says_what_to_do() -> None:
    # s35l-staleserial: ns2 stopped taking transfers at 2026112801; ns1 serves 2026120301.
    finding = _warning(
        {
            "192.0.2.53": (2026120301, frozenset({SIGNING})),
            "192.0.2.54": (2026112801, frozenset({SIGNING})),
        }
    )
    assert "ns2.example.test [192.0.2.54]" in finding.summary
    assert "2026112801" in finding.summary and "2026120301" in finding.summary
    assert "older" in finding.summary
    assert "DNSKEY" not in finding.summary  # the key sets agree
    assert finding.fix
    assert "ns2.example.test" in finding.fix
    assert "transfer" in finding.fix
    assert "ns1.example.test" not in finding.fix  # the primary is not the one to mend


def test_dnssec10_serial_order_wraps_as_rfc_1982_says() -> None:
    # Serial arithmetic: 4294967295 is older than 5 (RFC 1982 §3.2), so ns1 at 4294967295 lags.
    finding = _warning(
        {"192.0.2.53": (4294967295, frozenset({SIGNING})), "192.0.2.54": (5, frozenset({SIGNING}))}
    )
    assert "ns1.example.test [192.0.2.53]" in finding.fix
    assert "ns2.example.test" not in finding.fix


def test_dnssec10_agreement_still_passes() -> None:
    (finding,) = _dnssec10(
        NS,
        {
            "192.0.2.53": (2026120303, frozenset({SIGNING})),
            "192.0.2.54": (2026120303, frozenset({SIGNING})),
        },
    )
    assert finding.status == Status.PASS


# ------------------------------------------------------------------ DANE-03
class _InsecureMx(FakeDns):
    """Every answer DNSSEC-secure but the checked domain's MX RRset: an unsigned customer
    zone whose MX hosts sit in a provider's signed zone."""

    async def query(self, name: str, rdtype: str, **kwargs: object) -> DnsAnswer:
        answer = await super().query(name, rdtype, **kwargs)  # type: ignore[arg-type]
        if (name.rstrip("."), rdtype) == ("ex.com", "MX"):
            return dataclasses.replace(answer, ad=False)
        return answer


def test_dane03_fix_for_a_provider_hosted_domain_is_the_owners_to_make() -> None:
    # s35l-unsignedprovsts: ex.com (unsigned) has its MX at mx.prov.net (signed, 3 1 1).
    # DANE-03's fix 'Sign ex.com with DNSSEC' was prefixed 'mx.prov.net is in prov.net, not in
    # your domain: ... only its operator can make this change; pass it on to them': the MX
    # records to sign are ex.com's own, which only its owner can sign.
    pki = Pki()
    leaf = pki.leaf(["mx.prov.net"])
    zone: dict = {  # type: ignore[type-arg]
        ("ex.com", "MX"): ["10 mx.prov.net."],
        ("mx.prov.net", "A"): ["192.0.2.1"],
        ("_25._tcp.mx.prov.net", "TLSA"): [certs.tlsa_record_text(leaf.der, 3, 1, 1)],
    }
    ctx = CheckContext(
        "ex.com",
        CheckConfig(allow_private_targets=True),
        dns=_InsecureMx(zone, ad=True),  # type: ignore[arg-type]
    )
    probe = _good_probe({"mx.prov.net": [leaf.der, pki.inter.der]})

    async def probe_mx(_ctx: object, host: str, address: str) -> object:
        return probe(host, address)

    from checks import starttls

    with mock.patch.object(starttls, "probe_mx", probe_mx):
        findings = asyncio.run(dane.evaluate(ctx))
    (finding,) = [f for f in findings if f.id == "DANE-03"]
    assert finding.status == Status.WARN
    assert finding.fix == "Sign ex.com with DNSSEC."
    # The provider host's own findings keep saying whose change it is (s34l).
    (dane07,) = [f for f in findings if f.id == "DANE-07"]
    assert dane07.status == Status.PASS


# ------------------------------------------------------------------ DANE-05
def test_dane05_calls_255_private_use_not_unknown() -> None:
    # s35l-tlsaprivmatch: '3 1 255' was "unknown matching type 255". 255 is assigned, to
    # private use (PrivCert, PrivSel, PrivMatch: RFC 6698 §7.2-§7.4, RFC 7218): unusable
    # because no sender supports a private scheme, not because nobody knows the value.
    assert dane.check_fields(3, 1, 255, bytes(32)) == [
        "matching type 255 (PrivMatch), kept for private use, which senders do not support"
    ]
    assert dane.check_fields(255, 1, 1, bytes(32)) == [
        "certificate usage 255 (PrivCert), kept for private use, which senders do not support"
    ]
    assert dane.check_fields(3, 255, 1, bytes(32)) == [
        "selector 255 (PrivSel), kept for private use, which senders do not support"
    ]
    assert dane.check_fields(3, 1, 4, bytes(32)) == ["unknown matching type 4"]


# ------------------------------------------------------------------ DANE-12
def _dane12(records: list[str], chain: list[bytes]) -> Finding:
    from tests.test_engine_s34l import _one_host

    (finding,) = [f for f in _one_host(records, chain) if f.id == "DANE-12"]
    return finding


def test_dane12_a_ca_record_covers_the_renewal_of_an_expired_leaf() -> None:
    # s35l-mixedeeta: '3 1 1' of the leaf and '2 1 1' of the issuing CA; the leaf expired three
    # days ago. DANE-06 called the pair "the usual rollover pair, which keeps a certificate
    # renewed with a new key from the same CA authenticated", while DANE-12 said in the same
    # report that there is "no record for a next key: ... publish the new key's record at
    # least two TTLs before installing it": its DANE-TA test asked the expired leaf to pass
    # validation, where the renewal is what the CA record has to cover.
    pki = Pki()
    assert pki.inter is not None
    leaf = pki.leaf(["mx1.ex.com"], expired=True)
    finding = _dane12(
        [certs.tlsa_record_text(leaf.der, 3, 1, 1), certs.tlsa_record_text(pki.inter.der, 2, 1, 1)],
        [leaf.der, pki.inter.der],
    )
    assert finding.status == Status.PASS, finding
    assert "no record for a next key" not in finding.summary
    assert "renewed certificate from that CA stays authenticated" in finding.summary


def test_dane12_an_expired_leaf_without_a_ca_record_still_asks_for_a_next_key() -> None:
    pki = Pki()
    leaf = pki.leaf(["mx1.ex.com"], expired=True)
    finding = _dane12([certs.tlsa_record_text(leaf.der, 3, 1, 1)], [leaf.der, pki.inter.der])  # type: ignore[union-attr]
    assert finding.status == Status.INFO
    assert "no record for a next key" in finding.summary


def test_dane12_an_expired_ca_covers_no_renewal() -> None:
    # Control: the '2 1 1' names a CA certificate that has itself expired: a renewal from it
    # would not be authenticated either, so the next-key advice stays.
    from tests.test_certs import make_ca, make_leaf

    pki = Pki()
    old_ca = make_ca("Test Issuing CA 2", pki.root, expired=True)
    leaf = make_leaf(old_ca, ["mx1.ex.com"], expired=True)
    finding = _dane12(
        [certs.tlsa_record_text(leaf.der, 3, 1, 1), certs.tlsa_record_text(old_ca.der, 2, 1, 1)],
        [leaf.der, old_ca.der],
    )
    assert finding.status == Status.INFO
    assert "no record for a next key" in finding.summary


# ------------------------------------------------------------------ DNSSEC-05
def _dnssec05_warning(start_days: float, end_days: float) -> Finding:
    from tests.test_dnssec_sigs import SOA, Key, _dnssec05

    key = Key()
    dnskeys = dns.rrset.from_rdata(SOA.name, 3600, key.dnskey)
    finding = _dnssec05(
        [key.sign(SOA, start_days, end_days)], [key], [key.sign(dnskeys, start_days, end_days)]
    )
    assert finding.status == Status.WARN, finding
    return finding


def test_dnssec05_short_lived_signatures_say_so_and_ask_for_a_longer_lifetime() -> None:
    # s35l-sig36h: the signer makes 36-hour signatures (inception 90 min back) and re-signs
    # every 12 h. The warning ("expire within 3 days") stays for as long as it signs so, and
    # its fix, "Check that the signer re-signs the zone", was all it said: re-signing works;
    # the lifetime is what leaves no time when one run fails.
    finding = _dnssec05_warning(-1.5 / 24, 34.5 / 24)
    assert "36 hours" in finding.summary
    assert finding.fix and "rrsig-lifetime" in finding.fix
    assert "a week" in finding.fix


def test_dnssec05_a_long_lived_signature_near_its_end_still_asks_for_re_signing() -> None:
    # Control: a 14-day signature with two days left: the signer has not re-signed in time.
    finding = _dnssec05_warning(-12, 2)
    assert "hours from" not in finding.summary
    assert finding.fix == "Check that the signer re-signs the zone."


# ------------------------------------------------------------------ MTASTS-35
def _mtasts35(secure_mx: bool) -> Finding:
    from checks import mtasts, mx
    from checks.findings import Collector, Mechanism

    pki = Pki()
    leaf = pki.leaf(["mx.prov.net"])
    zone: dict = {  # type: ignore[type-arg]
        ("ex.com", "MX"): ["10 mx.prov.net."],
        ("mx.prov.net", "A"): ["192.0.2.1"],
        ("_25._tcp.mx.prov.net", "TLSA"): [certs.tlsa_record_text(leaf.der, 3, 1, 1)],
    }
    fake = FakeDns(zone, ad=True) if secure_mx else _InsecureMx(zone, ad=True)
    ctx = CheckContext("ex.com", CheckConfig(allow_private_targets=True), dns=fake)  # type: ignore[arg-type]
    out = Collector(Mechanism.MTASTS)

    async def run() -> None:
        mxset = await mx.get_mx(ctx)
        await mtasts._dane_finding(ctx, mxset, out)

    asyncio.run(run())
    (finding,) = [f for f in out.findings if f.id == "MTASTS-35"]
    assert finding.status == Status.INFO
    return finding


def test_mtasts35_says_exim_uses_mta_sts_behind_insecure_mx_records() -> None:
    # s35l-unsignedprovsts: an unsigned domain whose MX hosts are a DANE provider's, with an
    # MTA-STS policy. MTASTS-35 said "senders that support DANE validate with DANE instead of
    # MTA-STS", while DANE-03 in the same report said rightly that Exim uses DANE only behind
    # DNSSEC-secure MX records (RFC 7672 §2.2.1 leaves it to the sender): for Exim, MTA-STS is
    # what applies here.
    finding = _mtasts35(secure_mx=False)
    assert "not DNSSEC-secure" in finding.summary
    assert "Exim" in finding.summary and "MTA-STS" in finding.summary


def test_mtasts35_behind_secure_mx_records_is_unchanged() -> None:
    finding = _mtasts35(secure_mx=True)
    assert "not DNSSEC-secure" not in finding.summary
    assert "validate with DANE instead of MTA-STS" in finding.summary
