"""Task s29f: gaps left by session s28's notes (no lab; the NULL-only server is in the lab's
blind round s28s, tests/test_lab_s28s_blind.py)."""

from __future__ import annotations

import pytest

from checks.findings import Status
from checks.tlsrpt import parse_tlsrpt_record


# ------------------------------------------------------------------ TLSRPT-04 (item 4)
@pytest.mark.parametrize(
    ("raw", "what", "quoted"),
    [
        ("v=TLSRPTv1\t; rua=mailto:tls@example.org", "A tab", '"v=TLSRPTv1<tab>;"'),
        ("v=TLSRPTv1 ; rua=mailto:tls@example.org", "A space", '"v=TLSRPTv1 ;"'),
        ("v=TLSRPTv1  ; rua=mailto:tls@example.org", "Whitespace", '"v=TLSRPTv1  ;"'),
    ],
)
def test_tlsrpt04_quotes_the_whitespace_that_was_published(
    raw: str, what: str, quoted: str
) -> None:
    # The warning quoted '"v=TLSRPTv1 ;"' with a space also where the owner typed a tab.
    record = parse_tlsrpt_record(raw)
    assert record.valid
    (problem,) = [p for p in record.problems if p.check_id == "TLSRPT-04"]
    assert problem.status == Status.WARN
    assert problem.message.startswith(f"{what} before the first ';' ({quoted})")
    if "\t" in raw:
        assert '"v=TLSRPTv1 ;"' not in problem.message
