"""HTTPS intake (RFC 8460 §5.4), raw-first storage, de-duplication, the parse task, the sweep,
`manage.py reparse`, and the dashboard views with their ownership checks."""

from __future__ import annotations

import csv
import gzip
import io
import json
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import DatabaseError, connection
from django.test import Client, RequestFactory
from django.utils import timezone

from mailsec.celery import app
from mailsec.domains.models import Domain
from reports import tasks
from reports.intake import IntakeError
from reports.intake_http import read_body
from reports.models import (
    TEMPORARY_ATTEMPTS,
    FailureDetail,
    RawReport,
    ReportAddress,
    TlsReport,
)
from reports.views import receive
from tests.conftest import BaseTestCase

SAMPLE = (Path(__file__).parent / "data" / "tlsrpt" / "sample.json").read_bytes()
GZ = "application/tlsrpt+gzip"
JS = "application/tlsrpt+json"


@pytest.fixture
def eager() -> Iterator[None]:
    """Run tasks inline: parsing is a plain function call here, a worker adds nothing."""
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = False


@pytest.fixture
def address(db: None) -> ReportAddress:
    return ReportAddress.objects.create(domain_name="example.com")


def post(client: Client, address: ReportAddress, body: bytes, content_type: str = GZ, **extra: Any):
    return client.post(f"/tlsrpt/{address.token}", data=body, content_type=content_type, **extra)


@pytest.fixture
def send(client: Client, address: ReportAddress, eager: None, django_capture_on_commit_callbacks):
    """POST and run the parse task queued on commit, as the worker would."""

    def send(body: bytes, content_type: str = GZ, **extra: Any):
        with django_capture_on_commit_callbacks(execute=True):
            return post(client, address, body, content_type, **extra)

    return send


def test_it_stores_and_parses_a_gzip_report(send, address: ReportAddress) -> None:
    response = send(gzip.compress(SAMPLE))
    assert response.status_code == 201
    raw = RawReport.objects.get(public_id=response.json()["id"])
    assert raw.parse_status == RawReport.PARSED, raw.error
    assert bytes(raw.body) == gzip.compress(SAMPLE) or gzip.decompress(bytes(raw.body)) == SAMPLE
    report = raw.report
    assert report.organization_name == "Sender Example Mail Ltd."
    assert (report.total_successful, report.total_failed) == (48210 + 31877, 17)
    assert report.policies.count() == 2
    assert FailureDetail.objects.filter(report=report).count() == 2
    assert report.warnings == []


def test_it_accepts_json_and_tolerated_variants(send) -> None:
    assert send(SAMPLE, JS).status_code == 201
    # M47: application/json is accepted with a warning
    other = SAMPLE.replace(b"2026-06-01T00:00:00Z_example.com", b"r2")
    response = send(other, "application/json")
    assert response.status_code == 201
    raw = RawReport.objects.get(public_id=response.json()["id"])
    assert any("application/json" in w for w in raw.report.warnings)
    # M48: +json with Content-Encoding: gzip, no warning
    third = SAMPLE.replace(b"2026-06-01T00:00:00Z_example.com", b"r3")
    response = send(gzip.compress(third), JS, HTTP_CONTENT_ENCODING="gzip")
    assert response.status_code == 201
    raw = RawReport.objects.get(public_id=response.json()["id"])
    assert raw.parse_status == RawReport.PARSED and raw.report.warnings == []


def test_it_recognises_the_same_body_twice(send) -> None:
    body = gzip.compress(SAMPLE, mtime=0)
    first = send(body)
    second = send(body)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert RawReport.objects.count() == 1 and TlsReport.objects.count() == 1


def test_it_marks_a_resend_with_another_body_as_duplicate(send) -> None:
    first = send(gzip.compress(SAMPLE, mtime=1))
    second = send(gzip.compress(SAMPLE, mtime=2))  # M38: same report, other gzip header
    assert (first.status_code, second.status_code) == (201, 201)
    raws = {r.parse_status: r for r in RawReport.objects.all()}
    assert set(raws) == {RawReport.PARSED, RawReport.DUPLICATE}
    assert raws[RawReport.DUPLICATE].report == raws[RawReport.PARSED].report
    assert TlsReport.objects.count() == 1


def test_a_resend_with_other_counts_says_which_counts_stand(send, client: Client) -> None:
    # The same report-id from the same organisation, its counts changed: counted once, and
    # the resend's row says its figures were not taken, rather than "already stored" alone.
    send(gzip.compress(SAMPLE))
    changed = SAMPLE.replace(
        b'"total-successful-session-count": 48210', b'"total-successful-session-count": 50000'
    )
    send(gzip.compress(changed))
    report = TlsReport.objects.get()
    assert (report.total_successful, report.total_failed) == (48210 + 31877, 17)
    resend = RawReport.objects.get(parse_status=RawReport.DUPLICATE)
    assert resend.error == (
        "resend of report '2026-06-01T00:00:00Z_example.com' already stored, with other "
        "counts: 81877 successful and 17 failed sessions here, 80087 and 17 in the stored "
        "copy, which is the one counted"
    )
    # The report's page, which lists the copies it was received as, says so too.
    user = User.objects.create_user("alice", "alice@example.org", is_staff=True)
    client.force_login(user)
    page = client.get(f"/tlsrpt/{report.address.token}/reports/{report.public_id}/")
    assert (
        "with other counts: 81877 successful and 17 failed sessions here" in page.content.decode()
    )


@pytest.mark.parametrize(
    ("method", "status"),
    [("get", 405), ("put", 405), ("delete", 405)],
    ids=["GET", "PUT", "DELETE"],
)
def test_it_refuses_other_methods(
    client: Client, address: ReportAddress, method: str, status: int
) -> None:
    response = getattr(client, method)(f"/tlsrpt/{address.token}")
    assert response.status_code == status
    assert response["Allow"] == "POST"


def test_it_answers_404_for_an_unknown_token(client: Client, db: None) -> None:
    response = client.post("/tlsrpt/0123456789abcdef0123", data=SAMPLE, content_type=JS)
    assert response.status_code == 404
    assert RawReport.objects.count() == 0


def test_it_refuses_unsupported_types_and_empty_bodies(
    client: Client, address: ReportAddress
) -> None:
    assert post(client, address, SAMPLE, "text/plain").status_code == 415
    assert post(client, address, SAMPLE, JS, HTTP_CONTENT_ENCODING="br").status_code == 415
    response = post(client, address, b"", GZ)
    assert response.status_code == 400 and "empty" in response.json()["error"]
    assert RawReport.objects.count() == 0


def test_it_refuses_a_body_over_the_cap_before_reading_it(
    client: Client, address: ReportAddress, settings
) -> None:
    settings.TLSRPT_MAX_BODY_BYTES = 4096
    # Content-Length says too much: refused without reading (the stream would raise if read).
    request = mock.MagicMock(side_effect=AssertionError("body was read"))
    with mock.patch("django.core.handlers.wsgi.WSGIRequest.read", request):
        response = post(client, address, b"x" * 5000)
    assert response.status_code == 413
    assert RawReport.objects.count() == 0


def test_it_reads_a_chunked_body_with_the_cap_applied(
    address: ReportAddress, eager: None, settings, django_capture_on_commit_callbacks
) -> None:
    # No Content-Length: the WSGI server (gunicorn) hands over the de-chunked stream, which
    # ends where the body ends.
    def send(body: bytes) -> Any:
        request = RequestFactory().post(
            "/", CONTENT_TYPE=GZ, CONTENT_LENGTH="", HTTP_TRANSFER_ENCODING="chunked"
        )
        request.environ["wsgi.input"] = io.BytesIO(body)
        with django_capture_on_commit_callbacks(execute=True):
            return receive(request, address.token)

    response = send(gzip.compress(SAMPLE))
    assert response.status_code == 201, response.content
    raw = RawReport.objects.get(public_id=json.loads(response.content)["id"])
    assert raw.parse_status == RawReport.PARSED, raw.error
    settings.TLSRPT_MAX_BODY_BYTES = 4096
    assert send(b"x" * 5000).status_code == 413
    assert send(b"").status_code == 400
    assert RawReport.objects.count() == 1


@pytest.mark.parametrize("where", ["policy", "detail"])
def test_a_too_long_value_in_any_table_is_our_error(send, where: str) -> None:
    # Details go to PostgreSQL by COPY, policies by the ORM: both must end as `error`.
    from reports.parse import parse_report

    def too_long(*args: Any, **kwargs: Any):
        parsed = parse_report(*args, **kwargs)
        if where == "policy":
            parsed.policies[0].policy_domain = "a" * 300
        else:
            parsed.policies[0].failure_details[0].receiving_mx_hostname = "a" * 300
        return parsed

    with mock.patch("reports.models.parse_report", too_long):
        assert send(gzip.compress(SAMPLE)).status_code == 201
    raw = RawReport.objects.get()
    if connection.vendor == "postgresql":
        assert raw.parse_status == RawReport.ERROR and raw.error.startswith("DataError")
        assert TlsReport.objects.count() == 0
    else:
        assert raw.parse_status == RawReport.PARSED  # SQLite does not enforce lengths


def _fill(address: ReportAddress, count: int, size: int, age: timedelta = timedelta()) -> None:
    """Raw reports the address already stored `age` ago (the quota's bytes and rows)."""
    RawReport.objects.bulk_create(
        RawReport(
            address=address,
            source=RawReport.HTTPS,
            body=b"",
            sha256=f"{address.pk}-{age}-{i}",
            size=size,
            received_at=timezone.now() - age,
        )
        for i in range(count)
    )


def test_it_answers_429_before_reading_when_the_address_is_over_its_byte_quota(
    client: Client, address: ReportAddress, settings
) -> None:
    settings.TLSRPT_DAILY_BYTES_PER_ADDRESS = 100_000
    _fill(address, 2, 48_000, age=timedelta(hours=20))
    request = mock.MagicMock(side_effect=AssertionError("body was read"))
    with mock.patch("django.core.handlers.wsgi.WSGIRequest.read", request):
        response = post(client, address, b"x" * 5000)
    assert response.status_code == 429
    assert "daily quota" in response.json()["error"]
    # The oldest stored report leaves the 24-hour window in 4 h: retry within the hour.
    assert response["Retry-After"] == "3600"
    assert RawReport.objects.count() == 2


def test_the_report_quota_counts_rows_of_the_last_24_hours_only(
    send, address: ReportAddress, settings
) -> None:
    settings.TLSRPT_DAILY_REPORTS_PER_ADDRESS = 3
    _fill(address, 5, 10, age=timedelta(hours=25))  # yesterday's: not counted
    _fill(address, 2, 10, age=timedelta(hours=23, minutes=58))
    assert send(gzip.compress(SAMPLE, mtime=1)).status_code == 201  # the 3rd of 3
    refused = send(gzip.compress(SAMPLE, mtime=2))
    assert refused.status_code == 429
    assert 60 <= int(refused["Retry-After"]) <= 180
    assert RawReport.objects.count() == 8


def test_an_identical_body_answers_200_and_is_not_counted(
    send, address: ReportAddress, settings
) -> None:
    body = gzip.compress(SAMPLE, mtime=0)
    settings.TLSRPT_DAILY_BYTES_PER_ADDRESS = len(body) * 2 + 10
    assert send(body).status_code == 201
    for _ in range(3):  # resends of a stored body take no quota
        assert send(body).status_code == 200
    assert send(gzip.compress(SAMPLE, mtime=1)).status_code == 201
    assert send(gzip.compress(SAMPLE, mtime=2)).status_code == 429
    assert RawReport.objects.count() == 2


def test_the_quota_is_checked_again_before_storing(address: ReportAddress, settings) -> None:
    # Two uploads may pass the Content-Length check at once; the insert checks again.
    from reports.intake import QuotaExceeded, accept_https

    settings.TLSRPT_DAILY_REPORTS_PER_ADDRESS = 1
    _fill(address, 1, 10)
    with pytest.raises(QuotaExceeded):
        accept_https(address, gzip.compress(SAMPLE), GZ, [])
    assert RawReport.objects.count() == 1


def test_a_body_larger_than_the_whole_daily_quota_is_413(
    client: Client, address: ReportAddress, settings
) -> None:
    settings.TLSRPT_DAILY_BYTES_PER_ADDRESS = 2048
    assert post(client, address, b"x" * 3000).status_code == 413


def test_the_streaming_read_stops_at_the_cap() -> None:
    # A stream longer than its Content-Length said (a server that does not limit it).
    request = mock.Mock(read=io.BytesIO(b"x" * 10_000).read)
    with pytest.raises(IntakeError) as exc:
        read_body(request, 4096)
    assert exc.value.status == 413


def test_a_body_shorter_than_its_content_length_is_not_accepted() -> None:
    # The sender's connection broke: a 201 would stop it retrying a report we do not have.
    request = mock.Mock(read=io.BytesIO(b"x" * 1000).read)
    with pytest.raises(IntakeError) as exc:
        read_body(request, 4096, declared=3000)
    assert exc.value.status == 400 and "1000 of the 3000 bytes" in exc.value.reason
    request = mock.Mock(read=io.BytesIO(b"x" * 3000).read)
    assert len(read_body(request, 4096, declared=3000)) == 3000


def test_it_stores_garbage_then_answers_400(client: Client, address: ReportAddress) -> None:
    response = post(client, address, b"<html>not a report</html>")
    assert response.status_code == 400
    assert "not a JSON object, gzip or zip" in response.json()["error"]
    raw = RawReport.objects.get()
    assert raw.parse_status == RawReport.REJECTED and bytes(raw.body).startswith(b"<html>")


def test_it_stores_truncated_gzip_and_rejects_it_when_parsing(send) -> None:
    response = send(gzip.compress(SAMPLE)[:-30])
    assert response.status_code == 201  # looks like gzip: the task decides
    raw = RawReport.objects.get()
    assert raw.parse_status == RawReport.REJECTED and "truncated" in raw.error


def test_it_stores_a_gzip_bomb_and_rejects_it_at_the_cap(send) -> None:
    bomb = io.BytesIO()
    with gzip.GzipFile(fileobj=bomb, mode="wb") as gz:
        for _ in range(200):
            gz.write(b" " * (1024 * 1024))
    response = send(bomb.getvalue())
    assert response.status_code == 201
    raw = RawReport.objects.get()
    assert raw.parse_status == RawReport.REJECTED and "larger than" in raw.error


def test_it_answers_503_not_2xx_when_storage_fails(client: Client, address: ReportAddress) -> None:
    with mock.patch.object(RawReport, "store", side_effect=DatabaseError("disk full")):
        response = post(client, address, gzip.compress(SAMPLE))
    assert response.status_code == 503
    assert response["Retry-After"]


def test_it_commits_the_raw_report_before_answering(
    client: Client, address: ReportAddress, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post(client, address, gzip.compress(SAMPLE))
    assert response.status_code == 201
    raw = RawReport.objects.get(public_id=response.json()["id"])
    assert raw.parse_status == RawReport.PENDING  # parsing has not even been queued yet
    assert len(callbacks) == 1


def test_the_task_is_idempotent(address: ReportAddress) -> None:
    raw, _ = RawReport.store(address, SAMPLE, source=RawReport.HTTPS)
    assert tasks.parse_raw_report.apply(args=[raw.pk]).get() == RawReport.PARSED
    assert tasks.parse_raw_report.apply(args=[raw.pk]).get() == RawReport.PARSED
    assert TlsReport.objects.count() == 1 and FailureDetail.objects.count() == 2


def test_the_sweep_requeues_stale_pending_reports(address: ReportAddress) -> None:
    old, _ = RawReport.store(address, SAMPLE, source=RawReport.HTTPS)
    RawReport.objects.filter(pk=old.pk).update(received_at=timezone.now() - timedelta(hours=1))
    fresh, _ = RawReport.store(address, gzip.compress(SAMPLE), source=RawReport.HTTPS)
    with mock.patch.object(tasks.parse_raw_report, "delay") as delay:
        assert tasks.sweep_pending_reports() == 1
    delay.assert_called_once_with(old.pk)


def test_the_sweep_spaces_out_retries_of_a_temporary_problem(address: ReportAddress) -> None:
    hour_ago = timezone.now() - timedelta(hours=1)
    raw, _ = RawReport.store(address, SAMPLE, source=RawReport.HTTPS)
    # Tried a minute ago (a DKIM key lookup timed out): not yet again.
    RawReport.objects.filter(pk=raw.pk).update(
        received_at=hour_ago, attempts=1, processed_at=timezone.now() - timedelta(minutes=1)
    )
    assert not RawReport.stale_pending(timedelta(minutes=2)).exists()
    RawReport.objects.filter(pk=raw.pk).update(processed_at=hour_ago)
    assert list(RawReport.stale_pending(timedelta(minutes=2))) == [raw]


def test_a_report_with_totals_past_64_bits_is_rejected_not_retried(
    address: ReportAddress,
) -> None:
    from tests.test_reports_parse import sessions_past_64_bits

    raw, _ = RawReport.store(address, sessions_past_64_bits(), source=RawReport.HTTPS)
    assert tasks.parse_raw_report.apply(args=[raw.pk]).get() == RawReport.REJECTED
    raw.refresh_from_db()
    assert "64-bit" in raw.error and raw.attempts == 1


def test_an_error_while_storing_ends_the_raw_report_as_error(address: ReportAddress) -> None:
    from celery.exceptions import SoftTimeLimitExceeded

    raw, _ = RawReport.store(address, SAMPLE, source=RawReport.HTTPS)
    with mock.patch("reports.models.store_details", side_effect=SoftTimeLimitExceeded()):
        assert tasks.parse_raw_report.apply(args=[raw.pk]).get() == RawReport.ERROR
    raw.refresh_from_db()
    assert raw.error.startswith("SoftTimeLimitExceeded") and raw.attempts == 1
    assert not TlsReport.objects.exists()  # nothing half stored
    RawReport.objects.filter(pk=raw.pk).update(received_at=timezone.now() - timedelta(hours=1))
    assert not RawReport.stale_pending(timedelta(minutes=5)).exists()


class Killed(BaseException):
    """What a worker killed mid-parse looks like from here: nothing of ours runs after it."""


def test_parses_that_never_finish_are_counted_and_given_up(address: ReportAddress) -> None:
    raw, _ = RawReport.store(address, SAMPLE, source=RawReport.HTTPS)
    hour_ago = timezone.now() - timedelta(hours=1)
    for attempt in range(1, TEMPORARY_ATTEMPTS + 1):
        with mock.patch.object(RawReport, "_parse", side_effect=Killed()), pytest.raises(Killed):
            raw.process()
        raw.refresh_from_db()
        assert (raw.parse_status, raw.attempts) == (RawReport.PENDING, attempt)
        RawReport.objects.filter(pk=raw.pk).update(received_at=hour_ago, processed_at=hour_ago)
    with mock.patch.object(tasks.parse_raw_report, "delay") as delay:
        assert tasks.sweep_pending_reports() == 0
    delay.assert_not_called()
    raw.refresh_from_db()
    assert raw.parse_status == RawReport.ERROR
    assert f"gave up after {TEMPORARY_ATTEMPTS} attempts" in raw.error


def test_the_sweep_is_scheduled_with_beat() -> None:
    entry = app.conf.beat_schedule["reports-sweep-pending"]
    assert entry["task"] == tasks.sweep_pending_reports.name


def test_reparse_runs_failed_reports_again_after_a_fix(address: ReportAddress) -> None:
    raw, _ = RawReport.store(address, SAMPLE, source=RawReport.HTTPS)
    with mock.patch("reports.models.parse_report", side_effect=KeyError("bug")):
        assert raw.process() == RawReport.ERROR
    raw.refresh_from_db()
    assert "KeyError" in raw.error and bytes(raw.body) == SAMPLE  # nothing lost
    out = io.StringIO()
    call_command("reparse", "--all-failed", stdout=out)
    assert "1 parsed" in out.getvalue()
    raw.refresh_from_db()
    assert raw.parse_status == RawReport.PARSED and raw.report is not None


def test_reparse_of_a_parsed_report_rewrites_it_in_place(address: ReportAddress) -> None:
    raw, _ = RawReport.store(address, SAMPLE, source=RawReport.HTTPS)
    raw.process()
    report_pk = raw.report_id
    call_command("reparse", "--id", str(raw.public_id), stdout=io.StringIO())
    raw.refresh_from_db()
    assert raw.report_id == report_pk
    assert TlsReport.objects.count() == 1 and FailureDetail.objects.count() == 2


def test_reparsing_a_resend_does_not_take_the_report_over(address: ReportAddress) -> None:
    first, _ = RawReport.store(address, gzip.compress(SAMPLE, mtime=1), source=RawReport.HTTPS)
    again, _ = RawReport.store(address, gzip.compress(SAMPLE, mtime=2), source=RawReport.HTTPS)
    assert (first.process(), again.process()) == (RawReport.PARSED, RawReport.DUPLICATE)
    call_command("reparse", "--id", str(again.public_id), stdout=io.StringIO())
    first.refresh_from_db()
    again.refresh_from_db()
    assert (first.parse_status, again.parse_status) == (RawReport.PARSED, RawReport.DUPLICATE)
    assert again.report_id == first.report_id and TlsReport.objects.count() == 1


def test_reparse_goes_on_past_a_row_it_cannot_store(address: ReportAddress) -> None:
    bad, _ = RawReport.store(address, b"{}", source=RawReport.HTTPS)
    good, _ = RawReport.store(address, SAMPLE, source=RawReport.HTTPS)
    real = RawReport.process

    def process(self: RawReport, **kw: Any) -> str:
        if self.pk == bad.pk:
            raise DatabaseError("refused")
        return real(self, **kw)

    out, err = io.StringIO(), io.StringIO()
    with mock.patch.object(RawReport, "process", process):
        call_command("reparse", "--pending", stdout=out, stderr=err)
    assert "1 failed" in out.getvalue() and "1 parsed" in out.getvalue()
    assert "could not be reparsed" in err.getvalue()


@pytest.mark.django_db(transaction=True)
def test_a_broker_that_does_not_answer_does_not_fail_the_sender(client: Client) -> None:
    # Outside a test transaction, on_commit runs the enqueue at once (autocommit): the bytes
    # are committed, so the sender gets 201 and the sweep parses the row later.
    address = ReportAddress.objects.create(domain_name="example.com")
    body = gzip.compress(SAMPLE)
    with mock.patch.object(tasks.parse_raw_report, "delay", side_effect=OSError("no broker")):
        response = post(client, address, body)
    assert response.status_code == 201, response.content
    raw = RawReport.objects.get()
    assert raw.parse_status == RawReport.PENDING and bytes(raw.body) == body


def test_rua_record_leaves_out_the_owners_unusable_targets(address: ReportAddress) -> None:
    # The record we suggest must not repeat what TLSRPT-06 flagged: an http: URL and an
    # address with a blank go; a bare address is repaired as the engine's fix repairs it
    # (checks.tlsrpt.usable_rua), its meaning being certain.
    record = address.rua_record(
        "v=TLSRPTv1; rua=http://old.example/r,tls@example.com,mailto:a@b.example c,"
        "mailto:ok@example.com"
    )
    assert "rua=mailto:tls@example.com,mailto:ok@example.com,mailto:tlsrpt+" in record
    assert "http://" not in record and " c" not in record


def test_rua_record_keeps_the_owners_own_targets(address: ReportAddress, settings: Any) -> None:
    settings.SITE_ROOT = "https://mailsec.example"
    record = address.rua_record("v=TLSRPTv1; rua=mailto:tls@example.com")
    assert record.startswith("v=TLSRPTv1; rua=mailto:tls@example.com,mailto:tlsrpt+")
    assert record.endswith(f",https://mailsec.example/tlsrpt/{address.token}")


def test_rua_record_offers_no_plain_http_uri(address: ReportAddress, settings: Any) -> None:
    # RFC 8460 §3: only mailto: and https: are reporting URIs.
    settings.SITE_ROOT = "http://127.0.0.1:8000"
    record = address.rua_record()
    assert "http://" not in record
    assert record.startswith("v=TLSRPTv1; rua=mailto:tlsrpt+")


class DashboardTestCase(BaseTestCase):
    def setUp(self) -> None:
        # Verified: the reports of a domain are shown to its team only then.
        domain = Domain.objects.create(
            team=self.team, name="example.com", verified_at=timezone.now()
        )
        self.address = ReportAddress.objects.create(domain_name="example.com", domain=domain)
        raw, _ = RawReport.store(self.address, SAMPLE, source=RawReport.HTTPS)
        raw.process()
        self.raw = raw
        # Make the sample's day fall inside the dashboard's 30 days.
        TlsReport.objects.update(day=timezone.now().date())
        self.base = f"/tlsrpt/{self.address.token}"

    def test_it_shows_the_dashboard(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.get(f"{self.base}/dashboard/")
        self.assertContains(response, "Sender Example Mail Ltd.")
        self.assertContains(response, "certificate-expired")
        self.assertContains(response, "renewal failed")  # the explanation
        self.assertContains(response, "<svg")
        self.assertContains(response, "mx1.example.com")

    def test_it_shows_a_report(self) -> None:
        self.client.force_login(self.bob)
        report = self.raw.report
        response = self.client.get(f"{self.base}/reports/{report.public_id}/")
        self.assertContains(response, "X509_V_ERR_CERT_HAS_EXPIRED")

    def test_it_downloads_the_raw_json(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.get(f"{self.base}/raw/{self.raw.public_id}.json")
        assert response.status_code == 200
        assert json.loads(response.content)["report-id"] == "2026-06-01T00:00:00Z_example.com"

    def test_it_exports_csv(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.get(f"{self.base}/export.csv")
        rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        assert len(rows) == 3  # two failure details of the sts policy, one row for tlsa
        assert {r["result_type"] for r in rows} == {
            "certificate-expired",
            "certificate-host-mismatch",
            "",
        }

    def test_csv_cells_never_start_a_formula(self) -> None:
        from reports.views import _cell

        for value in ("=1+1", " =HYPERLINK(x)", "\n=cmd", "＝1+1", "@SUM(A1)", "-2", "+2"):
            assert _cell(value) == "'" + value, value
        assert _cell("certificate-expired") == "certificate-expired"

    def test_it_checks_ownership(self) -> None:
        report = self.raw.report
        urls = [
            f"{self.base}/dashboard/",
            f"{self.base}/reports/{report.public_id}/",
            f"{self.base}/raw/{self.raw.public_id}.json",
            f"{self.base}/export.csv",
        ]
        self.client.force_login(self.charlie)
        for url in urls:
            assert self.client.get(url).status_code == 404, url
        self.client.logout()
        for url in urls:
            assert self.client.get(url).status_code in (302, 404), url


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_parses_what_the_endpoint_stored(client: Client, celery_worker) -> None:
    address = ReportAddress.objects.create(domain_name="example.com")
    response = post(client, address, gzip.compress(SAMPLE))
    assert response.status_code == 201
    raw = RawReport.objects.get(public_id=response.json()["id"])
    deadline = timezone.now() + timedelta(seconds=20)
    while raw.parse_status == RawReport.PENDING and timezone.now() < deadline:
        time.sleep(0.05)
        raw.refresh_from_db()
    assert raw.parse_status == RawReport.PARSED, raw.error


def test_a_database_outage_does_not_use_up_a_reports_attempts(address: ReportAddress) -> None:
    # Attempts are counted before the work, so a killed worker counts; a database error is an
    # outcome (the task retries it) and must not end the report as an error once the database
    # is back.
    from django.db import OperationalError

    raw, _ = RawReport.store(address, SAMPLE, source=RawReport.HTTPS)
    locked = OperationalError("database is locked")
    with mock.patch("reports.models.store_details", side_effect=locked):
        tasks.parse_raw_report.apply(args=[raw.pk])
    raw.refresh_from_db()
    # The task's whole chain of retries counts once, not once per retry.
    assert (raw.parse_status, raw.attempts) == (RawReport.PENDING, 1)
    an_hour_ago = timezone.now() - timedelta(hours=1)
    RawReport.objects.filter(pk=raw.pk).update(received_at=an_hour_ago, processed_at=an_hour_ago)
    with mock.patch.object(tasks.parse_raw_report, "delay") as delay:
        tasks.sweep_pending_reports()
    assert delay.call_args_list == [mock.call(raw.pk)]
    assert raw.process() == RawReport.PARSED


def test_a_report_the_database_always_fails_on_ends_as_an_error(address: ReportAddress) -> None:
    # Each task's chain of retries counts once; after TEMPORARY_ATTEMPTS chains the sweep
    # gives up with a reason, instead of re-queueing the report for ever.
    from django.db import OperationalError

    from reports.models import TEMPORARY_ATTEMPTS

    raw, _ = RawReport.store(address, SAMPLE, source=RawReport.HTTPS)
    broken = OperationalError("canceling statement due to statement timeout")
    for _ in range(TEMPORARY_ATTEMPTS):
        with mock.patch("reports.models.store_details", side_effect=broken):
            tasks.parse_raw_report.apply(args=[raw.pk])
    raw.refresh_from_db()
    assert raw.attempts == TEMPORARY_ATTEMPTS
    RawReport.objects.filter(pk=raw.pk).update(
        received_at=timezone.now() - timedelta(hours=2),
        processed_at=timezone.now() - timedelta(hours=2),
    )
    with mock.patch.object(tasks.parse_raw_report, "delay") as delay:
        tasks.sweep_pending_reports()
    raw.refresh_from_db()
    assert raw.parse_status == RawReport.ERROR and not delay.called
