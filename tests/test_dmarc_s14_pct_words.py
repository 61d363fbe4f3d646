"""DMARC-08 on pct below 100 advised "use t=y for a trial run" even to a record that already
had t=y, whose own finding (DMARC-09) says what t=y does and whose fix drops it."""

from __future__ import annotations

from checks import dmarc
from tests.test_spf import run

D = "example.com"


def summary_of(record: str) -> str:
    zone = {(f"_dmarc.{D}", "TXT"): [record]}
    [finding] = [f for f in run(dmarc, D, zone) if f.id == "DMARC-08"]
    return finding.summary


def test_pct_without_t_suggests_a_trial_with_t() -> None:
    summary = summary_of("v=DMARC1; p=reject; pct=50; rua=mailto:d@example.com")
    assert summary.endswith("Remove pct (use t=y for a trial run).")


def test_pct_beside_t_y_does_not_suggest_it_again() -> None:
    summary = summary_of("v=DMARC1; p=reject; pct=0; t=y; rua=mailto:d@example.com")
    # Both trial tags go, as the record offered does (s47g): t=y is not suggested again.
    assert "Remove pct and t=y together" in summary
    assert "use t=y" not in summary
