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
may be lost and no report counted twice.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.db.models import Q
from django.test import Client
from django.utils import timezone

from mailsec.domains.models import Domain
from reports.alerts import evaluate_report
from reports.models import PolicyResult, RawReport, ReportAddress, TlsReport
from reports.parse import ParsedReport
from reports.sums import SessionSum
from tests.conftest import BaseTestCase
from tests.test_reports_email import (  # noqa: F401 (fixtures)
    _free_port,
    address,
    dns_stub,
    ingest,
    signer,
)
from tests.test_reports_s12_blind import (
    GZ,
    _post,
    both_readers,
    nothing_lost_nor_doubled,
    sign_any,
)
from tests.test_reports_s13_blind import parse_pending
from tests.test_reports_s18_dashboard_blind import dated
from tests.test_reports_s18_mail_blind import (  # noqa: F401 (the fixture `known`)
    _deliver,
    as_received,
    known,
)
from tests.test_reports_s21_blind import mailed, stored_first
from tests.test_reports_s22_blind import check as check_s22

DATA = Path(__file__).parent / "data" / "tlsrpt"
INPUTS = DATA / "s24"
CASES: dict[str, dict[str, Any]] = {
    c["id"]: c for c in json.loads((DATA / "s24_expectations.json").read_text())["cases"]
}
STATUS = {
    "parsed": RawReport.PARSED,
    "rejected": RawReport.REJECTED,
    "duplicate": RawReport.DUPLICATE,
    "superseded": RawReport.SUPERSEDED,
}


def ids(*doors: str) -> list[Any]:
    """The cases of these doors; one the product still gets wrong (`open`) runs as a strict
    xfail naming why, so it turns into a failure the day it is fixed."""
    return [
        pytest.param(k, marks=pytest.mark.xfail(strict=True, reason=c["open"]))
        if "open" in c
        else k
        for k, c in CASES.items()
        if c["door"] in doors
    ]


def check(case: dict[str, Any], report: ParsedReport | TlsReport) -> None:
    """Rounds 21 and 22's checks (warnings, counts, day, ids, details, domain)."""
    check_s22(case, report)


def check_rows(case: dict[str, Any]) -> None:
    """Every row's status when the case lists them, else the last row's; then the report the
    last row points at, and the stored reports' successful sessions together."""
    rows = list(RawReport.objects.order_by("pk"))
    if "statuses" in case:
        assert [r.parse_status for r in rows] == [STATUS[s] for s in case["statuses"]], [
            r.error for r in rows
        ]
    last = rows[-1]
    assert last.parse_status == STATUS[case["outcome"]], last.error
    if case["outcome"] == "rejected":
        assert case["reason"] in last.error, last.error
        assert last.report is None
    elif case["outcome"] in ("parsed", "duplicate"):
        assert last.report is not None
        check(case, last.report)
    if "total_successful" in case:
        stored = sum(r.total_successful for r in TlsReport.objects.all())
        assert stored == case["total_successful"]


def finish(case: dict[str, Any]) -> None:
    parse_pending()
    check_rows(case)
    default = 1 if case["outcome"] in ("parsed", "duplicate", "superseded") else 0
    assert TlsReport.objects.count() == case.get("reports", default)
    nothing_lost_nor_doubled()


def _input(name: str, suffix: str) -> bytes:
    return (INPUTS / f"{name}{suffix}").read_bytes()


# --- Bodies: both readers, HTTPS, mail --------------------------------------------------------


@pytest.mark.parametrize("case_id", ids("body", "mail_then_post"))
def test_a_report_body_reads_alike_through_both_readers(case_id: str, monkeypatch) -> None:
    case = CASES[case_id]
    data = _input(case_id, ".json")
    status, result = both_readers(data, monkeypatch)
    expected = "parsed" if case["door"] == "mail_then_post" else case["outcome"]
    assert status == expected, result
    if case["door"] == "body":
        if status == "parsed":
            check(case, result)
        else:
            assert case["reason"] in result
    assert both_readers(gzip.compress(data, mtime=0), monkeypatch)[0] == status


@pytest.mark.parametrize("case_id", ids("body"))
def test_a_report_body_posted_over_https_ends_as_expected(
    case_id: str, client: Client, address: ReportAddress
) -> None:
    case = CASES[case_id]
    body = gzip.compress(_input(case_id, ".json"), mtime=0)
    response = _post(client, address.token, body)
    assert response.status_code == 201, response.content
    stored_first(case, [body])
    finish(case)


@pytest.mark.parametrize("case_id", ids("body"))
def test_a_report_body_mailed_signed_ends_as_over_https(
    case_id: str, address: ReportAddress, signer
) -> None:
    case = CASES[case_id]
    message = mailed(address, signer, GZ, gzip.compress(_input(case_id, ".json"), mtime=0))
    assert ingest(message) == 0
    stored_first(case, [message])
    finish(case)


# --- The same report-id more than once --------------------------------------------------------


@pytest.mark.parametrize("case_id", ids("mail_then_post"))
def test_a_report_mailed_then_posted_ends_as_expected(
    case_id: str, client: Client, address: ReportAddress, signer
) -> None:
    case = CASES[case_id]
    mailed_gz = gzip.compress(_input(case_id, ".json"), mtime=0)
    other = INPUTS / f"{case_id}b.json"
    posted = gzip.compress(other.read_bytes(), mtime=0) if other.exists() else mailed_gz
    message = mailed(address, signer, GZ, mailed_gz)
    assert ingest(message) == case["exit"]
    assert _post(client, address.token, posted).status_code == case["http"]
    stored_first(case, [message, posted])
    finish(case)
    if case["outcome"] != "rejected":
        check(case, TlsReport.objects.get())


@pytest.mark.parametrize("case_id", ids("pair"))
def test_two_reports_of_one_report_id_posted_end_as_expected(
    case_id: str, client: Client, address: ReportAddress
) -> None:
    case = CASES[case_id]
    bodies = [gzip.compress(_input(case_id + s, ".json"), mtime=0) for s in "ab"]
    codes = [_post(client, address.token, body).status_code for body in bodies]
    assert codes == case["http"]
    stored_first(case, bodies)
    finish(case)
    assert len({r.report_id for r in RawReport.objects.all()}) == case["reports"]


# --- HTTPS bodies as POSTed -------------------------------------------------------------------


@pytest.mark.parametrize("case_id", ids("https"))
def test_a_body_posted_over_https_ends_as_expected(
    case_id: str, client: Client, address: ReportAddress
) -> None:
    case = CASES[case_id]
    body = _input(case_id, ".bin")
    extra = {}
    if "content_encoding" in case:
        extra["HTTP_CONTENT_ENCODING"] = case["content_encoding"]
    # generic(): client.post would re-encode bytes from UTF-8 into a charset the type names.
    url = f"/tlsrpt/{address.token}"
    response = client.generic("POST", url, body, case["content_type"], **extra)
    assert response.status_code == case["http"], response.content
    stored_first(case, [body])
    finish(case)


# --- Mails: ingest_email and the SMTP listener ------------------------------------------------


def build_mail(case: dict[str, Any], address: ReportAddress, signer: Any) -> bytes:
    message = _input(case["id"], ".eml").replace(b"@@MAILTO@@", address.mailto.encode())
    return sign_any(message, signer)


@pytest.mark.parametrize("case_id", ids("email"))
def test_a_report_mail_piped_into_ingest_email_ends_as_expected(
    case_id: str, address: ReportAddress, signer
) -> None:
    case = CASES[case_id]
    message = build_mail(case, address, signer)
    assert ingest(message) == case["exit"]
    stored_first(case, [message])
    finish(case)


@pytest.mark.parametrize("case_id", ids("email"))
def test_a_report_mail_sent_to_the_smtp_listener_ends_as_expected(
    case_id: str, known: ReportAddress, signer
) -> None:
    case = CASES[case_id]
    message = build_mail(case, known, signer)
    replies = _deliver(case, known, [message])
    assert [r[0] for r in replies] == [case["smtp"]], replies
    stored_first(case, [as_received(message)])
    finish(case)


def test_every_case_has_its_input_and_a_door() -> None:
    suffixes = {
        "body": [".json"],
        "mail_then_post": [".json"],
        "pair": ["a.json", "b.json"],
        "https": [".bin"],
        "email": [".eml"],
        "dashboard": [],
    }
    assert len(CASES) == 32
    for case_id, case in CASES.items():
        for suffix in suffixes[case["door"]]:
            assert (INPUTS / f"{case_id}{suffix}").exists(), case_id


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
