"""`mailsec check` when nothing could be checked: found by a new user's walk through the docs
(task s43d), `mailsec check --resolver <one that never answers> example.com` headed its block
"score n/a (partial: MX records, …, DANE could not be checked)". docs/cli.md gives "n/a" to a
domain with a null MX (it receives no mail: transport security does not apply), and
docs/scoring.md says that when less than half the points could be checked "the CLI's headline
starts 'not enough checked for a score:'"; none of them is less than half.

The resolver is a UDP socket on loopback that this test holds open and never answers."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest

from checks.cli import EXIT_NOT_CHECKED, EXIT_OK, main
from tests.test_cli_s9_output import OPTIONS as FAKE_OPTIONS
from tests.test_freecheck_s9_results import NULL_MX, fake_dns
from tests.test_mx import FakeDns


@pytest.fixture(autouse=True)
def _no_lab_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MAILSEC_ALLOW_PRIVATE_TARGETS", "MAILSEC_EXTRA_PUBLIC_SUFFIXES"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def silent_resolver() -> Iterator[str]:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"127.0.0.1:{sock.getsockname()[1]}"


def test_nothing_checked_is_not_enough_for_a_score_not_n_a(
    silent_resolver: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["example.com", "--resolver", silent_resolver, "--timeout", "0.2"])
    first = capsys.readouterr().out.splitlines()[0]
    assert status == EXIT_NOT_CHECKED
    assert first.startswith(
        "example.com  not enough checked for a score: none of the 100 points could be checked "
        "(partial: MX records, MTA-STS,"
    ), first
    assert "n/a" not in first
    assert first.endswith("DANE could not be checked)  [score v7]"), first


def test_the_json_of_nothing_checked_is_unchanged(
    silent_resolver: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["example.com", "--json", "--resolver", silent_resolver, "--timeout", "0.2"])
    report = json.loads(capsys.readouterr().out)
    assert status == EXIT_NOT_CHECKED
    assert report["score"] is None
    assert report["score_coverage"] == {"checked": 0, "of": 100, "enough": False}


def test_a_null_mx_is_still_n_a(capsys: pytest.CaptureFixture[str]) -> None:
    """The control: 'n/a' stays the word for a domain that receives no mail."""
    with fake_dns(FakeDns(NULL_MX)):
        status = main(["nomail.example.org", *FAKE_OPTIONS])
    first = capsys.readouterr().out.splitlines()[0]
    assert status == EXIT_OK
    assert first.startswith("nomail.example.org  score n/a"), first
