"""Follow-ups on the HTTPS fetch, MTA-STS and BIMI checks found by the second round of review."""

from __future__ import annotations

from typing import Any

import pytest

from checks.findings import Status
from tests.test_mtasts import ZONE, evaluate
from tests.test_mx import bad, statuses

# --- MTASTS-03: only the MTA-STS record's own strings -------------------------------------


def test_it_ignores_a_split_txt_record_that_is_not_mta_sts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    zone: dict[Any, Any] = dict(ZONE)
    zone[("_mta-sts.example.org", "TXT")] = [
        '"v=STSv1; id=20260601T0000"',
        '"google-site-verification=abcdefghijklmnop" "qrstuvwxyz0123456789"',
    ]
    findings = evaluate(monkeypatch, zone)
    assert bad(findings) == set()
    assert statuses(findings, "MTASTS-03") == []


def test_it_still_notes_a_split_mta_sts_record(monkeypatch: pytest.MonkeyPatch) -> None:
    zone: dict[Any, Any] = dict(ZONE)
    zone[("_mta-sts.example.org", "TXT")] = [
        '"v=STSv1; id=2026" "0601T0000"',
        '"google-site-verification=abcdefghijklmnop"',
    ]
    findings = evaluate(monkeypatch, zone)
    assert statuses(findings, "MTASTS-03") == [Status.INFO]
    assert statuses(findings, "MTASTS-05") == [Status.PASS]
