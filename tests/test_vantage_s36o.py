"""s36o: the resolver self-check's second canary, a wrong canary name, and per-machine state.

1. The signed canary (MAILSEC_VANTAGE_SIGNED_NAME, isc.org) failing says our resolver is down
   only when the root zone fails too: a SERVFAIL from isc.org's own servers, with the root
   answered and validated, is the canary's problem ("canary failing": no banner, no hold).
2. The canary answered NXDOMAIN while the root validates is a typo in the setting
   ("misconfigured"): `selftest` exits non-zero naming the variable; no banner, no hold.
3. Each probes machine keeps its own result (MAILSEC_VANTAGE_ID, else the host name): "since"
   is carried over from the same machine's result, the hold reads the machine doing the
   checks, and the banner shows a fault any machine has.

Real parts: a DNS server on a loopback port (`canary_dns`) answering each name as told
(DNSKEY with or without the AD bit, SERVFAIL, NXDOMAIN); the periodic task; the pages; the
selftest command with a real Celery worker."""

from __future__ import annotations

import asyncio
import io
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from unittest import mock

import dns.flags
import dns.message
import dns.rcode
import dns.rrset
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.urls import reverse

from checks.cli import resolver_warning
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
from mailsec.domains.models import Domain
from mailsec.tasks import (
    check_vantage,
    forget_vantage,
    keep_vantage,
    latest_vantage,
    resolver_fault,
)
from tests.conftest import BaseTestCase

# A DNSKEY (algorithm 13, ECDSA P-256): the stub signs nothing, so any key will do.
KEY = (
    "257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L"
    "53eKGQ=="
)
NOT_ANSWERING = "Our DNS resolver has not been answering since"


@contextmanager
def canary_dns(answers: dict[str, str]) -> Iterator[str]:
    """A DNS server on a random loopback port. `answers` maps a name ("." for the root) to how
    its DNSKEY question is answered: "ad" (keys with the AD bit), "plain" (keys without),
    "servfail", "nxdomain", "nxdomain-ad" (a validated denial), "bogus" (SERVFAIL, but keys
    without AD when checking is disabled, CD: a zone whose signatures fail). Any other name:
    NXDOMAIN.
    Yields "host:port"."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                data, peer = sock.recvfrom(4096)
            except TimeoutError:
                continue
            if stop.is_set() and not data:  # the wake-up call below (a query is never empty)
                break
            query = dns.message.from_wire(data)
            response = dns.message.make_response(query)
            question = query.question[0]
            name = question.name.to_text().rstrip(".").lower() or "."
            how = answers.get(name, "nxdomain")
            if how == "servfail" or (how == "bogus" and not query.flags & dns.flags.CD):
                response.set_rcode(dns.rcode.SERVFAIL)
            elif how.startswith("nxdomain"):
                response.set_rcode(dns.rcode.NXDOMAIN)
            else:
                response.answer.append(
                    dns.rrset.from_text_list(question.name, 300, "IN", "DNSKEY", [KEY])
                )
            if how.endswith("ad"):
                response.flags |= dns.flags.AD
            sock.sendto(response.to_wire(), peer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    host, port = sock.getsockname()
    try:
        yield f"{host}:{port}"
    finally:
        stop.set()
        # Wake the thread now, not at its recvfrom's next 0.2 s timeout (tests/test_cli.py).
        sock.sendto(b"", sock.getsockname())
        thread.join()
        sock.close()


def _ask(answers: dict[str, str]) -> ResolverAnswer:
    with canary_dns(answers) as address:
        host, port = address.rsplit(":", 1)
        config = CheckConfig(resolvers=((host, int(port)),), timeout=2)
        return asyncio.run(check_resolver(config, VantageTargets()))


def _result(answer: ResolverAnswer) -> VantageResult:
    return VantageResult(
        "2026-12-04T05:00:00+00:00", [answer], Answer(Verdict.NOT_TESTED, "w")
    ).carry_over(None)


def _queries(answer: ResolverAnswer) -> list[str]:
    return [e["query"] for e in answer.evidence]


# --- 1. the second canary: the root zone ----------------------------------------------------


def test_the_canary_failing_with_the_root_validated_is_the_canarys_problem() -> None:
    # isc.org's signatures failing (its keys come back with CD, s36v): SERVFAIL with CD too
    # could be our resolver's way out cut (tests/test_review_s36v_vantage.py).
    answer = _ask({"isc.org": "bogus", ".": "ad", "dnssec-failed.org": "servfail"})
    assert answer.verdict == Verdict.CANARY_FAILING, answer.detail
    assert answer.detail.startswith(
        "answers and validates the root zone (. DNSKEY with the AD bit), but SERVFAIL for "
        "isc.org DNSKEY, twice: isc.org's trouble, not this resolver's"
    )
    assert " DNSKEY" in _queries(answer)  # the root's question is evidence
    result = _result(answer)
    # Calm: no banner, no hold, no "since".
    assert result.problems() == [] and not result.broken and not result.holds_alerts
    assert result.resolver_down_since == ""
    assert worst([Verdict.OK, Verdict.CANARY_FAILING]) == Verdict.CANARY_FAILING
    assert worst([Verdict.UNKNOWN, Verdict.CANARY_FAILING]) == Verdict.UNKNOWN


def test_the_canary_and_the_root_failing_is_our_resolver_down() -> None:
    answer = _ask({"isc.org": "servfail", ".": "servfail", "dnssec-failed.org": "servfail"})
    assert answer.verdict == Verdict.DOWN
    assert answer.detail.startswith("cannot resolve names that exist: SERVFAIL for isc.org")
    assert "the root zone too (SERVFAIL for . DNSKEY)" in answer.detail
    assert " DNSKEY" in _queries(answer)
    assert _result(answer).holds_alerts


def test_the_canary_failing_and_the_root_without_ad_is_a_resolver_that_does_not_validate() -> None:
    answer = _ask({"isc.org": "servfail", ".": "plain", "dnssec-failed.org": "servfail"})
    assert answer.verdict == Verdict.BROKEN
    assert "does not validate DNSSEC: . DNSKEY came back without the AD bit" in answer.detail
    assert _result(answer).problems() == [RESOLVER_PROBLEM]


def test_a_validating_resolver_with_a_working_canary_is_ok_without_asking_the_root() -> None:
    answer = _ask({"isc.org": "ad", "dnssec-failed.org": "servfail"})
    assert answer.verdict == Verdict.OK
    assert " DNSKEY" not in _queries(answer)  # asked only when the canary fails


# --- 2. a canary name that does not exist ---------------------------------------------------


@pytest.mark.parametrize("nxdomain", ["nxdomain", "nxdomain-ad"])
def test_a_canary_name_that_does_not_exist_while_the_root_validates_is_misconfigured(
    nxdomain: str,
) -> None:
    answer = _ask({"isc.org": nxdomain, ".": "ad", "dnssec-failed.org": "servfail"})
    assert answer.verdict == Verdict.MISCONFIGURED, answer.detail
    assert answer.detail == (
        "MAILSEC_VANTAGE_SIGNED_NAME=isc.org does not exist (NXDOMAIN), while this resolver "
        "answers and validates the root zone: set it to a signed zone that exists"
    )
    assert not answer.nxdomain
    result = _result(answer)
    assert result.problems() == [] and not result.broken and not result.holds_alerts
    # For the operator's terminal it is said: mailsec check's warning names the variable.
    assert resolver_warning([answer]) == f"warning: DNS resolver {answer.resolver}: " + (
        answer.detail
    )


def test_nxdomain_for_the_canary_and_the_root_is_still_our_resolver_down() -> None:
    answer = _ask({})  # NXDOMAIN for every name, the root too: a resolver that sees nothing
    assert answer.verdict == Verdict.DOWN and answer.nxdomain


@pytest.mark.django_db(transaction=True)
def test_selftest_fails_loudly_on_a_canary_name_that_does_not_exist(
    monkeypatch: pytest.MonkeyPatch, celery_worker: object
) -> None:
    monkeypatch.setenv("MAILSEC_CHECK_TIMEOUT", "2")

    def selftest(*flags: str) -> tuple[str, str]:
        out, err = io.StringIO(), io.StringIO()
        call_command("selftest", "--timeout", "20", *flags, stdout=out, stderr=err)
        return out.getvalue(), err.getvalue()

    with (
        override_settings(MAILSEC_VANTAGE=VantageTargets()),
        canary_dns({"isc.org": "bogus", ".": "ad", "dnssec-failed.org": "servfail"}) as a,
    ):
        monkeypatch.setenv("MAILSEC_RESOLVER", a)
        out, err = selftest()  # the canary's trouble: told, exit 0
        assert f"vantage: DNSSEC validation, {a}: canary failing — answers and validates" in out
        assert err == ""
    with (
        override_settings(MAILSEC_VANTAGE=VantageTargets()),
        canary_dns({"isc.org": "nxdomain", ".": "ad", "dnssec-failed.org": "servfail"}) as a,
    ):
        monkeypatch.setenv("MAILSEC_RESOLVER", a)
        # Without --strict-vantage too: the setting is wrong, not the machine.
        with pytest.raises(CommandError, match="MAILSEC_VANTAGE_SIGNED_NAME=isc.org does not"):
            selftest()


# --- 3. per machine -------------------------------------------------------------------------


def _down(checked_at: datetime, since: datetime | None = None) -> VantageResult:
    return VantageResult(
        checked_at=checked_at.isoformat(timespec="seconds"),
        resolvers=[ResolverAnswer(Verdict.DOWN, "does not answer", resolver="192.0.2.53:53")],
        port25=Answer(Verdict.NOT_TESTED, "w"),
        resolver_down_since=(since or checked_at).isoformat(timespec="seconds"),
    )


def _ok(checked_at: datetime) -> VantageResult:
    return VantageResult(
        checked_at=checked_at.isoformat(timespec="seconds"),
        resolvers=[ResolverAnswer(Verdict.OK, "validates", resolver="192.0.2.53:53")],
        port25=Answer(Verdict.NOT_TESTED, "w"),
    )


@pytest.fixture
def clean_cache() -> Iterator[None]:
    forget_vantage()
    yield
    forget_vantage()


@pytest.mark.django_db
@pytest.mark.usefixtures("clean_cache")
def test_since_is_kept_per_machine_when_another_machine_answers_well(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MAILSEC_CHECK_TIMEOUT", "2")
    an_hour_ago = datetime.now(UTC) - timedelta(minutes=50)
    keep_vantage(_down(an_hour_ago), machine="probe-a")
    with (
        override_settings(MAILSEC_VANTAGE=VantageTargets()),
        canary_dns({"isc.org": "ad", "dnssec-failed.org": "servfail"}) as well,
    ):
        monkeypatch.setenv("MAILSEC_RESOLVER", well)
        with override_settings(MAILSEC_VANTAGE_ID="probe-b"):
            assert check_vantage()["resolvers"][0]["verdict"] == "ok"
    with override_settings(MAILSEC_VANTAGE=VantageTargets()), canary_dns({}) as sees_nothing:
        monkeypatch.setenv("MAILSEC_RESOLVER", sees_nothing)
        with override_settings(MAILSEC_VANTAGE_ID="probe-a"):
            data = check_vantage()
    # probe-b's good answer in between does not reset probe-a's "since".
    assert data["resolvers"][0]["verdict"] == "down"
    assert data["resolver_down_since"] == an_hour_ago.isoformat(timespec="seconds")
    a, b = latest_vantage("probe-a"), latest_vantage("probe-b")
    assert a is not None and a.resolver_verdict == Verdict.DOWN
    assert b is not None and b.resolver_verdict == Verdict.OK


@pytest.mark.django_db
@pytest.mark.usefixtures("clean_cache")
def test_the_hold_reads_the_machine_doing_the_checks() -> None:
    now = datetime.now(UTC)
    keep_vantage(_down(now - timedelta(minutes=5)), machine="probe-a")
    keep_vantage(_ok(now - timedelta(minutes=1)), machine="probe-b")  # newer, and well
    with override_settings(MAILSEC_VANTAGE_ID="probe-a"):
        assert resolver_fault() == "down"
    with override_settings(MAILSEC_VANTAGE_ID="probe-b"):
        assert resolver_fault() == ""
    # A machine without a result of its own (it has not had the beat's task yet): the newest
    # result of any machine, as before results were kept per machine.
    with override_settings(MAILSEC_VANTAGE_ID="probe-c"):
        assert resolver_fault() == ""
        keep_vantage(_down(now), machine="probe-a")
        assert resolver_fault() == "down"


@pytest.mark.django_db
@pytest.mark.usefixtures("clean_cache")
def test_results_older_than_an_hour_are_forgotten_per_machine() -> None:
    now = datetime.now(UTC)
    with mock.patch("django.utils.timezone.now", return_value=now - timedelta(minutes=61)):
        keep_vantage(_down(now), machine="probe-a")
    keep_vantage(_ok(now), machine="probe-b")
    assert latest_vantage("probe-a") is None
    assert latest_vantage("probe-b") is not None
    with override_settings(MAILSEC_VANTAGE_ID="probe-a"):
        assert resolver_fault() == ""


class MachinesBannerTests(BaseTestCase):
    def setUp(self) -> None:
        self.domain = Domain.objects.create(team=self.team, name="example.org")
        self.client.force_login(self.alice)
        forget_vantage()
        self.addCleanup(forget_vantage)

    def page(self) -> str:
        response = self.client.get(reverse("domains:details", args=[self.domain.code]))
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def test_the_banner_shows_a_fault_any_machine_has(self) -> None:
        now = datetime.now(UTC).replace(microsecond=0)
        keep_vantage(_ok(now), machine="probe-b")
        self.assertNotIn(NOT_ANSWERING, self.page())
        # probe-a's checks say "could not check": the banner says why, with probe-a's since,
        # though probe-b answered later.
        keep_vantage(
            _down(now - timedelta(minutes=1), since=now - timedelta(minutes=30)), "probe-a"
        )
        html = self.page()
        self.assertIn(NOT_ANSWERING, html)
        self.assertEqual(html.count(NOT_ANSWERING), 1)
        earlier = now - timedelta(minutes=30)
        # The banner gives the day too when "since" was yesterday (a run just after midnight).
        day = "" if earlier.date() == now.date() else f"{earlier.day} {earlier:%b} "
        self.assertIn(f"{NOT_ANSWERING} {day}{earlier:%H:%M} UTC", html)

    def test_the_canarys_trouble_and_a_wrong_name_show_no_banner(self) -> None:
        now = datetime.now(UTC)
        for machine, verdict in (
            ("probe-a", Verdict.CANARY_FAILING),
            ("probe-b", Verdict.MISCONFIGURED),
        ):
            result = _ok(now)
            result.resolvers[0].verdict = verdict
            keep_vantage(result, machine=machine)
        html = self.page()
        self.assertNotIn("Our DNS resolver", html)
