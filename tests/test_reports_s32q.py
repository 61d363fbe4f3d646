"""Task s32q: blanks around the host names of a TLS-RPT report (blind round s32q, Q01, Q06,
Q07, Q09, Q11; tests/test_reports_s32q_blind.py).

`receiving-mx-hostname` " mx2.example.com" was kept with its blank (warned 'not a valid host
name'), so it matched none of the MX hosts our checks saw: the dashboard's "by receiving MX"
listed it apart from mx2.example.com, and the join "certificate-expired reported for mx2 —
our last check saw …" did not find the check's findings on mx2. Blanks are no part of a name
(RFC 1035 §2.3.1), as s32r read them past around a policy-domain: each of the three host-name
fields of RFC 8460 §4.4 is now read without them, with a warning; the raw report keeps what
was sent. A name of blanks only is no name: ignored, with a warning.
"""

from __future__ import annotations

import html
import json
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from mailsec.accounts.models import Team
from mailsec.domains.models import CheckRun, Domain
from reports.models import RawReport, ReportAddress, TlsReport
from tests.test_reports_dash_s8_join import FINISHED, MX01, finding
from tests.test_reports_s12_blind import both_readers
from tests.test_reports_s32q_blind import _report


def _parsed(policy: dict[str, Any], detail: dict[str, Any], monkeypatch) -> Any:
    status, report = both_readers(_report(policy, detail), monkeypatch)
    assert status == "parsed", report
    return report


@pytest.mark.parametrize("sent", [" mx2.example.com", "mx2.example.com ", "\tMX2.Example.com. "])
def test_blanks_around_a_receiving_mx_hostname_are_no_part_of_it(sent: str, monkeypatch) -> None:
    report = _parsed({}, {"receiving-mx-hostname": sent}, monkeypatch)
    (detail,) = report.policies[0].failure_details
    assert detail.receiving_mx_hostname == "mx2.example.com"
    assert any(
        f"receiving-mx-hostname {sent!r} has blanks around it; read as {sent.strip()!r}" in w
        for w in report.warnings
    ), report.warnings
    assert not any("not a valid host name" in w for w in report.warnings), report.warnings


def test_blanks_around_a_receiving_mx_helo_go_and_the_rest_is_kept_as_sent(monkeypatch) -> None:
    report = _parsed({}, {"receiving-mx-helo": " MX2.Example.com. "}, monkeypatch)
    (detail,) = report.policies[0].failure_details
    # The server's own word, compared with nothing: its case and dot are what it said.
    assert detail.receiving_mx_helo == "MX2.Example.com."
    assert any(
        "receiving-mx-helo ' MX2.Example.com. ' has blanks around it; read as 'MX2.Example.com.'"
        in w
        for w in report.warnings
    ), report.warnings


@pytest.mark.parametrize(
    ("sent", "read"),
    [(" mx1.example.com", "mx1.example.com"), (" *.Example.com ", "*.example.com")],
)
def test_blanks_around_an_mx_host_are_no_part_of_the_pattern(
    sent: str, read: str, monkeypatch
) -> None:
    report = _parsed({"mx-host": [sent, "mx9.example.com"]}, {}, monkeypatch)
    assert report.policies[0].mx_hosts == [read, "mx9.example.com"]
    assert any(
        f"mx-host {sent!r} has blanks around it; read as {sent.strip()!r}" in w
        for w in report.warnings
    ), report.warnings
    assert not any("not a host name or pattern" in w for w in report.warnings), report.warnings


@pytest.mark.parametrize(
    ("policy", "detail", "said"),
    [
        ({}, {"receiving-mx-hostname": "  "}, "receiving-mx-hostname is only blanks; ignored"),
        ({}, {"receiving-mx-helo": " "}, "receiving-mx-helo is only blanks; ignored"),
        (
            {"mx-host": [" ", "mx1.example.com"]},
            {},
            "mx-host holds a string of only blanks; that element is ignored",
        ),
    ],
)
def test_a_host_name_of_blanks_only_is_no_name(
    policy: dict[str, Any], detail: dict[str, Any], said: str, monkeypatch
) -> None:
    report = _parsed(policy, detail, monkeypatch)
    (entry,) = report.policies
    assert entry.mx_hosts == ["mx1.example.com"]
    (one,) = entry.failure_details
    field = "receiving_mx_helo" if "receiving-mx-helo" in detail else "receiving_mx_hostname"
    if detail:
        assert getattr(one, field) is None
    assert any(said in w for w in report.warnings), report.warnings


# The check saw mx2's certificate expired; a sender reports it with a blank before the name.
EXPIRED_ON_MX2 = finding(
    "SMTP-10",
    "fail",
    "smtp",
    "mx2.example.com [192.0.2.2]",
    "The certificate of mx2.example.com [192.0.2.2] expired 3 days ago.",
)


@pytest.mark.django_db
def test_a_reported_mx_with_a_blank_is_joined_with_the_checks_mx_host() -> None:
    owner = User.objects.create_user("owner", "owner@example.org")
    domain = Domain.objects.create(
        team=Team.create_for(owner), name="example.com", verified_at=timezone.now()
    )
    check = CheckRun.objects.create(
        domain=domain,
        status=CheckRun.Status.DONE,
        finished=FINISHED,
        findings=[MX01, EXPIRED_ON_MX2],
    )
    domain.set_last_run(check)
    address = ReportAddress.for_domain(domain)
    day = timezone.now().date() - timedelta(days=1)
    body = json.loads(_report({}, {"receiving-mx-hostname": " mx2.example.com"}))
    body["date-range"] = {
        "start-datetime": f"{day}T00:00:00Z",
        "end-datetime": f"{day}T23:59:59Z",
    }
    body["report-id"] = f"{day}T00:00:00Z_example.com"
    sent = json.dumps(body).encode()
    raw, _ = RawReport.store(address, sent, source=RawReport.HTTPS)
    raw.process()
    (detail,) = TlsReport.objects.get().failure_details.all()
    assert detail.receiving_mx_hostname == "mx2.example.com"
    raw.refresh_from_db()
    assert bytes(raw.body) == sent  # the raw report keeps what was sent
    client = Client()
    client.force_login(owner)
    page = html.unescape(client.get(f"/tlsrpt/{address.token}/dashboard/").content.decode())
    assert "certificate-expired reported for mx2.example.com" in page
    assert "expired 3 days ago" in page
    assert "did not test this" not in page
    assert "' mx2.example.com'" not in page and "> mx2.example.com" not in page
