"""s20: bogus DNSSEC verdicts give the remedy the resolver's RFC 8914 code points to.

A validating resolver often says why it answered SERVFAIL with an Extended DNS Error: 7
signatures expired (the signer stopped re-signing), 8 signatures not valid yet (the signer's
clock is ahead), 9 a DS that matches no DNSKEY (a key rollover half done), 10 records without
signatures under a DS. Each wants a different fix; without a code (or with 5, 6 or several) the
generic text stays and names what the codes say. DNSSEC-01 (the domain and each mail name),
DNSSEC-07 (a bogus proof of absence) and DNSSEC-09 (an MX host's addresses) all use it.

Also: a signed zone whose DS matches its key (DNSSEC-02 passes) read "validating resolvers
cannot use that DS ... Replace the DS record with the one DNSSEC-02 gives" when the answers
came back without AD and no signed zone above the domain answered (so whether our resolver
validates was unknown).
"""

from __future__ import annotations

import asyncio

import dns.dnssec
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from checks import dnssec
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.dns import DnsAnswer
from checks.findings import Finding, Status

DOMAIN = "example.test"
HOST = "mx.example.net"


def _rdata(rdtype: str, text: str) -> dns.rdata.Rdata:
    return dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.from_text(rdtype), text)


SOA = _rdata("SOA", "ns.example.test. hostmaster.example.test. 1 7200 3600 1209600 300")


def _ede(*codes: int) -> list[tuple[int, str]]:
    return [(code, "") for code in codes]


class FakeDns:
    """A resolver stand-in: answers by (name, type, cd); anything else is a clean NXDOMAIN."""

    def __init__(self, answers: dict[tuple[str, str, bool], DnsAnswer]) -> None:
        self.answers = answers

    async def query(
        self,
        name: str,
        rdtype: str,
        *,
        cd: bool = False,
        want_dnssec: bool = False,
        fresh: bool = False,
    ) -> DnsAnswer:
        found = self.answers.get((name, rdtype, cd)) or self.answers.get((name, rdtype, False))
        return found or DnsAnswer(name, rdtype, "NXDOMAIN")

    async def addresses(self, name: str) -> tuple[list[str], list[DnsAnswer]]:
        a, aaaa = await self.query(name, "A"), await self.query(name, "AAAA")
        return [r.to_text() for r in a.records + aaaa.records], [a, aaaa]


def _evaluate(answers: dict[tuple[str, str, bool], DnsAnswer]) -> list[Finding]:
    ctx = CheckContext(DOMAIN, CheckConfig(), dns=FakeDns(answers))  # type: ignore[arg-type]
    return asyncio.run(dnssec.evaluate(ctx))


def _one(findings: list[Finding], check_id: str, subject: str) -> Finding:
    found = [f for f in findings if f.id == check_id and f.subject == subject]
    assert len(found) == 1, [(f.id, f.subject, f.summary) for f in findings]
    return found[0]


# --- DNSSEC-01 for the domain itself --------------------------------------------------------


def _bogus_domain(codes: tuple[int, ...], with_keys: bool = True) -> Finding:
    key = dns.dnssec.make_dnskey(ec.generate_private_key(ec.SECP256R1()).public_key(), 13, 257)
    # Matches no key by its digest; its key tag is the key's, so the EDE codes alone speak (a
    # DS naming only unpublished key tags has DNSSEC-01 say so whatever the codes: s39h).
    ds = _rdata("DS", f"{dns.dnssec.key_id(key)} 13 2 {'ab' * 32}")
    fail = DnsAnswer(DOMAIN, "SOA", "SERVFAIL", ede=_ede(*codes))
    answers = {
        (DOMAIN, "SOA", False): fail,
        (DOMAIN, "SOA", True): DnsAnswer(DOMAIN, "SOA", "NOERROR", records=[SOA], signed=True),
        (DOMAIN, "MX", False): DnsAnswer(DOMAIN, "MX", "SERVFAIL", ede=_ede(*codes)),
        (DOMAIN, "MX", True): DnsAnswer(DOMAIN, "MX", "NOERROR", signed=True),
        (DOMAIN, "DS", False): DnsAnswer(DOMAIN, "DS", "NOERROR", records=[ds], ad=True),
        (DOMAIN, "DNSKEY", True): DnsAnswer(
            DOMAIN, "DNSKEY", "NOERROR", records=[key] if with_keys else []
        ),
    }
    found = _one(_evaluate(answers), "DNSSEC-01", DOMAIN)
    assert found.status == Status.FAIL
    return found


def test_expired_signatures_point_at_the_signer_that_stopped() -> None:
    fix = _bogus_domain((7,)).fix
    assert "Re-sign the zone and find out why re-signing stopped" in fix
    assert "cron job" in fix and "hidden primary" in fix
    assert "EDE 7 (Signature Expired)" in fix
    assert "registrar" not in fix


def test_signatures_not_yet_valid_point_at_the_clock_as_dnssec05_does() -> None:
    fix = _bogus_domain((8,)).fix
    assert fix.startswith("Set the signing server's clock right (NTP), then re-sign the zone")
    assert "EDE 8 (Signature Not Yet Valid)" in fix
    assert "registrar" not in fix


def test_dnskey_missing_points_at_the_registrar_and_the_rollover() -> None:
    fix = _bogus_domain((9,)).fix
    assert fix.startswith("Publish at the registrar the DS record of the current KSK")
    assert "publish again the key the DS names" in fix and "rollover" in fix
    assert "EDE 9 (DNSKEY Missing)" in fix


def test_dnskey_missing_for_a_zone_with_no_keys_means_sign_it_or_drop_the_ds() -> None:
    # The zone moved to a DNS host without DNSSEC: there is no KSK whose DS could be published.
    fix = _bogus_domain((9,), with_keys=False).fix
    assert fix.startswith("Sign the zone (all its records)")
    assert "remove the DS record at the registrar" in fix and "KSK" not in fix


def test_rrsigs_missing_means_sign_every_record_or_drop_the_ds() -> None:
    fix = _bogus_domain((10,)).fix
    assert fix.startswith("Sign the zone (all its records)")
    assert "remove the DS record at the registrar" in fix
    assert "EDE 10 (RRSIGs Missing)" in fix


GENERIC = (
    "Re-sign the zone (expired or broken signatures) or fix the DS record at the registrar "
    "so it matches a current DNSKEY."
)


@pytest.mark.parametrize(
    ("codes", "says"),
    [
        ((6,), "The resolver says EDE 6 (DNSSEC Bogus)."),
        # 5 alone is no bogus verdict (dns.EDE_VALIDATION_FAILED); beside 6 it is one.
        ((5, 6), "The resolver says EDE 5 (DNSSEC Indeterminate), EDE 6 (DNSSEC Bogus)."),
        ((12,), "The resolver says EDE 12 (NSEC Missing)."),
        ((7, 9), "The resolver says EDE 7 (Signature Expired), EDE 9 (DNSKEY Missing)."),
        ((), "The resolver gave no reason"),
    ],
)
def test_no_single_telling_code_keeps_the_generic_text_and_names_the_codes(
    codes: tuple[int, ...], says: str
) -> None:
    fix = _bogus_domain(codes).fix
    assert fix.startswith(GENERIC) and says in fix


# --- DNSSEC-01 for a mail name, DNSSEC-07, DNSSEC-09 ----------------------------------------


def _mail_world(
    dmarc: tuple[int, ...], sts: tuple[int, ...], host: tuple[int, ...]
) -> list[Finding]:
    """A domain that validates, with a bogus DMARC record, a bogus proof that _mta-sts does
    not exist and an MX host whose A records are bogus, each with the given codes."""
    txt = _rdata("TXT", '"v=DMARC1; p=reject"')
    addr = _rdata("A", "192.0.2.25")
    dmarc_name, sts_name = f"_dmarc.{DOMAIN}", f"_mta-sts.{DOMAIN}"
    answers = {
        (DOMAIN, "SOA", False): DnsAnswer(DOMAIN, "SOA", "NOERROR", records=[SOA], ad=True),
        (DOMAIN, "MX", False): DnsAnswer(
            DOMAIN, "MX", "NOERROR", records=[_rdata("MX", f"10 {HOST}.")], ad=True
        ),
        (dmarc_name, "TXT", False): DnsAnswer(dmarc_name, "TXT", "SERVFAIL", ede=_ede(*dmarc)),
        (dmarc_name, "TXT", True): DnsAnswer(dmarc_name, "TXT", "NOERROR", records=[txt]),
        (sts_name, "TXT", False): DnsAnswer(sts_name, "TXT", "SERVFAIL", ede=_ede(*sts)),
        (sts_name, "TXT", True): DnsAnswer(sts_name, "TXT", "NXDOMAIN"),
        (HOST, "A", False): DnsAnswer(HOST, "A", "SERVFAIL", ede=_ede(*host)),
        (HOST, "A", True): DnsAnswer(HOST, "A", "NOERROR", records=[addr], signed=True),
        (HOST, "AAAA", False): DnsAnswer(HOST, "AAAA", "NOERROR"),
    }
    return _evaluate(answers)


def test_a_bogus_mail_name_gets_the_remedy_of_its_code() -> None:
    found = _one(_mail_world((7,), (6,), (6,)), "DNSSEC-01", f"_dmarc.{DOMAIN}")
    assert found.status == Status.FAIL
    assert found.fix.startswith(
        f"Re-sign the zone holding _dmarc.{DOMAIN} (or the zone its CNAME leads to) and find "
        "out why re-signing stopped"
    )
    generic = _one(_mail_world((6,), (6,), (6,)), "DNSSEC-01", f"_dmarc.{DOMAIN}")
    assert generic.fix.startswith(
        f"Re-sign the zone holding _dmarc.{DOMAIN} (or the zone its CNAME leads to) so that "
        "the record validates."
    )
    assert "EDE 6 (DNSSEC Bogus)" in generic.fix


def test_a_bogus_denial_gets_the_remedy_of_its_code() -> None:
    found = _one(_mail_world((6,), (8,), (6,)), "DNSSEC-07", f"_mta-sts.{DOMAIN}")
    assert found.status == Status.FAIL
    assert found.fix.startswith("Set the signing server's clock right (NTP)")
    generic = _one(_mail_world((6,), (6,), (6,)), "DNSSEC-07", f"_mta-sts.{DOMAIN}")
    assert generic.fix.startswith("Re-sign the zone so that its NSEC/NSEC3 records are valid.")


def test_a_bogus_mx_host_gets_the_remedy_of_its_code() -> None:
    # The codes are on the SERVFAIL, not on the CD retry that proved the data bogus.
    found = _one(_mail_world((6,), (6,), (10,)), "DNSSEC-09", HOST)
    assert found.status == Status.FAIL
    assert found.fix.startswith(
        f"Sign the zone holding {HOST} (all its records) at its DNS host, or remove the DS "
        "record at the registrar, or point the MX at a host in a zone that validates."
    )
    assert "EDE 10 (RRSIGs Missing)" in found.fix
    generic = _one(_mail_world((6,), (6,), (6,)), "DNSSEC-09", HOST)
    assert generic.fix.startswith(
        f"Re-sign the zone holding {HOST} (expired signatures, or a DS that matches no "
        "DNSKEY), or point the MX at a host in a zone that validates."
    )


# --- DNSSEC-01 insecure with a DS the zone's key matches ------------------------------------


def _insecure_with_ds(above_signed: bool, algorithm: int = 13) -> list[Finding]:
    key = dns.dnssec.make_dnskey(ec.generate_private_key(ec.SECP256R1()).public_key(), 13, 257)
    ds = dns.dnssec.make_ds(f"{DOMAIN}.", key, 2)
    if algorithm != 13:
        ds = _rdata("DS", f"{ds.key_tag} {algorithm} 2 {ds.digest.hex()}")  # type: ignore[attr-defined]
    answers = {
        (DOMAIN, "SOA", False): DnsAnswer(DOMAIN, "SOA", "NOERROR", records=[SOA]),
        (DOMAIN, "MX", False): DnsAnswer(DOMAIN, "MX", "NOERROR"),
        (DOMAIN, "DS", False): DnsAnswer(DOMAIN, "DS", "NOERROR", records=[ds]),
        (DOMAIN, "DNSKEY", False): DnsAnswer(DOMAIN, "DNSKEY", "NOERROR", records=[key]),
    }
    if above_signed:
        # Our resolver validates: the root's keys come back with AD.
        answers[("", "DNSKEY", False)] = DnsAnswer(
            "", "DNSKEY", "NOERROR", records=[key], ad=True, signed=True
        )
    return _evaluate(answers)


def test_an_unknown_resolver_does_not_make_a_matching_ds_unusable() -> None:
    # No zone above answers: whether our resolver validates is unknown (resolver_validation
    # None). The DS matches the key (DNSSEC-02 passes): nothing says validators cannot use it.
    findings = _insecure_with_ds(above_signed=False)
    assert _one(findings, "DNSSEC-02", DOMAIN).status == Status.PASS
    first = _one(findings, "DNSSEC-01", DOMAIN)
    assert first.status == Status.INFO
    assert "cannot use that DS" not in first.summary
    assert "could not be told" in first.summary
    assert not first.fix


def test_a_validating_resolver_and_an_unauthenticated_ds_name_the_zone_above() -> None:
    findings = _insecure_with_ds(above_signed=True)
    first = _one(findings, "DNSSEC-01", DOMAIN)
    assert first.status == Status.INFO
    assert "cannot use that DS" not in first.summary
    assert "a zone above it is not signed" in first.summary
    assert not first.fix


def test_a_ds_of_an_algorithm_validators_must_not_implement_keeps_its_wording() -> None:
    # Control (lab s19n-dsalgmd5): DS algorithm 1, RFC 8624 §3.1 MUST NOT validate.
    for above_signed in (False, True):
        first = _one(_insecure_with_ds(above_signed, algorithm=1), "DNSSEC-01", DOMAIN)
        assert "cannot use that DS" in first.summary
        assert first.fix.startswith("Replace the DS")
