"""Four small engine defects (session 12): a report address cut off from rua by ';' (DMARC-12),
a repeated DMARC tag (DMARC-17), a DANE-TA record matching no certificate of the chain or its
issuer (DANE-07 / DANE-09) and a certificate naming the MX host only in its CN (SMTP-11)."""

from __future__ import annotations

from checks.findings import Finding, Status
from tests.test_dmarc_s8_records import findings as dmarc_findings
from tests.test_spf import published


def _of(found: list[Finding], check_id: str) -> list[Finding]:
    return [f for f in found if f.id == check_id]


# ---- DMARC-12: a second report address after ';' -------------------------------------------


def test_a_report_address_after_a_semicolon_is_a_dmarc_12_warning_with_the_repaired_record() -> (
    None
):
    # Checklist DMARC-12 Bad example: the ';' ends the rua tag, so 'mailto:b@…' is a stray
    # element receivers ignore (RFC 7489 §6.4, RFC 9989 §4.8: one tag, URIs separated by ',').
    # DMARC-12 passed ("the aggregate report address is valid") beside a DMARC-17 warning.
    record = "v=DMARC1; p=reject; rua=mailto:a@example.com; mailto:b@example.com"
    found = dmarc_findings(record)
    (dmarc12,) = _of(found, "DMARC-12")
    assert dmarc12.status == Status.WARN
    assert "'mailto:b@example.com' is not one of the rua addresses" in dmarc12.summary
    assert "separated by commas" in dmarc12.summary
    assert published(dmarc12.fix) == (
        "_dmarc.example.com",
        "v=DMARC1; p=reject; rua=mailto:a@example.com,mailto:b@example.com",
    )
    # One explanation: no second finding telling the same story as a stray tag.
    assert not _of(found, "DMARC-17")


def test_a_bare_mailbox_after_a_semicolon_is_repaired_with_its_scheme() -> None:
    record = "v=DMARC1; p=none; rua=mailto:a@example.com; b@example.com; adkim=s"
    (dmarc12,) = _of(dmarc_findings(record), "DMARC-12")
    assert dmarc12.status == Status.WARN
    assert published(dmarc12.fix)[1] == (
        "v=DMARC1; p=none; rua=mailto:a@example.com,mailto:b@example.com; adkim=s"
    )


def test_garbage_that_is_no_address_stays_a_dmarc_17_warning() -> None:
    found = dmarc_findings("v=DMARC1; p=reject; rua=mailto:a@example.com; junk")
    assert [f.status for f in _of(found, "DMARC-12")] == [Status.PASS]
    assert [f.status for f in _of(found, "DMARC-17")] == [Status.WARN]


# ---- DMARC-17: a repeated tag --------------------------------------------------------------


def test_a_repeated_policy_tag_counts_the_weaker_policy_and_says_receivers_differ() -> None:
    # DMARC records use DKIM's tag-list syntax (RFC 7489 §6.3, RFC 9989 §4.7), where a repeated
    # tag invalidates the list (RFC 6376 §3.2); OpenDMARC keeps the last p, other parsers the
    # first. The engine kept the first: 'p=reject; …; p=none' read as p=reject (DMARC-05 pass)
    # although OpenDMARC receivers apply none, and the text said "either value".
    for record in (
        "v=DMARC1; p=reject; rua=mailto:a@example.com; p=none",
        "v=DMARC1; p=none; rua=mailto:a@example.com; p=reject",
    ):
        found = dmarc_findings(record)
        (dmarc05,) = _of(found, "DMARC-05")
        assert "p=none" in dmarc05.summary, record
        (dmarc17,) = _of(found, "DMARC-17")
        assert dmarc17.status == Status.WARN
        assert "strict parsers discard the whole record" in dmarc17.summary
        assert "counts the weaker one, p=none" in dmarc17.summary
        # One p, the policy that applies today; nothing else changes.
        assert published(dmarc17.fix)[1] == "v=DMARC1; p=none; rua=mailto:a@example.com"


def test_a_repeated_rua_keeps_both_lists() -> None:
    record = "v=DMARC1; p=reject; rua=mailto:a@example.com; rua=mailto:b@example.com"
    found = dmarc_findings(record)
    (dmarc17,) = _of(found, "DMARC-17")
    assert "some send reports to both lists" in dmarc17.summary
    assert published(dmarc17.fix)[1] == (
        "v=DMARC1; p=reject; rua=mailto:a@example.com,mailto:b@example.com"
    )
