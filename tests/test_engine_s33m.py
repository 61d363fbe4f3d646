"""What blind round s33m (tests/test_lab_s33m_blind.py) found the engine saying wrong, pinned
without the lab (tests.test_mtasts' fake DNS, policy fetch and MX probes)."""

from __future__ import annotations

import pytest

from checks.findings import Finding, Status
from checks.mtasts import parse_policy
from tests.test_mtasts import POLICY, FakeProbe, evaluate

TLS10 = FakeProbe(mta_sts_ok=False, tls_versions_accepted=["TLSv1"], max_tls_version="TLSv1")


def _mtasts36(findings: list[Finding]) -> Finding:
    hits = [f for f in findings if f.id == "MTASTS-36" and f.status != Status.PASS]
    assert len(hits) == 1, [(f.id, f.status, f.summary) for f in findings]
    return hits[0]


def test_mtasts36_for_a_tls10_backup_outside_the_enforce_policy_says_it_is_outside(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # s33m-tls10unlisted: a retired backup speaking TLS 1.0 only, left in the MX set, not in
    # the enforce policy. Senders applying the policy do not deliver there whatever its TLS
    # (MTASTS-30's warning); MTASTS-36 said "so under mode enforce they would not deliver
    # there (in testing they report the failure and still deliver)", as if the mode were
    # testing and the host in the policy.
    body = POLICY.replace("mx: mx2.example.org\r\n", "")
    findings = evaluate(monkeypatch, body=body, probes={"mx2.example.org": TLS10})
    finding = _mtasts36(findings)
    assert finding.status == Status.WARN
    assert "mx2.example.org at 192.0.2.12 (not in the policy)" in finding.summary
    assert "adding it to the policy would not be enough" in finding.summary
    assert "in testing" not in finding.summary


@pytest.mark.parametrize(
    ("mode", "status", "words"),
    [
        ("enforce", Status.FAIL, "so they will not deliver there."),
        ("testing", Status.WARN, "(in testing they report the failure and still deliver)"),
    ],
)
def test_mtasts36_for_a_tls10_host_in_the_policy_is_unchanged(
    monkeypatch: pytest.MonkeyPatch, mode: str, status: Status, words: str
) -> None:
    body = POLICY.replace("mode: enforce", f"mode: {mode}")
    findings = evaluate(monkeypatch, body=body, probes={"mx2.example.org": TLS10})
    finding = _mtasts36(findings)
    assert finding.status == status
    assert finding.summary.startswith("mx2.example.org at 192.0.2.12 cannot negotiate TLS 1.2")
    assert words in finding.summary


GOOD = "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.org\r\nmax_age: 604800\r\n"


def _bom_summary(body: bytes) -> str:
    problems = parse_policy(body).problems
    [problem] = [p for p in problems if p.check_id == "MTASTS-21" and p.status == Status.FAIL]
    return problem.message


def test_mtasts21_for_a_bom_alone_on_line_1_says_so() -> None:
    # s33m-verbomblank: a Windows editor left the byte-order mark alone on line 1, the policy
    # starting on line 2. MTASTS-21 said "the first key reads '\ufeffversion'", a line the
    # file does not have.
    summary = _bom_summary(b"\xef\xbb\xbf\r\n" + GOOD.encode())
    assert "\\ufeffversion" not in summary
    assert "line 1 holds nothing but the mark" in summary
    assert summary.endswith("Save it without BOM.")


def test_mtasts21_for_a_bom_before_another_first_line_names_that_line() -> None:
    body = GOOD.replace("version: STSv1\r\n", "") + "version: STSv1\r\n"
    assert 'the first key reads "\\ufeffmode"' in _bom_summary(b"\xef\xbb\xbf" + body.encode())
    assert 'line 1 reads "\\ufeff# policy"' in _bom_summary(
        b"\xef\xbb\xbf# policy\r\n" + GOOD.encode()
    )


def test_mtasts21_for_a_bom_before_the_version_line_is_unchanged() -> None:
    summary = _bom_summary(b"\xef\xbb\xbf" + GOOD.encode())
    assert summary == (
        'The policy starts with a UTF-8 byte-order mark, so the first key reads "\\ufeffversion" '
        "and strict senders reject the policy. Save it without BOM."
    )
