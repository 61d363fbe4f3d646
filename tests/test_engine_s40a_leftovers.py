"""s40a: engine leftovers earlier sessions noticed and left, each shown wrong first.

1. `mailsec check --resolver HOST:PORT` said "no answer from our resolver within N s": the
   resolver is the user's own there (the one they named, MAILSEC_RESOLVER's or the system's),
   so the CLI names it; the app's pages keep "our resolver" without the address (s39j).
2. DNSSEC-02 at a DS naming only key tags the zone does not publish (a DS left after a key
   roll): the fix gave the new DS alone, so the stale one stayed at the registrar beside it.
3. DNSSEC-01 at such a DS ("dsgone", s39h) said "Re-signing the zone does not help" when the
   zone's signatures had expired too and the resolver gave no extended error to say so.
4. SPF-06's IPv6 note for a bare `a` (the domain's own name, IPv4 only) said to use "ip4:
   instead of a:": ip4: is right (RFC 7208 §5.3: `a` asks the sender's family only, the names
   have IPv4 addresses alone, so ip6: has nothing to list), but the term is `a`, not `a:`.
5. SPF-05 at 11 or more lookups said "Replace includes with ip4/ip6 ranges or drop senders"
   without saying which include spends the most of them.
6. The DMARC records other findings propose (not DMARC-02's merge) kept a report mailbox
   twice when the record spelt its domain in two cases: kept_uris now tells mailboxes apart
   as DMARC-02 does (scheme and domain ignore case, the local part does not: RFC 5321 §2.4).
7. Which section of RFC 7672 says where a CNAME'd MX host's TLSA records are looked up: §2.2.2
   (the TLSA base domain of an alias, expanded when secure, else the initial name); §2.2.3
   is the lookup itself (the _25._tcp prefix, what its answers mean). DNSSEC-09's note on an
   alias into an unsigned zone cited §2.2.3.
"""

from __future__ import annotations

import asyncio
import json
import time

import dns.dnssec
import dns.message
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from checks import dnssec
from checks.cli import build_parser, main, make_config
from checks.dns import DnsAnswer, DnsClient
from checks.findings import Collector, Finding, Mechanism, Status
from tests.test_dns_s9_server import Reply, answer, fake_dns


def _silent(query: dns.message.Message, transport: str) -> None:
    return None


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    main([*args, "--timeout", "0.5", "--concurrency", "1"])
    return capsys.readouterr().out


def test_the_cli_names_the_resolver_the_user_gave_not_ours(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with fake_dns(_silent) as server:
        host, port = server.address
        named = f"{host}:{port}"
        text = _cli(capsys, "example.org", "--resolver", named)
        lines = _cli(capsys, "example.org", "--resolver", named, "--json")
    assert f"no answer from the resolver {named} within 0.5 s" in text, text
    assert "our resolver" not in text, text
    report = json.loads(lines)
    said = " ".join(f["summary"] for f in report["findings"])
    assert f"no answer from the resolver {named} within 0.5 s" in said, said
    assert "our resolver" not in said, said


def test_the_cli_names_the_resolver_that_hung_up() -> None:
    # Truncated over UDP, then the TCP connection closed without a reply (as s39j's test).
    def handler(query: dns.message.Message, transport: str) -> Reply | None:
        return Reply(answer(query, tc=True)) if transport == "udp" else None

    with fake_dns(handler) as server:
        host, port = server.address
        config = make_config(
            build_parser().parse_args(["x.example", "--resolver", f"{host}:{port}"])
        )
        result = asyncio.run(DnsClient(config).query("example.org", "TXT"))
    assert result.describe_failure() == (
        f"NETWORK for example.org TXT (the resolver {host}:{port} closed the connection "
        "without an answer)"
    )


def test_the_apps_engine_keeps_our_resolver_without_its_address() -> None:
    # The app's configuration (checks.tasks.engine_config) leaves resolvers_are_users False.
    from checks.tasks import engine_config

    with fake_dns(_silent) as server:
        host, port = server.address
        config = engine_config(resolvers=(server.address,), timeout=0.5)
        result = asyncio.run(DnsClient(config).query("example.org", "TXT"))
    assert result.detail == "no answer from our resolver within 0.5 s"
    assert host not in result.describe_failure()


APEX = "s40a.example"


def _ksk() -> object:
    return dns.dnssec.make_dnskey(ec.generate_private_key(ec.SECP256R1()).public_key(), 13, 257)


def _dnssec02(ds_texts: list[str], keys: list[object]) -> Finding:
    ds = DnsAnswer(
        APEX, "DS", "NOERROR", records=[dns.rdata.from_text("IN", "DS", t) for t in ds_texts]
    )
    out = Collector(Mechanism.DNSSEC)
    dnssec._dnssec02(out, APEX, ds, DnsAnswer(APEX, "DNSKEY", "NOERROR", records=keys))
    (found,) = out.findings
    return found


def test_dnssec_02_says_to_replace_a_ds_of_a_retired_key_not_only_to_add_one() -> None:
    key = _ksk()
    stale_tag = (dns.dnssec.key_id(key) + 1) % 65536
    stale = f"{stale_tag} 13 2 {'cd' * 32}"
    found = _dnssec02([stale], [key])
    assert found.status == Status.FAIL
    digest = dns.dnssec.make_ds(APEX + ".", key, "SHA256").to_text()
    new = f"{APEX}. IN DS {digest}"
    lines = found.fix.split("\n")
    assert new in lines, found.fix
    # The stale DS is named as the record to take out, before the new one goes in.
    assert f"{APEX}. IN DS {stale}" in lines, found.fix
    assert lines.index(f"{APEX}. IN DS {stale}") < lines.index(new), found.fix
    assert found.fix.startswith("Replace at your registrar"), found.fix
    assert str(stale_tag) in found.fix.split("\n")[0], found.fix


def _dsgone_fix(expired: bool, ede: list[tuple[int, str]]) -> str:
    """DNSSEC-01's fix for a zone whose parent DS names a key tag it does not publish, its
    DNSKEY set signed by its own key with signatures expired (or current)."""
    private = ec.generate_private_key(ec.SECP256R1())
    key = dns.dnssec.make_dnskey(private.public_key(), 13, 257)
    name = dns.name.from_text(APEX)
    keys = dns.rrset.from_rdata_list(name, 3600, [key])
    now = time.time()
    start, end = (now - 30 * 86400, now - 86400) if expired else (now - 86400, now + 30 * 86400)
    sig = dns.dnssec.sign(keys, private, name, key, inception=start, expiration=end)
    message = dns.message.make_response(dns.message.make_query(APEX, "DNSKEY", want_dnssec=True))
    message.answer.append(keys)
    message.answer.append(dns.rrset.from_rdata_list(name, 3600, [sig]))
    dnskey = DnsAnswer(APEX, "DNSKEY", "NOERROR", records=[key], message=message)
    tag = (dns.dnssec.key_id(key) + 1) % 65536
    ds = DnsAnswer(
        APEX, "DS", "NOERROR", records=[dns.rdata.from_text("IN", "DS", f"{tag} 13 2 {'cd' * 32}")]
    )
    out = Collector(Mechanism.DNSSEC)
    soa = DnsAnswer(APEX, "SOA", "SERVFAIL", ede=ede)
    dnssec._dnssec01(out, dnssec.Validation(APEX, "bogus", soa), ds, dnskey, signed=[dnskey])
    (found,) = out.findings
    assert found.status == Status.FAIL
    return found.fix


def test_dsgone_with_expired_signatures_and_no_code_says_to_re_sign_as_well() -> None:
    for ede in ([], [(6, "")]):
        fix = _dsgone_fix(expired=True, ede=ede)
        assert fix.startswith("Replace the DS record at the registrar"), fix
        assert "does not help" not in fix, fix
        assert "re-sign" in fix.lower() and "expired" in fix, fix


def test_dsgone_with_current_signatures_still_says_re_signing_does_not_help() -> None:
    fix = _dsgone_fix(expired=False, ede=[])
    assert fix.startswith("Replace the DS record at the registrar"), fix
    assert fix.endswith("Re-signing the zone does not help."), fix


def _spf06_note(record: str, zone: dict[object, object]) -> str:
    from tests.test_spf import spf_run

    notes = [f for f in spf_run(record, zone=zone) if f.id == "SPF-06" and f.status == Status.INFO]
    assert len(notes) == 1, notes
    return notes[0].summary


def test_spf_06_names_a_bare_a_as_written() -> None:
    from tests.test_spf import D

    names = [f"out{i}.{D}" for i in (1, 2)]
    zone = {(n, "A"): [f"192.0.2.{i}"] for i, n in enumerate([D, *names], 1)}
    mixed = _spf06_note(f"v=spf1 a {' '.join(f'a:{n}' for n in names)} -all", zone)
    assert "with ip4: instead of a: and 'a'" in mixed, mixed
    three = {**zone, (f"out3.{D}", "A"): ["192.0.2.9"]}
    named = _spf06_note(f"v=spf1 {' '.join(f'a:{n}' for n in [*names, f'out3.{D}'])} -all", three)
    assert "with ip4: instead of a:," in named, named


def test_spf_05_over_the_limit_names_the_costliest_include() -> None:
    from tests.test_spf import D, spf_run

    big = [f"{i}.big.example.net" for i in range(1, 6)]
    mid = [f"{i}.mid.example.net" for i in range(1, 3)]
    zone = {
        ("big.example.net", "TXT"): ["v=spf1 " + " ".join(f"a:{n}" for n in big) + " -all"],
        ("mid.example.net", "TXT"): ["v=spf1 " + " ".join(f"a:{n}" for n in mid) + " -all"],
        **{(n, "A"): ["192.0.2.7"] for n in [*big, *mid, D]},
    }
    record = "v=spf1 include:mid.example.net include:big.example.net a mx -all"
    (found,) = [f for f in spf_run(record, zone=zone) if f.id == "SPF-05"]
    assert found.status == Status.FAIL
    assert found.evidence["lookups"] == 11, found.evidence
    assert "The costliest include is include:big.example.net, with 6 of the 11 lookups" in (
        found.summary
    ), found.summary
    assert "mid.example.net" not in found.summary, found.summary


def test_spf_05_names_every_include_that_ties_for_costliest() -> None:
    from tests.test_spf import spf_run

    zone: dict[object, object] = {
        ("_1.example.com", "TXT"): [
            "v=spf1 include:_4.example.com include:_5.example.com include:_6.example.com -all"
        ],
        ("_2.example.com", "TXT"): ["v=spf1 include:_7.example.com include:_8.example.com -all"],
        ("_3.example.com", "TXT"): [
            "v=spf1 include:_9.example.com include:_10.example.com include:_11.example.com -all"
        ],
        **{(f"_{i}.example.com", "TXT"): ["v=spf1 ip4:192.0.2.37 -all"] for i in range(4, 12)},
    }
    record = "v=spf1 include:_1.example.com include:_2.example.com include:_3.example.com -all"
    (found,) = [f for f in spf_run(record, zone=zone) if f.id == "SPF-05"]
    assert (
        "The costliest includes are include:_1.example.com and include:_3.example.com, with 4 "
        "of the 11 lookups each"
    ) in found.summary, found.summary


def _dmarc_fixes(record: str) -> list[str]:
    from tests.test_dmarc_s12_fixes_keep import D, engine

    return [f.fix for f in engine(record, D) if f.fix and f.id != "DMARC-02"]


def test_a_proposed_dmarc_record_lists_a_mailbox_once_whatever_its_domains_case() -> None:
    fixes = _dmarc_fixes("v=DMARC1; p=none; rua=mailto:d@Example.COM,MAILTO:d@example.com!10m")
    assert fixes, "a p=none record gets a proposed record"
    for fix in fixes:
        assert "rua=mailto:d@Example.COM;" in fix or fix.endswith('rua=mailto:d@Example.COM"'), fix
        assert "d@example.com" not in fix, fix


def test_a_proposed_dmarc_record_keeps_local_parts_that_differ_in_case() -> None:
    fixes = _dmarc_fixes("v=DMARC1; p=none; rua=mailto:D@example.com,mailto:d@example.com")
    assert fixes
    for fix in fixes:
        assert "rua=mailto:D@example.com,mailto:d@example.com" in fix, fix


def test_dnssec_09_cites_the_section_that_picks_an_aliass_tlsa_base() -> None:
    from types import SimpleNamespace

    address = DnsAnswer(
        "mx.s40a.example",
        "A",
        "NOERROR",
        records=[dns.rdata.from_text("IN", "A", "192.0.2.25")],
        cnames=["host.unsigned.example"],
    )
    host = SimpleNamespace(
        name="mx.s40a.example",
        bogus_answers=[],
        answers=[address],
        cname_target="host.unsigned.example",
        lookup_failed=False,
        addresses=["192.0.2.25"],
    )
    tlsa = SimpleNamespace(applies=True, qname="_25._tcp.mx.s40a.example")
    out = Collector(Mechanism.DNSSEC)
    dnssec._dnssec09(out, host, tlsa)
    (found,) = out.findings
    assert found.status == Status.INFO
    assert "(RFC 7672 §2.2.2)" in found.summary, found.summary
