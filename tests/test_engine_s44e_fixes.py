"""Mends from blind round s44e (tests/test_engine_s44e_blind.py), each test written first and
seen failing on the code before its mend."""

from __future__ import annotations

import pytest

from tests.test_mtasts import POLICY, evaluate


def test_it_names_the_id_a_changed_policy_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    # Round case sts-policy-changed-id-same: the owner looks for the record that kept its id;
    # senders holding the old policy under it keep it until its max_age runs out (RFC 8461
    # §3.1, §5.1), which is how long the mistake lasts.
    findings = evaluate(monkeypatch, previous=("20260601T0000", "0" * 64))
    (warn,) = [f for f in findings if f.id == "MTASTS-09"]
    assert str(warn.status) == "warn"
    assert "id=20260601T0000" in warn.summary
    assert "max_age" in warn.summary
    # Control: the same policy under a new id stays the harmless info.
    same = evaluate(monkeypatch, body=POLICY, previous=("20260501T0000", _digest(monkeypatch)))
    (info,) = [f for f in same if f.id == "MTASTS-09"]
    assert str(info.status) == "info"


def _digest(monkeypatch: pytest.MonkeyPatch) -> str:
    """The digest the engine keeps for tests.test_mtasts's POLICY (what the next run compares)."""
    found = [
        f.evidence["policy_sha256"] for f in evaluate(monkeypatch) if "policy_sha256" in f.evidence
    ]
    return str(found[0])
