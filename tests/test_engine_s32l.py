"""What blind round s32l (tests/test_lab_s32l_blind.py) found the engine saying wrong, pinned
without the lab (tests.test_mx's fake DNS and hand-made inputs)."""

from __future__ import annotations

from checks import mx
from checks.findings import Finding, Status
from tests.test_dnssec import _dnssec02
from tests.test_mx import make_ctx, run_eval


def _one(findings: list[Finding], check_id: str, status: Status) -> Finding:
    hits = [f for f in findings if f.id == check_id and f.status == status]
    assert len(hits) == 1, [(f.id, f.status, f.summary) for f in findings]
    return hits[0]


# ----------------------------------------------------- MX-05: an address literal as MX target
BRACKET = {
    ("ex.com", "MX"): ["10 mx1.ex.com.", "20 [192.0.2.25].ex.com."],
    ("mx1.ex.com", "A"): ["192.0.2.10"],
}


def test_mx05_fails_an_address_literal_typed_without_its_final_dot() -> None:
    # s32l-mxbracket: a backup typed in a DNS panel as SMTP writes an address, '[192.0.2.25]'
    # (RFC 5321 §4.1.3), stored relative to the zone: the exchange is [192.0.2.25].ex.com, which
    # has no address. An MX must name a host (RFC 5321 §5.1); MX-05 said nothing, and MX-06
    # only that the host has no address.
    findings = run_eval(mx, make_ctx("ex.com", BRACKET))
    finding = _one(findings, "MX-05", Status.FAIL)
    assert "[192.0.2.25]" in finding.summary and "final dot" in finding.summary
    assert finding.evidence["meant_address"] == "192.0.2.25"
    assert "A 192.0.2.25" in finding.fix
    assert "ex.com. MX 20 [192.0.2.25].ex.com." in finding.fix
    assert _one(findings, "MX-06", Status.WARN).fix.startswith("The fix is MX-05's")


def test_mx07_leaves_an_address_literal_to_mx05() -> None:
    # MX-07 added "its label '[192' is not letters, digits and hyphens", no fix, beside MX-05's
    # finding for the same record, whose fix replaces it: one fault, one finding. Also for the
    # literal written with its final dot ('[192.0.2.25].').
    for zone in (BRACKET, {**BRACKET, ("ex.com", "MX"): ["10 mx1.ex.com.", "20 [192.0.2.25]."]}):
        findings = run_eval(mx, make_ctx("ex.com", zone))
        _one(findings, "MX-05", Status.FAIL)
        assert not [f for f in findings if f.id == "MX-07"]


def test_a_bracketed_name_that_has_an_address_is_left_alone() -> None:
    # Control: the owner gave the odd name an address, so it is a name that works.
    zone = {**BRACKET, ("[192.0.2.25].ex.com", "A"): ["192.0.2.25"]}
    findings = run_eval(mx, make_ctx("ex.com", zone))
    assert not [f for f in findings if f.id == "MX-05"]


# ----------------------------------------------------- MX-07: a fake A-label
FAKE = {
    ("ex.com", "MX"): ["10 mx1.ex.com.", "20 xn--backup.ex.com."],
    ("mx1.ex.com", "A"): ["192.0.2.10"],
    ("xn--backup.ex.com", "A"): ["192.0.2.11"],
}


def test_mx07_names_a_label_that_starts_with_xn_but_is_no_a_label() -> None:
    # s32l-mxfakealabel: 'xn--backup' (an admin who read 'xn--' as a prefix for backups) is
    # letters, digits and hyphens but no valid Punycode: a fake A-label (RFC 5890 §2.3.2.1),
    # which IDNA software refuses to decode and public CAs refuse to certify. MX-07 said nothing.
    findings = run_eval(mx, make_ctx("ex.com", FAKE))
    finding = _one(findings, "MX-07", Status.INFO)
    assert finding.subject == "xn--backup.ex.com"
    assert "'xn--backup'" in finding.summary and "A-label" in finding.summary
    assert "ex.com. MX 20 backup.ex.com." in finding.fix
    assert "in place of the record ex.com. MX 20 xn--backup.ex.com." in finding.fix


def test_mx07_is_silent_on_a_real_a_label() -> None:
    # Control (s32l-mxalabel): xn--mnchen-3ya is münchen's A-label, as it should be written.
    zone = {
        ("ex.com", "MX"): ["10 xn--mnchen-3ya.ex.com."],
        ("xn--mnchen-3ya.ex.com", "A"): ["192.0.2.10"],
    }
    assert not [f for f in run_eval(mx, make_ctx("ex.com", zone)) if f.id == "MX-07"]


# ----------------------------------------------------- DNSSEC-02: the DS that matches nothing
def test_dnssec02_pass_names_a_ds_beside_it_that_matches_no_key() -> None:
    # s32l-dsoldhost: after a move of DNS hosts the registrar lists the new key's DS and the old
    # host's (same algorithm, tag 41234). One matching DS is a whole chain (RFC 4035 §5.2), so
    # DNSSEC-02 passes, but its "The DS record ... matches DNSKEY n" left the second out: the
    # owner reading it at the registrar saw two and was told of one.
    _, found = _dnssec02(["{tag} 13 2 {sha256}", "41234 13 2 " + "cd" * 32])
    (finding,) = found
    assert finding.status == Status.PASS
    assert "DS 41234" in finding.summary and "matches no published DNSKEY" in finding.summary
    assert "rollover" in finding.summary


def test_dnssec02_pass_with_one_ds_reads_as_before() -> None:
    key, found = _dnssec02(["{tag} 13 2 {sha256}"])
    import dns.dnssec

    tag = dns.dnssec.key_id(key)  # type: ignore[arg-type]
    assert [f.summary for f in found] == [
        f"The DS record of example.test matches DNSKEY {tag}, which signs the key set."
    ]


# ----------------------------------------------------- SMTP-08: what the info did not ask
def test_smtp08_info_says_null_suites_were_not_asked_for_either() -> None:
    # s32l-nulllast: a backup lists ECDHE-ECDSA-NULL-SHA after its AES-GCM suite. A client
    # offering our usual suites ('ALL', which leaves NULL out) gets AES-GCM, and NULL suites are
    # asked for alone only when that handshake fails (s29f). The info said RC4, 3DES and EXPORT
    # were not tested, as if NULL had been (the round's gap, tests/test_lab_s32l_blind.py).
    from types import SimpleNamespace

    from checks import starttls
    from checks.context import CheckContext
    from checks.findings import Collector, Mechanism
    from tests.test_starttls import HOST, _config

    probe = starttls.SmtpProbe(
        host=HOST,
        address="192.0.2.25",
        connected=True,
        ehlo_ok=True,
        starttls_offered=True,
        tls_ok=True,
        cipher="ECDHE-ECDSA-AES128-GCM-SHA256",
    )
    out = Collector(Mechanism.SMTP)
    ctx = CheckContext("example.test", _config(25, None))
    starttls._per_probe(out, SimpleNamespace(name=HOST), probe, starttls._Context(), None, ctx)
    (smtp08,) = [f for f in out.findings if f.id == "SMTP-08"]
    assert smtp08.status == Status.INFO
    assert "NULL, RC4, 3DES or EXPORT suites was not tested" in smtp08.summary
