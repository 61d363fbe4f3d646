# ruff: noqa: F811 (pytest fixtures imported from test_reports_email)
"""A report whose policies are about the address's domain and about another domain too (one
customer's shared _smtp._tls record; blind round s21r, case C03): only the address's part is
counted and stored with the report, whatever the order of the entries, with a warning naming
the other domain and its figures; the raw bytes keep everything (reports.models.
keep_own_policies). A report about other domains only is left whole, not counted, as before.
"""

from __future__ import annotations

import gzip
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from reports.alerts import failed_rows
from reports.models import FailureDetail, RawReport, ReportAddress, TlsReport, keep_own_policies
from reports.parse import ParsedReport
from reports.parse import PolicyResult as ParsedPolicy
from tests.test_reports_email import address, ingest, make_message, sign  # noqa: F401
from tests.test_reports_forged import signer  # noqa: F401 (fixture)
from tests.test_reports_s13_blind import parse_pending

START = datetime(2026, 6, 1, tzinfo=UTC)
C03 = json.loads((Path(__file__).parent / "data/tlsrpt/s21/C03.json").read_text())


def report(order: str) -> dict[str, Any]:
    """C03 (example.net's entry with 9 certificate-expired failures, then example.com's with
    80 successful sessions), in `order`: "net first" or "com first"."""
    r = json.loads(json.dumps(C03))
    if order == "com first":
        r["policies"].reverse()
    return r


def posted(client: Client, address: ReportAddress, r: dict[str, Any]) -> TlsReport:
    body = gzip.compress(json.dumps(r).encode(), mtime=0)
    response = client.post(
        f"/tlsrpt/{address.token}", data=body, content_type="application/tlsrpt+gzip"
    )
    assert response.status_code == 201
    parse_pending()
    raw = RawReport.objects.get()
    assert bytes(raw.body) == body
    return TlsReport.objects.get()


def check_own_part_only(address: ReportAddress, stored: TlsReport) -> None:
    assert (stored.counted, stored.policy_domain) == (True, "example.com")
    assert (stored.total_successful, stored.total_failed) == (80, 0)
    assert list(stored.policies.values_list("policy_domain", flat=True)) == ["example.com"]
    assert not FailureDetail.objects.exists()
    counted = FailureDetail.objects.filter(report__address=address, report__counted=True)
    assert not failed_rows(counted).exists()
    [warning] = [w for w in stored.warnings if "example.net" in w]
    assert "1 of its policies (300 successful and 9 failed sessions) is about" in warning


@pytest.mark.parametrize("order", ["net first", "com first"])
def test_only_the_addresss_part_of_a_report_about_two_domains_counts(
    order: str, client: Client, address: ReportAddress
) -> None:
    check_own_part_only(address, posted(client, address, report(order)))


@pytest.mark.parametrize("order", ["net first", "com first"])
def test_an_imported_report_about_two_domains_is_read_alike(
    order: str, address: ReportAddress, tmp_path
) -> None:
    path = tmp_path / "sender.example!example.com!1780272000!1780358399.json"
    path.write_text(json.dumps(report(order)))
    call_command("ingest_files", "--address", address.token, str(path), stdout=io.StringIO())
    check_own_part_only(address, TlsReport.objects.get())


def test_a_report_about_another_domain_only_stays_whole_and_uncounted(
    client: Client, address: ReportAddress
) -> None:
    r = report("net first")
    r["policies"] = r["policies"][:1]
    stored = posted(client, address, r)
    assert (stored.counted, stored.policy_domain) == (False, "example.net")
    assert (stored.total_successful, stored.total_failed) == (300, 9)
    assert FailureDetail.objects.count() == 1


def tlsa(host: str, ok: int, failed: int, result_type: str) -> dict[str, Any]:
    """A `tlsa` policy entry for the MX host `host` (its TLSA base domain)."""
    return {
        "policy": {"policy-type": "tlsa", "policy-string": ["3 1 1 ab"], "policy-domain": host},
        "summary": {"total-successful-session-count": ok, "total-failure-session-count": failed},
        "failure-details": [
            {
                "result-type": result_type,
                "failed-session-count": failed,
                "receiving-mx-hostname": host,
            }
        ],
    }


@pytest.mark.parametrize("host", ["example.net", "mx1.example.net", "_25._tcp.mx1.example.net"])
def test_the_other_domains_tlsa_policy_is_left_out_with_it(
    host: str, client: Client, address: ReportAddress
) -> None:
    # At or below example.net (its MX host, as its sts policy names it): example.net's.
    r = report("com first")
    r["policies"].append(tlsa(host, 50, 7, "dnssec-invalid"))
    stored = posted(client, address, r)
    assert (stored.counted, stored.total_successful, stored.total_failed) == (True, 80, 0)
    assert list(stored.policies.values_list("policy_type", flat=True)) == ["sts"]
    assert not FailureDetail.objects.exists()
    [warning] = [w for w in stored.warnings if "also covers" in w]
    assert "2 of its policies (350 successful and 16 failed sessions) are about it" in warning


@pytest.mark.parametrize("host", ["mx1.example.com", "example.com"])
def test_the_addresss_tlsa_policy_makes_a_report_about_another_domain_its_own(
    host: str, client: Client, address: ReportAddress
) -> None:
    r = report("net first")
    r["policies"] = [r["policies"][0], tlsa(host, 40, 2, "dane-required")]
    stored = posted(client, address, r)
    assert (stored.counted, stored.total_successful, stored.total_failed) == (True, 40, 2)
    assert list(stored.policies.values_list("policy_type", "policy_domain")) == [("tlsa", host)]
    assert list(FailureDetail.objects.values_list("result_type", flat=True)) == ["dane-required"]
    assert any("also covers example.net: 1 of its policies" in w for w in stored.warnings)


def test_a_tlsa_policy_is_judged_by_the_mx_hosts_the_sts_policies_name(
    client: Client, address: ReportAddress
) -> None:
    # example.com's MX at its provider (named in its own mx-host) is example.com's; the ones
    # example.net's policy names are example.net's, also one under example.com (the policy
    # says whose mail went there, not the host's name); a host nobody names stays with the
    # address (an MX host is often at a provider), and does not make a report its own.
    r = report("com first")
    r["policies"][0]["policy"]["mx-host"] = ["*.mail.provider.org"]
    r["policies"][1]["policy"]["mx-host"] = ["mx.hoster.example", "mx2.example.com"]
    r["policies"] += [
        tlsa("mx7.mail.provider.org", 20, 1, "dane-required"),
        tlsa("mx.hoster.example", 30, 3, "dnssec-invalid"),
        tlsa("mx2.example.com", 1, 1, "starttls-not-supported"),
        tlsa("mx.unknown.example", 5, 0, "dane-required"),
    ]
    stored = posted(client, address, r)
    assert list(stored.policies.values_list("policy_type", "policy_domain")) == [
        ("sts", "example.com"),
        ("tlsa", "mx7.mail.provider.org"),
        ("tlsa", "mx.unknown.example"),
    ]
    assert (stored.total_successful, stored.total_failed) == (105, 1)
    assert any("3 of its policies (331 successful and 13 failed" in w for w in stored.warnings)


def test_a_report_about_another_domain_with_an_unknown_tlsa_host_stays_whole(
    client: Client, address: ReportAddress
) -> None:
    r = report("net first")
    r["policies"] = [r["policies"][0], tlsa("mx.unknown.example", 5, 1, "dane-required")]
    stored = posted(client, address, r)
    assert (stored.counted, stored.policy_domain) == (False, "example.net")
    assert (stored.total_successful, stored.total_failed) == (305, 10)


@pytest.mark.parametrize(
    ("label", "shown"),
    # 5 names at most, and not more than a few hundred characters of them (one at least).
    [("customer", 5), ("customer-" * 20, 1)],
)
def test_the_warning_about_many_other_domains_stays_short(label: str, shown: int) -> None:
    own = ParsedPolicy("sts", "example.com", [], ["mx1.example.com"], 80, 0)
    others = [
        ParsedPolicy("sts", f"{label}{i:05d}.example.net", [], [], 3, 1) for i in range(10_000)
    ]
    parsed = ParsedReport("Sender", None, "r1", START, START, [own, *others])
    keep_own_policies(parsed, "example.com")
    assert parsed.policies == [own]
    [warning] = parsed.warnings
    assert len(warning) < 1024, len(warning)
    assert [f"{label}{i:05d}.example.net" in warning for i in range(6)] == [
        i < shown for i in range(6)
    ]
    assert f"10000 other domains ({label}00000.example.net" in warning
    assert f" and {10_000 - shown} more)" in warning
    assert "10000 of its policies (30000 successful and 10000 failed sessions) are" in warning
    assert warning.endswith("give each a report address of its own to follow them.")


def test_a_mailed_report_whose_header_names_the_other_domain_counts_the_addresss_tlsa(
    address: ReportAddress, signer: Any
) -> None:
    # TLS-Report-Domain names example.net (its sts entry came first): what is kept is
    # example.com's DANE part, not a report about example.net.
    r = report("net first")
    r["policies"] = [r["policies"][0], tlsa("mx1.example.com", 40, 2, "dane-required")]
    message = make_message(address, body=gzip.compress(json.dumps(r).encode()))
    message = message.replace(b"TLS-Report-Domain: example.com", b"TLS-Report-Domain: example.net")
    assert ingest(sign(message, signer)) == 0
    parse_pending()
    stored = TlsReport.objects.get()
    assert (stored.counted, stored.total_successful, stored.total_failed) == (True, 40, 2)
    assert not any("This report is about example.net" in w for w in stored.warnings)
