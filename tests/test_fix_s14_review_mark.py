"""BIMI-10's fix is chosen by what is wrong with the mark certificate file (MarkReport.kinds),
not by the first words of the problem: a current mark certificate whose CA certificate in
the file expired, one not valid yet and a DER file at a= were all told to get a VMC, and the
"the file holds only" prefix (a warning, never a problem) matched nothing. No network: the
fetched file is given to bimi._mark as the HTTPS client would.
"""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from checks import bimi
from checks.findings import Collector, Finding, Mechanism, Status
from checks.https import HttpsResult
from tests.test_bimi import CERT, GOOD_SVG, PKI, D, mint

HOST = "bimi.example.com"


def marked(body: bytes) -> list[Finding]:
    out = Collector(Mechanism.BIMI)
    result = HttpsResult(url=CERT, host=HOST, status=200, body=body)
    bimi._mark(out, CERT, result, [D, D], GOOD_SVG, None)
    return [f for f in out.findings if f.status in (Status.FAIL, Status.WARN)]


def pem(*certs: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


def leaf_of(file: bytes) -> x509.Certificate:
    return x509.load_pem_x509_certificates(file)[0]


def test_a_current_mark_certificate_under_an_expired_ca_copy_says_republish_the_chain() -> None:
    now = dt.datetime.now(dt.UTC)
    # The CA's old certificate (same name and key) left in the file after it expired.
    old = PKI._ca(
        "Lab Mark CA 1",
        PKI.root,
        key=PKI.mark_ca.key,
        not_before=now - dt.timedelta(days=800),
        not_after=now - dt.timedelta(days=1),
    )
    report = bimi.check_mark_certificate(pem(leaf_of(mint()), old.cert, PKI.root.cert), [D], None)
    assert report.kinds == ["ca-expired"]
    [finding] = marked(pem(leaf_of(mint()), old.cert, PKI.root.cert))
    assert "the CA certificate 'CN=Lab Mark CA 1" in finding.summary
    assert finding.fix.startswith(
        f"Publish at {CERT} the mark certificate followed by the CA certificates its issuer "
        "gives out now"
    )
    assert "The mark certificate itself can stay." in finding.fix
    assert "Get a mark certificate" not in finding.fix


def test_a_mark_certificate_not_valid_yet_is_not_told_to_get_one() -> None:
    [finding] = marked(mint(days=(2, 300)))
    assert finding.fix.startswith(f"Publish at {CERT} a mark certificate that is valid now")
    assert "Get a mark certificate" not in finding.fix


def test_a_der_file_says_convert_it_to_pem() -> None:
    der = leaf_of(mint()).public_bytes(serialization.Encoding.DER)
    assert bimi.check_mark_certificate(der, [D], None).kinds == ["der"]
    [finding] = marked(der)
    assert "binary (DER)" in finding.summary
    assert finding.fix.startswith("Convert the mark certificate to PEM")
    assert CERT in finding.fix
    # Anything else that is no PEM file: publish the one delivered.
    [other] = marked(b"<html>not here</html>")
    assert other.fix.startswith(f"Publish at {CERT} the PEM file your mark verifying authority")


def test_a_file_holding_only_the_mark_certificate_warns_with_the_file_to_publish() -> None:
    only = pem(leaf_of(mint()))
    report = bimi.check_mark_certificate(only, [D], None)
    assert report.warning_kinds == ["leaf-only"]
    [warning] = [f for f in marked(only) if f.status == Status.WARN]
    assert warning.fix.startswith(
        f"Publish at {CERT} the PEM file your mark verifying authority delivered, unchanged"
    )


def test_every_problem_has_one_kind() -> None:
    # Self-signed, no BIMI key usage, other names, no logotype: four problems, four kinds.
    report = bimi.check_mark_certificate(
        mint(sans=("other.example",), eku=False, svg=None, self_signed=True), [D], GOOD_SVG
    )
    assert len(report.kinds) == len(report.problems) >= 3
    assert {"self-signed", "no-bimi-eku", "names"} <= set(report.kinds)
