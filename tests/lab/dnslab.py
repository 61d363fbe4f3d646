"""DNS half of the lab: zone files, Knot and Unbound configs, offline-signed broken zones, DS bootstrap."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dns.dnssec
import dns.message
import dns.name
import dns.query
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.tsig
import dns.tsigkeyring
import dns.update
import dns.zone
from cryptography.hazmat.primitives.asymmetric import ec

from tests.lab.pki import LabPKI
from tests.lab.scenarios import Scenario, SecondaryNs, SigningSpec

KNOT_ADDR = "127.0.53.1"
UNBOUND_ADDR = "127.0.53.2"
DELAY_ADDR = "127.0.53.3"
SLOW_UNBOUND_ADDR = "127.0.53.4"
RPT_ADDR = "127.0.62.1"
SINK_ADDR = "127.0.62.2"
TSIG_NAME = "labupdate"

PLACEHOLDER = re.compile(r"\{tlsa_([0-3])_([01])_([0-2]):([^}]+)\}")
KNOT_SIGNED = {"signed", "ds-mismatch", "ds-wrong"}
PRESIGNED = {"expired-signatures", "tampered", "future-signatures", "presigned"}


@dataclass
class Zone:
    name: str  # without trailing dot
    mode: str = "signed"  # Scenario.dnssec values
    records: list[str] = field(default_factory=list)
    presigned_ds: list[str] = field(default_factory=list)  # DS rdata text for offline-signed zones
    signing: SigningSpec = field(default_factory=SigningSpec)
    serial: int = 1  # the SOA serial as written (s35l)
    secondary: SecondaryNs | None = None  # a second authoritative server (s35l)
    secondary_text: str = ""  # its apex SOA and DNSKEY RRsets with their RRSIGs, zone-file text

    @property
    def origin(self) -> str:
        return self.name + "."


def fill_placeholders(text: str, pki: LabPKI) -> str:
    return PLACEHOLDER.sub(lambda m: pki.tlsa_data(int(m[2]), int(m[3]), m[4]), text)


def plan_zones(scenarios: Iterable[Scenario], pki: LabPKI) -> dict[str, Zone]:
    zones: dict[str, Zone] = {
        "test": Zone("test", records=[f"ns1 300 A {KNOT_ADDR}"]),
        # lab.test carries only infrastructure: no _dmarc, _mta-sts, SPF or BIMI (checklist §11.0)
        "lab.test": Zone(
            "lab.test",
            records=[
                f"rpt 300 A {RPT_ADDR}",
                f"smtp 300 A {SINK_ADDR}",
                "@ 300 MX 10 smtp.lab.test.",
            ],
        ),
    }
    for s in scenarios:
        zones[s.domain] = Zone(
            s.domain,
            s.dnssec,
            [fill_placeholders(r, pki) for r in s.records],
            signing=s.signing,
            serial=s.soa_serial,
            secondary=s.secondary,
        )
    for s in scenarios:
        for zname, recs in s.other_zones.items():
            if zname in (sc.domain for sc in scenarios):
                raise ValueError(f"{s.path}: other_zones may not write into scenario zone {zname}")
            zones.setdefault(zname, Zone(zname)).records += [
                fill_placeholders(r, pki) for r in recs
            ]
    for z in zones.values():
        if z.name != "test":
            zones[parent_of(z.name, zones)].records.append(f"{z.origin} 300 NS ns1.test.")
    return zones


def parent_of(name: str, zones: dict[str, Zone]) -> str:
    labels = name.split(".")
    for i in range(1, len(labels)):
        candidate = ".".join(labels[i:])
        if candidate in zones:
            return candidate
    raise ValueError(f"no parent zone for {name} (must sit under test.)")


def zone_text(z: Zone) -> str:
    head = [
        f"$ORIGIN {z.origin}",
        "$TTL 300",
        f"@ 300 SOA ns1.test. hostmaster.{z.origin} {z.serial} 3600 600 86400 60",
        "@ 300 NS ns1.test.",
    ]
    return "\n".join(head + z.records) + "\n"


def _presign(z: Zone, now: dt.datetime) -> str:
    """Sign offline with dnspython so knot serves the broken signatures verbatim."""
    zone = dns.zone.from_text(zone_text(z), origin=z.origin, relativize=False, check_origin=True)
    key = ec.generate_private_key(ec.SECP256R1())
    dnskey = dns.dnssec.make_dnskey(
        key.public_key(), dns.dnssec.Algorithm.ECDSAP256SHA256, flags=257
    )
    expired = (now - dt.timedelta(days=2), now - dt.timedelta(hours=1))
    if z.mode == "expired-signatures":
        inception, expiration = expired
    elif z.mode == "future-signatures":
        # a signer whose clock runs a day ahead: not yet valid (RFC 4035 §5.3.1)
        inception, expiration = now + dt.timedelta(days=1), now + dt.timedelta(days=30)
    else:
        inception, expiration = now - dt.timedelta(hours=1), now + dt.timedelta(days=30)
    # "presigned": the RRsets at these owner names keep signatures that already expired
    stale = {
        dns.name.from_text(n, origin=dns.name.from_text(z.origin)) if n != "@" else zone.origin
        for n in z.signing.expired_names
    }

    def signer(txn: Any, rrset: dns.rrset.RRset) -> None:
        start, end = expired if rrset.name in stale else (inception, expiration)
        dns.dnssec.default_rrset_signer(
            txn,
            rrset,
            signer=zone.origin,
            ksks=[(key, dnskey)],
            zsks=[(key, dnskey)],
            inception=start,
            expiration=end,
            origin=zone.origin,
        )

    # A KSK published ahead of a rollover: in the DNSKEY set, signing nothing (s30k).
    next_dnskey = dns.dnssec.make_dnskey(
        ec.generate_private_key(ec.SECP256R1()).public_key(),
        dns.dnssec.Algorithm.ECDSAP256SHA256,
        flags=257,
    )
    with zone.writer() as txn:
        if z.signing.prepublished_ksk:
            txn.add(zone.origin, 300, next_dnskey)
        dns.dnssec.sign_zone(
            zone,
            txn,
            keys=[(key, dnskey)],
            dnskey_ttl=300,
            inception=inception,
            expiration=expiration,
            rrset_signer=signer,
        )
    if z.mode == "tampered":
        # change the apex MX data after signing: its RRSIG no longer verifies (EDE 6)
        apex = zone.find_node(z.origin)
        rds = apex.find_rdataset(dns.rdataclass.IN, dns.rdatatype.MX)
        new = [dns.rdata.from_text("IN", "MX", f"{r.preference} evil.{z.origin}") for r in rds]
        rds.clear()
        for r in new:
            rds.add(r)
    if z.secondary is not None:
        z.secondary_text = _secondary_copy(z, zone, key, dnskey, (inception, expiration))
    z.presigned_ds = ds_records(z.origin, [dnskey], z.signing.ds_digests)
    if z.signing.prepublished_ksk:
        z.presigned_ds += ds_records(z.origin, [next_dnskey], z.signing.prepublished_ds_digests)
    return zone.to_text(relativize=False)


def _secondary_copy(
    z: Zone,
    zone: dns.zone.Zone,
    key: ec.EllipticCurvePrivateKey,
    dnskey: Any,
    window: tuple[dt.datetime, dt.datetime],
) -> str:
    """What a secondary that missed a transfer holds at the apex (s35l): the SOA with its own
    serial and the DNSKEY set it last got, each signed with the zone's key, so that a
    validating resolver accepts its answers as it accepts the primary's."""
    assert z.secondary is not None
    apex = zone.find_node(z.origin)
    soa = apex.find_rdataset(dns.rdataclass.IN, dns.rdatatype.SOA)
    keys = apex.find_rdataset(dns.rdataclass.IN, dns.rdatatype.DNSKEY)
    serial = z.serial if z.secondary.serial is None else z.secondary.serial
    stale_soa = dns.rrset.from_rdata_list(zone.origin, soa.ttl, [soa[0].replace(serial=serial)])
    kept = [k for k in keys if z.secondary.dnskeys == "all" or k == dnskey]
    stale_keys = dns.rrset.from_rdata_list(zone.origin, keys.ttl, kept)
    lines = []
    for rrset in (stale_soa, stale_keys):
        rrsig = dns.dnssec.sign(
            rrset,
            key,
            zone.origin,
            dnskey,
            inception=window[0],
            expiration=window[1],
            origin=zone.origin,
        )
        lines.append(rrset.to_text())
        lines.append(dns.rrset.from_rdata(zone.origin, rrset.ttl, rrsig).to_text())
    return "\n".join(lines) + "\n"


def write_zones(zones: dict[str, Zone], zdir: Path, now: dt.datetime) -> None:
    """Zone files in `zdir`; a secondary's apex copy (s35l) in `zdir`/../secondary."""
    zdir.mkdir(parents=True, exist_ok=True)
    for z in zones.values():
        text = _presign(z, now) if z.mode in PRESIGNED else zone_text(z)
        (zdir / f"{z.name}.zone").write_text(text)
        if z.secondary_text:
            sdir = zdir.parent / "secondary"
            sdir.mkdir(exist_ok=True)
            (sdir / f"{z.name}.zone").write_text(z.secondary_text)


def policy_conf(policy_id: str, spec: SigningSpec) -> str:
    """One knot `policy:` entry; the lab's baseline is `SigningSpec()` (policy `lab`)."""
    lines = [
        f"  - id: {policy_id}",
        f"    algorithm: {spec.algorithm}",
        f"    single-type-signing: {'off' if spec.split_keys else 'on'}",
        "    ksk-lifetime: 0",
        "    zsk-lifetime: 0",
        f"    nsec3: {'on' if spec.nsec3 else 'off'}",
    ]
    if spec.nsec3:
        lines += [
            f"    nsec3-iterations: {spec.nsec3_iterations}",
            f"    nsec3-salt-length: {spec.nsec3_salt_length}",
            f"    nsec3-opt-out: {'on' if spec.nsec3_opt_out else 'off'}",
        ]
    for key, value in (
        ("ksk-size", spec.ksk_size),
        ("zsk-size", spec.zsk_size),
        ("rrsig-lifetime", spec.rrsig_lifetime),
        ("rrsig-refresh", spec.rrsig_refresh),
    ):
        if value is not None:
            lines.append(f"    {key}: {value}")
    lines += ["    dnskey-ttl: 300", "    zone-max-ttl: 300", "    propagation-delay: 0"]
    return "\n".join(lines) + "\n"


def knot_conf(run: Path, zones: dict[str, Zone], secret: str) -> str:
    k = run / "knot"
    zone_lines = []
    # One policy per distinct [signing] table; zones without one share `lab`.
    policies: dict[SigningSpec, str] = {}
    for z in zones.values():
        tpl = (
            "signed"
            if z.mode in KNOT_SIGNED
            else ("presigned" if z.mode in PRESIGNED else "default")
        )
        line = f"  - domain: {z.origin}\n    template: {tpl}"
        if tpl == "signed" and z.signing.knot_policy:
            policy = policies.setdefault(z.signing.knot_part, f"lab{len(policies) + 1}")
            line += f"\n    dnssec-policy: {policy}"
        zone_lines.append(line)
    common = f"""    storage: "{k}/zones"
    file: "%s.zone"
    zonefile-sync: -1
    zonefile-load: difference-no-serial
    journal-content: all
    serial-policy: unixtime
    acl: lab_update"""
    return (
        f"""server:
    rundir: "{k}/run"
    pidfile: "{k}/run/knot.pid"
    listen: [ {KNOT_ADDR}@53 ]
    udp-workers: 2
    tcp-workers: 2
    background-workers: 4
log:
  - target: "{k}/knot.log"
    any: notice
database:
    storage: "{k}/db"
key:
  - id: {TSIG_NAME}
    algorithm: hmac-sha256
    secret: {secret}
acl:
  - id: lab_update
    address: 127.0.0.0/8
    key: {TSIG_NAME}
    action: update
policy:
{policy_conf("lab", SigningSpec())}{"".join(policy_conf(p, spec) for spec, p in policies.items())}template:
  - id: default
{common}
    semantic-checks: on
  - id: presigned
{common}
    semantic-checks: off
  - id: signed
{common}
    semantic-checks: on
    dnssec-signing: on
    dnssec-policy: lab
zone:
"""
        + "\n".join(zone_lines)
        + "\n"
    )


def unbound_conf(udir: Path, interface: str, upstream: str, forward: bool) -> str:
    # The slow resolver forwards (not stubs) so that delegations to ns1.test also go through the
    # delay proxy instead of straight to knot's address.
    upstream_block = (
        f'forward-zone:\n    name: "test."\n    forward-addr: {upstream}@53\n'
        if forward
        else f'stub-zone:\n    name: "test."\n    stub-addr: {upstream}@53\n'
    )
    return f"""server:
    interface: {interface}
    port: 53
    do-ip6: no
    do-daemonize: yes
    username: ""
    chroot: ""
    directory: "{udir}"
    pidfile: "{udir}/unbound.pid"
    logfile: "{udir}/unbound.log"
    use-syslog: no
    verbosity: 1
    log-servfail: yes
    ede: yes
    val-log-level: 2
    num-threads: 1
    access-control: 127.0.0.0/8 allow
    do-not-query-localhost: no
    local-zone: "test." transparent
    local-zone: "." refuse
    trust-anchor-file: "{udir}/test.ds"
    cache-max-ttl: 5
    cache-max-negative-ttl: 1
    val-bogus-ttl: 1
    infra-host-ttl: 5
    # exact signature windows: the default skew (up to a day) would hide F48's expiry at T0 - 1 h
    val-sig-skew-min: 0
    val-sig-skew-max: 0
{upstream_block}remote-control:
    control-enable: yes
    control-interface: "{udir}/control.sock"
"""


def keyring(secret: str) -> dict[dns.name.Name, dns.tsig.Key]:
    return dns.tsigkeyring.from_text({TSIG_NAME: ("hmac-sha256", secret)})


def query_knot(name: str, rdtype: str, timeout: float = 1.0) -> dns.message.Message:
    q = dns.message.make_query(name, rdtype, want_dnssec=True)
    q.flags = 0  # authoritative server: no RD
    # ignore_errors: a datagram that is not the answer to this query (a late answer to an
    # earlier poll whose socket's port the kernel handed out again) is skipped, not raised:
    # a loaded CI machine's lab start failed once on dnspython's BadResponse.
    return dns.query.udp(q, KNOT_ADDR, port=53, timeout=timeout, ignore_errors=True)


def wait_dnskeys(names: Iterable[str], deadline: float) -> dict[str, dns.rrset.RRset]:
    """Poll knot until every signed zone answers its DNSKEY (knot signs in background workers)."""
    pending = set(names)
    found: dict[str, dns.rrset.RRset] = {}
    while pending:
        for n in sorted(pending):
            try:
                r = query_knot(n + ".", "DNSKEY", timeout=0.5)
            except (dns.exception.Timeout, OSError):
                continue
            rr = r.get_rrset(
                r.answer, dns.name.from_text(n + "."), dns.rdataclass.IN, dns.rdatatype.DNSKEY
            )
            if rr:
                found[n] = rr
                pending.discard(n)
        if pending:
            if time.monotonic() > deadline:
                raise TimeoutError(f"knot did not sign in time: {sorted(pending)[:5]}")
            time.sleep(0.02)
    return found


def ds_records(
    origin: str,
    dnskeys: Iterable[Any],
    digests: Iterable[str] = ("sha256",),
    keys: str = "sep",
) -> list[str]:
    """A DS in each digest for each key with the SEP bit (knot's CSK or KSK carries flags 257),
    or with keys="all" for every zone key (a ZSK's DS: the registrar was sent every DNSKEY), or
    with keys="zsk" for the keys without it only (the registrar was sent the wrong key)."""
    # validating=True: dnspython's policy refuses to *create* a SHA-1 DS (RFC 8624 §3.3), which
    # is exactly the registrar's mistake a scenario with ds_digests = ["sha1"] reproduces.
    return [
        dns.dnssec.make_ds(origin, k, d.upper(), validating=True).to_text()
        for k in dnskeys
        if (not k.flags & 0x1 if keys == "zsk" else k.flags & 0x1 or keys == "all")
        for d in digests
    ]


def relabel_ds(text: str, algorithm: int) -> str:
    """The same DS with another algorithm field (key tag and digest still the key's)."""
    tag, _alg, dtype, digest = text.split()
    return f"{tag} {algorithm} {dtype} {digest}"


def corrupt_ds(text: str) -> str:
    tag, alg, dtype, digest = text.split()
    flipped = digest[:-8] + ("00000000" if not digest.endswith("00000000") else "11111111")
    return f"{tag} {alg} {dtype} {flipped}"


# DS records per UPDATE message (a DS of a lab zone is some 60 octets on the wire).
DS_PER_UPDATE = 400


def publish_ds(parent: str, secret: str, adds: list[tuple[str, int, str, str]]) -> None:
    """The children's DS records into `parent`, in batches: one UPDATE is one DNS message, at
    most 65535 octets over TCP, and the DS records of the ~1,000 signed zones under lab.test
    no longer fit in one (dnspython raised TooBig and no lab started, after s38a's zones)."""
    for start in range(0, len(adds), DS_PER_UPDATE):
        send_update(parent, secret, add=adds[start : start + DS_PER_UPDATE])


def send_update(
    zone: str,
    secret: str,
    add: list[tuple[str, int, str, str]] = (),  # type: ignore[assignment]
    replace: list[tuple[str, int, str, str]] = (),  # type: ignore[assignment]
    delete: list[tuple[str, ...]] = (),
) -> None:  # type: ignore[assignment]
    u = dns.update.UpdateMessage(
        zone + ".", keyring=keyring(secret), keyname=TSIG_NAME, keyalgorithm=dns.tsig.HMAC_SHA256
    )
    for name, ttl, rdtype, data in replace:
        u.replace(name, ttl, rdtype, data)
    for d in delete:
        u.delete(*d)
    for name, ttl, rdtype, data in add:
        u.add(name, ttl, rdtype, data)
    r = dns.query.tcp(u, KNOT_ADDR, port=53, timeout=5)
    if r.rcode() != 0:
        raise RuntimeError(f"UPDATE {zone} refused: {dns.rcode.to_text(r.rcode())}")
