"""Engine defects a reviewer confirmed in the s12 commits (second review).

- DMARC fixes dropped the owner's '!size' report limit ('rua=mailto:d@example.com!10m' became
  'rua=mailto:d@example.com' in every suggested record).
- A fix not about sp weakened subdomain enforcement: 'p=reject; sp:none; pct=50' (receivers
  ignore 'sp:none', so subdomains get reject) got the DMARC-08 fix 'p=reject; sp=none', on
  which the engine then raised DMARC-07. A tag written with ':' whose '=' form lowers what
  receivers apply now is written only by the DMARC-17 fix about it, which says so.
"""

from __future__ import annotations

import pytest

from checks import dmarc
from checks.findings import Finding, Status
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


# ---- DMARC: a tag written with ':' is not promoted by other fixes when that weakens ----------

RUA = "rua=mailto:d@example.com"


def test_a_pct_fix_does_not_turn_an_ignored_sp_none_into_sp_none() -> None:
    found = findings(f"v=DMARC1; p=reject; sp:none; pct=50; {RUA}")
    (dmarc08,) = of(found, "DMARC-08")
    fixed = published(dmarc08.fix)[1]
    assert fixed == f"v=DMARC1; p=reject; {RUA}"
    assert not of(findings(fixed), "DMARC-07")  # subdomains keep reject
    # The fix about the element writes it, and says what that changes.
    (dmarc17,) = of(found, "DMARC-17")
    assert "(sp=none)" in dmarc17.summary
    assert "subdomains get reject now" in dmarc17.summary
    assert "written as sp=none they would get none" in dmarc17.summary
    assert published(dmarc17.fix)[1] == f"v=DMARC1; p=reject; sp=none; {RUA}; pct=50"


@pytest.mark.parametrize(
    ("record", "fixed"),
    [
        # np:none under p=reject: non-existent subdomains get reject now.
        (f"v=DMARC1; p=reject; np:none; pct=50; {RUA}", f"v=DMARC1; p=reject; {RUA}"),
        # np:quarantine under sp=none: not weaker than the none they get now, so kept.
        (
            f"v=DMARC1; p=reject; sp=none; np:quarantine; pct=50; {RUA}",
            f"v=DMARC1; p=reject; sp=none; np=quarantine; {RUA}",
        ),
        # Stricter alignment and a stronger sp are the owner's choice: kept.
        (
            f"v=DMARC1; p=quarantine; sp:reject; adkim:s; aspf:s; pct=50; {RUA}",
            f"v=DMARC1; p=quarantine; sp=reject; {RUA}; adkim=s; aspf=s",
        ),
        # A sample or test mode receivers do not see now is not started by another fix.
        (
            f"v=DMARC1; p=reject; pct=50; t:y; psd:y; {RUA}; fo:1",
            f"v=DMARC1; p=reject; {RUA}; fo=1",
        ),
    ],
)
def test_other_fixes_write_a_colon_tag_only_when_it_lowers_nothing(record: str, fixed: str) -> None:
    (dmarc08,) = of(findings(record), "DMARC-08")
    assert published(dmarc08.fix)[1] == fixed


@pytest.mark.parametrize(
    ("element", "note"),
    [
        ("pct:50", "would apply it to 50%"),
        ("t:y", "would apply one step less"),
        ("psd:y", "Organizational Domain"),
    ],
)
def test_dmarc_17_says_what_writing_a_lowering_tag_changes(element: str, note: str) -> None:
    found = findings(f"v=DMARC1; p=reject; {element}; {RUA}")
    (dmarc17,) = of(found, "DMARC-17")
    assert dmarc17.status == Status.WARN
    assert note in dmarc17.summary
    assert published(dmarc17.fix)[1] == f"v=DMARC1; p=reject; {RUA}; {element.replace(':', '=')}"


def test_the_dmarc_03_fix_still_writes_every_colon_tag() -> None:
    # Receivers ignore this record whole: nothing it says applies now, nothing is lowered.
    (dmarc03,) = of(findings(f"v=dmarc1; p=reject; sp:none; pct:50; {RUA}"), "DMARC-03")
    assert published(dmarc03.fix)[1] == f"v=DMARC1; p=reject; sp=none; {RUA}; pct=50"
