"""The two lab knobs blind round s39h added (tests/lab/README.md, [signing]): NSEC3 Opt-Out
(s39h-optout) and a "ds-wrong" zone whose parent DS records are other_zones' alone
(s39h-dsgone: a DS for a key the zone no longer publishes)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.lab import dnslab
from tests.lab.scenarios import ScenarioError, load_file

BASE = """domain = "s39h-loader.lab.test"
title = "loader"
dnssec = "{dnssec}"
records = ["@ 300 MX 10 mx1", "mx1 300 A 127.0.239.250"]
{extra}
[[smtp]]
host = "mx1.s39h-loader.lab.test"
ip = "127.0.239.250"

[expect]
fail = []
warn = []
mtasts = "none"
"""


def _load(tmp_path: Path, dnssec: str, extra: str = "") -> Any:
    path = tmp_path / "s39h_loader.toml"
    path.write_text(BASE.format(dnssec=dnssec, extra=extra))
    return load_file(path)


def test_it_reads_opt_out_into_knots_policy(tmp_path: Path) -> None:
    spec = _load(tmp_path, "signed", "[signing]\nnsec3_opt_out = true\n").signing
    assert spec.nsec3_opt_out and spec.knot_policy
    assert "    nsec3-opt-out: on\n" in dnslab.policy_conf("lab9", spec)
    plain = _load(tmp_path, "signed").signing
    assert "    nsec3-opt-out: off\n" in dnslab.policy_conf("lab", plain)


def test_a_ds_wrong_zone_may_leave_its_ds_to_other_zones(tmp_path: Path) -> None:
    spec = _load(tmp_path, "ds-wrong", "[signing]\nds_digests = []\n").signing
    assert spec.ds_digests == () and not spec.knot_policy


@pytest.mark.parametrize(
    ("dnssec", "extra"),
    [
        ("signed", "[signing]\nds_digests = []\n"),  # no DS and nothing wrong said: a typo
        ("signed", "[signing]\nnsec3 = false\nnsec3_opt_out = true\n"),  # Opt-Out is NSEC3's
        ("ds-wrong", '[signing]\nprepublished_ds_digests = ["sha256"]\n'),
    ],
)
def test_it_rejects_what_the_lab_cannot_serve(tmp_path: Path, dnssec: str, extra: str) -> None:
    with pytest.raises(ScenarioError, match="s39h_loader.toml"):
        _load(tmp_path, dnssec, extra)
