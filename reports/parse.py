"""TLS-RPT report decoding and validation (RFC 8460 §4, §5), free of Django.

`parse_report(data)` takes the bytes of one report as delivered (gzip, zip or plain JSON) and
returns a `ParsedReport`, or raises `ReportRejected` with a reason a person can act on. Nothing
else escapes: every input, however broken, ends in one of those two outcomes.

The rules are those of checklist §12 (RPT-01..RPT-12) and the outcomes of its malformed corpus
(§12.3, M01–M50). Where the corpus leaves a choice, this module picks:

* M11 a date-time without a zone ("2026-06-01 00:00:00") is rejected: guessing UTC would invent
  a day boundary the sender never stated.
* M17 a count written as a JSON string of digits ("17") is coerced with a warning.
* M18 a negative, fractional or exponent count drops that policy entry (summary) or that failure
  detail, with a warning; the rest of the report is kept.
* M35 invalid UTF-8 is rejected (I-JSON, RFC 7493 §2.1): we do not store replacement characters
  the sender never wrote.

`warnings` are what a person should see (the report was usable but not as the RFC says);
`notes` are informational observations that do not make the report suspect.

Large reports are read streaming (issue 7: a 25 MB report with 200,000 failure details in
≤ 150 MB). The gzip stream is inflated chunk by chunk, the UTF-8 is decoded incrementally, and
`_JsonStream` walks the structure itself only down to the two arrays that can be long
(`policies` and each `failure-details`); every element of those — one policy's `policy` and
`summary`, one failure detail — is handed to the stdlib C decoder (`raw_decode`) on a bounded
window of text. So neither the decompressed body nor the whole JSON tree is ever in memory,
and the strict rules (RFC 8259, I-JSON RFC 7493 §2.3 duplicate names) hold at every level.
"""

from __future__ import annotations

import base64
import codecs
import functools
import io
import ipaddress
import json
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import unquote

from checks.domainname import _to_a_labels
from reports.explain import defined_type

# RFC 8460 §5.2: a receiver limit of about 10 MB is "commonly observed"; operators can raise it.
DEFAULT_MAX_DECOMPRESSED = 10 * 1024 * 1024
# RFC 8460 §6.3: "+gzip objects can contain multiple files"; a handful is plenty for one report.
MAX_ARCHIVE_MEMBERS = 8
# Files of one zip archive read at most (RPT-15: a member count cap). Each is peeked at (4 KiB)
# to tell a report from a README, so this bounds the work on an archive; it is above the
# intake's 10 reports per body or message (reports.mail.MAX_REPORTS_PER_MESSAGE) with room for
# the non-report files a bundle carries. Until s19r the gzip cap of 8 applied: a zip of 9 or 10
# reports, or 8 and a README, was taken (201 / 250) and then every report in it rejected.
MAX_ZIP_FILES = 64
# Field limits (M50): far above anything a real reporter sends, far below a memory problem.
MAX_NAME_CHARS = 1024
MAX_HOST_CHARS = 255
MAX_URI_CHARS = 2048
MAX_IP_CHARS = 64
# A policy-string (and mx-host) holds the lines of an MTA-STS policy, which RFC 8461 §3.3
# suggests senders accept up to 64 KB of: at 4 bytes the shortest line ('k:v' and its LF),
# 16,384 lines. At 1,000 (until s35r) a report quoting a policy of 1,500 mx lines (43 KB) was
# rejected whole, its sessions lost over an optional member.
MAX_POLICY_LINES = 16_384
# A policy-string line of a DANE policy is TLSA RDATA (RFC 8460 §4.5): "3 0 0 <whole
# certificate in hex>" runs to several kilobytes.
MAX_POLICY_LINE_CHARS = 16 * 1024
MAX_POLICIES = 10_000
MAX_FAILURE_DETAILS = 200_000
# Warnings (and notes) kept per report; the rest are counted, not stored.
MAX_MESSAGES = 200
# I-JSON (RFC 7493 §2.2): integers outside ±2^53 are not interoperable.
MAX_SAFE_INTEGER = 2**53 - 1
# A report's session totals are stored in signed 64-bit columns (BIGINT); each count is at
# most MAX_SAFE_INTEGER, but 10,000 policies of them add up past this.
MAX_TOTAL_SESSIONS = 2**63 - 1
# organization-name (case-folded) and report-id identify a report and share one B-tree index
# entry, which PostgreSQL caps at about 2,700 bytes.
MAX_REPORT_KEY_BYTES = 2000
# The streaming reader hands single values (a header member, one policy entry without its
# failure details, one failure detail) to the C decoder; none is legitimately this long.
MAX_VALUE_CHARS = 4 * 1024 * 1024
# Levels of nested arrays and objects (RFC 8259 §9 lets a reader limit them). A report nests 5
# or 6; without a limit of our own the line would be wherever the C decoder ran out of the
# interpreter's stack, which depends on the caller's depth and differs between the whole and
# the streamed reader (each decodes from another level), so they disagreed near it.
MAX_DEPTH = 64

# The C decoder's "Extra data", in words a person reading the reason understands.
_EXTRA_DATA = "unexpected data after the report object"
_LONG_NUMBER = "report holds a number of more than 4,300 digits (I-JSON, RFC 7493 §2.2)"
_TOO_DEEP = "report JSON is nested too deeply"
_MISSING: Any = object()
_LAST_SECOND = time(23, 59, 59)
GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
UTF8_BOM = b"\xef\xbb\xbf"
_CHUNK = 64 * 1024

POLICY_TYPES = frozenset({"sts", "tlsa", "no-policy-found"})
# RFC 8460 §4.3; the list "is expected to grow", so unknown values are kept.
RESULT_TYPES = frozenset(
    {
        "starttls-not-supported",
        "certificate-host-mismatch",
        "certificate-expired",
        "certificate-not-trusted",
        "validation-failure",
        "tlsa-invalid",
        "dnssec-invalid",
        "dane-required",
        "sts-policy-fetch-error",
        "sts-policy-invalid",
        "sts-webpki-invalid",
    }
)

# RFC 3339 §5.6 date-time; the "T" and the zone are mandatory (M11). re.ASCII: its DIGIT is
# 0-9 (RFC 5234 App. B.1), where a str pattern's \d would also take "٢" or "２".
_DATETIME_RE = re.compile(
    r"\A(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?"
    r"([Zz]|[+-](?:[01]\d|2[0-3]):[0-5]\d)\Z",
    re.ASCII,
)
_ADDR_SPEC_RE = re.compile(r"\A[^@\s<>()\[\],;:\"]+@([A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.?)\Z")
# The same with a domain of any characters, for an address whose domain is in U-labels
# (RFC 6532 lets an address carry UTF-8); contact_domain reads it as its A-labels.
# RFC 5322 name-addr: a display name (or none) and the address in angle brackets.
_NAME_ADDR_RE = re.compile(r"\A[^<>]*<([^<>]+)>\s*\Z")
_ADDR_SPEC_UTF8_RE = re.compile(r"\A[^@\s<>()\[\],;:\"]+@([^@\s<>()\[\],;:\"]+)\Z")
# Every label, the last too, is 1-63 characters and neither begins nor ends with a hyphen
# (RFC 1035 §2.3.1, RFC 1123 §2.1); "_" is kept for the service labels some MTAs report.
_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
_HOSTNAME_RE = re.compile(rf"\A(\*\.)?(?:{_LABEL}\.)*{_LABEL}\.?\Z")
_DIGITS_RE = re.compile(r"\A[0-9]{1,16}\Z")
# C0 and C1 control characters and DEL (Unicode category Cc).
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# A TLSA record name, _<port>._tcp.<base domain> (RFC 6698 §3; RFC 7672 §2.2.3).
_TLSA_OWNER_RE = re.compile(r"\A_[0-9]{1,5}\._tcp\.(.+)\Z")


# RFC 8460 §4.4 ABNF: IPv4 as dotted quad; checked by one C regex before ipaddress (IPv6).
# re.ASCII: an ABNF DIGIT is 0-9 only; "٩.0.2.1" is no address.
_IPV4_RE = re.compile(
    r"\A(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\Z",
    re.ASCII,
)

# The first 12 bytes of the IPv6 prefixes whose last 32 bits are an IPv4 address written
# dotted (RFC 5952 §5: mapped, translated, and the translatable addresses of the NAT64
# well-known prefix 64:ff9b::/96, RFC 6052 §2.1, which a sender behind NAT64 reaches an IPv4
# MX by), and how the text form begins.
_IPV4_IN_IPV6 = {
    bytes(10) + b"\xff\xff": "::ffff:",
    bytes(8) + b"\xff\xff" + bytes(2): "::ffff:0:",
    b"\x00\x64\xff\x9b" + bytes(8): "64:ff9b::",
}


@functools.lru_cache(maxsize=65536)
def _ip_text(value: str) -> str | None:
    """An address in its RFC 5952 text form (so one host is one row when grouped), or None
    when it is not an IP address. Sending MTAs and receiving MXs repeat, hence the cache."""
    if _IPV4_RE.match(value):
        return value
    try:
        address = ipaddress.IPv6Address(value)
    except ValueError:
        return None
    # A zone index ("%eth0") is local to the sender's host: no address of the Internet.
    if address.scope_id is not None:
        return None
    # RFC 5952 §5: IPv4-mapped (::ffff:0:0/96), IPv4-translated (::ffff:0:0:0/96, RFC
    # 2765) and NAT64 (64:ff9b::/96) addresses are written with the IPv4 part dotted; str()
    # writes it in hex.
    head = address.packed[:12]
    if head in _IPV4_IN_IPV6:
        return _IPV4_IN_IPV6[head] + str(ipaddress.IPv4Address(address.packed[12:]))
    return str(address)


def a_labels(name: str) -> str:
    """`name` in lower-case A-labels (IDNA2008, UTS #46 mapping): the form RFC 8460 §4.4 asks
    for, and the one DNS answers, our checks and the domains we store use, so mx1.bücher.example
    is mx1.xn--bcher-kva.example. As it is, lower case, when it is no valid IDN."""
    name = name.rstrip(".")
    if name.isascii():
        return name.lower()
    try:
        return _to_a_labels(name).lower()
    except UnicodeError:
        return name.lower()


@functools.lru_cache(maxsize=4096)
def _a_label_form(name: str) -> str | None:
    """A host name (or an mx "*." pattern) written with U-labels, in A-labels (a_labels);
    None when that is no host name: no valid IDN (still not ASCII), or too long."""
    name = name.rstrip(".")
    pattern = name.startswith("*.")
    converted = ("*." if pattern else "") + a_labels(name[2:] if pattern else name)
    if len(converted) > MAX_HOST_CHARS or not _HOSTNAME_RE.match(converted):
        return None
    return converted


@functools.lru_cache(maxsize=4096)
def _rfc3339(value: str) -> datetime | None | bool:
    """The UTC date-time of an RFC 3339 string; None when not that syntax, False when not a
    real date. Cached: a day's reports from every sender carry the same two values."""
    match = _DATETIME_RE.match(value)
    if not match:
        return None
    text = value
    fraction = match.group(7)
    if fraction and len(fraction) > 7:
        # time-secfrac is "." 1*DIGIT with no bound (RFC 3339 §5.6); datetime holds
        # microseconds, so the digits past them are cut (truncated, as a clock would).
        text = value[: match.start(7) + 7] + value[match.end(7) :]
    text = text.upper().replace("Z", "+00:00")
    # RFC 3339 §5.6 allows a leap second (:60), which datetime cannot hold: read it as the
    # first instant of the next minute.
    leap = match.group(6) == "60"
    if leap:
        text = text[:17] + "59" + text[19:]
    try:
        parsed = datetime.fromisoformat(text).astimezone(UTC)
        if leap:
            parsed = parsed.replace(microsecond=0) + timedelta(seconds=1)
    except (ValueError, OverflowError):  # no such day, or outside years 1–9999 in UTC
        return False
    return parsed


def _local_day(start: str, end: str) -> date | None:
    """The date of the day a date-range covers when it is a whole day at the sender's
    offset(s): from 00:00:00 to 23:59:59 (any fraction, or the leap second :60) of the same
    date, or to 00:00:00 of the next; None for any other range. Both values are RFC 3339
    date-times already read (_rfc3339), so the date is real; the offsets may differ (a day
    across a DST change, 00:00+02:00 to 23:59:59+01:00)."""
    first, last = _DATETIME_RE.match(start), _DATETIME_RE.match(end)
    if first is None or last is None:
        return None

    def midnight(m: re.Match[str]) -> bool:
        return m.group(4, 5, 6) == ("00", "00", "00") and not (m.group(7) or "").strip(".0")

    if not midnight(first):
        return None
    day = date(int(first[1]), int(first[2]), int(first[3]))
    last_date = date(int(last[1]), int(last[2]), int(last[3]))
    if last_date == day and last.group(4, 5) == ("23", "59") and last[6] in ("59", "60"):
        return day
    if last_date == day + timedelta(days=1) and midnight(last):
        return day
    return None


class ReportRejected(Exception):
    """The bytes are not a usable TLS report; `reason` says why, in words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# slots: a report may hold 200,000 of these; without a __dict__ each costs ~100 bytes.
@dataclass(slots=True)
class FailureDetail:
    result_type: str
    sending_mta_ip: str | None
    receiving_mx_hostname: str | None
    receiving_mx_helo: str | None
    receiving_ip: str | None
    failed_session_count: int
    additional_information: str | None
    failure_reason_code: str | None


@dataclass
class PolicyResult:
    policy_type: str
    policy_domain: str
    policy_strings: list[str]
    mx_hosts: list[str]
    successful: int
    failed: int
    failure_details: list[FailureDetail] = field(default_factory=list)
    # policy-domain was left out (Postfix's no-policy-found) and policy_domain is the one the
    # caller gave for it (parse_report's report_domain), not the report's word.
    domain_filled: bool = False


@dataclass
class ParsedReport:
    organization_name: str
    contact_info: str | None
    report_id: str
    start: datetime
    end: datetime
    policies: list[PolicyResult]
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # The TLS-Report-Domain header of the e-mail the report came in (RFC 8460 §5.3), set by
    # the caller; None over HTTPS or when the header was missing or no domain name.
    envelope_domain: str | None = None
    # The date of the sender's day when the range is one (see _local_day); None otherwise.
    local_day: date | None = None
    # Set by the caller: the domain it gave for a policy without policy-domain
    # (report_domain) is the report address's, for want of any the sender named (no
    # TLS-Report-Domain, no RFC 8460 §5.1 file name). Such a policy's domain is nobody's
    # word about what the report is about (reports.models.address_filled).
    filled_from_address: bool = False

    @property
    def about_domain(self) -> str | None:
        """The policy domain the report is about: the policy-domain of its first `sts` or
        `no-policy-found` policy, else the TLS-Report-Domain header; None when neither
        says. Not a `tlsa` policy's: that policy-domain is the TLSA base domain, an MX host
        (RFC 8460 §1.1, §4.3), which may be anyone's (a hosted MX). A policy whose domain is
        the address's, filled in for a policy-domain left out (`filled_from_address`), comes
        last: a report writing sub.example.com in another policy is about that, not about
        the address's domain nobody wrote (task s47a: stored so, its key beside the
        sender's report about example.com said " for example.com" a second time)."""
        named = [
            p
            for p in self.policies
            if p.policy_type in ("sts", "no-policy-found") and p.policy_domain
        ]
        said = [p for p in named if not (self.filled_from_address and p.domain_filled)]
        if said:
            return said[0].policy_domain
        return self.envelope_domain or (named[0].policy_domain if named else None)

    @property
    def day(self) -> date:
        """The UTC day the report covers (RFC 8460 §4.1 expects one UTC day). A sender's
        own day, 00:00 to 23:59:59 or the next 00:00 at its offset, is the UTC day of its
        date: Z-aligned reports get their own day with either end (RPT-03), and one from
        00:00+03:00 to 23:59:59+03:00 is mostly that day, not the day before (where its
        start falls). Any other range counts on the day of its middle."""
        if self.local_day is not None:
            # Not the middle: from +12:00 on, the middle of 00:00 to 23:59:59 falls on the
            # day before (2026-05-31T23:59:59.5Z for 1 June at +12:00), while the same day
            # ending at the next 00:00 had its own; a sender's day is one day either way.
            return self.local_day
        return (self.start + (self.end - self.start) / 2).astimezone(UTC).date()

    @property
    def contact_domain(self) -> str | None:
        """The domain of contact-info when it is an e-mail address (RFC 8460 §5.3 compares
        it with TLS-Report-Submitter); None for anything else."""
        return contact_domain(self.contact_info)

    @property
    def total_successful(self) -> int:
        return sum(p.successful for p in self.policies)

    @property
    def total_failed(self) -> int:
        return sum(p.failed for p in self.policies)


def contact_domain(contact_info: str | None) -> str | None:
    """The domain of a contact-info that is an e-mail address, in lower-case A-labels
    without a trailing dot (as TLS-Report-Submitter is read, to compare the two, RFC 8460
    §5.3); None otherwise. A mailto: URI is read for its address (RFC 6068: the scheme in any
    case, the address percent-encoded, header fields after a "?"), and so is a name-addr."""
    address = contact_info or ""
    if address[:7].lower() == "mailto:":
        address = unquote(address[7:].split("?", 1)[0], errors="replace")
    elif name_addr := _NAME_ADDR_RE.match(address):
        # RFC 5322 name-addr, "TLS Reports <tlsrpt@sender.example>": the address is the one
        # in angle brackets, as any mail reader takes it.
        address = name_addr.group(1)
    match = _ADDR_SPEC_RE.match(address)
    if match:
        return match.group(1).rstrip(".").lower()
    match = _ADDR_SPEC_UTF8_RE.match(address)
    if match and not match.group(1).isascii():
        domain = _a_label_form(match.group(1))
        if domain is not None and not domain.startswith("*."):
            return domain
    return None


# --- Decoding: gzip / zip / JSON, sniffed by magic bytes, with caps --------------------------


_LEADING_BLANKS = re.compile(rb"[ \t\r\n]*")


def label_mismatch(label: str, found: str | None) -> str | None:
    """What a report labelled with one registered type should be labelled, when its bytes are
    not that type (+json on gzip or zip bytes, +gzip on plain JSON or on a zip; RFC 8460
    §5.3, §5.4); None when the label fits or is no report type. One wording for the HTTPS
    door and mailed parts. A zip is no gzip: application/tlsrpt+gzip's registration gives the
    magic number 0x1f 0x8b (blind round s36q: a zip so labelled was read without a word)."""
    if label == "application/tlsrpt+json" and found in ("gzip", "zip"):
        return "a compressed report is application/tlsrpt+gzip"
    if label == "application/tlsrpt+gzip" and found == "json":
        return "an uncompressed report is application/tlsrpt+json"
    if label == "application/tlsrpt+gzip" and found == "zip":
        return (
            "application/tlsrpt+gzip is one report gzipped (its registered magic number is "
            "0x1f 0x8b), not a zip archive"
        )
    return None


def sniff(data: bytes) -> str | None:
    """'gzip', 'zip' or 'json' by the first bytes (RFC 8460 §5.3 names are not trusted)."""
    if data.startswith(GZIP_MAGIC):
        return "gzip"
    if data.startswith(ZIP_MAGIC):
        return "zip"
    # Any run of blanks may come before the object (RFC 8259 §2), as inside gzip, where
    # _json_only skips them all: a window of the first bytes refused a plain report that
    # began with more. Matched in place, so a body of blanks is not copied.
    start = len(UTF8_BOM) if data.startswith(UTF8_BOM) else 0
    blanks = _LEADING_BLANKS.match(data, start)
    first = blanks.end() if blanks else start
    if data[first : first + 1] == b"{":
        return "json"
    return None


# Byte order marks of the encodings RFC 8259 §8.1 rules out for exchanged JSON; UTF-32 first,
# since its little-endian mark begins with UTF-16's.
_OTHER_ENCODING_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)


def what_it_is(data: bytes) -> str:
    """For bytes that are not a report object (sniff found no JSON object): what they look
    like, when that is something a sender can fix, as a clause to add to the reason ("" when
    nothing more is known). A report is one JSON object (RFC 8460 §4) in UTF-8 (RFC 8259
    §8.1); Windows tools write UTF-16 with a byte order mark, and some reporters batch reports
    in an array."""
    for bom, encoding in _OTHER_ENCODING_BOMS:
        if data.startswith(bom):
            return f": it is {encoding} text; JSON must be sent as UTF-8 (RFC 8259 §8.1)"
    # Without a mark, JSON in UTF-16 or UTF-32 has NULs next to its ASCII characters, and
    # what is left without them begins as JSON does.
    head = data[:64]
    text = head.replace(b"\x00", b"")
    if (
        len(text) * 3 < len(head) * 2
        and text.isascii()
        and text.lstrip(b" \t\r\n")[:1] in (b"{", b"[")
    ):
        return ": it looks like UTF-16 or UTF-32 text; JSON must be sent as UTF-8 (RFC 8259 §8.1)"
    start = len(UTF8_BOM) if data.startswith(UTF8_BOM) else 0
    blanks = _LEADING_BLANKS.match(data, start)
    if data[blanks.end() if blanks else start :][:1] == b"[":
        return ": it is a JSON array; a report is one JSON object (RFC 8460 §4), send each alone"
    if _is_zlib(data):
        return (
            ": it is a zlib stream (RFC 1950, as zlib's compress() writes), not gzip; "
            "RFC 8460 §5.2 asks for gzip (RFC 1952)"
        )
    if data[257:262] == b"ustar":
        # POSIX ustar (and GNU tar's 'ustar  ') magic at offset 257 of the first header block.
        return (
            ": it is a tar archive (as tar czf writes); RFC 8460 §5.2 asks for the JSON "
            "report itself, gzipped alone"
        )
    return other_compression(data)


# Other compressors' magic numbers (bzip2's "BZh", a block size digit and its block magic;
# xz's stream header, XZ format §2.1.1.1; zstd's frame magic, RFC 8878 §3.1.1), by the name
# a sender knows them by.
_OTHER_COMPRESSIONS = (
    (re.compile(rb"\ABZh[1-9]1AY&SY"), "bzip2"),
    (re.compile(rb"\A\xfd7zXZ\x00"), "xz"),
    (re.compile(rb"\A\x28\xb5\x2f\xfd"), "zstd (Zstandard)"),
)
# The base64 text of gzip (1f 8b 08 encodes as "H4sI") or of a zip ("PK\x03\x04": "UEsDB").
_BASE64_OF = ((b"H4sI", "gzip"), (b"UEsDB", "zip"))


def other_compression(data: bytes) -> str:
    """For bytes that are no gzip, zip or JSON: a clause naming another compressor's output
    or the base64 text of a gzip or zip, which senders (or a script between them and us)
    send now and then; "" for anything else. RFC 8460 §5.2 asks for gzip (RFC 1952), and
    over HTTPS (§5.4) and in a MIME part once its transfer encoding is undone (§5.3) for the
    gzip's own bytes."""
    for magic, name in _OTHER_COMPRESSIONS:
        if magic.match(data):
            return (
                f": it is {name}-compressed; RFC 8460 §5.2 asks for gzip (RFC 1952), "
                "or the JSON uncompressed"
            )
    text = data.lstrip(b" \t\r\n")
    for start, name in _BASE64_OF:
        if text.startswith(start):
            head = re.sub(rb"[\r\n]", b"", text[:96])
            head = head[: len(head) // 4 * 4]
            try:
                decoded = base64.b64decode(head, validate=True)
            except ValueError:
                continue
            if sniff(decoded) == name:
                return (
                    f": it is the base64 text of a {name} (encoded once more than it should "
                    f"be); send the {name}'s own bytes (RFC 8460 §5.2, §5.4)"
                )
    return ""


def _is_zlib(data: bytes) -> bool:
    """A zlib stream's header (RFC 1950 §2.2): deflate with a window of at most 32K, no
    preset dictionary, and a check value making CMF·256 + FLG a multiple of 31; and what
    follows inflates."""
    if len(data) < 3 or data[0] & 0x0F != 8 or data[0] >> 4 > 7 or data[1] & 0x20:
        return False
    if (data[0] << 8 | data[1]) % 31:
        return False
    try:
        zlib.decompressobj().decompress(data[:4096], 16)
    except zlib.error:
        return False
    return True


def _gunzip_chunks(data: bytes, max_bytes: int) -> Iterator[bytes]:
    """Inflate a (possibly multi-member) gzip stream chunk by chunk, never past max_bytes.

    zlib is fed the input in chunks and asked for at most the remaining budget each time, so a
    bomb stops at the cap instead of at the end of the bomb (RFC 8460 §5.2, checklist RPT-15),
    and the caller sees each piece as it comes (streaming parse, issue 7).
    """
    total = 0
    pos = 0
    members = 0
    view = memoryview(data)
    while True:
        members += 1
        if members > MAX_ARCHIVE_MEMBERS:
            raise ReportRejected(f"gzip stream has more than {MAX_ARCHIVE_MEMBERS} members")
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            while not inflater.eof:
                if inflater.unconsumed_tail:
                    chunk = inflater.unconsumed_tail
                elif pos < len(data):
                    chunk = view[pos : pos + _CHUNK]
                    pos += len(chunk)
                else:
                    raise ReportRejected("gzip stream is truncated (no end of member)")
                budget = max_bytes - total
                # At most a chunk's worth out per call keeps each piece (and memory) small.
                out = inflater.decompress(chunk, min(budget + 1, 4 * _CHUNK))
                total += len(out)
                if total > max_bytes:
                    raise ReportRejected(
                        f"report is larger than {max_bytes} bytes once decompressed"
                    )
                if out:
                    yield out
        except zlib.error as e:
            raise ReportRejected(f"gzip data is corrupt ({e})") from None
        # What zlib did not need belongs to the next member (or is trailing garbage).
        rest = inflater.unused_data
        pos -= len(rest)
        if pos >= len(data):
            return
        tail = view[pos:]
        if bytes(tail[:2]) != GZIP_MAGIC:
            if not bytes(tail).strip(b"\x00 \t\r\n"):
                return  # padding after the last member: zeros (tape tools) or a newline
            # The members before were whole and passed their CRC: say what follows them,
            # so a sender (or the gateway that appended a footer to the attachment) can
            # tell it from a broken file.
            raise ReportRejected(
                f"unexpected bytes after the end of the gzip stream ({len(tail)} bytes that "
                f"start no gzip member, first bytes {bytes(tail[:8])!r}; the gzip before "
                "them is whole: something was appended to the file)"
            )


def _gunzip(data: bytes, max_bytes: int) -> bytes:
    return b"".join(_gunzip_chunks(data, max_bytes))


# How much of a zip file is read to tell a report from a README or a .DS_Store.
_MEMBER_PEEK_BYTES = 4096


def _zip_files(data: bytes) -> tuple[zipfile.ZipFile, list[zipfile.ZipInfo]]:
    """The archive and its files (directory entries are no files, APPNOTE 4.3.8)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in archive.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError) as e:
        raise ReportRejected(f"zip archive is corrupt ({e})") from None
    if not infos:
        raise ReportRejected("zip archive holds no file")
    if len(infos) > MAX_ZIP_FILES:
        raise ReportRejected(too_many_zip_files(len(infos)))
    return archive, infos


def too_many_zip_files(files: int) -> str:
    """Why a zip archive of `files` files is not read (over MAX_ZIP_FILES)."""
    return (
        f"zip archive holds {files} files; at most {MAX_ZIP_FILES} are read from one "
        "(send the reports in separate requests or messages)"
    )


def zip_file_count(data: bytes) -> int | None:
    """How many files (not directory entries) a zip archive holds; None for anything that is
    no zip, or a zip too corrupt to list. Reads the central directory only."""
    if sniff(data) != "zip":
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return sum(1 for i in archive.infolist() if not i.is_dir())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
        return None


def _not_a_report(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> str | None:
    """Why a file of a zip archive is no report ("" never), by its first bytes; None when it
    is one, or may be: JSON, a gzip whose content begins as a JSON object does, and anything
    that cannot be read (encrypted, unknown method, corrupt): that is the parse's to refuse
    with its reason, never dropped unseen."""
    if info.flag_bits & 0x1:
        return None
    try:
        with archive.open(info) as member:
            head = member.read(_MEMBER_PEEK_BYTES)
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, OSError, EOFError):
        return None
    kind = sniff(head)
    if kind == "json":
        return None
    if kind == "gzip":
        try:
            inner = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS).decompress(head, 256)
        except zlib.error:
            return None
        inner = inner.removeprefix(UTF8_BOM).lstrip(b" \t\r\n")
        if not inner or inner.startswith(b"{"):
            return None
        return "a gzip of no JSON object"
    if not head:
        return "empty"
    if len(head) < _MEMBER_PEEK_BYTES and not head.strip(b" \t\r\n"):
        return "blank"
    return "not JSON, nor gzip" + what_it_is(head)


def zip_reports(data: bytes) -> list[int]:
    """The places (among its files) of the files of a zip archive that are reports. RFC
    8460 §6.3 lets an archive hold several files; each report in it counts, as each report
    attached to an e-mail does. [] when `data` is no zip, or one the parse refuses whole
    (corrupt, no file, more than MAX_ZIP_FILES files): it is then one report, refused
    with its reason (the intake refuses the last at once: too_many_zip_files)."""
    if sniff(data) != "zip":
        return []
    try:
        archive, infos = _zip_files(data)
    except ReportRejected:
        return []
    return [n for n, info in enumerate(infos) if _not_a_report(archive, info) is None]


def report_members(data: bytes) -> list[int | None]:
    """The reports in one body or attachment, as the `member` of each for parse_report: the
    place of each report file of a zip archive holding several, else [None] (the body is
    one report, or none, which its parse says)."""
    places = zip_reports(data)
    return list(places) if len(places) > 1 else [None]


# RFC 1952 §2.3.1: FLG bits, and how much of a header is looked at for its file name.
_FEXTRA, _FNAME = 0x04, 0x08
_MAX_FNAME_BYTES = 1024
_GZIP_HEADER_PEEK = 12 + 0xFFFF + _MAX_FNAME_BYTES


def gzip_file_name(data: bytes) -> str | None:
    """The original file name a gzip member's header stores (FNAME, RFC 1952 §2.3.1: the
    name of the file compressed, zero-terminated, ISO 8859-1; GNU gzip writes the bytes it
    was given, so UTF-8 is tried first), or None without one. A body gzipped twice (a
    Content-Encoding: gzip over the report's own gzip, decode_chunks) has the inner
    layer's read when the outer one names nothing: an HTTP client's layer names no file."""
    name = _fname(data)
    if name is None and data.startswith(GZIP_MAGIC):
        try:
            inner = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS).decompress(
                data, _GZIP_HEADER_PEEK
            )
        except zlib.error:
            return None
        name = _fname(inner)
    return name


def _fname(data: bytes) -> str | None:
    if len(data) < 10 or not data.startswith(GZIP_MAGIC) or data[2] != 8:
        return None
    flags, pos = data[3], 10
    if not flags & _FNAME:
        return None
    if flags & _FEXTRA:
        if len(data) < 12:
            return None
        pos = 12 + int.from_bytes(data[10:12], "little")
    end = data.find(b"\0", pos, pos + _MAX_FNAME_BYTES + 1)
    if end < 0:
        return None
    raw = data[pos:end]
    try:
        return raw.decode("utf-8") or None
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def report_file_name(data: bytes, member: int | None) -> str | None:
    """The name the body gives the report parse_report reads for `member`: in a zip
    archive, the name of that report file (the file at that place, else the first report
    file, as _unzip reads); in a gzip body, its header's FNAME (gzip_file_name, task s48g:
    before, a gzip's own name was read on no door). None when `data` names none."""
    if sniff(data) == "gzip":
        return gzip_file_name(data)
    places = zip_reports(data)
    if not places:
        return None
    infos = _zip_files(data)[1]
    place = places[0] if member is None else member
    return infos[place].filename if 0 <= place < len(infos) else None


def _unzip(data: bytes, max_bytes: int, member: int | None = None) -> tuple[bytes, list[str]]:
    """The report in a zip archive: the file at place `member` (see report_members), or
    without one the first report file. Each file that is no report is named in a warning."""
    archive, infos = _zip_files(data)
    warnings: list[str] = []
    reports: list[zipfile.ZipInfo] = []
    for info in infos:
        why = _not_a_report(archive, info)
        if why is None:
            reports.append(info)
        else:
            warnings.append(
                f"zip archive holds {len(infos)} files; {info.filename[:200]!r} is no "
                f"report ({why}), not read"
            )
    if member is not None:
        if not 0 <= member < len(infos) or infos[member] not in reports:
            raise ReportRejected(f"zip archive has no report file at place {member + 1}")
        reports = [infos[member]]
    elif len(reports) > 1:
        # Intake stores one raw report per report file (report_members); this is a body read
        # whole without that, such as a file imported by ingest_files.
        warnings.append(
            f"zip archive holds {len(reports)} reports; only the first, "
            f"{reports[0].filename[:200]!r}, was read"
        )
    if not reports:
        why = "; ".join(w.split("; ", 1)[1] for w in warnings)
        raise ReportRejected(f"zip archive holds no JSON report ({why[:1000]})")
    info = reports[0]
    if info.flag_bits & 0x1:
        raise ReportRejected("zip archive member is encrypted")
    # The declared size may lie: read with our own cap, never trusting file_size.
    try:
        with archive.open(info) as opened:
            body = opened.read(max_bytes + 1)
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, OSError, EOFError) as e:
        raise ReportRejected(f"zip archive member {info.filename!r} is unreadable ({e})") from None
    if len(body) > max_bytes:
        raise ReportRejected(f"report is larger than {max_bytes} bytes once decompressed")
    kind = sniff(body)
    if kind == "gzip":
        return _gunzip(body, max_bytes), warnings
    if kind == "json":
        return body, warnings
    raise ReportRejected("zip archive holds no JSON report")


def decode_chunks(
    data: bytes, max_bytes: int = DEFAULT_MAX_DECOMPRESSED, member: int | None = None
) -> tuple[Iterator[bytes], list[str]]:
    """The JSON bytes inside `data` (gzip, zip or JSON) as an iterator of pieces, and any
    warnings about the envelope. Caps are enforced while iterating. `member`: the report
    file of a zip archive to read (report_members); only a zip has one."""
    if not data:
        raise ReportRejected("report is empty")
    kind = sniff(data)
    if kind == "gzip":
        chunks = _gunzip_chunks(data, max_bytes)
        first = next(chunks, b"")
        if first.startswith(GZIP_MAGIC):
            # A +gzip body sent with Content-Encoding: gzip as well; the outer layer is
            # already capped, the inner one is capped again.
            inner = first + b"".join(chunks)
            inner_chunks = _gunzip_chunks(inner, max_bytes)
            second = next(inner_chunks, b"")
            if second.startswith(GZIP_MAGIC):
                # No sender's software writes a third layer: refused, saying what it is.
                raise ReportRejected(
                    "report is gzip inside gzip inside gzip (compressed three times or "
                    "more); RFC 8460 §5.2 asks for the JSON report gzipped once (a "
                    "Content-Encoding: gzip on top is read too)"
                )
            return _json_only(_chain([second], inner_chunks)), [
                "report is gzip inside gzip (compressed twice); read"
            ]
        return _json_only(_chain([first], chunks)), []
    if kind == "zip":
        body, warnings = _unzip(data, max_bytes, member)
        return iter([body]), warnings
    if kind == "json":
        if len(data) > max_bytes:
            raise ReportRejected(f"report is larger than {max_bytes} bytes")
        view = memoryview(data)
        return (bytes(view[i : i + 4 * _CHUNK]) for i in range(0, len(data), 4 * _CHUNK)), []
    raise ReportRejected(
        f"report is not a JSON object, gzip or zip (first bytes: {data[:8]!r}){what_it_is(data)}"
    )


def _json_only(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Pass the pieces through, refusing content whose first non-blank byte is not `{` (a gzip
    of something else: say so plainly instead of a JSON syntax error). Leading blanks are
    dropped as they come, so a bomb of whitespace still ends at the size cap."""
    head = b""
    for chunk in chunks:
        head += chunk
        if len(head) < len(UTF8_BOM):
            continue
        bom = UTF8_BOM if head.startswith(UTF8_BOM) else b""
        rest = head[len(bom) :].lstrip(b" \t\r\n")
        if rest:
            if not rest.startswith(b"{"):
                raise ReportRejected(f"gzip content is not a JSON object{what_it_is(head)}")
            yield bom + rest
            yield from chunks
            return
        head = bom
    if head.lstrip(b" \t\r\n").startswith(b"{"):
        yield head
        return
    if not head.lstrip(b" \t\r\n"):
        # A valid gzip of nothing (or of blanks): say that, not "not a JSON object".
        raise ReportRejected("gzip content is empty: there is no report in it")
    raise ReportRejected("gzip content is not a JSON object")


def decode(
    data: bytes, max_bytes: int = DEFAULT_MAX_DECOMPRESSED, member: int | None = None
) -> tuple[bytes, list[str]]:
    """The JSON bytes inside `data` (gzip, zip or JSON) and any warnings about the envelope;
    `member` as for decode_chunks."""
    chunks, warnings = decode_chunks(data, max_bytes, member)
    return b"".join(chunks), warnings


# --- Strict JSON (RFC 8259 + I-JSON, RFC 7493) ------------------------------------------------


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)  # C speed for the common case; only a shorter dict means duplicates
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                # RFC 7493 §2.3: duplicate names make the meaning depend on the reader (M07).
                raise ReportRejected(f"duplicate member name {key[:80]!r}")
            seen.add(key)
    return obj


def _no_constants(name: str) -> Any:
    raise ReportRejected(f"{name} is not valid JSON (RFC 8259 §6)")


def _brackets(text: str | bytes, start: int = 0, end: int | None = None) -> int:
    """How many arrays and objects a JSON text could open at most (brackets in strings
    count too): when that is within the limit, the nesting need not be measured."""
    if isinstance(text, str):
        return text.count("{", start, end) + text.count("[", start, end)
    return text.count(b"{", start, end) + text.count(b"[", start, end)


# Every byte but brackets and quotes, deleted by bytes.translate.
_NOT_BRACKET_OR_QUOTE = bytes(b for b in range(256) if b not in b'{}[]"')
# Objects' braces as arrays' brackets: in valid JSON each closes what it opened, and only
# how deep they nest is measured.
_BRACES_AS_BRACKETS = bytes.maketrans(b"{}", b"[]")


def _nests_deeper(text: str | bytes, levels: int, start: int = 0, end: int | None = None) -> bool:
    """Whether the JSON value text[start:end], decoded already (so valid JSON), nests more
    than `levels` arrays and objects.

    Measured on the text with C-speed operations, not by walking the decoded value in Python
    (1,000 failure details are 1,000 objects to walk): the escaped backslashes and quotes
    go, then everything but brackets and quotes, then the strings — each an empty pair of
    quotes by then, unless it holds a bracket — and what is left are the
    brackets of the arrays and objects, which nest as the decoded value does. Empty pairs
    are removed from them a level per pass: nothing left after `levels` passes means no
    deeper nesting. A report's few levels take a few passes over a short string, and the
    passes stop once fewer brackets are left than levels still allowed."""
    if _brackets(text, start, end) <= levels:
        return False
    data = text[start:end]
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    if b"\\" in data:
        # An escaped backslash first: in \\" the quote ends the string.
        data = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    kept = data.translate(None, _NOT_BRACKET_OR_QUOTE)
    # Left to right, "" is each string without brackets; a quote left means the first
    # string holding a bracket, and then the parts between quotes are cut out one by one.
    brackets = kept.replace(b'""', b"")
    if b'"' in brackets:
        brackets = b"".join(kept.split(b'"')[::2])
    brackets = brackets.translate(_BRACES_AS_BRACKETS)
    for passes in range(levels):
        if len(brackets) // 2 <= levels - passes:
            return False  # too few arrays and objects left to nest deeper than allowed
        # Each [] left to right is an innermost one (they never overlap); what they enclosed
        # becomes innermost only in the next pass.
        brackets = brackets.replace(b"[]", b"")
    return bool(brackets)


class JsonFraction(float):
    """A JSON number written with a fraction or an exponent (RFC 8259 §6): the float it
    decodes to, keeping the text the sender wrote, so a warning quotes that and not the
    float (120.00000000000000001 is no "120.0"; 1e3 no "1000.0")."""

    __slots__ = ("text",)

    def __new__(cls, text: str) -> JsonFraction:
        number = super().__new__(cls, text)
        number.text = str(text)
        return number


_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder(
    object_pairs_hook=_no_duplicates, parse_constant=_no_constants, parse_float=JsonFraction
)
# A \u escape of a UTF-16 surrogate (D800-DFFF): an escaped pair is one character, an unpaired
# one decodes to a lone surrogate. (An escaped backslash before "ud800" matches too; the
# decoded value tells.)
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE_IGNORED = (
    "report holds a lone surrogate (an unpaired \\ud800-\\udfff escape) in a member it does "
    "not read, which I-JSON forbids (RFC 7493 §2.1); that member is ignored"
)


def _has_lone_surrogate(value: Any) -> bool:
    """Whether a decoded JSON value holds a lone surrogate, in a member name or a string."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


# The members RFC 8460 §4.4 defines, per object (with mx-host-pattern, a name parsedmarc
# reads, checklist RPT-07): what a report reads. Any other member is an extension the report
# keeps only in its raw bytes.
_REPORT_MEMBERS = frozenset(
    {"organization-name", "date-range", "contact-info", "report-id", "policies"}
)
_DATE_RANGE_MEMBERS = frozenset({"start-datetime", "end-datetime"})
_ENTRY_MEMBERS = frozenset({"policy", "summary", "failure-details"})
_POLICY_MEMBERS = frozenset(
    {"policy-type", "policy-string", "policy-domain", "mx-host", "mx-host-pattern"}
)
_SUMMARY_MEMBERS = frozenset({"total-successful-session-count", "total-failure-session-count"})
_DETAIL_MEMBERS = frozenset(
    {
        "result-type",
        "sending-mta-ip",
        "receiving-mx-hostname",
        "receiving-mx-helo",
        "receiving-ip",
        "failed-session-count",
        "additional-information",
        "failure-reason-code",
    }
)


def _unsafe_integer(value: Any, path: str = "") -> str | None:
    """Where `value` holds an integer past I-JSON's ±(2^53 - 1) (RFC 7493 §2.2): the path
    to it below `value` ('' for the value itself, '.bytes', '[2]'), or None. The decoder
    bounds the nesting (MAX_DEPTH), so the recursion is bounded too."""
    if value.__class__ is int:
        return path if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER else None
    if isinstance(value, dict):
        for name, item in value.items():
            found = _unsafe_integer(item, f"{path}.{name}")
            if found is not None:
                return found
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found = _unsafe_integer(item, f"{path}[{i}]")
            if found is not None:
                return found
    return None


def _extension_integers(
    ck: _Checker, obj: dict[str, Any], known: frozenset[str], where: str
) -> None:
    """Warn of an integer past 2^53 in a member of `obj` RFC 8460 does not define. The known
    members' numbers are counts, checked (and warned about or refused) where they are read;
    an extension's went unsaid before s25, though I-JSON forbids them all alike (checklist
    RPT-01: warn on I-JSON violations that still parse). Nothing is kept of the member, so
    the report stands."""
    if known.issuperset(obj):
        return  # the common case: a dict of known members only, decided without a walk
    for name, value in obj.items():
        if name in known:
            continue
        path = _unsafe_integer(value)
        if path is not None:
            ck.warn(
                f"{where}{name}{path} holds an integer past I-JSON's ±(2^53 - 1) (RFC 7493 "
                "§2.2), which not every reader holds exactly; a member RFC 8460 does not "
                "define, so it is ignored"
            )


class _JsonStream:
    """Strict JSON (RFC 8259 + I-JSON) read from an iterator of byte pieces, a value at a time.

    The structure of the containers we walk (`members`, `elements`) is read here; each value
    inside is decoded by the stdlib's C `raw_decode` on the text window, which is refilled
    from the pieces as needed and drops what has been read, so memory stays bounded by the
    largest single value (MAX_VALUE_CHARS), not by the report.
    """

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._utf8 = codecs.getincrementaldecoder("utf-8")("strict")
        self._buf = ""
        self._pos = 0
        self._base = 0  # characters read before _buf[0], for error positions
        self._bytes = 0
        self._eof = False
        self.warnings: list[str] = []
        self._first = True
        # The first bytes, for what_it_is when the text is no JSON (UTF-16 without a mark).
        self._head = b""
        # Arrays and objects walked here and open around the next value; a value that takes
        # the report past MAX_DEPTH is noted, and the report rejected once the JSON was read
        # whole, as the whole-document reader does (its JSON errors come first).
        self._depth = 0
        self.too_deep = False
        # A lone surrogate was seen (told once, in warnings): the strings we keep refuse one
        # (_Checker.text); in a member we do not read it is an I-JSON fault worth a warning.
        self.lone_surrogate = False

    # --- reading text ---------------------------------------------------------------------

    def _fill(self) -> bool:
        """Append the next piece to the window; False at the end of the input."""
        if self._eof:
            return False
        chunk = next(self._chunks, None)
        # Bytes of a sequence the last piece ended inside: an error is counted from them.
        pending = len(self._utf8.getstate()[0])
        try:
            if chunk is None:
                self._eof = True
                text = self._utf8.decode(b"", final=True)
            else:
                if self._first:
                    self._first = False
                    self._head = chunk[:64]
                    if chunk.startswith(UTF8_BOM):
                        chunk = chunk[len(UTF8_BOM) :]
                        self.warnings.append(
                            "report starts with a UTF-8 byte order mark (RFC 8259 §8.1 says "
                            "MUST NOT)"
                        )
                text = self._utf8.decode(chunk)
        except UnicodeDecodeError as e:
            raise ReportRejected(
                f"report is not valid UTF-8 at byte {self._bytes - pending + max(e.start, 0)} "
                "(I-JSON, RFC 7493 §2.1)"
            ) from None
        if chunk is not None:
            self._bytes += len(chunk)
        if self._pos:
            self._base += self._pos
            self._buf = self._buf[self._pos :] + text
            self._pos = 0
        else:
            self._buf += text
        return True

    def _available(self) -> int:
        return len(self._buf) - self._pos

    def _ensure(self, n: int) -> None:
        while self._available() < n and self._fill():
            pass

    def peek(self) -> str:
        """The next non-whitespace character ('' at the end), not consumed."""
        while True:
            m = _WS.match(self._buf, self._pos)
            self._pos = m.end() if m else self._pos
            if self._pos < len(self._buf):
                return self._buf[self._pos]
            if not self._fill():
                return ""

    def _syntax(self, what: str, offset: int | None = None) -> ReportRejected:
        at = self._base + (self._pos if offset is None else offset)
        return ReportRejected(
            f"report is not valid JSON: {what} at character {at}{what_it_is(self._head)}"
        )

    def expect(self, char: str) -> None:
        if self.peek() != char:
            # Worded as the C decoder words it (here and below), so both readers give the
            # same reason for the same mistake.
            raise self._syntax(f"Expecting {char!r} delimiter")
        self._pos += 1

    def value(self) -> Any:
        """One whole JSON value, decoded strictly by the C decoder."""
        if not self.peek():
            raise self._syntax("Expecting value")
        self._ensure(_CHUNK)
        while True:
            try:
                obj, end = _DECODER.raw_decode(self._buf, self._pos)
            except json.JSONDecodeError as e:
                # Perhaps only the window ends mid-value: read more and try again, growing
                # geometrically so a long value costs O(n), up to the per-value cap.
                if not self._eof and self._available() < MAX_VALUE_CHARS:
                    self._ensure(min(MAX_VALUE_CHARS, 2 * self._available() + _CHUNK))
                    continue
                if not self._eof:
                    raise ReportRejected(
                        f"a JSON value at character {self._base + self._pos} is longer than "
                        f"{MAX_VALUE_CHARS} characters or malformed"
                    ) from None
                raise self._syntax(e.msg, e.pos) from None
            except RecursionError:
                raise ReportRejected(_TOO_DEEP) from None
            except ValueError:  # Python's cap on integer digits (int_max_str_digits)
                raise ReportRejected(_LONG_NUMBER) from None
            if end == len(self._buf) and not self._eof and self._fill():
                continue  # a number at the window's end may go on in the next piece
            room = MAX_DEPTH - self._depth
            if _nests_deeper(self._buf, room, self._pos, end):
                self.too_deep = True
            if (
                not self.lone_surrogate
                and _SURROGATE_ESCAPE.search(self._buf, self._pos, end)
                and _has_lone_surrogate(obj)
            ):
                self.lone_surrogate = True
                self.warnings.append(_LONE_SURROGATE_IGNORED)
            self._pos = end
            return obj

    # --- walking containers ----------------------------------------------------------------

    def members(self) -> Iterator[str]:
        """The names of the object that comes next; the caller reads each member's value."""
        self.expect("{")
        if self.peek() == "}":
            self._pos += 1
            return
        self._depth += 1
        seen: set[str] = set()
        while True:
            if self.peek() != '"':
                raise self._syntax("Expecting property name enclosed in double quotes")
            name = self.value()
            if name in seen:
                # RFC 7493 §2.3: duplicate names make the meaning depend on the reader (M07).
                raise ReportRejected(f"duplicate member name {name[:80]!r}")
            seen.add(name)
            self.expect(":")
            yield name
            char = self.peek()
            if char == ",":
                self._pos += 1
            elif char == "}":
                self._pos += 1
                self._depth -= 1
                return
            else:
                raise self._syntax("Expecting ',' delimiter")

    def elements(self) -> Iterator[int]:
        """Indexes of the array that comes next; the caller reads each element."""
        self.expect("[")
        if self.peek() == "]":
            self._pos += 1
            return
        self._depth += 1
        i = 0
        while True:
            yield i
            i += 1
            char = self.peek()
            if char == ",":
                self._pos += 1
            elif char == "]":
                self._pos += 1
                self._depth -= 1
                return
            else:
                raise self._syntax("Expecting ',' delimiter")

    def end(self) -> None:
        if self.peek():
            raise self._syntax(_EXTRA_DATA)


# --- Validation (RFC 8460 §4.4) -----------------------------------------------------------


class _Checker:
    """Collects warnings and notes while validating one report."""

    def __init__(self, *, plain: bool = False, share: bool = True) -> None:
        # plain: the JSON text holds no \u escape, so no decoded string can hold a NUL or a
        # lone surrogate (the decoder already refused raw control characters and bad UTF-8)
        # and text() only has the length cap left to check.
        self.plain = plain
        # share: one string object per distinct value, for streamed reports that may be
        # large; a small document is in memory whole anyway.
        self.share = share
        self.warnings: list[str] = []
        self.notes: list[str] = []
        self._seen: set[str] = set()
        self._noted: set[str] = set()
        self.suppressed = 0
        self.notes_suppressed = 0
        self._shared: dict[str, str] = {}
        # Values already found valid (IPs, host names): 200,000 failure details repeat them,
        # and ipaddress/regex checks dominate the parse time otherwise.
        self.valid_ips: dict[str, str] = {}
        self.valid_hosts: dict[str, str] = {}

    def shared(self, value: str | None) -> str | None:
        """One string object per distinct value: 200,000 failure details repeat a few MX
        names, IPs and result types, and each decoded copy would otherwise stay alive."""
        if value is None or not self.share:
            return value
        return self._shared.setdefault(value, value)

    def warn(self, text: str) -> None:
        # A set for the de-duplication and a cap on the list: a report with 200,000 broken
        # details must not cost 200,000 stored warnings (or a quadratic search).
        if text in self._seen:
            return
        if len(self.warnings) >= MAX_MESSAGES:
            self.suppressed += 1
            return
        self._seen.add(text)
        self.warnings.append(text)

    def note(self, text: str) -> None:
        # A set too: since s36r every unknown result-type is a note, and 200,000 failure
        # details of as many invented types must not cost a search of the list each.
        # Past the cap they are counted, as warnings are ("… and N more", s36n: they were
        # dropped without a word).
        if text in self._noted:
            return
        if len(self.notes) >= MAX_MESSAGES:
            self.notes_suppressed += 1
            return
        self._noted.add(text)
        self.notes.append(text)

    # Strings: every one we keep is capped and must be storable (no lone surrogates).
    def text(self, value: str, where: str, limit: int) -> str:
        if len(value) > limit:
            raise ReportRejected(f"{where} is longer than {limit} characters")
        if self.plain:
            return value
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ReportRejected(f"{where} contains a lone surrogate (RFC 7493 §2.1)") from None
        if "\x00" in value:
            raise ReportRejected(f"{where} contains a NUL character")
        return value

    def optional_text(self, obj: dict[str, Any], key: str, where: str, limit: int) -> str | None:
        value = obj.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            self.warn(f"{where}: {_found(key, value)}; ignored")
            return None
        if not self.plain and "\x00" in value:
            # Valid JSON and I-JSON, but PostgreSQL text cannot hold U+0000; the value goes,
            # not the report (RPT-09). The raw report keeps it.
            self.warn(f"{where}: {key} contains a NUL character; ignored")
            return None
        if len(value) > limit:
            # Optional fields never cost the report (RPT-09): the value goes, with a word.
            self.warn(f"{where}: {key} is longer than {limit} characters; ignored")
            return None
        value = self.text(value, f"{where}: {key}", limit)
        return value or None

    def cut_text(self, obj: dict[str, Any], key: str, where: str, limit: int) -> str | None:
        """An optional free text of which the start says the most (an OpenSSL error, then
        its context): over `limit`, its first `limit` characters are kept, with a warning
        saying it was cut. Dropping it whole (as a host name or a URI must be: a cut one is
        another name, a broken link) would keep nothing of what the sender saw."""
        value = obj.get(key)
        if isinstance(value, str) and len(value) > limit and "\x00" not in value[:limit]:
            self.warn(
                f"{where}: {key} is longer than {limit} characters; ignored past its first "
                f"{limit} (cut; the raw report holds it whole)"
            )
            value = self.text(value[:limit], f"{where}: {key}", limit)
            return value or None
        return self.optional_text(obj, key, where, limit)

    def datetime(self, value: Any, where: str) -> datetime:
        if not isinstance(value, str):
            raise ReportRejected(
                f"{where} must be an RFC 3339 date-time string, got {_kind(value)}"
            )
        # Real reporters write at most ~35 characters; longer ones (a fraction of many digits,
        # still RFC 3339) are read without filling the cache.
        parsed = _rfc3339(value) if len(value) <= 64 else _rfc3339.__wrapped__(value)
        if parsed is None:
            raise ReportRejected(
                f"{where} {value[:40]!r} is not an RFC 3339 date-time (YYYY-MM-DDTHH:MM:SSZ)"
            )
        if parsed is False:
            raise ReportRejected(f"{where} {value[:40]!r} is not a real date and time")
        return parsed

    def count(self, value: Any, where: str) -> int | None:
        """A session count: a JSON integer ≥ 0 (RFC 8460 §4.4). None when unusable."""
        if isinstance(value, bool):
            self.warn(f"{where} is a boolean, not a count; entry dropped")
            return None
        if isinstance(value, int):
            if value < 0:
                self.warn(f"{where} is negative ({value}); entry dropped")
                return None
            if value > MAX_SAFE_INTEGER:
                self.warn(f"{where} is beyond 2^53 (I-JSON); entry dropped")
                return None
            return value
        if isinstance(value, str) and _DIGITS_RE.match(value) and int(value) <= MAX_SAFE_INTEGER:
            # M17: some reporters quote their numbers; the value is unambiguous.
            self.warn(f"{where} is the string {value!r}, not a JSON integer; read as {int(value)}")
            return int(value)
        if isinstance(value, str):
            shown = f"the string {value[:40]!r}"
        elif isinstance(value, float):
            # 12.0, 1e3: JSON numbers, not integers; quoted as written (JsonFraction).
            written = getattr(value, "text", None) or repr(value)
            shown = f"the number {written[:40]}{'…' if len(written) > 40 else ''}"
        else:
            shown = _kind(value)  # null, an array, an object: nothing to quote
        self.warn(f"{where} is {shown}, not an integer ≥ 0; entry dropped")
        return None

    def ip(self, obj: dict[str, Any], key: str, where: str) -> str | None:
        value = obj.get(key)
        if value is None:
            return None  # optional in practice (RPT-09, M25)
        if not isinstance(value, str) or not value:
            self.warn(f"{where}: {_found(key, value)} (RPT-12)")
            return None
        known = self.valid_ips.get(value)
        if known is not None:
            return known
        if len(value) > MAX_IP_CHARS:
            self.warn(f"{where}: {key} is longer than {MAX_IP_CHARS} characters; ignored")
            return None
        value = self.text(value, f"{where}: {key}", MAX_IP_CHARS)
        canonical = _ip_text(value)
        if canonical is not None:
            self.valid_ips[value] = canonical
            return canonical
        self.warn(f"{where}: {key} {value!r} is not an IP address (RPT-12); kept as sent")
        return value

    def hostname(self, value: str, where: str) -> str:
        known = self.valid_hosts.get(value)
        if known is not None:
            return known
        value = self.text(value, where, MAX_HOST_CHARS)
        if not value.isascii():
            a_labels = _a_label_form(value)
            if a_labels is None:
                self.warn(f"{where} {value!r} is not in A-label form (RFC 8460 §4.4)")
                return value.rstrip(".").lower()
            # Not cached in valid_hosts: every detail that writes it so is told, as for any
            # other name that is not as the RFC says.
            self.warn(
                f"{where} {value!r} is not in A-label form (RFC 8460 §4.4); read as {a_labels}"
            )
            if a_labels.startswith("*."):
                self.warn(f"{where} {a_labels!r} is not a valid host name")
            return a_labels
        if not _HOSTNAME_RE.match(value) or value.startswith("*."):
            self.warn(f"{where} {value!r} is not a valid host name")
        elif _ip_text(value) is not None:
            self.warn(f"{where} {value!r} is an IP address, not a host name")
        else:
            normal = value.rstrip(".").lower()
            self.valid_hosts[value] = normal
            return normal
        return value.rstrip(".").lower()


def _kind(value: Any) -> str:
    return {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        JsonFraction: "a number",
        str: "a string",
        list: "an array",
        dict: "an object",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def _found(key: str, value: Any, wanted: str = "a string") -> str:
    """Why a member is unusable, in words that fit what was sent: missing (`_MISSING`),
    empty, or a value of another JSON type ("policy-domain is an array, not a string").
    A member that is there is never called missing."""
    if value is _MISSING:
        return f"{key} is missing"
    if isinstance(value, str) and wanted == "a string":
        return f"{key} is empty"
    return f"{key} is {_kind(value)}, not {wanted}"


def _strings(ck: _Checker, value: Any, where: str, limit: int, max_items: int) -> list[str]:
    """A JSON array of strings; a bare string is wrapped with a warning (M22). _MISSING (the
    member is absent) is no strings; null is not an array either, and is told so (as
    `failure-details: null` is, M30: Go writes an empty slice as null)."""
    if value is _MISSING:
        return []
    if isinstance(value, str):
        ck.warn(f"{where} is a string, not an array of strings; read as one element")
        value = [value]
    if not isinstance(value, list):
        ck.warn(f"{where} is {_kind(value)}, not an array of strings; ignored")
        return []
    if len(value) > max_items:
        raise ReportRejected(f"{where} has more than {max_items} elements")
    out: list[str] = []
    for item in value:
        if isinstance(item, str):
            if not ck.plain and "\x00" in item:
                # PostgreSQL text cannot hold U+0000; a policy line or mx-host is worth a
                # warning at most (RPT-05, RPT-07), so the element goes, not the report.
                ck.warn(f"{where} holds a string with a NUL character; that element is ignored")
                continue
            out.append(ck.text(item, where, limit))
        else:
            ck.warn(f"{where} holds {_kind(item)}; that element is ignored")
    return out


def _failure_detail(ck: _Checker, raw: Any, where: str) -> FailureDetail | None:
    """One failure detail. A report may hold 200,000 and an import tens of thousands of
    reports, so the common case — a known result type, an integer count, addresses and host
    names already found valid — is decided here without a call per field; anything else
    goes through the _Checker methods, in the same order, with the same outcome."""
    if not isinstance(raw, dict):
        ck.warn(f"{where} is {_kind(raw)}, not an object; dropped")
        return None
    _extension_integers(ck, raw, _DETAIL_MEMBERS, f"{where}: ")
    get = raw.get
    result_type = get("result-type", _MISSING)
    # Known values are short ASCII: text() could not object to them.
    if result_type.__class__ is not str or result_type not in RESULT_TYPES:
        if not isinstance(result_type, str) or not result_type:
            ck.warn(f"{where}: {_found('result-type', result_type)}; dropped")
            return None
        if not ck.plain and "\x00" in result_type:
            # PostgreSQL text cannot hold U+0000: the detail goes, as one without a usable
            # result-type does, not the report (RPT-09). The raw report keeps it.
            ck.warn(f"{where}: result-type contains a NUL character; dropped")
            return None
        result_type = ck.text(result_type, f"{where}: result-type", MAX_NAME_CHARS)
        if defined_type(result_type) is not None:
            # A defined type in other letters or separators ('CERTIFICATE-EXPIRED'): JSON
            # strings are case-sensitive, so no §4.3 value, and no new type either: the
            # sender's slip (the dashboard counts it as the type it is).
            ck.warn(f"unknown result-type {result_type!r} (not in RFC 8460 §4.3); kept as sent")
        else:
            # RFC 8460 §4.3: the list "is expected to grow over time", in IANA's STARTTLS
            # Validation Result Types registry (§6, Expert Review): a type we do not know may
            # be one registered since, which the sender was right to use. Information, not a
            # fault of the report (checklist RPT-10; before s36r a warning, as M20 had it).
            ck.note(
                f"unknown result-type {result_type!r}: not in RFC 8460 §4.3, whose list is "
                "expected to grow (it may be a type registered since); kept as sent"
            )
    count = get("failed-session-count", _MISSING)
    if count.__class__ is not int or count < 0 or count > MAX_SAFE_INTEGER:
        if count is _MISSING:
            ck.warn(f"{where}: failed-session-count is missing; dropped")
            return None
        count = ck.count(count, f"{where}: failed-session-count")
        if count is None:
            return None
    mx = get("receiving-mx-hostname")
    helo = get("receiving-mx-helo")
    hosts = ck.valid_hosts
    if mx is None or (mx.__class__ is str and mx in hosts):
        if helo is not None:
            helo = ck.optional_text(raw, "receiving-mx-helo", where, MAX_HOST_CHARS)
        hostname = None if mx is None else hosts[mx]
    else:
        # A name with blanks around it is never in valid_hosts: it comes here each time.
        mx = ck.optional_text(raw, "receiving-mx-hostname", where, MAX_HOST_CHARS)
        helo = ck.optional_text(raw, "receiving-mx-helo", where, MAX_HOST_CHARS)
        if mx and mx != mx.strip():
            mx = _unblanked(ck, mx, f"{where}: receiving-mx-hostname")
        hostname = ck.hostname(mx, f"{where}: receiving-mx-hostname") if mx else None
    if helo and helo != helo.strip():
        # The one check added per detail (s32q): str.strip gives the same string back when
        # there is nothing to strip, so a helo as servers write it costs a call, no copy.
        helo = _unblanked(ck, helo, f"{where}: receiving-mx-helo")
    sending = _address(ck, raw, "sending-mta-ip", where)
    receiving = _address(ck, raw, "receiving-ip", where)
    info = get("additional-information")
    if info is not None:
        info = ck.optional_text(raw, "additional-information", where, MAX_URI_CHARS)
    code = get("failure-reason-code")
    if code is not None:
        if code.__class__ is int:
            # RFC 8460 §4.4: "a text field to include a TLS-related error code"; 421 written
            # as a JSON number is the code '421', nothing else (since s32r; it was dropped).
            code = str(code)[:MAX_NAME_CHARS]
            ck.warn(
                f"{where}: failure-reason-code is the number {code[:40]}, not a text; "
                f"kept as {code[:40]!r}"
            )
        else:
            code = ck.cut_text(raw, "failure-reason-code", where, MAX_NAME_CHARS)
    if ck.share:
        shared = ck.shared
        result_type, sending, hostname = shared(result_type), shared(sending), shared(hostname)
        helo, receiving, info, code = shared(helo), shared(receiving), shared(info), shared(code)
    return FailureDetail(result_type, sending, hostname, helo, receiving, count, info, code)


def _unblanked(ck: _Checker, value: str, where: str) -> str | None:
    """A host name read without the blanks around it, said: blanks are no part of a name
    (RFC 1035 §2.3.1), and ' mx2.example.com' kept as sent matched none of the MX hosts our
    checks saw (s32q). Blanks only are no name: None. `where` ends with the member's name."""
    name = value.strip()
    if not name:
        ck.warn(f"{where} is only blanks; ignored")
        return None
    ck.warn(f"{where} {value[:80]!r} has blanks around it; read as {name[:80]!r}")
    return name


def _address(ck: _Checker, raw: dict[str, Any], key: str, where: str) -> str | None:
    """An address of a failure detail, in its RFC 5952 form. Taken at once when text() has
    only the length to check (plain) and the cached syntax check agrees; else ck.ip says
    what is wrong with it."""
    value = raw.get(key)
    if value is None:
        return None
    if ck.plain and value.__class__ is str and len(value) <= MAX_IP_CHARS:
        ip = _ip_text(value)
        if ip is not None:
            return ip
    return ck.ip(raw, key, where)


def _policy(
    ck: _Checker,
    raw: dict[str, Any],
    where: str,
    report_domain: str | None,
    details: list[FailureDetail] | None,
) -> PolicyResult | None:
    """One entry of `policies`. `details` are its failure details, already read and checked
    one by one while streaming; None when `failure-details` was absent or not an array (then
    `raw` holds whatever it was)."""
    _extension_integers(ck, raw, _ENTRY_MEMBERS, f"{where}: ")
    pol = raw.get("policy", _MISSING)
    if not isinstance(pol, dict):
        ck.warn(f"{where}: {_found('policy', pol, 'an object')}; dropped")
        return None
    _extension_integers(ck, pol, _POLICY_MEMBERS, f"{where}: policy.")
    policy_type = pol.get("policy-type", _MISSING)
    if not isinstance(policy_type, str) or not policy_type:
        ck.warn(f"{where}: {_found('policy-type', policy_type)}; kept as empty")
        policy_type = ""
    elif not ck.plain and "\x00" in policy_type:
        # PostgreSQL text cannot hold U+0000: kept as a missing policy-type is, with the
        # policy's counts (RPT-09). The raw report keeps it.
        ck.warn(f"{where}: policy-type contains a NUL character; kept as empty")
        policy_type = ""
    else:
        policy_type = ck.text(policy_type, f"{where}: policy-type", MAX_NAME_CHARS)
        if policy_type not in POLICY_TYPES:
            # Said of its entry, as every other warning about a policy (before s36r it named
            # none: which of 10,000 entries was it?).
            ck.warn(f"{where}: unknown policy-type {policy_type!r} (RFC 8460 §4.4); kept as sent")

    policy_string = pol.get("policy-string", _MISSING)
    if policy_string is None and policy_type == "no-policy-found":
        # No policy was found, so there is none to quote: null says so as well as leaving
        # the member out (a Go reporter writes its nil slice as null), nothing was ignored.
        policy_string = _MISSING
    elif "policy-string" not in pol:
        # RFC 8460 §4.4: the policy-string encodes the policy applied; with none found there
        # is none to quote, so only an sts or tlsa entry lacks one. Of an unknown (or missing)
        # policy-type nothing says what it applied, nor whether it should quote it: its
        # warning is all there is to say (s35k: 'no_policy_found' got the note about
        # Microsoft's and mail.ru's sts entries).
        if policy_type in ("sts", "tlsa"):
            ck.note(f"{where}: no policy-string (as Microsoft and mail.ru send)")
    elif isinstance(policy_string, str) and not policy_string.strip("\r\n"):
        # "" (or a line break alone) quotes no line of any policy: no lines, said (before s36r
        # it was wrapped as one empty line, a policy line nobody wrote). With no policy found
        # there is none to quote: read as the member left out, as null is there.
        if policy_type != "no-policy-found":
            ck.warn(
                f"{where}: policy-string is the string {policy_string!r}, not an array of "
                "strings; read as no lines"
            )
        policy_string = _MISSING
    elif isinstance(policy_string, str) and "\n" in policy_string.rstrip("\r\n"):
        # The whole policy file in one string: its lines are the policy-string (RFC 8460
        # §4.4, RFC 8461 §3.2), else 'mode: testing' would be no line of it.
        text = policy_string.rstrip("\r\n")
        if text.count("\n") >= MAX_POLICY_LINES:
            # Refused as an array that long is, before the split: a 4 MB string of a million
            # short lines would be a million string objects first (issue 7).
            raise ReportRejected(
                f"{where}: policy-string has more than {MAX_POLICY_LINES} elements (lines)"
            )
        lines = text.split("\n")
        ck.warn(
            f"{where}: policy-string is a string, not an array of strings; read as the "
            f"{len(lines)} lines of the policy it holds"
        )
        policy_string = lines
    policy_strings = _strings(
        ck,
        policy_string,
        f"{where}: policy-string",
        MAX_POLICY_LINE_CHARS,
        MAX_POLICY_LINES,
    )
    if any(line.endswith(("\r", "\n")) for line in policy_strings):
        # A policy file served with CRLF line ends (RFC 8461 §3.2 allows both) and split on
        # LF leaves a CR on every line: the line end, not part of the line ("mode: testing\r"
        # would not read as mode testing).
        ck.note(f"{where}: policy-string lines end in a line break; read without it")
        policy_strings = [line.rstrip("\r\n") for line in policy_strings]

    filled = False
    domain = pol.get("policy-domain", _MISSING)
    if isinstance(domain, str) and domain.strip():
        if domain != domain.strip():
            # A template's stray blank is no part of the name (RFC 1035 §2.3.1): read as
            # 'example.com ' it was another domain's report, left out of the totals and
            # alerts (s32r E03). Said, as the report-id is read without its blanks.
            ck.warn(
                f"{where}: policy-domain {domain[:80]!r} has blanks around it; read as "
                f"{domain.strip()[:80]!r}"
            )
            domain = domain.strip()
        policy_domain = ck.hostname(domain, f"{where}: policy-domain")
        owner = _TLSA_OWNER_RE.match(policy_domain)
        if policy_type == "tlsa" and owner:
            # RFC 8460 §1.1, §4.4: a DANE policy is filed under the TLSA base domain (the MX
            # host), not the name of its TLSA records, which some senders write.
            ck.warn(
                f"{where}: policy-domain {policy_domain!r} is the name of the TLSA records, "
                f"not their base domain (RFC 8460 §4.4); read as {owner[1]}"
            )
            policy_domain = owner[1]
    else:
        # M28: the Postfix/sys4 reporter omits it for no-policy-found; the envelope knows it.
        fallback = (report_domain or "").rstrip(".").lower()
        if not fallback.isascii():
            fallback = _a_label_form(fallback) or ""
        if fallback and (len(fallback) > MAX_HOST_CHARS or not _HOSTNAME_RE.match(fallback)):
            fallback = ""  # the envelope's word is no host name either
        ck.warn(
            f"{where}: {_found('policy-domain', domain)} (RFC 8460 §4.4)"
            + (f"; using {fallback} from the envelope" if fallback else "")
        )
        policy_domain = fallback
        filled = bool(fallback)

    # RPT-07: §4.4 says array, Appendix B shows a string; parsedmarc reads "mx-host-pattern".
    mx_value = pol.get("mx-host", _MISSING)
    if mx_value is None or mx_value is _MISSING:
        mx_value = pol.get("mx-host-pattern", mx_value)
    if isinstance(mx_value, str):
        mx_value = [mx_value]
    elif isinstance(mx_value, list) and any(isinstance(h, dict) for h in mx_value):
        mx_value = _mx_objects(ck, mx_value, where)
    if mx_value is None and policy_type == "no-policy-found":
        # Read as policy-string's null is: no policy, no patterns, nothing ignored. For a
        # policy, null is no array of strings (§4.4) and _strings says so. An absent member
        # (_MISSING) is no mx-host, as RPT-07 takes Microsoft's.
        mx_value = _MISSING
    mx_hosts = []
    for host in _strings(ck, mx_value, f"{where}: mx-host", MAX_HOST_CHARS, MAX_POLICY_LINES):
        # Patterns as in the policy (RFC 8461 §3.2): a host name, or "*." and one.
        if not host:
            # No host name and no pattern (RFC 8460 §4.4, RFC 8461 §3.2): it matches no MX, so
            # it is no pattern, as a string of blanks is not (until s36n kept as one '').
            ck.warn(
                f"{where}: mx-host holds an empty string, no host name or pattern "
                "(RFC 8460 §4.4); that element is ignored"
            )
            continue
        if host != host.strip():
            if not host.strip():
                ck.warn(f"{where}: mx-host holds a string of only blanks; that element is ignored")
                continue
            host = _unblanked(ck, host, f"{where}: mx-host") or host
        a_labels = None if host.isascii() else _a_label_form(host)
        if a_labels is not None:
            ck.warn(
                f"{where}: mx-host {host[:80]!r} is not a host name or pattern in A-label form "
                f"(RFC 8460 §4.4); read as {a_labels}"
            )
            mx_hosts.append(a_labels)
            continue
        if not host.isascii() or not _HOSTNAME_RE.match(host):
            ck.warn(f"{where}: mx-host {host[:80]!r} is not a host name or pattern; kept as sent")
        mx_hosts.append(host.rstrip(".").lower())

    summary = raw.get("summary", _MISSING)
    if not isinstance(summary, dict):
        ck.warn(f"{where}: {_found('summary', summary, 'an object')}; policy entry dropped")
        return None
    _extension_integers(ck, summary, _SUMMARY_MEMBERS, f"{where}: summary.")
    counts = []
    for key in ("total-successful-session-count", "total-failure-session-count"):
        if key not in summary:
            ck.warn(f"{where}: summary has no {key}; policy entry dropped")
            return None
        value = ck.count(summary[key], f"{where}: {key}")
        if value is None:
            return None  # M18: reject the entry, keep the report
        counts.append(value)
    successful, failed = counts

    if details is None:
        details = []
        raw_details = raw.get("failure-details", [])
        if raw_details is None:
            ck.warn(f"{where}: failure-details is null; read as no details")
        elif isinstance(raw_details, dict):
            # RFC 8460 §4.4 asks for an array, but one object is one failure detail, as a
            # bare policy-string is one line (RPT-05): read so, with a warning, its type is
            # counted as the summary's sessions are (since s32r; it was ignored). Both
            # readers come here: neither reads an object as a list of details.
            ck.warn(
                f"{where}: failure-details is an object, not an array; read as one failure detail"
            )
            detail = _failure_detail(ck, raw_details, f"{where}: failure-details")
            if detail is not None:
                details.append(detail)
        elif not isinstance(raw_details, list):
            ck.warn(f"{where}: failure-details is {_kind(raw_details)}, not an array; ignored")

    if failed > 0 and not details:
        ck.warn(f"{where}: {failed} failed sessions but no failure details")
    listed = sum(d.failed_session_count for d in details)
    if details and listed != failed:
        # RFC 8460 §4: failure types may overlap, so the sums need not agree (RPT-11).
        ck.note(f"{where}: failure details add up to {listed}, the summary says {failed}")
    return PolicyResult(
        policy_type=policy_type,
        policy_domain=policy_domain,
        policy_strings=policy_strings,
        mx_hosts=mx_hosts,
        successful=successful,
        failed=failed,
        failure_details=details,
        domain_filled=filled,
    )


def _mx_objects(ck: _Checker, value: list[Any], where: str) -> list[Any]:
    """Older Microsoft reports write mx-host as objects, `{"hostname": "mx1.example.com",
    "failure-count": 0}`: the host name is what the RFC's string would have said (RPT-07),
    so it is read, with a note. Anything else stays as it was, for _strings to judge."""
    out: list[Any] = []
    for item in value:
        if isinstance(item, dict) and isinstance(item.get("hostname"), str):
            ck.note(
                f"{where}: mx-host holds objects with a hostname (as older Microsoft reports "
                "do), not strings; their hostname was read"
            )
            out.append(item["hostname"])
        else:
            out.append(item)
    return out


class _Budget:
    """Failure details left for this report (MAX_FAILURE_DETAILS, counted while streaming)."""

    def __init__(self) -> None:
        self.left = MAX_FAILURE_DETAILS

    def take(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise ReportRejected(f"report has more than {MAX_FAILURE_DETAILS} failure details")


def _read_policy(
    ck: _Checker,
    stream: _JsonStream,
    where: str,
    report_domain: str | None,
    budget: _Budget,
    failed: list[ReportRejected],
) -> PolicyResult | None:
    """Read one `policies` element from the stream; its failure details one at a time.

    The whole-document reader decodes all the JSON before it checks any value, so a JSON
    mistake anywhere is its reason to reject. To give the same reason whatever the size, a
    value that rejects the report is only recorded in `failed` here (the first one wins); the
    JSON goes on being read, unchecked, and the caller raises it once the text was valid."""
    if stream.peek() != "{":
        value = stream.value()
        if not failed:
            ck.warn(f"{where} is {_kind(value)}, not an object; dropped")
        return None
    raw: dict[str, Any] = {}
    details: list[FailureDetail] | None = None
    for name in stream.members():
        if name == "failure-details" and stream.peek() == "[":
            details = []
            for i in stream.elements():
                value = stream.value()
                if failed:
                    continue
                try:
                    budget.take()
                    detail = _failure_detail(ck, value, f"{where}: failure-details[{i}]")
                except ReportRejected as e:
                    failed.append(e)
                    continue
                if detail is not None:
                    details.append(detail)
        else:
            raw[name] = stream.value()
    if failed:
        return None
    try:
        return _policy(ck, raw, where, report_domain, details)
    except ReportRejected as e:
        failed.append(e)
        return None


def _header(
    ck: _Checker, obj: dict[str, Any]
) -> tuple[str, str, str | None, datetime, datetime, date | None]:
    """organization-name, report-id, contact-info and date-range (RFC 8460 §4.4), and the
    sender's day when the range is one (_local_day)."""
    _extension_integers(ck, obj, _REPORT_MEMBERS, "")
    org = obj.get("organization-name", _MISSING)
    if not isinstance(org, str) or not org.strip():
        raise ReportRejected(_not_a_name("organization-name", org, obj))
    org = ck.text(org, "organization-name", MAX_NAME_CHARS).strip()
    controls = sorted(set(_CONTROL_RE.findall(org)))
    if controls:
        # Valid JSON (escaped), and the name is half the report's identity, so it is kept as
        # sent; but a name with line breaks is no sender's name, and it is shown on pages, in
        # the CSV and in the log: said, naming the characters.
        ck.warn(
            f"organization-name {org[:80]!r} holds control characters "
            f"({', '.join(f'U+{ord(c):04X}' for c in controls)}); kept as sent"
        )

    report_id = obj.get("report-id", _MISSING)
    if not isinstance(report_id, str) or not report_id.strip():
        raise ReportRejected(_not_a_name("report-id", report_id, obj))
    report_id = ck.text(report_id, "report-id", MAX_NAME_CHARS).strip()
    # The de-duplication key: case-folding may lengthen a name ("ß" → "ss"), and UTF-8 may take
    # four bytes a character; no real reporter comes near this.
    submitter = org.casefold()
    if (
        len(submitter) > MAX_NAME_CHARS
        or len(submitter.encode()) + len(report_id.encode()) > MAX_REPORT_KEY_BYTES
    ):
        raise ReportRejected(
            f"organization-name and report-id together are longer than {MAX_REPORT_KEY_BYTES} "
            "bytes; they name the report and must fit its index"
        )

    contact = obj.get("contact-info", _MISSING)
    contact_info: str | None = None
    if not isinstance(contact, str) or not contact.strip():
        ck.warn(f"{_found('contact-info', contact)} (RFC 8460 §4.4)")
    elif not ck.plain and "\x00" in contact:
        # PostgreSQL text cannot hold U+0000: read as a missing contact-info is, not the
        # report's end (RPT-09). The raw report keeps it.
        ck.warn("contact-info contains a NUL character; ignored (RFC 8460 §4.4)")
    else:
        contact_info = ck.text(contact, "contact-info", MAX_NAME_CHARS).strip()
        if contact_domain(contact_info) is None:
            ck.warn(
                f"contact-info {contact_info[:80]!r} is not an e-mail address (RFC 5322 addr-spec)"
            )
        elif _NAME_ADDR_RE.match(contact_info) and contact_info[:7].lower() != "mailto:":
            ck.warn(
                f"contact-info {contact_info[:80]!r} is not an e-mail address alone but a name "
                "and an address (RFC 5322 name-addr; RFC 8460 §4.4 asks for the addr-spec); the "
                "address in angle brackets was read"
            )
        elif contact_info[:7].lower() == "mailto:":
            # RFC 8460 §4.4 asks for the address itself (RFC 5322 addr-spec), not a URI; a
            # real reporter (Zoho) writes one, and its address is what counts (it is compared
            # with TLS-Report-Submitter), so this is said, not warned.
            ck.note(
                f"contact-info {contact_info[:80]!r} is a mailto: URI; RFC 8460 §4.4 asks for "
                "the e-mail address itself (RFC 5322 addr-spec); its address was read"
            )

    date_range = obj.get("date-range", _MISSING)
    if date_range is _MISSING:
        raise ReportRejected(_missing("date-range", obj))
    if not isinstance(date_range, dict):
        raise ReportRejected(f"date-range is {_kind(date_range)}, not an object (RFC 8460 §4.4)")
    for key in ("start-datetime", "end-datetime"):
        if key not in date_range:
            raise ReportRejected(f"date-range has no {key}")
    _extension_integers(ck, date_range, _DATE_RANGE_MEMBERS, "date-range.")
    start = ck.datetime(date_range["start-datetime"], "start-datetime")
    end = ck.datetime(date_range["end-datetime"], "end-datetime")
    if end < start:
        raise ReportRejected(f"date-range ends ({end:%Y-%m-%dT%H:%M:%SZ}) before it starts")
    if end == start:
        ck.warn("date-range is empty (start equals end)")
    if end - start > timedelta(hours=48):
        ck.warn("date-range covers more than 48 hours (RFC 8460 §4.1 expects one UTC day)")
    if start.time() != datetime.min.time():
        ck.note("date-range does not start at 00:00 UTC (RFC 8460 §4.1)")
    # Both ends of a day are in use (RPT-03): 23:59:59 (Google, Microsoft) and next 00:00.
    elif end.time() != datetime.min.time() and end.time().replace(microsecond=0) != _LAST_SECOND:
        ck.note("date-range does not end at the end of a UTC day (RFC 8460 §4.1)")
    local_day = None
    if timedelta(hours=22) < end - start <= timedelta(hours=25):
        # Only a day long (23 to 25 hours across a DST change): offsets that differ by more
        # make no sender's day of 00:00 and 23:59:59 of one date.
        local_day = _local_day(date_range["start-datetime"], date_range["end-datetime"])
    return org, report_id, contact_info, start, end, local_day


def _not_a_name(key: str, value: Any, obj: dict[str, Any]) -> str:
    """Why a required string of the header (organization-name, report-id) is unusable, in
    the words that fit what was sent."""
    return f"{_found(key, value)} (RFC 8460 §4.4){_other_letters(key, value, obj)}"


def _missing(key: str, obj: dict[str, Any]) -> str:
    """Why a required member of the report is missing, naming it when it is there in other
    letters."""
    return f"{key} is missing (RFC 8460 §4.4){_other_letters(key, _MISSING, obj)}"


def _other_letters(key: str, value: Any, obj: dict[str, Any]) -> str:
    """For a member that is missing: the member of `obj` of its name in other letters
    ('Organization-Name', a PascalCase writer's), which is no RFC 8460 member (RFC 8259 §8.3
    compares names code unit by code unit), so the sender is not told of a member it sent
    as simply missing."""
    if value is not _MISSING:
        return ""
    for name in obj:
        if name.lower() == key:
            return (
                f"; the report has {name[:80]!r}, but member names are case-sensitive "
                "(RFC 8259 §8.3)"
            )
    return ""


def _read_report(stream: _JsonStream, report_domain: str | None) -> ParsedReport:
    """Walk the top-level object. Members may come in any order (RFC 8259 §4), so the header
    is checked once the object is closed; policies are checked as they stream past."""
    header_ck, policy_ck = _Checker(), _Checker()
    if stream.peek() != "{":
        raise ReportRejected(f"report must be a JSON object, got {_kind(stream.value())}")
    header: dict[str, Any] = {}
    policies: list[PolicyResult] = []
    seen_policies = 0
    has_policies = False
    budget = _Budget()
    # What rejects the report, raised once the JSON has been read (see _read_policy).
    failed: list[ReportRejected] = []
    for name in stream.members():
        if name != "policies":
            header[name] = stream.value()
            continue
        has_policies = True
        if stream.peek() != "[":
            failed.append(
                ReportRejected(
                    f"policies is {_kind(stream.value())}; RFC 8460 §4 says it MUST be an array"
                )
            )
            continue
        for i in stream.elements():
            seen_policies += 1
            if seen_policies == MAX_POLICIES + 1:
                # The whole-document reader counts them before reading any: this comes first.
                failed[:] = [ReportRejected(f"report has more than {MAX_POLICIES} policies")]
            policy = _read_policy(
                policy_ck, stream, f"policies[{i}]", report_domain, budget, failed
            )
            if policy is not None:
                policies.append(policy)
    stream.end()
    if stream.too_deep:
        raise ReportRejected(_TOO_DEEP)
    if failed:
        raise failed[0]
    return _finish(
        header_ck, policy_ck, header, has_policies, seen_policies, policies, stream.warnings
    )


def _finish(
    header_ck: _Checker,
    policy_ck: _Checker,
    header: dict[str, Any],
    has_policies: bool,
    seen_policies: int,
    policies: list[PolicyResult],
    json_warnings: list[str],
) -> ParsedReport:
    org, report_id, contact_info, start, end, local_day = _header(header_ck, header)
    if not has_policies:
        raise ReportRejected(_missing("policies", header))
    if not seen_policies:
        header_ck.warn("policies is empty: the report says nothing about any session")
    if seen_policies and not policies:
        policy_ck.warn("no policy entry of this report was usable")

    for name, total in (
        ("successful", sum(p.successful for p in policies)),
        ("failed", sum(p.failed for p in policies)),
    ):
        if total > MAX_TOTAL_SESSIONS:
            # Not a count any sender saw: no mail system has made 2^63 connections.
            raise ReportRejected(
                f"the policies' {name} session counts add up to {total}, more than a "
                f"64-bit count holds ({MAX_TOTAL_SESSIONS})"
            )
    # The same for the failure details, which may add up to more than the summary (failure
    # types overlap, RFC 8460 §4), but not to more sessions than any sender saw: the
    # dashboard and the alerts add them up by type and receiver.
    listed = sum(d.failed_session_count for p in policies for d in p.failure_details)
    if listed > MAX_TOTAL_SESSIONS:
        raise ReportRejected(
            f"the failure details' session counts add up to {listed}, more than a 64-bit "
            f"count holds ({MAX_TOTAL_SESSIONS})"
        )

    warnings = json_warnings + header_ck.warnings
    warnings += [w for w in policy_ck.warnings if w not in warnings]
    if policy_ck.suppressed:
        warnings.append(f"… and {policy_ck.suppressed} more warnings like these, not listed")
    notes = header_ck.notes + [n for n in policy_ck.notes if n not in header_ck.notes]
    if header_ck.notes_suppressed + policy_ck.notes_suppressed:
        more = header_ck.notes_suppressed + policy_ck.notes_suppressed
        notes.append(f"… and {more} more notes like these, not listed")
    return ParsedReport(
        organization_name=org,
        contact_info=contact_info,
        report_id=report_id,
        start=start,
        end=end,
        policies=policies,
        warnings=warnings,
        notes=notes,
        local_day=local_day,
    )


# Reports up to this size (decompressed) are decoded in one piece, larger ones streamed.
SMALL_REPORT_BYTES = 256 * 1024


def _take(chunks: Iterator[bytes], limit: int) -> tuple[list[bytes], bool]:
    """Pieces up to `limit` bytes; True when that was all of them."""
    head: list[bytes] = []
    size = 0
    for chunk in chunks:
        head.append(chunk)
        size += len(chunk)
        if size > limit:
            return head, False
    return head, True


def _chain(head: list[bytes], rest: Iterator[bytes]) -> Iterator[bytes]:
    yield from head
    yield from rest


def _small_gzip(data: bytes, max_bytes: int) -> bytes | None:
    """The JSON of a small, ordinary gzip report (one member, a JSON object, within both
    caps) in one zlib call; None for anything else, which then takes the general path and
    its exact outcome (bombs, corrupt or multi-member streams, BOMs, big reports)."""
    if not data.startswith(GZIP_MAGIC):
        return None
    limit = min(SMALL_REPORT_BYTES, max_bytes)
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        # max_length bounds the output whatever the input claims (a bomb stops here).
        body = inflater.decompress(data, limit + 1)
    except zlib.error:
        return None
    if not inflater.eof or inflater.unused_data or len(body) > limit:
        return None
    body = body.lstrip(b" \t\r\n")  # as _json_only does, so error positions agree
    return body if body.startswith(b"{") else None


def _loads_small(body: bytes) -> tuple[Any, list[str]]:
    """Strict JSON (RFC 8259, I-JSON) of a whole small document; a BOM is tolerated with a
    warning (RFC 8259 §8.1)."""
    warnings: list[str] = []
    if body.startswith(UTF8_BOM):
        body = body[len(UTF8_BOM) :]
        warnings.append("report starts with a UTF-8 byte order mark (RFC 8259 §8.1 says MUST NOT)")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ReportRejected(
            f"report is not valid UTF-8 at byte {e.start} (I-JSON, RFC 7493 §2.1)"
        ) from None
    try:
        obj = _DECODER.decode(text)
    except json.JSONDecodeError as e:
        what = _EXTRA_DATA if e.msg == "Extra data" else e.msg
        raise ReportRejected(
            f"report is not valid JSON: {what} at character {e.pos}{what_it_is(body[:64])}"
        ) from None
    except RecursionError:
        raise ReportRejected(_TOO_DEEP) from None
    except ValueError:  # Python's cap on integer digits (int_max_str_digits)
        raise ReportRejected(_LONG_NUMBER) from None
    if _nests_deeper(body, MAX_DEPTH):
        raise ReportRejected(_TOO_DEEP)
    if _SURROGATE_ESCAPE.search(text) and _has_lone_surrogate(obj):
        warnings.append(_LONE_SURROGATE_IGNORED)  # as _JsonStream.value tells it
    return obj, warnings


def _report_from_object(
    decoded: tuple[Any, list[str]], report_domain: str | None, *, plain: bool = False
) -> ParsedReport:
    """The same checks as _read_report, on a document decoded in one piece. `plain`: its
    text holds no \\u escape (see _Checker)."""
    obj, json_warnings = decoded
    if not isinstance(obj, dict):
        raise ReportRejected(f"report must be a JSON object, got {_kind(obj)}")
    header_ck = _Checker(plain=plain, share=False)
    policy_ck = _Checker(plain=plain, share=False)
    if "policies" in obj and not isinstance(obj["policies"], list):
        raise ReportRejected(
            f"policies is {_kind(obj['policies'])}; RFC 8460 §4 says it MUST be an array"
        )
    items = obj.get("policies") or []
    if len(items) > MAX_POLICIES:
        raise ReportRejected(f"report has more than {MAX_POLICIES} policies")
    budget = _Budget()
    policies: list[PolicyResult] = []
    for i, item in enumerate(items):
        where = f"policies[{i}]"
        if not isinstance(item, dict):
            policy_ck.warn(f"{where} is {_kind(item)}, not an object; dropped")
            continue
        details: list[FailureDetail] | None = None
        raw_details = item.get("failure-details")
        if isinstance(raw_details, list):
            details = []
            for n, raw in enumerate(raw_details):
                budget.take()
                detail = _failure_detail(policy_ck, raw, f"{where}: failure-details[{n}]")
                if detail is not None:
                    details.append(detail)
        policy = _policy(policy_ck, item, where, report_domain, details)
        if policy is not None:
            policies.append(policy)
    return _finish(
        header_ck, policy_ck, obj, "policies" in obj, len(items), policies, json_warnings
    )


def parse_report(
    data: bytes,
    *,
    report_domain: str | None = None,
    max_bytes: int = DEFAULT_MAX_DECOMPRESSED,
    member: int | None = None,
) -> ParsedReport:
    """Decode and validate one report; raises ReportRejected and nothing else for bad input.

    `report_domain` is the policy domain the envelope names (TLS-Report-Domain or the address
    the report was sent to); it fills a missing policy-domain (M28). `member`: which report
    file of a zip archive holding several (report_members). The report is read streaming:
    memory grows with the parsed result, not with the JSON text.
    """
    try:
        envelope_warnings: list[str] = []
        body = _small_gzip(data, max_bytes)
        if body is None:
            chunks, envelope_warnings = decode_chunks(data, max_bytes, member)
            head, small = _take(chunks, SMALL_REPORT_BYTES)
            body = b"".join(head) if small else None
        if body is not None:
            # Most reports are a few kilobytes: one call of the C decoder on the whole text
            # is cheaper than walking it; the checks are the same (_report_from_object).
            report = _report_from_object(
                _loads_small(body), report_domain, plain=b"\\u" not in body
            )
        else:
            report = _read_report(_JsonStream(_chain(head, chunks)), report_domain)
    except ReportRejected:
        raise
    except (MemoryError, RecursionError) as e:
        raise ReportRejected(f"report is too complex to read ({type(e).__name__})") from None
    report.warnings[:0] = envelope_warnings
    return report
