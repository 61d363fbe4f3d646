"""Mends from blind round s43h (tests/test_s43h_engine_blind.py): what the engine said wrong or
left unsaid on DNS shapes real admins publish. No network: tests.blind_engine's in-memory DNS."""

from __future__ import annotations

from typing import Any

from checks import mx
from tests.blind_engine import run_engine


def _no_probe() -> Any:
    raise AssertionError("no port-25 probe expected")


def _mx(domain: str, zone: dict[Any, Any]) -> list[Any]:
    return run_engine(mx, domain, zone, probe=_no_probe).findings


def _one(findings: list[Any], check: str) -> Any:
    found = [f for f in findings if f.id == check]
    assert len(found) == 1, [(f.id, str(f.status), f.summary) for f in findings]
    return found[0]


# ------------------------------------------------------------------ MX-05: an address with a port


def test_an_ip_address_with_its_port_as_mx_target_fails_mx05() -> None:
    # RFC 5321 §5.1: the MX data is a host name; an address with ':25' after it is looked up as a
    # name and fails. It is an address, not a name gone wrong (no MX-07).
    findings = _mx("wrenford-bakery.com", {("wrenford-bakery.com", "MX"): ["10 93.184.215.34:25."]})
    mx05 = _one(findings, "MX-05")
    assert str(mx05.status) == "fail"
    assert "93.184.215.34" in mx05.summary and "port" in mx05.summary
    assert "mx1.wrenford-bakery.com. A 93.184.215.34" in mx05.fix
    assert "wrenford-bakery.com. MX 10 mx1.wrenford-bakery.com." in mx05.fix
    assert "Then remove the record wrenford-bakery.com. MX 10 93.184.215.34:25." in mx05.fix
    assert not [f for f in findings if f.id == "MX-07"]
    mx06 = _one(findings, "MX-06")
    assert str(mx06.status) == "fail" and "MX-05" in mx06.fix


def test_a_reserved_address_with_a_port_gets_no_a_record() -> None:
    findings = _mx("wrenford-bakery.com", {("wrenford-bakery.com", "MX"): ["10 192.0.2.25:25."]})
    mx05 = _one(findings, "MX-05")
    assert str(mx05.status) == "fail" and "192.0.2.25" in mx05.summary
    assert "A 192.0.2.25" not in mx05.fix and "cannot reach" in mx05.fix


def test_an_ipv6_address_in_brackets_with_a_port() -> None:
    findings = _mx(
        "wrenford-bakery.com",
        {
            ("wrenford-bakery.com", "MX"): [
                "10 mx1.wrenford-bakery.com.",
                "20 [2a00\\:1450\\:4001\\:82b\\:\\:1b]:25.",
            ],
            ("mx1.wrenford-bakery.com", "A"): ["93.184.215.35"],
        },
    )
    mx05 = _one(findings, "MX-05")
    assert "2a00:1450:4001:82b::1b" in mx05.summary and "port" in mx05.summary
    assert "AAAA 2a00:1450:4001:82b::1b" in mx05.fix
    assert str(_one(findings, "MX-06").status) == "warn"


def test_a_host_name_with_a_colon_is_not_an_address() -> None:
    # Control: only an address before the port is MX-05's.
    findings = _mx("wrenford-bakery.com", {("wrenford-bakery.com", "MX"): ["10 mail.example:25."]})
    assert not [f for f in findings if f.id == "MX-05"]


# ------------------------------------------------- SPF-08: an include whose record is type 99 only


def _spf(domain: str, zone: dict[Any, Any]) -> list[Any]:
    from checks import spf

    return run_engine(spf, domain, zone, probe=_no_probe).findings


def test_an_own_include_published_only_as_type_99_is_republished_as_txt() -> None:
    # RFC 7208 §3.1, §4.4: receivers ask for TXT only, so the include finds no record, a
    # permerror (§5.2). The record is there, as type 99: the fix is that record as TXT, not the
    # domain's record without the include ('v=spf1 -all' would drop its own servers).
    findings = _spf(
        "marsden-haulage.com",
        {
            ("marsden-haulage.com", "TXT"): ["v=spf1 include:_spf.marsden-haulage.com -all"],
            ("_spf.marsden-haulage.com", "SPF"): ["v=spf1 ip4:198.51.100.0/24 -all"],
        },
    )
    spf08 = _one(findings, "SPF-08")
    assert str(spf08.status) == "fail"
    assert "type 99" in spf08.summary and "v=spf1 ip4:198.51.100.0/24 -all" in spf08.summary
    assert "Remove" not in spf08.summary
    assert spf08.fix == '_spf.marsden-haulage.com. TXT "v=spf1 ip4:198.51.100.0/24 -all"'


def test_a_providers_include_published_only_as_type_99_says_so() -> None:
    findings = _spf(
        "marsden-haulage.com",
        {
            ("marsden-haulage.com", "TXT"): [
                "v=spf1 ip4:203.0.113.9 include:spf.oldmailer.net -all"
            ],
            ("spf.oldmailer.net", "SPF"): ["v=spf1 ip4:192.0.2.0/24 -all"],
        },
    )
    spf08 = _one(findings, "SPF-08")
    assert str(spf08.status) == "fail"
    assert "type 99" in spf08.summary and "spf.oldmailer.net" in spf08.summary
    assert spf08.fix == 'marsden-haulage.com. TXT "v=spf1 ip4:203.0.113.9 -all"'


def test_an_include_with_no_record_at_all_reads_as_before() -> None:
    findings = _spf(
        "marsden-haulage.com",
        {("marsden-haulage.com", "TXT"): ["v=spf1 ip4:203.0.113.9 include:spf.oldmailer.net -all"]},
    )
    spf08 = _one(findings, "SPF-08")
    assert "does not publish an SPF record" in spf08.summary and "type 99" not in spf08.summary


# ------------------------------------------------------------ BIMI-02: no ';' after v=BIMI1


def _bimi(domain: str, record: str) -> list[Any]:
    from checks import bimi
    from tests.blind_engine import fake_fetch

    zone = {
        (domain, "MX"): [f"10 mx1.{domain}."],
        (f"mx1.{domain}", "A"): ["93.184.215.36"],
        (f"_dmarc.{domain}", "TXT"): [f"v=DMARC1; p=reject; rua=mailto:dmarc@{domain}"],
        (f"default._bimi.{domain}", "TXT"): [record],
    }
    fetch = fake_fetch(rest=b"")  # nothing is fetched for a record receivers discard
    return run_engine(bimi, domain, zone, fetch=fetch, probe=_no_probe).findings


def test_a_bimi_record_without_a_semicolon_after_its_version_says_so() -> None:
    # BIMI draft, Assertion Record Definition: tags are separated by ';', and receivers MUST NOT
    # fix syntax: 'v=BIMI1 l=…' has a version tag whose value is 'BIMI1 l=…'.
    d = "castleton-candles.com"
    findings = _bimi(d, f"v=BIMI1 l=https://bimi.{d}/logo.svg; a=https://bimi.{d}/vmc.pem")
    bimi02 = _one(findings, "BIMI-02")
    assert str(bimi02.status) == "fail"
    assert "does not start with exactly" not in bimi02.summary
    assert "';'" in bimi02.summary and "'v=BIMI1'" in bimi02.summary
    assert bimi02.fix == (
        f'default._bimi.{d}. TXT "v=BIMI1; l=https://bimi.{d}/logo.svg; a=https://bimi.{d}/vmc.pem"'
    )


def test_a_bimi_record_with_a_comma_after_its_version() -> None:
    d = "castleton-candles.com"
    findings = _bimi(d, f"v=BIMI1, l=https://bimi.{d}/logo.svg")
    bimi02 = _one(findings, "BIMI-02")
    assert "';'" in bimi02.summary
    assert bimi02.fix == f'default._bimi.{d}. TXT "v=BIMI1; l=https://bimi.{d}/logo.svg"'


def test_another_bimi_version_is_still_not_guessed() -> None:
    d = "castleton-candles.com"
    findings = _bimi(d, f"v=BIMI2 l=https://bimi.{d}/logo.svg")
    bimi02 = _one(findings, "BIMI-02")
    assert "does not start with exactly 'v=BIMI1'" in bimi02.summary and not bimi02.fix


# ------------------------------------------------------------ MX-06: 'MX 0 localhost.'


def test_mx_localhost_is_told_as_the_old_no_mail_habit() -> None:
    # RFC 6761 §6.3: localhost is the sender's own machine; RFC 7505 §3: 'MX 0 .' says no mail.
    findings = _mx("tollgate-archive.org", {("tollgate-archive.org", "MX"): ["0 localhost."]})
    mx06 = _one(findings, "MX-06")
    assert str(mx06.status) == "fail"
    assert "RFC 6761" in mx06.summary and "null MX" in mx06.summary
    assert "tollgate-archive.org. MX 0 ." in mx06.fix
    assert "in place of the record tollgate-archive.org. MX 0 localhost." in mx06.fix
    assert "Publish an address for localhost" not in mx06.fix


def test_mx_localhost_answered_with_loopback_reads_the_same() -> None:
    # Resolvers may answer localhost themselves with 127.0.0.1 (RFC 6761 §6.3).
    findings = _mx(
        "tollgate-archive.org",
        {("tollgate-archive.org", "MX"): ["0 localhost."], ("localhost", "A"): ["127.0.0.1"]},
    )
    mx06 = _one(findings, "MX-06")
    assert str(mx06.status) == "fail" and "RFC 6761" in mx06.summary
    assert "tollgate-archive.org. MX 0 ." in mx06.fix
    assert "public address for localhost" not in mx06.fix


def test_localhost_beside_a_real_mx_is_to_be_removed() -> None:
    findings = _mx(
        "tollgate-archive.org",
        {
            ("tollgate-archive.org", "MX"): ["10 mx1.tollgate-archive.org.", "90 localhost."],
            ("mx1.tollgate-archive.org", "A"): ["93.184.215.37"],
        },
    )
    mx06 = _one(findings, "MX-06")
    assert str(mx06.status) == "warn" and "RFC 6761" in mx06.summary
    assert mx06.fix.startswith("Remove the record tollgate-archive.org. MX 90 localhost.")
    assert "MX 0 ." not in mx06.fix


# ------------------------------------------------ SPF-01: a Sender ID record alone; SPF-02: a tab


def test_a_sender_id_record_alone_is_named_and_offered_as_spf() -> None:
    # RFC 7208 §4.5: only 'v=spf1' records are SPF; 'spf2.0/pra' is Sender ID (RFC 4406).
    from tests.test_engine_s26c_blind import OUTLOOK

    findings = _spf(
        "ashby-chandlers.com",
        {
            ("ashby-chandlers.com", "MX"): ["10 mx1.ashby-chandlers.com."],
            ("mx1.ashby-chandlers.com", "A"): ["93.184.215.38"],
            ("ashby-chandlers.com", "TXT"): ["spf2.0/pra include:spf.protection.outlook.com -all"],
            **OUTLOOK,
        },
    )
    spf01 = _one(findings, "SPF-01")
    assert str(spf01.status) == "warn"
    assert "'spf2.0/pra include:spf.protection.outlook.com -all'" in spf01.summary
    assert "Sender ID" in spf01.summary and "RFC 4406" in spf01.summary
    assert spf01.fix == 'ashby-chandlers.com. TXT "v=spf1 include:spf.protection.outlook.com -all"'


def test_a_sender_id_record_beside_spf_is_not_named() -> None:
    from tests.test_engine_s26c_blind import OUTLOOK

    findings = _spf(
        "ashby-chandlers.com",
        {
            ("ashby-chandlers.com", "MX"): ["10 mx1.ashby-chandlers.com."],
            ("mx1.ashby-chandlers.com", "A"): ["93.184.215.38"],
            ("ashby-chandlers.com", "TXT"): [
                "v=spf1 include:spf.protection.outlook.com -all",
                "spf2.0/pra include:spf.protection.outlook.com -all",
            ],
            **OUTLOOK,
        },
    )
    assert not [f for f in findings if "Sender ID" in f.summary]
    assert str(_one(findings, "SPF-01").status) == "pass"


def test_a_tab_after_the_version_is_named() -> None:
    findings = _spf(
        "cowling-kennels.com",
        {
            ("cowling-kennels.com", "MX"): ["10 mx1.cowling-kennels.com."],
            ("mx1.cowling-kennels.com", "A"): ["93.184.215.39"],
            ("cowling-kennels.com", "TXT"): ["v=spf1\tmx -all"],
        },
    )
    spf02 = _one(findings, "SPF-02")
    assert str(spf02.status) == "fail"
    assert "a tab after 'v=spf1'" in spf02.summary and "RFC 7208 §4.5" in spf02.summary
    assert spf02.fix == 'cowling-kennels.com. TXT "v=spf1 mx -all"'


# ------------------------------------------ SPF-10: a second record pasted after the first's all


def test_a_second_record_pasted_after_all_is_named_and_left_out_of_the_fixes() -> None:
    # RFC 7208 §4.6.1: the second 'v=spf1' reads as an unknown modifier (ignored, §6); the
    # terms after '~all' are never reached (§5.1). No fix may keep the pasted 'v=spf1'.
    from tests.test_engine_s26c_blind import GOOGLE, MAILCHIMP

    findings = _spf(
        "redmire-pottery.com",
        {
            ("redmire-pottery.com", "MX"): ["10 mx1.redmire-pottery.com."],
            ("mx1.redmire-pottery.com", "A"): ["93.184.215.40"],
            ("redmire-pottery.com", "TXT"): [
                "v=spf1 include:_spf.google.com ~all v=spf1 include:servers.mcsv.net ~all"
            ],
            **GOOGLE,
            **MAILCHIMP,
        },
    )
    spf10 = _one(findings, "SPF-10")
    assert str(spf10.status) == "warn"
    assert "another SPF record pasted into this one" in spf10.summary
    assert "'v=spf1 include:servers.mcsv.net ~all'" in spf10.summary
    assert "'v=spf1 include:_spf.google.com include:servers.mcsv.net ~all'" in spf10.summary
    assert spf10.fix == 'redmire-pottery.com. TXT "v=spf1 include:_spf.google.com ~all"'
    for f in findings:
        assert "google.com v=spf1" not in f.fix and "~all v=spf1" not in f.fix, f.fix
