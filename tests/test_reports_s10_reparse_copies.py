"""A report stays counted only on the word of a copy that parses (RFC 8460 §4.4: one report,
however many copies arrive). When `manage.py reparse` ends the copy a report was counted from
as `rejected` or `error` — a smaller size cap, a DKIM key rotated away before
`--recheck-dkim` — another stored copy that still parses takes over, and when none does the
report's figures leave the totals; every raw body is kept."""

from __future__ import annotations

import base64
import datetime
import gzip
import json
from collections.abc import Callable, Iterator
from typing import Any
from unittest import mock

import dns.message
import dns.rcode
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db.models import Sum
from django.test import Client
from django.utils import timezone

from mailsec.accounts.models import Team
from mailsec.alerts.models import Change
from mailsec.domains.models import Domain
from reports import parse
from reports.alerts import KIND_NEW_TYPE
from reports.models import (
    RETRY_PAUSE,
    TEMPORARY_ATTEMPTS,
    RawReport,
    ReportAddress,
    TlsReport,
)
from tests import test_reports_forged as forged_case
from tests.test_reports_email import SAMPLE, DnsStub, ingest, make_message, sign
from tests.test_reports_forged import REAL_FAILURES, forged, post, signed_mail

# sender.example's DKIM key behind a DNS stub, inline tasks, an address for example.com.
signer = forged_case.signer
eager = forged_case.eager
address = forged_case.address

pytestmark = pytest.mark.django_db

# The sample report written compactly (1,492 bytes) and as it is on disk, indented (2,067
# bytes): a cap between the two rejects the indented copy alone.
COMPACT = json.dumps(json.loads(SAMPLE), separators=(",", ":")).encode()
CAP_BETWEEN = 1800
assert len(COMPACT) < CAP_BETWEEN < len(SAMPLE)


def copies() -> list[tuple[str, str, bool]]:
    """Each raw copy in order of arrival: its status, the start of its reason, and whether it
    still points at a stored report."""
    return [
        (raw.parse_status, raw.error.split(":")[0].split(",")[0], raw.report_id is not None)
        for raw in RawReport.objects.order_by("received_at", "pk")
    ]


def totals(address: ReportAddress) -> tuple[int, int]:
    """What the address's counted reports add up to (the dashboard's and the alerts' sums)."""
    sums = TlsReport.objects.filter(address=address, counted=True).aggregate(
        ok=Sum("total_successful"), failed=Sum("total_failed")
    )
    return sums["ok"] or 0, sums["failed"] or 0


def reparse(raw: RawReport, *args: str) -> None:
    call_command("reparse", "--id", str(raw.public_id), *args)


def test_a_copy_that_still_parses_takes_over_from_the_counted_copy_rejected_on_reparse(
    address: ReportAddress, client: Client, settings: Any
) -> None:
    post(client, address, SAMPLE)  # indented: counted
    post(client, address, COMPACT)  # the same report resent: a duplicate
    first, second = RawReport.objects.order_by("received_at", "pk")
    assert [c[0] for c in copies()] == [RawReport.PARSED, RawReport.DUPLICATE]
    settings.TLSRPT_MAX_REPORT_BYTES = CAP_BETWEEN
    reparse(first)
    # The first copy is over the cap now; the second parses and the report counts on it.
    assert copies() == [
        (RawReport.REJECTED, "report is larger than 1800 bytes once decompressed", False),
        (RawReport.PARSED, "", True),
    ]
    report = TlsReport.objects.get()
    assert RawReport.objects.get(pk=second.pk).report == report
    assert sorted(report.failure_details.values_list("result_type", flat=True)) == REAL_FAILURES
    assert totals(address) == (48210 + 31877, 17)
    # Nothing lost, and parsing either copy again changes nothing.
    assert gzip.decompress(bytes(RawReport.objects.get(pk=first.pk).body)) == SAMPLE
    settled = copies()
    for raw in (first, second, first):
        reparse(raw)
        assert copies() == settled


def test_when_no_copy_parses_any_more_the_reports_figures_leave_the_totals(
    address: ReportAddress, client: Client, settings: Any
) -> None:
    post(client, address, SAMPLE)
    post(client, address, COMPACT)
    first, second = RawReport.objects.order_by("received_at", "pk")
    settings.TLSRPT_MAX_REPORT_BYTES = 1024  # the smallest cap: neither copy fits
    reparse(first)
    assert totals(address) == (0, 0)
    assert not TlsReport.objects.exists()
    # Both copies say why they are not counted, and keep their bytes.
    assert [c[0] for c in copies()] == [RawReport.REJECTED, RawReport.REJECTED]
    assert all(raw.size and bytes(raw.body) for raw in RawReport.objects.all())
    assert not any(c[2] for c in copies())
    # A fix (the cap raised again) and a reparse bring the report back, counted once.
    settings.TLSRPT_MAX_REPORT_BYTES = 10 * 1024 * 1024
    call_command("reparse", "--all-failed")
    assert [c[0] for c in copies()] == [RawReport.PARSED, RawReport.DUPLICATE]
    assert totals(address) == (48210 + 31877, 17)


def test_an_error_on_reparse_hands_the_report_to_another_copy(
    address: ReportAddress, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Our own bug on one body (the parser failing on the indented copy alone) ends that copy
    # as `error`: the report must not stay counted on its word either.
    post(client, address, SAMPLE)
    post(client, address, COMPACT)
    first, _ = RawReport.objects.order_by("received_at", "pk")
    real = parse.parse_report

    def failing_on_indented(payload: bytes, **kw: Any) -> Any:
        if b"\n" in gzip.decompress(payload):
            raise RuntimeError("a bug")
        return real(payload, **kw)

    monkeypatch.setattr("reports.models.parse_report", failing_on_indented)
    reparse(first)
    assert copies() == [
        (RawReport.ERROR, "RuntimeError", False),
        (RawReport.PARSED, "", True),
    ]
    assert totals(address) == (48210 + 31877, 17)


@pytest.fixture
def rotated(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], None]]:
    """sender.example rotates its key: a new one under the same selector, so the signatures
    made with the old one verify no more (served by a DNS stub of its own)."""
    stubs: list[DnsStub] = []

    def rotate() -> None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public = key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        stub = DnsStub()
        stubs.append(stub)
        stub.records["tlsrpt2026._domainkey.sender.example."] = (
            b"v=DKIM1; k=rsa; s=tlsrpt; p=" + base64.b64encode(public)
        )
        monkeypatch.setenv("MAILSEC_RESOLVER", f"127.0.0.1:{stub.port}")

    yield rotate
    for stub in stubs:
        stub.close()


def test_a_signed_copy_rejected_by_recheck_dkim_hands_the_report_to_the_set_aside_copy(
    address: ReportAddress, signer: Any, client: Client, rotated: Callable[[], None]
) -> None:
    post(client, address, forged())
    assert ingest(signed_mail(address, signer)) == 0
    email = RawReport.objects.get(source=RawReport.EMAIL)
    assert TlsReport.objects.get().total_failed == 17
    rotated()
    reparse(email, "--recheck-dkim")
    email.refresh_from_db()
    assert (email.parse_status, email.report) == (RawReport.REJECTED, None)
    assert email.error.startswith("DKIM signature did not verify")
    # The copy that was set aside for the signed one is the only copy that parses: it is the
    # report now (an HTTPS copy needs no signature, RFC 8460 §5.4), with its own figures.
    https = RawReport.objects.get(source=RawReport.HTTPS)
    report = TlsReport.objects.get()
    assert (https.parse_status, https.report, https.error) == (RawReport.PARSED, report, "")
    assert (report.total_failed, report.failure_details.count()) == (0, 0)
    assert totals(address) == (48210 + 31877, 0)


def test_a_rejected_duplicate_leaves_the_counted_copy_alone(
    address: ReportAddress, client: Client, settings: Any
) -> None:
    post(client, address, COMPACT)
    post(client, address, SAMPLE)
    report = TlsReport.objects.get()
    _, second = RawReport.objects.order_by("received_at", "pk")
    settings.TLSRPT_MAX_REPORT_BYTES = CAP_BETWEEN
    reparse(second)
    assert copies() == [
        (RawReport.PARSED, "", True),
        (RawReport.REJECTED, "report is larger than 1800 bytes once decompressed", False),
    ]
    assert TlsReport.objects.get() == report
    assert totals(address) == (48210 + 31877, 17)


def test_the_copy_taking_over_has_its_alerts_evaluated_on_what_it_says(
    signer: Any, client: Client, rotated: Callable[[], None]
) -> None:
    # The signed copy says no session failed; an unsigned copy that differs (two failure
    # types) was set aside for it. Once the signed copy no longer verifies, the report counts
    # on the other copy, and its alerts are evaluated again on those figures, as when a signed
    # copy replaces another.
    owner = User.objects.create_user("owner", "owner@example.org")
    domain = Domain.objects.create(
        team=Team.create_for(owner), name="example.com", verified_at=timezone.now()
    )
    address = ReportAddress.for_domain(domain)
    with mock.patch("reports.alerts.today", return_value=datetime.date(2026, 6, 2)):
        body = gzip.compress(forged())
        assert ingest(sign(make_message(address, body=body), signer)) == 0
        post(client, address, SAMPLE)
        https = RawReport.objects.get(source=RawReport.HTTPS)
        assert https.parse_status == RawReport.SUPERSEDED
        assert TlsReport.objects.get().alerts_evaluated_at is not None
        assert not Change.objects.exists()
        rotated()
        reparse(RawReport.objects.get(source=RawReport.EMAIL), "--recheck-dkim")
        report = TlsReport.objects.get()
        assert report.total_failed == 17
        assert report.alerts_evaluated_at is not None
        assert sorted(Change.objects.values_list("kind", "subject")) == [
            (KIND_NEW_TYPE, t) for t in REAL_FAILURES
        ]
        # Parsing the copies again opens nothing twice.
        for raw in RawReport.objects.all():
            raw.process(force=True)
        assert Change.objects.count() == 2


class ServfailStub(DnsStub):
    """A resolver that answers every query SERVFAIL: the DKIM key cannot be looked up."""

    def _serve(self) -> None:
        while not self.stopping:
            try:
                wire, peer = self.sock.recvfrom(4096)
            except TimeoutError:
                continue
            if self.stopping and not wire:  # DnsStub.close()'s wake-up call, not a query
                break
            response = dns.message.make_response(dns.message.from_wire(wire))
            response.set_rcode(dns.rcode.SERVFAIL)
            self.sock.sendto(response.to_wire(), peer)


@pytest.fixture
def servfail(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], None]]:
    stubs: list[DnsStub] = []

    def fail() -> None:
        stub = ServfailStub()
        stubs.append(stub)
        monkeypatch.setenv("MAILSEC_RESOLVER", f"127.0.0.1:{stub.port}")

    yield fail
    for stub in stubs:
        stub.close()


def signed_and_resent(address: ReportAddress, signer: Any, client: Client) -> RawReport:
    """The signed copy by mail, counted, and the same report over HTTPS, a duplicate."""
    assert ingest(signed_mail(address, signer)) == 0
    post(client, address, COMPACT)
    assert [c[0] for c in copies()] == [RawReport.PARSED, RawReport.DUPLICATE]
    return RawReport.objects.get(source=RawReport.EMAIL)


def test_a_counted_copy_whose_dkim_cannot_be_checked_keeps_the_report_until_it_gives_up(
    address: ReportAddress, signer: Any, client: Client, servfail: Callable[[], None]
) -> None:
    email = signed_and_resent(address, signer, client)
    servfail()
    reparse(email, "--recheck-dkim")
    # Could not check is not a failure: the copy waits for another attempt, the report stays.
    email.refresh_from_db()
    assert email.parse_status == RawReport.PENDING
    assert email.report is not None
    assert totals(address) == (48210 + 31877, 17)
    assert [c[0] for c in copies()] == [RawReport.PENDING, RawReport.DUPLICATE]
    # The attempts run out: the copy is our error, and the copy over HTTPS takes over.
    while email.attempts < TEMPORARY_ATTEMPTS:
        email.process()
        email.refresh_from_db()
    assert copies() == [
        (RawReport.ERROR, "DKIM could not be checked", False),
        (RawReport.PARSED, "", True),
    ]
    assert totals(address) == (48210 + 31877, 17)


def test_a_counted_copy_given_up_by_the_sweep_hands_the_report_over(
    address: ReportAddress, signer: Any, client: Client, servfail: Callable[[], None]
) -> None:
    email = signed_and_resent(address, signer, client)
    servfail()
    reparse(email, "--recheck-dkim")
    # Its last attempt never finished (the worker was killed): the sweep gives up on it.
    RawReport.objects.filter(pk=email.pk).update(
        attempts=TEMPORARY_ATTEMPTS, processed_at=timezone.now() - 2 * RETRY_PAUSE
    )
    assert RawReport.give_up_exhausted() == 1
    assert [c[0] for c in copies()] == [RawReport.ERROR, RawReport.PARSED]
    assert not copies()[0][2]
    assert totals(address) == (48210 + 31877, 17)
