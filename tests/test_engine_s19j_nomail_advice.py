"""Round s19j: one "advise the no-mail records?" decision (mx.advises_no_mail) for every finding.

MX-01 offers the records of a domain that takes no mail (null MX, `v=spf1 -all`, DMARC
p=reject) only when its own address refused port 25 or greeted 521 within
mx.NO_MAIL_WAIT_SECONDS and nothing says it sends (SPF authorising senders, a DKIM key, BIMI).
SMTP-01, MTASTS-01, MTASTS-34, TLS-RPT and DMARC used their own readings (no wait limit, no
sending signs) and disagreed with it: a domain that sends was told to publish a null MX, a
domain without mail was given a DMARC report mailbox at itself, and TLS-RPT waited for a whole
silent probe. They now all read MX-01's one answer.

In-memory DNS (tests.test_mx.FakeDns); real SMTP answers on 127.0.148.x.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Iterator

import pytest

from checks import engine, mx, starttls
from checks.config import CheckConfig
from checks.findings import DomainReport, Finding, Status
from tests.test_engine_s19z_nomail import D, check, free_port, in_memory_dns, one
from tests.test_mx import FakeDns

Zone = dict[tuple[str, str], list[str] | str]

# Advice meant only for a domain that sends and receives no mail.
NULL_MX = re.compile(rf"{re.escape(D)}\. MX 0 \.|null MX", re.IGNORECASE)
REFUSE_ALL = re.compile(r"v=spf1 -all|p=reject")
LOOKS_MAILLESS = "looks like a domain that receives no mail"
MAILBOX_AT_D = re.compile(rf"mailto:[^\s,;\"]*@{re.escape(D)}(?![A-Za-z0-9.-])", re.IGNORECASE)
# The findings that advise on a domain with no MX (MX-01's own fix names the null MX it does
# not suit a sending domain, tests/test_engine_s19m_sending.py).
ADVISING = ("SMTP-01", "MTASTS-01", "MTASTS-34", "TLSRPT-01", "DMARC-01", "DMARC-06")


@pytest.fixture(autouse=True)
def _fresh_probe_cache() -> Iterator[None]:
    # SMTP probes are cached per process by address: each test's answers are its own.
    starttls.clear_cache()
    yield
    starttls.clear_cache()


def _zone(address: str, *, sends: bool, dmarc: str | None = "v=DMARC1; p=none") -> Zone:
    """A website with no MX (its address `address`), an MTA-STS record (so MTASTS-34 speaks)
    and no TLS-RPT record; `sends`: SPF authorising a provider's senders and a DKIM key."""
    zone: Zone = {
        (D, "A"): [address],
        (f"_mta-sts.{D}", "TXT"): ['"v=STSv1; id=1"'],
    }
    if sends:
        zone[(D, "TXT")] = ['"v=spf1 include:sendgrid.net -all"']
        zone[("sendgrid.net", "TXT")] = ['"v=spf1 ip4:167.89.0.0/17 -all"']
        zone[(f"s1._domainkey.{D}", "TXT")] = [
            '"v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"'
        ]
    else:
        zone[(D, "TXT")] = ['"v=spf1 ~all"']
    if dmarc is not None:
        zone[(f"_dmarc.{D}", "TXT")] = [f'"{dmarc}"']
    return zone


def _advice(report: DomainReport) -> list[Finding]:
    return [f for f in report.findings if f.id in ADVISING and f.fix]


def _says_null_mx(finding: Finding) -> bool:
    return bool(NULL_MX.search(f"{finding.summary}\n{finding.fix}"))


def _no_mail_advice(finding: Finding) -> list[str]:
    """What in `finding` is advice for a domain that sends and receives no mail."""
    text = f"{finding.summary}\n{finding.fix}"
    said = [m.group(0) for m in (NULL_MX.search(text), REFUSE_ALL.search(text)) if m]
    if LOOKS_MAILLESS in text:
        said.append(LOOKS_MAILLESS)
    return said


def test_a_sending_domain_gets_no_no_mail_advice_in_any_finding() -> None:
    address = "127.0.148.1"
    report = check(D, _zone(address, sends=True), free_port(address))
    mx01 = one(report, "MX-01")
    assert mx01.evidence["sending_signs"]  # MX-01 tells it to publish a real MX
    advising = _advice(report)
    assert {f.id for f in advising} >= {"SMTP-01", "MTASTS-34", "TLSRPT-01", "DMARC-06"}
    assert [(f.id, _no_mail_advice(f)) for f in advising if _no_mail_advice(f)] == []
    # The usual advice: its report mailboxes, and the MX of a mail server first. DMARC
    # reports go to a mailbox elsewhere: one at D, whose own address takes no mail, would
    # receive none whether or not D sends (tests/test_engine_s20_advice3.py).
    assert f"rua=mailto:tls-reports@{D}" in one(report, "TLSRPT-01").fix
    assert f"rua=mailto:tls-reports@{D}" in one(report, "MTASTS-34").fix
    assert any("a mailbox at a domain that receives mail" in f.fix for f in advising)
    assert not any(f"mailto:dmarc-reports@{D}" in f.fix for f in advising)
    assert "publish an MX record naming the server" in one(report, "SMTP-01").fix
    assert one(report, "SMTP-01").status == Status.FAIL  # unchanged


def test_a_sending_domain_without_mta_sts_is_told_to_publish_a_real_mx_first() -> None:
    address = "127.0.148.2"
    zone = _zone(address, sends=True, dmarc=None)
    del zone[(f"_mta-sts.{D}", "TXT")]
    report = check(D, zone, free_port(address))
    mtasts01 = one(report, "MTASTS-01")
    assert mtasts01.status == Status.INFO
    assert not _no_mail_advice(mtasts01)
    assert "Publish an MX record naming the server that receives its mail first" in mtasts01.fix
    assert "version: STSv1" not in mtasts01.fix  # no policy naming the web server
    dmarc01 = one(report, "DMARC-01")
    assert not _no_mail_advice(dmarc01)
    # p=none, reports at a mailbox elsewhere (tests/test_engine_s20_advice3.py).
    assert f"mailto:dmarc-reports@{D}" not in dmarc01.fix
    assert "rua=mailto:<a mailbox at a domain that receives mail>" in dmarc01.fix


def test_a_web_only_domain_gets_the_no_mail_advice_in_every_finding() -> None:
    address = "127.0.148.3"
    report = check(D, _zone(address, sends=False), free_port(address))
    assert NULL_MX.search(one(report, "MX-01").fix)
    advising = _advice(report)
    assert {f.id for f in advising} >= {"SMTP-01", "MTASTS-34", "TLSRPT-01", "DMARC-06"}
    # Every finding names the null MX; none makes up a report mailbox at the domain.
    assert [f.id for f in advising if not _says_null_mx(f)] == []
    assert [(f.id, f.fix) for f in report.findings if f.fix and MAILBOX_AT_D.search(f.fix)] == []
    dmarc06 = [f for f in advising if f.id == "DMARC-06"]
    assert any(f'_dmarc.{D}. TXT "v=DMARC1; p=reject"' in f.fix for f in dmarc06)
    assert any(f.evidence.get("takes_no_mail") for f in dmarc06)


def test_a_web_only_domain_without_mta_sts_or_dmarc_gets_it_too() -> None:
    address = "127.0.148.4"
    zone = _zone(address, sends=False, dmarc=None)
    del zone[(f"_mta-sts.{D}", "TXT")]
    report = check(D, zone, free_port(address))
    for check_id in ("MX-01", "SMTP-01", "MTASTS-01", "TLSRPT-01", "DMARC-01"):
        assert _says_null_mx(one(report, check_id)), check_id
    assert [(f.id, f.fix) for f in report.findings if f.fix and MAILBOX_AT_D.search(f.fix)] == []


def test_a_report_mailbox_of_a_sending_domain_is_undeliverable_and_needs_a_real_mx() -> None:
    address = "127.0.148.5"
    zone = _zone(address, sends=True)
    zone[(f"_smtp._tls.{D}", "TXT")] = [f'"v=TLSRPTv1; rua=mailto:tls@{D}"']
    report = check(D, zone, free_port(address))
    tlsrpt10 = one(report, "TLSRPT-10")
    assert tlsrpt10.status == Status.WARN  # its own address takes no mail: nowhere to deliver
    assert "cannot be delivered" in tlsrpt10.summary
    assert LOOKS_MAILLESS not in tlsrpt10.summary
    assert f"Publish an MX record naming the server that receives {D}'s mail" in tlsrpt10.fix
    assert not _no_mail_advice(tlsrpt10)


def _run(
    zone: Zone, port: int, handler: Callable[..., Awaitable[None]], timeout: float
) -> tuple[DomainReport, dict[str, float]]:
    """Check D with `handler` answering on port 25 of its address; with the time each
    mechanism reported at."""
    config = CheckConfig(timeout=timeout, allow_private_targets=True, smtp_port=port)
    reported: dict[str, float] = {}
    address = zone[(D, "A")][0]

    async def go() -> DomainReport:
        server = await asyncio.start_server(handler, address, port)
        started = time.monotonic()

        def progress(mechanism: object, findings: object) -> None:
            reported[str(mechanism)] = time.monotonic() - started

        try:
            return await engine.check_domain(D, config, on_progress=progress)
        finally:
            server.close()

    with in_memory_dns(FakeDns(zone)):
        return asyncio.run(go()), reported


def test_a_silent_port_25_keeps_the_usual_advice_and_holds_no_finding() -> None:
    address = "127.0.148.6"
    port = free_port(address)

    async def say_nothing(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(10)
        writer.close()

    report, reported = _run(_zone(address, sends=False), port, say_nothing, timeout=4)
    assert one(report, "MX-01").fix == f"{D}. MX 10 {D}."
    assert [(f.id, _no_mail_advice(f)) for f in _advice(report) if _no_mail_advice(f)] == []
    assert f"rua=mailto:tls-reports@{D}" in one(report, "TLSRPT-01").fix
    # Only STARTTLS and DANE, which report on the probe itself, wait for it (the 4 s
    # timeout); nothing else waits past MX-01's limit for it.
    assert {"mx", "tls-rpt", "mta-sts", "dmarc"} <= set(reported)
    limit = mx.NO_MAIL_WAIT_SECONDS + 1.0
    late = {m: t for m, t in reported.items() if t > limit and m not in ("smtp", "dane")}
    assert late == {}
    assert limit < 4


def test_a_521_after_the_wait_gets_the_usual_advice_everywhere() -> None:
    # Past MX-01's wait the answer proves nothing to any finding: they all agree with MX-01.
    address = "127.0.148.7"
    port = free_port(address)

    async def slow_521(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(mx.NO_MAIL_WAIT_SECONDS + 0.8)
        writer.write(b"521 5.3.2 parked.example.org does not accept mail\r\n")
        await writer.drain()
        writer.close()

    zone = _zone(address, sends=False)
    zone[(f"_smtp._tls.{D}", "TXT")] = [f'"v=TLSRPTv1; rua=mailto:tls@{D}"']
    report, _ = _run(zone, port, slow_521, timeout=4)
    assert one(report, "MX-01").fix == f"{D}. MX 10 {D}."
    consulted = [f for f in report.findings if f.id in ADVISING or f.id.startswith("TLSRPT-")]
    assert [(f.id, _no_mail_advice(f)) for f in consulted if _no_mail_advice(f)] == []
    # TLSRPT-10 no longer waits for the greeting to warn (docs/scoring.md v7).
    assert one(report, "TLSRPT-10").status == Status.PASS
