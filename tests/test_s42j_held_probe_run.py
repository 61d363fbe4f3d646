"""Task s42j (review s42zB of 97afe536): the held-handshake probe's cost in a certificate-watch
run, and what "our front end answers at once" means.

1. Our own policy host is probed once per run (watch_certificates), not once per timed-out
   reading: when our front end is hard down (connections silently dropped) every reading
   times out, and probing it again for each name spent the run's budget on the same question.
   Its answer is remembered for the run; when it did not answer, no name's handshake is held
   open either (our trouble, "could not check"). A name's own handshake finding no connection
   means our front end went away mid-run: the rest of the run asks no more.
2. "At once" is concrete: our front end must answer a handshake for our policy host within
   service.ANSWERS_WITHIN (2 s, a fifth of the 10 s hold). A front end slow on every handshake
   (5 s, say) answers within the hold but not at once: a name's handshake held 10 s then says
   nothing about that name, and the reading stays "could not check" (no false alarm).

The handshakes are stood in for (no connection is made): the thing under test is the run's
logic and the probe's timeouts. A stand-in handshake answers after its latency, or is "held"
when the latency exceeds the timeout it is given, as a real one would."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

from django.core import mail

from mailsec.domains.models import Domain
from mailsec.hosting import caa, lookups, service, tasks
from mailsec.hosting.models import HostedPolicy
from mailsec.hosting.service import CertReading
from tests.test_hosting import T0, HostingCase, fake_dns

TIMED_OUT = CertReading(None, "no complete answer within 8 s", could_not_check=True, timed_out=True)
NAMES = ("example.org", "example.net", "example.com")
INF = float("inf")


class Probe:
    """Our front end as the stand-ins see it: `control` is how it answers a handshake for our
    policy host, `hosted` one for a hosted name: a latency in seconds (INF: held for ever) or
    "unreachable" (no connection: a front end that silently drops them). Counts every call."""

    def __init__(self, control: float | str, hosted: float | str = INF) -> None:
        self.control = control
        self.hosted = hosted
        self.calls: list[tuple[str, float]] = []
        self.lookups = 0

    def handshake(self, address: str, server_name: str, timeout: float) -> str:
        self.calls.append((server_name, timeout))
        how = self.control if server_name == service.settings.MAILSEC_POLICY_HOST else self.hosted
        if how == "unreachable":
            return "unreachable"
        assert isinstance(how, float)
        return "held" if how > timeout else "answered"

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]


@contextmanager
def stood_in(probe: Probe) -> Iterator[None]:
    """Every reading times out; our policy host resolves to a public address; every hosted
    name leads to us; CAA allows our CA."""

    class Ours:
        async def addresses(self, host: str) -> tuple[list[str], list[object]]:
            probe.lookups += 1
            return ["8.8.8.8"], []

    async def points_at_us(dns: object, host: str) -> tuple[bool, str]:
        return True, f"{host} is a CNAME to ours"

    async def caa_read(dns: object, name: str, identity: str) -> caa.CaaReading:
        return caa.CaaReading(caa.ALLOWED, "stub caa")

    with (
        mock.patch.object(caa, "read", caa_read),
        mock.patch.object(lookups, "client", Ours),
        mock.patch.object(lookups, "points_at_us", points_at_us),
        mock.patch.object(service, "read_certificate", return_value=TIMED_OUT),
        mock.patch.object(service, "_handshake", probe.handshake),
    ):
        yield


class S42jProbeRunTestCase(HostingCase):
    def setUp(self) -> None:
        super().setUp()
        self.host()
        for name in NAMES[1:]:
            domain = Domain.objects.create(team=self.team, name=name, verified_at=T0)
            with fake_dns([f"mx1.{name}"]):
                service.enable(domain, now=T0)
        mail.outbox.clear()

    def run_watch(self, probe: Probe) -> dict[str, str]:
        with stood_in(probe):
            tasks.watch_certificates()
        return dict(HostedPolicy.objects.values_list("name", "cert_error"))

    def test_s42j_a_front_end_hard_down_is_probed_once_per_run(self) -> None:
        for down in ("unreachable", INF):  # connections dropped; or accepted, never answered
            probe = Probe(control=down)
            errors = self.run_watch(probe)
            assert probe.names() == [service.settings.MAILSEC_POLICY_HOST], down
            assert probe.lookups == 1, down
            assert sorted(errors) == sorted(NAMES)
            for name, error in errors.items():
                assert error.startswith("could not check"), (down, name, error)
        assert not HostedPolicy.objects.exclude(cert_bad_since=None).exists()
        assert mail.outbox == []

    def test_s42j_a_front_end_that_answers_is_probed_once_and_each_name_held_once(self) -> None:
        probe = Probe(control=0.1)
        errors = self.run_watch(probe)
        names = probe.names()
        assert names.count(service.settings.MAILSEC_POLICY_HOST) == 1
        assert sorted(n for n in names if n != service.settings.MAILSEC_POLICY_HOST) == sorted(
            f"mta-sts.{name}" for name in NAMES
        )
        assert probe.lookups == 1
        for name, error in errors.items():
            assert "ACME CA refuses or fails to issue it" in error, (name, error)

    def test_s42j_each_run_asks_again(self) -> None:
        # Remembered for one run only: a front end down at one run is asked at the next.
        probe = Probe(control="unreachable")
        self.run_watch(probe)
        probe.control = 0.1
        errors = self.run_watch(probe)
        assert probe.names().count(service.settings.MAILSEC_POLICY_HOST) == 2
        assert all("refuses or fails" in error for error in errors.values())

    def test_s42j_a_front_end_gone_mid_run_is_not_asked_again(self) -> None:
        # Our front end answered at first, then finds no connection for a name: the rest of
        # the run holds no handshake open either, and nothing is alarmed.
        probe = Probe(control=0.1, hosted="unreachable")
        errors = self.run_watch(probe)
        assert len(probe.calls) == 2, probe.calls  # our host, then the first name only
        assert all(error.startswith("could not check") for error in errors.values())

    def test_s42j_outside_a_run_each_reading_asks_for_itself(self) -> None:
        # A single reading (the lab, a shell) keeps no memory between calls.
        probe = Probe(control="unreachable")
        with stood_in(probe):
            assert service.held_without_certificate("example.org") == ""
            probe.control = 0.1
            assert "refuses or fails" in service.held_without_certificate("example.org")
        assert probe.names().count(service.settings.MAILSEC_POLICY_HOST) == 2


class S42jAtOnceTestCase(HostingCase):
    def held(self, control: float) -> tuple[str, Probe]:
        probe = Probe(control=control)
        with stood_in(probe):
            return service.held_without_certificate("example.org"), probe

    def test_s42j_a_front_end_slow_on_every_handshake_is_no_held_name(self) -> None:
        # It answers our policy host after 5 s: within the 10 s hold, not at once. A name's
        # handshake held 10 s then tells nothing about that name: could not check.
        for latency in (2.5, 5.0, 9.0):
            said, probe = self.held(latency)
            assert said == "", latency
            assert probe.names() == [service.settings.MAILSEC_POLICY_HOST], latency

    def test_s42j_a_front_end_answering_at_once_still_finds_a_held_name(self) -> None:
        for latency in (0.05, 1.0, 1.9):
            said, _ = self.held(latency)
            assert "refuses or fails to issue it" in said, latency

    def test_s42j_at_once_is_a_fraction_of_the_hold(self) -> None:
        _, probe = self.held(0.05)
        (control, asked), (name, held) = probe.calls
        assert control == service.settings.MAILSEC_POLICY_HOST
        assert asked == service.ANSWERS_WITHIN <= service.HELD_AFTER / 5
        assert name == "mta-sts.example.org" and held >= service.HELD_AFTER

    def test_s42j_the_docs_say_what_the_code_does(self) -> None:
        words = " ".join((Path(__file__).parents[1] / "docs" / "hosting.md").read_text().split())
        assert f"within {service.ANSWERS_WITHIN:g} s" in words
        doc = " ".join((service.held_without_certificate.__doc__ or "").split())
        assert "within ANSWERS_WITHIN" in doc and "HELD_AFTER" in doc
