"""Review s34v of the session's product diff: faults found, each test failing before its fix.

1. MTASTS-05/-07 quote a value as published (checks.mtasts._as_published, 7b7bce6d) by
   matching it against the record decoded with surrogateescape, each U+FFFD of the value as
   '[\\udc80-\\udcff]+'. A run of such groups over a run of bytes that are not UTF-8
   backtracks exponentially (n groups over n bytes: 2 s at 26 bytes, x5 per 2 more): an id
   of 40 0xFF bytes, published by anyone and read by the free check, held the event loop for
   days. Each U+FFFD now stands for the bytes the decoder replaced with it, found once.
"""

from __future__ import annotations

import time

import pytest


def _problems(raw: bytes, check_id: str) -> list[str]:
    from checks.mtasts import parse_sts_record

    return [p.message for p in parse_sts_record(raw).problems if p.check_id == check_id]


@pytest.mark.parametrize(
    ("raw", "check_id", "quoted"),
    [
        (b"v=STSv1; id=" + b"\xff" * 28, "MTASTS-05", "'" + "\\xff" * 28 + "'"),
        (b"v=STSv1; id=1; x=" + b"\xe9" * 28, "MTASTS-07", "'x=" + "\\xe9" * 28 + "'"),
    ],
    ids=["id", "extension"],
)
def test_a_long_run_of_bytes_that_are_not_utf8_is_quoted_at_once(
    raw: bytes, check_id: str, quoted: str
) -> None:
    started = time.monotonic()
    [message] = _problems(raw, check_id)
    assert time.monotonic() - started < 1.0
    assert quoted in message, message
    assert "\ufffd" not in message


def test_each_replacement_stands_for_its_own_bytes() -> None:
    # A cut 3-byte sequence ('\xe2\x82', one U+FFFD), a lone byte and U+FFFD published as
    # itself, in one id: each quoted as published.
    raw = b"v=STSv1; id=a\xe2\x82b\xe9c" + "\ufffd".encode()
    [message] = _problems(raw, "MTASTS-05")
    assert message.startswith("The id 'a\\xe2\\x82b\\xe9c\ufffd' "), message


# 2. DMARC's reading of a ';' left out (checks.dmarc._GLUED_RE, ab58502f) split each value at
#    '\s+' before a tag name: tried at every blank of a run, each try backtracking over the
#    rest, it took time square in the run's length (4 s for 8,000 blanks, 21 s for 16,000):
#    a record anyone publishes held the event loop. A run is now tried at its start alone.


def test_a_long_run_of_blanks_in_a_dmarc_value_is_read_at_once() -> None:
    from checks.dmarc import parse_dmarc

    started = time.monotonic()
    parsed = parse_dmarc("v=DMARC1; p=reject" + " " * 12_000 + "x; rua=mailto:d@example.com")
    assert time.monotonic() - started < 1.0
    assert parsed.unglued == {}


def test_a_tag_run_in_after_blanks_is_still_read_as_meant() -> None:
    from checks.dmarc import parse_dmarc

    parsed = parse_dmarc("v=DMARC1; p=reject; adkim=r \t aspf=s")
    assert parsed.unglued == {"adkim": "r"}
    assert parsed.glued_after == {"adkim": ["aspf=s"]}
    assert parsed.glued == {"aspf": "s"}


# 3. MTASTS-35 with DANE on some MX hosts (b00b82f6) said of every other host whose lookup
#    did not fail "has none", also of one that publishes TLSA records DANE senders do not use
#    (no usable record, or not DNSSEC-validated): untrue to an owner who published them.


def test_mtasts35_does_not_say_a_host_with_unused_tlsa_records_has_none(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.test_engine_s34m import TLSA_ZONE, _dane_note

    # An unknown matching type (9): a record DANE senders cannot use (RFC 7672 §2.2).
    zone = {**TLSA_ZONE, ("_25._tcp.mx2.example.org", "TLSA"): ["3 1 9 " + "cd" * 32]}
    summary = _dane_note(monkeypatch, zone).summary
    assert "has none" not in summary, summary
    assert (
        "mx2.example.org publishes TLSA records that DANE senders do not use (none usable, or "
        "not DNSSEC-validated): MTA-STS alone protects mail to it." in summary
    ), summary


def test_a_long_id_of_alternating_bytes_is_quoted_at_once() -> None:
    # 'a\xff' 30,000 times (60 KB, as much as a DNS answer holds): the value was matched by a
    # pattern built from it, one group per character, compiled anew (3.5 s).
    started = time.monotonic()
    [message] = _problems(b"v=STSv1; id=" + b"a\xff" * 30_000, "MTASTS-05")
    assert time.monotonic() - started < 1.0
    assert message.startswith("The id '" + "a\\xff" * 30_000 + "' "), message[:80]
