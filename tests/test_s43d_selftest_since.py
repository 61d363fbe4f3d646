"""`manage.py selftest` names the time our resolver went down as the banner does: found by a
new user's walk through the docs (task s43d). With a fresh `make run` on a machine whose
resolver sees no public DNS, the domain pages said "... do not exist since 04:56 UTC" (the
first kept result that saw it, docs/configuration.md) while `selftest`, run at 05:21, said
"since 05:21 UTC": its own answer, carried over from nothing. It now carries over this
machine's kept result (as the beat's task does); it still keeps nothing itself.

Real parts: a real Celery worker for the ping, a DNS server on loopback that answers NXDOMAIN
for every name (tests.test_vantage_s36o.canary_dns), the cache the pages read."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.test import override_settings

from checks.vantage import VantageTargets
from mailsec.tasks import forget_vantage, keep_vantage, latest_vantage, pages_vantage
from tests.test_vantage_s36o import _down, _ok, canary_dns


@pytest.fixture
def clean_cache() -> Iterator[None]:
    forget_vantage()
    yield
    forget_vantage()


def _selftest() -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("selftest", "--timeout", "20", stdout=out, stderr=err)
    return err.getvalue()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("clean_cache")
def test_selftest_says_since_when_the_kept_result_says(
    monkeypatch: pytest.MonkeyPatch, celery_worker: object
) -> None:
    monkeypatch.setenv("MAILSEC_CHECK_TIMEOUT", "2")
    went_down = (datetime.now(UTC) - timedelta(minutes=25)).replace(second=0, microsecond=0)
    keep_vantage(_down(went_down + timedelta(minutes=20), since=went_down))
    with override_settings(MAILSEC_VANTAGE=VantageTargets()), canary_dns({}) as sees_nothing:
        monkeypatch.setenv("MAILSEC_RESOLVER", sees_nothing)
        err = _selftest()
    banner = pages_vantage()
    assert banner is not None
    (said,) = banner.problems()
    since = f"since {went_down:%H:%M} UTC"
    assert since in said  # the pages' banner
    assert "do not exist " + since in err, err  # selftest's own words, the banner's time
    # It keeps nothing: the kept result is still the one the beat's task would have kept.
    kept = latest_vantage()
    assert kept is not None and kept.resolver_down_since == went_down.isoformat("T", "seconds")


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("clean_cache")
def test_selftest_after_a_good_kept_result_says_now(
    monkeypatch: pytest.MonkeyPatch, celery_worker: object
) -> None:
    """The control: a resolver that answered well at the last kept result went down since."""
    monkeypatch.setenv("MAILSEC_CHECK_TIMEOUT", "2")
    keep_vantage(_ok(datetime.now(UTC) - timedelta(minutes=30)))
    before = datetime.now(UTC).replace(second=0, microsecond=0)
    with override_settings(MAILSEC_VANTAGE=VantageTargets()), canary_dns({}) as sees_nothing:
        monkeypatch.setenv("MAILSEC_RESOLVER", sees_nothing)
        err = _selftest()
    after = datetime.now(UTC)
    times = {f"since {moment:%H:%M} UTC" for moment in (before, after)}
    assert any(t in err for t in times), err
