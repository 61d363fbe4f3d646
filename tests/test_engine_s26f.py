"""s26f: engine follow-ups from the s26 rounds, each confirmed by running before the change.

1. 'v=spf1 ip4:0.0.0.0/0 -all' (likewise 'ip6:::/0', 'ip4:0.0.0.0/1 ip4:128.0.0.0/1', 'a/0',
   'mx/0') got SPF-19 "authorises a very large address range (/0)" and SPF-09 pass "servers
   not listed are not allowed to send", while every IPv4 server is listed. SPF-19 (still warn,
   checklist SPF-19) now says the term passes every server of the family, as '+all' would, and
   offers the record without it (an 'a/0' or 'mx/0' written without its /0), vetted as the
   other SPF fixes are, with a note to add the real senders. SPF-09 (still pass for '-all')
   says which servers never reach the ending.
2. SPF-08 (an include or redirect of a name without SPF) gave no record: it now offers the
   owner's record without the dead includes (all of them at once), or, for a redirect, says to
   publish SPF at the target or offers the record without the redirect ending in '-all' when
   the record names senders of its own.
3. BIMI-07 (lps= prefixes not valid) gave no record: it now offers the record with only the
   valid prefixes, or without lps= when none is valid.
4. DMARC-08 'pct=100%' (fail) said "RFC 7489 receivers ignore it". RFC 7489 §6.3 has syntax
   errors outside v and p discarded in favour of the default (pct's is 100): the text now says
   receivers apply the policy to all failing mail (and not the part written, for 'pct=50%').
"""

from __future__ import annotations

from checks import spf
from checks.findings import Finding, Status
from tests.test_bimi import CERT, LOGO, bimi_run
from tests.test_bimi import D as BIMI_D
from tests.test_dmarc import dmarc_run
from tests.test_spf import published, run

D = "example.org"


def _spf(record: str, **extra: list[str]) -> list[Finding]:
    zone = {
        (D, "MX"): ["10 mx1.example.org."],
        ("mx1.example.org", "A"): ["192.0.2.11"],
        (D, "A"): ["192.0.2.10"],
        ("_spf.vendor.example", "TXT"): ["v=spf1 ip4:198.51.100.0/24 -all"],
        (D, "TXT"): [record],
    }
    for key, value in extra.items():
        zone[(key.replace("_", "."), "TXT")] = value
    return run(spf, D, zone)


def _all(findings: list[Finding], check_id: str) -> list[Finding]:
    return [f for f in findings if f.id == check_id]


def _record(fix: str) -> str:
    name, text = published(fix.split("\n")[0])
    assert name == D
    return text


# --- 1. a /0 passes every server of its family --------------------------------------------


def test_an_ip4_slash_zero_passes_every_ipv4_server_and_the_fix_drops_it() -> None:
    findings = _spf("v=spf1 ip4:0.0.0.0/0 mx -all")
    (wide,) = _all(findings, "SPF-19")
    assert wide.status == Status.WARN
    assert "every IPv4 server on the Internet passes SPF" in wide.summary
    assert "as with '+all'" in wide.summary
    assert _record(wide.fix) == "v=spf1 mx -all"
    assert "networks that really send your mail" in wide.fix
    (terminal,) = _all(findings, "SPF-09")
    # Fail, as '+all' (s30f): every IPv4 server gets 'pass' from the range (s26f said pass).
    assert terminal.status == Status.FAIL
    assert "not allowed to send" not in terminal.summary
    assert "already passes every IPv4 server" in terminal.summary
    assert "only IPv6 servers that are not listed reach '-all'" in terminal.summary


def test_ip4_and_ip6_slash_zero_leave_no_server_refused() -> None:
    findings = _spf("v=spf1 ip4:0.0.0.0/0 ip6:::/0 -all")
    assert [f.status for f in _all(findings, "SPF-19")] == [Status.WARN, Status.WARN]
    assert "every IPv6 server on the Internet" in _all(findings, "SPF-19")[1].summary
    (terminal,) = _all(findings, "SPF-09")
    assert "no server reaches '-all', so none is refused" in terminal.summary


def test_two_halves_cover_ipv4_together() -> None:
    findings = _spf("v=spf1 ip4:0.0.0.0/1 ip4:128.0.0.0/1 ~all")
    halves = _all(findings, "SPF-19")
    assert len(halves) == 2
    assert "(with 'ip4:128.0.0.0/1') covers every IPv4 address" in halves[0].summary
    assert all(_record(f.fix) == "v=spf1 ~all" for f in halves)
    (terminal,) = _all(findings, "SPF-09")
    assert terminal.status == Status.FAIL  # as '+all' for IPv4 (s30f; s26f said '~all' info)
    assert "already pass every IPv4 server" in terminal.summary
    # Its '-all' record leaves the halves out too: the two fixes do not contradict.
    assert _record(terminal.fix) == "v=spf1 -all"


def test_a_and_mx_slash_zero_are_written_without_it() -> None:
    (a_wide,) = _all(_spf("v=spf1 a/0 -all"), "SPF-19")
    assert "every IPv4 server on the Internet passes SPF" in a_wide.summary
    assert "Write it 'a'" in a_wide.summary
    assert _record(a_wide.fix) == "v=spf1 a -all"
    findings = _spf("v=spf1 mx/0 ip4:192.0.2.1 -all")
    (mx_wide,) = _all(findings, "SPF-19")
    assert _record(mx_wide.fix) == "v=spf1 mx ip4:192.0.2.1 -all"
    assert "already passes every IPv4 server" in _all(findings, "SPF-09")[0].summary


def test_a_narrower_wide_range_keeps_its_old_words() -> None:
    findings = _spf("v=spf1 ip4:10.0.0.0/8 -all")
    (wide,) = _all(findings, "SPF-19")
    assert "authorises a very large address range (/8)" in wide.summary
    assert wide.fix == ""
    assert "servers not listed are not allowed to send" in _all(findings, "SPF-09")[0].summary


def test_a_refusing_slash_zero_is_not_an_open_record() -> None:
    assert spf.family_cover(spf.parse_spf("v=spf1 -ip4:0.0.0.0/0 mx -all")) == {
        "IPv4": [],
        "IPv6": [],
    }
    # After 'all' it is never reached (SPF-10), so it opens nothing either.
    assert not any(spf.family_cover(spf.parse_spf("v=spf1 -all ip4:0.0.0.0/0")).values())


# --- 2. SPF-08 gives the record to publish -------------------------------------------------


def test_a_dead_include_is_dropped_in_the_fix() -> None:
    (dead,) = _all(
        _spf("v=spf1 include:_spf.gone.example include:_spf.vendor.example -all"), "SPF-08"
    )
    assert dead.status == Status.FAIL
    assert _record(dead.fix) == "v=spf1 include:_spf.vendor.example -all"
    assert "(the record suggested)" in dead.summary


def test_two_dead_includes_are_dropped_together() -> None:
    deads = _all(
        _spf("v=spf1 mx include:_spf.gone.example include:_spf.gone2.example -all"), "SPF-08"
    )
    assert len(deads) == 2
    assert all(_record(f.fix) == "v=spf1 mx -all" for f in deads)
    assert "Remove the includes of names without SPF" in deads[0].summary


def test_a_dead_redirect_says_what_to_publish() -> None:
    (bare,) = _all(_spf("v=spf1 redirect=_spf.gone.example"), "SPF-08")
    assert "Publish an SPF record at _spf.gone.example" in bare.summary
    assert "'v=spf1 -all' alone if the domain sends no mail" in bare.summary
    (own,) = _all(_spf("v=spf1 mx redirect=_spf.gone.example"), "SPF-08")
    assert _record(own.fix) == "v=spf1 mx -all"
    assert "Publish an SPF record at _spf.gone.example" in own.summary


# --- 3. BIMI-07 ------------------------------------------------------------------------------


def _bimi07(lps: str) -> Finding:
    (finding,) = [
        f for f in bimi_run(f"v=BIMI1; l={LOGO}; a={CERT}; lps={lps}") if f.id == "BIMI-07"
    ]
    return finding


def test_bimi_lps_fix_keeps_the_valid_prefixes() -> None:
    finding = _bimi07("news,bad_one,info")
    assert finding.status == Status.WARN
    assert "'bad_one'" in finding.summary
    assert published(finding.fix) == (
        f"default._bimi.{BIMI_D}",
        f"v=BIMI1; l={LOGO}; a={CERT}; lps=news,info",
    )


def test_bimi_lps_with_nothing_valid_is_removed() -> None:
    finding = _bimi07("john.doe")
    assert "without lps=" in finding.summary
    assert published(finding.fix) == (f"default._bimi.{BIMI_D}", f"v=BIMI1; l={LOGO}; a={CERT}")


# --- 4. DMARC-08 -----------------------------------------------------------------------------


def _dmarc08(record: str) -> Finding:
    (finding,) = [f for f in dmarc_run(record) if f.id == "DMARC-08"]
    return finding


def test_pct_with_a_percent_sign_says_what_receivers_do() -> None:
    finding = _dmarc08("v=DMARC1; p=reject; pct=100%")
    assert finding.status == Status.FAIL
    assert "ignore it" not in finding.summary
    assert "use the default, 100: they apply the policy to all failing mail" in finding.summary
    assert "no '%'" in finding.summary
    assert published(finding.fix)[1] == "v=DMARC1; p=reject"


def test_pct_fifty_percent_applies_to_all_not_half() -> None:
    finding = _dmarc08("v=DMARC1; p=quarantine; pct=50%")
    assert "(not 50% of it, as written)" in finding.summary
    assert published(finding.fix)[1] == "v=DMARC1; p=quarantine"
    assert "no '%'" not in _dmarc08("v=DMARC1; p=reject; pct=150").summary
