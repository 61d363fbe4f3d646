"""Characters pasted into TXT records that look like a space, or like nothing (blind round s24e).

A record copied from a web page brings a no-break space (U+00A0) or a zero-width space along.
Read as written, the element holding it is "not a name=value field", and the record "has no
id" (MTA-STS) or "no rua" (TLS-RPT), or "'p=reject' is not a tag=value pair (a second report
address must be separated by ',')" (DMARC): the owner looks at a record that plainly has all of
them. The engine now names the character and where it sits, reports the one fault once, and
reads the rest as the owner meant it (s24e-nbsp: MTASTS-05 and MTASTS-07 failed beside
MTASTS-08 for a record with one no-break space).
"""

from __future__ import annotations

from checks.bimi import parse_bimi
from checks.dkim import parse_tag_list
from checks.dmarc import parse_dmarc
from checks.findings import Status
from checks.mtasts import parse_policy, parse_sts_record
from checks.spf import parse_spf
from checks.tlsrpt import parse_tlsrpt_record

NBSP = "\u00a0"
ZWSP = "\u200b"


def _ids(problems: list) -> list[tuple[str, Status]]:
    return [(p.check_id, p.status) for p in problems]


def test_it_names_a_no_break_space_in_the_mta_sts_record_once() -> None:
    record = parse_sts_record(f"v=STSv1;{NBSP}id=20261230T0600".encode())
    assert _ids(record.problems) == [("MTASTS-08", Status.FAIL)]
    message = record.problems[0].message
    assert "a no-break space (U+00A0) after 'v=STSv1;'" in message
    # Since s32y the record to retype is the fix's, with a new id (tests/test_engine_s32y.py).
    assert "Retype the record by hand, with a new id" in message
    # Still invalid: strict senders discard it (RFC 8461 §3.1), and it is still counted as an
    # MTA-STS record (it begins with "v=STSv1;").
    assert not record.valid and record.is_sts


def test_it_reads_an_id_with_a_zero_width_space_as_meant() -> None:
    record = parse_sts_record(f"v=STSv1; id=2026{ZWSP}1230".encode())
    assert _ids(record.problems) == [("MTASTS-08", Status.FAIL)]
    assert "a zero-width space (U+200B)" in record.problems[0].message
    assert "looks like nothing" in record.problems[0].message


def test_other_non_ascii_in_the_mta_sts_record_reads_as_before() -> None:
    record = parse_sts_record("v=STSv1; id=caf\u00e9".encode())
    assert _ids(record.problems) == [("MTASTS-08", Status.FAIL), ("MTASTS-05", Status.FAIL)]
    assert record.problems[0].message.startswith("The record contains non-ASCII bytes")


def test_a_byte_order_mark_before_the_version_is_still_discarded() -> None:
    record = parse_sts_record("\ufeffv=STSv1; id=1".encode())
    assert ("MTASTS-04", Status.FAIL) in _ids(record.problems)
    assert not record.is_sts


def test_it_names_pasted_characters_in_policy_lines_instead_of_asking_for_an_a_label() -> None:
    policy = parse_policy(
        f"version: STSv1\r\nmode:{NBSP}enforce\r\nmx: mx1.example.com{NBSP}\r\n"
        "max_age: 604800\r\n".encode()
    )
    mx_line = next(p for p in policy.problems if p.check_id == "MTASTS-25")
    assert mx_line.status == Status.FAIL
    assert "The mx line for mx1.example.com holds a no-break space (U+00A0) after " in (
        mx_line.message
    )
    assert "A-label" not in mx_line.message
    mode = next(p for p in policy.problems if p.check_id == "MTASTS-22")
    assert mode.status == Status.FAIL
    assert "It holds a no-break space (U+00A0) at the start" in mode.message


def test_it_names_a_no_break_space_in_the_tls_rpt_record_once() -> None:
    record = parse_tlsrpt_record(f"v=TLSRPTv1;{NBSP}rua=mailto:tls@example.com".encode())
    assert _ids(record.problems) == [("TLSRPT-09", Status.FAIL)]
    assert "a no-break space (U+00A0) after 'v=TLSRPTv1;'" in record.problems[0].message
    assert not record.valid
    assert [u.uri for u in record.uris] == ["mailto:tls@example.com"]


def test_a_pasted_character_in_one_of_two_tls_rpt_addresses_leaves_the_other() -> None:
    record = parse_tlsrpt_record(
        f"v=TLSRPTv1; rua=mailto:tls@example.com,{NBSP}https://r.example/v1".encode()
    )
    assert record.valid
    assert _ids(record.problems) == [("TLSRPT-06", Status.WARN)]


def test_a_byte_order_mark_before_the_tls_rpt_version_is_named_in_tlsrpt_04() -> None:
    record = parse_tlsrpt_record("\ufeffv=TLSRPTv1; rua=mailto:tls@example.com".encode())
    assert _ids(record.problems) == [("TLSRPT-04", Status.FAIL)]
    assert "a byte order mark (U+FEFF) at the start" in record.problems[0].message


def test_it_names_a_no_break_space_before_the_dmarc_policy() -> None:
    parsed = parse_dmarc(f"v=DMARC1;{NBSP}p=reject; rua=mailto:d@example.com")
    assert _ids(parsed.problems) == [("DMARC-17", Status.WARN)]
    message = parsed.problems[0].message
    assert "'p=reject' holds a no-break space (U+00A0) after 'v=DMARC1;'" in message
    assert "second report address" not in message
    # Receivers ignore the element: no p (DMARC-05 says so); the fixes keep the owner's reject.
    assert "p" not in parsed.tags
    assert parsed.written("p") == "reject"
    assert parsed.pasted["p"].startswith("a no-break space")


def test_it_names_a_no_break_space_in_the_spf_record_and_reads_the_terms_as_meant() -> None:
    parsed = parse_spf(f"v=spf1 mx{NBSP}-all")
    assert [(p.check_id, p.status) for p in parsed.problems] == [("SPF-15", Status.FAIL)]
    assert "a no-break space (U+00A0) after 'mx'" in parsed.problems[0].message
    assert [t.text for t in parsed.terms] == ["mx", "-all"]
    assert parsed.permerror


def test_it_names_a_no_break_space_in_a_dkim_tag_list() -> None:
    tags, _, errors = parse_tag_list(f"v=DKIM1;{NBSP}k=rsa; p=abc")
    assert "k" not in tags
    assert errors == [
        "'k=rsa' holds a no-break space (U+00A0) after 'v=DKIM1;', which looks like a space "
        "but is not ASCII, so verifiers read no 'tag=value' pair there (RFC 6376 §3.2): "
        "retype it by hand"
    ]


def test_it_names_a_no_break_space_in_a_bimi_record() -> None:
    parsed = parse_bimi(f"v=BIMI1;{NBSP}l=https://bimi.example.com/logo.svg; a=")
    assert "l" not in parsed.tags
    assert parsed.errors == [
        "'l=https://bimi.example.com/logo.svg' holds a no-break space (U+00A0) after "
        "'v=BIMI1;', which looks like a space but is not ASCII, so mail receivers read no "
        "'tag=value' pair there: retype it by hand"
    ]


def test_it_names_an_en_dash_a_word_processor_made_of_minus_all() -> None:
    parsed = parse_spf("v=spf1 mx \u2013all")
    assert [(p.check_id, p.status) for p in parsed.problems] == [("SPF-15", Status.FAIL)]
    message = parsed.problems[0].message
    assert "an en dash (U+2013) after 'mx'" in message
    assert "it looks like '-' but is not ASCII" in message
    assert "'v=spf1 mx -all'" in message
    assert [t.text for t in parsed.terms] == ["mx", "-all"]


def test_ascii_records_read_as_before() -> None:
    assert parse_sts_record(b"v=STSv1; id=1").problems == []
    assert parse_tlsrpt_record(b"v=TLSRPTv1; rua=mailto:a@example.com").problems == []
    assert parse_dmarc("v=DMARC1; p=reject").problems == []
    assert parse_spf("v=spf1 mx -all").problems == []
