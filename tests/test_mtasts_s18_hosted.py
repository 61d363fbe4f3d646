"""Hosted MTA-STS advice, round 18: what the check knows from the app beyond our host's name.

1. Hosting already on (CheckConfig.hosting_on_since, given by the app for a domain whose policy
   it serves): a policy host of ours without a certificate is told as a certificate being
   issued, with the time to check again in the first minutes, never as hosting to turn on;
   MTASTS-01 under it says the record comes once the policy is served.
2. Our policy zone known (CheckConfig.hosted_policy_zone, MAILSEC_POLICY_ZONE): MTASTS-01's
   hosted fix gives the exact `_mta-sts` CNAME the hosting page lists.
3. The app fills both: the monitored check's run_check (hosting state from the domain's
   servable policy, its latest "enabled" event) and the free check (the zone only).
Wording only: every case is compared with the same check without our host configured.
The s16 cases (CNAME or addresses, once per page) are tests/test_mtasts_s16_hosted.py.
"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from datetime import timezone as dt_timezone
from typing import Any
from unittest import mock

import pytest

from checks import https, mtasts, starttls
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.findings import DomainReport, Finding, Status
from tests.test_mtasts import FakeProbe
from tests.test_mtasts_s16_hosted import NO_RECORD, OURS, POLICY, zone
from tests.test_mx import make_ctx

ZONE = "policy.mailsec.example"
TURN_ON = "turn on hosting"


def check(
    monkeypatch: pytest.MonkeyPatch,
    records: dict[tuple[str, str], list[str] | str],
    *,
    kind: str | None = "tls-cert",
    status: int | None = None,
    cnames: dict[str, str] | None = None,
    **config: Any,
) -> list[Finding]:
    """mtasts.evaluate for example.org with `config`, the policy fetch ending as `kind`/`status`
    (as tests.test_mtasts_s16_hosted.check, with any CheckConfig field)."""

    async def fake_fetch(ctx: CheckContext, url: str, **kw: Any) -> https.HttpsResult:
        host = url.split("/")[2]
        addresses, answers = await ctx.dns.addresses(host)
        result = https.HttpsResult(url=url, host=host, dns=answers, elapsed_ms=5.0)
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
        result.body = POLICY.encode() if status == 200 else b"404 page not found"
        return result

    async def probe_mx(ctx: Any, host: str, address: str) -> FakeProbe:
        return FakeProbe()

    monkeypatch.setattr(starttls, "probe_mx", probe_mx)
    monkeypatch.setattr(https, "fetch", fake_fetch)
    config.setdefault("hosted_policy_host", OURS)
    ctx = make_ctx("example.org", records, cnames=cnames, **config)
    return asyncio.run(mtasts.evaluate(ctx))


def bad(findings: list[Finding]) -> dict[str, Finding]:
    return {f.id: f for f in findings if f.status in (Status.FAIL, Status.WARN)}


def verdicts(findings: list[Finding]) -> list[tuple[str, str, str]]:
    return sorted((f.id, str(f.status), f.summary) for f in findings)


def same_verdicts(monkeypatch: pytest.MonkeyPatch, findings: list[Finding], **kw: Any) -> None:
    """Wording only: the check knowing nothing of our hosting gives the same findings."""
    kw.update(hosted_policy_host="", hosted_policy_zone="", hosting_on_since=None)
    assert verdicts(findings) == verdicts(check(monkeypatch, **kw))


def minutes_ago(n: float) -> datetime:
    return datetime.now(UTC) - timedelta(minutes=n)


WAYS = pytest.mark.parametrize(
    ("policy_host", "cnames"),
    [({}, {"mta-sts.example.org": OURS}), ({"a": ["192.0.2.80"]}, None)],
    ids=["cname", "addresses"],
)


# --- 1. hosting already on -------------------------------------------------------------------


@WAYS
@pytest.mark.parametrize(("kind", "specific"), [("tls-cert", "MTASTS-12"), ("tls", "MTASTS-13")])
def test_a_certificate_in_its_first_minutes_is_being_issued_with_a_time_to_check_again(
    monkeypatch: pytest.MonkeyPatch,
    policy_host: dict[str, list[str]],
    cnames: dict[str, str] | None,
    kind: str,
    specific: str,
) -> None:
    since = minutes_ago(2)
    kw: dict[str, Any] = {"records": zone(**policy_host), "cnames": cnames, "kind": kind}
    findings = check(monkeypatch, hosting_on_since=since, **kw)
    failed = bad(findings)
    assert set(failed) == {"MTASTS-10", specific}
    fix = failed[specific].fix
    due = (since + timedelta(minutes=mtasts.CERT_ISSUE_MINUTES)).astimezone(UTC)
    assert fix.startswith(
        f"Hosting for example.org was turned on in mailsec at {since:%Y-%m-%d %H:%M} UTC: the "
        "certificate for mta-sts.example.org is being issued"
    ), fix
    assert f"Check again after {due:%H:%M} UTC." in fix
    assert TURN_ON not in fix.lower() and "ask the provider" not in fix
    # MTASTS-10 still points to it, without the hosting steps.
    pointer = failed["MTASTS-10"].fix
    assert pointer.endswith(f"the fix of {specific} says when to check again."), pointer
    assert TURN_ON not in pointer
    same_verdicts(monkeypatch, findings, **kw)


def test_the_time_to_check_again_is_said_in_utc(monkeypatch: pytest.MonkeyPatch) -> None:
    tz = dt_timezone(timedelta(hours=5, minutes=30))
    since = minutes_ago(1).astimezone(tz)
    fix = bad(check(monkeypatch, zone(a=["192.0.2.80"]), hosting_on_since=since))["MTASTS-12"].fix
    utc = since.astimezone(UTC)
    assert f"at {utc:%Y-%m-%d %H:%M} UTC" in fix
    assert f"after {utc + timedelta(minutes=mtasts.CERT_ISSUE_MINUTES):%H:%M} UTC" in fix


def test_a_certificate_missing_long_after_hosting_was_turned_on_is_not_told_as_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    since = minutes_ago(24 * 60)
    records = zone(a=["192.0.2.80"])
    findings = check(monkeypatch, records, hosting_on_since=since)
    fix = bad(findings)["MTASTS-12"].fix
    assert fix.startswith(
        f"Hosting for example.org is on in mailsec (since {since:%Y-%m-%d %H:%M} UTC), but "
        f"mailsec's hosted MTA-STS ({OURS}) has no valid certificate for it yet."
    ), fix
    assert "if it was pointed there only recently, check again in a few minutes" in fix
    assert "being issued" not in fix and "Check again after" not in fix
    assert TURN_ON not in fix.lower()
    same_verdicts(monkeypatch, findings, records=records)


def test_a_404_with_hosting_on_is_not_told_as_a_certificate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    records = zone(a=["192.0.2.80"])
    findings = check(monkeypatch, records, kind=None, status=404, hosting_on_since=minutes_ago(1))
    fix = bad(findings)["MTASTS-14"].fix
    assert f"({OURS}) serves no policy for example.org. Check again in a few minutes." in fix
    assert "certificate is issued" not in fix and TURN_ON not in fix.lower()
    same_verdicts(monkeypatch, findings, records=records, kind=None, status=404)


def test_hosting_on_changes_nothing_for_a_policy_host_that_is_not_ours(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cnames = {"mta-sts.example.org": "sts.provider.example"}
    # The fixes offer a new record id made of the current second (mtasts.fresh_id): the two
    # checks must offer the same one even when a second ends between them (seen under load).
    new_id = mtasts.fresh_id()
    monkeypatch.setattr(mtasts, "fresh_id", lambda: new_id)
    on = check(monkeypatch, zone(), cnames=cnames, hosting_on_since=minutes_ago(1))
    off = check(monkeypatch, zone(), cnames=cnames)
    assert [(f.id, f.fix) for f in on] == [(f.id, f.fix) for f in off]
    assert "ask the provider that hosts" in bad(on)["MTASTS-12"].fix


@WAYS
def test_no_record_while_the_certificate_is_issued_says_the_record_comes_once_served(
    monkeypatch: pytest.MonkeyPatch, policy_host: dict[str, list[str]], cnames: dict[str, str]
) -> None:
    since = minutes_ago(3)
    kw: dict[str, Any] = {"records": zone(NO_RECORD, **policy_host), "cnames": cnames}
    findings = check(monkeypatch, hosting_on_since=since, hosted_policy_zone=ZONE, **kw)
    (finding,) = findings
    due = since + timedelta(minutes=mtasts.CERT_ISSUE_MINUTES)
    assert finding.fix.startswith(
        f"Hosting for example.org is on in mailsec (since {since:%Y-%m-%d %H:%M} UTC); "
        f"mailsec's hosted MTA-STS ({OURS}) has no valid certificate for it yet; it is issued "
        f"automatically at the first request to mta-sts.example.org: check again after "
        f"{due:%H:%M} UTC. Once the policy is served there, publish the _mta-sts.example.org "
        "record listed on example.org's page in mailsec (Hosted MTA-STS): "
        f"_mta-sts.example.org. CNAME example.org.{ZONE}."
    ), finding.fix
    assert "1. Turn on hosting" not in finding.fix
    same_verdicts(monkeypatch, findings, **kw)


# --- 2. the exact _mta-sts record ------------------------------------------------------------


def test_no_record_with_our_zone_known_gives_the_exact_cname(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    records = zone(NO_RECORD, a=["192.0.2.80"])
    (finding,) = check(monkeypatch, records, hosted_policy_zone=ZONE + ".")
    assert "1. Turn on hosting for example.org on its page in mailsec" in finding.fix
    assert (
        "2. Then publish the _mta-sts.example.org record listed on that page: "
        f"_mta-sts.example.org. CNAME example.org.{ZONE}. (mailsec then changes the id for "
        "you), or a TXT record with the current id. It tells senders"
    ) in finding.fix, finding.fix
    # The policy served already: only that record.
    (served,) = check(monkeypatch, records, kind=None, status=200, hosted_policy_zone=ZONE)
    assert f"_mta-sts.example.org. CNAME example.org.{ZONE}. (mailsec" in served.fix, served.fix
    assert served.fix.startswith("mta-sts.example.org is served by mailsec's hosted MTA-STS")


def test_without_our_zone_the_record_stays_in_words(monkeypatch: pytest.MonkeyPatch) -> None:
    (finding,) = check(monkeypatch, zone(NO_RECORD, a=["192.0.2.80"]))
    assert "CNAME example.org." not in finding.fix
    assert "a CNAME into mailsec's zone (mailsec then changes the id for you)" in finding.fix


def test_the_config_reads_our_zone_as_the_settings_do(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MAILSEC_POLICY_ZONE", raising=False)
    assert CheckConfig.from_env().hosted_policy_zone == ""
    monkeypatch.setenv("MAILSEC_POLICY_ZONE", " Policy.Mailsec.Example. ")
    assert CheckConfig.from_env().hosted_policy_zone == ZONE


# --- 3. the app fills both -------------------------------------------------------------------


@pytest.mark.django_db
def test_the_free_check_knows_our_zone_not_the_hosting_state(settings: Any) -> None:
    from mailsec.freecheck.models import free_check_config

    settings.MAILSEC_POLICY_ZONE = ZONE
    config = free_check_config()
    assert config.hosted_policy_zone == ZONE and config.hosting_on_since is None


def _config_of_run(domain: Any) -> CheckConfig:
    from mailsec.domains import tasks
    from mailsec.domains.models import CheckRun

    def fake(name: str, config: CheckConfig, **kw: object) -> DomainReport:
        return DomainReport(domain=name, score=100, score_version=1)

    run = CheckRun.objects.create(domain=domain)
    with mock.patch("checks.engine.check_domain_sync", side_effect=fake) as engine:
        tasks.run_check(str(run.code))
    return engine.call_args.args[1]


@pytest.mark.django_db
def test_a_monitored_check_knows_when_hosting_was_turned_on(settings: Any) -> None:
    from django.utils import timezone

    from mailsec.accounts.models import Team
    from mailsec.domains.models import Domain
    from mailsec.hosting.models import HostedPolicy, HostingEvent

    settings.MAILSEC_POLICY_ZONE = ZONE
    team = Team.objects.create(name="t")
    domain = Domain.objects.create(team=team, name="example.org", verified_at=timezone.now())
    assert _config_of_run(domain).hosting_on_since is None  # not hosted
    policy = HostedPolicy.objects.create(domain=domain, name="example.org")
    HostedPolicy.objects.filter(pk=policy.pk).update(created=timezone.now() - timedelta(days=90))
    # No event (a row older than events): its creation.
    old = _config_of_run(domain).hosting_on_since
    assert old is not None and timezone.now() - old > timedelta(days=89)
    # Turned on again after a release: the latest "enabled" event.
    earlier = timezone.now() - timedelta(days=30)
    latest = timezone.now() - timedelta(minutes=2)
    for when in (earlier, latest):
        HostingEvent.objects.create(policy=policy, kind="enabled", message="on", created=when)
    HostingEvent.objects.create(
        policy=policy, kind="mx-added", message="mx", created=timezone.now()
    )
    config = _config_of_run(domain)
    assert config.hosting_on_since == latest and config.hosted_policy_zone == ZONE
    # Being turned off (mode none served until release): not on.
    HostedPolicy.objects.filter(pk=policy.pk).update(state=HostedPolicy.State.DISABLING)
    assert _config_of_run(domain).hosting_on_since is None
    # Released: not served, not on.
    HostedPolicy.objects.filter(pk=policy.pk).update(state=HostedPolicy.State.OFF)
    assert _config_of_run(domain).hosting_on_since is None


def test_no_stray_placeholder_in_any_hosted_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every variant above is plain text: no braces left from a format string.
    for kw in (
        {"hosting_on_since": minutes_ago(1)},
        {"hosting_on_since": minutes_ago(600)},
        {"hosted_policy_zone": ZONE},
    ):
        for records in (zone(a=["192.0.2.80"]), zone(NO_RECORD, a=["192.0.2.80"])):
            for f in check(monkeypatch, records, **kw):
                assert not re.search(r"[{}]", f.fix), f.fix
