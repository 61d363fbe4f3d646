"""BIMI-10: a mark certificate with a serial number of 0 or below (task s38k, item 2).

RFC 5280 §4.1.2.2: the serial "MUST be a positive integer"; the mark certificate guidelines
take the CA/Browser Forum's rule (random, positive). Implementations disagree: Go's crypto/x509
refuses a negative serial at parse since Go 1.23, Python's cryptography warns on reading 0 or a
negative one and says a future release refuses them, OpenSSL accepts both. bimi._load_pem_chain
read the serial through cryptography directly: the warning was printed on every run and the
certificate got no finding. As SMTP-09 does for an MX certificate since 68e18db7, it is now
read without the warning and BIMI-10 warns (implementations disagree, checklist §0), naming
the serial and the fix: the issuer reissues it.

The certificates are Lab Mark CA 1's (tests/lab/pki.py), their serial swapped and re-signed by
hand (pki._reserialed), as tests/test_certs_s38e_serial.py builds the MX ones."""

from __future__ import annotations

import warnings

import pytest
from cryptography.utils import CryptographyDeprecationWarning

from checks import bimi
from checks.findings import Collector, Finding, Mechanism, Status
from checks.https import HttpsResult
from tests.lab.pki import Issued, _reserialed, pem_chain
from tests.test_bimi import GOOD_SVG, PKI, D

CERT = "https://bimi.example.com/vmc.pem"


def mark_pem(serial: int) -> bytes:
    issued = PKI.vmc(D, GOOD_SVG)
    cert = _reserialed(issued.cert, PKI.mark_ca.key, serial)
    return pem_chain(Issued(issued.key, cert, issued.chain))


def checked(pem: bytes) -> bimi.MarkReport:
    with warnings.catch_warnings():
        warnings.simplefilter("error", CryptographyDeprecationWarning)
        return bimi.check_mark_certificate(pem, [D], GOOD_SVG)


def findings(pem: bytes) -> list[Finding]:
    result = HttpsResult(url=CERT, host="bimi.example.com", elapsed_ms=5.0)
    result.status = 200
    result.headers = {"content-type": "application/pem-certificate-chain"}
    result.body = pem
    out = Collector(Mechanism.BIMI)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CryptographyDeprecationWarning)
        bimi._mark(out, CERT, result, [D], GOOD_SVG, None)
    return [f for f in out.findings if f.id == "BIMI-10"]


@pytest.mark.parametrize("serial", [0, -1, -(2**70)])
def test_it_reads_a_nonpositive_serial_without_a_warning_and_warns(serial: int) -> None:
    report = checked(mark_pem(serial))
    assert report.problems == [], report.problems
    assert report.warning_kinds == ["serial"], report.warnings
    assert f"serial number {serial}" in report.warnings[0]
    assert "RFC 5280" in report.warnings[0]
    assert report.facts["serial"] == format(serial, "x")


def test_a_negative_serial_names_who_refuses_it() -> None:
    [warning] = checked(mark_pem(-1)).warnings
    assert "Go" in warning and "refuse" in warning, warning


def test_bimi10_warns_with_the_reissue_fix() -> None:
    found = findings(mark_pem(0))
    warned = [f for f in found if f.status == Status.WARN]
    assert len(warned) == 1, [(f.status, f.summary) for f in found]
    assert "serial number 0" in warned[0].summary
    assert "positive serial number" in warned[0].fix and CERT in warned[0].fix, warned[0].fix
    # Everything else about the certificate holds: it is still reported valid.
    assert [f.status for f in found if f.status != Status.WARN] == [Status.PASS]


def test_a_positive_serial_gets_no_warning() -> None:
    report = checked(mark_pem(1))
    assert report.warnings == [] and report.problems == []
    assert [f.status for f in findings(mark_pem(7))] == [Status.PASS]
