"""s19p: the checker's own vantage point, against the lab (tests/lab, lab-recipes §2-§4).

Resolvers: the lab's validating Unbound (127.0.53.2); Knot, the authoritative server, asked
directly (127.0.53.1: it answers the lab's zones, signatures and all, and validates nothing, as
a non-validating cloud resolver does); and an Unbound of this module's own on 127.0.142.2 with
the lab's trust anchor and `val-permissive-mode: yes` (it sets AD on secure data and hands bogus
data back instead of SERVFAIL). Port 25: the lab's MX host mx1.f01.lab.test listens; nothing
listens on 127.0.142.1 (a refused connection, as a firewall that rejects port 25 gives).
"""

from __future__ import annotations

import asyncio
import io
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import dns.exception
import dns.message
import dns.query
import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from checks.cli import main
from checks.config import CheckConfig
from checks.vantage import (
    PORT25_PROBLEM,
    RESOLVER_PROBLEM,
    Answer,
    ResolverAnswer,
    VantageTargets,
    Verdict,
    check_port25,
    check_resolvers,
    check_vantage_sync,
)
from mailsec.accounts.models import Profile, Team
from mailsec.domains.models import Domain
from mailsec.tasks import check_vantage, forget_vantage
from tests.lab import dnslab
from tests.lab.control import Lab
from tests.test_engine_lab import lab_config

pytestmark = pytest.mark.lab


VALIDATING = ("127.0.53.2", 53)
KNOT = ("127.0.53.1", 53)
PERMISSIVE = ("127.0.142.2", 53)
NOBODY = ("127.0.142.3", 53)  # no DNS server there
DEAD_SMTP = "127.0.142.1"  # nothing listens on port 25 there
DEAD_SMTP_2 = "127.0.142.3"  # nor there: two hosts refusing is a block on our side

# f01 is signed and secure; f49's parent DS matches none of its keys, f48's signatures expired.
LAB_TARGETS = VantageTargets.parse("f01.lab.test", "f49.lab.test", [])


def _config(lab: Lab, resolver: tuple[str, int], **changes: object) -> CheckConfig:
    return lab_config(lab, resolvers=(resolver,), timeout=2.0, **changes)


@pytest.fixture(scope="module")
def permissive_resolver(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    udir = tmp_path_factory.mktemp("permissive-unbound")
    (udir / "test.ds").write_text((lab.run_dir / "unbound" / "test.ds").read_text())
    conf = dnslab.unbound_conf(udir, PERMISSIVE[0], dnslab.KNOT_ADDR, forward=False)
    conf = conf.replace("server:\n", "server:\n    val-permissive-mode: yes\n", 1)
    conf = conf.replace("control-enable: yes", "control-enable: no")
    (udir / "unbound.conf").write_text(conf)
    subprocess.run(["unbound", "-c", str(udir / "unbound.conf")], check=True, timeout=10)
    pid = _wait_pid(udir / "unbound.pid")
    try:
        _wait_dns(PERMISSIVE[0])
        yield
    finally:
        os.kill(pid, signal.SIGTERM)


def _wait_pid(path: Path) -> int:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if path.is_file() and path.read_text().strip():
            return int(path.read_text())
        time.sleep(0.05)
    raise AssertionError(f"{path} never appeared")


def _wait_dns(address: str) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            dns.query.udp(dns.message.make_query("test.", "SOA"), address, timeout=0.5)
            return
        except (dns.exception.Timeout, OSError):
            time.sleep(0.05)
    raise AssertionError(f"no DNS answer from {address}")


def _resolver_answer(
    lab: Lab, resolver: tuple[str, int], targets: VantageTargets
) -> ResolverAnswer:
    [answer] = asyncio.run(check_resolvers(_config(lab, resolver), targets))
    return answer


# --- does the resolver validate -------------------------------------------------------------


def test_it_says_a_validating_resolver_validates(lab: Lab) -> None:
    for bogus in ("f49.lab.test", "f48.lab.test"):
        answer = _resolver_answer(lab, VALIDATING, replace(LAB_TARGETS, bogus_name=bogus))
        assert answer.verdict == Verdict.OK, answer.detail
        assert answer.resolver == "127.0.53.2:53"
        assert f"SERVFAIL for the bogus {bogus}" in answer.detail


def test_it_says_a_resolver_that_sets_no_ad_bit_does_not_validate(lab: Lab) -> None:
    answer = _resolver_answer(lab, KNOT, LAB_TARGETS)
    assert answer.verdict == Verdict.BROKEN
    assert "does not validate DNSSEC" in answer.detail
    assert "f01.lab.test DNSKEY came back without the AD bit" in answer.detail


def test_it_says_a_permissive_resolver_accepts_bogus_data(
    lab: Lab, permissive_resolver: None
) -> None:
    answer = _resolver_answer(lab, PERMISSIVE, LAB_TARGETS)
    assert answer.verdict == Verdict.BROKEN, answer.detail
    assert "accepts data that fails DNSSEC validation: f49.lab.test" in answer.detail


def test_a_resolver_that_does_not_answer_is_down(lab: Lab) -> None:
    # s35o: "down", a fault (it was "unknown": every check said "could not check", no banner).
    answer = _resolver_answer(lab, NOBODY, LAB_TARGETS)
    assert answer.verdict == Verdict.DOWN
    assert answer.detail.startswith("does not answer: TIMEOUT for f01.lab.test DNSKEY")


def test_names_that_do_not_fit_are_unknown_never_broken(lab: Lab) -> None:
    # The public defaults: the lab's Unbound refuses everything outside .test.
    assert _resolver_answer(lab, VALIDATING, VantageTargets()).verdict == Verdict.UNKNOWN
    # A "signed" name that is no signed zone (mx1.f01 has no DNSKEY), through Knot.
    unsigned = replace(LAB_TARGETS, signed_name="mx1.f01.lab.test")
    answer = _resolver_answer(lab, KNOT, unsigned)
    assert answer.verdict == Verdict.UNKNOWN and "no signed zone" in answer.detail
    # A "bogus" name that validates.
    not_bogus = replace(LAB_TARGETS, bogus_name="f01.lab.test")
    answer = _resolver_answer(lab, VALIDATING, not_bogus)
    assert answer.verdict == Verdict.UNKNOWN and "no bogus zone" in answer.detail


def test_each_resolver_is_asked_on_its_own(lab: Lab) -> None:
    config = lab_config(lab, resolvers=(VALIDATING, KNOT), timeout=2.0)
    answers = asyncio.run(check_resolvers(config, LAB_TARGETS))
    assert [(a.resolver, a.verdict) for a in answers] == [
        ("127.0.53.2:53", Verdict.OK),
        ("127.0.53.1:53", Verdict.BROKEN),
    ]


# --- can we reach port 25 -------------------------------------------------------------------


def _port25(lab: Lab, hosts: list[str], **changes: object) -> Answer:
    targets = VantageTargets.parse(None, None, hosts)
    return asyncio.run(check_port25(_config(lab, VALIDATING, **changes), targets))


def test_port_25_reached(lab: Lab) -> None:
    answer = _port25(lab, ["mx1.f01.lab.test"])
    assert answer.verdict == Verdict.OK
    assert "connected to mx1.f01.lab.test [127.0.60.10] port 25" in answer.detail
    assert "220 mx1.f01.lab.test" in answer.detail  # its greeting, as evidence


def test_port_25_blocked(lab: Lab) -> None:
    answer = _port25(lab, [DEAD_SMTP, DEAD_SMTP_2])
    assert answer.verdict == Verdict.BROKEN
    assert "127.0.142.1: Connection refused" in answer.detail
    assert "127.0.142.3: Connection refused" in answer.detail
    assert "outbound port 25 is probably blocked" in answer.detail


def test_one_host_refusing_is_no_block(lab: Lab) -> None:
    # That host is most likely down (cloud blocks drop the packets): no banner on every page.
    answer = _port25(lab, [DEAD_SMTP])
    assert answer.verdict == Verdict.UNKNOWN
    assert "127.0.142.1: Connection refused" in answer.detail
    assert "that host may be down" in answer.detail
    assert "Name a second host in MAILSEC_VANTAGE_SMTP_HOSTS" in answer.detail


def test_one_host_reached_is_enough(lab: Lab) -> None:
    assert _port25(lab, [DEAD_SMTP, "mx1.f01.lab.test"]).verdict == Verdict.OK


def test_port_25_not_tried_is_never_broken(lab: Lab) -> None:
    assert _port25(lab, []).verdict == Verdict.NOT_TESTED
    # A name that does not resolve.
    answer = _port25(lab, ["nothing-here.f01.lab.test"])
    assert answer.verdict == Verdict.UNKNOWN and "could not look it up" in answer.detail
    # The SSRF guard: production refuses loopback targets, so no connection is tried.
    before = len(lab.smtp_connections("mx1.f01.lab.test"))
    answer = _port25(lab, ["mx1.f01.lab.test", DEAD_SMTP], allow_private_targets=False)
    assert answer.verdict == Verdict.UNKNOWN
    assert "not tried" in answer.detail and "loopback" in answer.detail
    assert len(lab.smtp_connections("mx1.f01.lab.test")) == before


def test_the_problems_are_the_pages_words(lab: Lab) -> None:
    targets = replace(LAB_TARGETS, smtp_hosts=(DEAD_SMTP, DEAD_SMTP_2))
    broken = check_vantage_sync(_config(lab, KNOT), targets)
    assert broken.problems() == [RESOLVER_PROBLEM, PORT25_PROBLEM]
    fine = check_vantage_sync(_config(lab, VALIDATING), replace(targets, smtp_hosts=()))
    assert fine.problems() == [] and not fine.broken


# --- the CLI --------------------------------------------------------------------------------


def _cli(
    lab: Lab, resolver: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> str:
    for name, value in lab.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MAILSEC_VANTAGE_SIGNED_NAME", "f01.lab.test")
    monkeypatch.setenv("MAILSEC_VANTAGE_BOGUS_NAME", "f49.lab.test")
    main(["f01.lab.test", "--json", "--resolver", resolver, "--timeout", "3"])
    captured = capsys.readouterr()
    assert captured.out.count("\n") == 1  # the JSON line, untouched
    return captured.err


def test_the_cli_warns_in_one_line_when_the_resolver_does_not_validate(
    lab: Lab, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _cli(lab, "127.0.53.1:53", monkeypatch, capsys)
    assert err == (
        "warning: DNS resolver 127.0.53.1:53 does not validate DNSSEC: f01.lab.test DNSKEY "
        "came back without the AD bit; DNSSEC and DANE results are unreliable\n"
    )


def test_the_cli_says_nothing_about_a_validating_resolver(
    lab: Lab, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _cli(lab, "127.0.53.2:53", monkeypatch, capsys) == ""


# --- the periodic task, the banner and manage.py selftest ----------------------------------


@pytest.fixture
def alice(db: None) -> User:
    user = User.objects.create_user("alice", "alice@example.org")
    team = Team.create_for(user)
    Profile.objects.create(user=user, current_team=team)
    return user


def _pages(user: User) -> dict[str, str]:
    domain = Domain.objects.create(team=user.memberships.get().team, name="f01.lab.test")
    client = Client()
    client.force_login(user)
    urls = {
        "domains": reverse("domains:index"),
        "domain": reverse("domains:details", args=[domain.code]),
        "freecheck": reverse("freecheck"),
        "account": reverse("accounts:account"),
    }
    pages = {}
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, name
        pages[name] = response.content.decode()
    pages["freecheck, signed out"] = Client().get(urls["freecheck"]).content.decode()
    domain.delete()
    return pages


@pytest.mark.django_db(transaction=True)
def test_the_worker_records_a_broken_vantage_and_result_pages_say_so(
    lab: Lab, alice: User, monkeypatch: pytest.MonkeyPatch, celery_worker: object
) -> None:
    monkeypatch.setenv("MAILSEC_RESOLVER", "127.0.53.1:53")
    monkeypatch.setenv("MAILSEC_ALLOW_PRIVATE_TARGETS", "1")
    monkeypatch.setenv("MAILSEC_CHECK_TIMEOUT", "2")
    forget_vantage()
    try:
        with override_settings(
            MAILSEC_VANTAGE=replace(LAB_TARGETS, smtp_hosts=(DEAD_SMTP, DEAD_SMTP_2))
        ):
            # Through the broker to a worker consuming `probes`, as beat sends it.
            data = check_vantage.delay().get(timeout=60)
        assert data["resolvers"][0]["verdict"] == "broken"
        assert data["port25"]["verdict"] == "broken"
        pages = _pages(alice)
        for name in ("domains", "domain", "freecheck", "freecheck, signed out"):
            assert RESOLVER_PROBLEM in pages[name], name
            assert PORT25_PROBLEM in pages[name], name
        assert RESOLVER_PROBLEM not in pages["account"]

        # Fixed: the next run takes the banner away.
        monkeypatch.setenv("MAILSEC_RESOLVER", "127.0.53.2:53")
        with override_settings(MAILSEC_VANTAGE=replace(LAB_TARGETS, smtp_hosts=())):
            check_vantage.delay().get(timeout=60)
        pages = _pages(alice)
        assert RESOLVER_PROBLEM not in pages["domain"] and PORT25_PROBLEM not in pages["domain"]
    finally:
        forget_vantage()


@pytest.mark.django_db(transaction=True)
def test_selftest_reports_the_vantage_and_fails_on_it_only_when_asked(
    lab: Lab, monkeypatch: pytest.MonkeyPatch, celery_worker: object
) -> None:
    monkeypatch.setenv("MAILSEC_ALLOW_PRIVATE_TARGETS", "1")
    monkeypatch.setenv("MAILSEC_CHECK_TIMEOUT", "2")

    def selftest(*flags: str) -> tuple[str, str]:
        out, err = io.StringIO(), io.StringIO()
        call_command("selftest", "--timeout", "20", *flags, stdout=out, stderr=err)
        return out.getvalue(), err.getvalue()

    monkeypatch.setenv("MAILSEC_RESOLVER", "127.0.53.1:53")
    with override_settings(MAILSEC_VANTAGE=LAB_TARGETS):
        out, err = selftest()
        assert "self-test ok" in out
        assert "vantage: DNSSEC validation, 127.0.53.1:53: broken — does not validate" in out
        assert "vantage: outbound port 25: not tested" in out
        assert err == f"warning: {RESOLVER_PROBLEM}\n"
        with pytest.raises(CommandError, match="does not validate DNSSEC"):
            selftest("--strict-vantage")

    # Validating, port 25 reached: --strict-vantage passes. So does "not tested" above.
    monkeypatch.setenv("MAILSEC_RESOLVER", "127.0.53.2:53")
    with override_settings(MAILSEC_VANTAGE=replace(LAB_TARGETS, smtp_hosts=("mx1.f01.lab.test",))):
        out, err = selftest("--strict-vantage")
    assert "vantage: DNSSEC validation, 127.0.53.2:53: ok — validates DNSSEC" in out
    assert "vantage: outbound port 25: ok — connected to mx1.f01.lab.test" in out
    assert err == ""
    with override_settings(MAILSEC_VANTAGE=LAB_TARGETS):
        out, _ = selftest("--strict-vantage")
    assert "outbound port 25: not tested" in out
