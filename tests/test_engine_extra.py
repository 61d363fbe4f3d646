"""Engine cases no listed fixture covers: name forms, bounded probing, deep tree walks, and the
DNS layer's handling of records and names dnspython or resolvers get in the way of.

The x*.toml lab scenarios themselves run in tests/test_engine_lab.py (it loads every scenario);
this file checks what a scenario's [expect] table cannot say.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest

from checks.config import CheckConfig
from checks.dns import DnsClient, numeric_tld
from checks.domainname import DomainNameError, to_ascii_domain
from checks.engine import check_domain
from checks.findings import DomainReport, Finding, Mechanism, Status
from tests.test_engine_lab import SCENARIOS, describe, lab_config, scenario_report


def _flagged(report: DomainReport) -> tuple[set[str], set[str]]:
    fails = {f.id for f in report.findings if f.status == Status.FAIL}
    warns = {f.id for f in report.findings if f.status == Status.WARN}
    return fails, warns


# ---------------------------------------------------------------- offline


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        # IDNA2008 (RFC 5891): sharp s is PVALID; IDNA2003 would have checked "strasse".
        ("x41-straße.lab.test", "xn--x41-strae-n1a.lab.test"),
        ("X40-BÜCHER.LAB.TEST.", "xn--x40-bcher-u9a.lab.test"),
        ("ドメイン。テスト.example", "xn--eckwd4c7c.xn--zckzah.example"),
        ("MX1.Example.COM.", "mx1.example.com"),
    ],
)
def test_domain_names_normalise_to_idna2008_a_labels(typed: str, expected: str) -> None:
    assert to_ascii_domain(typed) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("https://example.com./", "example.com"),
        ("http://Example.com:443/path?q=1", "example.com"),
        ("mailto:postmaster@example.com.", "example.com"),
    ],
)
def test_what_people_paste_is_read_as_the_domain(typed: str, expected: str) -> None:
    assert to_ascii_domain(typed) == expected


@pytest.mark.parametrize(
    "typed",
    ["_dmarc.example.com", "a_b.example.com", "123.456", "xn--zz.com", "ex ample.com"],
)
def test_names_that_are_no_mail_domain_are_refused(typed: str) -> None:
    with pytest.raises(DomainNameError):
        to_ascii_domain(typed)


def test_numeric_tld_names_are_nxdomain_without_asking() -> None:
    # An MX written as an IP address (MX-05) is looked up as a name; no TLD is all-numeric,
    # so the answer is NXDOMAIN whatever a resolver would say (some REFUSE such names).
    assert numeric_tld("192.0.2.25") and numeric_tld("192.0.2.25.")
    assert not numeric_tld("mx1.example.com") and not numeric_tld("1.example")
    client = DnsClient(CheckConfig(resolvers=(("192.0.2.1", 53),), timeout=0.5))
    answer = asyncio.run(client.query("192.0.2.25.", "A"))
    assert answer.nxdomain and not answer.failed
    assert client.log == []  # nothing went to the network


def slow_and_quick_mechanisms() -> list[Any]:
    """Two stand-in mechanism modules for engine.mechanism_modules: STARTTLS stuck on a
    server that never answers (30 s), SPF done at once."""

    async def slow(ctx: Any) -> list[Finding]:
        await asyncio.sleep(30)
        return []

    async def quick(ctx: Any) -> list[Finding]:
        return [Finding("SPF-01", Status.PASS, Mechanism.SPF, "fine")]

    return [
        SimpleNamespace(MECHANISM=Mechanism.SMTP, evaluate=slow),
        SimpleNamespace(MECHANISM=Mechanism.SPF, evaluate=quick),
    ]


def test_a_mechanism_that_runs_too_long_times_out_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    # One mechanism stuck on a slow server ends as its own ENGINE-01 "timed out" error; the
    # others keep their results (the free check's run cap would otherwise lose them all).
    from checks import engine

    modules = slow_and_quick_mechanisms()
    monkeypatch.setattr(engine, "mechanism_modules", lambda: modules)
    report = asyncio.run(check_domain("example.com", CheckConfig(timeout=0.01)))
    assert [(f.id, f.status, f.mechanism) for f in report.findings] == [
        ("ENGINE-01", Status.ERROR, Mechanism.SMTP),
        ("SPF-01", Status.PASS, Mechanism.SPF),
    ]
    assert "timed out" in report.findings[0].summary

    # A TimeoutError of the mechanism's own, long before its budget, is an internal error.
    async def raises(ctx: Any) -> list[Finding]:
        raise TimeoutError

    modules[0] = SimpleNamespace(MECHANISM=Mechanism.SMTP, evaluate=raises)
    report = asyncio.run(check_domain("example.com", CheckConfig(timeout=5)))
    assert "internal error (TimeoutError)" in report.findings[0].summary
    # The budget never passes the free check's cap on a whole run.
    assert engine.MECHANISM_MAX_SECONDS < 90


def test_a_deadline_caps_every_mechanism_and_keeps_the_finished_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The free-check API must answer within 25 s, but a mechanism may take 80 s: under the
    # caller's deadline the slow one ends as its own error and the report is partial, not lost.
    import time

    from checks import engine

    modules = slow_and_quick_mechanisms()
    monkeypatch.setattr(engine, "mechanism_modules", lambda: modules)
    started = time.monotonic()
    report = asyncio.run(check_domain("example.com", CheckConfig(timeout=8), deadline_seconds=0.3))
    assert time.monotonic() - started < 5  # not the mechanism's own 80 s
    assert [(f.id, f.status, f.mechanism) for f in report.findings] == [
        ("ENGINE-01", Status.ERROR, Mechanism.SMTP),
        ("SPF-01", Status.PASS, Mechanism.SPF),
    ]
    assert "timed out after 0.3 seconds" in report.findings[0].summary
    assert report.findings[0].evidence == {"timeout_seconds": 0.3}
    assert report.score_detail["partial"] is True

    # A deadline longer than a mechanism's own budget changes nothing.
    report = asyncio.run(
        check_domain("example.com", CheckConfig(timeout=0.01), deadline_seconds=60)
    )
    assert report.findings[0].evidence == {"timeout_seconds": 0.1}


# ---------------------------------------------------------------- against the lab


def _scenario(name: str) -> Any:
    return next(s for s in SCENARIOS if s.name == name or s.domain.startswith(name + "."))


def _run(lab: Any, domain: str, selectors: tuple[str, ...] = ()) -> DomainReport:
    return asyncio.run(check_domain(domain, lab_config(lab, dkim_selectors=selectors)))


@pytest.mark.lab
@pytest.mark.parametrize(
    ("typed", "scenario"),
    [
        ("x40-bücher.lab.test", "xn--x40-bcher-u9a"),
        ("x41-straße.lab.test", "xn--x41-strae-n1a"),
        ("X01.LAB.TEST.", "x01"),
    ],
)
def test_unicode_upper_case_and_trailing_dot_check_the_a_label(
    lab: Any, typed: str, scenario: str
) -> None:
    s = _scenario(scenario)
    report = _run(lab, typed)
    assert not report.error, report.error
    assert report.domain == s.domain
    assert _flagged(report) == (s.expect_fail, s.expect_warn), describe(report)


@pytest.mark.lab
def test_twenty_mx_hosts_stay_bounded_in_connections(lab: Any) -> None:
    s = _scenario("x37")
    host = s.smtp[0].host
    before = len(lab.smtp_connections(host))
    report = _run(lab, s.domain)
    opened = len(lab.smtp_connections(host)) - before
    # 12 probed MX addresses + the handshakes shared per address: no SNI, TLS 1.0/1.1 only,
    # TLS 1.2 only, and RSA suites only (one per first certificate: all 12 names get one).
    # The lab's aiosmtpd hangs up on that RSA-only ClientHello instead of sending an alert,
    # and a hang-up is asked once more before it reads as "no RSA certificate": 17 (a server
    # answering with an alert, as Postfix and Exim do, costs 16).
    assert opened <= 17, (opened, describe(report))
    skipped = [f for f in report.findings if f.id == "SMTP-01" and f.status == Status.INFO]
    assert skipped and len(skipped[0].evidence["not_probed"]) == 8


@pytest.mark.lab
def test_dmarc_tree_walk_from_a_ten_label_name(lab: Any) -> None:
    # RFC 9989 §4.10: at most 8 queries; a name with more than 8 labels jumps to 7 labels.
    report = _run(lab, "a.b.c.d.e.f.g.x18.lab.test")
    asked = [q["name"] for q in report.query_log if q["name"].startswith("_dmarc.")]
    assert len(asked) <= 8, asked
    assert "_dmarc.c.d.e.f.g.x18.lab.test" not in asked  # the 8- and 9-label names are skipped
    assert "_dmarc.b.c.d.e.f.g.x18.lab.test" not in asked
    found = [f for f in report.findings if f.id == "DMARC-01"]
    assert found and found[0].status == Status.PASS, describe(report)
    assert found[0].subject == "_dmarc.x18.lab.test"


@pytest.mark.lab
def test_wrong_length_tlsa_is_an_unusable_record_not_a_dns_failure(lab: Any) -> None:
    report = _run(lab, _scenario("x30").domain)
    dane02 = [f for f in report.findings if f.id == "DANE-02"]
    assert all(f.status != Status.ERROR for f in dane02), describe(report)
    assert any(f.id == "DANE-05" and f.status == Status.FAIL for f in report.findings)


@pytest.mark.lab
def test_failed_lookups_are_never_fail_or_absent(lab: Any) -> None:
    """SERVFAIL (names in the bogus zone f48) on an include, an authorisation record, a DKIM
    selector: 'could not check', never a fail or an absence."""
    cases = {
        "x34": ("SPF-", {"SPF-20"}),
        "x35": ("DMARC-", {"DMARC-13"}),
        "x19": ("DKIM-", {"DKIM-01"}),
    }
    for name, (prefix, errors) in cases.items():
        s = _scenario(name)
        report = _run(lab, s.domain, tuple(s.selectors))
        own = [f for f in report.findings if f.id.startswith(prefix)]
        assert errors <= {f.id for f in own if f.status == Status.ERROR}, describe(report)
        for f in own:
            if f.status == Status.ERROR:
                assert "f48" in str(f.evidence) or "f48" in f.summary or "svf" in f.summary
        assert not any(f.id == "SPF-08" for f in own if f.status == Status.FAIL)
        assert not any(f.id == "DMARC-13" for f in own if f.status == Status.FAIL)


# The x* scenarios' reports, as tests/test_engine_lab.py checks them (same configuration):
# checked together up front with the session's other scenarios (tests.lab.pytest_plugin).
SCENARIO_REPORTS = [s for s in SCENARIOS if s.name.startswith("x")]


@pytest.mark.lab
def test_every_problem_finding_has_a_plain_summary(lab: Any) -> None:
    for s in SCENARIO_REPORTS:
        report = scenario_report(lab, s)
        for f in report.findings:
            text = f.summary.strip()
            # Python's None must never reach a reader ("baseProfile is None").
            plain = bool(text) and "None" not in text
            assert plain and "Traceback" not in text, (s.domain, f.id, f.summary)
