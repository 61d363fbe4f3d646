"""Product faults blind round s35r (tests/test_reports_s35r_blind.py) found, each pinned
here, written failing before the fix."""

from __future__ import annotations

import copy
import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from reports.models import ReportAddress, TlsReport, is_same_or_subdomain
from reports.parse import parse_report
from tests.test_reports_s12_blind import _post
from tests.test_reports_s13_blind import parse_pending

SAMPLE: dict[str, Any] = json.loads(
    (Path(__file__).parent / "data" / "tlsrpt" / "sample.json").read_text()
)


def _sts(**policy: Any) -> dict[str, Any]:
    report = copy.deepcopy(SAMPLE)
    report["policies"] = report["policies"][:1]
    report["policies"][0]["policy"].update(policy)
    return report


# --- U21: a policy of more than 1,000 lines, within RFC 8461's 64 KB ------------------------------

HOSTS = [f"mx{i:04d}.mx.hoster.example" for i in range(1500)]
LINES = ["version: STSv1", "mode: testing", *[f"mx: {h}" for h in HOSTS], "max_age: 604800"]


def test_a_policy_of_1500_mx_lines_within_64_kb_is_read_whole() -> None:
    # RFC 8461 §3.3 suggests senders accept policies of up to 64 KB; 1,500 mx lines are 43 KB.
    # The report quoting it (policy-string, mx-host) was rejected whole ("policy-string has
    # more than 1000 elements"): its sessions lost over an optional member.
    assert len("\n".join(LINES).encode()) < 64 * 1024
    parsed = parse_report(json.dumps(_sts(**{"policy-string": LINES, "mx-host": HOSTS})).encode())
    policy = parsed.policies[0]
    assert policy.policy_strings == LINES
    assert policy.mx_hosts == HOSTS
    assert (
        parsed.total_successful
        == SAMPLE["policies"][0]["summary"]["total-successful-session-count"]
    )


def test_a_policy_of_1500_lines_sent_as_one_string_is_read_as_its_lines() -> None:
    text = "\n".join(LINES) + "\n"
    parsed = parse_report(json.dumps(_sts(**{"policy-string": text})).encode())
    assert parsed.policies[0].policy_strings == LINES


def test_a_policy_string_past_any_64_kb_policy_is_still_refused() -> None:
    # The control: the cap stays, now past what a policy within 64 KB can hold.
    from reports.parse import MAX_POLICY_LINES, ReportRejected

    assert MAX_POLICY_LINES * 4 >= 64 * 1024  # 'k:v' and its line end: 4 bytes a line
    with pytest.raises(ReportRejected, match="more than"):
        parse_report(
            json.dumps(_sts(**{"policy-string": ["k:v"] * (MAX_POLICY_LINES + 1)})).encode()
        )


# --- U28: a policy-domain with an empty label is no name below the address's domain --------------


@pytest.mark.parametrize("name", [".example.com", "mx..example.com", "..example.com"])
def test_a_name_with_an_empty_label_is_not_below_the_domain(name: str) -> None:
    # RFC 1034 §3.1: only the root label is empty. '.example.com' ends with '.example.com',
    # which made it "below" example.com, so a report naming it was counted, while its
    # policy-domain was warned "not a valid host name".
    assert not is_same_or_subdomain(name, "example.com")


@pytest.mark.parametrize(
    "name", ["example.com", "EXAMPLE.COM.", "mail.example.com", "a.b.example.com"]
)
def test_the_domain_and_names_below_it_still_are(name: str) -> None:
    assert is_same_or_subdomain(name, "example.com")


def test_a_report_about_dot_example_com_is_left_out(client: Any, db: None) -> None:
    address = ReportAddress.objects.create(domain_name="example.com")
    body = gzip.compress(json.dumps(_sts(**{"policy-domain": ".example.com"})).encode())
    assert _post(client, address.token, body).status_code == 201
    parse_pending()
    report = TlsReport.objects.get()
    assert report.counted is False
    assert any("not a valid host name" in w for w in report.warnings)
