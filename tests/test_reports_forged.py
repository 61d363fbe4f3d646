"""A forged copy of a report posted first must not hide the real one (RFC 8460 §3, §4.4).

Report-ids are predictable (Google's is the day and the domain) and the HTTPS address is open
to anyone by design: a forger can post a report under a real organisation's name and id
before the real one arrives, which was then taken for a resend and its figures dropped. A
copy DKIM-signed by its reporter now counts over one that is not, in either order of
arrival; every raw body is kept, and the report's page says what was set aside."""

from __future__ import annotations

import base64
import datetime
import gzip
import io
import json
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any
from unittest import mock

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from mailsec.accounts.models import Team
from mailsec.alerts.models import Change, Notification
from mailsec.celery import app
from mailsec.domains.models import Domain
from reports.alerts import KIND_NEW_TYPE
from reports.mail import header_summary
from reports.models import RawReport, ReportAddress, TlsReport
from tests.test_reports_email import SAMPLE, DnsStub, ingest, make_message, sign

pytestmark = pytest.mark.django_db

REAL_FAILURES = ["certificate-expired", "certificate-host-mismatch"]


@pytest.fixture
def signer(monkeypatch: pytest.MonkeyPatch) -> Iterator[SimpleNamespace]:
    """sender.example's DKIM key (and other.example's, the same key), published by a DNS stub
    reached as the configured resolver (as in tests/test_reports_email.py)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    stub = DnsStub()
    monkeypatch.setenv("MAILSEC_RESOLVER", f"127.0.0.1:{stub.port}")
    for domain in ("sender.example", "other.example"):
        stub.records[f"tlsrpt2026._domainkey.{domain}."] = (
            b"v=DKIM1; k=rsa; s=tlsrpt; p=" + base64.b64encode(public)
        )
    yield SimpleNamespace(private=private)
    stub.close()


@pytest.fixture(autouse=True)
def eager() -> Iterator[None]:
    """Parse (and evaluate alerts) inline as soon as queued: the test's transaction never
    commits, so on-commit hooks run at once."""
    app.conf.task_always_eager = True
    try:
        with mock.patch("django.db.transaction.on_commit", lambda f, using=None, robust=False: f()):
            yield
    finally:
        app.conf.task_always_eager = False


@pytest.fixture
def address() -> ReportAddress:
    return ReportAddress.objects.create(domain_name="example.com")


def forged(**changes: Any) -> bytes:
    """The sample report with its failures taken out, as a forger hiding them would post it."""
    report = json.loads(SAMPLE)
    report["policies"][0]["summary"]["total-failure-session-count"] = 0
    report["policies"][0]["failure-details"] = []
    report.update(changes)
    return json.dumps(report).encode()


def post(client: Client, address: ReportAddress, body: bytes) -> None:
    response = client.post(
        f"/tlsrpt/{address.token}", data=gzip.compress(body), content_type="application/tlsrpt+gzip"
    )
    assert response.status_code == 201, response.content


def signed_mail(address: ReportAddress, signer: Any, **kw: Any) -> bytes:
    return sign(make_message(address), signer, **kw)


def state() -> tuple[Any, ...]:
    """What the stored report says and how each raw copy stands, by source."""
    report = TlsReport.objects.get()
    return (
        report.total_successful,
        report.total_failed,
        sorted(report.failure_details.values_list("result_type", flat=True)),
        sorted(
            (raw.source, raw.parse_status, raw.report_id == report.pk)
            for raw in RawReport.objects.all()
        ),
    )


def staff_client(client: Client) -> Client:
    client.force_login(User.objects.create_user("staff", "staff@example.org", is_staff=True))
    return client


def test_a_signed_copy_replaces_a_forged_one_posted_first(
    address: ReportAddress, signer: Any, client: Client
) -> None:
    post(client, address, forged())
    assert TlsReport.objects.get().total_failed == 0
    assert ingest(signed_mail(address, signer)) == 0
    report = TlsReport.objects.get()
    assert (report.total_successful, report.total_failed) == (48210 + 31877, 17)
    assert sorted(report.failure_details.values_list("result_type", flat=True)) == REAL_FAILURES
    # Nothing lost: the forged body stays, marked, with the reason, next to the signed copy.
    signed = RawReport.objects.get(source=RawReport.EMAIL)
    assert (signed.parse_status, signed.report) == (RawReport.PARSED, report)
    set_aside = RawReport.objects.get(source=RawReport.HTTPS)
    assert (set_aside.parse_status, set_aside.report) == (RawReport.SUPERSEDED, report)
    assert set_aside.error == (
        "set aside: a copy of report '2026-06-01T00:00:00Z_example.com' DKIM-signed by "
        "sender.example differs from this one and is the one counted (80087 successful and 17 "
        "failed sessions there, 80087 and 0 here). This copy carries no signature of the "
        "reporter; anyone can post to the HTTPS address, so it may be forged"
    )
    # The report's page and the dashboard say so; the forged copy is still downloadable.
    staff_client(client)
    page = client.get(f"/tlsrpt/{address.token}/reports/{report.public_id}/").content.decode()
    assert "differs from the DKIM-signed copy shown here" in page
    assert "set aside for a DKIM-signed copy" in page and "may be forged" in page
    # (The dashboard shows the last 30 days: seen the morning after the report's day.)
    morning_after = datetime.datetime(2026, 6, 2, 8, tzinfo=datetime.UTC)
    with mock.patch("django.utils.timezone.now", return_value=morning_after):
        dashboard = client.get(f"/tlsrpt/{address.token}/dashboard/").content.decode()
    assert "a differing unsigned copy set aside" in dashboard
    raw_json = client.get(f"/tlsrpt/{address.token}/raw/{set_aside.public_id}.json")
    assert raw_json.status_code == 200 and json.loads(raw_json.content) == json.loads(forged())


def test_either_order_of_arrival_ends_the_same(
    address: ReportAddress, signer: Any, client: Client
) -> None:
    post(client, address, forged())
    assert ingest(signed_mail(address, signer)) == 0
    forged_first = state()
    RawReport.objects.all().delete()
    TlsReport.objects.all().delete()
    # Signed first: the forged copy arriving later differs, and is set aside, not counted.
    assert ingest(signed_mail(address, signer)) == 0
    post(client, address, forged())
    assert state() == forged_first
    assert RawReport.objects.get(source=RawReport.HTTPS).error.startswith(
        "set aside: a copy of report '2026-06-01T00:00:00Z_example.com' DKIM-signed by "
        "sender.example differs from this one"
    )


def test_parsing_either_copy_again_changes_nothing(
    address: ReportAddress, signer: Any, client: Client
) -> None:
    post(client, address, forged())
    assert ingest(signed_mail(address, signer)) == 0
    before = state()
    report = TlsReport.objects.get()
    for source in (RawReport.HTTPS, RawReport.EMAIL, RawReport.HTTPS):
        RawReport.objects.get(source=source).process(force=True)
        assert state() == before
    assert TlsReport.objects.get().public_id == report.public_id


def test_reparse_counts_a_signed_copy_stored_as_a_duplicate_before(
    address: ReportAddress, signer: Any, client: Client
) -> None:
    # As an earlier release left it: the forged copy counted, the signed one a "resend".
    post(client, address, forged())
    message = signed_mail(address, signer)
    signed, _ = RawReport.store(
        address, message, source=RawReport.EMAIL, headers=header_summary(message)
    )
    RawReport.objects.filter(pk=signed.pk).update(
        parse_status=RawReport.DUPLICATE, report=TlsReport.objects.get()
    )
    call_command("reparse", "--id", str(signed.public_id), stdout=io.StringIO())
    assert state()[:3] == (80087, 17, REAL_FAILURES)
    assert RawReport.objects.get(source=RawReport.HTTPS).parse_status == RawReport.SUPERSEDED


def test_two_unsigned_copies_keep_the_first(address: ReportAddress, client: Client) -> None:
    post(client, address, forged())
    post(client, address, SAMPLE)
    assert state()[:3] == (80087, 0, [])
    assert sorted(RawReport.objects.values_list("parse_status", flat=True)) == [
        RawReport.DUPLICATE,
        RawReport.PARSED,
    ]


def test_a_signed_copy_of_the_same_content_is_a_mere_duplicate(
    address: ReportAddress, signer: Any, client: Client
) -> None:
    # The genuine report over HTTPS, then by mail: nothing to set aside.
    post(client, address, SAMPLE)
    assert ingest(signed_mail(address, signer)) == 0
    assert state() == (
        80087,
        17,
        REAL_FAILURES,
        [(RawReport.EMAIL, RawReport.DUPLICATE, True), (RawReport.HTTPS, RawReport.PARSED, True)],
    )


def test_a_signature_of_another_domain_replaces_nothing(
    address: ReportAddress, signer: Any, client: Client, settings: Any
) -> None:
    # Accepted only because DKIM is not required: a signature of other.example says nothing
    # about sender.example, so the copy stored first stays.
    settings.TLSRPT_REQUIRE_DKIM = False
    post(client, address, forged())
    assert ingest(signed_mail(address, signer, domain=b"other.example")) == 0
    assert state()[:3] == (80087, 0, [])
    assert RawReport.objects.get(source=RawReport.EMAIL).parse_status == RawReport.DUPLICATE


def test_the_replaced_report_raises_its_own_alerts_once(signer: Any, client: Client) -> None:
    owner = User.objects.create_user("owner", "owner@example.org")
    domain = Domain.objects.create(
        team=Team.create_for(owner), name="example.com", verified_at=timezone.now()
    )
    address = ReportAddress.for_domain(domain)
    # The reports arrive the morning after their day: a recent day, which may alert.
    with mock.patch("reports.alerts.today", return_value=datetime.date(2026, 6, 2)):
        post(client, address, forged())
        report = TlsReport.objects.get()
        assert report.alerts_evaluated_at is not None and not Change.objects.exists()
        assert ingest(signed_mail(address, signer)) == 0
        # Evaluated again on what the signed copy says: its two failure types, once each.
        report.refresh_from_db()
        assert report.alerts_evaluated_at is not None
        assert sorted(Change.objects.values_list("kind", "subject")) == [
            (KIND_NEW_TYPE, t) for t in REAL_FAILURES
        ]
        notifications = Notification.objects.count()
        for raw in RawReport.objects.all():
            raw.process(force=True)
        assert Change.objects.count() == 2
        assert Notification.objects.count() == notifications


def test_a_report_of_a_day_to_come_says_why_it_is_not_counted(
    address: ReportAddress, client: Client
) -> None:
    later = (timezone.now() + datetime.timedelta(days=3)).date().isoformat()
    post(
        client,
        address,
        forged(
            **{
                "date-range": {
                    "start-datetime": f"{later}T00:00:00Z",
                    "end-datetime": f"{later}T23:59:59Z",
                }
            }
        ),
    )
    report = TlsReport.objects.get()
    staff_client(client)
    page = client.get(f"/tlsrpt/{address.token}/reports/{report.public_id}/").content.decode()
    assert "This report is of a day still to come" in page
