"""s19p: the vantage self-check without the lab: its settings, its result as kept for the
pages, the banner, the CLI's rules for when to ask and how long to wait. The lab tests
(tests/test_lab_s19p_vantage.py) run it against real resolvers and MX hosts."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from checks.cli import EXIT_USAGE, main, resolver_warning
from checks.config import ConfigError
from checks.vantage import (
    DEFAULT_BOGUS_NAME,
    DEFAULT_SIGNED_NAME,
    PORT25_PROBLEM,
    RESOLVER_PROBLEM,
    Answer,
    ResolverAnswer,
    VantageResult,
    VantageTargets,
    Verdict,
    worst,
)
from mailsec.celery import app
from mailsec.domains.models import Domain
from mailsec.tasks import (
    _machine_key,
    forget_vantage,
    keep_vantage,
    latest_vantage,
    vantage_machine,
)
from tests.conftest import BaseTestCase
from tests.test_freecheck_s9_results import NULL_MX, fake_dns
from tests.test_mx import FakeDns


def _result(resolver: Verdict, port25: Verdict) -> VantageResult:
    return VantageResult(
        checked_at="2026-12-01T10:00:00+00:00",
        resolvers=[ResolverAnswer(resolver, "words", [{"query": "x"}], resolver="192.0.2.53:53")],
        port25=Answer(port25, "words"),
    )


# --- settings -------------------------------------------------------------------------------


def test_targets_default_to_public_zones_and_no_port_25_host() -> None:
    targets = VantageTargets.from_env({})
    assert targets == VantageTargets(DEFAULT_SIGNED_NAME, DEFAULT_BOGUS_NAME, ())
    # An empty value is the default, as for every other variable.
    assert VantageTargets.from_env({"MAILSEC_VANTAGE_SIGNED_NAME": " "}) == targets


def test_targets_are_normalised() -> None:
    targets = VantageTargets.from_env(
        {
            "MAILSEC_VANTAGE_SIGNED_NAME": "F01.Lab.Test.",
            "MAILSEC_VANTAGE_BOGUS_NAME": "f49.lab.test",
            "MAILSEC_VANTAGE_SMTP_HOSTS": " MX1.example.net., 192.0.2.25 ,[2001:db8::25],",
        }
    )
    assert targets.signed_name == "f01.lab.test" and targets.bogus_name == "f49.lab.test"
    assert targets.smtp_hosts == ("mx1.example.net", "192.0.2.25", "2001:db8::25")


@pytest.mark.parametrize(
    ("variable", "value", "words"),
    [
        ("MAILSEC_VANTAGE_SIGNED_NAME", ".", "must name a zone"),
        ("MAILSEC_VANTAGE_BOGUS_NAME", "a..b", "is not a DNS name"),
        ("MAILSEC_VANTAGE_SMTP_HOSTS", "mx.example.net:25", "no port"),
        ("MAILSEC_VANTAGE_SMTP_HOSTS", "mx example", "neither a host name"),
        ("MAILSEC_VANTAGE_SMTP_HOSTS", "a.example,b.example,c.example,d.example,e.example", "4"),
    ],
)
def test_a_bad_value_is_refused_naming_its_variable(variable: str, value: str, words: str) -> None:
    with pytest.raises(ConfigError, match=variable) as exc:
        VantageTargets.from_env({variable: value})
    assert words in str(exc.value)


def test_a_bad_value_stops_start_up(run_manage, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    done = run_manage(
        "check",
        env={"MAILSEC_DATA_DIR": str(tmp_path), "MAILSEC_VANTAGE_SMTP_HOSTS": "mx.example:25"},
    )
    assert done.returncode != 0
    assert "MAILSEC_VANTAGE_SMTP_HOSTS: 'mx.example:25'" in done.stderr


def test_the_cli_refuses_a_bad_value_as_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MAILSEC_VANTAGE_SIGNED_NAME", "a..b")
    with pytest.raises(SystemExit) as exc:
        main(["example.com"])
    assert exc.value.code == EXIT_USAGE
    assert "MAILSEC_VANTAGE_SIGNED_NAME" in capsys.readouterr().err


def test_the_task_runs_on_the_probes_queue_every_ten_minutes() -> None:
    # The answer is about the machines that probe: a web-only box may well reach port 25.
    assert app.amqp.router.route({}, "mailsec.tasks.check_vantage")["queue"].name == "probes"
    entry = settings.CELERY_BEAT_SCHEDULE["vantage"]
    assert entry["task"] == "mailsec.tasks.check_vantage"
    assert entry["schedule"].total_seconds() == 600


# --- the result -----------------------------------------------------------------------------


def test_the_worst_verdict_wins() -> None:
    assert worst([Verdict.OK, Verdict.BROKEN, Verdict.UNKNOWN]) == Verdict.BROKEN
    assert worst([Verdict.OK, Verdict.UNKNOWN]) == Verdict.UNKNOWN
    assert worst([Verdict.OK, Verdict.OK]) == Verdict.OK


@pytest.mark.parametrize(
    ("resolver", "port25", "problems"),
    [
        (Verdict.OK, Verdict.OK, []),
        (Verdict.OK, Verdict.NOT_TESTED, []),
        # "Could not tell" is never a fault to show people.
        (Verdict.UNKNOWN, Verdict.UNKNOWN, []),
        (Verdict.BROKEN, Verdict.NOT_TESTED, [RESOLVER_PROBLEM]),
        (Verdict.UNKNOWN, Verdict.BROKEN, [PORT25_PROBLEM]),
        (Verdict.BROKEN, Verdict.BROKEN, [RESOLVER_PROBLEM, PORT25_PROBLEM]),
    ],
)
def test_only_a_broken_answer_is_a_problem(
    resolver: Verdict, port25: Verdict, problems: list[str]
) -> None:
    result = _result(resolver, port25)
    assert result.problems() == problems
    assert result.broken is bool(problems)


def test_the_result_survives_the_cache_as_json() -> None:
    result = _result(Verdict.BROKEN, Verdict.NOT_TESTED)
    assert VantageResult.from_dict(json.loads(json.dumps(result.to_dict()))) == result


# --- the banner -----------------------------------------------------------------------------


class BannerTests(BaseTestCase):
    def setUp(self) -> None:
        self.domain = Domain.objects.create(team=self.team, name="example.org")
        self.client.force_login(self.alice)
        self.addCleanup(forget_vantage)

    def keep(self, result: VantageResult | dict[str, object]) -> None:
        if isinstance(result, VantageResult):
            keep_vantage(result)  # this machine's (s36o: kept per machine)
        else:
            cache.set(_machine_key(vantage_machine()), result, 60)  # another shape (s37f)

    def page(self, url: str, client: Client | None = None) -> str:
        response = (client or self.client).get(url)
        self.assertEqual(response.status_code, 200, url)
        return response.content.decode()

    def result_pages(self) -> list[str]:
        return [
            reverse("domains:index"),
            reverse("domains:details", args=[self.domain.code]),
            reverse("freecheck"),
        ]

    def test_it_shows_each_problem_on_result_pages(self) -> None:
        self.keep(_result(Verdict.BROKEN, Verdict.BROKEN))
        for url in self.result_pages():
            html = self.page(url)
            self.assertIn(RESOLVER_PROBLEM, html, url)
            self.assertIn(PORT25_PROBLEM, html, url)
        # Signed out too: the free check's visitors read the same results.
        self.assertIn(RESOLVER_PROBLEM, self.page(reverse("freecheck"), Client()))

    def test_it_shows_only_what_is_broken(self) -> None:
        self.keep(_result(Verdict.UNKNOWN, Verdict.BROKEN))
        html = self.page(reverse("domains:details", args=[self.domain.code]))
        self.assertNotIn(RESOLVER_PROBLEM, html)
        self.assertIn(PORT25_PROBLEM, html)

    def test_it_stays_off_pages_without_results(self) -> None:
        self.keep(_result(Verdict.BROKEN, Verdict.BROKEN))
        for url in (reverse("accounts:account"), reverse("home")):
            self.assertNotIn(RESOLVER_PROBLEM, self.page(url), url)

    def test_no_banner_when_all_is_well_nothing_is_known_or_the_shape_is_old(self) -> None:
        url = reverse("domains:details", args=[self.domain.code])
        for kept in (
            None,
            _result(Verdict.OK, Verdict.NOT_TESTED),
            {"checked_at": "x", "resolver": "broken"},
        ):
            forget_vantage()
            if kept is not None:
                self.keep(kept)
            html = self.page(url)
            self.assertNotIn(RESOLVER_PROBLEM, html)
            self.assertNotIn(PORT25_PROBLEM, html)
        self.assertIsNone(latest_vantage())

    def test_healthz_does_not_read_the_vantage(self) -> None:
        # A load balancer must not take the site out for it: pages still work, and say why
        # their results are suspect.
        self.keep(_result(Verdict.BROKEN, Verdict.BROKEN))
        response = Client().get(reverse("healthz"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"database": "ok", "broker": "ok"})


# --- the CLI --------------------------------------------------------------------------------


def test_the_warning_names_every_resolver_that_does_not_validate() -> None:
    answers = [
        ResolverAnswer(Verdict.BROKEN, "does not validate DNSSEC: x", resolver="10.0.0.2:53"),
        ResolverAnswer(Verdict.OK, "validates DNSSEC", resolver="10.0.0.3:53"),
        ResolverAnswer(Verdict.BROKEN, "accepts data \x1b[2J", resolver="10.0.0.4:53"),
    ]
    assert resolver_warning(answers) == (
        "warning: DNS resolver 10.0.0.2:53 does not validate DNSSEC: x; DNS resolver "
        "10.0.0.4:53 accepts data \\x1b[2J; DNSSEC and DANE results are unreliable"
    )
    assert resolver_warning(answers[1:2]) == ""
    assert resolver_warning([ResolverAnswer(Verdict.UNKNOWN, "could not tell")]) == ""


@pytest.fixture
def counting_resolver() -> Iterator[tuple[str, socket.socket]]:
    """A UDP 'resolver' that answers nothing and keeps what it was sent, with a TCP listener
    on the same port that takes connections and never answers either."""
    for _ in range(50):
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.bind(("127.0.0.1", 0))
        port = udp.getsockname()[1]
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            tcp.bind(("127.0.0.1", port))  # taken for TCP by another test process: another
            break
        except OSError:
            udp.close()
            tcp.close()
    else:
        pytest.fail("no port free for both UDP and TCP", pytrace=False)
    tcp.listen(16)
    udp.setblocking(False)
    yield f"127.0.0.1:{port}", udp
    udp.close()
    tcp.close()


def _received(sock: socket.socket) -> int:
    count = 0
    while True:
        try:
            sock.recvfrom(4096)
        except BlockingIOError:
            return count
        count += 1


def test_the_cli_asks_nothing_when_every_name_is_refused(
    counting_resolver: tuple[str, socket.socket], capsys: pytest.CaptureFixture[str]
) -> None:
    address, sock = counting_resolver
    main(["192.0.2.1", "printer.local", "--resolver", address, "--timeout", "1"])
    assert _received(sock) == 0
    assert capsys.readouterr().err == ""


def test_a_silent_resolver_does_not_hold_a_finished_run_up(
    counting_resolver: tuple[str, socket.socket], capsys: pytest.CaptureFixture[str]
) -> None:
    # The checks answer at once (an in-memory DNS); the self-check's questions to the real
    # resolver get no answer: the run ends a grace period after the checks, not a timeout.
    address, sock = counting_resolver
    started = time.monotonic()
    with fake_dns(FakeDns(NULL_MX)):
        main(["nomail.example.org", "--json", "--resolver", address, "--timeout", "6"])
    elapsed = time.monotonic() - started
    assert _received(sock) >= 1  # the self-check asked
    assert elapsed < 5, elapsed
    captured = capsys.readouterr()
    assert captured.err == "" and json.loads(captured.out)["domain"] == "nomail.example.org"
