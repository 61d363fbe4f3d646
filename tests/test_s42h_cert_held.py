"""Task s42h, item 3, without the lab: the certificate watch's reading of a name whose TLS
handshakes our own front end holds open (Caddy waiting on an ACME CA that refuses the
certificate; tests/test_s42h_cert_refused_lab.py has it on the real stack). Such a reading is
a bad one, told once when a second reading an hour or more later confirms it, and its end is
told; a single one is no alarm, and a timeout our front end does not explain (it answers no
handshake at all, or the name does not lead to us) stays "could not check"."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

from django.core import mail

from mailsec.hosting import caa, lookups, service
from mailsec.hosting.service import CertReading
from tests.test_hosting import T0, HostingCase

TIMED_OUT = CertReading(None, "no complete answer within 8 s", could_not_check=True, timed_out=True)
VALID = CertReading(T0 + timedelta(days=80), "", not_before=T0 - timedelta(days=10))


@contextmanager
def front_end(
    reading: CertReading, ours: bool = True, control: str = "answered", name: str = "held"
) -> Iterator[list[str]]:
    """`reading` read from mta-sts.example.org; our front end answers a handshake for our
    policy host as `control` says and one for mta-sts.example.org as `name` says; the name
    leads to us when `ours`. Yields the server names handshakes were made for."""
    asked: list[str] = []

    def handshake(address: str, server_name: str, timeout: float) -> str:
        asked.append(server_name)
        return name if server_name == "mta-sts.example.org" else control

    async def points_at_us(dns: object, host: str) -> tuple[bool, str]:
        return ours, f"{host} is a CNAME to ours" if ours else f"{host} points elsewhere (x)"

    class Ours:
        """Our resolver: our policy host's address (no lookup made). A public one, which the
        SSRF guard lets through (s42zB); no connection is made, _handshake is stood in for."""

        async def addresses(self, host: str) -> tuple[list[str], list[object]]:
            return ["8.8.8.8"], []

    async def caa_read(dns: object, name: str, identity: str) -> caa.CaaReading:
        return caa.CaaReading(caa.ALLOWED, "stub caa")

    with (
        mock.patch.object(caa, "read", caa_read),
        mock.patch.object(lookups, "client", Ours),
        mock.patch.object(service, "read_certificate", return_value=reading),
        mock.patch.object(service, "_handshake", handshake),
        mock.patch.object(lookups, "points_at_us", points_at_us),
    ):
        yield asked


class S42hHeldHandshakeTestCase(HostingCase):
    def watch(self, hours: float, reading: CertReading = TIMED_OUT, **kw: object) -> None:
        with front_end(reading, **kw):  # type: ignore[arg-type]
            service.watch_certificate(self.policy, now=T0 + timedelta(hours=hours))
        self.policy.refresh_from_db()

    def setUp(self) -> None:
        super().setUp()
        self.policy = self.host()
        mail.outbox.clear()

    def test_s42h_a_held_handshake_is_told_once_confirmed_and_its_end_too(self) -> None:
        self.watch(0)
        assert not self.policy.cert_error.startswith("could not check")
        assert "ACME CA refuses or fails to issue it" in self.policy.cert_error
        assert self.policy.cert_bad_since == T0 and mail.outbox == []
        self.watch(12)
        [event] = self.policy.events.filter(kind="cert")
        assert "Senders cannot fetch your policy: mta-sts.example.org gives no valid" in (
            event.message
        )
        assert "points to us as it should" in event.message
        assert "nothing needs changing on your side" in event.message
        assert "Check that" not in event.message
        told = len(mail.outbox)
        assert told >= 1
        self.watch(24)
        assert self.policy.events.filter(kind="cert").count() == 1 and len(mail.outbox) == told
        # The certificate comes: its recovery is told once.
        self.watch(36, VALID)
        last = self.policy.events.filter(kind="cert").order_by("-created").first()
        assert last is not None and "valid certificate again" in last.message
        assert self.policy.events.filter(kind="cert").count() == 2

    def test_s42h_one_held_reading_then_a_certificate_tells_nothing(self) -> None:
        self.watch(0)
        self.watch(12, VALID)
        assert not self.policy.events.filter(kind="cert").exists() and mail.outbox == []
        assert self.policy.cert_bad_since is None

    def test_s42h_a_timeout_our_front_end_does_not_explain_stays_could_not_check(self) -> None:
        for hours, kw in enumerate(
            (
                {"control": "held"},  # our front end answers nothing: ours, or our network
                {"control": "unreachable"},
                {"ours": False},  # the name leads elsewhere: not our front end's handshake
                {"name": "answered"},  # it answers this name now: the timeout was a moment's
            )
        ):
            self.watch(hours * 12, **kw)
            assert self.policy.cert_error.startswith("could not check"), kw
            assert self.policy.cert_bad_since is None, kw
        assert not self.policy.events.filter(kind="cert").exists() and mail.outbox == []

    def test_s42h_our_front_end_is_asked_first(self) -> None:
        # When it answers no handshake, nothing else is asked (no lookup of the name either).
        with front_end(TIMED_OUT, control="unreachable") as asked:
            assert service.held_without_certificate("example.org") == ""
        assert asked == [service.settings.MAILSEC_POLICY_HOST]
        with front_end(TIMED_OUT) as asked:
            assert "refuses or fails" in service.held_without_certificate("example.org")
        assert asked == [service.settings.MAILSEC_POLICY_HOST, "mta-sts.example.org"]
