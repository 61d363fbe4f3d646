"""Engine defects found by blind round s29d (tests/test_lab_s29d_blind.py), each pinned without
the lab.

s29d-dssha1stale256: the parent holds the current key's DS as SHA-1 only, beside a SHA-256 DS
of a key the zone no longer publishes. DNSSEC-04 told the owner to remove the SHA-1 DS and keep
the SHA-256 one: the one record that still matches a key would go, leaving the zone bogus for
every validator. And DNSSEC-02 said validators "treat the zone as bogus" while the lab's
validating resolver (Unbound, harden-algo-downgrade off by default) had just validated it
(DNSSEC-01 pass): RFC 4509 §3 asks validators to ignore the SHA-1 DS there (SHOULD), and
those that follow it do.
"""

from __future__ import annotations

import dns.dnssec
import dns.rdata
import dns.rdataclass
import dns.rdatatype
from cryptography.hazmat.primitives.asymmetric import ec

from checks import dnssec
from checks.dns import DnsAnswer
from checks.findings import Collector, Mechanism, Status

APEX = "example.test"
STALE = "20777 13 2 3f1c2e8d9a4b3c5d6e7f80912a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d"


def _key() -> object:
    return dns.dnssec.make_dnskey(ec.generate_private_key(ec.SECP256R1()).public_key(), 13, 257)


def _stale_ds() -> object:
    return dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.DS, STALE)


def _answers(key: object, ds_records: list[object]) -> tuple[DnsAnswer, DnsAnswer]:
    return (
        DnsAnswer(APEX, "DS", "NOERROR", records=ds_records),  # type: ignore[arg-type]
        DnsAnswer(APEX, "DNSKEY", "NOERROR", records=[key]),  # type: ignore[arg-type]
    )


def _sha1_only_matches() -> tuple[object, object, DnsAnswer, DnsAnswer]:
    key = _key()
    sha1 = dns.dnssec.make_ds(f"{APEX}.", key, 1, validating=True)  # type: ignore[arg-type]
    ds, dnskey = _answers(key, [sha1, _stale_ds()])
    return key, sha1, ds, dnskey


def test_dnssec04_does_not_ask_to_remove_the_only_ds_that_matches() -> None:
    key, sha1, ds, dnskey = _sha1_only_matches()
    out = Collector(Mechanism.DNSSEC)
    dnssec._dnssec04(out, APEX, ds, dnskey)
    (finding,) = out.findings
    assert finding.status == Status.INFO  # status unchanged: SHA-1 beside SHA-256
    assert "only the SHA-1 one matches a DNSKEY" in finding.summary
    good = dns.dnssec.make_ds(f"{APEX}.", key, "SHA256").to_text()  # type: ignore[arg-type]
    # The fix publishes the SHA-256 DS of the key first, and removes the stale one and, only
    # then, the SHA-1 one: never "Keep:" the record that matches nothing.
    assert f"{APEX}. IN DS {good}" in finding.fix
    assert "Keep:" not in finding.fix
    assert finding.fix.index(good) < finding.fix.index(sha1.to_text())  # type: ignore[attr-defined]
    assert f"{APEX}. IN DS {STALE}" in finding.fix


def test_dnssec04_still_offers_to_remove_sha1_beside_a_matching_sha256() -> None:
    # Control: a SHA-256 DS that matches the key, beside the SHA-1 one: remove SHA-1, keep it.
    key = _key()
    sha1 = dns.dnssec.make_ds(f"{APEX}.", key, 1, validating=True)  # type: ignore[arg-type]
    sha256 = dns.dnssec.make_ds(f"{APEX}.", key, 2)  # type: ignore[arg-type]
    ds, dnskey = _answers(key, [sha1, sha256])
    out = Collector(Mechanism.DNSSEC)
    dnssec._dnssec04(out, APEX, ds, dnskey)
    (finding,) = out.findings
    assert finding.status == Status.INFO
    assert "the SHA-1 one can be removed" in finding.summary
    assert finding.fix.endswith(f"Keep:\n{APEX}. IN DS {sha256.to_text()}")


def test_dnssec02_sha1_rescue_is_not_called_bogus_where_the_resolver_validated() -> None:
    _, _, ds, dnskey = _sha1_only_matches()
    out = Collector(Mechanism.DNSSEC)
    dnssec._dnssec02(out, APEX, ds, dnskey, "secure")
    (finding,) = out.findings
    assert finding.status == Status.FAIL  # status unchanged
    assert "validators that follow RFC 4509 §3" in finding.summary
    assert "the validating resolver used for this check accepted" in finding.summary
    assert "so they treat the zone as bogus" not in finding.summary


def test_dnssec02_sha1_rescue_says_bogus_where_the_resolver_found_it_so() -> None:
    # Control: where the resolver itself found the zone bogus, that is what happens.
    _, _, ds, dnskey = _sha1_only_matches()
    out = Collector(Mechanism.DNSSEC)
    dnssec._dnssec02(out, APEX, ds, dnskey, "bogus")
    (finding,) = out.findings
    assert finding.status == Status.FAIL
    assert "so they treat the zone as bogus" in finding.summary


# s29d-danetls454: an MX with usable TLSA that offers STARTTLS and answers it 454 every time
# was told "Enable STARTTLS on <host>", which is on; and a handshake that fails got the same.


def _dane10(probe: object) -> object:
    from types import SimpleNamespace

    from checks import dane

    host = "mx1.example.test"
    parsed = dane.parse_tlsa_text("3 1 1 " + "ab" * 32).record
    assert parsed is not None
    state = dane.TlsaState(
        host=host, base=host, qname=f"_25._tcp.{host}", records=[parsed], secure=True
    )
    out = Collector(Mechanism.DANE)
    dane._probe_findings(out, SimpleNamespace(name=host), state, [probe])
    (finding,) = [f for f in out.findings if f.id == "DANE-10"]
    return finding


def _probe(**kw: object) -> object:
    from checks.starttls import SmtpProbe

    base: dict[str, object] = {
        "host": "mx1.example.test",
        "address": "192.0.2.25",
        "connected": True,
        "banner_code": 220,
        "ehlo_ok": True,
        "starttls_offered": True,
    }
    return SmtpProbe(**{**base, **kw})  # type: ignore[arg-type]


def test_dane10_a_refused_starttls_is_not_told_to_enable_it() -> None:
    reply = "454 4.7.0 TLS not available due to local problem"
    finding = _dane10(
        _probe(starttls_reply=reply, problem=f"STARTTLS was answered {reply} (twice in a row)")
    )
    assert finding.status == Status.FAIL  # type: ignore[attr-defined]
    assert "offers STARTTLS but refuses it" in finding.summary  # type: ignore[attr-defined]
    assert "Enable STARTTLS" not in finding.fix  # type: ignore[attr-defined]
    assert "accept STARTTLS" in finding.fix  # type: ignore[attr-defined]
    assert "454" in finding.fix  # type: ignore[attr-defined]


def test_dane10_a_failed_handshake_is_told_to_make_it_complete() -> None:
    finding = _dane10(
        _probe(
            starttls_reply="220 2.0.0 Ready to start TLS",
            error_kind="tls",
            problem="TLS handshake failed: tlsv1 alert internal error",
        )
    )
    assert finding.status == Status.FAIL  # type: ignore[attr-defined]
    assert "fails the TLS handshake" in finding.summary  # type: ignore[attr-defined]
    assert "Enable STARTTLS" not in finding.fix  # type: ignore[attr-defined]
    assert "handshake" in finding.fix  # type: ignore[attr-defined]


def test_dane10_no_starttls_is_still_told_to_enable_it() -> None:
    # Control: the server does not offer STARTTLS at all.
    finding = _dane10(_probe(starttls_offered=False))
    assert finding.status == Status.FAIL  # type: ignore[attr-defined]
    assert finding.fix.startswith("Enable STARTTLS on mx1.example.test")  # type: ignore[attr-defined]


def test_dnssec04_names_an_unassigned_digest_type_as_such() -> None:
    # s29d-dsunknowndigest: 'use SHA-256, 200' read as if 200 were a count.
    key = _key()
    sha256 = dns.dnssec.make_ds(f"{APEX}.", key, 2)  # type: ignore[arg-type]
    odd = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.DS, f"40001 13 200 {'9e' * 32}")
    ds, dnskey = _answers(key, [sha256, odd])
    out = Collector(Mechanism.DNSSEC)
    dnssec._dnssec04(out, APEX, ds, dnskey)
    (finding,) = out.findings
    assert finding.status == Status.INFO
    assert "use SHA-256, digest type 200;" in finding.summary


# Reading the texts of s29d: DANE-05's warning gave no fix (badselector, sha256asmt2), DANE-13's
# warning neither why nor a fix (danerequiresni), and DANE-11 said "mx1 ... have none" of one host.


def _dane_findings(extra_tlsa: list[str] | None = None, *, names: int = 1, **probe_kw: object):  # type: ignore[no-untyped-def]
    from tests.test_dane import MX1, MX2, Pki, _evaluate, _mx_zone

    pki = Pki()
    hosts = (MX1, MX2)[:names] if names > 1 else (MX1,)
    zone, good = _mx_zone(pki, *hosts)
    if extra_tlsa:
        zone[(f"_25._tcp.{MX1}", "TLSA")] += extra_tlsa

    def probe(host: str, address: str) -> object:
        p = good(host, address)
        for k, v in probe_kw.items():
            setattr(p, k, v)
        return p

    return _evaluate(zone, probe)


def test_dane05_warning_names_the_records_to_delete() -> None:
    bad = "3 2 1 " + "ab" * 32
    (finding,) = [f for f in _dane_findings([bad]) if f.id == "DANE-05" and f.status == Status.WARN]
    assert finding.fix.startswith("Delete this TLSA record at _25._tcp.mx1.ex.com")
    assert f"_25._tcp.mx1.ex.com. TLSA {bad}" in finding.fix


def test_dane13_warning_says_why_and_what_to_do() -> None:
    (finding,) = [
        f for f in _dane_findings(no_sni_ok=False) if f.id == "DANE-13" and f.status == Status.WARN
    ]
    assert "DANE senders send SNI" in finding.summary
    assert "RFC 8461 §7.1" in finding.summary
    assert "default certificate" in finding.fix


def test_dane11_one_uncovered_host_has_none() -> None:
    (finding,) = [f for f in _dane_findings(names=2) if f.id == "DANE-11"]
    assert finding.status == Status.WARN
    assert "(mx2.ex.com has none)" in finding.summary


def test_dane11_names_a_host_whose_tlsa_records_are_all_unusable() -> None:
    # s29d-onlyshort: mx1's only record is one byte short. DANE-11 counted it uncovered (right:
    # RFC 7672 §2.2, unauthenticated TLS there) but said only "has none", which the owner, who
    # sees a TLSA record at _25._tcp.mx1, cannot square with what is published.
    from tests.test_dane import MX1, MX2, Pki, _evaluate, _mx_zone

    zone, probe = _mx_zone(Pki(), MX1, MX2)
    zone[(f"_25._tcp.{MX2}", "TLSA")] = ["3 1 1 " + "ab" * 31]
    (finding,) = [f for f in _evaluate(zone, probe) if f.id == "DANE-11"]
    assert finding.status == Status.WARN
    assert f"{MX2} publishes TLSA records, but none is usable (see DANE-05)" in finding.summary
