"""checks/tlsrpt.py: report URIs senders cannot use although they look like one (RFC 8460 §3,
RFC 3986): control characters, an https port that is no port."""

from __future__ import annotations

import json

import pytest

from checks.findings import Status
from checks.tlsrpt import parse_tlsrpt_record
from tests.test_tlsrpt_record import BASE, run


@pytest.mark.parametrize(
    ("uri", "says"),
    [
        ("mailto:t\x00ls@example.org", "control character"),
        ("mailto:tls@example.org\x7f", "control character"),
        ("https://rpt.example.net/v1\x01", "control character"),
        ("https://rpt.example.net:99999/v1", "port"),
        ("https://rpt.example.net:443x/v1", "port"),
        ("https://rpt.example.net:/v1:", ""),
    ],
)
def test_a_uri_senders_cannot_use_is_not_usable(uri: str, says: str) -> None:
    record = parse_tlsrpt_record(f"v=TLSRPTv1; rua={uri}")
    if not says:
        # An empty port is the scheme's default (RFC 3986 §3.2.3): usable.
        assert record.valid and record.uris[0].usable
        return
    assert not record.valid and not record.uris[0].usable
    (problem,) = record.problems
    assert (problem.check_id, problem.status) == ("TLSRPT-06", Status.FAIL)
    assert says in problem.message


@pytest.mark.parametrize(
    "uri",
    [
        "https://rpt.example.net:8443/v1",
        "https://[2001:db8::7]:8443/v1",
        "mailto:tls@example.org?subject=TLS%20report",
        "mailto:tls%2Breports@example.org",
    ],
)
def test_ports_queries_and_percent_encoding_are_fine(uri: str) -> None:
    record = parse_tlsrpt_record(f"v=TLSRPTv1; rua={uri}")
    assert record.valid and record.problems == [] and record.uris[0].usable


def test_a_uri_with_a_nul_is_not_listed_as_where_reports_go() -> None:
    zone = {
        **BASE,
        ("_smtp._tls.example.org", "TXT"): [
            '"v=TLSRPTv1; rua=mailto:t\\000ls@example.org,mailto:tls@example.org"'
        ],
    }
    findings = run(zone)
    (unusable,) = [f for f in findings if f.id == "TLSRPT-06"]
    assert unusable.status == Status.WARN and "\\x00" in unusable.summary
    (listed,) = [f for f in findings if f.id == "TLSRPT-05"]
    assert listed.status == Status.PASS
    assert listed.summary == "Reports go to: mailto:tls@example.org."
    assert "\\u0000" not in json.dumps([f.to_dict() for f in findings])


def test_a_split_record_that_is_not_tls_rpt_is_not_called_the_record() -> None:
    # TLSRPT-03 is about the TLS-RPT record; another TXT record at the name may be split.
    zone = {
        **BASE,
        ("_smtp._tls.example.org", "TXT"): [
            '"v=TLSRPTv1; rua=mailto:tls@example.org"',
            '"site-verification=abc" "def"',
        ],
    }
    findings = run(zone)
    assert [f for f in findings if f.id == "TLSRPT-03"] == []
    assert {f.id: f.status for f in findings}["TLSRPT-02"] == Status.PASS
