"""s21e: TLS-RPT fixes for a URI pasted with its tag again and for an aliased _smtp._tls name.

The lab scenarios s21e-rpttwo and s21e-rptcname (tests/test_lab_s21e_blind.py) show them whole.
"""

from __future__ import annotations

from checks.findings import Status
from checks.tlsrpt import _at_alias_target, parse_tlsrpt_record, record_fix

REPEATED = "v=TLSRPTv1; rua=mailto:tls@example.com,rua=https://rpt.example.net/v1/tlsrpt"


def test_a_uri_written_with_the_tag_again_is_named_as_such() -> None:
    record = parse_tlsrpt_record(REPEATED)
    [problem] = [p for p in record.problems if p.check_id == "TLSRPT-06"]
    assert problem.status == Status.WARN  # the mailto still works
    assert "repeats the tag name 'rua='" in problem.message
    assert "no scheme" not in problem.message


def test_the_fix_keeps_the_address_written_with_the_tag_again() -> None:
    fix = record_fix("example.com", [parse_tlsrpt_record(REPEATED)])
    assert fix == (
        '_smtp._tls.example.com. TXT "v=TLSRPTv1; '
        'rua=mailto:tls@example.com,https://rpt.example.net/v1/tlsrpt"'
    )


def test_a_repeated_tag_before_an_unusable_uri_is_not_repaired() -> None:
    record = parse_tlsrpt_record("v=TLSRPTv1; rua=mailto:tls@example.com,rua=http://r.example/")
    assert record_fix("example.com", [record]) == (
        '_smtp._tls.example.com. TXT "v=TLSRPTv1; rua=mailto:tls@example.com"'
    )


def test_a_fix_for_an_aliased_name_goes_to_the_alias_target() -> None:
    fix = record_fix("example.com", [parse_tlsrpt_record("v=TLSRPTv1; rua=mailto:a@msp.example")])
    moved = _at_alias_target(fix, "example.com", "_smtp._tls.msp.example")
    assert moved.startswith('_smtp._tls.msp.example. TXT "v=TLSRPTv1; rua=mailto:a@msp.example"')
    assert "_smtp._tls.example.com is an alias of _smtp._tls.msp.example" in moved
    assert "_smtp._tls.example.com. TXT" not in moved
    assert _at_alias_target("", "example.com", "_smtp._tls.msp.example") == ""
