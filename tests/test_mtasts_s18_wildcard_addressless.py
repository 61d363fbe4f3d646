"""MTASTS-31 (an over-broad wildcard) whose MX hosts all lack an address (MX-06): the wildcard
is not replaced by nothing. Since aa0f4f4 the proposed file then had only the placeholder
`mx: <MX host>` (review s18rv)."""

from __future__ import annotations

import pytest

from tests.test_mtasts import POLICY, ZONE, evaluate


def test_a_wildcard_over_addressless_hosts_is_kept_not_replaced_by_a_placeholder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    zone = {k: v for k, v in ZONE.items() if k[1] != "A"}
    body = POLICY.replace("mx: mx1.example.org\r\nmx: mx2.example.org\r\n", "mx: *.example.org\r\n")
    found = evaluate(monkeypatch, zone, body=body)
    fixes = [f.fix for f in found if f.id == "MTASTS-31"]
    assert fixes, [f.id for f in found]
    for fix in fixes:
        assert "<MX host>" not in fix
        assert "mx: *.example.org" in fix
