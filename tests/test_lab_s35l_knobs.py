"""The lab knob blind round s35l added: `[secondary]`, a second authoritative server for a
presigned zone (checklist DNSSEC-10). It answers the apex SOA and DNSKEY from a copy of its own
(another SOA serial, or the DNSKEY set without a pre-published KSK), signed with the zone's key
so resolvers validate whichever server they ask, and relays every other query to knot; with
`soa_serial`, the zone's own serial as written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dns.dnssec
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rdatatype
import dns.rrset
import pytest

from tests.lab.scenarios import ScenarioError, load_file

ZONE = """
domain = "knob.lab.test"
dnssec = "{dnssec}"
{top}
records = []
{tables}
[expect]
mtasts = "none"
"""


def _load(tmp_path: Path, dnssec: str = "presigned", top: str = "", tables: str = "") -> Any:
    path = tmp_path / "knob.toml"
    path.write_text(ZONE.format(dnssec=dnssec, top=top, tables=tables))
    return load_file(path)


def test_secondary_is_read_and_checked(tmp_path: Path) -> None:
    plain = _load(tmp_path, "signed")
    assert plain.secondary is None and plain.soa_serial == 1
    s = _load(tmp_path, top="soa_serial = 7", tables='[secondary]\nip = "127.0.99.53"\n')
    assert (s.soa_serial, s.secondary.ip, s.secondary.serial, s.secondary.dnskeys) == (
        7,
        "127.0.99.53",
        None,
        "all",
    )
    bad = {
        "goes with dnssec = 'presigned'": ("signed", '[secondary]\nip = "127.0.99.53"\n'),
        "unknown keys in \\[secondary\\]": (
            "presigned",
            '[secondary]\nip = "127.0.99.53"\nx = 1\n',
        ),
        "dnskeys = 'signing' needs": (
            "presigned",
            '[secondary]\nip = "127.0.99.53"\ndnskeys = "signing"\n',
        ),
        "expected 'all' or 'signing'": (
            "presigned",
            '[secondary]\nip = "127.0.99.53"\ndnskeys = "some"\n',
        ),
        "lab's own DNS range": ("presigned", '[secondary]\nip = "127.0.53.9"\n'),
        "outside the lab plan": ("presigned", '[secondary]\nip = "192.0.2.53"\n'),
        "serial = -1": ("presigned", '[secondary]\nip = "127.0.99.53"\nserial = -1\n'),
    }
    for message, (dnssec, tables) in bad.items():
        with pytest.raises(ScenarioError, match=message):
            _load(tmp_path, dnssec, tables=tables)
    with pytest.raises(ScenarioError, match="soa_serial"):
        _load(tmp_path, "signed", top='soa_serial = "1"')
    # presigned still needs something to sign differently when there is no secondary
    with pytest.raises(ScenarioError, match="needs a \\[signing\\] table"):
        _load(tmp_path)


def _ask(name: dns.name.Name, rdtype: str, server: str) -> dns.message.Message:
    query = dns.message.make_query(name, rdtype, want_dnssec=True)
    query.flags &= ~dns.flags.RD
    return dns.query.udp(query, server, timeout=3)


def _rrset(reply: dns.message.Message, name: dns.name.Name, rdtype: str) -> dns.rrset.RRset:
    return reply.find_rrset(reply.answer, name, 1, dns.rdatatype.from_text(rdtype))


@pytest.mark.lab
@pytest.mark.parametrize(
    ("label", "secondary", "serials", "keys"),
    [
        ("staleserial", "127.0.214.53", (2026120301, 2026112801), (1, 1)),
        ("stalekeys", "127.0.214.54", (2026120302, 2026120302), (2, 1)),
        ("secondaryok", "127.0.214.55", (2026120303, 2026120303), (1, 1)),
    ],
)
def test_the_secondary_serves_its_copy_signed_with_the_zone_key(
    lab: Any, label: str, secondary: str, serials: tuple[int, int], keys: tuple[int, int]
) -> None:
    name = dns.name.from_text(f"s35l-{label}.lab.test.")
    primary_keys = _rrset(_ask(name, "DNSKEY", "127.0.53.1"), name, "DNSKEY")
    seen = []
    for server in ("127.0.53.1", secondary):
        soa = _ask(name, "SOA", server)
        dnskey = _ask(name, "DNSKEY", server)
        assert soa.flags & dns.flags.AA and dnskey.flags & dns.flags.AA
        for reply, rdtype in ((soa, "SOA"), (dnskey, "DNSKEY")):
            rrset = _rrset(reply, name, rdtype)
            rrsig = reply.find_rrset(
                reply.answer, name, 1, dns.rdatatype.RRSIG, dns.rdatatype.from_text(rdtype)
            )
            dns.dnssec.validate(rrset, rrsig, {name: primary_keys})
        seen.append((_rrset(soa, name, "SOA")[0].serial, len(_rrset(dnskey, name, "DNSKEY"))))
    assert tuple(s for s, _ in seen) == serials
    assert tuple(k for _, k in seen) == keys
    # Everything else is knot's answer, relayed; and the resolver validates the zone.
    mx = _ask(name, "MX", secondary)
    assert {r.exchange.labels[0] for r in _rrset(mx, name, "MX")} == {b"mx1", b"mx2"}
    resolved = lab.dns_resolver().resolve(name, "MX")
    assert resolved.response.flags & dns.flags.AD
