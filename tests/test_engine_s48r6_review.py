"""Review s48r6 of s48r4's MTASTS-10 words for a 5xx or a 429 (261e44c8): "which may pass:
check again in a few minutes" was said whatever the server said of when to ask again. A 429
or a 503 with Retry-After (RFC 9110 §10.2.3; RFC 6585 §4 names it for a 429) tells how long
the server turns requests away: an hour, a day, a date. The words now give that wait where
the server gives one; without one they stay as s48r4 wrote them (control).
"""

from __future__ import annotations

from checks.https import AddressOutcome, HttpsResult
from tests.test_engine_s44e_blind import DKIM, GOOGLE_MX, Case, _check, mail_domain, policy
from tests.test_engine_s44e_blind import served as served_file
from tests.test_engine_s48r4_review import HOST, URL, _one, _run

ADDR = "185.199.108.153"


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


def test_s48r6_mode_none_without_record_after_a_seen_record_says_it_was_announced() -> None:
    """MTASTS-01 for a 'mode: none' file with no record (s48b, s48r4): s48r4 said both "if
    <d> announced a policy before" and "if <d> never announced a policy, publish nothing",
    as "nothing tells mailsec so". An earlier check that saw a valid record and fetched its
    policy (CheckConfig.mtasts_previous) tells it: the record id is named, and the branch
    telling the owner to publish nothing is not offered (senders may hold that policy)."""
    d = "hadone-s48r6.com"
    zone = mail_domain(d, GOOGLE_MX, dkim={"google": DKIM}, more={(f"mta-sts.{d}", "A"): [ADDR]})
    case = Case("none", d, zone, files=served_file(d, policy(mode="none", max_age="86400")))
    report = _check(case, case.files, ("20261101", "0" * 64))
    finding = _one([f for f in report.findings if str(f.status) == "info"], "MTASTS-01")
    assert finding.fix.startswith(
        f"{d} announced a policy before (an earlier check saw its record, id 20261101)"
    )
    assert "never announced" not in finding.fix and "publish nothing" not in finding.fix
    assert "never announced" not in finding.summary
    assert "delete the record and the policy file" in finding.fix
