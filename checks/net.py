"""Guarded outbound connections: every probe (SMTP, HTTPS) connects through here.

Targets are resolved through the engine's resolver, never the system's, and each address is
checked at connect time: private, loopback, link-local, reserved and other special-purpose
addresses are refused unless the configuration allows private targets (the lab does). This is the
SSRF guard for the free check, where anyone can make us connect to anything a DNS name points at.
"""

from __future__ import annotations

import asyncio
import ipaddress

from checks.config import CheckConfig


class TargetRefused(Exception):
    """The address is not a public unicast address and private targets are not allowed."""


def is_public_address(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped or ip.sixtofour
        if mapped is not None:
            return is_public_address(str(mapped))
        if ip.teredo is not None:
            return False
    if (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    ):
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local:
        return False
    return ip.is_global


def guard(address: str, config: CheckConfig) -> None:
    """Raise TargetRefused unless we may connect to this address."""
    if config.allow_private_targets:
        ipaddress.ip_address(address)  # still refuse garbage
        return
    if not is_public_address(address):
        raise TargetRefused(
            f"{address} is a private, loopback, link-local or reserved address; refused"
        )


async def open_connection(
    address: str,
    port: int,
    config: CheckConfig,
    *,
    timeout: float | None = None,
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """TCP connect to an already-resolved address after the guard allowed it."""
    guard(address, config)
    return await asyncio.wait_for(
        asyncio.open_connection(address, port), timeout=timeout or config.timeout
    )
