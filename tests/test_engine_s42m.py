"""Engine faults the blind lab round s42m found (tests/test_lab_s42m_blind.py)."""

from __future__ import annotations

import pytest

from checks import mtasts
from checks.findings import Status
from tests.test_mtasts import ZONE, evaluate

ONLY_IP = "version: STSv1\r\nmode: {mode}\r\nmx: 192.0.2.11\r\nmax_age: 604800\r\n"


def _by_id(findings: list, check_id: str) -> list:
    return [f for f in findings if f.id == check_id]


def test_an_ip_address_mx_line_is_still_an_mx_field_senders_keep() -> None:
    # Lab s42m-ipmx. '192.0.2.11' is a Domain by RFC 5321 §4.1.2's grammar (a sub-domain may be
    # all digits), the one RFC 8461 §3.2 names for an mx value: the policy has its mx field and
    # is valid; senders hold a pattern no MX host name matches. MTASTS-25 still fails the line.
    policy = mtasts.parse_policy(ONLY_IP.format(mode="enforce"))
    assert policy.valid
    assert [(p.check_id, p.status) for p in policy.problems] == [("MTASTS-25", Status.FAIL)]
    assert policy.mx == [] and policy.numeric_mx == ["192.0.2.11"]


@pytest.mark.parametrize(
    "value",
    ["[192.0.2.11]", "2001:db8::11", "mx1.example.org:25", "192.0.2.11:25"],
)
def test_values_outside_the_grammar_still_leave_no_mx(value: str) -> None:
    # Brackets, colons: no RFC 5321 Domain, so no mx field at all (MTASTS-24, as s29m-mxspace).
    policy = mtasts.parse_policy(
        f"version: STSv1\r\nmode: enforce\r\nmx: {value}\r\nmax_age: 1\r\n"
    )
    assert not policy.valid and any(p.check_id == "MTASTS-24" for p in policy.problems)


def test_under_enforce_an_ip_address_mx_line_refuses_every_mx(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    findings = evaluate(monkeypatch, ZONE, body=ONLY_IP.format(mode="enforce"))
    assert not _by_id(findings, "MTASTS-24")
    (match,) = _by_id(findings, "MTASTS-30")
    assert match.status == Status.FAIL
    assert "192.0.2.11" in match.summary and "mx1.example.org" in match.summary
    # The fix lists the MX hosts and drops the address.
    assert "mx: mx1.example.org" in match.fix and "mx: 192.0.2.11" not in match.fix
    (well_formed,) = _by_id(findings, "MTASTS-20")
    assert "1 mx pattern" in well_formed.summary


def test_under_testing_it_is_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    findings = evaluate(monkeypatch, ZONE, body=ONLY_IP.format(mode="testing"))
    assert not _by_id(findings, "MTASTS-24")
    (match,) = _by_id(findings, "MTASTS-30")
    assert match.status == Status.WARN


@pytest.mark.parametrize(
    ("value", "host"),
    [
        ("mx1.example.org:25", "mx1.example.org"),
        ("[mx1.example.org]:25", "mx1.example.org"),  # Postfix's transport syntax
        ("*.mx.example.org:25", "*.mx.example.org"),
    ],
)
def test_a_port_after_the_mx_name_is_named(value: str, host: str) -> None:
    # Lab s42m-mxport: 'mx1.example.org:25' was told only "is not a valid host name".
    pattern, problems = mtasts.check_mx_value(value)
    (problem,) = problems
    assert pattern is None and (problem.check_id, problem.status) == ("MTASTS-25", Status.FAIL)
    assert "port" in problem.message and f"'mx: {host}'" in problem.message


@pytest.mark.parametrize("value", ["192.0.2.11:25", "mx1.example.org:smtp", "mäil.example.org:25"])
def test_no_port_advice_where_the_host_is_no_fix(value: str) -> None:
    _, problems = mtasts.check_mx_value(value)
    assert problems and all("carries a port" not in p.message for p in problems)
