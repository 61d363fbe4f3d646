"""The lab blind rounds' harness: one home for what every round of blind lab scenarios does
(tests/test_lab_s19d_blind.py, s21k, s22m, s23e, s24e).

A round lists what the engine must say about each of its scenarios (tests/lab/scenarios/
<round>_<label>.toml) as a `Blind`: the check IDs at fail, at warn and at "could not check"
(error) are exactly `fail`, `warn` and `error`, and every row of `rows` names a finding with
that check id and status whose subject, summary, evidence or fix contains each of the given
words (tests.test_engine_lab.assert_blind_reading). The expectations were written from the
checklist and the RFCs before the engine ran on any of them.

Where a blind run found the engine wrong and the fix is not made yet, the round's `gaps` name
the reason and the check IDs at fail and at warn the engine gives today. The scenario file's
[expect] carries today's IDs, as every lab scenario's [expect] is what the engine must say now
(tests/test_engine_lab.py reads them); the blind expectation stays the right answer, and the
round's test is a strict xfail: the day the engine gives it, the mark and the gap must go, and
the file's [expect] takes the blind IDs.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from checks.findings import Status
from tests.lab.scenarios import Scenario, load_scenarios
from tests.test_engine_lab import assert_blind_reading, blind_params, scenario_report

P, INFO, W, F, E = Status.PASS, Status.INFO, Status.WARN, Status.FAIL, Status.ERROR

Row = tuple[str, Status, tuple[str, ...]]
# label -> (why, the check IDs at fail today, the check IDs at warn today)
Gaps = dict[str, tuple[str, frozenset[str], frozenset[str]]]


@dataclass(frozen=True)
class Blind:
    """What the engine must say about tests/lab/scenarios/<round>_<label>.toml."""

    label: str
    fail: frozenset[str] = frozenset()
    warn: frozenset[str] = frozenset()
    error: frozenset[str] = frozenset()
    rows: tuple[Row, ...] = ()


@functools.cache
def _listing() -> tuple[Scenario, ...]:
    """Every scenario, listed once per process for the rounds: each round is built as its module
    is imported, and 34 rounds listing all 1,300 files each (reading every file again to see
    whether it changed) cost a second of CPU in every collecting process."""
    return tuple(load_scenarios())


class LabRound:
    """A round's blind scenarios by label, its scenario files, and its tests."""

    def __init__(self, prefix: str, blind: list[Blind], gaps: Gaps) -> None:
        self.prefix = prefix
        self.blind = blind
        self.gaps = gaps
        self.by_label = {b.label: b for b in blind}
        self.scenarios: dict[str, Scenario] = {
            s.path.stem.removeprefix(f"{prefix}_"): s
            for s in _listing()
            if s.path.name.startswith(f"{prefix}_")
        }

    def assert_complete(
        self, domain: Callable[[str], str], ips: tuple[str, ...], *, under: bool = False
    ) -> None:
        """Every blind label has its scenario file and no file is left out; every MX host
        listens on the round's addresses (`ips`, prefixes); each scenario checks `domain(label)`
        (or, `under`, a name below it); and the file's [expect] is the blind expectation, or
        today's reading where the round names a gap."""
        assert len(self.by_label) == len(self.blind)
        assert set(self.scenarios) == set(self.by_label)
        addresses = [h.ip for s in self.scenarios.values() for h in s.smtp]
        assert addresses and all(ip.startswith(ips) for ip in addresses)
        for blind in self.blind:
            scenario = self.scenarios[blind.label]
            name = domain(blind.label)
            if under:
                assert scenario.domain == name or scenario.domain.endswith("." + name)
            else:
                assert scenario.domain == name
            _, fail_now, warn_now = self.gaps.get(blind.label, ("", blind.fail, blind.warn))
            assert scenario.expect_fail == set(fail_now)
            assert scenario.expect_warn == set(warn_now)
            assert scenario.expect_error == set(blind.error)

    def reading_test(self) -> Callable[..., None]:
        """The blind run: each scenario, checked by the engine against the lab, reads as its
        `Blind` says (a strict xfail where the round names a gap)."""

        @pytest.mark.lab
        @pytest.mark.parametrize("label", blind_params(self.by_label, self.gaps))
        def test(lab: Any, label: str) -> None:
            blind = self.by_label[label]
            assert_blind_reading(
                scenario_report(lab, self.scenarios[label]),
                fail=blind.fail,
                warn=blind.warn,
                error=blind.error,
                rows=blind.rows,
            )

        return test
