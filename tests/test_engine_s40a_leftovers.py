"""s40a: engine leftovers earlier sessions noticed and left, each shown wrong first.

1. `mailsec check --resolver HOST:PORT` said "no answer from our resolver within N s": the
   resolver is the user's own there (the one they named, MAILSEC_RESOLVER's or the system's),
   so the CLI names it; the app's pages keep "our resolver" without the address (s39j).
"""

from __future__ import annotations

import asyncio
import json

import dns.message
import pytest

from checks.cli import build_parser, main, make_config
from checks.dns import DnsClient
from tests.test_dns_s9_server import Reply, answer, fake_dns


def _silent(query: dns.message.Message, transport: str) -> None:
    return None


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    main([*args, "--timeout", "0.5", "--concurrency", "1"])
    return capsys.readouterr().out


def test_the_cli_names_the_resolver_the_user_gave_not_ours(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with fake_dns(_silent) as server:
        host, port = server.address
        named = f"{host}:{port}"
        text = _cli(capsys, "example.org", "--resolver", named)
        lines = _cli(capsys, "example.org", "--resolver", named, "--json")
    assert f"no answer from the resolver {named} within 0.5 s" in text, text
    assert "our resolver" not in text, text
    report = json.loads(lines)
    said = " ".join(f["summary"] for f in report["findings"])
    assert f"no answer from the resolver {named} within 0.5 s" in said, said
    assert "our resolver" not in said, said


def test_the_cli_names_the_resolver_that_hung_up() -> None:
    # Truncated over UDP, then the TCP connection closed without a reply (as s39j's test).
    def handler(query: dns.message.Message, transport: str) -> Reply | None:
        return Reply(answer(query, tc=True)) if transport == "udp" else None

    with fake_dns(handler) as server:
        host, port = server.address
        config = make_config(
            build_parser().parse_args(["x.example", "--resolver", f"{host}:{port}"])
        )
        result = asyncio.run(DnsClient(config).query("example.org", "TXT"))
    assert result.describe_failure() == (
        f"NETWORK for example.org TXT (the resolver {host}:{port} closed the connection "
        "without an answer)"
    )


def test_the_apps_engine_keeps_our_resolver_without_its_address() -> None:
    # The app's configuration (checks.tasks.engine_config) leaves resolvers_are_users False.
    from checks.tasks import engine_config

    with fake_dns(_silent) as server:
        host, port = server.address
        config = engine_config(resolvers=(server.address,), timeout=0.5)
        result = asyncio.run(DnsClient(config).query("example.org", "TXT"))
    assert result.detail == "no answer from our resolver within 0.5 s"
    assert host not in result.describe_failure()
