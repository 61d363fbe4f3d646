"""Blind round s18d: what the TLS-RPT dashboard of one domain shows a domain owner (issue #7).

The reports are the files under tests/data/tlsrpt/s18_dashboard/, and what the dashboard must
show for each set is in tests/data/tlsrpt/s18_dashboard.json, both committed before any was run
(`{D-n}` in them is the UTC date n days before today; `{J-n}`, since s43m, that date as pages
write it, "27 Nov 2026"). Every report goes in through the HTTPS
intake view (Django test client) and the parse the task runs; every figure is read from the
rendered page, the CSV export or the raw download, as a person or a spreadsheet reads them.
A scenario whose expectation was found wrong says so in the JSON (`corrected`).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from datetime import UTC, date, datetime, time, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from django.test import Client
from django.utils import timezone

from mailsec.domains.models import CheckRun, Domain
from reports.models import RawReport, ReportAddress, TlsReport
from tests.conftest import BaseTestCase

DATA = Path(__file__).parent / "data" / "tlsrpt"
TABLE = json.loads((DATA / "s18_dashboard.json").read_text())
SCENARIOS: dict[str, dict[str, Any]] = {s["id"]: s for s in TABLE["scenarios"]}
DAY_TOKEN = re.compile(r"\{D([+-]\d+|0)\}")
PAGE_DAY_TOKEN = re.compile(r"\{J([+-]\d+|0)\}")


def today() -> date:
    return timezone.now().date()


def dated(text: str) -> str:
    """`{D-3}` → the ISO date three days before today (UTC); `{J-3}` → that date as pages write
    it ("27 Nov 2026")."""
    text = PAGE_DAY_TOKEN.sub(
        lambda m: f"{(day := today() + timedelta(days=int(m.group(1)))).day} {day:%b %Y}", text
    )
    return DAY_TOKEN.sub(lambda m: (today() + timedelta(days=int(m.group(1)))).isoformat(), text)


def dated_tree(value: Any) -> Any:
    if isinstance(value, str):
        return dated(value)
    if isinstance(value, list):
        return [dated_tree(v) for v in value]
    if isinstance(value, dict):
        return {k: dated_tree(v) for k, v in value.items()}
    return value


class Page(HTMLParser):
    """The dashboard as text: each h2 section's tables as rows of cell texts (with the class
    of each cell), the chart's per-day titles, and the whole text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.section = ""
        self.tables: dict[str, list[list[str]]] = {}
        self.cell_classes: dict[str, list[list[str]]] = {}
        self.titles: list[str] = []
        self.text: list[str] = []
        self._h2: list[str] | None = None
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._row_classes: list[str] = []
        self._title: list[str] | None = None
        self._in_head = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "h2":
            self._h2 = []
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr" and not self._in_head:
            self._row, self._row_classes = [], []
        elif tag == "td" and self._row is not None:
            self._cell = []
            self._row_classes.append(dict(attrs).get("class") or "")
        elif tag == "title" and self.section:
            self._title = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "h2" and self._h2 is not None:
            self.section = " ".join("".join(self._h2).split())
            self._h2 = None
        elif tag == "thead":
            self._in_head = False
        elif tag == "td" and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables.setdefault(self.section, []).append(self._row)
            self.cell_classes.setdefault(self.section, []).append(self._row_classes)
            self._row = None
        elif tag == "title" and self._title is not None:
            self.titles.append("".join(self._title).strip())
            self._title = None

    def handle_data(self, data: str) -> None:
        for part in (self._h2, self._cell, self._title, self.text):
            if part is not None:
                part.append(data)

    @property
    def plain(self) -> str:
        return " ".join(" ".join(self.text).split())


def read_page(content: bytes) -> Page:
    page = Page()
    page.feed(content.decode())
    return page


class DashboardBlindTest(BaseTestCase):
    """alice owns example.com (verified), bob is her teammate, charlie an outsider."""

    domain: Domain
    address: ReportAddress

    def setUp(self) -> None:
        self.domain = Domain.objects.create(
            team=self.team, name="example.com", verified_at=timezone.now()
        )
        self.address = ReportAddress.for_domain(self.domain)
        self.sent: list[tuple[str, bytes]] = []  # (door, bytes as posted)

    # --- putting a scenario in place ---------------------------------------------------

    def post(self, address: ReportAddress, file: str, door: str) -> bytes:
        body = dated((DATA / "s18_dashboard" / file).read_text()).encode()
        sent = gzip.compress(body, mtime=0) if door == "gzip" else body
        kind = "application/tlsrpt+gzip" if door == "gzip" else "application/tlsrpt+json"
        response = Client().post(f"/tlsrpt/{address.token}", data=sent, content_type=kind)
        assert response.status_code in (200, 201), response.content
        # What the parse task does once the intake has answered (on_commit does not run in
        # a TestCase transaction).
        for raw in RawReport.objects.filter(parse_status=RawReport.PENDING).order_by("pk"):
            raw.process()
        self.sent.append((door, body))
        return body

    def check_run(self, spec: dict[str, Any]) -> None:
        findings = dated_tree(TABLE["checks"][spec["findings"]])
        when = spec["finished"]
        if when == "1 hour ago":
            # After yesterday's report period even in the first hour of a UTC day (a CI run
            # at 00:11 put "1 hour ago" at 23:11 yesterday, inside the period).
            now = timezone.now()
            midnight = datetime.combine(today(), time(0), UTC)
            finished = max(now - timedelta(hours=1), midnight + (now - midnight) / 2)
        else:
            m = re.fullmatch(r"D([+-]\d+) (\d\d):(\d\d)", when)
            assert m, when
            day = today() + timedelta(days=int(m.group(1)))
            finished = datetime.combine(day, time(int(m.group(2)), int(m.group(3))), UTC)
        run = CheckRun.objects.create(
            domain=self.domain,
            status=CheckRun.Status.DONE,
            created=finished - timedelta(seconds=30),
            started=finished - timedelta(seconds=30),
            finished=finished,
            findings=findings,
        )
        self.domain.set_last_run(run)

    def play(self, sid: str) -> dict[str, Any]:
        scenario = SCENARIOS[sid]
        if scenario.get("check"):
            self.check_run(scenario["check"])
        for item in scenario["reports"]:
            if item.get("to") == "outsider":
                continue
            self.post(self.address, item["file"], item["door"])
        return dated_tree(scenario["expect"])

    def dashboard(self, user: Any = None) -> Page:
        client = Client()
        client.force_login(user or self.alice)
        response = client.get(f"/tlsrpt/{self.address.token}/dashboard/")
        assert response.status_code == 200
        return read_page(response.content)

    # --- what the page must show -------------------------------------------------------

    def assert_figures(self, expect: dict[str, Any], page: Page) -> None:
        if "summary" in expect:
            ok, failed, rate = expect["summary"]
            line = f"{ok:,} successful and {failed:,} failed TLS sessions reported"
            assert line in page.plain, page.plain[:2000]
            if ok + failed:
                assert f"failure rate {rate}" in page.plain
        for offset, (ok, failed) in expect.get("days", {}).items():
            day = (today() + timedelta(days=int(offset))).isoformat()
            title = f"{day}: {ok:,} successful, {failed:,} failed"
            assert title in page.titles, (
                title,
                [t for t in page.titles if "0 successful, 0" not in t],
            )
        if "by_org" in expect:
            assert page.tables.get("By reporting organisation", []) == expect["by_org"]
        if "by_receiver" in expect:
            assert page.tables.get("By receiving MX and IP", []) == expect["by_receiver"]
        if "by_type" in expect:
            self.assert_by_type(expect, page)
        if "reports_listed" in expect:
            assert len(page.tables.get("Reports", [])) == expect["reports_listed"]
        for text in expect.get("page_contains", []):
            assert text in page.plain, text
        for text in expect.get("page_not_contains", []):
            assert text not in page.plain, text
        if "raw_statuses" in expect:
            for status, n in expect["raw_statuses"].items():
                assert f"{n} {status}" in page.plain, status

    def assert_by_type(self, expect: dict[str, Any], page: Page) -> None:
        rows = page.tables.get("By result type", [])
        classes = page.cell_classes.get("By result type", [])
        wanted = expect["by_type"]
        assert [r[0].split(" (")[0] for r in rows] == [w["type"] for w in wanted], rows
        for row, cls, want in zip(rows, classes, wanted, strict=True):
            name, sessions, meaning, cause, seen = row
            assert sessions == want["sessions"], (name, sessions)
            if "group" in want:
                assert name == f"{want['type']} ({want['group']})", name
            if "verdict" in want:
                assert f"check-sight-{want['verdict']}" in cls[4], (name, cls[4], seen)
            for text in want.get("contains", []):
                assert text in seen, (name, text, seen)
            for text in want.get("not_contains", []):
                assert text not in seen, (name, text, seen)
            if "meaning_contains" in want:
                assert want["meaning_contains"] in meaning, meaning
            if "cause_contains" in want:
                assert want["cause_contains"] in cause, cause
            if expect.get("every_row_has_meaning_and_cause"):
                assert len(meaning) > 20 and len(cause) > 20, row
        for text in expect.get("sight_cells_not_contain", []):
            assert not any(text in row[4] for row in rows), text
        if expect.get("by_type_adds_up"):
            failed = expect["summary"][1]
            assert sum(int(r[1].replace(",", "")) for r in rows) == failed

    # --- the scenarios -----------------------------------------------------------------

    def run_figures(self, sid: str) -> None:
        expect = self.play(sid)
        self.assert_figures(expect, self.dashboard())

    def test_it_shows_s01_a_failure_the_check_saw(self) -> None:
        self.run_figures("S01")

    def test_it_shows_s02_a_failure_the_check_did_not_see(self) -> None:
        self.run_figures("S02")

    def test_it_shows_s03_a_failure_with_no_check_yet(self) -> None:
        self.run_figures("S03")

    def test_it_shows_s04_a_failure_after_the_last_check(self) -> None:
        self.run_figures("S04")

    def test_it_shows_s05_two_day_and_next_midnight_ranges(self) -> None:
        self.run_figures("S05")

    def test_it_shows_s06_a_seven_day_range(self) -> None:
        self.run_figures("S06")

    def test_it_shows_s07_several_orgs_and_resends(self) -> None:
        self.run_figures("S07")

    def test_it_shows_s08_every_result_type(self) -> None:
        self.run_figures("S08")

    def test_it_shows_s09_receivers_in_several_forms(self) -> None:
        self.run_figures("S09")

    def test_it_exports_s10_csv(self) -> None:
        expect = self.play("S10")
        self.assert_figures(expect, self.dashboard())
        client = Client()
        client.force_login(self.alice)
        response = client.get(f"/tlsrpt/{self.address.token}/export.csv")
        assert response.status_code == 200
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows == expect["csv"]

    def test_it_gives_s11_raw_bytes_back(self) -> None:
        expect = self.play("S11")
        self.assert_figures(expect, self.dashboard())
        client = Client()
        client.force_login(self.alice)
        for door, body in self.sent:
            report_id = json.loads(body)["report-id"]
            raw = RawReport.objects.get(report__report_id=report_id)
            response = client.get(f"/tlsrpt/{self.address.token}/raw/{raw.public_id}.json")
            assert response.status_code == 200
            assert response.content == body, door

    def test_it_checks_s12_ownership(self) -> None:
        expect = self.play("S12")
        # charlie's team monitors example.com too, with an address and a report of its own.
        theirs = Domain.objects.create(
            team=self.charlies_team, name="example.com", verified_at=timezone.now()
        )
        their_address = ReportAddress.for_domain(theirs)
        assert their_address.token != self.address.token
        self.post(their_address, "outsider_report.json", "gzip")
        report = TlsReport.objects.get(address=self.address)
        raw = report.raw_reports.get()
        urls = [
            f"/tlsrpt/{self.address.token}/dashboard/",
            f"/tlsrpt/{self.address.token}/reports/{report.public_id}/",
            f"/tlsrpt/{self.address.token}/raw/{raw.public_id}.json",
            f"/tlsrpt/{self.address.token}/export.csv",
        ]
        for who, status in (("alice", 200), ("bob", 200), ("charlie", 404)):
            client = Client()
            client.force_login(getattr(self, who))
            for url in urls:
                assert client.get(url).status_code == status, (who, url)
        for url in urls:
            response = Client().get(url)
            assert response.status_code == 302 and "/login" in response["Location"], url
        # Each team's page and export show its own reports only.
        mine = self.dashboard(self.alice).plain
        for text in expect["owner_page_not_contains"]:
            assert text not in mine, text
        client = Client()
        client.force_login(self.charlie)
        their_page = read_page(client.get(f"/tlsrpt/{their_address.token}/dashboard/").content)
        assert "Outsider Org" in their_page.plain
        assert "Google Inc." not in their_page.plain
        assert "990 successful" not in their_page.plain
        their_csv = client.get(f"/tlsrpt/{their_address.token}/export.csv").content.decode()
        assert "Google Inc." not in their_csv and "Outsider Org" in their_csv
        client.force_login(self.alice)
        my_csv = client.get(f"/tlsrpt/{self.address.token}/export.csv").content.decode()
        assert "Outsider Org" not in my_csv and "Google Inc." in my_csv
        # A domain no longer verified: even its owner sees none of it.
        Domain.objects.filter(pk=self.domain.pk).update(verified_at=None)
        for url in urls:
            assert client.get(url).status_code == expect["unverified_owner"], url

    def test_it_shows_s13_reports_not_counted(self) -> None:
        self.run_figures("S13")

    def test_it_shows_s14_a_failure_an_older_check_saw(self) -> None:
        self.run_figures("S14")

    def test_every_scenario_is_driven(self) -> None:
        driven = {m.split("_")[3].upper() for m in dir(self) if re.match(r"test_it_\w+_s\d\d", m)}
        assert driven == set(SCENARIOS), sorted(set(SCENARIOS) ^ driven)


def test_a_check_older_than_the_reports_is_no_sign_the_failure_stopped() -> None:
    """join.sight with reported_until after the check: neither branch of "no such problem"
    says "fixed since"; both say the check predates the end of the reports' period."""
    from types import SimpleNamespace

    from reports.join import sight

    finished = datetime(2026, 6, 2, 6, 0, tzinfo=UTC)
    findings = dated_tree(TABLE["checks"]["saw_valid"])
    run = SimpleNamespace(findings=findings, finished=finished, created=finished)
    until = datetime(2026, 6, 3, 0, 0, tzinfo=UTC)
    for hosts in (["mx2.example.com"], ["mx2.example.com", "mx3.example.com"]):
        seen = sight("certificate-expired", hosts, run, reported_until=until)
        assert seen.verdict == "clear"
        assert "fixed since" not in seen.text
        assert "before the reported period ended (3 Jun 2026, 00:00 UTC)" in seen.text
        assert "check the domain again" in seen.text
    # A check after the reports' period keeps the usual wording.
    later = sight("certificate-expired", ["mx2.example.com"], run, reported_until=finished)
    assert "fixed since" in later.text
