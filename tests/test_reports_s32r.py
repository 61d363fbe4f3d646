"""Task s32r: two shapes s31r's blind round left as they were (R63, R65).

* `failure-details` written as one object instead of an array (a writer with one failure
  that writes no array) was ignored with a warning, so its result type was on no dashboard
  table and in no alert although the summary counted its sessions. RFC 8460 §4.4 asks for an
  array, but one object is unambiguous: it is read as a one-element list, as a bare
  `policy-string` or `mx-host` string is wrapped (checklist RPT-05, RPT-07, RPT-09: warn,
  never reject), and the warning stays. A string or a number there is still ignored.
* A numeric `failure-reason-code` (`421`, an SMTP reply code written as a JSON number) was
  dropped with a warning. RFC 8460 §4.4 makes it "a text field to include a TLS-related error
  code"; the integer's decimal form is exactly the code the sender meant, so it is kept as
  that text, with a warning. A fraction or a boolean is still ignored (1.50 would be read
  back as '1.5', true is no code).
"""

from __future__ import annotations

import gzip
import json
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from mailsec.accounts.models import Profile, Team
from mailsec.domains.models import Domain
from reports.models import ReportAddress, TlsReport
from tests.test_reports_s12_blind import _post, both_readers
from tests.test_reports_s13_blind import parse_pending
from tests.test_reports_s18_dashboard_blind import read_page, today


def _detail(**extra: Any) -> dict[str, Any]:
    d: dict[str, Any] = {
        "result-type": "certificate-host-mismatch",
        "sending-mta-ip": "203.0.113.9",
        "receiving-mx-hostname": "mx1.example.com",
        "receiving-ip": "198.51.100.25",
        "failed-session-count": 5,
    }
    d.update(extra)
    return d


def _report(details: Any, day: str = "2026-06-01") -> bytes:
    r = {
        "organization-name": "Sender Example Mail Ltd.",
        "date-range": {
            "start-datetime": f"{day}T00:00:00Z",
            "end-datetime": f"{day}T23:59:59Z",
        },
        "contact-info": "smtp-tls-reporting@sender.example",
        "report-id": f"{day}T00:00:00Z_example.com",
        "policies": [
            {
                "policy": {
                    "policy-type": "sts",
                    "policy-string": ["version: STSv1", "mode: enforce", "mx: mx1.example.com"],
                    "policy-domain": "example.com",
                    "mx-host": ["mx1.example.com"],
                },
                "summary": {
                    "total-successful-session-count": 95,
                    "total-failure-session-count": 5,
                },
                "failure-details": details,
            }
        ],
    }
    return json.dumps(r, indent=2).encode()


# --- failure-details as one object ---------------------------------------------------------------


def test_one_object_for_failure_details_is_read_as_one_detail(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    status, report = both_readers(_report(_detail()), monkeypatch)
    assert status == "parsed", report
    (detail,) = report.policies[0].failure_details
    assert (detail.result_type, detail.failed_session_count) == ("certificate-host-mismatch", 5)
    assert detail.receiving_ip == "198.51.100.25"
    assert any(
        "failure-details is an object, not an array; read as one failure detail" in w
        for w in report.warnings
    ), report.warnings
    assert not any("but no failure details" in w for w in report.warnings), report.warnings


def test_one_object_for_failure_details_is_judged_as_a_detail_is(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The object is a detail like any other: one without a count is dropped, saying why."""
    details = _detail()
    del details["failed-session-count"]
    status, report = both_readers(_report(details), monkeypatch)
    assert status == "parsed", report
    assert report.policies[0].failure_details == []
    assert any("failed-session-count is missing; dropped" in w for w in report.warnings)
    assert report.total_failed == 5


@pytest.mark.parametrize(("value", "kind"), [("certificate-expired", "a string"), (5, "a number")])
def test_a_string_or_number_for_failure_details_is_still_ignored(
    value: Any, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    status, report = both_readers(_report(value), monkeypatch)
    assert status == "parsed", report
    assert report.policies[0].failure_details == []
    assert any(f"failure-details is {kind}, not an array; ignored" in w for w in report.warnings)


@pytest.fixture
def owner(db: None) -> User:
    cache.clear()
    alice = User.objects.create_user("alice", "alice@example.org")
    team = Team.create_for(alice)
    Profile.objects.create(user=alice, current_team=team)
    Domain.objects.create(team=team, name="example.com", verified_at=timezone.now())
    return alice


def test_one_object_for_failure_details_is_on_the_dashboard(owner: User) -> None:
    address = ReportAddress.for_domain(Domain.objects.get(name="example.com"))
    yesterday = (today() - timedelta(days=1)).isoformat()
    body = gzip.compress(_report(_detail(), day=yesterday), mtime=0)
    assert _post(Client(), address.token, body).status_code == 201
    parse_pending()
    report = TlsReport.objects.get()
    assert [(d.result_type, d.failed_session_count) for d in report.failure_details.all()] == [
        ("certificate-host-mismatch", 5)
    ]
    client = Client()
    client.force_login(owner)
    page = read_page(client.get(f"/tlsrpt/{address.token}/dashboard/").content)
    rows = page.tables["By result type"]
    assert [r[0].split(" (")[0] for r in rows] == ["certificate-host-mismatch"], rows
    assert rows[0][1] == "5", rows
    export = client.get(f"/tlsrpt/{address.token}/export.csv").content.decode()
    assert "certificate-host-mismatch" in export


# --- failure-reason-code as a number -------------------------------------------------------------


def test_an_integer_failure_reason_code_is_kept_as_its_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body = _report([_detail(**{"failure-reason-code": 421})])
    status, report = both_readers(body, monkeypatch)
    assert status == "parsed", report
    assert report.policies[0].failure_details[0].failure_reason_code == "421"
    assert any(
        "failure-reason-code is the number 421, not a text; kept as '421'" in w
        for w in report.warnings
    ), report.warnings


@pytest.mark.parametrize(("value", "kind"), [(1.5, "a number"), (True, "a boolean")])
def test_a_fraction_or_boolean_failure_reason_code_is_still_ignored(
    value: Any, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = _report([_detail(**{"failure-reason-code": value})])
    status, report = both_readers(body, monkeypatch)
    assert status == "parsed", report
    assert report.policies[0].failure_details[0].failure_reason_code is None
    assert any(
        f"failure-reason-code is {kind}, not a string; ignored" in w for w in report.warnings
    ), report.warnings


def test_an_integer_failure_reason_code_is_stored_and_exported(client: Client, db: None) -> None:
    address = ReportAddress.objects.create(domain_name="example.com")
    body = gzip.compress(_report([_detail(**{"failure-reason-code": 550})]), mtime=0)
    assert _post(client, address.token, body).status_code == 201
    parse_pending()
    (detail,) = TlsReport.objects.get().failure_details.all()
    assert detail.failure_reason_code == "550"


# --- Found by blind round s32r (tests/test_reports_s32r_blind.py) ------------------------------


def _with_policy_domain(domain: str) -> bytes:
    r = json.loads(_report([]))
    r["policies"][0]["policy"]["policy-domain"] = domain
    return json.dumps(r, indent=2).encode()


@pytest.mark.parametrize(
    "domain", ["example.com ", " example.com", "example.com\n", "\texample.com"]
)
def test_blanks_around_the_policy_domain_are_no_part_of_it(
    domain: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """E03: 'example.com ' (a template's stray blank) was read as a host name of its own,
    warned 'not a valid host name' and so made the report another domain's: left out of
    example.com's totals and alerts. Blanks around a name are no part of it (RFC 1035 §2.3.1
    names have none), as the report-id is read without them."""
    status, report = both_readers(_with_policy_domain(domain), monkeypatch)
    assert status == "parsed", report
    assert report.policies[0].policy_domain == "example.com"
    assert any(
        f"policy-domain {domain!r} has blanks around it; read as 'example.com'" in w
        for w in report.warnings
    ), report.warnings
    assert not any("not a valid host name" in w for w in report.warnings), report.warnings


def test_a_report_whose_policy_domain_has_a_trailing_blank_counts_for_the_domain(
    client: Client, db: None
) -> None:
    address = ReportAddress.objects.create(domain_name="example.com")
    body = gzip.compress(_with_policy_domain("example.com "), mtime=0)
    assert _post(client, address.token, body).status_code == 201
    parse_pending()
    report = TlsReport.objects.get()
    assert report.policy_domain == "example.com"
    assert report.counted is True
    assert report.total_failed == 5


def test_an_invalid_address_is_kept_as_sent_and_said_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """H03: an address that is no IP address is kept as the sender wrote it (it names the
    host on the dashboard), and the warning now says so, as the others that keep a value do."""
    body = _report([_detail(**{"receiving-ip": "198.051.100.025"})])
    status, report = both_readers(body, monkeypatch)
    assert status == "parsed", report
    assert report.policies[0].failure_details[0].receiving_ip == "198.051.100.025"
    assert any(
        "receiving-ip '198.051.100.025' is not an IP address (RPT-12); kept as sent" in w
        for w in report.warnings
    ), report.warnings
