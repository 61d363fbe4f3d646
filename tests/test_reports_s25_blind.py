# ruff: noqa: F811 (pytest fixtures imported from other test modules)
"""Blind round 25: TLS-RPT reports chosen by coverage (checklist §12.1 RPT-01..15 and §12.3;
RFC 8460 §4 and §5), each sent through the real doors (the HTTPS view, `manage.py
ingest_email`, the aiosmtpd listener) as Google, Microsoft, Yahoo, Comcast, Mail.ru, Zoho, a
Postfix site with the sys4 reporter or a homemade reporter sends it, and then read as the
domain owner reads it: the dashboard (summary, daily bars, the tables, the reports list), the
report page, the CSV export and the raw download. Earlier rounds checked mostly what is
stored; this one checks what is shown too.

The inputs are the files under tests/data/tlsrpt/s25/ (its build.py writes them; `{D-n}` is
the UTC date n days before the test) and their expectations
tests/data/tlsrpt/s25_expectations.json, both committed before any was run; a case whose
expectation was later found wrong says so there (`corrected`), one the product still gets
wrong is a strict xfail naming why (`open`). After every 2xx / exit 0 / 250 the new raw row
holds the bytes exactly as sent, not parsed yet; the parse then runs as the task does, and
nothing accepted may be lost and no report counted twice.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import zipfile
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from mailsec.accounts.models import Profile, Team
from mailsec.domains.models import Domain
from reports.models import RawReport, ReportAddress, TlsReport
from tests.blind_reports import STATUS, ReportsRound
from tests.test_reports_email import dns_stub, ingest, signer  # noqa: F401 (fixtures)
from tests.test_reports_s12_blind import (
    TEXT,
    _post,
    both_readers,
    head,
    nothing_lost_nor_doubled,
    part,
    sign_any,
)
from tests.test_reports_s13_blind import parse_pending
from tests.test_reports_s18_dashboard_blind import Page, dated, dated_tree, read_page, today
from tests.test_reports_s18_mail_blind import _deliver, as_received

ROUND = ReportsRound("s25")
CASES = ROUND.cases


# --- The owner and the doors -------------------------------------------------------------------


@pytest.fixture
def owner(transactional_db: None) -> User:
    """alice, whose team monitors example.com (verified). Transactional: the SMTP listener
    stores from its own thread."""
    cache.clear()  # a person's time zone is cached by user id, which a flushed table reuses
    alice = User.objects.create_user("alice", "alice@example.org")
    team = Team.create_for(alice)
    Profile.objects.create(user=alice, current_team=team)
    Domain.objects.create(team=team, name="example.com", verified_at=timezone.now())
    return alice


def _address() -> ReportAddress:
    return ReportAddress.for_domain(Domain.objects.get(name="example.com"))


def _json(send: dict[str, Any]) -> bytes:
    """The report's JSON as the case sends it: its `{D-n}` dates filled in."""
    return dated(ROUND.input(send["file"], ".json").decode()).encode()


def _compressed(send: dict[str, Any], data: bytes) -> bytes:
    how = send.get("compress", "gzip")
    if how == "gzip":
        return gzip.compress(data, mtime=0)
    if how == "zip":
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(send["member"], data)
        return out.getvalue()
    assert how == "none", how
    return data


def _mail(send: dict[str, Any], address: ReportAddress, signer: Any) -> bytes:
    """A §5.3 report mail holding the report as the send says, signed as sender.example."""
    data = _compressed(send, _json(send))
    replace: dict[str, str | None] = {}
    if "subject" in send:
        replace["Subject"] = dated(send["subject"])
    if "report_domain" in send:
        replace["TLS-Report-Domain"] = send["report_domain"]
    if "message_id" in send:
        replace["Message-ID"] = send["message_id"]
    ctype = send.get("content_type", "application/tlsrpt+gzip")
    filename = dated(
        send.get("filename", "sender.example!example.com!1780272000!1780358399.json.gz")
    )
    report = part(ctype, data, cte=send.get("cte", "base64"), filename=filename)
    block = "".join(f"{k}: {v}\r\n" for k, v in head(address, **replace)).encode()
    body = b"".join(b"--b1\r\n" + p for p in [TEXT, report]) + b"--b1--\r\n"
    message = block + b'Content-Type: multipart/report; report-type="tlsrpt"; boundary="b1"\r\n\r\n'
    return sign_any(message + body, signer)


def _send(send: dict[str, Any], address: ReportAddress, signer: Any) -> bytes:
    """Send through the door the send names; the bytes the new raw row must hold."""
    if send["via"] == "https":
        body = _compressed(send, _json(send))
        extra = {}
        if "content_encoding" in send:
            body = gzip.compress(body, mtime=0)
            extra["HTTP_CONTENT_ENCODING"] = send["content_encoding"]
        ctype = send.get("content_type", "application/tlsrpt+gzip")
        response = _post(Client(), address.token, body, ctype, **extra)
        assert response.status_code == 201, response.content
        return body
    message = _mail(send, address, signer)
    if send["via"] == "mail":
        assert ingest(message) == 0
        return message
    assert send["via"] == "smtp", send
    replies = _deliver({}, address, [message])
    assert [r[0] for r in replies] == [250], replies
    return as_received(message)


def play(case: dict[str, Any], signer: Any) -> ReportAddress:
    """Every send in order, each stored first (its bytes, not parsed), then parsed as the task
    parses it; then every row's status, the reports, nothing lost nor doubled."""
    address = _address()
    for send in case["sends"]:
        before = set(RawReport.objects.values_list("pk", flat=True))
        sent = _send(send, address, signer)
        new = list(RawReport.objects.exclude(pk__in=before))
        assert len(new) == 1, [(r.parse_status, r.error) for r in new]
        assert bytes(new[0].body) == sent
        assert new[0].parse_status == RawReport.PENDING and new[0].report is None
        parse_pending()
    rows = list(RawReport.objects.order_by("pk"))
    assert [r.parse_status for r in rows] == [STATUS[s] for s in case["statuses"]], [
        r.error for r in rows
    ]
    assert TlsReport.objects.count() == case["reports"]
    nothing_lost_nor_doubled()
    return address


# --- What the owner is shown ---------------------------------------------------------------------


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _the_report(case: dict[str, Any]) -> TlsReport:
    if "stored_report_id" in case:
        return TlsReport.objects.get(report_id=case["stored_report_id"])
    return TlsReport.objects.get()


def check_stored(case: dict[str, Any]) -> None:
    report = _the_report(case)
    ROUND.check(case["stored"], report)
    for text in case.get("stored_warnings_contain", []):
        assert any(text in w for w in report.warnings), (text, report.warnings)


def _type_rows(shown: dict[str, Any], page: Page) -> None:
    rows = page.tables.get("By result type", [])
    for key in ("by_type", "by_type_any_order"):
        if key not in shown:
            continue
        got = [(r[0], r[1]) for r in rows]
        wanted = [
            (f"{name} ({group})" if group else name, sessions)
            for name, group, sessions in shown[key]
        ]
        if key == "by_type_any_order":
            got, wanted = sorted(got), sorted(wanted)
        assert len(got) == len(wanted), rows
        for (cell, sessions), (name, count) in zip(got, wanted, strict=True):
            assert cell == name or cell.startswith(name + " ("), (cell, name)
            assert sessions == count, (cell, sessions)
    for row, text in zip(rows, shown.get("by_type_meaning_contains", []), strict=False):
        assert text in row[2], (text, row)
    for text in shown.get("by_type_row_contains", []):
        assert any(text in " ".join(r) for r in rows), (text, rows)


def check_dashboard(shown: dict[str, Any], page: Page) -> None:
    if "summary" in shown:
        ok, failed, rate = shown["summary"]
        line = f"{ok:,} successful and {failed:,} failed TLS sessions reported"
        assert line in page.plain, page.plain[:3000]
        if rate is not None:
            assert f"{line} — failure rate {rate}." in page.plain, page.plain[:3000]
    for offset, (ok, failed) in shown.get("days", {}).items():
        day = (today() + timedelta(days=int(offset))).isoformat()
        title = f"{day}: {ok:,} successful, {failed:,} failed"
        assert title in page.titles, (title, [t for t in page.titles if " 0 successful" not in t])
    if "by_org" in shown:
        assert page.tables.get("By reporting organisation") == shown["by_org"]
    if "by_org_any_order" in shown:
        got = sorted(page.tables.get("By reporting organisation", []))
        assert got == sorted(shown["by_org_any_order"])
    _type_rows(shown, page)
    if "by_receiver" in shown:
        assert page.tables.get("By receiving MX and IP") == shown["by_receiver"]
    listed = page.tables.get("Reports", [])
    if "reports_listed" in shown:
        assert len(listed) == shown["reports_listed"], listed
    if "reports_rows" in shown:
        assert [r[:4] for r in listed] == shown["reports_rows"]
    if "reports_rows_any_order" in shown:
        assert sorted(r[:4] for r in listed) == sorted(shown["reports_rows_any_order"])
    for text in shown.get("page_contains", []):
        assert text in page.plain, text
    for text in shown.get("page_not_contains", []):
        assert text not in page.plain, text


def check_report_page(shown: dict[str, Any], text: str) -> None:
    for wanted in shown.get("report_page_contains", []):
        assert wanted in text, (wanted, text[:3000])
    if "report_page_raw_links" in shown:
        assert text.count("raw JSON") == shown["report_page_raw_links"], text
    if "covers" in shown:
        m = re.search(r"covers (\S+) to (\S+) \(", text)
        assert m, text[:2000]
        shows = [datetime.fromisoformat(t) for t in m.groups()]
        sent = [datetime.fromisoformat(t) for t in shown["covers"]]
        assert shows == sent, (m.groups(), shown["covers"])
        for t in m.groups():  # an instant: never a time without its offset
            assert re.search(r"(Z|[+-]\d\d:\d\d)$", t), t


def _matches(row: dict[str, str], want: dict[str, str]) -> bool:
    return all(row.get(k) == v for k, v in want.items())


def check_csv(shown: dict[str, Any], content: bytes) -> None:
    rows = list(csv.DictReader(io.StringIO(content.decode())))
    if "csv_rows" in shown:
        assert len(rows) == shown["csv_rows"], rows
    if "csv" in shown:
        assert len(rows) == len(shown["csv"]), rows
        for row, want in zip(rows, shown["csv"], strict=True):
            assert _matches(row, want), (row, want)
    if "csv_any_order" in shown:
        assert len(rows) == len(shown["csv_any_order"]), rows
        for want in shown["csv_any_order"]:
            assert any(_matches(row, want) for row in rows), (want, rows)


def check_raw(case: dict[str, Any], client: Client, address: ReportAddress) -> None:
    """Every raw row's download is the JSON its send carried (quoted-printable line breaks
    are CRLF on the wire: compared as the line ends the JSON had)."""
    rows = list(RawReport.objects.order_by("pk"))
    for raw, send in zip(rows, case["sends"], strict=True):
        response = client.get(f"/tlsrpt/{address.token}/raw/{raw.public_id}.json")
        assert response.status_code == 200, response.content
        got = response.content
        if send.get("cte") == "quoted-printable":
            got = got.replace(b"\r\n", b"\n")
        assert got == _json(send), (send, got[:300])


def check_shown(case: dict[str, Any], user: User, address: ReportAddress) -> None:
    shown = case["shown"]
    client = _client(user)
    response = client.get(f"/tlsrpt/{address.token}/dashboard/")
    assert response.status_code == 200
    check_dashboard(shown, read_page(response.content))
    report = _the_report(case)
    response = client.get(f"/tlsrpt/{address.token}/reports/{report.public_id}/")
    assert response.status_code == 200
    check_report_page(shown, read_page(response.content).plain)
    response = client.get(f"/tlsrpt/{address.token}/export.csv")
    assert response.status_code == 200
    check_csv(shown, response.content)
    if shown.get("raw_as_sent"):
        check_raw(case, client, address)


@pytest.mark.parametrize("case_id", ROUND.ids("shown"))
def test_a_report_sent_through_its_doors_is_stored_and_shown_as_expected(
    case_id: str, owner: User, signer: Any
) -> None:
    case = dated_tree(CASES[case_id])
    if "owner_time_zone" in case:
        Profile.objects.filter(user=owner).update(time_zone=case["owner_time_zone"])
    address = play(case, signer)
    check_stored(case)
    check_shown(case, owner, address)


def test_every_case_has_its_inputs() -> None:
    assert len(CASES) == 20
    for case in CASES.values():
        assert case["door"] == "shown"
        for send in case["sends"]:
            assert (ROUND.inputs / f"{send['file']}.json").exists(), send
        assert json.loads(ROUND.input(case["sends"][0]["file"], ".json"))


# --- Added after the first run: integers past 2^53 in extension members (K18) -----------------


def _with_extensions(**where: Any) -> bytes:
    """K18's report with its extension members replaced by `where` (top, date_range, entry,
    policy, summary, detail: a member name and value each)."""
    r = json.loads(dated(ROUND.input("K18", ".json").decode()))
    del r["x-sequence"]
    entry = r["policies"][0]
    del entry["x-sender-stats"]
    entry["summary"]["total-failure-session-count"] = 1
    entry["failure-details"] = [{"result-type": "certificate-expired", "failed-session-count": 1}]
    targets = {
        "top": r,
        "date_range": r["date-range"],
        "entry": entry,
        "policy": entry["policy"],
        "summary": entry["summary"],
        "detail": entry["failure-details"][0],
    }
    for key, (name, value) in where.items():
        targets[key][name] = value
    return json.dumps(r).encode()


@pytest.mark.parametrize(
    ("where", "told"),
    [
        ({"top": ("x-sequence", 2**64)}, "x-sequence holds an integer past"),
        ({"date_range": ("x-tz", -(2**53))}, "date-range.x-tz holds"),
        ({"entry": ("x-stats", {"b": [1, 2**60]})}, "policies[0]: x-stats.b[1] holds"),
        ({"policy": ("x-ttl", 2**53)}, "policies[0]: policy.x-ttl holds"),
        ({"summary": ("x-bytes", 10**30)}, "policies[0]: summary.x-bytes holds"),
        ({"detail": ("x-id", 2**63)}, "failure-details[0]: x-id holds"),
    ],
)
def test_an_extension_integer_past_2_53_is_warned_by_both_readers(
    where: dict[str, Any], told: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """RFC 7493 §2.2 / checklist RPT-01: warned, naming where it is, and ignored; the report
    stands with its counts. Before s25 it passed unsaid (the known members already warn)."""
    status, report = both_readers(_with_extensions(**where), monkeypatch)
    assert status == "parsed", report
    assert [w for w in report.warnings if "I-JSON" in w and told in w], report.warnings
    assert (report.total_successful, report.total_failed) == (250, 1)


def test_safe_extension_integers_and_known_counts_are_not_warned_as_extensions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """2^53 - 1 and -(2^53 - 1) are I-JSON integers: nothing to say. A count past 2^53 is a
    known member, told as the count it is (s12 B12), not as an extension."""
    safe = _with_extensions(top=("x-max", 2**53 - 1), detail=("x-min", -(2**53 - 1)))
    status, report = both_readers(safe, monkeypatch)
    assert status == "parsed" and report.warnings == [], report.warnings
    big = json.loads(safe)
    big["policies"][0]["summary"]["total-successful-session-count"] = 2**53
    status, report = both_readers(json.dumps(big).encode(), monkeypatch)
    assert not [w for w in report.warnings if "RFC 8460 does not define" in w], report.warnings
