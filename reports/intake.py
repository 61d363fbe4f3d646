"""Taking reports in: the steps shared by the HTTPS view, the SMTP listener and `ingest_email`.

The rule for every channel: the raw bytes are committed before the sender is told "accepted"
(2xx over HTTPS, 250 over SMTP, exit 0 for a pipe), and parsing happens afterwards in a task.
"""

from __future__ import annotations

from dataclasses import dataclass

from reports import conf
from reports.mail import header_summary, token_from_recipient, tokens_from_headers
from reports.models import RawReport, ReportAddress
from reports.parse import sniff


class IntakeError(Exception):
    """A report the sender should not retry as it is (unknown address, too big, garbage)."""

    def __init__(self, reason: str, status: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass
class Accepted:
    raw: RawReport
    created: bool


def find_address(token: str) -> ReportAddress | None:
    return ReportAddress.objects.filter(token=token.lower()).first()


def accept_https(
    address: ReportAddress, body: bytes, content_type: str, warnings: list[str]
) -> Accepted:
    """Store an HTTPS body; a body that is not gzip, zip or JSON at all is stored, marked
    rejected and reported back as 400 at once (the sender learns now, the bytes are kept)."""
    raw, created = RawReport.store(
        address, body, source=RawReport.HTTPS, content_type=content_type, warnings=warnings
    )
    if created:
        if sniff(body) is None:
            raw.reject(f"body is neither gzip, zip nor JSON (first bytes: {body[:8]!r})")
        else:
            raw.queue_parse()
    if raw.parse_status == RawReport.REJECTED and sniff(body) is None:
        raise IntakeError(raw.error, 400)
    return Accepted(raw, created)


def addresses_for_message(message: bytes, recipients: list[str]) -> list[ReportAddress]:
    """The report addresses a message is for: the SMTP recipients, or for a pipe without
    them, the tlsrpt+<token> addresses in its delivery headers."""
    domain = conf.inbound_domain()
    tokens = [t for r in recipients if (t := token_from_recipient(r, domain))]
    if not recipients:
        tokens = tokens_from_headers(message)
    found = []
    for token in dict.fromkeys(tokens):
        address = find_address(token)
        if address is not None:
            found.append(address)
    return found


def accept_email(address: ReportAddress, message: bytes) -> Accepted:
    """Store a whole message (DKIM is verified by the parse task, against the message bytes)."""
    if len(message) > conf.max_message_bytes():
        raise IntakeError(f"message is larger than {conf.max_message_bytes()} bytes", 552)
    raw, created = RawReport.store(
        address,
        message,
        source=RawReport.EMAIL,
        content_type=header_summary(message).get("content-type", "")[:200],
        headers=header_summary(message),
    )
    if created:
        raw.queue_parse()
    return Accepted(raw, created)
