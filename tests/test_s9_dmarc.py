"""DMARC fix texts on realistic mistakes: the suggested record keeps what the owner meant."""

from __future__ import annotations

from checks import dmarc
from tests.test_dmarc import dmarc_run
from tests.test_spf import published


def _fixes(record: str, check_id: str) -> list[str]:
    return [f.fix for f in dmarc_run(record) if f.id == check_id and f.fix]


def test_alignment_written_as_a_word_is_kept_as_its_letter() -> None:
    # adkim=strict / aspf=relaxed are invalid (RFC 7489 §6.3 and RFC 9989 §4.7 allow only r
    # and s), but the owner's choice is plain: dropping the tag would suggest relaxed
    # alignment to someone who asked for strict.
    record = "v=DMARC1; p=reject; adkim=strict; aspf=Relaxed; rua=mailto:d@example.com"
    fixes = _fixes(record, "DMARC-16")
    assert fixes, "DMARC-16 must propose a record"
    for fix in fixes:
        _, text = published(fix)
        parsed = dmarc.parse_dmarc(text)
        assert parsed.is_dmarc and not parsed.problems
        assert parsed.tags["adkim"] == "s" and parsed.tags["aspf"] == "r"
        assert parsed.policy("p") == "reject"


def test_an_unreadable_alignment_value_is_still_dropped() -> None:
    (fix,) = _fixes("v=DMARC1; p=reject; adkim=x; rua=mailto:d@example.com", "DMARC-16")
    _, text = published(fix)
    assert "adkim" not in dmarc.parse_dmarc(text).tags
