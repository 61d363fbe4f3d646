"""s30n: MTASTS-13 tells a policy host's default certificate from a wrong certificate (lab).

RFC 8461 §7.1: a policy host "MUST respond with a certificate chain that matches the policy
hostname or abort the TLS handshake"; checklist MTASTS-13 fails an SNI-selected certificate
that does not match, typical of a shared hosting or CDN default vhost. When the certificate
mta-sts.<domain> gets is not valid for it, the engine asks once more without SNI: the same
leaf means the server ignored the name and presented its default, one MTASTS-13 finding;
another leaf (a certificate the server chose for the name, checklist F09b) stays MTASTS-12.

Four scenarios (tests/lab/scenarios/s30n_*.toml, policy hosts on 127.0.192.1-.4, MX hosts on
127.0.192.11-.18): a shared web server with a site for www only (the lab's default certificate
default.lab.invalid), the owner's one-site server answering every name with its certificate
(the `[[https]]` key `default = true`, added for this round), the same names on a certificate
chosen for mta-sts.<domain> by SNI, and a one-site server whose certificate has expired.

For each scenario: the check IDs at fail, at warn and at "could not check" are exactly `fail`,
`warn` and `error`, and every row names a finding with that check id and status whose subject,
summary, evidence or fix contains each of the given words (tests/blind_lab.py's harness, here
for expectations written with the change, not blind).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.blind_lab import Blind, F, LabRound
from tests.lab.scenarios import ScenarioError, check_consistency, load_file, load_scenarios


def _d(label: str) -> str:
    return f"s30n-{label}.lab.test"


def _host(label: str) -> str:
    return f"mta-sts.{_d(label)}"


EXPECTED: list[Blind] = [
    Blind(
        "sharedhost",
        fail=frozenset({"MTASTS-10", "MTASTS-13"}),
        rows=(
            (
                "MTASTS-13",
                F,
                (
                    _host("sharedhost"),
                    "same certificate it presents without SNI",
                    "default certificate (its names: default.lab.invalid)",
                    "RFC 8461 §7.1",
                    f"Add a site (virtual host) for {_host('sharedhost')} to the web server at "
                    "127.0.192.1",
                ),
            ),
        ),
    ),
    Blind(
        "onesite",
        fail=frozenset({"MTASTS-10", "MTASTS-13"}),
        rows=(
            (
                "MTASTS-13",
                F,
                (
                    f"(its names: {_d('onesite')}, www.{_d('onesite')})",
                    "without SNI",
                    f"default certificate (for {_d('onesite')}, www.{_d('onesite')})",
                ),
            ),
        ),
    ),
    Blind(
        "sitecert",
        fail=frozenset({"MTASTS-10", "MTASTS-12"}),
        rows=(
            (
                "MTASTS-12",
                F,
                (
                    f"not valid for {_host('sitecert')} (its names: {_d('sitecert')}, "
                    f"www.{_d('sitecert')})",
                    f"Install on {_host('sitecert')} a certificate whose names include",
                ),
            ),
        ),
    ),
    Blind(
        "defaultexp",
        fail=frozenset({"MTASTS-10", "MTASTS-13"}),
        rows=(("MTASTS-13", F, (f"(its names: www.{_d('defaultexp')}; it also expired on",)),),
    ),
]

ROUND = LabRound("s30n", EXPECTED, {})


def test_the_set_is_complete_and_loads() -> None:
    assert len(EXPECTED) == 4
    ROUND.assert_complete(_d, ("127.0.192.",))
    sites = {s.domain: s.https for s in ROUND.scenarios.values()}
    assert [w.default for w in sites[_d("onesite")]] == [True]
    assert [w.default for w in sites[_d("sharedhost")]] == [False]


def test_the_default_key_is_a_bool(tmp_path: Path) -> None:
    text = (Path(__file__).parent / "lab/scenarios/s30n_onesite.toml").read_text()
    bad = tmp_path / "s30n_bad.toml"
    bad.write_text(text.replace("default = true", 'default = "yes"'))
    with pytest.raises(ScenarioError, match="default"):
        load_file(bad)


def test_an_address_has_one_default_site(tmp_path: Path) -> None:
    text = (Path(__file__).parent / "lab/scenarios/s30n_onesite.toml").read_text()
    twin = tmp_path / "s30n_twin.toml"
    # Another scenario's site on the same address (its MX hosts elsewhere), also the default.
    twin.write_text(
        text.replace("s30n-onesite", "s30n-twin")
        .replace("127.0.192.13", "127.0.192.93")
        .replace("127.0.192.14", "127.0.192.94")
    )
    scenarios = [s for s in load_scenarios() if s.domain == _d("onesite")] + [load_file(twin)]
    with pytest.raises(ScenarioError, match="two default sites"):
        check_consistency(scenarios)


# ------------------------------------------------------------------ the run
test_s30n_scenario_reads_as_expected = ROUND.reading_test()
