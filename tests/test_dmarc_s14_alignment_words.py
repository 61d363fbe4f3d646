"""DMARC-18 (no SPF record and no DKIM key) names the selectors tried the way DKIM-01 does: a
count and a few names, every one of them in the evidence. A check now tries up to 30 selectors
(10efa62), and the summary listed them all in one sentence."""

from __future__ import annotations

from checks import dkim, dmarc
from checks.findings import Status
from tests.test_spf import run

D = "example.com"


def test_dmarc_18_names_a_few_selectors_and_counts_them() -> None:
    zone = {(f"_dmarc.{D}", "TXT"): ["v=DMARC1; p=reject"]}
    [finding] = [f for f in run(dmarc, D, zone) if f.id == "DMARC-18"]
    assert finding.status == Status.WARN
    tried = finding.evidence["dkim_selectors_tried"]
    assert len(tried) > 6
    assert f"({len(tried)} selectors tried: " in finding.summary
    assert f"and {len(tried) - 6} more)" in finding.summary
    assert tried[6] not in finding.summary.split("selectors tried:")[1].split(" and ")[0]
    assert dkim.few(tried) in finding.summary
