"""Follow-ups from review s32v (task s32u), pinned without the lab."""

from __future__ import annotations

from checks import mx
from checks.findings import Finding, Status
from tests.test_mx import make_ctx, run_eval


def _mx07(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.id == "MX-07"]


# ----------------------------------------------------- MX-07: an XN-label that decodes
EMOJI = {
    ("ex.com", "MX"): ["10 mx1.ex.com.", "20 xn--ls8h.ex.com."],
    ("mx1.ex.com", "A"): ["192.0.2.10"],
    ("xn--ls8h.ex.com", "A"): ["192.0.2.11"],
}


def test_mx07_does_not_rename_an_xn_label_that_decodes_as_punycode() -> None:
    # s32u-emoji: 'xn--ls8h' is the encoded form of an emoji (IDNA2003 and UTS #46 decode it),
    # written on purpose. It is still no IDNA2008 A-label (the emoji is DISALLOWED, RFC 5892),
    # so RFC 5890 §2.3.2.1 calls it a fake A-label and public CAs that check IDNA2008 refuse
    # it: MX-07 stays info. But it was said to be undecodable and the fix stripped 'xn--',
    # offering 'ls8h.ex.com', a name that means nothing.
    (finding,) = _mx07(run_eval(mx, make_ctx("ex.com", EMOJI)))
    assert finding.status == Status.INFO
    assert finding.subject == "xn--ls8h.ex.com"
    assert "'xn--ls8h'" in finding.summary and "IDNA2008" in finding.summary
    assert "refuses to decode" not in finding.summary
    assert "ls8h.ex.com." not in finding.fix.replace("xn--ls8h.ex.com.", "")
    assert "in place of the record ex.com. MX 20 xn--ls8h.ex.com." in finding.fix


def test_mx07_still_renames_a_label_that_does_not_decode() -> None:
    # Control (s32l-mxfakealabel): 'xn--backup' decodes under no IDNA version.
    zone = {
        ("ex.com", "MX"): ["10 mx1.ex.com.", "20 xn--backup.ex.com."],
        ("mx1.ex.com", "A"): ["192.0.2.10"],
        ("xn--backup.ex.com", "A"): ["192.0.2.11"],
    }
    (finding,) = _mx07(run_eval(mx, make_ctx("ex.com", zone)))
    assert "refuses to decode" in finding.summary
    assert "ex.com. MX 20 backup.ex.com." in finding.fix
