"""Task s38e, item 1: an MX certificate with a serial number of 0 or below.

RFC 5280 §4.1.2.2: "The serial number MUST be a positive integer assigned by the CA to each
certificate", and certificate users "SHOULD be prepared to gracefully handle such
certificates". Implementations disagree: OpenSSL (Postfix, Exim) accepts both 0 and negative
serials, Go refuses a negative one at parse, cryptography's verifier refuses a negative one, and
cryptography 50 warns on reading either ("a future release" refuses them). The engine printed
that warning on every run and, for a negative serial, read the chain as "does not validate"
with a publicly trusted CA's certificate. Now: no warning, the chain is judged as OpenSSL judges
it, and SMTP-09 warns (implementations disagree, checklist §0) and says which senders refuse it.

The certificates are the lab CA's (tests/lab/pki.py, CertSpec.serial), the lab scenario
s38e_serial serves them on 127.0.200.10 (serial 0) and 127.0.200.11 (serial -1).
"""

from __future__ import annotations

import asyncio
import warnings
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.utils import CryptographyDeprecationWarning

from checks import certs, starttls
from checks.config import CheckConfig
from checks.engine import check_domain
from checks.findings import Collector, Finding, Mechanism, Status
from tests.lab.pki import LabPKI, _reserialed
from tests.lab.scenarios import CertSpec, ScenarioError, load_one_host
from tests.test_engine_lab import describe, scenario_config

HOST = "mx.s38e.example"


def _chain(pki: LabPKI, spec: CertSpec, ref: str = HOST) -> list[bytes]:
    issued = pki.leaf(ref, HOST, spec)
    return [c.public_bytes(serialization.Encoding.DER) for c in [issued.cert, *issued.chain]]


@pytest.fixture(scope="module")
def pki() -> LabPKI:
    return LabPKI()


@pytest.fixture(scope="module")
def bundle(pki: LabPKI, tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(pki.write_cas(tmp_path_factory.mktemp("s38e")))


@pytest.mark.parametrize("serial", [0, -1, -(2**70)])
def test_it_reads_a_nonpositive_serial_without_a_warning(
    pki: LabPKI, bundle: str, serial: int
) -> None:
    chain = _chain(pki, CertSpec(sans=(HOST,), serial=serial), ref=f"{HOST}/{serial}")
    with warnings.catch_warnings():
        warnings.simplefilter("error", CryptographyDeprecationWarning)
        facts = certs.cert_facts(chain[0])
        result = certs.verify_chain(chain, HOST, bundle)
        assert certs.san_matches(chain[0], HOST)
    assert facts.subject != "<unparsable certificate>"
    assert facts.serial_positive is False
    assert facts.serial == format(serial, "x")
    assert result.ok, (result.error, result.detail)


def test_a_positive_serial_is_positive(pki: LabPKI) -> None:
    chain = _chain(pki, CertSpec(sans=(HOST,)), ref=f"{HOST}/random")
    assert certs.cert_facts(chain[0]).serial_positive is True
    assert certs.cert_facts(_chain(pki, CertSpec(sans=(HOST,), serial=1), "one")[0]).serial_positive


def test_the_serial_is_read_from_the_der_itself(pki: LabPKI) -> None:
    # What the finding rests on when a future cryptography refuses to load such a certificate.
    for serial in (0, -1, 1, 255, -(2**70)):
        der = _chain(pki, CertSpec(sans=(HOST,), serial=serial), ref=f"der/{serial}")[0]
        assert certs.der_serial(der) == serial
    assert certs.der_serial(b"\x30\x03\x02\x01") is None


def test_a_negative_serial_from_an_unknown_ca_is_still_not_trusted(
    pki: LabPKI, bundle: str
) -> None:
    chain = _chain(pki, CertSpec(kind="rogue", sans=(HOST,), serial=-1), ref="rogue/-1")
    result = certs.verify_chain(chain, HOST, bundle)
    assert not result.ok
    assert result.error == "untrusted", (result.error, result.detail)


def test_a_negative_serial_expired_leaf_is_still_expired(pki: LabPKI, bundle: str) -> None:
    chain = _chain(pki, CertSpec(kind="expired", sans=(HOST,), serial=-1), ref="expired/-1")
    result = certs.verify_chain(chain, HOST, bundle)
    assert not result.ok
    assert result.error == "expired", (result.error, result.detail)


def test_a_negative_serial_for_another_name_is_still_a_mismatch(pki: LabPKI, bundle: str) -> None:
    chain = _chain(pki, CertSpec(sans=("other.s38e.example",), serial=-1), ref="other/-1")
    result = certs.verify_chain(chain, HOST, bundle)
    assert not result.ok
    assert result.error == "name-mismatch", (result.error, result.detail)


@pytest.mark.lab
def test_lab_mx_with_nonpositive_serials_warns_once_each(lab) -> None:  # type: ignore[no-untyped-def]
    scenario = lab.scenario("s38e-serial")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = asyncio.run(check_domain(scenario.domain, scenario_config(lab, scenario)))
    printed = [w for w in caught if issubclass(w.category, CryptographyDeprecationWarning)]
    assert not printed, [str(w.message) for w in printed]
    smtp09 = {f.subject: f for f in report.findings if f.id == "SMTP-09"}
    mx1 = next(f for s, f in smtp09.items() if s.startswith("mx1."))
    mx2 = next(f for s, f in smtp09.items() if s.startswith("mx2."))
    for finding, serial in ((mx1, "0"), (mx2, "-1")):
        assert finding.status == Status.WARN, describe(report)
        assert f"serial number {serial}" in finding.summary, finding.summary
        assert "RFC 5280" in finding.summary
        assert "reissue" in finding.fix.lower() and "positive serial" in finding.fix
    # A negative serial is refused at parse by Go's crypto/x509 (Go 1.23 and later); 0 is not.
    assert "Go" in mx2.summary and "Go" not in mx1.summary
    # The chain is otherwise valid: MTA-STS senders built on OpenSSL deliver.
    assert not [f for f in report.findings if f.status == Status.FAIL], describe(report)
    assert not [f for f in report.findings if f.id == "MTASTS-32" and f.status != Status.PASS]


def _smtp09(bundle: str, chain: list[bytes], under_sts: bool = True) -> Finding:
    probe = starttls.SmtpProbe(host=HOST, address="192.0.2.25", tls_ok=True, chain_der=chain)
    starttls._analyse_chain(CheckConfig(ca_bundle=bundle), probe)
    out = Collector(Mechanism.SMTP)
    starttls.certificate_findings(out, probe, HOST, {}, under_sts=under_sts, dane_ok=False)
    [smtp09] = [f for f in out.findings if f.id == "SMTP-09"]
    return smtp09


def test_a_ca_certificate_with_a_negative_serial_is_the_cas_to_reissue(
    pki: LabPKI, bundle: str
) -> None:
    # Lab Issuing CA 1 certified again by the root with serial -5: same name and key, so the
    # leaf still links to it.
    issuing = _reserialed(pki.issuing.cert, pki.root.key, -5)
    leaf = pki.leaf("ca/-5", HOST, CertSpec(sans=(HOST,)))
    der = serialization.Encoding.DER
    smtp09 = _smtp09(bundle, [leaf.cert.public_bytes(der), issuing.public_bytes(der)])
    assert smtp09.status == Status.WARN, smtp09.summary
    assert "the CA certificate 'CN=Lab Issuing CA 1" in smtp09.summary
    assert "serial number -5" in smtp09.summary
    assert "its certificate has" not in smtp09.summary
    assert smtp09.fix.startswith("Ask your CA for a chain"), smtp09.fix


def test_an_untrusted_chain_says_its_serial_too(pki: LabPKI, bundle: str) -> None:
    chain = _chain(pki, CertSpec(kind="rogue", sans=(HOST,), serial=0), ref="rogue/0")
    smtp09 = _smtp09(bundle, chain)
    assert smtp09.status == Status.FAIL  # not trusted, under MTA-STS: as before
    assert "does not validate" in smtp09.summary or "not a trusted root" in smtp09.summary
    assert "The chain also breaks RFC 5280" in smtp09.summary, smtp09.summary
    assert "serial number 0" in smtp09.summary
    assert "positive serial number" in smtp09.fix


def test_a_positive_serial_passes_as_before(pki: LabPKI, bundle: str) -> None:
    smtp09 = _smtp09(bundle, _chain(pki, CertSpec(sans=(HOST,)), ref="plain"))
    assert smtp09.status == Status.PASS
    assert "RFC 5280" not in smtp09.summary


def test_the_lab_reads_a_serial_key(tmp_path: Path) -> None:
    assert load_one_host(tmp_path, "serial = -1").cert.serial == -1
    assert load_one_host(tmp_path, "serial = 0").cert.serial == 0
    assert load_one_host(tmp_path, "").cert.serial is None
    for bad in ('serial = "0"', "serial = 1.5", 'serial = 0\nsignature = "sha1"'):
        with pytest.raises(ScenarioError, match="serial"):
            load_one_host(tmp_path, bad)
