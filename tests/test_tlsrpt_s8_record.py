"""The `_smtp._tls` record on inputs no fixture lists (RFC 8460 §3 ABNF)."""

from __future__ import annotations

import pytest

from checks.findings import Status
from checks.tlsrpt import parse_tlsrpt_record


@pytest.mark.parametrize("gap", [" ", "\t", "  "])
def test_whitespace_after_rua_equals_is_reported(gap: str) -> None:
    # tlsrpt-rua = %s"rua=" tlsrpt-uri: no whitespace may follow the "=". Parsers that follow
    # the grammar reject the record; others strip it. The owner must hear of it.
    record = parse_tlsrpt_record(f"v=TLSRPTv1; rua={gap}mailto:tls@example.com")
    warned = [p for p in record.problems if p.check_id == "TLSRPT-07"]
    assert [p.status for p in warned] == [Status.WARN]
    assert record.uris and record.uris[0].usable


@pytest.mark.parametrize(
    "raw",
    [
        "v=TLSRPTv1; rua=mailto:tls@example.com , https://r.example.com/v1",
        "v=TLSRPTv1;rua=mailto:tls@example.com\t,\thttps://r.example.com/v1 ;",
    ],
)
def test_whitespace_around_the_rua_commas_is_allowed(raw: str) -> None:
    # tlsrpt-uri *(*WSP "," *WSP tlsrpt-uri): whitespace around the commas is legal.
    record = parse_tlsrpt_record(raw)
    assert record.valid and [u.usable for u in record.uris] == [True, True]
    assert not [p for p in record.problems if p.status != Status.INFO]
