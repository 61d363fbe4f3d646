"""Round s20, the leftovers of 48dc856: texts that still disagreed with MX-01's advice.

- MX-01 offered a null MX to a domain with no MX and no address that sends mail (SPF
  authorising senders, DKIM, BIMI: mx._sending_signs), as SMTP-01 did before 48dc856.
- MTASTS-11's summary asked for the policy host's A/AAAA records where its fix says that, at
  a domain whose own address takes no mail, something else comes first (MTASTS-10).
- A domain like that which does serve a policy was offered policy files naming its own
  address (MTASTS-30, MTASTS-31, the policy and record findings, MTASTS-01's announcement)
  and the move to enforce (MTASTS-33); they now give MTASTS-10's advice, once in full.
- BIMI-08's and DMARC-06's summaries waited on DMARC reports the fix cannot ask for (a null
  MX, or a domain MX-01 gives the no-mail records).

Statuses are unchanged. In-memory DNS (tests.test_mx.FakeDns); port-25 refusals are real, on
127.0.169.x (a port nobody listens on); the policy file is served by a stand-in https.fetch.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from unittest.mock import patch

import pytest

from checks import https, starttls
from checks.findings import DomainReport, Finding, Status
from tests.test_engine_s19z_nomail import D, check, free_port, one, web_only

STS = ['"v=STSv1; id=20240101"']
SENDER_SPF = ['"v=spf1 ip4:192.0.2.1 -all"']
BIMI = ['"v=BIMI1; l=https://example.net/logo.svg"']
POLICY_FILE = f"https://mta-sts.{D}/.well-known/mta-sts.txt"
Zone = dict[tuple[str, str], list[str] | str]


@pytest.fixture(autouse=True)
def _fresh_probe_cache() -> Iterator[None]:
    # SMTP probes are cached per process by address: each test's answers are its own.
    starttls.clear_cache()
    yield
    starttls.clear_cache()


def every(report: DomainReport, check_id: str) -> list[Finding]:
    return [f for f in report.findings if f.id == check_id]


def serving(policy: str, zone: Zone, port: int, content_type: str = "text/plain") -> DomainReport:
    """The engine's report with `policy` served at mta-sts.<D> (a valid certificate, 200)."""

    async def fetch(ctx: Any, url: str, **kw: Any) -> https.HttpsResult:
        if url == POLICY_FILE:
            return https.HttpsResult(
                url=url,
                host=f"mta-sts.{D}",
                status=200,
                headers={"content-type": content_type},
                body=policy.encode(),
                elapsed_ms=10,
                address_ms=10,
            )
        return https.HttpsResult(url=url, host="", error_kind="dns", error="NXDOMAIN")

    with patch.object(https, "fetch", fetch):
        return check(D, zone, port)


def policy(mode: str, *mx: str, max_age: int = 604800) -> str:
    lines = ["version: STSv1", f"mode: {mode}", *(f"mx: {m}" for m in mx), f"max_age: {max_age}"]
    return "\n".join(lines) + "\n"


def web_only_with_record(address: str, **more: list[str]) -> Zone:
    zone = web_only(address, **more)
    zone[(f"_mta-sts.{D}", "TXT")] = STS
    return zone


# 1. MX-01: no MX and no address


def test_mx01_offers_no_null_mx_to_a_domain_without_address_that_sends() -> None:
    report = check(D, {(D, "TXT"): SENDER_SPF}, free_port("127.0.169.1"))
    mx01 = one(report, "MX-01")
    assert mx01.status == Status.FAIL  # unchanged
    assert "MX 0 .   ; only if" not in mx01.fix
    assert f"{D}. MX 10 <your mail server's host name>." in mx01.fix.split("\n")
    assert f"Not a null MX ({D}. MX 0 .): {D} sends mail" in mx01.fix
    assert "publish a null MX" not in mx01.summary
    assert f"Yet {D} sends mail (an SPF record authorising senders" in mx01.summary
    assert mx01.evidence["sending_signs"]
    # As SMTP-01 says since 48dc856.
    assert "or a null MX" not in one(report, "SMTP-01").fix


def test_mx01_offers_no_null_mx_to_a_domain_with_a_bimi_record() -> None:
    zone: Zone = {(D, "TXT"): ['"unrelated"'], (f"default._bimi.{D}", "TXT"): BIMI}
    mx01 = one(check(D, zone, free_port("127.0.169.2")), "MX-01")
    assert "MX 0 .   ; only if" not in mx01.fix
    assert f"BIMI record at default._bimi.{D}" in mx01.summary


def test_mx01_still_offers_the_null_mx_to_a_domain_with_no_sign_of_sending() -> None:
    mx01 = one(check(D, {(D, "TXT"): ['"unrelated"']}, free_port("127.0.169.3")), "MX-01")
    assert mx01.status == Status.FAIL
    assert mx01.fix == f"{D}. MX 0 .   ; only if the domain should receive no mail"
    assert mx01.summary.endswith("If that is intended, publish a null MX (RFC 7505).")


# 2. MTASTS-11's summary


def test_mtasts11_summary_asks_for_no_address_records_at_a_domain_that_takes_no_mail() -> None:
    address = "127.0.169.4"
    report = check(D, web_only_with_record(address), free_port(address))
    mtasts11 = one(report, "MTASTS-11")
    assert mtasts11.status == Status.FAIL  # unchanged
    assert "publish A/AAAA" not in mtasts11.summary
    assert mtasts11.summary.startswith(f"The policy host mta-sts.{D} does not resolve (")
    assert "MTASTS-10" in mtasts11.fix


def test_mtasts11_summary_keeps_its_step_at_a_domain_with_mx_records() -> None:
    address = "127.0.169.5"
    zone: Zone = {
        (D, "MX"): [f"10 mx.{D}."],
        (f"mx.{D}", "A"): [address],
        (f"_mta-sts.{D}", "TXT"): STS,
    }
    mtasts11 = one(check(D, zone, free_port(address)), "MTASTS-11")
    assert mtasts11.summary.endswith("; publish A/AAAA records for it.")


# 3. A domain that takes no mail and serves a policy


def test_mtasts30_offers_no_mx_line_for_an_address_that_takes_no_mail() -> None:
    address = "127.0.169.6"
    report = serving(
        policy("enforce", "mail.other.test"), web_only_with_record(address), free_port(address)
    )
    assert "looks like a domain that receives no mail" in one(report, "MX-01").summary
    mtasts30 = one(report, "MTASTS-30")
    assert mtasts30.status == Status.FAIL  # unchanged
    assert f"mx: {D}" not in mtasts30.fix and "version: STSv1" not in mtasts30.fix
    assert "publish the null MX MX-01 gives" in mtasts30.fix
    assert f"delete the record _mta-sts.{D}" in mtasts30.fix
    assert f"list that server in the policy file at {POLICY_FILE}" in mtasts30.fix
    assert not any(f"mx: {D}" in f.fix for f in report.findings)


def test_mtasts33_under_testing_proposes_no_enforce_for_an_address_that_takes_no_mail() -> None:
    address = "127.0.169.7"
    report = serving(policy("testing", D), web_only_with_record(address), free_port(address))
    mtasts33 = one(report, "MTASTS-33")
    assert mtasts33.status == Status.INFO  # unchanged
    assert "switch" not in mtasts33.summary.lower()
    assert "in any mode, the policy protects no mail to it" in mtasts33.summary
    assert "enforce" not in mtasts33.fix
    assert "publish the null MX MX-01 gives" in mtasts33.fix


def test_a_served_policy_is_not_to_be_announced_at_a_domain_that_takes_no_mail() -> None:
    address = "127.0.169.8"
    report = serving(policy("enforce", D), web_only(address), free_port(address))
    mtasts01 = one(report, "MTASTS-01")
    assert mtasts01.status == Status.INFO  # unchanged
    assert "not announced" in mtasts01.summary
    assert f"mx: {D}" not in mtasts01.fix
    assert f'_mta-sts.{D}. TXT "v=STSv1' not in mtasts01.fix
    assert f"leave the policy file at {POLICY_FILE} unannounced" in mtasts01.fix
    assert "then list that server in the policy file" in mtasts01.fix


def test_the_advice_is_given_once_and_the_other_findings_point_to_it() -> None:
    # A bad id (MTASTS-05), a short max_age (MTASTS-23), an over-broad pattern (MTASTS-31):
    # each would offer a repaired record or policy naming the domain's own address.
    address = "127.0.169.9"
    zone = web_only(address)
    zone[(f"_mta-sts.{D}", "TXT")] = ['"v=STSv1; id=2024!"']
    report = serving(policy("testing", "*.example.org", max_age=5), zone, free_port(address))
    full = [f for f in report.findings if "publish the null MX MX-01 gives" in f.fix]
    assert [f.id for f in full] == ["MTASTS-05"]
    pointer = f"{D} has no MX record and its own address takes no mail (see MX-01): the fix of "
    pointing = [f for f in report.findings if f.fix.startswith(pointer)]
    assert {f.id for f in pointing} >= {"MTASTS-23", "MTASTS-31"}
    assert all("MTASTS-05 says what comes first" in f.fix for f in pointing)
    assert not any("version: STSv1" in f.fix or "v=STSv1; id=" in f.fix for f in report.findings)
    mtasts31 = next(f for f in every(report, "MTASTS-31") if f.status == Status.WARN)
    assert "list the MX hosts by name" not in mtasts31.summary


def test_a_served_policy_s_fetch_findings_point_the_same_way() -> None:
    address = "127.0.169.10"
    report = serving(
        policy("enforce", D), web_only_with_record(address), free_port(address), "text/html"
    )
    mtasts15 = one(report, "MTASTS-15")
    assert mtasts15.status == Status.FAIL  # unchanged
    assert "publish the null MX MX-01 gives" in mtasts15.fix


def test_a_served_policy_at_a_domain_that_sends_asks_for_a_real_mx_first() -> None:
    address = "127.0.169.11"
    report = serving(
        policy("enforce", "mail.other.test"),
        web_only_with_record(address, TXT=SENDER_SPF),
        free_port(address),
    )
    mtasts30 = one(report, "MTASTS-30")
    assert f"mx: {D}" not in mtasts30.fix
    assert "null MX" not in mtasts30.fix  # MX-01 offers none to a domain that sends
    assert "Publish an MX record naming the server that receives its mail first" in mtasts30.fix


def test_a_served_policy_keeps_its_policy_fixes_at_a_domain_with_mx_records() -> None:
    address = "127.0.169.12"
    zone: Zone = {
        (D, "MX"): [f"10 mx.{D}."],
        (f"mx.{D}", "A"): [address],
        (f"_mta-sts.{D}", "TXT"): STS,
    }
    report = serving(policy("enforce", "mail.other.test"), zone, free_port(address))
    mtasts30 = one(report, "MTASTS-30")
    assert f"mx: mx.{D}" in mtasts30.fix
    assert "receives no mail" not in mtasts30.fix


# 4. and 5. BIMI-08's and DMARC-06's summaries where no report address is proposed


def null_mx_with_bimi(dmarc: str | None) -> Zone:
    zone: Zone = {(D, "MX"): ["0 ."], (f"default._bimi.{D}", "TXT"): BIMI}
    if dmarc is not None:
        zone[(f"_dmarc.{D}", "TXT")] = [f'"{dmarc}"']
    return zone


def test_bimi08_waits_on_no_reports_it_does_not_propose() -> None:
    report = check(D, null_mx_with_bimi("v=DMARC1; p=none"), free_port("127.0.169.13"))
    bimi08 = one(report, "BIMI-08")
    assert bimi08.status == Status.FAIL  # unchanged
    assert f"@{D}" not in bimi08.fix
    assert "once DMARC reports show" not in bimi08.summary
    # s37a: at a null MX no quarantine step waits on reports: p=reject if it sends no mail
    # (DMARC-01/-06's record), the null MX replaced first if it does.
    assert f"{D} publishes a null MX (it accepts no mail)" in bimi08.summary
    assert "only once" not in bimi08.summary
    assert f'_dmarc.{D}. TXT "v=DMARC1; p=reject"' in bimi08.fix


def test_bimi08_keeps_its_words_where_it_proposes_a_report_address() -> None:
    address = "127.0.169.14"
    zone: Zone = {
        (D, "MX"): [f"10 mx.{D}."],
        (f"mx.{D}", "A"): [address],
        (f"default._bimi.{D}", "TXT"): BIMI,
    }
    bimi08 = one(check(D, zone, free_port(address)), "BIMI-08")
    assert f"rua=mailto:dmarc-reports@{D}" in bimi08.fix
    assert bimi08.summary.endswith(
        "Move to quarantine only once DMARC reports show your own mail passes DMARC."
    )


def test_dmarc06_sends_no_one_to_add_a_report_address_at_a_null_mx() -> None:
    report = check(D, null_mx_with_bimi("v=DMARC1; p=none"), free_port("127.0.169.15"))
    first, second = every(report, "DMARC-06")
    assert (first.status, second.status) == (Status.WARN, Status.WARN)  # unchanged
    assert "first add a report address, see below" not in first.summary
    assert f"{D} publishes a null MX, so no report can reach a mailbox there" in first.summary
    assert "publish p=reject now" in first.summary
    assert "publishes a null MX" in second.summary


def test_dmarc06_sends_no_one_to_add_a_report_address_where_mx01_gives_no_mail_records() -> None:
    address = "127.0.169.16"
    zone = web_only(address)
    zone[(f"_dmarc.{D}", "TXT")] = ['"v=DMARC1; p=none"']
    first, second = every(check(D, zone, free_port(address)), "DMARC-06")
    assert "first add a report address, see below" not in first.summary
    assert f"{D} looks like a domain that receives no mail (see MX-01)" in first.summary
    assert "first publish an MX record, then add reports" in first.summary
    assert "looks like a domain that receives no mail" in second.summary


def test_dmarc06_keeps_its_words_at_a_domain_that_receives_mail() -> None:
    address = "127.0.169.17"
    zone: Zone = {
        (D, "MX"): [f"10 mx.{D}."],
        (f"mx.{D}", "A"): [address],
        (f"_dmarc.{D}", "TXT"): ['"v=DMARC1; p=none"'],
    }
    first = every(check(D, zone, free_port(address)), "DMARC-06")[0]
    assert first.summary.endswith(
        "Move to quarantine, then reject, once reports look clean (first add a report "
        "address, see below)."
    )
