"""checks/mtasts.py: record and policy parsers (unit + property-based), policy_matches, and the
evaluator against an in-memory DNS with the HTTPS fetch and the STARTTLS probe replaced."""

from __future__ import annotations

import asyncio
import hashlib
import sys
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checks import https, mtasts
from checks.findings import Finding, Status
from checks.mtasts import parse_policy, parse_sts_record, policy_matches
from tests.test_mx import bad, make_ctx, statuses


def ids(problems: list[mtasts.Problem]) -> set[tuple[str, str]]:
    return {(p.check_id, str(p.status)) for p in problems}


# --- TXT record ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected", "valid"),
    [
        ("v=STSv1; id=20260601T0000", set(), True),
        ("v=STSv1;id=1;", set(), True),
        ("v=STSv1; id=2026-06-01T00:00Z", {("MTASTS-05", "fail")}, False),
        ("v=STSv1; id=ab+c/9=", {("MTASTS-05", "fail")}, False),
        ("v=STSv1; id=" + "a" * 33, {("MTASTS-05", "fail")}, False),
        ("v=STSv1; id=" + "a" * 32, set(), True),
        ("v=STSv1;", {("MTASTS-05", "fail")}, False),
        ("id=20260601; v=STSv1", {("MTASTS-04", "fail")}, False),
        ("v=stsv1; id=20260601", {("MTASTS-04", "fail")}, False),
        ("v=STSv1 ; id=20260601", {("MTASTS-06", "warn")}, False),
        ("v=STSv1; id=1; note=hello world", {("MTASTS-07", "fail")}, False),
        ("v=STSv1; id=1; ext=val", {("MTASTS-07", "info")}, True),
    ],
)
def test_sts_record(raw: str, expected: set[tuple[str, str]], valid: bool) -> None:
    record = parse_sts_record(raw)
    assert ids(record.problems) == expected
    assert record.valid is valid or (record.spaced_prefix and not valid)


def test_sts_record_non_ascii() -> None:
    record = parse_sts_record("v=STSv1; id=2024’06".encode())
    assert ("MTASTS-08", "fail") in ids(record.problems)


@given(st.text())
@settings(max_examples=300)
def test_sts_record_never_raises_text(text: str) -> None:
    parse_sts_record(text)


@given(st.binary())
@settings(max_examples=300)
def test_sts_record_never_raises_bytes(raw: bytes) -> None:
    parse_sts_record(raw)


# --- policy -------------------------------------------------------------------------------

GOOD = (
    "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.org\r\nmx: *.example.net\r\n"
    "max_age: 604800\r\n"
)


def test_good_policy() -> None:
    policy = parse_policy(GOOD.encode())
    assert policy.valid and policy.problems == []
    assert (policy.mode, policy.max_age) == ("enforce", 604800)
    assert policy.mx == ["mx1.example.org", "*.example.net"]


@pytest.mark.parametrize(
    "body", [GOOD.replace("\r\n", "\n"), GOOD.replace("\r\n", "\n", 2), GOOD.rstrip("\r\n")]
)
def test_lf_and_mixed_line_ends_are_fine(body: str) -> None:
    assert parse_policy(body.encode()).problems == []


def test_cr_only_fails_alone() -> None:
    policy = parse_policy(GOOD.replace("\r\n", "\r").encode())
    assert ids(policy.problems) == {("MTASTS-19", "fail")} and not policy.valid


def test_bom() -> None:
    policy = parse_policy(b"\xef\xbb\xbf" + GOOD.encode())
    assert ids(policy.problems) == {("MTASTS-21", "fail")} and not policy.valid


@pytest.mark.parametrize(
    ("replace", "expected", "valid"),
    [
        (("mode: enforce", "mode: report"), {("MTASTS-22", "fail")}, False),
        (("mode: enforce", "Mode: enforce"), {("MTASTS-20", "fail"), ("MTASTS-22", "fail")}, False),
        (("max_age: 604800", "max_age: 31557601"), {("MTASTS-23", "fail")}, False),
        (("max_age: 604800", "max_age: 1w"), {("MTASTS-23", "fail")}, False),
        (("max_age: 604800", "max_age: +86400"), {("MTASTS-23", "fail")}, False),
        (
            ("max_age: 604800", "max-age: 604800"),
            {("MTASTS-20", "fail"), ("MTASTS-23", "fail")},
            False,
        ),
        (("max_age: 604800", "max_age: 3600"), {("MTASTS-23", "warn")}, True),
        (("max_age: 604800", "max_age: 86400"), {("MTASTS-23", "info")}, True),
        (
            ("mx: mx1.example.org\r\nmx: *.example.net", "nmx: mx1.example.org"),
            {("MTASTS-24", "fail"), ("MTASTS-28", "info")},
            False,
        ),
        (("mode: enforce", "mode: testing\r\nmode: enforce"), {("MTASTS-27", "warn")}, True),
        (
            ("version: STSv1\r\n", "# policy\r\nversion: STSv1\r\n\r\n"),
            {("MTASTS-29", "warn"), ("MTASTS-21", "info")},
            True,
        ),
        (("mx: mx1.example.org", "mx : mx1.example.org"), {("MTASTS-20", "fail")}, False),
        (("version: STSv1", "version: STSv2"), {("MTASTS-21", "fail")}, False),
        # A mis-cased key next to the real one is an extension senders skip: fail, but the
        # policy stays valid (the required fields are all there).
        (
            ("max_age: 604800\r\n", "max_age: 604800\r\nMX: foo.example.com\r\n"),
            {("MTASTS-20", "fail")},
            True,
        ),
        (
            ("max_age: 604800\r\n", "max_age: 604800\r\nMax_Age: 86400\r\n"),
            {("MTASTS-20", "fail")},
            True,
        ),
        # ... while a required field written only in the wrong case is missing.
        (
            ("mx: mx1.example.org\r\nmx: *.example.net", "MX: mx1.example.org"),
            {("MTASTS-20", "fail"), ("MTASTS-24", "fail")},
            False,
        ),
    ],
)
def test_policy_rules(
    replace: tuple[str, str], expected: set[tuple[str, str]], valid: bool
) -> None:
    policy = parse_policy(GOOD.replace(*replace).encode())
    assert ids(policy.problems) == expected
    assert policy.valid is valid


def test_mode_none_needs_no_mx() -> None:
    body = "version: STSv1\nmode: none\nmax_age: 86400\n"
    assert parse_policy(body.encode()).valid


def test_bad_mx_values_f20() -> None:
    body = (
        "version: STSv1\r\nmode: enforce\r\nmx: 192.0.2.11\r\nmx: .f20.lab.test\r\n"
        "mx: mx1.f20.lab.test, mx2.f20.lab.test\r\nmx: mx1.f20.lab.test.\r\n"
        "mx: mx1.f20.lab.test\r\nmax_age: 604800\r\n"
    )
    policy = parse_policy(body.encode())
    found = [(p.check_id, str(p.status)) for p in policy.problems]
    assert sorted(found) == sorted(
        [("MTASTS-25", "fail"), ("MTASTS-25", "fail"), ("MTASTS-26", "fail"), ("MTASTS-25", "warn")]
    )
    assert policy.valid and policy.mx == ["mx1.f20.lab.test"]


@pytest.mark.parametrize(
    "value",
    [
        "*",
        "mail*.example.com",
        "*.*.example.com",
        "a.*.example",
        "mäil.example.com",
        "-a.example.com",
        "",
        "192.0.2.1.",  # an IP address with a trailing dot is still an IP address
        "[192.0.2.1].",
    ],
)
def test_invalid_mx_patterns(value: str) -> None:
    pattern, problems = mtasts.check_mx_value(value)
    assert pattern is None and problems and problems[0].status == Status.FAIL
    assert {p.check_id for p in problems} <= {"MTASTS-25"}


def test_html_page_is_one_garbage_finding() -> None:
    policy = parse_policy(b"<!doctype html><html><body></body></html>\n")
    assert ids(policy.problems) == {("MTASTS-28", "fail")} and not policy.valid


@given(st.binary())
@settings(max_examples=300)
def test_policy_never_raises_bytes(raw: bytes) -> None:
    parse_policy(raw)


@given(st.text())
@settings(max_examples=300)
def test_policy_never_raises_text(text: str) -> None:
    parse_policy(text)


@given(
    st.lists(st.sampled_from(["version", "mode", "mx", "max_age", "Mode", "x", "#", ""])).flatmap(
        lambda keys: st.tuples(
            st.just(keys), st.lists(st.text(max_size=12), min_size=len(keys), max_size=len(keys))
        )
    )
)
def test_policy_structured_never_raises(data: tuple[list[str], list[str]]) -> None:
    keys, values = data
    body = "\r\n".join(f"{k}: {v}" for k, v in zip(keys, values, strict=True))
    parse_policy(body.encode("utf-8", "surrogatepass"))


# --- matching -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "host", "expected"),
    [
        ("mx1.example.com", "mx1.example.com", True),
        ("MX1.Example.com.", "mx1.example.com", True),
        ("mx1.example.com", "MX1.EXAMPLE.COM.", True),
        ("*.example.com", "mail.example.com", True),
        ("*.example.com", "example.com", False),
        ("*.example.com", "foo.bar.example.com", False),
        ("*.mx.microsoft", "contoso-com.h-v1.mx.microsoft", False),
        ("*.mx.microsoft", "a.b.mx.microsoft", False),
        ("*.mx.microsoft", "contoso-com.mx.microsoft", True),
        ("mx1.example.com", "mx2.example.com", False),
        ("", "mx1.example.com", False),
    ],
)
def test_policy_matches(pattern: str, host: str, expected: bool) -> None:
    assert policy_matches(pattern, host) is expected


@given(st.text(), st.text())
def test_policy_matches_never_raises(pattern: str, host: str) -> None:
    policy_matches(pattern, host)


# --- evaluator ----------------------------------------------------------------------------

ZONE: dict[tuple[str, str], list[str] | str] = {
    ("example.org", "MX"): ["10 mx1.example.org.", "20 mx2.example.org."],
    ("mx1.example.org", "A"): ["192.0.2.11"],
    ("mx2.example.org", "A"): ["192.0.2.12"],
    ("_mta-sts.example.org", "TXT"): ['"v=STSv1; id=20260601T0000"'],
    ("_smtp._tls.example.org", "TXT"): ['"v=TLSRPTv1; rua=mailto:tls@example.org"'],
}
POLICY = (
    "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.org\r\nmx: mx2.example.org\r\n"
    "max_age: 604800\r\n"
)


@dataclass
class FakeProbe:
    mta_sts_ok: bool = True
    error_kind: str | None = None
    problem: str = ""
    tls_versions_accepted: list[str] = field(default_factory=lambda: ["TLSv1.2", "TLSv1.3"])
    max_tls_version: str = "TLSv1.3"


def evaluate(
    monkeypatch: pytest.MonkeyPatch,
    zone: dict[tuple[str, str], list[str] | str] | None = None,
    *,
    body: str = POLICY,
    status: int = 200,
    headers: dict[str, str] | None = None,
    error_kind: str | None = None,
    probes: dict[str, FakeProbe] | None = None,
    per_address: list[https.AddressOutcome] | None = None,
    fetched: https.HttpsResult | None = None,
    previous: tuple[str, str] | None = None,
) -> list[Finding]:
    async def fake_fetch(ctx: Any, url: str, **kw: Any) -> https.HttpsResult:
        if fetched is not None:  # the whole fetch result, as https.fetch would build it
            return fetched
        result = https.HttpsResult(url=url, host=url.split("/")[2], elapsed_ms=5.0)
        if error_kind:
            result.error_kind, result.error = error_kind, "simulated"
            if error_kind == "tls-cert":
                result.cert = https.CertInfo(sans=["example.org"], verify_error="Hostname mismatch")
            return result
        result.status = status
        result.headers = {"content-type": "text/plain; charset=utf-8", **(headers or {})}
        result.body = body.encode()
        result.per_address = per_address or [
            https.AddressOutcome("192.0.2.13", True, status=status)
        ]
        return result

    from checks import starttls

    async def probe_mx(ctx: Any, host: str, address: str) -> FakeProbe:
        return (probes or {}).get(host, FakeProbe())

    monkeypatch.setattr(starttls, "probe_mx", probe_mx)
    monkeypatch.setattr(https, "fetch", fake_fetch)
    ctx = make_ctx("example.org", ZONE if zone is None else zone, mtasts_previous=previous)
    return asyncio.run(mtasts.evaluate(ctx))


def test_evaluate_good(monkeypatch: pytest.MonkeyPatch) -> None:
    findings = evaluate(monkeypatch)
    assert bad(findings) == set()
    assert statuses(findings, "MTASTS-30") == [Status.PASS]
    assert statuses(findings, "MTASTS-32") == [Status.PASS]


def test_absent_record_is_info_with_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    zone = {k: v for k, v in ZONE.items() if k[0] != "_mta-sts.example.org"}
    findings = evaluate(monkeypatch, zone, error_kind="dns")
    assert [(f.id, f.status) for f in findings] == [("MTASTS-01", Status.INFO)]
    # The record alone would announce a policy nobody serves (MTASTS-10/11 fail): the fix is
    # the policy host, then the file (testing, the MX seen), and the record last (RFC 8461 §8.1).
    fix = findings[0].fix
    host = fix.index("A/AAAA records for mta-sts.example.org")
    where = fix.index("https://mta-sts.example.org/.well-known/mta-sts.txt")
    file = fix.index(
        "version: STSv1\nmode: testing\nmx: mx1.example.org\nmx: mx2.example.org\nmax_age: 604800\n"
    )
    record = fix.index('_mta-sts.example.org. TXT "v=STSv1; id=')
    assert host < where < file < record
    assert fix.endswith('"') and "certificate" in fix[host:where]


def test_served_but_unannounced_policy_needs_only_the_record(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    zone = {k: v for k, v in ZONE.items() if k[0] != "_mta-sts.example.org"}
    findings = evaluate(monkeypatch, zone)
    assert [(f.id, f.status) for f in findings] == [("MTASTS-01", Status.INFO)]
    assert findings[0].fix.startswith('_mta-sts.example.org. TXT "v=STSv1; id=')


def test_record_without_policy_host_says_what_to_publish(monkeypatch: pytest.MonkeyPatch) -> None:
    findings = evaluate(monkeypatch, error_kind="dns")
    assert bad(findings) == {("MTASTS-11", "fail"), ("MTASTS-10", "fail")}
    host_fix = next(f.fix for f in findings if f.id == "MTASTS-11")
    assert "A/AAAA records for mta-sts.example.org" in host_fix
    assert "certificate valid for mta-sts.example.org" in host_fix
    file_fix = next(f.fix for f in findings if f.id == "MTASTS-10")
    assert "https://mta-sts.example.org/.well-known/mta-sts.txt" in file_fix
    file = (
        "version: STSv1\nmode: testing\nmx: mx1.example.org\nmx: mx2.example.org\nmax_age: 604800\n"
    )
    assert file in file_fix


def test_txt_servfail_is_error_not_absent(monkeypatch: pytest.MonkeyPatch) -> None:
    zone = {**ZONE, ("_mta-sts.example.org", "TXT"): "SERVFAIL"}
    findings = evaluate(monkeypatch, zone)
    assert [(f.id, f.status) for f in findings] == [("MTASTS-01", Status.ERROR)]


def test_null_mx_is_na(monkeypatch: pytest.MonkeyPatch) -> None:
    findings = evaluate(monkeypatch, {**ZONE, ("example.org", "MX"): ["0 ."]})
    assert [(f.id, f.status) for f in findings] == [("MTASTS-01", Status.NA)]


def test_two_records(monkeypatch: pytest.MonkeyPatch) -> None:
    zone = {**ZONE, ("_mta-sts.example.org", "TXT"): ['"v=STSv1; id=1"', '"v=STSv1; id=2"']}
    assert bad(evaluate(monkeypatch, zone)) == {("MTASTS-02", "fail")}


def test_redirect(monkeypatch: pytest.MonkeyPatch) -> None:
    findings = evaluate(monkeypatch, status=301, headers={"location": "https://www.example.org/"})
    assert bad(findings) == {("MTASTS-14", "fail"), ("MTASTS-10", "fail")}


def test_certificate(monkeypatch: pytest.MonkeyPatch) -> None:
    findings = evaluate(monkeypatch, error_kind="tls-cert")
    assert bad(findings) == {("MTASTS-12", "fail"), ("MTASTS-10", "fail")}


def test_policy_host_timeout_is_error(monkeypatch: pytest.MonkeyPatch) -> None:
    findings = evaluate(monkeypatch, error_kind="timeout")
    assert bad(findings) == set()
    assert statuses(findings, "MTASTS-11") == [Status.ERROR]


def test_html_content_type(monkeypatch: pytest.MonkeyPatch) -> None:
    findings = evaluate(
        monkeypatch,
        body="<!doctype html><html></html>\n",
        headers={"content-type": "text/html; charset=utf-8"},
    )
    assert bad(findings) == {("MTASTS-15", "fail"), ("MTASTS-28", "fail")}


def policy_change(fix: str, file: str) -> None:
    """A fix that changes the policy: the complete file at its URL first, then the record with
    a new id, or senders keep the cached policy for up to max_age (RFC 8461 §3.1, §5.1, §8.1)."""
    head = "1. Replace the policy file at https://mta-sts.example.org/.well-known/mta-sts.txt"
    assert fix.startswith(head)
    assert file in fix
    # The record line; a note may follow it (the hosts left out, when old patterns can go).
    record = next(line for line in fix.splitlines() if line.startswith("_mta-sts.example.org."))
    assert record.startswith('_mta-sts.example.org. TXT "v=STSv1; id=')
    assert "id=20260601T0000" not in record  # ZONE's id: it must change
    assert fix.index(file) < fix.index(record)


FILE = "version: STSv1\nmode: {mode}\n{mx}max_age: 604800\n"


def mx_lines(*names: str) -> str:
    return "".join(f"mx: {n}\n" for n in names)


def fix_of(findings: list[Finding], check_id: str) -> str:
    return next(f.fix for f in findings if f.id == check_id and f.fix)


def test_uncovered_mx_fail_with_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    body = POLICY.replace("mx: mx1.example.org\r\nmx: mx2.example.org", "mx: mail.provider.test")
    findings = evaluate(monkeypatch, body=body)
    assert bad(findings) == {("MTASTS-30", "fail")}
    # The whole file (a lone "mx:" line used as the file loses version, mode and max_age);
    # the old pattern stays, since senders may still hold the old MX (RFC 8461 §8.1).
    mx = mx_lines("mail.provider.test", "mx1.example.org", "mx2.example.org")
    policy_change(fix_of(findings, "MTASTS-30"), FILE.format(mode="enforce", mx=mx))


def test_backup_outside_policy_fix_adds_it(monkeypatch: pytest.MonkeyPatch) -> None:
    body = POLICY.replace("mx: mx2.example.org\r\n", "")
    findings = evaluate(monkeypatch, body=body)
    assert bad(findings) == {("MTASTS-30", "warn")}
    mx = mx_lines("mx1.example.org", "mx2.example.org")
    policy_change(fix_of(findings, "MTASTS-30"), FILE.format(mode="enforce", mx=mx))


def test_wildcard_fix_names_the_mx_hosts(monkeypatch: pytest.MonkeyPatch) -> None:
    body = POLICY.replace("mx: mx1.example.org\r\nmx: mx2.example.org", "mx: *.example.org")
    findings = evaluate(monkeypatch, body=body)
    assert bad(findings) == {("MTASTS-31", "warn")}
    mx = mx_lines("mx1.example.org", "mx2.example.org")
    policy_change(fix_of(findings, "MTASTS-31"), FILE.format(mode="enforce", mx=mx))


def test_policy_problem_fix_is_a_policy_change(monkeypatch: pytest.MonkeyPatch) -> None:
    findings = evaluate(monkeypatch, body=POLICY.replace("604800", "3600"))
    assert bad(findings) == {("MTASTS-23", "warn")}
    mx = mx_lines("mx1.example.org", "mx2.example.org")
    policy_change(fix_of(findings, "MTASTS-23"), FILE.format(mode="enforce", mx=mx))


def test_enforce_suggestion_is_a_policy_change(monkeypatch: pytest.MonkeyPatch) -> None:
    findings = evaluate(monkeypatch, body=POLICY.replace("enforce", "testing"))
    assert bad(findings) == set()
    mx = mx_lines("mx1.example.org", "mx2.example.org")
    policy_change(fix_of(findings, "MTASTS-33"), FILE.format(mode="enforce", mx=mx))


def test_backup_outside_policy_and_invalid(monkeypatch: pytest.MonkeyPatch) -> None:
    body = POLICY.replace("mx: mx2.example.org\r\n", "")
    findings = evaluate(
        monkeypatch,
        body=body,
        probes={"mx2.example.org": FakeProbe(mta_sts_ok=False, problem="self-signed")},
    )
    assert bad(findings) == {("MTASTS-30", "warn"), ("MTASTS-32", "warn")}


def test_mx_invalid_under_enforce_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    findings = evaluate(monkeypatch, probes={"mx1.example.org": FakeProbe(mta_sts_ok=False)})
    assert bad(findings) == {("MTASTS-32", "fail")}


def test_mx_invalid_under_testing_warns(monkeypatch: pytest.MonkeyPatch) -> None:
    findings = evaluate(
        monkeypatch,
        body=POLICY.replace("enforce", "testing"),
        probes={"mx1.example.org": FakeProbe(mta_sts_ok=False)},
    )
    assert bad(findings) == {("MTASTS-32", "warn")}
    assert statuses(findings, "MTASTS-33") == [Status.INFO]


@pytest.mark.parametrize(
    ("body", "probes", "blocker"),
    [
        (
            POLICY.replace("enforce", "testing"),
            {"mx1.example.org": FakeProbe(mta_sts_ok=False, problem="certificate expired")},
            "MTASTS-32",
        ),
        (
            POLICY.replace("enforce", "testing").replace("mx: mx2.example.org\r\n", ""),
            {},
            "MTASTS-30",
        ),
        (
            POLICY.replace("enforce", "testing"),
            {
                "mx2.example.org": FakeProbe(
                    tls_versions_accepted=["TLSv1"], max_tls_version="TLSv1"
                )
            },
            "MTASTS-36",
        ),
        (
            POLICY.replace("enforce", "testing"),
            {"mx1.example.org": FakeProbe(mta_sts_ok=False, error_kind="timeout")},
            "MTASTS-32",
        ),
    ],
    ids=["cert-expired", "mx-not-covered", "old-tls", "could-not-check"],
)
def test_no_enforce_suggestion_while_an_mx_would_fail(
    monkeypatch: pytest.MonkeyPatch, body: str, probes: dict[str, FakeProbe], blocker: str
) -> None:
    # Under enforce senders do not deliver to an MX failing MTA-STS (RFC 8461 §5): switching
    # now would lose mail. The note says what to resolve first instead.
    findings = evaluate(monkeypatch, body=body, probes=probes)
    note = next(f for f in findings if f.id == "MTASTS-33")
    assert note.status == Status.INFO
    assert "mode: enforce" not in note.fix
    # A check we could not make is checked again, not resolved (s38n).
    unchecked = probes.get("mx1.example.org", FakeProbe()).error_kind == "timeout"
    step = "check again" if unchecked else "resolve"
    assert note.fix.startswith(f"Before switching to enforce, {step}:\n")
    assert f"- {blocker}: " in note.fix
    assert "Do not switch to enforce yet" in note.summary


def test_mx_failing_under_enforce_says_how_to_repair_or_relax(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    findings = evaluate(
        monkeypatch,
        probes={"mx1.example.org": FakeProbe(mta_sts_ok=False, problem="certificate expired")},
    )
    assert bad(findings) == {("MTASTS-32", "fail")}
    fix = fix_of(findings, "MTASTS-32")
    assert fix.startswith("Install on mx1.example.org a certificate valid for mx1.example.org")
    assert "public CA" in fix
    # Meanwhile: testing, as a full policy change with a new id (else senders keep enforcing).
    rest = fix[fix.index("\n1. ") + 1 :]
    mx = mx_lines("mx1.example.org", "mx2.example.org")
    policy_change(rest, FILE.format(mode="testing", mx=mx))


def test_mx_failing_under_testing_gets_only_the_repair(monkeypatch: pytest.MonkeyPatch) -> None:
    findings = evaluate(
        monkeypatch,
        body=POLICY.replace("enforce", "testing"),
        probes={"mx1.example.org": FakeProbe(mta_sts_ok=False, problem="certificate expired")},
    )
    fix = fix_of(findings, "MTASTS-32")
    assert "certificate valid for mx1.example.org" in fix and "mode:" not in fix


def test_enforce_is_a_pass_when_senders_apply_the_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    findings = evaluate(monkeypatch)
    assert statuses(findings, "MTASTS-33") == [Status.PASS]


@pytest.mark.parametrize(
    ("record", "body", "failed"),
    [
        # Two v=STSv1 records: senders use neither (RFC 8461 §3.1).
        (['"v=STSv1; id=1"', '"v=STSv1; id=2"'], POLICY, "MTASTS-02"),
        # An id over 32 characters (RFC 8461 §3.1).
        (['"v=STSv1; id=' + "a" * 33 + '"'], POLICY, "MTASTS-05"),
        # max_age over 31557600 (RFC 8461 §3.2).
        (['"v=STSv1; id=1"'], POLICY.replace("604800", "31557601"), "MTASTS-23"),
    ],
    ids=["two-records", "long-id", "max-age-too-long"],
)
def test_enforce_is_not_a_pass_when_senders_do_not_apply_the_policy(
    monkeypatch: pytest.MonkeyPatch, record: list[str], body: str, failed: str
) -> None:
    # "mode: enforce" in a file senders discard protects nothing: MTASTS-33 must not pass
    # next to the failure that makes the policy unusable, and must point at it.
    zone = {**ZONE, ("_mta-sts.example.org", "TXT"): record}
    findings = evaluate(monkeypatch, zone, body=body)
    assert statuses(findings, failed) == [Status.FAIL]
    assert statuses(findings, "MTASTS-33") == [Status.INFO]
    summary = next(f.summary for f in findings if f.id == "MTASTS-33")
    assert "senders do not apply this policy" in summary
    # MTASTS-30/32 state facts about the MX hosts, and their failures are already held to
    # warn while the policy is unusable (a mismatch is not yet what senders enforce).
    mismatch = evaluate(
        monkeypatch,
        zone,
        body=body,
        probes={"mx1.example.org": FakeProbe(mta_sts_ok=False)},
    )
    assert statuses(mismatch, "MTASTS-32") == [Status.WARN]


def test_probe_could_not_check_is_error(monkeypatch: pytest.MonkeyPatch) -> None:
    findings = evaluate(
        monkeypatch,
        probes={
            "mx1.example.org": FakeProbe(
                mta_sts_ok=False, error_kind="temp-unavailable", problem="421"
            )
        },
    )
    assert bad(findings) == set()
    assert Status.ERROR in statuses(findings, "MTASTS-32")


def test_old_tls_is_mtasts36(monkeypatch: pytest.MonkeyPatch) -> None:
    old = FakeProbe(mta_sts_ok=False, tls_versions_accepted=["TLSv1"], max_tls_version="TLSv1")
    findings = evaluate(monkeypatch, probes={"mx1.example.org": old, "mx2.example.org": old})
    assert bad(findings) == {("MTASTS-36", "fail")}


def test_without_tlsrpt_warns(monkeypatch: pytest.MonkeyPatch) -> None:
    zone = {k: v for k, v in ZONE.items() if k[0] != "_smtp._tls.example.org"}
    assert bad(evaluate(monkeypatch, zone)) == {("MTASTS-34", "warn")}


def test_wildcard_for_policy_domain_warns(monkeypatch: pytest.MonkeyPatch) -> None:
    body = POLICY.replace("mx: mx1.example.org\r\nmx: mx2.example.org", "mx: *.example.org")
    assert bad(evaluate(monkeypatch, body=body)) == {("MTASTS-31", "warn")}


def test_fresh_id_shape() -> None:
    value = mtasts.fresh_id()
    assert len(value) == 15 and value[8] == "T" and value.replace("T", "").isdigit()


def test_miscased_extra_key_does_not_void_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    findings = evaluate(monkeypatch, body=POLICY + "MX: foo.example.org\r\n")
    assert bad(findings) == {("MTASTS-20", "fail")}
    assert statuses(findings, "MTASTS-20") == [Status.FAIL]  # no contradicting pass
    assert statuses(findings, "MTASTS-30") == [Status.PASS]
    # The policy is in force: a broken MX under enforce is a fail, not the warn of a void policy.
    findings = evaluate(
        monkeypatch,
        body=POLICY + "MX: foo.example.org\r\n",
        probes={"mx1.example.org": FakeProbe(mta_sts_ok=False)},
    )
    assert bad(findings) == {("MTASTS-20", "fail"), ("MTASTS-32", "fail")}


def _outcome(address: str, status: int, body: str = POLICY) -> https.AddressOutcome:
    digest = hashlib.sha256(body.encode()).hexdigest()
    return https.AddressOutcome(address, True, status=status, body_sha256=digest)


def test_both_families_200_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    per = [_outcome("192.0.2.13", 200), _outcome("2001:db8::13", 200)]
    findings = evaluate(monkeypatch, per_address=per)
    assert statuses(findings, "MTASTS-17") == [Status.PASS]


def test_ipv6_404_warns(monkeypatch: pytest.MonkeyPatch) -> None:
    # Any HTTP answer used to count: a 404 over IPv6 gives IPv6 senders no policy.
    per = [_outcome("192.0.2.13", 200), _outcome("2001:db8::13", 404)]
    findings = evaluate(monkeypatch, per_address=per)
    assert bad(findings) == {("MTASTS-17", "warn")}
    assert "404" in next(f.summary for f in findings if f.id == "MTASTS-17")


def test_ipv4_404_ipv6_200_still_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    # The fetch reports the first address (IPv4, 404): MTASTS-14 fails as before, and
    # MTASTS-17 now says IPv6 works while IPv4 does not.
    per = [_outcome("192.0.2.13", 404), _outcome("2001:db8::13", 200)]
    findings = evaluate(monkeypatch, status=404, per_address=per)
    assert ("MTASTS-14", "fail") in bad(findings)
    assert statuses(findings, "MTASTS-17") == [Status.WARN]


def test_different_bodies_per_address_warn(monkeypatch: pytest.MonkeyPatch) -> None:
    other = POLICY.replace("enforce", "testing")
    per = [_outcome("192.0.2.13", 200), _outcome("2001:db8::13", 200, other)]
    findings = evaluate(monkeypatch, per_address=per)
    assert bad(findings) == {("MTASTS-17", "warn")}


# --- per-address outcomes, timing, TLS-RPT usability ---------------------------------------

URL = "https://mta-sts.example.org/.well-known/mta-sts.txt"


def _served(per: list[https.AddressOutcome], **kw: Any) -> https.HttpsResult:
    """A fetch whose chosen address served POLICY (as https.fetch reports it)."""
    values: dict[str, Any] = {
        "url": URL,
        "host": "mta-sts.example.org",
        "status": 200,
        "headers": {"content-type": "text/plain"},
        "body": POLICY.encode(),
        "per_address": per,
        "address_ms": 5.0,
        "elapsed_ms": 5.0,
    }
    values.update(kw)
    return https.HttpsResult(**values)


def _failed(address: str, kind: str, error: str) -> https.AddressOutcome:
    return https.AddressOutcome(address, False, error, kind)


def _failed_fetch(per: list[https.AddressOutcome], chosen: int) -> https.HttpsResult:
    o = per[chosen]
    return https.HttpsResult(
        url=URL,
        host="mta-sts.example.org",
        per_address=per,
        error_kind=o.error_kind,
        error=o.error,
    )


NO_V6 = _failed("2001:db8::13", "no-route", "this checker has no IPv6 route (unreachable)")


def test_family_without_route_is_not_tested_when_another_served(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    findings = evaluate(monkeypatch, fetched=_served([_outcome("192.0.2.13", 200), NO_V6]))
    assert bad(findings) == set()
    assert statuses(findings, "MTASTS-17") == [Status.INFO]
    assert "not tested" in next(f.summary for f in findings if f.id == "MTASTS-17")


def test_ipv6_only_host_without_route_is_error_not_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    findings = evaluate(monkeypatch, fetched=_failed_fetch([NO_V6], 0))
    assert bad(findings) == set()  # no MTASTS-11/10 fail
    assert statuses(findings, "MTASTS-11") == [Status.ERROR]


def test_path_trouble_on_one_address_is_error(monkeypatch: pytest.MonkeyPatch) -> None:
    unreachable = _failed("2001:db8::13", "network", "our checker could not open a connection")
    findings = evaluate(monkeypatch, fetched=_served([_outcome("192.0.2.13", 200), unreachable]))
    assert bad(findings) == set()
    assert statuses(findings, "MTASTS-17") == [Status.ERROR]


def test_refused_address_still_warns_next_to_a_served_one(monkeypatch: pytest.MonkeyPatch) -> None:
    refused = _failed("2001:db8::13", "connect", "could not connect to port 443: refused")
    findings = evaluate(monkeypatch, fetched=_served([_outcome("192.0.2.13", 200), refused]))
    assert bad(findings) == {("MTASTS-17", "warn")}


def test_no_address_served_shows_each_outcome(monkeypatch: pytest.MonkeyPatch) -> None:
    # A stalls, AAAA refuses: the refusal is the reported failure, and MTASTS-17 shows both.
    per = [
        _failed("192.0.2.13", "timeout", "no complete answer within 2 s"),
        _failed("2001:db8::13", "connect", "could not connect to port 443: refused"),
    ]
    findings = evaluate(monkeypatch, fetched=_failed_fetch(per, 1))
    assert bad(findings) == {("MTASTS-11", "fail"), ("MTASTS-10", "fail")}
    assert statuses(findings, "MTASTS-17") == [Status.INFO]
    summary = next(f.summary for f in findings if f.id == "MTASTS-17")
    assert "192.0.2.13: no complete answer" in summary and "2001:db8::13: could not" in summary


def test_slow_fetch_is_judged_on_the_address_that_served(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stalled = _failed("2001:db8::13", "timeout", "no complete answer within 20 s")
    per = [_outcome("192.0.2.13", 200), stalled]
    findings = evaluate(monkeypatch, fetched=_served(per, elapsed_ms=20_000.0, address_ms=40.0))
    assert statuses(findings, "MTASTS-16") == [Status.PASS]
    slow = _served([_outcome("192.0.2.13", 200)], elapsed_ms=12_000.0, address_ms=12_000.0)
    assert bad(evaluate(monkeypatch, fetched=slow)) == {("MTASTS-16", "warn")}


def test_repeated_content_type_uses_the_first_value(monkeypatch: pytest.MonkeyPatch) -> None:
    doubled = _served(
        [_outcome("192.0.2.13", 200)],
        headers={"content-type": "text/plain, text/plain"},
        header_values={"content-type": ["text/plain", "text/plain"]},
    )
    findings = evaluate(monkeypatch, fetched=doubled)
    assert bad(findings) == set()
    assert statuses(findings, "MTASTS-15") == [Status.PASS]


@pytest.mark.parametrize(
    "records",
    [
        ['"v=TLSRPTv1; rua=mailto:a@example.org"', '"v=TLSRPTv1; rua=mailto:b@example.org"'],
        ['"rua=mailto:tls@example.org; v=TLSRPTv1"'],
        ['"v=TLSRPTv1; rua=http://rpt.example.org/"'],
    ],
)
def test_unusable_tlsrpt_record_is_not_a_pass(
    monkeypatch: pytest.MonkeyPatch, records: list[str]
) -> None:
    # Senders ignore these (RFC 8460 §3): a record that merely mentions v=TLSRPTv1 is no TLS
    # reporting. The TLSRPT-xx findings judge the record (fixtures F35, F36 expect only them
    # to warn or fail); MTASTS-34 says what it means here, as info, and never passes.
    zone = {**ZONE, ("_smtp._tls.example.org", "TXT"): records}
    findings = evaluate(monkeypatch, zone)
    assert statuses(findings, "MTASTS-34") == [Status.INFO]
    assert "cannot use" in next(f.summary for f in findings if f.id == "MTASTS-34")


def test_tlsrpt_servfail_is_error(monkeypatch: pytest.MonkeyPatch) -> None:
    zone = {**ZONE, ("_smtp._tls.example.org", "TXT"): "SERVFAIL"}
    assert statuses(evaluate(monkeypatch, zone), "MTASTS-34") == [Status.ERROR]


def test_history_is_skipped_when_the_current_id_is_invalid(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    previous = ("20260601T0000", hashlib.sha256(POLICY.encode()).hexdigest())
    zone = {**ZONE, ("_mta-sts.example.org", "TXT"): ['"v=STSv1; id=2026-06-01"']}
    findings = evaluate(monkeypatch, zone, previous=previous)
    assert statuses(findings, "MTASTS-09") == []  # not "the id changed, the policy did not"
    # Control: a valid new id with the same policy is the harmless info.
    zone = {**ZONE, ("_mta-sts.example.org", "TXT"): ['"v=STSv1; id=20260701T0000"']}
    findings = evaluate(monkeypatch, zone, previous=previous)
    assert statuses(findings, "MTASTS-09") == [Status.INFO]


# --- MX hosts past the probe limit ----------------------------------------------------------

SEVEN = {
    ("example.org", "MX"): [f"{10 * i} mx{i}.example.org." for i in range(1, 8)],
    ("_mta-sts.example.org", "TXT"): ['"v=STSv1; id=20260601T0000"'],
    ("_smtp._tls.example.org", "TXT"): ['"v=TLSRPTv1; rua=mailto:tls@example.org"'],
    **{(f"mx{i}.example.org", "A"): [f"192.0.2.{i}"] for i in range(1, 8)},
    **{(f"mx{i}.example.org", "AAAA"): [f"2001:db8::{i}"] for i in range(1, 8)},
}
SEVEN_POLICY = (
    "version: STSv1\nmode: testing\n"
    + "".join(f"mx: mx{i}.example.org\n" for i in range(1, 8))
    + "max_age: 604800\n"
)


def test_mx_past_the_probe_limit_is_not_a_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    # 14 addresses, 12 probed: mx7 (unprobed) has an expired certificate. Nothing is known
    # about it, so neither MTASTS-32/36 nor the enforce suggestion may count it as passing.
    expired = FakeProbe(mta_sts_ok=False, problem="certificate expired")
    findings = evaluate(monkeypatch, SEVEN, body=SEVEN_POLICY, probes={"mx7.example.org": expired})
    # A note, not "could not check": MTA-STS stays in the score of a domain with many MX.
    assert statuses(findings, "MTASTS-32") == [Status.INFO]
    from checks import scoring

    assert scoring.score_category(mtasts.MECHANISM, findings).counted
    assert Status.PASS not in statuses(findings, "MTASTS-36")
    unchecked = next(f for f in findings if f.id == "MTASTS-32")
    assert "mx7.example.org (192.0.2.7)" in unchecked.summary and "probe limit" in unchecked.summary
    note = next(f for f in findings if f.id == "MTASTS-33")
    assert "mode: enforce" not in note.fix and "- MTASTS-32: " in note.fix


def test_mx_without_address_is_not_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    zone = {k: v for k, v in ZONE.items() if k != ("mx2.example.org", "A")}
    findings = evaluate(monkeypatch, zone, body=POLICY.replace("enforce", "testing"))
    # Known to have no address (MX-06 fails it): named in a note, but no mail goes there, so
    # it holds back neither the pass for the hosts that take mail nor the move to enforce (s19x).
    assert sorted(statuses(findings, "MTASTS-32")) == sorted([Status.INFO, Status.PASS])
    note = next(f for f in findings if f.id == "MTASTS-32" and f.status == Status.INFO)
    assert "mx2.example.org has no address" in note.summary
    assert "mode: enforce" in fix_of(findings, "MTASTS-33")
    # A lookup that failed is "could not check".
    zone[("mx2.example.org", "A")] = "SERVFAIL"
    zone[("mx2.example.org", "AAAA")] = "SERVFAIL"
    findings = evaluate(monkeypatch, zone, body=POLICY.replace("enforce", "testing"))
    assert Status.ERROR in statuses(findings, "MTASTS-32")


# --- fixes that make an unusable enforce policy usable ---------------------------------------

EXPIRED = {"mx1.example.org": FakeProbe(mta_sts_ok=False, problem="certificate expired")}


@pytest.mark.parametrize(
    ("zone", "body", "failed"),
    [
        (
            ZONE,
            POLICY.replace("mx: mx1.example.org\r\nmx: mx2.example.org", "nmx: mx1.example.org"),
            "MTASTS-24",
        ),
        (ZONE, POLICY.replace("604800", "31557601"), "MTASTS-23"),
        (
            {**ZONE, ("_mta-sts.example.org", "TXT"): ['"v=STSv1; id=2026-06-01"']},
            POLICY,
            "MTASTS-05",
        ),
    ],
    ids=["nmx", "max-age", "record-id"],
)
def test_fix_making_enforce_usable_proposes_testing_while_an_mx_fails(
    monkeypatch: pytest.MonkeyPatch, zone: dict[tuple[str, str], Any], body: str, failed: str
) -> None:
    # The fix is what makes senders apply the policy: keeping "mode: enforce" while mx1's
    # certificate is expired would have them refuse mx1 (RFC 8461 §5), the gate that holds
    # back the testing -> enforce suggestion.
    findings = evaluate(monkeypatch, zone, body=body, probes=EXPIRED)
    fix = fix_of(findings, failed)
    mx = mx_lines("mx1.example.org", "mx2.example.org")
    policy_change(fix, FILE.format(mode="testing", mx=mx))
    # The MX hosts are validated even when the policy has no usable pattern.
    assert Status.WARN in statuses(findings, "MTASTS-32")


def test_fix_making_enforce_usable_keeps_enforce_when_every_mx_validates(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body = POLICY.replace("mx: mx1.example.org\r\nmx: mx2.example.org", "nmx: mx1.example.org")
    findings = evaluate(monkeypatch, body=body)
    mx = mx_lines("mx1.example.org", "mx2.example.org")
    policy_change(fix_of(findings, "MTASTS-24"), FILE.format(mode="enforce", mx=mx))
    assert statuses(findings, "MTASTS-32") == [Status.PASS]


# --- a policy served but not announced ------------------------------------------------------

NO_RECORD = {k: v for k, v in ZONE.items() if k[0] != "_mta-sts.example.org"}


@pytest.mark.parametrize(
    ("body", "probes", "mx"),
    [
        (
            POLICY.replace("mx: mx1.example.org\r\nmx: mx2.example.org", "mx: old.provider.test"),
            {},
            ("old.provider.test", "mx1.example.org", "mx2.example.org"),
        ),
        (POLICY, EXPIRED, ("mx1.example.org", "mx2.example.org")),
    ],
    ids=["mx-not-covered", "mx-fails-validation"],
)
def test_unannounced_policy_that_would_lose_mail_is_not_announced_as_is(
    monkeypatch: pytest.MonkeyPatch, body: str, probes: dict[str, FakeProbe], mx: tuple[str, ...]
) -> None:
    # Publishing the record makes senders enforce the served file: with an MX it does not
    # cover, or one failing validation, that refuses mail. The file changes first (testing,
    # the MX hosts added), then the record.
    findings = evaluate(monkeypatch, NO_RECORD, body=body, probes=probes)
    fix = fix_of(findings, "MTASTS-01")
    assert fix.startswith("1. Replace the policy file at https://mta-sts.example.org/")
    assert FILE.format(mode="testing", mx=mx_lines(*mx)) in fix
    assert "publish the record" in fix
    assert fix.splitlines()[-1].startswith('_mta-sts.example.org. TXT "v=STSv1; id=')


def test_unannounced_policy_served_as_html_is_not_served(monkeypatch: pytest.MonkeyPatch) -> None:
    # Senders reject a text/html policy (MTASTS-15): the record alone would announce nothing.
    findings = evaluate(monkeypatch, NO_RECORD, headers={"content-type": "text/html"})
    note = next(f for f in findings if f.id == "MTASTS-01")
    assert "but not announced" not in note.summary
    assert not note.fix.startswith("_mta-sts.example.org. TXT")
    assert "text/plain" in note.fix


# --- TLS reporting next to a policy senders do not apply --------------------------------------

NO_TLSRPT = {k: v for k, v in ZONE.items() if k[0] != "_smtp._tls.example.org"}


@pytest.mark.parametrize(
    ("zone", "body"),
    [
        (NO_TLSRPT, "version: STSv1\nmode: none\nmax_age: 86400\n"),
        ({**NO_TLSRPT, ("_mta-sts.example.org", "TXT"): ['"v=stsv1; id=1"']}, POLICY),
    ],
    ids=["mode-none", "discarded-record"],
)
def test_without_tlsrpt_is_info_when_senders_apply_no_policy(
    monkeypatch: pytest.MonkeyPatch, zone: dict[tuple[str, str], Any], body: str
) -> None:
    # With mode none or a record senders discard (MTASTS-04) there is no MTA-STS failure to
    # report: "deployed without TLS reporting" would warn about a mechanism not in effect.
    findings = evaluate(monkeypatch, zone, body=body)
    assert statuses(findings, "MTASTS-34") == [Status.INFO]


def test_serving_a_new_policy_changes_the_id(monkeypatch: pytest.MonkeyPatch) -> None:
    # A sender that cached a policy under this id keeps it until the id changes (RFC 8461
    # §3.1): the file first, then the record with a new id.
    # A 404 page, no policy (one carrying a valid policy: tests/test_engine_s45l_*.py).
    findings = evaluate(
        monkeypatch,
        status=404,
        body="<html>Not Found</html>",
        headers={"content-type": "text/html"},
    )
    fix = fix_of(findings, "MTASTS-10")
    # The record ends the steps; the withdrawal alternative (s48b) follows them.
    record, withdrawal = fix.splitlines()[-2:]
    assert withdrawal.startswith("If MTA-STS is being withdrawn instead")
    assert fix.startswith("1. Serve this file at https://mta-sts.example.org/")
    assert record.startswith('_mta-sts.example.org. TXT "v=STSv1; id=')
    assert "id=20260601T0000" not in record
    assert fix.index("mode: testing") < fix.index("2. Then") < fix.index(record)


def test_uncovered_primary_mx_sends_all_mail_to_the_backup(monkeypatch: pytest.MonkeyPatch) -> None:
    findings = evaluate(monkeypatch, body=POLICY.replace("mx: mx1.example.org\r\n", ""))
    note = next(f for f in findings if f.id == "MTASTS-30")
    assert note.status == Status.WARN
    assert "primary" in note.summary and "all mail goes" in note.summary
    assert "mx2.example.org" in note.summary and "only when the other MX" not in note.summary


# --- DANE next to MTA-STS --------------------------------------------------------------------

TLSA_ZONE = {**ZONE, ("_25._tcp.mx1.example.org", "TLSA"): ["3 1 1 " + "ab" * 32]}


def test_insecure_tlsa_does_not_make_dane_win(monkeypatch: pytest.MonkeyPatch) -> None:
    # TLSA in an unsigned zone is ignored by DANE senders (RFC 7672 §2.2): MTA-STS applies.
    assert statuses(evaluate(monkeypatch, TLSA_ZONE), "MTASTS-35") == []


def test_secure_tlsa_makes_dane_win(monkeypatch: pytest.MonkeyPatch) -> None:
    import tests.test_mtasts as this

    plain = this.make_ctx

    def signed_ctx(domain: str, zone: Any, **kw: Any) -> Any:
        ctx = plain(domain, zone, **kw)
        ctx.dns.ad = True  # every answer DNSSEC-validated
        return ctx

    monkeypatch.setattr(this, "make_ctx", signed_ctx)
    findings = evaluate(monkeypatch, TLSA_ZONE)
    assert statuses(findings, "MTASTS-35") == [Status.INFO]
    assert "_25._tcp.mx1.example.org" in next(f.subject for f in findings if f.id == "MTASTS-35")


def test_a_syntax_fix_keeps_the_owners_patterns(monkeypatch: pytest.MonkeyPatch) -> None:
    # A comment line (MTASTS-29) is repaired; the wildcard and the old MX still held by
    # senders stay listed, the MX no pattern covers is added (RFC 8461 §8.1).
    body = (
        "version: STSv1\nmode: enforce\n# MTA-STS\nmx: *.mail.protection.outlook.com\n"
        "mx: mx-old.example.org\nmax_age: 604800\n"
    )
    zone = {
        **ZONE,
        ("example.org", "MX"): [
            "10 example-org.mail.protection.outlook.com.",
            "20 mx2.example.org.",
        ],
        ("example-org.mail.protection.outlook.com", "A"): ["192.0.2.21"],
    }
    findings = evaluate(monkeypatch, zone, body=body)
    fixes = [f.fix for f in findings if f.id == "MTASTS-29" and f.fix]
    assert fixes
    assert "mx: *.mail.protection.outlook.com" in fixes[0]
    assert "mx: mx-old.example.org" in fixes[0]
    assert "mx: mx2.example.org" in fixes[0]
    assert "mx: example-org.mail.protection.outlook.com" not in fixes[0]  # already covered


def test_a_delegated_record_is_changed_at_its_target(monkeypatch: pytest.MonkeyPatch) -> None:
    # _mta-sts.example.org CNAME _mta-sts.provider.test: no TXT can sit next to the CNAME
    # (RFC 1034 §3.6.2); the id is changed at the target by whoever runs it (RFC 8461 §8.2).
    body = "version: STSv1\nmode: enforce\nmx: mx1.example.org\nmax_age: 604800\n"
    mp = pytest.MonkeyPatch()
    original = make_ctx
    mp.setattr(
        sys.modules[__name__],
        "make_ctx",
        lambda d, z, **k: original(
            d, z, cnames={"_mta-sts.example.org": "_mta-sts.provider.test"}, **k
        ),
    )
    zone = {
        **ZONE,
        ("_mta-sts.provider.test", "TXT"): ['"v=STSv1; id=20260601T0000"'],
    }
    try:
        findings = evaluate(monkeypatch, zone, body=body)
    finally:
        mp.undo()
    fix = next(f.fix for f in findings if f.id == "MTASTS-30")
    assert '_mta-sts.provider.test. TXT "v=STSv1; id=' in fix
    assert "_mta-sts.example.org. TXT" not in fix
    assert "is an alias of _mta-sts.provider.test" in fix


# --- one policy change per run ----------------------------------------------------------------
# fresh_id() is per second: two different files offered in one run carry the same new id, so
# an owner applying both in turn changes the file under an id senders already cached it with
# (RFC 8461 §3.1, §5.1). Every finding that changes the policy offers the same merged file.


def policy_changes(findings: list[Finding]) -> dict[str, set[str]]:
    """The policy file each finding offers, by check ID (the file part of the fix)."""
    head = "1. Replace the policy file at "
    out: dict[str, set[str]] = {}
    for f in findings:
        if head in f.fix:
            part = f.fix[f.fix.index(head) :]
            out.setdefault(f.id, set()).add(part)
    return out


WIDE = {
    **ZONE,
    ("example.org", "MX"): ["10 mx1.example.org.", "20 mx2.example.org.", "30 mx3.other.test."],
    ("mx3.other.test", "A"): ["192.0.2.13"],
}


def test_every_policy_change_of_a_run_offers_one_merged_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # max_age under a day (MTASTS-23), mx3 uncovered (MTASTS-30), a wildcard over the domain
    # (MTASTS-31): one file repairs all three, the owner's other pattern kept.
    body = "version: STSv1\nmode: testing\nmx: *.example.org\nmx: mx9.example.net\nmax_age: 3600\n"
    findings = evaluate(monkeypatch, WIDE, body=body)
    offered = policy_changes(findings)
    assert set(offered) == {"MTASTS-23", "MTASTS-30", "MTASTS-31"}
    files = set().union(*offered.values())
    assert len(files) == 1
    mx = mx_lines("mx1.example.org", "mx2.example.org", "mx9.example.net", "mx3.other.test")
    policy_change(files.pop(), FILE.format(mode="testing", mx=mx))


def test_a_syntax_repair_and_the_mx_cover_offer_the_same_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body = "version: STSv1\nmode: enforce\n# MTA-STS\nmx: *.example.org\nmax_age: 604800\n"
    zone = {**WIDE, ("example.org", "MX"): ["10 mx1.example.org.", "20 mx3.other.test."]}
    findings = evaluate(monkeypatch, zone, body=body)
    offered = policy_changes(findings)
    assert {"MTASTS-29", "MTASTS-30", "MTASTS-31"} <= set(offered)
    files = set().union(*offered.values())
    assert len(files) == 1
    mx = mx_lines("mx1.example.org", "mx3.other.test")
    policy_change(files.pop(), FILE.format(mode="enforce", mx=mx))


def test_a_record_repair_goes_with_the_runs_policy_change(monkeypatch: pytest.MonkeyPatch) -> None:
    # The repaired record alone makes senders cache the served file under the new id; the MX
    # cover would then "change" the id to that same value.
    zone = {**ZONE, ("_mta-sts.example.org", "TXT"): ['"v=STSv1; id=2026-06-01"']}
    findings = evaluate(monkeypatch, zone, body=POLICY.replace("mx: mx2.example.org\r\n", ""))
    assert fix_of(findings, "MTASTS-05") == fix_of(findings, "MTASTS-30")
    mx = mx_lines("mx1.example.org", "mx2.example.org")
    policy_change(fix_of(findings, "MTASTS-05"), FILE.format(mode="enforce", mx=mx))


def test_a_record_repair_alone_stays_a_record(monkeypatch: pytest.MonkeyPatch) -> None:
    zone = {**ZONE, ("_mta-sts.example.org", "TXT"): ['"v=STSv1; id=2026-06-01"']}
    findings = evaluate(monkeypatch, zone)
    assert fix_of(findings, "MTASTS-05").startswith('_mta-sts.example.org. TXT "v=STSv1; id=')


def test_the_testing_fallback_of_a_failing_mx_is_the_runs_policy_change(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # mx1 fails under enforce (MTASTS-32: switch to testing meanwhile) and mx2 is uncovered
    # (MTASTS-30): one file, testing, with mx2 added.
    findings = evaluate(
        monkeypatch, body=POLICY.replace("mx: mx2.example.org\r\n", ""), probes=EXPIRED
    )
    cover = fix_of(findings, "MTASTS-30")
    failing = fix_of(findings, "MTASTS-32")
    assert failing.endswith(cover)
    mx = mx_lines("mx1.example.org", "mx2.example.org")
    policy_change(cover, FILE.format(mode="testing", mx=mx))


def test_enforce_suggestion_waits_for_the_runs_policy_change(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Every MX covered and validating, but max_age is under a day: the MTASTS-23 file comes
    # first; an enforce file next to it would be a second file under the same new id.
    findings = evaluate(
        monkeypatch, body=POLICY.replace("enforce", "testing").replace("604800", "3600")
    )
    note = next(f for f in findings if f.id == "MTASTS-33")
    assert "mode: enforce" not in note.fix and "id=" not in note.fix
    assert "MTASTS-23" in note.fix
    assert set(policy_changes(findings)) == {"MTASTS-23"}


def test_a_changed_policy_under_the_old_id_gets_the_runs_policy_change(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # MTASTS-09 (the id must change) next to MTASTS-23: one new id, with the repaired file.
    findings = evaluate(
        monkeypatch, body=POLICY.replace("604800", "3600"), previous=("20260601T0000", "0" * 64)
    )
    assert statuses(findings, "MTASTS-09") == [Status.WARN]
    assert fix_of(findings, "MTASTS-09") == fix_of(findings, "MTASTS-23")
