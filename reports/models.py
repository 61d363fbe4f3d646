"""TLS-RPT reports: where they are sent, the raw bytes as received, and what they say.

Data flow 3 of the architecture: raw bytes are stored first (RawReport, committed before the
sender hears 2xx / 250), then a task parses them into TlsReport → PolicyResult → FailureDetail.
A raw report is never deleted by parsing: a rejected or failed one keeps its bytes and its
error, and `manage.py reparse` runs it again after a fix.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import secrets
import uuid
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from datetime import timezone as fixed_offset
from email.header import decode_header, make_header
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, DataError, IntegrityError, connection, models, transaction
from django.db.models.functions import Least
from django.db.models.lookups import GreaterThan
from django.http import Http404
from django.utils import timezone

from checks.findings import both_ways, series, u_labels
from checks.lookalike import looks_like_domain
from reports import conf
from reports.mail import (
    FROM_ADDRESS,
    FROM_HEADER,
    DkimOutcome,
    extract_report,
    filename_domain,
    make_dnsfunc,
    said_from,
    said_from_filename,
    same_or_parent,
    storable,
    submitter_domain,
    verify_dkim,
)
from reports.parse import (
    _TLSA_OWNER_RE,
    ParsedReport,
    ReportRejected,
    _ip_text,
    a_labels,
    contact_domain,
    decode,
    parse_report,
    report_file_name,
    report_members,
)
from reports.parse import FailureDetail as ParsedDetail
from reports.parse import PolicyResult as ParsedPolicy

if TYPE_CHECKING:
    from mailsec.domains.models import Domain

log = logging.getLogger(__name__)


# Failure details inserted per statement when storing a parsed report.
DETAIL_BATCH = 2000
# Rows per INSERT of bulk_create: PostgreSQL takes at most 65,535 parameters a statement when
# they are bound by the server (mailsec/env.py), and a report may hold 10,000 policies.
BULK_BATCH = 1000


# Parse attempts that may end in a temporary problem (a DKIM key lookup timing out) before the
# raw report is left as `error`; the sweep retries pending rows every few minutes.
TEMPORARY_ATTEMPTS = 5
RETRY_PAUSE = timedelta(minutes=15)


class TemporaryProblem(Exception):
    """Parsing could not finish for a reason that is neither the sender's nor a bug (DNS)."""


def new_token() -> str:
    # Lower-case hex: survives MTAs that fold the case of the local part (tlsrpt+<token>@…).
    return secrets.token_hex(16)


class ReportAddress(models.Model):
    """One report target: https://<site>/tlsrpt/<token> and tlsrpt+<token>@<inbound domain>.

    `domain` links it to a monitored Domain (and so to a team); `domain_name` says which
    policy domain the reports are expected for even without one. `team` remembers whose it
    is when the domain is removed: that team adding the name again gets it back.
    """

    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    domain_name = models.CharField(max_length=253)
    # Set by the webapp when the address belongs to a monitored domain; that domain's team
    # may see the reports. SET_NULL: reports outlive a deleted domain (nothing lost).
    domain = models.ForeignKey(
        "domains.Domain",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="report_addresses",
    )
    # The team the address was made for, kept when its domain is removed (domain becomes
    # NULL, and nobody sees the address then): the owner's `_smtp._tls` record still names
    # the token, reports keep arriving, and when the same team adds the name again the
    # address is attached again (for_domain), so that record keeps working and the reports
    # stay theirs. Never attached to another team's domain; NULL once the team is deleted
    # (nobody can claim the address then). Indexed: SET_NULL looks addresses up by team.
    team = models.ForeignKey(
        "accounts.Team", models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["domain_name", "created"]

    def __str__(self) -> str:
        return f"{self.domain_name} ({self.token[:8]}…)"

    @classmethod
    def for_domain(cls, domain: Domain) -> ReportAddress:
        """The report address of a monitored domain, made on first use (the domain page and
        the domain's creation both call this; the oldest address wins if there are several).

        A domain the same team removed earlier gets its addresses back rather than a new one:
        the `_smtp._tls` record published with the old token keeps feeding the domain, and
        what arrived meanwhile (stored all along) is its history again."""
        found = cls.objects.filter(domain=domain).order_by("created", "pk").first()
        if found is None:
            with transaction.atomic():
                # The domain row locked and read first: one removed since the caller read it
                # (a page's poll in flight as its owner removes it) must not get an address
                # attached to its id (a foreign key violation, a 500), and is not found.
                from mailsec.domains.models import Domain

                if not Domain.objects.select_for_update().filter(pk=domain.pk).exists():
                    raise Http404("The domain was removed.")
                earlier = cls.objects.filter(
                    domain=None, team_id=domain.team_id, domain_name__iexact=domain.name
                )
                # Conditional on domain=None: an address attached meanwhile stays where it is.
                if earlier.update(domain=domain):
                    found = cls.objects.filter(domain=domain).order_by("created", "pk").first()
                if found is None:
                    found = cls.objects.create(
                        domain=domain, team_id=domain.team_id, domain_name=domain.name
                    )
        elif found.team_id != domain.team_id:
            # Linked by hand (manage.py shell) or before `team` existed: the domain's team
            # is the owner.
            cls.objects.filter(domain=domain).update(team_id=domain.team_id)
            found.team_id = domain.team_id
        return found

    @property
    def https_url(self) -> str:
        return f"{settings.SITE_ROOT}/tlsrpt/{self.token}"

    @property
    def mailto(self) -> str:
        return f"tlsrpt+{self.token}@{conf.inbound_domain()}"

    def in_rua(self, uris: list[str]) -> bool:
        """Whether a record's rua list (`uris`) names this address's mailbox, read as the
        engine reads addresses: percent-decoded ('tlsrpt%2B<token>', RFC 6068 §2), the mail
        domain in any case, the token in any case too (MTAs may fold it, new_token)."""
        from checks.tlsrpt import mailbox

        ours = (f"tlsrpt+{self.token}".lower(), conf.inbound_domain().lower())
        return any(
            (found := mailbox(uri)) is not None and (found[0].lower(), found[1]) == ours
            for uri in uris
        )

    def url_in_rua(self, uris: list[str]) -> bool:
        """Whether a record's rua list (`uris`) names this address's URL, whole: read as the
        engine reads https: URIs, and as our intake takes the posts. The host in any case and
        with a final dot, the default port written or not, the path percent-decoded (RFC 3986
        §2.3), a final '/' (reports.urls takes both) and the token in any case (find_address).
        A URI that only holds ours ('<url>x', 'https://r.example/?u=<url>') is not ours, nor
        one with a query, a fragment or user info: not the URI we gave, even where its posts
        might reach us."""
        from checks.tlsrpt import web_address

        ours = urlsplit(self.https_url)
        if ours.scheme != "https":
            return False
        prefix = ours.path.removesuffix(self.token)  # "/tlsrpt/", the site's paths' case

        def is_ours(uri: str) -> bool:
            found = web_address(uri)
            if found is None:
                return False
            host, parts = found
            path = unquote(parts.path).removesuffix("/")
            return (
                host == ours.hostname
                and (parts.port or 443) == (ours.port or 443)
                and not (parts.query or parts.fragment or parts.username is not None)
                and path.startswith(prefix)
                and path[len(prefix) :].lower() == self.token.lower()
            )

        return any(is_ours(uri) for uri in uris)

    def named_in_rua(self, uris: list[str]) -> bool:
        """Whether a record's rua list names every address of ours rua_record offers: the
        mailbox (in_rua), and the URL when the site has https (a plain-http development site
        offers the mailbox alone, RFC 8460 §3 allowing https: only)."""
        offers_url = self.https_url.startswith("https://")
        return self.in_rua(uris) and (not offers_url or self.url_in_rua(uris))

    def rua_record(self, existing: str | None = None) -> str:
        """The `_smtp._tls` TXT record to publish (RFC 8460 §3), keeping the owner's own rua."""
        from checks.tlsrpt import usable_rua

        # RFC 8460 §3 allows only https: for web delivery: a plain-http site (development)
        # offers the mail address alone.
        ours = [f"mailto:{self.mailto}"]
        if self.https_url.startswith("https://"):
            ours.append(self.https_url)
        # Only addresses senders can use, repaired as the check's own fix repairs them ("rua="
        # written again, a bare address, a final dot): the record we suggest must not repeat
        # a fault the check reported, nor drop an address its fix keeps.
        theirs = usable_rua(existing) if existing else []
        # Another of our report addresses (another team's, for a domain that changed hands)
        # is dropped: kept, it would send this owner's reports to that team.
        theirs = [u for u in theirs if u in ours or not self._is_ours(u)]
        uris = theirs + [u for u in ours if u not in theirs]
        return f"v=TLSRPTv1; rua={','.join(uris)}"

    @staticmethod
    def _is_ours(uri: str) -> bool:
        """True for a report address of this site: tlsrpt+<token>@<inbound domain> or
        <site>/tlsrpt/<token>, whoever's it is."""
        from checks.tlsrpt import mailbox

        lowered = uri.lower()
        if lowered.startswith("mailto:"):
            # Read as the engine reads it: a URI whose local part holds an '@' outside quotes
            # ("mailto:tlsrpt+x@a.examplemailto:tlsrpt+<token>@<inbound>", two addresses fused)
            # is no address, so none of ours, whatever its last '@' is followed by; one
            # written percent-encoded ("mailto:tlsrpt%2B<token>@<inbound>", RFC 6068 §2) is.
            found = mailbox(uri)
            if found is None:
                return False
            local, host = found
            return local.lower().startswith("tlsrpt+") and host == conf.inbound_domain()
        site = urlsplit(settings.SITE_ROOT)
        url = urlsplit(lowered)
        return url.hostname == (site.hostname or "").lower() and url.path.startswith("/tlsrpt/")


class RawReport(models.Model):
    """A report exactly as it arrived: the HTTPS body, or the whole e-mail message."""

    HTTPS = "https"
    EMAIL = "email"
    SOURCES = [(HTTPS, "HTTPS"), (EMAIL, "e-mail")]

    PENDING = "pending"
    PARSED = "parsed"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"
    # A copy not signed by its reporter that differs from a DKIM-signed copy of the same
    # report: the signed copy is counted, this one kept (a forger may have posted it first).
    SUPERSEDED = "superseded"
    ERROR = "error"
    STATUSES = [
        (PENDING, "waiting to be parsed"),
        (PARSED, "parsed"),
        (REJECTED, "rejected"),
        (DUPLICATE, "resent report, already stored"),
        (SUPERSEDED, "set aside for a DKIM-signed copy"),
        (ERROR, "could not be parsed (our error)"),
    ]

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # PROTECT: an address with reports cannot be deleted by accident (nothing lost).
    # No index of its own (db_index=False): address_id leads the unique (address, sha256)
    # index and the quota index, which answer every look-up by address, the PROTECT check
    # and the foreign-key check when an address is deleted; one index less to keep per row.
    address = models.ForeignKey(
        ReportAddress, models.PROTECT, related_name="raw_reports", db_index=False
    )
    source = models.CharField(max_length=8, choices=SOURCES)
    body = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=200, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    intake_warnings = models.JSONField(default=list, blank=True)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    # Which report of the message (or of an HTTPS zip body) this row is (0: the first). RFC
    # 8460 §5.3 has one per message; a digest or a forward carries several, and a zip archive
    # may hold several files (§6.3): each a row holding the whole message (DKIM needs it) or
    # the whole body. Whole, not the one report cut out: the bytes kept are the bytes
    # received ("raw first", nothing lost, a README next to the reports too), and a resend
    # of the same message or body has the same sha256, so it is recognised row by row.
    # db_default: rows inserted without it (ingest_files' COPY).
    report_index = models.PositiveSmallIntegerField(default=0, db_default=0)

    parse_status = models.CharField(max_length=10, choices=STATUSES, default=PENDING)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)
    report = models.ForeignKey(
        "TlsReport", models.SET_NULL, null=True, blank=True, related_name="raw_reports"
    )

    # E-mail only: the DKIM outcome at the time we first verified (keys rotate later).
    dkim_result = models.CharField(max_length=10, blank=True)
    dkim_domain = models.CharField(max_length=253, blank=True)
    dkim_selector = models.CharField(max_length=253, blank=True)
    dkim_key_tlsrpt = models.BooleanField(null=True)
    dkim_length_tag = models.BooleanField(null=True)
    dkim_detail = models.TextField(blank=True)
    # E-mail only: the TLS-Report-Submitter domain the parse read (RFC 8460 §5.3) — the
    # forwarded message's for a report forwarded as an attachment, RFC 2047 decoded — which
    # signed_by judges the signature against, as _check_dkim_domain did. "" when the message
    # named none, or for a row parsed before it was recorded: signed_by reads `headers` then.
    # db_default too: rows inserted by workers still on the previous release (a rolling
    # deploy) omit the column.
    report_submitter = models.CharField(max_length=253, blank=True, default="", db_default="")

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            # Per address, not global: two teams may legitimately receive the same report.
            models.UniqueConstraint(
                fields=["address", "sha256", "report_index"], name="rawreport_unique_body"
            ),
        ]
        indexes = [
            models.Index(fields=["parse_status", "received_at"]),
            # The intake quota: bytes and rows of one address over the last 24 hours
            # (PostgreSQL answers it from the index alone; `include` is ignored elsewhere).
            models.Index(
                fields=["address", "received_at"], include=["size"], name="rawreport_quota"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} report {self.public_id} ({self.parse_status})"

    # --- intake ------------------------------------------------------------------------------

    @classmethod
    def store(
        cls,
        address: ReportAddress,
        body: bytes,
        *,
        source: str,
        content_type: str = "",
        headers: dict[str, str] | None = None,
        warnings: list[str] | None = None,
        before_insert: Callable[[], None] | None = None,
        report_index: int = 0,
    ) -> tuple[RawReport, bool]:
        """Store the bytes durably; (row, created). An identical body is recognised by sha256.

        Runs in its own transaction, so when this returns the row is committed and the
        sender may be told 2xx / 250. `before_insert` (the intake quota) runs only for a body
        not stored yet, and may raise to refuse it: a resent identical body costs nothing.
        """
        digest = hashlib.sha256(body).hexdigest()
        same = {"address": address, "sha256": digest, "report_index": report_index}
        existing = cls.objects.filter(**same).first()
        if existing is not None:
            return existing, False
        if before_insert is not None:
            before_insert()
        try:
            with transaction.atomic():
                raw = cls.objects.create(
                    address=address,
                    source=source,
                    body=body,
                    sha256=digest,
                    size=len(body),
                    content_type=storable(content_type)[:200],
                    headers={k: storable(v) for k, v in (headers or {}).items()},
                    intake_warnings=warnings or [],
                    report_index=report_index,
                )
        except IntegrityError:
            # The same body arrived twice at once; the other request stored it.
            return cls.objects.get(**same), False
        return raw, True

    def queue_parse(self, *, force: bool = False) -> None:
        """Send the parse task once the row is committed (a worker must be able to read it)."""
        from reports.tasks import parse_raw_report

        raw_id = self.pk
        # robust: the bytes are committed; a broker that does not answer must not turn that
        # into a 503/451 for the sender. The sweep queues rows left pending.
        transaction.on_commit(lambda: parse_raw_report.delay(raw_id, force), robust=True)

    def reject(self, reason: str) -> None:
        self.parse_status = self.REJECTED
        self.error = reason
        self.processed_at = timezone.now()
        self.save(update_fields=["parse_status", "error", "processed_at"])

    # --- parsing -----------------------------------------------------------------------------

    def process(
        self,
        *,
        force: bool = False,
        settle: bool = True,
        rejudge: bool = False,
        alerts: bool = True,
    ) -> str:
        """Parse this raw report into a TlsReport; idempotent, returns the new parse_status.

        A report already handled is left alone unless `force` (manage.py reparse). Database
        errors propagate, so the task retries; errors in the report end as `rejected`, errors
        in our code as `error`, both with the raw bytes kept. A copy of a stored report that
        ends so no longer points at it, and the report is settled on its other copies
        (settle_report); `settle` is False only for those copies, settled together.
        `rejudge`: a copy judged again because another took its report over (_save_parsed's).
        `alerts`: False when an import took the report over (reports.ingest, task s48e): an
        import is history, so judging its copies again queues no alert task, resets no
        report's evaluation, and a report it stores (a copy found to be another domain's)
        is marked evaluated, as an imported one is; except for a copy that arrived live and
        was not counted (a resend), never evaluated, judged as on arrival (review s48r3).
        """
        # The attempt is counted (and committed) before the work, so one that never ends —
        # a worker killed, out of memory, past its time limit — counts too, and the sweep
        # stops re-queueing the row after TEMPORARY_ATTEMPTS instead of looping on it.
        taken: int | None = None
        # An import's judging again (alerts=False) is history for a copy an import stored,
        # and for one counted before (its content evaluated under its report then). A copy
        # that arrived live (posted, mailed) and was not counted, a resend, was never
        # evaluated: judged again, it alerts as it would in any other order, the import
        # first and it after (review s48r3). Read before the update below moves
        # processed_at, the import's trace (stored_by_import).
        imported, mine = False, alerts
        if not alerts:
            imported = self.stored_by_import()
            mine = not imported and self._stored_status() != self.PARSED
        rows = type(self).objects.filter(pk=self.pk)
        if not force:
            rows = rows.filter(parse_status=self.PENDING)
        # A row of an import judged again by one keeps its import's instant as when it was
        # parsed: the trace that tells it history here, and which the daily quota leaves out
        # (reports.intake.check_quota), is not lost to the import's own judging again.
        stamp = models.F("received_at") if imported else timezone.now()
        if not rows.update(attempts=models.F("attempts") + 1, processed_at=stamp):
            self.refresh_from_db()
            return self.parse_status
        try:
            with transaction.atomic():
                # A copy of a stored report waits for that report's copies, its own among
                # them, in id order, as every path locks them (lock_copies).
                pointed = (
                    type(self)
                    .objects.filter(pk=self.pk)
                    .values_list("report_id", flat=True)
                    .first()
                )
                if pointed is not None:
                    lock_copies(pointed, self.pk)
                raw = type(self).objects.select_for_update().get(pk=self.pk)
                if raw.parse_status == self.PENDING or force:
                    raw._process(rejudge=rejudge, alerts=mine)
                    if imported:
                        raw.processed_at = raw.received_at
                    raw.error = storable(raw.error)  # reasons may quote what the sender wrote
                    left: int | None = None
                    if raw.parse_status in (self.REJECTED, self.ERROR) and raw.report_id:
                        # A copy that does not parse (any more: a smaller cap, a DKIM key
                        # rotated away before --recheck-dkim) vouches for nothing: the report
                        # must not stay counted on its word.
                        left, raw.report = raw.report_id, None
                    elif pointed is not None and raw.report_id != pointed:
                        # Parsed again, it is now a copy of another report (a copy rule
                        # fixed since: task s46a's two copies of one report stored as two).
                        # The one it was counted in must not stay counted on its word.
                        left = pointed
                    raw.save()
                    if left is not None and settle:
                        settle_report(left, alerts=alerts)
                    if raw.parse_status == self.PARSED and raw.report_id:
                        from reports.tasks import alert_on_report

                        report_pk = raw.report_id
                        if mine:
                            transaction.on_commit(
                                lambda: alert_on_report.delay(report_pk), robust=True
                            )
                        if raw.took_over or raw.counts_changed:
                            # The report's other copies were judged against the one set aside
                            # ("a resend of the copy counted"), or against the figures this
                            # copy had before a reparse (a duplicate's "other counts: … in the
                            # stored copy"): judged again against this one as it is now.
                            again = [self.DUPLICATE]
                            if raw.counts_changed:
                                again.append(self.SUPERSEDED)  # its reason quotes the figures
                            others = raw.report.raw_reports.filter(parse_status__in=again)
                            for other in others.exclude(pk=raw.pk).defer("body"):
                                other.process(force=True, rejudge=raw.took_over, alerts=alerts)
                        if raw.took_over:
                            taken = raw.report_id
        except DatabaseError:
            # The database, not the report: this attempt had an outcome (the task retries
            # it), so it does not count towards giving up; a short outage must not end a
            # report as an error.
            with contextlib.suppress(DatabaseError):
                type(self).objects.filter(pk=self.pk, attempts__gt=0).update(
                    attempts=models.F("attempts") - 1
                )
            raise
        if taken is not None:
            # After this copy's transaction (committed, unless a caller's holds it, as
            # settle_report's does): judged each in its own, locking its report's copies
            # first, as any copy of theirs does.
            judge_split_off_again(taken, alerts=alerts)
        self.refresh_from_db()
        return self.parse_status

    def stored_by_import(self) -> bool:
        """Whether this row is one an import stored (reports.ingest): it stores a row and
        parses it in one instant (processed_at == received_at), which no intake does, and
        an import judging it again keeps it so (process). A reparse moves processed_at: a
        row of an import parsed again so reads as arrived live from then on."""
        row = (
            type(self)
            .objects.filter(pk=self.pk)
            .values_list("source", "received_at", "processed_at")
            .first()
        )
        return row is not None and row[0] == self.HTTPS and row[2] == row[1]

    def _stored_status(self) -> str | None:
        return type(self).objects.filter(pk=self.pk).values_list("parse_status", flat=True).first()

    def _process(self, *, rejudge: bool = False, alerts: bool = True) -> None:
        self.processed_at = timezone.now()
        self.error = ""
        try:
            parsed = self._parse()
        except ReportRejected as e:
            self.parse_status, self.error = self.REJECTED, e.reason
            return
        except TemporaryProblem as e:
            # DNS trouble while checking DKIM: not the sender's fault. Stay pending so the
            # sweep tries again, a few times; then error, for `reparse --all-failed`.
            retry = self.attempts < TEMPORARY_ATTEMPTS
            self.parse_status = self.PENDING if retry else self.ERROR
            self.error = f"{e}" + (" (will be tried again)" if retry else "")
            return
        except Exception as e:
            # A bug on our side, not the sender's: keep everything for `reparse` after a fix.
            log.exception("parsing raw report %s failed", self.public_id)
            self.parse_status, self.error = self.ERROR, f"{type(e).__name__}: {e}"[:2000]
            return
        self._save_parsed(parsed, rejudge=rejudge, alerts=alerts)

    def _parse(self) -> ParsedReport:
        warnings = list(self.intake_warnings)
        payload = bytes(self.body)
        report_domain: str | None = self.address.domain_name
        mail_report = None
        member = None
        named: str | None = None
        filename: str | None = None
        if self.source == self.HTTPS:
            member = self._https_member(payload)
            # An imported file's RFC 8460 §5.1 name, kept with its row (reports.ingest), names
            # the domain as it did at the import, whenever the row is parsed again (s45r1).
            filename = self.headers.get(IMPORTED_FILE_NAME) or None
            # A zip body's report file has a name of its own, read first as in a mailed or
            # imported zip (before s48c a POSTed zip's were not read: its report without
            # policy-domain was the address's domain's, whatever its file's name named), and
            # so has a gzip body, in its header's FNAME (since s48g).
            inner = report_file_name(payload, member)
            filename = inner if filename_domain(inner) else filename
            named = filename_domain(filename)
            report_domain = named or report_domain
        if self.source == self.EMAIL:
            mail_report = extract_report(payload, self.report_index)
            warnings += mail_report.warnings
            # Without TLS-Report-Domain, an RFC 8460 §5.1 file name names the policy domain
            # a policy without one is about (checklist RPT-06), before the address's.
            if mail_report.report_domain is None:
                # In a zip attachment, its report file's own name first, as ingest_files
                # reads an imported zip's (task s46a); in a gzip one, its FNAME (s48g).
                inner = report_file_name(mail_report.payload, mail_report.member)
                filename = inner if filename_domain(inner) else mail_report.filename
                named = filename_domain(filename)
            report_domain = mail_report.report_domain or named or report_domain
            payload, member = mail_report.payload, mail_report.member
            warnings += self._check_dkim(mail_report.submitter)
            # Recorded: the outer headers kept in `headers` are the forwarder's for a
            # forwarded report, and hold an RFC 2047 encoded value as it was written.
            self.report_submitter = mail_report.submitter or ""
        parsed = parse_report(
            payload, report_domain=report_domain, max_bytes=conf.max_report_bytes(), member=member
        )
        if mail_report is not None:
            parsed.envelope_domain = mail_report.report_domain
        # A policy-domain left out was filled in with the address's domain: no header nor
        # file name named one (address_filled).
        parsed.filled_from_address = not named and not (mail_report and mail_report.report_domain)
        if named and filename:
            parsed.warnings = said_from_filename(parsed.warnings, named, filename)
        elif mail_report is None:
            # Posted or imported: no envelope, the report address's domain (task s48g).
            parsed.warnings = said_from(parsed.warnings, report_domain, FROM_ADDRESS)
        elif mail_report.report_domain:
            parsed.warnings = said_from(parsed.warnings, report_domain, FROM_HEADER)
        submitter = mail_report.submitter if mail_report else None
        if mail_report is not None:
            warnings += self._check_dkim_domain(submitter, parsed.contact_domain)
        if submitter and parsed.contact_domain and submitter != parsed.contact_domain:
            warnings.append(
                f"TLS-Report-Submitter {submitter} is not the domain of "
                f"contact-info ({parsed.contact_domain}) (RFC 8460 §5.3 MUST)"
            )
        parsed.warnings[:0] = warnings
        return keep_own_policies(parsed, self.address.domain_name)

    def _https_member(self, body: bytes) -> int | None:
        """The report file of an HTTPS zip body holding several that this row is (the
        intake stored one row per report file, report_index 0, 1, …); None for a body that
        is one report."""
        members = report_members(body)
        if self.report_index >= len(members):
            raise ReportRejected(
                f"body holds {len(members)} report(s); report {self.report_index + 1} is not in it"
            )
        return members[self.report_index]

    def _check_dkim(self, submitter: str | None) -> list[str]:
        """RFC 8460 §3: a report by mail MUST carry a valid DKIM signature of the reporting
        domain, without l=; unsigned reports MUST be ignored (M44). Returns warnings, raises
        ReportRejected when the report must be ignored."""
        if not self.dkim_result or self.dkim_result == "temperror":
            self.record_dkim(self._verify_dkim(submitter))
        problem = None
        if self.dkim_result == "none":
            problem = "no DKIM signature: RFC 8460 §3 says unsigned reports MUST be ignored"
        elif self.dkim_result == "temperror":
            problem = f"DKIM could not be checked: {self.dkim_detail}"
        elif self.dkim_result != "pass" and self.dkim_length_tag:
            # dkimpy's RFC 8460 mode hashes the whole body whatever l= says, so a list's
            # footer after the signed length reads "body hash mismatch": name the cause.
            problem = (
                f"DKIM signature did not verify ({self.dkim_detail}); it uses l= (RFC 8460 §3 "
                "MUST NOT), so the whole body is verified and content added after its signed "
                "length breaks it"
            )
        elif self.dkim_result != "pass":
            problem = f"DKIM signature did not verify ({self.dkim_detail}); RFC 8460 §3"
        elif self.dkim_length_tag:
            problem = "DKIM signature uses l= (RFC 8460 §3 MUST NOT)"
        warnings: list[str] = []
        if problem:
            if self.dkim_result == "temperror":
                # Not the sender's fault: the raw stays and `reparse --all-failed` retries.
                raise TemporaryProblem(problem)
            if conf.require_dkim():
                raise ReportRejected(problem)
            warnings.append(problem + " (accepted: TLSRPT_REQUIRE_DKIM is off)")
        elif not self.dkim_key_tlsrpt:
            warnings.append(
                f"DKIM key {self.dkim_selector}._domainkey.{self.dkim_domain} has no s=tlsrpt "
                "(RFC 8460 §3 SHOULD)"
            )
        return warnings

    def _verify_dkim(self, submitter: str | None) -> DkimOutcome:
        """This message's DKIM, through the engine's resolvers (never the system's)."""
        from checks.config import CheckConfig

        config = CheckConfig.from_env()
        dnsfunc = make_dnsfunc(config.resolvers, allow_private=config.allow_private_targets)
        # Judged at the time the message came (RFC 6376 §3.5), not when the parse runs.
        at = self.received_at.timestamp() if self.received_at else None
        return verify_dkim(bytes(self.body), dnsfunc, submitter, self.report_index, at=at)

    def _check_dkim_domain(self, submitter: str | None, contact_domain: str | None) -> list[str]:
        """RFC 8460 §3: the signature must be the reporting domain's. A valid signature of any
        other domain proves nothing (anyone can sign a report claiming to be google.com).
        The reporter is TLS-Report-Submitter, else the domain of contact-info; the signing
        domain must be it or a parent of it (d=google.com for mail.google.com). Raises
        ReportRejected when TLSRPT_REQUIRE_DKIM is on; warns otherwise."""
        if self.dkim_result != "pass":
            return []  # _check_dkim judged it already
        claimed = submitter or contact_domain
        if claimed and same_or_parent(self.dkim_domain, claimed):
            return []
        if claimed and not submitter:
            # The reporter was only known after parsing (contact-info): the signature kept
            # was chosen without it (a relay's on top may have won). Verify again, preferring
            # the reporter's own.
            again = self._verify_dkim(claimed)
            if again.result == "pass" and same_or_parent(again.domain, claimed):
                self.record_dkim(again)
                return []
        if claimed:
            problem = (
                f"DKIM signing domain {self.dkim_domain} is not the submitter {claimed} nor a "
                "parent of it; RFC 8460 §3 asks for the reporting domain's signature"
            )
        else:
            problem = (
                f"DKIM signing domain {self.dkim_domain} cannot be matched with the reporter: no "
                "TLS-Report-Submitter header nor contact-info e-mail address (RFC 8460 §3, §5.3)"
            )
        if conf.require_dkim():
            raise ReportRejected(problem)
        return [problem + " (accepted: TLSRPT_REQUIRE_DKIM is off)"]

    def record_dkim(self, outcome: DkimOutcome) -> None:
        self.dkim_result = outcome.result
        self.dkim_domain = storable(outcome.domain)[:253]
        self.dkim_selector = storable(outcome.selector)[:253]
        self.dkim_key_tlsrpt = outcome.key_is_tlsrpt
        self.dkim_length_tag = outcome.has_length_tag
        self.dkim_detail = storable(outcome.detail)[:2000]

    # Set by a parse that took the place of the copy counted before (see _save_parsed).
    took_over = False
    # Set by a parse of the copy counted whose totals differ from the report's stored ones.
    counts_changed = False

    def signed_by(self, contact_info: str | None) -> str:
        """The DKIM domain that vouches for this copy of a report whose contact-info is
        `contact_info`: an e-mail whose signature verified, without l=, by the reporter
        (TLS-Report-Submitter, else the contact-info domain, as _check_dkim_domain requires).
        "" for anything else: HTTPS (anyone can post), or a mismatch accepted only because
        TLSRPT_REQUIRE_DKIM is off. Taken from what is recorded, so a stored copy is judged
        as it was when it arrived."""
        if self.source != self.EMAIL or self.dkim_result != "pass" or self.dkim_length_tag:
            return ""
        # A row parsed before the submitter was recorded: the kept header, decoded.
        submitter = self.report_submitter or submitter_domain(
            _decoded(self.headers.get("tls-report-submitter"))
        )
        claimed = submitter or contact_domain(contact_info)
        return self.dkim_domain if claimed and same_or_parent(self.dkim_domain, claimed) else ""

    def _another_reporters_key(self, parsed: ParsedReport, same: TlsReport) -> str | None:
        """The de-duplication key of this copy when it is another reporter's report than
        `same`, stored under the same organisation name and report-id; None when it is a
        copy of `same` (RFC 8460 §4.4: the report-id is unique per submitter, and the
        submitter is the reporting domain, §5.3; small reporters share default names and
        day-based report-ids).

        It is another reporter's when the two contact-info domains belong to two
        organisations (Public Suffix List) and this copy is DKIM-signed by its own: that
        signature proves whose report it is, so it cannot be a forgery hiding `same`, nor
        `same` one hiding it. A copy not signed so proves nothing: it is read as a copy of
        `same` (a signed copy still beats it, copy_outcome), unless its reporter's report was
        split off already, which it then joins."""
        key = another_reporters_key(parsed, same.contact_info)
        if key is None:
            return None
        if self.signed_by(parsed.contact_info):
            return key
        found = TlsReport.objects.filter(
            address=self.address, submitter=key, report_id=parsed.report_id
        ).only("pk", "start", "end", "day")
        return key if same_report(found, parsed.start, parsed.end, parsed.day) else None

    def _save_parsed(
        self,
        parsed: ParsedReport,
        *,
        first_try: bool = True,
        rejudge: bool = False,
        alerts: bool = True,
    ) -> None:
        self.took_over = self.counts_changed = False
        submitter = parsed.organization_name.casefold()
        span = (parsed.start, parsed.end, parsed.day)
        # Locked: two copies parsed at once must not both decide to replace the stored one.
        # The stored report of the same report-id this is a copy of: the same day's, or one
        # whose range overlaps (same_report); another day's is another report.
        same = lock_report(self.address, submitter, parsed.report_id, span)
        if same is not None and (split := self._another_reporters_key(parsed, same)):
            # Another reporter's report under the same organisation name and report-id: its
            # own report, never a copy of the one stored (locked after it, in that order).
            submitter = split
            same = lock_report(self.address, submitter, parsed.report_id, span)
        parsed.warnings = [w for w in parsed.warnings if not w.startswith(OTHER_DOMAIN)]
        if (
            same is not None
            # A copy of it already: parsed again, it stays one; unless another copy took
            # the report over (`rejudge`): judged as on arrival against what it says now
            # (review s47r3: a post judged a resend of a post naming no domain was set aside
            # as "may be forged" once a signed mail naming SUB with the first's figures took
            # over, its own sessions of example.com counted nowhere).
            and (same.pk != self.report_id or rejudge)
            and (
                other := another_domains_key(
                    parsed,
                    submitter,
                    same.policies.values_list(
                        "policy_type", "policy_domain", "domain_from_address"
                    ),
                    same.policy_domain,
                    other=same,
                )
            )
        ):
            # The same reporter's report about another policy domain under the same report-id
            # (a day-only id, two domains sharing this address): its own report, never a copy
            # of the one stored, which it would otherwise hide or replace (blind s44r W15, W28).
            submitter, warning = other
            parsed.warnings.append(warning)
            same = lock_report(self.address, submitter, parsed.report_id, span)
        # The copy counted now, if another raw report carries it (a resend over the other
        # channel, say): this one is a duplicate, also when it is reparsed while pointing at
        # that report already.
        counted = counted_copy(same, other_than=self.pk) if same is not None else None
        replaced: RawReport | None = None
        # What the stored report's alerts were evaluated on, when this copy's content replaces
        # it: they are evaluated again only if the new content tells something more.
        told: AlertFacts | None = None
        if same is not None and (same.pk != self.report_id or counted is not None):
            ours = self.signed_by(parsed.contact_info)
            # A report whose `policies` array is empty (checklist M09) says nothing about any
            # session: a copy with policies takes its place, whichever is signed (task s45p).
            theirs = list(
                same.policies.values_list("policy_type", "policy_domain", "domain_from_address")
            )
            emptied = not theirs
            # A copy naming the domain it is about, of a report that named none but the
            # address's filled in and saying the same otherwise, takes its place when no
            # signature decides (task s46a, review s46r1).
            named = names_over_filled(parsed, theirs, same)
            outcome = copy_outcome(
                parsed, ours, same, counted, same_empty=emptied, names_over_filled=named
            )
            if outcome is not None:
                self.report = same
                self.parse_status, self.error = outcome
                return
            # This copy (signed, or with policies where the one counted has none) takes the
            # place of the one counted: its figures, policies and failure details; the other
            # raw report stays, marked, pointing at the report.
            replaced = counted
            # The copy replaced says what this one says, a domain left out apart (`named`,
            # or a signed copy over an unsigned one alike: copy_outcome): it is told it is
            # a resend, never that it differs (task s47a: a signed copy of the same figures
            # said "differs … may be forged").
            if replaced is not None and (
                emptied and parsed.policies or named or alike_but_left_out(parsed, same)
            ):
                # What it is told when it comes after this copy (copy_outcome): a duplicate.
                replaced.parse_status = self.DUPLICATE
                replaced.error = storable(emptied_reason(same, parsed))
            elif replaced is not None:
                replaced.parse_status = self.SUPERSEDED
                replaced.error = storable(
                    superseded_reason(
                        parsed.report_id,
                        ours,
                        (parsed.total_successful, parsed.total_failed),
                        (same.total_successful, same.total_failed),
                        ranges=((parsed.start, parsed.end), (same.start, same.end)),
                    )
                )
            # Its alerts are evaluated again when it says something the report was not
            # evaluated on (AlertFacts.tells_more); the alert task reads the stored rows.
            told = AlertFacts.told(same)
            self.took_over = True
        elif same is not None:
            # This copy newly becomes the one counted (it was pending, a duplicate or set
            # aside: the copy the figures came from was rejected), or is the copy counted,
            # reparsed after a parser fix. What it says is evaluated like a new report when
            # it is news (AlertFacts.tells_more: a failure type the parser missed before), and
            # only that is told. The same report in the form the parser writes now (A-labels
            # where U-labels were stored) tells nothing more: nothing is sent.
            told = AlertFacts.told(same)
            counts = (parsed.total_successful, parsed.total_failed)
            self.counts_changed = counts != (same.total_successful, same.total_failed)
        if told is not None and same is not None:
            # Kept with the report, which store() rewrites: a report evaluated before the
            # facts were kept has them from its rows, about to be replaced.
            same.alerts_told = told.record()
        # Its sender's reports of other days under the same report-id, said on this one.
        with_reused_warning(parsed, self.address, submitter, same)
        try:
            with transaction.atomic():
                if replaced is not None:
                    replaced.save(update_fields=["parse_status", "error"])
                self.report = TlsReport.objects.store(
                    self.address, parsed, replace=same, submitter=submitter
                )
                if not alerts:
                    # Judged again after an import took its report over (process): no
                    # evaluation is reset, and a report stored now is history, as the
                    # import's own are (marked evaluated, never alerted on).
                    if same is None:
                        self.report.alerts_evaluated_at = timezone.now()
                        TlsReport.objects.filter(pk=self.report.pk).update(
                            alerts_evaluated_at=self.report.alerts_evaluated_at
                        )
                elif told is not None and AlertFacts.of(self.report).tells_more(told):
                    self.report.alerts_evaluated_at = None
                    TlsReport.objects.filter(pk=self.report.pk).update(alerts_evaluated_at=None)
        except IntegrityError:
            # Another worker stored the same report a moment ago (committed: the unique index
            # waited for it): which copy counts is decided as for any copy stored earlier.
            if first_try:
                self._save_parsed(parsed, first_try=False, rejudge=rejudge, alerts=alerts)
                return
            self.parse_status = self.DUPLICATE
            self.report = lock_report(self.address, submitter, parsed.report_id, span)
            return
        except DataError as e:
            # A value the parser let through does not fit its column: our bug, not a reason
            # to retry for ever. The raw report stays for `reparse` after a fix.
            log.exception("storing raw report %s failed", self.public_id)
            self.parse_status, self.error = self.ERROR, f"DataError: {e}"[:2000]
            return
        except DatabaseError:
            raise  # the database busy or away: the task retries
        except Exception as e:
            # Anything else (a time limit, a value the driver cannot bind) would roll back
            # the whole attempt and leave the row pending, to be queued again for ever:
            # our error, kept for `reparse` after a fix, as DataError is.
            log.exception("storing raw report %s failed", self.public_id)
            self.parse_status, self.error = self.ERROR, f"{type(e).__name__}: {e}"[:2000]
            return
        self.parse_status = self.PARSED

    # --- reading -----------------------------------------------------------------------------

    def report_json(self) -> bytes:
        """The report's JSON text as the sender wrote it (decompressed, out of the e-mail)."""
        payload = bytes(self.body)
        member = self._https_member(payload) if self.source == self.HTTPS else None
        if self.source == self.EMAIL:
            mail_report = extract_report(payload, self.report_index)
            payload, member = mail_report.payload, mail_report.member
        body, _ = decode(payload, conf.max_report_bytes(), member)
        return body

    @classmethod
    def stale_pending(cls, older_than: timedelta) -> models.QuerySet[RawReport]:
        """Pending rows the sweep should queue: never tried and older than `older_than`, or
        tried already (a DKIM key lookup that timed out, a worker killed mid-parse) and left
        alone for RETRY_PAUSE, so the few attempts are spread over an hour, not minutes.
        Not rows that used up TEMPORARY_ATTEMPTS: `give_up_exhausted` ends those."""
        now = timezone.now()
        return cls.objects.filter(
            parse_status=cls.PENDING,
            received_at__lt=now - older_than,
            attempts__lt=TEMPORARY_ATTEMPTS,
        ).filter(models.Q(attempts=0) | models.Q(processed_at__lt=now - RETRY_PAUSE))

    @classmethod
    def give_up_exhausted(cls) -> int:
        """Pending rows whose TEMPORARY_ATTEMPTS all ended without an outcome become `error`
        with the reason; the bytes stay for `reparse` after a fix. How many.

        A row among them that a stored report was counted from (reparsed, and its DKIM key
        lookup kept failing) no longer vouches for it: the report is settled on its other
        copies, as when process() ends a copy so (settle_report)."""
        rows = cls.objects.filter(
            parse_status=cls.PENDING,
            attempts__gte=TEMPORARY_ATTEMPTS,
            processed_at__lt=timezone.now() - RETRY_PAUSE,
        )
        reports = set(rows.exclude(report=None).values_list("report_id", flat=True))
        count = rows.update(
            parse_status=cls.ERROR,
            error=f"gave up after {TEMPORARY_ATTEMPTS} attempts that never finished (the "
            "worker was stopped, ran out of memory or time, or the database kept failing)",
            report=None,
        )
        for report_pk in sorted(reports):
            settle_report(report_pk)
        return count


def _decoded(value: str | None) -> str | None:
    """A header value with its RFC 2047 encoded words decoded (as extract_report reads it)."""
    if not value or "=?" not in value:
        return value
    try:
        return str(make_header(decode_header(value)))
    except Exception:  # a broken encoded word: the value as it was written
        return value


def judge_split_off_again(report_pk: int, *, alerts: bool = True) -> None:
    """After a copy took the report `report_pk` over, the reports split off from it as
    another policy domain's under the same report-id and day (' for <domain>' keys,
    _another_domains) were judged against what it said before: the counted copy of each is
    parsed again against what it says now, as on arrival (review s47r3 of 4b48df24). A post
    naming no domain (the address's filled in), split off from a mail about SUB of other
    figures, is that mail's copy once a signed mail of the post's figures replaces it, not
    the same sessions counted again under example.com; a post writing SUB split off from a
    post naming none is a copy once a mail naming SUB takes that one over, not a second
    report about SUB. One no longer split off leaves its report to be settled (process).
    `alerts`: False after an import's takeover (process's)."""
    report = TlsReport.objects.filter(pk=report_pk).first()
    if report is None:
        return
    split = TlsReport.objects.filter(
        address_id=report.address_id,
        report_id=report.report_id,
        submitter__startswith=f"{report.submitter} for ",
    ).only("pk", "start", "end", "day")
    for other in split:
        if same_report([report], other.start, other.end, other.day) is None:
            continue
        if (counted := counted_copy(other)) is not None:
            counted.process(force=True, alerts=alerts)


def settle_report(report_pk: int, *, alerts: bool = True) -> None:
    """Settle a stored report after one of its copies ended `rejected` or `error`.

    While a copy still counts, nothing changes. Otherwise its other copies (duplicates, and
    copies set aside for a signed one) are parsed again in order of arrival, judged as on
    arrival: the first that parses takes the report over with its own figures, and a later
    signed copy that differs from it replaces it as ever. The report's alerts are evaluated
    again when what it says now tells something the figures it was counted on did not
    (AlertFacts.tells_more): a failure type more, a day that crosses the failure-rate
    threshold. The same failures in other figures are not news, also once their changes
    recovered (a change already open is not opened twice, nor withdrawn). When no copy
    parses, the report is deleted with its policies and failure details, so its figures
    leave the totals, charts and alerts; every raw body stays, and `manage.py reparse` after
    a fix stores it again. A copy still pending (a DKIM key lookup that timed out) keeps the
    report as it is: could not check is not a failure, and its own outcome settles the
    report again. `alerts`: False after an import's takeover (process's): nothing is
    evaluated again."""
    with transaction.atomic():
        # The copies first, then the report (lock_copies): a worker parsing one of these
        # copies meanwhile waits for us instead of deadlocking with us.
        lock_copies(report_pk)
        others = list(
            RawReport.objects.filter(
                report_id=report_pk,
                parse_status__in=[RawReport.DUPLICATE, RawReport.SUPERSEDED],
            ).defer("body")
        )
        others.sort(key=lambda raw: (raw.received_at, raw.pk))  # judged in order of arrival
        # Locked: a copy arriving meanwhile (_save_parsed locks the same row) waits for the
        # outcome instead of being judged against a report about to change or go.
        report = TlsReport.objects.select_for_update().filter(pk=report_pk).first()
        if report is None or counted_copy(report) is not None:
            return
        told = AlertFacts.told(report)
        for other in others:
            other.process(force=True, settle=False, alerts=alerts)
        if counted_copy(report) is None:
            if not report.raw_reports.filter(parse_status=RawReport.PENDING).exists():
                log.warning(
                    "TLS report %s (%s) has no copy that parses any more: its figures are "
                    "removed, its raw copies kept",
                    report.public_id,
                    report.report_id,
                )
                report.delete()
            return
        report.refresh_from_db()
        if alerts and told is not None and AlertFacts.of(report).tells_more(told):
            # Judged on the report as settled, against what it was counted on before its
            # copies had their turn (_save_parsed judged each copy that took over in turn).
            from reports.tasks import alert_on_report

            TlsReport.objects.filter(pk=report_pk).update(alerts_evaluated_at=None)
            transaction.on_commit(lambda: alert_on_report.delay(report_pk), robust=True)


@dataclass(frozen=True)
class AlertFacts:
    """What a stored report gives the alerts of reports.alerts to go on: its day, whether it
    counts for its address, the failure types it names, and whether its day's failure rate,
    with it, is above the threshold.

    The alert keys carry no report day, so evaluating a report's alerts again on failures it
    was evaluated on once would open the changes of that day a second time once they
    recovered, although no sender reported anything new. So the facts a report's alerts were
    evaluated on are kept with it (TlsReport.alerts_told, every evaluation together), and
    when another copy's content replaces the report's (a signed copy replacing an unsigned
    one, a copy taking over from the one counted, a reparse after a parser fix) the alerts
    are evaluated again only when the new content tells something more (tells_more), and
    then about that only (reports.alerts.evaluate_report)."""

    day: date
    counted: bool
    result_types: frozenset[str]
    day_alerts: bool

    @classmethod
    def of(cls, report: TlsReport) -> AlertFacts:
        """The facts of `report` as its rows (and its address's other reports) stand now."""
        from reports.alerts import day_rates

        # order_by(): the model's ordering by id would make each row distinct.
        types = (
            FailureDetail.objects.filter(report=report)
            .order_by()
            .values_list("result_type", flat=True)
            .distinct()
        )
        day_alerts = False
        if report.counted:
            try:
                threshold = conf.alert_failure_rate()
                rate = day_rates(report.address, [report.day], threshold)[report.day]
                day_alerts = rate.alerts(threshold, conf.alert_min_sessions())
            except ImproperlyConfigured:
                pass  # the failure-rate rule is off (reports.alerts says so when evaluating)
        return cls(report.day, report.counted, frozenset(types), day_alerts)

    @classmethod
    def recorded(cls, report: TlsReport) -> AlertFacts | None:
        """The facts kept in report.alerts_told; None when none are."""
        told = report.alerts_told or {}
        try:
            return cls(
                date.fromisoformat(told["day"]),
                bool(told["counted"]),
                frozenset(told["types"]),
                bool(told["rate"]),
            )
        except (KeyError, TypeError, ValueError):
            return None

    @classmethod
    def told(cls, report: TlsReport) -> AlertFacts | None:
        """What the alerts of `report` were evaluated on so far; None when they never were
        (they are still to be, with everything the report says). A report evaluated before
        the facts were kept: the facts its rows hold now, which are the ones evaluated."""
        recorded = cls.recorded(report)
        if recorded is None and report.alerts_evaluated_at is not None:
            return cls.of(report)
        return recorded

    def record(self) -> dict[str, Any]:
        """These facts as TlsReport.alerts_told keeps them."""
        return {
            "day": self.day.isoformat(),
            "counted": self.counted,
            "types": sorted(self.result_types),
            "rate": self.day_alerts,
        }

    def with_told(self, told: AlertFacts | None) -> AlertFacts:
        """These facts together with `told`, the ones evaluated before for the same day and
        address: what the report's alerts have been evaluated on once these are."""
        if told is None or told.day != self.day or not told.counted:
            return self
        return AlertFacts(
            self.day,
            self.counted,
            self.result_types | told.result_types,
            self.day_alerts or told.day_alerts,
        )

    def tells_more(self, told: AlertFacts) -> bool:
        """These facts hold something the alerts of `told` could not have said: the report
        counts now where it did not, is of another day, names a failure type `told` did not,
        or puts its day above the failure-rate threshold where `told` did not. Fewer types or
        figures, or the same failures in other numbers, are not news."""
        if not self.counted:
            return False  # a report about another domain raises no alert
        return (
            not told.counted
            or self.day != told.day
            or bool(self.result_types - told.result_types)
            or (self.day_alerts and not told.day_alerts)
        )


def lock_copies(report_pk: int, *also: int) -> None:
    """Lock the raw copies of a stored report (and the raw reports `also`) in id order.

    The one lock order of every path (RawReport.process, _save_parsed, settle_report): a
    report's copies first, in id order, then the report. A worker that held the report and
    then asked for a copy (the copies a signed copy judges again on taking a report over)
    deadlocked on PostgreSQL with one parsing that copy, which holds it and asks for the
    report. A copy parsed for the first time is locked before its report is known; no other
    worker waits for it meanwhile, as it is nobody's copy yet."""
    list(
        RawReport.objects.select_for_update()
        .filter(models.Q(report_id=report_pk) | models.Q(pk__in=also))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


# The key of RawReport.headers under which an imported file's RFC 8460 §5.1 name is kept
# (reports.ingest: only a name that names a policy domain, filename_domain), so that a parse
# of the row again reads the domain the import read (RawReport._parse; task s45r1).
IMPORTED_FILE_NAME = "imported-file-name"


# The start of the warning a report stored beside another policy domain's report of the same
# reporter, report-id and day carries (other_domain_warning).
OTHER_DOMAIN = "This sender used report-id "


# A policy as the copy rules read it: (policy-type, policy-domain, whether that domain is the
# report address's, filled in for a policy-domain left out: address_filled).
PolicyDomain = tuple[str, str, bool]


def address_filled(parsed: ParsedReport, policy: ParsedPolicy) -> bool:
    """Whether `policy`'s domain is the report address's, filled in by the parser for a
    policy-domain the report left out (Postfix's no-policy-found) because nothing the sender
    sent named one: no TLS-Report-Domain (RFC 8460 §5.3), no §5.1 file name (task s46a).
    Stored as PolicyResult.domain_from_address."""
    return policy.domain_filled and parsed.filled_from_address


def policy_domains_of(parsed: ParsedReport) -> list[PolicyDomain]:
    """The PolicyDomain of each of `parsed`'s policies."""
    return [(p.policy_type, p.policy_domain, address_filled(parsed, p)) for p in parsed.policies]


def names_over_filled(
    parsed: ParsedReport, theirs: list[PolicyDomain], other: ParsedReport | TlsReport
) -> bool:
    """Whether `parsed`, a copy of the report `other` (a parse, or a stored report) whose
    policies are `theirs`, names the domain its policies without policy-domain are about (its
    TLS-Report-Domain or §5.1 file name) where `other` had the address's domain filled in for
    them (address_filled), and says the same otherwise (alike_but_filled): the same report
    mailed naming mail.example.com and posted. The copy that says takes the place of the
    one that does not (copy_outcome; reports.ingest alike), so the report is stored under
    the domain its sender named whichever copy came first (task s46a), also when another of
    its policies states its domain (review s46r1)."""
    return (
        any(filled for _, _, filled in theirs)
        and not parsed.filled_from_address
        and bool(_policy_domains(policy_domains_of(parsed)) or parsed.envelope_domain)
        and alike_but_filled(parsed, other)
    )


def alike_but_filled(parsed: ParsedReport, other: ParsedReport | TlsReport) -> bool:
    """Whether `parsed` says what `other` (a parse, or a stored report) says, apart from the
    domain of a policy whose policy-domain the report left out (filled in from the header,
    the §5.1 file name or the address): what names_over_filled's two copies of one report
    share. A copy that says something else (other figures, a policy-domain written in its
    JSON) takes no place on naming a domain: unsigned, the copy stored first stays counted
    (copy_outcome), or anyone posting a report-id with a policy-domain would replace the
    report counted and its failures (review s46r1 of 22af2855)."""
    theirs = (
        parsed_digest(other, filled_blank=True)
        if isinstance(other, ParsedReport)
        else stored_digest(other, filled_blank=True)
    )
    return parsed_digest(parsed, filled_blank=True) == theirs


def _left_out(report: ParsedReport | TlsReport) -> set[int]:
    """The places of `report`'s policies whose policy-domain it left out, filled in by the
    parser: a parse knows each (domain_filled), a stored report those filled in from the
    address (domain_from_address; one from a header or a §5.1 name is stored as written)."""
    if isinstance(report, ParsedReport):
        return {i for i, p in enumerate(report.policies) if p.domain_filled}
    filled = report.policies.order_by("pk").values_list("domain_from_address", flat=True)
    return {i for i, f in enumerate(filled) if f}


def alike_but_left_out(parsed: ParsedReport, other: ParsedReport | TlsReport) -> bool:
    """Whether two copies of one report-id, `parsed` and `other` (a parse, or a stored
    report), say the same apart from the domain of a policy either left out: the same
    figures, failure details, policies, range and reporter. Then the domain one of them got
    from the address is no reason to tell them apart (_another_domains) nor to say they
    differ (copy_outcome); copies that say other figures are not taken for one report on
    a domain nobody wrote (task s47a). Either way round, unlike alike_but_filled, which
    decides which copy takes the place and so reads a domain written as written."""
    blank = _left_out(parsed) | _left_out(other)
    theirs = (
        parsed_digest(other, blank=blank)
        if isinstance(other, ParsedReport)
        else stored_digest(other, blank=blank)
    )
    return parsed_digest(parsed, blank=blank) == theirs


def _policy_domains(domains: Iterable[PolicyDomain], *, filled_too: bool = False) -> set[str]:
    """The policy domains (A-labels, lower case, no root dot) of `domains` that name the
    domain a report is about: sts and no-policy-found (a tlsa policy-domain is an MX host,
    RFC 8460 §1.1), said by the sender: not the address's domain filled in for a policy-domain
    left out over HTTPS (nobody's word: the same report mailed names its TLS-Report-Domain,
    maybe a subdomain, and is still the same report; task s46a); with `filled_too`, those
    as well (read as the sender's, as before s46a: _another_domains, for copies that say
    other figures)."""
    return {
        a_labels(d.strip())
        for t, d, filled in domains
        if t in DOMAIN_POLICY_TYPES and d.strip(" .") and (filled_too or not filled)
    }


def another_domains_key(
    parsed: ParsedReport,
    submitter: str,
    theirs: Iterable[PolicyDomain],
    their_domain: str,
    *,
    other: ParsedReport | TlsReport,
) -> tuple[str, str] | None:
    """When `parsed`, a report of `submitter` (its key) whose report-id and day (or a range
    overlapping) a report with the policies `theirs` (PolicyDomain triples) and the stored
    policy domain `their_domain` (stored_policy_domain) has already, is
    another policy domain's report (_another_domains): the key it is stored under
    (domain_key) and the warning it carries; None when it is a copy of that report (one
    without policies names no domain: a copy, whose place a report with policies takes,
    copy_outcome). The one rule for the parse task (RawReport._save_parsed, `theirs` from
    the stored rows) and the bulk import (reports.ingest, from the stored rows or an
    earlier file's parse); `other` is that report (the stored one, or the earlier parse)."""
    found = _another_domains(parsed, list(theirs), their_domain, other)
    if found is None:
        return None
    return domain_key(submitter, found[0]), other_domain_warning(parsed, found[1])


def _another_domains(
    parsed: ParsedReport,
    theirs: list[PolicyDomain],
    their_domain: str,
    other: ParsedReport | TlsReport,
) -> tuple[str, list[str]] | None:
    """When `parsed`, a report of the same reporter, report-id and day as a report whose
    policies are `theirs` (or of a range overlapping it), is about other policy domains than
    that one: the domain it is about and the other report's domains; None when it is a copy.

    RFC 8460 §4.4 makes the report-id unique, but a report is about one policy domain (the
    file name and TLS-Report-Domain of §5.1 and §5.3 carry one), so the same id about
    another domain is another report: none of its sessions is in the other's. Both must name
    their domains, and none may be shared. `parsed` names its own in its policies or, when
    none does (a DANE-only report: a tlsa policy-domain is an MX host), in the
    TLS-Report-Domain header it was mailed with (task s44m: such a report about another
    domain was taken for a copy, its sessions lost); a Postfix no-policy-found report whose
    policy-domain is left out has the header's already (the parser's fallback). Without
    either (a DANE-only report over HTTPS) it stays a copy as before, as it does when the
    other's policies name no domain, and a report about several domains (only the address's
    part stored, policy_owners) shares the address's with its copies.

    The other report, stored first, names its domain alike (task s45d: a mailed DANE-only
    report stored first took the other domain's report for its copy): its policies' domains,
    else its stored policy domain (`their_domain`) when that is its header's, i.e. none of
    its policies' (stored_policy_domain gives the first policy's when no header named one,
    or the address's when it has no policy: neither says what it is about).

    The address's domain filled in for a policy-domain left out is nobody's word, so it is
    set aside on both sides (task s46a) when the two say the same otherwise
    (alike_but_left_out): one report, sent to both addresses. When they say other figures,
    nothing makes them one report but a domain nobody wrote: it is read as written, as
    before s46a, so a report the sender wrote about example.com without saying so and its
    report about mail.example.com under the same day-only report-id are both counted, as
    when the post writes example.com (task s47a: taken for copies, one's failures hid)."""
    found = _disjoint_domains(parsed, theirs, their_domain, filled_too=False)
    if (
        found is None
        and any(filled for _, _, filled in [*policy_domains_of(parsed), *theirs])
        and not alike_but_left_out(parsed, other)
    ):
        found = _disjoint_domains(parsed, theirs, their_domain, filled_too=True)
    return found


def _disjoint_domains(
    parsed: ParsedReport, theirs: list[PolicyDomain], their_domain: str, *, filled_too: bool
) -> tuple[str, list[str]] | None:
    """_another_domains with the address's domains filled in set aside, or with
    `filled_too` read as written (_policy_domains)."""
    mine = _policy_domains(policy_domains_of(parsed), filled_too=filled_too)
    if not mine and parsed.envelope_domain:
        mine = {a_labels(parsed.envelope_domain)}
    if not mine:
        return None
    domains = _policy_domains(theirs, filled_too=filled_too) or _header_domain(theirs, their_domain)
    if not domains or not mine.isdisjoint(domains):
        return None
    # The key names the domain the report is stored under (stored_policy_domain), the one
    # sender_key strips again: one source, so the two cannot disagree. Never the address's
    # fallback for a report without policy here: a report naming a domain (`mine`, maybe
    # the address's filled in for a policy, read as written) has an about_domain.
    return a_labels(stored_policy_domain(parsed, "")), sorted(domains)


def _header_domain(policies: list[PolicyDomain], stored: str) -> set[str]:
    """The domain a report whose `policies` name none is about, from its stored policy
    domain (`stored`): the TLS-Report-Domain it was mailed with when that is not one of its
    policies' domains (then it is the first's, or the address's filled in for a
    policy-domain left out: no header said); none for a report without policies (its stored
    domain may be the address's fallback). A header naming the MX host a tlsa policy names
    as well says nothing apart from it: none, the report a copy as before."""
    domain = a_labels(stored.strip())
    named = {a_labels(d.strip()) for _, d, _ in policies}
    return {domain} if policies and domain and domain not in named else set()


def stored_policy_domain(parsed: ParsedReport, address_domain: str) -> str:
    """The policy domain a report is stored under (TlsReport.policy_domain): the domain it
    is about (its sts / no-policy-found policy-domain, else its mail's TLS-Report-Domain),
    else its first policy's (a DANE-only report over HTTPS: an MX host), else the address's.
    Also the domain domain_key adds to the key of the second of two domains' reports under
    one report-id (_another_domains), which sender_key strips: read from here alone."""
    return parsed.about_domain or next((p.policy_domain for p in parsed.policies), address_domain)


def domain_key(submitter: str, domain: str) -> str:
    """The de-duplication key of a report about `domain` whose reporter's report about
    another policy domain took its report-id and day first (_another_domains): the
    submitter key with the domain, within the column's 1,024 characters."""
    suffix = f" for {domain}"
    return submitter[: 1024 - len(suffix)] + suffix


def sender_key(submitter: str, policy_domain: str) -> str:
    """The sender a stored report's key (`submitter`, of a report about `policy_domain`)
    stands for in per-sender figures (the failure-rate alert's usual rate, the weekly
    summary's sending organisations): the key without the ' for <domain>' domain_key gives
    the second of two policy domains' reports under one report-id and day. Which of the two
    keeps the plain key is the one that arrived first, so per-key figures would follow the
    arrival order, and one sender would count as two; per sender, a day holds both domains'
    sessions whichever came first, as a sender's reports about two domains under two
    report-ids always did (a read, no migration: the keys stay, resends find them). The
    domain the key names and `policy_domain` both come from stored_policy_domain, so the
    suffix stripped is the one added, whether the key named a policy's domain or the mail's
    TLS-Report-Domain (task s44m)."""
    return submitter.removesuffix(f" for {a_labels(policy_domain)}")


def other_domain_warning(parsed: ParsedReport, theirs: list[str]) -> str:
    """Said on a report stored beside its reporter's report about another policy domain
    under the same report-id (_another_domains)."""
    return (
        f"{OTHER_DOMAIN}{parsed.report_id!r} also for its report about {series(theirs)} of "
        "the same day. This report is about another policy domain, so it is counted as a "
        "report of its own, not taken for a copy of that one (RFC 8460 §4.4: a report-id "
        "identifies one report; §5.1, §5.3: a report is about one policy domain)."
    )


def another_reporters_key(parsed: ParsedReport, their_contact: str | None) -> str | None:
    """The key `parsed` has if it is another reporter's report than the stored one of the
    same organisation name and report-id whose contact-info is `their_contact`: their two
    contact-info domains belong to two organisations (reporter_key, with its own); None
    when they are one organisation's, or either names no domain. Whether it is (a DKIM
    signature by its own reporter, or that reporter's report split off already) is the
    caller's: RawReport._another_reporters_key, and the bulk import (reports.ingest), whose
    unsigned files join a report split off so and are otherwise copies."""
    mine = contact_domain(parsed.contact_info)
    theirs = contact_domain(their_contact)
    if not mine or not theirs or same_or_parent(mine, theirs) or same_or_parent(theirs, mine):
        return None
    return reporter_key(parsed.organization_name, mine)


def reporter_key(organization_name: str, domain: str) -> str:
    """The de-duplication key of a report whose organisation name and report-id another
    reporter's report took first (RawReport._another_reporters_key): the name, case-folded,
    with the reporter's contact domain, within the column's 1,024 characters."""
    suffix = f" <{domain}>"
    return organization_name.casefold()[: 1024 - len(suffix)] + suffix


class _Span(Protocol):
    """What same_report reads of a report: its date-range and the day it counts on."""

    start: datetime
    end: datetime
    day: date


_S = TypeVar("_S", bound=_Span)


def same_report(candidates: Iterable[_S], start: datetime, end: datetime, day: date) -> _S | None:
    """The report among `candidates` (reports of one address, submitter and report-id) that a
    report of `start` to `end`, counted on `day`, is a copy of; None when it is a report of
    its own (docs/reports.md §4).

    RFC 8460 §4.4 makes the report-id "a unique identifier for the report", and §4.1 a report
    covers a day: a sender that uses one report-id again for another day (a day-less id, a
    bug) sends another report, which is counted on its own. A copy is the report of the same
    day (the unique index's key), else the first whose range overlaps this one: under one
    report-id, overlapping ranges are one report (counting both would count the sessions of
    the overlap twice), and a forger's copy with its range moved a little stays a copy that
    a signed one replaces. Ranges that only touch (one ends at 00:00:00, the next starts
    then) do not overlap."""
    overlapping: _S | None = None
    for candidate in candidates:
        if candidate.day == day:
            return candidate
        if overlapping is None and start < candidate.end and candidate.start < end:
            overlapping = candidate
    return overlapping


def ranges_overlap(a: tuple[datetime, datetime], b: tuple[datetime, datetime]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


# A range of at most this long (RFC 8460 §4.1: one day; the parser warns beyond) that overlaps
# another starts at most this long before it. The bound of stored_report's look and of a bulk
# import's (reports.ingest._Group).
SHORT_RANGE = timedelta(hours=48)
# end - start over SHORT_RANGE: an interval compared (immutable, so PostgreSQL takes it as an
# index predicate; start + an interval is not), written once for the index and the query.
LONG_RANGE = GreaterThan(
    models.ExpressionWrapper(
        models.F("end") - models.F("start"), output_field=models.DurationField()
    ),
    models.Value(SHORT_RANGE, output_field=models.DurationField()),
)


def stored_report(
    key: dict[str, Any], start: datetime, end: datetime, day: date
) -> TlsReport | None:
    """same_report among the stored reports of `key` (address, submitter, report-id), read
    by index, not by going through every report of the id (s37c: a sender reusing one id for
    thousands of days made each parse read them all). The report of `day` (the unique
    index's key); else the first by (start, pk) whose range overlaps start to end, among the
    short ranges by a day window of the unique index (a short range overlapping this one
    starts after start - SHORT_RANGE and ends before end + SHORT_RANGE, and a report's day is
    within a day of its range) and the long ones by their partial index
    (tlsreport_long_range). One query when the day's report is there, three otherwise."""
    fields = ("pk", "start", "end", "day")
    reports = TlsReport.objects.filter(**key)
    of_day = reports.filter(day=day).only(*fields).first()
    if of_day is not None:
        return same_report([of_day], start, end, day)
    overlapping = reports.filter(start__lt=end, end__gt=start).order_by("start", "pk")
    lo, hi = (
        _moved(start, -SHORT_RANGE - timedelta(days=1)),
        _moved(end, SHORT_RANGE + timedelta(days=1)),
    )
    short = overlapping.filter(~models.Q(LONG_RANGE), day__range=(lo, hi)).only(*fields).first()
    long = overlapping.filter(LONG_RANGE).only(*fields).first()
    found = sorted((r for r in (short, long) if r is not None), key=lambda r: (r.start, r.pk))
    return same_report(found, start, end, day)


def _moved(when: datetime, by: timedelta) -> date:
    """The date of `when` moved `by`, held at the calendar's ends (a report of the year 1 or
    of 9999-12-31 is accepted: s24's G24, G25)."""
    try:
        return (when + by).date()
    except OverflowError:
        return date.min if by < timedelta(0) else date.max


def lock_report(
    address: ReportAddress,
    submitter: str,
    report_id: str,
    span: tuple[datetime, datetime, date],
) -> TlsReport | None:
    """The stored report (address, submitter, report-id) that a report of `span` (start,
    end, day) is a copy of (same_report), locked after its copies (lock_copies); None when
    there is none yet, and then, until the transaction ends, no other worker stores a report
    of this identity (lock_identity): the caller stores its own, and a copy parsed at the
    same instant, of the same day or of another day whose range overlaps, finds it once it
    may look (s36r; the unique index alone tells only the same day apart).

    The identity lock may come after row locks the transaction holds already (lock_identity
    says which and why that is safe): when a report found was removed (settle_report) while
    we waited for its copies, their locks stay held as we look again and find none."""
    start, end, day = span
    key = {"address": address, "submitter": submitter, "report_id": report_id}
    identity_locked = False
    while True:
        found = stored_report(key, start, end, day)
        if found is None:
            # Nothing stored yet: wait for any worker storing this identity (its report is
            # then committed, and read by looking again), or hold it for our own.
            if identity_locked or not lock_identity(address.pk, submitter, report_id):
                return None
            identity_locked = True
            continue
        lock_copies(found.pk)
        report = TlsReport.objects.select_for_update().filter(pk=found.pk, **key).first()
        if report is not None:
            return report
        # Removed (settle_report) while we waited for its copies: look again.


def lock_identity(address_pk: int, submitter: str, report_id: str) -> bool:
    """Hold a report identity (address, submitter, report-id) until the transaction ends:
    PostgreSQL's transaction-level advisory lock on its hash (two identities sharing a hash
    wait for each other, no more). Taken only where no stored report of this identity was
    found, and then before any of that identity's report or copy rows is locked. It is not
    always the transaction's first lock (review s36v), as it may come after:
    - the raw copy being parsed (RawReport.process locks it first), and on a reparse the
      copies of the report it pointed at (lock_copies), in settle_report that report's row too;
    - the copies of a report found and removed while we waited for them (lock_report's retry);
    - the copies and row of the report found under the organisation name, when this copy is
      another reporter's (RawReport._save_parsed's second lock_report, its reporter_key).
    No cycle comes of it in what is stored today: a worker holding an identity lock waits for
    report rows only when that identity's report was committed between its look and its lock
    (it then locks that report's copies and row, in lock_copies' order), and for such rows to
    be held by a worker waiting for the same identity, that worker would have to be settling
    that very report while re-parsing one of its copies into the same identity but a range
    that does not overlap it, which the copy's earlier parse of the same body did not give
    (only a parser change between the two, with `reparse`, could). Were it to happen,
    PostgreSQL ends one of the two with a deadlock error, a DatabaseError that RawReport.process
    leaves to the task's retry. False where nothing is locked: another database (SQLite has
    one writer at a time), or outside a transaction."""
    if connection.vendor != "postgresql" or not connection.in_atomic_block:
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
            [identity_lock_key(address_pk, submitter, report_id)],
        )
    return True


def identity_lock_key(address_pk: int, submitter: str, report_id: str) -> str:
    """The text whose hash lock_identity locks; a bulk import (reports.ingest) locks its
    batch's identities by the same text."""
    return f"reports.tlsreport {address_pk} {len(submitter)}:{submitter} {report_id}"


# The start of the warning a report stored under a report-id another of its reports has.
REUSED = "This sender reused report-id "


# Days a reused_warning counts exactly: past them it says "over". Counting every report of
# an id a sender reused for thousands of days, for each new one, would be quadratic work.
REUSED_COUNTED = 1000


def reused_warning(
    report_id: str, first_days: list[date], count: int, start: datetime, end: datetime
) -> str:
    """The warning of a report stored under the report-id of `count` reports of its sender
    of other days (whose ranges this one's does not overlap: same_report), the earliest of
    those days first in `first_days` (three are named). `count` past REUSED_COUNTED reads as
    over that many."""
    shown = [d.isoformat() for d in first_days[:3]]
    named = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + f" and {shown[-1]}"
    if count > REUSED_COUNTED:
        named = ", ".join(shown) + f" and over {REUSED_COUNTED - len(shown)} more days"
    elif count > len(shown):
        named = ", ".join(shown) + f" and {count - len(shown)} more days"
    those = "that report" if count == 1 else "those reports"
    return (
        f"{REUSED}{report_id!r} of {named} for this report of "
        f"{_range_text(start, end)} (RFC 8460 §4.4: a report-id is a unique identifier for "
        f"the report). The date-ranges do not overlap, so it is counted as a report of its "
        f"own, not taken for a copy of {those}."
    )


def with_reused_warning(
    parsed: ParsedReport, address: ReportAddress, submitter: str, same: TlsReport | None
) -> None:
    """Put reused_warning in `parsed`'s warnings when the address holds other reports of its
    submitter and report-id stored before `same` (the one it is stored as; all of them for a
    new one); only then, and once. Stored before: the report of the first day says nothing,
    also when parsed again (nothing was reused when it came).

    Two queries of a few rows each, however many days the id was used for (s36r): the first
    three days by the unique index's order, and the reports counted up to REUSED_COUNTED.
    One report a day per identity (the unique index), so reports are days."""
    others = TlsReport.objects.filter(
        address=address, submitter=submitter, report_id=parsed.report_id
    )
    if same is not None:
        others = others.filter(pk__lt=same.pk)
    parsed.warnings = [w for w in parsed.warnings if not w.startswith(REUSED)]
    first_days = list(others.order_by("day").values_list("day", flat=True)[:3])
    if first_days:
        count = others.order_by()[: REUSED_COUNTED + 1].count() if len(first_days) == 3 else 0
        parsed.warnings.append(
            reused_warning(
                parsed.report_id,
                first_days,
                max(count, len(first_days)),
                parsed.start,
                parsed.end,
            )
        )


def counted_copy(report: TlsReport, other_than: int | None = None) -> RawReport | None:
    """The raw copy `report` is counted from (the first parsed one), other than `other_than`."""
    return (
        report.raw_reports.filter(parse_status=RawReport.PARSED)
        .exclude(pk=other_than)
        .order_by("received_at", "pk")
        .first()
    )


def copy_outcome(
    parsed: ParsedReport,
    ours: str,
    same: TlsReport,
    counted: RawReport | None,
    *,
    same_empty: bool = False,
    names_over_filled: bool = False,
) -> tuple[str, str] | None:
    """How a copy of the stored report `same` ends, `ours` the domain of its reporter that
    signed it ("" if none did, RawReport.signed_by) and `counted` the copy `same` is counted
    from: (DUPLICATE or SUPERSEDED, why), or None when this copy takes the counted one's place.

    M38: a resend with a different body (new gzip timestamp, other channel): the raw bytes
    are kept, the report is counted once. Which copy counts: a copy with policies over one
    whose `policies` array is empty (`same_empty`: `same` has none; checklist M09, it says
    nothing about any session, so its place is taken and nothing is lost; task s45p), signed
    or not either; else a copy signed by its reporter over one that is not (report-ids are
    predictable and the HTTPS address is open: a forger can post a report first to hide the
    real one), when they differ (also when only the domain of a policy one of them left out
    does: the other is then its resend, not set aside; task s47a); else a copy naming the
    domain it is about over one that named none but the address's filled in
    (`names_over_filled`, the function of that name; task s46a); else the one stored first.
    Either order of arrival ends the same."""
    if same_empty and parsed.policies:
        return None
    if not parsed.policies and not same_empty:
        return RawReport.DUPLICATE, resend_reason(
            parsed, (same.start, same.end), (same.total_successful, same.total_failed)
        )
    theirs = counted.signed_by(same.contact_info) if counted is not None else ""
    # Only one of the two is signed: what they say decides (the digests are compared only
    # then; the same content is a duplicate, whoever signed it): the signed copy is counted.
    # The one not signed is set aside when it says other things, and a resend when only
    # the domain of a policy one of them left out (filled in from the address, a header or
    # a file name) tells them apart: not a copy that "differs … may be forged"
    # (alike_but_left_out; task s47a). An unsigned copy takes no signed one's place on
    # naming its domain (names_over_filled): the signature decides first.
    if bool(ours) != bool(theirs) and parsed_digest(parsed) != stored_digest(same):
        if ours:
            return None  # _save_parsed tells the copy replaced which of the two it is
        if not alike_but_left_out(parsed, same):
            return RawReport.SUPERSEDED, superseded_reason(
                parsed.report_id,
                theirs,
                (same.total_successful, same.total_failed),
                (parsed.total_successful, parsed.total_failed),
                ranges=((same.start, same.end), (parsed.start, parsed.end)),
            )
    elif names_over_filled:
        return None
    counts = (same.total_successful, same.total_failed)
    # The same counts: the failure types may still differ, which its reason must say (a
    # query only then; task s48e).
    types = (
        stored_failure_types(same)
        if counts == (parsed.total_successful, parsed.total_failed)
        else None
    )
    return RawReport.DUPLICATE, resend_reason(parsed, (same.start, same.end), counts, types)


def resend_reason(
    parsed: ParsedReport,
    stored_range: tuple[datetime, datetime],
    stored: tuple[int, int],
    stored_types: dict[str, int] | None = None,
) -> str:
    """Why a copy of a report already stored is not counted (a DUPLICATE's error): the
    stored copy's (start, end) date-range and (successful, failed) counts, and its failed
    sessions by result type when known (failure_types). The parse task's (copy_outcome) and
    a bulk import's for a copy earlier in its own batch (reports.ingest)."""
    return _resend_text(
        parsed.report_id,
        (parsed.start, parsed.end),
        (parsed.total_successful, parsed.total_failed),
        stored_range,
        stored,
        None if stored_types is None else (failure_types(parsed), stored_types),
    )


# The end of a DUPLICATE's reason when the copy says other figures than the copy counted
# (_resend_text): the dashboard's list and the report's page look for it (task s48e), at the
# end: the reason begins by quoting the sender's report-id (review s48r3).
OTHER_FIGURES = "which is the one counted"


def failure_types(parsed: ParsedReport) -> dict[str, int]:
    """A parsed report's failed sessions by result type (its failure details summed)."""
    types: dict[str, int] = {}
    for p in parsed.policies:
        for d in p.failure_details:
            types[d.result_type] = types.get(d.result_type, 0) + d.failed_session_count
    return types


def stored_failure_types(report: TlsReport) -> dict[str, int]:
    """failure_types of a stored report, read from its rows (one grouped query)."""
    rows = (
        FailureDetail.objects.filter(report=report)
        .order_by()
        .values_list("result_type")
        .annotate(n=models.Sum("failed_session_count"))
    )
    return {t: n for t, n in rows}


def _types_text(types: dict[str, int]) -> str:
    shown = [f"{n} {t}" for t, n in sorted(types.items())[:5]]
    more = f" and {len(types) - 5} more types" if len(types) > 5 else ""
    return ", ".join(shown) + more if shown else "no failure details"


def emptied_reason(empty: TlsReport, parsed: ParsedReport) -> str:
    """resend_reason of the copy a report without policies (`empty`, as stored) was counted
    from, once `parsed`, a copy with policies, took its place (copy_outcome): what that copy
    is told when it arrives after it, so either order ends the same (task s45p)."""
    return _resend_text(
        empty.report_id,
        (empty.start, empty.end),
        (empty.total_successful, empty.total_failed),
        (parsed.start, parsed.end),
        (parsed.total_successful, parsed.total_failed),
    )


def _resend_text(
    report_id: str,
    mine: tuple[datetime, datetime],
    counts: tuple[int, int],
    stored_range: tuple[datetime, datetime],
    stored: tuple[int, int],
    types: tuple[dict[str, int], dict[str, int]] | None = None,
) -> str:
    error = f"resend of report {report_id!r} already stored"
    if mine != stored_range:
        # A retry keeps its report's date-range (RFC 8460 §5.5). Another range of the same
        # day, or one overlapping the stored copy's, is still that report (same_report; a
        # range of another day that does not overlap is a report of its own): say so, and
        # that its sessions are left out, not "resend".
        error += (
            f", but it covers {_range_text(*mine)} and the stored copy "
            f"{_range_text(*stored_range)}{_same_report_because(mine, stored_range)}"
            ", so this copy's sessions are not counted"
        )
    if counts != stored:
        # Not the same figures: say which stand, rather than that it was a mere copy.
        error += (
            f", with other counts: {counts[0]} successful and {counts[1]} failed sessions "
            f"here, {stored[0]} and {stored[1]} in the stored copy, {OTHER_FIGURES}"
        )
    elif types is not None and types[0] != types[1]:
        # The same counts, other failed sessions by result type: as silent as a mere resend
        # until s48e, though this copy's failure types are counted nowhere.
        error += (
            f", with the same counts but other failure types: {_types_text(types[0])} "
            f"failed sessions here, {_types_text(types[1])} in the stored copy, "
            f"{OTHER_FIGURES}"
        )
    return error


def _same_report_because(mine: tuple[datetime, datetime], theirs: tuple[datetime, datetime]) -> str:
    """Why a copy of another date-range than the stored report's is that report all the same
    (same_report): the ranges overlap, or both are counted on one day."""
    if ranges_overlap(mine, theirs):
        return (
            ", which overlap: under one report-id, overlapping date-ranges are one report "
            "(RFC 8460 §4.4: a report-id identifies one report; counting both would count "
            "the sessions of the overlap twice)"
        )
    return (
        ", both counted on one day: under one report-id, one day is one report (RFC 8460 "
        "§4.4: a report-id identifies one report; §4.1: a report covers a day)"
    )


def _range_text(start: datetime, end: datetime) -> str:
    """'2026-06-01T00:00:00Z to 2026-06-01T23:59:59Z': a date-range in UTC, to the second."""
    return " to ".join(t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") for t in (start, end))


def superseded_reason(
    report_id: str,
    signed_by: str,
    signed: tuple[int, int],
    unsigned: tuple[int, int],
    ranges: tuple[tuple[datetime, datetime], tuple[datetime, datetime]] | None = None,
) -> str:
    """Why a copy not signed by its reporter is not counted: (successful, failed) counts of
    the signed copy and of the one set aside, and their (start, end) date-ranges in that
    order when known."""
    reason = (
        f"set aside: a copy of report {report_id!r} DKIM-signed by {signed_by} differs from "
        f"this one and is the one counted ({signed[0]} successful and {signed[1]} failed "
        f"sessions there, {unsigned[0]} and {unsigned[1]} here). This copy carries no signature "
        "of the reporter; anyone can post to the HTTPS address, so it may be forged"
    )
    if ranges is not None and ranges[0] != ranges[1]:
        # The signed copy wins also over another date-range of the same report (same_report:
        # the same day, or an overlapping range; docs §4: a forger writes the range too), so
        # the range this copy covers loses its sessions: say so, not only "forged".
        reason += (
            f". It covers {_range_text(*ranges[1])} and the signed copy "
            f"{_range_text(*ranges[0])}{_same_report_because(ranges[1], ranges[0])}; this "
            "copy is a forgery or another version of the reporter's, and its sessions are "
            "not counted"
        )
    return reason


def _content_digest(
    head: tuple[Any, ...], policies: Iterable[tuple[Any, ...]], details: Iterable[tuple[Any, ...]]
) -> str:
    """A digest of a report's content: its header fields, its policies in order, and its
    failure details in order, each with the index of its policy."""
    digest = hashlib.sha256()
    for row in (head, *policies):
        digest.update(json.dumps(row, default=str).encode() + b"\n")
    for row in details:
        digest.update(json.dumps(row, default=str).encode() + b"\n")
    return digest.hexdigest()


def _head(organization_name: str, contact_info: str, start: Any, end: Any) -> tuple[Any, ...]:
    return (organization_name, contact_info, start.astimezone(UTC), end.astimezone(UTC))


def parsed_digest(
    parsed: ParsedReport, *, filled_blank: bool = False, blank: Collection[int] = ()
) -> str:
    """The content digest of a parsed report (compared with stored_digest); `filled_blank`:
    with no domain for a policy whose policy-domain the report left out (alike_but_filled);
    `blank`: nor for the policies at these places (alike_but_left_out)."""

    def policy_row(i: int, p: ParsedPolicy) -> tuple[Any, ...]:
        fields = policy_fields(p)
        if filled_blank and p.domain_filled or i in blank:
            fields["policy_domain"] = ""
        return tuple(fields.values())

    return _content_digest(
        _head(parsed.organization_name, parsed.contact_info or "", parsed.start, parsed.end),
        (policy_row(i, p) for i, p in enumerate(parsed.policies)),
        ((i, *detail_values(d)) for i, p in enumerate(parsed.policies) for d in p.failure_details),
    )


def stored_digest(
    report: TlsReport, *, filled_blank: bool = False, blank: Collection[int] = ()
) -> str:
    """The content digest of a stored report, read from its rows (streamed: a report may
    hold 200,000 failure details); `filled_blank`: with no domain for a policy whose domain
    is the address's filled in (domain_from_address; parsed_digest's `filled_blank`);
    `blank`: nor for the policies at these places (parsed_digest's)."""
    names = list(policy_fields(ParsedPolicy("", "", [], [], 0, 0)))
    at = names.index("policy_domain")

    def policy_row(i: int, values: tuple[Any, ...]) -> tuple[Any, ...]:
        *fields, filled = values
        if filled_blank and filled or i in blank:
            fields[at] = ""
        return tuple(fields)

    policy_pks = list(report.policies.order_by("pk").values_list("pk", flat=True))
    index = {pk: i for i, pk in enumerate(policy_pks)}
    details = (
        FailureDetail.objects.filter(report=report)
        .order_by("policy_id", "pk")
        .values_list("policy_id", *DETAIL_COLUMNS[2:])
        .iterator(chunk_size=DETAIL_BATCH)
    )
    return _content_digest(
        _head(report.organization_name, report.contact_info, report.start, report.end),
        (
            policy_row(i, r)
            for i, r in enumerate(
                report.policies.order_by("pk").values_list(*names, "domain_from_address")
            )
        ),
        ((index[row[0]], *_current_ips(row[1:])) for row in details),
    )


def _current_ips(values: tuple[Any, ...]) -> tuple[Any, ...]:
    """A stored detail's values (DETAIL_COLUMNS after the keys) with its two addresses in
    the form the parser writes them now (RFC 5952 §5): a copy stored by an earlier release
    (::ffff:c000:201 before ::ffff:192.0.2.1) is not a copy that differs."""
    sending, receiving = values[1], values[4]
    return (
        values[0],
        (_ip_text(sending) or sending) if sending else sending,
        *values[2:4],
        (_ip_text(receiving) or receiving) if receiving else receiving,
        *values[5:],
    )


DETAIL_COLUMNS = (
    "report_id",
    "policy_id",
    "result_type",
    "sending_mta_ip",
    "receiving_mx_hostname",
    "receiving_mx_helo",
    "receiving_ip",
    "failed_session_count",
    "additional_information",
    "failure_reason_code",
)


def detail_values(d: ParsedDetail) -> tuple[Any, ...]:
    """The FailureDetail columns of a parsed detail, in DETAIL_COLUMNS order after the keys."""
    return (
        d.result_type,
        d.sending_mta_ip or "",
        d.receiving_mx_hostname or "",
        d.receiving_mx_helo or "",
        d.receiving_ip or "",
        d.failed_session_count,
        d.additional_information or "",
        d.failure_reason_code or "",
    )


def insert_details(rows: Iterable[tuple[int, int, ParsedDetail]]) -> int:
    """Insert failure details given as (report pk, policy pk, parsed detail); the count.

    On PostgreSQL through COPY, streamed row by row: a report with 200,000 details costs
    seconds, not minutes, and no model instances. Elsewhere bulk_create in batches, since
    bulk_create() turns its argument into a list (issue 7: bounded memory).
    """
    values = ((report_pk, policy_pk, *detail_values(d)) for report_pk, policy_pk, d in rows)
    count = 0
    if connection.vendor == "postgresql":
        table = FailureDetail._meta.db_table
        with connection.cursor() as cursor:
            sql = f"COPY {table} ({', '.join(DETAIL_COLUMNS)}) FROM STDIN"
            # Django's wrapper: psycopg's own errors become Django's (DataError is what
            # RawReport._save_parsed turns into "our error" instead of a retry loop).
            with connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
                for row in values:
                    copy.write_row(row)
                    count += 1
        return count
    batch: list[FailureDetail] = []
    for row in values:
        batch.append(FailureDetail(**dict(zip(DETAIL_COLUMNS, row, strict=True))))
        if len(batch) >= DETAIL_BATCH:
            count += len(FailureDetail.objects.bulk_create(batch))
            batch = []
    if batch:
        count += len(FailureDetail.objects.bulk_create(batch))
    return count


def store_details(report: TlsReport, rows: list[PolicyResult], parsed: ParsedReport) -> int:
    """Insert the failure details of `parsed` under its stored policy rows; the count."""
    return insert_details(
        (report.pk, row.pk, d)
        for row, p in zip(rows, parsed.policies, strict=True)
        for d in p.failure_details
    )


def is_same_or_subdomain(name: str, domain: str) -> bool:
    """`name` is `domain` or a name below it (mail.example.com under example.com). A U-label
    is the same name as its A-label: some senders write bücher.example, which RFC 8460 §4.4
    asks them to write as xn--bcher-kva.example, the form domains are stored in."""
    name, domain = a_labels(name), a_labels(domain)
    if name == domain:
        return True
    # Only the root label is empty (RFC 1034 §3.1): '.example.com' and 'mx..example.com' end
    # in '.example.com' but are no names below it (until s35r a report naming one counted).
    below = name.removesuffix("." + domain)
    return below != name and "" not in below.split(".")


def foreign_domain_warning(about: str, domain: str) -> str:
    if looks_like_domain(about, domain):
        # A homograph of the owner's name (exämple.com): telling them to give it a report
        # address of its own assumes they run it, when it may be a domain made to pass for theirs.
        shown = both_ways(about)
        return (
            f"This report is about {shown}, not {domain}: a different domain that looks like "
            f"{domain}. Senders send a domain's reports to the addresses in its own _smtp._tls "
            f"record, so the record of {u_labels(about)} names this address. The report is kept "
            f"here, but left out of {domain}'s totals, charts and alerts. If you do not run "
            f"{u_labels(about)}, a sender may be reporting on a domain made to impersonate "
            "yours; nothing in your records causes it."
        )
    return (
        f"This report is about {about}, not {domain}: senders send a domain's reports to the "
        f"addresses in its own _smtp._tls record, so the record of {about} names this "
        f"address (one record copied, or CNAMEd, to several domains is common). The report "
        f"is kept here, but left out of {domain}'s totals, charts and alerts; give {about} a "
        "report address of its own to follow it."
    )


# Policy types whose policy-domain is the policy domain a report is about (RFC 8460 §4.4);
# a `tlsa` policy's is the TLSA base domain, an MX host (§1.1).
DOMAIN_POLICY_TYPES = ("sts", "no-policy-found")
# How many other domains the warning of keep_own_policies names, and at most how many
# characters of names: a report may cover 10,000 policy domains.
NAMED_DOMAINS = 5
NAMED_CHARS = 300


def _names_up(name: str) -> list[str]:
    """`name` and every name above it: mx1.example.net, example.net, net."""
    labels = name.split(".")
    return [".".join(labels[i:]) for i in range(len(labels))]


def _at_or_below(name: str, domains: set[str]) -> bool:
    """`name` is one of `domains` (A-labels) or below one of them."""
    return any(up in domains for up in _names_up(name))


def _mx_names(policy: ParsedPolicy) -> set[str]:
    """The MX host names of a policy's mx-host lines in A-labels; a pattern *.mx.example.net
    as the name it covers the hosts below of (mx.example.net)."""
    return {a_labels(host.removeprefix("*.")) for host in policy.mx_hosts if host.strip("*.")}


def policy_owners(policies: list[ParsedPolicy], domain: str) -> list[bool | None]:
    """Whose each policy is, for the report address of `domain`: True for the address's
    own, False for another domain's, None for one that says neither (kept with the report,
    but not enough to make it the address's).

    An `sts` / `no-policy-found` policy is the address's when its policy-domain is `domain`
    or below it, another's otherwise. A `tlsa` policy's policy-domain is an MX host (the
    TLSA base domain). Whose it is, first by what the policies name in mx-host, then by
    the host's name: the address's when it is (or is below) an MX host of the address's own
    `sts` policies; another's when it is one of another domain's (parked.example.net's
    policy naming mx1.example.com: the sessions are parked.example.net's mail, whoever's
    name the host has); the address's when it is at or below `domain`; another's when it is
    at or below the other domain; else None. A host that says neither stays with the
    address: a domain's MX hosts are often at its provider (mx.provider.net for
    example.com), and without a policy naming it nothing says whose it is, while leaving it
    out would lose the address's own DANE sessions; but alone it does not make a report
    about another domain the address's (its MX host may be anyone's)."""
    domain = a_labels(domain)
    own_mx: set[str] = set()
    foreign_domains: set[str] = set()
    foreign_mx: set[str] = set()
    for p in policies:
        if p.policy_type in DOMAIN_POLICY_TYPES and p.policy_domain:
            name = a_labels(p.policy_domain)
            if is_same_or_subdomain(name, domain):
                own_mx |= _mx_names(p)
            else:
                foreign_domains.add(name)
                foreign_mx |= _mx_names(p)
    owners: list[bool | None] = []
    for p in policies:
        owner: bool | None = None
        if p.policy_domain and p.policy_type in DOMAIN_POLICY_TYPES:
            owner = a_labels(p.policy_domain) not in foreign_domains
        elif p.policy_domain and p.policy_type == "tlsa":
            # A row stored before the parser read _25._tcp.<host> as <host>.
            name = a_labels(p.policy_domain)
            name = owner_match[1] if (owner_match := _TLSA_OWNER_RE.match(name)) else name
            if _at_or_below(name, own_mx):
                owner = True
            elif _at_or_below(name, foreign_mx):
                owner = False
            elif is_same_or_subdomain(name, domain):
                owner = True
            elif _at_or_below(name, foreign_domains):
                owner = False
        owners.append(owner)
    return owners


def _named(names: list[str]) -> str:
    """At most NAMED_DOMAINS of `names` (and NAMED_CHARS characters, one name at least),
    then how many more."""
    shown = names[:NAMED_DOMAINS]
    while len(shown) > 1 and len(", ".join(shown)) > NAMED_CHARS:
        shown.pop()
    more = len(names) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more else "")


def keep_own_policies(parsed: ParsedReport, domain: str) -> ParsedReport:
    """A report whose policies are about `domain` (the address's) and about other domains as
    well keeps only the part about `domain`, with a warning naming the rest and its figures.
    A sender reports every policy domain whose record names this address in one report when
    the record is shared (RFC 8460 §4.4 makes one `policies` entry per policy); counting
    the others would put their sessions and failures in `domain`'s totals and alerts, and
    leaving the whole report out (it was, when another domain's entry came first) would lose
    `domain`'s own. Whose each policy is: policy_owners. The raw report keeps every byte.
    A report about other domains only is left whole: report_fields marks it not counted."""
    owners = policy_owners(parsed.policies, domain)
    if False not in owners or True not in owners:
        return parsed
    foreign = [p for p, owner in zip(parsed.policies, owners, strict=True) if owner is False]
    parsed.policies = [
        p for p, owner in zip(parsed.policies, owners, strict=True) if owner is not False
    ]
    if parsed.envelope_domain and not is_same_or_subdomain(parsed.envelope_domain, domain):
        # TLS-Report-Domain names the other domain: what is kept is the address's.
        parsed.envelope_domain = None
    names = list(
        dict.fromkeys(
            a_labels(p.policy_domain) for p in foreign if p.policy_type in DOMAIN_POLICY_TYPES
        )
    )
    ok, failed = sum(p.successful for p in foreign), sum(p.failed for p in foreign)
    are = "is" if len(foreign) == 1 else "are"
    if len(names) == 1:
        covers, them, records, give = names[0], "it", "its _smtp._tls record names", "it"
    else:
        covers = f"{len(names)} other domains ({_named(names)})"
        them, records, give = "them", "their _smtp._tls records name", "each"
    parsed.warnings.append(
        f"This report also covers {covers}: {len(foreign)} of its policies ({ok} successful "
        f"and {failed} failed sessions) {are} about {them}, not {domain}. Left out of "
        f"{domain}'s totals, charts and alerts, and not stored with this report (its raw JSON "
        "keeps everything). Senders send a domain's reports to the addresses in its own "
        f"_smtp._tls record, so {records} this address: give {give} a report address of its "
        f"own to follow {them}."
    )
    return parsed


def report_fields(address: ReportAddress, parsed: ParsedReport) -> dict[str, Any]:
    """The TlsReport columns of a parsed report, the same for the parse task and the bulk
    import (reports.ingest renders them for COPY)."""
    about = parsed.about_domain
    # A report about another domain (not the address's, nor a name below it) is one that
    # domain's shared _smtp._tls record sent here: it must not count as this domain's.
    # A report that names no domain (DANE only, over HTTPS) is the address's.
    counted, warnings = True, parsed.warnings
    if about is not None and not is_same_or_subdomain(about, address.domain_name):
        counted = False
        warnings = [*warnings, foreign_domain_warning(about, address.domain_name)]
    return {
        "organization_name": parsed.organization_name,
        "submitter": parsed.organization_name.casefold(),
        "contact_info": parsed.contact_info or "",
        "report_id": parsed.report_id,
        "start": parsed.start,
        "end": parsed.end,
        "day": parsed.day,
        "policy_domain": stored_policy_domain(parsed, address.domain_name),
        "total_successful": parsed.total_successful,
        "total_failed": parsed.total_failed,
        "warnings": warnings,
        "notes": parsed.notes,
        "counted": counted,
    }


def policy_fields(policy: ParsedPolicy) -> dict[str, Any]:
    """The PolicyResult columns of one parsed policy (without its report)."""
    return {
        "policy_type": policy.policy_type,
        "policy_domain": policy.policy_domain,
        "policy_strings": policy.policy_strings,
        "mx_hosts": policy.mx_hosts,
        "successful": policy.successful,
        "failed": policy.failed,
    }


class TlsReportQuerySet(models.QuerySet["TlsReport"]):
    def store(
        self,
        address: ReportAddress,
        parsed: ParsedReport,
        replace: TlsReport | None = None,
        submitter: str | None = None,
    ) -> TlsReport:
        """Create (or, on reparse, rewrite) a report with its policies and failure details;
        `submitter` the de-duplication key when it is not the organisation's name alone
        (another_reporters_key)."""
        fields = report_fields(address, parsed)
        if submitter is not None:
            fields["submitter"] = submitter
        if replace is None:
            report = self.create(address=address, **fields)
        else:
            report = replace
            for key, value in fields.items():
                setattr(report, key, value)
            report.save()
            report.policies.all().delete()
        policies = PolicyResult.objects.bulk_create(
            (
                PolicyResult(
                    report=report,
                    **policy_fields(p),
                    domain_from_address=address_filled(parsed, p),
                )
                for p in parsed.policies
            ),
            batch_size=BULK_BATCH,
        )
        store_details(report, policies, parsed)
        return report


def _utc_offset(offset: timedelta) -> str:
    """ "UTC−05:00", "UTC+05:45": an offset as people read it (a minus sign, not a hyphen)."""
    minutes = int(abs(offset) // timedelta(minutes=1))
    sign = "−" if offset < timedelta(0) else "+"
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _utc_time(moment: datetime) -> str:
    """ "05:00 UTC on 1 June 2026", with the seconds when there are any."""
    moment = moment.astimezone(UTC)
    clock = f"{moment:%H:%M:%S}" if moment.second else f"{moment:%H:%M}"
    return f"{clock} UTC on {moment.day} {moment:%B %Y}"


def _whole_offset(offset: timedelta) -> bool:
    return (
        timedelta(0) != offset
        and abs(offset) < timedelta(hours=24)
        and not (offset % timedelta(minutes=1))
    )


@dataclass(frozen=True)
class SenderDay:
    """A report whose date-range is the sender's own day at an offset other than UTC's (RPT-03:
    counted on its date, reports.parse.ParsedReport.day). Only the instants are stored, so the
    offsets are the ones that make the range that day: what the sender wrote, unless it wrote
    the same instants at another offset (05:00Z to 05:00Z, counted by its middle on the same
    date, is that day at −05:00 all the same)."""

    start: datetime  # at the sender's offset at the start of the day
    end: datetime  # at its offset at the end (another across a DST change)

    @property
    def offsets(self) -> str:
        first, last = _utc_offset(self.start.utcoffset()), _utc_offset(self.end.utcoffset())
        return first if first == last else f"{first}, then {last}"

    @property
    def in_utc(self) -> str:
        return f"{_utc_time(self.start)} to {_utc_time(self.end)}"


def sender_day(day: date, start: datetime, end: datetime) -> SenderDay | None:
    """The sender's day `day` that a report's range from `start` to `end` is, at an offset
    other than UTC's: from 00:00:00 of `day` to 23:59:59 (and any fraction) or to the next
    00:00:00 (reports.parse._local_day). None for a UTC day or any other range."""
    # Only a day long, as the parser reads one (23 or 25 hours across a DST change).
    if not timedelta(hours=22) < end - start <= timedelta(hours=25):
        return None
    midnight = datetime.combine(day, time(), UTC)
    offset = midnight - start
    if not _whole_offset(offset):
        return None
    until_next = midnight + timedelta(days=1) - end
    # Ending at the next 00:00:00, or up to a second before it (23:59:59, 23:59:59.999).
    end_offset = until_next - until_next % timedelta(minutes=1)
    if until_next % timedelta(minutes=1) > timedelta(seconds=1):
        return None
    if not _whole_offset(end_offset):
        return None
    return SenderDay(
        start.astimezone(fixed_offset(offset)), end.astimezone(fixed_offset(end_offset))
    )


class TlsReport(models.Model):
    """One parsed report: one reporting organisation, one day, one policy domain (RFC 8460 §4)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # No index of its own (db_index=False): address_id leads the unique (address, submitter,
    # report_id, day) index, which answers every look-up by address (dashboard, alerts,
    # export) and the cascade when an address is deleted; one index less to keep per row.
    address = models.ForeignKey(
        ReportAddress, models.CASCADE, related_name="reports", db_index=False
    )
    organization_name = models.CharField(max_length=1024)
    # The de-duplication key with report_id (RFC 8460 §4.4: report-id is unique per submitter)
    # and the day (same_report: a report-id reused for another day is another report); taken
    # from the body, so a report sent over both channels is still the same report.
    submitter = models.CharField(max_length=1024)
    contact_info = models.CharField(max_length=1024, blank=True)
    report_id = models.CharField(max_length=1024)
    start = models.DateTimeField()
    end = models.DateTimeField()
    day = models.DateField(db_index=True)
    policy_domain = models.CharField(max_length=255, blank=True)
    total_successful = models.BigIntegerField(default=0)
    total_failed = models.BigIntegerField(default=0)
    warnings = models.JSONField(default=list, blank=True)
    notes = models.JSONField(default=list, blank=True)
    # False for a report about another domain (policy_domain is neither the address's domain
    # nor below it): a _smtp._tls record shared by several domains sends their reports here.
    # It stays visible on its own page, but out of the domain's totals, charts and alerts.
    counted = models.BooleanField(default=True)
    created = models.DateTimeField(default=timezone.now)
    # When alert_on_report evaluated this report's alerts, in the transaction that stored
    # what they raised; also set for a report that is not to raise any (a bulk import is
    # history). Empty after parsing until then: the sweep queues the evaluation of a report
    # whose task was lost (a broker down when the parse committed).
    alerts_evaluated_at = models.DateTimeField(null=True, blank=True)
    # What its alerts were evaluated on, every evaluation together (AlertFacts.record): when
    # another copy's content replaces the report's, or a reparse reads more of it, only what
    # is news against these is told. Null until the first evaluation (and for a bulk import,
    # whose COPY leaves it out: history, evaluated on nothing).
    alerts_told = models.JSONField(null=True, blank=True)

    objects = TlsReportQuerySet.as_manager()

    class Meta:
        ordering = ["-day", "organization_name"]
        constraints = [
            # A report-id a sender uses again for another day is another report (RFC 8460
            # §4.4, §4.1: a report covers a day); same_report decides which stored report a
            # copy is, this index only that two of one day are never stored (docs §4).
            models.UniqueConstraint(
                fields=["address", "submitter", "report_id", "day"],
                name="tlsreport_unique_report_day",
            )
        ]
        indexes = [
            # The sweep's question, answered from a tiny index: nearly every row is evaluated.
            models.Index(
                fields=["created"],
                condition=models.Q(alerts_evaluated_at__isnull=True),
                name="tlsreport_alerts_pending",
            ),
            # stored_report's long ranges (over SHORT_RANGE, warned by the parser: rare), which
            # its day window of the unique index cannot bound.
            models.Index(
                fields=["address", "submitter", "report_id", "start"],
                condition=models.Q(LONG_RANGE),
                name="tlsreport_long_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization_name} {self.day} ({self.report_id})"

    @classmethod
    def alerts_pending(cls, older_than: timedelta) -> models.QuerySet[TlsReport]:
        """Reports parsed more than `older_than` ago whose alerts were never evaluated."""
        return cls.objects.filter(
            alerts_evaluated_at__isnull=True, created__lt=timezone.now() - older_than
        ).order_by("created")

    def mark_alerts_evaluated(self, told: AlertFacts | None = None) -> None:
        """Evaluated now, on the facts `told` (AlertFacts.record) when given."""
        self.alerts_evaluated_at = timezone.now()
        fields: dict[str, Any] = {"alerts_evaluated_at": self.alerts_evaluated_at}
        if told is not None:
            self.alerts_told = fields["alerts_told"] = told.record()
        type(self).objects.filter(pk=self.pk).update(**fields)

    @property
    def failure_rate(self) -> float | None:
        total = self.total_successful + self.total_failed
        return self.total_failed / total if total else None


class PolicyResult(models.Model):
    report = models.ForeignKey(TlsReport, models.CASCADE, related_name="policies")
    policy_type = models.CharField(max_length=1024)
    policy_domain = models.CharField(max_length=255, blank=True)
    policy_strings = models.JSONField(default=list, blank=True)
    mx_hosts = models.JSONField(default=list, blank=True)
    successful = models.BigIntegerField()
    failed = models.BigIntegerField()
    # policy_domain is the report address's, filled in for a policy-domain the report left
    # out while nothing the sender sent named one (address_filled): not the sender's word on
    # what the report is about, which the copy rules read (_policy_domains; task s46a).
    domain_from_address = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return (
            f"{self.policy_type} {self.policy_domain}: {self.successful} ok, {self.failed} failed"
        )


def reported_until() -> Least:
    """For failure-detail rows: the end of their report's date range, but no later than when
    the report was stored. Anyone can post a report whose range ends next week; the failures
    it tells of happened before it reached us, so a check made since then has seen the time
    they cover (join.sight compares the latest check with this)."""
    return Least("report__end", "report__created")


class FailureDetail(models.Model):
    report = models.ForeignKey(TlsReport, models.CASCADE, related_name="failure_details")
    policy = models.ForeignKey(PolicyResult, models.CASCADE, related_name="failure_details")
    # No index: every query that groups or filters by result type first narrows to one
    # report address (dashboard, alerts, export), and two index entries per detail (the
    # B-tree and its pattern-ops twin) were most of what storing a detail cost.
    result_type = models.CharField(max_length=1024)
    # Kept as text: RFC 8460 §4.4 values that are not valid IPs are stored as sent (RPT-12).
    sending_mta_ip = models.CharField(max_length=64, blank=True)
    receiving_mx_hostname = models.CharField(max_length=255, blank=True)
    receiving_mx_helo = models.CharField(max_length=255, blank=True)
    receiving_ip = models.CharField(max_length=64, blank=True)
    failed_session_count = models.BigIntegerField()
    additional_information = models.TextField(blank=True)
    failure_reason_code = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.result_type} × {self.failed_session_count}"
