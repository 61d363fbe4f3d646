"""The lab's `[signing]` table and `starttls_reply`: what knot serves and the MX answers is what
the scenario file declares (NSEC3 parameters, key algorithms and split, DS digests in the parent,
signature lifetimes, a STARTTLS refused with 454).

The lab tests talk to knot and the MX hosts directly, never through the product's engine; the
loader tests need no lab.
"""

from __future__ import annotations

import smtplib
import time
from pathlib import Path

import dns.dnssec
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rdatatype
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from dns.dnssecalgs import get_algorithm_cls_from_dnskey

from tests.lab.control import Lab
from tests.lab.scenarios import (
    DS_DIGESTS,
    SIGNING_ALGORITHMS,
    Scenario,
    ScenarioError,
    SigningSpec,
    SmtpHost,
    load_file,
    load_scenarios,
)

SCENARIOS = load_scenarios()
# Every zone with a [signing] table, and f01 as the baseline's control.
SIGNED = [
    s
    for s in SCENARIOS
    if s.dnssec == "signed" and (s.signing != SigningSpec() or s.domain == "f01.lab.test")
]
REFUSING = [(s, h) for s in SCENARIOS for h in s.smtp if h.starttls_reply]
KNOT = "127.0.53.1"
TIME_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def knot(name: str, rdtype: str) -> dns.message.Message:
    q = dns.message.make_query(name, rdtype, want_dnssec=True, use_edns=0, payload=1232)
    q.flags = 0  # authoritative: no RD
    r, _ = dns.query.udp_with_fallback(q, KNOT, port=53, timeout=5)
    return r


def rrset(r: dns.message.Message, name: str, rdtype: str) -> list:  # type: ignore[type-arg]
    found = r.get_rrset(
        r.answer, dns.name.from_text(name), dns.rdataclass.IN, dns.rdatatype.from_text(rdtype)
    )
    return list(found or [])


def seconds(knot_time: str) -> int:
    unit = knot_time[-1]
    return int(knot_time[:-1]) * TIME_UNITS[unit] if unit in TIME_UNITS else int(knot_time)


# ------------------------------------------------------------------ loader (no lab)
BASE = """domain = "s11e-loader.lab.test"
dnssec = "{dnssec}"
records = ["@ 300 MX 10 mx1", "mx1 300 A 127.0.69.250"]
{extra}
[[smtp]]
host = "mx1.s11e-loader.lab.test"
ip = "127.0.69.250"
{smtp}
[expect]
fail = []
warn = []
mtasts = "none"
"""


def _load(tmp_path: Path, dnssec: str = "signed", extra: str = "", smtp: str = "") -> Scenario:
    path = tmp_path / "s11e_loader.toml"
    path.write_text(BASE.format(dnssec=dnssec, extra=extra, smtp=smtp))
    return load_file(path)


def test_it_reads_a_signing_table(tmp_path: Path) -> None:
    s = _load(
        tmp_path,
        extra='[signing]\nalgorithm = "rsasha256"\nsplit_keys = true\nnsec3_iterations = 5\n'
        'ds_digests = ["sha1", "sha384"]\nrrsig_lifetime = "2d"\n',
    )
    assert s.signing == SigningSpec(
        algorithm="rsasha256",
        split_keys=True,
        nsec3_iterations=5,
        ds_digests=("sha1", "sha384"),
        rrsig_lifetime="2d",
    )
    assert s.signing.knot_policy
    assert not _load(tmp_path).signing.knot_policy  # the baseline uses knot's `lab` policy


@pytest.mark.parametrize(
    ("dnssec", "extra", "smtp"),
    [
        ("signed", '[signing]\nalgorithm = "rsamd5"\n', ""),
        ("signed", '[signing]\nds_digests = ["gost"]\n', ""),
        ("signed", "[signing]\nds_digests = []\n", ""),
        ("signed", '[signing]\nnsec3_salt = "aabb"\n', ""),  # knot picks salts: length only
        ("signed", "[signing]\nnsec3 = false\nnsec3_iterations = 1\n", ""),
        ("signed", '[signing]\nrrsig_lifetime = "two days"\n', ""),
        ("unsigned", '[signing]\nds_digests = ["sha1"]\n', ""),  # no DS for an unsigned zone
        ("expired-signatures", "[signing]\nnsec3_iterations = 1\n", ""),  # not knot's zone
        ("signed", "", 'starttls_reply = "220 go ahead"'),
        ("signed", "", 'starttls = false\nstarttls_reply = "454 4.7.0 no"'),
    ],
)
def test_it_rejects_what_the_lab_cannot_serve(
    tmp_path: Path, dnssec: str, extra: str, smtp: str
) -> None:
    with pytest.raises(ScenarioError, match="s11e_loader.toml"):
        _load(tmp_path, dnssec, extra, smtp)


def test_offline_signed_zones_take_ds_digests(tmp_path: Path) -> None:
    s = _load(tmp_path, "tampered", '[signing]\nds_digests = ["sha384"]\n')
    assert s.signing.ds_digests == ("sha384",) and not s.signing.knot_policy


# ------------------------------------------------------------------ against the lab
@pytest.mark.lab
@pytest.mark.parametrize("s", SIGNED, ids=lambda s: s.name)
def test_zone_is_signed_as_declared(lab: Lab, s: Scenario) -> None:
    spec, origin = s.signing, s.domain + "."
    keys = rrset(knot(origin, "DNSKEY"), origin, "DNSKEY")
    assert {int(k.algorithm) for k in keys} == {SIGNING_ALGORITHMS[spec.algorithm]}
    flags = sorted(int(k.flags) for k in keys)
    assert flags == ([256, 257] if spec.split_keys else [257])
    for key in keys:
        size = spec.ksk_size if key.flags & 0x1 else spec.zsk_size
        if size and spec.algorithm.startswith("rsa"):
            pub = get_algorithm_cls_from_dnskey(key).public_cls.from_dnskey(key).key
            assert isinstance(pub, rsa.RSAPublicKey) and pub.key_size == size

    params = rrset(knot(origin, "NSEC3PARAM"), origin, "NSEC3PARAM")
    if spec.nsec3:
        assert [(p.iterations, len(p.salt)) for p in params] == [
            (spec.nsec3_iterations, spec.nsec3_salt_length)
        ]
    else:
        assert not params

    # the parent (lab.test) has a DS in each declared digest for the key with the SEP bit
    # (for every key with ds_keys = "all": a registrar sent every DNSKEY, s17d-dszsk)
    # a DS for a key the zone no longer has is hand-written in [other_zones] (s29d-dssha1stale256)
    tags = {dns.dnssec.key_id(k) for k in keys}
    ds = [d for d in rrset(knot(origin, "DS"), origin, "DS") if d.key_tag in tags]
    assert {int(d.digest_type) for d in ds} == {DS_DIGESTS[d] for d in spec.ds_digests}
    sep = [k for k in keys if k.flags & 0x1 or spec.ds_keys == "all"]
    for d in ds:
        assert any(
            dns.dnssec.make_ds(origin, k, d.digest_type, validating=True) == d for k in sep
        ), d

    sigs = [
        sig for rr in knot(origin, "SOA").answer if rr.rdtype == dns.rdatatype.RRSIG for sig in rr
    ]
    assert sigs
    lifetime = seconds(spec.rrsig_lifetime) if spec.rrsig_lifetime else 14 * 86400
    now = time.time()
    for sig in sigs:
        # knot: inception 90 minutes back, expiration `rrsig-lifetime` after signing
        assert sig.inception < now < sig.expiration
        assert lifetime - 3600 < sig.expiration - now <= lifetime + 60


@pytest.mark.lab
@pytest.mark.parametrize(("s", "h"), REFUSING, ids=[h.host for _, h in REFUSING])
def test_starttls_is_offered_and_refused_as_declared(lab: Lab, s: Scenario, h: SmtpHost) -> None:
    smtp = smtplib.SMTP(timeout=10)
    try:
        smtp.connect(h.ip, h.port)
        smtp.ehlo("probe.lab.test")
        assert smtp.has_extn("starttls")
        for _ in range(3):  # every time, not only the first
            code, text = smtp.docmd("STARTTLS")
            assert f"{code} {text.decode()}" == h.starttls_reply
        assert smtp.noop()[0] == 250  # the session goes on in cleartext
    finally:
        smtp.close()
    refused = [e for e in lab.events("starttls-refused") if e["host"] == h.host]
    assert len(refused) >= 3
