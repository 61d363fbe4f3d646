"""Reading an HTTPS report body (RFC 8460 §5.4) with the size cap applied before and while reading."""

from __future__ import annotations

import re

from django.http import HttpRequest

from reports.intake import IntakeError
from reports.parse import label_mismatch, sniff

# What a report address token can be: lower-case hex made by reports.models.new_token, taken
# in any case (the mail channel's reports.mail._RECIPIENT_RE reads the same shape). Anything
# else is no address, answered 404 without a look-up: PostgreSQL refuses a NUL in a query,
# which answered 503 + Retry-After, a URL retried for a day that can never work.
TOKEN_PATTERN = "[0-9a-fA-F]{16,64}"
_TOKEN_RE = re.compile(TOKEN_PATTERN)


def is_token(text: str) -> bool:
    return _TOKEN_RE.fullmatch(text) is not None


def _instead(label: str, wanted: str) -> str:
    return f"Content-Type {label} instead of {wanted} (RFC 8460 §5.4)"


# RFC 8460 §5.4 types, and what we tolerate with a warning: the body is recognised by its first
# bytes whatever its label (reports.parse.sniff), so a sender whose label is only generic loses
# no report to a 415 it would retry for a day (§5.5). Checklist M47 (application/json), M42 (the
# gzip and octet-stream labels, tolerated on a mail attachment), and RFC 9110 §8.3: without a
# Content-Type the recipient may examine the data. Other types (text/plain, forms…) are 415.
ACCEPTED_TYPES: dict[str, str | None] = {
    "application/tlsrpt+gzip": None,
    "application/tlsrpt+json": None,
    "application/json": _instead("application/json", "application/tlsrpt+json"),
    "application/gzip": _instead("application/gzip", "application/tlsrpt+gzip"),
    # A zip of reports (RFC 8460 §6.3 archives) labelled as what it is.
    "application/zip": _instead("application/zip", "application/tlsrpt+gzip"),
    "application/x-gzip": _instead("application/x-gzip", "application/tlsrpt+gzip"),
    # The registered names misspelt with a hyphen for the '+' (a mail attachment so labelled is
    # read by its bytes too); the sender meant a report, and a 415 would lose it (§5.5).
    "application/tlsrpt-gzip": _instead("application/tlsrpt-gzip", "application/tlsrpt+gzip"),
    "application/tlsrpt-json": _instead("application/tlsrpt-json", "application/tlsrpt+json"),
    "application/octet-stream": _instead(
        "application/octet-stream", "application/tlsrpt+gzip or application/tlsrpt+json"
    ),
    "": "no Content-Type instead of application/tlsrpt+gzip or application/tlsrpt+json "
    "(RFC 8460 §5.4); the body was recognised by its first bytes",
}
# Content codings we decode (the parser unwraps a gzip layer over the report's own).
ACCEPTED_ENCODINGS = ("identity", "gzip", "x-gzip", "")
_READ_CHUNK = 64 * 1024
# JSON's insignificant whitespace (RFC 8259 §2).
_JSON_BLANKS = b" \t\r\n"


class UnsupportedEncoding(IntakeError):
    """415 for a content coding we do not decode, saying which we do (RFC 9110 §15.5.16)."""

    def __init__(self, encoding: str) -> None:
        super().__init__(f"unsupported Content-Encoding {encoding!r}: send gzip or none", 415)
        self.headers = {"Accept-Encoding": "gzip"}


def check_content_type(request: HttpRequest) -> tuple[str, list[str]]:
    """The declared type, and warnings; IntakeError 415 for anything else."""
    content_type = request.content_type or ""
    warnings: list[str] = []
    if content_type not in ACCEPTED_TYPES:
        raise IntakeError(
            f"unsupported Content-Type {content_type!r}: send "
            "application/tlsrpt+gzip or application/tlsrpt+json (RFC 8460 §5.4)",
            415,
        )
    if warning := ACCEPTED_TYPES[content_type]:
        warnings.append(warning)
    encoding = request.headers.get("Content-Encoding", "identity").strip().lower()
    # A list of codings in the order applied (RFC 9110 §8.4), "gzip, gzip" for one: each must
    # be one we decode (the parser unwraps the gzip layers by their magic bytes).
    if any(coding.strip() not in ACCEPTED_ENCODINGS for coding in encoding.split(",")):
        raise UnsupportedEncoding(encoding)
    # M48: +json with Content-Encoding gzip is fine, the bytes are sniffed anyway.
    return content_type, warnings


# How a label warning names the body's bytes (reports.parse.sniff's kinds).
_BYTES_NAMED = {"gzip": "a gzip body", "zip": "a zip body", "json": "a JSON body"}


def label_warnings(request: HttpRequest, content_type: str, body: bytes) -> list[str]:
    """A warning when a registered report label is not what the body is: +json on gzip or
    zip bytes, +gzip on plain JSON (RFC 8460 §5.4). The body is read by its bytes either
    way; an unregistered label warns already (check_content_type), as application/pdf does
    on a mailed part (reports.mail). Not when a Content-Encoding is declared: +json with
    Content-Encoding gzip is a gzip body by design (M48)."""
    encoding = request.headers.get("Content-Encoding", "").strip().lower()
    if encoding not in ("", "identity"):
        return []
    found = sniff(body)
    wanted = label_mismatch(content_type, found)
    if found is None or wanted is None:  # found: for the type checker (no kind, no mismatch)
        return []
    return [
        f"Content-Type {content_type} on {_BYTES_NAMED[found]}: {wanted} (RFC 8460 §5.4); it "
        "was read by its bytes"
    ]


def _chunked(request: HttpRequest) -> bool:
    return not request.META.get("CONTENT_LENGTH") and "chunked" in (
        request.headers.get("Transfer-Encoding", "").lower()
    )


def check_length(request: HttpRequest, cap: int) -> int:
    """Refuse by Content-Length alone, before reading anything: 413 too large, 400 empty.
    Returns the declared length; 0 for a chunked body, whose length nobody declared (the
    cap then applies while reading)."""
    if _chunked(request):
        return 0
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise IntakeError("Content-Length is not a number", 400) from None
    if declared > cap:
        raise IntakeError(f"report body of {declared} bytes is over the {cap}-byte limit", 413)
    if declared <= 0:
        raise IntakeError("empty body: POST the report (RFC 8460 §5.4)", 400)
    return declared


def read_body(request: HttpRequest, cap: int, declared: int = 0) -> bytes:
    """The request body, stopping at the cap while reading when the stream turns out longer
    than declared (call check_length first)."""
    # Django reads a WSGI body only as far as Content-Length; a chunked one (gunicorn
    # de-chunks it) is read from the server's stream itself.
    stream = request.environ["wsgi.input"] if _chunked(request) else request
    chunks: list[bytes] = []
    size = 0
    while True:
        try:
            chunk = stream.read(_READ_CHUNK)
        except Exception as e:
            # The server's stream failed: the connection ended before the last chunk, or the
            # chunked framing is broken (gunicorn's NoMoreData, InvalidChunkSize…). The
            # sender's request, not our storage: 400, not a 503 logged as our error.
            raise IntakeError(
                f"report body could not be read ({type(e).__name__}: {e}); send it again", 400
            ) from None
        if not chunk:
            break
        size += len(chunk)
        if size > cap:
            raise IntakeError(f"report body is over the {cap}-byte limit", 413)
        chunks.append(chunk)
    body = b"".join(chunks)
    if not body:
        raise IntakeError("empty body: POST the report (RFC 8460 §5.4)", 400)
    if declared and len(body) < declared:
        # The connection ended early: storing the piece and answering 201 would tell the
        # sender not to retry a report we do not have (RFC 8460 §5.5: it retries on errors).
        raise IntakeError(
            f"report body ended after {len(body)} of the {declared} bytes declared", 400
        )
    if not body.strip(_JSON_BLANKS):
        # Blanks and line ends only: no JSON text (RFC 8259 §2 needs a value between the
        # blanks), no gzip or zip, nothing a report could be read from or a person could look
        # at. Like an empty body it is no report and is not stored: the 400 says so at once.
        size = f"{len(body)} byte" + ("" if len(body) == 1 else "s")
        raise IntakeError(
            f"empty body: only blanks and line ends ({size}), no report; POST the report "
            "(RFC 8460 §5.4)",
            400,
        )
    return body
