"""A policy host that demands a client certificate (TLS 1.3 post-handshake refusal).

In TLS 1.3 the client's (empty) certificate travels after the client's handshake is done, so
the server's refusal, the alert certificate_required, arrives while our GET is being sent or
read. It is the server's answer and says so: no sender presents a client certificate to read
an MTA-STS policy. Real TLS server on 127.0.0.1 as in test_https; no lab."""

from __future__ import annotations

import ssl
from pathlib import Path

from checks import https, mtasts
from checks.context import CheckContext
from tests.test_https import POLICY, StubDns, TlsServer, run

HOST = "mta-sts.example.org"
RESPONSE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % len(POLICY)
) + POLICY


def test_a_policy_host_demanding_a_client_certificate_is_a_tls_failure(tmp_path: Path) -> None:
    server = TlsServer(tmp_path, HOST, RESPONSE)
    server.ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    server.ctx.verify_mode = ssl.CERT_REQUIRED
    server.ctx.load_verify_locations(server.ca_bundle)
    stub = StubDns({HOST: ["127.0.0.1"]})
    try:
        cfg = stub.config(
            allow_private_targets=True, https_port=server.port, ca_bundle=server.ca_bundle
        )
        result = run(
            https.fetch(CheckContext("example.org", cfg), mtasts.policy_url("example.org"))
        )
    finally:
        stub.close()
        server.close()
    assert result.status is None and not server.requests
    assert result.error_kind == "tls", result.error
    assert "TLS alert certificate_required (it demands a client certificate)" in result.error
