"""Defects blind round s31s found (tests/test_engine_s31s_blind.py), each decided with the RFC
or the checklist and pinned here: written failing, before the fix."""

from __future__ import annotations

import asyncio
from typing import Any

from checks import dkim, dmarc
from checks.findings import Finding
from tests.test_engine_s26c_blind import CnameDns
from tests.test_engine_s27k_blind import rsa_key
from tests.test_spf import make_ctx, published

K2048 = rsa_key(2048)


def _dkim(domain: str, selector: str, records: list[str]) -> list[Finding]:
    zone: dict[Any, Any] = {
        (domain, "MX"): [f"10 mx1.{domain}."],
        (f"mx1.{domain}", "A"): ["198.51.100.1"],
        (f"{selector}._domainkey.{domain}", "TXT"): records,
    }
    ctx = make_ctx(domain, zone, dkim_selectors=(selector,))
    ctx.dns = CnameDns(zone)  # type: ignore[assignment]
    return asyncio.run(dkim.evaluate(ctx))


def test_one_key_published_twice_with_other_spacing_says_so() -> None:
    # dkim02-same-key-twice-spacing: the two records differ in no tag, only in how they are
    # written, and the fix read "... differ only in  (1) ; 2) ). Keep the one with  (they work
    # the same) and delete the other.": the tags that differ were an empty list.
    (finding,) = [
        f
        for f in _dkim(
            "moorhen-marine.com",
            "default",
            [f"v=DKIM1; k=rsa; p={K2048}", f"v=DKIM1;k=rsa;p={K2048}"],
        )
        if f.id == "DKIM-02"
    ]
    head = finding.fix.splitlines()[0]
    assert "()" not in head and " (1)" not in head and "with  " not in head
    assert "same key" in head and "spacing" in head
    deleted = [line for line in finding.fix.splitlines() if line.startswith("Delete this record")]
    assert len(deleted) == 1


def test_one_key_with_other_tags_still_names_them() -> None:
    # The control: records differing in t= name the tag, as before.
    (finding,) = [
        f
        for f in _dkim(
            "moorhen-marine.com",
            "default",
            [f"v=DKIM1; k=rsa; p={K2048}", f"v=DKIM1; k=rsa; t=y; p={K2048}"],
        )
        if f.id == "DKIM-02"
    ]
    assert "differ only in t=" in finding.fix


def _dmarc(domain: str, record: str) -> list[Finding]:
    zone: dict[Any, Any] = {
        (domain, "MX"): [f"10 mx1.{domain}."],
        (f"mx1.{domain}", "A"): ["198.51.100.1"],
        (domain, "TXT"): ["v=spf1 mx -all"],
        (f"_dmarc.{domain}", "TXT"): [record],
    }
    ctx = make_ctx(domain, zone)
    ctx.dns = CnameDns(zone)  # type: ignore[assignment]
    return asyncio.run(dmarc.evaluate(ctx))


def _fo_warning(domain: str, record: str) -> Finding:
    (finding,) = [
        f for f in _dmarc(domain, record) if f.id == "DMARC-14" and str(f.status) == "warn"
    ]
    return finding


def test_fo_options_separated_by_commas_are_kept_with_colons() -> None:
    # dmarc14-fo-comma: 'fo=1,d' read "contains invalid options (1,d)" and the record offered
    # had no fo= at all, though the owner plainly asked for reports on any failure (1) and on
    # DKIM failures (d) and only used ',' where RFC 7489 §6.3 separates options with ':'.
    finding = _fo_warning(
        "elmstead-garage.com",
        "v=DMARC1; p=reject; rua=mailto:dmarc@elmstead-garage.com; "
        "ruf=mailto:forensic@elmstead-garage.com; fo=1,d",
    )
    assert "','" in finding.summary and "fo=1:d" in finding.summary
    assert "fo=0" in finding.summary  # what receivers use now
    name, record = published(finding.fix)
    assert name == "_dmarc.elmstead-garage.com"
    assert record.endswith("; fo=1:d"), record


def test_an_unknown_fo_option_is_still_left_out() -> None:
    # The control: 'x' is no option in any spelling; the valid '1' is kept, as before.
    finding = _fo_warning(
        "elmstead-garage.com",
        "v=DMARC1; p=reject; rua=mailto:dmarc@elmstead-garage.com; "
        "ruf=mailto:forensic@elmstead-garage.com; fo=1:x",
    )
    assert "(x)" in finding.summary
    _, record = published(finding.fix)
    assert record.endswith("; fo=1"), record


def _invalid_policy_fix(domain: str, value: str) -> str:
    (finding,) = [
        f
        for f in _dmarc(domain, f"v=DMARC1; p={value}; rua=mailto:dmarc@{domain}")
        if f.id == "DMARC-05" and str(f.status) == "fail"
    ]
    return published(finding.fix)[1]


def test_p_rejected_is_repaired_to_reject_not_weakened() -> None:
    # dmarc05-p-rejected: receivers read 'p=rejected' as no policy (p=none with a rua, RFC 7489
    # §6.6.3 step 6), and DMARC-05 said so, but the record offered had p=quarantine where the
    # owner plainly chose reject: publishing the fix would weaken the owner's policy, as
    # intended_policy already avoids for a stray quote ('p=reject"').
    assert _invalid_policy_fix("ferncliff-academy.org", "rejected").startswith(
        "v=DMARC1; p=reject;"
    )
    assert _invalid_policy_fix("ferncliff-academy.org", "Quarantined").startswith(
        "v=DMARC1; p=quarantine;"
    )


def test_a_policy_word_of_no_plain_meaning_still_gets_quarantine() -> None:
    # The control: 'block' is no form of a policy; the fix offers quarantine, as before.
    assert _invalid_policy_fix("ferncliff-academy.org", "block").startswith(
        "v=DMARC1; p=quarantine;"
    )


def test_a_large_logo_is_named_once() -> None:
    # bimi09-over-32kb: the warning read "The logo: the logo is 42 KB; keep it under 32 KB,
    # larger files may be ignored." (checklist BIMI-09: over 32 KB is warn).
    from tests.test_engine_s31s_blind import CASES, run_case

    (case,) = [c for c in CASES if c.name == "bimi09-over-32kb"]
    (finding,) = [f for f in run_case(case)[0] if f.id == "BIMI-09" and str(f.status) == "warn"]
    assert finding.summary.startswith("The logo is 4"), finding.summary
    assert "the logo is" not in finding.summary


def test_a_bimi_record_without_its_selector_label_is_named() -> None:
    # bimi01-no-selector-label: a record at _bimi.<domain> (the 'default.' label left out)
    # read "No BIMI record at default._bimi.kestrel-optics.com; BIMI is optional ...", as if
    # the owner had published nothing. Receivers ask <selector>._bimi.<domain> only (draft,
    # Assertion Record Discovery), so the record is never read: the finding says where it is
    # and gives it at default._bimi.
    from tests.test_engine_s31s_blind import CASES, run_case

    (case,) = [c for c in CASES if c.name == "bimi01-no-selector-label"]
    (finding,) = [f for f in run_case(case)[0] if f.id == "BIMI-01"]
    assert str(finding.status) == "info"
    assert "_bimi.kestrel-optics.com, where receivers never look" in finding.summary
    name, record = published(finding.fix)
    assert name == "default._bimi.kestrel-optics.com"
    assert record.startswith("v=BIMI1; l=https://bimi.kestrel-optics.com/logo.svg")


def test_no_bimi_record_anywhere_is_still_plain_absence() -> None:
    # The control: nothing at _bimi.<domain> either: the absence text, no fix, as before.
    from tests.test_engine_s31s_blind import CASES, Case, run_case

    (base,) = [c for c in CASES if c.name == "bimi01-no-selector-label"]
    zone = {k: v for k, v in base.zone.items() if k[0] != "_bimi.kestrel-optics.com"}
    case = Case("absent", "bimi", base.domain, zone)
    (finding,) = [f for f in run_case(case)[0] if f.id == "BIMI-01"]
    assert finding.summary.startswith("No BIMI record at default._bimi.kestrel-optics.com;")
    assert finding.fix == ""


def test_a_key_pasted_with_the_string_quotes_is_named_and_joined() -> None:
    # dkim06-panel-quotes-inside: a provider shows a 2048-bit key as a zone-file line of two
    # quoted strings; pasted whole into a panel's one text field, '" "' sits inside p=, where
    # it is part of the value (RFC 6376 §3.2 allows '"' in a tag value), so the key does not
    # decode. DKIM-06 said only "not valid base64 (a truncated or mangled key?)" and offered
    # 'p=<the public key>' to copy again, though the key is all there.
    record = f'v=DKIM1; k=rsa; p={K2048[:250]}" "{K2048[250:]}'
    (finding,) = [f for f in _dkim("gorsemoor-dental.com", "dkim", [record]) if f.id == "DKIM-06"]
    assert str(finding.status) == "fail"
    assert "'\" \"'" in finding.summary and "two strings" in finding.summary
    name, text = published(finding.fix)
    assert (name, text) == ("dkim._domainkey.gorsemoor-dental.com", f"v=DKIM1; k=rsa; p={K2048}")


def test_a_mangled_key_still_asks_for_a_fresh_copy() -> None:
    # The control: a key cut short decodes to nothing with or without quotes: copy it again.
    (finding,) = [
        f
        for f in _dkim("gorsemoor-dental.com", "dkim", [f"v=DKIM1; k=rsa; p={K2048[:101]}"])
        if f.id == "DKIM-06"
    ]
    assert "<the public key>" in finding.fix
