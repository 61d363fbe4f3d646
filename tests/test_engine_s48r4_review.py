"""Review s48r4 of s48b's engine wording (34313652, 3477c369, 0555086b), on the non-lab harness
of tests/test_engine_s44e_blind.py: each case that reaches MTASTS-10, MTASTS-01's 'mode: none'
file without a record, and DKIM-01's alias of an empty name.

MTASTS-10 gave every policy host that serves no file (gone, refusing, any status but 200) the
file to serve and, since s48b, the removal path (RFC 8461 §8.3). Two cases read wrong:
* a 5xx is an error of the server itself (RFC 9110 §15.6), a 429 a rate limit (RFC 6585 §4),
  often passing; a new testing file and a new id could replace a sound policy behind it with
  a weaker one, and the removal path read a fault as a withdrawal. Where the body is no policy
  file, the fix now says what the answer is and that a new file or id mends nothing while it
  lasts, as for a TLS failure (status fail as before: checklist MTASTS-14);
* a first record published before its policy host is up: nobody ever cached a policy, and
  withdrawing it needs only the record deleted. Where mailsec never fetched a policy there
  (no CheckConfig.mtasts_previous), the removal path says so.
A timeout or a failed lookup stays "could not check" with no MTASTS-10; a TLS failure keeps
its own fix, without withdrawal words (controls).

MTASTS-01 for a 'mode: none' file with no record presumed a withdrawal: its fix published a
record for a domain that may never have announced a policy, where nothing is cached and the
file changes nothing. Both branches are said now.
"""

from __future__ import annotations

from checks.findings import Finding
from checks.https import AddressOutcome, HttpsResult
from tests.test_engine_s44e_blind import DKIM, GOOGLE_MX, Case, mail_domain, policy, run_case
from tests.test_engine_s44e_blind import served as served_file

D = "firstrecord-s48r4.com"
URL = f"https://mta-sts.{D}/.well-known/mta-sts.txt"
HOST = f"mta-sts.{D}"
ADDRESS = "185.199.108.153"
WITHDRAW = "If MTA-STS is being withdrawn instead"
NEVER = "deleting the record is all a withdrawal needs"


def _zone(host_up: bool = True) -> dict:
    zone = mail_domain(D, GOOGLE_MX, sts_id="20261201", dkim={"google": DKIM})
    if not host_up:
        zone.pop((HOST, "A"))
    return zone


def _status(status: int, body: bytes = b"error") -> HttpsResult:
    return HttpsResult(
        url=URL,
        host=HOST,
        status=status,
        body=body,
        headers={"content-type": "text/html"},
        per_address=[AddressOutcome(ADDRESS, True, status=status)],
    )


def _run(result: HttpsResult, host_up: bool = True, previous: str | None = None) -> list[Finding]:
    case = Case("s48r4", D, _zone(host_up), files={URL: result})
    if previous is not None:
        case.previous = ("20261201", previous)
    return run_case(case).findings


def _one(findings: list[Finding], check: str) -> Finding:
    found = [f for f in findings if f.id == check]
    assert len(found) == 1, [(f.id, str(f.status), f.summary) for f in findings]
    return found[0]


def _no_withdrawal_words(findings: list[Finding]) -> None:
    for f in findings:
        assert "withdrawn" not in f.fix and "withdraw" not in f.summary, (f.id, f.fix)


def test_5xx_is_a_server_error_not_a_file_to_replace() -> None:
    for status in (500, 502, 503):
        findings = _run(_status(status, b"<html>Service Unavailable</html>"))
        finding = _one(findings, "MTASTS-10")
        assert str(finding.status) == "fail"
        assert f"answers HTTP {status}, an error of the server at {HOST} itself" in finding.fix
        assert "check again in a few minutes" in finding.fix
        assert "A new policy file or a new id in the record mends nothing" in finding.fix
        assert "mode: testing" not in finding.fix
        assert str(_one(findings, "MTASTS-14").status) == "fail"
        _no_withdrawal_words(findings)


def test_429_is_the_server_turning_requests_away() -> None:
    findings = _run(_status(429, b"Too Many Requests"))
    finding = _one(findings, "MTASTS-10")
    assert str(finding.status) == "fail"
    assert "answers HTTP 429, the server at " in finding.fix
    assert "RFC 6585 §4" in finding.fix
    assert "mode: testing" not in finding.fix
    _no_withdrawal_words(findings)


def test_503_carrying_a_policy_keeps_the_fixes_for_a_served_file() -> None:
    """A body that is the policy: served with the wrong status, not an outage. A sound one is
    asked for with 200 (s45l); a stale one (an MX missing) keeps the file to serve."""
    hosts = [r.split()[1].rstrip(".") for r in GOOGLE_MX]
    finding = _one(_run(_status(503, policy(*hosts).encode())), "MTASTS-10")
    assert "answers HTTP 503 with a valid policy as its body" in finding.fix
    finding = _one(_run(_status(503, policy(hosts[0]).encode())), "MTASTS-10")
    assert finding.fix.startswith("1. Serve this file")
    assert "an error of the server" not in finding.fix


def test_first_record_host_not_up_says_deleting_the_record_is_enough() -> None:
    gone = HttpsResult(
        url=URL, host=HOST, error_kind="dns", error=f"{HOST} does not exist in DNS (NXDOMAIN)"
    )
    finding = _one(_run(gone, host_up=False), "MTASTS-10")
    assert finding.fix.startswith("1. Serve this file")
    assert WITHDRAW in finding.fix
    assert "If no policy was ever served under this record" in finding.fix
    assert NEVER in finding.fix


def test_404_never_seen_served_says_deleting_the_record_is_enough() -> None:
    finding = _one(_run(_status(404, b"Not Found")), "MTASTS-10")
    assert WITHDRAW in finding.fix
    assert NEVER in finding.fix


def test_404_after_a_policy_was_seen_keeps_the_removal_path_only() -> None:
    """mailsec fetched a policy there before (mtasts_previous): senders may hold it."""
    hosts = [r.split()[1].rstrip(".") for r in GOOGLE_MX]
    finding = _one(_run(_status(404, b"Not Found"), previous=policy(*hosts)), "MTASTS-10")
    assert WITHDRAW in finding.fix
    assert "mode: none" in finding.fix
    assert NEVER not in finding.fix


def test_timeout_stays_could_not_check_without_mtasts10() -> None:
    timeout = HttpsResult(
        url=URL,
        host=HOST,
        error_kind="timeout",
        error="timed out after 20 s",
        per_address=[AddressOutcome(ADDRESS, False, error_kind="timeout", error="timed out")],
    )
    findings = _run(timeout)
    assert str(_one(findings, "MTASTS-11").status) == "error"
    assert not [f for f in findings if f.id == "MTASTS-10"]
    _no_withdrawal_words(findings)


def test_tls_failure_keeps_its_own_fix_without_withdrawal() -> None:
    tls = HttpsResult(url=URL, host=HOST, error_kind="tls", error="handshake failure")
    findings = _run(tls)
    finding = _one(findings, "MTASTS-10")
    assert "the fix of MTASTS-13 says what to change" in finding.fix
    _no_withdrawal_words(findings)


def test_mode_none_without_record_says_both_branches() -> None:
    d = "neverhad-s48r4.com"
    zone = mail_domain(d, GOOGLE_MX, dkim={"google": DKIM}, more={(f"mta-sts.{d}", "A"): [ADDRESS]})
    case = Case("none", d, zone, files=served_file(d, policy(mode="none", max_age="86400")))
    finding = _one([f for f in run_case(case).findings if str(f.status) == "info"], "MTASTS-01")
    # As s48b: the withdrawal whose record went first.
    assert "cached an earlier policy" in finding.summary
    assert f'_mta-sts.{d}. TXT "v=STSv1; id=' in finding.fix
    assert "delete the record and the policy file" in finding.fix
    # And a domain that never announced a policy: nothing cached, nothing to publish.
    assert f"If {d} never announced a policy, no sender has one cached" in finding.summary
    assert finding.fix.startswith(f"If {d} announced a policy before")
    assert f"If {d} never announced a policy, no sender has one cached: publish nothing" in (
        finding.fix
    )
