# ruff: noqa: F811 (pytest fixtures imported from other test modules)
"""Round s34r's fixes (tests/test_reports_s34r_blind.py).

Case T37: an address of the NAT64
well-known prefix 64:ff9b::/96 (RFC 6052 §2.1) in a failure detail is written with its IPv4
part dotted, 64:ff9b::198.51.100.25, as RFC 5952 §5 recommends for IPv4-translatable
addresses whose prefix is well known (and as RFC 6052 §2.4 writes them). The parser did so
for IPv4-mapped addresses (::ffff:0:0/96) only; this one it wrote in hex
(64:ff9b::c633:6419), so the receiving IP on the dashboard and in the CSV hid the IPv4
address a sender behind NAT64 reached.

Cases T14, T15, T62: a no-policy-found entry without policy-string had the note "no
policy-string (as Microsoft and mail.ru send)" on its report page, as if the sender had left
out something. RFC 8460 §4.4's policy-string is "an encoding of the applied policy", and with
no policy found none was applied: there is nothing to quote (the parser already said so of a
null one). An sts or tlsa entry without it keeps the note.

Case T65: with only reports about another domain in the last 30 days, the dashboard's
organisations section said "No reports yet." above the list of those reports; it now says none
of them is counted for the domain, and why.
"""

from __future__ import annotations

import gzip
import json
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from mailsec.domains.models import Domain
from reports.models import FailureDetail, ReportAddress
from reports.parse import parse_report
from tests.test_reports_email import address  # noqa: F401 (fixture)
from tests.test_reports_s12_blind import _post
from tests.test_reports_s13_blind import parse_pending
from tests.test_reports_s18_dashboard_blind import read_page
from tests.test_reports_s34r_blind import owner  # noqa: F401 (fixture)


def body(receiving_ip: str) -> bytes:
    report = {
        "organization-name": "Sender Example Mail Ltd.",
        "date-range": {
            "start-datetime": "2026-06-01T00:00:00Z",
            "end-datetime": "2026-06-01T23:59:59Z",
        },
        "contact-info": "smtp-tls-reporting@sender.example",
        "report-id": "2026-06-01T00:00:00Z_example.com",
        "policies": [
            {
                "policy": {"policy-type": "sts", "policy-domain": "example.com"},
                "summary": {
                    "total-successful-session-count": 117,
                    "total-failure-session-count": 3,
                },
                "failure-details": [
                    {
                        "result-type": "certificate-expired",
                        "sending-mta-ip": "64:FF9B::CB00:7109",
                        "receiving-ip": receiving_ip,
                        "failed-session-count": 3,
                    }
                ],
            }
        ],
    }
    return json.dumps(report).encode()


def addresses(data: bytes) -> tuple[str | None, str | None]:
    report = parse_report(data, report_domain="example.com")
    assert report.warnings == []
    detail = report.policies[0].failure_details[0]
    return detail.sending_mta_ip, detail.receiving_ip


@pytest.mark.parametrize("written", ["64:ff9b::c633:6419", "64:ff9b::198.51.100.25"])
def test_a_nat64_address_is_written_with_its_ipv4_part_dotted(written: str) -> None:
    assert addresses(body(written)) == ("64:ff9b::203.0.113.9", "64:ff9b::198.51.100.25")


def test_an_address_of_another_prefix_stays_in_hex() -> None:
    # Only a well-known prefix tells from the address alone that IPv4 is embedded (RFC 5952
    # §5); a network-specific one (RFC 6052 §2.2) or any other address does not.
    assert addresses(body("2001:db8::c633:6419"))[1] == "2001:db8::c633:6419"
    assert addresses(body("64:ff9b:1::c633:6419"))[1] == "64:ff9b:1::c633:6419"


def test_the_stored_detail_holds_the_dotted_form(client: Client, address: ReportAddress) -> None:
    assert (
        _post(client, address.token, gzip.compress(body("64:ff9b::c633:6419"))).status_code == 201
    )
    parse_pending()
    detail = FailureDetail.objects.get()
    assert detail.receiving_ip == "64:ff9b::198.51.100.25"
    assert detail.sending_mta_ip == "64:ff9b::203.0.113.9"


def entry(policy: dict[str, Any]) -> dict[str, Any]:
    return {
        "policy": policy,
        "summary": {"total-successful-session-count": 300, "total-failure-session-count": 0},
    }


def notes_of(*policies: dict[str, Any]) -> list[str]:
    report = json.loads(body("198.51.100.25"))
    report["policies"] = [entry(p) for p in policies]
    return parse_report(json.dumps(report).encode(), report_domain="example.com").notes


def test_a_no_policy_found_entry_without_policy_string_has_no_note() -> None:
    assert notes_of({"policy-type": "no-policy-found", "policy-domain": "example.com"}) == []


def test_an_sts_or_tlsa_entry_without_policy_string_keeps_its_note() -> None:
    notes = notes_of(
        {"policy-type": "sts", "policy-domain": "example.com"},
        {"policy-type": "tlsa", "policy-domain": "mx1.example.com"},
    )
    assert notes == [
        "policies[0]: no policy-string (as Microsoft and mail.ru send)",
        "policies[1]: no policy-string (as Microsoft and mail.ru send)",
    ]


def organisations_section(owner: User, data: bytes) -> str:
    address = ReportAddress.for_domain(Domain.objects.get(name="example.com"))
    assert _post(Client(), address.token, gzip.compress(data)).status_code == 201
    parse_pending()
    client = Client()
    client.force_login(owner)
    plain = read_page(client.get(f"/tlsrpt/{address.token}/dashboard/").content).plain
    return plain[plain.index("By reporting organisation") : plain.index("By result type")]


def yesterdays(policy_domain: str) -> bytes:
    day = (timezone.now() - timedelta(days=1)).date().isoformat()
    report = json.loads(body("198.51.100.25"))
    report["date-range"] = {
        "start-datetime": f"{day}T00:00:00Z",
        "end-datetime": f"{day}T23:59:59Z",
    }
    report["policies"][0]["policy"]["policy-domain"] = policy_domain
    return json.dumps(report).encode()


def test_only_reports_about_another_domain_are_not_called_no_reports(owner: User) -> None:
    section = organisations_section(owner, yesterdays("parked.example.net"))
    assert "No reports yet" not in section
    assert "None counted for example.com" in section
    assert "about another domain" in section


def test_a_counted_report_is_in_the_organisations_table(owner: User) -> None:
    section = organisations_section(owner, yesterdays("example.com"))
    assert "Sender Example Mail Ltd." in section
    assert "None counted" not in section
