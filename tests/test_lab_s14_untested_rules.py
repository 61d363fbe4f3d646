"""MTASTS-18, SMTP-15 and SPF-17 against the lab (s14_* scenarios, 127.0.76.x).

The expectations were written from RFC 8461 §3.3/§4.2/§8.2, RFC 7208 §2.3 and the checklist
before the engine ran on these scenarios; each scenario's `note` says why.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from checks.findings import DomainReport, Finding, Status
from tests.lab.control import Lab
from tests.lab.scenarios import load_file

SCENARIOS = Path(__file__).parent / "lab" / "scenarios"


def _report(lab: Lab, name: str) -> DomainReport:
    from checks.engine import check_domain
    from tests.test_engine_lab import lab_config

    report = asyncio.run(check_domain(f"{name}.lab.test", lab_config(lab)))
    assert not report.error, report.error
    return report


def _found(report: DomainReport, check_id: str) -> list[Finding]:
    return [f for f in report.findings if f.id == check_id]


# ------------------------------------------------------------------ the lab's repeated headers


def test_a_header_listed_with_several_values_is_declared_once_per_value() -> None:
    (f,) = load_file(SCENARIOS / "s14_cctwo.toml").https[0].files
    assert f.headers == (("Cache-Control", "public"), ("Cache-Control", "max-age=604800"))
    (f,) = load_file(SCENARIOS / "s14_ccyear.toml").https[0].files
    assert f.headers == (("Cache-Control", "max-age=31557600"),)


@pytest.mark.lab
def test_the_policy_host_sends_a_repeated_header_as_two_lines(lab: Lab) -> None:
    import socket
    import ssl

    # A raw request: HTTP clients join repeated headers, the test needs the lines as sent.

    ctx = ssl.create_default_context(cafile=lab.ca_bundle)
    host = "mta-sts.s14-cctwo.lab.test"
    with (
        socket.create_connection(("127.0.61.1", 443), timeout=10) as raw,
        ctx.wrap_socket(raw, server_hostname=host) as tls,
    ):
        tls.sendall(
            f"GET /.well-known/mta-sts.txt HTTP/1.1\r\nHost: {host}\r\n"
            "Connection: close\r\n\r\n".encode()
        )
        data = b""
        while chunk := tls.recv(65536):
            data += chunk
    head = data.split(b"\r\n\r\n", 1)[0].decode().lower().split("\r\n")
    assert [h for h in head if h.startswith("cache-control:")] == [
        "cache-control: public",
        "cache-control: max-age=604800",
    ]


# ------------------------------------------------------------------ MTASTS-18


@pytest.mark.lab
def test_mtasts18_says_nothing_without_cache_control(lab: Lab) -> None:
    assert _found(_report(lab, "s14-ccnone"), "MTASTS-18") == []


@pytest.mark.lab
def test_mtasts18_no_store_is_info_without_a_stale_copy_warning(lab: Lab) -> None:
    (f,) = _found(_report(lab, "s14-ccnostore"), "MTASTS-18")
    assert f.status == Status.INFO
    assert "no-store" in f.summary
    assert "old policy" not in f.summary


@pytest.mark.lab
def test_mtasts18_sixty_seconds_is_info_without_a_stale_copy_warning(lab: Lab) -> None:
    (f,) = _found(_report(lab, "s14-cc60"), "MTASTS-18")
    assert f.status == Status.INFO
    assert "max-age=60" in f.summary
    assert "old policy" not in f.summary


@pytest.mark.lab
def test_mtasts18_a_year_of_caching_says_a_proxy_may_serve_an_old_policy(lab: Lab) -> None:
    (f,) = _found(_report(lab, "s14-ccyear"), "MTASTS-18")
    assert f.status == Status.INFO
    assert "max-age=31557600" in f.summary
    assert "old policy" in f.summary and "365 days" in f.summary, f.summary
    assert "60 s" in f.summary, f.summary


@pytest.mark.lab
def test_mtasts18_two_header_lines_give_one_finding_with_both_values(lab: Lab) -> None:
    (f,) = _found(_report(lab, "s14-cctwo"), "MTASTS-18")
    assert f.status == Status.INFO
    assert "public" in f.summary and "max-age=604800" in f.summary
    assert "old policy" in f.summary and "7 days" in f.summary, f.summary


# ------------------------------------------------------------------ SPF-17


@pytest.mark.lab
def test_spf17_is_quiet_when_every_own_mx_has_a_helo_record(lab: Lab) -> None:
    found = _found(_report(lab, "s14-heloall"), "SPF-17")
    assert [f for f in found if f.status != Status.PASS] == []


@pytest.mark.lab
def test_spf17_lists_own_hosts_without_spf_and_leaves_others_alone(lab: Lab) -> None:
    (f,) = _found(_report(lab, "s14-helomix"), "SPF-17")
    assert f.status == Status.INFO
    assert f.evidence["hosts"] == [
        "mx2.s14-helomix.lab.test",
        "mx3.s14-helomix.lab.test",
        "mx5.out.s14-helomix.lab.test",
    ]
    assert "mx1." not in f.summary and "s14helo-x" not in f.summary
    for host in f.evidence["hosts"]:
        assert host in f.fix
    assert f.fix.count("v=spf1 a -all") == 3
    assert "s14helo-x" not in f.fix


@pytest.mark.lab
def test_spf17_follows_an_aliased_mx_and_puts_the_fix_at_the_canonical_name(lab: Lab) -> None:
    report = _report(lab, "s14-helocname")
    (f,) = _found(report, "SPF-17")
    assert f.status == Status.INFO
    # mail1's alias leads to a host with SPF; mail3's leads to another organisation.
    assert "mail1." not in f.summary and "mail3." not in f.summary, f.summary
    assert "mail2.s14-helocname.lab.test" in f.summary, f.summary
    # A CNAME owner can hold no TXT (RFC 1034 §3.6.2): the record goes where the alias leads.
    assert "host2.s14-helocname.lab.test" in f.fix, f.fix
    assert "mail2." not in f.fix.split("TXT")[0], f.fix
    assert "s14helo-p" not in f.fix


# ------------------------------------------------------------------ SMTP-15


@pytest.mark.lab
def test_smtp15_only_for_a_host_that_presents_a_certificate(lab: Lab) -> None:
    found = _found(_report(lab, "s14-ocsp"), "SMTP-15")
    assert [f.status for f in found] == [Status.INFO]
    (f,) = found
    assert "mx1.s14-ocsp.lab.test" in f.subject
    assert "not checked" in f.summary
