"""The lab PKI: Lab Root R1 -> Lab Issuing CA 1 -> leaves, plus an untrusted Rogue Root X.

Leaves whose `chain` names a stale intermediate are issued by a CA of their own under the root
(STALE_CAS), minted on first use so that the other scenarios' certificates do not change.

Everything is minted at `up` (ECDSA P-256, a few ms per certificate), so the only trust the
checker gets is the run's own root PEM (`ca_bundle`).
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import hashlib
import ipaddress
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.lab.scenarios import CertSpec, HttpFile, HttpsHost, Scenario

BIMI_EKU = x509.ObjectIdentifier(
    "1.3.6.1.5.5.7.3.31"
)  # id-kp-BrandIndicatorforMessageIdentification
LOGOTYPE = x509.ObjectIdentifier("1.3.6.1.5.5.7.1.12")  # id-pe-logotype, RFC 3709
MARK_TYPE = x509.ObjectIdentifier("1.3.6.1.4.1.53087.1.13")  # VMC guidelines' subject attribute
# The vhost file whose SVG a lab mark certificate embeds.
MARK_LOGO_PATH = "/logo.svg"

# chain value -> (TLSA placeholder ref, subject CN) of the intermediate that issues such leaves.
STALE_CAS: dict[str, tuple[str, str]] = {
    "expired-intermediate": ("expired-ca", "Lab Issuing CA 2"),
    "not-yet-valid-intermediate": ("not-yet-valid-ca", "Lab Issuing CA 3"),
    "expired-and-valid-intermediate": ("renewed-ca", "Lab Issuing CA 4"),
    # s47c: a current CA whose critical nameConstraints permit only the DNS subtree corp.test
    # (RFC 5280 §4.2.1.10), as a company's sub-CA limited to the names it owned when it was
    # set up: every lab.test leaf it issues breaks the path, though dates and signatures are
    # right.
    "name-constrained-intermediate": ("constrained-ca", "Lab Issuing CA 5"),
}
# The only DNS subtree Lab Issuing CA 5 may issue for.
CONSTRAINED_PERMITTED = "corp.test"


def der_tlv(tag: int, content: bytes) -> bytes:
    size = len(content)
    if size < 0x80:
        return bytes([tag, size]) + content
    octets = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(octets)]) + octets + content


SHA256_OID = bytes.fromhex("608648016503040201")  # 2.16.840.1.101.3.4.2.1, content octets


def logotype_der(
    svg: bytes, *, embedded: bytes | None = None, hash_oid: bytes = SHA256_OID
) -> bytes:
    """An RFC 3709 LogotypeExtn whose subject logo embeds `svg`, as VMCs do: gzip'd, in a
    data:image/svg+xml;base64 URI, with the SHA-256 of the gzip'd bytes as logotypeHash.
    Tests may embed other bytes than gzip(svg), or name another hash algorithm."""
    data = gzip.compress(svg, mtime=0) if embedded is None else embedded
    algorithm = der_tlv(0x30, der_tlv(0x06, hash_oid))
    details = der_tlv(
        0x30,
        der_tlv(0x16, b"image/svg+xml")
        + der_tlv(0x30, der_tlv(0x30, algorithm + der_tlv(0x04, hashlib.sha256(data).digest())))
        + der_tlv(0x30, der_tlv(0x16, b"data:image/svg+xml;base64," + base64.b64encode(data))),
    )
    # subjectLogo [2] EXPLICIT LogotypeInfo; direct [0] (implicit) LogotypeData, whose `image`
    # is a SEQUENCE OF LogotypeImage, each a SEQUENCE { imageDetails }.
    return der_tlv(0x30, der_tlv(0xA2, der_tlv(0xA0, der_tlv(0x30, der_tlv(0x30, details)))))


@dataclass
class Issued:
    key: Any  # ECDSA, or RSA for s18s leaves (CertSpec.key)
    cert: x509.Certificate
    chain: list[x509.Certificate]  # what the server sends after the leaf

    def spki_der(self) -> bytes:
        return self.cert.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )


def _name(cn: str, org: str = "mailsec lab") -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def _san(names: tuple[str, ...]) -> x509.SubjectAlternativeName:
    entries: list[x509.GeneralName] = []
    for n in names:
        try:
            entries.append(x509.IPAddress(ipaddress.ip_address(n)))
        except ValueError:
            entries.append(x509.DNSName(n))
    return x509.SubjectAlternativeName(entries)


ECDSA_SHA256_ALG = bytes.fromhex("300a06082a8648ce3d040302")  # AlgorithmIdentifier DER
ECDSA_SHA1_ALG = bytes.fromhex("300906072a8648ce3d0401")  # ecdsa-with-SHA1, RFC 3279 §2.2.3


def _der_content(der: bytes) -> bytes:
    """The content octets of one DER TLV."""
    size = der[1]
    if size < 0x80:
        return der[2 : 2 + size]
    n = size & 0x7F
    size = int.from_bytes(der[2 : 2 + n], "big")
    return der[2 + n : 2 + n + size]


def _resigned_sha1(
    cert: x509.Certificate, issuer_key: ec.EllipticCurvePrivateKey
) -> x509.Certificate:
    """The same certificate signed with ecdsa-with-SHA1 (s18s). cryptography refuses SHA-1 for
    certificate signatures, so the TBS's algorithm is swapped and signed by hand."""
    tbs = _der_content(cert.tbs_certificate_bytes)
    assert tbs.count(ECDSA_SHA256_ALG) == 1, "only ECDSA issuers are re-signed"
    tbs_der = der_tlv(0x30, tbs.replace(ECDSA_SHA256_ALG, ECDSA_SHA1_ALG))
    signature = issuer_key.sign(tbs_der, ec.ECDSA(hashes.SHA1()))
    body = tbs_der + ECDSA_SHA1_ALG + der_tlv(0x03, b"\x00" + signature)
    return x509.load_der_x509_certificate(der_tlv(0x30, body))


def _der_integer(value: int) -> bytes:
    """A DER INTEGER: the shortest two's-complement octets, 0 and negatives included."""
    size = max(1, (value + (value < 0)).bit_length() // 8 + 1)
    octets = value.to_bytes(size, "big", signed=True)
    while len(octets) > 1 and (
        (octets[0] == 0 and octets[1] < 0x80) or (octets[0] == 0xFF and octets[1] >= 0x80)
    ):
        octets = octets[1:]
    return der_tlv(0x02, octets)


def _reserialed(cert: x509.Certificate, issuer_key: Any, serial: int) -> x509.Certificate:
    """The same certificate with serial number `serial`, signed again by `issuer_key` (s38e).
    cryptography builds no certificate with a serial below 1 (RFC 5280 §4.1.2.2 forbids it),
    so the TBS's serial is swapped and signed by hand, as _resigned_sha1 does its algorithm."""
    tbs = _der_content(cert.tbs_certificate_bytes)
    assert tbs[:5] == bytes.fromhex("a003020102"), "a v3 TBS: [0] version, then the serial"
    old_size = tbs[6]
    assert tbs[5] == 0x02 and old_size < 0x80
    tbs_der = der_tlv(0x30, tbs[:5] + _der_integer(serial) + tbs[7 + old_size :])
    assert isinstance(issuer_key, ec.EllipticCurvePrivateKey), "only ECDSA issuers re-sign"
    signature = issuer_key.sign(tbs_der, ec.ECDSA(hashes.SHA256()))
    body = tbs_der + ECDSA_SHA256_ALG + der_tlv(0x03, b"\x00" + signature)
    with warnings.catch_warnings():
        # cryptography warns that it will refuse such a serial one day: intended here.
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        return x509.load_der_x509_certificate(der_tlv(0x30, body))


def _leaf_key(kind: str) -> Any:
    """A leaf's private key by CertSpec.key (the lab's CAs stay ECDSA P-256)."""
    if kind.startswith("rsa-"):
        return rsa.generate_private_key(public_exponent=65537, key_size=int(kind[4:]))
    return ec.generate_private_key(ec.SECP384R1() if kind == "ecdsa-p384" else ec.SECP256R1())


class LabPKI:
    def __init__(self, now: dt.datetime | None = None) -> None:
        self.now = now or dt.datetime.now(dt.UTC).replace(microsecond=0)
        self.root = self._ca("Lab Root R1", None)
        self.issuing = self._ca("Lab Issuing CA 1", self.root)
        self.rogue = self._ca("Rogue Root X", None)
        self.mark_ca = self._ca("Lab Mark CA 1", self.root)
        self.issued: dict[str, Issued] = {}
        # STALE_CAS refs -> the CA issuing under that chain value, minted by stale_ca().
        self.stale: dict[str, Issued] = {}

    def _ca(
        self,
        cn: str,
        parent: Issued | None,
        *,
        key: ec.EllipticCurvePrivateKey | None = None,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
        path_length: int | None = 0,
        permitted_dns: str | None = None,
    ) -> Issued:
        key = key or ec.generate_private_key(ec.SECP256R1())
        subject = _name(cn)
        b = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(parent.cert.subject if parent else subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before or self.now - dt.timedelta(days=30))
            .not_valid_after(not_after or self.now + dt.timedelta(days=3650))
            .add_extension(
                x509.BasicConstraints(ca=True, path_length=None if parent is None else path_length),
                critical=True,
            )
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
        )
        if permitted_dns is not None:
            # RFC 5280 §4.2.1.10: conforming CAs MUST mark nameConstraints critical.
            b = b.add_extension(
                x509.NameConstraints(
                    permitted_subtrees=[x509.DNSName(permitted_dns)], excluded_subtrees=None
                ),
                critical=True,
            )
        signer = parent.key if parent else key
        cert = b.sign(signer, hashes.SHA256())
        return Issued(key, cert, [parent.cert] if parent else [])

    def stale_ca(self, chain: str) -> Issued:
        """The intermediate that issues leaves with this `chain` value (STALE_CAS), its
        certificate outside its validity (or, name-constrained-intermediate, current but
        limited to corp.test); `chain` of the returned Issued is what a server sends after the
        leaf. Minted once, on first use."""
        ref, cn = STALE_CAS[chain]
        if ref in self.stale:
            return self.stale[ref]
        # Issued ten years back; the leaves under it are current (T0 - 30 d .. T0 + 60 d), so
        # only the intermediate's dates break the path.
        long_ago = self.now - dt.timedelta(days=3650)
        expired_until = self.now - dt.timedelta(days=2)
        key = ec.generate_private_key(ec.SECP256R1())
        if chain == "name-constrained-intermediate":
            ca = self._ca(cn, self.root, key=key, permitted_dns=CONSTRAINED_PERMITTED)
            sent = [ca.cert]
        elif chain == "not-yet-valid-intermediate":
            ca = self._ca(
                cn,
                self.root,
                key=key,
                not_before=self.now + dt.timedelta(days=2),
                not_after=self.now + dt.timedelta(days=3650),
            )
            sent = [ca.cert]
        else:
            ca = self._ca(cn, self.root, key=key, not_before=long_ago, not_after=expired_until)
            sent = [ca.cert]
            if chain == "expired-and-valid-intermediate":
                # The same subject and key, certified again with current dates: the path
                # leaf -> renewed copy -> root is valid whichever copy a verifier tries first.
                renewed = self._ca(cn, self.root, key=key)
                sent.append(renewed.cert)
                # TLSA placeholders: `renewed-ca` is the current copy, `renewed-ca-expired`
                # the stale one (same SPKI, different full certificate).
                self.stale[f"{ref}-expired"] = Issued(key, ca.cert, [self.root.cert])
                ca = renewed
        issued = Issued(key, ca.cert, sent)
        self.stale[ref] = issued
        return issued

    def cross_signed_root(self) -> x509.Certificate:
        """Lab Root R1 (its subject and key) certified by "Lab Legacy Root", a root that expired
        two days ago and that nobody trusts; the cross certificate itself is current. Minted
        once, on first use (chain = "cross-expired-root")."""
        if "cross-root" not in self.stale:
            legacy = self._ca(
                "Lab Legacy Root",
                None,
                not_before=self.now - dt.timedelta(days=3650),
                not_after=self.now - dt.timedelta(days=2),
            )
            cross = self._ca("Lab Root R1", legacy, key=self.root.key, path_length=None)
            self.stale["cross-root"] = cross
            self.stale["legacy-root"] = legacy
        return self.stale["cross-root"].cert

    def leaf(self, ref: str, host: str, spec: CertSpec) -> Issued:
        """Mint (once per ref) the certificate a server presents; ref is usually the host name."""
        if ref in self.issued:
            return self.issued[ref]
        key = _leaf_key(spec.key)
        cn = spec.cn or (spec.sans[0] if spec.sans else host)
        not_before = self.now - dt.timedelta(days=30)
        not_after = self.now + dt.timedelta(days=60)
        if spec.validity is not None:
            not_before = self.now + dt.timedelta(days=spec.validity[0])
            not_after = self.now + dt.timedelta(days=spec.validity[1])
        if spec.kind == "expired":
            not_before, not_after = (
                self.now - dt.timedelta(days=91),
                self.now - dt.timedelta(days=1),
            )
        elif spec.kind == "expiring":  # inside the 14-day SMTP-10 warning window
            not_after = self.now + dt.timedelta(days=10)
        elif spec.kind == "not-yet-valid":
            not_before, not_after = (
                self.now + dt.timedelta(days=1),
                self.now + dt.timedelta(days=91),
            )
        issuer = {"self-signed": None, "rogue": self.rogue}.get(spec.kind, self.issuing)
        stale = self.stale_ca(spec.chain) if spec.chain in STALE_CAS and issuer else None
        if stale is not None:
            issuer = stale
        subject = _name(cn, "mailsec lab servers")
        b = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer.cert.subject if issuer else subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.ExtendedKeyUsage(
                    [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
                ),
                critical=False,
            )
        )
        if spec.sans:
            b = b.add_extension(_san(spec.sans), critical=False)
        if issuer:
            b = b.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.cert.public_key()),
                critical=False,
            )
        cert = b.sign(issuer.key if issuer else key, hashes.SHA256())
        if spec.signature == "sha1":
            cert = _resigned_sha1(cert, issuer.key if issuer else key)
        if spec.serial is not None:
            cert = _reserialed(cert, issuer.key if issuer else key, spec.serial)
        chain: list[x509.Certificate] = []
        if spec.chain == "full" and issuer is self.issuing:
            chain = [self.issuing.cert]
        elif spec.chain == "root-first" and issuer is self.issuing:
            chain = [self.root.cert, self.issuing.cert]
        elif spec.chain == "extra-unrelated" and issuer is self.issuing:
            chain = [self.issuing.cert, self.rogue.cert]
        elif spec.chain == "with-root" and issuer is self.issuing:
            chain = [self.issuing.cert, self.root.cert]
        elif spec.chain == "cross-expired-root" and issuer is self.issuing:
            chain = [self.issuing.cert, self.cross_signed_root()]
        elif spec.chain == "full" and issuer is self.rogue:
            chain = [self.rogue.cert]
        elif stale is not None:
            chain = list(stale.chain)
        issued = Issued(key, cert, chain)
        self.issued[ref] = issued
        return issued

    def spare(self, ref: str) -> Issued:
        """A key (with a valid certificate) no server presents: next-key and mismatch TLSA data."""
        return self.leaf(f"spare:{ref}", ref, CertSpec(sans=(ref,)))

    def vmc(self, domain: str, logo: bytes | None = None, kind: str = "valid") -> Issued:
        """A VMC-like mark certificate from Lab Mark CA 1 embedding `logo` (RFC 3709).

        kind: valid | expired (notAfter T0 - 1 day) | no-eku (no BIMI EKU) | other-san (SAN
        names another domain) | cmc (mark type "Prior Use Mark": a Common Mark Certificate) |
        other-logo (embeds `logo` with a newline added: not the file the vhost serves).
        """
        ref = f"vmc:{domain}:{kind}"
        if ref in self.issued:
            return self.issued[ref]
        key = ec.generate_private_key(ec.SECP256R1())
        not_before = self.now - dt.timedelta(days=30)
        not_after = self.now + dt.timedelta(days=365)
        if kind == "expired":
            not_before, not_after = (
                self.now - dt.timedelta(days=366),
                self.now - dt.timedelta(days=1),
            )
        subject = x509.Name(
            [
                *_name(domain, "Lab Brand"),
                x509.NameAttribute(
                    MARK_TYPE, "Prior Use Mark" if kind == "cmc" else "Registered Mark"
                ),
            ]
        )
        b = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.mark_ca.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                _san(("other-brand.lab.test",) if kind == "other-san" else (domain,)),
                critical=False,
            )
        )
        if kind != "no-eku":
            b = b.add_extension(x509.ExtendedKeyUsage([BIMI_EKU]), critical=False)
        if logo is not None and kind == "other-logo":
            logo += b"\n"
        if logo is not None:
            b = b.add_extension(
                x509.UnrecognizedExtension(LOGOTYPE, logotype_der(logo)), critical=False
            )
        cert = b.sign(self.mark_ca.key, hashes.SHA256())
        issued = Issued(key, cert, [self.mark_ca.cert, self.root.cert])
        self.issued[ref] = issued
        return issued

    # --- TLSA data (RFC 6698 §2.1): selector 0 = full cert DER, 1 = SPKI DER; matching 0/1/2
    def tlsa_data(self, selector: int, matching: int, ref: str) -> str:
        if ref == "root":
            issued = self.root
        elif ref == "issuing-ca":
            issued = self.issuing
        elif ref == "rogue-root":
            issued = self.rogue
        elif ref in {r for r, _ in STALE_CAS.values()} | {"renewed-ca-expired"}:
            chain = next(c for c, (r, _) in STALE_CAS.items() if ref.startswith(r))
            self.stale_ca(chain)
            issued = self.stale[ref]
        elif ref.startswith("spare:"):
            issued = self.spare(ref.removeprefix("spare:"))
        elif ref in self.issued:
            issued = self.issued[ref]
        else:
            raise KeyError(f"TLSA placeholder names unknown certificate {ref!r}")
        der = (
            issued.cert.public_bytes(serialization.Encoding.DER)
            if selector == 0
            else issued.spki_der()
        )
        if matching == 0:
            return der.hex().upper()
        if matching == 1:
            return hashlib.sha256(der).hexdigest().upper()
        return hashlib.sha512(der).hexdigest().upper()

    # --- files
    def write_server(self, issued: Issued, directory: Path, stem: str) -> tuple[Path, Path]:
        directory.mkdir(parents=True, exist_ok=True)
        cert_path, key_path = directory / f"{stem}.pem", directory / f"{stem}.key"
        cert_path.write_bytes(
            b"".join(
                c.public_bytes(serialization.Encoding.PEM) for c in [issued.cert, *issued.chain]
            )
        )
        key_path.write_bytes(
            issued.key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        return cert_path, key_path

    def write_cas(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        for stem, ca in (
            ("root", self.root),
            ("issuing", self.issuing),
            ("rogue-root", self.rogue),
            ("mark-ca", self.mark_ca),
        ):
            (directory / f"{stem}.pem").write_bytes(
                ca.cert.public_bytes(serialization.Encoding.PEM)
            )
        return directory / "root.pem"


def pem_chain(issued: Issued) -> bytes:
    return b"".join(
        c.public_bytes(serialization.Encoding.PEM) for c in [issued.cert, *issued.chain]
    )


def served_body(pki: LabPKI, scenario: Scenario, vhost: HttpsHost, f: HttpFile) -> bytes:
    """The bytes a vhost serves for `f`: its body, or the lab-minted mark certificate chain,
    which embeds the SVG the same vhost serves at /logo.svg (or, decompressed, /logo.svgz)."""
    if f.generated != "vmc":
        return f.body
    paths = (MARK_LOGO_PATH, MARK_LOGO_PATH + "z")
    logo = next((g.body for p in paths for g in vhost.files if g.path == p), None)
    if logo is not None and logo[:2] == b"\x1f\x8b":
        logo = gzip.decompress(logo)  # the certificate embeds the SVG, gzip'd once
    return pem_chain(pki.vmc(scenario.domain, logo, f.mark))
