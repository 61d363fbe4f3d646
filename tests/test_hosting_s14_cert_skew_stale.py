"""The hosted policy host's certificate watch, as MTASTS-12 since 64d6537: a leaf starting
within the clock allowance (certs.NOT_BEFORE_SKEW) counts as "could not check" only when no CA
certificate on its path is stale. Under an intermediate not valid for two more days no clock
difference explains the refusal: a bad reading, which starts the streak that leads to an email.
Real TLS server on 127.0.0.1, read through read_certificate as in production. No lab."""

from __future__ import annotations

import ssl
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from mailsec.hosting import service
from tests.test_certs import Pki
from tests.test_certs_s10_edges import mint
from tests.test_fix_s14_review_refusals import ca_valid_from
from tests.test_hosting import HostingCase
from tests.test_hosting_s11_cert_not_yet_valid import HOST, RESPONSE
from tests.test_https import StubDns, TlsServer


class FreshLeafUnderAFutureIntermediateTestCase(HostingCase):
    @pytest.fixture(autouse=True)
    def _fixtures(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.tmp = tmp_path
        self.monkeypatch = monkeypatch

    def test_it_is_a_bad_reading_not_could_not_check(self) -> None:
        pki = Pki()
        future = ca_valid_from(pki, "Next Issuing CA", days=2)
        leaf = mint(future, not_before=datetime.now(UTC) + timedelta(seconds=60), host=HOST)
        (self.tmp / "served.pem").write_bytes(leaf.pem + future.pem)
        (self.tmp / "served.key").write_bytes(leaf.key_pem)
        served = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        served.load_cert_chain(self.tmp / "served.pem", self.tmp / "served.key")
        server = TlsServer(self.tmp, HOST, RESPONSE)
        server.ctx = served
        stub = StubDns({HOST: ["127.0.0.1"]})
        config = stub.config(
            allow_private_targets=True,
            https_port=server.port,
            ca_bundle=pki.bundle(str(self.tmp / "roots.pem")),
        )
        self.monkeypatch.setattr(service, "engine_config", lambda: config)
        policy = self.host()
        now = timezone.now()
        try:
            service.watch_certificate(policy, now=now)
        finally:
            stub.close()
            server.close()
        policy.refresh_from_db()
        assert not policy.cert_error.startswith("could not check"), policy.cert_error
        assert policy.cert_bad_since == now
        assert "Next Issuing CA" in policy.cert_error
