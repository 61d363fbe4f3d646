"""TLS reports by e-mail (RFC 8460 §5.3): recipient tokens, MIME walk, DKIM. No Django here.

The whole message is what we keep (DKIM needs it byte for byte); this module finds the report
inside it and says how far the envelope follows the RFC.
"""

from __future__ import annotations

import base64
import binascii
import io
import logging
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from email import policy
from email.message import Message
from email.parser import BytesHeaderParser, BytesParser
from email.policy import Compat32, EmailPolicy
from email.utils import collapse_rfc2231_value, getaddresses
from typing import Any

import dkim
import dns.exception
import dns.nameserver
import dns.rdatatype
import dns.resolver

from checks.dns import private_network_name
from reports.parse import (
    MAX_ZIP_FILES,
    ReportRejected,
    a_labels,
    label_mismatch,
    other_compression,
    report_members,
    sniff,
    too_many_zip_files,
    what_it_is,
    zip_file_count,
)

log = logging.getLogger(__name__)

# tlsrpt+<token>@<domain>: lower-case hex, so MTAs that fold the local part's case do no harm.
_RECIPIENT_RE = re.compile(r"\Atlsrpt\+([0-9a-f]{16,64})@([^@\s]+)\Z", re.IGNORECASE)
REPORT_TYPES = ("application/tlsrpt+gzip", "application/tlsrpt+json")
# One domain name in A-labels (RFC 8460 §5.3 headers), at most 253 characters.
_DOMAIN_RE = re.compile(
    r"\A(?=.{1,253}\Z)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\Z"
)
# The s= tag of a DKIM key record (RFC 6376 §3.6.1): a colon-separated list of services.
_SERVICE_TAG_RE = re.compile(rb"(\A|;)(\s*s\s*=)([^;]*)")
# Headers worth keeping next to the raw message (the message itself has them all).
KEPT_HEADERS = (
    "from",
    "to",
    "subject",
    "date",
    "message-id",
    "tls-report-domain",
    "tls-report-submitter",
    "content-type",
    "envelope-to",
    "delivered-to",
    "x-original-to",
)


_BOM = b"\xef\xbb\xbf"
_BLANK_LINE = re.compile(rb"\r?\n\r?\n")


# A header field name followed by blanks before its colon: the obsolete syntax of RFC 5322
# §4.5.3 (obs-optional), which §4 says receivers must still parse.
_OBSOLETE_FIELD_NAME = re.compile(rb"^([\x21-\x39\x3b-\x7e]+)[ \t]+:", re.MULTILINE)


def readable(message: bytes) -> bytes:
    """The message as it is read (headers, MIME parts, DKIM): without a UTF-8 byte order mark
    an editor put before the header block. No header starts with one (RFC 5322 §2.2), and
    the signer never covered it; read with it, every header would be taken for body text.

    A field name written with blanks before its colon ("TLS-Report-Domain : x", obsolete
    but to be accepted, RFC 5322 §4) is read without them: the email package takes such a
    line for the end of the header block (Content-Type and all below it were lost, and the
    report with them) and dkimpy refuses the message. Relaxed header canonicalisation (RFC
    6376 §3.4.2) deletes those blanks too, so a relaxed signature made so still verifies (a
    "simple" one covering such a header does not: it is read as failing). The same blanks in
    a MIME part's header block are read past for the MIME structure only (_part_headers_read).

    A line of the header block that is no header field at all (no colon: a broken mailer's
    stray line) is read past when that is unambiguous, see _stray_header_lines.
    The stored bytes keep all of these as they came."""
    return _read_headers(message)[0]


@dataclass
class _StrayLines:
    """The lines of a header block that are no header field (_stray_header_lines)."""

    lines: list[tuple[int, bytes]]  # (line number in the header block, from 1; the line)
    skipped: bool  # read past (dropped from the reading), or left where they stand
    # One stray line right above the blank line that ends the header block, read past: the
    # other reading, where it is the first line of a body written without the blank line
    # before it (what an MTA that ends the header block there hands a signer), as bytes
    # with that blank line put in (DKIM tries it when the message does not verify read past
    # it); None otherwise.
    as_body: bytes | None = None


def _read_headers(message: bytes) -> tuple[bytes, _StrayLines]:
    """readable(), and the stray lines of its header block."""
    if message.startswith(_BOM):
        message = message[len(_BOM) :]
    end = _BLANK_LINE.search(message)
    head = message[: end.start()] if end else message
    rest = message[len(head) :]
    if _OBSOLETE_FIELD_NAME.search(head):
        head = _OBSOLETE_FIELD_NAME.sub(rb"\1:", head)
    stray = _stray_header_lines(head, ended=end is not None)
    if stray.skipped and stray.lines[-1][0] == _last_field(head):
        # The stray line stands right above the blank line (_stray_header_lines): the
        # other reading puts the blank line before it.
        lines = head.splitlines(keepends=True)
        number = stray.lines[-1][0]
        eol = b"\r\n" if lines[number - 2].endswith(b"\r\n") else b"\n"
        stray.as_body = b"".join(lines[: number - 1]) + eol + b"".join(lines[number - 1 :]) + rest
    if stray.skipped:
        kept = head.splitlines(keepends=True)
        for number, _ in reversed(stray.lines):
            del kept[number - 1]
            # The continuation lines that follow the stray line belong to it.
            while number - 1 < len(kept) and kept[number - 1][:1] in (b" ", b"\t"):
                del kept[number - 1]
        head = b"".join(kept)
        if stray.as_body is not None:
            # The last line was dropped: the line above it ends the block, without its own
            # line break (the blank line's match in `rest` holds the breaks).
            head = head.removesuffix(b"\n").removesuffix(b"\r")
    return head + rest, stray


# A boundary delimiter line (RFC 2046 §5.1.1: "--", the boundary, maybe transport padding):
# the lines after it, to the first blank line, are the part's header block.
_DELIMITER_LINE = re.compile(rb"--[^\s]\S*[ \t]*\r?\n?")


def _part_headers_read(message: bytes) -> bytes:
    """The message with its MIME parts' header blocks read as readable() reads the message's
    own: "Content-Type : application/tlsrpt+gzip" (blanks before the colon, RFC 5322 §4.5.3)
    ended the part's header block for the email package, so the part lost its type and
    encoding and the report was rejected. Only for reading the MIME structure: the bytes a
    DKIM body hash covers are not these, and the stored bytes keep the blanks. See
    _read_part_headers for the lines with no colon it reads past."""
    return _read_part_headers(message)[0]


# A boundary parameter's value (RFC 2046 §5.1.1), quoted or not.
_BOUNDARY_PARAM = re.compile(rb'boundary\s*=\s*(?:"([^"\r\n]+)"|([^\s;"]+))', re.IGNORECASE)


def _read_part_headers(message: bytes) -> tuple[bytes, list[bytes]]:
    """_part_headers_read, and the lines of parts' header blocks it read past: a line with
    no colon that is no continuation (a broken mailer's stray line, RFC 5322 §2.2) in the
    header block of a part that follows a delimiter of one of the message's own boundaries.
    The email package ended the part's header block there, so the part lost its
    Content-Transfer-Encoding (or type) and the report was rejected as "not gzip, zip or
    JSON". A part's body begins after a blank line (RFC 2046 §5.1.1), so such a line, also
    right above that blank line, is read as no part of the body. The message's own header
    block is readable()'s."""
    boundaries = {a or b for a, b in _BOUNDARY_PARAM.findall(message)}
    obsolete = bool(_OBSOLETE_FIELD_NAME.search(message))
    if not obsolete and not boundaries:
        return message, []
    delimiters = {b"--" + b for b in boundaries}
    lines = message.splitlines(keepends=True)
    dropped: list[bytes] = []
    in_part_head = known_part = False
    stray_run = False  # dropping a stray line and the continuation lines after it
    for n, line in enumerate(lines):
        if in_part_head:
            if not line.strip():
                in_part_head = False
                continue
            if stray_run and line[:1] in (b" ", b"\t"):
                lines[n] = b""
                continue
            stray_run = False
            if obsolete:
                line = lines[n] = _OBSOLETE_FIELD_NAME.sub(rb"\1:", line)
            if known_part and not (
                line[:1] in (b" ", b"\t") or _FIELD_LINE.match(line) or line.startswith(b"--")
            ):
                dropped.append(line.rstrip(b"\r\n"))
                lines[n] = b""
                stray_run = True
        elif _DELIMITER_LINE.fullmatch(line):
            in_part_head = True
            # Stray lines are read past only after a delimiter of the message's own
            # boundaries: a "--" line in a text body is no part boundary.
            known_part = line.rstrip(b" \t\r\n") in delimiters
    if not dropped and not obsolete:
        return message, []
    return b"".join(lines), dropped


# A header field line (RFC 5322 §2.2, §3.6.8): a field name of printable characters other
# than the colon, then the colon (blanks before it were taken out by readable already).
_FIELD_LINE = re.compile(rb"[\x21-\x39\x3b-\x7e]+:")


def _last_field(head: bytes) -> int:
    """The number (from 1) of the last line of `head` that is no continuation line."""
    lines = head.splitlines()
    return max((n + 1 for n, x in enumerate(lines) if x[:1] not in (b" ", b"\t")), default=0)


def _stray_header_lines(head: bytes, *, ended: bool = True) -> _StrayLines:
    """The lines of the header block `head` that are no header field: no colon after a field
    name, no continuation (RFC 5322 §2.2), not the mbox "From " line a delivery may put
    first. The email package ends the header block at such a line: Content-Type and all
    below it are lost (and the report with them), and dkimpy refuses the message.

    They are read past (skipped) only when that is unambiguous: each is followed by a
    header field, so it stands among the fields and not where a body begins. A body written
    without the blank line before it (the other way such a line comes) goes on with more
    lines that are no field, or with a boundary line ("--"), and is left as the email
    package reads it. A stray line is no field, so no DKIM signature covers it (RFC 6376
    §5.4 signs fields by name): skipping it changes no signed byte.

    One stray line right above the blank line that ends the header block (`ended`: there is
    one), below fields and not a boundary line, is read past too: a relay's stray line added
    there made the signature fail ("Unexpected characters in RFC822 header") and the report
    was rejected. It may instead be the first line of a body written without its blank line,
    so DKIM tries that reading too (_StrayLines.as_body); the MIME structure reads the same
    either way (a multipart body's first lines before its first boundary are its preamble)."""
    lines = head.splitlines()
    stray: list[tuple[int, bytes]] = []
    safe = True
    last_alone = False
    for n, line in enumerate(lines):
        if (
            not line
            or line[:1] in (b" ", b"\t")
            or _FIELD_LINE.match(line)
            or (n == 0 and line.startswith(b"From "))
        ):
            continue
        stray.append((n + 1, line))
        after = next((x for x in lines[n + 1 :] if x[:1] not in (b" ", b"\t")), None)
        if after is None and ended and not line.startswith(b"--") and n > 0:
            last_alone = True
        elif line.startswith(b"--") or after is None or not _FIELD_LINE.match(after):
            safe = False
    if last_alone and len(stray) > 1:
        safe = False  # two or more: a body begun without its blank line, as before
    return _StrayLines(stray, bool(stray) and safe)


def _without_comments(value: str) -> str:
    """A structured field's value with its comments (RFC 5322 §3.2.2: "(...)", nested, with
    quoted-pairs) each replaced by a blank. Quoted strings are kept as they are: a boundary
    may hold parentheses ("=_(1)_=", RFC 2046 §5.1.1). A comment or quoted string left open
    makes the value ambiguous: it is then returned unchanged."""
    out: list[str] = []
    depth = 0
    quoted = False
    i = 0
    while i < len(value):
        c = value[i]
        if c == "\\" and (quoted or depth) and i + 1 < len(value):
            if not depth:
                out.append(value[i : i + 2])
            i += 2
            continue
        if depth:
            depth += {"(": 1, ")": -1}.get(c, 0)
        elif quoted:
            out.append(c)
            quoted = c != '"'
        elif c == "(":
            out.append(" ")
            depth = 1
        else:
            out.append(c)
            quoted = c == '"'
        i += 1
    return value if depth or quoted else "".join(out)


# Blanks around the "/" of a media type: RFC 822 §3.1.4 lets white space (and comments, made
# blanks above) stand between the tokens of a structured field.
_TYPE_SLASH = re.compile(r"\A\s*([^\s;/]+)\s*/\s*")
# The MIME fields whose comments decide how a message is read (RFC 2045 §5.1, §6).
_COMMENT_FREE_FIELDS = ("content-type", "content-transfer-encoding")


class _CommentFreeMime:
    """A policy mixin: Content-Type and Content-Transfer-Encoding read without their comments
    (RFC 2045 §5.1 allows them "in accordance with RFC 822 rules for structured header
    fields"). The email package keeps a comment in the media type ("multipart/report (x)" is
    then no multipart/report: a bounce went unrecognised and a report was warned about its
    envelope; "multipart (x)/report" is no multipart at all and its report was lost), in a
    transfer encoding ("base64 (x)" was not decoded), and compat32 in a boundary parameter
    ('boundary="b1" (x)' found no part). Only the reading changes: the message's bytes, the
    stored ones and those DKIM verifies, stay as they came."""

    def header_fetch_parse(self, name: str, value: Any) -> Any:
        if isinstance(value, str) and "(" in value and name.lower() in _COMMENT_FREE_FIELDS:
            value = _TYPE_SLASH.sub(r"\1/", _without_comments(value)).strip()
        return super().header_fetch_parse(name, value)  # type: ignore[misc]


# A quoted boundary parameter's value (quoted-pairs included), RFC 2045 §5.1.
_QUOTED_BOUNDARY = re.compile(r'((?<![\w-])boundary\s*=\s*")((?:[^"\\]|\\.)*)"', re.IGNORECASE)


def _boundary_as_written(m: re.Match[str]) -> str:
    return m[1] + m[2].replace("=?", "\\=?") + '"'


class _ReadingPolicy(_CommentFreeMime, EmailPolicy):
    """policy.default, with MIME fields read without comments, and a quoted boundary read as
    written: policy.default decodes an RFC 2047 encoded-word inside a quoted-string, which
    RFC 2047 §5 (3) forbids, so 'boundary="=?utf-8?q?b1?="' (RFC 2046 §5.1.1 allows "=" and
    "?") was read as b1, no part was found and the report was rejected (round s41b). A
    quoted-pair before its "=?" keeps it text; other parameters (an encoded file name, as
    Outlook writes them) are still decoded."""

    def header_fetch_parse(self, name: str, value: Any) -> Any:
        if isinstance(value, str) and "=?" in value and name.lower() == "content-type":
            value = _QUOTED_BOUNDARY.sub(_boundary_as_written, value)
        return super().header_fetch_parse(name, value)


class _ReadingCompat32(_CommentFreeMime, Compat32):
    """policy.compat32, with MIME fields read without comments."""


_READING = _ReadingPolicy()
_READING_COMPAT32 = _ReadingCompat32()


def token_from_recipient(address: str, inbound_domain: str | None = None) -> str | None:
    """The token of `tlsrpt+<token>@<domain>`, or None. With inbound_domain, the domain must match."""
    m = _RECIPIENT_RE.match(address.strip().strip("<>"))
    if not m:
        return None
    # An SMTPUTF8 sender may write our domain in U-labels: the same name as its A-labels.
    if inbound_domain and a_labels(m.group(2)) != a_labels(inbound_domain):
        return None
    return m.group(1).lower()


def tokens_from_headers(message: bytes) -> list[str]:
    """Tokens found in the delivery headers, most specific first (for `ingest_email` without
    an explicit recipient: Exim's pipe_transport adds Envelope-to, with envelope_to_add,
    and Postfix adds Delivered-To / X-Original-To)."""
    headers = BytesHeaderParser(policy=policy.compat32).parsebytes(readable(message))
    found: list[str] = []
    for name in ("envelope-to", "delivered-to", "x-original-to", "to", "cc"):
        for _, addr in getaddresses([str(v) for v in headers.get_all(name, [])]):
            token = token_from_recipient(addr)
            if token and token not in found:
                found.append(token)
    return found


def header_summary(message: bytes) -> dict[str, str]:
    headers = BytesHeaderParser(policy=policy.compat32).parsebytes(readable(message))
    # raw_items, not get(): compat32 hands a value with 8-bit bytes out as a Header whose str()
    # has lost them, where the raw value keeps them as surrogate escapes.
    raw: dict[str, str] = {}
    for key, value in headers.raw_items():
        raw.setdefault(key.lower(), value)
    out: dict[str, str] = {}
    for name in KEPT_HEADERS:
        value = raw.get(name)
        if value is not None:
            # Turn the surrogate escapes back into the bytes, then read those as UTF-8
            # (RFC 6532), replacing only what is not UTF-8.
            text = " ".join(str(value).split())
            out[name] = storable(
                text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            )[:1000]
    return out


@dataclass
class MailReport:
    """The report found in a message, and what the envelope said."""

    payload: bytes
    declared_type: str
    filename: str | None
    report_domain: str | None
    submitter: str | None
    warnings: list[str] = field(default_factory=list)
    # The report is in a message forwarded as an attachment: its headers were read, and its
    # DKIM signature is the one that can vouch for the report (verify_dkim).
    forwarded: bool = False
    # The report file of a zip attachment holding several (reports.parse.report_members):
    # the payload is the whole attachment, and this says which of its files is the report.
    member: int | None = None


# Embedded messages: an admin forwarding a report "as attachment" (RFC 2046 §5.2.1), or an MTA's
# bounce quoting it. message/delivery-status is header blocks, not a message.
_MESSAGE_TYPES = ("message/rfc822", "message/global")
# Bounds on what a public address may make us unpack: how deeply nested parts are read (a
# forward of a forward is 6 deep), how many forwarded messages are cut out.
_MAX_DEPTH = 16
_MAX_EMBEDDED = 4
# multipart/report kinds that return or acknowledge a message sent elsewhere: a bounce (RFC 3464)
# and a read receipt (RFC 8098), and their SMTPUTF8 forms (RFC 6533: global-delivery-status
# and global-disposition-notification, quoting the message as message/global).
_NOTICE_REPORT_TYPES = frozenset(
    {
        "delivery-status",
        "disposition-notification",
        "global-delivery-status",
        "global-disposition-notification",
    }
)


def _leaves(msg: Message, owner: Message | None = None, depth: int = 0) -> list[tuple[Any, Any]]:
    """The leaf parts of `msg` with the message each belongs to: None for the message itself,
    else the innermost message forwarded as an attachment (its headers are the report's).

    A forwarded message sent base64- or quoted-printable-encoded is read as the email package
    reads it (base64 text is a message with no headers, so nothing); the message it decodes to
    is read after these parts (see _decoded_forwards)."""
    if depth > _MAX_DEPTH:
        return []
    if not msg.is_multipart():
        return [(msg, owner)]
    embedded = msg.get_content_type() in _MESSAGE_TYPES
    out: list[tuple[Any, Any]] = []
    for sub in msg.get_payload():
        if isinstance(sub, Message):
            out += _leaves(sub, sub if embedded else owner, depth + 1)
    return out


def _transfer_encoding(value: Any) -> str:
    """A Content-Transfer-Encoding value in lower case (RFC 2045 §6.1), 7bit when absent."""
    return str(value or "7bit").strip().lower()


def _base64_message(text: bytes) -> bytes:
    """The bytes a base64-encoded embedded message decodes to (characters outside the
    alphabet ignored, RFC 2045 §6.8), or b"" when it is no base64."""
    try:
        return base64.b64decode(re.sub(rb"[^A-Za-z0-9+/=]", b"", text))
    except ValueError:
        return b""


def embedded_messages(message: bytes) -> list[bytes]:
    """The bytes of the messages forwarded as attachments inside `message`, outermost first,
    exactly as they were attached (a DKIM signature of the original is checked on them).

    message/rfc822 is sent unencoded (RFC 2046 §5.2.1: 7bit, 8bit or binary only), so the
    original's bytes are the part's body: between its header block and the CRLF that starts
    the next boundary delimiter (RFC 2046 §5.1.1). Some clients and MTAs (Outlook, Exchange)
    encode it all the same, base64 or quoted-printable; both keep every byte, so the original
    is what the body decodes to (see _undo_transfer_encoding). Other encodings are not read."""
    return [original for original, _ in _embedded(message)]


def _decoded_forwards(message: bytes) -> list[bytes]:
    """The messages of embedded_messages that were read by undoing a transfer encoding: the
    email package does not read them (see _leaves), so extract_reports reads them apart."""
    return [original for original, decoded in _embedded(message) if decoded]


def _embedded(
    message: bytes, depth: int = 0, default_type: str = "text/plain"
) -> list[tuple[bytes, bool]]:
    """embedded_messages, each with whether its bytes were decoded from the part's body.
    `default_type`: a part's type when it has no Content-Type (message/rfc822 in a
    multipart/digest, RFC 2046 §5.1.5, as the email package reads it in _leaves)."""
    if depth > _MAX_DEPTH:
        return []
    if message[:1] in (b"\n", b"\r"):
        head, body = b"", message.lstrip(b"\r")[1:]  # a part with no headers
    else:
        blank = _BLANK_LINE.search(message)
        if blank is None:
            return []
        head, body = message[: blank.start()], message[blank.end() :]
    headers = BytesHeaderParser(policy=_READING_COMPAT32).parsebytes(head)
    headers.set_default_type(default_type)
    ctype = headers.get_content_type()
    saved = _saved_message_file(headers)
    if ctype in _MESSAGE_TYPES or saved:
        undone = _undo_transfer_encoding(body, headers.get("content-transfer-encoding"))
        if undone is None:
            return []
        original, decoded = undone
        # A saved .eml is a file to the email package, never read as a message: read apart.
        decoded = decoded or saved
        return [(original, decoded), *_embedded(original, depth + 1)][:_MAX_EMBEDDED]
    boundary = headers.get_boundary() if headers.get_content_maintype() == "multipart" else None
    if not boundary:
        return []
    delimiter = re.compile(
        rb"(?:\A|\r?\n)--"
        + re.escape(boundary.encode("utf-8", "surrogateescape"))
        + rb"(--)?[ \t]*(?:\r?\n|\Z)"
    )
    found: list[tuple[bytes, bool]] = []
    marks = list(delimiter.finditer(body))
    inner = "message/rfc822" if headers.get_content_subtype() == "digest" else "text/plain"
    for mark, after in zip(marks, marks[1:], strict=False):
        if mark.group(1):
            break  # the close delimiter: what follows is the epilogue
        found += _embedded(body[mark.end() : after.start()], depth + 1, inner)
        if len(found) >= _MAX_EMBEDDED:
            break
    return found[:_MAX_EMBEDDED]


def _saved_message_file(headers: Message) -> bool:
    """A part that is a saved message attached as a file: named *.eml (RFC 5322 text, as mail
    clients save a message) and declared as some other single-part type than message/rfc822
    (application/octet-stream, text/plain), as a person attaches the report mail they saved
    or a client without the .eml type attaches it. Read as a forward is (the report is judged
    by the saved message's own DKIM signature)."""
    if headers.get_content_maintype() not in ("application", "text"):
        return False
    try:
        name = headers.get_filename()
    except Exception:  # a malformed RFC 2231 parameter: no name to go by
        return False
    return isinstance(name, str) and name.strip().lower().endswith(".eml")


# The first line of a header block, as the email package tells one (email.feedparser's
# headerRE): a field name and a colon, a continuation, or an mbox "From " line.
_HEADER_LINE = re.compile(rb"\A(From |[\041-\071\073-\176]*:|[\t ])")


def _undo_transfer_encoding(body: bytes, cte: Any) -> tuple[bytes, bool] | None:
    """The forwarded message a message/rfc822 (or message/global) part's body holds, and
    whether it was decoded; None when its encoding is not read.

    A part labelled quoted-printable whose body is the plain message all the same is read as
    it stands, as the email package reads it: such a message has an "=" that starts no
    escape (a DKIM signature's "v=1;"), where an encoder writes every "=" as "=3D". Base64
    text never starts with a header line, as a message labelled base64 but sent plain does."""
    encoding = _transfer_encoding(cte)
    if encoding in ("7bit", "8bit", "binary"):
        return body, False
    if encoding == "base64":
        if _HEADER_LINE.match(body):
            # Labelled base64 but sent as the plain message: read as it stands, as the email
            # package reads it (_leaves), and judged by its own signature like any forward.
            return body, False
        decoded = _base64_message(body)
        return (decoded, True) if decoded else None
    if encoding == "quoted-printable":
        if _NOT_QUOTED_PRINTABLE.search(body):
            return body, False
        decoded = binascii.a2b_qp(body)
        return (decoded, True) if decoded != body else (body, False)
    return None


# An "=" that is neither an escape (two hex digits) nor a soft line break (RFC 2045 §6.7).
_NOT_QUOTED_PRINTABLE = re.compile(rb"=(?![0-9A-Fa-f]{2}|[ \t]*(?:\r?\n|\Z))")


# Bounds on one message's reports (RFC 8460 §5.3 has one; a digest or a forward of several
# carries a few): each becomes a raw report holding the whole message, so the copies stored
# for one message are capped too, at this many times the message cap.
MAX_REPORTS_PER_MESSAGE = 10
MAX_COPIES_BYTES_FACTOR = 2


class TooManyReports(ReportRejected):
    """A message carrying more reports than one message may (MAX_REPORTS_PER_MESSAGE)."""


def extract_report(message: bytes, index: int = 0) -> MailReport:
    """The report at `index` (0: the first) of a stored message, see `extract_reports`.
    No MAX_REPORTS_PER_MESSAGE here: the intake applied it when the message came, and a row
    stored before a release that counts more reports in the same bytes (a zip's files, since
    3996dfd) must keep reading the report it was stored for."""
    reports = extract_reports(message)
    if index >= len(reports):
        raise ReportRejected(
            f"message carries {len(reports)} report(s); report {index + 1} is not in it"
        )
    return reports[index]


def extract_reports(message: bytes, *, limit: int | None = None) -> list[MailReport]:
    """The reports in a message (RFC 8460 §5.3): the parts declared as reports, then the
    others, each in the order of their parts.

    Parts are judged by their content, not their declared type or file name: reporters send
    application/gzip or application/octet-stream too (M42). The declared type only warns.
    RFC 8460 §5.3 describes one report per message, but digests and forwards of several
    carry more, and none may be lost: every part declared as a report counts, and so does
    every gzip or zip part; a JSON-looking part not declared as a report (a text body, a
    note) counts only when no part is declared as one. The same bytes attached twice count
    once. A zip part holding several report files is that many reports (`member`).
    The reports of a forwarded message read by undoing its base64 or quoted-printable
    encoding (_decoded_forwards) come after all others, as if attached after them.
    Raises ReportRejected when there is none, TooManyParts over MAX_MIME_PARTS, and
    TooManyReports when there are more than `limit` (the intake's MAX_REPORTS_PER_MESSAGE,
    see report_count; None for a stored message, whose rows read their report by index
    whatever this release counts in it).
    """
    message, stray = _read_headers(message)
    # Counted on the bytes before the email package reads them: it takes seconds per
    # hundred thousand parts, and the intake reads a message while the sender waits.
    parts = _boundary_lines(message)
    _refuse_too_many_parts(parts)
    in_parts, part_stray = _read_part_headers(message)
    try:
        msg: Any = BytesParser(policy=_READING).parsebytes(in_parts)
    except Exception as e:  # the email package can raise on odd input; say so, never crash
        raise ReportRejected(f"message could not be read as MIME ({type(e).__name__})") from None
    leaves = [(part, owner, False) for part, owner in _leaves(msg)]
    for original in _decoded_forwards(message):
        parts += _boundary_lines(original)
        _refuse_too_many_parts(parts, ", in it and in the messages forwarded in it")
        try:
            forwarded = BytesParser(policy=_READING).parsebytes(
                _part_headers_read(readable(original))
            )
        except Exception:
            continue  # what it decodes to is no message: the part is not read, as before
        leaves += [(part, owner, True) for part, owner in _leaves(forwarded, forwarded)]
    # (payload, declared type, filename, owner, read from a decoded forward)
    found: list[tuple[bytes, str, str | None, Any, bool]] = []
    dmarc = False
    # Why the first part declared as a report could not be one: with no other report in the
    # message, that is the reason a person needs ("no gzip, zip or JSON part" would deny the
    # part they can see).
    unreadable: str | None = None
    # An attachment of no declared report type in another compressor's format (a .json.xz)
    # or base64 text: named when nothing else explains why no report was found.
    compressed_otherwise: str | None = None
    for part, owner, decoded in leaves:
        try:
            payload = part.get_payload(decode=True)
        except Exception:
            continue
        if not isinstance(payload, bytes):
            continue
        if _is_dmarc_aggregate(payload):
            dmarc = True  # gzip or zip too, but no TLS report: said plainly below
            continue
        if sniff(payload) is None:
            ctype = part.get_content_type()
            if ctype in REPORT_TYPES and unreadable is None:
                unreadable = (
                    f"the {ctype} part is empty (RFC 8460 §5.3)"
                    if not payload.strip()
                    else f"the {ctype} part is not gzip, zip or JSON once its transfer "
                    f"encoding is undone (first bytes: {payload[:8]!r}; RFC 8460 §5.3)"
                    + what_it_is(payload)
                )
            elif compressed_otherwise is None and (other := other_compression(payload)):
                named = part.get_filename()
                compressed_otherwise = (
                    "message has no gzip, zip or JSON part (RFC 8460 §5.3); the "
                    f"{ctype} part{f' {named[:200]!r}' if named else ''} (first bytes: "
                    f"{payload[:8]!r}){other}"
                )
            continue
        entry = (payload, part.get_content_type(), part.get_filename(), owner, decoded)
        same = next((i for i, f in enumerate(found) if f[0] == payload), None)
        if same is None:
            found.append(entry)
        elif found[same][3] is None and owner is not None and not decoded:
            # The same bytes attached twice (a client's copy, a forward of a forward) count
            # once; when one copy is in a forwarded message, that copy is the one read, in
            # the first one's place: its message's headers and DKIM signature are the
            # reporter's (s23 F21: the forwarder attached the file before the message).
            found[same] = entry
    if not found and dmarc:
        raise ReportRejected(
            "message holds a DMARC aggregate report (XML <feedback>, RFC 7489 §7.2), not a TLS "
            "report: this address takes TLS-RPT reports (the rua of _smtp._tls, RFC 8460); "
            "point the rua of _dmarc at a DMARC report address"
        )
    if not found:
        raise ReportRejected(
            unreadable
            or compressed_otherwise
            or _stray_reason(stray)
            or "message has no gzip, zip or JSON part (RFC 8460 §5.3)"
        )
    if any(f[3] is not None for f in found) and msg.get_content_type() == "multipart/report":
        kind = str(_param(msg, "report-type") or "").strip().lower()
        if kind in _NOTICE_REPORT_TYPES:
            # A bounce (RFC 3464) or read receipt (RFC 8098) quoting a report says that report
            # did not reach, or was read at, some other address: not a report delivered here.
            raise ReportRejected(
                "message is a delivery status notification or read receipt quoting a report "
                f"(multipart/report; report-type={kind[:40]}), not a TLS report (RFC 8460 §5.3)"
            )
    # The message's own parts are chosen as they were before forwards were decoded, so the
    # raw reports stored then keep their report_index; the decoded forwards' reports follow.
    own = _chosen([f for f in found if not f[4]])
    later = _chosen([f for f in found if f[4]], declared=any(f[1] in REPORT_TYPES for f in found))
    ignored = len(found) - len(own) - len(later)
    # A zip attachment holding several reports (RFC 8460 §6.3) is several reports, as several
    # attachments are. Each part's first report keeps the place the part had before zips
    # were split (raw reports stored then keep reading the same report on a reparse); the
    # zips' other reports follow, in the order of their parts and files. Parts are counted
    # first, so a message of a thousand zips is refused at intake before one is opened.
    if limit is not None and len(own) + len(later) > limit:
        raise TooManyReports(
            f"message carries {len(own) + len(later)} reports; at most {limit} are "
            "read from one message (send them in separate messages, RFC 8460 §5.3)"
        )
    if limit is not None:
        # A zip the parse could read nothing of (more than MAX_ZIP_FILES files) is refused
        # at intake with its reason, not taken and then rejected with all its reports.
        for payload, _, filename, _, _ in own + later:
            if (files := zip_file_count(payload)) is not None and files > MAX_ZIP_FILES:
                named = f" {filename[:200]!r}" if filename else ""
                raise TooManyReports(f"zip attachment{named}: {too_many_zip_files(files)}")
    entries = _places(own) + _places(later)
    if limit is not None and len(entries) > limit:
        raise TooManyReports(
            f"message carries {len(entries)} reports; at most {limit} are "
            "read from one message (send them in separate messages, RFC 8460 §5.3)"
        )
    out: list[MailReport] = []
    for n, ((payload, ctype, filename, owner, _), member, in_zip) in enumerate(entries):
        warnings: list[str] = []
        if len(entries) > 1:
            warnings.append(
                f"message carries {len(entries)} reports (RFC 8460 §5.3: one per message); "
                f"this is report {n + 1} of {len(entries)}"
            )
        if member is not None:
            warnings.append(
                f"zip attachment{f' {filename[:200]!r}' if filename else ''} holds {in_zip} "
                f"reports; this is its file {_zip_name(payload, member)!r}"
            )
        if stray.skipped:
            warnings += [
                f"header line {number} {_shown(line)} has no colon and is no header field "
                "(RFC 5322 §2.2); read past it"
                for number, line in stray.lines[:3]
            ]
        warnings += [
            f"a MIME part's header line {_shown(line)} has no colon and is no header field "
            "(RFC 5322 §2.2); read past it"
            for line in part_stray[:3]
        ]
        if ignored:
            warnings.append(
                f"message has {ignored} other part(s) that look like JSON but are not declared "
                "as a report; not read"
            )
        if dmarc:
            warnings.append(
                "message also holds a DMARC aggregate report (XML <feedback>, RFC 7489 §7.2), "
                "not read: this address takes TLS-RPT reports (the rua of _smtp._tls, RFC "
                "8460); DMARC reports go to the rua of _dmarc"
            )
        report = _mail_report(msg, payload, ctype, filename, owner, warnings)
        report.member = member
        out.append(report)
    return out


_Found = tuple[bytes, str, str | None, Any, bool]


def _shown(line: bytes) -> str:
    """A line of a header block as a reason names it: quoted, at most 80 characters."""
    return repr(storable(line[:80].decode("utf-8", "replace")))


def _stray_reason(stray: _StrayLines) -> str | None:
    """Why a message with a stray header line that was not read past has no report: the
    email package ended the header block at that line (_stray_header_lines)."""
    if not stray.lines or stray.skipped:
        return None
    number, line = stray.lines[0]
    return (
        f"header line {number} {_shown(line)} has no colon and is no header field (RFC 5322 "
        "§2.2): the header block was read as ending there, so the fields below it "
        "(Content-Type and the MIME structure with it) were not read, and no report was "
        "found; it was not read past because it does not stand between header fields"
    )


def _chosen(found: list[_Found], declared: bool | None = None) -> list[_Found]:
    """The parts of `found` read as reports: a part declared as the report wins over one that
    only looks like it (a JSON or text part placed before the report, say), unless no part is
    declared (`declared`: whether one is, by default among `found`); a gzip or zip attachment
    is a report whatever its declared type."""
    if declared is None:
        declared = any(f[1] in REPORT_TYPES for f in found)
    chosen = [f for f in found if f[1] in REPORT_TYPES or not declared or sniff(f[0]) != "json"]
    # Declared reports first, each group in the order of its parts (a stable sort): report 0
    # is the part the single-report reader before migration 0012 took, and every raw report
    # stored then has report_index 0, so reparse and report_json read the same part again
    # (a mail log gzipped as application/octet-stream before the report is report 1, not 0).
    chosen.sort(key=lambda f: f[1] not in REPORT_TYPES)
    return chosen


def _places(chosen: list[_Found]) -> list[tuple[_Found, int | None, int]]:
    """Each chosen part with the place of one of its reports (report_members) and how many it
    holds: every part's first report, then the further reports of zips (see extract_reports)."""
    each = [(f, report_members(f[0])) for f in chosen]
    entries = [(f, places[0], len(places)) for f, places in each]
    entries += [(f, place, len(places)) for f, places in each for place in places[1:]]
    return entries


# At most this many MIME parts are read from one message: a report mail has a handful, and
# the email package takes about a second per 6,000 parts (a 15 MB message of tiny parts held
# it for minutes). Counted as boundary lines, see _boundary_lines.
MAX_MIME_PARTS = 2000


class TooManyParts(ReportRejected):
    """A message split into more MIME parts than one is read with (MAX_MIME_PARTS)."""


def _boundary_lines(message: bytes) -> int:
    """How many lines of `message` start with "--": every boundary delimiter does (RFC 2046
    §5.1.1), so no more parts than this are made of it. Line ends as the email package
    takes them: CRLF, LF or a lone CR."""
    return message.startswith(b"--") + message.count(b"\n--") + message.count(b"\r--")


def _refuse_too_many_parts(lines: int, where: str = "") -> None:
    if lines > MAX_MIME_PARTS:
        raise TooManyParts(
            f'message has {lines} MIME boundary lines (lines starting with "--"{where}); '
            f"at most {MAX_MIME_PARTS} parts are read from one message, and a report mail has "
            "a few (RFC 8460 §5.3), so it was not read; the message is kept as it came"
        )


def _zip_name(archive: bytes, place: int) -> str:
    """The name of the file at `place` among the files of a zip archive (report_members)."""
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        return [i for i in opened.infolist() if not i.is_dir()][place].filename[:200]


# How much of a part is inflated to tell a DMARC aggregate report (XML) from a TLS report.
_PEEK_BYTES = 1024


def _is_dmarc_aggregate(payload: bytes) -> bool:
    """Whether a part is a DMARC aggregate report (RFC 7489 §7.2.1.1: XML with a <feedback>
    root, as text/xml, gzip or zip), by its first bytes; only _PEEK_BYTES are inflated."""
    head = payload[:_PEEK_BYTES]
    try:
        if payload.startswith(b"\x1f\x8b"):
            head = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS).decompress(
                payload[: 64 * 1024], _PEEK_BYTES
            )
        elif payload.startswith(b"PK\x03\x04"):
            with zipfile.ZipFile(io.BytesIO(payload)) as archive:
                members = archive.infolist()
                if len(members) != 1:
                    return False
                with archive.open(members[0]) as member:
                    head = member.read(_PEEK_BYTES)
    except Exception:  # broken archives are the parser's to judge, with its own reason
        return False
    head = head.removeprefix(_BOM).lstrip()
    return head.startswith(b"<") and b"<feedback" in head


def _mail_report(
    msg: Any, payload: bytes, declared: str, filename: str | None, owner: Any, warnings: list[str]
) -> MailReport:
    """A report found in `msg`, with what its envelope says: the message's own, or the one
    of the message forwarded as an attachment that holds it (`owner`)."""
    if owner is not None:
        # Forwarded as an attachment: the report's own envelope is the forwarded message.
        warnings.append(
            "the report is in a message forwarded as an attachment (message/rfc822); the "
            "forwarded message's headers and DKIM signature were read"
        )
        msg = owner
    warnings += _label_warnings(declared, payload)
    # report-type names a kind of report as type and subtype names do, and compares
    # case-insensitively like them (RFC 2045 §5.1): report-type="TLSRPT" is the same thing,
    # and no reason for a warning. get_content_type() is lower case already; an RFC 2231
    # encoded value comes as a tuple.
    report_type = _param(msg, "report-type")
    if (
        msg.get_content_type() != "multipart/report"
        or str(report_type or "").strip().lower() != "tlsrpt"
    ):
        warnings.append('message is not multipart/report; report-type="tlsrpt" (RFC 8460 §5.3)')

    # TLS-Report-Domain may stand in for a missing policy-domain, and is compared with the
    # report address's domain; TLS-Report-Submitter with contact-info and the DKIM domain.
    report_domain = _header_domain(msg, "TLS-Report-Domain", warnings)
    submitter = _header_domain(msg, "TLS-Report-Submitter", warnings)
    return MailReport(
        payload, declared, filename, report_domain, submitter, warnings, owner is not None
    )


_BYTES_NAMED = {"gzip": "gzip", "zip": "zip", "json": "JSON"}


def _label_warnings(declared: str, payload: bytes) -> list[str]:
    """A warning naming the report part's label and what its bytes are when the label is no
    report type (application/pdf on gzip), or the other report type (+json on gzip or zip,
    +gzip on plain JSON): the part is read by its bytes either way (RFC 8460 §5.3), as the
    HTTPS door does (reports.intake_http.label_warnings)."""
    found = sniff(payload)
    named = f"its bytes are {_BYTES_NAMED[found]}" if found else ""
    if declared not in REPORT_TYPES:
        return [
            f"report part is declared {declared}, not application/tlsrpt+gzip or +json "
            f"(RFC 8460 §5.3)" + (f"; {named}" if named else "")
        ]
    wanted = label_mismatch(declared, found)
    if wanted is None:
        return []
    return [f"report part is declared {declared}, but {named}: {wanted} (RFC 8460 §5.3)"]


def report_count(message: bytes) -> int:
    """How many raw reports the message is stored as: one per report in it, and one for a
    message with none (kept and rejected by the parse, as any garbage). Raises
    TooManyReports over MAX_REPORTS_PER_MESSAGE (the intake's limit: this is its count)."""
    try:
        return len(extract_reports(message, limit=MAX_REPORTS_PER_MESSAGE))
    except TooManyReports:
        raise
    except ReportRejected:
        return 1


def _param(msg: Any, name: str) -> str | None:
    """A Content-Type parameter; an RFC 2231 encoded value comes as a tuple."""
    value = msg.get_param(name)
    if isinstance(value, tuple):
        value = collapse_rfc2231_value(value)
    return None if value is None else str(value)


def submitter_domain(value: str | None) -> str | None:
    """A TLS-Report-Submitter (or TLS-Report-Domain) header value as the domain it names
    (RFC 8460 §5.3), or None when it is missing or no domain name. In lower-case A-labels
    without a trailing dot, the form domains are stored and compared in: Sender.Example.
    and sendér.example name the domains sender.example and xn--sendr-bsa.example."""
    value = " ".join((value or "").split())
    if not value:
        return None
    value = a_labels(value)
    return value if _DOMAIN_RE.match(value) else None


# RFC 8460 §5.1: filename = sender "!" policy-domain "!" begin-timestamp "!" end-timestamp
# [ "!" unique-id ] "." extension, the extension "json" or "json.gz".
_REPORT_FILENAME_RE = re.compile(r"[^!]+!([^!]+)!\d+!\d+(?:![^!]*)?\.json(?:\.gz)?", re.IGNORECASE)


def filename_domain(filename: str | None) -> str | None:
    """The policy domain an RFC 8460 §5.1 report file name names
    ('google.com!example.com!1780272000!1780358399!001.json.gz': example.com), as
    submitter_domain gives it; None for any other name. Checklist RPT-06: a report whose
    policy-domain is missing falls back to TLS-Report-Domain, then to this."""
    name = (filename or "").strip().replace("\\", "/").rsplit("/", 1)[-1]
    m = _REPORT_FILENAME_RE.fullmatch(name)
    return submitter_domain(m.group(1)) if m else None


def said_from_filename(warnings: list[str], domain: str, filename: str) -> list[str]:
    """The parser's warnings about a policy without policy-domain that took `domain` from
    the report file's name `filename` (filename_domain) as their fallback, saying so rather
    than 'from the envelope': a mailed report's attachment name (RawReport._parse) and an
    imported file's name (reports.ingest) alike."""
    return said_from(
        warnings, domain, f"from the report file's name {filename[:200]!r} (RFC 8460 §5.1)"
    )


# Where the domain filled in for a policy without policy-domain came from, when not from a
# file name (said_from): the parser says "from the envelope", which only a mail without
# TLS-Report-Domain has (task s48g: an HTTPS report, posted or imported, said so too).
FROM_HEADER = "from the TLS-Report-Domain header"
FROM_ADDRESS = "from the report address"


def said_from(warnings: list[str], domain: str, source: str) -> list[str]:
    """The parser's warnings about a policy without policy-domain that took `domain` as
    their fallback, saying `source` (FROM_HEADER, FROM_ADDRESS, a file's name) where they
    say 'from the envelope'."""
    envelope = f"; using {domain} from the envelope"
    return [w.replace(envelope, f"; using {domain} {source}") for w in warnings]


def _header_domain(msg: Any, name: str, warnings: list[str]) -> str | None:
    """The domain a TLS-Report-Domain or -Submitter header names (submitter_domain), with a
    warning when it is missing, no domain name, or written in U-labels."""
    value = " ".join(str(msg.get(name) or "").split())
    if not value:
        warnings.append(f"{name} header is missing (RFC 8460 §5.3 MUST)")
        return None
    domain = submitter_domain(value)
    # RFC 8460 §5.3 names one domain. Several different ones leave it unclear who reports
    # (the submitter is what the DKIM domain is matched with, §3), and a DKIM signature
    # covers the last of them (RFC 6376 §5.4.2) where the first is read: say so.
    others = {
        submitter_domain(str(v)) or " ".join(str(v).split()).lower() for v in msg.get_all(name, [])
    } - {domain or value.lower()}
    if others:
        shown = ", ".join(sorted(o[:80] for o in others)[:3])
        warnings.append(
            f"{name} header appears more than once, with other values ({shown}); "
            f"the first, {(domain or value)[:80]}, was read (RFC 8460 §5.3: one domain)"
        )
    if domain is None:
        shown = value.lower().rstrip(".")[:80]
        warnings.append(f"{name} {shown!r} is not a domain name; ignored")
    elif not value.isascii():
        # RFC 8460 §4.4 asks for the policy domain in A-labels; read as what it names.
        warnings.append(f"{name} {value[:80]!r} is not in A-label form; read as {domain}")
    return domain


# --- DKIM (RFC 8460 §3: reports by mail MUST be signed by the reporting domain) ----------------


@dataclass
class DkimOutcome:
    result: str  # "pass", "fail", "none" (unsigned), "temperror" (DNS trouble)
    domain: str = ""
    selector: str = ""
    key_is_tlsrpt: bool = False  # the key record carries s=tlsrpt (§3 SHOULD)
    has_length_tag: bool = False  # l= (§3: MUST NOT)
    detail: str = ""


DnsFunc = Any  # dkimpy's callable: (name: bytes, timeout: int) -> bytes | None


def make_dnsfunc(
    resolvers: tuple[tuple[str, int], ...], timeout: float = 5.0, allow_private: bool = False
) -> DnsFunc:
    """A dkimpy `dnsfunc` that asks the configured resolvers (checks.config), not resolv.conf.
    A key under a name only private networks use (checks.dns.private_network_name), named
    by the signature or reached through a CNAME, is no key, as on the internet, unless
    `allow_private` (the lab): the signature is anyone's to write, and our resolver's private
    view is not for them to probe (s46d)."""
    resolver = dns.resolver.Resolver(configure=not resolvers)
    if resolvers:
        resolver.nameservers = [
            dns.nameserver.Do53Nameserver(host, port) for host, port in resolvers
        ]
    resolver.lifetime = timeout

    def dnsfunc(name: bytes, timeout: float = timeout) -> bytes | None:
        if not allow_private and private_network_name(name.decode("ascii")):
            return None
        try:
            answer = resolver.resolve(
                name.decode("ascii"), dns.rdatatype.TXT, raise_on_no_answer=False, lifetime=timeout
            )
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return None
        except (dns.exception.Timeout, dns.resolver.NoNameservers) as e:
            raise dkim.DnsTimeoutError(str(e)) from None
        if not allow_private and any(
            private_network_name(rrset.name.to_text()) for rrset in answer.response.answer
        ):
            return None
        for rrset in answer.response.answer:
            if rrset.rdtype == dns.rdatatype.TXT:
                # RFC 6376 §3.6.2.2: the strings of one TXT record are concatenated.
                return b"".join(next(iter(rrset)).strings)
        return None

    return dnsfunc


def verify_dkim(
    message: bytes,
    dnsfunc: DnsFunc,
    submitter: str | None = None,
    report_index: int = 0,
    at: float | None = None,
) -> DkimOutcome:
    """The DKIM outcome of a report e-mail (RFC 8460 §3) for its report at `report_index`,
    see `_verify_message`; `at` is when the message was received (Unix time; now if None),
    the time its signatures' t= and x= are judged at (_ReceivedDKIM).

    A report forwarded as an attachment (message/rfc822) is vouched for by the signature of
    the forwarded message, which holds it byte for byte, not by the forwarder's: when the
    message itself has no signature of the reporter, the forwarded one holding the report is
    verified, and its outcome stands if it passes for the reporter, or if the forward has no
    passing signature.
    """
    message, stray = _read_headers(message)
    outcome = _verify_message(message, dnsfunc, submitter, at)
    if stray.skipped:
        outcome = _stray_line_outcome(outcome, stray, dnsfunc, submitter, at)
    extra = _extra_suffixes() if submitter else ()
    if outcome.result == "pass" and (
        not submitter or same_or_parent(outcome.domain, submitter, extra)
    ):
        return outcome
    original = _forwarded_original(message, report_index)
    if original is None:
        return outcome
    inner = _verify_message(readable(original), dnsfunc, submitter, at)
    inner_aligned = not submitter or same_or_parent(inner.domain, submitter, extra)
    # The forwarded message's outcome is the report's own: it stands when it passes for the
    # reporter, and whenever the forward has no passing signature (so a broken original says
    # "did not verify", not "unsigned").
    if (inner.result == "pass" and inner_aligned) or (
        outcome.result != "pass" and inner.result != "none"
    ):
        note = "signature of the message forwarded as an attachment"
        inner.detail = f"{note}; {inner.detail}"[:2000] if inner.detail else note
        return inner
    return outcome


def _stray_line_outcome(
    outcome: DkimOutcome,
    stray: _StrayLines,
    dnsfunc: DnsFunc,
    submitter: str | None,
    at: float | None = None,
) -> DkimOutcome:
    """The DKIM outcome of a message whose header block holds a line with no colon that was
    read past (_stray_header_lines), saying so: a verdict that names the line. A line right
    above the blank line may be the first line of the body instead (as_body): when the
    message does not verify read past it, that reading is tried, and a pass there stands."""
    number, line = stray.lines[0]
    what = f"header line {number} {_shown(line)} has no colon (RFC 5322 §2.2)"
    if outcome.result != "pass" and stray.as_body is not None:
        other = _verify_message(stray.as_body, dnsfunc, submitter, at)
        if other.result == "pass":
            other.detail = _joined(f"{what}: verified reading it as the first line of the body")
            return other
        if other.result == "temperror" and outcome.result != "temperror":
            outcome = other  # a key lookup that failed may pass later: could not check
        outcome.detail = _joined(
            f"{what}: did not verify reading it as a stray header line nor as the first "
            f"line of the body; {outcome.detail}"
        )
        return outcome
    read = "verified" if outcome.result == "pass" else "checked"
    outcome.detail = _joined(
        f"{what}: {read} reading it as a stray header line (no signature covers it)"
        + (f"; {outcome.detail}" if outcome.detail else "")
    )
    return outcome


def _joined(text: str) -> str:
    return storable(text)[:2000]


def _forwarded_original(message: bytes, report_index: int = 0) -> bytes | None:
    """The bytes of the forwarded message the report at `report_index` was read from (see
    extract_reports), or None when the report is not in one. The report must be a part of
    that very message: a genuine signed message attached next to a forged report vouches
    for nothing. (A copy the forwarder attached too is not read: extract_reports reads the
    forwarded message's copy of the same bytes.)"""
    try:
        report = extract_report(message, report_index)
    except ReportRejected:
        return None
    if not report.forwarded:
        return None
    for original in embedded_messages(message):
        try:
            inner = extract_reports(original)
        except ReportRejected:
            continue
        if any(
            not r.forwarded and r.payload == report.payload and r.member == report.member
            for r in inner
        ):
            return original
    return None


def _verify_message(
    message: bytes, dnsfunc: DnsFunc, submitter: str | None = None, at: float | None = None
) -> DkimOutcome:
    """Verify every DKIM signature with dkimpy in its RFC 8460 mode; one that verifies counts.

    RFC 6376 §4/§6.1: a message may carry several signatures (a relay or mailing list adds its
    own on top), and one that fails does not spoil another that verifies. Of the passing ones,
    one whose d= is the submitter's domain or a parent of it is preferred (the one RFC 8460 §3
    asks for), then one without l=, then one whose key has s=tlsrpt. With none passing, the
    answer is "temperror" when one could not be checked here (a key lookup failed, or an
    ed25519-sha256 signature without PyNaCl: it may pass later), else "fail".
    """
    try:
        headers = _signature_headers(message)
    except dkim.MessageFormatError as e:
        # dkimpy refuses a header block holding a line that is no field (one readable() did
        # not read past): nothing verifies, which must not crash the parse of the report.
        detail = storable(f"the header block could not be read for DKIM: {e}")[:2000]
        return DkimOutcome("fail", detail=detail)
    count = len(headers)
    if not count:
        return DkimOutcome("none", detail="message has no DKIM-Signature")
    # Bounded work per message (a report address is public: a message may carry thousands of
    # signatures, each a key lookup and a body hash): the submitter's own signatures first,
    # at most MAX_SIGNATURES, and none after one of them passed.
    extra = _extra_suffixes()  # read once, not per signature

    def aligned(signer: str) -> bool:
        return bool(submitter) and same_or_parent(signer, submitter or "", extra)

    order = sorted(range(count), key=lambda i: not aligned(_signing_domain(headers[i])))[
        :MAX_SIGNATURES
    ]
    outcomes = []
    for idx in order:
        outcome, trouble = _verify_one(message, dnsfunc, idx, at)
        outcomes.append((outcome, trouble))
        # The reporter's own, without l= and with a key for s=tlsrpt, is as good as any can
        # be: stop there. Another of theirs may be better (RFC 8463 §4: a reporter signing
        # with Ed25519 and RSA, only one key carrying s=tlsrpt), so go on otherwise.
        if (
            outcome.result == "pass"
            and aligned(outcome.domain)
            and not outcome.has_length_tag
            and outcome.key_is_tlsrpt
        ):
            break
    passed = [o for o, _ in outcomes if o.result == "pass"]
    if passed:

        def rank(o: DkimOutcome) -> tuple[bool, bool, bool]:
            return (aligned(o.domain), not o.has_length_tag, o.key_is_tlsrpt)

        return max(passed, key=rank)  # max keeps the topmost of equals
    troubled = [(o, t) for o, t in outcomes if t]
    if troubled:
        # A signature that could not be checked here (its key lookup failed, or it is Ed25519
        # and PyNaCl is missing) may pass later: "temperror" keeps the report to be checked
        # again instead of rejecting it. Its own outcome is the one told.
        chosen, why = troubled[-1]
        chosen.result, chosen.detail = "temperror", why
    else:
        chosen = outcomes[0][0]
    if count > 1:
        which = "this one could not be checked" if troubled else "this is the first"
        chosen.detail += f" (none of {count} signatures verified; {which})"
    return chosen


def _extra_suffixes() -> tuple[str, ...]:
    from checks.config import CheckConfig

    return CheckConfig.from_env().extra_public_suffixes


# How many DKIM signatures of one message are verified at most.
MAX_SIGNATURES = 8

_D_TAG = re.compile(rb"(?:^|;)\s*d\s*=\s*([^;\s]+)", re.IGNORECASE)


def _signature_headers(message: bytes) -> list[bytes]:
    """The DKIM-Signature header values, topmost first (dkimpy's index order)."""
    signer = dkim.DKIM(message, tlsrpt=True, logger=log)
    return [value for name, value in signer.headers if name.lower() == b"dkim-signature"]


def _signing_domain(header: bytes) -> str:
    found = _D_TAG.search(header.replace(b"\r\n", b""))
    return found.group(1).decode("ascii", "replace").lower() if found else ""


def _verify_one(
    message: bytes, dnsfunc: DnsFunc, idx: int, at: float | None = None
) -> tuple[DkimOutcome, str]:
    """The outcome of signature `idx` (0: topmost), and why it could not be checked here ("" if
    it could): the key's DNS lookup failed, or it is Ed25519 and PyNaCl is missing.
    A fresh dkimpy object each time: it keeps per-signature state (the key's s=tlsrpt)."""
    dns_trouble: list[str] = []

    def tracking(name: bytes, timeout: float = 5) -> bytes | None:
        try:
            record = dnsfunc(name, timeout)
        except dkim.DnsTimeoutError as e:
            dns_trouble.append(str(e))
            raise
        return None if record is None else _one_service(record)

    signer = _ReceivedDKIM(message, tlsrpt=True, logger=log, at=at)
    unchecked = ""
    try:
        ok = signer.verify(idx=idx, dnsfunc=tracking)
    except _CannotVerify as e:
        ok = False
        detail = unchecked = str(e)
    except dkim.DKIMException as e:
        ok = False
        detail = str(e)
    except Exception as e:
        # dkimpy can raise on odd fields (an i= no longer than d= is an IndexError in its
        # validate_signature_fields): that signature fails, and another one (the reporter's,
        # verified before it) still counts. The loop above goes on past a pass whose key lacks
        # s=tlsrpt, so a relay's such signature below a genuine one ended the parse as error.
        log.warning("DKIM signature %d could not be read: %r", idx, e)
        ok = False
        detail = f"signature could not be read ({type(e).__name__}: {e})"
    else:
        detail = ""
    fields = signer.signature_fields or {}
    outcome = DkimOutcome(
        "pass" if ok else "fail",
        domain=_text(fields.get(b"d", b"")),
        selector=_text(fields.get(b"s", b"")),
        key_is_tlsrpt=bool(getattr(signer, "seqtlsrpt", False)),
        has_length_tag=b"l" in fields,
        detail=detail,
    )
    if not ok and not detail:
        outcome.detail = "signature did not verify (body or signed headers changed, or no key)"
    if ok:
        return outcome, ""
    if dns_trouble:
        return outcome, f"DNS lookup of the key failed: {dns_trouble[-1]}"
    return outcome, unchecked


def ed25519_verifiable() -> bool:
    """Whether ed25519-sha256 signatures (RFC 8463) can be verified here: dkimpy does it only
    with PyNaCl (a dependency, the dkimpy[ed25519] extra), which it imports if it can."""
    return hasattr(dkim, "nacl")


class _CannotVerify(dkim.DKIMException):
    """A signature this installation cannot check (Ed25519 without PyNaCl). RFC 6376 §6.1
    has a verifier ignore what it does not implement; a report resting on it is kept to be
    checked again ("temperror"), not rejected: a genuine report must not be lost for want of
    a library."""


# RFC 8410 §4: the DER prefix of an Ed25519 SubjectPublicKeyInfo; a key published so is 44
# bytes where RFC 8463 §4.2 wants the raw 32.
_ED25519_SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")


# dkimpy's leeway for senders' clocks, around t= and x= alike (dkim.validate_signature_fields).
_CLOCK_SLOP = 36000


class _ReceivedDKIM(dkim.DKIM):
    """dkimpy's verifier judging t= and x= at the time the message was received, not now.

    RFC 6376 §3.5 (x=): "The verification time should be the time that the message was first
    received at the administrative domain of the Verifier if that time is reliably
    available". dkimpy reads the clock when it verifies, and we verify when the report is
    parsed: a parse delayed past x= (a worker outage, the sweep's retries after DNS trouble,
    `reparse --recheck-dkim` later) rejected a report whose signature was valid when it came.
    The stored received_at is that time. Every other check of the fields is dkimpy's own."""

    def __init__(self, message: bytes, *, at: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.at = at

    def verify_sig(
        self, sig: dict[bytes, bytes], include_headers: Any, sig_header: Any, dnsfunc: DnsFunc
    ) -> bool:
        """dkimpy's, saying why a key is unusable (dkimpy only logs it and answers False),
        refusing a key of another type than the signature's a= (RFC 6376 §6.1.2), and never
        letting PyNaCl's ValueError out: a b= that is no 64-byte Ed25519 signature (or an RSA
        signature checked against an Ed25519 key) raised it through dkimpy, and a report with
        a good RSA signature beside such a one ended as a parse error."""
        algorithm = sig.get(b"a", b"")
        if algorithm == b"rsa-sha1":
            # dkimpy verifies it; RFC 8301 §3.1: "rsa-sha1 MUST NOT be used for signing or
            # verifying" (SHA-1 collisions are practical). Until s41b such a report counted
            # as signed.
            raise dkim.ValidationError(
                "a=rsa-sha1 signature: RFC 8301 §3.1 forbids verifying with rsa-sha1 "
                "(sign with rsa-sha256 or ed25519-sha256)"
            )
        name = sig[b"s"] + b"._domainkey." + sig[b"d"] + b"."
        where = name.decode("ascii", "replace").rstrip(".")
        try:
            record = dnsfunc(name, timeout=self.timeout)
        except dkim.DnsTimeoutError:
            return False  # _verify_one's dnsfunc noted it: the outcome is "temperror"
        if not record:
            raise dkim.KeyFormatError(f"no DKIM key at {where}")
        try:
            tags = dkim.parse_tag_value(record)
        except dkim.InvalidTagValueList:
            pass  # dkimpy refuses it below, saying why
        else:
            _check_key_record(tags, where)
            _check_key_use(tags, sig, where)
        try:
            self.pk, self.keysize, self.ktag, self.seqtlsrpt = dkim.evaluate_pk(name, record)
        except dkim.NaClNotFoundError:
            raise _CannotVerify(
                f"the Ed25519 signature (key {where}, RFC 8463) cannot be verified here: "
                "PyNaCl, which dkimpy needs for it, is not installed (dkimpy[ed25519]); "
                "checked again once it is"
            ) from None
        except (dkim.KeyFormatError, binascii.Error) as e:
            raise dkim.KeyFormatError(f"key {where} is unusable: {e}") from None
        wanted = b"ed25519" if algorithm == b"ed25519-sha256" else b"rsa"
        if self.ktag != wanted:
            raise dkim.ValidationError(
                f"a={_text(algorithm)} signature, but key {where} is "
                f"k={_text(self.ktag or b'')}: inappropriate key algorithm (RFC 6376 §6.1.2)"
            )
        if self.ktag == b"ed25519":
            try:
                size = len(base64.b64decode(re.sub(rb"\s+", b"", sig.get(b"b", b""))))
            except binascii.Error:
                size = -1
            if size != 64:
                shown = "not base64" if size < 0 else f"{size} bytes"
                raise dkim.ValidationError(
                    f"b= is no Ed25519 signature ({shown}; RFC 8032 §5.1.6: 64 bytes)"
                )
        try:
            return bool(self.verify_sig_process(sig, include_headers, sig_header, dnsfunc))
        except ValueError as e:  # PyNaCl's, or binascii's for a b= that is not base64
            raise dkim.ValidationError(f"signature could not be read: {e}") from None

    def verify_headerprep(self, idx: int = 0) -> Any:
        if self.at is None:
            return super().verify_headerprep(idx)
        sigheaders = [(x, y) for x, y in self.headers if x.lower() == b"dkim-signature"]
        if len(sigheaders) <= idx:
            return False
        try:
            sig = dkim.parse_tag_value(sigheaders[idx][1])
            self.signature_fields = sig
        except dkim.InvalidTagValueList as e:
            raise dkim.MessageFormatError(e) from None
        dkim.validate_signature_fields({k: v for k, v in sig.items() if k not in (b"t", b"x")})
        _check_times(sig, int(self.at))
        self.domain = sig[b"d"]
        self.selector = sig[b"s"]
        include_headers = [x.lower() for x in re.split(rb"\s*:\s*", sig[b"h"])]
        self.include_headers = tuple(include_headers)
        return sig, include_headers, sigheaders


def _check_key_record(tags: dict[bytes, bytes], where: str) -> None:
    """Refuse, saying why, a key record dkimpy would only call unparsable: an empty p= (RFC
    6376 §3.6.1: the key is revoked), a k=ed25519 key that is not the raw 32 bytes of RFC
    8463 §4.2 (an SPKI-wrapped one is the usual mistake), or a 32-byte key without
    k=ed25519 (k= defaults to rsa). Checked before dkimpy reads the key, so a bad Ed25519 key
    is a plain failure with or without PyNaCl (without it, a good one is "temperror").
    `tags`: the key record's tags as dkim.parse_tag_value reads them."""
    if b"p" not in tags:
        return  # dkimpy says so
    unusable = f"key {where} is unusable"
    if (listed := tags.get(b"s")) is not None and not {b"*", b"email", b"tlsrpt"} & {
        name.strip().lower() for name in listed.split(b":")
    }:
        # dkimpy drops such a key silently (its ktag None read as "k=: inappropriate key
        # algorithm"). Names are matched without case, as OpenDKIM matches "email" and as
        # §3.6.1's grammar writes them (quoted strings, RFC 5234 §2.3): 's=Email' is no
        # reason to lose a report its receivers call signed (review s42zB of b803208e).
        written = storable(listed.decode("ascii", "replace").strip())
        raise dkim.KeyFormatError(
            f"{unusable}: its s={written} lists no service a verifier knows (*, email or "
            "tlsrpt), so verifiers ignore it (RFC 6376 §3.6.1)"
        )
    p = re.sub(rb"\s+", b"", tags[b"p"])
    if not p:
        raise dkim.KeyFormatError(f"key {where} is revoked (empty p=, RFC 6376 §3.6.1)")
    try:
        key = base64.b64decode(p)  # as dkimpy and PyNaCl read it: other characters skipped
    except binascii.Error:
        raise dkim.KeyFormatError(f"{unusable}: p= is not base64") from None
    k = tags.get(b"k", b"rsa")
    if k == b"rsa" and len(key) == 32:
        raise dkim.KeyFormatError(
            f"{unusable}: p= is 32 bytes, an Ed25519 key, but the record has no k=ed25519 "
            "(k= defaults to rsa)"
        )
    if k != b"ed25519" or len(key) == 32:
        return
    wrapped = " (a SubjectPublicKeyInfo wrapping: publish only its last 32 bytes)"
    raise dkim.KeyFormatError(
        f"{unusable}: an Ed25519 key must be the raw 32 bytes (RFC 8463 §4.2), "
        f"this p= is {len(key)} bytes"
        + (wrapped if len(key) == 44 and key.startswith(_ED25519_SPKI_PREFIX) else "")
    )


def _check_key_use(tags: dict[bytes, bytes], sig: dict[bytes, bytes], where: str) -> None:
    """Refuse, saying why, a key RFC 6376 does not let vouch for this signature, which dkimpy
    uses all the same (until s41b such a key made the report signed):
    * its h= (§3.6.1: the hash algorithms it may be used with, a colon-separated list) leaves
      out the signature's: §6.1.2 has the verifier ignore that key record (PERMFAIL,
      inappropriate hash algorithm);
    * its t= flags hold y, testing mode: §3.6.1 "Verifiers MUST NOT treat messages from
      Signers in testing mode differently from unsigned email", and RFC 8460 §3 ignores an
      unsigned report;
    * its t= flags hold s and the signature's i= is of a subdomain of d= (§3.6.1: with t=s
      the i= domain MUST be d=, not a subdomain of it).
    `tags`: the key record's tags, as _check_key_record has them."""
    # h= is matched without case: §3.6.1's grammar writes the names as quoted strings (RFC
    # 5234 §2.3), OpenDKIM reads them with strcasecmp and dkimpy not at all, so 'h=SHA256'
    # makes a mail signed at every receiver, and a report is not lost on a reading none makes
    # (review s42zB of b803208e; RFC 6376 §3.2 read alone would say otherwise). t= is read as
    # written (case-sensitive, §3.2): 't=Y' is no flag, ignored, which refuses no report.
    algorithm = sig.get(b"a", b"")
    if (hashes := tags.get(b"h")) is not None:
        wanted = algorithm.rpartition(b"-")[2].lower()
        if wanted not in [h.strip().lower() for h in hashes.split(b":")]:
            written = storable(hashes.decode("ascii", "replace").strip())
            raise dkim.ValidationError(
                f"key {where} allows only h={written}, and this a={_text(algorithm)} "
                f"signature uses {_text(wanted)}: inappropriate hash algorithm "
                "(RFC 6376 §6.1.2)"
            )
    flags = [f.strip() for f in tags.get(b"t", b"").split(b":")]
    if b"y" in flags:
        raise dkim.ValidationError(
            f"key {where} is in testing mode (t=y): RFC 6376 §3.6.1 has verifiers treat "
            "its mail as unsigned, and RFC 8460 §3 ignores unsigned reports"
        )
    identity = sig.get(b"i", b"").rpartition(b"@")[2].lower().rstrip(b".")
    if b"s" in flags and identity and identity != sig.get(b"d", b"").lower().rstrip(b"."):
        raise dkim.ValidationError(
            f"key {where} has t=s (no subdomains), but this signature's i= is of "
            f"{_text(identity)}, not d={_text(sig.get(b'd', b''))} (RFC 6376 §3.6.1)"
        )


def _check_times(sig: dict[bytes, bytes], at: int) -> None:
    """dkimpy's t= and x= checks (same texts, same leeway), at `at` instead of now."""
    t_sign = None
    if b"t" in sig:
        if re.match(rb"\d+$", sig[b"t"]) is None:
            raise dkim.ValidationError(f"t= value is not a decimal integer ({sig[b't']!r})")
        t_sign = int(sig[b"t"])
        if t_sign > at + _CLOCK_SLOP:
            raise dkim.ValidationError(f"t= value is in the future ({sig[b't']!r})")
    if b"x" in sig:
        if re.match(rb"\d+$", sig[b"x"]) is None:
            raise dkim.ValidationError(f"x= value is not a decimal integer ({sig[b'x']!r})")
        x_sign = int(sig[b"x"])
        if x_sign < at - _CLOCK_SLOP:
            raise dkim.ValidationError(f"x= value is past ({sig[b'x']!r}) when it was received")
        if t_sign and x_sign < t_sign:
            raise dkim.ValidationError(
                f"x= value is less than t= value (x={sig[b'x']!r} t={sig[b't']!r})"
            )


def same_or_parent(signer: str, domain: str, extra: tuple[str, ...] | None = None) -> bool:
    """Whether DKIM domain `signer` speaks for `domain`: the same name, a parent of it
    (d=example.com for mail.example.com), or a name of the same organisational domain (Public
    Suffix List, as DMARC's relaxed alignment: d=mail.google.com for google.com). Large
    senders sign their reports from a mail subdomain; another organisation never matches."""
    # A-labels both: a U-label and its A-label are one name (a_labels also folds the case).
    signer, domain = a_labels(signer), a_labels(domain)
    if not signer or not domain:
        return False
    if domain == signer or domain.endswith("." + signer):
        return True
    from checks.domainname import organizational_domain

    if extra is None:
        extra = _extra_suffixes()  # the site's own suffixes count too
    try:
        return organizational_domain(signer, extra) == organizational_domain(domain, extra)
    except Exception:  # a name the PSL cannot place is no match
        return False


def _one_service(record: bytes) -> bytes:
    """The key record with its s= list (RFC 6376 §3.6.1: "email:tlsrpt" is valid) cut to the
    one service dkimpy understands: it knows only a single `*`, `email` or `tlsrpt`, and
    refuses a list. A key for neither service stays unusable, as the RFC says. Names are
    matched without case ('s=Email:TLSRPT' is cut to tlsrpt), as OpenDKIM matches them and
    §3.6.1's grammar writes them (review s42zB of b803208e)."""

    def one(match: re.Match[bytes]) -> bytes:
        services = [s.strip().lower() for s in match.group(3).split(b":")]
        for wanted in (b"tlsrpt", b"*", b"email"):
            if wanted in services:
                return match.group(1) + match.group(2) + wanted
        return match.group(0)

    return _SERVICE_TAG_RE.sub(one, record)


def _text(value: bytes) -> str:
    return storable(value.decode("ascii", "replace").strip().lower())


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def storable(text: str) -> str:
    """Text a sender wrote, fit for a database column: PostgreSQL text (and jsonb) cannot hold
    NUL, and no header or DKIM tag has a reason to carry control characters."""
    return _CONTROL.sub("\ufffd", text)
