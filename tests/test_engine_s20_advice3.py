"""Round s20, review of 48dc856 / 6fd1731: no report mailbox where none can receive.

- DMARC-06 offered p=reject at the organisational domain's record when that domain publishes
  a null MX, although the checked subdomain receives and sends mail. Only a null MX at the
  checked domain itself earns p=reject; a record inherited from a null-MX owner keeps its
  policy and is asked for reports at a mailbox elsewhere.
- dmarc.no_mailbox_reason read mx.advises_no_mail, which is None for a domain that sends, so
  BIMI-08, DMARC-01, DMARC-06 and DMARC-12 made up rua=mailto:dmarc-reports@<domain> at a
  domain with no MX whose own address takes no mail. A mailbox there receives nothing whether
  or not the domain sends.
- BIMI-08 waited on MX-01's port-25 reading even for a record keeping its own report address.
- MTASTS-02's summary said "Keep one." where its fix points to MTASTS-10.

Statuses are unchanged. In-memory DNS (tests.test_mx.FakeDns); port-25 refusals are real, on
127.0.172.x (a port nobody listens on).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from unittest.mock import patch

import pytest

from checks import dmarc, mx, starttls
from checks.findings import DomainReport, Finding, Status
from tests.test_engine_s19z_nomail import D, check, free_port, one, web_only

SENDER_SPF = ['"v=spf1 ip4:192.0.2.1 -all"']
BIMI = ['"v=BIMI1; l=https://example.net/logo.svg"']
OTHER_MAILBOX = "rua=mailto:<a mailbox at a domain that receives mail>"
Zone = dict[tuple[str, str], list[str] | str]


@pytest.fixture(autouse=True)
def _fresh_probe_cache() -> Iterator[None]:
    # SMTP probes are cached per process by address: each test's answers are its own.
    starttls.clear_cache()
    yield
    starttls.clear_cache()


def every(report: DomainReport, check_id: str) -> list[Finding]:
    return [f for f in report.findings if f.id == check_id]


# D1: a null MX at the organisational domain


def under_null_mx_org(address: str, org_dmarc: str) -> Zone:
    """D receives mail at its own MX; its organisational domain example.org publishes a null
    MX and the DMARC record D inherits."""
    return {
        (D, "MX"): [f"10 mx.{D}."],
        (f"mx.{D}", "A"): [address],
        ("example.org", "MX"): ["0 ."],
        ("_dmarc.example.org", "TXT"): [f'"{org_dmarc}"'],
    }


def test_dmarc06_offers_no_p_reject_at_a_null_mx_parent_of_a_domain_with_mail() -> None:
    address = "127.0.172.1"
    report = check(D, under_null_mx_org(address, "v=DMARC1; p=none"), free_port(address))
    assert one(report, "MX-01").status == Status.PASS
    dmarc06 = every(report, "DMARC-06")
    assert [f.status for f in dmarc06] == [Status.WARN, Status.WARN]  # unchanged
    assert all(f.subject == "_dmarc.example.org" for f in dmarc06)
    first, second = dmarc06
    assert "publish p=reject now" not in first.summary
    assert "example.org publishes a null MX" in first.summary
    assert "first add reports to a mailbox at a domain that receives mail" in first.summary
    # The policy stays (none), reports are asked for at a mailbox that can receive them.
    assert "p=reject" not in second.fix
    assert "keeping its policy" in second.fix and OTHER_MAILBOX in second.fix
    assert "@example.org" not in second.fix and f"@{D}" not in second.fix


def test_dmarc06_keeps_sp_none_of_a_null_mx_parent_and_asks_for_reports() -> None:
    # p=reject; sp=none: the subdomain gets sp=none. The old fix "published" the record as it
    # was ("v=DMARC1; p=reject; sp=none") as if that were the no-mail policy.
    address = "127.0.172.2"
    zone = under_null_mx_org(address, "v=DMARC1; p=reject; sp=none")
    dmarc06 = every(check(D, zone, free_port(address)), "DMARC-06")
    assert [f.status for f in dmarc06] == [Status.WARN, Status.WARN]
    assert "sp=none" in dmarc06[0].summary
    assert "publish p=reject now" not in dmarc06[0].summary
    assert 'TXT "v=DMARC1; p=reject; sp=none"' not in dmarc06[1].fix
    assert OTHER_MAILBOX in dmarc06[1].fix


def test_dmarc06_still_offers_p_reject_for_the_null_mx_domain_itself() -> None:
    zone: Zone = {(D, "MX"): ["0 ."], (f"_dmarc.{D}", "TXT"): ['"v=DMARC1; p=none"']}
    dmarc06 = every(check(D, zone, free_port("127.0.172.3")), "DMARC-06")
    assert "publish p=reject now" in dmarc06[0].summary
    assert f'_dmarc.{D}. TXT "v=DMARC1; p=reject"' in dmarc06[1].fix


# D2: no MX, its own address takes no mail, and the domain sends


def test_bimi08_makes_up_no_mailbox_at_a_sending_domain_whose_address_takes_no_mail() -> None:
    # The BIMI record is a sign that the domain sends: mx.advises_no_mail is None for it,
    # yet its own address refuses port 25 all the same.
    address = "127.0.172.4"
    zone = web_only(address)
    zone[(f"_dmarc.{D}", "TXT")] = ['"v=DMARC1; p=none"']
    zone[(f"default._bimi.{D}", "TXT")] = BIMI
    report = check(D, zone, free_port(address))
    assert "sending_signs" in one(report, "MX-01").evidence
    bimi08 = one(report, "BIMI-08")
    assert bimi08.status == Status.FAIL  # unchanged
    assert f"@{D}" not in bimi08.fix
    assert bimi08.fix.split("\n")[0] == f'_dmarc.{D}. TXT "v=DMARC1; p=quarantine"'
    assert "has no MX record and its own address takes no mail (see MX-01" in bimi08.fix
    assert "no report address is proposed" in bimi08.summary


def test_dmarc_findings_make_up_no_mailbox_at_a_sending_domain_whose_address_takes_no_mail() -> (
    None
):
    address = "127.0.172.5"
    zone = web_only(address, TXT=SENDER_SPF)
    zone[(f"_dmarc.{D}", "TXT")] = ['"v=DMARC1; p=none; rua=foo"']
    report = check(D, zone, free_port(address))
    assert "sending_signs" in one(report, "MX-01").evidence
    dmarc12 = one(report, "DMARC-12")
    assert dmarc12.status == Status.FAIL  # unchanged: no usable address
    assert dmarc12.fix == f'_dmarc.{D}. TXT "v=DMARC1; p=none"'
    dmarc06 = every(report, "DMARC-06")
    assert [f.status for f in dmarc06] == [Status.WARN, Status.WARN]
    assert not any(f"@{D}" in f.fix for f in dmarc06)
    # A domain that sends is not told to publish p=reject (MX-01 asks it for a real MX).
    assert not any("p=reject" in f.fix for f in dmarc06)
    assert "its own address takes no mail" in dmarc06[1].summary
    assert OTHER_MAILBOX in dmarc06[1].fix


def test_dmarc01_makes_up_no_mailbox_at_a_sending_domain_whose_address_takes_no_mail() -> None:
    address = "127.0.172.6"
    dmarc01 = one(check(D, web_only(address, TXT=SENDER_SPF), free_port(address)), "DMARC-01")
    assert dmarc01.status == Status.INFO  # unchanged
    assert dmarc01.fix.split("\n")[0] == f'_dmarc.{D}. TXT "v=DMARC1; p=none"'
    assert f"@{D}" not in dmarc01.fix and OTHER_MAILBOX in dmarc01.fix


# D3: BIMI-08 asks nothing when the record keeps its own report address


def test_bimi08_does_not_ask_where_reports_go_when_the_record_has_an_address() -> None:
    address = "127.0.172.7"
    zone = web_only(address)
    zone[(f"_dmarc.{D}", "TXT")] = ['"v=DMARC1; p=none; rua=mailto:r@example.net"']
    zone[(f"default._bimi.{D}", "TXT")] = BIMI
    asked: list[str] = []
    original = dmarc.no_mailbox_reason

    async def recorded(ctx: Any, at: str) -> str:
        asked.append(at)
        return await original(ctx, at)

    with patch.object(dmarc, "no_mailbox_reason", recorded):
        report = check(D, zone, free_port(address))
    assert asked == []  # no address is made up, so nothing waits on MX-01's reading
    assert one(report, "BIMI-08").fix == (
        f'_dmarc.{D}. TXT "v=DMARC1; p=quarantine; rua=mailto:r@example.net"'
    )


# MTASTS-02's summary and its fix


def test_mtasts02_summary_agrees_with_a_fix_pointing_to_mtasts10() -> None:
    address = "127.0.172.8"
    zone = web_only(address)
    zone[(f"_mta-sts.{D}", "TXT")] = ['"v=STSv1; id=1"', '"v=STSv1; id=2"']
    mtasts02 = one(check(D, zone, free_port(address)), "MTASTS-02")
    assert mtasts02.status == Status.FAIL  # unchanged
    assert "MTASTS-10" in mtasts02.fix
    assert "Keep one." not in mtasts02.summary
    assert "its own address takes no mail" in mtasts02.summary


def test_mtasts02_asks_for_one_record_at_a_domain_with_mx_records() -> None:
    # s25q: two ids are replaced by one new id, as the fix offers (it said "Keep one.").
    address = "127.0.172.9"
    zone: Zone = {
        (D, "MX"): [f"10 mx.{D}."],
        (f"mx.{D}", "A"): [address],
        (f"_mta-sts.{D}", "TXT"): ['"v=STSv1; id=1"', '"v=STSv1; id=2"'],
    }
    summary = one(check(D, zone, free_port(address)), "MTASTS-02").summary
    assert "Replace both with one record with a new id" in summary


# The shared pieces: mx.sending_signs is public, one sentence for "not a null MX"


def test_not_a_null_mx_is_one_sentence_for_mx01_and_smtp01() -> None:
    report = check(D, {(D, "TXT"): SENDER_SPF}, free_port("127.0.172.10"))
    signs = one(report, "MX-01").evidence["sending_signs"]
    assert mx.not_a_null_mx(D) in one(report, "MX-01").fix
    assert mx.not_a_null_mx(D, signs) in one(report, "SMTP-01").fix
    assert mx.sending_signs is not None and not hasattr(mx, "_sending_signs")
