"""SMTP TLS Reporting record (RFC 8460 §3): `_smtp._tls.<domain>` TXT, TLSRPT-01..11.

The parser is pure and never raises. The evaluator also checks that the report addresses look
deliverable (a mailto domain with a usable MX, an https host that resolves) without sending
anything: a check must not POST to third parties.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import SplitResult, quote, unquote, urljoin, urlsplit

import dns.exception
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
from dns.rdtypes.ANY.TXT import TXT

from checks import https, mx, net
from checks.context import CheckContext
from checks.dns import (
    DnsAnswer,
    a_label_mailbox,
    held_txt_records,
    in_place_of_empty,
    lookup_is_bogus,
    misplaced_lookup,
    misplaced_note,
    moved_fix,
    no_mail_misplaced_note,
    not_the_record,
    published_ttl,
    split_at_schemes,
    txt_fix,
)
from checks.domainname import (
    browser_ipv4,
    numbers_read_as,
    organizational_domain,
    url_host_name,
    url_ipv4,
    url_numbers_read_as,
)
from checks.findings import Collector, Finding, Mechanism, Problem, Status, series
from checks.lookalike import INVISIBLE, QUOTES, SPACES, lookalikes, unquoted

MECHANISM = Mechanism.TLSRPT

_WSP = " \t"
_EXT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")
_EXT_VALUE = re.compile(r"[\x21-\x3a\x3c\x3e-\x7e]+")
# RFC 3986 has no control characters in a URI (a TXT record can hold any byte).
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_HOST = re.compile(r"(?=.{1,253}$)((?!-)[A-Za-z0-9-]{1,63}(?<!-)\.)*(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
MIN_TTL = 3600  # heuristic (RFC 8460 §7 asks for a large TTL or DNSSEC)


@dataclass
class ReportUri:
    uri: str
    scheme: str  # lower case; '' when there is none
    usable: bool  # mailto with an address, or https with a host
    target: str = ""  # mail domain (mailto) or host (https)
    # A usable mailto: address's local part, percent-decoded as RFC 6068 §2 reads it.
    local: str = ""
    why: str = ""  # why it is not usable, when the scheme and whitespace do not say it
    # The usable URI meant, when only a stray quote at its ends spoils it (record_fix's).
    meant: str = ""


@dataclass
class TlsRptRecord:
    raw: str
    strict_prefix: bool = False  # begins with "v=TLSRPTv1;" (RFC 8460 §3 discovery rule)
    uris: list[ReportUri] = field(default_factory=list)
    # Report addresses written as fields of their own ("rua=mailto:a@x; mailto:b@y"): senders
    # find the record invalid, but they are the owner's, and record_fix keeps them.
    stray_uris: list[ReportUri] = field(default_factory=list)
    rua_fields: int = 0
    extensions: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not any(p.invalidates for p in self.problems)


def looks_like_tlsrpt(text: str) -> bool:
    # Any version ("v=TLSRPTv2", "V=TLSRPTv1"): the owner meant a TLS-RPT record, and must hear
    # why senders discard it (TLSRPT-04), not that none is published.
    return "v=tlsrptv" in text.lower()


# A version other than the one RFC 8460 defines: "v=TLSRPTv2", "v=TLSRPTv1.0".
_OTHER_VERSION = re.compile(r"v=TLSRPTv[0-9][0-9.]*")


# DMARC's size limit after an address ("!" 1*DIGIT [unit], RFC 7489 §6.4), a habit carried
# into TLS-RPT records; a '!' elsewhere (in a local part, a path) belongs to the URI. It ends
# the address, so it comes before a query ("mailto:tls@example.org!10m?subject=x").
_SIZE_SUFFIX = re.compile(r"@[^@!?]*!\d*[kmgtKMGT]?(?=\?|$)")


def _parse_uri(text: str, problems: list[Problem]) -> ReportUri:
    scheme, colon, rest = text.partition(":")
    scheme = scheme.lower() if colon and re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", scheme) else ""
    around = unquoted(text)
    if around is not None and not around.typographic and around.text:
        # An ASCII quote at an end of the address ('rua=mailto:tls@example.org";': the closing
        # quote of a zone-file line a DNS panel kept as text), or quotes around it: named as
        # such (not "no usable address" and "characters that must be percent-encoded"), and
        # the address without them is the one meant, which record_fix keeps. Typographic ones
        # are the record's pasted characters (TLSRPT-09, checks.lookalike).
        # Its problems are kept only when it is the address meant: otherwise the address as
        # published is judged below, and they would be said twice.
        trial: list[Problem] = []
        meant = _parse_uri(around.text, trial)
        if meant.usable:
            problems.extend(trial)
            why = (
                f"is {around.describe()}: {around.whose}. "
                f"{'A quote is' if around.count == 1 else 'Quotes are'} no part of an address, "
                f"so senders cannot send reports to it; write it as {meant.uri!r}"
            )
            return ReportUri(text, scheme, False, why=why, meant=meant.uri)
    if _SIZE_SUFFIX.search(text):
        problems.append(
            Problem(
                "TLSRPT-07",
                Status.WARN,
                f"The report address {text!r} contains '!'; in TLS-RPT it is "
                "not a size limit (that is DMARC) but part of the address, and "
                "must be percent-encoded (RFC 8460 §3). Remove the suffix.",
            )
        )
    elif "!" in text:
        problems.append(
            Problem(
                "TLSRPT-07",
                Status.WARN,
                f"The report address {text!r} contains '!', which must be percent-encoded "
                "as %21 in a rua list (RFC 8460 §3).",
            )
        )
    if any(c in text for c in '"<>'):
        problems.append(
            Problem(
                "TLSRPT-07",
                Status.WARN,
                f"The report address {text!r} contains characters that must be percent-encoded.",
            )
        )
    if any(c in text for c in _WSP):
        # A URI cannot hold whitespace (RFC 8460 §3 ABNF): "mailto:a@x mailto:b@y" is one
        # broken URI (two addresses missing their comma), not an address at y.
        return ReportUri(text, scheme, False)
    if _CONTROL.search(text):
        return ReportUri(text, scheme, False, why="contains a control character")
    if scheme in ("mailto", "https") and not text.isascii():
        # A URI is ASCII (RFC 3986 §2), and RFC 8460 §3 takes a rua's URIs from RFC 3986: one
        # holding 'ü' or full-width digits is an IRI, which must be converted first (RFC 3987
        # §3.1). Reporters parsing it as a URI find none; some URL parsers would convert it,
        # others not, so it is no address to rely on (s36f). Its URI form is the fix.
        return ReportUri(text, scheme, False, why=non_ascii_why(text))
    if scheme == "mailto":
        address = rest.split("?", 1)[0]
        local, at, domain = address.rpartition("@")
        # The address as senders read it: percent-decoded (RFC 6068 §2: '+' may be written
        # %2B, the quotes of a quoted local part %22; RFC 3986 §2.3: '%2E' is '.').
        local, domain = unquote(local), unquote(domain)
        # Read past a DMARC size suffix ("tls@example.com!10m", TLSRPT-07 says what is wrong);
        # any other '!' after the '@' leaves no mail domain.
        domain = re.sub(r"!\d*[kmgtKMGT]?$", "", domain)
        # A local part is a dot-atom or a quoted string (RFC 6068 §2, RFC 5322 §3.4.1): an
        # '@' outside quotes makes no address, written '%40' too. "mailto:a@x.orgmailto:b@y.net"
        # is two addresses whose ',' is missing (run_together), not a mailbox 'a@x.orgmailto:b'.
        if at and local and not stray_at(local) and domain.startswith("[") and domain.endswith("]"):
            # An address literal (RFC 6068 §2's domain "[" *dtext "]", RFC 5321 §4.1.3): mail
            # for it goes straight to that address, no MX. Whether the address is reachable is
            # TLSRPT-10's question (_literal_mailbox_finding).
            literal = address_literal(domain)
            if literal is None:
                return ReportUri(
                    text,
                    scheme,
                    False,
                    why=(
                        f"has the address literal {domain!r}, which holds no IPv4 address "
                        "and no 'IPv6:' address (RFC 5321 §4.1.3), so senders have no "
                        "address to report to"
                    ),
                )
            if "[" in text or "]" in text:
                problems.append(
                    Problem(
                        "TLSRPT-07",
                        Status.WARN,
                        f"The report address {text!r} writes the brackets of its address "
                        "literal as they are: in a mailto: URI they must be percent-encoded "
                        f"as %5B and %5D (RFC 6068 §2), {_percent_encode_mailto(text)!r}, "
                        "or senders' URI parsers may refuse it.",
                    )
                )
            return ReportUri(text, scheme, True, literal, local=local)
        ok = bool(at and local and _HOST.fullmatch(domain)) and not stray_at(local)
        if not ok:
            return ReportUri(text, scheme, False)
        return ReportUri(text, scheme, True, domain.lower().rstrip("."), local=local)
    if scheme == "https":
        try:
            parts = urlsplit(text)
            host = parts.hostname or ""
        except ValueError:
            return ReportUri(text, scheme, False)
        try:
            port = parts.port  # raises for a port that is not a number up to 65535
        except ValueError:
            port = 0
        if port == 0 and parts.netloc.rpartition("]")[2].rpartition(":")[2]:
            # ":443x", ":99999" or ":0": senders cannot connect to it.
            return ReportUri(text, scheme, False, why="has an invalid port")
        if ":" in host and "%" in host:
            # "[fe80::1%25eth0]": a zone id names a link of the host that wrote it (RFC 6874
            # §1), which a reporter on the internet does not share; RFC 3986's IP-literal, the
            # URI syntax RFC 8460 §3 takes, has none. Not probed: the link would be ours.
            zone = host.partition("%")[2]
            return ReportUri(
                text,
                scheme,
                False,
                why=(
                    f"names an IPv6 address with a zone id ('%{zone}'), which only means an "
                    "interface on the host that wrote it (RFC 6874), so reporters on the "
                    "internet cannot post to it; the URIs of a rua list (RFC 3986) hold none"
                ),
            )
        if host and url_ipv4(host) is None and url_host_name(host) is None:
            # "r%FFports.example", "a%2Fb.example": a reg-name's escapes stand for the UTF-8
            # octets of a name (RFC 3986 §3.2.2); these decode to none a URL parser takes.
            return ReportUri(
                text,
                scheme,
                False,
                why=(
                    f"has the host {host!r}, whose percent-escapes decode to no host name "
                    "(RFC 3986 §3.2.2: they stand for the UTF-8 octets of a name), so senders "
                    "have no host to post to"
                ),
            )
        return ReportUri(text, scheme, bool(host), host.rstrip(".").lower())
    return ReportUri(text, scheme, False)


def _percent_encode_non_ascii(text: str) -> str:
    """`text` with each non-ASCII character percent-encoded as its UTF-8 octets (RFC 3987
    §3.1 step 2), ASCII kept as it is."""
    return "".join(c if c.isascii() else quote(c, safe="") for c in text)


def _a_labels(host: str) -> str:
    """A host name in A-labels as UTS #46 maps it (full-width letters, digits and the
    ideographic full stop to ASCII); raises UnicodeError or DNSException when it has none."""
    name = dns.name.from_unicode(host.rstrip("."), idna_codec=dns.name.IDNA_2008_UTS_46)
    return name.to_text(omit_final_dot=True).lower()


def uri_form(text: str) -> str | None:
    """The URI of a mailto: or https: report address written with non-ASCII characters (an
    IRI), converted as RFC 3987 §3.1 converts one: the host name (mail domain) in A-labels,
    every other non-ASCII character percent-encoded as UTF-8 (RFC 6068 §2 for mailto:);
    None when there is no such form (a host IDNA refuses) or `text` is ASCII already."""
    if text.isascii():
        return None
    scheme, _, rest = text.partition(":")
    try:
        if scheme.lower() == "https":
            parts = urlsplit(text)
            host, port = parts.hostname or "", parts.port
            if not host:
                return None
            host = host if host.isascii() else _a_labels(host)
            userinfo, at, _ = parts.netloc.rpartition("@")
            netloc = (
                f"{_percent_encode_non_ascii(userinfo)}{at}"
                f"{f'[{host}]' if ':' in host else host}{f':{port}' if port is not None else ''}"
            )
            return parts._replace(
                scheme="https",
                netloc=netloc,
                path=_percent_encode_non_ascii(parts.path),
                query=_percent_encode_non_ascii(parts.query),
                fragment=_percent_encode_non_ascii(parts.fragment),
            ).geturl()
        if scheme.lower() == "mailto":
            address, question, query = rest.partition("?")
            local, at, domain = address.rpartition("@")
            if not at or not local or not domain:
                return None
            size = re.search(r"!\d*[kmgtKMGT]?$", domain)
            suffix = size.group(0) if size else ""
            domain = domain.removesuffix(suffix)
            domain = domain if domain.isascii() else _a_labels(domain)
            return (
                f"mailto:{_percent_encode_non_ascii(local)}@{domain}{suffix}"
                f"{question}{_percent_encode_non_ascii(query)}"
            )
    except (ValueError, UnicodeError, dns.exception.DNSException):
        return None
    return None


def non_ascii_why(text: str, reads: str = "RFC 8460 §3 reads the rua list as URIs") -> str:
    """TLSRPT-06's words for a report address holding non-ASCII characters, with its URI form
    when it has one; `reads` says which specification reads the list as URIs (DMARC-12 gives
    RFC 7489's, s36k)."""
    seen = list(dict.fromkeys(c for c in text if not c.isascii()))
    named = ", ".join(f"{c!r} (U+{ord(c):04X})" for c in seen[:3])
    if len(seen) > 3:
        named += f" and {len(seen) - 3} more"
    why = (
        f"holds non-ASCII characters ({named}), which a URI cannot hold (RFC 3986 §2; {reads}), "
        "so reporters that parse it as one find no address to report to"
    )
    form = uri_form(text)
    if form is None:
        return why
    why += (
        "; written as a URI (RFC 3987 §3.1: the host name in A-labels, other characters "
        f"percent-encoded as UTF-8) it is {form!r}"
    )
    if form.startswith("https:") and _is_ip_literal(urlsplit(form).hostname or ""):
        why += f", whose host is the IP address {urlsplit(form).hostname}"
    return why


def stray_at(local: str) -> bool:
    """Whether the percent-decoded local part of a mailto: address holds an '@' outside
    quotes, which no address can (RFC 5322 §3.4.1; in a URI the quotes are written '%22' and
    an '@' in them '%40', RFC 6068 §2)."""
    if "@" not in local:
        return False
    return not (len(local) > 2 and local.startswith('"') and local.endswith('"'))


def field_fault(name: str, eq: str, value: str) -> str:
    """Why `name=value` is no tlsrpt-extension (RFC 8460 §3), in words; MTA-STS's
    sts-extension (RFC 8461 §3.1) has the same grammar and is read with it."""
    if not eq:
        return "it has no '='"
    if not _EXT_NAME.fullmatch(name):
        return (
            f"its name {name!r} is not 1 to 32 letters, digits, '_', '-' or '.', beginning with "
            "a letter or digit"
        )
    if not value:
        return "its value is empty"
    if any(c in value for c in _WSP):
        return "its value holds a blank"
    if "=" in value:
        return "its value holds '=', which an extension value cannot"
    return "its value holds a character other than printable ASCII without '=' and ';'"


def parse_tlsrpt_record(raw: bytes | str) -> TlsRptRecord:
    """Parse one `_smtp._tls` TXT record (strings joined without spaces). Never raises."""
    if isinstance(raw, bytes | bytearray):
        text = bytes(raw).decode("utf-8", errors="replace")
    else:
        text = str(raw)
    record = _parse_tlsrpt(text, text)
    pasted = lookalikes(text)
    if pasted is None or record.valid:
        # A pasted character in one of several report addresses leaves the others usable:
        # TLSRPT-06 says that address is unusable, as for any other malformed address.
        return record
    around = unquoted(text)
    if (
        around is not None
        and around.leading
        and around.text.startswith("v=TLSRPTv1")
        and lookalikes(around.text) is None
    ):
        return record  # Only its quotes, which TLSRPT-04 names already.
    if any(p.check_id == "TLSRPT-04" and p.invalidates for p in record.problems):
        # Before the version (a byte order mark): senders discard the record, as TLSRPT-04
        # says; it names the character, which the owner cannot see.
        # The record to retype is the fix's (record_fix: fields merged and tidied), not this
        # text with the character removed: two records for one fault (as MTASTS-08).
        note = f" It contains {pasted.describe()}; retype it by hand."
        quoted = around is not None and around.leading and around.text.startswith("v=TLSRPTv1")
        inside = lookalikes(around.text) if around is not None and quoted else None
        if inside is not None:
            # Quoted: TLSRPT-04 names the quotes and asks to retype the record without them
            # (the fix's, without these too); name only what else was pasted with it.
            note = f" It also contains {inside.describe()}, which {inside.fault}."
        record.problems = [
            replace(p, message=p.message + note) if p.check_id == "TLSRPT-04" else p
            for p in record.problems
        ]
        return record
    # One fault, named as what it is: read as written, the field holding the character is
    # "not a valid name=value field" and the record "has no rua=", which the owner cannot see.
    # The fields are then read as the owner meant them; the record stays invalid.
    meant = _parse_tlsrpt(text, pasted.cleaned)
    meant.problems.insert(
        0,
        Problem(
            "TLSRPT-09",
            Status.FAIL,
            f"The record contains {pasted.describe()}: it {pasted.fault}, "
            "which the grammar of RFC 8460 §3 does not allow there, so senders "
            "that follow it find the record invalid and send no reports. Retype the record "
            "by hand.",
            True,
        ),
    )
    return meant


def _parse_tlsrpt(text: str, fields_text: str) -> TlsRptRecord:
    """`text` as published (its prefix is what senders key on); the fields read from
    `fields_text` (the same text, or with pasted characters retyped)."""
    record = TlsRptRecord(raw=text)
    problems = record.problems
    record.strict_prefix = text.startswith("v=TLSRPTv1;")
    parts = text.split(";")
    if parts[0] != "v=TLSRPTv1":
        # Only whitespace after the version is tolerated: a record that does not begin with
        # "v=TLSRPTv1" (leading whitespace included) is discarded by senders (RFC 8460 §3).
        if parts[0].rstrip(_WSP) == "v=TLSRPTv1":
            # Legal per the ABNF (`field-delim = *WSP ";" *WSP`): a lone record is valid; the
            # literal "v=TLSRPTv1;" discard rule applies when several TXT records are returned.
            # The quote shows what was published: a tab is invisible in a quote, so it is
            # named (as MTASTS-06 does).
            gap = parts[0][len("v=TLSRPTv1") :]
            what = {" ": "A space", "\t": "A tab"}.get(gap, "Whitespace")
            shown = "v=TLSRPTv1" + gap.replace("\t", "<tab>") + ";"
            problems.append(
                Problem(
                    "TLSRPT-04",
                    Status.WARN,
                    f"{what} before the first ';' (\"{shown}\"): the grammar allows "
                    "it (RFC 8460 §3), but the discovery rule names the literal "
                    '"v=TLSRPTv1;": senders that always look for it ignore the record, and '
                    'next to another TXT record it is discarded. Write "v=TLSRPTv1;".',
                )
            )
        elif (
            (around := unquoted(text)) is not None
            and around.leading
            and around.text.startswith("v=TLSRPTv1")
        ):
            # '"v=TLSRPTv1; rua=..."', or typographic quotes from a document: named as such.
            # The record to publish is the fix's (record_fix), as MTASTS-04 has it.
            problems.append(
                Problem(
                    "TLSRPT-04",
                    Status.FAIL,
                    f"The record is {around.describe()}: {around.whose}, so it does not "
                    'begin with "v=TLSRPTv1;" (RFC 8460 §3) and senders discard it. Retype it '
                    f"without {around.them}.",
                    True,
                )
            )
            return record
        elif (version := _OTHER_VERSION.fullmatch(parts[0].rstrip(_WSP))) is not None:
            problems.append(
                Problem(
                    "TLSRPT-04",
                    Status.FAIL,
                    f"The record begins with {version[0]!r}: RFC 8460 §3 defines only "
                    '"v=TLSRPTv1", and senders discard a record that does not begin with '
                    '"v=TLSRPTv1;", so they send no reports. Write the version as '
                    '"v=TLSRPTv1".',
                    True,
                )
            )
            return record
        elif (got := parts[0].rstrip(_WSP)).lower() == "v=tlsrptv1":
            # "V=TLSRPTv1" or "v=tlsrptv1": the one slip is the case, which the owner cannot
            # see from the generic text. RFC 8460 §3 writes %s"v=" and %s"TLSRPTv1"
            # (case-sensitive), and the discovery rule keys on the literal "v=TLSRPTv1;".
            tag, value = got.split("=", 1)
            wrong = (
                "the capital 'V': the version tag is a lower-case 'v'"
                if tag != "v"
                else f"the version written {value!r}: it is exactly 'TLSRPTv1'"
            )
            problems.append(
                Problem(
                    "TLSRPT-04",
                    Status.FAIL,
                    f"The record begins with {got!r}; what is wrong is {wrong} (RFC 8460 §3, "
                    "read case-sensitively), so senders discard the record and send no "
                    f"reports. Publish it as {'v=TLSRPTv1' + text[len(parts[0]) :]!r}.",
                    True,
                )
            )
            return record
        else:
            problems.append(
                Problem(
                    "TLSRPT-04",
                    Status.FAIL,
                    'The record must begin with exactly "v=TLSRPTv1;" '
                    "(version first, case-sensitive, RFC 8460 §3); senders "
                    "discard it.",
                    True,
                )
            )
            return record
    fields = fields_text.split(";")[1:]
    empty_rua = 0
    spaced_rua: list[str] = []  # "rua = …" fields
    if fields and fields[-1].strip(_WSP) == "":
        fields = fields[:-1]
    for part in fields:
        item = part.strip(_WSP)
        if not item:
            # `1*(field-delim tlsrpt-field) [field-delim]` (RFC 8460 §3): ";;" leaves a field
            # out, the record is syntactically invalid, and senders then MUST assume the domain
            # does not implement TLSRPT.
            problems.append(
                Problem(
                    "TLSRPT-09",
                    Status.FAIL,
                    "The record has an empty field between two ';' (\";;\"); the grammar "
                    "(RFC 8460 §3) has none, so senders that follow it treat the record as "
                    "invalid and send no reports. Remove the extra ';'.",
                    True,
                )
            )
            continue
        name, eq, value = item.partition("=")
        if name == "rua" and eq:
            record.rua_fields += 1
            if value.strip(_WSP) == "":
                empty_rua += 1  # "rua=" lists no URI (reported once the others are known)
                continue
            if value[:1] in (" ", "\t"):
                # `%s"rua=" tlsrpt-uri`: the grammar has whitespace only around the commas.
                # Lenient senders strip it, parsers that follow the grammar reject the record.
                problems.append(
                    Problem(
                        "TLSRPT-07",
                        Status.WARN,
                        f'The field {item!r} has whitespace after "rua="; RFC 8460 §3 allows '
                        "none there, and senders that parse the record strictly ignore it. "
                        "Remove the space.",
                    )
                )
            for uri in (u.strip(_WSP) for u in value.split(",")):
                if not uri:
                    problems.append(
                        Problem(
                            "TLSRPT-07", Status.WARN, "Empty entry in the rua list (stray comma)."
                        )
                    )
                    continue
                record.uris.append(_parse_uri(uri, problems))
            continue
        if eq and name.rstrip(_WSP) == "rua":
            # "rua = mailto:…": %s"rua=" has nothing between (RFC 8460 §3), so senders that
            # follow the grammar find no rua. One slip: TLSRPT-05 names it below, not also as a
            # malformed field here.
            spaced_rua.append(item)
            continue
        if not eq or not _EXT_NAME.fullmatch(name) or not _EXT_VALUE.fullmatch(value):
            stray = _parse_uri(item, [])
            if record.rua_fields and stray.usable:
                # A second address after ';' (the habit of lists in other records): the owner's
                # mailbox or endpoint, which belongs in the rua list after a ','.
                record.stray_uris.append(stray)
                what = f"The field {item!r} is a report address written as a field of its own"
                correct = (
                    "The addresses of one rua= field are separated by ',': list it there "
                    "after the others."
                )
            else:
                what = (
                    f"The field {item!r} is not a valid name=value field "
                    f"({field_fault(name, eq, value)})"
                )
                correct = "Remove the field or correct it."
            problems.append(
                Problem(
                    "TLSRPT-09",
                    Status.FAIL,
                    f"{what}; the grammar of RFC 8460 §3 has no such field, so senders that "
                    f"follow it treat the record as invalid and send no reports. {correct}",
                    True,
                )
            )
            continue
        record.extensions.setdefault(name, value)
        problems.append(
            Problem(
                "TLSRPT-09", Status.INFO, f"Unknown field {name}={value} is ignored by senders."
            )
        )
    if record.rua_fields == 0 and spaced_rua:
        problems.append(
            Problem(
                "TLSRPT-05",
                Status.FAIL,
                f"The field {spaced_rua[0]!r} has spaces around '=': RFC 8460 §3 writes the "
                'field "rua=" with nothing between, so senders that follow it find no rua= '
                "field and send no reports. Remove the spaces.",
                True,
            )
        )
        return record
    for item in spaced_rua:
        # Beside a rua= field: a malformed one, as any other (the rua= one is used).
        problems.append(
            Problem(
                "TLSRPT-09",
                Status.FAIL,
                f"The field {item!r} is not a valid name=value field (RFC 8460 §3).",
                True,
            )
        )
    if record.rua_fields == 0:
        problems.append(
            Problem(
                "TLSRPT-05",
                Status.FAIL,
                "The record has no rua= field; RFC 8460 §3 requires one, so "
                "senders have nowhere to report.",
                True,
            )
        )
        return record
    if not record.uris:
        # The ABNF requires at least one URI after "rua=" (`tlsrpt-uri *(... "," tlsrpt-uri)`).
        problems.append(
            Problem(
                "TLSRPT-05",
                Status.FAIL,
                "The rua= field lists no report address (RFC 8460 §3 requires at least "
                "one), so senders have nowhere to report.",
                True,
            )
        )
        return record
    if empty_rua:
        problems.append(Problem("TLSRPT-07", Status.WARN, "An rua= field is empty; remove it."))
    if record.rua_fields > 1:
        problems.append(
            Problem(
                "TLSRPT-08",
                Status.INFO,
                f"The record has {record.rua_fields} rua fields; that is legal "
                "and senders may report to each (RFC 8460 §3).",
            )
        )
    usable = [u for u in record.uris if u.usable]
    for uri in record.uris:
        if uri.usable:
            continue
        if uri.why:
            why = uri.why
        elif _REPEATED_RUA.match(uri.uri):
            # "rua=mailto:a@x,rua=https://r/": the tag written again inside the list, so the
            # URI senders read begins "rua=" and they drop it.
            why = (
                "repeats the tag name 'rua=' inside the list, so senders read no URI there; "
                "list the addresses after one rua=, separated by commas"
            )
        elif any(c in uri.uri for c in _WSP):
            why = "contains whitespace, which a URI cannot hold (separate addresses with ',')"
        elif len(parts := run_together(uri.uri)) > 1:
            why = (
                f"runs {len(parts)} addresses together: "
                + series([repr(part) for part in parts])
                + " need a ',' between them (a record split into strings is joined with "
                "nothing added)"
            )
        elif uri.scheme == "mailto" and stray_at(unquote(local := _local_part(uri.uri))):
            read = f" (read {unquote(local)!r})" if unquote(local) != local else ""
            why = (
                f"has the local part {local!r}{read}, which holds an '@' no address can hold "
                "outside quotes (RFC 5322 §3.4.1), so senders have no address to report to"
            )
        elif uri.scheme in {"mailto", "https"}:
            why = "has no usable address" if uri.scheme == "mailto" else "has no host"
        elif uri.scheme:
            why = f"uses the {uri.scheme}: scheme; only mailto: and https: are supported"
        else:
            why = "has no scheme (write mailto:address or https://...)"
        problems.append(
            Problem(
                "TLSRPT-06",
                Status.WARN if usable else Status.FAIL,
                f"The report address {uri.uri!r} {why} (RFC 8460 §3).",
                not usable,
            )
        )
    return record


# --------------------------------------------------------------------------------------------


@dataclass
class TlsRptState:
    answer: DnsAnswer
    record: TlsRptRecord | None = None
    candidates: list[TlsRptRecord] = field(default_factory=list)
    status: str = "absent"  # absent | error | multiple | invalid | valid
    usable: bool = False  # a sender would find exactly one valid record with a usable address


async def _build(ctx: CheckContext) -> TlsRptState:
    return _read(await ctx.dns.query(f"_smtp._tls.{ctx.domain}", "TXT"))


def _read(answer: DnsAnswer) -> TlsRptState:
    state = TlsRptState(answer=answer)
    if answer.failed:
        state.status = "error"
        return state
    parsed = [parse_tlsrpt_record(raw) for raw in answer.raw_texts()]
    state.candidates = [r for r in parsed if looks_like_tlsrpt(r.raw)]
    # Counted as a sender counts: the record begins with "v=TLSRPTv1" (whitespace only after it).
    # " v=TLSRPTv1; ..." is discarded, so it neither deploys TLS-RPT nor makes two records.
    counted = [
        r for r in parsed if r.strict_prefix or r.raw.split(";")[0].rstrip(_WSP) == "v=TLSRPTv1"
    ]
    if len(counted) > 1:
        state.status = "multiple"
        state.record = counted[0]
    elif counted:
        state.record = counted[0]
        state.status = "valid" if state.record.valid else "invalid"
    elif state.candidates:
        state.record = state.candidates[0]
        state.status = "invalid"
    # A lone "v=TLSRPTv1 ;" record is valid by the ABNF (TLSRPT-04 warns), as MTA-STS has it.
    state.usable = state.status == "valid" and state.record is not None
    return state


def merge_order(state: TlsRptState) -> list[TlsRptRecord]:
    """The published records in the order a merged record lists their addresses: the one
    senders use first (when they use one), then the others by their text. Not the order of the
    DNS answer, which resolvers rotate: the proposed record, and an open alert's fix with it,
    would change between two lookups of the same records."""
    first = [state.record] if state.usable and state.record is not None else []
    others = sorted((r for r in state.candidates if r not in first), key=lambda r: r.raw)
    return [*first, *others]


def stored_reading(evidence: dict[str, Any]) -> TlsRptState:
    """The TLS-RPT records as TLSRPT-01's stored evidence shows them (its lookup: `answers` in
    presentation form, `cnames` the alias chain it followed), read as the check read them.
    For pages that offer a record from a stored run: they keep the owner's addresses as the
    check's fix does (merge_order, usable_rua) and put the record where it does (the alias
    target, answer.cnames[-1]), with no second copy of the rules."""
    records: list[dns.rdata.Rdata] = []
    for text in map(str, evidence.get("answers") or []):
        if '"' not in text:
            # Not presentation form (where ';' would start a comment): the record's text itself.
            records.append(TXT(dns.rdataclass.IN, dns.rdatatype.TXT, [text.encode()]))
            continue
        try:
            records.append(dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.TXT, text))
        except (dns.exception.DNSException, ValueError):
            continue  # not a TXT record's text: nothing the check read either
    name, _, _ = str(evidence.get("query") or "").partition(" ")
    answer = DnsAnswer(
        name=name,
        rdtype="TXT",
        rcode=str(evidence.get("rcode") or "NOERROR"),
        records=records,
        cnames=[str(c) for c in evidence.get("cnames") or []],
    )
    return _read(answer)


async def get_record(ctx: CheckContext) -> TlsRptState:
    """The domain's TLS-RPT record as a reporting sender sees it; once per run."""
    return await ctx.once("tlsrpt", lambda: _build(ctx))


def example_address(domain: str) -> str:
    """The report mailbox a suggested record names. The engine knows no better address; pages
    that show the suggestion say it is an example (a mailbox that may not exist loses reports)."""
    return f"tls-reports@{domain}"


def usable_rua(text: str) -> list[str]:
    """The report addresses of a published record (`text`) as record_fix keeps them: usable
    ones as written, the others repaired where the repair is certain (a repeated 'rua=', a
    bare address, a final dot, a U-label mail domain), the rest left out. For callers that
    build their own record from the owner's (the domain page adds its report addresses)."""
    record = parse_tlsrpt_record(text)
    addresses: list[str] = []
    for uri in [*(record.uris or _salvaged_uris(record)), *record.stray_uris]:
        for fixed in _repaired_uris(uri):
            if fixed not in addresses:
                addresses.append(fixed)
    return addresses


def record_fix(
    domain: str,
    records: list[TlsRptRecord] | None = None,
    *,
    takes_no_mail: bool = False,
    start: StartingRua | None = None,
) -> str:
    """The record to publish. With `records` (what is published now), it keeps the owner's
    report addresses, repaired where the repair is certain, and extension fields; the example
    mailbox only when none is usable, since replacing a real address with an invented one
    loses the reports. `start` (a missing record's, starting_rua): where the addresses come
    from when `records` give none, the organisation's record or the example's domain.

    With `takes_no_mail` (the domain looks like one that receives no mail, see
    mx.advises_no_mail), a mailbox at the domain itself can receive no report: the
    owner's addresses there are left out and no example is made up there; with no address
    left, '' (there is no record to propose)."""
    addresses = _kept_addresses(domain, records, takes_no_mail)
    if not addresses and start is not None:
        addresses = [
            a
            for a in start.addresses
            if not (takes_no_mail and _mailbox_at(_parse_uri(a, []), domain))
        ]
    if not addresses and takes_no_mail:
        return ""
    example_at = start.example_at if start is not None else domain
    rua = ",".join(addresses) or f"mailto:{example_address(example_at)}"
    # Extension fields are the owner's (a vendor's marker, a note): senders ignore them
    # (RFC 8460 §3), so keeping them is harmless, and which one matters is not ours to guess.
    # Kept as written, the first value of a name; a misspelt rua ("RUA=") is not one of them,
    # its addresses are salvaged into rua above.
    # A ruf= whose address became the rua (_ruf_for_rua) is not kept beside it.
    extensions: dict[str, str] = {}
    for record in records or []:
        moved = ("ruf",) if _ruf_for_rua(record) else ()
        for name, value in record.extensions.items():
            if name.lower() not in ("rua", "v", *moved):
                extensions.setdefault(name, value)
    fields = [f"rua={rua}", *(f"{name}={value}" for name, value in extensions.items())]
    # Several addresses can pass 255 octets: split as zone files and DNS panels need.
    return txt_fix(f"_smtp._tls.{domain}", "v=TLSRPTv1; " + "; ".join(fields))


def _kept_addresses(
    domain: str, records: list[TlsRptRecord] | None, takes_no_mail: bool
) -> list[str]:
    """The owner's report addresses record_fix keeps from `records`, repaired where the repair
    is certain; none at the domain itself when it takes no mail."""
    addresses: list[str] = []
    for record in records or []:
        for uri in [*(record.uris or _salvaged_uris(record)), *record.stray_uris]:
            for fixed in _repaired_uris(uri):
                if takes_no_mail and _mailbox_at(_parse_uri(fixed, []), domain):
                    continue
                if fixed not in addresses:
                    addresses.append(fixed)
    return addresses


@dataclass
class StartingRua:
    """Where a missing record's report addresses come from when the owner has none at the
    name: `addresses`, those of the organisational domain's record (`org`) when the domain is
    below it and it publishes a usable one; else the example mailbox at `example_at`."""

    addresses: list[str] = field(default_factory=list)
    example_at: str = ""
    org: str = ""


async def starting_rua(ctx: CheckContext) -> StartingRua:
    """The report addresses a starting record for ctx.domain names (TLSRPT-01, MTASTS-34).

    RFC 8460 §3 has no walk up the tree: a subdomain that receives mail needs a record of its
    own, but its rua may name any mailbox. Where the organisational domain already publishes
    a usable record, its addresses are a mailbox the owner reads: the subdomain's record names
    them. Else the example goes at the organisational domain, where the owner's mail is, not
    at a subdomain whose MX is someone else's (mg.<d> at Mailgun: a mailbox there is whatever
    the ESP's routes make of it, and reports sent there are lost). A subdomain whose MX hosts
    are all the owner's (under its organisational domain, or its own address: no MX) keeps
    the example at itself: its own server takes its mail, so a mailbox there is one the owner
    can make, while the organisational domain may receive none."""
    domain = ctx.domain.rstrip(".").lower()
    suffixes = ctx.config.extra_public_suffixes
    org = organizational_domain(domain, suffixes)
    if org == domain:
        return StartingRua(example_at=ctx.domain)

    async def load() -> StartingRua:
        state = _read(await ctx.dns.query(f"_smtp._tls.{org}", "TXT"))
        if state.usable and state.record is not None:
            addresses = usable_rua(state.record.raw)
            if addresses:
                return StartingRua(addresses=addresses, example_at=org, org=org)
        mxset = await mx.get_mx(ctx)
        own = bool(mxset.hosts) and all(
            organizational_domain(host.name, suffixes) == org for host in mxset.hosts
        )
        return StartingRua(example_at=ctx.domain if own else org)

    return await ctx.once(f"tlsrpt-start:{domain}", load)


def _org_record_note(domain: str, start: StartingRua) -> str:
    """What TLSRPT-01 adds for a missing record below an organisational domain that publishes
    one: owners read the parent's record as covering its subdomains, and senders never look."""
    if not start.org:
        return ""
    return (
        f" Senders look only at _smtp._tls.{domain}, not at {start.org}'s record (RFC 8460 §3 "
        f"has no walk up the tree), so {domain} needs a record of its own; its reports may go "
        f"to the addresses {start.org}'s record names."
    )


async def new_record_fix(ctx: CheckContext) -> str:
    """The fix for a domain that publishes no TLS-RPT record, as TLSRPT-01 gives it (and
    MTASTS-34 repeats): for a domain MX-01 offers the no-mail records to (mx.advises_no_mail),
    the null MX first and no report mailbox made up at the domain; else the usual record.
    With _smtp._tls an alias to a name that holds no record, where it can go (_behind_alias)."""
    no_mail = await mx.advises_no_mail(ctx)
    misplaced = await misplaced_records(ctx)
    start = await starting_rua(ctx)
    moved = [record for _, record in misplaced] or None
    if no_mail is None:
        fix = record_fix(ctx.domain, moved, start=start)
    else:
        record = record_fix(ctx.domain, moved, takes_no_mail=True, start=start)
        fix = no_mail_fix(ctx.domain, no_mail, record)
    pairs = [(name, record.raw) for name, record in misplaced]
    fix = moved_fix(
        fix, pairs, aliases=await misplaced_aliases(ctx), either_way=no_mail is not None
    )
    return _behind_alias(fix, ctx.domain, (await get_record(ctx)).answer)


# Where TLS-RPT records are published by mistake (checklist TLSRPT-01): the early draft's name
# and the two labels swapped, and the domain itself (pasted beside SPF). Senders look up
# _smtp._tls.<domain> alone (RFC 8460 §3).
MISPLACED_LABELS = ("_smtp_tlsrpt", "_tls._smtp")


async def _misplaced(ctx: CheckContext) -> tuple[list[tuple[str, TlsRptRecord]], dict[str, str]]:
    """misplaced_records and misplaced_aliases: one lookup per check, as MTA-STS's
    (dns.misplaced_lookup)."""
    names = [f"{label}.{ctx.domain}" for label in MISPLACED_LABELS] + [ctx.domain]

    def read(raw: str) -> TlsRptRecord | None:
        record = parse_tlsrpt_record(raw)
        return record if looks_like_tlsrpt(record.raw) else None

    async def lookup() -> tuple[list[tuple[str, TlsRptRecord]], dict[str, str]]:
        return await misplaced_lookup(ctx.dns, names, read, [ctx.domain])

    return await ctx.once(f"tlsrpt-misplaced:{ctx.domain}", lookup)


async def misplaced_records(ctx: CheckContext) -> list[tuple[str, TlsRptRecord]]:
    """The TLS-RPT records published at MISPLACED_LABELS under the domain or at the domain
    itself, by name: asked when _smtp._tls holds none or the domain has a null MX, once per
    check. A failed lookup says nothing (no record). A record reached through a CNAME is the
    alias target's: at a misplaced label the alias is what goes (misplaced_aliases); a domain
    that is itself an alias reaches its target's records, none of them the owner's to move or
    delete, so none is named."""
    return (await _misplaced(ctx))[0]


async def misplaced_aliases(ctx: CheckContext) -> dict[str, str]:
    """The names of misplaced_records that are an alias (CNAME), each with its target."""
    return (await _misplaced(ctx))[1]


def _misplaced_evidence(pairs: list[tuple[str, str]], aliases: dict[str, str]) -> list[Any]:
    """TLSRPT-01's evidence 'misplaced': each (name, record), and the alias target of a name
    that is a CNAME, as MTASTS-01's."""
    return [
        {"name": n, "record": r, **({"alias": aliases[n]} if n in aliases else {})}
        for n, r in pairs
    ]


def _mailbox_at(uri: ReportUri, domain: str) -> bool:
    """Whether `uri` names a mailbox at `domain` itself (a bare address written without its
    mailto: scheme, or a domain written with its final dot, included)."""
    if uri.scheme not in ("mailto", ""):
        return False
    address = uri.uri.partition(":")[2] if uri.scheme else uri.uri
    mail_domain = address.split("?", 1)[0].rpartition("@")[2]
    mail_domain = re.sub(r"!\d*[kmgtKMGT]?$", "", mail_domain).rstrip(".").lower()
    return mail_domain == domain.rstrip(".").lower()


def _no_mail_note(domain: str, no_mail: mx.NoMailAnswer | None) -> str:
    """What TLSRPT-01 adds to its summary for a domain that looks like it receives no mail."""
    if no_mail is None:
        return ""
    return (
        f" {domain} looks like a domain that receives no mail (see MX-01), so TLS-RPT matters "
        "only if it is meant to receive mail."
    )


def no_mail_fix(domain: str, no_mail: mx.NoMailAnswer, record: str = "") -> str:
    """The fix of a TLS-RPT finding for a domain with no MX whose own address takes no mail
    (MX-01 says it looks like a domain that receives no mail). TLS-RPT reports are about mail
    delivered to the domain: with a null MX it does not apply (TLSRPT-01 'na'), and a report
    mailbox at the domain itself could receive nothing. `record`: the TLS-RPT record to
    publish if the domain is meant to receive mail, when its owner's addresses elsewhere make
    one ('' when none does: no mailbox is made up at the domain)."""
    head = (
        f"{domain} looks like a domain that receives no mail (see MX-01: {no_mail.words}), "
        "and TLS-RPT reports are about mail delivered to it: TLS-RPT matters only if "
        f"{domain} is meant to receive mail. If it receives no mail, publish the null MX that "
        "MX-01 gives; TLS-RPT then does not apply."
    )
    if record:
        return (
            f"{head} If it should receive mail, publish an MX record naming the server that "
            f"receives it first (see MX-01), and this TLS-RPT record:\n{record}"
        )
    return (
        f"{head} If it should receive mail, publish an MX record naming the server that "
        "receives it first (see MX-01), then a TLS-RPT record naming a mailbox that someone "
        "reads."
    )


# A rua field however it is misspelt: "RUA=", "rua =", or after a "v=TLSRPTv1," that a comma
# instead of a ';' ends.
# Blanks pasted from a document count as blanks here: a no-break space before "rua=" (the
# record's TLSRPT-09) hides no address of the owner's.
_PASTED_BLANKS = "".join(SPACES) + "".join(INVISIBLE)
# After a blank too: 'v=TLSRPTv1 rua=mailto:...' (the ';' left out) still names the owner's
# address, which the offered record keeps.
_ANY_RUA_FIELD = re.compile(
    rf"(?:^|[;,]|(?<=[ \t{_PASTED_BLANKS}]))[ \t{_PASTED_BLANKS}]*rua[ \t{_PASTED_BLANKS}]*=([^;]*)",
    re.IGNORECASE,
)


# DMARC's failure-report tag, written in a TLS-RPT record for its rua (RFC 8460 §3 has no ruf).
_RUF_FIELD = re.compile(
    rf"(?:^|[;,])[ \t{_PASTED_BLANKS}]*ruf[ \t{_PASTED_BLANKS}]*=([^;]*)", re.IGNORECASE
)


def _ruf_for_rua(record: TlsRptRecord) -> bool:
    """A record with a ruf= and no rua field at all: the address in ruf= is the one meant for
    reports (senders ignore ruf= and find no rua), so record_fix moves it to rua."""
    return not _ANY_RUA_FIELD.search(record.raw) and bool(_RUF_FIELD.search(record.raw))


def _salvaged_uris(record: TlsRptRecord) -> list[ReportUri]:
    """The report addresses of a record the parser read none from: senders discard it (version
    not first, "V=TLSRPTv1", quoted) or find no rua= in it ("RUA="), yet its addresses are the
    owner's mailboxes, and the fix must not trade them for an invented one."""
    uris: list[ReportUri] = []
    fields = _RUF_FIELD if _ruf_for_rua(record) else _ANY_RUA_FIELD
    for match in fields.finditer(record.raw):
        # Quotes too: a DNS panel that stores the quotes typed around the record, or the
        # typographic ones a document made of them.
        stray = _WSP + _PASTED_BLANKS + '"' + "".join(QUOTES)
        for text in (u.strip(stray) for u in match.group(1).split(",")):
            if text:
                uris.append(_parse_uri(text, []))
    return uris


# A URI in a rua list that begins with the tag again: "rua=mailto:a@x,rua=https://r/".
_REPEATED_RUA = re.compile(r"rua[ \t]*=[ \t]*", re.IGNORECASE)

# An RFC 5322 dot-atom local part limited to characters a mailto: URI carries unencoded
# (RFC 6068 §2); "!" is left out: in a rua list it reads as a DMARC size limit (TLSRPT-07).
_MAILTO_LOCAL = re.compile(r"[A-Za-z0-9$'*+_~-]+(?:\.[A-Za-z0-9$'*+_~-]+)*")


def run_together(text: str) -> list[str]:
    """The report URIs `text` holds with no ',' between them ("mailto:tls@example.com" and
    "https://r.example/" as "mailto:tls@example.comhttps://r.example/", two strings of the
    record joined with nothing added, RFC 8460 §3): each, when every part is a usable URI
    of its own; else [] (a 'mailto:' inside one broken address is no second URI)."""
    parts = split_at_schemes(text)
    return parts if all(_parse_uri(part, []).usable for part in parts) else []


def _local_part(uri: str) -> str:
    """The local part of a mailto: URI's address (before its last '@')."""
    return uri.partition(":")[2].split("?", 1)[0].rpartition("@")[0]


def mailbox(uri: str) -> tuple[str, str] | None:
    """The local part (percent-decoded) and the mail domain (lower case, no final dot) of a
    mailto: report URI senders can use, as this check reads it; None for any other URI. For
    callers that ask whose an address is: "mailto:a@x.orgmailto:b@y.net" is no mailbox at
    y.net, "mailto:tlsrpt%2Bt@y.net" is tlsrpt+t's."""
    parsed = _parse_uri(uri, [])
    if parsed.scheme != "mailto" or not parsed.usable:
        return None
    return parsed.local, parsed.target


def web_address(uri: str) -> tuple[str, SplitResult] | None:
    """The host (lower case, no final dot) and the parts of an https: report URI senders can
    use, as this check reads it (a host, a valid port, no whitespace or control character);
    None for any other URI. For callers that ask whose an address is:
    "https://r.example/?u=https://ours.example/" is r.example's."""
    parsed = _parse_uri(uri, [])
    if parsed.scheme != "https" or not parsed.usable:
        return None
    return parsed.target, urlsplit(uri)


def _repaired_uris(uri: ReportUri) -> list[str]:
    """_repaired_uri's repair as a list, where a blank stands for the ',' between two
    addresses ("rua=mailto:a@x mailto:b@y"): each of them, when every part is a usable
    address with its scheme; else the one repair, or none."""
    parts = uri.uri.split() if not uri.usable else []
    if len(parts) > 1:
        each = [_parse_uri(part, []) for part in parts]
        if all(u.usable and u.scheme for u in each):
            return [fixed for u in each if (fixed := _repaired_uri(u))]
    if not uri.usable and len(parts := run_together(uri.uri)) > 1:
        return [fixed for part in parts if (fixed := _repaired_uri(_parse_uri(part, [])))]
    fixed = _repaired_uri(uri)
    return [fixed] if fixed else []


def _repaired_uri(uri: ReportUri) -> str:
    """A report URI senders can use: as published, or a bare address given its mailto:
    scheme, or one written with the tag again in front ("rua=https://…"). '' when the intent
    is not certain (an http: URL, a broken address)."""
    if uri.meant:
        return _repaired_uri(_parse_uri(uri.meant, []))
    if not uri.usable and (repeated := _REPEATED_RUA.match(uri.uri)):
        # What follows the tag is judged as any URI: a bare address gets its scheme, a tag
        # written twice ("rua=rua=https://…") loses both, an http: URL is still refused.
        return _repaired_uri(_parse_uri(uri.uri[repeated.end() :], []))
    if uri.usable:
        if uri.scheme == "mailto":
            # "!10m" is DMARC's size limit, not part of a TLS-RPT address (TLSRPT-07); a '!'
            # in the local part ("mailto:a!b@…") is the address's own and gets encoded.
            return _percent_encode_mailto(
                _SIZE_SUFFIX.sub(lambda m: m[0].split("!", 1)[0], uri.uri)
            )
        # Encoded in its host, '<' or '"' makes escapes that decode to no host name (s36f):
        # no repair then, as the host was none either.
        encoded = _percent_encode(uri.uri)
        return encoded if _parse_uri(encoded, []).usable else ""
    if uri.scheme == "mailto" and uri.uri.endswith(".") and not uri.uri.endswith(".."):
        # "mailto:tls@example.com.": a domain written as in a zone file; the dot is certain
        # to be a slip, the address is not.
        again = _parse_uri(uri.uri[:-1], [])
        return _repaired_uri(again) if again.usable else ""
    if uri.scheme in ("mailto", "https") and (form := uri_form(uri.uri)):
        # "https://bücher.example/r", "mailto:tlś@example.org": a URI is ASCII only; its URI
        # form (RFC 3987 §3.1) is the address meant.
        again = _parse_uri(form, [])
        return _repaired_uri(again) if again.usable else ""
    if uri.scheme == "mailto" and (a_label := a_label_mailbox(uri.uri.partition(":")[2])):
        # "mailto:tls@bücher.example": a URI is ASCII only, the mailbox meant is certain.
        again = _parse_uri(f"mailto:{a_label}", [])
        return _repaired_uri(again) if again.usable else ""
    if uri.scheme or any(c in uri.uri for c in _WSP):
        return ""
    local, at, domain = (a_label_mailbox(uri.uri) or uri.uri).rpartition("@")
    if at and _MAILTO_LOCAL.fullmatch(local) and "." in domain and _HOST.fullmatch(domain):
        return f"mailto:{local}@{domain}"
    return ""


def _percent_encode(uri: str) -> str:
    """The characters TLSRPT-07 asks to percent-encode (a '"' would also end the TXT string)."""
    return uri.translate({ord("!"): "%21", ord('"'): "%22", ord("<"): "%3C", ord(">"): "%3E"})


def _percent_encode_mailto(uri: str) -> str:
    """_percent_encode, and the brackets of a mailto: URI's address literal (RFC 6068 §2:
    '[' and ']' are among the gen-delims a mailto: URI encodes; an https: URL's IPv6 host
    keeps its own)."""
    return _percent_encode(uri).translate({ord("["): "%5B", ord("]"): "%5D"})


def address_literal(domain: str) -> str | None:
    """The address of an address literal as RFC 5321 §4.1.3 writes one in a mailbox,
    '[192.0.2.1]' or '[IPv6:2001:db8::1]', written back so ('[IPv6:2001:db8::1]', the address
    in its short form); None for brackets holding no such address."""
    inner = domain[1:-1] if domain.startswith("[") and domain.endswith("]") else ""
    tag, colon, v6 = inner.partition(":")
    try:
        if colon and tag.lower() == "ipv6":
            return f"[IPv6:{ipaddress.IPv6Address(v6)}]"
        if re.fullmatch(r"\d{1,3}(\.\d{1,3}){3}", inner):
            return f"[{ipaddress.IPv4Address(inner)}]"
    except ValueError:
        return None
    return None


def literal_address(target: str) -> str:
    """The IP address of a mailbox's address literal ('[IPv6:2001:db8::1]' is 2001:db8::1)."""
    return target.strip("[]").removeprefix("IPv6:")


async def _transport_security_deployed(ctx: CheckContext, mxset: mx.MxSet) -> list[str]:
    """What makes TLS-RPT important here: MTA-STS or DANE TLSA on the MX hosts."""
    # mtasts imports this module: import it here, when both are loaded.
    from checks import mtasts

    queries = [ctx.dns.query(f"_25._tcp.{h.name}", "TLSA") for h in mxset.hosts]
    sts, *answers = await asyncio.gather(mtasts.get_policy(ctx), *queries)
    found: list[str] = []
    # Only a policy senders apply (a valid record and policy, mode testing or enforce) has
    # failures to report: a discarded record ("v=stsv1"), an unfetchable policy or mode none
    # leave senders with no policy (RFC 8461 §3.1, §5), as if MTA-STS were not deployed.
    if mtasts.policy_applied(sts):
        found.append("MTA-STS")
    if any(a.exists for a in answers):
        found.append("DANE")
    return found


async def evaluate(ctx: CheckContext) -> list[Finding]:
    out = Collector(MECHANISM)
    mxset = await mx.get_mx(ctx)
    subject = f"_smtp._tls.{ctx.domain}"
    if mxset.null_mx:
        # Still "does not apply", as MTASTS-01: not scored. A record left over at _smtp._tls,
        # or published where senders never look, is named to be deleted, never moved: TLS
        # reports are about mail delivered to the domain (RFC 8460 §3), and none is.
        summary = f"{ctx.domain} accepts no mail (null MX), so TLS reporting does not apply."
        words, fix, evidence = await _left_over(ctx) or ("", "", {})
        pairs = [(name, record.raw) for name, record in await misplaced_records(ctx)]
        aliases = await misplaced_aliases(ctx)
        if pairs:
            evidence = {**evidence, "misplaced": _misplaced_evidence(pairs, aliases)}
        out.add(
            "TLSRPT-01",
            Status.NA,
            (f"{summary} {words}" if words else summary)
            + no_mail_misplaced_note("A TLS-RPT", pairs, aliases),
            subject=subject,
            evidence=evidence,
            fix=moved_fix(fix, pairs, aliases=aliases),
        )
        return out.findings
    # No MX, its own address takes no mail (a website, a parked name), and nothing says it
    # sends: MX-01 offers the records of a domain that receives no mail (mx.advises_no_mail,
    # its reading shared, within its wait). Not a null MX, so the findings keep their
    # statuses, but no fix names a report mailbox at the domain. A domain that sends keeps
    # the usual advice, as MX-01 tells it to publish a real MX.
    state, deployed, reading = await asyncio.gather(
        get_record(ctx),
        _transport_security_deployed(ctx, mxset),
        mx.no_mail_reading(ctx),
    )
    no_mail = reading.advice
    ev = state.answer.evidence()

    def fix_for(records: list[TlsRptRecord] | None = None, start: StartingRua | None = None) -> str:
        if no_mail is None:
            return record_fix(ctx.domain, records, start=start)
        record = record_fix(ctx.domain, records, takes_no_mail=True, start=start)
        return no_mail_fix(ctx.domain, no_mail, record)

    if state.status == "error":
        # A validation failure (an expired signature) is no passing fault of ours: every
        # validating sender gets the same SERVFAIL until the zone is signed again (DNSSEC-01).
        bogus = await lookup_is_bogus(ctx.dns, state.answer)
        out.add(
            "TLSRPT-01",
            Status.ERROR,
            f"Could not look up the TLS-RPT record ({state.answer.describe_failure()})."
            + (
                " It fails DNSSEC validation (bogus): senders that validate get the same "
                "failure every time, so they find no address to send TLS reports to until "
                "the zone's signatures are fixed (DNSSEC-01)."
                if bogus
                else ""
            ),
            subject=subject,
            evidence={**ev, **({"bogus": True} if bogus else {})},
        )
        return out.findings
    if state.status == "absent":
        misplaced = await misplaced_records(ctx)
        aliases = await misplaced_aliases(ctx)
        start = await starting_rua(ctx)
        pairs = [(name, record.raw) for name, record in misplaced]
        # Beside MX-01's null MX the record is moved only for mail, and goes either way.
        null_mx = ctx.domain if no_mail is not None else ""
        alias = (
            _not_tlsrpt_note(ctx.domain, state.answer)
            + _alias_note(ctx.domain, state.answer)
            + misplaced_note(
                "A TLS-RPT", f"_smtp._tls.{ctx.domain}", "RFC 8460 §3", pairs, aliases, null_mx
            )
            + _org_record_note(ctx.domain, start)
        )
        moved = [record for _, record in misplaced] or None
        fix = _behind_alias(
            moved_fix(fix_for(moved, start), pairs, aliases=aliases, either_way=bool(null_mx)),
            ctx.domain,
            state.answer,
        )
        if not state.answer.cnames:  # through an alias the empty record is the target's
            fix = in_place_of_empty(fix, subject, held_txt_records(state.answer), "senders")
        # The misplaced records the fix moves, for pages that build their own record from the
        # owner's addresses (the domain page adds ours): without them they lose those.
        if misplaced:
            ev = {**ev, "misplaced": _misplaced_evidence(pairs, aliases)}
        if deployed:
            out.add(
                "TLSRPT-01",
                Status.WARN,
                f"No TLS-RPT record, although {' and '.join(deployed)} "
                f"{'are' if len(deployed) > 1 else 'is'} deployed: you "
                "will not learn when senders fail to deliver securely (RFC 8460)."
                + alias
                + _no_mail_note(ctx.domain, no_mail),
                subject=subject,
                evidence=ev,
                fix=fix,
            )
        else:
            out.add(
                "TLSRPT-01",
                Status.INFO,
                "No TLS-RPT record: senders do not send you reports about TLS problems."
                + alias
                + _no_mail_note(ctx.domain, no_mail),
                subject=subject,
                evidence=ev,
                fix=fix,
            )
        return out.findings
    out.add(
        "TLSRPT-01",
        Status.PASS,
        f"{ctx.domain} publishes a TLS-RPT record.",
        subject=subject,
        evidence=ev,
    )
    # A record there that names no usable address (no rua=, an ftp: one, a wrong version):
    # its fixes name the mailbox TLSRPT-01's would (starting_rua), not one at a subdomain
    # whose MX may be an ESP's (s47h). Asked only then: the owner's own addresses come first.
    merged = merge_order(state)
    start = (
        None
        if _kept_addresses(ctx.domain, merged, no_mail is not None)
        else await starting_rua(ctx)
    )
    # Only the TLS-RPT record's own strings: another TXT record at the name may be split too.
    if any(
        len(getattr(r, "strings", ())) > 1
        and looks_like_tlsrpt(b"".join(r.strings).decode("utf-8", errors="replace"))
        for r in state.answer.records
    ):
        out.add(
            "TLSRPT-03",
            Status.INFO,
            "The record is split into several strings; they are joined without spaces "
            "(RFC 8460 §3).",
            subject=subject,
            evidence=ev,
        )
    if state.status == "multiple":
        out.add(
            "TLSRPT-02",
            Status.FAIL,
            "There is more than one TLS-RPT record; senders then assume you do not use "
            "TLS-RPT (RFC 8460 §3). Merge them into one.",
            subject=subject,
            evidence=ev,
            # One record listing every address the published ones name.
            fix=fix_for(merged, start),
        )
    elif state.status == "valid":
        out.add(
            "TLSRPT-02",
            Status.PASS,
            "Exactly one TLS-RPT record is published.",
            subject=subject,
            evidence=ev,
        )
    # Next to the one valid record, a record not beginning with "v=TLSRPTv1" is discarded
    # (RFC 8460 §3) and TLS-RPT works: its own faults do not disable the mechanism, so they are
    # not the domain's failures (as for MTA-STS, MTASTS-04).
    strays = [r for r in state.candidates if r is not state.record] if state.usable else []
    used = [r for r in state.candidates if r not in strays]
    out.add_record_problems(used, subject=subject, evidence=ev, fix=fix_for(merged, start))
    for stray in strays:
        _stray_finding(ctx.domain, state, stray, out, no_mail)
    if state.status == "valid" and state.record is not None:
        out.add(
            "TLSRPT-05",
            Status.PASS,
            "Reports go to: " + ", ".join(u.uri for u in state.record.uris if u.usable) + ".",
            subject=subject,
            evidence=ev,
        )
        without = await _endpoint_findings(ctx, state.record, out, reading)
        proposed = record_fix(ctx.domain, merge_order(state), takes_no_mail=no_mail is not None)
        if without and without != proposed and not strays:
            _one_record(out.findings, fix_for(merged, start), without, ctx.domain, no_mail)
    # TLSRPT-11: a short TTL on an unsigned zone makes the record easy to suppress (RFC 8460 §7).
    await _ttl_note(ctx, state.answer, subject, ev, out)
    if state.answer.cnames:
        for finding in out.findings:
            finding.fix = _at_alias_target(finding.fix, ctx.domain, state.answer.cnames[-1])
    return out.findings


async def _left_over(ctx: CheckContext) -> tuple[str, str, dict[str, Any]] | None:
    """For a null-MX domain (TLSRPT-01 "does not apply"): the words, fix and evidence about a
    TLS-RPT record still published at _smtp._tls, left over from when the domain took mail;
    None when none is (or the lookup failed: nothing to say then either).

    Deleting it is the whole fix. TLS-RPT reports are about the TLS sessions senders open to
    deliver mail to the domain (RFC 8460 §3, §4); with a null MX no sender delivers (RFC 7505
    §3), so none has anything to report, and no policy is cached that a withdrawal must wait
    out, unlike MTA-STS's (MTASTS-01)."""
    state = await get_record(ctx)
    if state.status in {"absent", "error"} or not state.candidates:
        return None
    name = f"_smtp._tls.{ctx.domain}"
    several = len(state.candidates) > 1
    record = f"TLS-RPT records ({name}) are" if several else f"TLS-RPT record ({name}) is"
    words = (
        f"Its {record} left over from when it took mail: TLS reports are about mail "
        "delivered to the domain (RFC 8460), and while the null MX stands no sender delivers "
        f"any (RFC 7505 §3), so none sends a report; {'they' if several else 'it'} can be "
        "deleted."
    )
    s = "s" if several else ""
    tail = (
        "No sender reports TLS for a domain that takes no mail, so no report is lost; if the "
        "domain takes mail again, publish a TLS-RPT record again with its MX records."
    )
    if state.answer.cnames:  # the records are the alias target's: the alias is what goes
        target = state.answer.cnames[-1]
        listed = "\n".join(txt_fix(target, r.raw) for r in state.candidates)
        fix = (
            f"Delete the alias {name} (a CNAME to {target}), and tell whoever runs {target} "
            f"that {ctx.domain} no longer needs the record{s} there:\n{listed}\n{tail}"
        )
    else:
        listed = "\n".join(txt_fix(name, r.raw) for r in state.candidates)
        fix = f"Delete the TLS-RPT record{s} at {name}:\n{listed}\n{tail}"
    return words, fix, state.answer.evidence()


def _not_tlsrpt_note(domain: str, answer: DnsAnswer) -> str:
    """What TLSRPT-01 adds for a missing record when _smtp._tls holds other TXT records (a DMARC
    or SPF record pasted at the wrong name): the owner sees something there and must hear that
    it does not count, or publishes the fix beside it never knowing why."""
    held = held_txt_records(answer)  # an empty one as MTASTS-01 and DMARC-01 name it
    if not held:
        return ""
    return " " + not_the_record(
        f"_smtp._tls.{domain}",
        held,
        len(answer.texts()),
        "a TLS-RPT record",
        "TLS-RPT records",
        '"v=TLSRPTv1;", RFC 8460 §3',
        "senders",
    )


def _alias_note(domain: str, answer: DnsAnswer) -> str:
    """What TLSRPT-01 adds for a missing record when _smtp._tls is an alias: senders follow
    it (RFC 8460 §3 asks for the TXT record, and a CNAME answers for it) and find nothing."""
    if not answer.cnames:
        return ""
    where = "which does not exist" if answer.nxdomain else "where no TLS-RPT record is published"
    return f" _smtp._tls.{domain} is an alias (CNAME) of {answer.cnames[-1]}, {where}."


def catch_all_alias(domain: str, target: str) -> bool:
    """Whether the alias an underscore name of `domain` (_smtp._tls, _mta-sts, _dmarc) leads
    to is a catch-all's: the domain itself or a parent of it, as a web host's '*.<domain> CNAME
    <domain>' answers every name that does not exist (RFC 4592 §2.2.1). A record published
    there would be the domain's own TXT, answered through the catch-all for every name below
    it; the record belongs at the underscore name (s48i). A name in the domain (dmarc.<d>,
    www.<d>, <d>.<a policy zone under d>) is not taken for one (review s48r5): an owner's
    deliberate alias leads there as often as a wildcard does, and either way resolvers read
    the target's TXT (RFC 1034 §3.6.2), so the record can go there."""
    target = target.rstrip(".").lower()
    domain = domain.rstrip(".").lower()
    return target == domain or domain.endswith("." + target)


def catch_all_words(name: str, domain: str, target: str) -> str:
    """The fix's first words where `name` answers through a catch-all alias to `target`
    (catch_all_alias): the record goes at `name` itself, not at the target."""
    what = (
        "the domain itself"
        if target.rstrip(".").lower() == domain.rstrip(".").lower()
        else "a parent of the domain"
    )
    return (
        f"The record does not belong at {target}: that is {what}, and a TXT record there is "
        f"{target}'s own, answered through a catch-all alias for every name below it. Publish "
        f"it at {name}: a record there takes the place of a wildcard's answer ('*.{domain}', "
        f"RFC 4592 §2.2.1); an alias published at {name} itself is deleted first, as a TXT "
        "record cannot sit beside it (RFC 1034 §3.6.2)."
    )


def _behind_alias(fix: str, domain: str, answer: DnsAnswer) -> str:
    """The fix for a missing record when _smtp._tls is an alias whose target holds none (or
    does not exist): a TXT record cannot sit beside the CNAME (RFC 1034 §3.6.2), so it goes
    at the target, by whoever runs it, or the alias is deleted and the record published at
    the name itself. Which one is the owner's call: an MSP's shared name may be meant."""
    return fix_behind_alias(
        fix, f"_smtp._tls.{domain}", domain, answer, _alias_note(domain, answer)
    )


def fix_behind_alias(fix: str, name: str, domain: str, answer: DnsAnswer, note: str) -> str:
    """`fix` (records to publish, one of them a TXT record at `name`) for a name that is an
    alias (answer.cnames) of a name holding no such record: the record at the alias's target,
    or at `name` once the alias is deleted; under a catch-all alias (catch_all_alias) at `name`
    only. `note` says what the alias is. TLSRPT-01 (_smtp._tls) and MTASTS-01 (_mta-sts)."""
    record = f"{name}. TXT "
    if not answer.cnames or record not in fix:
        return fix
    target = answer.cnames[-1]
    if catch_all_alias(domain, target):
        return f"{note.strip()} {catch_all_words(name, domain, target)}\n{fix}"
    here = "\n".join(line for line in fix.splitlines() if record in line)
    return (
        f"{note.strip()} A TXT record cannot sit beside the alias: "
        f"publish the record at {target} (whoever runs it does), or delete the alias and "
        f"publish it at {name}.\n"
        + fix.replace(record, f"{target}. TXT ")
        + f"\nOr, with the alias deleted:\n{here}"
    )


def _at_alias_target(fix: str, domain: str, target: str) -> str:
    """A fix for a domain whose _smtp._tls name is an alias (a CNAME to a provider or an MSP's
    shared name): a TXT cannot sit next to a CNAME (RFC 1034 §3.6.2), so the records are
    changed at the target, by whoever runs it, as MTA-STS's `delegated` says for _mta-sts."""
    record = f"_smtp._tls.{domain}. TXT "
    if record not in fix:
        return fix
    return (
        fix.replace(record, f"{target}. TXT ")
        + f"\n(_smtp._tls.{domain} is an alias of {target}: its TXT records are changed "
        "there, by whoever runs it, or the alias is replaced by the record above.)"
    )


async def _ttl_note(
    ctx: CheckContext, answer: DnsAnswer, subject: str, ev: dict[str, Any], out: Collector
) -> None:
    """TLSRPT-11 from the TTL the zone publishes, asked of its own servers.

    Our resolver's TTL is what is left of its cached copy (and the lab's caps it at 5 s): a
    record published with 3600 s reads as 2874 s, which is no TTL the owner chose. That figure
    is a lower bound of the published TTL at best, so it can clear the record (at least
    MIN_TTL left) but never show it short; when no authoritative server answers, we say
    nothing. (A resolver that raises short TTLs, unbound's cache-min-ttl, can hide a short
    one: a missed info note, never a false one.)"""
    if answer.ttl is None or answer.ttl >= MIN_TTL or answer.ad:
        return
    # The TTL that counts is that of the records at the end of an alias chain.
    name = answer.cnames[-1] if answer.cnames else answer.name
    published = await published_ttl(ctx.dns, ctx.config, name, "TXT")
    if published is None or published.ttl >= MIN_TTL:
        return
    out.add(
        "TLSRPT-11",
        Status.INFO,
        f"The record's TTL is {published.ttl} s (as {published.zone}'s server "
        f"{published.server} publishes it) and the zone is not DNSSEC-signed; RFC 8460 §7 "
        "suggests a long TTL (or DNSSEC) so an attacker cannot easily suppress it.",
        subject=subject,
        evidence={**ev, "published": published.evidence()},
    )


def _stray_finding(
    domain: str,
    state: TlsRptState,
    stray: TlsRptRecord,
    out: Collector,
    no_mail: mx.NoMailAnswer | None = None,
) -> None:
    """TLSRPT-04 warn for a record senders discard beside the valid one. Reports never reach
    the addresses it names, and a sender reading the version loosely would count two records
    and report nowhere (TLSRPT-02). The fix deletes it: a corrected copy kept beside the valid
    record would make two valid records, and then senders report nowhere at all."""
    assert state.record is not None
    subject = f"_smtp._tls.{domain}"
    delete = f"Delete this record: {txt_fix(subject, stray.raw)}"
    # A domain that takes no mail: no mailbox at it is proposed (record_fix's takes_no_mail).
    takes_no_mail = no_mail is not None
    merged = record_fix(domain, [state.record, stray], takes_no_mail=takes_no_mail)
    if not merged:
        # Every address either record names is at the domain, which takes no mail (TLSRPT-10).
        fix = delete
    elif merged == record_fix(domain, [state.record], takes_no_mail=takes_no_mail):
        fix = f"{delete}\n(Keep the valid record; it already lists the addresses this one names.)"
    else:
        fix = (
            f"{delete}\nand replace the valid record with this one, which also lists the "
            f"addresses the deleted record names:\n{merged}"
        )
    out.add(
        "TLSRPT-04",
        Status.WARN,
        f'{subject} also holds {stray.raw!r}, which does not begin with "v=TLSRPTv1;": '
        "senders discard it and use the valid record (RFC 8460 §3), so no report goes to the "
        "addresses it names, and a sender that reads the version loosely would count two "
        "records and send no reports at all.",
        subject=subject,
        evidence={**state.answer.evidence(), "record": stray.raw},
        fix=fix,
    )


async def _endpoint_findings(
    ctx: CheckContext,
    record: TlsRptRecord,
    out: Collector,
    reading: mx.NoMailReading | None = None,
) -> str:
    """TLSRPT-10: do the report addresses look deliverable? (No report is sent.) Returns the
    record without the addresses at null-MX domains, when others remain ('' for none): the
    record's other fixes offer it (_one_record). With `reading` (mx.no_mail_reading: the
    checked domain has no MX and its own address took no mail within MX-01's wait), a mailbox
    at the domain itself is as undeliverable as one at a null-MX domain: the domain's own SMTP
    answers (the STARTTLS probes, no connection of its own) say so. The remedy is MX-01's:
    for a domain that sends mail (reading.advice None), a real MX, and the record's other
    fixes keep the address."""
    takes_no_mail = reading.takes_no_mail if reading is not None else None
    no_mail = reading.advice if reading is not None else None
    checks: list[tuple[ReportUri, Any]] = []
    literals: list[ReportUri] = []
    numeric: list[ReportUri] = []  # mailboxes at numbers, not at a mail domain
    boxes: list[ReportUri] = []  # mailboxes at an address literal (mailto:r@[192.0.2.1])
    escaped: list[ReportUri] = []  # https hosts named with percent-escapes (r%65ports.example)
    for uri in record.uris:
        if not uri.usable or "!" in uri.uri:
            continue  # already reported under TLSRPT-06/07
        if uri.scheme == "mailto" and uri.target.startswith("["):
            boxes.append(uri)
        elif uri.scheme == "mailto" and _numeric_mail_domain(uri.target):
            numeric.append(uri)
        elif uri.scheme == "mailto":
            checks.append((uri, ctx.dns.query(uri.target, "MX")))
        elif _is_ip_literal(uri.target) or url_ipv4(uri.target) is not None:
            # https://198.51.100.7/… or https://[2001:db8::7]/…: nothing to look up, the
            # sender posts to that address; probed below as a name's addresses are (the SSRF
            # guard refusing a non-public one: could not check). A host written as numbers
            # (https://127.1/…) is the IPv4 address senders' URL parsers read it as (WHATWG
            # URL), never a name they look up: judged as that address is.
            literals.append(uri)
        else:
            # A host name written with percent-escapes (https://r%65ports.example/) is the
            # name a reporter's URL parser decodes (RFC 3986 §3.2.2, §6.2.2.2): that one is
            # looked up (and probed, guarded), never the text as written.
            if _host_name(uri) != uri.target:
                escaped.append(uri)
            checks.append((uri, ctx.dns.addresses(_host_name(uri))))
    results = await asyncio.gather(*(c for _, c in checks))
    reachable: list[ReportUri] = []  # https report hosts that resolve: probed below
    all_ok = True
    # What to change for each address found undeliverable (TLSRPT-10 warn), by URI.
    remedies: dict[str, str] = {}
    refused: list[str] = []  # addresses at a null-MX domain
    first = len(out.findings)
    for uri in numeric:
        all_ok = False
        remedies[uri.uri] = (
            "Change the address to a mailbox at a domain that receives mail: a mailbox needs "
            f"a mail domain, not {uri.target}."
        )
        out.add("TLSRPT-10", Status.WARN, _numeric_mailbox_text(uri), subject=uri.uri, evidence={})
    for uri in boxes:
        # As MX-06 has an MX host: a non-public address is no route from the internet (the
        # lab's allow_private_targets reaches its own).
        address = literal_address(uri.target)
        if ctx.config.allow_private_targets or net.is_public_address(address):
            continue
        all_ok = False
        remedies[uri.uri] = (
            "Change the address to a mailbox at a domain that receives mail (its MX names "
            "the server that takes the reports), or write the public address of that server "
            "in the brackets."
        )
        out.add(
            "TLSRPT-10",
            Status.WARN,
            f"Reports to {uri.uri} cannot be delivered: {uri.target} is an address literal, "
            "so the mail goes straight to the server at that address (RFC 5321 §4.1.3), which "
            f"is {net.describe_non_public([address])}: senders on the internet cannot reach it.",
            subject=uri.uri,
            evidence={"address": address},
        )
    for (uri, _), result in zip(checks, results, strict=True):
        if uri.scheme == "mailto":
            answer: DnsAnswer = result
            if answer.failed:
                all_ok = False
                out.add(
                    "TLSRPT-10",
                    Status.ERROR,
                    f"Could not look up the MX of {uri.target} ({answer.describe_failure()}).",
                    subject=uri.uri,
                    evidence=answer.evidence(),
                )
                continue
            targets = [r.exchange.to_text().rstrip(".") for r in answer.records]  # type: ignore[attr-defined]
            if answer.exists and all(t == "" for t in targets):
                all_ok = False
                refused.append(uri.uri)
                remedies[uri.uri] = (
                    f"Change the address to a mailbox at a domain that receives mail, or, if "
                    f"{uri.target} should receive mail, replace its null MX with MX records "
                    "naming its mail servers."
                )
                out.add(
                    "TLSRPT-10",
                    Status.WARN,
                    f"Reports to {uri.uri} cannot be delivered: {uri.target} declares it "
                    "accepts no mail (null MX).",
                    subject=uri.uri,
                    evidence=answer.evidence(),
                )
            elif answer.exists and any(targets):
                # An MX record is only a route when one of its hosts has an address: with
                # none, a sender has nowhere to deliver (RFC 5321 §5.1), whatever the MX says.
                hosts = sorted({t for t in targets if t})
                looked_up = await asyncio.gather(*(ctx.dns.addresses(h) for h in hosts))
                if any(addrs for addrs, _ in looked_up):
                    own = _mailbox_at(uri, ctx.domain)
                    unreached = await _own_mx_unreached(ctx) if own else []
                    if unreached:
                        all_ok = False
                        out.add(
                            "TLSRPT-10",
                            Status.INFO,
                            f"Reports to {uri.uri} go to {uri.target}'s own MX hosts, and none "
                            "of them could be reached on port 25 in this check (see SMTP-01): "
                            "while that lasts, reports sent there may not arrive (senders "
                            "retry for a while). The address itself is right.",
                            subject=uri.uri,
                            evidence={
                                "lookups": [answer.evidence()],
                                "mx_probes": [f"{p.subject}: {p.problem}" for p in unreached],
                            },
                        )
                    continue
                all_ok = False
                host_answers = [a for _, answers in looked_up for a in answers]
                failed = [a for a in host_answers if a.failed]
                named = ", ".join(hosts)
                if failed:
                    status = Status.ERROR
                    text = (
                        f"The address of {uri.target}'s mail server ({named}) could not be "
                        f"looked up ({'; '.join(a.describe_failure() for a in failed)}), so "
                        f"it is unknown whether reports to {uri.uri} can be delivered."
                    )
                else:
                    status = Status.WARN
                    text = (
                        f"Reports to {uri.uri} cannot be delivered: {uri.target}'s MX names "
                        f"{named}, which {'has' if len(hosts) == 1 else 'have'} no address."
                    )
                    remedies[uri.uri] = (
                        f"Publish an address (A or AAAA record) for {named}, or point "
                        f"{uri.target}'s MX at servers that receive its mail, or change the "
                        "address to a mailbox at a domain that receives mail."
                    )
                out.add(
                    "TLSRPT-10",
                    status,
                    text,
                    subject=uri.uri,
                    evidence={
                        "lookups": [answer.evidence()] + [a.evidence() for a in host_answers]
                    },
                )
            elif not answer.exists:
                addrs, addr_answers = await ctx.dns.addresses(uri.target)
                if addrs and takes_no_mail is not None and _mailbox_at(uri, ctx.domain):
                    all_ok = False
                    if no_mail is not None:
                        refused.append(uri.uri)
                        remedies[uri.uri] = (
                            "Change the address to a mailbox at a domain that receives mail, "
                            f"or, if {uri.target} should receive mail, publish an MX record "
                            "naming the server that receives it (see MX-01)."
                        )
                        looks = "it looks like a domain that receives no mail (see MX-01)."
                    else:
                        # It sends mail (MX-01 names the signs): what it lacks is the MX of
                        # a server receiving its mail, the reports among it.
                        remedies[uri.uri] = (
                            f"Publish an MX record naming the server that receives "
                            f"{uri.target}'s mail (see MX-01), or change the address to a "
                            "mailbox at a domain that receives mail."
                        )
                        looks = "it needs an MX record naming a server for its mail (see MX-01)."
                    out.add(
                        "TLSRPT-10",
                        Status.WARN,
                        f"Reports to {uri.uri} cannot be delivered: {uri.target} has no MX "
                        f"and its own address takes no mail ({takes_no_mail.words}); {looks}",
                        subject=uri.uri,
                        evidence={
                            "lookups": [answer.evidence()] + [a.evidence() for a in addr_answers],
                            "takes_no_mail": list(takes_no_mail.answers),
                        },
                    )
                    continue
                if not addrs:
                    all_ok = False
                    # A SERVFAIL/timeout on A/AAAA says nothing about deliverability.
                    failed = [a for a in addr_answers if a.failed]
                    if failed:
                        status = Status.ERROR
                        text = (
                            f"{uri.target} has no MX and its address could not be looked up "
                            f"({'; '.join(a.describe_failure() for a in failed)}), so it is "
                            f"unknown whether reports to {uri.uri} can be delivered."
                        )
                    else:
                        status = Status.WARN
                        text = (
                            f"Reports to {uri.uri} cannot be delivered: {uri.target} has no "
                            "MX and no address."
                        )
                        remedies[uri.uri] = (
                            f"Give {uri.target} MX records naming the servers that receive "
                            "its mail, or change the address to a mailbox at a domain that "
                            "receives mail."
                        )
                    out.add(
                        "TLSRPT-10",
                        status,
                        text,
                        subject=uri.uri,
                        evidence={
                            "lookups": [answer.evidence()] + [a.evidence() for a in addr_answers]
                        },
                    )
        else:
            addrs, answers = result
            if addrs:
                reachable.append(uri)
            if not addrs:
                all_ok = False
                failed = any(a.failed for a in answers)
                name = _host_name(uri)
                if not failed:
                    remedies[uri.uri] = (
                        f"Publish an address (A or AAAA record) for {name}, the server "
                        "that receives the reports, or correct the host name in the URL."
                    )
                out.add(
                    "TLSRPT-10",
                    Status.ERROR if failed else Status.WARN,
                    f"{'Could not look up' if failed else 'The report host'} {name}"
                    f"{'' if failed else ' does not resolve'}, so HTTPS reports to "
                    f"{uri.uri} cannot be delivered.",
                    subject=uri.uri,
                    evidence={"lookups": [a.evidence() for a in answers]},
                )
    # In the record's order, each URL once: the hosts that resolve and the IP literals.
    to_probe = {u.uri for u in reachable} | {u.uri for u in literals}
    reachable = list({u.uri: u for u in record.uris if u.uri in to_probe}.values())
    probed = reachable[:MAX_HTTPS_PROBES]
    outcomes = await asyncio.gather(*(_post_probe(ctx, uri) for uri in probed))
    for uri, said in zip(probed, outcomes, strict=True):
        for status, text, evidence, fix in said:
            all_ok = False
            if status == Status.WARN:
                remedies[uri.uri] = fix
            out.add("TLSRPT-10", status, text, subject=uri.uri, evidence=evidence, fix=fix)
    _endpoint_fixes(ctx.domain, record, out.findings[first:], remedies, no_mail is not None)
    _numeric_host_words(out.findings[first:], literals)
    _escaped_host_words(out.findings[first:], escaped)
    # The record without the addresses at null-MX domains (RFC 7505: certain to refuse mail;
    # a host that does not resolve may be fixed sooner than the record), when others remain.
    kept = [u for u in record.uris if u.uri not in refused]
    without = (
        record_fix(ctx.domain, [replace(record, uris=kept)], takes_no_mail=no_mail is not None)
        if refused and any(_repaired_uri(u) for u in kept)
        else ""
    )
    if all_ok and (checks or literals or boxes):
        parts = []
        if checks:
            parts.append(
                "The report addresses resolve (mail domains have an MX, HTTPS hosts an address)."
            )
            parts.extend(f"{_escaped_words(u)}; senders' URL parsers read it so." for u in escaped)
        if boxes:
            parts.append(
                f"{', '.join(u.uri for u in boxes)} "
                f"{'is a mailbox' if len(boxes) == 1 else 'are mailboxes'} at an address "
                "literal (RFC 5321 §4.1.3): senders deliver straight to "
                f"{', '.join(literal_address(u.target) for u in boxes)}, with no MX to look up "
                "(not every mail server takes mail for an address literal; a mailbox at a mail "
                "domain is the surer way)."
            )
        if probed:
            parts.append(
                f"{', '.join(u.uri for u in probed)} "
                f"{'takes' if len(probed) == 1 else 'take'} POSTs over HTTPS with a valid "
                "certificate (an empty POST, not a report, was sent to see)."
            )
        if len(reachable) > len(probed):
            parts.append(
                f"Only the first {MAX_HTTPS_PROBES} HTTPS report URLs were tried; "
                f"{', '.join(u.uri for u in reachable[len(probed) :])} "
                f"{'was' if len(reachable) - len(probed) == 1 else 'were'} not."
            )
        if literals:
            parts.append(
                f"{', '.join(u.uri for u in literals)} "
                f"{'names an IP address' if len(literals) == 1 else 'name IP addresses'}, "
                "which needs no DNS lookup."
            )
            parts.extend(
                f"{words}; senders' URL parsers read it so."
                for u in literals
                if (words := url_numbers_read_as(u.target))
            )
        out.add(
            "TLSRPT-10",
            Status.PASS,
            " ".join(parts) + " No test report was sent.",
            subject=", ".join(
                [u.uri for u, _ in checks] + [u.uri for u in boxes] + [u.uri for u in literals]
            ),
        )
    return without


async def _own_mx_unreached(ctx: CheckContext) -> list[Any]:
    """This run's STARTTLS probes (starttls.probe_mx, once per run: no connection of our own;
    none when the SMTP mechanism is not part of the run)
    of the domain's MX addresses when they reached none: each refused the connection, did not
    answer, or accepted it and never greeted; else []. [] too when an address was left
    unprobed, or the probes are not done within OWN_MX_WAIT_TIMEOUTS timeouts (they go on for
    STARTTLS): a note is only given on what was seen. Not reached is a note for TLSRPT-10 at
    most, never a failure: the refusal or the silence may be our network's or passing
    (checklist §0)."""
    from checks import starttls

    if Mechanism.SMTP not in ctx.mechanisms:
        # Read only the probes the SMTP mechanism makes in this run: a TLS-RPT check alone
        # (a context of its own, or the run asked for tls-rpt only) connects to no MX.
        return []
    planned, left_out = await starttls.probe_plan(ctx)
    if not planned or left_out:
        return []
    probing = asyncio.gather(*(starttls.probe_mx(ctx, h, a) for h, a in planned))
    try:
        # Giving up cancels only this wait: ctx.once shields the probes themselves.
        probes = await asyncio.wait_for(probing, OWN_MX_WAIT_TIMEOUTS * ctx.config.timeout)
    except TimeoutError:
        return []
    return probes if all(_unreached(p) for p in probes) else []


def _unreached(probe: Any) -> bool:
    """The probe found no mail server to talk to: the connection refused, lost on the way,
    not answered, or accepted and never greeted. Not an address our guard kept us from (a
    non-public one: MX-06 and SMTP-01 judge it) nor one of a family this checker has no route
    for (no-route): no connection was tried, nothing seen."""
    if probe.error_kind in ("refused", "network"):
        return True
    return probe.error_kind == "timeout" and (not probe.connected or probe.no_greeting)


# How long TLSRPT-10 waits for the STARTTLS probes of the domain's own MX, in timeouts: one
# that never connects ends within a connect timeout, one that never greets within two.
OWN_MX_WAIT_TIMEOUTS = 3


# TLSRPT-10 connects to at most this many https report URLs of a record: each is a host of
# anyone's choosing, and a record listing dozens must not make one check POST to each.
MAX_HTTPS_PROBES = 3
# The probe: a POST as a reporter sends one (RFC 8460 §5.4: Content-Type
# application/tlsrpt+gzip) with an empty body, so no report is invented. A collector answers
# it 2xx or, for the missing report, 400 or another 4xx: either shows the URL takes POSTs.
_PROBE = https.PostProbe(content_type="application/tlsrpt+gzip")
# Answers to a POST saying that the URL takes none: no such resource, the method not allowed,
# or not implemented (RFC 9110 §15.5.5, §15.5.6, §15.6.2).
REFUSES_POST = frozenset({404, 405, 501})
_PROBE_WORDS = "an empty POST (Content-Type application/tlsrpt+gzip, no report in it)"


async def _post_probe(
    ctx: CheckContext, uri: ReportUri
) -> list[tuple[Status, str, dict[str, Any], str]]:
    """TLSRPT-10 for an https report URL whose host resolves: (status, summary, evidence,
    fix) of each thing found wrong, [] when it takes POSTs over a valid certificate. Only the
    probe's own refusals warn (a refused connection, a failed handshake, 404/405/501); a
    timeout, an unreachable network, an address the SSRF guard refuses or a port other than
    443 (never connected to) is "could not check"; a 5xx or a garbled answer says nothing either way (info)."""
    url = _probe_url(uri)
    result = await https.fetch(ctx, url, max_bytes=4096, post=_PROBE)
    verified = result
    host = result.host or uri.target
    said: list[tuple[Status, str, dict[str, Any], str]] = []
    # The addresses whose certificate was refused: the one the result describes, or another
    # of the host's (a refusal on the first address must not hide a certificate on the next).
    cert_refused = [o for o in result.per_address if o.error_kind == "tls-cert"]
    several = len(result.per_address) > 1
    refusal = ""
    if result.error_kind == "tls-cert" or cert_refused:
        refusal = (
            https.refusal_text(result)
            if result.error_kind == "tls-cert"
            else "that is not accepted "
            f"({cert_refused[0].error.removeprefix('certificate not accepted: ')})"
        )
        where = f" at {', '.join(o.address for o in cert_refused)}" if several else ""
        said.append(
            (
                Status.INFO,
                f"The HTTPS report host {host} presents{where} a certificate {refusal}. "
                "Reporters may ignore certificate errors on an HTTPS report endpoint (RFC 8460 "
                f"§3), but some will not deliver reports to {uri.uri} while it is so.",
                _probe_evidence(result),
                _certificate_fix(host),
            )
        )
        # What a reporter ignoring the certificate meets: does the URL take POSTs at all?
        result = await https.fetch(ctx, url, max_bytes=4096, post=replace(_PROBE, verify=False))
    # An answer to the retry is one to a reporter ignoring the certificate: said so, with why
    # the certificate was refused, so a warn read alone does not pass for the whole story.
    sent = f", sent again without verifying its certificate ({refusal})," if refusal else ""
    answer = f"answered {_PROBE_WORDS}{sent} with HTTP {result.status}"
    if result.ok and result.status in REFUSES_POST:
        said.append(
            (
                Status.WARN,
                f"Reports to {uri.uri} cannot be delivered: {host} {answer}, so the URL does "
                "not take the POSTs reporters send reports as (RFC 8460 §5.4).",
                _probe_evidence(result),
                f"Publish the URL your report collector receives POSTs at, or make {host} "
                f"accept POSTs of application/tlsrpt+gzip at {urlsplit(uri.uri).path or '/'}.",
            )
        )
    elif result.ok and result.status is not None and result.status >= 500:
        said.append(
            (
                Status.INFO,
                f"Could not tell whether {uri.uri} takes reports: {host} {answer}, a server "
                "error, which a real report may not meet.",
                _probe_evidence(result),
                "",
            )
        )
    elif result.ok and result.status is not None and 300 <= result.status < 400:
        said.append(_redirected(uri, host, result, answer))
    elif result.ok:
        pass  # 2xx, or a 4xx for the empty body: it takes POSTs
    elif result.error_kind in ("connect", "tls"):
        said.append(
            (
                Status.WARN,
                f"Reports to {uri.uri} cannot be delivered: {result.error} ({host}).",
                _probe_evidence(result),
                f"Make {host} accept HTTPS connections on port 443 and POSTs at "
                f"{urlsplit(uri.uri).path or '/'}, or publish the URL your report collector "
                "receives them at.",
            )
        )
    elif (
        result.error_kind in https.COULD_NOT_CHECK
        or result.error_kind == "dns"
        or result.refused_port is not None
    ):
        # A URL at a port other than 443 is our refusal (https.fetch connects to no other
        # port), as the guard's is: nothing is known of the endpoint, so "could not check",
        # as BIMI-09/10 say of the same refusal (s36f; it was an info, "could not tell").
        said.append(
            (
                Status.ERROR,
                f"Could not check whether {uri.uri} takes reports: {result.error} ({host}).",
                _probe_evidence(result),
                "",
            )
        )
    elif result.error_kind is not None:  # 'http': a garbled answer
        said.append(
            (
                Status.INFO,
                f"Could not tell whether {uri.uri} takes reports: {result.error}.",
                _probe_evidence(result),
                "",
            )
        )
    if several:
        said.extend(_each_address(uri, host, verified, result if refusal else None))
    return said


def _each_address(
    uri: ReportUri, host: str, verified: https.HttpsResult, unverified: https.HttpsResult | None
) -> list[tuple[Status, str, dict[str, Any], str]]:
    """TLSRPT-10 for a report host whose addresses answer the probe differently: the verdict
    the result describes is one address's, and a reporter may connect to any of them. Each
    address is named with what it answered (after a refused certificate, what it answered
    without verifying it); a warn when one refuses the POST or the connection while another
    takes it, as MTASTS-17 warns for a policy host. Addresses that could not be checked (a
    timeout, no route from here) are left out: nothing is known of them."""
    retried = {o.address: o for o in (unverified.per_address if unverified else [])}
    verdicts: list[tuple[str, str, https.AddressOutcome]] = []
    for o in verified.per_address:
        final = retried.get(o.address, o) if o.error_kind == "tls-cert" else o
        if final.error_kind in https.COULD_NOT_CHECK:
            continue
        said = f"HTTP {final.status}" if final.ok else final.error
        if final is not o:
            said = f"{o.error}, and without verifying it, {said}"
        verdicts.append((o.address, said, final))
    if len({said for _, said, _ in verdicts}) < 2:
        return []

    def refuses(o: https.AddressOutcome) -> bool:
        return (o.ok and o.status in REFUSES_POST) or o.error_kind in ("connect", "tls")

    def takes(o: https.AddressOutcome) -> bool:
        # A 2xx, or a 4xx for the empty body (_post_probe): not a redirect or a server error.
        status = o.status or 0
        return o.ok and status < 500 and not 300 <= status < 400 and status not in REFUSES_POST

    failing = [a for a, _, o in verdicts if refuses(o)]
    taking = [a for a, _, o in verdicts if takes(o)]
    each = "; ".join(f"{address}: {said}" for address, said, _ in verdicts)
    evidence: dict[str, Any] = {
        "probe": f"POST, {_PROBE_WORDS}",
        "addresses": [o.to_dict() for o in verified.per_address],
    }
    if retried:
        evidence["addresses_without_verifying"] = [o.to_dict() for o in retried.values()]
    if failing and taking:
        them = "it" if len(failing) == 1 else "them"
        return [
            (
                Status.WARN,
                f"Reports to {uri.uri} may be lost: the addresses of {host} answer "
                f"{_PROBE_WORDS} differently ({each}), and a reporter connecting to "
                f"{', '.join(failing)} cannot deliver there.",
                evidence,
                f"Make {', '.join(failing)} take POSTs at {urlsplit(uri.uri).path or '/'} as "
                f"{', '.join(taking)} {'does' if len(taking) == 1 else 'do'}, or remove {them} "
                f"from the A/AAAA records of {host}.",
            )
        ]
    return [
        (
            Status.INFO,
            f"The addresses of {host} answer {_PROBE_WORDS} differently: {each}.",
            evidence,
            "",
        )
    ]


def _certificate_fix(host: str) -> str:
    """What to install on a report host whose certificate was refused: for an IP-literal URL,
    a certificate holding that address (clients match an address against iPAddress entries
    only, RFC 2818 §3.1), or a URL naming a host instead."""
    if https.ip_literal(host) is not None:
        return (
            f"Install on {host} a certificate holding the IP address {host} in its "
            "subjectAltName (an iPAddress entry; a DNS name does not count for an address), "
            "from a public CA that issues certificates for IP addresses, current and sent with "
            "its intermediate certificates; or publish an https URL naming a host name with a "
            "certificate for it."
        )
    return (
        f"Install a certificate for {host} from a public CA, valid for that name and current, "
        "sent with its intermediate certificates (and renew it before it expires)."
    )


# 3xx answers that HTTP clients following them may repeat as a GET without the body: 301 and
# 302 "for historical reasons" (RFC 9110 §15.4.2, §15.4.3), 303 always (§15.4.4). 307 and 308
# keep the method and body for a client that follows (§15.4.8, §15.4.9).
POST_BECOMES_GET = frozenset({301, 302, 303})
KEEPS_POST = frozenset({307, 308})


def _redirected(
    uri: ReportUri, host: str, result: https.HttpsResult, answer: str
) -> tuple[Status, str, dict[str, Any], str]:
    """TLSRPT-10 warn for a 3xx answer to the probe's POST: a reporter needs a 2xx to count
    the report delivered (RFC 8460 §5.4), and whether one arrives after a redirect depends on
    the reporter's HTTP client (many follow none for a POST; a 301/302/303 followed turns it
    into a GET without the report). mailsec names where it leads and never follows it: it
    may point anywhere (another host, a private address)."""
    status = result.status
    location = _as_sent(result.first_header("location") or "").strip()
    try:
        leads = urljoin(uri.uri, location) if location else ""
    except ValueError:  # "https://[::1/x": no URL, named as it came
        leads = location
    if not leads:
        where = "with no Location header saying where to"
    elif _same_url(leads, uri.uri):
        where = f"to {leads}, the URL itself"
    else:
        where = f"to {leads}"
    offered = "" if _same_url(leads, uri.uri) else _offered_rua(leads)
    if status in POST_BECOMES_GET:
        why = (
            "an HTTP client that follows it sends a GET there without the report (RFC 9110 "
            "§15.4.2-§15.4.4: after a 301 or 302 it may, after a 303 it does), and one that "
            "does not follow it counts the report as not delivered"
        )
    elif status in KEEPS_POST:
        why = (
            "only reporters whose HTTP client follows a redirect of a POST send the report "
            "on (307 and 308 keep the method, RFC 9110 §15.4.8, §15.4.9); many do not follow "
            "one and count the report as not delivered"
        )
    else:  # 300, 304…: no redirect a client would follow with the report either
        why = "a reporter counts the report as not delivered"
    path = urlsplit(uri.uri).path or "/"
    answer_here = (
        f"make {host} answer POSTs at {path} with a 2xx (200 or 201) instead of a redirect"
    )
    fix = (
        f"Publish rua={offered} in place of {uri.uri}, if that is where your report collector "
        f"takes reports, or {answer_here}."
        if offered
        else f"{answer_here[0].upper()}{answer_here[1:]}."
    )
    return (
        Status.WARN,
        f"Reports to {uri.uri} may be lost: {host} {answer} {where}, not the 2xx reporters "
        f"need (RFC 8460 §5.4); {why}. mailsec did not follow it.",
        _probe_evidence(result),
        fix,
    )


def _as_sent(header: str) -> str:
    """A header value read as Latin-1 (https.py), as the UTF-8 it was sent in when it is that
    ("/ö" arrives as two bytes, not "/Ã¶")."""
    try:
        return header.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return header


def _same_url(a: str, b: str) -> bool:
    """Do two https URLs name the same resource (scheme and host in any case, default port)?"""
    try:
        one, two = urlsplit(a), urlsplit(b)
        return (one.scheme.lower(), one.hostname, one.port or 443, one.path or "/", one.query) == (
            two.scheme.lower(),
            two.hostname,
            two.port or 443,
            two.path or "/",
            two.query,
        )
    except ValueError:
        return False


# What a redirect's URL keeps as it is in a rua value: RFC 3986's reserved characters and '%'
# (its escapes stay), but ',' and '!', which RFC 8460 §3 has encoded in a rua list (a ',' would
# split it, a '!' read as a size), and ';', which ends the field.
_RUA_SAFE = ":/?#[]@$&'()*+=%"


def _offered_rua(leads: str) -> str:
    """Where a redirect leads, as a rua value to publish: an https URL reporters can post to,
    percent-encoded as a rua list needs (a blank, a non-ASCII character, ',', '!', ';'),
    without a fragment (never sent) or user name (RFC 9110 §4.2.4); '' when it is none."""
    try:
        parts = urlsplit(leads)
        ok = parts.scheme.lower() == "https" and bool(parts.hostname) and parts.port != 0
        # A user name has no place there; a non-ASCII host would need its A-label.
        ok = ok and parts.username is None and parts.netloc.isascii()
    except ValueError:
        return ""
    if not ok:
        return ""
    text = quote(parts._replace(scheme="https", fragment="").geturl(), safe=_RUA_SAFE)
    problems: list[Problem] = []
    offered = _parse_uri(text, problems)
    return text if offered.usable and not problems else ""


def _probe_evidence(result: https.HttpsResult) -> dict[str, Any]:
    return {"probe": f"POST, {_PROBE_WORDS}", **result.evidence()}


def _endpoint_fixes(
    domain: str,
    record: TlsRptRecord,
    findings: list[Finding],
    remedies: dict[str, str],
    takes_no_mail: bool = False,
) -> None:
    """The fix of each TLSRPT-10 warn: what to change so the address receives reports and,
    when the record names addresses that work, the record without the undeliverable ones
    (every other address and field kept, each repaired as record_fix does). With no address
    left, the record is not offered: an invented mailbox in its place would lose the reports
    as surely."""
    kept = [u for u in record.uris if u.uri not in remedies]
    working = [
        u for u in kept if _repaired_uri(u) and not (takes_no_mail and _mailbox_at(u, domain))
    ]
    without = (
        record_fix(domain, [replace(record, uris=kept)], takes_no_mail=takes_no_mail)
        if working
        else ""
    )
    for finding in findings:
        remedy = remedies.get(finding.subject)
        if finding.id != "TLSRPT-10" or finding.status != Status.WARN or not remedy:
            continue
        # An https warn brings its own fix (two of one URL: each keeps its own).
        finding.fix = finding.fix or remedy
        if without:
            finding.fix += (
                "\nOr send no more reports there: publish this record, which keeps the other "
                f"report address{'es' if len(working) > 1 else ''}:\n{without}"
            )


def _one_record(
    findings: list[Finding],
    fix: str,
    without: str,
    domain: str = "",
    no_mail: mx.NoMailAnswer | None = None,
) -> None:
    """The record fixes of the record's own problems (TLSRPT-07's address without its '!10m')
    made the record TLSRPT-10 offers, without the undeliverable addresses and with every
    repair record_fix makes: built apart, TLSRPT-07's kept the address TLSRPT-10's removed,
    and publishing it brought that warning back. Said, as the address is the owner's: the
    other remedy, making it receive mail, is TLSRPT-10's to offer."""
    for finding in findings:
        if finding.fix == fix and finding.id != "TLSRPT-10":
            leaves_out = (
                "This record also leaves out the report addresses at domains that accept no "
                f"mail (null MX, see TLSRPT-10):\n{without}"
            )
            # A domain that takes no mail: the record is only for the case it should.
            finding.fix = leaves_out if no_mail is None else no_mail_fix(domain, no_mail, without)


def _probe_url(uri: ReportUri) -> str:
    """The URL a sender posts to: one whose host is written as numbers (https://127.1/r) with
    the IPv4 address its URL parser reads there (https://127.0.0.1/r, as WHATWG URL writes it
    back); any other as published."""
    address = url_ipv4(uri.target) if not _is_ip_literal(uri.target) else None
    if address is None and _host_name(uri) != uri.target:
        address = _host_name(uri)  # r%65ports.example: reports.example, as a parser decodes it
    if address is None:
        return uri.uri
    parts = urlsplit(uri.uri)
    userinfo, at, host_port = parts.netloc.rpartition("@")
    port = f":{host_port.rpartition(':')[2]}" if ":" in host_port else ""
    return parts._replace(netloc=f"{userinfo}{at}{address}{port}").geturl()


def _host_name(uri: ReportUri) -> str:
    """The host name of an https report URI a reporter looks up: its percent-escapes decoded
    (url_host_name: 'r%65ports.example' is reports.example), lower case, no final dot."""
    return (url_host_name(uri.target) or uri.target).rstrip(".").lower()


def _escaped_words(uri: ReportUri) -> str:
    return f"{uri.target} is {_host_name(uri)} percent-encoded"


def _escaped_host_words(findings: list[Finding], escaped: list[ReportUri]) -> None:
    """Each TLSRPT-10 finding on an https report URL whose host name is written with
    percent-escapes says which name it is, and, unless it passed, asks for it written plainly:
    not every HTTP client decodes escapes in a host (httpx looks 'r%65ports.example' up as
    written)."""
    for uri in escaped:
        for finding in findings:
            if finding.id != "TLSRPT-10" or finding.subject != uri.uri:
                continue
            finding.summary += f" {_escaped_words(uri)}; senders' URL parsers read it so."
            if finding.status == Status.PASS:
                continue
            plain = _probe_url(uri)
            ask = f"Write the host name without percent-escapes: {plain}"
            finding.fix = f"{finding.fix}\n{ask}" if finding.fix else ask


def _numeric_host_words(findings: list[Finding], literals: list[ReportUri]) -> None:
    """Each TLSRPT-10 finding on an https report URL whose host is written as numbers says how
    its host reads ('127.1 is 127.0.0.1 written short'), and, unless it passed, asks for a host
    name: few report servers have a certificate for an address, and one written so reads as a
    name to a reader that is no URL parser."""
    for uri in literals:
        words = url_numbers_read_as(uri.target)
        if words is None:
            continue
        path = urlsplit(uri.uri).path or "/"
        for finding in findings:
            if finding.id != "TLSRPT-10" or finding.subject != uri.uri:
                continue
            finding.summary += f" {words}; senders' URL parsers read it so."
            if finding.status == Status.PASS:
                continue
            ask = (
                f"Write the report URL with the host name of the server that receives the "
                f"reports in place of {uri.target}: https://<its host name>{path}"
            )
            finding.fix = f"{ask}\n{finding.fix}" if finding.fix else ask


def _numeric_mail_domain(domain: str) -> bool:
    """The domain of a mailbox is numbers, not a mail domain: its last label is all digits,
    which no domain's is (RFC 1123 §2.1): 127.1, 2130706433, 1.2.3.4.5, 192.0.2.1."""
    last = domain.rstrip(".").rpartition(".")[2]
    return last.isascii() and last.isdigit()


def _numeric_mailbox_text(uri: ReportUri) -> str:
    """TLSRPT-10 for a mailbox at numbers (_numeric_mail_domain): no mail domain to look up.
    Numbers an address parser reads as IPv4 (127.1 is 127.0.0.1) are said to be that address:
    in a mailbox an IP address is an address literal in brackets (RFC 5321 §4.1.3), and mail
    software refuses one written bare or looks it up as a name, which finds nothing. The fix
    (the caller's) is a mailbox at a mail domain."""
    domain = uri.target.rstrip(".")
    address = domain if _is_ip_literal(domain) else browser_ipv4(domain)
    if address is None:
        what = f"{domain} is no mail domain: its last label is all digits, which no domain's is"
    else:
        read = numbers_read_as(domain)
        what = (
            f"{domain} is no mail domain but an IP address{f' ({read})' if read else ''}: its "
            "last label is all digits, which no domain's is; mail software takes an IP address "
            "only in brackets (an address literal, RFC 5321 §4.1.3), and a report mailbox needs "
            "a mail domain"
        )
    return f"Reports to {uri.uri} cannot be delivered: {what}."


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
