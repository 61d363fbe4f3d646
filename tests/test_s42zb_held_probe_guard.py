"""Review s42zB of 97afe536: the held-handshake probe (service.held_without_certificate)
connects to the address our policy host's name resolves to, like every probe only after the
SSRF guard (checks.net.guard) allowed it. A policy host resolving to a private, loopback or
link-local address (a poisoned or mistaken answer) is connected to by nothing, and the reading
stays "could not check"."""

from __future__ import annotations

from dataclasses import replace
from unittest import mock

from checks.tasks import engine_config
from mailsec.hosting import lookups, service


def _probe(address: str, allow_private: bool) -> tuple[str, list[tuple[str, str]]]:
    asked: list[tuple[str, str]] = []

    def handshake(addr: str, server_name: str, timeout: float) -> str:
        asked.append((addr, server_name))
        return "answered" if server_name != "mta-sts.example.org" else "held"

    class Resolver:
        async def addresses(self, host: str) -> tuple[list[str], list[object]]:
            return [address], []

    async def points_at_us(dns: object, host: str) -> tuple[bool, str]:
        return True, f"{host} is a CNAME to ours"

    config = replace(engine_config(), allow_private_targets=allow_private)
    with (
        mock.patch.object(lookups, "client", Resolver),
        mock.patch.object(lookups, "points_at_us", points_at_us),
        mock.patch.object(service, "_handshake", handshake),
        mock.patch.object(service, "engine_config", return_value=config),
    ):
        return service.held_without_certificate("example.org"), asked


def test_s42zb_a_non_public_policy_host_address_is_never_probed() -> None:
    for address in ("169.254.169.254", "10.1.2.3", "127.0.0.1", "::1", "fe80::1"):
        said, asked = _probe(address, allow_private=False)
        assert asked == [], address
        assert said == "", address


def test_s42zb_a_public_address_is_probed_and_the_lab_may_allow_private_ones() -> None:
    # Controls: the guard lets a public address through, and a configuration allowing
    # private targets (the lab) probes a loopback address, as every other probe does.
    for address, allow in (("192.0.2.10", False), ("127.0.0.1", True)):
        said, asked = _probe(address, allow_private=allow)
        if address == "192.0.2.10":
            # 192.0.2.0/24 is documentation space, not global: refused like any other.
            assert asked == [] and said == ""
            continue
        assert [name for _, name in asked] == [
            service.settings.MAILSEC_POLICY_HOST,
            "mta-sts.example.org",
        ]
        assert "refuses or fails to issue it" in said
    said, asked = _probe("8.8.8.8", allow_private=False)
    assert [a for a, _ in asked] == ["8.8.8.8", "8.8.8.8"]
    assert "refuses or fails to issue it" in said
