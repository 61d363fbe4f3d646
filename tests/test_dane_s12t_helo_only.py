"""DANE-10 for an MX that refuses EHLO and accepts HELO (a Cisco PIX/ASA SMTP "fixup" turns
EHLO into XXXX): the server answered, in plain SMTP without extensions, so without STARTTLS.
With usable TLSA records DANE senders MUST use TLS (RFC 7672 §2.2) and do not deliver there:
DANE-10 fail, as for a server that does not advertise STARTTLS, not "could not be tested"
(lab: tests/lab/scenarios/s12t_pixdane.toml)."""

from __future__ import annotations

from types import SimpleNamespace

from checks import dane
from checks.findings import Collector, Mechanism, Status
from checks.starttls import SmtpProbe

HOST = "mx2.example.test"
RECORD = "3 1 1 " + "ab" * 32


def _findings(probe: SmtpProbe) -> dict[str, list[Status]]:
    parsed = dane.parse_tlsa_text(RECORD).record
    assert parsed is not None
    state = dane.TlsaState(
        host=HOST, base=HOST, qname=f"_25._tcp.{HOST}", records=[parsed], secure=True
    )
    out = Collector(Mechanism.DANE)
    dane._probe_findings(out, SimpleNamespace(name=HOST), state, [probe])
    got: dict[str, list[Status]] = {}
    for f in out.findings:
        got.setdefault(f.id, []).append(f.status)
    return got


def test_helo_only_server_with_usable_tlsa_fails_dane_10() -> None:
    probe = SmtpProbe(
        host=HOST,
        address="192.0.2.26",
        connected=True,
        banner_code=220,
        helo_only=True,
        problem='EHLO was answered 500 5.5.1 Command unrecognized: "XXXX"; only HELO was accepted',
    )
    assert not probe.could_not_check
    found = _findings(probe)
    assert found == {"DANE-10": [Status.FAIL]}


def test_ehlo_and_helo_refused_stays_untested() -> None:
    # Both refused is about our checker (checklist §0): never a DANE failure.
    probe = SmtpProbe(
        host=HOST,
        address="192.0.2.26",
        connected=True,
        banner_code=220,
        error_kind="rejected",
        problem="our EHLO was answered 550 and our HELO 550",
    )
    assert _findings(probe) == {"DANE-07": [Status.ERROR]}
