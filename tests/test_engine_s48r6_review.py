"""Review s48r6 of s48r4's MTASTS-10 words for a 5xx or a 429 (261e44c8): "which may pass:
check again in a few minutes" was said whatever the server said of when to ask again. A 429
or a 503 with Retry-After (RFC 9110 §10.2.3; RFC 6585 §4 names it for a 429) tells how long
the server turns requests away: an hour, a day, a date. The words now give that wait where
the server gives one; without one they stay as s48r4 wrote them (control).
"""

from __future__ import annotations

from checks.https import AddressOutcome, HttpsResult
from tests.test_engine_s48r4_review import HOST, URL, _one, _run


def _status(status: int, retry_after: str | None) -> HttpsResult:
    headers = {"content-type": "text/html"}
    if retry_after is not None:
        headers["retry-after"] = retry_after
    return HttpsResult(
        url=URL,
        host=HOST,
        status=status,
        body=b"<html>busy</html>",
        headers=headers,
        per_address=[AddressOutcome("185.199.108.153", True, status=status)],
    )


def test_s48r6_429_with_retry_after_seconds_names_the_wait() -> None:
    fix = _one(_run(_status(429, "3600")), "MTASTS-10").fix
    assert "a few minutes" not in fix
    assert "Retry-After" in fix and "60 minutes" in fix
    assert "RFC 9110 §10.2.3" in fix


def test_s48r6_503_with_retry_after_date_names_it() -> None:
    fix = _one(_run(_status(503, "Sun, 06 Dec 2026 08:00:00 GMT")), "MTASTS-10").fix
    assert "a few minutes" not in fix
    assert "2026-12-06 08:00 UTC" in fix


def test_s48r6_retry_after_unreadable_or_absent_keeps_the_words() -> None:
    for value in (None, "soon", "-5"):
        fix = _one(_run(_status(429, value)), "MTASTS-10").fix
        assert "check again in a few minutes" in fix, value
        assert "Retry-After" not in fix, value
