"""The lab knobs round s19n added: a DS that leads nowhere (`dnssec = "ds-wrong"` with
`ds_keys = "zsk"` or `ds_algorithm`), signatures not valid yet (`future-signatures`), and one
RRset whose signature expired in an otherwise current zone (`presigned` + `expired_names`).

The loader tests run anywhere; the others read what knot serves and what the validating
resolver concludes in the running lab.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dns.dnssec
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import pytest

from tests.lab import dnslab
from tests.lab.control import Lab
from tests.lab.scenarios import ScenarioError, load_file

BASE = """domain = "s19n-loader.lab.test"
title = "loader"
dnssec = "{dnssec}"
records = ["@ 300 MX 10 mx1", "mx1 300 A 127.0.95.250"]
{extra}
[[smtp]]
host = "mx1.s19n-loader.lab.test"
ip = "127.0.95.250"

[expect]
fail = []
warn = []
mtasts = "none"
"""


def _load(tmp_path: Path, dnssec: str, extra: str = "") -> object:
    path = tmp_path / "s19n_loader.toml"
    path.write_text(BASE.format(dnssec=dnssec, extra=extra))
    return load_file(path)


def test_it_reads_the_s19n_knobs(tmp_path: Path) -> None:
    zsk = _load(tmp_path, "ds-wrong", '[signing]\nsplit_keys = true\nds_keys = "zsk"\n')
    assert zsk.signing.ds_keys == "zsk"  # type: ignore[attr-defined]
    alg = _load(tmp_path, "ds-wrong", "[signing]\nds_algorithm = 8\n")
    assert alg.signing.ds_algorithm == 8 and not alg.signing.knot_policy  # type: ignore[attr-defined]
    stale = _load(tmp_path, "presigned", '[signing]\nexpired_names = ["_25._tcp.mx1"]\n')
    assert stale.signing.expired_names == ("_25._tcp.mx1",)  # type: ignore[attr-defined]
    assert _load(tmp_path, "future-signatures").dnssec == "future-signatures"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("dnssec", "extra"),
    [
        ("ds-wrong", ""),  # nothing said about what is wrong
        ("signed", "[signing]\nds_algorithm = 8\n"),  # test_lab expects a signed zone secure
        ("ds-wrong", '[signing]\nds_keys = "zsk"\n'),  # a CSK is no ZSK
        ("ds-wrong", "[signing]\nds_algorithm = 256\n"),
        ("presigned", ""),
        ("signed", '[signing]\nexpired_names = ["mx1"]\n'),  # knot re-signs: not expressible
        ("presigned", '[signing]\nexpired_names = ["mx1"]\nnsec3_iterations = 1\n'),
    ],
)
def test_it_rejects_knobs_the_lab_cannot_serve(tmp_path: Path, dnssec: str, extra: str) -> None:
    with pytest.raises(ScenarioError, match="s19n_loader.toml"):
        _load(tmp_path, dnssec, extra)


def test_a_relabelled_ds_keeps_tag_and_digest() -> None:
    assert dnslab.relabel_ds("12345 13 2 ABCDEF", 8) == "12345 8 2 ABCDEF"


# ------------------------------------------------------------------ against the lab
def _ask(server: str, name: str, rdtype: str, *, rd: bool) -> dns.message.Message:
    q = dns.message.make_query(name, rdtype, want_dnssec=True, use_edns=0, payload=1232)
    if not rd:
        q.flags = 0
    r, _ = dns.query.udp_with_fallback(q, server, port=53, timeout=5)
    return r


def _rrset(r: dns.message.Message, name: str, rdtype: str) -> dns.rrset.RRset | None:
    return r.get_rrset(
        r.answer,
        dns.name.from_text(name),
        dns.rdataclass.IN,
        dns.rdatatype.from_text(rdtype),
        covers=dns.rdatatype.NONE,
    )


def _sigs(r: dns.message.Message, name: str, covers: str) -> list[dns.rdata.Rdata]:
    found = r.get_rrset(
        r.answer,
        dns.name.from_text(name),
        dns.rdataclass.IN,
        dns.rdatatype.RRSIG,
        covers=dns.rdatatype.from_text(covers),
    )
    return list(found or [])


@pytest.mark.lab
def test_ds_wrong_publishes_the_declared_ds(lab: Lab) -> None:
    zsk_zone = "s19n-dszsk.lab.test."
    keys = _rrset(_ask(dnslab.KNOT_ADDR, zsk_zone, "DNSKEY", rd=False), zsk_zone, "DNSKEY")
    ds = _rrset(_ask(dnslab.KNOT_ADDR, zsk_zone, "DS", rd=False), zsk_zone, "DS")
    assert keys is not None and ds is not None
    tags = {dns.dnssec.key_id(k): k.flags for k in keys}
    assert {tags[d.key_tag] for d in ds} == {256}  # only the ZSK's DS
    alg_zone = "s19n-dsalg8.lab.test."
    ds8 = _rrset(_ask(dnslab.KNOT_ADDR, alg_zone, "DS", rd=False), alg_zone, "DS")
    assert ds8 is not None and {int(d.algorithm) for d in ds8} == {8}
    for zone in (zsk_zone, alg_zone):
        lab.flush(zone.rstrip("."))
        assert _ask(lab.resolver.split(":")[0], zone, "SOA", rd=True).rcode() == 2  # SERVFAIL


@pytest.mark.lab
def test_signatures_are_dated_as_declared(lab: Lab) -> None:
    now = dt.datetime.now(dt.UTC).timestamp()
    future = "s19n-sigfuture.lab.test."
    sigs = _sigs(_ask(dnslab.KNOT_ADDR, future, "SOA", rd=False), future, "SOA")
    assert sigs and all(s.inception > now + 20 * 3600 for s in sigs)
    stale = "s19n-tlsaexpsig.lab.test."
    tlsa = "_25._tcp.mx1." + stale
    old = _sigs(_ask(dnslab.KNOT_ADDR, tlsa, "TLSA", rd=False), tlsa, "TLSA")
    fresh = _sigs(_ask(dnslab.KNOT_ADDR, stale, "MX", rd=False), stale, "MX")
    assert old and all(s.expiration < now for s in old)
    assert fresh and all(s.inception < now < s.expiration for s in fresh)
    lab.flush(stale.rstrip("."))
    resolver = lab.resolver.split(":")[0]
    mx = _ask(resolver, stale, "MX", rd=True)
    assert mx.flags & dns.flags.AD
    assert _ask(resolver, tlsa, "TLSA", rd=True).rcode() == 2  # SERVFAIL: bogus
