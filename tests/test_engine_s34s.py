"""What blind round s34s found reading the texts and fixes (tests/test_engine_s34s_blind.py
docstring), decided with the RFCs and pinned here: written failing, before the fixes."""

from __future__ import annotations

from checks.findings import Finding
from tests.test_engine_s29s_blind import Case, site
from tests.test_engine_s31s_blind import K2048
from tests.test_engine_s34s_blind import case_named, run_case
from tests.test_spf import published


def _case(name: str) -> list[Finding]:
    return run_case(case_named(name))[0]


def _dmarc(record: str, domain: str = "example-co.com") -> list[Finding]:
    return run_case(Case("probe", "dmarc", domain, site(domain, dmarc_record=record)))[0]


def _one(findings: list[Finding], check: str, status: str | None = None) -> Finding:
    found = [f for f in findings if f.id == check and (status is None or f.status == status)]
    assert len(found) == 1, [(f.id, f.status, f.summary) for f in findings]
    return found[0]


# ---- DMARC: a ';' missing between two tags (RFC 7489 §6.4, RFC 9989 §4.7)
# Receivers read 'adkim=r aspf=s' as adkim with the value 'r aspf=s': invalid, so ignored, and
# aspf=s is never read. The statuses stay what receivers do; the words name the missing ';'
# and the record suggested keeps both tags the owner wrote (it dropped both, and told an owner
# who wrote aspf=s to "write aspf=s if you meant strict").


def test_alignment_tags_run_together_are_named_and_both_kept() -> None:
    finding = _one(_case("dmarc16-missing-semicolon"), "DMARC-16", "fail")
    assert "';' is missing" in finding.summary, finding.summary
    assert "aspf=s" in finding.summary, finding.summary
    assert "if you meant strict" not in finding.summary, finding.summary
    _, record = published(finding.fix)
    assert "adkim=r" in record and "aspf=s" in record, record


def test_policy_run_into_rua_keeps_the_policy_and_the_address() -> None:
    # 'p=reject rua=mailto:…': p is invalid and the record has no rua receivers read, so they
    # ignore the whole record (DMARC-05 fail, as before). The fix offered 'p=quarantine' and no
    # address: it lowered the owner's reject and lost the reports.
    finding = _one(_dmarc("v=DMARC1; p=reject rua=mailto:d@example-co.com"), "DMARC-05", "fail")
    assert "';' is missing" in finding.summary, finding.summary
    _, record = published(finding.fix)
    assert record == "v=DMARC1; p=reject; rua=mailto:d@example-co.com", record


def test_subdomain_policy_run_into_np_keeps_both() -> None:
    findings = _dmarc("v=DMARC1; p=reject; sp=none np=reject; rua=mailto:d@example-co.com")
    finding = _one(findings, "DMARC-07", "fail")
    assert "';' is missing" in finding.summary, finding.summary
    assert "leaves sp out" not in finding.summary, finding.summary
    _, record = published(finding.fix)
    assert "sp=none" in record and "np=reject" in record, record


def test_run_together_tag_that_would_lower_protection_is_left_out_and_said() -> None:
    # pct=50 run into adkim=s is not read: RFC 7489 receivers apply the policy to all failing
    # mail now. Written out it would sample half: only a finding that says so may do that.
    finding = _one(
        _dmarc("v=DMARC1; p=reject; adkim=s pct=50; rua=mailto:d@example-co.com"),
        "DMARC-16",
        "fail",
    )
    _, record = published(finding.fix)
    assert "adkim=s" in record and "pct" not in record, record
    assert "pct=50" in finding.summary and "leaves out" in finding.summary, finding.summary


def test_invalid_alignment_mode_alone_keeps_its_words() -> None:
    # Control: nothing run together; the text says what it said.
    finding = _one(
        _dmarc("v=DMARC1; p=reject; adkim=1; rua=mailto:d@example-co.com"), "DMARC-16", "fail"
    )
    assert "';' is missing" not in finding.summary
    assert "leaves the tag out" in finding.summary


# ---- DMARC-02 at a subdomain whose organisational domain has a record (RFC 7489 §6.6.3,
# RFC 9989 §4.10): RFC 7489 receivers stop (no DMARC), RFC 9989 receivers discard both and
# walk on to the parent's record. "As if there were no DMARC policy" was true for half.


def test_two_records_at_a_subdomain_say_what_each_kind_of_receiver_does() -> None:
    finding = _one(_case("dmarc02-subdomain-two-records-org-good"), "DMARC-02", "fail")
    said = finding.summary
    assert "as if there were no DMARC policy" not in said, said
    assert "RFC 9989" in said and "_dmarc.ottercombe.com" in said, said


def test_two_records_at_the_org_domain_keep_their_words() -> None:
    finding = _one(_case("dmarc02-same-policy-two-spellings"), "DMARC-02", "fail")
    assert "as if there were no DMARC policy" in finding.summary


# ---- SPF-10: what to do with terms after 'all' (RFC 7208 §5.1)


def test_second_all_is_not_to_be_moved_before_the_first() -> None:
    # 'v=spf1 ip4:… ?all ip4:192.0.2.11 -all': the advice was "move ip4:192.0.2.11, -all
    # before '?all'", which gives a record with two 'all' again.
    finding = _one(_case("spf10-second-all-after-neutral"), "SPF-10", "warn")
    said = finding.summary
    assert "move ip4:192.0.2.11 before '?all'" in said, said
    assert "-all before" not in said, said
    assert "second 'all'" in said, said


def test_moving_an_ignored_include_names_the_record() -> None:
    # Fixes give exact records: the record with the include moved before '~all' is quoted,
    # once checked (its lookups fit).
    finding = _one(_case("spf10-mailchimp-after-softfail"), "SPF-10", "warn")
    assert "v=spf1 include:_spf.google.com include:servers.mcsv.net ~all" in finding.summary


# ---- Read after the first commit (ab58502f): three more texts an owner would misread.


def test_semicolon_inside_a_key_is_named_and_the_key_joined() -> None:
    # 'p=<first 180 characters>;<the rest>': the ';' cuts p= in two and the rest is no tag
    # (RFC 6376 §3.2). It said only "'<rest>' is not a 'tag=value' pair" and offered no record;
    # the two halves joined are the key, checked like any other.
    finding = _one(_case("dkim03-semicolon-inside-key"), "DKIM-03", "fail")
    assert "';' inside the value of p=" in finding.summary, finding.summary
    _, record = published(finding.fix)
    assert record == f"v=DKIM1; k=rsa; p={K2048}", record


def test_empty_service_type_says_it_is_empty() -> None:
    # 's=' with nothing after it: it said "The key is restricted to s=".
    finding = _one(_case("dkim10-s-empty"), "DKIM-10", "fail")
    assert "restricted to s=," not in finding.summary, finding.summary
    assert "empty" in finding.summary, finding.summary


def test_monitoring_fix_that_keeps_sp_none_says_subdomains_stay_at_none() -> None:
    # 'p=none; sp=none': DMARC-06 offers p=quarantine and keeps the owner's sp=none (each fix
    # changes its own tag, docs/scoring.md), which DMARC-07 then warns about; the text says so.
    finding = _one(_case("dmarc07-sp-none-under-none"), "DMARC-06", "warn")
    _, record = published(finding.fix)
    assert "sp=none" in record, record
    assert "subdomains" in finding.summary and "sp=none" in finding.summary, finding.summary
