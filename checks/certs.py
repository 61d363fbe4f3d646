"""Certificate helpers shared by the STARTTLS, DANE and HTTPS checks.

Pure functions over DER bytes: facts for the report, RFC 9525 name matching, PKIX chain
verification against a CA bundle (with the reason split out, because MTA-STS and TLS-RPT treat an
expired certificate, an untrusted one and a misnamed one differently) and TLSA association data.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import re
import ssl
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID, NameOID

from checks.domainname import _to_a_labels, _to_u_label

# --------------------------------------------------------------------------------------------
# Facts


@dataclass
class CertFacts:
    subject: str = ""
    issuer: str = ""
    sans: list[str] = field(default_factory=list)
    not_before: str = ""
    not_after: str = ""
    days_left: int | None = None
    key_type: str = ""
    key_size: int | None = None
    signature_hash: str = ""
    self_signed: bool = False
    is_ca: bool = False
    serial: str = ""
    # RFC 5280 §4.1.2.2: the serial MUST be positive. A CA that issued 0 or a negative one
    # made a certificate some clients refuse (SMTP-09 says which).
    serial_positive: bool = True
    spki_sha256: str = ""

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@contextmanager
def any_serial_read() -> Iterator[None]:
    """Certificates loaded, and serial numbers read, inside this block give no warning for a
    serial number of 0 or below (RFC 5280 §4.1.2.2 forbids it). Such a serial is read on
    purpose: the checked certificate is reported on (SMTP-09, BIMI-10), not this process's
    logs on every run; in a trust store it is not the checked domain's at all."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        yield


def load_der(der: bytes) -> x509.Certificate | None:
    """The certificate in `der`, None when the library refuses it (any_serial_read)."""
    with any_serial_read():
        try:
            return x509.load_der_x509_certificate(der)
        except ValueError:
            return None


def serial_of(cert: x509.Certificate) -> int:
    """The certificate's serial number, 0 or negative too (any_serial_read)."""
    with any_serial_read():
        return cert.serial_number


def der_serial(der: bytes) -> int | None:
    """The serial number read from the certificate's DER itself (Certificate, TBSCertificate,
    an optional [0] version, then the INTEGER), None when `der` is not laid out so.

    cryptography says a future release refuses a certificate whose serial is not positive:
    read this way, such a certificate is still reported for its serial, not as unparsable."""

    def header(at: int) -> tuple[int, int, int] | None:
        # (tag, where the content starts, its length)
        if at + 2 > len(der):
            return None
        tag, size, at = der[at], der[at + 1], at + 2
        if size & 0x80:
            count = size & 0x7F
            if not 0 < count <= 4 or at + count > len(der):
                return None
            size, at = int.from_bytes(der[at : at + count], "big"), at + count
        return tag, at, size

    outer = header(0)
    tbs = header(outer[1]) if outer and outer[0] == 0x30 else None
    if tbs is None or tbs[0] != 0x30:
        return None
    field = header(tbs[1])
    if field is not None and field[0] == 0xA0:  # [0] EXPLICIT version
        field = header(field[1] + field[2])
    if field is None or field[0] != 0x02 or not 0 < field[2] <= 64:
        return None
    start, size = field[1], field[2]
    if start + size > len(der):
        return None
    return int.from_bytes(der[start : start + size], "big", signed=True)


def name_text(name: x509.Name) -> str:
    """An X.509 name as RFC 4514 text ("CN=mx.example.com,O=Example") for what findings say
    about a certificate; a name the library cannot render reads "<unparsable name>" instead of
    raising. Shared by certificate and DANE findings so both name certificates the same way."""
    try:
        return name.rfc4514_string()
    except ValueError:
        return "<unparsable name>"


def dns_sans(cert: x509.Certificate) -> list[str] | None:
    """The DNS-ID SANs, or None when the certificate has no subjectAltName extension."""
    try:
        ext = cert.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME)
    except x509.ExtensionNotFound:
        return None
    except ValueError:
        return []
    return [str(v) for v in ext.value.get_values_for_type(x509.DNSName)]


def ip_sans(cert: x509.Certificate | None) -> list[str]:
    """The certificate's iPAddress SANs as text ([] when none, or no certificate was read):
    SMTP-11 names them when they are all a certificate offers, as they never match a host
    name; the HTTPS checks name them for a URL's IP address."""
    if cert is None:
        return []
    try:
        ext = cert.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME)
    except (x509.ExtensionNotFound, ValueError):
        return []
    return [str(v) for v in ext.value.get_values_for_type(x509.IPAddress)]


def common_names(cert: x509.Certificate) -> list[str]:
    try:
        return [str(a.value) for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    except ValueError:
        return []


def key_description(cert: x509.Certificate) -> tuple[str, int | None]:
    try:
        key = cert.public_key()
    except Exception:  # unsupported key algorithm
        return "unknown", None
    if isinstance(key, rsa.RSAPublicKey):
        return "RSA", key.key_size
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"EC {key.curve.name}", key.key_size
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "Ed25519", 256
    if isinstance(key, ed448.Ed448PublicKey):
        return "Ed448", 456
    if isinstance(key, dsa.DSAPublicKey):
        return "DSA", key.key_size
    return type(key).__name__, None


def signature_hash_name(cert: x509.Certificate) -> str:
    try:
        algo = cert.signature_hash_algorithm
    except Exception:  # unsupported algorithm
        return "unknown"
    return algo.name if algo is not None else "none (EdDSA)"


def spki_der(cert: x509.Certificate) -> bytes:
    return cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def cert_facts(der: bytes, now: datetime | None = None) -> CertFacts:
    cert = load_der(der)
    if cert is None:
        serial = der_serial(der)
        if serial is not None and serial <= 0:
            # A cryptography that refuses such serials (as 50 says a future release will):
            # the reason is known, and SMTP-09 still says it.
            return CertFacts(
                subject="<certificate with a serial number that is not positive>",
                serial=format(serial, "x"),
                serial_positive=False,
            )
        return CertFacts(subject="<unparsable certificate>")
    return facts_of(cert, now)


def facts_of(cert: x509.Certificate, now: datetime | None = None) -> CertFacts:
    now = now or datetime.now(UTC)
    key_type, key_size = key_description(cert)
    try:
        spki_hash = hashlib.sha256(spki_der(cert)).hexdigest()
    except Exception:  # unsupported key type
        spki_hash = ""
    is_ca = False
    try:
        bc = cert.extensions.get_extension_for_oid(ExtensionOID.BASIC_CONSTRAINTS).value
        is_ca = bool(bc.ca)
    except (x509.ExtensionNotFound, ValueError):
        pass
    not_after = cert.not_valid_after_utc
    serial = serial_of(cert)
    return CertFacts(
        subject=name_text(cert.subject),
        issuer=name_text(cert.issuer),
        sans=dns_sans(cert) or [],
        not_before=cert.not_valid_before_utc.isoformat(),
        not_after=not_after.isoformat(),
        days_left=int((not_after - now).total_seconds() // 86400),
        key_type=key_type,
        key_size=key_size,
        signature_hash=signature_hash_name(cert),
        self_signed=cert.issuer == cert.subject,
        is_ca=is_ca,
        serial=format(serial, "x"),
        serial_positive=serial > 0,
        spki_sha256=spki_hash,
    )


# --------------------------------------------------------------------------------------------
# Name matching (RFC 9525 §6.3; RFC 8461 §4.2 for MTA-STS)


def _labels(name: str) -> list[str] | None:
    name = name.strip().rstrip(".").lower()
    if not name:
        return None
    try:
        # Compare in A-label form so a U-label host and an A-label SAN agree, by IDNA2008 as
        # CAs write dNSNames and the engine makes names (checks.domainname): Python's "idna"
        # codec (IDNA2003) turns straße.example into strasse.example, which no certificate
        # for xn--strae-oqa.example names.
        name = _to_a_labels(name) if not name.isascii() else name
    except UnicodeError:
        return None
    labels = name.split(".")
    if any(label == "" for label in labels):
        return None
    return labels


_WILDCARD_LABEL = re.compile(r"[a-z0-9-]+")


def dns_id_matches(pattern: str, host: str) -> bool:
    """Does the DNS-ID `pattern` (from a SAN) match the reference identifier `host`?

    RFC 9525 §6.3: a wildcard is honoured only as the complete left-most label ("*.example.com"),
    it matches exactly one label, and never a partial label ("f*.example.com", "*oo.example.com"
    do not match). A wildcard directly under a single label is refused as too broad.
    """
    p = _labels(pattern)
    h = _labels(host)
    if p is None or h is None:
        return False
    if p[0] == "*":
        if any("*" in label for label in p[1:]) or len(p) < 3:
            return False
        # OpenSSL (X509_check_host) lets the wildcard stand only for letters, digits and
        # hyphens: "*.example.com" does not cover "mx_1.example.com" for Postfix or Exim.
        return len(h) == len(p) and h[1:] == p[1:] and _WILDCARD_LABEL.fullmatch(h[0]) is not None
    if any("*" in label for label in p):
        return False
    return p == h


def misplaced_wildcards(names: list[str]) -> list[str]:
    """The names among `names` (SANs) with a wildcard dns_id_matches never honours: not the
    whole left-most label ("mx*.example.com"), more than one ("*.*.example.com"), or directly
    under a single label ("*.com")."""
    out = []
    for name in names:
        labels = _labels(name)
        if "*" not in name or labels is None:
            continue
        if labels[0] != "*" or any("*" in label for label in labels[1:]) or len(labels) < 3:
            out.append(name)
    return out


def san_matches(der: bytes, host: str) -> bool:
    """True when a SAN DNS-ID of the certificate matches `host`; the CN is never used.

    What MTA-STS (RFC 8461 §4.2) and PKIX senders require (RFC 9525 drops the CN-ID).
    """
    cert = load_der(der)
    if cert is None:
        return False
    # A SAN with a trailing dot is not in the preferred name syntax (RFC 5280 §4.2.1.6) and
    # OpenSSL, Go and cryptography's verifier match no host with it: neither do we here.
    sans = [san for san in dns_sans(cert) or [] if not san.endswith(".")]
    return any(dns_id_matches(san, host) for san in sans)


def cn_matches(der: bytes, host: str) -> bool:
    """True when the certificate has no subjectAltName DNS name and its CN matches `host`.

    What OpenSSL's X509_check_host (Postfix, Exim and most senders) falls back to: the CN is
    consulted when no DNS name is among the SANs, whether there is no SAN at all or only an
    IP address, as RFC 6125 §6.4.4 allows when no DNS-ID, SRV-ID or URI-ID is presented. RFC
    8461 §4.2 (MTA-STS) wants a SAN DNS-ID and RFC 9525 drops the CN-ID: `san_matches`.
    """
    cert = load_der(der)
    if cert is None:
        return False
    try:
        ext = cert.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME)
    except x509.ExtensionNotFound:
        pass
    except ValueError:
        return False  # an unparsable SAN: no verifier gets as far as the CN
    else:
        if ext.value.get_values_for_type(x509.DNSName):
            return False
    return any(dns_id_matches(cn, host) for cn in common_names(cert))


def wildcard_over(names: list[str], host: str) -> bool:
    """Whether one of `names` is a wildcard under which `host` lies ('*.example.com' for
    mx.eu.example.com, or for example.com itself): where a certificate fails a host for a
    wildcard, SMTP-11 and DANE-09 say that a wildcard covers only one label."""
    host = host.lower().rstrip(".")
    for name in names:
        label, _, base = name.lower().rstrip(".").partition(".")
        if "*" in label and base and (host == base or host.endswith("." + base)):
            return True
    return False


def cn_beside_sans(der: bytes, host: str) -> bool:
    """True when the certificate's CN matches `host` while it has subjectAltName DNS names,
    none of which match it (s45c-sancn): a CN senders do not read, since X509_check_host
    consults the CN only without a SAN DNS name (RFC 6125 §6.4.4) and RFC 9525 drops the CN-ID.
    SMTP-11 says so, or an owner who sees 'CN=<MX name>' cannot tell why it does not count."""
    cert = load_der(der)
    if cert is None:
        return False
    try:
        ext = cert.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME)
    except (x509.ExtensionNotFound, ValueError):
        return False
    sans = ext.value.get_values_for_type(x509.DNSName)
    return (
        bool(sans)
        and not any(dns_id_matches(san, host) for san in sans)
        and any(dns_id_matches(cn, host) for cn in common_names(cert))
    )


def name_matches(der: bytes, host: str) -> bool:
    """True when the certificate is valid for `host` as a DANE-TA(2) sender checks names.

    RFC 7672 §3.2.3 still accepts the CN when the certificate has no subjectAltName DNS name
    (OpenSSL, which Postfix's DANE uses, does so whether the SANs are absent or only IP
    addresses: `cn_matches`), never when one exists. Only DANE uses this; everything else
    wants `san_matches`.
    """
    cert = load_der(der)
    if cert is None:
        return False
    sans = dns_sans(cert)
    return any(dns_id_matches(san, host) for san in sans or []) or cn_matches(der, host)


def readable_name(name: str) -> str:
    """A host name as findings show it: an internationalised one in its A-labels, as DNS and
    certificates hold it, followed by its U-labels for people ("mx1.xn--bcher-kva.example
    (mx1.bücher.example)"); any other name, or one whose A-labels do not decode, as it is."""
    if "xn--" not in name.lower():
        return name
    try:
        # A wildcard label ("*.xn--bcher-kva.example") stays as it is.
        shown = ".".join(label if label == "*" else _to_u_label(label) for label in name.split("."))
    except UnicodeError:
        return name
    return name if shown.lower() == name.lower() else f"{name} ({shown})"


def is_ip_literal(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


# --------------------------------------------------------------------------------------------
# Chain verification


@dataclass
class ChainResult:
    ok: bool
    # None | 'expired' | 'not-yet-valid' | 'name-mismatch' | 'self-signed' | 'untrusted'
    # | 'incomplete-chain' | 'invalid' | 'weak-key' (a valid path, with a key under
    # MIN_RSA_BITS that OpenSSL-based senders refuse: see short_keys)
    error: str | None = None
    detail: str = ""
    complete: bool = True
    expired: bool = False
    trusted: bool = False
    name_ok: bool = False
    # Subject of a presented CA certificate outside its validity that broke the path (error
    # 'expired' with a current leaf); '' otherwise.
    expired_ca: str = ""
    # Which way that CA certificate is outside its validity, from its notBefore/notAfter at
    # the check time: 'expired' or 'not-yet-valid' ('' without one). Findings read this, not
    # `detail`, whose words quote the CA's own name (which may say anything, "expired on" too).
    stale_ca_state: str = ""
    # The same account of a stale CA certificate on the leaf's path when the leaf's own dates
    # fail too (error 'expired' or 'not-yet-valid' for the leaf), as `detail` gives it for a
    # current leaf ("the CA certificate 'CN=…' expired on …"), and which way ('expired' or
    # 'not-yet-valid'); '' otherwise. Kept apart from expired_ca, which says the leaf is fine.
    stale_ca_too: str = ""
    stale_ca_too_state: str = ""
    # The leaf asserts basicConstraints cA=TRUE and the path was validated with that tolerated
    # (see verify_chain): OpenSSL-based senders accept it, webpki-based ones do not.
    leaf_is_ca: bool = False
    # The leaf's notBefore was ahead of our clock by no more than NOT_BEFORE_SKEW, and it was
    # validated as of its notBefore (see verify_chain).
    starts_within_skew: bool = False
    # Subject of a CA certificate on the leaf's path whose key short_keys calls too short
    # (error 'invalid': the verifier refuses the signature it makes); '' otherwise.
    short_ca: str = ""


@lru_cache(maxsize=8)
def _load_roots(ca_bundle: str | None) -> tuple[x509.Certificate, ...]:
    path = ca_bundle
    if path is None:
        paths = ssl.get_default_verify_paths()
        path = paths.cafile or paths.openssl_cafile
        if not path or not os.path.isfile(path):
            try:
                import certifi

                path = certifi.where()
            except ImportError:
                return ()
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError:
        return ()
    return _each_certificate(data)


_PEM_CERTIFICATE = re.compile(
    rb"-----BEGIN CERTIFICATE-----\r?\n.+?-----END CERTIFICATE-----", re.DOTALL
)


def _each_certificate(bundle: bytes) -> tuple[x509.Certificate, ...]:
    """Every certificate of a PEM bundle that parses, read one by one: a certificate the
    library refuses costs only itself. Debian's bundle holds a root whose serial RFC 5280
    forbids (cryptography warns, and says a future release refuses it); read as one, the
    bundle would give no roots and every MX chain would read "not trusted". The warning is
    the trust store's, not the checked domain's (any_serial_read)."""
    found: list[x509.Certificate] = []
    for block in _PEM_CERTIFICATE.finditer(bundle):
        with any_serial_read():
            try:
                found.append(x509.load_pem_x509_certificate(block.group()))
            except ValueError:
                continue
    return tuple(found)


def roots_for(ca_bundle: str | None) -> tuple[x509.Certificate, ...]:
    return _load_roots(ca_bundle)


def issued_by(child: x509.Certificate, parent: x509.Certificate) -> bool:
    """True when `parent` issued `child`: its subject is `child`'s issuer name and its key
    verifies `child`'s signature. Used to build chains from the certificates a server sends
    (here and for DANE-TA trust anchors in checks/dane.py); a name match alone is not enough,
    as two CAs can share a name (cross-signing, re-keying)."""
    if child.issuer != parent.subject:
        return False
    try:
        child.verify_directly_issued_by(parent)
    except Exception:  # wrong key type or bad signature: not issued by this parent
        return False
    return True


def _leaf_path(certs: list[x509.Certificate]) -> list[x509.Certificate]:
    """The leaf (certs[0]) and the presented certificates that issue it, one after the other,
    taken from the presented ones in any order; it ends at a self-signed certificate or where
    no presented certificate issued the last one."""
    path = [certs[0]]
    while path[-1].issuer != path[-1].subject:
        child = path[-1]
        parent = next(
            (c for c in certs[1:] if not any(c is p for p in path) and issued_by(child, c)),
            None,
        )
        if parent is None:
            break
        path.append(parent)
    return path


# Signature hashes no verifier accepts on a leaf or an intermediate: OpenSSL 3 refuses SHA-1
# and MD5 certificate signatures from its default security level 1 up, as cryptography's
# verifier does. A root's own self-signature is never checked, so it may be SHA-1.
WEAK_SIGNATURE_HASHES = {"sha1": "SHA-1", "md5": "MD5"}


def _weakly_signed(certs: list[x509.Certificate]) -> x509.Certificate | None:
    """The first certificate signed with a weak hash on the leaf's (certs[0]) path through the
    presented certificates, linked by name: the signature itself cannot be checked, which is
    the point. None when the path has none, or ends at a self-signed certificate first."""
    path = [certs[0]]
    while path[-1].issuer != path[-1].subject:
        child = path[-1]
        if signature_hash_name(child) in WEAK_SIGNATURE_HASHES:
            return child
        parent = next(
            (c for c in certs[1:] if c.subject == child.issuer and not any(c is p for p in path)),
            None,
        )
        if parent is None:
            break
        path.append(parent)
    return None


def _current(cert: x509.Certificate, now: datetime) -> bool:
    return cert.not_valid_before_utc <= now <= cert.not_valid_after_utc


def _same_ca(a: x509.Certificate, b: x509.Certificate) -> bool:
    """The same CA in another certificate: same subject and key (a cross-sign, a reissue)."""
    try:
        return a.subject == b.subject and spki_der(a) == spki_der(b)
    except Exception:  # unsupported key type: not known to be the same
        return False


# OpenSSL's default security level 2 (Debian, Ubuntu and RHEL builds, Python's ssl) refuses RSA
# and DSA keys under 2048 bits in a chain it validates ("EE certificate key too weak"), so
# MTA-STS and DANE-TA senders on it do not deliver; cryptography's verifier checks the
# signatures only. Without validation (opportunistic TLS) the key is not judged.
MIN_RSA_BITS = 2048


def short_keys(chain: list[CertFacts]) -> list[CertFacts]:
    """The certificates of `chain` (the leaf first) with an RSA or DSA key too short for
    MIN_RSA_BITS: the one rule, for MTA-STS validation (_short_on_path) and STARTTLS's SMTP-14.
    A self-signed root after the leaf is left out: its own key is the trust store's business."""
    return [
        cert
        for index, cert in enumerate(chain)
        if not (index > 0 and cert.self_signed)
        and cert.key_type in {"RSA", "DSA"}
        and cert.key_size is not None
        and cert.key_size < MIN_RSA_BITS
    ]


def short_key_text(cert: CertFacts, name: str) -> str:
    """The sentence naming a key short_keys picked out, `name` standing for the certificate:
    "CN=R3 has a 1024-bit RSA key". SMTP-14 and the chain verdicts below say it alike."""
    return f"{name} has a {cert.key_size}-bit {cert.key_type} key"


def _short_on_path(path: list[x509.Certificate]) -> list[tuple[x509.Certificate, CertFacts]]:
    """The certificates on the leaf's path (_leaf_path) that short_keys names, leaf first."""
    facts = [facts_of(cert) for cert in path]
    short = short_keys(facts)
    return [(c, f) for c, f in zip(path, facts, strict=True) if any(f is s for s in short)]


def _stale_issuer(
    certs: list[x509.Certificate], now: datetime, roots: tuple[x509.Certificate, ...] = ()
) -> x509.Certificate | None:
    """The first presented CA certificate outside its validity at `now` among the issuers
    reachable from the leaf (certs[0]) through the presented certificates, in any order.
    A stray expired certificate that issues nothing on the leaf's path is not blamed, nor one
    with a current twin among the presented certificates or the roots: an expired cross-sign
    sent beside the root it stands for (the long Let's Encrypt chain, X1 cross-signed by the
    expired DST Root CA X3) breaks no path, verifiers take the current one."""
    reached = [certs[0]]
    pool = certs[1:]
    for child in reached:
        for parent in pool:
            if any(parent is r for r in reached) or not issued_by(child, parent):
                continue
            if not _current(parent, now):
                if any(
                    twin is not parent and _current(twin, now) and _same_ca(twin, parent)
                    for twin in (*pool, *roots)
                ):
                    continue
                return parent
            reached.append(parent)
    return None


def _stale_ca_account(stale: x509.Certificate, now: datetime) -> tuple[str, str]:
    """What the report says of a CA certificate outside its validity at `now` ("the CA
    certificate 'CN=…' expired on …" or "… is not valid before …") and which way it is
    ('expired' or 'not-yet-valid'), decided from its dates, never from its name's words."""
    state = "expired" if stale.not_valid_after_utc < now else "not-yet-valid"
    return f"the CA certificate '{name_text(stale.subject)}' " + (
        f"expired on {utc_text(stale.not_valid_after_utc)}"
        if state == "expired"
        else f"is not valid before {utc_text(stale.not_valid_before_utc)}"
    ), state


# How far a leaf's notBefore may be ahead of our clock and still be judged valid. A certificate
# installed the moment it is issued (ACME clients deploy within seconds; not every CA backdates
# notBefore) is "not yet valid" for a few seconds to clients whose clock runs behind the CA's,
# ours included: failing SMTP-10 / MTA-STS for that would call a working MX broken in a report
# that is stale by the time anyone reads it. Five minutes is the skew Kerberos tolerates by
# default, well above NTP-synchronised drift. notAfter gets no such grace: a certificate
# that has just expired stays expired.
NOT_BEFORE_SKEW = timedelta(minutes=5)


def _leaf_is_ca(cert: x509.Certificate) -> bool:
    try:
        bc = cert.extensions.get_extension_for_oid(ExtensionOID.BASIC_CONSTRAINTS).value
    except (x509.ExtensionNotFound, ValueError):
        return False
    return bool(bc.ca)


def _ca_leaf_policy() -> Any:
    """An end-entity extension policy that lets the leaf assert cA=TRUE, or None when this
    cryptography has no ExtensionPolicy (before 45).

    RFC 5280 does not forbid a CA certificate as a server's end-entity certificate, and
    OpenSSL (Postfix, Exim, Sendmail) accepts one; cryptography's verifier, like rustls/webpki,
    rejects it (as CA/B Forum Baseline Requirements forbid it). The path is validated in every
    other respect with the defaults, and the caller reports the disagreement."""
    try:
        from cryptography.x509.verification import Criticality, ExtensionPolicy
    except ImportError:
        return None
    return (
        ExtensionPolicy.webpki_defaults_ee()
        .may_be_present(x509.BasicConstraints, Criticality.AGNOSTIC, None)
        # A CA certificate carries keyCertSign, which the defaults refuse on a leaf; OpenSSL
        # asks only for a key usage a TLS server can use (its X509_PURPOSE_SSL_SERVER).
        .may_be_present(x509.KeyUsage, Criticality.AGNOSTIC, _tls_server_key_usage)
    )


def _tls_server_key_usage(_policy: Any, _cert: x509.Certificate, usage: Any) -> None:
    if usage is None:
        return
    if not (usage.digital_signature or usage.key_encipherment or usage.key_agreement):
        raise ValueError("keyUsage allows no TLS server use")


def peer_chain(obj: ssl.SSLObject) -> list[bytes]:
    """The certificates as the server sent them, leaf first (STARTTLS and HTTPS alike).

    CPython has exposed the unverified chain on the C object since 3.10 (public in 3.13 as
    SSLObject.get_unverified_chain); without it we only get the leaf.
    """
    getter = getattr(obj, "get_unverified_chain", None)
    inner = getattr(obj, "_sslobj", None)
    if getter is None and inner is not None:
        getter = getattr(inner, "get_unverified_chain", None)
    if getter is not None:
        try:
            chain = getter() or []
            out = []
            for cert in chain:
                if isinstance(cert, bytes):
                    out.append(cert)
                else:
                    out.append(cert.public_bytes(ssl._ssl.ENCODING_DER))  # type: ignore[attr-defined]
            if out:
                return out
        except Exception:  # private API changed: fall back to the leaf
            pass
    leaf = obj.getpeercert(binary_form=True)
    return [leaf] if leaf else []


def stale_ca_fix(host: str, detail: str, state: str, then: str = "") -> str:
    """What to do about a current leaf sent under a CA certificate outside its validity: one
    instruction for SMTP-09 (and so MTASTS-32), MTASTS-12 and BIMI-04/-10 alike.

    `detail` is verify_chain's account of that CA certificate (ChainResult.detail, also
    https.CertInfo.stale_ca: its subject and date in UTC) and `state` is ChainResult.stale_ca_state
    ('expired' or 'not-yet-valid'). The leaf is fine, so renewing it is not the fix (an ACME
    client renewing it may well keep the same stale chain file): the intermediate is. One
    not valid yet is most often a CA's renewed copy installed ahead of its start; the copy
    valid now (same name and key) still links the leaf.

    `then` is the instruction for a leaf outside its own dates as well (ChainResult.stale_ca_too):
    it comes second, since a new leaf sent with the same stale chain would fail all the same."""
    leaf = (
        f" Do this first: a new certificate for {host} sent with that chain would fail too. "
        f"Then {then[:1].lower()}{then[1:]}"
        if then
        else " The server's own certificate can stay."
    )
    if state == "not-yet-valid":
        return (
            f"Install the intermediate certificate from your CA that is valid now in the chain "
            f"{host} sends, in place of the one that is not valid yet: {detail}.{leaf}"
        )
    return (
        f"Install the current intermediate certificate from your CA in the chain {host} sends, "
        f"in place of the expired one: {detail}.{leaf}"
    )


def renew_under_stale_ca_fix(
    host: str, detail: str, state: str, cert_word: str = "", ended: str = ""
) -> str:
    """What to do about an expired leaf sent with a CA certificate outside its validity too
    (ChainResult.stale_ca_too, `detail` and `state` as for stale_ca_fix): renewing the leaf
    from its CA and installing it with the chain that CA issues now mends both; renewing it
    alone, with the same chain file, would not. One instruction for SMTP-09/-10 and MTASTS-12;
    `ended` is the leaf's notAfter in words, when the finding's text does not say it."""
    stale = (
        "a CA certificate that is not valid yet"
        if state == "not-yet-valid"
        else "an expired CA certificate"
    )
    return (
        f"Renew the {cert_word or 'certificate'} of {host}"
        + (f" (it expired on {ended})" if ended else "")
        + " and install it with the full chain "
        "your CA issues with it now (with an ACME client: the full chain file, such as "
        f"fullchain.pem, not cert.pem): the chain it sends now holds {stale} too ({detail}), "
        "and a new certificate sent with that chain would fail as well."
    )


def utc_text(moment: datetime) -> str:
    """A certificate time as the report shows it: to the second, in UTC."""
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"


def verify_chain(
    chain_der: list[bytes],
    host: str,
    ca_bundle: str | None,
    now: datetime | None = None,
) -> ChainResult:
    """PKIX-validate the chain as presented (leaf first) for `host` against the bundle's roots.

    The verification proper is cryptography's RFC 5280 path builder; the reason is then
    isolated by re-running it at a time inside the leaf's validity and for a name the leaf
    carries, so that "expired", "wrong name" and "not trusted" are reported separately
    (TLS-RPT result types certificate-expired / certificate-host-mismatch / certificate-not-trusted).
    """
    from cryptography.x509.verification import (
        DNSName,
        PolicyBuilder,
        Store,
        VerificationError,
    )

    now = now or datetime.now(UTC)
    certs = [c for c in (load_der(d) for d in chain_der) if c is not None]
    if not certs:
        return ChainResult(ok=False, error="invalid", detail="no parsable certificate presented")
    leaf, intermediates = certs[0], certs[1:]
    roots = roots_for(ca_bundle)
    # PKIX as MTA-STS senders do it: SAN DNS-ID only, as cryptography's verifier below.
    name_ok = san_matches(chain_der[0], host)
    result = ChainResult(ok=False, name_ok=name_ok)
    ahead = leaf.not_valid_before_utc - now
    if timedelta(0) < ahead <= NOT_BEFORE_SKEW:
        # Within the clock skew we allow (NOT_BEFORE_SKEW): judged as of its notBefore.
        now = leaf.not_valid_before_utc
        result.starts_within_skew = True
    expired = leaf.not_valid_after_utc < now
    not_yet = leaf.not_valid_before_utc > now
    result.expired = expired
    ee_policy = _ca_leaf_policy() if _leaf_is_ca(leaf) else None
    result.leaf_is_ca = ee_policy is not None
    if not roots:
        result.error = "untrusted"
        result.detail = "no trusted roots could be loaded"
        return result
    store = Store(list(roots))

    def attempt(at: datetime, name: str) -> str | None:
        try:
            builder = PolicyBuilder().store(store).time(at)
            if ee_policy is not None:
                from cryptography.x509.verification import ExtensionPolicy

                builder = builder.extension_policies(
                    ca_policy=ExtensionPolicy.webpki_defaults_ca(), ee_policy=ee_policy
                )
            verifier = builder.build_server_verifier(DNSName(name))
            verifier.verify(leaf, intermediates)
        except VerificationError as exc:
            return str(exc) or "verification failed"
        except ValueError as exc:  # a name cryptography will not accept as a DNSName
            return str(exc)
        return None

    def verifiable(name: str) -> bool:
        if _labels(name) is None:
            return False
        try:
            PolicyBuilder().store(store).time(now).build_server_verifier(DNSName(name))
        except ValueError:
            return False
        return True

    # Names the leaf claims that the verifier takes, to check the path apart from the name.
    probe_names = [
        probe
        for probe in (n.replace("*", "wildcard", 1) for n in (dns_sans(leaf) or []))
        if verifiable(probe)
    ]
    labels = _labels(host)
    reference = ".".join(labels) if labels else host
    if labels is None:
        error = "bad host name"
    elif verifiable(reference):
        error = attempt(now, reference)
    else:
        # cryptography's verifier takes no name with an underscore ("mx_1.example.com"), which
        # OpenSSL matches as any other: the path is checked for a name the leaf claims, and
        # the name is san_matches' verdict (above).
        error = attempt(now, probe_names[0]) if probe_names else "no usable name"
        if error is None and not name_ok:
            error = f"not valid for {host}"
    short_on_path = _short_on_path(_leaf_path(certs))
    if error is None:
        result.trusted = result.name_ok = True
        if not short_on_path:
            result.ok = True
            return result
        weak_key, weak_facts = short_on_path[0]
        what = (
            "the certificate"
            if weak_key is leaf
            else f"the CA certificate '{name_text(weak_key.subject)}'"
        )
        result.error = "weak-key"
        result.detail = (
            f"{short_key_text(weak_facts, what)}; OpenSSL-based senders validating it refuse "
            f"keys under {MIN_RSA_BITS} bits at their default security level"
        )
        return result
    # Isolate trust: a time inside the validity window and a name the leaf claims.
    middle = leaf.not_valid_before_utc + (leaf.not_valid_after_utc - leaf.not_valid_before_utc) / 2
    if middle < leaf.not_valid_before_utc + timedelta(seconds=1):
        middle = leaf.not_valid_before_utc
    probe_name = probe_names[0] if probe_names else reference
    trust_error = attempt(middle, probe_name) if verifiable(probe_name) else "no usable name"
    # When the CA certificates are younger than the expired leaf, no single instant validates
    # the whole path; nor does any name when the leaf has no DNS-ID the verifier takes (only IP
    # SANs, only a CN). A leaf that links by signature through the presented certificates up
    # to one of our roots is still "trusted". The path is the leaf's own, taken from what was
    # sent in any order, as verifiers build it (RFC 5280 §6, RFC 8446 §4.4.2): a stray extra
    # certificate or a chain sent out of order does not make a public CA a private one.
    # Anchored wherever the path meets a root: a root sent cross-signed by an older CA
    # ([leaf, intermediate, root-by-old-root]) ends the presented path above the anchor.
    anchored = any(
        cert == root or issued_by(cert, root) for cert in _leaf_path(certs) for root in roots
    )
    result.trusted = trust_error is None or anchored
    if result.trusted:
        if expired or not_yet:
            if expired:
                result.error = "expired"
                result.detail = f"expired on {utc_text(leaf.not_valid_after_utc)}"
            else:
                result.error = "not-yet-valid"
                # To the second: a certificate issued minutes ago differs from one dated next
                # month.
                result.detail = f"not valid before {utc_text(leaf.not_valid_before_utc)}"
            if (stale := _stale_issuer(certs, now, roots)) is not None:
                # Both out of their dates: a new leaf alone, sent with the same stale CA
                # certificate, would still fail, so the CA certificate is named as well.
                result.stale_ca_too, result.stale_ca_too_state = _stale_ca_account(stale, now)
        elif not name_ok:
            result.error, result.detail = "name-mismatch", f"not valid for {host}"
        elif (stale := _stale_issuer(certs, now, roots)) is not None:
            # The leaf is current, so the path failed on an intermediate: say which one,
            # rather than the verifier's "cert is not valid at validation time".
            result.error = "expired"
            result.expired_ca = name_text(stale.subject)
            result.detail, result.stale_ca_state = _stale_ca_account(stale, now)
        elif (short_ca := next((c for c in short_on_path if c[0] is not leaf), None)) is not None:
            # The verifier refuses a signature made with a short key ("candidates exhausted:
            # RSA key is too weak"), as OpenSSL at its default security level does: a fault of
            # the CA's chain, which a new leaf under it would not mend.
            result.error = "invalid"
            result.short_ca = name_text(short_ca[0].subject)
            result.detail = (
                short_key_text(short_ca[1], f"the chain's CA certificate '{result.short_ca}'")
                + ", which validators refuse"
            )
        elif not probe_names and not verifiable(reference):
            # No name here that the verifier takes (each has an underscore): the path linked
            # by signature to a root, with the dates and names checked above, is the verdict.
            result.ok = True
        elif "serial number cannot be negative" in error and any(
            serial_of(cert) < 0 for cert in _leaf_path(certs)
        ):
            # cryptography's verifier stops at a negative serial (RFC 5280 §4.1.2.2), as Go
            # does; OpenSSL (Postfix, Exim) validates the path. Judged as OpenSSL does, on what
            # is checked above: linked by signature to a root, dates, name, keys. The refusal
            # is SMTP-09's warning (CertFacts.serial_positive), not "does not validate".
            result.ok = True
        else:
            result.error, result.detail = "invalid", _verifier_reason(error, _leaf_path(certs))
        return result
    # A SHA-1 signature breaks the path where it is, however complete the chain: the issuer was
    # sent (or is a root), so neither "did not send the issuer" nor "private CA" would be true.
    weak = _weakly_signed(certs)
    if weak is not None:
        result.error = "invalid"
        result.detail = (
            f"the certificate '{name_text(weak.subject)}' is signed with "
            f"{WEAK_SIGNATURE_HASHES[signature_hash_name(weak)]}, which senders no longer accept"
        )
        return result
    # Not trusted: self-signed, a missing intermediate, or an unknown CA. Judged on the leaf's
    # own path through what was sent, in any order: a server that sends its root in place of
    # the intermediate ([leaf, root]) is missing the intermediate, not using a private CA.
    top = _leaf_path(certs)[-1]
    if top is leaf and leaf.issuer == leaf.subject:
        result.error, result.detail = "self-signed", "the certificate is self-signed"
        return result
    if top.issuer != top.subject and not any(r.subject == top.issuer for r in roots):
        # The path stops at a certificate whose issuer was neither sent nor is a root we know.
        result.complete = False
        result.error = "incomplete-chain"
        result.detail = (
            f"the server did not send the certificate of the issuer {name_text(top.issuer)}"
        )
        return result
    result.error = "untrusted"
    if top.issuer == top.subject:
        result.detail = f"its chain ends at '{name_text(top.subject)}', which is not a trusted root"
    else:
        # Its issuer's name is a root's, but the root's key did not sign it (another CA of
        # that name), or the path broke on a constraint: the verifier's reason, in words.
        result.detail = (
            f"it does not chain to a trusted root ({_verifier_reason(trust_error or '', [])})"
        )
    return result


# What cryptography's verifier says (VerificationError text) in words for the report, by the
# part of the message that names the cause. Its own wording ("validation failed: candidates
# exhausted: …", "(encountered processing <Certificate(…)>)") means nothing to a reader.
_VERIFIER_NOISE = re.compile(
    r"^(?:validation failed: )?(?:candidates exhausted: )?|\s*\(encountered processing .*\)$"
)


def _verifier_reason(error: str, path: list[x509.Certificate]) -> str:
    """The verifier's refusal of the leaf's `path` as a clause after 'does not validate:'.

    The causes tests meet are said plainly, naming the certificate at fault where the path
    shows it; any other keeps the verifier's own words, without its prefixes."""
    if "EKU" in error:
        for index, cert in enumerate(path):
            try:
                usages = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
            except (x509.ExtensionNotFound, ValueError):
                continue
            if ExtendedKeyUsageOID.SERVER_AUTH not in usages:
                what = (
                    "the certificate"
                    if index == 0
                    else f"the CA certificate '{name_text(cert.subject)}'"
                )
                return (
                    f"{what} is not for TLS servers (its extendedKeyUsage does not include "
                    "serverAuth)"
                )
    if "keyUsage allows no TLS server use" in error:
        return "the certificate's keyUsage allows no TLS server use"
    if "name constraint" in error and (said := _constraint_text(path)) is not None:
        return said
    return _VERIFIER_NOISE.sub("", error) or "verification failed"


def _constraint_text(path: list[x509.Certificate]) -> str | None:
    """The CA certificate on `path` whose nameConstraints (RFC 5280 §4.2.1.10) the leaf's DNS
    names break, in words: a company sub-CA limited to its own names, asked for another
    (s47c-ncmx: cryptography says only "no permitted name constraints matched SAN"). Only the
    subtree a name breaks is named, with the names that break it (s47r2: a CA permitting
    example.com and excluding internal.example.com, asked for mx.internal.example.com, read
    "may issue only for names under example.com"). None when no DNS name breaks one."""
    names = dns_sans(path[0]) if path else None
    for cert in path[1:]:
        try:
            nc = cert.extensions.get_extension_for_class(x509.NameConstraints).value
        except (x509.ExtensionNotFound, ValueError):
            continue
        permitted = [n.value for n in nc.permitted_subtrees or [] if isinstance(n, x509.DNSName)]
        excluded = [n.value for n in nc.excluded_subtrees or [] if isinstance(n, x509.DNSName)]
        what = f"the CA certificate '{name_text(cert.subject)}'"
        # Checked first: a name inside an excluded subtree is refused whatever is permitted.
        if banned := [n for n in names or [] if any(_within(n, base) for base in excluded)]:
            hit = [b for b in excluded if any(_within(n, b) for n in banned)]
            return (
                f"{what} may not issue for names under {', '.join(hit)} (its "
                f"nameConstraints, RFC 5280 §4.2.1.10), and the certificate names "
                f"{', '.join(banned)}"
            )
        if permitted and (
            outside := [n for n in names or [] if not any(_within(n, b) for b in permitted)]
        ):
            return (
                f"{what} may issue only for names under {', '.join(permitted)} (its "
                f"nameConstraints, RFC 5280 §4.2.1.10), and the certificate names "
                f"{', '.join(outside)}"
            )
    return None


def _within(name: str, base: str) -> bool:
    """`name` is in the DNS name subtree `base`: the name itself or one made by adding labels
    to its left (RFC 5280 §4.2.1.10); a leading dot, which some CAs write, is read as the
    same subtree."""
    name, base = name.lower().rstrip("."), base.lower().strip(".")
    return not base or name == base or name.endswith("." + base)


# --------------------------------------------------------------------------------------------
# TLSA (RFC 6698 §2.1)

TLSA_DIGEST_LENGTHS = {1: 32, 2: 64}


def tlsa_association(der: bytes, selector: int, mtype: int) -> bytes | None:
    """The certificate association data a TLSA record with (selector, mtype) must carry."""
    cert = load_der(der)
    if cert is None:
        return None
    if selector == 0:
        data = der
    elif selector == 1:
        try:
            data = spki_der(cert)
        except Exception:  # unsupported key
            return None
    else:
        return None
    if mtype == 0:
        return data
    if mtype == 1:
        return hashlib.sha256(data).digest()
    if mtype == 2:
        return hashlib.sha512(data).digest()
    return None


def tlsa_matches(der: bytes, selector: int, mtype: int, data: bytes) -> bool:
    expected = tlsa_association(der, selector, mtype)
    return expected is not None and expected == data


def tlsa_record_text(der: bytes, usage: int = 3, selector: int = 1, mtype: int = 1) -> str:
    value = tlsa_association(der, selector, mtype)
    return f"{usage} {selector} {mtype} {value.hex().upper() if value else '?'}"
