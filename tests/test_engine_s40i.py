"""s40i: follow-ups of s40a, each shown wrong first.

1. s40a (4fcf9d63) made `mailsec check` name the user's own resolver when a lookup failed, but
   a resolver that does not validate DNSSEC was still "our resolver" there: DNSSEC-01, -08 and
   -09, DANE-02 and DANE-01's fix said "our resolver does not validate DNSSEC", and DNSSEC-01
   "whether our resolver validates could not be told". The CLI (CheckConfig.resolvers_are_users)
   now says "the resolver 127.0.0.1:5353"; the app keeps "our resolver" without the address.
2. DNSSEC-01 for a bogus zone whose parent DS names only keys the zone does not publish, when
   the resolver's one code is 7 (signatures expired), 8 (not yet valid) or 10 (RRSIGs
   missing): the fix gave the code's remedy alone (s39h pinned it). Each fault keeps the zone
   bogus on its own: a DS naming no published key leaves no chain of trust (RFC 4035 §5.2),
   a signature outside its validity window validates nothing (§5.3.1), and an extended error
   names what the resolver met, not every fault (RFC 8914 §3: "7 - Signature Expired: ... no
   signatures are presently valid"). So the fix names both: the code's remedy, then the DS.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import dns.dnssec
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdatatype
import dns.rrset
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from checks import dnssec
from checks.cli import main
from checks.dns import DnsAnswer
from checks.findings import Collector, Mechanism, Status
from tests.test_dns_s9_server import Reply, answer, fake_dns

DOMAIN = "example.org"
OURS = "our resolver"


def _unvalidating(above_signed: bool) -> Callable[[dns.message.Message, str], Reply]:
    """A resolver that validates nothing (no AD bit, ever) serving a signed example.org: a DS
    at its parent, keys, signatures, two MX hosts (mx1 with TLSA records, mx2 without) at
    loopback addresses the checks refuse to connect to. `above_signed`: org and the root
    answer signed DNSKEY sets (so it is known not to validate), else NXDOMAIN (no telling)."""
    private = ec.generate_private_key(ec.SECP256R1())
    key = dns.dnssec.make_dnskey(private.public_key(), 13, 257)
    signer = dns.name.from_text(DOMAIN)
    ds = dns.dnssec.make_ds(signer, key, "SHA256").to_text()
    zone = {
        (DOMAIN, "SOA"): f"ns.{DOMAIN}. hostmaster.{DOMAIN}. 1 7200 3600 1209600 3600",
        (DOMAIN, "MX"): f"10 mx1.{DOMAIN}.",
        (DOMAIN, "DS"): ds,
        (DOMAIN, "DNSKEY"): key.to_text(),
        (f"mx1.{DOMAIN}", "A"): "127.0.249.25",
        (f"mx2.{DOMAIN}", "A"): "127.0.249.26",
        (f"_25._tcp.mx1.{DOMAIN}", "TLSA"): f"3 1 1 {'ab' * 32}",
    }
    if above_signed:
        zone[("org", "DNSKEY")] = key.to_text()
        zone[("", "DNSKEY")] = key.to_text()

    def handler(query: dns.message.Message, transport: str) -> Reply:
        question = query.question[0]
        name = question.name.to_text().rstrip(".").lower()
        rdtype = dns.rdatatype.to_text(question.rdtype)
        if (name, rdtype) == (DOMAIN, "MX"):
            texts = [f"10 mx1.{DOMAIN}.", f"20 mx2.{DOMAIN}."]
        elif (name, rdtype) in zone:
            texts = [zone[(name, rdtype)]]
        else:
            return Reply(answer(query, rcode=dns.rcode.NXDOMAIN))
        owner = dns.name.from_text(name or ".")
        rrset = dns.rrset.from_text_list(owner, 300, "IN", rdtype, texts)
        sig = dns.dnssec.sign(rrset, private, signer, key, lifetime=86400)
        sigs = dns.rrset.from_rdata_list(owner, 300, [sig])
        return Reply(answer(query, rrset, sigs))

    return handler


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    main([*args, "--timeout", "0.5", "--concurrency", "1"])
    return capsys.readouterr().out


def _findings(lines: str) -> dict[str, list[dict[str, object]]]:
    found: dict[str, list[dict[str, object]]] = {}
    for finding in json.loads(lines)["findings"]:
        found.setdefault(str(finding["id"]), []).append(finding)
    return found


def test_the_cli_names_the_users_resolver_that_does_not_validate(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with fake_dns(_unvalidating(above_signed=True)) as server:
        host, port = server.address
        named = f"{host}:{port}"
        text = _cli(capsys, DOMAIN, "--resolver", named)
        lines = _cli(capsys, DOMAIN, "--resolver", named, "--json")
    cause = f"the resolver {named} does not validate DNSSEC"
    found = _findings(lines)
    for check_id, subject in (
        ("DNSSEC-01", DOMAIN),
        ("DNSSEC-08", DOMAIN),
        ("DNSSEC-09", f"mx1.{DOMAIN}"),
        ("DNSSEC-09", f"mx2.{DOMAIN}"),
        ("DANE-02", f"_25._tcp.mx1.{DOMAIN}"),
    ):
        (one,) = [f for f in found[check_id] if f["subject"] == subject]
        assert one["status"] == Status.ERROR, one
        assert cause in str(one["summary"]), one
        assert str(one["summary"]) in text, text
    # DANE-01's fix for the host without TLSA records: "Not checked here: ...".
    (absent,) = [f for f in found["DANE-01"] if f["subject"] == f"_25._tcp.mx2.{DOMAIN}"]
    assert f"Not checked here: {cause}." in str(absent["fix"]), absent
    every = lines + text
    assert OURS not in every, [line for line in every.splitlines() if OURS in line]


def test_the_cli_names_the_resolver_whose_validating_could_not_be_told(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with fake_dns(_unvalidating(above_signed=False)) as server:
        host, port = server.address
        named = f"{host}:{port}"
        text = _cli(capsys, DOMAIN, "--resolver", named)
        lines = _cli(capsys, DOMAIN, "--resolver", named, "--json")
    (first,) = _findings(lines)["DNSSEC-01"]
    assert first["status"] == Status.INFO, first
    assert f"whether the resolver {named} validates could not be told" in str(first["summary"])
    assert str(first["summary"]) in text, text
    assert OURS not in lines + text


def test_the_apps_engine_keeps_our_resolver_without_its_address() -> None:
    import asyncio

    from checks.engine import check_domain
    from checks.tasks import engine_config

    for above_signed, words in ((True, "our resolver does not validate DNSSEC"), (False, "")):
        with fake_dns(_unvalidating(above_signed)) as server:
            host, _ = server.address
            config = engine_config(resolvers=(server.address,), timeout=0.5)
            report = asyncio.run(check_domain(DOMAIN, config))
        said = "\n".join(f"{f.summary} {f.fix or ''}" for f in report.findings)
        first = next(f for f in report.findings if f.id == "DNSSEC-01")
        if words:
            assert words in first.summary, first.summary
            dane02 = next(f for f in report.findings if f.id == "DANE-02")
            assert words in dane02.summary, dane02.summary
        else:
            assert "whether our resolver validates could not be told" in first.summary
        assert host not in said and "the resolver 127." not in said, said


# --- 2. DNSSEC-01: a stale DS and the resolver's code 7, 8 or 10 ------------------------------


def stale_ds(count: int = 1) -> tuple[list[int], DnsAnswer, DnsAnswer]:
    """A zone's current key and its DNSKEY answer (signatures current), and a parent DS answer
    of `count` records naming only key tags the zone does not publish: (their tags, ds, dnskey)."""
    private = ec.generate_private_key(ec.SECP256R1())
    key = dns.dnssec.make_dnskey(private.public_key(), 13, 257)
    name = dns.name.from_text(DOMAIN)
    keys = dns.rrset.from_rdata_list(name, 3600, [key])
    now = time.time()
    sig = dns.dnssec.sign(keys, private, name, key, inception=now - 86400, expiration=now + 86400)
    message = dns.message.make_response(dns.message.make_query(DOMAIN, "DNSKEY", want_dnssec=True))
    message.answer.append(keys)
    message.answer.append(dns.rrset.from_rdata_list(name, 3600, [sig]))
    dnskey = DnsAnswer(DOMAIN, "DNSKEY", "NOERROR", records=[key], message=message)
    tags = sorted((dns.dnssec.key_id(key) + n) % 65536 for n in range(1, count + 1))
    records = [dns.rdata.from_text("IN", "DS", f"{t} 13 2 {'cd' * 32}") for t in tags]
    return tags, DnsAnswer(DOMAIN, "DS", "NOERROR", records=records), dnskey


def _stale_ds_fix(code: int) -> str:
    """DNSSEC-01's fix for a bogus zone whose DS names a key tag it does not publish, the
    resolver giving EDE `code` alone; the zone's own signatures current."""
    (tag,), ds, dnskey = stale_ds()
    out = Collector(Mechanism.DNSSEC)
    soa = DnsAnswer(DOMAIN, "SOA", "SERVFAIL", ede=[(code, "")])
    dnssec._dnssec01(out, dnssec.Validation(DOMAIN, "bogus", soa), ds, dnskey, signed=[dnskey])
    (found,) = out.findings
    assert found.status == Status.FAIL
    return f"{tag}\n{found.fix}"


@pytest.mark.parametrize(
    ("code", "remedy"),
    [
        (7, "Re-sign the zone and find out why re-signing stopped"),
        (8, "Set the signing server's clock right (NTP), then re-sign the zone"),
        (10, "Sign the zone (all its records) at its DNS host"),
    ],
)
def test_a_stale_ds_is_named_beside_the_remedy_of_the_resolvers_code(
    code: int, remedy: str
) -> None:
    tag, fix = _stale_ds_fix(code).split("\n", 1)
    # The resolver's own reading first, as before ...
    assert fix.startswith(remedy), fix
    assert f"EDE {code} " in fix, fix
    # ... and the DS, which keeps the zone bogus once that is mended (RFC 4035 §5.2).
    assert "eplace the DS record at the registrar as well" in fix, fix
    assert f"key tag {tag}, which the zone no longer publishes" in fix, fix
    assert "DNSSEC-02" in fix, fix
    assert "does not help" not in fix, fix
