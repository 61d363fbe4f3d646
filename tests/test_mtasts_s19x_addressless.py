"""Round s19x (a): an MX host without an address (MX-06) loses no mail under enforce: senders
skip it with or without a policy (RFC 5321 §5.1). Left out of the policy, it makes MTASTS-30 a
note (info), not a warning; covered or not, it holds back neither the MTASTS-32 pass nor the
switch to enforce (MTASTS-33) nor announcing a served policy as it is (MTASTS-01). A failed
lookup stays "could not check" and still holds everything back."""

from __future__ import annotations

import pytest

from checks.findings import Finding, Status
from tests.test_mtasts import POLICY, ZONE, FakeProbe, evaluate

NO_MX2 = {k: v for k, v in ZONE.items() if k != ("mx2.example.org", "A")}
WITHOUT_MX2 = POLICY.replace("mx: mx2.example.org\r\n", "")
TESTING = WITHOUT_MX2.replace("mode: enforce", "mode: testing")


def _of(found: list[Finding], check_id: str) -> list[Finding]:
    return [f for f in found if f.id == check_id]


def test_an_uncovered_host_without_an_address_is_a_note(monkeypatch: pytest.MonkeyPatch) -> None:
    [cover] = _of(evaluate(monkeypatch, NO_MX2, body=WITHOUT_MX2), "MTASTS-30")
    assert cover.status == Status.INFO
    assert "no mail goes there with or without the policy" in cover.summary


def test_it_holds_back_neither_the_pass_nor_enforce(monkeypatch: pytest.MonkeyPatch) -> None:
    for body in (TESTING, POLICY.replace("mode: enforce", "mode: testing")):
        found = evaluate(monkeypatch, NO_MX2, body=body)
        assert Status.PASS in [f.status for f in _of(found, "MTASTS-32")]
        [testing] = _of(found, "MTASTS-33")
        assert "Do not switch to enforce" not in testing.summary
        assert "mode: enforce\n" in testing.fix


def test_a_failed_lookup_still_holds_back_enforce(monkeypatch: pytest.MonkeyPatch) -> None:
    zone = NO_MX2 | {("mx2.example.org", "A"): "SERVFAIL", ("mx2.example.org", "AAAA"): "SERVFAIL"}
    found = evaluate(monkeypatch, zone, body=TESTING)
    assert [f.status for f in _of(found, "MTASTS-30")] == [Status.WARN]
    assert Status.PASS not in [f.status for f in _of(found, "MTASTS-32")]
    assert "mode: enforce" not in _of(found, "MTASTS-33")[0].fix


def test_a_served_policy_covering_every_host_with_an_address_needs_only_the_record(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    zone = {k: v for k, v in NO_MX2.items() if k[0] != "_mta-sts.example.org"}
    found = evaluate(monkeypatch, zone, body=WITHOUT_MX2, probes={"mx1.example.org": FakeProbe()})
    [first] = _of(found, "MTASTS-01")
    assert first.fix.startswith('_mta-sts.example.org. TXT "v=STSv1; id=')
