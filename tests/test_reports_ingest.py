"""reports.ingest: many files per transaction, with the outcomes of intake + parse task."""

from __future__ import annotations

import gzip
import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from reports import ingest
from reports.ingest import ingest_many
from reports.models import FailureDetail, RawReport, ReportAddress, TlsReport

SAMPLE = (Path(__file__).parent / "data" / "tlsrpt" / "sample.json").read_bytes()
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("batch", [1, 2, 500])
def test_it_stores_parses_and_deduplicates_like_the_intake(batch: int) -> None:
    a = ReportAddress.objects.create(domain_name="example.com")
    b = ReportAddress.objects.create(domain_name="example.com")
    first = gzip.compress(SAMPLE, mtime=1)
    resend = gzip.compress(SAMPLE, mtime=2)  # same report, other bytes (M38)
    other = gzip.compress(SAMPLE.replace(b"_example.com", b"_other"), mtime=1)
    items = [
        (a, first),
        (a, first),  # identical bytes: stored once
        (a, resend),
        (a, b"garbage"),
        (a, other),
        (b, first),  # another address (another team) keeps its own copy
    ]
    outcome = ingest_many(items, batch=batch)
    assert outcome == {"parsed": 3, "duplicate": 1, "rejected": 1, "already stored": 1}
    assert TlsReport.objects.filter(address=a).count() == 2
    assert TlsReport.objects.filter(address=b).count() == 1
    report = TlsReport.objects.get(address=a, report_id="2026-06-01T00:00:00Z_example.com")
    assert (report.total_successful, report.total_failed) == (48210 + 31877, 17)
    assert report.policies.count() == 2
    assert sorted(report.failure_details.values_list("result_type", flat=True)) == [
        "certificate-expired",
        "certificate-host-mismatch",
    ]
    raws = RawReport.objects.filter(address=a)
    assert raws.count() == 4
    assert raws.get(sha256__isnull=False, body=resend).report == report
    rejected = raws.get(parse_status=RawReport.REJECTED)
    assert "not a JSON object, gzip or zip" in rejected.error
    # Again: everything is already there.
    assert ingest_many(items, batch=batch) == {"already stored": 6}
    assert FailureDetail.objects.count() == 3 * 2


def test_it_matches_the_parse_task() -> None:
    a = ReportAddress.objects.create(domain_name="example.com")
    b = ReportAddress.objects.create(domain_name="example.com")
    body = gzip.compress(SAMPLE)
    ingest_many([(a, body)])
    raw, _ = RawReport.store(b, body, source=RawReport.HTTPS)
    raw.process()
    one, two = TlsReport.objects.get(address=a), TlsReport.objects.get(address=b)
    fields = ["organization_name", "submitter", "report_id", "start", "end", "day"]
    fields += ["total_successful", "total_failed", "warnings", "notes", "policy_domain"]
    fields += ["counted"]
    assert [getattr(one, f) for f in fields] == [getattr(two, f) for f in fields]
    columns = ["result_type", "sending_mta_ip", "receiving_ip", "failed_session_count"]
    assert list(one.failure_details.values_list(*columns)) == list(
        two.failure_details.values_list(*columns)
    )


def test_imported_reports_are_history_the_alerts_sweep_leaves_alone() -> None:
    from reports import tasks

    a = ReportAddress.objects.create(domain_name="example.com")
    assert ingest_many([(a, gzip.compress(SAMPLE))]) == {"parsed": 1}
    report = TlsReport.objects.get()
    assert report.alerts_evaluated_at is not None  # as in "not to alert"
    TlsReport.objects.update(created=report.created - timedelta(days=1))
    assert not TlsReport.alerts_pending(timedelta(minutes=5)).exists()
    with mock.patch.object(tasks.alert_on_report, "delay") as delay:
        tasks.sweep_pending_reports()
    delay.assert_not_called()


def _quirky(report_id: str) -> bytes:
    """Tabs, newlines and backslashes (COPY's special characters) in what gets stored, two
    policies and details in an order that must survive."""
    report = json.loads(SAMPLE)
    report["report-id"] = report_id
    report["organization-name"] = "Tab\tand\\backslash Ltd."
    details = report["policies"][0]["failure-details"]
    details[0]["failure-reason-code"] = "line one\nline two\r\\"
    details.append(dict(details[0], **{"result-type": "starttls-not-supported"}))
    return gzip.compress(json.dumps(report).encode())


def _rows(report: TlsReport) -> list[Any]:
    fields = ["organization_name", "submitter", "contact_info", "report_id", "start", "end"]
    fields += ["day", "total_successful", "total_failed", "warnings", "notes", "policy_domain"]
    fields += ["counted"]
    policies = ["policy_type", "policy_domain", "policy_strings", "mx_hosts", "successful"]
    details = [f.attname for f in FailureDetail._meta.concrete_fields]
    details = [f for f in details if f not in ("id", "report_id", "policy_id")]
    return [
        [getattr(report, f) for f in fields],
        list(report.policies.values_list(*policies)),
        list(report.failure_details.order_by("id").values_list(*details)),
    ]


def test_it_stores_what_the_parse_task_stores_special_characters_and_order_included() -> None:
    a = ReportAddress.objects.create(domain_name="example.com")
    b = ReportAddress.objects.create(domain_name="example.com")
    body = _quirky("r-1")
    assert ingest_many([(a, body)]) == {"parsed": 1}
    raw, _ = RawReport.store(b, body, source=RawReport.HTTPS)
    raw.process()
    one, two = TlsReport.objects.get(address=a), TlsReport.objects.get(address=b)
    assert _rows(one) == _rows(two)
    assert one.organization_name == "Tab\tand\\backslash Ltd."
    stored = RawReport.objects.get(address=a)
    assert bytes(stored.body) == body and stored.sha256 == raw.sha256
    assert (stored.parse_status, stored.report, stored.size) == (RawReport.PARSED, one, len(body))


def test_it_keeps_a_body_our_parser_fails_on_as_error(monkeypatch: pytest.MonkeyPatch) -> None:
    a = ReportAddress.objects.create(domain_name="example.com")
    real = ingest.parse_report

    def parse(data: bytes, **kwargs: Any) -> Any:
        if data == b"{}":
            raise RuntimeError("a bug")
        return real(data, **kwargs)

    monkeypatch.setattr(ingest, "parse_report", parse)
    outcome = ingest_many([(a, b"{}"), (a, gzip.compress(SAMPLE)), (a, b"not a report")])
    assert outcome == {"error": 1, "parsed": 1, "rejected": 1}
    failed = RawReport.objects.get(parse_status=RawReport.ERROR)
    assert (bytes(failed.body), failed.error) == (b"{}", "RuntimeError: a bug")


def test_it_decides_a_batch_again_when_a_concurrent_writer_got_there_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The live intake may store the same report between our queries and our COPY: the
    unique constraint refuses the batch, and it is decided again, now seeing that report."""
    if connection.vendor != "postgresql":
        pytest.skip("the COPY path is PostgreSQL's")
    a = ReportAddress.objects.create(domain_name="example.com")
    raw, _ = RawReport.store(a, gzip.compress(SAMPLE, mtime=9), source=RawReport.HTTPS)
    raw.process()
    real, calls = ingest._store_once, []

    def store_once(files: Any) -> list[str]:
        # The first time, the query does not see the report yet (it "arrives" after it).
        calls.append(1)
        unseen = "SELECT 0, '', '', 0 WHERE %s::text IS NULL"
        monkeypatch.setattr(ingest, "STORED_REPORTS", unseen if len(calls) == 1 else stored)
        return real(files)

    stored = ingest.STORED_REPORTS
    monkeypatch.setattr(ingest, "_store_once", store_once)
    assert ingest_many([(a, gzip.compress(SAMPLE, mtime=1))]) == {"duplicate": 1}
    assert len(calls) == 2
    assert TlsReport.objects.count() == 1
    assert RawReport.objects.filter(report=raw.report).count() == 2


def _folder(tmp_path: Path) -> Path:
    """Report files as another tool keeps them (RFC 8460 §5.1 names), with its quirks."""
    folder = tmp_path / "old-tool"
    (folder / "2026-06").mkdir(parents=True)
    name = "sender.example!example.com!1780272000!1780358399"
    (folder / f"{name}!001.json.gz").write_bytes(gzip.compress(SAMPLE, mtime=1))
    (folder / "2026-06" / f"{name}!002.json.gz").write_bytes(gzip.compress(SAMPLE, mtime=2))
    (folder / "2026-06" / f"{name}!003.json").write_bytes(SAMPLE)  # the same report again
    (folder / "2026-06" / "copy.json.gz").write_bytes(gzip.compress(SAMPLE, mtime=5))
    (folder / f"{name}!004.json.gz").write_bytes(b"\x1f\x8b broken")
    (folder / "other.example!nobody.example!1!2.json").write_bytes(SAMPLE)
    (folder / "README.txt").write_text("not a report")
    return folder


def test_ingest_files_imports_a_folder_and_loses_nothing(tmp_path: Path) -> None:
    a = ReportAddress.objects.create(domain_name="example.com")
    folder = _folder(tmp_path)
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="2 files were not imported"):
        call_command("ingest_files", str(folder), stdout=out, stderr=err)
    assert out.getvalue().strip() == "2 duplicate, 1 parsed, 1 rejected, 2 skipped"
    # Not guessed: no §5.1 name, or no address for the domain; listed for the operator.
    assert "copy.json.gz: no policy domain in the file name" in err.getvalue()
    assert "nobody.example!1!2.json: no report address for nobody.example" in err.getvalue()
    assert "README" not in err.getvalue()
    raws = RawReport.objects.filter(address=a)
    assert raws.count() == 4
    report = TlsReport.objects.get(address=a)
    assert raws.filter(report=report).count() == 3
    broken = raws.get(parse_status=RawReport.REJECTED)
    assert bytes(broken.body) == b"\x1f\x8b broken" and "gzip" in broken.error

    # Again, and with the skipped files sent to the address: nothing is stored twice.
    out = io.StringIO()
    call_command("ingest_files", str(folder), "--address", a.token, stdout=out)
    assert out.getvalue().strip() == "5 already stored, 1 duplicate"
    assert raws.count() == 5 and TlsReport.objects.count() == 1


def test_ingest_files_refuses_unknown_paths_and_tokens(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no such file"):
        call_command("ingest_files", str(tmp_path / "missing"))
    with pytest.raises(CommandError, match="no report address with token"):
        call_command("ingest_files", str(tmp_path), "--address", "nope")
    assert RawReport.objects.count() == 0


def test_ingest_files_does_not_guess_between_two_teams(tmp_path: Path) -> None:
    """Found in review: two teams monitoring one domain must not get each other's reports."""
    from django.contrib.auth.models import User

    from mailsec.accounts.models import Team
    from mailsec.domains.models import Domain

    for name in ("ann", "ben"):
        team = Team.create_for(User.objects.create_user(name, f"{name}@example.org"))
        domain = Domain.objects.create(team=team, name="example.com")
        ReportAddress.objects.create(domain=domain, domain_name="example.com")
    folder = _folder(tmp_path)
    err = io.StringIO()
    with pytest.raises(CommandError, match="not imported"):
        call_command("ingest_files", str(folder), stdout=io.StringIO(), stderr=err)
    assert "!001.json.gz: 2 teams monitor example.com; use --address" in err.getvalue()
    assert RawReport.objects.count() == 0


def test_ingest_files_does_not_hand_a_removed_domains_reports_to_its_old_team(
    tmp_path: Path,
) -> None:
    """Nobody monitors the domain now, but the team that removed it would get its address
    (and these reports) back by adding it again: a file name cannot say they are its."""
    from django.contrib.auth.models import User

    from mailsec.accounts.models import Team

    team = Team.create_for(User.objects.create_user("ann", "ann@example.org"))
    ReportAddress.objects.create(team=team, domain=None, domain_name="example.com")
    folder = _folder(tmp_path)
    err = io.StringIO()
    with pytest.raises(CommandError, match="not imported"):
        call_command("ingest_files", str(folder), stdout=io.StringIO(), stderr=err)
    assert "example.com is not monitored now and a team that removed it" in err.getvalue()
    assert RawReport.objects.count() == 0


@pytest.mark.parametrize(
    ("start", "end", "day"),
    [
        # RFC 8460 §4.1 expects a UTC day; both end conventions are in use (RPT-03).
        ("2026-06-01T00:00:00Z", "2026-06-01T23:59:59Z", "2026-06-01"),
        ("2026-06-01T00:00:00Z", "2026-06-02T00:00:00Z", "2026-06-01"),
        # A sender's local day: mostly the UTC day of its date, not the day its start is in.
        ("2026-06-01T00:00:00+03:00", "2026-06-01T23:59:59+03:00", "2026-06-01"),
        ("2026-06-01T00:00:00+09:00", "2026-06-02T00:00:00+09:00", "2026-06-01"),
        ("2026-06-01T00:00:00-05:00", "2026-06-01T23:59:59-05:00", "2026-06-01"),
    ],
)
def test_both_write_paths_bucket_a_report_to_the_utc_day_it_mostly_covers(
    start: str, end: str, day: str
) -> None:
    report = json.loads(SAMPLE)
    report["date-range"] = {"start-datetime": start, "end-datetime": end}
    body = json.dumps(report).encode()
    a = ReportAddress.objects.create(domain_name="example.com")
    b = ReportAddress.objects.create(domain_name="example.com")
    assert ingest_many([(a, body)]) == {"parsed": 1}
    raw, _ = RawReport.store(b, body, source=RawReport.HTTPS)
    assert raw.process() == RawReport.PARSED
    days = [TlsReport.objects.get(address=x).day.isoformat() for x in (a, b)]
    assert days == [day, day]


def _about(domain: str | None, *, dane_only: bool = False) -> bytes:
    """The sample as a report about `domain` (its sts policy), or with only its tlsa policy."""
    report = json.loads(SAMPLE)
    report["report-id"] = f"about-{domain}-{dane_only}"
    if dane_only:
        report["policies"] = report["policies"][1:]  # policy-domain mx1.example.com
        report["policies"][0]["policy"]["policy-domain"] = "mx.hosting.example"
    else:
        report["policies"][0]["policy"]["policy-domain"] = domain
    return json.dumps(report).encode()


@pytest.mark.parametrize(
    ("body", "counted"),
    [
        (_about("example.com"), True),
        (_about("mail.example.com"), True),  # a name below the domain is the domain's
        (_about("Example.COM."), True),
        (_about("parked.example.net"), False),  # a _smtp._tls record shared with example.com
        (_about("notexample.com"), False),
        (_about("com"), False),
        # DANE only: the tlsa policy-domain is an MX host (RFC 8460 §1.1), anyone's.
        (_about(None, dane_only=True), True),
    ],
    ids=["same", "subdomain", "case", "other", "suffix-lookalike", "parent", "dane-only"],
)
def test_both_write_paths_leave_out_a_report_about_another_domain(
    body: bytes, counted: bool
) -> None:
    a = ReportAddress.objects.create(domain_name="example.com")
    b = ReportAddress.objects.create(domain_name="example.com")
    assert ingest_many([(a, body)]) == {"parsed": 1}
    raw, _ = RawReport.store(b, body, source=RawReport.HTTPS)
    assert raw.process() == RawReport.PARSED
    one, two = TlsReport.objects.get(address=a), TlsReport.objects.get(address=b)
    assert (one.counted, two.counted) == (counted, counted)
    assert _rows(one) == _rows(two)
    foreign = [w for w in one.warnings if w.startswith("This report is about ")]
    if counted:
        assert foreign == []
    else:
        assert foreign == [
            f"This report is about {one.policy_domain}, not example.com: senders send a "
            "domain's reports to the addresses in its own _smtp._tls record, so the record of "
            f"{one.policy_domain} names this address (one record copied, or CNAMEd, to several "
            "domains is common). The report is kept here, but left out of example.com's "
            f"totals, charts and alerts; give {one.policy_domain} a report address of its own "
            "to follow it."
        ]


@pytest.mark.parametrize(
    ("about", "counted"),
    [
        ("xn--bcher-kva.example", True),
        # RFC 8460 §4.4 asks for A-labels; a sender that writes the U-label still reports
        # this domain (the policy-domain keeps its warning about the form).
        ("bücher.example", True),
        ("Mail.BÜCHER.example.", True),
        ("bucher.example", False),
    ],
    ids=["a-label", "u-label", "u-label-subdomain", "other"],
)
def test_a_report_naming_an_idn_domain_by_its_u_label_is_that_domains(
    about: str, counted: bool
) -> None:
    a = ReportAddress.objects.create(domain_name="xn--bcher-kva.example")
    b = ReportAddress.objects.create(domain_name="xn--bcher-kva.example")
    assert ingest_many([(a, _about(about))]) == {"parsed": 1}
    raw, _ = RawReport.store(b, _about(about), source=RawReport.HTTPS)
    assert raw.process() == RawReport.PARSED
    for report in TlsReport.objects.all():
        assert report.counted is counted
        assert any(w.startswith("This report is about ") for w in report.warnings) is not counted
