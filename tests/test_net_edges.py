"""The SSRF guard over every special-purpose range (IANA IPv4/IPv6 special-purpose registries)
and the IPv6 forms that carry an IPv4 address: each is refused unless the lab allows private
targets, and the public neighbours of those ranges are not."""

from __future__ import annotations

import pytest

from checks import net
from checks.config import CheckConfig

REFUSED = [
    # IPv4
    "0.0.0.0",
    "0.1.2.3",  # "this network" 0.0.0.0/8
    "10.255.255.254",
    "100.64.0.1",
    "100.127.255.254",  # CGNAT, RFC 6598
    "127.255.255.254",
    "169.254.169.254",
    "172.31.255.255",
    "192.0.0.9",  # IETF protocol assignments
    "192.0.0.170",  # NAT64 discovery
    "192.0.2.1",
    "198.51.100.1",
    "203.0.113.1",  # documentation
    "192.168.255.255",
    "198.19.255.255",  # benchmarking
    "224.0.0.1",
    "239.255.255.250",  # multicast
    "240.0.0.1",
    "255.255.255.255",
    # IPv6
    "::",
    "::1",
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "::ffff:0.0.0.0",  # IPv4-mapped
    "::ffff:0:10.0.0.1",  # IPv4-translated (SIIT)
    "::127.0.0.1",  # IPv4-compatible (deprecated)
    "64:ff9b::127.0.0.1",
    "64:ff9b::169.254.169.254",
    "64:ff9b::100.64.0.1",  # NAT64 of non-public IPv4
    "64:ff9b:1::8.8.8.8",  # local-use NAT64 (RFC 8215)
    "2002:7f00:1::",
    "2002:a9fe:a9fe::1",
    "2002:c0a8:101::1",
    "2002:e000:1::",  # 6to4 of non-public IPv4
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
    "2001:2::1",  # benchmarking
    "2001:20::1",  # ORCHIDv2
    "2001:db8::1",
    "3fff::1",  # documentation
    "100::1",  # discard-only
    "5f00::1",  # SRv6 SIDs
    "fc00::1",
    "fd00::1",
    "fe80::1",
    "fe80::1%eth0",
    "fec0::1",
    "ff02::1",
    "ff0e::1",
]

# Shorthand forms inet_aton reads as 127.0.0.1: no resolver returns them, and none is taken.
NOT_ADDRESSES = ["127.1", "0177.0.0.1", "2130706433"]

PUBLIC = [
    "8.8.8.8",
    "::ffff:8.8.8.8",
    "64:ff9b::8.8.8.8",
    "2002:808:808::1",
    "2606:4700:4700::1111",
    "100.63.255.255",  # just below CGNAT
    "100.128.0.0",  # just above it
    "172.32.0.1",  # just above 172.16.0.0/12
    "198.20.0.1",  # just above benchmarking
]


@pytest.mark.parametrize("address", REFUSED + NOT_ADDRESSES)
def test_every_special_purpose_address_is_refused(address: str) -> None:
    assert not net.is_public_address(address)
    with pytest.raises((net.TargetRefused, ValueError)):
        net.guard(address, CheckConfig())


@pytest.mark.parametrize("address", REFUSED)
def test_the_lab_setting_allows_them(address: str) -> None:
    net.guard(address, CheckConfig(allow_private_targets=True))


@pytest.mark.parametrize("address", NOT_ADDRESSES)
def test_the_lab_setting_still_refuses_what_is_no_address(address: str) -> None:
    with pytest.raises(ValueError):
        net.guard(address, CheckConfig(allow_private_targets=True))


@pytest.mark.parametrize("address", PUBLIC)
def test_public_neighbours_are_allowed(address: str) -> None:
    assert net.is_public_address(address)
    net.guard(address, CheckConfig())
