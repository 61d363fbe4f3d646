"""Guarded outbound connections: every probe (SMTP, HTTPS) connects through here.

Targets are resolved through the engine's resolver, never the system's, and each address is
checked at connect time: private, loopback, link-local, reserved and other special-purpose
addresses are refused unless the configuration allows private targets (the lab does). This is the
SSRF guard for the free check, where anyone can make us connect to anything a DNS name points at.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import os
import re
import ssl

from checks.config import CheckConfig

# connect() errors that mean this checker has no route to the whole address family (a host
# without IPv6, say): nothing about the server.
_NO_ROUTE = frozenset({errno.ENETUNREACH, errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT})


def connect_failure(exc: OSError) -> str:
    """What a failed connect() says: "refused" (ECONNREFUSED, the server's answer: what a
    sender would meet too), "no-route" (we cannot reach that address family at all) or
    "network" (no route to that host, no source address: the path, maybe ours). Only the
    first is about the domain (checklist §0)."""
    if isinstance(exc, ConnectionRefusedError) or exc.errno == errno.ECONNREFUSED:
        return "refused"
    return "no-route" if exc.errno in _NO_ROUTE else "network"


def os_error_text(exc: OSError) -> str:
    """Why a connection failed, in words: "Connection refused". asyncio's own text for it,
    "Connect call failed ('192.0.2.1', 25)", is a Python tuple that users read in summaries."""
    if exc.errno:
        try:
            return os.strerror(exc.errno)
        except ValueError:  # an errno the platform has no text for
            pass
    return exc.strerror or str(exc) or type(exc).__name__


# RFC 6052 well-known NAT64 prefix, and the RFC 8215 local-use prefix (a private translator).
_NAT64_WELL_KNOWN = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")
# Special-purpose ranges some Python versions do not flag: CGNAT (RFC 6598), benchmarking
# (RFC 2544), IETF protocol assignments, documentation (RFC 5737, RFC 3849, and RFC 9637's
# 3fff::/20, which Python before 3.12.7 counts as global), ORCHIDv2, discard-only, and the
# 6to4 relay anycast prefix 192.88.99.0/24 (deprecated by RFC 7526, not globally reachable in
# IANA's special-purpose registry; Python counts it global: a probe connected there, s36g).
_ALWAYS_REFUSED = [
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "100.64.0.0/10",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.88.99.0/24",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "240.0.0.0/4",
        "255.255.255.255/32",
        "100::/64",
        "2001::/23",
        "2001:db8::/32",
        "2001:20::/28",
        "3fff::/20",
        "fc00::/7",
        "fe80::/10",
        "fec0::/10",
    )
]


class TargetRefused(Exception):
    """The address is not a public unicast address and private targets are not allowed."""


def _carried_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 host an IPv6 form leads to: IPv4-mapped (::ffff:a.b.c.d), 6to4 (2002:…, RFC
    3056) and the well-known NAT64 prefix (64:ff9b::/96, RFC 6052); None for any other."""
    mapped = ip.ipv4_mapped or ip.sixtofour
    if mapped is None and ip in _NAT64_WELL_KNOWN:
        mapped = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return mapped


def is_public_address(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.scope_id:
        # A zone id ("2620:fe::fe%eth0", RFC 4007 §11) picks one of OUR interfaces: no address
        # published on the internet carries one, whatever the address is.
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        # IPv6 forms that carry an IPv4 address reach that IPv4 host: judge the embedded one
        # (::ffff:127.0.0.1, 2002:7f00:1::, 64:ff9b::10.0.0.1 all lead to private targets).
        mapped = _carried_ipv4(ip)
        if mapped is not None:
            return is_public_address(str(mapped))
        if ip.teredo is not None or ip in _NAT64_LOCAL:
            return False
    if any(ip in net for net in _ALWAYS_REFUSED if net.version == ip.version):
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


# Ranges meant for private networks (RFC 1918, RFC 6598 CGNAT, RFC 4193 unique local).
_PRIVATE_USE = [
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
]


def non_public_kind(address: str) -> str | None:
    """What a non-public address is, in a report's words ('private', 'loopback', 'link-local',
    'reserved'); None for a public address, or for text that is no address at all."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if is_public_address(address):
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.scope_id:
        unscoped = ipaddress.IPv6Address(address.partition("%")[0])
        if is_public_address(str(unscoped)):
            return "zone-scoped"  # public but for its zone id: is_public_address
        ip = unscoped
    if isinstance(ip, ipaddress.IPv6Address) and (carried := _carried_ipv4(ip)) is not None:
        # Named by the host it leads to, as is_public_address judges it: 64:ff9b::7f00:1 and
        # 2002:7f00:1:: are the loopback address 127.0.0.1 reached through NAT64 or 6to4.
        ip = carried
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if any(ip in net for net in _PRIVATE_USE if net.version == ip.version):
        return "private"
    return "reserved"


def describe_non_public(addresses: list[str]) -> str:
    """'the private address 10.1.2.3', 'the private addresses 10.1.2.3, 10.1.2.4', or, for
    mixed kinds, 'the non-public addresses 10.1.2.3 (private), ::1 (loopback)'."""
    kinds = [non_public_kind(a) or "non-public" for a in addresses]
    plural = "es" if len(addresses) > 1 else ""
    if len(set(kinds)) == 1:
        return f"the {kinds[0]} address{plural} {', '.join(addresses)}"
    listed = ", ".join(f"{a} ({k})" for a, k in zip(addresses, kinds, strict=True))
    return f"the non-public address{plural} {listed}"


def guard(address: str, config: CheckConfig) -> None:
    """Raise TargetRefused unless we may connect to this address."""
    if config.allow_private_targets:
        ipaddress.ip_address(address)  # still refuse garbage
        return
    if not is_public_address(address):
        # Named by its own kind, which a report quotes: the list of every kind an address
        # might be ("private, loopback, link-local or reserved") told the owner nothing.
        kind = non_public_kind(address)
        raise TargetRefused(
            f"{address} is not a public address ({kind}); refused"
            if kind
            else f"{address} is not an IP address; refused"
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


# What a TLS alert from the server most often means, for the report's plain sentence.
_ALERT_HINTS = {
    "handshake_failure": "no TLS version or cipher suite in common, or no certificate to present",
    "protocol_version": "no TLS version in common",
    "insufficient_security": "no cipher suite strong enough for it in common",
    "internal_error": "a fault in the server's TLS setup",
    "unrecognized_name": "no certificate for the name asked for (SNI)",
    "certificate_required": "it demands a client certificate",
}
_ALERT_REASON = re.compile(r"(?:SSLV3|TLSV1|TLSV13)_ALERT_([A-Z_]+)")


def tls_alert_name(exc: ssl.SSLError) -> str:
    """The name of the TLS alert the server sent ("handshake_failure"), or "" for none."""
    alert = _ALERT_REASON.fullmatch(exc.reason or "")
    return alert.group(1).lower() if alert else ""


def tls_alert_text(exc: ssl.SSLError) -> str:
    """ "the server sent the TLS alert <name> (<what it most often means>)", or "" when the
    error is no alert from the server."""
    name = tls_alert_name(exc)
    if not name:
        return ""
    hint = _ALERT_HINTS.get(name)
    return f"the server sent the TLS alert {name}" + (f" ({hint})" if hint else "")
