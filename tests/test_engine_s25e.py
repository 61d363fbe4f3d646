"""Engine fixes from blind round s25e (tests/test_lab_s25e_blind.py), on FakeDns zones.

DMARC-18 on a parked domain: a null MX, DMARC p=reject and neither an SPF record nor a DKIM key
(s25e-parked) warned that no mail from it can pass DMARC and advised publishing SPF for "the
servers that send its mail", beside SPF-18's advice to publish 'v=spf1 -all'. A domain with a
null MX takes no mail and SHOULD NOT send any (RFC 7505 §4.2): that none of its mail passes
DMARC is what it wants, so it is info.
"""

from __future__ import annotations

from checks import dmarc
from checks.findings import Status
from tests.test_spf import run

D = "parked.example"


def _dmarc_18(zone: dict[tuple[str, str], object]) -> list[tuple[Status, str, str]]:
    return [(f.status, f.summary, f.fix or "") for f in run(dmarc, D, zone) if f.id == "DMARC-18"]


def test_parked_domain_with_null_mx_and_no_spf_is_told_it_is_as_it_should_be() -> None:
    zone = {(D, "MX"): ["0 ."], (f"_dmarc.{D}", "TXT"): ["v=DMARC1; p=reject"]}
    [(status, summary, fix)] = _dmarc_18(zone)
    assert status == Status.INFO
    assert "null MX" in summary and "sends no mail" in summary
    assert "Publish an SPF record" not in fix


def test_a_domain_that_receives_mail_still_warns() -> None:
    # Real MX, no SPF, no DKIM key: its own mail can never pass DMARC (s25e-noauth).
    zone = {(D, "MX"): ["10 mx.parked.example."], (f"_dmarc.{D}", "TXT"): ["v=DMARC1; p=reject"]}
    [(status, _, fix)] = _dmarc_18(zone)
    assert status == Status.WARN
    assert "Publish an SPF record" in fix


def test_null_mx_beside_real_mx_still_warns() -> None:
    # MX-02: a null MX next to real MX records is no declaration that the domain takes no mail.
    zone = {
        (D, "MX"): ["0 .", "10 mx.parked.example."],
        (f"_dmarc.{D}", "TXT"): ["v=DMARC1; p=reject"],
    }
    [(status, _, _)] = _dmarc_18(zone)
    assert status == Status.WARN


def test_fo_without_ruf_names_the_value() -> None:
    # s25e-dmarcgen: a generator's record; DMARC-08 and DMARC-11 named their values, DMARC-14
    # said only 'fo= has no effect'.
    zone = {
        (D, "MX"): ["10 mx.parked.example."],
        (D, "TXT"): ["v=spf1 mx -all"],
        (f"_dmarc.{D}", "TXT"): ["v=DMARC1; p=quarantine; rua=mailto:d@parked.example; fo=1"],
    }
    [finding] = [f for f in run(dmarc, D, zone) if f.id == "DMARC-14"]
    assert finding.status == Status.INFO
    assert finding.summary.startswith("fo=1 has no effect without a ruf= address")


def test_spf_written_with_dmarc_separators_is_repaired() -> None:
    # s25e-spfsemi: 'v=spf1; mx; include:...; -all'. SPF-02 offered no fix ("With the version
    # fixed, the record would still be wrong: 'mx;' is not a valid mx mechanism") and did not
    # say what was wrong: every ';' where SPF wants a space.
    from checks import spf

    d = "semi.example"
    zone = {
        (d, "MX"): ["10 mx.semi.example."],
        ("mx.semi.example", "A"): ["192.0.2.1"],
        (d, "TXT"): ["v=spf1; mx; include:_spf.prov.example; -all"],
        ("_spf.prov.example", "TXT"): ["v=spf1 ip4:192.0.2.0/24 -all"],
    }
    [finding] = [f for f in run(spf, d, zone) if f.id == "SPF-02"]
    assert finding.status == Status.FAIL
    assert "separated by ';' as in a DMARC record" in finding.summary
    assert finding.summary.endswith("(RFC 7208 §4.6.1).")
    assert finding.fix == f'{d}. TXT "v=spf1 mx include:_spf.prov.example -all"'


def test_one_glued_semicolon_reads_as_before() -> None:
    # 'v=spf1;include:... -all' (the checklist's own example): the version alone is wrong.
    from checks import spf

    d = "glued.example"
    zone = {
        (d, "MX"): ["10 mx.glued.example."],
        ("mx.glued.example", "A"): ["192.0.2.1"],
        (d, "TXT"): ["v=spf1;include:_spf.prov.example -all"],
        ("_spf.prov.example", "TXT"): ["v=spf1 ip4:192.0.2.0/24 -all"],
    }
    [finding] = [f for f in run(spf, d, zone) if f.id == "SPF-02"]
    assert "separated by ';'" not in finding.summary
    assert finding.fix == f'{d}. TXT "v=spf1 include:_spf.prov.example -all"'


def test_dane01_for_a_domain_without_mx_or_address_points_to_mx01() -> None:
    # s25e-nomx: no MX record, no address. DANE-01 said '(see MX-06)', a finding the report
    # does not have (MX-06 is for MX hosts named by MX records); MX-01 is the one that fails.
    from checks import dane
    from tests.test_mx import make_ctx, run_eval

    ctx = make_ctx("nomx.example", {("nomx.example", "TXT"): ["v=spf1 -all"]})
    ctx.dns.ad = True  # type: ignore[attr-defined]  # a signed zone, as s25e-nomx's
    [found] = [f for f in run_eval(dane, ctx) if f.id == "DANE-01"]
    assert found.status == Status.INFO
    assert "MX-06" not in found.summary and "MX-06" not in (found.fix or "")
    assert found.summary.endswith(
        "no MX record and no address either, so no sender connects to it (see MX-01)."
    )
    assert (found.fix or "").startswith("Publish an MX record for nomx.example first (see MX-01)")
