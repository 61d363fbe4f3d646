"""What blind round s41i (tests/test_lab_s41i_blind.py) found the engine saying wrong about
STARTTLS certificates: an MX certificate whose only subjectAltName is an IP address."""

from __future__ import annotations

from pathlib import Path

import pytest

from checks import mtasts, starttls
from checks.findings import Collector, Finding, Mechanism, Status
from tests.test_certs import Pki
from tests.test_engine_s12_small import HOST, _ip_san_leaf, _probe


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


def _smtp11(probe: starttls.SmtpProbe, under_sts: bool) -> Finding:
    out = Collector(Mechanism.SMTP)
    starttls.certificate_findings(out, probe, HOST, {}, under_sts, False)
    (found,) = [f for f in out.findings if f.id == "SMTP-11"]
    return found


def test_s41i_smtp11_names_the_ip_address_a_certificate_carries_instead(
    pki: Pki, tmp_path: Path
) -> None:
    # Lab s41i-ipsan: the owner put the MX's address in the certificate (SAN iPAddress, CN the
    # address too). SMTP-11 said only 'it names no subjectAltName DNS name', as for a
    # certificate without any SAN, so the owner was not told why the address he listed does
    # not count: senders match the MX host name against DNS-IDs (RFC 8461 §4.2, RFC 9525 §6.2
    # matches an IP-ID only against an IP address reference). Status unchanged.
    probe = _probe(pki, tmp_path, _ip_san_leaf(pki, "192.0.2.25"))
    assert not probe.name_ok
    for under_sts, status in ((True, Status.FAIL), (False, Status.WARN)):
        found = _smtp11(probe, under_sts)
        assert found.status == status
        assert "names no subjectAltName DNS name, only the IP address 192.0.2.25" in found.summary
        assert "RFC 8461 §4.2" in found.summary
        assert f"subjectAltName includes {HOST}" in found.fix
    # MTASTS-32 gives the same reason (mtasts._certificate_failures reads SMTP-11).
    assert "only the IP address 192.0.2.25" in mtasts._certificate_failures(probe, HOST).reason


def test_s41i_smtp11_without_any_san_reads_as_before(pki: Pki, tmp_path: Path) -> None:
    # Control: a certificate with a DNS SAN for another name keeps its wording.
    probe = _probe(pki, tmp_path, pki.leaf(["other.example.test"], cn="other.example.test"))
    found = _smtp11(probe, True)
    assert found.status == Status.FAIL
    assert "it names other.example.test." in found.summary
    assert "IP address" not in found.summary
