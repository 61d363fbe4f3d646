"""Task s42b, item 2: SMTP-11's fix ends "(a wildcard covers only one label)" only where a
wildcard is in question: a certificate naming a wildcard under which the MX host name lies (or
one placed where no wildcard may stand, which the summary names). For a certificate with no
subjectAltName at all (only a CN for another name), or naming other names without a wildcard,
the aside said nothing about the certificate the owner has (s41m dropped it for IP-only
certificates)."""

from __future__ import annotations

from pathlib import Path

import pytest

from checks import starttls
from checks.config import CheckConfig
from checks.findings import Collector, Mechanism, Status
from tests.test_certs import Pki
from tests.test_engine_s12_small import HOST, _probe
from tests.test_engine_s41i import _smtp11

ASIDE = "(a wildcard covers only one label)"


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


@pytest.mark.parametrize(
    ("sans", "cn"),
    [
        (None, "other.example.test"),  # no subjectAltName at all, a CN for another name
        (None, "*.other.test"),  # nor a wildcard of another domain in the CN
        (["other.example.test"], "other.example.test"),
        (["*.other.test"], "*.other.test"),  # a wildcard, but not over the MX name
    ],
)
def test_s42b_no_wildcard_over_the_host_no_aside(
    pki: Pki, tmp_path: Path, sans: list[str] | None, cn: str
) -> None:
    probe = _probe(pki, tmp_path, pki.leaf(sans, cn=cn))
    for under_sts in (True, False):
        found = _smtp11(probe, under_sts)
        assert f"subjectAltName includes {HOST}." in (found.fix or ""), found.fix
        assert "wildcard" not in (found.fix or ""), found.fix


@pytest.mark.parametrize(
    ("sans", "cn", "host"),
    [
        (["*.example.test"], "*.example.test", "mx1.eu.example.test"),  # one label too many
        (["*.mx1.example.test"], "*.mx1.example.test", HOST),  # no label for the '*'
        (["mx*.example.test"], "mx*.example.test", HOST),  # a wildcard where none may stand
        # In the CN, the name OpenSSL reads when there is no subjectAltName.
        (None, "*.example.test", "mx1.eu.example.test"),
    ],
)
def test_s42b_a_wildcard_over_the_host_keeps_the_aside(
    pki: Pki, tmp_path: Path, sans: list[str] | None, cn: str, host: str
) -> None:
    assert pki.inter is not None
    probe = starttls.SmtpProbe(
        host=host,
        address="192.0.2.25",
        connected=True,
        ehlo_ok=True,
        starttls_offered=True,
        tls_ok=True,
        chain_der=[pki.leaf(sans, cn=cn).der, pki.inter.der],
    )
    starttls._analyse_chain(CheckConfig(ca_bundle=pki.bundle(str(tmp_path / "ca"))), probe)
    out = Collector(Mechanism.SMTP)
    starttls.certificate_findings(out, probe, host, {}, True, False)
    (found,) = [f for f in out.findings if f.id == "SMTP-11"]
    assert found.status == Status.FAIL, found
    assert f"subjectAltName includes {host} {ASIDE}" in (found.fix or ""), found.fix
