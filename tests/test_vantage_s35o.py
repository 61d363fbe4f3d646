"""s35o: our own resolver at fault. A resolver that cannot resolve the vantage's signed zone
(no answer, asked twice; SERVFAIL; NXDOMAIN for a zone everyone sees) is "down": a banner on
result pages says since when and that nothing is wrong with the reader's domain because of it,
`selftest --strict-vantage` exits 1, and (tests/test_alerts_s35o_vantage.py) alerts wait.

Real parts: tests.test_domains.stub_dns (a DNS server on a loopback port answering NXDOMAIN, or
SERVFAIL, for every name) and a resolver that takes datagrams and connections and never answers
(tests.test_vantage_s19p.counting_resolver). The lab's dead resolver: test_lab_s35o_vantage.py."""

from __future__ import annotations

import asyncio
import io
import socket
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from checks.config import CheckConfig
from checks.vantage import (
    RESOLVER_PROBLEM,
    Answer,
    ResolverAnswer,
    VantageResult,
    VantageTargets,
    Verdict,
    check_resolver,
    worst,
)
from mailsec.accounts.models import Profile
from mailsec.domains.models import Domain
from mailsec.tasks import (
    check_vantage,
    forget_vantage,
    keep_vantage,
    latest_vantage,
    resolver_fault,
)
from tests.conftest import BaseTestCase
from tests.test_domains import stub_dns
from tests.test_vantage_s19p import counting_resolver as counting_resolver  # a fixture

NOT_ANSWERING = "Our DNS resolver has not been answering since"
SAYS_NXDOMAIN = "Our DNS resolver has been answering that names which exist do not exist since"
NOTHING_WRONG = "Nothing is wrong with your domain because of it."


def _config(address: str, timeout: float = 1.0) -> CheckConfig:
    host, port = address.rsplit(":", 1)
    return CheckConfig(resolvers=((host, int(port)),), timeout=timeout)


def _down(since: str = "", nxdomain: bool = False) -> VantageResult:
    return VantageResult(
        checked_at="2026-12-01T14:20:00+00:00",
        resolvers=[
            ResolverAnswer(
                Verdict.DOWN, "does not answer", resolver="192.0.2.53:53", nxdomain=nxdomain
            )
        ],
        port25=Answer(Verdict.NOT_TESTED, "words"),
        resolver_down_since=since,
    )


# --- what the self-check calls down ---------------------------------------------------------


def test_a_resolver_that_never_answers_is_down(
    counting_resolver: tuple[str, socket.socket],
) -> None:
    address, _ = counting_resolver
    answer = asyncio.run(check_resolver(_config(address), VantageTargets()))
    assert answer.verdict == Verdict.DOWN, answer.detail
    assert answer.detail.startswith("does not answer: TIMEOUT for isc.org DNSKEY")
    assert "twice" in answer.detail
    # Asked twice: the first lookup, and one more past the cache.
    assert [e["rcode"] for e in answer.evidence if e["query"] == "isc.org DNSKEY"] == [
        "TIMEOUT",
        "TIMEOUT",
    ]
    assert not answer.nxdomain


def test_a_resolver_that_says_the_signed_zone_does_not_exist_is_down() -> None:
    with stub_dns({}) as address:  # NXDOMAIN for every name
        answer = asyncio.run(check_resolver(_config(address, 2), VantageTargets()))
    assert answer.verdict == Verdict.DOWN
    assert answer.nxdomain
    assert answer.detail.startswith("says isc.org does not exist (NXDOMAIN)")
    assert "every domain checked through it reads as not existing" in answer.detail


def test_a_resolver_that_answers_servfail_for_the_signed_zone_is_down() -> None:
    with stub_dns({}, servfail=True) as address:
        answer = asyncio.run(check_resolver(_config(address, 2), VantageTargets()))
    assert answer.verdict == Verdict.DOWN
    assert answer.detail.startswith("cannot resolve names that exist: SERVFAIL for isc.org")
    assert not answer.nxdomain


def test_down_is_the_worst_verdict_and_a_fault() -> None:
    assert worst([Verdict.BROKEN, Verdict.DOWN, Verdict.OK]) == Verdict.DOWN
    result = _down()
    assert result.broken and result.holds_alerts
    # A resolver that does not validate holds alerts too (DNSSEC would read as removed).
    broken = VantageResult("x", [ResolverAnswer(Verdict.BROKEN, "w")], Answer(Verdict.OK, "w"))
    assert broken.holds_alerts and broken.problems() == [RESOLVER_PROBLEM]
    unknown = VantageResult("x", [ResolverAnswer(Verdict.UNKNOWN, "w")], Answer(Verdict.OK, "w"))
    assert not unknown.holds_alerts and not unknown.broken


def test_the_problem_says_since_when_and_which_fault() -> None:
    [text] = _down(since="2026-12-01T09:05:00+00:00").problems()
    assert text == (
        "Our DNS resolver has not been answering since 09:05 UTC: checks made meanwhile say "
        "\u201ccould not check\u201d and no alert is sent. Nothing is wrong with your domain "
        "because of it."
    )
    [text] = _down(nxdomain=True).problems()  # no since kept (an older shape): its own time
    assert text.startswith(f"{SAYS_NXDOMAIN} 14:20 UTC:")
    assert NOTHING_WRONG in text


def test_since_is_kept_while_the_resolver_stays_down() -> None:
    first = _down().carry_over(None)
    assert first.resolver_down_since == first.checked_at
    later = _down()
    later.checked_at = "2026-12-01T14:30:00+00:00"
    assert later.carry_over(first).resolver_down_since == "2026-12-01T14:20:00+00:00"
    well = VantageResult(later.checked_at, [ResolverAnswer(Verdict.OK, "w")], later.port25)
    assert well.carry_over(first).resolver_down_since == ""
    # Down again after a good result: a new since.
    again = _down()
    again.checked_at = "2026-12-01T15:00:00+00:00"
    assert again.carry_over(well).resolver_down_since == "2026-12-01T15:00:00+00:00"


def test_an_old_cached_shape_still_reads() -> None:
    data = _down().to_dict()
    del data["resolver_down_since"]
    for r in data["resolvers"]:
        del r["nxdomain"]
    assert VantageResult.from_dict(data).resolver_verdict == Verdict.DOWN


# --- the periodic task ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_task_keeps_since_from_the_result_it_replaces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILSEC_CHECK_TIMEOUT", "2")
    an_hour_ago = (datetime.now(UTC) - timedelta(hours=1)).isoformat(timespec="seconds")
    keep_vantage(_down(since=an_hour_ago))  # this machine's earlier result (s36o)
    with stub_dns({}), override_settings(MAILSEC_VANTAGE=VantageTargets()):
        data = check_vantage()
    assert data["resolvers"][0]["verdict"] == "down"
    assert data["resolver_down_since"] == an_hour_ago
    kept = latest_vantage()
    assert kept is not None and kept.resolver_down_since == an_hour_ago
    assert resolver_fault() == "down"
    forget_vantage()
    assert resolver_fault() == ""


# --- the banner -----------------------------------------------------------------------------


class DownBannerTests(BaseTestCase):
    def setUp(self) -> None:
        self.domain = Domain.objects.create(team=self.team, name="example.org")
        self.client.force_login(self.alice)

    def keep(self, result: VantageResult) -> None:
        keep_vantage(result)

    def page(self, url: str, client: Client | None = None) -> str:
        response = (client or self.client).get(url)
        self.assertEqual(response.status_code, 200, url)
        return response.content.decode()

    def test_result_pages_say_the_resolver_is_down_since_when_in_plain_words(self) -> None:
        self.keep(_down(since="2026-12-01T14:20:00+00:00"))
        for url in (
            reverse("domains:index"),
            reverse("domains:details", args=[self.domain.code]),
            reverse("freecheck"),
        ):
            html = self.page(url)
            self.assertIn(f"{NOT_ANSWERING} 1 Dec 14:20 UTC: checks made meanwhile say", html, url)
            self.assertIn(NOTHING_WRONG, html, url)
            self.assertNotIn(RESOLVER_PROBLEM, html, url)
        self.assertIn(NOT_ANSWERING, self.page(reverse("freecheck"), Client()))
        self.assertNotIn(NOT_ANSWERING, self.page(reverse("accounts:account")))

    def test_the_time_is_the_readers(self) -> None:
        Profile.objects.filter(user=self.alice).update(time_zone="Europe/Berlin")
        self.client.force_login(self.alice)  # signing in keeps the zone for the pages
        since = timezone.now().replace(microsecond=0)
        self.keep(_down(since=since.isoformat(), nxdomain=True))
        html = self.page(reverse("domains:details", args=[self.domain.code]))
        local = timezone.localtime(since, timezone=ZoneInfo("Europe/Berlin"))
        self.assertIn(f"{SAYS_NXDOMAIN} {local:%H:%M} (Europe/Berlin):", html)


# --- manage.py selftest ---------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_selftest_strict_vantage_fails_on_a_dead_resolver(
    counting_resolver: tuple[str, socket.socket],
    monkeypatch: pytest.MonkeyPatch,
    celery_worker: object,
) -> None:
    address, _ = counting_resolver
    monkeypatch.setenv("MAILSEC_RESOLVER", address)
    monkeypatch.setenv("MAILSEC_CHECK_TIMEOUT", "1")

    def selftest(*flags: str) -> tuple[str, str]:
        out, err = io.StringIO(), io.StringIO()
        call_command("selftest", "--timeout", "20", *flags, stdout=out, stderr=err)
        return out.getvalue(), err.getvalue()

    with override_settings(MAILSEC_VANTAGE=VantageTargets()):
        out, err = selftest()
        assert f"vantage: DNSSEC validation, {address}: down — does not answer" in out
        assert err.startswith(f"warning: {NOT_ANSWERING} ")
        with pytest.raises(CommandError, match="has not been answering"):
            selftest("--strict-vantage")
