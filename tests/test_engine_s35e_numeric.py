"""Task s35e, item 4: IPv4 addresses written as other numbers in BIMI URLs and TLS-RPT mailboxes.

Since s34n, TLSRPT-10 reads an https report host written as numbers (https://127.1/r,
https://2130706433/r, https://0x7f.1/r) as the IPv4 address URL parsers (WHATWG URL) read it
as. BIMI's l= and a= URLs did not: 'https://2130706433/logo.svg' was 'it must name a fully
qualified host', 'https://1.0x7f/logo.svg' (1.0.0.127 to a URL parser) passed as a host name,
and 'https://1.2.3.4.5/...', no address at all, was 'an IP address'. A TLS-RPT mailbox at
numbers (mailto:tls@127.1) was looked up as a mail domain and told to 'Give 127.1 MX records'.
"""

from __future__ import annotations

from typing import Any

import pytest

from checks import bimi, starttls, tlsrpt
from checks.findings import Finding
from tests.blind_engine import run_engine

D = "shop.s35e-example.org"


@pytest.mark.parametrize(
    ("host", "words"),
    [
        ("2130706433", "2130706433 is 127.0.0.1 written short"),
        ("127.1", "127.1 is 127.0.0.1 written short"),
        ("0x7f.1", "0x7f.1 is 127.0.0.1 written short"),
        ("1.0x7f", "1.0x7f is 1.0.0.127 written short"),
        ("0177.0.0.1", "0177.0.0.1 is 127.0.0.1 written in hex or octal"),
        ("0x7f000001", "0x7f000001 is 127.0.0.1 written short"),
    ],
)
@pytest.mark.parametrize("svg", [True, False], ids=["l=", "a="])
def test_a_bimi_url_at_numbers_is_read_as_the_address_it_is(
    host: str, words: str, svg: bool
) -> None:
    problem = bimi.check_https_uri(f"https://{host}/mark.{'svg' if svg else 'pem'}", svg=svg)
    assert problem.startswith(f"{host} is an IP address ({words}; URL parsers read it so)"), problem
    assert "fully qualified domain name" in problem


def test_a_bimi_url_at_a_dotted_quad_is_an_ip_address_as_before() -> None:
    problem = bimi.check_https_uri("https://127.0.0.1/logo.svg", svg=True)
    assert problem == "127.0.0.1 is an IP address; it must be a fully qualified domain name"


def test_a_bimi_url_at_numbers_that_are_no_address_is_no_host_name() -> None:
    problem = bimi.check_https_uri("https://1.2.3.4.5/logo.svg", svg=True)
    assert "IP address" not in problem
    assert problem.startswith("1.2.3.4.5 is no host name: its last label is all digits"), problem


def test_a_bimi_url_at_a_host_name_still_passes() -> None:
    assert bimi.check_https_uri("https://0x7f.example/logo.svg", svg=True) == ""


def test_bimi04_fails_a_logo_at_a_hex_address() -> None:
    zone = {(f"default._bimi.{D}", "TXT"): ["v=BIMI1; l=https://1.0x7f/logo.svg"]}
    findings = run_engine(bimi, D, zone).findings
    (bimi04,) = [f for f in findings if f.id == "BIMI-04" and f.status == "fail"]
    assert "1.0x7f is 1.0.0.127 written short" in bimi04.summary


def _tlsrpt10(uri: str) -> tuple[list[Finding], list[tuple[str, str]]]:
    starttls.clear_cache()
    zone: dict[Any, Any] = {
        (D, "MX"): [f"10 mx.{D}."],
        (f"mx.{D}", "A"): ["192.0.2.70"],
        (f"_smtp._tls.{D}", "TXT"): [f"v=TLSRPTv1; rua={uri}"],
    }
    run = run_engine(tlsrpt, D, zone)
    return [f for f in run.findings if f.id == "TLSRPT-10"], run.asked


@pytest.mark.parametrize(
    ("domain", "words"),
    [
        ("127.1", "127.1 is 127.0.0.1 written short"),
        ("2130706433", "2130706433 is 127.0.0.1 written short"),
        ("0x7f.1", "0x7f.1 is 127.0.0.1 written short"),
        ("127.0.0.1", ""),
    ],
)
def test_a_report_mailbox_at_numbers_is_at_an_address_not_a_mail_domain(
    domain: str, words: str
) -> None:
    findings, asked = _tlsrpt10(f"mailto:tls@{domain}")
    (finding,) = findings
    assert finding.status == "warn"  # unchanged: reports there cannot be delivered
    assert f"{domain} is no mail domain but an IP address" in finding.summary, finding.summary
    if words:
        assert words in finding.summary
    assert "has no MX" not in finding.summary
    assert f"Give {domain} MX records" not in finding.fix, finding.fix
    assert "a mailbox at a domain that receives mail" in finding.fix
    # Nothing to look up: the address is written in the mailbox.
    assert not [q for q in asked if q[0].rstrip(".") == domain]


def test_a_report_mailbox_at_numbers_that_are_no_address_is_no_mail_domain() -> None:
    findings, asked = _tlsrpt10("mailto:tls@1.2.3.4.5")
    (finding,) = findings
    assert finding.status == "warn"
    assert "1.2.3.4.5 is no mail domain: its last label is all digits" in finding.summary
    assert "IP address" not in finding.summary
    assert "Give 1.2.3.4.5 MX records" not in finding.fix


def test_a_report_mailbox_at_a_name_ending_in_letters_is_still_looked_up() -> None:
    findings, asked = _tlsrpt10("mailto:tls@0x7f.1.example")
    assert [f.status for f in findings] == ["warn"]
    assert "has no MX and no address" in findings[0].summary
    assert ("0x7f.1.example", "MX") in [(n.rstrip("."), t) for n, t in asked]
