"""s35o against the lab: a resolver that does not answer (nothing listens on 127.0.142.3:53) is
"down". The periodic task, run by a real worker, keeps that with the time it was first seen;
the result pages say so in plain words; `selftest --strict-vantage` exits 1; a domain checked
through it meanwhile raises nothing and leaves the baseline where it was (it could look nothing
up), and the first check once the lab's validating resolver is back is compared. The NXDOMAIN-for-everything resolver: tests/test_alerts_s35o_vantage.py."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test.utils import override_settings
from django.utils import timezone

from checks.vantage import RESOLVER_PROBLEM
from mailsec.alerts.models import AlertState, Change
from mailsec.domains.models import CheckRun, Domain
from mailsec.domains.tasks import run_check
from mailsec.tasks import check_vantage, forget_vantage
from tests.lab.control import Lab
from tests.test_lab_s19p_vantage import LAB_TARGETS, NOBODY, VALIDATING, _pages
from tests.test_lab_s19p_vantage import alice as alice  # a fixture

pytestmark = pytest.mark.lab

NOT_ANSWERING = "Our DNS resolver has not been answering since"
NOTHING_WRONG = "Nothing is wrong with your domain because of it."


def _use(monkeypatch: pytest.MonkeyPatch, resolver: tuple[str, int]) -> None:
    monkeypatch.setenv("MAILSEC_RESOLVER", f"{resolver[0]}:{resolver[1]}")


@pytest.fixture
def lab_env(lab: Lab, monkeypatch: pytest.MonkeyPatch) -> Lab:
    for name, value in lab.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MAILSEC_CHECK_TIMEOUT", "2")
    forget_vantage()
    return lab


@pytest.mark.django_db(transaction=True)
def test_a_dead_resolver_is_down_on_the_pages_and_fails_a_strict_selftest(
    lab_env: Lab, alice: User, monkeypatch: pytest.MonkeyPatch, celery_worker: object
) -> None:
    _use(monkeypatch, NOBODY)
    with override_settings(MAILSEC_VANTAGE=LAB_TARGETS):
        first = check_vantage.delay().get(timeout=60)  # through the broker, as beat sends it
        assert first["resolvers"][0]["verdict"] == "down", first
        assert first["resolver_down_since"] == first["checked_at"]
        pages = _pages(alice)
        for name in ("domains", "domain", "freecheck", "freecheck, signed out"):
            assert NOT_ANSWERING in pages[name], name
            assert NOTHING_WRONG in pages[name], name
            assert RESOLVER_PROBLEM not in pages[name], name
        assert NOT_ANSWERING not in pages["account"]

        out, err = io.StringIO(), io.StringIO()
        with pytest.raises(CommandError, match="has not been answering"):
            call_command("selftest", "--strict-vantage", stdout=out, stderr=err)
        assert "vantage: DNSSEC validation, 127.0.142.3:53: down — does not answer" in (
            out.getvalue()
        )

        # Back: the next run takes the banner away.
        _use(monkeypatch, VALIDATING)
        well = check_vantage.delay().get(timeout=60)
    assert well["resolvers"][0]["verdict"] == "ok" and well["resolver_down_since"] == ""
    assert NOT_ANSWERING not in _pages(alice)["domain"]


def _checked(domain: Domain, kind: str) -> CheckRun:
    run, _ = domain.request_check(kind=kind)
    run_check(str(run.code))
    run.refresh_from_db()
    assert run.status == CheckRun.Status.DONE, run.error
    return run


@pytest.mark.django_db(transaction=True)
def test_a_check_through_the_dead_resolver_raises_nothing(
    lab_env: Lab, alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    team = alice.memberships.get().team
    domain = Domain.objects.create(team=team, name="f01.lab.test", verified_at=timezone.now())
    targets = replace(LAB_TARGETS, smtp_hosts=())
    try:
        with override_settings(MAILSEC_VANTAGE=targets):
            _use(monkeypatch, VALIDATING)
            check_vantage()
            reference = _checked(domain, "scheduled")
            assert AlertState.objects.get(domain=domain).baseline_run == reference

            _use(monkeypatch, NOBODY)
            assert check_vantage()["resolvers"][0]["verdict"] == "down"
            meanwhile = _checked(domain, "scheduled")
            assert meanwhile.score is None  # nothing could be looked up
            # Compared (lead, e082f155: only a run the fault explains waits), but a run that
            # could look nothing up raises nothing and does not move the baseline.
            assert not Change.objects.filter(domain=domain).exists()
            state = AlertState.objects.get(domain=domain)
            assert state.baseline_run == reference

            _use(monkeypatch, VALIDATING)
            check_vantage()
            after = _checked(domain, "scheduled")
            state = AlertState.objects.get(domain=domain)
            assert state.last_run == after  # compared again
        assert not Change.objects.filter(domain=domain).exists()
    finally:
        forget_vantage()
