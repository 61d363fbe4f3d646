"""Hosted MTA-STS advice in every case where mta-sts.<domain> leads to mailsec's policy host
(CheckConfig.hosted_policy_host), without the lab: the engine's DNS is the in-memory FakeDns
(tests.test_mx.make_ctx) and the HTTPS fetch and STARTTLS probe are replaced, as the other
mtasts unit tests do; the fetch looks the policy host up through the check's own DNS client,
as https.fetch does, so the addresses it reports are the zone's.

1. A policy host leads to us by a CNAME chain through our host or, as the hosting app's own
   check has it (mailsec.hosting.lookups.points_at_us), by addresses that are all our host's.
   A lookup that fails (ours or the customer's) leaves the generic advice.
2. MTASTS-01 (no _mta-sts record) under such a policy host says to turn hosting on, or to
   publish the _mta-sts record the hosting page lists, not the generic three-step setup.
3. MTASTS-10 beside one of MTASTS-12/-13/-14 carries a short pointer, not the whole fix again.
No status changes: every case is compared with the same check without our host configured.
The lab side is tests/test_lab_s16h_hosted.py.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from checks import https, mtasts, starttls
from checks.context import CheckContext
from checks.findings import Finding, Status
from tests.test_mtasts import FakeProbe
from tests.test_mx import make_ctx

OURS = "mta-sts-host.mailsec.example"
HOSTED = "points to mailsec's hosted MTA-STS"
GENERIC = "ask the provider that hosts"
# The part of the hosted fix said once per page.
FULL = "Nothing needs changing in DNS for mta-sts.example.org"
# MTASTS-10's own fix beside a certificate refused (MTASTS-12) that is not ours: the certificate,
# not a new policy file (s45h).
CERT_FIX = "No sender can fetch a policy from mta-sts.example.org over the certificate it presents"
POLICY = "version: STSv1\r\nmode: testing\r\nmx: mx1.example.org\r\nmax_age: 604800\r\n"

BASE: dict[tuple[str, str], list[str] | str] = {
    ("example.org", "MX"): ["10 mx1.example.org."],
    ("mx1.example.org", "A"): ["192.0.2.11"],
    ("_mta-sts.example.org", "TXT"): ['"v=STSv1; id=20260601T0000"'],
    (OURS, "A"): ["192.0.2.80", "192.0.2.81"],
    (OURS, "AAAA"): ["2001:db8::80"],
    ("sts.provider.example", "A"): ["198.51.100.7"],
}


def zone(
    *drop: tuple[str, str], **policy_host: list[str] | str
) -> dict[tuple[str, str], list[str] | str]:
    """BASE without `drop`, with mta-sts.example.org's A/AAAA as given (a=..., aaaa=...)."""
    out = {k: v for k, v in BASE.items() if k not in drop}
    for rdtype, value in policy_host.items():
        out[("mta-sts.example.org", rdtype.upper())] = value
    return out


def check(
    monkeypatch: pytest.MonkeyPatch,
    records: dict[tuple[str, str], list[str] | str],
    *,
    kind: str | None = "tls-cert",
    status: int | None = None,
    body: str = POLICY,
    cnames: dict[str, str] | None = None,
    ours: str = OURS,
    probe: FakeProbe | None = None,
) -> tuple[list[Finding], CheckContext]:
    """mtasts.evaluate for example.org, the policy fetch ending as `kind`/`status`."""

    async def fake_fetch(ctx: CheckContext, url: str, **kw: Any) -> https.HttpsResult:
        host = url.split("/")[2]
        addresses, answers = await ctx.dns.addresses(host)
        result = https.HttpsResult(url=url, host=host, dns=answers, elapsed_ms=5.0)
        if not addresses:
            result.error_kind, result.error = "dns", f"{host} has no IPv4 or IPv6 address"
            return result
        result.per_address = [
            https.AddressOutcome(a, kind is None, status=status, error_kind=kind) for a in addresses
        ]
        if kind is not None:
            result.error_kind, result.error = kind, "simulated"
            if kind == "tls-cert":
                result.cert = https.CertInfo(sans=[OURS], verify_error="Hostname mismatch")
            return result
        result.status = status
        result.headers = {"content-type": "text/plain"}
        result.body = body.encode() if status == 200 else b"404 page not found"
        return result

    async def probe_mx(ctx: Any, host: str, address: str) -> FakeProbe:
        return probe or FakeProbe()

    monkeypatch.setattr(starttls, "probe_mx", probe_mx)
    monkeypatch.setattr(https, "fetch", fake_fetch)
    ctx = make_ctx("example.org", records, cnames=cnames, hosted_policy_host=ours)
    return asyncio.run(mtasts.evaluate(ctx)), ctx


def bad(findings: list[Finding]) -> dict[str, Finding]:
    return {f.id: f for f in findings if f.status in (Status.FAIL, Status.WARN)}


def verdicts(findings: list[Finding]) -> list[tuple[str, str, str]]:
    return sorted((f.id, str(f.status), f.summary) for f in findings)


def same_verdicts(monkeypatch: pytest.MonkeyPatch, findings: list[Finding], **kw: Any) -> None:
    """Wording only: the check without our host configured gives the same findings."""
    without, _ = check(monkeypatch, ours="", **kw)
    assert verdicts(findings) == verdicts(without)


# --- 1. addresses that are all ours ----------------------------------------------------------


@pytest.mark.parametrize(
    "policy_host",
    [
        {"a": ["192.0.2.80"]},  # one of our IPv4 addresses
        {"a": ["192.0.2.81", "192.0.2.80"], "aaaa": ["2001:db8::80"]},  # all of them
        {"aaaa": ["2001:db8:0:0::80"]},  # IPv6 only, written otherwise
    ],
)
def test_it_recognises_a_policy_host_with_our_addresses(
    monkeypatch: pytest.MonkeyPatch, policy_host: dict[str, list[str]]
) -> None:
    records = zone(**policy_host)
    findings, _ = check(monkeypatch, records)
    failed = bad(findings)
    assert set(failed) == {"MTASTS-10", "MTASTS-12"}
    fix = failed["MTASTS-12"].fix
    assert fix.startswith(f"mta-sts.example.org {HOSTED} ({OURS}), which has no valid"), fix
    assert "turn on hosting for example.org on its page in mailsec" in fix and GENERIC not in fix
    same_verdicts(monkeypatch, findings, records=records)


@pytest.mark.parametrize(
    "policy_host",
    [
        {"a": ["192.0.2.80", "198.51.100.7"]},  # one address elsewhere: not only ours
        {"a": ["192.0.2.80"], "aaaa": ["2001:db8::99"]},
        {"a": ["198.51.100.7"]},
    ],
)
def test_it_keeps_the_generic_fix_for_addresses_not_all_ours(
    monkeypatch: pytest.MonkeyPatch, policy_host: dict[str, list[str]]
) -> None:
    findings, _ = check(monkeypatch, zone(**policy_host))
    failed = bad(findings)
    assert GENERIC in failed["MTASTS-12"].fix
    assert all(HOSTED not in f.fix for f in findings)
    assert failed["MTASTS-10"].fix.startswith(CERT_FIX)


@pytest.mark.parametrize("rdtype", ["A", "AAAA"])
def test_a_failed_lookup_of_our_addresses_falls_back_to_the_generic_fix(
    monkeypatch: pytest.MonkeyPatch, rdtype: str
) -> None:
    records = zone(a=["192.0.2.80"], aaaa=["2001:db8::80"])
    records[(OURS, rdtype)] = "SERVFAIL"
    findings, _ = check(monkeypatch, records)
    assert GENERIC in bad(findings)["MTASTS-12"].fix
    assert all(HOSTED not in f.fix for f in findings)
    same_verdicts(monkeypatch, findings, records=records)


def test_our_other_family_failing_does_not_hide_a_match(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every address the policy host has is among the ours that were found.
    records = zone(a=["192.0.2.80"])
    records[(OURS, "AAAA")] = "SERVFAIL"
    findings, _ = check(monkeypatch, records)
    assert bad(findings)["MTASTS-12"].fix.startswith(f"mta-sts.example.org {HOSTED}")


def test_a_failed_lookup_of_the_policy_host_falls_back_too(monkeypatch: pytest.MonkeyPatch) -> None:
    # Its IPv6 addresses are unknown: they may not be ours.
    records = zone(a=["192.0.2.80"], aaaa="SERVFAIL")
    findings, _ = check(monkeypatch, records)
    assert GENERIC in bad(findings)["MTASTS-12"].fix
    same_verdicts(monkeypatch, findings, records=records)


def test_our_addresses_are_looked_up_only_when_the_advice_needs_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A CNAME through our host settles it; a fetch that is not hosting being off needs nothing.
    _, ctx = check(monkeypatch, zone(), cnames={"mta-sts.example.org": OURS})
    assert (OURS, "A") not in ctx.dns.asked  # type: ignore[attr-defined]
    _, ctx = check(monkeypatch, zone(a=["192.0.2.80"]), kind=None, status=200)
    assert (OURS, "A") not in ctx.dns.asked  # type: ignore[attr-defined]
    _, ctx = check(monkeypatch, zone(a=["192.0.2.80"]), kind="timeout")
    assert (OURS, "A") not in ctx.dns.asked  # type: ignore[attr-defined]
    _, ctx = check(monkeypatch, zone(a=["192.0.2.80"]), ours="")
    assert (OURS, "A") not in ctx.dns.asked  # type: ignore[attr-defined]


def test_a_404_from_our_addresses_gets_the_hosting_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    records = zone(a=["192.0.2.80"])
    findings, _ = check(monkeypatch, records, kind=None, status=404)
    assert f"({OURS}), which serves no policy for example.org" in bad(findings)["MTASTS-14"].fix
    same_verdicts(monkeypatch, findings, records=records, kind=None, status=404)


# --- 2. no _mta-sts record while mta-sts.<domain> leads to us --------------------------------

NO_RECORD = ("_mta-sts.example.org", "TXT")


@pytest.mark.parametrize(
    ("policy_host", "cnames"),
    [({}, {"mta-sts.example.org": OURS}), ({"a": ["192.0.2.80"]}, None)],
    ids=["cname", "addresses"],
)
@pytest.mark.parametrize(("kind", "status"), [("tls-cert", None), ("tls", None), (None, 404)])
def test_no_record_under_our_host_says_turn_hosting_on_then_publish_the_record(
    monkeypatch: pytest.MonkeyPatch,
    policy_host: dict[str, list[str]],
    cnames: dict[str, str] | None,
    kind: str | None,
    status: int | None,
) -> None:
    records = zone(NO_RECORD, **policy_host)
    findings, _ = check(monkeypatch, records, kind=kind, status=status, cnames=cnames)
    assert [(f.id, f.status) for f in findings] == [("MTASTS-01", Status.INFO)]
    fix = findings[0].fix
    assert fix.startswith(f"mta-sts.example.org {HOSTED} ({OURS})"), fix
    assert "1. Turn on hosting for example.org on its page in mailsec" in fix
    # The record last, as the hosting page gives it (a CNAME into our zone, or a TXT).
    assert "2. Then publish the _mta-sts.example.org record listed on that page" in fix
    assert "Publish these three" not in fix and "_mta-sts.example.org. TXT" not in fix
    same_verdicts(monkeypatch, findings, records=records, kind=kind, status=status, cnames=cnames)


def test_no_record_under_a_policy_host_we_serve_says_publish_the_record(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Hosting is on (the policy is served from our host): only the record is missing.
    records = zone(NO_RECORD, a=["192.0.2.80"])
    findings, _ = check(monkeypatch, records, kind=None, status=200)
    (finding,) = findings
    assert finding.summary.startswith("A policy file is served at")
    assert finding.fix.startswith(
        f"mta-sts.example.org is served by mailsec's hosted MTA-STS ({OURS}): publish the "
        "_mta-sts.example.org record listed on example.org's page in mailsec"
    ), finding.fix
    assert "mode" not in finding.fix
    same_verdicts(monkeypatch, findings, records=records, kind=None, status=200)


def test_no_record_under_an_enforced_policy_that_would_lose_mail_says_testing_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    records = zone(NO_RECORD, a=["192.0.2.80"])
    enforce = POLICY.replace("mode: testing", "mode: enforce")
    findings, _ = check(
        monkeypatch,
        records,
        kind=None,
        status=200,
        body=enforce,
        probe=FakeProbe(mta_sts_ok=False, problem="certificate expired"),
    )
    fix = findings[0].fix
    assert "set the mode to testing there first" in fix, fix
    assert "_mta-sts.example.org record listed on example.org's page" in fix


def test_no_record_under_another_host_keeps_the_generic_setup(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for records, cnames in [
        (zone(NO_RECORD), {"mta-sts.example.org": "sts.provider.example"}),
        (zone(NO_RECORD, a=["198.51.100.7"]), None),
        (zone(NO_RECORD), None),  # no policy host at all
    ]:
        findings, _ = check(monkeypatch, records, cnames=cnames)
        assert findings[0].fix.startswith("Publish these three, in this order:"), findings[0].fix
        assert HOSTED not in findings[0].fix


def test_no_record_and_our_lookup_failing_keeps_the_generic_setup(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    records = zone(NO_RECORD, a=["192.0.2.80"])
    records[(OURS, "A")] = "SERVFAIL"
    findings, _ = check(monkeypatch, records)
    assert findings[0].fix.startswith("Publish these three, in this order:")
    same_verdicts(monkeypatch, findings, records=records)


def test_no_record_and_a_fetch_that_is_not_hosting_off_keeps_the_generic_setup(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A timeout or a refused connection may be our outage, not hosting being off: the
    # generic setup, and our host's addresses are not looked up for it (review, session 16).
    for records in (zone(NO_RECORD, a=["192.0.2.80"]), zone(NO_RECORD, a=["198.51.100.7"])):
        for kind in ("timeout", "connect"):
            findings, ctx = check(monkeypatch, records, kind=kind)
            assert findings[0].fix.startswith("Publish these three, in this order:"), kind
            assert (OURS, "A") not in ctx.dns.asked  # type: ignore[attr-defined]


# --- 3. the hosted fix once per page ---------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "status", "specific"),
    [("tls-cert", None, "MTASTS-12"), ("tls", None, "MTASTS-13"), (None, 404, "MTASTS-14")],
)
@pytest.mark.parametrize(
    ("policy_host", "cnames"),
    [({}, {"mta-sts.example.org": OURS}), ({"a": ["192.0.2.80"]}, None)],
    ids=["cname", "addresses"],
)
def test_the_hosted_fix_is_given_once_and_mtasts_10_points_to_it(
    monkeypatch: pytest.MonkeyPatch,
    kind: str | None,
    status: int | None,
    specific: str,
    policy_host: dict[str, list[str]],
    cnames: dict[str, str] | None,
) -> None:
    records = zone(**policy_host)
    findings, _ = check(monkeypatch, records, kind=kind, status=status, cnames=cnames)
    failed = bad(findings)
    assert set(failed) == {"MTASTS-10", specific}
    assert [f.id for f in findings if FULL in f.fix] == [specific]
    pointer = failed["MTASTS-10"].fix
    assert pointer.startswith(f"mta-sts.example.org {HOSTED} ({OURS}), which "), pointer
    assert f"the fix of {specific} says how to turn on hosting for example.org" in pointer
    assert len(pointer) < len(failed[specific].fix) / 2
    same_verdicts(monkeypatch, findings, records=records, kind=kind, status=status, cnames=cnames)


def test_mtasts_10_keeps_its_own_fix_when_the_refusal_is_not_ours(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    findings, _ = check(monkeypatch, zone(), cnames={"mta-sts.example.org": "sts.provider.example"})
    assert bad(findings)["MTASTS-10"].fix.startswith(CERT_FIX)
