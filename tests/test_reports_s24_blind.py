# ruff: noqa: F811 (pytest fixtures imported from other test modules)
"""Blind round 24: TLS-RPT reports as real writers lay them out (Postfix + sys4
tlsrpt-reporter, a Go writer's sorted keys), what JSON allows in member names and numbers,
date ranges that are no single day, and the same report-id reaching one address more than
once (mail then HTTPS, two organisations, two versions) (checklist §12; RFC 8460 §3, §4.4,
§5.3, §5.4; RFC 8259; RFC 7493), through the real doors: both parse readers, the HTTPS view,
`manage.py ingest_email` and the aiosmtpd listener.

The inputs are the files under tests/data/tlsrpt/s24/ (its build.py writes them) and their
expected outcomes tests/data/tlsrpt/s24_expectations.json, both committed before any was run;
a case whose expectation was later found wrong says so there (`corrected`). After every 2xx /
exit 0 / 250 the raw bytes are stored exactly as sent before any parse ran; nothing accepted
may be lost and no report counted twice. The doors' tests are tests/blind_reports.py's, which
every round shares; the same report-id more than once, the HTTPS bodies and the dashboard are
this round's own.
"""

from __future__ import annotations

import gzip
import importlib.util
from typing import Any

import pytest
from django.db import connection
from django.db.models import Q
from django.test import Client
from django.utils import timezone

from mailsec.domains.models import Domain
from reports.alerts import evaluate_report
from reports.models import PolicyResult, RawReport, ReportAddress, TlsReport
from reports.sums import SessionSum
from tests.blind_reports import STATUS, ReportsRound, mailed, stored_first
from tests.conftest import BaseTestCase
from tests.test_reports_email import address, dns_stub, ingest, signer  # noqa: F401 (fixtures)
from tests.test_reports_s12_blind import GZ, _post
from tests.test_reports_s18_dashboard_blind import dated
from tests.test_reports_s18_mail_blind import known  # noqa: F401 (fixture)

ROUND = ReportsRound("s24")
CASES = ROUND.cases
INPUTS = ROUND.inputs

# Bodies: both readers, HTTPS, mail.
test_a_report_body_reads_alike_through_both_readers = ROUND.reads_alike_test(
    "body", "mail_then_post"
)
test_a_report_body_posted_over_https_ends_as_expected = ROUND.posted_test("body")
test_a_report_body_mailed_signed_ends_as_over_https = ROUND.mailed_test("body")


# --- The same report-id more than once --------------------------------------------------------


@pytest.mark.parametrize("case_id", ROUND.ids("mail_then_post"))
def test_a_report_mailed_then_posted_ends_as_expected(
    case_id: str, client: Client, address: ReportAddress, signer
) -> None:
    case = CASES[case_id]
    mailed_gz = gzip.compress(ROUND.input(case_id, ".json"), mtime=0)
    other = INPUTS / f"{case_id}b.json"
    posted = gzip.compress(other.read_bytes(), mtime=0) if other.exists() else mailed_gz
    message = mailed(address, signer, GZ, mailed_gz)
    assert ingest(message) == case["exit"]
    assert _post(client, address.token, posted).status_code == case["http"]
    stored_first(case, [message, posted])
    ROUND.finish(case)
    if case["outcome"] != "rejected":
        ROUND.check(case, TlsReport.objects.get())


@pytest.mark.parametrize("case_id", ROUND.ids("pair"))
def test_two_reports_of_one_report_id_posted_end_as_expected(
    case_id: str, client: Client, address: ReportAddress
) -> None:
    case = CASES[case_id]
    bodies = [gzip.compress(ROUND.input(case_id + s, ".json"), mtime=0) for s in "ab"]
    codes = [_post(client, address.token, body).status_code for body in bodies]
    assert codes == case["http"]
    stored_first(case, bodies)
    ROUND.finish(case)
    assert len({r.report_id for r in RawReport.objects.all()}) == case["reports"]


# --- HTTPS bodies as POSTed -------------------------------------------------------------------


@pytest.mark.parametrize("case_id", ROUND.ids("https"))
def test_a_body_posted_over_https_ends_as_expected(
    case_id: str, client: Client, address: ReportAddress
) -> None:
    case = CASES[case_id]
    body = ROUND.input(case_id, ".bin")
    extra = {}
    if "content_encoding" in case:
        extra["HTTP_CONTENT_ENCODING"] = case["content_encoding"]
    # generic(): client.post would re-encode bytes from UTF-8 into a charset the type names.
    url = f"/tlsrpt/{address.token}"
    response = client.generic("POST", url, body, case["content_type"], **extra)
    assert response.status_code == case["http"], response.content
    stored_first(case, [body])
    ROUND.finish(case)


# Mails: ingest_email and the SMTP listener.
test_a_report_mail_piped_into_ingest_email_ends_as_expected = ROUND.piped_test("email")
test_a_report_mail_sent_to_the_smtp_listener_ends_as_expected = ROUND.smtp_test("email")
test_every_case_has_its_input_and_a_door = ROUND.inputs_test(32)


# --- Added after the first run: counts whose sums pass 64 bits (door "dashboard") -------------


def _build_module() -> Any:
    spec = importlib.util.spec_from_file_location("s24_build", INPUTS / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class TestSumsPastSixtyFourBits(BaseTestCase):
    """alice owns example.com (verified); the reports go in through the HTTPS view, are
    parsed and their alerts evaluated as the tasks do, then alice opens the dashboard."""

    def play(self, case_id: str) -> None:
        case = CASES[case_id]
        domain = Domain.objects.create(
            team=self.team, name="example.com", verified_at=timezone.now()
        )
        address = ReportAddress.for_domain(domain)
        templates = _build_module().templates()
        names = sorted(n for n in templates if n.rstrip("ab") == case_id)
        codes = []
        for name in names:
            body = gzip.compress(dated(templates[name].decode()).encode(), mtime=0)
            codes.append(_post(Client(), address.token, body).status_code)
        assert codes == case["http"]
        for raw in RawReport.objects.filter(parse_status=RawReport.PENDING).order_by("pk"):
            raw.process()
        rows = list(RawReport.objects.order_by("pk"))
        assert [r.parse_status for r in rows] == [STATUS[s] for s in case["statuses"]], [
            r.error for r in rows
        ]
        if "reason" in case:
            assert case["reason"] in rows[-1].error, rows[-1].error
        assert TlsReport.objects.count() == case["reports"]
        if case.get("alerts_evaluated"):
            for report in TlsReport.objects.order_by("pk"):
                evaluate_report(report)
        client = Client()
        client.force_login(self.alice)
        response = client.get(f"/tlsrpt/{address.token}/dashboard/")
        assert response.status_code == case["dashboard"]

    def test_it_keeps_g22_two_reports_whose_sums_pass_64_bits_readable(self) -> None:
        self.play("G22")

    def test_it_rejects_g23_failure_details_adding_up_past_64_bits(self) -> None:
        self.play("G23")

    def test_it_lists_g24_a_report_of_the_year_1(self) -> None:
        self.play("G24")

    def test_it_lists_g25_a_report_of_9999_12_31(self) -> None:
        self.play("G25")

    def test_it_shows_g30_a_day_without_sessions(self) -> None:
        self.play("G30")

    def test_it_shows_g31_details_listed_under_no_failed_session(self) -> None:
        self.play("G31")

    def test_it_shows_g32_a_day_whose_every_session_failed(self) -> None:
        self.play("G32")

    def test_it_sums_session_counts_past_64_bits_without_failing(self) -> None:
        """reports.sums.SessionSum, which the dashboard, the alerts, the weekly summary and
        the readiness card sum session counts with: exact below 2^53, no error past 2^63 - 1
        (PostgreSQL: the exact sum; SQLite: capped at its largest INTEGER), None over no
        rows, as Sum; a filter applies."""
        self.play("G22")
        reports = TlsReport.objects.all()
        totals = reports.aggregate(
            ok=SessionSum("total_successful"),
            none=SessionSum("total_successful", filter=Q(total_successful__lt=0)),
        )
        exact = 2 * 600 * (2**53 - 1)
        assert totals["ok"] == (2**63 - 1 if connection.vendor == "sqlite" else exact)
        assert totals["none"] is None
        per_policy = PolicyResult.objects.aggregate(n=SessionSum("successful"))["n"]
        assert per_policy == totals["ok"]
        one = reports.order_by("pk").first()
        assert one is not None
        small = PolicyResult.objects.filter(report=one)[:3].aggregate(n=SessionSum("successful"))
        assert small["n"] == 3 * (2**53 - 1)  # exact: a float sum would round 3 x (2^53 - 1)
