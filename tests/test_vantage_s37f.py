"""Task s37f, item 1: the self-check's results are read from each machine's own key only.

"vantage:machines" was s36o's draft of one value for every machine; no deployed release wrote
it (commit 3c55a57c), yet _kept still read it on every page with the banner. The read is gone:
a value left under that name (by hand, or by a draft build) shows nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from django.core.cache import cache
from django.test import override_settings

import mailsec.tasks as tasks
from checks.vantage import Answer, ResolverAnswer, VantageResult, Verdict
from mailsec.tasks import keep_vantage, kept_vantage, latest_vantage


def _result(verdict: Verdict) -> VantageResult:
    return VantageResult(
        checked_at=datetime.now(UTC).isoformat(timespec="seconds"),
        resolvers=[ResolverAnswer(verdict, "w", resolver="192.0.2.53:53")],
        port25=Answer(Verdict.NOT_TESTED, "w"),
    )


@pytest.fixture
def clean() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
@pytest.mark.usefixtures("clean")
def test_the_drafts_one_value_is_not_read() -> None:
    now = datetime.now(UTC).isoformat()
    draft = {
        "probe-old": {"kept_at": now, "result": _result(Verdict.BROKEN).to_dict()},
        "probe-a": {"kept_at": now, "result": _result(Verdict.DOWN).to_dict()},
    }
    cache.set("vantage:machines", draft, 3600)
    keep_vantage(_result(Verdict.OK), machine="probe-a")
    kept = kept_vantage()
    assert set(kept) == {"probe-a"}
    assert kept["probe-a"].resolver_verdict == Verdict.OK
    with override_settings(MAILSEC_VANTAGE_ID="probe-old"):
        assert latest_vantage() is None
    shown = tasks.pages_vantage()  # all is well: no banner from the draft's value
    assert shown is not None and not shown.broken


@pytest.mark.django_db
@pytest.mark.usefixtures("clean")
def test_other_shapes_under_a_machines_key_or_the_index_are_ignored() -> None:
    """What test_vantage_s36j checked of the draft's value, now of the keys that are read."""
    keep_vantage(_result(Verdict.OK), machine="probe-a")
    for shape in ("x", ["probe-a"], {"checked_at": "x", "resolver": "broken"}, {"kept_at": "x"}):
        cache.set(tasks._machine_key("probe-b"), shape, 60)
        cache.set(tasks.VANTAGE_INDEX_KEY, ["probe-a", "probe-b"], 60)
        assert set(kept_vantage()) == {"probe-a"}
        assert latest_vantage("probe-b") is None
    cache.set(tasks.VANTAGE_INDEX_KEY, {"not": "a list"}, 60)
    assert latest_vantage("probe-a") is not None
