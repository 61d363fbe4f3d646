"""Declarative lab scenarios: one TOML file per fixture domain (see README.md for the format).

The engine's tests import `load_scenarios()` to learn which findings each fixture must produce;
the lab itself reads the same files to build zones, certificates and servers.
"""

from __future__ import annotations

import gzip
import ipaddress
import math
import os
import re
import ssl
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

BUILTIN_DIR = Path(__file__).resolve().parent / "scenarios"
ENV_DIRS = "MAILSEC_LAB_SCENARIOS"

DNSSEC_MODES = {
    "signed",
    "unsigned",
    "expired-signatures",
    "ds-mismatch",
    "tampered",
    # s19n: knot signs, the parent's DS is what [signing] declares (`ds_keys = "zsk"`,
    # `ds_algorithm`): a DS that leads nowhere a validator can follow
    "ds-wrong",
    # s19n: signed offline, every signature's inception a day after T0 (a signer's clock ahead)
    "future-signatures",
    # s19n: signed offline with a healthy window, except the RRsets at `[signing] expired_names`
    "presigned",
}
CERT_KINDS = {"valid", "expired", "not-yet-valid", "self-signed", "rogue", "expiring"}
# What a server sends after its leaf. full: Lab Issuing CA 1; leaf: nothing. The
# *-intermediate values issue the leaf from a CA of its own whose certificate is outside its
# validity (expired: notAfter T0 - 2 days; not-yet-valid: notBefore T0 + 2 days), sent instead
# of Lab Issuing CA 1; expired-and-valid-intermediate sends the expired certificate followed by
# a current one with the same subject and key (a renewed or cross-signed CA), so a path of
# current certificates still exists.
CHAINS = {
    "full",
    "leaf",
    "expired-intermediate",
    "not-yet-valid-intermediate",
    "expired-and-valid-intermediate",
    # s18s: the chain sent out of order with the root (leaf, Lab Root R1, Lab Issuing CA 1), or
    # with an unrelated certificate after the intermediate (leaf, CA 1, Rogue Root X).
    "root-first",
    "extra-unrelated",
    # s21s: the whole chain in order with the root at the end (leaf, Lab Issuing CA 1, Lab Root
    # R1), and leaf, CA 1, then Lab Root R1 cross-signed by an expired, untrusted "Lab Legacy
    # Root" (Let's Encrypt's ISRG Root X1 cross-signed by DST Root CA X3 after September 2021).
    "with-root",
    "cross-expired-root",
    # s47c: the leaf from Lab Issuing CA 5, current, whose critical nameConstraints permit only
    # corp.test (RFC 5280 §4.2.1.10), sent after the leaf: a path broken by a name constraint.
    "name-constrained-intermediate",
}
# s18s: the leaf's key (ECDSA P-256 by default) and the hash its issuer signs it with.
CERT_KEYS = {"ecdsa-p256", "ecdsa-p384", "rsa-1024", "rsa-2048"}
CERT_SIGNATURES = {"sha256", "sha1"}
TLS_VERSIONS = ("1.0", "1.1", "1.2", "1.3")
SMTP_KEYS = {
    "host", "ip", "port", "starttls", "tls", "cert", "sans", "cn", "chain", "banner_delay",
    "max_connections", "window", "reoffer_starttls", "starttls_reply", "greeting", "ehlo_reply",
    "require_sni", "ciphers", "close_after_starttls", "tls_alert", "own_cert",
    "key", "signature", "validity", "ehlo_delay", "starttls_keyword", "nosni_sans",
    "tls_ehlo_keywords", "starttls_masked", "starttls_pipelined", "starttls_stall",
    "serial", "client_cert", "starttls_second_ehlo", "after_starttls_220", "bare_lf",
}  # fmt: skip
TLS_ALERTS = {a.name for a in ssl.AlertDescription}
MTASTS_VALUES = {"valid", "invalid", "none"}
# generated = "vmc" variants; cmc: mark type "Prior Use Mark" (a CMC), other-logo: embeds the
# vhost's logo with one byte more than it serves (re-saved after issuance).
MARK_KINDS = {"valid", "expired", "no-eku", "other-san", "cmc", "other-logo"}
# How an [[https.files]] body is delimited: Content-Length (aiohttp's default), chunked
# transfer coding, or an HTTP/1.0 answer without Content-Length that ends at the close.
FRAMINGS = {"length", "chunked", "http10-close"}
# knot's policy `algorithm` values (knot.conf(5)); the DNSSEC algorithm numbers are RFC 8624's.
SIGNING_ALGORITHMS = {
    "rsasha1": 5,
    "rsasha1-nsec3-sha1": 7,
    "rsasha256": 8,
    "rsasha512": 10,
    "ecdsap256sha256": 13,
    "ecdsap384sha384": 14,
    "ed25519": 15,
    "ed448": 16,
}
DS_DIGESTS = {"sha1": 1, "sha256": 2, "sha384": 4}  # what dnspython can compute for a DS
KNOT_TIME = re.compile(r"[1-9][0-9]*[smhdw]?")  # knot.conf TIME: 90m, 2d, 3600
# The zones the lab itself serves; scenarios may add records to them only through other_zones.
LAB_OWNED_ZONES = {"test", "lab.test"}


class ScenarioError(ValueError):
    """A scenario file is malformed; the message names the file."""


@dataclass(frozen=True)
class CertSpec:
    kind: str = "valid"
    sans: tuple[str, ...] = ()
    cn: str | None = None
    chain: str = "full"
    key: str = "ecdsa-p256"  # one of CERT_KEYS
    signature: str = "sha256"  # one of CERT_SIGNATURES
    # (notBefore, notAfter) in days from T0 (fractions allowed); None: the kind's dates
    validity: tuple[float, float] | None = None
    # s38e: the leaf's serial number, 0 or negative too (RFC 5280 §4.1.2.2 forbids both);
    # None: a random positive one, as every other lab certificate
    serial: int | None = None

    @property
    def weak(self) -> bool:
        """OpenSSL 3 refuses to load such a certificate at its default security level."""
        return self.key == "rsa-1024" or self.signature == "sha1"


@dataclass(frozen=True)
class SigningSpec:
    """How the lab signs a zone and what its parent publishes: the `[signing]` table.

    The defaults are the lab's baseline (checklist §11.0): one ECDSA P-256 CSK, NSEC3 with 0
    iterations and no salt, knot's 14-day signatures, a SHA-256 DS."""

    algorithm: str = "ecdsap256sha256"
    split_keys: bool = False  # a KSK (flags 257, the DS points at it) and a ZSK (256)
    ksk_size: int | None = None  # bits; knot's default for the algorithm when None
    zsk_size: int | None = None
    nsec3: bool = True  # False: NSEC
    nsec3_iterations: int = 0
    nsec3_salt_length: int = 0  # octets of a salt knot picks at random
    nsec3_opt_out: bool = False  # the Opt-Out flag on every NSEC3 record (RFC 5155 §6; s39h)
    rrsig_lifetime: str | None = None  # knot TIME ("2d"); knot's 14d when None
    rrsig_refresh: str | None = None
    ds_digests: tuple[str, ...] = ("sha256",)  # the DS records `up` puts in the parent
    # "sep": a DS for the CSK or KSK only; "all": also for the ZSK (a registrar sent every DNSKEY);
    # "zsk": for the ZSK only (the wrong key was pasted into the registrar's form; s19n)
    ds_keys: str = "sep"
    # The algorithm field of the parent's DS when not the key's own (a registrar form's
    # drop-down left at another value; s19n); the digest is still the key's
    ds_algorithm: int | None = None
    # dnssec = "presigned" only: owner names (relative, "@" for the apex) whose RRsets are
    # signed with a window that ended at T0 - 1 h while the rest of the zone is current (s19n)
    expired_names: tuple[str, ...] = ()
    # dnssec = "presigned" only: the apex also publishes a second KSK (flags 257) that signs
    # nothing, as one published ahead of a rollover (s30k); the parent gets a DS in each of
    # `prepublished_ds_digests` for it. With these, ds_digests = [] leaves the signing key
    # without a DS (its DS removed before the new key signs).
    prepublished_ksk: bool = False
    prepublished_ds_digests: tuple[str, ...] = ()

    @property
    def knot_policy(self) -> bool:
        """Whether knot needs a policy of its own for this zone (anything but the DS)."""
        return self.knot_part != SigningSpec()

    @property
    def knot_part(self) -> SigningSpec:
        """This table without what only the parent's DS depends on (one knot policy per value)."""
        return replace(
            self,
            ds_digests=SigningSpec.ds_digests,
            ds_keys=SigningSpec.ds_keys,
            ds_algorithm=SigningSpec.ds_algorithm,
            expired_names=SigningSpec.expired_names,
            prepublished_ksk=SigningSpec.prepublished_ksk,
            prepublished_ds_digests=SigningSpec.prepublished_ds_digests,
        )


@dataclass(frozen=True)
class SmtpHost:
    host: str
    ip: str
    port: int = 25
    starttls: bool = True
    tls_min: str = "1.2"
    tls_max: str = "1.3"
    cert: CertSpec = field(default_factory=CertSpec)
    banner_delay: float = 0.0
    max_connections: int = 0
    window: float = 30.0
    reoffer_starttls: bool = False  # advertise STARTTLS again after TLS (RFC 3207 §4.2 breach)
    starttls_reply: str | None = None  # STARTTLS offered, but every STARTTLS gets this reply
    # The greeting as sent, lines joined by "\n". A 220 greeting's lines all continue ("220-")
    # and precede the server's own "220 <host> LabMTA ESMTP"; a 4xx one is followed by a
    # hang-up, a 5xx one by 503 to every command but QUIT (RFC 5321 §3.1, §3.8).
    greeting: str | None = None
    ehlo_reply: str | None = None  # EHLO answered with this (HELO still accepted): a PIX fixup
    require_sni: bool = False  # a handshake without SNI gets the alert handshake_failure
    ciphers: str | None = None  # OpenSSL cipher list for TLS <= 1.2 (TLS 1.3 suites unchanged)
    close_after_starttls: bool = False  # "220 Ready to start TLS", then a hang-up
    # s34l: "220 Ready to start TLS", then no ServerHello: the ClientHello is read and
    # nothing is sent for 120 s (or until the client leaves), then the connection closes
    # (a TLS offload or MTA whose TLS process hangs): the client's handshake times out.
    starttls_stall: bool = False
    tls_alert: str | None = None  # every handshake is refused with this TLS alert
    # A key and certificate of this address's own, not the host's shared one: one name on two
    # boxes that were set up apart (s13t-addrexp, s13t-addrdane). TLSA placeholders name it
    # `host@ip`.
    own_cert: bool = False
    ehlo_delay: float = 0.0  # seconds before each EHLO reply (before and after TLS)
    # How the EHLO reply spells the STARTTLS line ("starttls", "STARTTLS X-PARAM"), before TLS
    starttls_keyword: str = "STARTTLS"
    # s21s: a ClientHello without SNI gets another certificate (its own key, these SANs, same
    # issuer): a server's default certificate, while SNI picks the MX's own. TLSA placeholders
    # name it `<cert_ref>#nosni`.
    nosni_sans: tuple[str, ...] = ()
    # s29m: EHLO keywords listed only inside TLS, as servers offering REQUIRETLS (RFC 8689)
    # do (Exim advertises it "only once a TLS connection is achieved").
    tls_ehlo_keywords: tuple[str, ...] = ()
    # s29h: behind a Cisco ASA whose ESMTP inspection hides STARTTLS: the EHLO reply lists
    # 'XXXXXXXA' in its place, and a STARTTLS sent anyway reaches the server as 'XXXXXXXX'.
    starttls_masked: bool = False
    # s33l: what the server does with commands the client pipelined behind STARTTLS in the
    # same packet (RFC 3207 §4.2: discard them). "discard" (aiosmtpd, and every current MTA),
    # "execute" (the CVE-2011-0411 class: they run inside TLS, answered there) or "refuse"
    # (Postfix >= 3.9: "554 5.5.0 Error: SMTP protocol synchronization", then a hang-up).
    starttls_pipelined: str = "discard"
    # s41i: the server asks for a client certificate and fails the handshake without one
    # chaining to Lab Root R1 (OpenSSL's CERT_REQUIRED, Postfix's smtpd_tls_req_ccert).
    client_cert: bool = False
    # s47j: STARTTLS listed only in the answer to a second EHLO (the first leaves it out);
    # a plaintext line sent behind "220 Ready to start TLS" before the handshake; every reply
    # line ended by a bare LF instead of CRLF (RFC 5321 §2.3.8).
    starttls_second_ehlo: bool = False
    after_starttls_220: str | None = None
    bare_lf: bool = False

    @property
    def cert_ref(self) -> str:
        """The name under which the lab PKI mints (and TLSA placeholders find) this row's
        certificate: the host name, shared by all its addresses, unless `own_cert`."""
        return f"{self.host}@{self.ip}" if self.own_cert else self.host

    @property
    def standard_dialogue(self) -> bool:
        """Greets 220, takes EHLO, and completes STARTTLS with and without SNI on the lab's
        default suites: what tests/test_lab.py's generic MX test asks of every host (which
        expects the same certificate without SNI: not a `nosni_sans` host's)."""
        return not (
            (self.greeting and not self.greeting.startswith("220"))
            or self.ehlo_reply
            or self.require_sni
            or self.ciphers
            or self.close_after_starttls
            or self.starttls_stall
            or self.tls_alert
            or self.nosni_sans
            or self.starttls_masked
            or self.client_cert
            or self.starttls_second_ehlo
        )


# s35l: a second authoritative server for a presigned zone (checklist DNSSEC-10), on its own
# address. It answers the zone apex's SOA and DNSKEY queries from a copy of its own, signed
# with the zone's key (so resolvers validate whichever server they ask), and relays every other
# query to knot: a secondary that missed a zone transfer. `serial`: the SOA serial that copy
# holds (None: the primary's); `dnskeys`: "all" (the primary's DNSKEY set) or "signing" (only
# the key that signs: it never got the key pre-published with `prepublished_ksk`).
SECONDARY_DNSKEYS = {"all", "signing"}


@dataclass(frozen=True)
class SecondaryNs:
    ip: str
    serial: int | None = None
    dnskeys: str = "all"


# `[[tcp]]` rows: a bare TCP listener that never speaks the protocol its port suggests, for
# outages (s16o_*): "silent" accepts and never sends a byte (a hung server or a firewall that
# completes the handshake), "reset" accepts and answers with a TCP RST (SO_LINGER 0), "close"
# accepts and closes at once (FIN, no data).
TCP_BEHAVIOURS = {"silent", "reset", "close"}


@dataclass(frozen=True)
class TcpListener:
    ip: str
    port: int
    behaviour: str = "silent"


@dataclass(frozen=True)
class HttpFile:
    path: str
    status: int = 200
    content_type: str | None = "text/plain; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    generated: str | None = None  # "vmc": body is the lab-minted mark certificate PEM
    mark: str = "valid"  # with generated = "vmc": one of MARK_KINDS
    framing: str = "length"  # one of FRAMINGS
    # s33k: a slow server. Seconds before the status line and headers ("slow to answer");
    # the body sent `trickle_bytes` at a time with `trickle_every` seconds between pieces
    # ("slow to send"); and with `stall_after`, only that many bytes of the body, then nothing
    # more on a connection held open (a body that never ends: the declared length is the whole).
    delay: float = 0.0
    trickle_bytes: int = 0
    trickle_every: float = 0.0
    stall_after: int | None = None

    @property
    def slow(self) -> bool:
        return bool(self.delay or self.trickle_bytes or self.stall_after is not None)

    @property
    def sending_seconds(self) -> float:
        """How long the server takes over the body it sends, pauses between pieces only."""
        sent = len(self.body) if self.stall_after is None else self.stall_after
        if not self.trickle_bytes or not sent:
            return 0.0
        return (-(-sent // self.trickle_bytes) - 1) * self.trickle_every


@dataclass(frozen=True)
class HttpsHost:
    host: str
    ip: str
    port: int = 443
    cert: CertSpec = field(default_factory=CertSpec)
    files: tuple[HttpFile, ...] = ()
    # s30n: this site's certificate is the address's default, presented to a handshake
    # without SNI and to one naming a host with no site there (a web server whose one site
    # answers every name), instead of the lab's default.lab.invalid.
    default: bool = False


@dataclass(frozen=True)
class Scenario:
    domain: str
    title: str
    dnssec: str
    signing: SigningSpec
    selectors: tuple[str, ...]
    records: tuple[str, ...]
    other_zones: dict[str, tuple[str, ...]]
    smtp: tuple[SmtpHost, ...]
    https: tuple[HttpsHost, ...]
    expect_fail: set[str]
    expect_warn: set[str]
    expect_error: set[str]
    present: set[str]
    mtasts: str
    mtasts_oracle: str | None
    checklist: str | None
    note: str
    path: Path
    tcp: tuple[TcpListener, ...] = ()
    # s33k: the engine's timeout (CheckConfig.timeout) for this scenario where the lab's
    # 5 s cannot show what it tests (a policy fetch over MTASTS-16's 10 s needs a fetch limit,
    # 2 x the timeout, above it); None: the lab's (tests.test_engine_lab.lab_config).
    check_timeout: float | None = None
    # s35l: the SOA serial of the zone as written (knot re-serials the zones it signs; an
    # unsigned or presigned zone is served with this one), and a second authoritative server
    secondary: SecondaryNs | None = None
    soa_serial: int = 1

    @property
    def name(self) -> str:
        return self.domain.split(".")[0]


def scenario_dirs(
    extra_dirs: Iterable[str | os.PathLike[str]] = (), use_env: bool = True
) -> list[Path]:
    dirs = [BUILTIN_DIR]
    if use_env:
        dirs += [Path(d) for d in os.environ.get(ENV_DIRS, "").split(":") if d]
    for d in map(Path, extra_dirs):
        if d.resolve() not in {x.resolve() for x in dirs}:
            dirs.append(d)
    return dirs


def load_scenarios(
    extra_dirs: Iterable[str | os.PathLike[str]] = (), use_env: bool = True
) -> list[Scenario]:
    """Every scenario from the built-in folder, $MAILSEC_LAB_SCENARIOS and `extra_dirs`."""
    scenarios: list[Scenario] = []
    for d in scenario_dirs(extra_dirs, use_env):
        if not d.is_dir():
            raise ScenarioError(f"{d}: scenario folder does not exist")
        # By name: the order Path's own comparison gives in one folder, at a fraction of its cost.
        scenarios += [load_file(p) for p in sorted(d.glob("*.toml"), key=lambda p: p.name)]
    check_consistency(scenarios)
    return scenarios


def _header_lines(table: dict[str, object]) -> tuple[tuple[str, str], ...]:
    """`headers = { Name = "v" }`, or `Name = ["v1", "v2"]` for the same header sent twice (a
    TOML table cannot repeat a key; RFC 9110 §5.3 allows repeating a list-valued field)."""
    lines: list[tuple[str, str]] = []
    for name, value in table.items():
        for v in value if isinstance(value, list) else [value]:
            lines.append((str(name), str(v)))
    return tuple(lines)


# Scenarios read in this process, by the file's path and its bytes: collecting the suite lists
# every scenario some 50 times (test modules and blind rounds, as they are imported), in every
# pytest-xdist worker and the lab's process. A file whose bytes changed is read anew; Scenario
# is frozen, so every caller can share one. The key is the path as the caller spelled it, not
# resolved: resolving the 1,300 paths on every listing (an lstat per component) was 60 % of a
# listing's CPU (69 ms of it, now 29 ms), and the Scenario records that spelling as its path.
_read: dict[tuple[Path, bytes], Scenario] = {}


def load_file(path: Path) -> Scenario:
    try:
        raw = path.read_bytes()
        key = (path, raw)
        if key not in _read:
            _read[key] = _parse(tomllib.loads(raw.decode("utf-8")), path)
        return _read[key]
    except ScenarioError:
        raise
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as e:
        raise ScenarioError(f"{path}: {type(e).__name__}: {e}") from e


# One MX host and nothing else: what the loader makes of an [[smtp]] key, without the lab.
ONE_HOST = """
domain = "knob.lab.test"
records = []
[[smtp]]
host = "mx1.knob.lab.test"
ip = "127.0.99.1"
{extra}
[expect]
mtasts = "none"
"""


def load_one_host(folder: Path, extra: str) -> SmtpHost:
    """The MX host of a one-host scenario whose [[smtp]] row adds `extra` (TOML lines),
    written to `folder`/knob.toml (ScenarioError naming that file when the loader refuses it)."""
    path = folder / "knob.toml"
    path.write_text(ONE_HOST.format(extra=extra))
    return load_file(path).smtp[0]


def _fail(path: Path, msg: str) -> ScenarioError:
    return ScenarioError(f"{path}: {msg}")


def _strs(path: Path, data: dict[str, object], key: str) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(path, f"`{key}` must be a list of strings")
    return tuple(value)


def _check_ip(path: Path, ip: str) -> str:
    addr = ipaddress.ip_address(ip)
    # Hermetic by construction: only loopback, and never the system resolver's 127.0.0.1.
    if not addr.is_loopback or ip == "127.0.0.1":
        raise _fail(path, f"address {ip} is outside the lab plan (127.0.0.0/8 except 127.0.0.1)")
    return ip


def _cert(path: Path, row: dict[str, object]) -> CertSpec:
    kind = str(row.get("cert", "valid"))
    chain = str(row.get("chain", "full"))
    if kind not in CERT_KINDS:
        raise _fail(path, f"cert = {kind!r}, expected one of {sorted(CERT_KINDS)}")
    if chain not in CHAINS:
        raise _fail(path, f"chain = {chain!r}, expected one of {sorted(CHAINS)}")
    if chain.endswith("-intermediate") and kind in ("self-signed", "rogue"):
        # Those leaves are not issued by a lab intermediate at all.
        raise _fail(path, f"chain = {chain!r} needs a lab-issued leaf, not cert = {kind!r}")
    sans = row.get("sans")
    cn = row.get("cn")
    key = str(row.get("key", "ecdsa-p256"))
    signature = str(row.get("signature", "sha256"))
    if key not in CERT_KEYS:
        raise _fail(path, f"key = {key!r}, expected one of {sorted(CERT_KEYS)}")
    if signature not in CERT_SIGNATURES:
        raise _fail(path, f"signature = {signature!r}, expected one of {sorted(CERT_SIGNATURES)}")
    raw_validity = row.get("validity")
    validity = None
    if raw_validity is not None:
        if not isinstance(raw_validity, list) or len(raw_validity) != 2:
            raise _fail(path, "validity = [from_days, to_days] (days from now, e.g. [-30, 0.25])")
        validity = (float(raw_validity[0]), float(raw_validity[1]))
        # s21s: also a private CA's or a self-signed leaf (a 5-year certificate from a
        # company CA); the other kinds are defined by their dates.
        if validity[0] >= validity[1] or kind not in ("valid", "rogue", "self-signed"):
            raise _fail(
                path, "validity needs from < to and cert = 'valid', 'rogue' or 'self-signed'"
            )
    serial = row.get("serial")
    if serial is not None and (not isinstance(serial, int) or isinstance(serial, bool)):
        raise _fail(path, f"serial = {serial!r}, expected an integer (0 or negative allowed)")
    if serial is not None and (kind in ("self-signed", "rogue") or signature != "sha256"):
        raise _fail(path, f"serial = {serial} needs a SHA-256 leaf issued by a lab CA")
    return CertSpec(
        kind=kind,
        sans=tuple(sans) if isinstance(sans, list) else (str(row["host"]),),
        cn=str(cn) if cn is not None else None,
        chain=chain,
        key=key,
        signature=signature,
        validity=validity,
        serial=serial,
    )


def _tls_range(path: Path, text: str) -> tuple[str, str]:
    lo, _, hi = text.partition("-")
    hi = hi or lo
    if lo not in TLS_VERSIONS or hi not in TLS_VERSIONS or lo > hi:
        raise _fail(path, f"tls = {text!r}, expected e.g. '1.2-1.3' or '1.0'")
    return lo, hi


def _signing(path: Path, dnssec: str, raw: object, secondary: bool = False) -> SigningSpec:
    if raw is None and dnssec == "presigned" and secondary:
        return SigningSpec()
    if raw is None and dnssec in {"ds-wrong", "presigned"}:
        raise _fail(path, f"dnssec = {dnssec!r} needs a [signing] table saying what is wrong")
    if raw is None:
        return SigningSpec()
    if not isinstance(raw, dict):
        raise _fail(path, "`signing` must be a table")
    known = {f for f in SigningSpec.__dataclass_fields__}
    unknown = set(raw) - known
    if unknown:
        raise _fail(path, f"unknown keys in [signing]: {sorted(unknown)}")
    digests = _strs(path, raw, "ds_digests") if "ds_digests" in raw else ("sha256",)
    next_digests = (
        _strs(path, raw, "prepublished_ds_digests") if "prepublished_ds_digests" in raw else ()
    )
    prepublished = raw.get("prepublished_ksk", False)
    if not isinstance(prepublished, bool):
        raise _fail(path, "prepublished_ksk must be true or false")
    bad = [d for d in (*digests, *next_digests) if d not in DS_DIGESTS]
    # No DS at all for the signing key only when the pre-published key has one (s30k), or
    # under dnssec = "ds-wrong", where the parent's DS records are other_zones' alone (s39h: a
    # DS for a key the zone no longer publishes).
    if bad or not (digests or next_digests or dnssec == "ds-wrong"):
        raise _fail(path, f"ds_digests = {list(digests)!r}, expected some of {sorted(DS_DIGESTS)}")
    spec = SigningSpec(
        algorithm=str(raw.get("algorithm", "ecdsap256sha256")),
        split_keys=bool(raw.get("split_keys", False)),
        ksk_size=int(raw["ksk_size"]) if "ksk_size" in raw else None,
        zsk_size=int(raw["zsk_size"]) if "zsk_size" in raw else None,
        nsec3=bool(raw.get("nsec3", True)),
        nsec3_iterations=int(raw.get("nsec3_iterations", 0)),
        nsec3_salt_length=int(raw.get("nsec3_salt_length", 0)),
        nsec3_opt_out=bool(raw.get("nsec3_opt_out", False)),
        rrsig_lifetime=str(raw["rrsig_lifetime"]) if "rrsig_lifetime" in raw else None,
        rrsig_refresh=str(raw["rrsig_refresh"]) if "rrsig_refresh" in raw else None,
        ds_digests=digests,
        ds_keys=str(raw.get("ds_keys", "sep")),
        ds_algorithm=int(raw["ds_algorithm"]) if "ds_algorithm" in raw else None,
        expired_names=_strs(path, raw, "expired_names") if "expired_names" in raw else (),
        prepublished_ksk=prepublished,
        prepublished_ds_digests=next_digests,
    )
    if spec.ds_keys not in {"sep", "all", "zsk"}:
        raise _fail(path, f"ds_keys = {spec.ds_keys!r}, expected 'sep', 'all' or 'zsk'")
    if spec.ds_keys == "zsk" and not spec.split_keys:
        raise _fail(path, "ds_keys = 'zsk' needs split_keys = true (a CSK is no ZSK)")
    if spec.ds_algorithm is not None and not 0 <= spec.ds_algorithm <= 255:
        raise _fail(path, "ds_algorithm must be 0..255")
    wrong_ds = spec.ds_keys == "zsk" or spec.ds_algorithm is not None
    if wrong_ds != (dnssec == "ds-wrong") and not (dnssec == "ds-wrong" and not spec.ds_digests):
        raise _fail(
            path,
            "ds_keys = 'zsk' and ds_algorithm go with dnssec = 'ds-wrong' (only), which needs"
            " one of them or ds_digests = []",
        )
    if spec.prepublished_ds_digests and not spec.prepublished_ksk:
        raise _fail(path, "prepublished_ds_digests needs prepublished_ksk")
    if not spec.ds_digests and not (spec.prepublished_ksk or dnssec == "ds-wrong"):
        raise _fail(path, "ds_digests = [] needs prepublished_ksk or dnssec = 'ds-wrong'")
    if (spec.expired_names or spec.prepublished_ksk) and dnssec != "presigned":
        raise _fail(path, "expired_names and prepublished_ksk go with dnssec = 'presigned'")
    if dnssec == "presigned" and not (spec.expired_names or spec.prepublished_ksk or secondary):
        raise _fail(
            path, "dnssec = 'presigned' needs expired_names, prepublished_ksk or a [secondary]"
        )
    if spec.algorithm not in SIGNING_ALGORITHMS:
        raise _fail(
            path, f"algorithm = {spec.algorithm!r}, expected one of {sorted(SIGNING_ALGORITHMS)}"
        )
    if not 0 <= spec.nsec3_iterations <= 65535 or not 0 <= spec.nsec3_salt_length <= 255:
        raise _fail(path, "nsec3_iterations must be 0..65535 and nsec3_salt_length 0..255")
    if not spec.nsec3 and (spec.nsec3_iterations or spec.nsec3_salt_length or spec.nsec3_opt_out):
        raise _fail(
            path, "nsec3 = false takes no nsec3_iterations, nsec3_salt_length or nsec3_opt_out"
        )
    for key in ("rrsig_lifetime", "rrsig_refresh"):
        value = getattr(spec, key)
        if value is not None and not KNOT_TIME.fullmatch(value):
            raise _fail(path, f"{key} = {value!r}, expected a knot TIME such as '2d' or '12h'")
    # Only knot's zones take a policy; offline-signed ones take the DS digests, unsigned nothing.
    knot_signs = {"signed", "ds-mismatch", "ds-wrong"}
    if dnssec == "unsigned" or (spec.knot_policy and dnssec not in knot_signs):
        raise _fail(path, f"[signing] does not apply to dnssec = {dnssec!r}")
    return spec


def _starttls_reply(path: Path, row: dict[str, object]) -> str | None:
    reply = row.get("starttls_reply")
    if reply is None:
        return None
    text = str(reply)
    # A refusal (RFC 3207 §4: 454 "TLS not available", 501 syntax): never a 220 the client
    # would follow with a handshake.
    if not re.fullmatch(r"[45][0-9][0-9][ -].*", text) or "\n" in text or "\r" in text:
        raise _fail(path, f"starttls_reply = {text!r}, expected one line such as '454 4.7.0 ...'")
    if not row.get("starttls", True):
        raise _fail(path, "starttls_reply needs starttls = true (the extension is offered)")
    return text


def _starttls_keyword(path: Path, row: dict[str, object]) -> str:
    text = str(row.get("starttls_keyword", "STARTTLS"))
    # Still the STARTTLS extension, only spelt otherwise (case, parameters: RFC 5321 §4.1.1.1)
    if not re.fullmatch(r"(?i)starttls( [!-~]+)*", text):
        raise _fail(path, f"starttls_keyword = {text!r}, expected 'starttls' or 'STARTTLS X'")
    return text


def _nosni_sans(path: Path, row: dict[str, object]) -> tuple[str, ...]:
    raw = row.get("nosni_sans")
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw or not all(isinstance(n, str) for n in raw):
        raise _fail(path, "nosni_sans = [names], e.g. ['default.hoster.test']")
    if row.get("require_sni") or row.get("tls_alert") or not row.get("starttls", True):
        # Those refuse the handshake without SNI, or have none: no certificate to pick.
        raise _fail(path, "nosni_sans needs a TLS host that answers without SNI")
    return tuple(str(n).lower() for n in raw)


def _reply(path: Path, key: str, text: str, *, code: str = "[2-5]") -> list[str]:
    """A multi-line SMTP reply as written in a scenario (lines joined by "\n"): every line
    has the same code; all but the last continue ("ddd-"), the last ends ("ddd ")."""
    lines = text.split("\n")
    first = lines[0][:3]
    ok = re.fullmatch(code + r"[0-9][0-9]", first) is not None and all(
        re.fullmatch(r"[0-9]{3}[ -][^\r]*", line) and line[:3] == first for line in lines
    )
    if not ok or any(line[3] != "-" for line in lines[:-1]) or lines[-1][3] != " ":
        raise _fail(path, f"{key} = {text!r}, expected an SMTP reply such as '554 5.7.1 ...'")
    return lines


def _greeting(path: Path, row: dict[str, object]) -> str | None:
    raw = row.get("greeting")
    if raw is None:
        return None
    text = str(raw)
    if text.startswith("220"):
        # The lab's own "220 <host> LabMTA ESMTP" ends it, so each line given must continue.
        if not all(re.fullmatch(r"220-[^\r]*", line) for line in text.split("\n")):
            raise _fail(path, f"greeting = {text!r}: a 220 greeting's lines are all '220-...'")
        return text
    _reply(path, "greeting", text, code="[45]")
    return text


def _tls_ehlo_keywords(path: Path, row: dict[str, object]) -> tuple[str, ...]:
    raw = row.get("tls_ehlo_keywords", [])
    if not isinstance(raw, list) or not all(
        isinstance(k, str) and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9-]*( [^\r\n]+)?", k) for k in raw
    ):
        raise _fail(
            path, f"tls_ehlo_keywords = {raw!r}, expected EHLO keywords such as 'REQUIRETLS'"
        )
    if raw and not row.get("starttls", True):
        raise _fail(path, "tls_ehlo_keywords need starttls = true")
    return tuple(raw)


def _https_default(path: Path, row: dict[str, object]) -> bool:
    raw = row.get("default", False)
    if not isinstance(raw, bool):
        raise _fail(path, f"default = {raw!r}, expected true or false")
    return raw


def _starttls_masked(path: Path, row: dict[str, object]) -> bool:
    raw = row.get("starttls_masked", False)
    if not isinstance(raw, bool):
        raise _fail(path, f"starttls_masked = {raw!r}, expected true or false")
    if raw and (
        not row.get("starttls", True)
        or row.get("starttls_reply") is not None
        or row.get("starttls_keyword") is not None
        or row.get("ehlo_reply") is not None
    ):
        # The mask replaces the server's own STARTTLS line: it needs one, spelt as usual.
        raise _fail(
            path,
            "starttls_masked needs starttls = true, and no starttls_reply, starttls_keyword "
            "or ehlo_reply",
        )
    return raw


STARTTLS_PIPELINED = {"discard", "execute", "refuse"}


def _starttls_pipelined(path: Path, row: dict[str, object]) -> str:
    raw = row.get("starttls_pipelined", "discard")
    if raw not in STARTTLS_PIPELINED:
        raise _fail(
            path, f"starttls_pipelined = {raw!r}, expected one of {sorted(STARTTLS_PIPELINED)}"
        )
    if raw != "discard" and (
        not row.get("starttls", True)
        or row.get("starttls_reply") is not None
        or row.get("close_after_starttls")
        or row.get("starttls_stall")
        or row.get("starttls_masked")
    ):
        # Only a server that takes STARTTLS can run or refuse what came behind it.
        raise _fail(
            path,
            "starttls_pipelined needs starttls = true, and no starttls_reply, "
            "close_after_starttls, starttls_stall or starttls_masked",
        )
    return str(raw)


def _plain_line(path: Path, row: dict[str, object]) -> str | None:
    """s47j's after_starttls_220: one line of printable ASCII (sent with the reply's line end)."""
    raw = row.get("after_starttls_220")
    if raw is None:
        return None
    if not isinstance(raw, str) or not raw or not raw.isascii() or not raw.isprintable():
        raise _fail(path, f"after_starttls_220 = {raw!r}, expected one line of printable ASCII")
    return raw


def _smtp_behaviour(path: Path, row: dict[str, object]) -> dict[str, object]:
    """The keys for MX behaviours beyond a plain STARTTLS server (see SmtpHost)."""
    ehlo = row.get("ehlo_reply")
    if ehlo is not None:
        _reply(path, "ehlo_reply", str(ehlo), code="[45]")
    ciphers = row.get("ciphers")
    if ciphers is not None:
        try:
            ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).set_ciphers(str(ciphers))
        except ssl.SSLError as e:
            raise _fail(path, f"ciphers = {ciphers!r}: OpenSSL matches no suite") from e
    alert = row.get("tls_alert")
    if alert is not None and f"ALERT_DESCRIPTION_{str(alert).upper()}" not in TLS_ALERTS:
        raise _fail(path, f"tls_alert = {alert!r}, expected a TLS alert such as 'internal_error'")
    out: dict[str, object] = {
        "greeting": _greeting(path, row),
        "ehlo_reply": str(ehlo) if ehlo is not None else None,
        "require_sni": bool(row.get("require_sni", False)),
        "ciphers": str(ciphers) if ciphers is not None else None,
        "close_after_starttls": bool(row.get("close_after_starttls", False)),
        "starttls_stall": bool(row.get("starttls_stall", False)),
        "tls_alert": str(alert).lower() if alert is not None else None,
        "client_cert": bool(row.get("client_cert", False)),
        "starttls_second_ehlo": bool(row.get("starttls_second_ehlo", False)),
        "after_starttls_220": _plain_line(path, row),
        "bare_lf": bool(row.get("bare_lf", False)),
    }
    tls_keys = [
        k
        for k in (
            "require_sni",
            "ciphers",
            "close_after_starttls",
            "starttls_stall",
            "tls_alert",
            "client_cert",
            "starttls_second_ehlo",
            "after_starttls_220",
        )
        if out[k]
    ]
    if tls_keys and not row.get("starttls", True):
        raise _fail(path, f"{', '.join(tls_keys)} need starttls = true")
    if out["close_after_starttls"] and row.get("starttls_reply") is not None:
        raise _fail(path, "close_after_starttls and starttls_reply exclude each other")
    if (out["starttls_second_ehlo"] or out["after_starttls_220"]) and (
        row.get("starttls_reply") is not None
        or row.get("starttls_masked")
        or row.get("starttls_keyword", "STARTTLS") != "STARTTLS"
        or out["ehlo_reply"]
        or out["close_after_starttls"]
        or out["starttls_stall"]
    ):
        raise _fail(
            path,
            "starttls_second_ehlo and after_starttls_220 need a server that offers and takes "
            "STARTTLS: no starttls_reply, starttls_masked, starttls_keyword, ehlo_reply, "
            "close_after_starttls or starttls_stall",
        )
    if out["starttls_stall"] and (
        out["close_after_starttls"] or row.get("starttls_reply") is not None or out["tls_alert"]
    ):
        raise _fail(
            path, "starttls_stall excludes close_after_starttls, starttls_reply and tls_alert"
        )
    return out


def _slow_file(path: Path, f: dict[str, object], size: int) -> dict[str, Any]:
    """An [[https.files]] row's s33k keys (HttpFile.delay, trickle_*, stall_after), checked."""
    try:
        delay = float(f.get("delay", 0.0))  # type: ignore[arg-type]
        every = float(f.get("trickle_every", 0.0))  # type: ignore[arg-type]
        piece = f.get("trickle_bytes", 0)
        stall = f.get("stall_after")
    except (TypeError, ValueError):
        raise _fail(path, "delay and trickle_every must be numbers of seconds") from None
    if not (math.isfinite(delay) and delay >= 0 and math.isfinite(every) and every >= 0):
        raise _fail(path, f"delay = {delay!r}, trickle_every = {every!r}: seconds, 0 or more")
    if not isinstance(piece, int) or isinstance(piece, bool) or piece < 0:
        raise _fail(path, f"trickle_bytes = {piece!r}, expected a number of bytes")
    if bool(piece) != bool(every):
        # One without the other is a body sent at once: a scenario meaning slow would not be.
        raise _fail(path, "trickle_bytes and trickle_every go together")
    if stall is not None and (
        not isinstance(stall, int) or isinstance(stall, bool) or not 0 <= stall < size
    ):
        raise _fail(path, f"stall_after = {stall!r}, expected fewer bytes than the body's {size}")
    return {"delay": delay, "trickle_bytes": piece, "trickle_every": every, "stall_after": stall}


def _check_timeout(path: Path, data: dict[str, object]) -> float | None:
    raw = data.get("check_timeout")
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not 0 < raw <= 30:
        raise _fail(path, f"check_timeout = {raw!r}, expected seconds above 0, at most 30")
    return float(raw)


def _secondary(path: Path, dnssec: str, raw: object, prepublished: bool) -> SecondaryNs | None:
    """The `[secondary]` table (s35l): ip, and optionally serial and dnskeys."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise _fail(path, "`secondary` must be a table")
    unknown = set(raw) - {"ip", "serial", "dnskeys"}
    if unknown:
        raise _fail(path, f"unknown keys in [secondary]: {sorted(unknown)}")
    if dnssec != "presigned":
        raise _fail(path, "[secondary] goes with dnssec = 'presigned' (its copy is signed offline)")
    serial = raw.get("serial")
    if serial is not None and (not isinstance(serial, int) or not 0 <= serial < 2**32):
        raise _fail(path, f"[secondary] serial = {serial!r}, expected 0..4294967295")
    dnskeys = str(raw.get("dnskeys", "all"))
    if dnskeys not in SECONDARY_DNSKEYS:
        raise _fail(path, f"[secondary] dnskeys = {dnskeys!r}, expected 'all' or 'signing'")
    if dnskeys == "signing" and not prepublished:
        raise _fail(path, "[secondary] dnskeys = 'signing' needs [signing] prepublished_ksk")
    ip = _check_ip(path, str(raw["ip"]))
    if ip.startswith("127.0.53."):
        raise _fail(path, f"[secondary] ip {ip} is in the lab's own DNS range 127.0.53.x")
    return SecondaryNs(ip=ip, serial=serial, dnskeys=dnskeys)


def _parse(data: dict[str, object], path: Path) -> Scenario:
    known = {
        "domain",
        "title",
        "dnssec",
        "signing",
        "selectors",
        "records",
        "other_zones",
        "smtp",
        "https",
        "expect",
        "checklist",
        "note",
        "tcp",
        "check_timeout",
        "secondary",
        "soa_serial",
    }
    unknown = set(data) - known
    if unknown:
        raise _fail(path, f"unknown keys {sorted(unknown)}")
    domain = str(data["domain"]).rstrip(".").lower()
    if not domain.endswith(".test") or domain in LAB_OWNED_ZONES:
        raise _fail(path, f"domain {domain!r} must be a child zone under .test")
    dnssec = str(data.get("dnssec", "signed"))
    if dnssec not in DNSSEC_MODES:
        raise _fail(path, f"dnssec = {dnssec!r}, expected one of {sorted(DNSSEC_MODES)}")

    other: dict[str, tuple[str, ...]] = {}
    raw_other = data.get("other_zones", {})
    if not isinstance(raw_other, dict):
        raise _fail(path, "`other_zones` must be a table of zone = [records]")
    for zone in raw_other:
        other[zone.rstrip(".").lower()] = _strs(path, raw_other, zone)

    smtp: list[SmtpHost] = []
    for row in data.get("smtp", []):  # type: ignore[attr-defined]
        if set(row) - SMTP_KEYS:  # a misspelt behaviour would otherwise test nothing, silently
            raise _fail(path, f"unknown keys in [[smtp]]: {sorted(set(row) - SMTP_KEYS)}")
        lo, hi = _tls_range(path, str(row.get("tls", "1.2-1.3")))
        smtp.append(
            SmtpHost(
                host=str(row["host"]).lower(),
                ip=_check_ip(path, str(row["ip"])),
                port=int(row.get("port", 25)),
                starttls=bool(row.get("starttls", True)),
                tls_min=lo,
                tls_max=hi,
                cert=_cert(path, row),
                banner_delay=float(row.get("banner_delay", 0.0)),
                max_connections=int(row.get("max_connections", 0)),
                window=float(row.get("window", 30.0)),
                reoffer_starttls=bool(row.get("reoffer_starttls", False)),
                starttls_reply=_starttls_reply(path, row),
                own_cert=bool(row.get("own_cert", False)),
                ehlo_delay=float(row.get("ehlo_delay", 0.0)),
                starttls_keyword=_starttls_keyword(path, row),
                nosni_sans=_nosni_sans(path, row),
                tls_ehlo_keywords=_tls_ehlo_keywords(path, row),
                starttls_masked=_starttls_masked(path, row),
                starttls_pipelined=_starttls_pipelined(path, row),
                **_smtp_behaviour(path, row),  # type: ignore[arg-type]
            )
        )

    https: list[HttpsHost] = []
    for row in data.get("https", []):  # type: ignore[attr-defined]
        files = []
        for f in row.get("files", []):
            body = f.get("body", "")
            raw = body.encode("utf-8")
            pad_to = int(f.get("pad_to", 0))
            if pad_to:
                line = str(f.get("pad_line", "x\r\n")).encode()
                raw += line * ((pad_to - len(raw)) // len(line) + 1)
            if f.get("gzip", False):
                # Served as is: an .svgz logo is the gzip file itself, not a Content-Encoding.
                # gzip(1)'s header carries the file's time, so these bytes differ from the
                # gzip a lab mark certificate embeds (mtime 0) while the SVG is the same.
                raw = gzip.compress(raw, mtime=1_700_000_000)
            ctype = f.get("content_type", "text/plain; charset=utf-8")
            mark = str(f.get("mark", "valid"))
            if mark not in MARK_KINDS:
                raise _fail(path, f"mark = {mark!r}, expected one of {sorted(MARK_KINDS)}")
            framing = str(f.get("framing", "length"))
            if framing not in FRAMINGS:
                raise _fail(path, f"framing = {framing!r}, expected one of {sorted(FRAMINGS)}")
            files.append(
                HttpFile(
                    path=str(f["path"]),
                    status=int(f.get("status", 200)),
                    content_type=str(ctype) if ctype != "" else None,
                    headers=_header_lines(f.get("headers", {})),
                    body=raw,
                    generated=f.get("generated"),
                    mark=mark,
                    framing=framing,
                    **_slow_file(path, f, len(raw)),
                )
            )
        https.append(
            HttpsHost(
                host=str(row["host"]).lower(),
                ip=_check_ip(path, str(row["ip"])),
                port=int(row.get("port", 443)),
                cert=_cert(path, row),
                files=tuple(files),
                default=_https_default(path, row),
            )
        )

    tcp: list[TcpListener] = []
    for row in data.get("tcp", []):  # type: ignore[attr-defined]
        if set(row) - {"ip", "port", "behaviour"}:
            raise _fail(
                path, f"unknown keys in [[tcp]]: {sorted(set(row) - {'ip', 'port', 'behaviour'})}"
            )
        behaviour = str(row.get("behaviour", "silent"))
        if behaviour not in TCP_BEHAVIOURS:
            raise _fail(
                path, f"behaviour = {behaviour!r}, expected one of {sorted(TCP_BEHAVIOURS)}"
            )
        tcp.append(
            TcpListener(
                ip=_check_ip(path, str(row["ip"])), port=int(row["port"]), behaviour=behaviour
            )
        )

    expect = data.get("expect")
    if not isinstance(expect, dict):
        raise _fail(path, "missing [expect] table")
    bad = set(expect) - {"fail", "warn", "error", "present", "mtasts", "mtasts_oracle"}
    if bad:
        raise _fail(path, f"unknown keys in [expect]: {sorted(bad)}")
    mtasts = str(expect.get("mtasts", ""))
    if mtasts not in MTASTS_VALUES:
        raise _fail(path, f"expect.mtasts = {mtasts!r}, expected one of {sorted(MTASTS_VALUES)}")
    oracle = expect.get("mtasts_oracle")
    if oracle is not None and oracle not in MTASTS_VALUES:
        raise _fail(path, f"expect.mtasts_oracle = {oracle!r}")

    return Scenario(
        domain=domain,
        title=str(data.get("title", "")),
        dnssec=dnssec,
        signing=_signing(path, dnssec, data.get("signing"), "secondary" in data),
        selectors=_strs(path, data, "selectors"),
        records=_strs(path, data, "records"),
        other_zones=other,
        smtp=tuple(smtp),
        https=tuple(https),
        expect_fail=set(_strs(path, expect, "fail")),
        expect_warn=set(_strs(path, expect, "warn")),
        expect_error=set(_strs(path, expect, "error")),
        present=set(_strs(path, expect, "present")),
        mtasts=mtasts,
        mtasts_oracle=str(oracle) if oracle else None,
        checklist=str(data["checklist"]) if "checklist" in data else None,
        note=str(data.get("note", "")),
        path=path,
        tcp=tuple(tcp),
        check_timeout=_check_timeout(path, data),
        secondary=_secondary(path, dnssec, data.get("secondary"), _prepublishes(data)),
        soa_serial=_soa_serial(path, data),
    )


def _prepublishes(data: dict[str, object]) -> bool:
    raw = data.get("signing")
    return isinstance(raw, dict) and raw.get("prepublished_ksk") is True


def _soa_serial(path: Path, data: dict[str, object]) -> int:
    serial = data.get("soa_serial", 1)
    if not isinstance(serial, int) or not 0 <= serial < 2**32:
        raise _fail(path, f"soa_serial = {serial!r}, expected 0..4294967295")
    return serial


def check_consistency(scenarios: Sequence[Scenario]) -> None:
    """Reject clashes between files: two zones with one name, two MX hosts on one socket."""
    seen_domain: dict[str, Path] = {}
    smtp_sockets: dict[tuple[str, int], Path] = {}
    https_names: dict[str, Path] = {}
    https_ips: dict[str, Path] = {}
    https_defaults: dict[tuple[str, int], str] = {}
    for s in scenarios:
        if s.domain in seen_domain:
            raise ScenarioError(
                f"{s.path}: domain {s.domain} already defined in {seen_domain[s.domain]}"
            )
        seen_domain[s.domain] = s.path
        for h in s.smtp:
            key = (h.ip, h.port)
            if key in smtp_sockets:
                raise ScenarioError(
                    f"{s.path}: SMTP socket {h.ip}:{h.port} already used in {smtp_sockets[key]}"
                )
            smtp_sockets[key] = s.path
        for w in s.https:
            if w.host in https_names:
                raise ScenarioError(
                    f"{s.path}: HTTPS host {w.host} already defined in {https_names[w.host]}"
                )
            https_names[w.host] = s.path
            https_ips.setdefault(w.ip, s.path)
            if w.default:
                # One certificate answers a handshake without SNI on an address.
                other = https_defaults.setdefault((w.ip, w.port), w.host)
                if other != w.host:
                    raise ScenarioError(
                        f"{s.path}: {w.ip}:{w.port} has two default sites, {other} and {w.host}"
                    )
        for t in s.tcp:
            key = (t.ip, t.port)
            if key in smtp_sockets:
                raise ScenarioError(
                    f"{s.path}: TCP socket {t.ip}:{t.port} already used in {smtp_sockets[key]}"
                )
            smtp_sockets[key] = s.path
    secondaries: dict[str, Path] = {}
    for s in scenarios:
        if s.secondary is not None:
            ip = s.secondary.ip
            if ip in secondaries or ip in https_ips or ip in {a for a, _ in smtp_sockets}:
                raise ScenarioError(f"{s.path}: [secondary] ip {ip} is already in use")
            secondaries[ip] = s.path
    for s in scenarios:
        for h in s.smtp:
            if h.ip in https_ips:
                raise ScenarioError(f"{s.path}: {h.ip} is used for both SMTP and HTTPS")
        for t in s.tcp:
            if t.ip in https_ips:
                raise ScenarioError(f"{s.path}: {t.ip} is used for both a [[tcp]] row and HTTPS")
