"""The certificate watch of a hosted mta-sts.<name> whose certificate has not started yet.

Our TLS front end gets an on-demand certificate the moment the name is first asked for, and
not every ACME CA backdates notBefore: for a few seconds the new certificate is "not yet valid"
to anyone whose clock agrees with ours (or runs behind the CA's). Within certs.NOT_BEFORE_SKEW
that reading is "could not check": it neither starts nor ends the streak of bad readings that
leads to an email. A certificate starting later than that is a bad reading, saying until when
in UTC. Real TLS servers on 127.0.0.1 presenting such a leaf, read through read_certificate as
in production; only the engine's configuration points at them. No lab."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone

from checks import certs
from mailsec.hosting import service
from tests.test_certs import Pki
from tests.test_certs_s10_edges import mint
from tests.test_hosting import HostingCase, to_alice
from tests.test_https import POLICY, StubDns, TlsServer

HOST = "mta-sts.example.org"
RESPONSE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % len(POLICY)
) + POLICY


@contextmanager
def serving_leaf_starting_in(
    pki: Pki, tmp: Path, delta: timedelta, monkeypatch: pytest.MonkeyPatch, days: int = 90
) -> Iterator[datetime]:
    """mta-sts.example.org served with a leaf (and its intermediate) of `days` starting
    `delta` from now; the engine configuration read_certificate uses points at it. Yields the
    start."""
    assert pki.inter is not None
    start = datetime.now(UTC).replace(microsecond=0) + delta
    leaf = mint(pki.inter, not_before=start, days=days, host=HOST)
    (tmp / "served.pem").write_bytes(leaf.pem + pki.inter.pem)
    (tmp / "served.key").write_bytes(leaf.key_pem)
    served = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    served.load_cert_chain(tmp / "served.pem", tmp / "served.key")
    server = TlsServer(tmp, HOST, RESPONSE)
    server.ctx = served  # the test server's own certificate replaced by this leaf
    stub = StubDns({HOST: ["127.0.0.1"]})
    config = stub.config(
        allow_private_targets=True,
        https_port=server.port,
        ca_bundle=pki.bundle(str(tmp / "roots.pem")),
    )
    monkeypatch.setattr(service, "engine_config", lambda: config)
    try:
        yield start
    finally:
        stub.close()
        server.close()


class ServedCertificateCase(HostingCase):
    """A hosting case with a lab PKI and the pytest fixtures serving_leaf_starting_in needs."""

    pki: Pki

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.pki = Pki()

    @pytest.fixture(autouse=True)
    def _fixtures(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.tmp = tmp_path
        self.monkeypatch = monkeypatch


class NotYetValidCertificateTestCase(ServedCertificateCase):
    def serving(self, delta: timedelta) -> AbstractContextManager[datetime]:
        return serving_leaf_starting_in(self.pki, self.tmp, delta, self.monkeypatch)

    def test_a_certificate_starting_within_the_skew_is_neither_good_nor_bad(self) -> None:
        policy = self.host()
        now = timezone.now()
        mail.outbox.clear()
        with self.serving(timedelta(seconds=60)) as start:
            # Readings hours apart all see the fresh certificate: never told, never a streak.
            for hours in (0, 12, 24):
                assert service.watch_certificate(policy, now=now + timedelta(hours=hours)) is None
                policy.refresh_from_db()
                assert policy.cert_bad_since is None and not policy.cert_alerted
                assert policy.cert_error.startswith("could not check: ")
                assert certs.utc_text(start) in policy.cert_error
        assert to_alice() == [] and not policy.events.filter(kind="cert").exists()

    def test_a_certificate_starting_within_the_skew_leaves_a_streak_as_it_was(self) -> None:
        # A bad reading (NXDOMAIN, say) began a streak; the reading of the fresh certificate
        # after it says nothing either way: the streak neither ends nor is confirmed by it.
        began = timezone.now() - timedelta(hours=12)
        policy = self.host(cert_bad_since=began)
        mail.outbox.clear()
        with self.serving(timedelta(seconds=60)):
            assert service.watch_certificate(policy) is None
        policy.refresh_from_db()
        assert policy.cert_bad_since == began and not policy.cert_alerted
        assert to_alice() == []

    def test_a_certificate_starting_beyond_the_skew_is_bad_saying_until_when(self) -> None:
        policy = self.host()
        now = timezone.now()
        mail.outbox.clear()
        skew = certs.NOT_BEFORE_SKEW
        with self.serving(skew + timedelta(hours=3)) as start:
            service.watch_certificate(policy, now=now)
            policy.refresh_from_db()
            assert policy.cert_bad_since == now
            assert f"is not valid until {certs.utc_text(start)}" in policy.cert_error
            service.watch_certificate(policy, now=now + timedelta(hours=12))
        [told] = policy.events.filter(kind="cert")
        assert f"is not valid until {certs.utc_text(start)}" in told.message
        [email] = to_alice()
        assert certs.utc_text(start) in email.body

    def test_a_current_certificate_is_a_good_reading(self) -> None:
        policy = self.host(cert_bad_since=timezone.now() - timedelta(hours=12))
        with self.serving(timedelta(days=-1)):
            days = service.watch_certificate(policy)
        policy.refresh_from_db()
        assert days is not None and 85 <= days <= 89
        assert policy.cert_error == "" and policy.cert_bad_since is None
