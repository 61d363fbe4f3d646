"""Engine follow-ups left by s31 (task s32f), each written failing before its fix."""

from __future__ import annotations

from typing import Any

from checks import mtasts, mx, spf, tlsrpt
from checks.findings import Finding
from tests.test_engine_s29g import MX
from tests.test_engine_s30f import BASE as DMARC_BASE
from tests.test_engine_s30f import _dmarc
from tests.test_mx import GOOD, make_ctx, run_eval
from tests.test_spf import published, run

D = "example.com"
OPEN = {("open.example.net", "TXT"): ["v=spf1 +all"]}
# Names with addresses of one family only: an `a` of one is a void lookup for servers of the
# other family, which ask only for their own (RFC 7208 §5.3, §4.6.4).
V4_ONLY = {(f"v4-{i}.example.net", "A"): ["192.0.2.9"] for i in range(3)}
V6_ONLY = {(f"v6-{i}.example.net", "AAAA"): ["2001:db8::9"] for i in range(3)}
THREE_V4_ONLY = " ".join(f"a:v4-{i}.example.net" for i in range(3))
THREE_V6_ONLY = " ".join(f"a:v6-{i}.example.net" for i in range(3))


def _one(findings: list[Finding], check_id: str) -> Finding:
    (found,) = [f for f in findings if f.id == check_id]
    return found


def _spf(record: str, zone: dict[Any, Any] | None = None) -> list[Finding]:
    return run(spf, D, {**MX, (D, "TXT"): [record], **OPEN, **V4_ONLY, **V6_ONLY, **(zone or {})})


# ------------------------- 1. the receiver-order walk follows servers of both address families


def test_spf09_tells_an_ipv6_void_permerror_before_the_open_include() -> None:
    # An IPv6 server meets three void lookups (names with A records only) and gets a permanent
    # error before the include; an IPv4 server reaches the include and passes.
    found = _one(_spf(f"v=spf1 {THREE_V4_ONLY} include:open.example.net -all"), "SPF-09")
    assert str(found.status) == "fail"
    assert "every IPv4 server on the Internet passes SPF as your domain" in found.summary
    assert (
        "An IPv6 server that is not listed never reaches it: checking it stops first with a "
        "permanent error (SPF-06, for IPv6 senders)"
    ) in found.summary
    assert found.evidence["first_stop"] == {"IPv4": "open", "IPv6": "SPF-06"}


def test_spf09_tells_an_ipv4_void_permerror_the_ipv6_servers_pass_by() -> None:
    # The other way round: IPv6 servers pass at the include now, not 'once the error is fixed'.
    found = _one(_spf(f"v=spf1 {THREE_V6_ONLY} include:open.example.net -all"), "SPF-09")
    assert "every IPv6 server on the Internet passes SPF as your domain" in found.summary
    assert "permanent error (SPF-06, for IPv4 senders)" in found.summary
    assert "Once that error is fixed, every server" not in found.summary


def test_spf08_behind_an_open_include_names_the_family_stopped_before_it() -> None:
    record = f"v=spf1 {THREE_V4_ONLY} include:open.example.net include:gone.example.net -all"
    findings = _spf(record)
    found = _one(findings, "SPF-08")
    assert "every IPv4 server passes first at the include of open.example.net" in found.summary
    assert "every IPv6 server not listed stops before it at a permanent error (SPF-06)" in (
        found.summary
    )
    # SPF-09 still says the dead include comes after the open one.
    assert "before the permanent error later in the record (SPF-08)" in (
        _one(findings, "SPF-09").summary
    )


def test_spf09_without_family_voids_speaks_of_every_server() -> None:
    # Control (passes before and after): two IPv4-only names stay within the limit.
    record = "v=spf1 a:v4-0.example.net a:v4-1.example.net include:open.example.net -all"
    found = _one(_spf(record), "SPF-09")
    assert "every server on the Internet passes SPF as your domain" in found.summary
    assert "first_stop" not in found.evidence


# ------------------------------- 2. SPF-05 counts the lookups a receiver can make, for some server

# Eleven includes that each cost one lookup.
EACH = {(f"i{i}.example.net", "TXT"): [f"v=spf1 ip4:192.0.2.{i} -all"] for i in range(11)}


def _includes(first: int, last: int) -> str:
    return " ".join(f"include:i{i}.example.net" for i in range(first, last))


# The checklist (SPF-05, RFC 7208 §4.6.4) limits the lookups made *during evaluation*, and
# receivers stop at the first term that matches (§4.6.2). Every server passes at an include of
# a '+all' record, so no receiver evaluates a term after it for any server: its lookups are
# never made and cannot make the permanent error. SPF-05 counts the lookups up to that include.
# It still warns when the terms after it would be over the limit: SPF-09 asks for that include
# to go, and then they count (a fail the owner should hear of before, not after, removing it).
def test_spf05_does_not_fail_on_lookups_after_an_include_every_server_passes_at() -> None:
    found = _one(_spf(f"v=spf1 include:open.example.net {_includes(0, 11)} -all", EACH), "SPF-05")
    assert str(found.status) == "warn"
    assert found.evidence["lookups"] == 1
    assert found.evidence["lookups_if_removed"] == 12
    assert "takes at most 1 of the allowed 10 DNS lookups for now" in found.summary
    assert "once that term is removed, checking can take 12" in found.summary


def test_spf05_counts_the_lookups_up_to_a_nested_open_include() -> None:
    # The include of a record that includes a '+all' record first: every server passes there.
    nested = {
        ("deep.example.net", "TXT"): [f"v=spf1 include:open.example.net {_includes(0, 11)} -all"]
    }
    found = _one(_spf("v=spf1 include:deep.example.net -all", {**EACH, **nested}), "SPF-05")
    assert str(found.status) == "warn"
    assert found.evidence["lookups"] == 2
    assert "deep.example.net → open.example.net" in found.summary


def test_spf05_passes_when_only_unreached_lookups_made_it_nine() -> None:
    found = _one(_spf(f"v=spf1 include:open.example.net {_includes(0, 8)} -all", EACH), "SPF-05")
    assert str(found.status) == "pass"
    assert found.evidence["lookups"] == 1
    assert "the terms after it would take 8 more" in found.summary


def test_spf05_still_fails_when_the_open_include_is_the_eleventh_lookup() -> None:
    # Control (fails before and after): the limit is passed on the way to the include.
    found = _one(_spf(f"v=spf1 {_includes(0, 11)} include:open.example.net -all", EACH), "SPF-05")
    assert str(found.status) == "fail"
    assert found.evidence["lookups"] == 12


def test_spf05_counts_lookups_after_an_include_that_passes_only_some() -> None:
    # Control: an include of a '-all' record matches only its listed servers; the others go on.
    found = _one(_spf(f"v=spf1 {_includes(0, 11)} -all", EACH), "SPF-05")
    assert str(found.status) == "fail"
    assert found.evidence["lookups"] == 11


# ------------------------------------- 3. each `mx` term's void hosts are met at that term

# Three MX hosts that do not exist: three void lookups (RFC 7208 §4.6.4), made where the `mx`
# naming them is evaluated, so a receiver that stops before that `mx` never makes them.
DEAD_MX = {
    ("ok.example.net", "MX"): ["10 h.ok.example.net."],
    ("h.ok.example.net", "A"): ["192.0.2.2"],
    ("dead.example.net", "MX"): [f"{i}0 h{i}.dead.example.net." for i in range(1, 4)],
    ("dead.example.net", "TXT"): ["not spf"],
    ("dead2.example.net", "MX"): ["10 g1.dead2.example.net."],
    ("dead2.example.net", "TXT"): ["not spf"],
}


def test_spf09_counts_a_later_mx_s_void_hosts_at_that_mx() -> None:
    # Every server passes at the include before the `mx` of dead.example.net is reached.
    record = "v=spf1 mx:ok.example.net include:open.example.net mx:dead.example.net -all"
    found = _one(_spf(record, DEAD_MX), "SPF-09")
    assert "never reaches" not in found.summary
    assert "before the permanent error later in the record (SPF-06)" in found.summary


def test_spf09_counts_void_hosts_before_the_open_include() -> None:
    # Control (passes before and after): the dead hosts' `mx` comes first.
    record = "v=spf1 mx:dead.example.net include:open.example.net -all"
    found = _one(_spf(record, DEAD_MX), "SPF-09")
    assert "never reaches it: checking it stops first with a permanent error (SPF-06)" in (
        found.summary
    )


def test_spf09_does_not_count_an_included_record_s_void_hosts_at_the_owner_s_mx() -> None:
    # The included record's dead hosts are met inside it, after the open include; the owner's
    # record has one void name of its own (gone.example.net), within the limit of two.
    zone = {**DEAD_MX, ("inc.example.net", "TXT"): ["v=spf1 mx:dead.example.net -all"]}
    record = (
        "v=spf1 mx:ok.example.net a:gone.example.net include:open.example.net "
        "include:inc.example.net -all"
    )
    found = _one(_spf(record, zone), "SPF-09")
    assert "never reaches" not in found.summary


def test_spf06_names_the_mx_each_void_host_belongs_to() -> None:
    found = _one(_spf("v=spf1 mx:dead2.example.net mx:dead.example.net -all", DEAD_MX), "SPF-06")
    assert str(found.status) == "fail"
    assert "g1.dead2.example.net (an MX host of dead2.example.net, looked up for its mx)" in (
        found.summary
    )
    assert (
        "h1.dead.example.net, h2.dead.example.net and h3.dead.example.net (MX hosts of "
        "dead.example.net, looked up for its mx) do not exist (NXDOMAIN)"
    ) in found.summary


# --------------------------------- 4. MX-02: which to remove, read from the rest of the MX set

# RFC 7505 §3: a null MX is the one MX record, 'MX 0 .'; a set with other records is no null
# MX, and senders deliver to its hosts that have addresses.


def _mx02(zone: dict[Any, Any]) -> Finding:
    return _one(run_eval(mx, make_ctx("ex.com", zone)), "MX-02")


def test_mx02_says_delete_the_null_mx_when_the_other_hosts_take_mail() -> None:
    found = _mx02(
        {("ex.com", "MX"): ["0 .", "10 mail.ex.com."], ("mail.ex.com", "A"): ["192.0.2.1"]}
    )
    assert str(found.status) == "fail"
    assert "one or the other" not in found.summary
    assert "mail.ex.com has an address, so senders deliver mail there" in found.summary
    assert found.summary.endswith("delete the null MX.")
    assert found.fix.splitlines()[1:] == ["ex.com. MX 0 ."]


def test_mx02_says_keep_the_null_mx_when_no_other_host_has_an_address() -> None:
    # mail.ex.com and old.ex.com do not exist: no mail reaches the domain as it is.
    found = _mx02({("ex.com", "MX"): ["0 .", "10 mail.ex.com.", "20 old.ex.com."]})
    assert "one or the other" not in found.summary
    assert "None of the other MX hosts (mail.ex.com, old.ex.com) has an address" in found.summary
    head, *records = found.fix.splitlines()
    assert "keep ex.com. MX 0 ." in head
    assert records == ["ex.com. MX 10 mail.ex.com.", "ex.com. MX 20 old.ex.com."]


def test_mx02_replaces_a_null_mx_of_another_preference_with_mx_0() -> None:
    found = _mx02({("ex.com", "MX"): ["10 .", "20 old.ex.com."]})
    head, *records = found.fix.splitlines()
    assert "publish the one record ex.com. MX 0 ." in head
    assert records == ["ex.com. MX 20 old.ex.com.", "ex.com. MX 10 ."]


def test_mx02_leaves_the_choice_when_a_host_could_not_be_looked_up() -> None:
    # Control (passes before and after): a failed lookup tells nothing about the host.
    found = _mx02(
        {
            ("ex.com", "MX"): ["0 .", "10 mail.ex.com."],
            ("mail.ex.com", "A"): "SERVFAIL",
            ("mail.ex.com", "AAAA"): "SERVFAIL",
        }
    )
    assert "Remove one or the other." in found.summary


# ---------------- 5. TLSRPT-01 and MTASTS-34 under a failed TLS-RPT lookup: each its own words

TLSRPT_NAME = "_smtp._tls.example.org"
STS_ZONE: dict[Any, Any] = {
    **GOOD,
    ("_mta-sts.example.org", "TXT"): ['"v=STSv1; id=1"'],
    (TLSRPT_NAME, "TXT"): "SERVFAIL",
}
# What the zone holds, which a validating resolver refuses (an expired signature): the CD
# retry answers with signatures, and the plain lookup fails again.
SIGNED_DATA = {(TLSRPT_NAME, "TXT"): ['"v=TLSRPTv1; rua=mailto:r@example.org"']}


def _tlsrpt_and_mtasts(**kw: Any) -> tuple[Finding, Finding]:
    record = _one(run_eval(tlsrpt, make_ctx("example.org", STS_ZONE, **kw)), "TLSRPT-01")
    sts = _one(run_eval(mtasts, make_ctx("example.org", STS_ZONE, timeout=0.3, **kw)), "MTASTS-34")
    return record, sts


def test_tlsrpt01_and_mtasts34_say_a_failed_lookup_once_each_their_own_way() -> None:
    record, sts = _tlsrpt_and_mtasts(cdzone=SIGNED_DATA)
    assert (str(record.status), str(sts.status)) == ("error", "error")
    assert record.summary != sts.summary
    # The failure and its cause are said once, by TLSRPT-01; MTASTS-34 says what it leaves open.
    failure = f"SERVFAIL for {TLSRPT_NAME} TXT"
    assert failure in record.summary and failure not in sts.summary
    assert "fails DNSSEC validation (bogus)" in record.summary
    assert "could not be checked" in sts.summary and "(TLSRPT-01)" in sts.summary


def test_tlsrpt01_calls_no_timeout_bogus() -> None:
    # Control: a SERVFAIL the CD retry cannot answer either is trouble on the way, not bogus.
    record, _ = _tlsrpt_and_mtasts()
    assert "bogus" not in record.summary


# ------------------------------------------- 6. DMARC-16: what the fix does with an invalid mode


def _dmarc16(record: str) -> list[Finding]:
    findings = _dmarc({**DMARC_BASE, ("_dmarc.example.com", "TXT"): [record]})
    return [f for f in findings if f.id == "DMARC-16"]


def test_dmarc16_says_why_a_mode_it_cannot_read_is_left_out() -> None:
    # 'adkim=1' names no mode plainly (RFC 7489 §6.3: r or s): guessing strict could make mail
    # fail that passes now. Receivers read the default, relaxed; the fix leaves the tag out,
    # which keeps that, and the text says so and how to ask for strict.
    (found,) = _dmarc16("v=DMARC1; p=reject; rua=mailto:d@example.com; adkim=1")
    assert str(found.status) == "fail"
    assert published(found.fix) == (
        "_dmarc.example.com",
        "v=DMARC1; p=reject; rua=mailto:d@example.com",
    )
    assert "Receivers ignore the value and align relaxed, the default" in found.summary
    assert "leaves the tag out" in found.summary
    assert "write adkim=s instead if you meant strict alignment" in found.summary


def test_dmarc16_says_a_mode_named_in_words_is_written_as_its_letter() -> None:
    # Control for the fix (as before): 'aspf=strict' becomes 'aspf=s'; the text now says so.
    (found,) = _dmarc16("v=DMARC1; p=reject; aspf=strict")
    assert published(found.fix)[1] == "v=DMARC1; p=reject; aspf=s"
    assert "The record suggested writes aspf=s, the strict mode you named." in found.summary
