"""BIMI: record parsing, URL rules, DMARC prerequisites, SVG Tiny PS checks (safely parsed), and
the mark certificate (BIMI-10): PEM chain, EKU, SAN, validity, RFC 3709 logotype vs l=."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import gzip
import hashlib
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given, settings
from hypothesis import strategies as st

from checks import bimi, https
from checks.findings import Collector, Finding, Mechanism, Status
from checks.https import HttpsResult
from tests.lab.pki import BIMI_EKU, LOGOTYPE, LabPKI, der_tlv, logotype_der, pem_chain
from tests.test_spf import flagged, make_ctx, published, statuses

D = "example.com"
GOOD_SVG = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" '
    b'version="1.2" baseProfile="tiny-ps" viewBox="0 0 100 100"><title>Brand</title>'
    b'<circle cx="50" cy="50" r="40" fill="#1a73e8"/></svg>'
)
LOGO = "https://bimi.example.com/logo.svg"
CERT = "https://bimi.example.com/vmc.pem"
ENFORCING = "v=DMARC1; p=reject; rua=mailto:d@example.com"
PKI = LabPKI()  # Lab Root R1 -> Lab Mark CA 1 -> mark certificates, minted in memory
GOOD_VMC = pem_chain(PKI.vmc(D, GOOD_SVG))


def bimi_run(
    record: Any,
    dmarc: str | None = ENFORCING,
    body: bytes | None = GOOD_SVG,
    status: int = 200,
    extra: dict[Any, Any] | None = None,
    pem: HttpsResult | bytes = GOOD_VMC,
) -> list[Finding]:
    zone: dict[Any, Any] = {(D, "MX"): ["10 mx.example.com."]}
    if record is not None:
        zone[(f"default._bimi.{D}", "TXT")] = record if isinstance(record, list) else [record]
    if dmarc is not None:
        zone[(f"_dmarc.{D}", "TXT")] = [dmarc]
    zone.update(extra or {})

    async def fake_fetch(ctx: Any, url: str, *, max_bytes: int = 65536, timeout: Any = None):
        if url.endswith(".pem"):
            if isinstance(pem, HttpsResult):
                return pem
            return HttpsResult(url=url, status=200, body=pem[:max_bytes])
        if body is None:
            return HttpsResult(url=url, error_kind="timeout", error="timed out")
        return HttpsResult(url=url, status=status, body=body[:max_bytes])

    async def go() -> list[Finding]:
        with mock.patch.object(https, "fetch", fake_fetch):
            return await bimi.evaluate(make_ctx(D, zone))

    return asyncio.run(go())


def test_good_record() -> None:
    found = bimi_run(f"v=BIMI1; l={LOGO}; a={CERT}")
    assert flagged(found) == {"fail": set(), "warn": set(), "error": set()}
    assert statuses(found, "BIMI-09") == [Status.PASS]
    assert statuses(found, "BIMI-10") == [Status.PASS]
    (mark,) = [f for f in found if f.id == "BIMI-10"]
    facts = mark.evidence["mark"]
    assert facts["sans"] == [D] and facts["eku"] == [bimi.BIMI_EKU] and facts["kind"] == "VMC"
    assert "Lab Mark CA 1" in facts["issuer"] and facts["not_after"]
    assert bimi.NOT_AN_MVA_CHECK in facts["chain_note"] and "mark verifying" in mark.summary


def test_fixture_variants() -> None:
    record = f"v=BIMI1; l={LOGO}; a={CERT}"
    assert flagged(bimi_run(record, dmarc="v=DMARC1; p=none"))["fail"] == {"BIMI-08"}
    assert flagged(bimi_run(record, dmarc="v=DMARC1; p=quarantine; pct=50"))["fail"] == {"BIMI-08"}
    assert flagged(bimi_run(record, dmarc="v=DMARC1; p=reject; t=y"))["fail"] == {"BIMI-08"}
    assert flagged(bimi_run(record, dmarc=None))["fail"] == {"BIMI-08"}
    http = bimi_run(f"v=BIMI1; l=http://bimi.example.com/logo.svg; a={CERT}")
    assert flagged(http)["fail"] == {"BIMI-04"}
    png = bimi_run(f"v=BIMI1; l=https://bimi.example.com/logo.png; a={CERT}")
    assert flagged(png)["fail"] == {"BIMI-04"}
    declined = bimi_run("v=BIMI1; l=; a=;")
    assert statuses(declined, "BIMI-03") == [Status.INFO]
    assert flagged(declined) == {"fail": set(), "warn": set(), "error": set()}
    assert flagged(bimi_run(f"v=BIMI1; l={LOGO}"))["warn"] == {"BIMI-05"}
    assert flagged(bimi_run(f"v=BIMI1; l={LOGO}; a={CERT}; avp=logo"))["warn"] == {"BIMI-06"}
    assert flagged(bimi_run(f"v=BIMI1; l={LOGO}; a={CERT}; lps=ok,bad_one"))["warn"] == {"BIMI-07"}
    assert flagged(bimi_run(f"v=BIMI1; a={CERT}"))["fail"] == {"BIMI-03"}
    assert flagged(bimi_run(f"v=bimi1; l={LOGO}"))["fail"] == {"BIMI-02"}
    assert flagged(bimi_run([f"v=BIMI1; l={LOGO}", f"v=BIMI1; l={LOGO}"]))["fail"] == {"BIMI-02"}
    assert flagged(bimi_run(f"v=BIMI1; l={LOGO}; a=http://x.example.com/a.pem"))["fail"] == {
        "BIMI-05"
    }


def test_absent_fallback_and_errors() -> None:
    assert statuses(bimi_run(None), "BIMI-01") == [Status.INFO]
    sub: dict[Any, Any] = {("default._bimi.example.com", "TXT"): [f"v=BIMI1; l={LOGO}; a={CERT}"]}

    async def go() -> list[Finding]:
        zone = {**sub, ("_dmarc.example.com", "TXT"): [ENFORCING]}
        with mock.patch.object(https, "fetch", _ok_fetch):
            return await bimi.evaluate(make_ctx("news.example.com", zone))

    inherited = asyncio.run(go())
    assert any("inherited" in f.summary for f in inherited if f.id == "BIMI-01")
    failed = bimi_run(None, extra={(f"default._bimi.{D}", "TXT"): "SERVFAIL"})
    assert [(f.id, f.status) for f in failed] == [("BIMI-01", Status.ERROR)]
    timeout = bimi_run(f"v=BIMI1; l={LOGO}; a={CERT}", body=None)
    assert statuses(timeout, "BIMI-09") == [Status.ERROR]
    missing = bimi_run(f"v=BIMI1; l={LOGO}; a={CERT}", status=404)
    assert flagged(missing)["fail"] == {"BIMI-09"}


async def _ok_fetch(ctx: Any, url: str, *, max_bytes: int = 65536, timeout: Any = None):
    return HttpsResult(url=url, status=200, body=GOOD_VMC if url.endswith(".pem") else GOOD_SVG)


def svg_problems(data: bytes) -> list[str]:
    return bimi.check_svg(data).problems


def test_svg_profile() -> None:
    assert bimi.check_svg(GOOD_SVG).ok
    assert bimi.check_svg(gzip.compress(GOOD_SVG)).ok  # .svgz
    full = GOOD_SVG.replace(b'version="1.2" baseProfile="tiny-ps"', b'version="1.1"')
    assert len(svg_problems(full)) == 2
    assert svg_problems(GOOD_SVG.replace(b"<title>Brand</title>", b""))
    assert svg_problems(GOOD_SVG.replace(b"</svg>", b"<script>alert(1)</script></svg>"))
    assert svg_problems(GOOD_SVG.replace(b"</svg>", b'<animate attributeName="r"/></svg>'))
    external = GOOD_SVG.replace(
        b"</svg>", b'<use xmlns:x="http://www.w3.org/1999/xlink" x:href="https://e.x/a"/></svg>'
    )
    assert svg_problems(external)
    assert not svg_problems(GOOD_SVG.replace(b"</svg>", b'<use href="#a"/></svg>'))
    assert svg_problems(b"not xml at all")
    assert svg_problems(b"<html/>")
    big = GOOD_SVG.replace(b"</svg>", b"<!--" + b"x" * 40000 + b"--></svg>")
    assert bimi.check_svg(big).warnings and bimi.check_svg(big).ok
    wide = GOOD_SVG.replace(b'viewBox="0 0 100 100"', b'viewBox="0 0 200 100"')
    assert bimi.check_svg(wide).warnings


def test_svg_root_and_title_must_be_in_the_svg_namespace() -> None:
    # An <svg> outside http://www.w3.org/2000/svg is an unknown XML element, not an SVG image.
    bare = GOOD_SVG.replace(b'xmlns="http://www.w3.org/2000/svg" ', b"")
    assert svg_problems(bare) == ["the root element is not in the SVG namespace"]
    other = GOOD_SVG.replace(b"http://www.w3.org/2000/svg", b"urn:example:not-svg")
    assert svg_problems(other) == ["the root element is not in the SVG namespace"]
    assert "BIMI-09" in {
        f.id for f in bimi_run(f"v=BIMI1; l={LOGO}; a={CERT}", body=bare) if f.status == Status.FAIL
    }
    # A <title> in another namespace is not the SVG title.
    foreign_title = GOOD_SVG.replace(
        b"<title>Brand</title>", b'<t:title xmlns:t="urn:example:t">Brand</t:title>'
    )
    assert svg_problems(foreign_title) == ["the SVG has no <title> element"]


def test_svg_refuses_doctype_and_entities() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><svg>&b;</svg>'
    )
    assert "DOCTYPE" in svg_problems(bomb)[0]
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<svg>&x;</svg>"
    )
    assert "DOCTYPE" in svg_problems(xxe)[0]


def test_svg_refuses_a_doctype_in_any_encoding() -> None:
    # A byte search for "<!doctype" misses UTF-16; expat reads the declaration whatever the
    # encoding, so the refusal must come from the parser.
    text = (
        GOOD_SVG.decode()
        .replace("UTF-8", "UTF-16")
        .replace("<svg", '<!DOCTYPE svg [<!ENTITY a "aaaa">]><svg', 1)
        .replace("Brand", "&a;")
    )
    assert "DOCTYPE" in svg_problems(text.encode("utf-16"))[0]
    assert bimi.check_svg(GOOD_SVG.decode().replace("UTF-8", "UTF-16").encode("utf-16")).ok


def test_uri_rules() -> None:
    assert bimi.check_https_uri(LOGO, svg=True) == ""
    assert bimi.check_https_uri("https://bimi.example.com/logo.SVGZ?v=1", svg=True) == ""
    assert bimi.check_https_uri("https://localhost/logo.svg", svg=True)
    assert bimi.check_https_uri(f"{LOGO},{LOGO}", svg=True)
    assert bimi.check_https_uri("https://[::1", svg=True)
    # Only a known non-SVG image suffix is wrong in the URL; otherwise the content decides.
    assert bimi.check_https_uri("https://cdn.example.com/bimi/logo", svg=True) == ""
    assert bimi.check_https_uri("https://cdn.example.com/bimi/logo?id=7", svg=True) == ""
    assert ".png" in bimi.check_https_uri("https://bimi.example.com/logo.PNG", svg=True)
    assert bimi.check_https_uri("https://bimi.example.com/logo.jpeg?v=1", svg=True)
    assert bimi.check_https_uri("https://bimi.example.com/logo.webp", svg=True)
    assert bimi.check_https_uri("https://bimi.example.com/vmc.pem", svg=False) == ""


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_parsers_never_raise_on_text(text: str) -> None:
    bimi.parse_bimi(text)
    bimi.parse_bimi("v=BIMI1; l=" + text)
    bimi.check_https_uri(text, svg=True)
    bimi.check_svg(text.encode("utf-8", errors="replace"))


@settings(max_examples=300, deadline=None)
@given(st.binary())
def test_svg_never_raises_on_bytes(data: bytes) -> None:
    bimi.check_svg(data)
    bimi.check_svg(b"\x1f\x8b" + data)
    bimi.check_svg(b"<svg>" + data + b"</svg>")


# ---------------------------------------------------------------------------------------------
# BIMI-10: the mark certificate


def mint(
    domain: str = D,
    *,
    sans: tuple[str, ...] | None = None,
    eku: bool = True,
    logotype: bytes | None = None,
    svg: bytes | None = GOOD_SVG,
    days: tuple[int, int] = (-30, 365),
    issuer: Any = None,
    self_signed: bool = False,
) -> bytes:
    """A mark certificate from Lab Mark CA 1 (or `issuer`), PEM, with the CA chain after it;
    or, `self_signed`, signed by its own key and alone in the file."""
    ca = issuer or PKI.mark_ca
    now = dt.datetime.now(dt.UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, domain)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name if self_signed else ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + dt.timedelta(days=days[0]))
        .not_valid_after(now + dt.timedelta(days=days[1]))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in (sans or (domain,))]), False
        )
    )
    if eku:
        builder = builder.add_extension(x509.ExtendedKeyUsage([BIMI_EKU]), False)
    der = logotype if logotype is not None else (logotype_der(svg) if svg else None)
    if der is not None:
        builder = builder.add_extension(x509.UnrecognizedExtension(LOGOTYPE, der), False)
    cert = builder.sign(key if self_signed else ca.key, hashes.SHA256())
    chain = [cert] if self_signed else [cert, ca.cert, PKI.root.cert]
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in chain)


def mark_problems(pem: bytes, logo: bytes | None = GOOD_SVG, domains: Any = (D,)) -> list[str]:
    return bimi.check_mark_certificate(pem, list(domains), logo).problems


def hash_only_logotype(data: bytes, uri: bytes = b"https://bimi.example.com/logo.svg") -> bytes:
    sha256 = der_tlv(0x30, der_tlv(0x06, bytes.fromhex("608648016503040201")))
    details = der_tlv(
        0x30,
        der_tlv(0x16, b"image/svg+xml")
        + der_tlv(0x30, der_tlv(0x30, sha256 + der_tlv(0x04, hashlib.sha256(data).digest())))
        + der_tlv(0x30, der_tlv(0x16, uri)),
    )
    return der_tlv(0x30, der_tlv(0xA2, der_tlv(0xA0, der_tlv(0x30, der_tlv(0x30, details)))))


def test_mark_certificate_valid() -> None:
    report = bimi.check_mark_certificate(GOOD_VMC, [D], GOOD_SVG)
    assert report.problems == [] and report.warnings == [] and report.logo_compared
    assert report.svg == GOOD_SVG
    assert report.facts["logotype"]["media_type"] == "image/svg+xml"
    assert report.facts["logotype"]["hashes"][0].startswith("sha256:")
    # The l= logo served gzip'd (.svgz) is the same SVG.
    assert mark_problems(GOOD_VMC, gzip.compress(GOOD_SVG)) == []
    # Without the l= logo there is nothing to compare: no problem, but not compared either.
    assert not bimi.check_mark_certificate(GOOD_VMC, [D], None).logo_compared


def test_mark_certificate_failures() -> None:
    (expired,) = mark_problems(mint(days=(-400, -1)))
    assert "expired on" in expired
    (future,) = mark_problems(mint(days=(2, 300)))
    assert "not valid before" in future
    (eku,) = mark_problems(mint(eku=False))
    assert "1.3.6.1.5.5.7.3.31" in eku
    (san,) = mark_problems(mint(sans=("other.example.net",)))
    assert "other.example.net" in san and D in san
    (wild,) = mark_problems(mint(sans=("*.example.com",)), domains=["news.example.com"])
    assert "wildcard" in wild
    (mismatch,) = mark_problems(GOOD_VMC, GOOD_SVG.replace(b"Brand", b"Other"))
    assert "differs from the l= logo" in mismatch
    (none,) = mark_problems(mint(svg=None))
    assert "no logotype extension" in none
    assert mark_problems(b"hello") == ["the file at a= is not a PEM certificate chain"]
    assert mark_problems(b"") == ["the file at a= is not a PEM certificate chain"]
    armoured = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    assert mark_problems(armoured)[0].startswith("the file at a= is not a PEM certificate chain")


def test_mark_certificate_names() -> None:
    # The author domain, the organisational domain, or the selector form of either.
    assert mark_problems(mint(sans=("example.com",)), domains=["news.example.com", D]) == []
    assert mark_problems(mint(sans=("default._bimi.example.com",))) == []
    assert mark_problems(mint(sans=("EXAMPLE.COM.",))) == []
    assert mark_problems(mint(sans=("sel2._bimi.example.com",)))  # another selector


def test_mark_certificate_chain() -> None:
    leaf, *_ = x509.load_pem_x509_certificates(GOOD_VMC)
    pem = lambda *certs: b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)  # noqa: E731
    # Out of order: the root before the mark CA.
    (order,) = mark_problems(pem(leaf, PKI.root.cert, PKI.mark_ca.cert))
    assert order.count("not signed by the next one") == 2
    # Issuer name right, signature wrong: a different key posing as Lab Mark CA 1.
    other = LabPKI()
    (sig,) = mark_problems(pem(leaf, other.mark_ca.cert))
    assert "not signed" in sig
    # The root may be left out; the issuing CA may not.
    assert mark_problems(pem(leaf, PKI.mark_ca.cert)) == []
    alone = bimi.check_mark_certificate(pem(leaf), [D], GOOD_SVG)
    assert alone.problems == [] and "issuing CA" in alone.warnings[0]


def test_mark_certificate_logotype_forms() -> None:
    # Only a hash (no data: URI): compared against the l= file's hash.
    digest_only = mint(logotype=hash_only_logotype(GOOD_SVG))
    assert mark_problems(digest_only) == []
    assert "differs" in mark_problems(digest_only, GOOD_SVG + b"\n")[0]
    # A data: URI whose bytes do not match the hash the extension states.
    svgz = gzip.compress(GOOD_SVG)
    liar = hash_only_logotype(
        b"something else", b"data:image/svg+xml;base64," + base64.b64encode(svgz)
    )
    assert "hash does not match" in mark_problems(mint(logotype=liar))[0]
    # Not an SVG.
    png = logotype_der(GOOD_SVG).replace(b"image/svg+xml", b"image/png+xml")
    assert "not an SVG" in mark_problems(mint(logotype=png))[0]
    # Indirect logotype, garbage, truncated: malformed, with the reason.
    indirect = der_tlv(0x30, der_tlv(0xA2, der_tlv(0xA1, der_tlv(0x30, b""))))
    assert "indirect" in mark_problems(mint(logotype=indirect))[0]
    assert "malformed" in mark_problems(mint(logotype=b"\x30\x03\x02\x01\x00"))[0]
    damaged = logotype_der(GOOD_SVG)[:-5] + b"\x00" * 5  # inside the base64 of the data: URI
    assert "does not decode" in mark_problems(mint(logotype=damaged))[0]
    truncated = logotype_der(GOOD_SVG)[:-5]
    assert "malformed" in mark_problems(mint(logotype=truncated))[0]


def test_tlv_walker_and_oids() -> None:
    assert bimi.read_tlvs(b"\x04\x02ab\x05\x00") == [bimi.Tlv(4, b"ab"), bimi.Tlv(5, b"")]
    assert bimi.read_tlvs(b"\x04\x81\x01a") == [bimi.Tlv(4, b"a")]
    assert bimi.read_tlvs(b"\x04\x03ab") is None  # length beyond the data
    assert bimi.read_tlvs(b"\x30\x80\x00\x00") is None  # BER indefinite length
    assert bimi.read_tlvs(b"\x1f\x81\x01\x00") is None  # high tag number
    assert bimi.read_tlvs(b"\x04") is None
    assert bimi.decode_oid(bytes.fromhex("608648016503040201")) == "2.16.840.1.101.3.4.2.1"
    assert bimi.decode_oid(bytes.fromhex("2b0e03021a")) == "1.3.14.3.2.26"
    assert bimi.decode_oid(b"\x2b\x80\x01") is None and bimi.decode_oid(b"\x81") is None
    # A hostile arc: too long for str() (4,300 digits) and slow to build; refused, not raised.
    assert bimi.decode_oid(b"\xff" * 2100 + b"\x7f") is None
    assert bimi.decode_oid(b"\x2b" + b"\xff" * 10 + b"\x7f") is None  # an arc over 64 bits
    assert bimi.decode_data_uri("data:image/svg+xml;base64,PHN2Zy8+") == b"<svg/>"
    assert bimi.decode_data_uri("data:image/svg+xml,%3Csvg/%3E") == b"<svg/>"
    assert bimi.decode_data_uri("data:;base64,!!") is None
    assert bimi.decode_data_uri("https://x.example/a.svg") is None


def test_mark_in_the_evaluation() -> None:
    record = f"v=BIMI1; l={LOGO}; a={CERT}"

    def mark(**kw: Any) -> list[Status]:
        return statuses(bimi_run(record, **kw), "BIMI-10")

    assert mark(pem=mint(days=(-400, -1))) == [Status.FAIL]
    assert mark(pem=GOOD_VMC.replace(b"CERTIFICATE", b"KEY")) == [Status.FAIL]
    assert mark(pem=HttpsResult(url=CERT, status=404, body=b"not found")) == [Status.FAIL]
    timeout = HttpsResult(url=CERT, error_kind="timeout", error="no answer within 2 s")
    assert mark(pem=timeout) == [Status.ERROR]  # could not check, never fail
    for kind in ("no-route", "network"):  # our side of the path
        ours = HttpsResult(url=CERT, error_kind=kind, error="this checker has no IPv6 route")
        assert mark(pem=ours) == [Status.ERROR], kind
    dns = HttpsResult(url=CERT, error_kind="dns", error="SERVFAIL", dns_failed=True)
    assert mark(pem=dns) == [Status.ERROR]
    untrusted = HttpsResult(url=CERT, error_kind="tls-cert", error="certificate not accepted")
    assert mark(pem=untrusted) == [Status.FAIL]
    big = HttpsResult(url=CERT, status=200, body=b"x", truncated=True)
    assert mark(pem=big) == [Status.FAIL]
    # Several problems: one finding each.
    assert mark(pem=mint(eku=False, sans=("other.example.net",))) == [Status.FAIL] * 2
    # The logo could not be fetched: the certificate passes, the comparison is "could not check".
    assert mark(body=None) == [Status.PASS, Status.ERROR]
    # The logo URL is unusable (BIMI-04 fail): the comparison is not made, said as info.
    png = bimi_run(f"v=BIMI1; l=https://bimi.example.com/logo.png; a={CERT}")
    assert statuses(png, "BIMI-10") == [Status.PASS, Status.INFO]
    assert flagged(png)["fail"] == {"BIMI-04"}
    # No a=: BIMI-05 warns, BIMI-10 says nothing; an invalid a=: BIMI-05 fails, nothing more.
    assert statuses(bimi_run(f"v=BIMI1; l={LOGO}"), "BIMI-10") == []
    assert statuses(bimi_run(f"v=BIMI1; l={LOGO}; a=http://x.example.com/a.pem"), "BIMI-10") == []


def test_mark_fetched_over_real_tls(tmp_path: Path) -> None:
    """The a= document through the guarded HTTPS client, from a TLS server on 127.0.0.1."""
    from tests.test_https import TlsServer

    def fetch_and_check(response: bytes, where: str) -> list[Finding]:
        host = "bimi.example.com"
        (tmp_path / where).mkdir()  # a fresh CA file: verifying contexts are cached by path
        server = TlsServer(tmp_path / where, host, response)
        ctx = make_ctx(
            D,
            {(host, "A"): ["127.0.0.1"]},
            allow_private_targets=True,
            https_port=server.port,
            ca_bundle=server.ca_bundle,
            timeout=2.0,
        )

        async def go() -> list[Finding]:
            out = Collector(Mechanism.BIMI)
            result = await bimi._fetch(ctx, CERT, bimi.MARK_FETCH_LIMIT)
            bimi._mark(out, CERT, result, [D], GOOD_SVG, None)
            return out.findings

        try:
            return asyncio.run(go())
        finally:
            server.close()

    ok = fetch_and_check(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/pem-certificate-chain\r\n"
        b"Content-Length: %d\r\n\r\n" % len(GOOD_VMC) + GOOD_VMC,
        "ok",
    )
    assert [f.status for f in ok] == [Status.PASS], [f.summary for f in ok]
    missing = fetch_and_check(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", "missing")
    assert [f.status for f in missing] == [Status.FAIL] and "HTTP 404" in missing[0].summary


CERT_DER = x509.load_pem_x509_certificates(GOOD_VMC)[0].public_bytes(serialization.Encoding.DER)
LOGOTYPE_DER = logotype_der(GOOD_SVG)


@settings(max_examples=300, deadline=None)
@given(st.binary())
def test_mark_parsers_never_raise_on_bytes(data: bytes) -> None:
    bimi.read_tlvs(data)
    bimi.decode_oid(data)
    bimi.parse_logotype(data)
    bimi.parse_logotype(der_tlv(0x30, der_tlv(0xA2, data)))
    bimi.decode_data_uri(data.decode("latin-1"))
    armoured = b"-----BEGIN CERTIFICATE-----\n" + base64.encodebytes(data)
    bimi.check_mark_certificate(armoured + b"-----END CERTIFICATE-----\n", [D], data)
    bimi.check_mark_certificate(data, [D], None)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0), st.integers(min_value=0, max_value=255), st.booleans())
def test_mark_checks_never_raise_on_damaged_certificates(at: int, value: int, logo: bool) -> None:
    # Damage one octet of a real mark certificate, or of its logotype extension.
    der = bytearray(LOGOTYPE_DER if logo else CERT_DER)
    der[at % len(der)] = value
    if logo:
        bimi.parse_logotype(bytes(der))
        pem = mint(logotype=bytes(der))
    else:
        body = base64.encodebytes(bytes(der))
        pem = b"-----BEGIN CERTIFICATE-----\n" + body + b"-----END CERTIFICATE-----\n"
    bimi.check_mark_certificate(pem, [D], GOOD_SVG)


def test_a_hostile_hash_algorithm_in_the_logotype_is_a_fail_not_a_crash() -> None:
    # Found in review: an OID arc of 2,100 octets made str() raise (4,300-digit limit), which
    # turned every BIMI finding of the domain into an engine error.
    logotype = logotype_der(GOOD_SVG, hash_oid=b"\xff" * 2100 + b"\x7f")
    report = bimi.check_mark_certificate(mint(logotype=logotype), [D], GOOD_SVG)
    assert report.problems, report  # a fail, with the logotype named


def test_a_self_signed_mark_certificate_fails() -> None:
    # Found in review: alone in its file it had no chain to check and passed, its message
    # saying the certificates were "linked by their signatures".
    (problem,) = mark_problems(mint(self_signed=True))
    assert "self-signed" in problem


def test_a_truncated_embedded_logo_is_broken_not_different() -> None:
    # Its hash matches (made over the truncated bytes): the gzip itself is cut short.
    logotype = logotype_der(GOOD_SVG, embedded=gzip.compress(GOOD_SVG, mtime=0)[:-12])
    (problem,) = mark_problems(mint(logotype=logotype))
    assert "broken gzip" in problem


def _run_at(domain: str, zone: dict[Any, Any]) -> list[Finding]:
    async def go() -> list[Finding]:
        with mock.patch.object(https, "fetch", _ok_fetch):
            return await bimi.evaluate(make_ctx(domain, zone))

    return asyncio.run(go())


SUB = f"news.{D}"
ORG_BIMI: dict[Any, Any] = {(f"default._bimi.{D}", "TXT"): [f"v=BIMI1; l={LOGO}; a={CERT}"]}


def test_discovery_discards_invalid_records_then_asks_org_domain() -> None:
    # Draft "Assertion Record Discovery" steps 4-6: a broken record is discarded and the
    # emptied set falls back to the organisational domain's record.
    zone = {
        **ORG_BIMI,
        (f"default._bimi.{SUB}", "TXT"): [f"v=bimi1; l={LOGO}"],
        (f"_dmarc.{D}", "TXT"): [ENFORCING],
    }
    found = _run_at(SUB, zone)
    broken = [f for f in found if f.id == "BIMI-02" and f.status == Status.FAIL]
    assert [f.subject for f in broken] == [f"default._bimi.{SUB}"]
    assert any("inherited" in f.summary for f in found if f.id == "BIMI-01")
    assert flagged(found)["fail"] == {"BIMI-02"}
    assert statuses(found, "BIMI-10") == [Status.PASS]


def test_dmarc_lookup_failure_is_not_missing_dmarc() -> None:
    found = _run_at(SUB, {**ORG_BIMI, (f"_dmarc.{D}", "TXT"): "SERVFAIL"})
    assert statuses(found, "BIMI-08") == [Status.ERROR]


def test_invalid_dmarc_sp_is_not_enforcing() -> None:
    found = bimi_run(f"v=BIMI1; l={LOGO}; a={CERT}", dmarc="v=DMARC1; p=reject; sp=bogus")
    assert flagged(found)["fail"] == {"BIMI-08"}


def test_tag_names_are_case_sensitive() -> None:
    parsed = bimi.parse_bimi(f"v=BIMI1; L={LOGO}; a={CERT}")
    assert parsed.is_bimi and "l" not in parsed.tags
    found = bimi_run(f"v=BIMI1; L={LOGO}; a={CERT}")
    assert "BIMI-03" in flagged(found)["fail"]
    assert "case-sensitive" in next(f.summary for f in found if f.id == "BIMI-03")


def test_empty_logo_with_certificate_is_not_a_declination() -> None:
    found = bimi_run(f"v=BIMI1; l=; a={CERT}")
    assert statuses(found, "BIMI-03") == [Status.FAIL]


def test_leading_whitespace_is_not_a_record() -> None:
    assert not bimi.parse_bimi(f" v=BIMI1; l={LOGO}").is_bimi
    assert flagged(bimi_run(f" v=BIMI1; l={LOGO}; a={CERT}"))["fail"] == {"BIMI-02"}


def test_the_organisational_domains_policy_must_enforce_too() -> None:
    # Checklist BIMI-08: "the Author Domain's or Org Domain's DMARC policy".
    record = f"v=BIMI1; l={LOGO}; a={CERT}"
    own_reject = {(f"_dmarc.{SUB}", "TXT"): [ENFORCING]}
    found = _run_at(SUB, {**ORG_BIMI, **own_reject, (f"_dmarc.{D}", "TXT"): ["v=DMARC1; p=none"]})
    assert flagged(found)["fail"] == {"BIMI-08"}
    assert f"of {D} is p=none" in next(f.summary for f in found if f.id == "BIMI-08")
    found = _run_at(SUB, {**ORG_BIMI, **own_reject, (f"_dmarc.{D}", "TXT"): [ENFORCING]})
    assert statuses(found, "BIMI-08") == [Status.PASS]
    # A subdomain under sp=quarantine at 50 %.
    half = "v=DMARC1; p=reject; sp=quarantine; pct=50"
    found = _run_at(SUB, {**ORG_BIMI, (f"_dmarc.{D}", "TXT"): [half]})
    assert flagged(found)["fail"] == {"BIMI-08"}
    assert flagged(bimi_run(record, dmarc="v=DMARC1; p=reject; sp=none"))["fail"] == {"BIMI-08"}


def test_a_logo_url_without_a_suffix_is_judged_by_its_content() -> None:
    # CDNs serve logos at paths like /bimi/logo: the draft only rules out known non-SVG image
    # formats in the URL, so BIMI-09 (the fetched SVG) decides.
    record = f"v=BIMI1; l=https://cdn.example.com/bimi/logo; a={CERT}"
    assert flagged(bimi_run(record)) == {"fail": set(), "warn": set(), "error": set()}
    assert statuses(bimi_run(record), "BIMI-09") == [Status.PASS]
    not_svg = bimi_run(record, body=b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    assert "BIMI-09" in flagged(not_svg)["fail"]


def test_a_long_suggested_dmarc_record_is_split_into_255_octet_strings() -> None:
    rua = ",".join(f"mailto:dmarc-aggregate-{i}@example.com" for i in range(10))
    found = bimi_run(f"v=BIMI1; l={LOGO}; a={CERT}", dmarc=f"v=DMARC1; p=none; rua={rua}")
    (fix,) = [f.fix for f in found if f.id == "BIMI-08"]
    name, record = published(fix)
    assert name == "_dmarc.example.com" and record.endswith(f"rua={rua}")


def _bimi08(found: list[Finding]) -> Finding:
    (finding,) = [f for f in found if f.id == "BIMI-08"]
    assert finding.status == Status.FAIL
    return finding


def test_the_dmarc_fix_enforces_with_reports_and_never_weakens() -> None:
    # The fix was "v=DMARC1; p=reject" with no rua: rejecting blind, against DMARC-01's advice.
    record = f"v=BIMI1; l={LOGO}; a={CERT}"
    for dmarc in ("v=DMARC1; p=none", None):
        fix = _bimi08(bimi_run(record, dmarc=dmarc)).fix
        assert fix == (f'_dmarc.{D}. TXT "v=DMARC1; p=quarantine; rua=mailto:dmarc-reports@{D}"'), (
            dmarc
        )
    half = _bimi08(bimi_run(record, dmarc="v=DMARC1; p=quarantine; pct=50; rua=mailto:d@x.org"))
    assert half.fix == f'_dmarc.{D}. TXT "v=DMARC1; p=quarantine; rua=mailto:d@x.org"'
    # An enforcing p stays as the owner wrote it; only what stops BIMI goes.
    open_sub = _bimi08(bimi_run(record, dmarc="v=DMARC1; p=reject; sp=none"))
    assert open_sub.fix == f'_dmarc.{D}. TXT "v=DMARC1; p=reject; rua=mailto:dmarc-reports@{D}"'


def test_the_dmarc_fix_rewrites_the_record_at_fault() -> None:
    # brand.example.com enforces on its own; the organisational domain's p=none is what stops
    # BIMI, so that is the record to change (the fix rewrote brand's record, already fine).
    zone = {
        **ORG_BIMI,
        (f"_dmarc.{SUB}", "TXT"): [ENFORCING],
        (f"_dmarc.{D}", "TXT"): ["v=DMARC1; p=none; rua=mailto:org@example.com"],
    }
    finding = _bimi08(_run_at(SUB, zone))
    assert f"of {D} is p=none" in finding.summary
    assert finding.subject == f"_dmarc.{D}"
    assert finding.fix == f'_dmarc.{D}. TXT "v=DMARC1; p=quarantine; rua=mailto:org@example.com"'
    # Both at fault: one line for each record.
    zone[(f"_dmarc.{SUB}", "TXT")] = ["v=DMARC1; p=quarantine; t=y; rua=mailto:d@example.com"]
    lines = _bimi08(_run_at(SUB, zone)).fix.splitlines()
    assert lines == [
        f'_dmarc.{SUB}. TXT "v=DMARC1; p=quarantine; rua=mailto:d@example.com"',
        f'_dmarc.{D}. TXT "v=DMARC1; p=quarantine; rua=mailto:org@example.com"',
    ]


@pytest.mark.parametrize(
    ("name", "svg"),
    [
        ("style attribute url()", b'<rect style="fill:url(https://e.x/a.svg#g)"/></svg>'),
        ("paint attribute url()", b"<rect fill=\"url( 'https://e.x/a.svg#g')\"/></svg>"),
        ("<style> @import", b"<style>@import url(https://e.x/a.css);</style></svg>"),
        ("<style> local only", b"<style>rect { fill: red }</style></svg>"),
    ],
)
def test_svg_refuses_style_sheets_and_external_urls(name: str, svg: bytes) -> None:
    # BIMI-09: no external references; SVG Tiny 1.2 has no <style> element at all.
    problems = svg_problems(GOOD_SVG.replace(b"</svg>", svg))
    assert len(problems) == 1 and "not allowed in SVG Tiny PS" in problems[0], name


def test_svg_refuses_an_xml_stylesheet_instruction() -> None:
    # ElementTree drops processing instructions, so this one must be caught while scanning.
    linked = GOOD_SVG.replace(b"\n<svg", b'\n<?xml-stylesheet href="https://e.x/a.css"?><svg')
    assert svg_problems(linked) == [
        "the SVG contains an xml-stylesheet processing instruction (an external style "
        "sheet), not allowed in SVG Tiny PS"
    ]


def test_svg_allows_references_into_the_document() -> None:
    local = GOOD_SVG.replace(
        b"</svg>",
        b'<linearGradient id="g"><stop offset="0"/></linearGradient>'
        b'<rect fill="url(#g)" style="stroke:url( \'#g\')"/></svg>',
    )
    assert bimi.check_svg(local).ok


@pytest.mark.parametrize(
    ("uri", "said"),
    [
        ("https://l\u00f6go.example.com/logo.svg", "https://xn--lgo-sna.example.com/logo.svg"),
        ("https://logo example.com/logo.svg", "a space"),
        ("https://logo.example.com/my logo.svg", "https://logo.example.com/my%20logo.svg"),
        ("https://logo.example.com/m\u00e4rke.svg", "https://logo.example.com/m%C3%A4rke.svg"),
        ("https://logo..example.com/logo.svg", "not a valid host name"),
        ("https://-logo.example.com/logo.svg", "not a valid host name"),
        # '%6C' is 'l' (RFC 3986 §3.2.2): https://%6Cogo.example.com/ is logo.example.com to
        # a URL parser and is taken since s36k (tests/test_engine_s36k_bimi.py); escapes that
        # decode to no name are no host.
        ("https://%FFogo.example.com/logo.svg", "decode to no host name"),
        ("https://logo%2Fx.example.com/logo.svg", "decode to no host name"),
        ("https://logo.example.com/%zz.svg", "%XX escape"),
    ],
)
def test_a_url_that_is_no_uri_is_refused(uri: str, said: str) -> None:
    # The draft asks for an HTTPS URI (RFC 3986) and receivers must not repair a record: a raw
    # "ö", a space or an empty label is a broken l=/a=, said by the record check itself.
    assert said in bimi.check_https_uri(uri, svg=True)
    pem = uri.replace("logo.svg", "vmc.pem")
    assert said.replace("logo.svg", "vmc.pem") in bimi.check_https_uri(pem, svg=False)


@pytest.mark.parametrize(
    "uri",
    [
        "https://xn--lgo-sna.example.com/logo.svg",
        "https://logo.example.com/my%20logo.svg?v=1&x=%C3%A4",
        "https://LOGO.Example.COM./logo.svg",
        "https://logo.example.com:443/bimi/logo.svg#top",
    ],
)
def test_a_proper_uri_still_passes(uri: str) -> None:
    assert bimi.check_https_uri(uri, svg=True) == ""


def test_the_record_check_flags_a_url_that_is_no_uri() -> None:
    found = bimi_run(f"v=BIMI1; l=https://l\u00f6go.example.com/logo.svg; a={CERT}")
    assert flagged(found)["fail"] == {"BIMI-04"}
    (finding,) = [f for f in found if f.id == "BIMI-04"]
    assert "https://xn--lgo-sna.example.com/logo.svg" in finding.summary
    found = bimi_run(f"v=BIMI1; l={LOGO}; a=https://bimi.example.com/my vmc.pem")
    assert flagged(found)["fail"] == {"BIMI-05"}
