"""The SSRF guard, end to end: a free check of a domain whose every name resolves to a private
address runs the real engine, refuses to connect, and says so.

A tiny DNS server (dnspython, UDP, random port on 127.0.77.1) answers `A 127.0.77.2` for every
name; a TCP listener on 127.0.77.2 counts who reaches it. The engine is pointed at both.
"""

from __future__ import annotations

import importlib.util
import socket
import threading
import uuid
from collections.abc import Iterator
from dataclasses import replace
from typing import Any
from unittest.mock import patch

import dns.flags
import dns.message
import dns.rdatatype
import dns.rrset
import pytest
from django.test import override_settings

from checks import engine
from checks.config import CheckConfig
from mailsec.freecheck import ratelimit
from mailsec.freecheck.models import FreeCheck
from mailsec.freecheck.tasks import run_free_check
from tests.conftest import BaseTestCase

DNS_ADDR = "127.0.77.1"
TARGET_ADDR = "127.0.77.2"


class StubDNS:
    """Answers A TARGET_ADDR for every name; NOERROR with no data for every other type."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((DNS_ADDR, 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.questions: list[tuple[str, str]] = []
        self.stopping = False
        self.thread = threading.Thread(target=self.serve, daemon=True)

    def serve(self) -> None:
        while not self.stopping:
            try:
                data, peer = self.sock.recvfrom(4096)
            except TimeoutError:
                continue
            if self.stopping and not data:  # __exit__'s wake-up call (a query is never empty)
                break
            query = dns.message.from_wire(data)
            response = dns.message.make_response(query)
            response.flags |= dns.flags.AA
            question = query.question[0]
            self.questions.append((question.name.to_text(), dns.rdatatype.to_text(question.rdtype)))
            if question.rdtype == dns.rdatatype.A:
                response.answer.append(
                    dns.rrset.from_text(question.name, 60, "IN", "A", TARGET_ADDR)
                )
            self.sock.sendto(response.to_wire(), peer)

    def __enter__(self) -> StubDNS:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping = True
        # Wake the thread now, not at its recvfrom's next 0.2 s timeout (each test waited it).
        self.sock.sendto(b"", (DNS_ADDR, self.port))
        self.thread.join()
        self.sock.close()


class Listener:
    """Accepts TCP connections on TARGET_ADDR and counts them."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind((TARGET_ADDR, 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.waker: tuple[str, int] | None = None
        self.stopping = False
        self.thread = threading.Thread(target=self.serve, daemon=True)

    def serve(self) -> None:
        while not self.stopping:
            try:
                conn, peer = self.sock.accept()
            except TimeoutError:
                continue
            if self.stopping and peer == self.waker:  # __exit__'s wake-up call
                conn.close()
                break
            self.connections += 1
            conn.close()

    def __enter__(self) -> Listener:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping = True
        # Wake the thread now, not at its accept's next 0.2 s timeout (each test waited it),
        # from a port it knows, so that the call is not counted as one of the test's.
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as wake:
            wake.bind((TARGET_ADDR, 0))
            self.waker = wake.getsockname()
            wake.connect((TARGET_ADDR, self.port))
        self.thread.join()
        self.sock.close()


# Mechanism modules are written in parallel; run those that exist (smtp, the one that
# connects, is among them).
AVAILABLE = tuple(m for m in engine.MECHANISM_MODULES if importlib.util.find_spec(m))


@pytest.fixture
def stub_network() -> Iterator[tuple[StubDNS, Listener]]:
    with (
        StubDNS() as stub,
        Listener() as listener,
        patch.object(engine, "MECHANISM_MODULES", AVAILABLE),
    ):
        yield stub, listener


class PrivateTargetTestCase(BaseTestCase):
    stub: StubDNS
    listener: Listener

    @pytest.fixture(autouse=True)
    def _network(self, stub_network: tuple[StubDNS, Listener]) -> None:
        self.stub, self.listener = stub_network

    def setUp(self) -> None:
        super().setUp()
        prefix = patch.object(ratelimit, "KEY_PREFIX", f"test-{uuid.uuid4().hex}")
        prefix.start()
        self.addCleanup(prefix.stop)

    def engine_config(self, **overrides: Any) -> CheckConfig:
        """The real free-check configuration, with our stub as resolver and our listener's
        port as the SMTP and HTTPS port (so a connection, if one were made, would land)."""
        config = CheckConfig.from_env(**overrides)
        return replace(
            config,
            resolvers=((DNS_ADDR, self.stub.port),),
            smtp_port=self.listener.port,
            https_port=self.listener.port,
            timeout=2.0,
            probe_cache_seconds=0,
        )

    @override_settings(MAILSEC_ENGINE={"allow_private_targets": False})
    def test_a_domain_resolving_to_private_addresses_is_refused(self) -> None:
        with (
            patch.dict("os.environ", {"MAILSEC_ALLOW_PRIVATE_TARGETS": ""}),
            patch("mailsec.freecheck.models.engine_config", self.engine_config),
            patch(
                "mailsec.freecheck.views.run_free_check.delay",
                side_effect=lambda code: run_free_check(code),
            ),
        ):
            r = self.client.post("/check", {"domain": "victim.example.net"})
        check = FreeCheck.objects.get()
        self.assertRedirects(r, check.get_absolute_url(), fetch_redirect_response=False)
        self.assertEqual(check.status, FreeCheck.State.DONE, check.error)

        # The stub was really asked: the engine ran against it.
        self.assertIn(("victim.example.net.", "A"), self.stub.questions)
        # Nothing reached the private address.
        self.assertEqual(self.listener.connections, 0)
        # The findings say why: the guard refused the address, and since no sender on the
        # internet can reach a non-public address, the domain's mail cannot be delivered.
        smtp = [f for f in check.report["findings"] if f["mechanism"] == "smtp"]
        refused = [f for f in smtp if TARGET_ADDR in str(f) and "refused" in str(f)]
        self.assertTrue(refused, smtp)
        self.assertEqual({f["status"] for f in refused}, {"fail"})
        self.assertIn("senders on the internet cannot reach it", refused[0]["summary"])
        self.assertEqual(check.refused_targets(), [TARGET_ADDR])
        self.assertTrue(check.all_targets_refused())

        page = self.client.get(check.get_absolute_url())
        self.assertContains(page, "No mail server could be tested.")
        self.assertContains(page, "senders on the internet cannot reach it")
        self.assertContains(page, TARGET_ADDR)

    @override_settings(MAILSEC_ENGINE={"allow_private_targets": True})
    def test_the_lab_setting_lets_the_probe_connect(self) -> None:
        """The control experiment: with private targets allowed the listener is reached, so
        the refusal above is the guard's doing, not a broken setup."""
        with patch("mailsec.freecheck.models.engine_config", self.engine_config):
            check = FreeCheck.objects.create(domain="victim.example")
            check.run()
        self.assertEqual(check.status, FreeCheck.State.DONE, check.error)
        self.assertGreater(self.listener.connections, 0)
        self.assertEqual(check.refused_targets(), [])
