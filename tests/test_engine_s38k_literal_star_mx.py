"""An MX record naming a literal '*' label (MX 10 *.mx.example.org.), as the engine reads it
against MTA-STS (task s38k, item 1).

A '*' label is no host name (RFC 1123 §2.1, RFC 5321 §4.1.2; MX-07 notes it). RFC 8461 §4.1
matches the MX name against the mx patterns, and Appendix B's policyMatches compares the whole
name first and then lets '*.' stand for the left-most label: a sender finds the literal name
matched by the line 'mx: *.mx.example.org' (it is that very string), looks up its address
(a DNS wildcard '*.mx' answers the literal name too, RFC 4592 §2.2) and then needs a
certificate valid for '*.mx.example.org' (§4.2), which no verifier grants (OpenSSL lets a
wildcard stand only for letters, digits and hyphens; MTASTS-32 and SMTP-11 say so). So the
engine keeps counting the MX as matched by such a line (MTASTS-30), as senders do.

What it must never do is write the literal name into a policy it proposes: as an mx line
'*.mx.example.org' is a wildcard covering every host one label below mx.example.org, which
nobody chose. Hosting leaves such an MX out of the policy it serves (abbc988c,
mailsec.hosting.policy.host_problem); the engine's proposed files now do the same and say
why, as for an MX named by an address or with '_' (checks.mtasts.listable)."""

from __future__ import annotations

import pytest

from checks import mtasts
from checks.findings import Finding, Status
from tests.test_mtasts import POLICY, ZONE, evaluate

LITERAL = "*.mx.example.org"
STAR_ZONE: dict[tuple[str, str], list[str] | str] = {
    **ZONE,
    ("example.org", "MX"): ["10 mx1.example.org.", f"20 {LITERAL}."],
    (LITERAL, "A"): ["192.0.2.30"],
}


def only(findings: list[Finding], check_id: str) -> Finding:
    [finding] = [f for f in findings if f.id == check_id]
    return finding


def test_it_never_lists_a_literal_star_mx_as_a_host_name() -> None:
    assert not mtasts.listable(LITERAL)
    assert not mtasts.listable("*.example.org")
    assert mtasts.listable("mx1.example.org")
    assert mtasts.listable_hosts(["mx1.example.org", LITERAL]) == ["mx1.example.org"]


def test_it_proposes_no_wildcard_line_for_an_uncovered_literal_star_mx(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body = POLICY.replace("mx: mx2.example.org\r\n", "")
    uncovered = only(evaluate(monkeypatch, STAR_ZONE, body=body), "MTASTS-30")
    # Still uncovered under enforce, as before: the status does not change.
    assert uncovered.status == Status.WARN
    assert LITERAL in uncovered.summary
    assert f"mx: {LITERAL}" not in uncovered.fix, uncovered.fix
    assert "cannot be named in a policy" in uncovered.fix, uncovered.fix
    assert "wildcard" in uncovered.fix, uncovered.fix


def test_the_setup_policy_leaves_a_literal_star_mx_out(monkeypatch: pytest.MonkeyPatch) -> None:
    zone = {k: v for k, v in STAR_ZONE.items() if k[0] != "_mta-sts.example.org"}
    setup = only(evaluate(monkeypatch, zone, error_kind="dns"), "MTASTS-01")
    assert setup.status == Status.INFO
    assert "mx: mx1.example.org\n" in setup.fix, setup.fix
    assert f"mx: {LITERAL}" not in setup.fix, setup.fix


def test_a_wildcard_line_still_matches_the_literal_name_as_senders_match_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body = POLICY.replace("mx: mx2.example.org", f"mx: {LITERAL}")
    findings = evaluate(monkeypatch, STAR_ZONE, body=body)
    assert only(findings, "MTASTS-30").status == Status.PASS
    # The pattern matches a current MX: not stale (MTASTS-31 info).
    assert not [f for f in findings if f.id == "MTASTS-31"]
