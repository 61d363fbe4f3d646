"""MTA-STS withdrawals left half done (blind round s48b, tests/test_engine_s48b_blind.py).

A 'mode: none' file served with the _mta-sts record already deleted: senders learn of a new
policy only through a record with a new id (RFC 8461 §3.1), and a missing record cancels no
policy they cached (§3.1, §5.1), so those holding the earlier policy keep applying it until its
max_age runs out; §8.3 deletes the record last. MTASTS-01 said only "senders will not use
it" and offered the record, as for any unannounced file.

A record kept while its policy host is gone (NXDOMAIN) or answers 404: MTASTS-10 offered only
to serve a new policy in testing mode; the removal path (§8.3: 'mode: none' under a new id,
both deleted once the earlier max_age has run out) is offered beside it, since a deleted
policy host is how withdrawals done in the wrong order look.

A policy host that is still an alias (CNAME) of a former MSP's policy hosting, which answers
404: MTASTS-14 said only "serve the policy file with HTTP 200"; it names the alias and its
target now, whose server gave that answer.
"""

from __future__ import annotations

from dataclasses import replace

from checks.dns import DnsAnswer
from checks.findings import Finding
from tests.test_engine_s44e_blind import GOOGLE_MX, Case, policy, run_case, served
from tests.test_engine_s48b_blind import CASES

OLD_HOSTING = "mta-sts.oldmsp-hosting.net"


def _case(name: str) -> Case:
    return next(c for c in CASES if c.name == name)


def _only(findings: list[Finding], check: str, status: str) -> Finding:
    found = [f for f in findings if f.id == check and str(f.status) == status]
    assert len(found) == 1, [(f.id, str(f.status), f.summary) for f in findings]
    return found[0]


def test_mode_none_served_without_record_says_cached_policies_stay() -> None:
    case = _case("decommission-mode-none-served-record-gone")
    report = run_case(case)
    finding = _only(report.findings, "MTASTS-01", "info")
    assert "not announced" in finding.summary
    assert "mode is none" in finding.summary
    assert "cached an earlier policy" in finding.summary
    assert "max_age" in finding.summary
    assert "RFC 8461 §8.3" in finding.summary
    assert f'_mta-sts.{case.domain}. TXT "v=STSv1; id=' in finding.fix
    assert "delete the record and the policy file" in finding.fix
    assert "max_age" in finding.fix


def test_enforce_served_without_record_reads_as_before() -> None:
    case = _case("decommission-mode-none-served-record-gone")
    hosts = [r.split()[1].rstrip(".") for r in GOOGLE_MX]
    enforce = replace(case, files=served(case.domain, policy(*hosts)))
    finding = _only(run_case(enforce).findings, "MTASTS-01", "info")
    assert finding.summary == (
        f"A policy file is served at https://mta-sts.{case.domain}/.well-known/mta-sts.txt "
        f"but not announced: without the _mta-sts.{case.domain} TXT record senders will not "
        "use it."
    )
    assert "cached" not in finding.fix


def test_record_kept_policy_host_gone_offers_the_removal_path() -> None:
    case = _case("decommission-record-kept-policy-host-gone")
    finding = _only(run_case(case).findings, "MTASTS-10", "fail")
    # The policy to serve stays the first step; the withdrawal is the alternative.
    assert finding.fix.startswith("1. Serve this file")
    assert "If MTA-STS is being withdrawn instead" in finding.fix
    assert "mode: none" in finding.fix
    assert "RFC 8461 §8.3" in finding.fix


def test_record_kept_policy_url_404_offers_the_removal_path() -> None:
    finding = _only(
        run_case(_case("policy-host-cname-to-old-msp-404")).findings, "MTASTS-10", "fail"
    )
    assert "If MTA-STS is being withdrawn instead" in finding.fix
    assert "mode: none" in finding.fix


def test_404_through_an_alias_names_the_alias_target() -> None:
    """mta-sts.<d> still a CNAME to a former MSP's policy hosting, which answers 404: the
    answer is that host's, and MTASTS-14's fix names it (the fetch keeps the CNAME chain in
    its DNS answers, as checks.https.fetch does)."""
    case = _case("policy-host-cname-to-old-msp-404")
    host = f"mta-sts.{case.domain}"
    files = {
        url: replace(
            r,
            dns=[DnsAnswer(name=host, rdtype="A", rcode="NOERROR", cnames=[OLD_HOSTING])],
        )
        for url, r in case.files.items()
    }
    finding = _only(run_case(replace(case, files=files)).findings, "MTASTS-14", "fail")
    assert f"{host} is an alias (CNAME) of {OLD_HOSTING}" in finding.fix
    assert f"point {host} at the host that serves its policy now" in finding.fix


def test_404_without_an_alias_reads_as_before() -> None:
    case = _case("policy-host-cname-to-old-msp-404")
    files = {url: replace(r, dns=[]) for url, r in case.files.items()}
    finding = _only(run_case(replace(case, files=files)).findings, "MTASTS-14", "fail")
    assert finding.fix == (
        f"Serve the policy file at https://mta-sts.{case.domain}/.well-known/mta-sts.txt "
        "with HTTP 200 (it answers HTTP 404 now)."
    )
