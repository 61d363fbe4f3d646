"""Engine defects a reviewer confirmed in the s12 commits (second review).

- DMARC fixes dropped the owner's '!size' report limit ('rua=mailto:d@example.com!10m' became
  'rua=mailto:d@example.com' in every suggested record).
"""

from __future__ import annotations

from checks import dmarc
from checks.findings import Finding
from tests.test_dmarc_s8_records import BASE, D, findings
from tests.test_spf import published, run


def of(found: list[Finding], check_id: str) -> list[Finding]:
    return [f for f in found if f.id == check_id]


# ---- DMARC: the '!size' report limit ---------------------------------------------------------


def test_every_dmarc_fix_keeps_the_report_size_limits() -> None:
    record = (
        "v=DMARC1; p=reject; pct=50; rua=mailto:d@example.com!10m; "
        "ruf=mailto:f@example.com!1k; fo=1"
    )
    (dmarc08,) = of(findings(record), "DMARC-08")
    assert published(dmarc08.fix)[1] == (
        "v=DMARC1; p=reject; rua=mailto:d@example.com!10m; ruf=mailto:f@example.com!1k; fo=1"
    )


def test_a_bare_mailbox_keeps_its_size_limit_and_one_address_is_kept_once() -> None:
    # DMARC-12 repairs the bare mailbox to mailto:, its limit kept; the same mailbox given
    # again later (without a limit) is not listed twice.
    record = "v=DMARC1; p=reject; rua=d@example.com!10m,mailto:e@example.com,mailto:d@example.com"
    fixes = {published(f.fix)[1] for f in of(findings(record), "DMARC-12") if f.fix}
    assert fixes == {"v=DMARC1; p=reject; rua=mailto:d@example.com!10m,mailto:e@example.com"}


def test_the_merged_record_lists_a_mailbox_once_whatever_its_size_limits() -> None:
    records = [
        "v=DMARC1; p=reject; rua=mailto:d@example.com!10m",
        "v=DMARC1; p=reject; rua=mailto:d@example.com,mailto:e@example.com!1m",
    ]
    zone = {**BASE, (f"_dmarc.{D}", "TXT"): records}
    (dmarc02,) = [f for f in run(dmarc, D, zone) if f.id == "DMARC-02" and f.fix]
    # The records are read in sorted order (the same whatever DNS order): the '!10m' one first.
    assert published(dmarc02.fix)[1] == (
        "v=DMARC1; p=reject; rua=mailto:d@example.com!10m,mailto:e@example.com!1m"
    )
