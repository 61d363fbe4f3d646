"""SPF: findings about a record that uses `redirect` say whose record they are about.

With `v=spf1 redirect=_spf.host.example` the owner's record has no `all`: the ending receivers
apply is the redirect target's (RFC 7208 §6.1), often a provider's record the owner cannot
edit. "The SPF record ends in '?all'. End it with '-all'" sent them looking for an `all` that
is not in their record. The texts now name the record that has the ending (or the include, the
void name, the mx) and give a fix the owner can apply to their own record: the redirect turned
into an include, followed by their own '-all' (include matches only on the target's pass,
§5.2, so the servers it lists stay authorised).
"""

from __future__ import annotations

from typing import Any

from checks.dns import txt_fix
from checks.findings import Finding, Status
from tests.test_spf import D, published, spf_run

HOST = "_spf.host.example"
REDIRECT = f"v=spf1 redirect={HOST}"


def provider(record: str, **more: str) -> dict[Any, Any]:
    zone: dict[Any, Any] = {(HOST, "TXT"): [record]}
    zone.update({(name, "TXT"): [text] for name, text in more.items()})
    return zone


def one(found: list[Finding], check_id: str) -> Finding:
    [finding] = [f for f in found if f.id == check_id]
    return finding


def test_a_redirect_to_a_question_mark_all_names_that_record_and_fixes_the_owners() -> None:
    found = spf_run(REDIRECT, zone=provider("v=spf1 ip4:192.0.2.0/24 ?all"))
    finding = one(found, "SPF-09")
    assert finding.status == Status.WARN  # checklist SPF-09: warn for ?all, kept
    text = finding.summary
    assert "no 'all' of its own" in text
    assert f"redirects to {HOST}, whose record ends in '?all'" in text
    assert f"replace 'redirect={HOST}' with 'include:{HOST}'" in text
    assert "End it with" not in text
    assert finding.fix == txt_fix(D, f"v=spf1 include:{HOST} -all")
    assert finding.evidence["terminal_from"] == HOST


def test_the_offered_record_ends_the_owners_record_in_minus_all() -> None:
    zone = provider("v=spf1 ip4:192.0.2.0/24 ?all")
    fix = one(spf_run(REDIRECT, zone=zone), "SPF-09").fix
    name, record = published(fix)
    assert name == D
    after = one(spf_run(record, zone=zone), "SPF-09")
    assert after.status == Status.PASS
    assert (
        after.summary
        == "The SPF record ends in '-all': servers not listed are not allowed to send."
    )


def test_a_redirect_to_a_record_without_all_says_so() -> None:
    found = spf_run(REDIRECT, zone=provider("v=spf1 ip4:192.0.2.0/24"))
    finding = one(found, "SPF-09")
    assert finding.status == Status.WARN
    assert f"redirects to {HOST}, whose record has no 'all' either" in finding.summary
    assert "has no 'all' at the end" not in finding.summary
    assert f"'include:{HOST}'" in finding.summary
    assert finding.fix == txt_fix(D, f"v=spf1 include:{HOST} -all")


def test_a_redirect_to_a_tilde_all_stays_info_and_names_the_record() -> None:
    found = spf_run(REDIRECT, zone=provider("v=spf1 ip4:192.0.2.0/24 ~all"))
    finding = one(found, "SPF-09")
    assert finding.status == Status.INFO
    assert f"redirects to {HOST}, whose record ends in '~all'" in finding.summary
    assert f"replace 'redirect={HOST}' with 'include:{HOST}'" in finding.summary
    assert finding.fix == txt_fix(D, f"v=spf1 include:{HOST} -all")


def test_a_redirect_chain_names_the_record_at_its_end() -> None:
    zone = provider(
        "v=spf1 ip4:192.0.2.0/24 redirect=_spf2.host.example",
        **{"_spf2.host.example": "v=spf1 ip4:198.51.100.0/24 ?all"},
    )
    finding = one(spf_run(f"v=spf1 mx {REDIRECT[7:]}", zone=zone), "SPF-09")
    assert finding.status == Status.WARN
    assert (
        f"redirects to {HOST}, which redirects to _spf2.host.example, whose record ends in '?all'"
        in finding.summary
    )
    # The owner wrote the first redirect: that is the one their fix replaces.
    assert f"replace 'redirect={HOST}' with 'include:{HOST}'" in finding.summary
    assert finding.fix == txt_fix(D, f"v=spf1 mx include:{HOST} -all")
    assert finding.evidence["terminal_from"] == "_spf2.host.example"


def test_a_plus_all_at_the_end_of_a_redirect_chain_names_that_record() -> None:
    zone = provider(
        "v=spf1 ip4:192.0.2.0/24 redirect=_spf2.host.example",
        **{"_spf2.host.example": "v=spf1 +all"},
    )
    finding = one(spf_run(REDIRECT, zone=zone), "SPF-09")
    assert finding.status == Status.FAIL
    # It said "redirects to _spf.host.example, whose record ends in '+all'": that one has no all.
    assert f"{HOST}, which redirects to _spf2.host.example, whose record ends in '+all'" in (
        finding.summary
    )
    assert finding.fix == ""  # an include of a '+all' record would stay open


def test_a_minus_all_reached_by_redirect_passes_saying_whose_it_is() -> None:
    finding = one(spf_run(REDIRECT, zone=provider("v=spf1 ip4:192.0.2.0/24 -all")), "SPF-09")
    assert finding.status == Status.PASS
    assert finding.summary.startswith(f"The SPF record redirects to {HOST}, whose record ends in")


def test_an_open_include_in_the_redirect_target_is_not_the_owners_to_remove() -> None:
    zone = provider("v=spf1 include:open.example -all", **{"open.example": "v=spf1 +all"})
    finding = one(spf_run(REDIRECT, zone=zone), "SPF-09")
    assert finding.status == Status.FAIL
    assert finding.summary.startswith(f"The SPF record redirects to {HOST}, whose record includes")
    assert f"in the record of {HOST}, not in yours" in finding.summary
    assert finding.evidence["open_include"] == ["open.example"]


def test_a_missing_include_in_a_providers_record_says_whose_it_is() -> None:
    found = spf_run(REDIRECT, zone=provider("v=spf1 include:gone.example -all"))
    finding = one(found, "SPF-08")
    assert finding.status == Status.FAIL
    assert finding.summary.startswith(
        f"The SPF record of {HOST} (reached through redirect) includes gone.example"
    )
    assert "Remove or replace that include." not in finding.summary
    assert (
        f"That record is not yours: have its owner fix it, or replace the redirect to {HOST}"
        in (finding.summary)
    )


def test_a_missing_include_in_the_owners_own_included_record_is_theirs_to_fix() -> None:
    zone = {("_spf.example.com", "TXT"): ["v=spf1 include:gone.example -all"]}
    finding = one(spf_run("v=spf1 include:_spf.example.com -all", zone=zone), "SPF-08")
    assert finding.summary.endswith(
        "Remove or replace that include in the record of _spf.example.com."
    )


def test_a_missing_redirect_target_of_the_owners_record_is_theirs_to_replace() -> None:
    finding = one(spf_run("v=spf1 redirect=_spf.gone.example"), "SPF-08")
    assert finding.summary.startswith("The SPF record redirects to _spf.gone.example, which")
    # s26f: it says what to publish (SPF at the target, or the senders in the owner's record).
    assert "replace the redirect in your own record with those servers" in finding.summary


def test_void_names_in_a_providers_record_are_not_the_owners_to_remove() -> None:
    found = spf_run(REDIRECT, zone=provider("v=spf1 a:g1.example -all"))
    finding = one(found, "SPF-06")
    assert finding.status == Status.WARN
    assert "Remove them" not in finding.summary
    assert f"g1.example is named in the SPF record of {HOST} (reached through redirect)" in (
        finding.summary
    )
    found = spf_run(REDIRECT, zone=provider("v=spf1 a:g1.example a:g2.example a:g3.example -all"))
    finding = one(found, "SPF-06")
    assert finding.status == Status.FAIL
    assert "Remove the stale entries" not in finding.summary
    assert f"are named in the SPF record of {HOST}" in finding.summary


def test_void_names_in_both_records_say_which_are_the_owners() -> None:
    found = spf_run(
        f"v=spf1 a:own-gone.example.com {REDIRECT[7:]}", zone=provider("v=spf1 a:g1.example -all")
    )
    finding = one(found, "SPF-06")
    assert "Remove the stale entries from your own records." in finding.summary
    assert f"g1.example is named in the SPF record of {HOST}" in finding.summary


def test_an_mx_fanout_in_a_providers_record_says_whose_it_is() -> None:
    hosts = [f"10 mx{i}.host.example." for i in range(11)]
    zone = provider("v=spf1 mx -all")
    zone[(HOST, "MX")] = hosts
    finding = one(spf_run(REDIRECT, zone=zone), "SPF-07")
    assert finding.status == Status.FAIL
    assert f"in the SPF record of {HOST} (reached through redirect)" in finding.summary
    assert "Only the owner of that record can" in finding.summary


def test_the_owners_own_ending_reads_as_before() -> None:
    finding = one(spf_run("v=spf1 ip4:192.0.2.0/24 ?all"), "SPF-09")
    assert finding.summary == (
        "The SPF record ends in '?all' (neutral), so mail from other servers is neither "
        "authorised nor rejected. End it with '-all' (or '~all')."
    )
    finding = one(spf_run("v=spf1 ip4:192.0.2.0/24"), "SPF-09")
    assert finding.summary.startswith("The SPF record has no 'all' at the end")


def test_a_redirect_target_ending_in_a_message_dependent_redirect_could_not_be_checked() -> None:
    # _spf.host.example hands on to a name built from %{i} (the client address): what unlisted
    # servers get depends on the message, as for the owner's own such redirect (info). It
    # warned "whose record has no 'all' either", which is not what receivers do.
    zone = provider("v=spf1 ip4:192.0.2.0/24 redirect=%{i}._spf.host.example")
    finding = one(spf_run(REDIRECT, zone=zone), "SPF-09")
    assert finding.status == Status.INFO
    assert finding.summary.startswith(
        f"The SPF record redirects to {HOST}, whose record ends with "
        "'redirect=%{i}._spf.host.example'"
    )
    assert finding.fix == ""
