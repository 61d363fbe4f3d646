"""What blind round s28x (tests/test_lab_s28x_blind.py) found the engine saying wrong about MX
records and DNSSEC, pinned without the lab (tests.test_mx's fake DNS)."""

from __future__ import annotations

import asyncio

from checks import dnssec, mx
from checks.dns import DnsAnswer
from checks.findings import Collector, Finding, Mechanism, Status
from tests.test_mx import make_ctx, run_eval


def _one(findings: list[Finding], check_id: str, status: Status) -> Finding:
    hits = [f for f in findings if f.id == check_id and f.status == status]
    assert len(hits) == 1, [(f.id, f.status, f.summary) for f in findings]
    return hits[0]


# ----------------------------------------------------- MX-02: the null MX as published
def test_mx02_names_the_null_mx_as_published_when_typed_with_another_preference() -> None:
    # s28x-nullpref10: 'MX 10 .' beside 'MX 0 mx1'. The fix said "Remove the record
    # ex.com. MX 0 .", a record that is not there; the owner must find 'MX 10 .'.
    zone = {("ex.com", "MX"): ["0 mx1.ex.com.", "10 ."], ("mx1.ex.com", "A"): ["192.0.2.1"]}
    finding = _one(run_eval(mx, make_ctx("ex.com", zone)), "MX-02", Status.FAIL)
    assert "ex.com. MX 10 ." in finding.fix
    assert "MX 0 ." not in finding.fix
    assert "MX 10 ." in finding.summary


def test_mx02_keeps_naming_mx_0_when_that_is_how_it_was_published() -> None:
    zone = {("ex.com", "MX"): ["0 .", "10 mx1.ex.com."], ("mx1.ex.com", "A"): ["192.0.2.1"]}
    finding = _one(run_eval(mx, make_ctx("ex.com", zone)), "MX-02", Status.FAIL)
    assert "ex.com. MX 0 ." in finding.fix


# ------------------------------------- MX-05: an IP address with the zone's name appended
IPREL = {("ex.com", "MX"): ["10 192.0.2.25.ex.com."]}


def test_mx05_fails_for_an_ip_address_written_without_its_final_dot() -> None:
    # s28x-iprel: 'MX 10 192.0.2.25' in the zone file of ex.com is 192.0.2.25.ex.com, which does
    # not exist. The MX data was meant as an IP address (RFC 5321 §5.1: it must be a name).
    findings = run_eval(mx, make_ctx("ex.com", IPREL))
    finding = _one(findings, "MX-05", Status.FAIL)
    assert "192.0.2.25" in finding.summary and "final dot" in finding.summary
    assert "A 192.0.2.25" in finding.fix
    assert "ex.com. MX 10 192.0.2.25.ex.com." in finding.fix
    assert _one(findings, "MX-06", Status.FAIL).fix.startswith("The fix is MX-05's")


def test_a_name_of_digits_under_the_zone_that_has_an_address_is_a_host_name() -> None:
    # 192.0.2.25.ex.com with an address is a working host name (its last label is a letter one,
    # RFC 1123 §2.1): nothing to say about it.
    zone = {**IPREL, ("192.0.2.25.ex.com", "A"): ["192.0.2.25"]}
    findings = run_eval(mx, make_ctx("ex.com", zone))
    assert not [f for f in findings if f.id == "MX-05"]
    assert [f.status for f in findings if f.id == "MX-06"] == [Status.PASS]


def test_digits_under_another_zone_are_not_read_as_an_ip_address() -> None:
    # Only the zone the MX is published in (the domain, or an ancestor up to its organisational
    # domain) is appended to a name written without its final dot.
    zone = {("ex.com", "MX"): ["10 192.0.2.25.provider.example."]}
    findings = run_eval(mx, make_ctx("ex.com", zone))
    assert not [f for f in findings if f.id == "MX-05"]
    assert [f.status for f in findings if f.id == "MX-06"] == [Status.FAIL]


# ---------------------------------------- DNSSEC-01: a given DKIM selector's key is bogus
def _mail_names(zone: dict, cdzone: dict, selectors: tuple[str, ...]) -> list[Finding]:  # type: ignore[type-arg]
    ctx = make_ctx("ex.com", zone, cdzone=cdzone, dkim_selectors=selectors)
    soa = DnsAnswer("ex.com", "SOA", "NOERROR", records=[object()], ad=True)  # type: ignore[list-item]
    out = Collector(Mechanism.DNSSEC)
    asyncio.run(dnssec._mail_names(out, ctx, dnssec.Validation("ex.com", "secure", soa)))
    return out.findings


DKIM_ZONE = {
    ("ex.com", "MX"): ["10 mx.ex.com."],
    ("mx.ex.com", "A"): ["192.0.2.1"],
    ("s1._domainkey.ex.com", "TXT"): "SERVFAIL",
}


def test_a_bogus_key_record_of_a_given_selector_fails_dnssec01() -> None:
    # s28x-dkimexp: the key's RRSIG expired. Validating receivers get SERVFAIL for it and
    # cannot verify the domain's signatures; DKIM-01 can only say the lookup failed.
    cd = {("s1._domainkey.ex.com", "TXT"): ['"v=DKIM1; k=rsa; p=MIIB"']}
    findings = _mail_names(DKIM_ZONE, cd, ("s1",))
    finding = _one(findings, "DNSSEC-01", Status.FAIL)
    assert finding.subject == "s1._domainkey.ex.com"
    assert "dkim key" in finding.summary.lower()


def test_a_selector_not_given_and_a_lookup_that_is_not_bogus_are_no_dnssec01() -> None:
    cd = {("s1._domainkey.ex.com", "TXT"): ['"v=DKIM1; k=rsa; p=MIIB"']}
    assert not [f for f in _mail_names(DKIM_ZONE, cd, ()) if f.status == Status.FAIL]
    failing = {("s1._domainkey.ex.com", "TXT"): "SERVFAIL"}  # the CD retry fails too
    assert not [f for f in _mail_names(DKIM_ZONE, failing, ("s1",)) if f.status == Status.FAIL]


# ------------------------------------------------------ DNSSEC-06: the words of its verdicts
def _dnssec06(params: str) -> Finding:
    import dns.rdata
    import dns.rdataclass
    import dns.rdatatype

    record = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.NSEC3PARAM, params)
    out = Collector(Mechanism.DNSSEC)
    dnssec._dnssec06(out, "ex.com", DnsAnswer("ex.com", "NSEC3PARAM", "NOERROR", records=[record]))
    (finding,) = out.findings
    return finding


def test_dnssec06_says_one_iteration_in_the_singular() -> None:
    # s28x-nsec3one read "uses NSEC3 with 1 iterations".
    finding = _dnssec06("1 0 1 -")
    assert finding.status == Status.WARN
    assert "with 1 iteration;" in finding.summary


def test_dnssec06_fail_says_resolvers_may_degrade_not_that_they_do() -> None:
    # s28x-nsec3at101: 101 iterations fails (checklist heuristic above 100), but the lab's
    # Unbound (limit 150) validated its denials: RFC 9276 §3.2 lets validators treat such
    # answers as insecure or refuse them, above limits of their own.
    finding = _dnssec06("1 0 101 -")
    assert finding.status == Status.FAIL
    assert "101 iterations" in finding.summary
    assert "may treat" in finding.summary
    assert "resolvers treat such zones" not in finding.summary


# ------------------------------------------------------------ MX-07: what is wrong, and the fix
def test_mx07_reads_a_u_label_typed_as_raw_utf8_and_gives_its_a_label() -> None:
    # s28x-utf8mx: 'MX 20 backup-münchen' stored as the UTF-8 bytes read "The MX name
    # backup-m\195\188nchen.ex.com label 'backup-m\\\\195\\\\188nchen' is not letters, digits and
    # hyphens", with no fix.
    zone = {
        ("ex.com", "MX"): ["10 mx1.ex.com.", "20 backup-m\\195\\188nchen.ex.com."],
        ("mx1.ex.com", "A"): ["192.0.2.1"],
    }
    finding = _one(run_eval(mx, make_ctx("ex.com", zone)), "MX-07", Status.INFO)
    assert "'backup-münchen'" in finding.summary
    assert "xn--backup-mnchen-3ob.ex.com" in finding.fix
    assert "ex.com. MX 20 xn--backup-mnchen-3ob.ex.com." in finding.fix
    assert "\\\\" not in finding.summary


def test_mx07_says_why_an_underscore_matters_and_offers_a_hyphen() -> None:
    zone = {("ex.com", "MX"): ["10 mail_in.ex.com."], ("mail_in.ex.com", "A"): ["192.0.2.1"]}
    finding = _one(run_eval(mx, make_ctx("ex.com", zone)), "MX-07", Status.INFO)
    assert "'_'" in finding.summary and "MTA-STS" in finding.summary
    assert "ex.com. MX 10 mail-in.ex.com." in finding.fix
