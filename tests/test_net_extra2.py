"""The SSRF guard and the guarded HTTPS fetch on inputs found in the second review."""

from __future__ import annotations

import pytest

from checks import net
from checks.config import CheckConfig


@pytest.mark.parametrize("address", ["3fff::1", "3fff:fff:ffff::1"])
def test_it_refuses_the_rfc9637_documentation_prefix(address: str) -> None:
    # 3fff::/20 is documentation space like 2001:db8::/32 (not globally reachable, IANA
    # special-purpose registry); Python 3.11's ipaddress still calls it global.
    assert not net.is_public_address(address)
    with pytest.raises(net.TargetRefused):
        net.guard(address, CheckConfig())


def test_it_refuses_only_the_documentation_prefix_not_its_neighbour() -> None:
    assert net.is_public_address("3fff:1000::1")  # just past 3fff::/20
    assert net.is_public_address("2a00:1450:4001::1")
