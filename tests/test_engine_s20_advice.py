"""Round s20: fix texts that agree with MX-01's advice on a domain that takes no mail.

mx.advises_no_mail / mx.no_mail_reading (36d1a9b) decide when MX-01 offers the records of a
domain that sends and receives no mail. Three fixes disagreed with it:

- MTASTS-10 (a record, no policy served) proposed a policy file `mx: <domain>` for a domain
  whose own address takes no mail; it now says what MTASTS-01 says (the null MX and removing
  the record, or a real MX first), and the policy-host findings point there.
- SMTP-01 (no MX host has an address) offered a null MX to a domain that sends mail, which
  MX-03 then warns about (RFC 7505 §4.2).
- BIMI-08 (and DMARC-06, DMARC-12) made up rua=mailto:dmarc-reports@<domain> at a domain that
  publishes a null MX, or that MX-01 gives the no-mail records, where no report can arrive.

Statuses are unchanged. In-memory DNS (tests.test_mx.FakeDns); port-25 refusals are real, on
127.0.166.x (a port nobody listens on).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from checks import starttls
from checks.findings import DomainReport, Finding, Status
from tests.test_engine_s19z_nomail import D, check, free_port, one, web_only

STS = ['"v=STSv1; id=20240101"']
SENDER_SPF = ['"v=spf1 ip4:192.0.2.1 -all"']
BIMI = ['"v=BIMI1; l=https://example.net/logo.svg"']
POLICY_FILE = f"https://mta-sts.{D}/.well-known/mta-sts.txt"


@pytest.fixture(autouse=True)
def _fresh_probe_cache() -> Iterator[None]:
    # SMTP probes are cached per process by address: each test's answers are its own.
    starttls.clear_cache()
    yield
    starttls.clear_cache()


def every(report: DomainReport, check_id: str) -> list[Finding]:
    return [f for f in report.findings if f.id == check_id]


def record_line(finding: Finding) -> str:
    # The record a fix offers is its first line; since a634496d (checks/onerecord.py) a fix
    # whose record rivals another fix's for the same name carries a "One DMARC record" line
    # after it, which these tests do not pin.
    return finding.fix.splitlines()[0]


# MTASTS-10


def test_mtasts10_for_a_domain_that_takes_no_mail_proposes_no_policy() -> None:
    address = "127.0.166.1"
    report = check(D, web_only(address) | {(f"_mta-sts.{D}", "TXT"): STS}, free_port(address))
    assert "looks like a domain that receives no mail" in one(report, "MX-01").summary

    mtasts10 = one(report, "MTASTS-10")
    assert mtasts10.status == Status.FAIL  # unchanged: senders get no policy
    assert "version: STSv1" not in mtasts10.fix and f"mx: {D}" not in mtasts10.fix
    assert "looks like a domain that receives no mail" in mtasts10.fix
    assert "publish the null MX MX-01 gives" in mtasts10.fix
    assert f"delete the record _mta-sts.{D}" in mtasts10.fix
    # The alternative, as MTASTS-01 words it: a real MX first, then the policy for it.
    assert "publish an MX record naming the server that receives it first" in mtasts10.fix

    # The policy host's findings keep their status and point to MTASTS-10, rather than ask
    # for an A record of a policy host serving a policy for no mail server.
    mtasts11 = one(report, "MTASTS-11")
    assert mtasts11.status == Status.FAIL
    assert "MTASTS-10" in mtasts11.fix
    assert "Publish A/AAAA records" not in mtasts11.fix


def test_mtasts10_for_a_domain_that_sends_asks_for_a_real_mx_first() -> None:
    address = "127.0.166.2"
    zone = web_only(address, TXT=SENDER_SPF)
    zone[(f"_mta-sts.{D}", "TXT")] = STS
    report = check(D, zone, free_port(address))
    assert "sending_signs" in one(report, "MX-01").evidence

    mtasts10 = one(report, "MTASTS-10")
    assert mtasts10.status == Status.FAIL
    assert f"mx: {D}" not in mtasts10.fix
    assert "null MX" not in mtasts10.fix  # MX-01 offers none to a domain that sends
    assert "Publish an MX record naming the server that receives its mail first" in mtasts10.fix
    assert POLICY_FILE in mtasts10.fix


def test_mtasts10_keeps_its_policy_file_for_a_domain_with_mx_records() -> None:
    address = "127.0.166.3"
    zone: dict[tuple[str, str], list[str] | str] = {
        (D, "MX"): [f"10 mx.{D}."],
        (f"mx.{D}", "A"): [address],
        (f"_mta-sts.{D}", "TXT"): STS,
    }
    mtasts10 = one(check(D, zone, free_port(address)), "MTASTS-10")
    assert f"mx: mx.{D}" in mtasts10.fix
    assert "receives no mail" not in mtasts10.fix


# SMTP-01 without any address


def test_smtp01_offers_no_null_mx_to_a_domain_that_sends() -> None:
    # No MX, no address: nothing to probe; the SPF record says the domain sends.
    report = check(D, {(D, "TXT"): SENDER_SPF}, free_port("127.0.166.4"))
    smtp01 = one(report, "SMTP-01")
    assert smtp01.status == Status.FAIL  # unchanged
    assert "Publish an MX record naming a mail server" in smtp01.fix
    assert "or a null MX" not in smtp01.fix
    assert f"Not a null MX ({D}. MX 0 .): {D} sends mail" in smtp01.fix


def test_smtp01_offers_no_null_mx_when_the_mx_host_has_no_address_and_the_domain_sends() -> None:
    zone: dict[tuple[str, str], list[str] | str] = {
        (D, "MX"): ["10 mail.other.test."],
        (D, "TXT"): SENDER_SPF,
        ("other.test", "TXT"): ['"unrelated"'],
    }
    smtp01 = one(check(D, zone, free_port("127.0.166.5")), "SMTP-01")
    assert smtp01.status == Status.FAIL
    assert "or a null MX" not in smtp01.fix and "sends mail" in smtp01.fix


def test_smtp01_still_offers_the_null_mx_to_a_domain_with_no_sign_of_sending() -> None:
    smtp01 = one(check(D, {(D, "TXT"): ['"unrelated"']}, free_port("127.0.166.6")), "SMTP-01")
    assert smtp01.fix == (
        "Publish an MX record naming a mail server with an A/AAAA record (see MX-01, MX-06), "
        "or a null MX (MX 0 .) if the domain should receive no mail."
    )


# BIMI-08, DMARC-06, DMARC-12: no report mailbox made up where no mail is received


def null_mx_with_bimi(dmarc: str | None) -> dict[tuple[str, str], list[str] | str]:
    zone: dict[tuple[str, str], list[str] | str] = {
        (D, "MX"): ["0 ."],
        (f"default._bimi.{D}", "TXT"): BIMI,
    }
    if dmarc is not None:
        zone[(f"_dmarc.{D}", "TXT")] = [f'"{dmarc}"']
    return zone


def test_bimi08_makes_up_no_report_mailbox_at_a_null_mx_domain() -> None:
    report = check(D, null_mx_with_bimi(None), free_port("127.0.166.7"))
    assert one(report, "MX-03").status == Status.WARN  # BIMI says it sends
    assert record_line(one(report, "DMARC-01")) == f'_dmarc.{D}. TXT "v=DMARC1; p=reject"'
    bimi08 = one(report, "BIMI-08")
    assert bimi08.status == Status.FAIL  # unchanged
    assert f"@{D}" not in bimi08.fix
    # s37a: DMARC-01's p=reject for a null MX, not a quarantine step of BIMI's own.
    assert bimi08.fix.split("\n")[0] == f'_dmarc.{D}. TXT "v=DMARC1; p=reject"'
    assert "null MX" in bimi08.fix


def test_bimi08_and_dmarc_agree_on_a_p_none_record_at_a_null_mx_domain() -> None:
    report = check(D, null_mx_with_bimi("v=DMARC1; p=none; rua=foo"), free_port("127.0.166.8"))
    bimi08 = one(report, "BIMI-08")
    assert bimi08.status == Status.FAIL
    assert f"@{D}" not in bimi08.fix
    dmarc12 = one(report, "DMARC-12")
    assert dmarc12.status == Status.FAIL  # unchanged: no usable address
    assert record_line(dmarc12) == f'_dmarc.{D}. TXT "v=DMARC1; p=none"'
    dmarc06 = every(report, "DMARC-06")
    assert [f.status for f in dmarc06] == [Status.WARN, Status.WARN]  # unchanged
    assert not any(f"@{D}" in f.fix for f in dmarc06)
    assert "publishes a null MX" in dmarc06[1].summary
    assert f'_dmarc.{D}. TXT "v=DMARC1; p=reject"' in dmarc06[1].fix


def test_bimi08_makes_up_no_report_mailbox_where_mx01_gives_the_no_mail_records() -> None:
    # A subdomain whose own address refuses port 25, under an organisational domain with BIMI:
    # the BIMI record it inherits is no sign that it sends (mx._sending_signs asks its own
    # name), so MX-01 gives it the no-mail records, and no mailbox is made up at it.
    domain, address = "web.example.org", "127.0.166.9"
    zone: dict[tuple[str, str], list[str] | str] = {
        (domain, "A"): [address],
        (f"_dmarc.{domain}", "TXT"): ['"v=DMARC1; p=none"'],
        ("default._bimi.example.org", "TXT"): BIMI,
        ("example.org", "TXT"): ['"unrelated"'],
    }
    report = check(domain, zone, free_port(address))
    assert "looks like a domain that receives no mail" in one(report, "MX-01").summary
    bimi08 = one(report, "BIMI-08")
    assert bimi08.status == Status.FAIL
    assert f"@{domain}" not in bimi08.fix
    assert "looks like a domain that receives no mail" in bimi08.fix


def test_bimi08_keeps_the_report_mailbox_of_a_domain_that_receives_mail() -> None:
    address = "127.0.166.10"
    zone: dict[tuple[str, str], list[str] | str] = {
        (D, "MX"): [f"10 mx.{D}."],
        (f"mx.{D}", "A"): [address],
        (f"default._bimi.{D}", "TXT"): BIMI,
    }
    bimi08 = one(check(D, zone, free_port(address)), "BIMI-08")
    assert record_line(bimi08) == (
        f'_dmarc.{D}. TXT "v=DMARC1; p=quarantine; rua=mailto:dmarc-reports@{D}"'
    )


def test_dmarc06_and_dmarc12_make_up_no_report_mailbox_at_a_null_mx_domain() -> None:
    # As DMARC-01 there, which proposes p=reject alone.
    zone: dict[tuple[str, str], list[str] | str] = {
        (D, "MX"): ["0 ."],
        (f"_dmarc.{D}", "TXT"): ['"v=DMARC1; p=none; rua=foo"'],
    }
    report = check(D, zone, free_port("127.0.166.11"))
    assert one(report, "MX-03").status == Status.INFO
    assert record_line(one(report, "DMARC-12")) == f'_dmarc.{D}. TXT "v=DMARC1; p=none"'
    dmarc06 = every(report, "DMARC-06")
    assert [f.status for f in dmarc06] == [Status.WARN, Status.WARN]
    assert not any(f"@{D}" in f.fix for f in dmarc06)
    assert "If it does send mail, add reports (rua) to a mailbox at a domain" in dmarc06[1].fix
