"""The TLS-RPT blind rounds' harness: one home for what rounds 21 to 24 do with a case
(tests/test_reports_s21_blind.py … s24): the inputs under tests/data/tlsrpt/<round>/ and their
expectations tests/data/tlsrpt/<round>_expectations.json, put through the real doors (both parse
readers, the HTTPS view, `manage.py ingest_email`, the aiosmtpd listener), and what the stored
rows and reports must then show.

A round module makes a `ReportsRound` and takes the tests its doors need from it, under the
names its tests have always had (pytest collects a module's test functions by the name they
are bound to there), e.g. `test_a_report_body_posted_over_https_ends_as_expected =
ROUND.posted_test("body")`; what is a round's own stays written out in its module. The doors a
round's cases use, and what every test asserts:

* After every 2xx / exit 0 / 250 the raw bytes are stored exactly as sent before any parse ran
  (`stored_first`); the parse is then run by hand (`ReportsRound.finish`): nothing accepted may
  be lost and no report counted twice.
* `ReportsRound.check` reads every expectation a case lists, whichever round's: a round's
  expectation file decides which of them apply.
* A case the product still gets wrong (`open` in its expectation) runs as a strict xfail naming
  why, so it turns into a failure the day it is fixed.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from mailsec.accounts.models import Profile, Team
from mailsec.domains.models import Domain
from reports.dashboard import _reported_in_testing
from reports.models import RawReport, ReportAddress, TlsReport
from reports.parse import ParsedReport
from tests.test_reports_email import ingest
from tests.test_reports_s12_blind import (
    FILENAME,
    GZ,
    _post,
    both_readers,
    multipart,
    nothing_lost_nor_doubled,
    part,
    sign_any,
)
from tests.test_reports_s13_blind import parse_pending
from tests.test_reports_s18_dashboard_blind import dated, dated_tree, read_page
from tests.test_reports_s18_mail_blind import _deliver, as_received

DATA = Path(__file__).parent / "data" / "tlsrpt"
STATUS = {
    "parsed": RawReport.PARSED,
    "rejected": RawReport.REJECTED,
    "duplicate": RawReport.DUPLICATE,
    "superseded": RawReport.SUPERSEDED,
}
# The input files of a case, by its door ("pair": the two bodies; "dashboard": built at test
# time, see test_reports_s24_blind).
SUFFIXES: dict[str, list[str]] = {
    "body": [".json"],
    "cross": [".json"],
    "resend": [".json"],
    "mail_then_post": [".json"],
    "pair": ["a.json", "b.json"],
    "https": [".bin"],
    "container": [".bin"],
    "email": [".eml"],
    "forward": [".eml"],
    "forward_first": [".eml"],
    "dashboard": [],
    # Round s25t: a mail through both mail doors, and an SMTP conversation (its mail).
    "mail": [".eml"],
    "session": [".eml"],
}
# Doors whose case sends one report more than once: the readers see its first copy, which
# parses unless the report itself is rejected.
COPIES = ("cross", "resend", "mail_then_post")

Build = Callable[[dict[str, Any], ReportAddress, Any], bytes]


def mailed(address: ReportAddress, signer: Any, ctype: str, payload: bytes) -> bytes:
    """`payload` attached to a report mail to `address`, signed as sender.example."""
    message = multipart(address, [part(ctype, payload, filename=FILENAME)])
    return sign_any(message, signer)


def stored_first(case: dict[str, Any], sent: list[bytes]) -> None:
    """After the doors answered: the rows hold the bytes as sent, none parsed yet."""
    rows = list(RawReport.objects.order_by("pk"))
    assert len(rows) == case.get("rows", 1), [(r.parse_status, r.error) for r in rows]
    for raw in rows:
        assert bytes(raw.body) in sent
        assert raw.parse_status in (RawReport.PENDING, RawReport.REJECTED), raw.error
        assert raw.report is None


def _policies(report: ParsedReport | TlsReport) -> list[Any]:
    if isinstance(report, ParsedReport):
        return list(report.policies)
    return list(report.policies.order_by("pk"))


def _details(report: ParsedReport | TlsReport) -> list[Any]:
    if isinstance(report, ParsedReport):
        return [d for p in report.policies for d in p.failure_details]
    return list(report.failure_details.order_by("pk"))


class ReportsRound:
    """One blind round: its cases by id, its inputs, and the tests of its doors."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.inputs = DATA / name
        expectations = json.loads((DATA / f"{name}_expectations.json").read_text())
        self.cases: dict[str, dict[str, Any]] = {c["id"]: c for c in expectations["cases"]}

    def ids(self, *doors: str) -> list[Any]:
        """The cases of these doors, as test parameters (an `open` case a strict xfail)."""
        return [
            pytest.param(k, marks=pytest.mark.xfail(strict=True, reason=c["open"]))
            if "open" in c
            else k
            for k, c in self.cases.items()
            if c["door"] in doors
        ]

    def input(self, name: str, suffix: str) -> bytes:
        return (self.inputs / f"{name}{suffix}").read_bytes()

    def eml(self, case_id: str, address: ReportAddress) -> bytes:
        """The case's report mail, unsigned, to `address`."""
        return self.input(case_id, ".eml").replace(b"@@MAILTO@@", address.mailto.encode())

    def build_mail(self, case: dict[str, Any], address: ReportAddress, signer: Any) -> bytes:
        """A container attached to a report mail, or the case's own mail; signed."""
        if case["door"] == "container":
            return mailed(address, signer, case["content_type"], self.input(case["id"], ".bin"))
        return sign_any(self.eml(case["id"], address), signer)

    # --- What a case must show -----------------------------------------------------------------

    def check(self, case: dict[str, Any], report: ParsedReport | TlsReport) -> None:
        """What a parsed report (the parser's result or the stored row) must show: warnings,
        counts, day, ids, policies and details (round 21); a detail's URI and receiving MX,
        and whether the dashboard reads the policy's mode testing (22); every detail's
        receiving IP and HELO name, a report-id told by its character and length (23)."""
        warnings = list(report.warnings)
        if case.get("clean"):
            assert warnings == [], warnings
        if case.get("warned"):
            assert warnings, "expected a warning"
        if "warning" in case:
            assert any(case["warning"] in w for w in warnings), warnings
        for text in case.get("absent", []):
            assert not any(text in w for w in warnings), warnings
        if "note" in case:  # info, not a warning (round s32r)
            assert any(case["note"] in n for n in report.notes), report.notes
        policies, details = _policies(report), _details(report)
        if "policies" in case:
            assert len(policies) == case["policies"]
        if "successful" in case:
            assert report.total_successful == case["successful"]
        if "failed" in case:
            assert report.total_failed == case["failed"]
        if "day" in case:
            assert str(report.day) == case["day"]
        if "report_id" in case:
            assert report.report_id == case["report_id"]
        if "report_id_len" in case:
            assert report.report_id == case["report_id_char"] * case["report_id_len"]
        if "organization" in case:
            assert report.organization_name == case["organization"]
        if "mx_hosts" in case:
            assert list(policies[0].mx_hosts) == case["mx_hosts"]
        if "policy_strings" in case:
            assert len(policies[0].policy_strings) == case["policy_strings"]
        if "details" in case:
            assert [[d.result_type, d.failed_session_count] for d in details] == case["details"]
        if "receiving_ips" in case:
            assert [d.receiving_ip for d in details] == case["receiving_ips"]
        if "receiving_ip_all" in case:
            assert {d.receiving_ip for d in details} == {case["receiving_ip_all"]}
        if "helo_all" in case:
            assert {d.receiving_mx_helo for d in details} == {case["helo_all"]}
        if "receiving_mx" in case:
            assert [d.receiving_mx_hostname for d in details] == case["receiving_mx"]
        if "sending_ips" in case:
            assert [d.sending_mta_ip for d in details] == case["sending_ips"]
        if "reason_code_prefix" in case:
            code = details[0].failure_reason_code or ""
            assert code.startswith(case["reason_code_prefix"]), code[:200]
            if case.get("reason_code_whole"):
                sent = json.loads(self.input(case["id"], ".json"))
                assert code == sent["policies"][0]["failure-details"][0]["failure-reason-code"]
        if "additional_information_len" in case:
            info = details[0].additional_information or ""
            assert len(info) == case["additional_information_len"]
        if "additional_information" in case:
            assert details[0].additional_information == case["additional_information"]
        if isinstance(report, TlsReport):
            self._check_stored(case, report, warnings)

    @staticmethod
    def _check_stored(case: dict[str, Any], report: TlsReport, warnings: list[str]) -> None:
        if "warning_stored" in case:
            assert any(case["warning_stored"] in w for w in warnings), warnings
        if "counted" in case:
            assert report.counted is case["counted"]
        if "policy_domain" in case:
            assert report.policy_domain == case["policy_domain"]
        if "counted_successful" in case:
            assert report.total_successful == case["counted_successful"]
        if "counted_failed" in case:
            assert report.total_failed == case["counted_failed"]
        if "reported_in_testing" in case:
            assert _reported_in_testing(report.address) is case["reported_in_testing"]

    def check_rows(self, case: dict[str, Any]) -> None:
        """Every row's status (and reason) when the case lists them, else the last row's; then
        the report the last row points at, and the stored reports' successful sessions."""
        rows = list(RawReport.objects.order_by("pk"))
        if "statuses" in case:
            assert [r.parse_status for r in rows] == [STATUS[s] for s in case["statuses"]], [
                r.error for r in rows
            ]
            for raw, reason in zip(rows, case.get("reasons", []), strict=False):
                if reason is not None:
                    assert reason in raw.error, raw.error
                    assert raw.report is None
        last = rows[-1]
        assert last.parse_status == STATUS[case["outcome"]], last.error
        if case["outcome"] == "rejected":
            assert case["reason"] in last.error, last.error
            assert last.report is None
        elif case["outcome"] in ("parsed", "duplicate"):
            assert last.report is not None
            self.check(case, last.report)
        if "total_successful" in case:
            stored = sum(r.total_successful for r in TlsReport.objects.all())
            assert stored == case["total_successful"]

    def finish(self, case: dict[str, Any]) -> None:
        """Parse what the doors stored, then the rows, the reports and nothing lost."""
        parse_pending()
        self.check_rows(case)
        default = 1 if case["outcome"] in ("parsed", "duplicate", "superseded") else 0
        assert TlsReport.objects.count() == case.get("reports", default)
        nothing_lost_nor_doubled()

    # --- The tests of the doors ----------------------------------------------------------------

    def reads_alike_test(self, *doors: str) -> Callable[..., None]:
        """A report body, plain and gzipped, reads alike through both parse readers."""

        @pytest.mark.parametrize("case_id", self.ids(*doors))
        def test(case_id: str, monkeypatch: pytest.MonkeyPatch) -> None:
            case = self.cases[case_id]
            data = self.input(case_id, ".json")
            status, result = both_readers(data, monkeypatch)
            expected = case["outcome"]
            if case["door"] in COPIES and expected != "rejected":
                expected = "parsed"  # the first copy; the later ones are its duplicates
            assert status == expected, result
            if status == "parsed":
                self.check(case, result)
            else:
                assert case["reason"] in result
            assert both_readers(gzip.compress(data, mtime=0), monkeypatch)[0] == status

        return test

    def posted_test(self, *doors: str) -> Callable[..., None]:
        """A report body POSTed gzipped over HTTPS: 201, then it ends as expected."""

        @pytest.mark.parametrize("case_id", self.ids(*doors))
        def test(case_id: str, client: Client, address: ReportAddress) -> None:
            case = self.cases[case_id]
            body = gzip.compress(self.input(case_id, ".json"), mtime=0)
            response = _post(client, address.token, body)
            assert response.status_code == 201, response.content
            stored_first(case, [body])
            self.finish(case)

        return test

    def mailed_test(self, *doors: str) -> Callable[..., None]:
        """A report body mailed gzipped and signed into ingest_email ends as over HTTPS."""

        @pytest.mark.parametrize("case_id", self.ids(*doors))
        def test(case_id: str, address: ReportAddress, signer: Any) -> None:
            case = self.cases[case_id]
            gz = gzip.compress(self.input(case_id, ".json"), mtime=0)
            message = mailed(address, signer, GZ, gz)
            assert ingest(message) == 0
            stored_first(case, [message])
            self.finish(case)

        return test

    def cross_test(self) -> Callable[..., None]:
        """Door "cross": the report POSTed over HTTPS, then mailed re-serialised compact
        (application/tlsrpt+json): one report."""

        @pytest.mark.parametrize("case_id", self.ids("cross"))
        def test(case_id: str, client: Client, address: ReportAddress, signer: Any) -> None:
            case = self.cases[case_id]
            data = self.input(case_id, ".json")
            body = gzip.compress(data, mtime=0)
            assert _post(client, address.token, body).status_code == case["http"]
            compact = json.dumps(json.loads(data), sort_keys=True, separators=(",", ":")).encode()
            assert compact != data
            message = mailed(address, signer, "application/tlsrpt+json", compact)
            assert ingest(message) == case["exit"]
            stored_first(case, [body, message])
            parse_pending()
            rows = list(RawReport.objects.order_by("pk"))
            assert rows[1].report_id == rows[0].report_id
            self.check_rows(case)
            assert TlsReport.objects.count() == case["reports"]
            if case["reports"]:
                self.check(case, TlsReport.objects.get())
            nothing_lost_nor_doubled()

        return test

    def shown_test(self) -> Callable[..., None]:
        """A report of yesterday POSTed to alice's example.com: her dashboard and CSV export
        show what the case's "shown" says."""

        @pytest.mark.parametrize("case_id", self.ids("shown"))
        def test(case_id: str, db: None) -> None:
            case = dated_tree(self.cases[case_id])
            cache.clear()  # a person's time zone is cached by user id, which a flushed table reuses
            alice = User.objects.create_user("alice", "alice@example.org")
            team = Team.create_for(alice)
            Profile.objects.create(user=alice, current_team=team)
            domain = Domain.objects.create(
                team=team, name="example.com", verified_at=timezone.now()
            )
            address = ReportAddress.for_domain(domain)
            body = gzip.compress(dated(self.input(case_id, ".json").decode()).encode(), mtime=0)
            assert _post(Client(), address.token, body).status_code == 201
            stored_first(case, [body])
            self.finish(case)
            check_shown(case["shown"], alice, address)

        return test

    def container_posted_test(self) -> Callable[..., None]:
        """Door "container": the container POSTed as is, with its content type."""

        @pytest.mark.parametrize("case_id", self.ids("container"))
        def test(case_id: str, client: Client, address: ReportAddress) -> None:
            case = self.cases[case_id]
            body = self.input(case_id, ".bin")
            response = _post(client, address.token, body, case["content_type"])
            assert response.status_code == case["http"], response.content
            stored_first(case, [body])
            self.finish(case)

        return test

    def piped_test(self, *doors: str, build: Build | None = None) -> Callable[..., None]:
        """A report mail (`build`, else `build_mail`) piped into ingest_email."""
        make = build or self.build_mail

        @pytest.mark.parametrize("case_id", self.ids(*doors))
        def test(case_id: str, address: ReportAddress, signer: Any) -> None:
            case = self.cases[case_id]
            message = make(case, address, signer)
            assert ingest(message) == case["exit"]
            stored_first(case, [message])
            self.finish(case)

        return test

    def smtp_test(self, *doors: str, build: Build | None = None) -> Callable[..., None]:
        """A report mail (`build`, else `build_mail`) sent to the SMTP listener."""
        make = build or self.build_mail

        @pytest.mark.parametrize("case_id", self.ids(*doors))
        def test(case_id: str, known: ReportAddress, signer: Any) -> None:
            case = self.cases[case_id]
            message = make(case, known, signer)
            replies = _deliver(case, known, [message])
            assert [r[0] for r in replies] == [case["smtp"]], replies
            stored_first(case, [as_received(message)])
            self.finish(case)

        return test

    def inputs_test(self, count: int) -> Callable[[], None]:
        """The round has its `count` cases, each with its input files and a known door."""

        def test() -> None:
            assert len(self.cases) == count
            for case_id, case in self.cases.items():
                for suffix in SUFFIXES[case["door"]]:
                    assert (self.inputs / f"{case_id}{suffix}").exists(), case_id

        return test


def check_shown(shown: Any, person: User, address: ReportAddress) -> None:
    """`person`'s dashboard and CSV export of `address` show what a case's "shown" says."""
    # test_reports_s25_blind imports this module: its checks are imported here, late.
    from tests.test_reports_s25_blind import check_csv, check_dashboard

    client = Client()
    client.force_login(person)
    dashboard = client.get(f"/tlsrpt/{address.token}/dashboard/")
    assert dashboard.status_code == 200
    check_dashboard(shown, read_page(dashboard.content))
    export = client.get(f"/tlsrpt/{address.token}/export.csv")
    assert export.status_code == 200
    check_csv(shown, export.content)
