"""The dashboard's "our last check saw …" for a result type reported on several MX hosts, of
which the latest check tested only some: it must not say it saw no problem on the others."""

from __future__ import annotations

import datetime
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
from reports.join import sight
from reports.models import RawReport, ReportAddress

FINISHED = datetime.datetime(2026, 6, 2, 6, 0, tzinfo=datetime.UTC)


def finding(fid: str, status: str, mechanism: str, subject: str, summary: str) -> dict[str, Any]:
    return {
        "id": fid,
        "status": status,
        "mechanism": mechanism,
        "subject": subject,
        "summary": summary,
        "evidence": {},
        "fix": "",
    }


# The engine's findings for a domain with two MX hosts, of which only mx1 answered on port 25
# (mx2 timed out: no certificate finding about it at all).
MX01 = {
    "id": "MX-01",
    "status": "pass",
    "mechanism": "mx",
    "subject": "example.com",
    "summary": "2 MX hosts.",
    "evidence": {"answers": ["10 mx1.example.com.", "20 mx2.example.com."]},
    "fix": "",
}
FINDINGS = [
    MX01,
    finding(
        "SMTP-10",
        "pass",
        "smtp",
        "mx1.example.com [192.0.2.1]",
        "The certificate of mx1.example.com [192.0.2.1] is valid for 59 more days.",
    ),
    finding(
        "SMTP-01",
        "error",
        "smtp",
        "mx2.example.com [2001:db8::2]",
        "mx2.example.com at 2001:db8::2 did not answer on port 25.",
    ),
]


def run(findings: list[dict[str, Any]]) -> Any:
    from types import SimpleNamespace

    return SimpleNamespace(findings=findings, finished=FINISHED, created=FINISHED)


def test_no_problem_is_claimed_for_a_reported_host_the_check_did_not_test() -> None:
    seen = sight("certificate-expired", ["mx1.example.com", "mx2.example.com"], run(FINDINGS))
    assert "no such problem on mx1.example.com:" in seen.text
    assert "did not test this on mx2.example.com" in seen.text
    # "saw no such problem" is never said of the reported hosts as a whole.
    assert "saw no such problem:" not in seen.text


def test_a_reported_host_the_check_never_saw_is_named_as_untested() -> None:
    # mx3 is no MX host of the domain as the check saw it (an old MX a sender cached).
    seen = sight("certificate-expired", ["mx3.example.com", "mx1.example.com"], run(FINDINGS))
    assert "no such problem on mx1.example.com:" in seen.text
    assert "did not test this on mx3.example.com" in seen.text


def test_every_reported_host_tested_and_clear_is_clear() -> None:
    seen = sight("certificate-expired", ["mx1.example.com"], run(FINDINGS))
    assert seen.verdict == "clear"
    assert "saw no such problem: The certificate of mx1.example.com" in seen.text
    assert "did not test" not in seen.text


def test_a_domain_wide_type_names_no_untested_host() -> None:
    # sts-policy-fetch-error is about the policy host, whatever MX the sender names.
    policy = finding(
        "MTASTS-14",
        "pass",
        "mta-sts",
        "https://mta-sts.example.com/.well-known/mta-sts.txt",
        "The policy was fetched with status 200.",
    )
    seen = sight("sts-policy-fetch-error", ["mx2.example.com"], run([MX01, policy]))
    assert seen.verdict == "clear"
    assert "did not test" not in seen.text


@pytest.mark.django_db
def test_the_dashboard_does_not_clear_the_host_the_check_could_not_reach() -> None:
    owner = User.objects.create_user("owner", "owner@example.org")
    domain = Domain.objects.create(
        team=Team.create_for(owner), name="example.com", verified_at=timezone.now()
    )
    check = CheckRun.objects.create(
        domain=domain, status=CheckRun.Status.DONE, finished=FINISHED, findings=FINDINGS
    )
    domain.set_last_run(check)
    address = ReportAddress.for_domain(domain)
    day = timezone.now().date() - timedelta(days=1)
    body = {
        "organization-name": "Google Inc.",
        "date-range": {
            "start-datetime": f"{day}T00:00:00Z",
            "end-datetime": f"{day}T23:59:59Z",
        },
        "contact-info": "smtp-tls-reporting@google.com",
        "report-id": f"{day}T00:00:00Z_example.com",
        "policies": [
            {
                "policy": {"policy-type": "sts", "policy-domain": "example.com"},
                "summary": {
                    "total-successful-session-count": 9000,
                    "total-failure-session-count": 30,
                },
                "failure-details": [
                    {
                        "result-type": "certificate-expired",
                        "receiving-mx-hostname": host,
                        "receiving-ip": ip,
                        "failed-session-count": 15,
                    }
                    for host, ip in (
                        ("mx1.example.com", "192.0.2.1"),
                        ("mx2.example.com", "2001:db8::2"),
                    )
                ],
            }
        ],
    }
    raw, _ = RawReport.store(address, json.dumps(body).encode(), source=RawReport.HTTPS)
    raw.process()
    client = Client()
    client.force_login(owner)
    page = html.unescape(client.get(f"/tlsrpt/{address.token}/dashboard/").content.decode())
    assert "certificate-expired reported for mx1.example.com, mx2.example.com" in page
    assert "did not test this on mx2.example.com" in page
    assert "saw no such problem:" not in page


# MTASTS-30 as the engine writes it: about the domain, naming the MX hosts no pattern covers.
NOT_COVERED = {
    "id": "MTASTS-30",
    "status": "warn",
    "mechanism": "mta-sts",
    "subject": "example.com",
    "summary": "MX host(s) mx2.example.com match no mx pattern; senders enforcing the policy "
    "deliver to mx1.example.com only.",
    "evidence": {"patterns": ["mx1.example.com"], "mx": ["mx1.example.com", "mx2.example.com"]},
    "fix": "",
}
NAME_OK = finding(
    "SMTP-11",
    "pass",
    "smtp",
    "mx1.example.com [192.0.2.1]",
    "The certificate of mx1.example.com [192.0.2.1] is valid for mx1.example.com.",
)


def test_a_mismatch_on_one_mx_is_not_blamed_on_another_mx_outside_the_policy() -> None:
    seen = sight(
        "certificate-host-mismatch", ["mx1.example.com"], run([MX01, NAME_OK, NOT_COVERED])
    )
    assert "mx2.example.com" not in seen.text
    assert seen.verdict == "clear"


def test_a_mismatch_on_the_mx_outside_the_policy_is_joined_with_it() -> None:
    for hosts in (["mx2.example.com"], ["mx1.example.com", "mx2.example.com"], []):
        seen = sight("certificate-host-mismatch", hosts, run([MX01, NAME_OK, NOT_COVERED]))
        assert seen.verdict == "problem", hosts
        assert "saw: MX host(s) mx2.example.com match no mx pattern" in seen.text
