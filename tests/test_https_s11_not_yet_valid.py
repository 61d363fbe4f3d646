"""A policy host whose certificate is not valid yet (MTASTS-12).

OpenSSL, which our fetch uses as senders do (postfix-mta-sts-resolver; Go's verifier likewise),
refuses a certificate before its notBefore with no clock-skew allowance, so at that moment no
sender whose clock agrees with ours can read the policy. Within certs.NOT_BEFORE_SKEW of our
clock (a certificate issued and installed the moment before, as on-demand ACME hosting does,
or our clock behind the CA's) senders with a correct clock may already accept it and soon all
do: MTASTS-12 'could not check', saying when it becomes valid, never a fail (STARTTLS takes the
same leaf as valid). Beyond that window it is a fail saying until when. Real TLS servers on
127.0.0.1 as in test_https; no lab."""

from __future__ import annotations

import ssl
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from checks import https, mtasts
from checks.context import CheckContext
from checks.findings import Status
from tests.test_certs import Pki
from tests.test_certs_s10_edges import mint
from tests.test_https import POLICY, StubDns, TlsServer, run
from tests.test_mtasts import evaluate

HOST = "mta-sts.example.org"
RESPONSE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % len(POLICY)
) + POLICY


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


def _fetch_starting_in(pki: Pki, tmp: Path, delta: timedelta) -> tuple[https.HttpsResult, datetime]:
    """Fetch the policy from a host whose leaf (with its intermediate) starts `delta` from now."""
    assert pki.inter is not None
    start = datetime.now(UTC).replace(microsecond=0) + delta
    leaf = mint(pki.inter, not_before=start, host=HOST)
    (tmp / "served.pem").write_bytes(leaf.pem + pki.inter.pem)
    (tmp / "served.key").write_bytes(leaf.key_pem)
    served = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    served.load_cert_chain(tmp / "served.pem", tmp / "served.key")
    server = TlsServer(tmp, HOST, RESPONSE)
    server.ctx = served  # the test server's own certificate replaced by this leaf
    stub = StubDns({HOST: ["127.0.0.1"]})
    try:
        cfg = stub.config(
            allow_private_targets=True,
            https_port=server.port,
            ca_bundle=pki.bundle(str(tmp / "roots.pem")),
        )
        result = run(
            https.fetch(CheckContext("example.org", cfg), mtasts.policy_url("example.org"))
        )
    finally:
        stub.close()
        server.close()
    return result, start


def test_a_certificate_starting_within_the_skew_could_not_be_checked(
    pki: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result, start = _fetch_starting_in(pki, tmp_path, timedelta(seconds=60))
    # OpenSSL refused it, as senders' OpenSSL would at this moment.
    assert result.error_kind == "tls-cert" and result.cert is not None
    assert result.cert.starts_in is not None and 50 < result.cert.starts_in <= 60
    assert result.evidence()["certificate"]["starts_in"] == result.cert.starts_in
    assert f"valid from {start:%Y-%m-%d %H:%M:%S} UTC" in result.error
    found = evaluate(monkeypatch, fetched=result)
    [mtasts12] = [f for f in found if f.id == "MTASTS-12"]
    assert mtasts12.status == Status.ERROR
    assert f"becomes valid at {start:%Y-%m-%d %H:%M:%S} UTC" in mtasts12.summary
    assert "seconds after this check" in mtasts12.summary and "Check again" in mtasts12.summary
    # Could not check is never "no fetchable policy" (MTASTS-10) nor any other fail.
    assert not [f for f in found if f.status == Status.FAIL]


def test_a_certificate_starting_later_fails_saying_until_when(
    pki: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result, start = _fetch_starting_in(pki, tmp_path, timedelta(hours=3))
    assert result.cert is not None and result.cert.starts_in is not None
    found = evaluate(monkeypatch, fetched=result)
    [mtasts12] = [f for f in found if f.id == "MTASTS-12"]
    assert mtasts12.status == Status.FAIL
    assert f"is not valid until {start:%Y-%m-%d %H:%M:%S} UTC" in mtasts12.summary
    assert "hours after this check" in mtasts12.summary
    assert ("MTASTS-10", Status.FAIL) in [(f.id, f.status) for f in found]


def test_a_current_certificate_has_no_start_noted(pki: Pki, tmp_path: Path) -> None:
    result, _ = _fetch_starting_in(pki, tmp_path, timedelta(days=-1))
    assert result.ok and result.status == 200
    assert result.cert is None or result.cert.starts_in is None
    assert "starts_in" not in result.evidence().get("certificate", {})
