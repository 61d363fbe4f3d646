"""MTASTS-23 under 'mode: none' (found by the free check's blind round s38c, zone
s38c-modenone). RFC 8461 §8.3 withdraws MTA-STS with a policy in mode none and a small max_age
("e.g., one day"), so senders soon look again and find no policy. The short max_age notes
(info under a week: "weeks or more are usual once the policy is stable"; warn under a day:
"weakens downgrade protection") advised against the RFC's own way out, and on the free check
the note was badged "missing" beside the withdrawal. Under mode none a short max_age passes,
with the reason; testing and enforce are unchanged."""

from __future__ import annotations

import pytest

from checks.mtasts import parse_policy


def policy(mode: str, max_age: str) -> bytes:
    mx = "" if mode == "none" else "mx: mx1.example.org\r\n"
    return f"version: STSv1\r\nmode: {mode}\r\n{mx}max_age: {max_age}\r\n".encode()


def max_age_findings(body: bytes) -> list[tuple[str, str]]:
    return [
        (str(p.status), p.message) for p in parse_policy(body).problems if p.check_id == "MTASTS-23"
    ]


@pytest.mark.parametrize("max_age", ["86400", "3600", "300", "0"])
def test_a_short_max_age_while_withdrawing_passes(max_age: str) -> None:
    found = max_age_findings(policy("none", max_age))
    assert [status for status, _ in found] == ["pass"], found
    assert "§8.3" in found[0][1] and max_age in found[0][1], found


def test_a_long_max_age_while_withdrawing_says_nothing() -> None:
    assert max_age_findings(policy("none", "604800")) == []


@pytest.mark.parametrize(
    ("mode", "max_age", "status"),
    [
        ("testing", "86400", "info"),
        ("enforce", "86400", "info"),
        ("testing", "3600", "warn"),
        ("enforce", "3600", "warn"),
    ],
)
def test_a_short_max_age_under_testing_or_enforce_is_still_noted(
    mode: str, max_age: str, status: str
) -> None:
    assert [s for s, _ in max_age_findings(policy(mode, max_age))] == [status]


@pytest.mark.parametrize("max_age", ["31557601", "1w", ""])
def test_an_invalid_max_age_still_fails_under_none(max_age: str) -> None:
    body = policy("none", max_age) if max_age else b"version: STSv1\r\nmode: none\r\n"
    assert [s for s, _ in max_age_findings(body)] == ["fail"]
