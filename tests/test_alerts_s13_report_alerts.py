"""Alert emails of TLS-report changes (reports.alerts) name the report day and say how many
reports told of it, DKIM-signed and unsigned apart, naming no sender (neither an organisation
nor a signing domain: both are the sender's words), in the text and the HTML part alike."""

from __future__ import annotations

import html
import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.utils import timezone

from mailsec.accounts.models import Team
from mailsec.alerts.models import Change, Notification
from mailsec.alerts.tasks import send_notification
from mailsec.domains.models import Domain
from reports.alerts import evaluate_report
from reports.models import RawReport, ReportAddress, TlsReport
from tests.test_reports_alerts import (  # noqa: F401 (the autouse fixture)
    report,
    reports_arrive_the_next_morning,
    store,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def domain() -> Domain:
    owner = User.objects.create_user("owner", "owner@example.org")
    return Domain.objects.create(
        team=Team.create_for(owner), name="example.com", verified_at=timezone.now()
    )


def signed_copy(address: ReportAddress, body: bytes, stored: TlsReport, signer: str) -> None:
    """The raw email `stored` was parsed from, DKIM-signed by its reporter `signer`."""
    raw, _ = RawReport.store(address, body, source=RawReport.EMAIL)
    raw.report = stored
    raw.dkim_result, raw.dkim_domain, raw.dkim_length_tag = "pass", signer, False
    raw.report_submitter = signer
    raw.save()


def html_text(part: str) -> str:
    """The words an HTML part shows, tags and entities read."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", part)).split())


def sent_alert() -> tuple[str, str]:
    for n in Notification.objects.filter(kind=Notification.Kind.ALERT):
        send_notification.apply(args=[str(n.code)])
    (message,) = mail.outbox
    return " ".join(message.body.split()), html_text(str(message.alternatives[0][0]))


def test_it_names_the_report_day_and_counts_signed_and_unsigned_reports(domain: Domain) -> None:
    address = ReportAddress.for_domain(domain)
    google = report("2026-06-01", failed=3, types=("certificate-expired",), org="Google Inc.")
    first = store(address, google)
    signed_copy(address, google, first, "google.com")
    forged = report(
        "2026-06-01",
        rid="other",
        failed=2,
        types=("certificate-expired",),
        org="Mail https://evil.example/verify",
    )
    store(address, forged)
    evaluate_report(first)
    change = Change.objects.get()
    assert change.evidence["DKIM-signed reports"] == 1
    assert change.evidence["unsigned reports"] == 1
    for body in sent_alert():
        assert "5 failed sessions on 2026-06-01, in 2 reports." in body
        assert (
            "3 came in 1 DKIM-signed report and 2 in 1 unsigned report, which anyone can post. "
            "The TLS reports dashboard lists who sent them; this email names no sender"
        ) in body
        assert "day: 2026-06-01" in body
        # No sender's words: not the unsigned one's, nor the signing domain (anyone can
        # DKIM-sign a report under a domain they registered).
        assert "evil.example" not in body
        assert "google.com" not in body


def test_an_unsigned_report_is_counted_not_named(domain: Domain) -> None:
    address = ReportAddress.for_domain(domain)
    only = store(
        address,
        report("2026-06-02", failed=1, types=("starttls-not-supported",), org="Google Inc."),
    )
    evaluate_report(only)
    for body in sent_alert():
        assert "1 failed session on 2026-06-02, in 1 report." in body  # not "sessions" (s40g)
        assert "The report was not DKIM-signed: anyone can post one." in body
        assert "Google Inc." not in body
