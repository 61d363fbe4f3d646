"""Typographic quotes pasted with a record, and records published between quotes (s24f).

Admins paste records from Word, Docs and blogs: "\u201cv=DMARC1; p=reject\u201d",
"\u201dv=spf1 -all", "\u2018v=STSv1; id=1\u2019", or a zone-file line whose quotes the DNS
panel keeps as text ('"v=DMARC1; p=reject"'). A record that begins with a quote is no record
to receivers (each mechanism's version-first rule); one that ends with one carries a value no
receiver reads. The findings now name the quotes (which, where) and give the record retyped
without them, as checks/lookalike.py does for no-break spaces and en dashes, with statuses from
the checklist (docs/scoring.md v7); the fixes keep what the owner wrote (a curly-quoted DMARC
record was offered p=none, an SPF one "no SPF record" and a new record, a TLS-RPT one an
invented report address).
"""

from __future__ import annotations

from typing import Any

import pytest

from checks import bimi, dmarc, spf, tlsrpt
from checks.dkim import parse_tag_list
from checks.findings import Finding, Status
from checks.mtasts import parse_sts_record
from checks.tlsrpt import parse_tlsrpt_record
from tests.test_spf import published, run

D = "example.com"
LDQ, RDQ, LSQ, RSQ = "\u201c", "\u201d", "\u2018", "\u2019"
ZONE: dict[Any, Any] = {
    (D, "MX"): ["10 mx.example.com."],
    ("mx.example.com", "A"): ["192.0.2.10"],
    (D, "TXT"): ["v=spf1 mx -all"],
    (f"_dmarc.{D}", "TXT"): ["v=DMARC1; p=none"],
}


def findings(module: Any, owner: str, record: str) -> list[Finding]:
    return run(module, D, {**ZONE, (owner, "TXT"): [record]})


def of(found: list[Finding], check_id: str) -> list[Finding]:
    return [f for f in found if f.id == check_id]


def test_lookalike_names_typographic_quotes_and_leaves_them_out() -> None:
    from checks.lookalike import lookalikes, unquoted

    pasted = lookalikes(f"v=DMARC1; p=reject{RDQ}")
    assert pasted is not None
    assert pasted.cleaned == "v=DMARC1; p=reject"
    assert pasted.describe() == "a right double quotation mark (U+201D) after 'p=reject'"
    assert "no part of the record" in pasted.fault
    # Low and prime variants too.
    assert lookalikes("\u201ev=spf1 -all\u2033") is not None
    around = unquoted(f"{LDQ}v=STSv1; id=1{RDQ}")
    assert around is not None and around.text == "v=STSv1; id=1" and around.typographic
    assert unquoted('\\"v=spf1 -all\\"').text == "v=spf1 -all"  # type: ignore[union-attr]
    assert unquoted("v=spf1 -all") is None


@pytest.mark.parametrize("record", [f"{RDQ}v=spf1 mx -all", f"{LDQ}v=spf1 mx -all{RDQ}"])
def test_a_curly_quoted_spf_record_is_a_version_error_with_the_quote_named(record: str) -> None:
    # It was "no SPF record" (SPF-01 warn) with a starting record in place of the owner's.
    found = findings(spf, D, record)
    (version,) = of(found, "SPF-02")
    assert version.status == Status.FAIL
    assert "double quotation mark (U+201" in version.summary
    # One quote is "the quote", two are "them" (s25k).
    them = "them" if record.startswith(LDQ) else "the quote"
    assert f"retype it without {them}: 'v=spf1 mx -all'" in version.summary
    assert published(version.fix) == (D, "v=spf1 mx -all")
    assert not [f for f in of(found, "SPF-01") if f.fix]


def test_an_ascii_quoted_spf_record_names_its_quotes() -> None:
    (version,) = of(findings(spf, D, '"v=spf1 mx -all"'), "SPF-02")
    assert "the DNS panel kept as part of its text" in version.summary


def test_a_curly_quote_after_all_is_named_and_the_terms_read_as_meant() -> None:
    parsed = spf.parse_spf(f"v=spf1 mx -all{RDQ}")
    assert [(p.check_id, p.status) for p in parsed.problems] == [("SPF-15", Status.FAIL)]
    assert "a right double quotation mark (U+201D) after '-all'" in parsed.problems[0].message
    assert "'v=spf1 mx -all'" in parsed.problems[0].message


@pytest.mark.parametrize(
    "record",
    [f"{LDQ}v=DMARC1; p=reject{RDQ}", f"{LSQ}v=DMARC1; p=reject{RSQ}", '"v=DMARC1; p=reject'],
)
def test_a_quoted_dmarc_record_keeps_the_owners_policy(record: str) -> None:
    found = findings(dmarc, f"_dmarc.{D}", record)
    (version,) = of(found, "DMARC-03")
    assert version.status == Status.FAIL
    them = "the quote" if record.startswith('"') else "them"  # one quote: "the quote" (s25k)
    assert f"Retype it without {them}: 'v=DMARC1; p=reject'" in version.summary
    assert published(version.fix) == (f"_dmarc.{D}", "v=DMARC1; p=reject")


def test_a_curly_quote_after_the_dmarc_policy_is_named_and_the_fix_keeps_reject() -> None:
    found = findings(dmarc, f"_dmarc.{D}", f"v=DMARC1; p=reject{RDQ}")
    (policy,) = of(found, "DMARC-05")
    assert policy.status == Status.FAIL
    assert "a right double quotation mark (U+201D) after 'p=reject'" in policy.summary
    assert "write p=reject" in policy.summary
    assert published(policy.fix) == (f"_dmarc.{D}", "v=DMARC1; p=reject")


def test_curly_quotes_around_a_dmarc_report_address_are_left_out_of_the_fix() -> None:
    found = findings(
        dmarc, f"_dmarc.{D}", f"v=DMARC1; p=reject; rua=mailto:{LDQ}d@example.com{RDQ}"
    )
    (rua,) = of(found, "DMARC-12")
    assert published(rua.fix)[1] == "v=DMARC1; p=reject; rua=mailto:d@example.com"


@pytest.mark.parametrize(
    "record",
    [f"{LDQ}v=TLSRPTv1; rua=mailto:t@example.com{RDQ}", '"v=TLSRPTv1; rua=mailto:t@example.com"'],
)
def test_a_quoted_tls_rpt_record_names_its_quotes_and_keeps_its_address(record: str) -> None:
    parsed = parse_tlsrpt_record(record.encode())
    assert [(p.check_id, p.status) for p in parsed.problems] == [("TLSRPT-04", Status.FAIL)]
    assert "written between quotes" in parsed.problems[0].message
    # Since s32p the record to retype is the fix's alone (tests/test_engine_s32p.py).
    assert parsed.problems[0].message.endswith("Retype it without them.")
    (version,) = of(findings(tlsrpt, f"_smtp._tls.{D}", record), "TLSRPT-04")
    assert published(version.fix)[1] == "v=TLSRPTv1; rua=mailto:t@example.com"


def test_a_curly_quote_after_the_tls_rpt_address_is_named() -> None:
    parsed = parse_tlsrpt_record(f"v=TLSRPTv1; rua=mailto:t@example.com{RDQ}".encode())
    assert [(p.check_id, p.status) for p in parsed.problems] == [("TLSRPT-09", Status.FAIL)]
    assert "a right double quotation mark (U+201D) after 't@example.com'" in (
        parsed.problems[0].message
    )
    assert [u.uri for u in parsed.uris] == ["mailto:t@example.com"]


@pytest.mark.parametrize("record", [f"{LSQ}v=STSv1; id=1{RSQ}", '"v=STSv1; id=1"'])
def test_a_quoted_mta_sts_record_is_one_version_fault_naming_its_quotes(record: str) -> None:
    parsed = parse_sts_record(record.encode())
    assert [(p.check_id, p.status) for p in parsed.problems] == [("MTASTS-04", Status.FAIL)]
    # Since s32x the record to retype is the fix's, with a new id (tests/test_engine_s32x.py).
    assert "Retype it without them, with a new id" in parsed.problems[0].message
    assert not parsed.valid and not parsed.is_sts


def test_a_curly_quote_after_the_mta_sts_id_is_named_not_an_invalid_id() -> None:
    parsed = parse_sts_record(f"v=STSv1; id=1{RDQ}".encode())
    assert [(p.check_id, p.status) for p in parsed.problems] == [("MTASTS-08", Status.FAIL)]
    assert "a right double quotation mark (U+201D) after 'id=1'" in parsed.problems[0].message
    assert not parsed.valid


def test_curly_quotes_in_a_dkim_key_record_are_named() -> None:
    _, _, errors = parse_tag_list(f"{LDQ}v=DKIM1; k=rsa; p=abc{RDQ}")
    assert errors[0].startswith(
        "'v=DKIM1' holds a left double quotation mark (U+201C) at the start"
    )
    assert errors[1].startswith("the value of 'p' holds a right double quotation mark (U+201D)")


def test_a_curly_quote_after_the_bimi_logo_url_is_named_not_percent_encoded() -> None:
    parsed = bimi.parse_bimi(f"v=BIMI1; l=https://example.com/l.svg{RDQ}")
    assert parsed.errors and "a right double quotation mark (U+201D)" in parsed.errors[0]
    assert parsed.tags["l"] == "https://example.com/l.svg"


def test_a_curly_quoted_bimi_record_names_its_quotes_and_keeps_its_logo() -> None:
    found = findings(bimi, f"default._bimi.{D}", f"{LDQ}v=BIMI1; l=https://example.com/l.svg{RDQ}")
    (version,) = of(found, "BIMI-02")
    assert version.status == Status.FAIL
    assert "a left double quotation mark (U+201C) at the start" in version.summary
    assert published(version.fix)[1] == "v=BIMI1; l=https://example.com/l.svg"
