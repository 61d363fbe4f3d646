"""A copy whose DKIM check was pending, once it parses and is the copy counted, has the
report's alerts evaluated on what it says, as a first parse has them (reports.alerts);
repeats stay suppressed, so nothing is told twice."""

from __future__ import annotations

import datetime
import gzip
import io
import json
import os
from collections.abc import Callable, Iterator
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from mailsec.accounts.models import Team
from mailsec.alerts.models import Change, Notification
from mailsec.domains.models import Domain
from reports.alerts import KIND_NEW_TYPE
from reports.models import RawReport, ReportAddress, TlsReport
from reports.tasks import sweep_pending_reports
from tests import test_reports_forged as forged_case
from tests import test_reports_s10_reparse_copies as s10
from tests.test_reports_email import SAMPLE, ingest, make_message, sign
from tests.test_reports_forged import REAL_FAILURES, forged, post

signer = forged_case.signer
eager = forged_case.eager
servfail = s10.servfail

pytestmark = pytest.mark.django_db


@pytest.fixture
def address() -> Iterator[ReportAddress]:
    """example.com's address, of a verified domain; the reports (of 2026-06-01) arrive the
    morning after their day, when they may alert."""
    owner = User.objects.create_user("owner", "owner@example.org")
    domain = Domain.objects.create(
        team=Team.create_for(owner), name="example.com", verified_at=timezone.now()
    )
    with mock.patch("reports.alerts.today", return_value=datetime.date(2026, 6, 2)):
        yield ReportAddress.for_domain(domain)


@pytest.fixture
def dns_back(monkeypatch: pytest.MonkeyPatch, signer: Any) -> Callable[[], None]:
    """The reporter's DNS answering again (the signer's stub), after servfail()."""
    resolver = os.environ["MAILSEC_RESOLVER"]
    return lambda: monkeypatch.setenv("MAILSEC_RESOLVER", resolver)


def mailed(address: ReportAddress, signer: Any, report: bytes) -> None:
    assert ingest(sign(make_message(address, body=gzip.compress(report)), signer)) == 0


def sweep_later() -> None:
    """The sweep, after the pause between attempts: pending copies are parsed again."""
    RawReport.objects.filter(parse_status=RawReport.PENDING).update(
        processed_at=timezone.now() - datetime.timedelta(hours=1),
        received_at=timezone.now() - datetime.timedelta(hours=1),
    )
    sweep_pending_reports()


def alerted() -> list[tuple[str, str]]:
    return sorted(Change.objects.values_list("kind", "subject"))


def told_once() -> None:
    """Everything parsed again (the sweep, a reparse of each copy) tells nobody anything new."""
    changes, notifications = alerted(), Notification.objects.count()
    sweep_later()
    for raw in RawReport.objects.order_by("pk"):
        raw.process(force=True)
    assert (alerted(), Notification.objects.count()) == (changes, notifications)


def test_a_signed_copy_pending_on_arrival_replaces_a_forged_one_and_alerts(
    address: ReportAddress,
    signer: Any,
    client: Client,
    servfail: Callable[[], None],
    dns_back: Callable[[], None],
) -> None:
    servfail()
    mailed(address, signer, SAMPLE)  # the reporter's key cannot be looked up: pending
    post(client, address, forged())  # counted meanwhile: no failure, nothing to tell
    assert [r.parse_status for r in RawReport.objects.order_by("pk")] == ["pending", "parsed"]
    assert alerted() == []
    dns_back()
    sweep_later()
    report = TlsReport.objects.get()
    assert (report.total_failed, report.alerts_evaluated_at is not None) == (17, True)
    assert alerted() == [(KIND_NEW_TYPE, t) for t in REAL_FAILURES]
    told_once()


def test_a_pending_copy_that_becomes_the_counted_one_alerts_on_what_it_says(
    address: ReportAddress,
    signer: Any,
    servfail: Callable[[], None],
    dns_back: Callable[[], None],
    settings: Any,
) -> None:
    # The reporter mailed the report saying no session failed, then mailed it again, with
    # the same report-id, saying 17 failed (two failure types): a resend with other counts,
    # so the first copy is the one counted and nothing was told.
    first = json.dumps(json.loads(forged()), indent=8).encode()
    mailed(address, signer, first)
    mailed(address, signer, s10.COMPACT)
    assert len(first) > s10.CAP_BETWEEN > len(s10.COMPACT)
    counted, resend = RawReport.objects.order_by("pk")
    assert (counted.parse_status, resend.parse_status) == ("parsed", "duplicate")
    assert alerted() == []
    # The resend's signature is checked again while the reporter's DNS fails: pending, still
    # a copy of the report. Then a smaller size cap rejects the first copy on reparse: the
    # report is kept for the pending copy (could not check is no failure).
    servfail()
    call_command("reparse", "--recheck-dkim", "--id", str(resend.public_id), stdout=io.StringIO())
    settings.TLSRPT_MAX_REPORT_BYTES = s10.CAP_BETWEEN
    call_command("reparse", "--id", str(counted.public_id), stdout=io.StringIO())
    assert RawReport.objects.get(pk=resend.pk).parse_status == RawReport.PENDING
    assert TlsReport.objects.get().total_failed == 0
    # The DNS answers again: the resend parses, and is the copy the report counts on.
    dns_back()
    sweep_later()
    report = TlsReport.objects.get()
    assert RawReport.objects.get(pk=resend.pk).parse_status == RawReport.PARSED
    assert (report.total_failed, report.alerts_evaluated_at is not None) == (17, True)
    assert alerted() == [(KIND_NEW_TYPE, t) for t in REAL_FAILURES]
    told_once()
