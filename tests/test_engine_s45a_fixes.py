"""Mends from blind round s45a (tests/test_engine_s45a_blind.py), each test written first and
seen failing on the code before its mend."""

from __future__ import annotations

import pytest

from checks.findings import Status
from tests.test_mtasts import ZONE, evaluate

IPHMX = "version: STSv1\r\nmode: enforce\r\nmx: *.iphmx.com\r\nmax_age: 604800\r\n"


@pytest.mark.parametrize(
    ("hosts", "said"),
    [
        (["mx1.hc4721-33.iphmx.com"], "so not mx1.hc4721-33.iphmx.com (RFC 8461 §4.1)."),
        (
            ["mx1.hc4721-33.iphmx.com", "mx2.hc4721-33.iphmx.com"],
            "so not mx1.hc4721-33.iphmx.com or mx2.hc4721-33.iphmx.com (RFC 8461 §4.1).",
        ),
        (
            ["mx1.hc4721-33.iphmx.com", "mx2.hc4721-33.iphmx.com", "mx3.hc4721-33.iphmx.com"],
            "so not mx1.hc4721-33.iphmx.com, mx2.hc4721-33.iphmx.com or "
            "mx3.hc4721-33.iphmx.com (RFC 8461 §4.1).",
        ),
    ],
)
def test_a_wildcard_one_label_too_high_is_explained_once_for_all_its_hosts(
    monkeypatch: pytest.MonkeyPatch, hosts: list[str], said: str
) -> None:
    # Blind case cisco-iphmx-wildcard-two-labels-up: Cisco Secure Email gives each customer
    # two (or more) MX hosts two labels below iphmx.com, and a policy with '*.iphmx.com'
    # matches none (RFC 8461 §4.1). MTASTS-30 said 'The pattern *.iphmx.com covers names one
    # label below iphmx.com only, so not <host> (RFC 8461 §4.1).' once per host, the same
    # sentence again for each; it now says it once, naming every host.
    zone = {**ZONE, ("example.org", "MX"): [f"10 {h}." for h in hosts]}
    zone.update({(h, "A"): [f"68.232.129.{i}"] for i, h in enumerate(hosts, 10)})
    (found,) = [f for f in evaluate(monkeypatch, zone, body=IPHMX) if f.id == "MTASTS-30"]
    assert found.status == Status.FAIL
    assert found.summary.count("covers names one label below") == 1, found.summary
    assert (
        f"The pattern *.iphmx.com covers names one label below iphmx.com only, {said}"
        in found.summary
    )
