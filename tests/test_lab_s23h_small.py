"""Three small engine items from the s23f review (checks.engine._with_policy, MX-04's dangling
alias, TLS-RPT left over at a null MX).

1. checks.engine._with_policy runs after every mechanism, outside any time limit. It may only
   use the MTA-STS policy the run already has (the ctx.once cache): a run whose MTA-STS check
   timed out, or finished without fetching the policy, must not make it start a fetch or wait
   for one.
2. mtasts.alias_fix_under_policy tells a dangling alias from MX-04's evidence (cname_dangling),
   not from the words of MX-04's fix.
3. s23e-parkedsts: a null-MX domain that still publishes `_smtp._tls` hears that the TLS-RPT
   record is left over and can be deleted (no sender reports on delivery to a domain that
   takes no mail, RFC 7505 §3, RFC 8460 §3), as MTASTS-01 says of its MTA-STS leftovers; the
   status stays "not applicable".
"""

from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace
from typing import Any

import pytest

from checks import engine, https, mtasts, mx, scoring, starttls, tlsrpt
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.findings import DomainReport, Finding, Mechanism, Status
from tests.lab.scenarios import Scenario, load_scenarios
from tests.test_mtasts import FakeProbe
from tests.test_mx import FakeDns

SCENARIOS: dict[str, Scenario] = {
    s.path.stem.removeprefix("s23e_"): s
    for s in load_scenarios()
    if s.path.stem in {"s23e_parkedsts", "s23e_parkedgood"}
}
# Checked together up front with the other selected scenarios (tests.lab.pytest_plugin).
SCENARIO_REPORTS = list(SCENARIOS.values())

W, NA = Status.WARN, Status.NA
D = "example.org"
MX_HOST, TARGET = "mail.example.org", "mx.host.example"
ZONE: dict[tuple[str, str], list[str] | str] = {
    (D, "MX"): [f"10 {MX_HOST}."],
    (TARGET, "A"): ["192.0.2.7"],
    (f"_mta-sts.{D}", "TXT"): ['"v=STSv1; id=20260101T0000"'],
}
# An enforce policy naming the alias only: MX-04's fix alone would make MTASTS-30 fail.
ENFORCE = f"version: STSv1\r\nmode: enforce\r\nmx: {MX_HOST}\r\nmax_age: 604800\r\n"
PLAIN_FIX = f"{D}. MX 10 {TARGET}."


class Fetches:
    """https.fetch for the policy: counts the fetches; serves ENFORCE, or never answers."""

    def __init__(self, hang: bool) -> None:
        self.hang = hang
        self.urls: list[str] = []

    async def __call__(self, ctx: Any, url: str, **kw: Any) -> https.HttpsResult:
        self.urls.append(url)
        if self.hang:
            await asyncio.sleep(30)
        result = https.HttpsResult(url=url, host=url.split("/")[2], elapsed_ms=5.0)
        result.status = 200
        result.headers = {"content-type": "text/plain; charset=utf-8"}
        result.body = ENFORCE.encode()
        result.per_address = [https.AddressOutcome("192.0.2.13", True, status=200)]
        return result


def _check(
    monkeypatch: pytest.MonkeyPatch,
    modules: list[Any],
    fetch: Fetches,
    cnames: dict[str, str] | None = None,
) -> tuple[DomainReport, float]:
    """check_domain on ZONE (the real engine, the mechanisms given), with the time it took; a
    run still going after 10 s fails the test (the stuck fetch would take 30 s)."""
    dns = FakeDns(ZONE, cnames={MX_HOST: TARGET} if cnames is None else cnames)

    def context(name: str, config: CheckConfig) -> CheckContext:
        return CheckContext(name, config, dns=dns)  # type: ignore[arg-type]

    async def probe_mx(ctx: Any, host: str, address: str) -> FakeProbe:
        return FakeProbe()

    monkeypatch.setattr(engine, "CheckContext", context)
    monkeypatch.setattr(engine, "mechanism_modules", lambda: modules)
    monkeypatch.setattr(https, "fetch", fetch)
    monkeypatch.setattr(starttls, "probe_mx", probe_mx)
    # Mechanism budget: 10 × 0.05 s.
    config = CheckConfig(timeout=0.05, extra_public_suffixes=("test", "example"))
    started = time.monotonic()
    report = asyncio.run(asyncio.wait_for(engine.check_domain(D, config), 10))
    return report, time.monotonic() - started


def _mx04(report: DomainReport) -> Finding:
    (found,) = [f for f in report.findings if f.id == "MX-04"]
    assert found.status == W and found.evidence.get("cname_target") == TARGET
    return found


def _stand_in(mechanism: Mechanism, evaluate: Any) -> SimpleNamespace:
    return SimpleNamespace(MECHANISM=mechanism, evaluate=evaluate)


# ------------------------------------------------------ 1. _with_policy waits for nothing


def test_mx04_under_the_policy_the_run_fetched_lists_the_target_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The real MTA-STS check fetched the policy once; MX-04's fix uses it, with no new fetch.
    fetch = Fetches(hang=False)
    report, _ = _check(monkeypatch, [mx, mtasts], fetch)
    fix = _mx04(report).fix
    assert fix.startswith(f"First list {TARGET} in the MTA-STS policy (mode enforce)"), fix
    assert fix.index(f"mx: {TARGET}") < fix.index(PLAIN_FIX)
    assert len(fetch.urls) == 1


def test_a_timed_out_mtasts_check_starts_no_fetch_and_waits_for_none(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The policy server never answers: the MTA-STS check ends as ENGINE-01 (timed out) while
    # its fetch goes on (shielded in ctx.once). MX-04 keeps its fix; the run ends at once.
    fetch = Fetches(hang=True)
    report, took = _check(monkeypatch, [mx, mtasts], fetch)
    assert [(f.id, f.status) for f in report.findings if f.mechanism == Mechanism.MTASTS] == [
        ("ENGINE-01", Status.ERROR)
    ]
    assert _mx04(report).fix == PLAIN_FIX
    assert len(fetch.urls) == 1  # the MTA-STS check's own, none after it
    assert took < 5


def test_an_mtasts_check_that_fetched_nothing_gets_no_fetch_after_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Every MTA-STS path with MX hosts fetches the policy today; were one to end without it,
    # _with_policy must not fetch it then, outside every time limit.
    async def no_fetch(ctx: Any) -> list[Finding]:
        return [Finding("MTASTS-01", Status.INFO, Mechanism.MTASTS, "no policy asked for")]

    fetch = Fetches(hang=True)
    report, took = _check(monkeypatch, [mx, _stand_in(Mechanism.MTASTS, no_fetch)], fetch)
    assert _mx04(report).fix == PLAIN_FIX
    assert fetch.urls == [] and took < 5


def test_a_fetch_another_check_left_running_is_not_waited_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The STARTTLS check started the policy fetch and timed out; the MTA-STS check ended
    # without it. The fetch is still running: _with_policy must not wait for it.
    async def waits_for_policy(ctx: Any) -> list[Finding]:
        await mtasts.get_policy(ctx)
        return []

    async def no_fetch(ctx: Any) -> list[Finding]:
        await asyncio.sleep(0.01)  # after the STARTTLS stand-in started the fetch
        return [Finding("MTASTS-01", Status.INFO, Mechanism.MTASTS, "no policy asked for")]

    fetch = Fetches(hang=True)
    modules = [
        mx,
        _stand_in(Mechanism.MTASTS, no_fetch),
        _stand_in(Mechanism.SMTP, waits_for_policy),
    ]
    report, took = _check(monkeypatch, modules, fetch)
    assert ("ENGINE-01", Mechanism.SMTP) in [(f.id, f.mechanism) for f in report.findings]
    assert _mx04(report).fix == PLAIN_FIX
    assert len(fetch.urls) == 1 and took < 5


# ------------------------------------------------ 2. a dangling alias, from MX-04's evidence


def test_mx04_says_in_its_evidence_whether_the_alias_dangles(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # mail.example.org CNAME gone.host.example, which does not exist, under the enforce
    # policy: no record can point the MX at the target, so MX-04's fix stays as it was.
    fetch = Fetches(hang=False)
    report, _ = _check(monkeypatch, [mx, mtasts], fetch, cnames={MX_HOST: "gone.host.example"})
    (dangling,) = [f for f in report.findings if f.id == "MX-04"]
    assert dangling.evidence["cname_dangling"] is True
    assert dangling.fix == f"{D}. MX 10 <your mail server's host name>."
    # An alias whose target exists says no such thing.
    report, _ = _check(monkeypatch, [mx, mtasts], Fetches(hang=False))
    assert "cname_dangling" not in _mx04(report).evidence


def test_alias_fix_under_policy_reads_the_dangling_alias_from_the_evidence() -> None:
    state = mtasts.MtaStsState(record_status="valid", answer=None)
    state.record = mtasts.parse_sts_record("v=STSv1; id=20260101")
    state.candidates = [state.record]
    state.policy = mtasts.parse_policy(ENFORCE.encode())
    state.mode, state.patterns, state.usable = "enforce", list(state.policy.mx), True
    evidence: dict[str, Any] = {"host": MX_HOST, "preference": 10, "cname_target": TARGET}
    # A fix that names the target, for an alias that dangles: still nothing to point at.
    dangling = Finding(
        "MX-04",
        W,
        Mechanism.MX,
        f"The MX target {MX_HOST} is an alias for {TARGET}, which does not exist.",
        subject=MX_HOST,
        evidence={**evidence, "cname_dangling": True},
        fix=f"Point the MX at the real host, not at {TARGET}.",
    )
    assert mtasts.alias_fix_under_policy(dangling, state, D) == dangling.fix
    # The same fix without the mark: the target goes into the policy first.
    alive = Finding("MX-04", W, Mechanism.MX, "", subject=MX_HOST, evidence=evidence, fix=PLAIN_FIX)
    assert mtasts.alias_fix_under_policy(alive, state, D).startswith(f"First list {TARGET}")


# ------------------------------------------------------ 3. TLS-RPT left over at a null MX


@pytest.mark.lab
def test_parkedsts_says_the_tlsrpt_record_is_left_over(lab: Any) -> None:
    from tests.test_engine_lab import assert_rows, readable_text, scenario_report

    report = scenario_report(lab, SCENARIOS["parkedsts"])
    assert not report.error, report.error
    domain = "s23e-parkedsts.lab.test"
    found = [f for f in report.findings if f.mechanism == Mechanism.TLSRPT]
    assert [(f.id, f.status) for f in found] == [("TLSRPT-01", NA)]  # status unchanged
    assert_rows(
        report,
        [
            (
                "TLSRPT-01",
                NA,
                (
                    "null mx",
                    "does not apply",
                    "left over",
                    "can be deleted",
                    "rfc 7505",
                    f"delete the tls-rpt record at _smtp._tls.{domain}",
                    f"_smtp._tls.{domain}. txt",
                    "v=tlsrptv1; rua=https://rpt.lab.test/v1/tlsrpt",
                ),
            )
        ],
        readable_text,
    )
    # Still not scored: TLS-RPT does not apply to a domain that receives no mail.
    assert report.score_detail["categories"]["tls-rpt"]["reason"] == "does not apply"
    assert scoring.receives_no_mail(report.score_detail, [f.id for f in report.findings])
    # A parked domain with no _smtp._tls record hears nothing of the kind.
    parked = scenario_report(lab, SCENARIOS["parkedgood"])
    (plain,) = [f for f in parked.findings if f.mechanism == Mechanism.TLSRPT]
    assert plain.status == NA and not plain.fix
    assert "left over" not in readable_text(plain)


NULL_MX: dict[tuple[str, str], list[str] | str] = {(D, "MX"): ["0 ."]}
RECORD = "v=TLSRPTv1; rua=mailto:tls@reports.example"


def _tlsrpt(zone: dict[tuple[str, str], list[str] | str], **kw: Any) -> list[Finding]:
    ctx = CheckContext(D, CheckConfig(), dns=FakeDns(zone, **kw))  # type: ignore[arg-type]
    return asyncio.run(tlsrpt.evaluate(ctx))


def test_a_null_mx_with_a_tlsrpt_record_is_told_to_delete_it() -> None:
    (finding,) = _tlsrpt({**NULL_MX, (f"_smtp._tls.{D}", "TXT"): [f'"{RECORD}"']})
    assert (finding.id, finding.status) == ("TLSRPT-01", NA)
    assert finding.summary.startswith(f"{D} accepts no mail (null MX), so TLS reporting does")
    assert f"TLS-RPT record (_smtp._tls.{D}) is left over" in finding.summary
    assert "RFC 7505 §3" in finding.summary and "can be deleted" in finding.summary
    assert f'_smtp._tls.{D}. TXT "{RECORD}"' in finding.fix
    assert finding.fix.startswith(f"Delete the TLS-RPT record at _smtp._tls.{D}")
    assert finding.evidence["answers"]  # the lookup, as TLSRPT-01 stores it elsewhere
    # Without the record: the one sentence as before.
    (plain,) = _tlsrpt(NULL_MX)
    assert plain.summary == f"{D} accepts no mail (null MX), so TLS reporting does not apply."
    assert (plain.status, plain.fix, plain.evidence) == (NA, "", {})


def test_a_null_mx_with_two_records_and_an_alias_names_them_all_at_the_target() -> None:
    other = "v=TLSRPTv1; rua=https://reports.example/tlsrpt"
    zone = {**NULL_MX, ("rpt.msp.example", "TXT"): [f'"{RECORD}"', f'"{other}"']}
    (finding,) = _tlsrpt(zone, cnames={f"_smtp._tls.{D}": "rpt.msp.example"})
    assert finding.status == NA
    assert "TLS-RPT records" in finding.summary and "they can be deleted" in finding.summary
    assert finding.fix.startswith(f"Delete the alias _smtp._tls.{D} (a CNAME to rpt.msp.example)")
    for text in (RECORD, other):
        assert f'rpt.msp.example. TXT "{text}"' in finding.fix
