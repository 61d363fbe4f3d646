"""What blind round s34m (tests/test_lab_s34m_blind.py) found the engine saying wrong, pinned
without the lab (tests.test_mtasts' fake DNS, policy fetch and MX probes)."""

from __future__ import annotations

from typing import Any

import pytest

from checks.findings import Finding, Status
from checks.mtasts import parse_policy
from tests.test_mtasts import POLICY, TLSA_ZONE, evaluate

GOOD = "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.org\r\nmax_age: 604800\r\n"


def _unknown_field_notes(body: str) -> list[str]:
    return [
        p.message
        for p in parse_policy(body).problems
        if p.check_id == "MTASTS-28" and p.status == Status.INFO
    ]


def test_mtasts28_a_repeated_unknown_field_is_one_note() -> None:
    # s34m-size64k: a provider's tool padded the policy with 2043 'x-history:' lines; the run
    # held one MTASTS-28 info per line, 2043 times the same sentence.
    body = GOOD + "x-history: aaaa\r\n" * 3 + "x-generator: sts-inventory\r\n"
    notes = _unknown_field_notes(body)
    assert len(notes) == 2, notes
    assert notes[0].startswith("Unknown field 'x-history' is ignored by senders")
    assert "3 lines" in notes[0]
    assert notes[1] == "Unknown field 'x-generator' is ignored by senders (RFC 8461 §3.2)."


def test_mtasts28_an_unknown_field_once_is_said_as_before() -> None:
    assert _unknown_field_notes(GOOD + "x-note: hello\r\n") == [
        "Unknown field 'x-note' is ignored by senders (RFC 8461 §3.2)."
    ]


def _mode_fix(findings: list[Finding]) -> str:
    [finding] = [f for f in findings if f.id == "MTASTS-22" and f.status == Status.FAIL]
    return finding.fix


@pytest.mark.parametrize("written", ['"enforce"', "'enforce'"])
def test_mtasts22_fix_keeps_enforce_for_a_quoted_enforce(
    monkeypatch: pytest.MonkeyPatch, written: str
) -> None:
    # s34m-modequoted: 'mode: "enforce"', written with YAML quotes. The owner meant enforce,
    # as plainly as 'Enforce' (s29m), and every MX validates; the fix offered 'mode: testing'.
    fix = _mode_fix(evaluate(monkeypatch, body=POLICY.replace("enforce", written)))
    assert "mode: enforce" in fix
    assert "mode: testing" not in fix


@pytest.mark.parametrize("written", ["report", '"report"', "enforced"])
def test_mtasts22_fix_for_another_value_is_testing_as_before(
    monkeypatch: pytest.MonkeyPatch, written: str
) -> None:
    fix = _mode_fix(evaluate(monkeypatch, body=POLICY.replace("enforce", written)))
    assert "mode: testing" in fix


def _not_a_field(body: str) -> list[str]:
    return [
        p.message
        for p in parse_policy(body).problems
        if p.check_id == "MTASTS-28" and p.status == Status.FAIL
    ]


def test_mtasts28_names_a_yaml_list_item_and_the_line_it_should_be() -> None:
    # s34m-mxyaml: 'mx:' then '  - mx1.example.org' (a YAML list). MTASTS-28 said "Line 4
    # ('  - mx1.example.org') is not a "key: value" line", quoting the indent as a doubled
    # space and leaving the owner to guess the form the grammar wants.
    body = GOOD.replace("mx: mx1.example.org", "mx:\r\n  - mx1.example.org\r\n  - *.example.net")
    assert _not_a_field(body) == [
        "Line 4 is a list item ('- mx1.example.org'), not a \"key: value\" line, so the policy "
        'is invalid: each MX needs a line of its own, "mx: mx1.example.org" (RFC 8461 §3.2).',
        "Line 5 is a list item ('- *.example.net'), not a \"key: value\" line, so the policy "
        'is invalid: each MX needs a line of its own, "mx: *.example.net" (RFC 8461 §3.2).',
    ]


def test_mtasts28_another_line_without_a_colon_is_said_as_before() -> None:
    assert _not_a_field(GOOD + "<html>\r\n") == [
        "Line 5 ('<html>') is not a \"key: value\" line, so the policy is invalid."
    ]


def _dane_note(monkeypatch: pytest.MonkeyPatch, zone: dict[Any, Any]) -> Finding:
    import tests.test_mtasts as this

    plain = this.make_ctx

    def signed_ctx(domain: str, zone: Any, **kw: Any) -> Any:
        ctx = plain(domain, zone, **kw)
        ctx.dns.ad = True  # every answer DNSSEC-validated
        return ctx

    monkeypatch.setattr(this, "make_ctx", signed_ctx)
    [note] = [f for f in evaluate(monkeypatch, zone) if f.id == "MTASTS-35"]
    assert note.status == Status.INFO
    return note


def test_mtasts35_with_dane_on_some_mx_names_the_hosts_mta_sts_alone_protects(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # s34m-daneonemx: TLSA on mx1 only. MTASTS-35 said "The MX hosts also publish DANE TLSA
    # records", as if both did; for mx2 MTA-STS is all DANE-capable senders have.
    summary = _dane_note(monkeypatch, TLSA_ZONE).summary
    assert summary.startswith("mx1.example.org also publishes DANE TLSA records;")
    assert "mx2.example.org has none: MTA-STS alone protects mail to it." in summary


def test_mtasts35_with_dane_on_every_mx_is_said_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    zone = {**TLSA_ZONE, ("_25._tcp.mx2.example.org", "TLSA"): ["3 1 1 " + "cd" * 32]}
    assert _dane_note(monkeypatch, zone).summary == (
        "The MX hosts also publish DANE TLSA records; senders that support DANE validate with "
        "DANE instead of MTA-STS, so both must stay correct."
    )
