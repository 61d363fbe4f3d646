"""What blind round s31l (tests/test_lab_s31l_blind.py) found the engine saying wrong, pinned
without the lab (tests.test_mx's fake DNS and hand-made inputs)."""

from __future__ import annotations

import pytest

from checks import mx
from checks.findings import Finding, Status
from tests.test_mtasts import ZONE, evaluate
from tests.test_mx import make_ctx, run_eval


def _one(findings: list[Finding], check_id: str, status: Status) -> Finding:
    hits = [f for f in findings if f.id == check_id and f.status == status]
    assert len(hits) == 1, [(f.id, f.status, f.summary) for f in findings]
    return hits[0]


# ----------------------------------------------------- MX-02: two null MX records
def test_mx02_fails_a_second_null_mx_record() -> None:
    # s31l-nullmxtwice: 'MX 0 .' and 'MX 10 .'. RFC 7505 §3: a domain that advertises a null MX
    # MUST NOT advertise any other MX RR; 'MX 10 .' is one. MX-02 passed: "The null MX stands
    # alone". The fix keeps 'MX 0 .' and removes the other.
    zone = {("ex.com", "MX"): ["0 .", "10 ."]}
    findings = run_eval(mx, make_ctx("ex.com", zone))
    finding = _one(findings, "MX-02", Status.FAIL)
    assert "MX 10 ." in finding.summary
    assert "ex.com. MX 10 ." in finding.fix
    assert "ex.com. MX 0 ." in finding.fix and "keep" in finding.fix.lower()
    # Still a domain that takes no mail: MX-03's posture and no transport checks.
    _one(findings, "MX-03", Status.INFO)


def test_mx02_asks_for_mx_0_when_no_null_record_has_preference_0() -> None:
    zone = {("ex.com", "MX"): ["10 .", "20 ."]}
    finding = _one(run_eval(mx, make_ctx("ex.com", zone)), "MX-02", Status.FAIL)
    assert "ex.com. MX 10 ." in finding.fix and "ex.com. MX 20 ." in finding.fix
    assert "ex.com. MX 0 ." in finding.fix


def test_mx02_passes_a_null_mx_alone() -> None:
    _one(run_eval(mx, make_ctx("ex.com", {("ex.com", "MX"): ["0 ."]})), "MX-02", Status.PASS)


# ------------------------------------- MTASTS-02: one record in two spellings
def test_mtasts02_two_spellings_of_one_record_are_named_not_called_identical(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # s31l-txttrailsemi: 'v=STSv1; id=20261203' and 'v=STSv1; id=20261203;' (a panel keeping
    # both spellings). Same id, same fields: the policy did not change, so one stays as it is.
    # MTASTS-02 called them "identical records", which the owner's panel does not show.
    records = ['"v=STSv1; id=20261203"', '"v=STSv1; id=20261203;"']
    findings = evaluate(monkeypatch, {**ZONE, ("_mta-sts.example.org", "TXT"): records})
    (two,) = [f for f in findings if f.id == "MTASTS-02"]
    assert two.status == Status.FAIL
    assert "identical" not in two.fix and "copies" not in two.summary
    assert "'v=STSv1; id=20261203;'" in two.summary
    assert two.fix == (
        'Delete the record _mta-sts.example.org. TXT "v=STSv1; id=20261203;" and keep the '
        "other, written as it is:\n"
        '_mta-sts.example.org. TXT "v=STSv1; id=20261203"'
    )


# ------------------------------------- DANE-11: which check says why a host's records are unusable
def test_dane11_sends_pkix_only_records_to_dane04() -> None:
    # s31l-pkixonprimary: mx1's only TLSA record is PKIX-EE '1 1 1' (a web-server guide), mx2 has
    # 3 1 1. DANE-11 said "none is usable (see DANE-05)", but DANE-05 (field validity) passes
    # such a record; DANE-04 is the finding that fails it and gives the 3 1 1 to publish.
    from tests.test_dane import MX1, MX2, Pki, _evaluate, _mx_zone

    zone, probe = _mx_zone(Pki(), MX1, MX2)
    zone[(f"_25._tcp.{MX2}", "TLSA")] = ["1 1 1 " + "ab" * 32]
    (finding,) = [f for f in _evaluate(zone, probe) if f.id == "DANE-11"]
    assert f"{MX2} publishes TLSA records, but none is usable (see DANE-04)" in finding.summary
    assert "DANE-05" not in finding.summary


# ------------------------------------- DANE-06: a '2 1 1' beside the '3 1 1' that anchors nothing
def _ta_zone(ta_der: bytes) -> tuple[dict, object, bytes]:  # type: ignore[type-arg]
    from checks import certs
    from tests.test_certs import Pki
    from tests.test_dane import MX1, _good_probe

    pki = Pki()
    leaf = pki.leaf([MX1])
    zone: dict = {("ex.com", "MX"): [f"10 {MX1}."], (MX1, "A"): ["192.0.2.1"]}  # type: ignore[type-arg]
    zone[(f"_25._tcp.{MX1}", "TLSA")] = [
        certs.tlsa_record_text(leaf.der, 3, 1, 1),
        certs.tlsa_record_text(ta_der or pki.inter.der, 2, 1, 1),
    ]
    return zone, _good_probe({MX1: [leaf.der, pki.inter.der]}), pki.inter.der


def test_dane06_does_not_call_a_ta_record_for_another_ca_the_rollover_pair() -> None:
    # s31l-ta211future: '3 1 1' of the key and a '2 1 1' for the CA the owner plans to move to.
    # DANE-06 said "the usual rollover pair, which keeps a certificate renewed with a new key
    # from the same CA authenticated", while that record matches no CA in the chain (DANE-12
    # warns): a certificate renewed from the present CA would match nothing.
    from tests.test_certs import Pki
    from tests.test_dane import _evaluate

    other_ca = Pki().inter.der  # a CA of another PKI: signs nothing presented
    zone, probe, _ = _ta_zone(other_ca)
    (finding,) = [f for f in _evaluate(zone, probe) if f.id == "DANE-06"]
    assert "usual rollover pair" not in finding.summary
    assert "same ca" not in finding.summary.lower()
    assert "DANE-12" in finding.summary


def test_dane06_calls_a_ta_record_for_the_present_ca_the_rollover_pair() -> None:
    from tests.test_dane import _evaluate

    zone, probe, _ = _ta_zone(b"")
    (finding,) = [f for f in _evaluate(zone, probe) if f.id == "DANE-06"]
    assert "usual rollover pair" in finding.summary


# ------------------------------------- DNSSEC-05: the pass says which signatures it read
def test_dnssec05_pass_names_the_records_whose_signatures_it_read() -> None:
    # s31l-tlsrptsigexp: one RRset's signature (_smtp._tls) expired an hour ago, DNSSEC-01
    # fails it; DNSSEC-05 reads the apex's SOA and DNSKEY signatures only, yet passed saying
    # "The signatures of <zone> are valid", of the whole zone.
    import time

    import dns.message
    import dns.rrset

    from checks import dnssec
    from checks.dns import DnsAnswer
    from checks.findings import Collector, Mechanism

    def signed(rdtype: str) -> DnsAnswer:
        now = int(time.time())
        start = time.strftime("%Y%m%d%H%M%S", time.gmtime(now - 3600))
        end = time.strftime("%Y%m%d%H%M%S", time.gmtime(now + 20 * 86400))
        sig = f"{rdtype} 13 2 300 {end} {start} 12345 ex.com. " + "A" * 88
        message = dns.message.make_response(dns.message.make_query("ex.com", rdtype))
        message.answer.append(dns.rrset.from_text("ex.com.", 300, "IN", "RRSIG", sig))
        return DnsAnswer("ex.com", rdtype, "NOERROR", records=[], ad=True, message=message)

    out = Collector(Mechanism.DNSSEC)
    dnssec._dnssec05(out, "ex.com", [signed("SOA"), signed("DNSKEY")])
    (finding,) = out.findings
    assert finding.status == Status.PASS
    assert "SOA and DNSKEY" in finding.summary
