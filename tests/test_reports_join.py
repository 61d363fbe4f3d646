"""Reported result types joined with what the domain's latest check saw (reports.join)."""

from __future__ import annotations

import copy
import datetime
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from mailsec.accounts.models import Team
from mailsec.domains.models import CheckRun, Domain
from reports.join import RELATED, sight
from reports.models import ReportAddress, TlsReport
from reports.parse import RESULT_TYPES, parse_report

SAMPLE = json.loads((Path(__file__).parent / "data" / "tlsrpt" / "sample.json").read_text())
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


# Shaped like the engine's findings for lab fixture F29 (MX certificates expired) and F09a
# (policy host certificate expired).
FINDINGS = [
    finding(
        "SMTP-10",
        "pass",
        "smtp",
        "mx1.example.com [192.0.2.1]",
        "The certificate of mx1.example.com [192.0.2.1] is valid for 59 more days.",
    ),
    finding(
        "SMTP-10",
        "fail",
        "smtp",
        "mx2.example.com [192.0.2.2]",
        "The certificate of mx2.example.com [192.0.2.2] expired on 2026-06-01. MTA-STS "
        "senders will not deliver to it.",
    ),
    finding(
        "SMTP-11",
        "pass",
        "smtp",
        "mx2.example.com [192.0.2.2]",
        "The certificate of mx2.example.com [192.0.2.2] is valid for mx2.example.com.",
    ),
    finding(
        "MTASTS-12",
        "fail",
        "mta-sts",
        "https://mta-sts.example.com/.well-known/mta-sts.txt",
        "The certificate of mta-sts.example.com is not accepted: certificate has expired.",
    ),
]


def run(findings: list[dict[str, Any]] = FINDINGS) -> Any:
    return SimpleNamespace(findings=findings, finished=FINISHED, created=FINISHED)


def test_every_rfc_result_type_has_related_findings() -> None:
    assert set(RELATED) == set(RESULT_TYPES)


def test_the_check_saw_the_same_problem_on_the_reported_host() -> None:
    seen = sight("certificate-expired", ["MX2.example.com."], run())
    assert seen.verdict == "problem"
    assert seen.text == (
        "certificate-expired reported for mx2.example.com — our last check "
        "(2 Jun 2026, 06:00 UTC) saw: The certificate of mx2.example.com [192.0.2.2] expired "
        "on 2026-06-01. MTA-STS senders will not deliver to it."
    )
    assert [f["subject"] for f in seen.findings] == ["mx2.example.com [192.0.2.2]"]


def test_the_check_saw_no_problem_on_the_reported_host() -> None:
    seen = sight("certificate-expired", ["mx1.example.com"], run())
    assert seen.verdict == "clear"
    assert "saw no such problem: The certificate of mx1.example.com" in seen.text
    assert "intermittent" in seen.text


def test_a_domain_wide_result_type_uses_domain_wide_findings() -> None:
    # Microsoft sends sts-policy-fetch-error without receiving-mx-hostname (cry-inc #57).
    seen = sight("sts-policy-fetch-error", [], run())
    assert seen.verdict == "problem"
    assert seen.text.startswith("sts-policy-fetch-error reported — our last check")
    assert "mta-sts.example.com is not accepted: certificate has expired" in seen.text


def test_hosts_we_did_not_probe_are_said_to_be_untested() -> None:
    seen = sight("certificate-expired", ["mx9.example.com"], run())
    assert seen.verdict == "untested"
    assert "did not test this for these hosts" in seen.text


def test_a_check_that_could_not_test_is_not_a_problem_seen() -> None:
    timed_out = finding(
        "SMTP-01",
        "error",
        "smtp",
        "mx2.example.com [192.0.2.2]",
        "mx2.example.com at 192.0.2.2 did not answer on port 25.",
    )
    seen = sight("starttls-not-supported", ["mx2.example.com"], run([timed_out]))
    assert seen.verdict == "untested"
    assert "could not test this: mx2.example.com at 192.0.2.2 did not answer" in seen.text
    assert "saw:" not in seen.text


def test_unknown_types_and_missing_checks() -> None:
    assert sight("certificate-revoked", ["mx2.example.com"], run()).verdict == "not-compared"
    assert sight("certificate-expired", [], None).verdict == "no-check"
    assert "no check of this domain" in sight("dnssec-invalid", [], run([])).text


@pytest.mark.django_db
def test_the_dashboard_shows_the_join_for_the_owner() -> None:
    owner = User.objects.create_user("owner", "owner@example.org")
    # Verified (and checked): the reports of a domain are shown to its team only then.
    domain = Domain.objects.create(
        team=Team.create_for(owner), name="example.com", verified_at=FINISHED
    )
    address = ReportAddress.for_domain(domain)
    report = copy.deepcopy(SAMPLE)
    # Reported for mx2 (our check saw its certificate expired) and mx1 (it did not).
    details = report["policies"][0]["failure-details"]
    details[0]["receiving-mx-hostname"] = "mx2.example.com"
    details[1]["result-type"] = "certificate-expired"
    details[1]["receiving-mx-hostname"] = "mx1.example.com"
    today = datetime.datetime.now(datetime.UTC).date()
    report["date-range"] = {
        "start-datetime": f"{today}T00:00:00Z",
        "end-datetime": f"{today}T23:59:59Z",
    }
    TlsReport.objects.store(address, parse_report(json.dumps(report).encode()))
    check = CheckRun.objects.create(
        domain=domain, status=CheckRun.Status.DONE, findings=FINDINGS, finished=FINISHED
    )
    domain.last_run = check
    domain.save(update_fields=["last_run"])

    client = Client()
    client.force_login(owner)
    html = client.get(f"/tlsrpt/{address.token}/dashboard/").content.decode()
    assert (
        "certificate-expired reported for mx1.example.com, mx2.example.com — our last check, "
        "at 2 Jun 2026, 06:00 UTC, saw: The certificate of mx2.example.com [192.0.2.2] expired "
        "on 2026-06-01." in html  # on a page, in the reader's zone (UTC here; s43m)
    )
    assert "[SMTP-10]" in html


# Lab fixture F09a (policy host certificate expired) next to F25-like MX findings, as the
# engine writes them: MTASTS-12/13 about the policy host, MTASTS-32 and SMTP per MX address.
POLICY_HOST_AND_MX = [
    finding(
        "MX-01",
        "pass",
        "mx",
        "example.com",
        "example.com has 2 MX hosts.",
    )
    | {"evidence": {"answers": ["10 mx1.example.com.", "20 mx2.example.com."]}},
    finding(
        "MTASTS-12",
        "fail",
        "mta-sts",
        "mta-sts.example.com",
        "The certificate of mta-sts.example.com is not accepted: certificate has expired.",
    ),
    finding(
        "MTASTS-13",
        "pass",
        "mta-sts",
        "mta-sts.example.com",
        "With SNI mta-sts.example.com the server presents a matching certificate.",
    ),
    finding(
        "MTASTS-32",
        "fail",
        "mta-sts",
        "mx1.example.com (192.0.2.1)",
        "mx1.example.com (192.0.2.1) does not pass MTA-STS validation: certificate expired.",
    ),
    finding(
        "MTASTS-32",
        "fail",
        "mta-sts",
        "mx2.example.com (192.0.2.2)",
        "mx2.example.com (192.0.2.2) does not pass MTA-STS validation: self-signed.",
    ),
    finding(
        "SMTP-10",
        "fail",
        "smtp",
        "mx1.example.com [192.0.2.1]",
        "The certificate of mx1.example.com [192.0.2.1] expired on 2026-06-01.",
    ),
    finding(
        "SMTP-10",
        "fail",
        "smtp",
        "mx2.example.com [192.0.2.2]",
        "The certificate of mx2.example.com [192.0.2.2] expired on 2026-05-01.",
    ),
    finding(
        "DANE-08",
        "fail",
        "dane",
        "_25._tcp.mx2.example.com",
        "No TLSA record of _25._tcp.mx2.example.com matches the certificate.",
    ),
]


def test_sts_webpki_invalid_is_the_policy_hosts_certificate_first() -> None:
    # RFC 8460 §4.3.2.2: "the MTA-STS Policy could not be authenticated using PKIX
    # validation" — the HTTPS certificate of mta-sts.<domain>, not (only) the MX's.
    from reports.explain import explain

    kind = explain("sts-webpki-invalid")
    assert kind.meaning.startswith(
        "The sender could not authenticate the MTA-STS policy: the HTTPS certificate of the "
        "policy host mta-sts.<domain>"
    )
    assert kind.likely_cause.startswith("The certificate of mta-sts.<domain>")
    assert "mta-sts.example.com" in kind.about("example.com").likely_cause
    assert RELATED["sts-webpki-invalid"] == ("MTASTS-12", "MTASTS-13", "MTASTS-32")
    # Microsoft names no receiving MX for policy problems: the policy host comes first.
    seen = sight("sts-webpki-invalid", [], run(POLICY_HOST_AND_MX))
    assert seen.verdict == "problem"
    assert [f["id"] for f in seen.findings][:1] == ["MTASTS-12"]
    assert seen.text.split(" saw: ", 1)[1].startswith(
        "The certificate of mta-sts.example.com is not accepted: certificate has expired."
    )
    assert "SMTP-10" not in [f["id"] for f in seen.findings]


def test_a_finding_about_another_mx_is_not_attributed_nor_repeated() -> None:
    seen = sight("sts-webpki-invalid", ["mx1.example.com"], run(POLICY_HOST_AND_MX))
    subjects = [f["subject"] for f in seen.findings]
    assert subjects == ["mta-sts.example.com", "mx1.example.com (192.0.2.1)"]
    assert "mx2.example.com" not in seen.text
    assert seen.text.count("mx1.example.com (192.0.2.1) does not pass") == 1

    seen = sight("tlsa-invalid", ["mx1.example.com"], run(POLICY_HOST_AND_MX))
    assert seen.verdict == "untested"  # DANE-08 is about mx2's TLSA record, not mx1's
    seen = sight("certificate-expired", ["mx1.example.com"], run(POLICY_HOST_AND_MX))
    assert [f["subject"] for f in seen.findings] == ["mx1.example.com [192.0.2.1]"]
