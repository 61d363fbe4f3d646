"""MTASTS-18 (Cache-Control on the policy response): info only, and what a proxy may do with it.

RFC 8461 §3.3: senders MUST NOT use HTTP caching; §8.2 suggests max-age=60 for reverse proxies.
A long lifetime lets a proxy serve the old policy after an update, which a sender fetching for
the new id then keeps. The lab scenarios s14_cc* check the same against a real HTTPS host.
"""

from __future__ import annotations

import pytest

from checks.findings import Status
from checks.https import HttpsResult
from checks.mtasts import _fetch_problems

BODY = b"version: STSv1\r\nmode: enforce\r\nmx: mx1.example.com\r\nmax_age: 604800\r\n"


def _cache_problems(cache: str | None) -> list[tuple[Status, str]]:
    headers = {"content-type": "text/plain"}
    if cache is not None:
        headers["cache-control"] = cache
    result = HttpsResult(
        url="https://mta-sts.example.com/.well-known/mta-sts.txt",
        host="mta-sts.example.com",
        status=200,
        headers=headers,
        body=BODY,
    )
    return [(p.status, p.message) for p in _fetch_problems(result) if p.check_id == "MTASTS-18"]


def test_it_says_nothing_without_cache_control() -> None:
    assert _cache_problems(None) == []


@pytest.mark.parametrize(
    "cache",
    [
        "no-store",
        "max-age=60",
        "max-age=0",
        "max-age=3600, no-cache",
        "private, max-age=86400",
        "s-maxage=30, max-age=86400",
    ],
)
def test_it_does_not_warn_of_stale_copies_a_proxy_cannot_keep(cache: str) -> None:
    ((status, message),) = _cache_problems(cache)
    assert status == Status.INFO
    assert f"Cache-Control: {cache}." in message
    assert "old policy" not in message


@pytest.mark.parametrize(
    ("cache", "span"),
    [
        ("max-age=31557600", "365 days"),
        ("public, max-age=604800", "7 days"),
        ('max-age="7200"', "2 hours"),
        ("max-age=30, s-maxage=86400", "24 hours"),
        ('no-cache="Set-Cookie", max-age=600', "10 minutes"),
    ],
)
def test_it_says_a_proxy_may_serve_an_old_policy_for_a_long_lifetime(cache: str, span: str) -> None:
    ((status, message),) = _cache_problems(cache)
    assert status == Status.INFO  # never more than info (checklist MTASTS-18)
    assert "old policy" in message and "60 s" in message, message
    assert f"up to {span} " in message, message
