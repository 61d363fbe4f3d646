"""BIMI (draft-brand-indicators-for-message-identification; not an RFC yet).

The assertion record at `default._bimi.<domain>` (falling back to the organisational domain),
its tags, the DMARC prerequisites, the logo's SVG Tiny Portable/Secure profile, and the mark
certificate (VMC/CMC) at a=: EKU, SAN, validity, the signatures linking the PEM chain, and the
RFC 3709 logotype extension whose embedded SVG must be the l= logo. The chain is not checked
against the BIMI Group's list of mark verifying authorities (the engine carries no such list).

`parse_bimi(text)`, `check_svg(data)`, `parse_logotype(der)` and `check_mark_certificate(...)`
are pure and never raise.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import ipaddress
import re
import string
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote_to_bytes, urljoin, urlsplit
from xml.etree import ElementTree
from xml.parsers import expat

from cryptography import x509
from cryptography.x509.oid import ExtensionOID

from checks.certs import (
    NOT_BEFORE_SKEW,
    any_serial_read,
    issued_by,
    load_der,
    name_text,
    serial_of,
    utc_text,
)
from checks.context import CheckContext
from checks.dns import DnsAnswer, normalize, txt_fix
from checks.domainname import (
    _to_a_labels,
    browser_ipv4,
    numbers_read_as,
    organizational_domain,
    url_host_name,
    url_ipv4,
    url_numbers_read_as,
)
from checks.findings import Collector, Finding, Mechanism, Status, series
from checks.lookalike import lookalikes, retyped, unquoted
from checks.mx import is_null_mx

if TYPE_CHECKING:
    from checks.dmarc import ParsedDmarc

MECHANISM = Mechanism.BIMI

SELECTOR = "default"
# BIMI Group guidance; receivers set their own limit (draft "Indicator Validation").
SVG_SIZE_WARN = 32 * 1024
SVG_FETCH_LIMIT = 512 * 1024
_TAG_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_LPS_RE = re.compile(r"^[A-Za-z0-9-]{1,63}$")
SVG_NS = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
ANIMATION = {"animate", "animateMotion", "animateColor", "animateTransform", "set"}
# <style>: SVG Tiny 1.2 has no style element, and CSS can load resources (@import, url()).
FORBIDDEN = {"script", "foreignObject", "image", "video", "audio", "iframe", "style"}
# A CSS/paint url() that does not point into the document itself ("url(#gradient)").
_EXTERNAL_URL_RE = re.compile(r"url\((?!\s*[\"']?\s*#)", re.IGNORECASE)


@dataclass
class ParsedBimi:
    text: str
    tags: dict[str, str] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    is_bimi: bool = False  # v=BIMI1 is the first tag, exactly
    # Tags written more than once, with every value given (RFC 6376 §3.2: the record is invalid).
    repeated: dict[str, list[str]] = field(default_factory=dict)


def parse_bimi(text: str) -> ParsedBimi:
    """Tag-list parse of an assertion record. Never raises."""
    parsed = ParsedBimi(text=text if isinstance(text, str) else "")
    if not isinstance(text, str):
        return parsed
    parts = text.split(";")
    for index, part in enumerate(parts):
        if not part.strip(" \t\r\n"):
            continue
        name, sep, value = part.partition("=")
        name, value = name.strip(" \t\r\n"), value.strip(" \t\r\n")
        if not sep or not _TAG_NAME_RE.match(name):
            pasted = lookalikes(part, before=";".join(parts[:index]) + ";" if index else "")
            if pasted is not None and "=" in pasted.cleaned:
                # The owner sees a pair: say which character they cannot see.
                parsed.errors.append(
                    f"'{pasted.cleaned.strip()}' holds {pasted.describe()}, which "
                    f"{pasted.fault}, so mail receivers read no "
                    "'tag=value' pair there: retype it by hand"
                )
                continue
            parsed.errors.append(f"'{part.strip()}' is not a 'tag=value' pair")
            continue
        if index == 0:
            # Receivers MUST NOT fix capitalisation errors: exactly "v=BIMI1", and nothing
            # before it (the ABNF starts the record with %x76).
            parsed.is_bimi = name == "v" and value == "BIMI1" and text[:1] == "v"
        pasted = lookalikes(value, before=f"{name}=")
        if pasted is not None and pasted.quotes:
            # A typographic quote pasted with the value ('l=https://…/logo.svg”'): receivers
            # do not repair it (BIMI-02), and no URI holds it. Named; the value read as meant.
            parsed.errors.append(
                f"'{name}={value}' holds {pasted.describe()}, which {pasted.fault}: retype it "
                f"as '{name}={pasted.cleaned.strip()}'"
            )
            value = pasted.cleaned.strip(" \t\r\n")
        # Tag names are case-sensitive (the ABNF spells them as %x.. bytes): 'L=' is not 'l='.
        if name in parsed.tags:
            if name not in parsed.repeated:
                parsed.errors.append(f"the tag '{name}' appears more than once")
                parsed.repeated[name] = [parsed.tags[name]]
            parsed.repeated[name].append(value)
            continue
        parsed.tags[name] = value
        parsed.order.append(name)
    return parsed


# The BIMI draft makes only a known non-SVG image format an error in the URL; a path without
# a suffix (a CDN's /bimi/logo) is fine and the fetched content decides (BIMI-09).
NON_SVG_SUFFIXES = frozenset({"png", "jpg", "jpeg", "gif", "webp", "bmp", "ico", "tif", "tiff"})


# RFC 3986 §2: what a URI may hold (unreserved, reserved, and "%" of a %XX escape). The BIMI
# draft asks for an HTTPS URI, and receivers must not repair a record (no "fixing" of a space).
_URI_CHARS = frozenset(string.ascii_letters + string.digits + "-._~:/?#[]@!$&'()*+,;=%")
_BAD_ESCAPE_RE = re.compile(r"%(?![0-9A-Fa-f]{2})")
# RFC 3986 §3.2.2: a host looked up in DNS has the RFC 1034 §3.5 (LDH) label syntax.
_HOST_LABEL_RE = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
# A TXT record at a _bimi name that starts with a version tag of some BIMI version.
_NEAR_BIMI_RE = re.compile(r"\s*v\s*=\s*bimi", re.IGNORECASE)


def _describe_chars(chars: list[str]) -> str:
    names = []
    for c in chars[:3]:
        if c == " ":
            names.append("a space")
        elif not c.isascii():
            names.append(f"the non-ASCII character {c!r}")
        elif not c.isprintable():
            names.append(f"the control character {c!r}")
        else:
            names.append(f"{c!r}")
    return ", ".join(names) + (" and others" if len(chars) > 3 else "")


def _as_uri(uri: str) -> str:
    """`uri` written as a URI: the host as its A-label and every other character outside RFC
    3986 percent-encoded as UTF-8 (what the owner should publish); '' when there is none."""
    try:
        parts = urlsplit(uri.strip())
        host = parts.hostname or ""
        if not host or parts.port is not None or parts.username is not None:
            return ""
        a_label = _to_a_labels(host.rstrip(".")) if not host.isascii() else host
        if not all(_HOST_LABEL_RE.fullmatch(label) for label in a_label.split(".")):
            return ""
        keep = "".join(sorted(_URI_CHARS))
        path = quote(parts.path, safe=keep)
        query = quote(parts.query, safe=keep)
        return f"https://{a_label}{path}" + (f"?{query}" if query else "")
    except (UnicodeError, ValueError):
        return ""


def check_https_uri(uri: str, *, svg: bool) -> str:
    """'' when `uri` is one HTTPS URI (RFC 3986) with a fully qualified DNS host name (and,
    when `svg`, no known non-SVG image suffix)."""
    if "," in uri:
        return "only one URL is allowed"
    outside = sorted({c for c in uri if c not in _URI_CHARS})
    if outside:
        better = _as_uri(uri)
        return (
            f"it contains {_describe_chars(outside)}, which a URI cannot hold (RFC 3986): "
            "receivers do not repair it"
            + (f"; write it as {better}" if better and better != uri else "")
        )
    if _BAD_ESCAPE_RE.search(uri):
        return "it has a '%' that does not start a %XX escape (RFC 3986 §2.1)"
    try:
        parts = urlsplit(uri)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        return "it is not a valid URL"
    if parts.scheme.lower() != "https":
        return "it must be an https:// URL"
    if "@" in parts.netloc:
        # RFC 9110 §4.2.4: a recipient SHOULD treat userinfo in an https URI as an error.
        return (
            "it must not carry a user name (user@host): receivers treat that in an https URL "
            "as an error (RFC 9110 §4.2.4)"
        )
    host = (parts.hostname or "").rstrip(".")
    if ":" in host:
        try:
            ipaddress.ip_address(host)
        except ValueError:
            pass
        else:
            # An IPv6 literal ([2001:db8::1], [::ffff:127.0.0.1]): an address as much as
            # 192.0.2.1 is (it was 'no host name: its last label is all digits').
            return f"{host} is an IP address; it must be a fully qualified domain name"
    if host and "%" in host and url_ipv4(host) is not None:
        # %31%30.0.0.1: URL parsers decode the escapes and read 10.0.0.1 (as TLSRPT-10, s36g).
        return (
            f"{host} is an IP address ({url_numbers_read_as(host)}; URL parsers read it so); "
            "it must be a fully qualified domain name"
        )
    if host and browser_ipv4(host) is not None:
        # RFC 3986 §3.2.2: a host matching IPv4address is an address, not a reg-name; the
        # draft wants an FQDN in a=. Numbers a URL parser reads as IPv4 (WHATWG URL:
        # 2130706433, 127.1, 0x7f.1 and 1.0x7f are addresses) are one too, as TLSRPT-10
        # reads them (s34n): receivers fetch that address, never a name.
        read = numbers_read_as(host)
        return (
            f"{host} is an IP address{f' ({read}; URL parsers read it so)' if read else ''}; "
            "it must be a fully qualified domain name"
        )
    if host and "%" in host:
        # l%6Fgo.example, b%C3%BCcher.example: a reg-name's escapes stand for the UTF-8 octets
        # of a name (RFC 3986 §3.2.2), which a receiver's URL parser decodes (§6.2.2.2, WHATWG
        # URL) and fetches, in A-labels when not ASCII; judged as that name (s36k, as TLS-RPT).
        decoded = url_host_name(host)
        if decoded is None:
            return (
                f"{host} is not a valid host name: its percent-escapes decode to no host name "
                "(RFC 3986 §3.2.2: they stand for the UTF-8 octets of a name)"
            )
        host = decoded.rstrip(".")
    if host.rsplit(".", 1)[-1].isdigit():
        # 1.2.3.4.5: no address, and no top-level domain is all digits (RFC 3696 §2).
        return (
            f"{host} is no host name: its last label is all digits (RFC 3696 §2); it must be a "
            "fully qualified domain name"
        )
    if not host or "." not in host or not port_ok:
        return "it must name a fully qualified host"
    if not all(_HOST_LABEL_RE.fullmatch(label) for label in host.split(".")):
        # "logo..example.com", "-logo.example.com", a 64-character label: no DNS name.
        return f"{host} is not a valid host name (letters, digits and '-' in dot-separated labels)"
    if len(host) > 253:
        return "the host name is longer than 253 characters"
    if svg:
        name = parts.path.rsplit("/", 1)[-1].lower()
        suffix = name.rsplit(".", 1)[-1] if "." in name else ""
        if suffix in NON_SVG_SUFFIXES:
            return f"the logo must be an SVG file (.svg or .svgz), not .{suffix}"
    return ""


@dataclass
class SvgReport:
    ok: bool = False
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


class _Doctype(Exception):
    pass


def _refuse_doctype(*args: Any) -> None:
    raise _Doctype


def _prescan(data: bytes) -> list[str] | None:
    """None when the XML declares a DOCTYPE or an entity, as expat reads it (a byte search
    alone misses one written in UTF-16, or any encoding the XML declaration names); else the
    targets of its processing instructions, which ElementTree drops (an xml-stylesheet PI
    before the root would go unseen)."""
    targets: list[str] = []
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.EntityDeclHandler = _refuse_doctype
    parser.ProcessingInstructionHandler = lambda target, _data: targets.append(target)
    try:
        parser.Parse(data, True)
    except _Doctype:
        return None
    return targets


def _href_description(value: str) -> str:
    """How a non-local href reads in a BIMI-09 finding.

    A data: URI (a PNG a design tool embedded) is refused like any reference that is not a
    local #id, but nothing is fetched: it is named by its media type, not called external,
    and its base64 payload stays out of the message.
    """
    text = value.strip()
    if text[:5].lower() == "data:":
        media = text[5:].split(",", 1)[0].split(";", 1)[0].strip() or "text/plain"
        return f"an embedded data: URI ({media[:40]})"
    return f"an external reference ({value[:60]})"


def check_svg(data: bytes) -> SvgReport:
    """SVG Tiny Portable/Secure profile checks on a logo body. Never raises.

    The XML is parsed only after refusing any DOCTYPE: without a DTD there are no external or
    custom entities, so no entity expansion or external fetch can happen.
    """
    report = SvgReport()
    if not isinstance(data, bytes | bytearray):
        report.problems.append("the logo is not a file")
        return report
    data = bytes(data)
    if data[:2] == b"\x1f\x8b":
        report.facts["compressed"] = True
        inflater = zlib.decompressobj(wbits=31)
        try:
            data = inflater.decompress(data, SVG_FETCH_LIMIT + 1)
        except zlib.error:
            report.problems.append("the .svgz file is not valid gzip")
            return report
        if len(data) > SVG_FETCH_LIMIT:
            # Read no further (a gzip bomb inflates without end): what was read is cut
            # mid-document, so its profile is unknown. Size alone is a warning (checklist
            # BIMI-09), as for an uncompressed logo over the limit; never a pass.
            limit = SVG_FETCH_LIMIT // 1024
            report.facts["inflated_over"] = SVG_FETCH_LIMIT
            report.warnings.append(
                f"the .svgz file inflates to more than {limit} KB, far above the 32 KB the "
                "BIMI Group recommends: receivers set their own limit and may ignore it. Its "
                f"SVG profile was not checked (only the first {limit} KB were read)"
            )
            return report
        if not inflater.eof:
            # Cut before gzip's end marker (CRC-32 and length): not a valid SVGZ document
            # (draft Indicator Validation), even when the SVG text inside looks complete.
            report.problems.append(
                "the .svgz file is cut short (its gzip stream ends before the end marker), so "
                "it is not a complete SVGZ file"
            )
            return report
    report.facts["bytes"] = len(data)
    if len(data) > SVG_SIZE_WARN:
        report.warnings.append(
            f"the logo is {len(data) // 1024} KB; keep it under 32 KB, larger files may be ignored"
        )
    try:
        instructions = _prescan(data)
    except (expat.ExpatError, ValueError, UnicodeError, RecursionError):
        report.problems.append("the file is not well-formed XML")
        return report
    if instructions is None:
        report.problems.append(
            "the file contains a DOCTYPE/ENTITY declaration, which SVG Tiny PS does not allow"
        )
        return report
    try:
        root = ElementTree.fromstring(data)
    except (ElementTree.ParseError, ValueError, UnicodeError, RecursionError):
        report.problems.append("the file is not well-formed XML")
        return report
    if _local(root.tag) != "svg":
        report.problems.append("the file is not an SVG image")
        return report
    if root.tag != SVG_NS + "svg":
        # Without xmlns="http://www.w3.org/2000/svg" (or with another namespace) this is an
        # unknown XML element named svg, not an SVG document: SVG Tiny PS requires the
        # namespace and renderers show nothing.
        report.problems.append("the root element is not in the SVG namespace")
        return report
    version = root.get("version")
    profile = root.get("baseProfile")
    report.facts.update({"version": version, "baseProfile": profile})
    if profile != "tiny-ps":
        found = f"is {profile!r}" if profile is not None else "is missing"
        report.problems.append(f'baseProfile {found}, it must be "tiny-ps"')
    if version != "1.2":
        found = f"is {version!r}" if version is not None else "is missing"
        report.problems.append(f'version {found}, it must be "1.2"')
    if not any(child.tag == SVG_NS + "title" for child in root):
        report.problems.append("the SVG has no <title> element")
    seen: set[str] = set()
    if any(target.lower() == "xml-stylesheet" for target in instructions):
        seen.add("an xml-stylesheet processing instruction (an external style sheet)")
    for element in root.iter():
        name = _local(element.tag)
        if name in FORBIDDEN:
            seen.add(f"<{name}>")
        if name in ANIMATION:
            seen.add(f"animation (<{name}>)")
        for attr, value in element.attrib.items():
            attr_name = _local(attr)
            if (attr == XLINK_HREF or attr_name == "href") and not value.strip().startswith("#"):
                seen.add(_href_description(value))
            elif _EXTERNAL_URL_RE.search(value):
                # style="fill:url(https://…)", fill="url(https://…)": a fetch on display.
                seen.add(f"an external reference ({value[:60]})")
            if attr_name.lower().startswith("on"):
                seen.add(f"an event handler ({attr_name})")
    for item in sorted(seen):
        report.problems.append(f"the SVG contains {item}, not allowed in SVG Tiny PS")
    if root.get("x") is not None or root.get("y") is not None:
        report.problems.append("the root <svg> must not have x or y attributes")
    box = (root.get("viewBox") or "").replace(",", " ").split()
    try:
        if len(box) == 4 and float(box[2]) != float(box[3]):
            report.warnings.append("the logo is not square; mailbox providers crop it to a square")
    except ValueError:
        report.warnings.append("the viewBox attribute is not valid")
    report.ok = not report.problems
    return report


# --------------------------------------------------------------------------------------------
# Mark certificate (BIMI-10): draft-fetch-validation-vmc-wchuang and the BIMI Group's VMC
# guidelines, not the core draft.

BIMI_EKU = "1.3.6.1.5.5.7.3.31"  # id-kp-BrandIndicatorforMessageIdentification
LOGOTYPE_OID = "1.3.6.1.5.5.7.1.12"  # id-pe-logotype (RFC 3709 / RFC 9399)
# Subject attribute the VMC guidelines use for the mark type; VMCs carry a registered or
# government mark, CMCs a prior-use (or modified / pending registered) mark.
MARK_TYPE_OID = "1.3.6.1.4.1.53087.1.13"
VMC_MARK_TYPES = {"registered mark", "government mark"}
# A PEM chain with an embedded SVG (BIMI Group guidance: 32 KB) stays far below this.
MARK_FETCH_LIMIT = 256 * 1024
HASHES = {
    "1.3.14.3.2.26": "sha1",
    "2.16.840.1.101.3.4.2.1": "sha256",
    "2.16.840.1.101.3.4.2.2": "sha384",
    "2.16.840.1.101.3.4.2.3": "sha512",
}
NOT_AN_MVA_CHECK = "chain not checked against the BIMI Group's list of mark verifying authorities"


@dataclass(frozen=True)
class Tlv:
    tag: int  # the identifier octet: class, constructed bit and a tag number below 31
    value: bytes


def read_tlvs(data: bytes) -> list[Tlv] | None:
    """Split DER into its top-level TLVs; None unless `data` is exactly a run of TLVs.

    Deliberately minimal: single-octet tags and definite lengths only (all RFC 3709 needs).
    Every length is checked against what is left, so garbage gives None, never an exception.
    """
    if not isinstance(data, bytes | bytearray):
        return None
    out: list[Tlv] = []
    pos, end = 0, len(data)
    while pos < end:
        if end - pos < 2:
            return None
        tag, first = data[pos], data[pos + 1]
        pos += 2
        if tag & 0x1F == 0x1F:  # high tag numbers do not occur in the logotype extension
            return None
        if first < 0x80:
            length = first
        else:
            count = first & 0x7F
            # 0x80 is BER's indefinite length, which DER forbids; > 4 octets is absurd here.
            if count == 0 or count > 4 or end - pos < count:
                return None
            length = int.from_bytes(data[pos : pos + count], "big")
            pos += count
        if length > end - pos:
            return None
        out.append(Tlv(tag, bytes(data[pos : pos + length])))
        pos += length
    return out


def _only(data: bytes, tag: int) -> bytes | None:
    """The content of `data` when it is exactly one TLV with `tag`."""
    tlvs = read_tlvs(data)
    if tlvs is None or len(tlvs) != 1 or tlvs[0].tag != tag:
        return None
    return tlvs[0].value


MAX_OID_OCTETS = 64


def decode_oid(data: bytes) -> str | None:
    """Dotted text of an OBJECT IDENTIFIER's content octets, or None when malformed."""
    # Real OIDs are a few dozen octets with arcs of at most 64 bits; a hostile certificate's
    # huge arc would be slow to build and too long for str() (Python's 4,300-digit limit).
    if not data or len(data) > MAX_OID_OCTETS or data[-1] & 0x80:
        return None
    arcs: list[int] = []
    value = 0
    for octet in data:
        if value == 0 and octet == 0x80:  # non-minimal encoding
            return None
        value = (value << 7) | (octet & 0x7F)
        if value >> 64:
            return None
        if not octet & 0x80:
            arcs.append(value)
            value = 0
    first = min(arcs[0] // 40, 2)
    return ".".join(str(a) for a in [first, arcs[0] - 40 * first, *arcs[1:]])


@dataclass
class LogotypeImage:
    media_type: str
    hashes: list[tuple[str, bytes]]  # (hash algorithm OID, hash value)
    uris: list[str]


@dataclass
class ParsedLogotype:
    images: list[LogotypeImage] = field(default_factory=list)
    error: str = ""


def _ia5(tlv: Tlv) -> str | None:
    if tlv.tag != 0x16:
        return None
    try:
        return tlv.value.decode("ascii")
    except UnicodeDecodeError:
        return None


def _image(data: bytes) -> LogotypeImage | str:
    """One LogotypeImage: SEQUENCE { imageDetails LogotypeDetails, imageInfo OPTIONAL }."""
    parts = read_tlvs(data)
    if not parts or parts[0].tag != 0x30:
        return "an image entry has no details"
    details = read_tlvs(parts[0].value)
    if details is None or len(details) != 3:
        return "an image's details are not mediaType, hashes and URIs"
    media_type = _ia5(details[0])
    hash_list = read_tlvs(details[1].value) if details[1].tag == 0x30 else None
    uri_list = read_tlvs(details[2].value) if details[2].tag == 0x30 else None
    if media_type is None or not hash_list or not uri_list:
        return "an image's mediaType, hash list or URI list is malformed"
    hashes: list[tuple[str, bytes]] = []
    for item in hash_list:
        pair = read_tlvs(item.value) if item.tag == 0x30 else None
        if pair is None or len(pair) != 2 or pair[0].tag != 0x30 or pair[1].tag != 0x04:
            return "a logotype hash is not an algorithm and a value"
        algorithm = read_tlvs(pair[0].value)
        oid = decode_oid(algorithm[0].value) if algorithm and algorithm[0].tag == 0x06 else None
        if oid is None:
            return "a logotype hash algorithm is not an OID"
        hashes.append((oid, pair[1].value))
    uris: list[str] = []
    for item in uri_list:
        uri = _ia5(item)
        if uri is None:
            return "a logotype URI is not an IA5String"
        uris.append(uri)
    return LogotypeImage(media_type, hashes, uris)


def parse_logotype(der: bytes) -> ParsedLogotype:
    """The subject logo images of an RFC 3709 LogotypeExtn. Never raises.

    LogotypeExtn ::= SEQUENCE { communityLogos [0] EXPLICIT ..., issuerLogo [1] EXPLICIT ...,
    subjectLogo [2] EXPLICIT LogotypeInfo OPTIONAL, otherLogos [3] EXPLICIT ... }; the module
    uses IMPLICIT tags, so LogotypeInfo's `direct [0] LogotypeData` is a constructed [0]
    holding LogotypeData's fields: `image SEQUENCE OF LogotypeImage OPTIONAL, audio [1] ...`.
    The mark is the subject logo; the other fields are skipped.
    """
    parsed = ParsedLogotype()
    fields = read_tlvs(_only(der, 0x30) or b"") if isinstance(der, bytes | bytearray) else None
    if _only(der, 0x30) is None or fields is None:
        parsed.error = "it is not a DER SEQUENCE"
        return parsed
    subject = next((f.value for f in fields if f.tag == 0xA2), None)
    if subject is None:
        parsed.error = "it has no subject logo"
        return parsed
    info = read_tlvs(subject)
    if info is None or len(info) != 1 or info[0].tag not in (0xA0, 0xA1):
        parsed.error = "its subject logo is neither direct nor indirect"
        return parsed
    if info[0].tag == 0xA1:
        parsed.error = "its subject logo is an indirect reference, mark certificates embed it"
        return parsed
    data = read_tlvs(info[0].value)
    images = [t for t in data or [] if t.tag == 0x30]
    if data is None or not images:
        parsed.error = "its subject logo has no image"
        return parsed
    for entry in read_tlvs(images[0].value) or []:
        image = _image(entry.value) if entry.tag == 0x30 else "an image entry is not a SEQUENCE"
        if isinstance(image, str):
            parsed.error, parsed.images = image, []
            return parsed
        parsed.images.append(image)
    if not parsed.images:
        parsed.error = "its subject logo has no image"
    return parsed


def _gunzip(data: bytes) -> bytes | None:
    """`data` inflated when it is gzip (SVGZ), else as is; None when the gzip is broken or
    cut short (a truncated stream would otherwise compare as a shorter, different logo)."""
    if data[:2] != b"\x1f\x8b":
        return data
    inflater = zlib.decompressobj(wbits=31)
    try:
        svg = inflater.decompress(data, SVG_FETCH_LIMIT + 1)
    except zlib.error:
        return None
    return svg if inflater.eof or len(svg) > SVG_FETCH_LIMIT else None


def decode_data_uri(uri: str) -> bytes | None:
    """The bytes of an RFC 2397 data: URI, or None when it is not one (or does not decode)."""
    if uri[:5].lower() != "data:" or "," not in uri:
        return None
    meta, _, payload = uri[5:].partition(",")
    if meta.lower().endswith(";base64"):
        try:
            return base64.b64decode("".join(payload.split()), validate=True)
        except (binascii.Error, ValueError):
            return None
    return unquote_to_bytes(payload)


@dataclass
class MarkReport:
    problems: list[str] = field(default_factory=list)  # each one is a fail
    warnings: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    svg: bytes | None = None  # the logo embedded in the certificate, decompressed
    logo_compared: bool = False  # the l= logo was available and compared
    # What each problem (and warning) is, one code per entry in the same order, so its fix is
    # chosen by what is wrong rather than by its words: 'not-pem', 'der', 'chain-broken',
    # 'self-signed', 'expired', 'not-yet-valid', 'ca-expired', 'ca-not-yet-valid',
    # 'no-bimi-eku', 'names', 'logotype', 'logo-differs'; warnings: 'leaf-only', 'serial',
    # 'ca-serial'.
    kinds: list[str] = field(default_factory=list)
    warning_kinds: list[str] = field(default_factory=list)

    def fail(self, kind: str, text: str) -> None:
        self.problems.append(text)
        self.kinds.append(kind)

    def warn(self, kind: str, text: str) -> None:
        self.warnings.append(text)
        self.warning_kinds.append(kind)


def _load_pem_chain(data: bytes) -> list[x509.Certificate] | str:
    """The certificates of a PEM file, or why there are none usable.

    cryptography parses names and extensions lazily, so each one is read here once: a damaged
    certificate is refused up front instead of raising in the middle of the checks. A serial
    number of 0 or below (RFC 5280 §4.1.2.2 forbids it) is read without the library's warning
    (certs.any_serial_read): BIMI-10 reports it (check_mark_certificate).
    """
    if b"-----BEGIN CERTIFICATE-----" not in data:
        return "the file at a= is not a PEM certificate chain"
    try:
        with any_serial_read():
            certs = x509.load_pem_x509_certificates(data)
        for cert in certs:
            _ = (cert.subject, cert.issuer, cert.extensions, serial_of(cert))
            _ = (cert.not_valid_before_utc, cert.not_valid_after_utc)
    except Exception as exc:  # any damage inside the PEM armour: unusable, never a crash
        return f"the file at a= is not a PEM certificate chain ({str(exc)[:120]})"
    return certs or "the file at a= is not a PEM certificate chain"


def _extension(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> Any:
    """The extension's value, None when absent, or the ValueError when it does not parse."""
    try:
        return cert.extensions.get_extension_for_oid(oid).value
    except x509.ExtensionNotFound:
        return None
    except ValueError as exc:
        return exc


def _mark_type(cert: x509.Certificate) -> str | None:
    try:
        values = cert.subject.get_attributes_for_oid(x509.ObjectIdentifier(MARK_TYPE_OID))
    except ValueError:
        return None
    return str(values[0].value) if values else None


def check_mark_certificate(
    pem: bytes,
    domains: list[str],
    logo: bytes | None,
    now: datetime | None = None,
) -> MarkReport:
    """Check a mark certificate PEM chain for the assertion record's domains. Never raises.

    `domains` are the author domain and the organisational domain; a SAN must name one of them
    exactly, or `<selector>._bimi.<domain>` (draft-fetch-validation-vmc-wchuang, "VMC Domain
    Verification"). `logo` is the l= file as fetched, None when it could not be had.
    """
    report = MarkReport()
    now = now or datetime.now(UTC)
    certs = _load_pem_chain(bytes(pem)) if isinstance(pem, bytes | bytearray) else ""
    if isinstance(certs, str):
        if isinstance(pem, bytes | bytearray) and load_der(bytes(pem)) is not None:
            # One certificate in binary DER: the right file in the wrong encoding.
            report.fail(
                "der",
                "the file at a= is not a PEM certificate chain: it is one certificate in "
                "binary (DER) form",
            )
            return report
        report.fail("not-pem", certs or "the file at a= is not a PEM certificate chain")
        return report
    leaf = certs[0]
    chain = [
        {
            "subject": name_text(c.subject),
            "issuer": name_text(c.issuer),
            "not_before": c.not_valid_before_utc.isoformat(),
            "not_after": c.not_valid_after_utc.isoformat(),
        }
        for c in certs
    ]
    report.facts.update(chain[0])
    report.facts["serial"] = format(serial_of(leaf), "x")
    report.facts["chain"] = chain
    report.facts["chain_note"] = "signatures between the certificates checked; " + NOT_AN_MVA_CHECK
    mark_type = _mark_type(leaf)
    report.facts["mark_type"] = mark_type
    if mark_type:
        report.facts["kind"] = "VMC" if mark_type.strip().lower() in VMC_MARK_TYPES else "CMC"

    # Chain: each certificate signed by the next one in the file (leaf first).
    # Certificate names quoted 'CN=…', as certs.verify_chain and https.refusal_fix quote them.
    broken = [
        f"certificate {i + 1}, '{chain[i]['subject']}', is not signed by the next one, "
        f"'{chain[i + 1]['subject']}'"
        for i in range(len(certs) - 1)
        if not issued_by(certs[i], certs[i + 1])
    ]
    if broken:
        report.fail(
            "chain-broken",
            "the chain in the file is broken: "
            + "; ".join(broken)
            + "; put the mark certificate first, then each issuer in order",
        )
    if len(certs) == 1 and leaf.issuer != leaf.subject:
        report.warn(
            "leaf-only",
            "the file holds only the mark certificate; receivers need the issuing CA "
            "certificates after it to validate it",
        )
    if leaf.issuer == leaf.subject:
        report.fail(
            "self-signed",
            "the mark certificate is self-signed; receivers accept only one issued by a mark "
            "verifying authority",
        )
    report.facts["chain_linked"] = len(certs) > 1 and not broken

    # Validity of every certificate in the file, to the second in UTC (a certificate that
    # starts in a minute differs from one dated next month). A mark certificate whose notBefore
    # is within NOT_BEFORE_SKEW of our clock (published the moment it was issued, or our
    # clock behind the issuer's) is judged, with its CA certificates, as of its notBefore, as
    # certs.verify_chain and DANE-TA do; only the mark certificate gets that allowance, and
    # moving the time forward grants no notAfter any grace.
    at = now
    if timedelta(0) < leaf.not_valid_before_utc - now <= NOT_BEFORE_SKEW:
        at = leaf.not_valid_before_utc
    for index, cert in enumerate(certs):
        what = (
            "the mark certificate"
            if index == 0
            else f"the CA certificate '{chain[index]['subject']}'"
        )
        prefix = "" if index == 0 else "ca-"
        if cert.not_valid_after_utc < at:
            report.fail(
                f"{prefix}expired", f"{what} expired on {utc_text(cert.not_valid_after_utc)}"
            )
        elif cert.not_valid_before_utc > at:
            beyond = (
                f", beyond the {int(NOT_BEFORE_SKEW.total_seconds() // 60)} minutes of "
                "clock difference allowed"
                if index == 0
                else ""
            )
            report.fail(
                f"{prefix}not-yet-valid",
                f"{what} is not valid before {utc_text(cert.not_valid_before_utc)}{beyond}",
            )

    _check_serials(report, certs, chain)

    # EKU id-kp-BrandIndicatorforMessageIdentification.
    eku = _extension(leaf, ExtensionOID.EXTENDED_KEY_USAGE)
    eku_oids = [o.dotted_string for o in eku] if isinstance(eku, x509.ExtendedKeyUsage) else []
    report.facts["eku"] = eku_oids
    if BIMI_EKU not in eku_oids:
        report.fail(
            "no-bimi-eku",
            "the certificate lacks the extended key usage "
            f"id-kp-BrandIndicatorforMessageIdentification ({BIMI_EKU}), so it is not a mark "
            "certificate",
        )

    # SAN: exact names only. The VMC guidelines and the fetch-and-validation draft match the
    # assertion record's domain itself; a wildcard SAN is not honoured.
    san = _extension(leaf, ExtensionOID.SUBJECT_ALTERNATIVE_NAME)
    sans: list[str] = []
    if isinstance(san, x509.SubjectAlternativeName):
        sans = [str(n) for n in san.get_values_for_type(x509.DNSName)]
    report.facts["sans"] = sans
    wanted = sorted({d.rstrip(".").lower() for d in domains})
    accepted = {n for d in wanted for n in (d, f"{SELECTOR}._bimi.{d}")}
    if not any(s.rstrip(".").lower() in accepted for s in sans):
        wildcard = any(s.startswith("*.") for s in sans)
        report.fail(
            "names",
            f"its names ({', '.join(sans) or 'none'}) do not include {' or '.join(wanted)}"
            + ("; a wildcard name does not count, the domain must be listed as is" * wildcard),
        )

    _check_logotype(report, leaf, logo)
    return report


def _check_serials(
    report: MarkReport, certs: list[x509.Certificate], chain: list[dict[str, str]]
) -> None:
    """A warning for each certificate in the file, but a root, whose serial number is 0 or
    below: RFC 5280 §4.1.2.2 wants it positive (the mark certificate guidelines take the
    CA/Browser Forum's random positive serial). Implementations disagree (checklist §0: warn):
    OpenSSL accepts both, Go's crypto/x509 refuses a negative serial at parse since Go 1.23,
    Python's cryptography warns on either and says a future release refuses them. A root in
    the file is left out: verifiers take their trust store's copy."""
    for index, cert in enumerate(certs):
        serial = serial_of(cert)
        if serial > 0 or (index > 0 and cert.issuer == cert.subject):
            continue
        what = (
            "the mark certificate"
            if index == 0
            else f"the CA certificate '{chain[index]['subject']}'"
        )
        refused = (
            "receivers validating with Go (1.23 and later) or Python's cryptography refuse a "
            "negative one"
            if serial < 0
            else "stricter receivers may refuse it: Python's cryptography already warns "
            "about it and says a future release will refuse it"
        )
        report.warn(
            "serial" if index == 0 else "ca-serial",
            f"{what} has serial number {serial}, which breaks RFC 5280 (a serial number must "
            f"be positive); OpenSSL accepts it, {refused}",
        )


def _check_logotype(report: MarkReport, leaf: x509.Certificate, logo: bytes | None) -> None:
    ext = _extension(leaf, x509.ObjectIdentifier(LOGOTYPE_OID))
    if ext is None:
        report.fail(
            "logotype",
            "the certificate has no logotype extension (RFC 3709), so it carries no logo",
        )
        return
    raw = getattr(ext, "value", None)
    parsed = parse_logotype(raw) if isinstance(raw, bytes) else ParsedLogotype(error="unreadable")
    if parsed.error:
        report.fail(
            "logotype", f"the certificate's logotype extension is malformed: {parsed.error}"
        )
        return
    image = next((i for i in parsed.images if "svg" in i.media_type.lower()), None)
    if image is None:
        types = ", ".join(i.media_type for i in parsed.images)
        report.fail("logotype", f"the certificate's logotype is not an SVG image ({types})")
        return
    known = [(HASHES[oid], value) for oid, value in image.hashes if oid in HASHES]
    report.facts["logotype"] = {
        "media_type": image.media_type,
        "hashes": [f"{name}:{value.hex()}" for name, value in known],
    }
    data_uris = [u for u in image.uris if u[:5].lower() == "data:"]
    embedded = next((d for d in map(decode_data_uri, data_uris) if d is not None), None)
    if data_uris and embedded is None:
        report.fail("logotype", "the logo embedded in the logotype extension does not decode")
        return
    if embedded is not None:
        # RFC 3709 §4.1: the hash is over the image as its URI delivers it (here: the
        # gzip'd SVG inside the data: URI), so it must agree with the embedded bytes.
        if known and not any(hashlib.new(n, embedded).digest() == v for n, v in known):
            report.fail(
                "logotype", "the logotype extension's hash does not match the logo embedded in it"
            )
            return
        report.svg = _gunzip(embedded)
        if report.svg is None:
            report.fail("logotype", "the logo embedded in the certificate is broken gzip")
            return
        report.facts["logotype"]["svg_bytes"] = len(report.svg)
    elif not known:
        report.fail(
            "logotype",
            "the logotype extension neither embeds the logo nor carries a hash this check knows",
        )
        return
    if logo is None:
        return
    report.logo_compared = True
    served = _gunzip(logo)
    if report.svg is not None:
        same = served is not None and served == report.svg
    else:  # only a hash to go by: of the file as served or of its decompressed SVG
        same = any(
            hashlib.new(n, body).digest() == v for n, v in known for body in {logo, served} if body
        )
    if not same:
        report.fail(
            "logo-differs",
            "the logo in the certificate differs from the l= logo; publish exactly the SVG the "
            "certificate was issued for",
        )


@dataclass
class BimiLookup:
    name: str
    answer: DnsAnswer
    records: list[str]
    near: list[str]


# 'v=BIMI1' written with other case or spaces around '=' (a record BIMI-02 discards).
_MEANT_VERSION_RE = re.compile(r"[ \t]*v[ \t]*=[ \t]*bimi1(?=[ \t]*(;|$))", re.IGNORECASE)
# The version tag exactly as the draft's ABNF has it (v *WSP "=" *WSP "BIMI1"), as one part.
_EXACT_VERSION_RE = re.compile(r"[ \t]*v[ \t]*=[ \t]*BIMI1[ \t]*")
# A part that is a version tag of any spelling or value.
_ANY_VERSION_RE = re.compile(r"[ \t]*v[ \t]*=", re.IGNORECASE)
# 'v=BIMI1' followed by the next tag with no ';' between ('v=BIMI1 l=…', 'v=BIMI1, l=…'): the
# version tag's value runs on to the next ';', so it is not 'BIMI1'.
_UNSPLIT_VERSION_RE = re.compile(r"v=BIMI1(?:[ \t]*,[ \t]*|[ \t]+)(?=[A-Za-z][A-Za-z0-9_]*[ \t]*=)")


def _version_moved_first(record: str) -> str:
    """The record with its exact 'v=BIMI1' tag, written after other tags, put first (the
    draft: v= "MUST be the first tag"); '' when no later part is that tag."""
    parts = [p.strip(" \t") for p in record.split(";")]
    parts = [p for p in parts if p]
    if not parts or _EXACT_VERSION_RE.fullmatch(parts[0]):
        return ""
    rest = [p for p in parts if not _EXACT_VERSION_RE.fullmatch(p)]
    if len(rest) != len(parts) - 1 or not all("=" in p for p in rest):
        return ""  # no such tag, written twice, or other faults: not ours to guess
    if any(_ANY_VERSION_RE.match(p) for p in rest):
        return ""  # another version tag beside it ('V=BIMI1'): which was meant, not ours
    return "; ".join(["v=BIMI1", *rest])


def _lookup(name: str, answer: DnsAnswer) -> BimiLookup:
    records: list[str] = []
    near: list[str] = []
    for text in [] if answer.failed else answer.texts():
        if parse_bimi(text).is_bimi:
            records.append(text)
        elif "bimi1" in text.lower() or _NEAR_BIMI_RE.match(text):
            # Meant as BIMI (v=bimi1, v=BIMI2, " v=BIMI1"), but discarded by receivers
            # (discovery steps 4 and 6): BIMI-02 says why, rather than "no record".
            near.append(text)
    return BimiLookup(name, answer, records, near)


def _stray_tag(look: BimiLookup, tag: str) -> str:
    """The one other TXT record at the BIMI record's name that holds `tag` ('a=https://…' or
    'l=https://…' alone: a record a DNS panel split into two TXT records), or ''. Receivers
    discard a record there that does not start with 'v=BIMI1' (draft, Assertion Record
    Discovery), so its tag is no part of the record they use."""
    others = [
        t
        for t in look.answer.texts()
        if t not in look.records and t not in look.near and parse_bimi(t).tags.get(tag)
    ]
    return others[0] if len(others) == 1 else ""


def _split_words(name: str, tag: str, stray: str) -> str:
    """What BIMI-03 and BIMI-05 add for a tag that sits in a record split off (_stray_tag).
    The rule is cited, not BIMI-02: that finding passes, as the one record left is valid."""
    return (
        f" The {tag}= tag sits in a second TXT record at {name}, '{stray}', which does not "
        "start with 'v=BIMI1', so receivers discard it (draft, Assertion Record Discovery): "
        "a DNS panel split the record in two. Publish them as one record."
    )


def _joined_fix(name: str, record: str, stray: str) -> str:
    """The BIMI record and the record split from it (_stray_tag) as one record, in
    place of both."""
    joined = f"{record.rstrip(' ;')}; {stray.strip(' ;')}"
    return (
        f"{txt_fix(name, joined)}\nin place of these two TXT records:\n"
        f"{txt_fix(name, record)}\n{txt_fix(name, stray)}"
    )


# What the owner writes in l= (BIMI-03's fix): only they know where their logo is served.
LOGO_PLACEHOLDER = "<https:// URL of the logo's SVG file>"


def _logo_tag_fix(subject: str, record: str, cert: str | None) -> str:
    """BIMI-03's fix for a record without a logo URL (no l=, or an empty one beside a=): the
    record with l= holding LOGO_PLACEHOLDER, right after v=BIMI1 when it was missing, every
    other tag as published; '' when that record is still not valid (a fault of its own)."""
    if "l" in parse_bimi(record).tags:
        meant = with_tags(record, {"l": LOGO_PLACEHOLDER})
    else:
        version, _, rest = record.partition(";")
        meant = f"{version}; l={LOGO_PLACEHOLDER}" + (f";{rest}" if rest else "")
    parsed = parse_bimi(meant)
    if not parsed.is_bimi or parsed.errors or parsed.tags.get("l") != LOGO_PLACEHOLDER:
        return ""
    # With a mark certificate, receivers compare the two logos (BIMI-10): the same file.
    which = " (the logo the mark certificate at a= carries)" if cert else ""
    lines = [
        "Serve the logo as an SVG Tiny Portable/Secure file over HTTPS and put its https:// "
        f"URL in l={which}:",
        txt_fix(subject, meant),
    ]
    if not cert:
        # A record with neither tag may have meant to decline BIMI (Declination to Publish);
        # an empty a= is as good as none (Assertion Record Definition), so offered there too.
        lines.append(f'To decline BIMI instead, publish "v=BIMI1; l=; a=" at {subject}.')
    return "\n".join(lines)


async def _without_selector(ctx: CheckContext, domain: str) -> str:
    """A BIMI record at _bimi.<domain>, the selector label left out (a panel's field filled
    with '_bimi' alone): receivers never ask that name (Assertion Record Discovery), so an
    owner told only "no record" would not know why. '' when there is none, or the lookup
    fails (this is only a hint)."""
    answer = await ctx.dns.query(f"_bimi.{domain}", "TXT")
    if answer.failed:
        return ""
    return next((t for t in answer.texts() if parse_bimi(t).is_bimi), "")


async def evaluate(ctx: CheckContext) -> list[Finding]:
    out = Collector(MECHANISM)
    domain = normalize(ctx.domain)
    org = organizational_domain(domain, ctx.config.extra_public_suffixes)
    names = list(dict.fromkeys([domain, org]))
    answers, mx = await asyncio.gather(
        asyncio.gather(*(ctx.dns.query(f"{SELECTOR}._bimi.{n}", "TXT") for n in names)),
        ctx.dns.query(domain, "MX"),
    )
    lookups = [_lookup(f"{SELECTOR}._bimi.{n}", a) for n, a in zip(names, answers, strict=True)]
    # Assertion record discovery: the author domain first, then the organisational domain.
    # Records not starting with v=BIMI1 are discarded, and only an emptied set moves on to
    # the organisational domain (draft "Assertion Record Discovery", steps 4-6).
    chosen: BimiLookup | None = None
    discarded: list[BimiLookup] = []
    for look in lookups:
        if look.answer.failed:
            out.add(
                "BIMI-01",
                Status.ERROR,
                f"Could not look up the BIMI record at {look.name} "
                f"({look.answer.describe_failure()}); BIMI was not checked.",
                subject=look.name,
                evidence={"dns": look.answer.evidence()},
            )
            return out.findings
        if look.records:
            chosen = look
            break
        if look.near:
            discarded.append(look)
    for look in discarded:
        record = look.near[0]
        # A character the owner cannot see or tell apart ahead of the tag (a byte order mark
        # from a text editor, a zero-width or no-break space): named, and the record retyped.
        pasted = lookalikes(record)
        meant_text = pasted.cleaned if pasted is not None else record
        # The record as meant: a version tag that is 'v=BIMI1' but for case or spacing ("v=bimi1",
        # " v = BIMI1") written exactly; any other version ("v=BIMI2") is not ours to guess.
        version = _MEANT_VERSION_RE.match(meant_text)
        if version and any(
            _ANY_VERSION_RE.match(p) for p in meant_text[version.end() :].split(";")
        ):
            # A second version tag later ('V=BIMI1; l=…; v=BIMI1'): retyping the first would
            # offer a record with two, which BIMI-02 fails again; which was meant is not ours.
            version = None
        # Its 'L=' written 'l=' too ('V=BIMI1; L=…'): the version alone retyped would be a
        # record BIMI-03 then fails for having no l=.
        retyped_record = _with_lower_l("v=BIMI1" + meant_text[version.end() :]) if version else ""
        fix = txt_fix(look.name, retyped_record) if version else ""
        # Why it is discarded, in the owner's terms: the draft's ABNF starts the record with
        # %x76 and "BIMI1" is matched exactly, and receivers MUST NOT fix either.
        written = version.group(0).strip(" \t").replace(" ", "") if version else ""
        notes = []
        if pasted is not None and version:
            notes.append(f"It contains {pasted.describe()}, which {pasted.fault}.")
        if version and meant_text[:1] in " \t":
            notes.append("It starts with a space before 'v=': receivers do not skip it.")
        if version and written != "v=BIMI1":
            notes.append(
                f"Its version tag is written '{written}': receivers must not fix capitalisation."
            )
        if version and retyped_record != "v=BIMI1" + meant_text[version.end() :]:
            notes.append("Its 'L=' must be written 'l=' too: tag names are case-sensitive.")
        if pasted is not None and version:
            notes.append(f"Retype it by hand: '{retyped_record}'.")
        if not version and pasted is None and (moved := _version_moved_first(record)):
            # 'l=…; a=…; v=BIMI1': every tag as meant, the version in the wrong place.
            notes.append(
                "Its 'v=BIMI1' tag is there, but the BIMI draft requires it to be the first tag "
                "and receivers do not reorder tags: publish it first."
            )
            fix = txt_fix(look.name, moved)
        note = "".join(f" {n}" for n in notes)
        head = "does not start with exactly 'v=BIMI1'"
        unsplit = None if version or pasted is not None else _UNSPLIT_VERSION_RE.match(record)
        if unsplit and not any(
            _ANY_VERSION_RE.match(p) for p in record[unsplit.end() :].split(";")
        ):
            # The version is right, the ';' after it missing: said so, and the record with it.
            head = "has no ';' after its version 'v=BIMI1'"
            note = (
                " Tags are separated by ';' (BIMI draft, Assertion Record Definition), so its "
                f"version tag reads '{record.split(';')[0].strip()}', not 'v=BIMI1', and "
                "receivers must not fix syntax: write ';' after 'v=BIMI1'."
            )
            fix = txt_fix(look.name, "v=BIMI1; " + record[unsplit.end() :])
        around = unquoted(record)
        if around is not None and around.leading and around.text.startswith("v=BIMI1"):
            # '"v=BIMI1; l=…"', or typographic quotes from a document: named as such.
            meant = retyped(around.text).strip()
            note = (
                f" It is {around.describe()}: {around.whose}, so its first character is a "
                f"quote. Retype it without {around.them}: '{meant}'."
            )
            fix = txt_fix(look.name, meant)
        out.add(
            "BIMI-02",
            Status.FAIL,
            f"The record at {look.name} {head}, so mail receivers ignore it: '{record}'." + note,
            subject=look.name,
            evidence={"dns": look.answer.evidence()},
            fix=fix,
        )
    if chosen is None and discarded:
        return out.findings
    if chosen is None:
        null = is_null_mx(mx)
        if not null and (misplaced := await _without_selector(ctx, domain)):
            out.add(
                "BIMI-01",
                Status.INFO,
                f"No BIMI record at {lookups[0].name}: the BIMI record '{misplaced}' sits at "
                f"_bimi.{domain}, where receivers never look. They ask "
                f"<selector>._bimi.{domain}, '{SELECTOR}' unless a message's BIMI-Selector "
                f"header names another. Publish it at {lookups[0].name} and delete the record "
                f"at _bimi.{domain}.",
                subject=lookups[0].name,
                evidence={
                    "dns": [look.answer.evidence() for look in lookups],
                    "published": False,
                    "misplaced_at": f"_bimi.{domain}",
                    "selectors_checked": [SELECTOR],
                },
                fix=txt_fix(lookups[0].name, misplaced),
            )
            return out.findings
        # Only the default selector is asked: selectors cannot be listed from DNS, and there is
        # no message whose BIMI-Selector header would name another. A record at brand._bimi
        # alone is not "no BIMI": say which names were asked, and that others were not.
        where = lookups[0].name + "".join(
            f" or at {look.name} (the organisational domain, where receivers look next)"
            for look in lookups[1:]
        )
        out.add(
            "BIMI-01",
            Status.INFO,
            f"No BIMI record at {where}"
            + (
                f" ({domain} does not receive mail, so BIMI does not apply)."
                if null
                else "; BIMI is optional and lets mailbox providers show your logo. Receivers "
                f"look up the '{SELECTOR}' selector unless a message's BIMI-Selector header names "
                f"another; records at other selectors (<selector>._bimi.{domain}) are not "
                "checked here."
            ),
            subject=lookups[0].name,
            evidence={
                "dns": [look.answer.evidence() for look in lookups],
                "published": False,
                "selectors_checked": [SELECTOR],
            },
        )
        return out.findings

    subject = chosen.name
    evidence: dict[str, Any] = {"dns": chosen.answer.evidence()}
    if len(chosen.records) > 1:
        out.add(
            "BIMI-02",
            Status.FAIL,
            f"{subject} has {len(chosen.records)} BIMI records; receivers then ignore all of "
            "them. Keep exactly one.",
            subject=subject,
            evidence=evidence,
            fix=_one_record_fix(subject, chosen.records),
        )
        return out.findings
    parsed = parse_bimi(chosen.records[0])
    out.add(
        "BIMI-01",
        Status.INFO,
        f"{domain} publishes a BIMI record"
        + ("." if subject.endswith("." + domain) else f" (inherited from {subject})."),
        subject=subject,
        evidence=evidence,
    )
    if parsed.repeated:
        # RFC 6376 §3.2, whose tag-value syntax the draft takes: a tag given twice makes the
        # whole record invalid, and receivers must not fix it. So no value of it is judged
        # as if the record applied (before s28n the first one was, logo and all).
        out.add(
            "BIMI-02",
            Status.FAIL,
            "The BIMI record is invalid, so receivers ignore it: "
            + "; ".join(
                [
                    *(_repetition(name, values) for name, values in parsed.repeated.items()),
                    *(e for e in parsed.errors if not _is_repetition(e)),
                ]
            )
            + ". Give each tag once.",
            subject=subject,
            evidence=evidence,
            fix=_once_fix(subject, parsed),
        )
        return out.findings
    if parsed.errors:
        # The same for any other syntax error (a part without '=', pasted characters): the
        # draft's receivers "MUST NOT attempt to fix syntactical ... errors" and report
        # bimi=fail, so nothing read from the record is judged as if it applied.
        out.add(
            "BIMI-02",
            Status.FAIL,
            "The BIMI record's syntax is invalid: "
            + "; ".join(parsed.errors)
            + ". Receivers must not repair a record, so they ignore it; its logo and "
            "certificate are not checked until it is fixed.",
            subject=subject,
            evidence=evidence,
        )
        return out.findings
    out.add("BIMI-02", Status.PASS, "Exactly one valid BIMI record is published.", subject=subject)

    tags = parsed.tags
    logo = tags.get("l")
    cert = tags.get("a")
    if logo is None:
        stray = "" if "L" in tags else _stray_tag(chosen, "l")
        out.add(
            "BIMI-03",
            Status.FAIL,
            "The BIMI record has no l= tag with the logo URL, which is required"
            + (" (tag names are case-sensitive: 'L=' is not 'l=')." if "L" in tags else ".")
            + (_split_words(subject, "l", stray) if stray else ""),
            subject=subject,
            evidence=evidence,
            fix=_lower_l_fix(subject, chosen.records[0])
            if "L" in tags
            else _joined_fix(subject, chosen.records[0], stray)
            if stray
            else _logo_tag_fix(subject, chosen.records[0], cert),
        )
    elif logo == "" and cert:
        # An empty l= is only a declination together with an empty a= (Declination to
        # Publish); with a certificate named, the logo is simply missing.
        out.add(
            "BIMI-03",
            Status.FAIL,
            "The BIMI record's l= is empty although a= names a mark certificate; put the logo's "
            "https:// URL in l= (an empty l= and a= together decline BIMI).",
            subject=subject,
            evidence=evidence,
            fix=_logo_tag_fix(subject, chosen.records[0], cert),
        )
    elif logo == "" and not cert:
        out.add(
            "BIMI-03",
            Status.INFO,
            f"The BIMI record declines to publish a logo (empty l= and a=) for {domain}.",
            subject=subject,
            evidence=evidence,
        )
        return out.findings
    _optional_tags(out, subject, tags, chosen.records[0])
    await _dmarc_prerequisites(out, ctx, domain)

    # The https:// form of each URL that fails only as written ('http://', raw characters):
    # BIMI-04's and BIMI-05's fixes offer one record with all of them, so publishing one fix
    # does not leave (or bring back) the other's failure.
    rewritten = _rewritten_urls(logo, cert)
    cert_url = ""
    if cert is None or cert == "":
        stray = _stray_tag(chosen, "a") if cert is None else ""
        out.add(
            "BIMI-05",
            Status.WARN,
            "The BIMI record has no mark certificate (a=); the large mailbox providers only "
            "show logos backed by a VMC or CMC."
            + (_split_words(subject, "a", stray) if stray else ""),
            subject=subject,
            evidence=evidence,
            fix=_joined_fix(subject, chosen.records[0], stray) if stray else "",
        )
    else:
        problem = check_https_uri(cert, svg=False)
        if problem:
            out.add(
                "BIMI-05",
                Status.FAIL,
                f"The certificate URL a={cert} is invalid: {problem}.",
                subject=subject,
                evidence=evidence,
                fix=_urls_fix(subject, chosen.records[0], rewritten) if "a" in rewritten else "",
            )
        else:
            out.add(
                "BIMI-05",
                Status.PASS,
                "The mark certificate URL is a valid HTTPS URL.",
                subject=subject,
            )
            cert_url = cert

    logo_url = ""
    if logo:
        problem = check_https_uri(logo, svg=True)
        if problem:
            out.add(
                "BIMI-04",
                Status.FAIL,
                f"The logo URL l={logo} is invalid: {problem}.",
                subject=subject,
                evidence=evidence,
                fix=_urls_fix(subject, chosen.records[0], rewritten)
                if "l" in rewritten
                else _logo_url_fix(subject, logo),
            )
        else:
            logo_url = logo
    # Both documents at once: the wall time is the slower fetch, not the sum.
    logo_result, mark_result = await asyncio.gather(
        _fetch(ctx, logo_url, SVG_FETCH_LIMIT), _fetch(ctx, cert_url, MARK_FETCH_LIMIT)
    )
    # A URL that redirects to one the record may hold: the fix is the record naming the
    # target(s), every other tag as published (both l= and a= when both redirect).
    moved = {
        tag: redirect.target
        for tag, url, result, svg in (
            ("l", logo_url, logo_result, True),
            ("a", cert_url, mark_result, False),
        )
        if url and (redirect := redirect_of(url, result, svg=svg)) and not redirect.problem
    }
    redirect_fix = txt_fix(subject, with_tags(chosen.records[0], moved)) if moved else ""
    logo_body: bytes | None = None
    if logo_url:
        logo_body = _logo(out, logo_url, logo_result, redirect_fix, org)
    if cert_url:
        # The domains a SAN may name: the record's own domain (author or organisational).
        record_domain = subject.split("._bimi.", 1)[-1]
        _mark(
            out,
            cert_url,
            mark_result,
            [domain, record_domain],
            logo_body,
            logo_result,
            redirect_fix,
            org,
        )
    return out.findings


def _is_repetition(error: str) -> bool:
    return error.startswith("the tag '") and error.endswith("' appears more than once")


def _repetition(name: str, values: list[str]) -> str:
    distinct = list(dict.fromkeys(values))
    if len(distinct) == 1:
        return f"the tag '{name}' appears more than once, each time as '{name}={distinct[0]}'"
    given = ", ".join(f"'{name}={v}'" for v in distinct)
    return f"the tag '{name}' appears more than once, with different values: {given}"


def _once_fix(subject: str, parsed: ParsedBimi) -> str:
    """The record with each repeated tag once, when every repetition repeats one value and
    nothing else is wrong; which of two values is meant is the owner's to say."""
    if any(len(set(values)) > 1 for values in parsed.repeated.values()):
        return ""
    record = "; ".join(f"{name}={parsed.tags[name]}" for name in parsed.order)
    again = parse_bimi(record)
    return txt_fix(subject, record) if again.is_bimi and not again.errors else ""


def _usable(record: str) -> bool:
    """A record a receiver could act on: valid syntax, an https logo URL (or a declination),
    and an a= that is empty or an https URL."""
    parsed = parse_bimi(record)
    logo, cert = parsed.tags.get("l"), parsed.tags.get("a", "")
    if not parsed.is_bimi or parsed.errors or logo is None:
        return False
    if logo == "":
        return cert == ""  # a declination, not a missing logo
    return not check_https_uri(logo, svg=True) and not (cert and check_https_uri(cert, svg=False))


def _one_record_fix(subject: str, records: list[str]) -> str:
    """BIMI-02 for several records at one name: the one to keep when that is certain (copies
    of one record, or only one a receiver could use); else the usable ones to choose from."""
    distinct = list(dict.fromkeys(records))
    usable = [r for r in distinct if _usable(r)]
    if len(distinct) == 1:
        return txt_fix(subject, distinct[0])
    if len(usable) == 1:
        return f"Keep this record and delete the others:\n{txt_fix(subject, usable[0])}"
    if not usable:
        return ""
    return "Keep one of these, the one naming the logo you mean, and delete the others:\n" + (
        "\n".join(txt_fix(subject, r) for r in usable)
    )


def _optional_tags(out: Collector, subject: str, tags: dict[str, str], record: str) -> None:
    # The ABNF spells the values %s"personal" / %s"brand" (case-sensitive), and receivers must
    # not fix capitalisation: "avp=Personal" is ignored, so the brand logo shows after all.
    if "avp" in tags and tags["avp"] not in ("brand", "personal"):
        meant = tags["avp"].lower() in ("brand", "personal")
        # The record as it should read: the value in lower case where only its case is wrong,
        # else without the tag (brand, what receivers use now, is the default).
        fixed = (
            with_tags(record, {"avp": tags["avp"].lower()})
            if meant
            else _without_tag(record, "avp")
        )
        out.add(
            "BIMI-06",
            Status.WARN,
            f"avp={tags['avp']} is not valid: the value must be brand or personal"
            + (", in lower case, as values are case-sensitive" if meant else "")
            + "; receivers ignore it and use 'brand'. "
            + (
                f"Write avp={tags['avp'].lower()}."
                if meant
                else "Remove the tag, or write avp=personal if that is meant."
            ),
            subject=subject,
            fix=txt_fix(subject, fixed),
        )
    if "lps" in tags:
        listed = tags["lps"].split(",")
        bad = [p for p in listed if not _LPS_RE.match(p.strip())]
        if bad:
            # The record to publish: the valid prefixes, in their order, or no lps= at all
            # when none is (a selector list with nothing valid in it selects nothing).
            good = [p.strip() for p in listed if _LPS_RE.match(p.strip())]
            fixed = (
                with_tags(record, {"lps": ",".join(good)}) if good else _without_tag(record, "lps")
            )
            shown = ", ".join(f"'{p.strip()}'" if p.strip() else "an empty one" for p in bad)
            out.add(
                "BIMI-07",
                Status.WARN,
                "lps= must list local-part prefixes of letters, digits and '-' (1-63 "
                f"characters) separated by commas; not valid: {shown}. "
                + (
                    "The record suggested keeps only the valid prefixes; a local part with "
                    "other characters needs a prefix of its first letters, digits and '-'."
                    if good
                    else "No prefix in it is valid: the record suggested is without lps=."
                ),
                subject=subject,
                fix=txt_fix(subject, fixed),
            )


def _not_enforcing(parsed: ParsedDmarc, of: str, *, inherited: bool) -> list[str]:
    """Why a DMARC record does not meet BIMI's enforcement bar (checklist BIMI-08).

    `inherited`: the author domain is a subdomain that gets this record's sp (else p); False
    when the record is the domain's own, or the organisational domain's judged for itself.
    """
    reasons: list[str] = []
    p = parsed.policy("p") or "none"
    sp = parsed.policy("sp")
    if parsed.invalid_policy("p"):
        # RFC 7489 §6.6.3 step 6 / RFC 9989 §4.10.1, as for sp and np below: named as written,
        # not as the p=none receivers may read it as.
        reasons.append(
            f"the invalid p={parsed.tags['p']}{of} makes receivers treat the DMARC record as "
            "p=none or ignore it"
        )
    elif p == "none":
        reasons.append(f"the DMARC policy{of} is p=none")
    if sp == "none":
        reasons.append(f"the subdomain policy{of} is sp=none")
    pct = parsed.pct
    # Draft Authentication Requirements step 9: pct must be 100 when "the DMARC policy for
    # the Author Domain or Author Organizational Domain is p=quarantine". An inherited record
    # is the organisational domain's, so both its p and the sp the author domain gets count;
    # a domain's own record counts by its p alone: sp=quarantine on a p=reject record only
    # concerns subdomains.
    applies = (p, sp or p) if inherited else (p,)
    if "quarantine" in applies and pct is not None and pct != 100:
        reasons.append(f"quarantine{of} applies to only pct={pct}% of mail")
    if parsed.testing:
        reasons.append(f"t=y puts DMARC{of} in testing mode")
    for tag in ("sp", "np"):
        if parsed.invalid_policy(tag):
            # RFC 7489 §6.6.3 step 6 / RFC 9989 §4.10.1 (checklist DMARC-05).
            reasons.append(
                f"the invalid {tag}={parsed.tags[tag]}{of} makes receivers treat the DMARC "
                "record as p=none or ignore it"
            )
    return reasons


def _enforcing_record(
    domain: str, parsed: ParsedDmarc | None, add_rua: bool = True, *, reject: bool = False
) -> str:
    """The smallest change to `parsed` that meets BIMI's bar, with reports.

    `reject`: `domain` publishes a null MX, so p=reject, as DMARC-01 and DMARC-06 propose for
    a domain that accepts no mail (RFC 7505 §4.2: it SHOULD NOT send any), not quarantine (s37a).

    An enforcing p is kept (reject is never weakened); p=none, absent or invalid becomes
    quarantine, the first enforcing step DMARC-06 also suggests: reject straight from no
    DMARC would drop the owner's own unaligned mail unseen. sp=none is raised, t=y goes, and
    pct below 100 goes where quarantine applies (checklist BIMI-08); every other choice is
    kept (suggested_record), np=none too, which BIMI does not judge. A report address is
    kept or added: enforcing blind is how legitimate mail gets lost without anyone noticing.
    No address is made up at a domain that cannot receive reports (`add_rua` False, from
    dmarc.no_mailbox_reason).
    """
    from checks import dmarc  # at run time, so the modules cannot import-cycle

    p = parsed.policy("p") if parsed is not None else None
    policy = "reject" if reject else p if p in ("quarantine", "reject") else "quarantine"
    if parsed is None:
        return dmarc.suggested_record(domain, parsed, policy, add_rua=add_rua)
    raised = ("sp",) if dmarc.intended_policy(parsed, "sp") == "none" else ()
    drop = ("t",) if parsed.testing else ()
    record = dmarc.suggested_record(
        domain, parsed, policy, add_rua=add_rua, raised=raised, drop=drop
    )
    fixed = dmarc.parse_dmarc(record)
    # A sampled quarantine, as the record now applies it to the domain or its subdomains.
    applied = (fixed.policy("p"), fixed.policy("sp") or fixed.policy("p"))
    # Under a null MX (`reject`) no sampled policy either: all of the mail forged in the
    # name of a domain that sends none is rejected.
    if fixed.pct not in (None, 100) and ("quarantine" in applied or reject):
        drop = (*drop, "pct")
        record = dmarc.suggested_record(
            domain, parsed, policy, add_rua=add_rua, raised=raised, drop=drop
        )
    return record


async def _dmarc_prerequisites(out: Collector, ctx: CheckContext, domain: str) -> None:
    """BIMI-08: receivers only show logos for domains with an enforcing DMARC policy."""
    from checks import dmarc  # at run time, so the modules cannot import-cycle

    policy = await dmarc.get_policy(ctx)
    if policy.could_not_check:
        out.add(
            "BIMI-08",
            Status.ERROR,
            "Could not look up the DMARC policy BIMI depends on; the DMARC prerequisite was "
            "not checked.",
            subject=domain,
        )
        return
    parsed = policy.applied
    at = policy.applied_domain or domain
    # RFC 9989 receivers apply a public suffix operator's record, RFC 7489 receivers the
    # owner's (DmarcPolicy.operator_over_own): the owner's is judged, and the operator's only
    # as what RFC 9989 receivers apply; the owner's step is psd=n in their own (s35n).
    operator_at = ""
    if policy.operator_over_own and policy.legacy_record is not None and policy.legacy_domain:
        operator_at = policy.record_domain or ""
        parsed, at = policy.legacy_record, policy.legacy_domain
    # The owner's records whose fix adds psd=n (operator_at).
    psd_n: set[str] = set()
    reasons: list[str] = []
    # The records to rewrite: only those a reason comes from. A subdomain's own p=reject is
    # not the problem when the organisational domain is at p=none, and rewriting it would
    # leave the logo hidden.
    faults: list[tuple[str, ParsedDmarc | None]] = []
    # Records beside the one kept, to delete: several at one name are all ignored (RFC 7489
    # §6.6.3 step 5, RFC 9989 §4.10 step 2), so a record proposed beside them changes nothing.
    beside: list[tuple[str, str]] = []
    # The organisational domain's lookup, when it failed beside an author domain's own record.
    org_unknown: dmarc.Lookup | None = None
    several = next(
        (
            look
            for name in dict.fromkeys((domain, policy.org_7489))
            if (look := policy.lookups.get(name)) is not None and len(look.records) > 1
        ),
        None,
    )
    if parsed is None and several is not None:
        reasons.append(
            f"there is no DMARC policy: _dmarc.{several.name} publishes "
            f"{len(several.records)} DMARC records, and receivers apply none of several "
            "(DMARC-02)"
        )
        # The one to keep: the first that is enforcing already (the owner's plain intent for
        # BIMI), else the first, made enforcing.
        keep = next(
            (
                r
                for r in several.records
                if not _not_enforcing(dmarc.parse_dmarc(r), "", inherited=False)
            ),
            several.records[0],
        )
        faults.append((several.name, dmarc.parse_dmarc(keep)))
        beside = [(several.name, r) for r in several.records if r != keep]
    elif parsed is None:
        reasons.append("there is no DMARC policy")
        faults.append((domain, None))
    elif policy.from_operator:
        # The public suffix operator's record (RFC 9989 §4.10.1, DMARC-01's reading): RFC
        # 7489 receivers apply no policy here, and the owner cannot keep it enforcing.
        reasons.append(
            f"the domain has no DMARC record of its own: the record at _dmarc.{at} is the "
            "public suffix operator's, which RFC 9989 receivers apply, and RFC 7489 receivers "
            f"only if they take part in the PSD DMARC experiment (RFC 9091) and accept {at} "
            "for it, and which you cannot keep at enforcement"
        )
        faults.append((domain, None))
    else:
        # The record at `at` is inherited when it is another name's: the organisational (or
        # public suffix) domain's, since RFC 9989 §4.10.1 applies no record between the two.
        inherited = at != domain
        own = _not_enforcing(parsed, f" of _dmarc.{at}" if operator_at else "", inherited=inherited)
        if own:
            reasons += own
            faults.append((at, parsed))
        # Checklist BIMI-08 (Authentication Requirements): the Organizational Domain's policy
        # must be enforcing too, not only the record that applies to a subdomain.
        org = policy.org_7489
        org_look = policy.lookups.get(org)
        if org != at and org_look is not None and org_look.answer.failed:
            # Its p=none or sp=none would hide the logo as well: not known, so not a pass.
            org_unknown = org_look
        elif org != at and org_look is not None and org_look.record:
            org_parsed = dmarc.parse_dmarc(org_look.record)
            theirs = _not_enforcing(org_parsed, f" of {org}", inherited=False)
            if theirs:
                reasons += theirs
                faults.append((org, org_parsed))
        operator = policy.record if operator_at else None
        if operator is not None and (theirs := _not_enforcing(operator, "", inherited=True)):
            reasons.append(
                f"RFC 9989 receivers apply to {domain} the public suffix operator's record at "
                f"_dmarc.{operator_at}, which is not yours (psd=n in your record at "
                f"_dmarc.{at} makes them apply yours, see DMARC-19), and where " + series(theirs)
            )
            psd_n.add(at)
            if at not in (name for name, _ in faults):
                faults.append((at, parsed))
    unknown = (
        f"the DMARC record of the organisational domain at _dmarc.{org_unknown.name} could not "
        f"be looked up ({org_unknown.answer.describe_failure()}), and BIMI needs its policy "
        "enforcing too"
        if org_unknown is not None
        else ""
    )
    if reasons:
        # A domain with a null MX accepts no mail and SHOULD NOT send any (RFC 7505 §4.2): its
        # record is DMARC-01's and DMARC-06's p=reject, not a first step to quarantine (s37a).
        null_mx = await dmarc.publishes_null_mx(ctx, domain)
        # A report mailbox is made up only where it can receive, as DMARC-01/-06/-12 do. A
        # record that keeps its own report address makes none up: asking would only wait on
        # MX-01's port-25 reading for nothing.
        rewrites = []
        # A record of the owner's that RFC 9989 receivers then read before the public suffix
        # operator's they apply now (no record of the owner's, or psd=n): at least what that
        # one gives the domain, or the fix loosens it for them (s36p).
        floor = (
            dmarc.operators_floor(policy.record, policy.record_domain, policy.effective_9989)
            if policy.from_operator or operator_at
            else None
        )
        floors = {domain} if policy.from_operator else set(psd_n)
        kept_by: list[str] = []
        for name, record in faults:
            kept = record is not None and bool(dmarc.kept_uris(record, "rua"))
            why = "" if kept else await dmarc.no_mailbox_reason(ctx, name)
            if record is None and name == domain:
                # No record of the owner's: DMARC-01's record for it, built by the same code
                # (psd=n where RFC 9989 receivers would take the suffix's name for the
                # Organizational Domain), made enforcing: one record proposed per name (s36k).
                found = dmarc.not_found_record(domain, policy, null_mx=null_mx, add_rua=not why)
                text = _enforcing_record(
                    name, dmarc.parse_dmarc(found.record), add_rua=not why, reject=null_mx
                )
                if found.psd_n:
                    kept_by.append(
                        f"psd=n in it makes RFC 9989 receivers take {domain} for the "
                        "Organizational Domain, as RFC 7489 receivers do, as in DMARC-01's "
                        "record (see DMARC-10)."
                    )
            else:
                text = _enforcing_record(
                    name, record, add_rua=not why, reject=null_mx and name == domain
                )
            if name in floors:
                raised = dmarc.keep_operators(name, text, floor)
                if raised != text:
                    # Words for the checked domain: under psd=n the record at `name` is
                    # the owner's, which those receivers apply to `name` itself already.
                    kept_by.append(dmarc.kept_words(domain, raised, floor))
                text = raised
            if name in psd_n:
                text = dmarc.psd_n_record(name, dmarc.parse_dmarc(text))
            rewrites.append((name, text, why))
        # Receivers apply the operator's enforcing policy already: no trial to wait for.
        monitoring = any(
            (record is None or record.policy("p") not in ("quarantine", "reject"))
            and not (name in floors and floor is not None and floor.p != "none")
            for name, record in faults
        )
        # The records proposed without a report address: no report can reach a mailbox there,
        # so the summary does not wait on reports the fix does not ask for.
        blind = [
            name for name, text, why in rewrites if why and not dmarc.parse_dmarc(text).valid_rua()
        ]
        # A subdomain with a null MX that gets the organisational domain's record (RFC 7489
        # §6.6.3): p=reject goes in a record of its own, the one DMARC-01 proposes for a null
        # MX. The inherited record also covers the organisational domain and its other
        # subdomains, which may send: it is rewritten for BIMI as for any domain (s38e).
        inherited_at = at if parsed is not None and at != domain and not operator_at else ""
        own_reject = ""
        if null_mx and inherited_at and domain not in (name for name, _ in faults):
            own_reject = dmarc.not_found_record(domain, policy, null_mx=True, add_rua=False).record
        if own_reject:
            caution = (
                f" {domain} publishes a null MX (it accepts no mail), and the policy it gets is "
                f"inherited from _dmarc.{inherited_at}, which also covers {inherited_at} and "
                f"its other subdomains: if {domain} sends no mail, publish a DMARC record of "
                f"its own at _dmarc.{domain} with p=reject (the fix's first record), so that "
                "receivers reject all mail forged in its name whatever the policy of "
                f"{inherited_at}; it then needs no BIMI record (see MX-03). If it "
                "does send mail, replace the null MX with MX records first (see MX-03)."
            )
        elif null_mx and domain in (name for name, _ in faults):
            caution = (
                f" {domain} publishes a null MX (it accepts no mail): if it sends no mail, "
                "publish p=reject (the record DMARC-01 and DMARC-06 propose for a null MX), so "
                "that receivers reject all mail forged in its name; it then needs no BIMI record "
                "(see MX-03). If it does send "
                "mail, replace the null MX with MX records first (see MX-03)."
            )
        elif monitoring and blind:
            caution = (
                " Move to quarantine only once you know your own mail passes DMARC: no report "
                f"address is proposed at {', '.join(blind)} (see the fix), so add one at a "
                "domain that receives mail and read its reports first."
            )
        elif monitoring:
            caution = " Move to quarantine only once DMARC reports show your own mail passes DMARC."
        else:
            caution = ""
        out.add(
            "BIMI-08",
            Status.FAIL,
            "Mailbox providers will not show the logo because "
            + series(reasons)
            + "; BIMI needs p=quarantine (pct=100) or p=reject."
            + (f" Also, {unknown}: it was not checked." if unknown else "")
            + caution
            + "".join(" " + words for words in kept_by),
            subject=f"_dmarc.{faults[0][0]}",
            evidence={
                "dmarc": parsed.text if parsed else None,
                "records_at_fault": [f"_dmarc.{name}" for name, _ in faults],
                "views": policy.views(),
            },
            fix="\n".join(
                ([txt_fix(f"_dmarc.{domain}", own_reject)] if own_reject else [])
                + [txt_fix(f"_dmarc.{name}", text) for name, text, _ in rewrites]
                + [
                    f"Delete the other DMARC record at _dmarc.{name}: "
                    f"{txt_fix(f'_dmarc.{name}', text)}"
                    for name, text in beside
                ]
                + [
                    f"No report address is made up at {name}: {why}. For reports, add "
                    f"{dmarc.OTHER_MAILBOX}."
                    for name, _, why in rewrites
                    if name in blind
                ]
            ),
        )
    elif org_unknown is not None:
        # Could not check is never a pass (nor a fail): the record that applies is enforcing.
        out.add(
            "BIMI-08",
            Status.ERROR,
            f"The DMARC policy at _dmarc.{at} is enforcing, as BIMI requires, but {unknown}, "
            "so the DMARC prerequisite was not checked.",
            subject=f"_dmarc.{org_unknown.name}",
            evidence={"dmarc": parsed.text if parsed else None, "views": policy.views()},
        )
    else:
        out.add(
            "BIMI-08",
            Status.PASS,
            "The DMARC policy is enforcing, as BIMI requires.",
            subject=domain,
        )


async def _fetch(ctx: CheckContext, url: str, limit: int) -> Any:
    """The HTTPS result for `url`, None when there is nothing to fetch (or no HTTPS client)."""
    if not url:
        return None
    try:
        from checks import https
    except ImportError:  # the guarded HTTPS client is not available in this build
        return None
    return await https.fetch(ctx, decoded_host_url(url), max_bytes=limit)


def decoded_host_url(url: str) -> str:
    """`url` with a host name written with percent-escapes as the name a URL parser decodes
    ('https://l%6Fgo.example/x.svg' is fetched, looked up and guarded as logo.example: RFC 3986
    §3.2.2, §6.2.2.2; domainname.url_host_name); any other URL as it is."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port is not None else ""
    except ValueError:
        return url
    if "%" not in host or url_ipv4(host) is not None or not (name := url_host_name(host)):
        return url
    userinfo, at, _ = parts.netloc.rpartition("@")
    return parts._replace(netloc=f"{userinfo}{at}{name}{port}").geturl()


# HTTP statuses that send the client elsewhere with a Location (RFC 9110 §15.4).
REDIRECTS = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True)
class Redirect:
    """A logo or mark certificate URL that answered a redirect instead of the file."""

    location: str  # the Location header as sent, '' when there was none
    target: str  # the Location resolved against the URL (RFC 9110 §10.2.2)
    problem: str  # why `target` cannot be put in the record; '' when it can


def redirect_of(url: str, result: Any, *, svg: bool) -> Redirect | None:
    """The redirect `result` answers for `url`, None when it answers no redirect.

    Mailbox providers fetch l= and a= without following redirects, so the fix is the record
    naming the target, when the target is itself a URL the record may hold."""
    if result is None or result.error_kind is not None or result.status not in REDIRECTS:
        return None
    location = (result.first_header("location") or "").strip()
    if not location:
        return Redirect("", "", "the answer has no Location header")
    try:
        target = urljoin(url, location)
    except ValueError:
        return Redirect(location, location, "it is not a valid URL")
    if urlsplit(target).scheme.lower() == "http":
        return Redirect(
            location, target, "it is an http:// URL, and BIMI files are fetched over HTTPS only"
        )
    if target == url:
        return Redirect(location, target, "it is the same URL")
    problem = check_https_uri(target, svg=svg)
    if not problem and ";" in target:
        problem = "it contains ';', which ends a tag in a BIMI record"
    return Redirect(location, target, problem)


def _without_tag(text: str, tag: str) -> str:
    """The record `text` without the tag `tag`, everything else exactly as published."""
    return ";".join(
        part for part in text.split(";") if part.partition("=")[0].strip(" \t\r\n") != tag
    )


def _lower_l_fix(subject: str, record: str) -> str:
    """BIMI-03's fix for an 'L=' without 'l=': the record meant, its 'L=' written 'l=' and every
    other tag as published; '' when that record is still not valid (another fault of its own)."""
    meant = _renamed_tag(record, "L", "l")
    parsed = parse_bimi(meant)
    return txt_fix(subject, meant) if parsed.is_bimi and not parsed.errors else ""


def _with_lower_l(record: str) -> str:
    """`record` with an 'L=' written 'l=' when it has no 'l=' and the result is a valid record
    (as BIMI-03's fix reads it); otherwise `record` as it is."""
    tags = parse_bimi(record).tags
    if "L" not in tags or "l" in tags:
        return record
    meant = _renamed_tag(record, "L", "l")
    parsed = parse_bimi(meant)
    return meant if parsed.is_bimi and not parsed.errors else record


def _renamed_tag(text: str, old: str, new: str) -> str:
    """The record `text` with the tag named `old` named `new`, everything else as published."""
    parts = text.split(";")
    for index, part in enumerate(parts):
        name, sep, value = part.partition("=")
        if sep and name.strip(" \t\r\n") == old:
            parts[index] = name.replace(old, new, 1) + sep + value
    return ";".join(parts)


def with_tags(text: str, values: dict[str, str]) -> str:
    """The record `text` with the values of the tags in `values` replaced, everything else
    (other tags, their order, spacing, a trailing ';') exactly as published."""
    parts = text.split(";")
    for index, part in enumerate(parts):
        name, sep, value = part.partition("=")
        tag = name.strip(" \t\r\n")
        if sep and tag in values:
            lead = value[: len(value) - len(value.lstrip(" \t\r\n"))]
            trail = value[len(value.rstrip(" \t\r\n")) :]
            parts[index] = f"{name}={lead}{values[tag]}{trail}"
    return ";".join(parts)


def _redirect_text(
    what: str, tag: str, file: str, url: str, result: Any, redirect: Redirect
) -> str:
    """A redirect's BIMI-09/BIMI-10 summary: where it points and what to do."""
    said = f"The {what} URL {url} answers HTTP {result.status}"
    if not redirect.location:
        said += f" (a redirect) without a Location header, instead of serving the {file}"
    else:
        said += f" with a redirect to {redirect.target} instead of serving the {file}"
    # Not "receivers do not follow redirects": the draft is silent (receivers fetch "the URI
    # specified in the l= tag"), and some follow them (Mail::BIMI's HTTP::Tiny follows up to
    # five). A receiver that does not is still compliant, and finds no file: still a fail.
    said += (
        f"; the BIMI draft has receivers fetch the {file} from the URL in {tag} and does not "
        f"ask them to follow redirects, and receivers that do not follow redirects find no "
        f"{file} there."
    )
    if redirect.problem:
        if redirect.location:
            said += f" The redirect target cannot be put in {tag}: {redirect.problem}."
        return said + f" Serve the {file} at {url} itself (HTTP 200)."
    return (
        said + f" Publish the BIMI record with {tag} set to {redirect.target}, or serve the "
        f"{file} at {url} itself."
    )


def _could_not_fetch(result: Any) -> bool:
    """A failure that says nothing about the document: DNS could not answer, no connection,
    a certificate that starts within the clock difference we allow."""
    from checks.https import COULD_NOT_CHECK

    # A refused connection too: the logo host's, which says nothing about the document. And a
    # URL at another port than 443, which mailsec does not connect to (https.fetch: a URL in
    # someone's DNS must not aim our probes at any port): not fetched, so nothing is known of
    # the document (s36g; it was BIMI-09/BIMI-10's fail, "could not be fetched").
    return (
        getattr(result, "refused_port", None) is not None
        or bool(result.dns_failed)
        or (result.error_kind or "") in COULD_NOT_CHECK | {"connect"}
        or _starts_within_skew(result)
    )


def _starts_within_skew(result: Any) -> bool:
    """The host's certificate was refused as not yet valid, and starts within NOT_BEFORE_SKEW
    of our clock (https.CertInfo.starts_in).

    Receivers fetch with verifiers that allow no clock skew, as ours: while it has not started
    by their clock they refuse it. Within the allowance it is most often a certificate installed
    the moment it was issued, or our clock behind the CA's; receivers with a correct clock may
    already accept it and soon all do, so a fail would be stale when read: could not check, as
    MTASTS-12 treats the policy host's certificate. Not when a CA certificate on its path is
    outside its validity even as of the leaf's start (https.CertInfo.stale_ca): no clock
    difference explains that one."""
    cert = getattr(result, "cert", None)
    starts_in = getattr(cert, "starts_in", None)
    return (
        result.error_kind == "tls-cert"
        and starts_in is not None
        and starts_in <= NOT_BEFORE_SKEW.total_seconds()
        and not getattr(cert, "stale_ca", "")
    )


def _starts_text(result: Any) -> str:
    """For a certificate that starts within NOT_BEFORE_SKEW (_starts_within_skew): when, as a
    clause after 'presents a certificate'."""
    seconds = max(1, round(result.cert.starts_in))
    return (
        f"that becomes valid at {utc_text(datetime.fromisoformat(result.cert.not_before))}, "
        f"{seconds} second{'s' if seconds != 1 else ''} after this check: within the "
        f"{int(NOT_BEFORE_SKEW.total_seconds() // 60)} minutes of clock difference allowed (a "
        "certificate installed the moment it was issued), so it could not be judged now; "
        "receivers whose clock agrees with ours refuse it until then. Check again after that time"
    )


def _not_tried(
    out: Collector, check_id: str, what: str, url: str, result: Any, evidence: dict[str, Any]
) -> None:
    """Say in words when the host has more addresses than were fetched from: receivers may
    fetch from one of the others, which this check did not see."""
    from checks.https import not_tried_note

    note = not_tried_note(result) if getattr(result, "not_tried", None) else ""
    if note:
        out.add(
            check_id,
            Status.INFO,
            f"{what} was fetched from some addresses only: {note}",
            subject=url,
            evidence=evidence,
        )


def _logo(
    out: Collector, url: str, result: Any, redirect_fix: str = "", domain: str = ""
) -> bytes | None:
    """BIMI-04/BIMI-09 on the fetched logo; its body when it was served in full.

    `redirect_fix`: the record naming the redirect targets, for a logo URL that redirects.
    `domain`: the checked domain's organisational domain, whose names a logo host and its
    certificate may carry (the fix for a host or certificate with none of them is to ask the
    host's provider: https.refusal_fix)."""
    if result is None:
        out.add("BIMI-09", Status.INFO, "The logo's SVG profile is not checked yet.", subject=url)
        return None
    from checks.https import refusal_fix, refusal_text

    evidence = result.evidence()
    _not_tried(out, "BIMI-09", "The logo", url, result, evidence)
    if _starts_within_skew(result):
        out.add(
            "BIMI-04",
            Status.ERROR,
            f"The logo's web server presents a certificate {_starts_text(result)}.",
            subject=url,
            evidence=evidence,
        )
        return None
    if result.error_kind == "tls-cert":
        out.add(
            "BIMI-04",
            Status.FAIL,
            f"The logo's web server presents a certificate {refusal_text(result)}; receivers "
            "will not fetch the logo.",
            subject=url,
            evidence=evidence,
            fix=refusal_fix(result, domain),
        )
        return None
    if result.error_kind is not None or result.status is None:
        if _could_not_fetch(result):
            out.add(
                "BIMI-09",
                Status.ERROR,
                f"Could not fetch the logo from {url} ({result.error}); its SVG profile was "
                "not checked.",
                subject=url,
                evidence=evidence,
            )
        else:
            out.add(
                "BIMI-09",
                Status.FAIL,
                f"The logo could not be fetched from {url}: {result.error}.",
                subject=url,
                evidence=evidence,
                fix=f"Serve the logo's SVG file at {url} over HTTPS with HTTP 200 "
                f"({urlsplit(url).hostname or result.host} must resolve and answer), or set l= "
                "in the BIMI record to the URL where it is served.",
            )
        return None
    redirect = redirect_of(url, result, svg=True)
    if redirect is not None:
        evidence["redirect"] = {"location": redirect.location, "target": redirect.target}
        out.add(
            "BIMI-09",
            Status.FAIL,
            _redirect_text("logo", "l=", "SVG file", url, result, redirect),
            subject=url,
            evidence=evidence,
            # A target the record cannot name: the summary says to serve the file at l= itself.
            fix="" if redirect.problem else redirect_fix,
        )
        return None
    if result.status != 200:
        out.add(
            "BIMI-09",
            Status.FAIL,
            f"The logo URL answers HTTP {result.status} instead of serving the SVG file.",
            subject=url,
            evidence=evidence,
            fix=f"Serve the logo's SVG file at {url} with HTTP 200, or set l= in the BIMI record "
            "to the URL where it is served.",
        )
        return None
    if result.truncated:
        # Checklist BIMI-09: the size limit is the receiver's (Indicator Validation), and size
        # alone is a warning against the BIMI Group's 32 KB guidance. We stop reading at our
        # fetch limit, so the profile itself is unknown: said, never passed.
        out.add(
            "BIMI-09",
            Status.WARN,
            f"The logo is larger than {SVG_FETCH_LIMIT // 1024} KB, far above the 32 KB the "
            "BIMI Group recommends: receivers set their own limit and may ignore it. Its SVG "
            f"profile was not checked (only the first {SVG_FETCH_LIMIT // 1024} KB were read).",
            subject=url,
            evidence=evidence,
            fix=_svg_size_fix(url),
        )
        return None
    svg = check_svg(result.body)
    evidence["svg"] = svg.facts
    if svg.problems:
        out.add(
            "BIMI-09",
            Status.FAIL,
            "The logo is not a valid SVG Tiny Portable/Secure file: "
            + "; ".join(svg.problems)
            + ".",
            subject=url,
            evidence=evidence,
            fix=_svg_profile_fix(url),
        )
    elif "inflated_over" not in svg.facts:  # else only its size is known (the warning)
        out.add(
            "BIMI-09",
            Status.PASS,
            "The logo is an SVG Tiny Portable/Secure file.",
            subject=url,
            evidence=evidence,
        )
    for warning in svg.warnings:
        # 'the logo is 42 KB; ...' is a sentence of its own; other warnings name their part.
        if warning.startswith("the logo "):
            text = warning[0].upper() + warning[1:] + "."
        else:
            text = f"The logo: {warning}."
        out.add(
            "BIMI-09",
            Status.WARN,
            text,
            subject=url,
            evidence=evidence,
            fix=_svg_warning_fix(warning, url),
        )
    return bytes(result.body)


def _svg_profile_fix(url: str) -> str:
    """BIMI-09's fix for a logo that is not SVG Tiny Portable/Secure (check_svg's problems):
    what the file must be (the BIMI Group's SVG profile, checklist BIMI-09)."""
    return (
        "Save the logo as an SVG Tiny Portable/Secure file and serve it at "
        f'{url}: a root element <svg xmlns="http://www.w3.org/2000/svg" version="1.2" '
        'baseProfile="tiny-ps" viewBox="0 0 W H"> with W equal to H and no x or y, a '
        "<title> with the brand name as its first child, and no scripts, animation, event "
        "handlers, external references, embedded raster images or DOCTYPE. With a mark "
        "certificate (a=), serve the logo it carries."
    )


def _svg_size_fix(url: str) -> str:
    """BIMI-09's fix for a logo over the BIMI Group's 32 KB guidance."""
    return (
        "Make the logo file 32 KB or smaller (fewer path points and decimals, no embedded "
        f"raster images or fonts) and serve it at {url}; with a mark certificate (a=), the "
        "certificate must carry the same smaller logo."
    )


def _svg_warning_fix(warning: str, url: str) -> str:
    """BIMI-09's fix for one of check_svg's warnings (size, aspect, viewBox)."""
    if "32 KB" in warning:
        return _svg_size_fix(url)
    return (
        'Make the logo square: give its root <svg> a viewBox of four numbers, "0 0 W H", with '
        f"W equal to H (add space around the mark if needed), and serve the file at {url}; "
        "with a mark certificate (a=), the certificate must carry the same logo."
    )


def _rewritten_urls(logo: str | None, cert: str | None) -> dict[str, str]:
    """{tag: URL} for l= and a= when the published URL is invalid and its URI form
    (_as_uri: https:// for http://, the host as A-labels, raw characters percent-encoded)
    is valid; a URL whose right form is unknown (another port, a list) is left out."""
    rewritten: dict[str, str] = {}
    for tag, url, svg in (("l", logo, True), ("a", cert, False)):
        if url and check_https_uri(url, svg=svg):
            better = _as_uri(url)
            if better and not check_https_uri(better, svg=svg):
                rewritten[tag] = better
    return rewritten


def _urls_fix(subject: str, record: str, rewritten: dict[str, str]) -> str:
    """BIMI-04's or BIMI-05's fix: the record with the URLs of `rewritten`, every other tag
    as published (with_tags), after where to serve the files."""
    files = {"l": "the logo", "a": "the mark certificate"}
    serve = " and ".join(f"{files[tag]} at {url}" for tag, url in rewritten.items())
    those = (
        ", and publish the record with those URLs"
        if len(rewritten) > 1
        else " and publish the record with that URL"
    )
    return f"Serve {serve}{those}:\n" + txt_fix(subject, with_tags(record, rewritten))


def _logo_url_fix(subject: str, logo: str) -> str:
    """BIMI-04's fix for an l= that is no usable URL and has no URI form to offer
    (_rewritten_urls): what to do."""
    if check_https_uri(logo.replace("http://", "https://", 1), svg=False) == "":
        # A non-SVG file: there is no URL to copy yet, only the work.
        return (
            'Convert the logo to an SVG Tiny Portable/Secure file (baseProfile="tiny-ps", '
            'version="1.2", a <title>, no scripts or external references), serve it over '
            f"HTTPS, and set l= in the record at {subject} to its https:// URL ending in .svg."
        )
    return (
        f"Set l= in the record at {subject} to one https:// URL of the logo's SVG Tiny PS file "
        "on a host name (no address, user name or list)."
    )


def _mark_fix(
    kind: str, problem: str, url: str, facts: dict[str, Any], domains: list[str], logo_result: Any
) -> str:
    """BIMI-10's fix for one problem (or warning) of check_mark_certificate, chosen by its
    kind (MarkReport.kinds): republish the file as delivered, convert a DER file to PEM,
    publish the issuer's current CA certificates, renew, publish the logo the certificate
    carries, or get a mark certificate from its issuer. `problem` is its text, quoted."""
    issuer = facts.get("issuer") or ""
    by = f", '{issuer}'," if issuer else ""
    domain = next((d for d in domains if d), "")
    as_delivered = (
        f"Publish at {url} the PEM file your mark verifying authority delivered, unchanged: "
        "the mark certificate first, then each issuing CA certificate in order."
    )
    if kind in ("not-pem", "chain-broken", "leaf-only"):
        return as_delivered
    if kind == "der":
        return (
            f"Convert the mark certificate to PEM (openssl x509 -inform der -in vmc.der -out "
            f"vmc.pem), add its issuing CA certificates after it, and publish that file at "
            f"{url}; or publish the PEM file your mark verifying authority delivered."
        )
    if kind == "logo-differs":
        logo_url = getattr(logo_result, "url", "") or "the l= URL"
        return (
            f"Publish at {logo_url} exactly the SVG file the mark certificate was issued for "
            "(your issuer can send it again), or ask the issuer for a certificate for the logo "
            "you publish now."
        )
    if kind == "expired":
        when = problem.removeprefix("the mark certificate ")
        return (
            f"Renew the mark certificate with the authority that issued it{by.rstrip(',')}: "
            f"it {when}. Then publish the new PEM file at {url}."
        )
    if kind == "not-yet-valid":
        when = problem.removeprefix("the mark certificate ")
        return (
            f"Publish at {url} a mark certificate that is valid now, and this one from its "
            f"start: the one published {when}. If it is your only one, ask the authority that "
            f"issued it{by} why it starts then."
        )
    if kind == "serial":
        return (
            f"Ask the authority that issued the mark certificate{by.rstrip(',')} to reissue it "
            "with a positive serial number (a CA draws it at random, RFC 5280 §4.1.2.2), then "
            f"publish the new PEM file at {url}."
        )
    if kind == "ca-serial":
        return (
            f"Ask the authority that issued the mark certificate{by.rstrip(',')} for its CA "
            "certificates with positive serial numbers (a CA certificate is the CA's to "
            f"reissue), and publish them after the mark certificate at {url}."
        )
    if kind in ("ca-expired", "ca-not-yet-valid"):
        current = "current" if kind == "ca-expired" else "valid now"
        return (
            f"Publish at {url} the mark certificate followed by the CA certificates its issuer "
            f"gives out now (ask the authority that issued it{by} for its {current} chain): "
            f"{problem}. The mark certificate itself can stay."
        )
    return (
        f"Get a mark certificate (VMC or CMC) for {domain} from a mark verifying authority, "
        f"for the logo at l=, and publish its PEM file (the certificate first, then its CA "
        f"certificates) at {url}."
    )


def _mark(
    out: Collector,
    url: str,
    result: Any,
    domains: list[str],
    logo: bytes | None,
    logo_result: Any,
    redirect_fix: str = "",
    org: str = "",
) -> None:
    """BIMI-10: fetch outcome, then the certificate checks, one finding per problem.

    `redirect_fix`: the record naming the redirect targets, for an a= URL that redirects.
    `org`: the checked domain's organisational domain, whose names the a= host and its TLS
    certificate may carry (https.refusal_fix); the first of `domains` when not given."""
    if result is None:
        out.add("BIMI-10", Status.INFO, "The mark certificate is not checked yet.", subject=url)
        return
    from checks.https import refusal_fix, refusal_text

    evidence = result.evidence()
    _not_tried(out, "BIMI-10", "The mark certificate", url, result, evidence)
    if _starts_within_skew(result):
        out.add(
            "BIMI-10",
            Status.ERROR,
            f"Could not fetch the mark certificate from {url}: its web server presents a "
            f"certificate {_starts_text(result)}.",
            subject=url,
            evidence=evidence,
        )
        return
    if result.error_kind == "tls-cert":
        out.add(
            "BIMI-10",
            Status.FAIL,
            f"The mark certificate could not be fetched from {url}: its web server presents a "
            f"certificate {refusal_text(result)}; receivers will not fetch it.",
            subject=url,
            evidence=evidence,
            fix=refusal_fix(result, org or (domains[0] if domains else "")),
        )
        return
    if result.error_kind is not None or result.status is None:
        if _could_not_fetch(result):
            out.add(
                "BIMI-10",
                Status.ERROR,
                f"Could not fetch the mark certificate from {url} ({result.error}); it was not "
                "checked.",
                subject=url,
                evidence=evidence,
            )
        else:
            # A definite answer (untrusted TLS certificate, no such host, broken HTTP): no
            # receiver can fetch the certificate either.
            out.add(
                "BIMI-10",
                Status.FAIL,
                f"The mark certificate could not be fetched from {url}: {result.error}.",
                subject=url,
                evidence=evidence,
                fix=f"Serve the mark certificate's PEM file at {url} over HTTPS with HTTP 200 "
                f"({result.host} must resolve and answer), or set a= in the BIMI record to the "
                "URL where it is served.",
            )
        return
    redirect = redirect_of(url, result, svg=False)
    if redirect is not None:
        evidence["redirect"] = {"location": redirect.location, "target": redirect.target}
        out.add(
            "BIMI-10",
            Status.FAIL,
            _redirect_text("mark certificate", "a=", "PEM file", url, result, redirect),
            subject=url,
            evidence=evidence,
            fix="" if redirect.problem else redirect_fix,
        )
        return
    if result.status != 200:
        out.add(
            "BIMI-10",
            Status.FAIL,
            f"The mark certificate URL answers HTTP {result.status} instead of serving the PEM "
            "file.",
            subject=url,
            evidence=evidence,
            fix=f"Serve the mark certificate's PEM file at {url} with HTTP 200, or set a= in the "
            "BIMI record to the URL where it is served.",
        )
        return
    if result.truncated:
        out.add(
            "BIMI-10",
            Status.FAIL,
            f"The file at a= is larger than {MARK_FETCH_LIMIT // 1024} KB; it is not a mark "
            "certificate chain.",
            subject=url,
            evidence=evidence,
            fix=_mark_fix("not-pem", "", url, {}, domains, logo_result),
        )
        return
    report = check_mark_certificate(result.body, domains, logo)
    evidence["mark"] = report.facts
    for problem, kind in zip(report.problems, report.kinds, strict=True):
        out.add(
            "BIMI-10",
            Status.FAIL,
            f"The mark certificate is not valid for BIMI: {problem}.",
            subject=url,
            evidence=evidence,
            fix=_mark_fix(kind, problem, url, report.facts, domains, logo_result),
        )
    for warning, kind in zip(report.warnings, report.warning_kinds, strict=True):
        out.add(
            "BIMI-10",
            Status.WARN,
            f"The mark certificate: {warning}.",
            subject=url,
            evidence=evidence,
            fix=_mark_fix(kind, warning, url, report.facts, domains, logo_result),
        )
    if report.problems:
        return
    facts = report.facts
    kind = facts.get("kind") or "mark certificate"
    out.add(
        "BIMI-10",
        Status.PASS,
        f"The {kind} for {', '.join(facts.get('sans') or [])} has the BIMI key usage, is valid "
        f"until {str(facts.get('not_after', ''))[:10]}"
        + (", its certificates are linked by their signatures" if facts.get("chain_linked") else "")
        + (", and its logo is the l= logo." if report.logo_compared else ".")
        + f" Not checked: whether the issuer is a recognised mark verifying authority ({NOT_AN_MVA_CHECK}).",
        subject=url,
        evidence=evidence,
    )
    if not report.logo_compared:
        could_not = logo_result is not None and _could_not_fetch(logo_result)
        out.add(
            "BIMI-10",
            Status.ERROR if could_not else Status.INFO,
            "The logo in the mark certificate was not compared with the l= logo, because "
            + ("the logo could not be fetched." if could_not else "the l= logo is not usable."),
            subject=url,
            evidence=evidence,
        )
