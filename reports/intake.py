"""Taking reports in: the steps shared by the HTTPS view, the SMTP listener and `ingest_email`.

The rule for every channel: the raw bytes are committed before the sender is told "accepted"
(2xx over HTTPS, 250 over SMTP, exit 0 for a pipe), and parsing happens afterwards in a task.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, F, Min, Sum
from django.utils import timezone

from reports import conf
from reports.mail import (
    MAX_COPIES_BYTES_FACTOR,
    MAX_REPORTS_PER_MESSAGE,
    TooManyReports,
    header_summary,
    report_count,
    token_from_recipient,
    tokens_from_headers,
)
from reports.models import RawReport, ReportAddress
from reports.parse import (
    MAX_ZIP_FILES,
    report_members,
    sniff,
    too_many_zip_files,
    what_it_is,
    zip_file_count,
)

log = logging.getLogger(__name__)


class IntakeError(Exception):
    """A report the sender should not retry as it is (unknown address, too big, garbage)."""

    def __init__(self, reason: str, status: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


class QuotaExceeded(IntakeError):
    """The address stored its daily quota: a temporary refusal (HTTP 429 + Retry-After, SMTP
    452, exit 75) — senders retry for up to a day (RFC 8460 §5.5), so nothing is lost."""

    def __init__(self, reason: str, retry_after: int) -> None:
        super().__init__(reason, 429)
        self.retry_after = retry_after


QUOTA_WINDOW = timedelta(hours=24)
# Retry-After: when the oldest report of the window leaves it, within these bounds.
_RETRY_MIN, _RETRY_MAX = 60, 3600


def check_quota(address: ReportAddress, incoming: int) -> None:
    """Refuse `incoming` more bytes for `address` when they, or one more report, would take
    it over its rolling-24-hour quota (TLSRPT_DAILY_BYTES/REPORTS_PER_ADDRESS; 0 = no limit),
    or the service over its site-wide bound (TLSRPT_DAILY_BYTES_TOTAL, _check_site_quota).

    Counts every raw report the address stored in the window, whatever its channel or parse
    status; one aggregate over the (address, received_at) index. Call it before reading an
    HTTPS body (with its Content-Length) and again before storing a body not stored yet.
    """
    _check_address_quota(address, incoming)
    _check_site_quota(incoming)


def _retry_after(oldest: datetime | None, now: datetime) -> int:
    """Seconds until the oldest report of the window leaves it, within the bounds."""
    frees = (oldest + QUOTA_WINDOW - now).total_seconds() if oldest else 0
    return min(_RETRY_MAX, max(_RETRY_MIN, math.ceil(frees)))


def _check_address_quota(address: ReportAddress, incoming: int) -> None:
    max_bytes, max_reports = conf.daily_bytes_per_address(), conf.daily_reports_per_address()
    if not max_bytes and not max_reports:
        return
    if max_bytes and incoming > max_bytes:
        raise IntakeError(
            f"report of {incoming} bytes is over this address's daily quota of {max_bytes} bytes",
            413,
        )
    now = timezone.now()
    usage = RawReport.objects.filter(address=address, received_at__gt=now - QUOTA_WINDOW).aggregate(
        reports=Count("id"), size=Sum("size"), oldest=Min("received_at")
    )
    reports, size = usage["reports"], usage["size"] or 0
    over_reports = bool(max_reports) and reports + 1 > max_reports
    over_bytes = bool(max_bytes) and size + incoming > max_bytes
    if not (over_reports or over_bytes):
        return
    retry_after = _retry_after(usage["oldest"], now)
    limit = f"{max_reports} reports" if over_reports else f"{max_bytes} bytes"
    raise QuotaExceeded(
        f"daily quota reached: this report address stored {reports} reports ({size} bytes) "
        f"in the last 24 hours and takes at most {limit} a day; retry in {retry_after} "
        "seconds (RFC 8460 section 5.5)",
        retry_after,
    )


def _check_site_quota(incoming: int) -> None:
    """TLSRPT_DAILY_BYTES_TOTAL: all addresses together. A sender can reach every token (each
    is public in DNS), so the per-address quota alone bounds nothing site-wide. Answered as
    the address quota is (429 + Retry-After, 452, exit 75): senders retry (RFC 8460 §5.5) and
    nothing stored is touched. Rows stored by an import (ingest_many: stored and parsed in
    the same instant) do not count: an operator's import of history must not hold back every
    address's live reports for a day."""
    max_total = conf.daily_bytes_total()
    if not max_total:
        return
    if incoming > max_total:
        raise IntakeError(
            f"report of {incoming} bytes is over the daily intake limit of {max_total} bytes",
            413,
        )
    now = timezone.now()
    usage = (
        RawReport.objects.filter(received_at__gt=now - QUOTA_WINDOW)
        .exclude(processed_at=F("received_at"))
        .aggregate(size=Sum("size"), oldest=Min("received_at"))
    )
    size = usage["size"] or 0
    if size + incoming <= max_total:
        return
    retry_after = _retry_after(usage["oldest"], now)
    log.warning(
        "TLS-RPT intake over TLSRPT_DAILY_BYTES_TOTAL: %d bytes stored in 24 hours, limit %d; "
        "deferring reports for %d s",
        size,
        max_total,
        retry_after,
    )
    raise QuotaExceeded(
        f"daily intake limit reached: this service stored {size} bytes of reports in the "
        f"last 24 hours and takes at most {max_total} bytes a day for all report addresses "
        f"together; retry in {retry_after} seconds (RFC 8460 section 5.5)",
        retry_after,
    )


@dataclass
class Accepted:
    raw: RawReport
    created: bool


def find_address(token: str) -> ReportAddress | None:
    return ReportAddress.objects.filter(token=token.lower()).first()


def accept_https(
    address: ReportAddress, body: bytes, content_type: str, warnings: list[str]
) -> list[Accepted]:
    """Store an HTTPS body as one raw report per report in it: one, or one per report file of
    a zip archive holding several (RFC 8460 §6.3), as a mail's attachments are, each row
    holding the whole body. All are committed before this returns (the sender's 2xx), and
    the same limits apply as to a mail: at most MAX_REPORTS_PER_MESSAGE reports, copies of
    at most MAX_COPIES_BYTES_FACTOR times the body cap (413 beyond). A body that is not
    gzip, zip or JSON at all is stored, marked rejected and reported back as 400 at once
    (the sender learns now, the bytes are kept). A zip of more than MAX_ZIP_FILES files is
    refused (413) before anything is stored: its parse could read none of it."""
    if (files := zip_file_count(body)) is not None and files > MAX_ZIP_FILES:
        raise IntakeError(too_many_zip_files(files), 413)
    count = len(report_members(body))
    cap = conf.max_body_bytes()
    if count > MAX_REPORTS_PER_MESSAGE:
        raise IntakeError(
            f"zip archive holds {count} reports; at most {MAX_REPORTS_PER_MESSAGE} are read "
            "from one body (send them in separate requests)",
            413,
        )
    if count > 1 and count * len(body) > cap * MAX_COPIES_BYTES_FACTOR:
        raise IntakeError(
            f"body of {len(body)} bytes holds {count} reports, stored as one copy each: over "
            f"{cap * MAX_COPIES_BYTES_FACTOR} bytes for one body (send the reports in "
            "separate requests)",
            413,
        )
    stored: list[Accepted] = []
    for index in range(count):
        raw, created = RawReport.store(
            address,
            body,
            source=RawReport.HTTPS,
            content_type=content_type,
            warnings=warnings,
            before_insert=lambda: check_quota(address, len(body)),
            report_index=index,
        )
        if created:
            if sniff(body) is None:
                raw.reject(
                    f"body is not a JSON object, gzip or zip (first bytes: {body[:8]!r})"
                    + what_it_is(body)
                )
            else:
                raw.queue_parse()
        if raw.parse_status == RawReport.REJECTED and sniff(body) is None:
            raise IntakeError(raw.error, 400)
        stored.append(Accepted(raw, created))
    return stored


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


def accept_email(address: ReportAddress, message: bytes) -> list[Accepted]:
    """Store a whole message as one raw report per report in it (DKIM is verified by the
    parse task, against the message bytes); a message with none is stored once, for the
    parse to reject and keep. Refused (IntakeError) over the size cap, and when the copies
    of a message with several reports would exceed MAX_COPIES_BYTES_FACTOR times it."""
    cap = conf.max_message_bytes()
    if len(message) > cap:
        raise IntakeError(f"message is larger than {cap} bytes", 552)
    try:
        count = report_count(message)
    except TooManyReports as e:
        raise IntakeError(e.reason, 552) from None
    if count > 1 and count * len(message) > cap * MAX_COPIES_BYTES_FACTOR:
        raise IntakeError(
            f"message of {len(message)} bytes carries {count} reports, stored as one copy "
            f"each: over {cap * MAX_COPIES_BYTES_FACTOR} bytes for one message (send the "
            "reports in separate messages)",
            552,
        )
    headers = header_summary(message)
    stored: list[Accepted] = []
    for index in range(count):
        raw, created = RawReport.store(
            address,
            message,
            source=RawReport.EMAIL,
            content_type=headers.get("content-type", "")[:200],
            headers=headers,
            before_insert=lambda: check_quota(address, len(message)),
            report_index=index,
        )
        if created:
            raw.queue_parse()
        stored.append(Accepted(raw, created))
    return stored
