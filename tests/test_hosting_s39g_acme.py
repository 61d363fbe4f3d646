"""Blind round s39g: what the certificate watch of a hosted mta-sts.<name> reads while ACME
fails, through a real TLS handshake rather than a made-up reading. Written down (and
committed) before it ran, from docs/hosting.md (the certificate watch) and RFC 8461 §3.3.

Caddy gets the certificate of mta-sts.<name> on demand; when the ACME CA refuses the order
(pebble refusing, a rate limit) Caddy has no certificate for the name and ends every
handshake with a TLS alert (Go's crypto/tls: internal_error). Senders then get no policy at
all: that is an answer from the policy host, not a failure on our side, so it is a bad
reading, told once after two readings at least an hour apart (not "could not check", which
would leave the team unaware for as long as ACME keeps failing), and once more when a
certificate is issued. The policy's text and id never move.

A TLS server on 127.0.234.1 (this round's loopback range) plays Caddy: first aborting every
handshake with that alert, then presenting a valid certificate for the name; the engine's
configuration, which read_certificate uses, resolves mta-sts.example.org to it. No lab."""

from __future__ import annotations

import socket
import ssl
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core import mail

from mailsec.hosting import service
from tests.test_certs import Pki
from tests.test_certs_s10_edges import mint
from tests.test_hosting import HostingCase, to_alice
from tests.test_hosting_s11_cert_not_yet_valid import HOST, RESPONSE
from tests.test_https import StubDns, TlsServer

ADDRESS = "127.0.234.1"

# fmt: off
EXPECT = {
    # Two readings 12 hours apart of a handshake ended with an alert.
    "first":  {"bad": True, "could_not_check": False, "told": 0},
    "second": {"bad": True, "could_not_check": False, "told": 1, "kind": "cert"},
    "third":  {"bad": True, "told": 0},
    # A certificate issued at last.
    "issued": {"bad": False, "told": 1, "says": "valid certificate again"},
    "after":  {"bad": False, "told": 0},
}
# fmt: on


class CaddyWithoutCertificate(TlsServer):
    """TlsServer (tests/test_https.py) on ADDRESS, whose handshakes end with the alert Caddy
    sends for a name it holds no certificate for, until `issue` gives it one."""

    def __init__(self, tmp: Path) -> None:
        super().__init__(tmp, HOST, RESPONSE)
        refusing = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        refusing.load_cert_chain(tmp / "leaf.pem", tmp / "key.pem")
        refusing.sni_callback = lambda *_: ssl.ALERT_DESCRIPTION_INTERNAL_ERROR
        self.ctx = refusing

    def _listen(self) -> None:
        self.sock = socket.socket()
        self.sock.bind((ADDRESS, 0))
        self.sock.listen(8)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self._stop = False
        threading.Thread(target=self._serve, daemon=True).start()

    def issue(self, pki: Pki, tmp: Path) -> None:
        assert pki.inter is not None
        leaf = mint(pki.inter, not_before=datetime.now(UTC) - timedelta(minutes=5), host=HOST)
        (tmp / "issued.pem").write_bytes(leaf.pem + pki.inter.pem)
        (tmp / "issued.key").write_bytes(leaf.key_pem)
        issued = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        issued.load_cert_chain(tmp / "issued.pem", tmp / "issued.key")
        self.ctx = issued


class AcmeFailingThenIssuing(HostingCase):
    @pytest.fixture(autouse=True)
    def _fixtures(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.tmp = tmp_path
        self.monkeypatch = monkeypatch

    def test_no_certificate_is_told_once_then_its_issue(self) -> None:
        pki = Pki()
        server = CaddyWithoutCertificate(self.tmp)
        stub = StubDns({HOST: [ADDRESS]})
        config = stub.config(
            allow_private_targets=True,
            https_port=server.port,
            ca_bundle=pki.bundle(str(self.tmp / "roots.pem")),
        )
        self.monkeypatch.setattr(service, "engine_config", lambda: config)
        policy = self.host()
        text, policy_id = policy.text, policy.policy_id
        start = datetime.now(UTC).replace(microsecond=0)
        try:
            for label, hours in (
                ("first", 0),
                ("second", 12),
                ("third", 24),
                ("issued", 36),
                ("after", 48),
            ):
                if label == "issued":
                    server.issue(pki, self.tmp)
                want = EXPECT[label]
                mail.outbox.clear()
                events = policy.events.count()
                service.watch_certificate(policy, now=start + timedelta(hours=hours))
                policy.refresh_from_db()
                where = f"{label} reading: {policy.cert_error!r}"
                assert (policy.cert_bad_since is not None) == want["bad"], where
                if "could_not_check" in want:
                    got = policy.cert_error.startswith("could not check")
                    assert got == want["could_not_check"], where
                assert len(to_alice()) == want["told"], (where, [m.subject for m in to_alice()])
                new = list(policy.events.order_by("pk")[events:].values_list("kind", "message"))
                assert len(new) == want["told"], (where, new)
                if "kind" in want:
                    assert new[0][0] == want["kind"], (where, new)
                if "says" in want:
                    assert want["says"] in new[0][1], (where, new)
                assert (policy.text, policy.policy_id) == (text, policy_id), where
        finally:
            stub.close()
            server.close()
