"""Task s34n: hosts written as numbers, left open by blind round s34g.

1. A TLS-RPT https report URL whose host is numbers a WHATWG URL parser reads as IPv4
   (https://2130706433/r, https://0x7f.1/r, https://127.1/r are https://127.0.0.1/r to browsers
   and the HTTP clients senders post with) is judged as that address is: the probe goes to it
   (here the SSRF guard refuses loopback: could not check, as for https://127.0.0.1/r), the
   text says how the host reads and the fix asks for a host name. It was TLSRPT-10 warn 'does
   not resolve' with a fix to publish an A record for '127.1'.
2. An MX target whose last label is all digits ('2130706433.') is no host name (RFC 1123 §2.1:
   a top-level label is alphabetic): MX-05 fail as for '127.0.0.1.', with a fix naming a host,
   not MX-06's 'Publish an address for 2130706433'.
"""

from __future__ import annotations

from typing import Any

import pytest

from checks import mx, starttls, tlsrpt
from checks.findings import Finding
from checks.https import HttpsResult
from tests.blind_engine import run_engine

D = "shop.s34n-example.org"


def _tlsrpt_zone(uri: str) -> dict[Any, Any]:
    return {
        (D, "MX"): [f"10 mx.{D}."],
        (f"mx.{D}", "A"): ["9.9.9.9"],
        (f"_smtp._tls.{D}", "TXT"): [f"v=TLSRPTv1; rua={uri}"],
    }


def _tlsrpt10(uri: str, fetch: Any = None) -> tuple[list[Finding], list[tuple[str, str]]]:
    starttls.clear_cache()
    run = run_engine(tlsrpt, D, _tlsrpt_zone(uri), fetch=fetch)
    return [f for f in run.findings if f.id == "TLSRPT-10"], run.asked


@pytest.mark.parametrize(
    ("host", "how"),
    [("2130706433", "written short"), ("0x7f.1", "written short"), ("127.1", "written short")],
)
def test_a_numeric_report_host_is_judged_as_the_address_it_reads_as(host: str, how: str) -> None:
    literal, _ = _tlsrpt10("https://127.0.0.1/r")
    findings, asked = _tlsrpt10(f"https://{host}/r")
    assert [f.status for f in findings] == [f.status for f in literal] == ["error"]
    (finding,) = findings
    assert "loopback" in finding.summary
    assert f"{host} is 127.0.0.1 {how}; senders' URL parsers read it so" in finding.summary
    assert "does not resolve" not in finding.summary
    assert "host name" in finding.fix
    assert "Publish an address" not in finding.fix
    # Nothing to look up: the address is in the URL.
    assert not [q for q in asked if q[0].rstrip(".") == host]


def test_a_numeric_public_report_host_is_probed_at_its_address() -> None:
    fetched: list[str] = []

    async def fetch(ctx: Any, url: str, **kw: Any) -> HttpsResult:
        fetched.append(url)
        return HttpsResult(url=url, status=404, body=b"", host="8.8.8.8")

    # 134744072 is 8.8.8.8: the probe goes there, and its 404 is the warn the literal gets.
    literal, _ = _tlsrpt10("https://8.8.8.8/r", fetch)
    findings, _ = _tlsrpt10("https://134744072/r", fetch)
    assert [u for u in fetched if "mta-sts" not in u] == ["https://8.8.8.8/r"] * 2
    assert [f.status for f in findings] == [f.status for f in literal] == ["warn"]
    (finding,) = findings
    assert "134744072 is 8.8.8.8 written short" in finding.summary
    assert "host name" in finding.fix


def test_a_numeric_report_host_that_takes_posts_passes_as_the_literal_does() -> None:
    async def fetch(ctx: Any, url: str, **kw: Any) -> HttpsResult:
        return HttpsResult(url=url, status=200, body=b"", host="8.8.8.8")

    findings, _ = _tlsrpt10("https://8.8.8.1/r", fetch)
    assert [f.status for f in findings] == ["pass"]
    findings, _ = _tlsrpt10("https://8.8.2049/r", fetch)
    assert [f.status for f in findings] == ["pass"]
    assert "8.8.2049 is 8.8.8.1 written short" in findings[0].summary


def test_a_host_name_ending_in_letters_is_still_looked_up() -> None:
    # 0x7f.1.example is a name (its last label is no number): looked up, not read as IPv4.
    findings, asked = _tlsrpt10("https://0x7f.1.example/r")
    assert [f.status for f in findings] == ["warn"]
    assert "does not resolve" in findings[0].summary
    assert ("0x7f.1.example", "A") in [(n.rstrip("."), t) for n, t in asked]


def _mx(target: str) -> list[Finding]:
    starttls.clear_cache()
    return run_engine(mx, D, {(D, "MX"): [f"10 {target}"]}).findings


def _by_id(findings: list[Finding], check_id: str) -> list[Finding]:
    return [f for f in findings if f.id == check_id]


@pytest.mark.parametrize(
    ("target", "address"), [("2130706433.", "127.0.0.1"), ("127.1.", "127.0.0.1")]
)
def test_an_all_numeric_mx_target_is_no_host_name(target: str, address: str) -> None:
    name = target.rstrip(".")
    literal = _mx("127.0.0.1.")
    findings = _mx(target)
    assert (
        [f.status for f in _by_id(findings, "MX-05")]
        == [f.status for f in _by_id(literal, "MX-05")]
        == ["fail"]
    )
    (mx05,) = _by_id(findings, "MX-05")
    assert "no host name" in mx05.summary
    assert "RFC 1123" in mx05.summary
    assert f"{name} is {address} written short" in mx05.summary
    # The fix names a host, as MX-05's does for 127.0.0.1 (loopback: a server on the internet).
    assert "<your mail server's host name>" in mx05.fix
    assert f"remove the record {D}. MX 10 {name}." in mx05.fix
    (mx06,) = _by_id(findings, "MX-06")
    assert mx06.status == "fail"
    assert f"Publish an address for {name}" not in mx06.fix
    assert "MX-05" in mx06.fix
    assert not [f for f in findings if f.id == "MX-04" and f.status == "pass"]


def test_an_all_numeric_mx_target_without_an_ipv4_reading_is_no_host_name_either() -> None:
    findings = _mx("1.2.3.4.5.")
    (mx05,) = _by_id(findings, "MX-05")
    assert mx05.status == "fail"
    assert "written short" not in mx05.summary
    assert "<your mail server's host name>" in mx05.fix or "host name" in mx05.fix


def test_a_hex_mx_target_is_a_name() -> None:
    # 0x7f000001 has letters: a label a host name may have (RFC 1123 §2.1); looked up (MX-06).
    findings = _mx("0x7f000001.")
    assert not _by_id(findings, "MX-05")
    assert [f.status for f in _by_id(findings, "MX-06")] == ["fail"]
