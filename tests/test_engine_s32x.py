"""Task s32x: text follow-ups today's rounds left (MTASTS-04, MX-02, SPF-09, DNSSEC-02,
BIMI-05). Each test was written failing, before its fix; no status changes."""

from __future__ import annotations

import re
from typing import Any

from checks import mx
from checks.findings import Finding, Status
from tests.test_dnssec import _dnssec02
from tests.test_engine_s29s_blind import logo, mark, site
from tests.test_engine_s32f import _spf
from tests.test_engine_s32t_blind import Case, policy_file, policy_text, run_case, sts_site
from tests.test_mx import make_ctx, run_eval


def _one(findings: list[Finding], check_id: str) -> Finding:
    (found,) = [f for f in findings if f.id == check_id]
    return found


# ------------------------------------------ 1. MTASTS-04: a record between quotes, one story


def test_mtasts04_quoted_record_summary_and_fix_tell_the_same_record() -> None:
    # The summary said "Retype it without them: 'v=STSv1; id=20260601T0900'" while the fix
    # offered the record with a fresh id. One story: the fresh id, as every MTASTS-04 fix and
    # the quoted-id MTASTS-05 text have it (blind round s32t, mtasts04-blank-before-version):
    # RFC 8461 §3.1 does not ask to keep the owner's id, and a new one makes a sender still
    # holding a policy from before the record broke fetch it again (§5.1). So the summary
    # points to the fix's record rather than write out another.
    domain = "fairlie-marine.co.uk"
    case = Case(
        "s32x-quoted",
        "mtasts",
        domain,
        sts_site(domain, '"v=STSv1; id=20260601T0900"'),
        files=policy_file(domain, policy_text(domain)),
    )
    found = _one(run_case(case), "MTASTS-04")
    assert found.status == Status.FAIL
    assert "quotes" in found.summary
    assert "id=20260601T0900'" not in found.summary, found.summary
    assert "with a new id" in found.summary, found.summary
    new_id = re.search(r'"v=STSv1; id=(\w+)"', found.fix)
    assert new_id is not None and new_id.group(1) != "20260601T0900", found.fix


# ------------------------------- 2. MX-02: the fix says the summary's advice, and only that


def _mx02(zone: dict[Any, Any]) -> Finding:
    return _one(run_eval(mx, make_ctx("ex.com", zone)), "MX-02")


def test_mx02_fix_deletes_the_null_mx_without_the_opposite_advice() -> None:
    # mail.ex.com has an address: the summary says the domain receives mail, so delete the
    # null MX (1a64d88). The fix still added "(or, if the domain takes no mail, the other MX
    # records)", advice the summary had just ruled out, listing records it did not name.
    found = _mx02(
        {("ex.com", "MX"): ["0 .", "10 mail.ex.com."], ("mail.ex.com", "A"): ["192.0.2.1"]}
    )
    assert found.summary.endswith("delete the null MX.")
    assert found.fix == "Delete this null MX record:\nex.com. MX 0 .", found.fix


def test_mx02_fix_states_both_choices_when_a_host_could_not_be_looked_up() -> None:
    # A failed lookup tells nothing about mail.ex.com: the summary leaves the choice ("Remove
    # one or the other."), and the fix now states it as two choices, each with its records.
    found = _mx02(
        {
            ("ex.com", "MX"): ["0 .", "10 mail.ex.com."],
            ("mail.ex.com", "A"): "SERVFAIL",
            ("mail.ex.com", "AAAA"): "SERVFAIL",
        }
    )
    assert "Remove one or the other." in found.summary
    assert found.fix.splitlines() == [
        "If ex.com takes mail, delete this null MX record:",
        "ex.com. MX 0 .",
        "If it takes none, delete the other MX records instead, so that the one MX record is "
        "ex.com. MX 0 .",
    ], found.fix


# --------------------------------- 3. SPF-09: both families stopped, at different errors


def test_spf09_names_both_errors_when_each_family_stops_at_its_own() -> None:
    # An IPv4 server not listed reaches include:gone (no record: SPF-08); an IPv6 server meets
    # three void lookups first (names with A records only: SPF-06, RFC 7208 §4.6.4, §5.3).
    # Neither reaches the open include. SPF-09 named only the IPv4 server's error (e8d5e64).
    names = " ".join(f"a:v4-{i}.example.net" for i in range(3))
    record = f"v=spf1 {names} include:gone.example.net include:open.example.net -all"
    found = _one(_spf(record), "SPF-09")
    assert found.status == Status.FAIL
    assert "permanent error (SPF-08 for IPv4 senders, SPF-06 for IPv6 senders)" in (
        found.summary
    ), found.summary
    assert "Once those errors are fixed, every server" in found.summary
    assert found.evidence["first_stop"] == {"IPv4": "SPF-08", "IPv6": "SPF-06"}


def test_spf09_names_one_error_when_both_families_stop_at_it() -> None:
    # Control (passes before and after): both families meet the same error first.
    record = "v=spf1 include:gone.example.net include:open.example.net -all"
    found = _one(_spf(record), "SPF-09")
    assert "permanent error (SPF-08)" in found.summary, found.summary
    assert "Once that error is fixed" in found.summary
    assert "first_stop" not in found.evidence


# ---------------------------------------- 4. DNSSEC-02: several stale DS read "A, B and C"


def test_dnssec02_lists_several_stale_ds_with_and() -> None:
    _, found = _dnssec02(
        ["{tag} 13 2 {sha256}", *(f"{t} 13 2 " + "cd" * 32 for t in (41234, 41235, 41236))]
    )
    (finding,) = found
    assert finding.status == Status.PASS
    assert (
        "DS 41234 (algorithm 13 (ECDSAP256SHA256)), DS 41235 (algorithm 13 (ECDSAP256SHA256)) and "
        "DS 41236 (algorithm 13 (ECDSAP256SHA256)), which match no published DNSKEY"
    ) in finding.summary, finding.summary


# ------------------------------ 5. BIMI-05: a= in a second TXT record, which receivers discard


def test_bimi05_says_the_certificate_sits_in_a_second_record() -> None:
    # A DNS panel split the record into two TXT records; the second does not start with
    # 'v=BIMI1', so receivers discard it (draft, Assertion Record Discovery; BIMI-02's rule),
    # and the record they use has no a=. "There is no a=" sent the owner after a tag they see.
    domain = "coniston-boats.com"
    first = f"v=BIMI1; l={logo(domain)};"
    second = f"a={mark(domain)}"
    zone = site(
        domain,
        dmarc_record=f"v=DMARC1; p=reject; rua=mailto:dmarc@{domain}",
        more={(f"default._bimi.{domain}", "TXT"): [first, second]},
    )
    found = _one(run_case(Case("s32x-bimi-split", "bimi", domain, zone)), "BIMI-05")
    assert found.status == Status.WARN
    assert f"'{second}'" in found.summary and "second TXT record" in found.summary
    assert "discard" in found.summary, found.summary
    name = f"default._bimi.{domain}."
    assert found.fix.splitlines() == [
        f'{name} TXT "v=BIMI1; l={logo(domain)}; a={mark(domain)}"',
        "in place of these two TXT records:",
        f'{name} TXT "{first}"',
        f'{name} TXT "{second}"',
    ], found.fix


def test_bimi05_without_a_anywhere_reads_as_before() -> None:
    # Control (passes before and after): no a= in any record, no second record to name.
    domain = "keswick-kayaks.com"
    zone = site(
        domain,
        dmarc_record=f"v=DMARC1; p=reject; rua=mailto:dmarc@{domain}",
        more={(f"default._bimi.{domain}", "TXT"): [f"v=BIMI1; l={logo(domain)};"]},
    )
    found = _one(run_case(Case("s32x-bimi-no-a", "bimi", domain, zone)), "BIMI-05")
    assert found.summary.startswith("The BIMI record has no mark certificate (a=); ")
    assert found.fix == ""
