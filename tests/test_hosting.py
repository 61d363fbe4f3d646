"""Hosted MTA-STS without the network: policy text and ids, the MX loop with time travel, the
host-dispatch middleware, Caddy's ask, the owner's pages (ownership of each), enforce readiness
from TLS-RPT rows, the certificate watch. DNS facts are stubbed here; tests/test_hosting_lab.py
runs the same code against real DNS, pebble and Caddy."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from checks import https
from mailsec.domains.models import Domain
from mailsec.hosting import caa, lookups, service
from mailsec.hosting import policy as rules
from mailsec.hosting.models import HostedPolicy
from mailsec.hosting.service import CertReading
from tests.conftest import BaseTestCase

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
DAY, WEEK = 86400, 7 * 86400
POLICY_URL = "/.well-known/mta-sts.txt"


@contextmanager
def fake_dns(
    mx: list[str] | None = None,
    *,
    failed: bool = False,
    nxdomain: bool = False,
    points: bool = True,
    record: str = "cname",
    tlsrpt: list[str] | None = None,
    tlsrpt_failed: bool = False,
    caa_state: str = caa.ALLOWED,
) -> Iterator[dict[str, Any]]:
    """Replace the DNS facts the hosting code asks for; `state["mx"]` may be changed mid-test
    (an empty list is a null MX). CAA (caa.read) reads `caa_state`."""
    state: dict[str, Any] = {
        "mx": ["mx1.example.org"] if mx is None else list(mx),
        "failed": failed,
        "nxdomain": nxdomain,
    }

    async def live_mx(dns: object, domain: str) -> lookups.MxLookup:
        if state["failed"]:
            return lookups.MxLookup([], failed=True, detail="SERVFAIL for example.org MX")
        if state["nxdomain"]:
            return lookups.MxLookup([], nxdomain=True, detail="NXDOMAIN for example.org MX")
        return lookups.MxLookup(sorted(state["mx"]))

    async def points_at_us(dns: object, name: str) -> tuple[bool, str]:
        # With its state, as points_at_us gives it: not ours reads "missing" (removed).
        return points, lookups.Leads("stub", "ours" if points else "missing")

    async def sts_record(
        dns: object, domain: str, policy_id: str, zone: str
    ) -> lookups.RecordState:
        return lookups.RecordState(record, f"stub {record}")

    async def tlsrpt_record(dns: object, domain: str) -> list[str] | None:
        if tlsrpt_failed:
            return None
        return ["v=TLSRPTv1; rua=mailto:tls@example.org"] if tlsrpt is None else tlsrpt

    async def caa_read(dns: object, name: str, identity: str) -> caa.CaaReading:
        return caa.CaaReading(caa_state, f"stub caa {caa_state}")

    with (
        mock.patch.object(caa, "read", caa_read),
        mock.patch.object(lookups, "live_mx", live_mx),
        mock.patch.object(lookups, "points_at_us", points_at_us),
        mock.patch.object(lookups, "sts_record", sts_record),
        mock.patch.object(lookups, "tlsrpt_record", tlsrpt_record),
    ):
        yield state


def checked(domain: Domain, verdicts: dict[str, str]) -> None:
    """A finished check run of `domain` as its last run, with the engine's per-MX TLS
    findings (SMTP-09 and SMTP-11, subject "host [address]"): "pass" or "fail" per host."""
    from mailsec.domains.models import CheckRun

    findings = []
    for host, status in verdicts.items():
        subject = f"{host} [192.0.2.1]"
        findings.append({"id": "SMTP-09", "status": "pass", "subject": subject, "summary": ""})
        findings.append(
            {
                "id": "SMTP-11",
                "status": status,
                "subject": subject,
                "summary": f"The certificate of {subject} is "
                + ("valid" if status == "pass" else "not valid")
                + f" for {host}.",
            }
        )
    run = CheckRun.objects.create(
        domain=domain, status="done", finished=timezone.now(), findings=findings
    )
    Domain.objects.filter(pk=domain.pk).update(last_run=run)


# --- Pure rules ------------------------------------------------------------------------------


def test_it_renders_the_exact_rfc_text() -> None:
    text = rules.policy_text("enforce", ["mx1.example.org", "*.mx.example.net"], 604800)
    assert text == (
        "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.org\r\nmx: *.mx.example.net\r\n"
        "max_age: 604800\r\n"
    )
    assert "\n" not in text.replace("\r\n", "")


def test_it_makes_short_alphanumeric_ids_that_change_with_the_text() -> None:
    a = rules.new_policy_id("a", T0)
    b = rules.new_policy_id("b", T0)
    assert a != b and a.isalnum() and len(a) <= 32
    assert rules.new_policy_id("a", T0, previous=a) != a


def test_it_suggests_only_patterns_that_cover_the_live_host() -> None:
    live = ["contoso-com.mail.protection.outlook.com", "tenant.h-v1.mx.microsoft"]
    got = {s.pattern: s for s in rules.suggestions(live, [])}
    assert got["*.mail.protection.outlook.com"].covers == (
        "contoso-com.mail.protection.outlook.com",
    )
    # a wildcard covers one label: nothing is offered that would miss tenant.h-v1.mx.microsoft
    assert all("microsoft" not in p for p in got)
    google = {s.pattern for s in rules.suggestions(["alt1.aspmx.l.google.com"], [])}
    assert "*.aspmx.l.google.com" in google and "smtp.google.com" not in google
    assert rules.suggestions(["mx1.example.org"], []) == []


def test_it_validates_manual_patterns() -> None:
    assert rules.normalize_pattern(" *.Mail.Example.ORG. ") == "*.mail.example.org"
    for bad in ("localhost", "a..b", "*.*.example.org", "", "mail*.example.com", "*"):
        with pytest.raises(rules.InvalidPattern):
            rules.normalize_pattern(bad)


def test_it_turns_idns_into_a_labels() -> None:
    # A U-label could not be served as US-ASCII; senders compare A-labels anyway.
    assert rules.normalize_pattern("mäil.example.com") == "xn--mil-qla.example.com"
    assert rules.normalize_pattern("*.Bücher.example") == "*.xn--bcher-kva.example"
    assert rules.normalize_pattern("ａ.example.com") == "a.example.com"  # fullwidth, UTS #46
    assert rules.normalize_pattern("straße.de") == "xn--strae-oqa.de"  # IDNA2008, not "strasse"
    with pytest.raises(rules.InvalidPattern, match="internationalised"):
        rules.normalize_pattern("a\u200db.example.com")  # a joiner where IDNA forbids it


@pytest.mark.parametrize(
    ("pattern", "why"),
    [
        ("212.114.86.56", "IP address"),
        ("212.114.86.56.", "IP address"),
        ("[2001:db8::1]", "IP address"),
        ("mx.example.1", "all digits"),
        ("-mx.example.com", "hyphen"),
        ("mx-.example.com", "hyphen"),
        ("mx_1.example.com", "underscore"),
        ("a" * 64 + ".example.com", "63"),
        ("*.co.uk", "public suffix co.uk"),
        ("*.com", "public suffix com"),
        ("mx!.example.com", "letters a-z"),
    ],
)
def test_it_refuses_what_rfc_8461_calls_invalid(pattern: str, why: str) -> None:
    with pytest.raises(rules.InvalidPattern, match=why):
        rules.normalize_pattern(pattern)
    assert rules.normalize_pattern("*.example.co.uk") == "*.example.co.uk"
    assert rules.normalize_pattern("a" * 63 + ".example.com")


def test_it_never_builds_a_strict_policy_without_a_valid_mx() -> None:
    for mode in ("testing", "enforce"):
        for patterns in ([], ["mäil.example.com", "212.114.86.56"]):
            with pytest.raises(rules.EmptyPolicy):
                rules.policy_text(mode, patterns, 604800)
    # an invalid pattern is left out, never served
    text = rules.policy_text("enforce", ["mäil.example.com", "mx1.example.org"], 604800)
    assert text.isascii() and "mx: mx1.example.org\r\n" in text and "mäil" not in text
    assert "mx:" not in rules.policy_text("none", [], 86400)


# --- The model and the MX loop ----------------------------------------------------------------


def to_alice() -> list[Any]:
    """The emails alice got (each team member gets their own)."""
    return [m for m in mail.outbox if m.to == ["alice@example.org"]]


class HostingCase(BaseTestCase):
    domain: Domain

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.domain = Domain.objects.create(team=cls.team, name="example.org", verified_at=T0)

    def host(self, mx: list[str] | None = None, **kw: Any) -> HostedPolicy:
        with fake_dns(mx):
            policy = service.enable(self.domain, now=T0)
        for key, value in kw.items():
            setattr(policy, key, value)
        if kw:
            # As if hosted with these settings from the start: no earlier (testing) text that
            # senders could hold. Tests of a change of settings make it through the service.
            policy.text = ""
            policy.refresh_text(T0)
            policy.save()
        return policy


class MxLoopTestCase(HostingCase):
    def test_it_adds_a_new_mx_at_once_and_drops_a_departed_one_only_after_max_age(self) -> None:
        policy = self.host(["mx1.example.org"], max_age=86400)
        first_id = policy.policy_id
        with fake_dns(["mx2.example.org"]):
            assert service.sync(policy, now=T0 + timedelta(minutes=5))
        policy.refresh_from_db()
        assert "mx: mx2.example.org\r\n" in policy.text
        assert "mx: mx1.example.org\r\n" in policy.text  # still listed: senders may hold it
        assert policy.policy_id != first_id
        second_id = policy.policy_id
        with fake_dns(["mx2.example.org"]):
            assert not service.sync(policy, now=T0 + timedelta(hours=23))
            policy.refresh_from_db()
            assert "mx1.example.org" in policy.text and policy.policy_id == second_id
            assert service.sync(policy, now=T0 + timedelta(days=1, minutes=6))
        policy.refresh_from_db()
        assert "mx1.example.org" not in policy.text and policy.policy_id != second_id
        kinds = list(policy.events.values_list("kind", flat=True))
        assert {"mx-added", "mx-leaving", "mx-removed"} <= set(kinds)
        # the owner was told at each step by email too
        subjects = [m.subject for m in mail.outbox]
        assert any("New MX mx2.example.org" in s for s in subjects)
        assert any("removed from the policy" in m.body for m in mail.outbox)

    def test_its_email_subject_is_one_plain_line(self) -> None:
        from mailsec.hosting.notify import tell

        policy = self.host(["mx1.example.org"])
        mail.outbox.clear()
        tell(policy, "zone", "Could not publish (it's down:\r\nrefused); retrying.")
        [message] = to_alice()
        assert "\n" not in message.subject and "\r" not in message.subject
        assert "it's down: refused" in message.subject  # not HTML-escaped: it is plain text

    def test_it_keeps_a_host_that_comes_back_before_its_removal(self) -> None:
        policy = self.host(["mx1.example.org"])
        with fake_dns(["mx2.example.org"]) as dns:
            service.sync(policy, now=T0 + timedelta(minutes=5))
            dns["mx"] = ["mx1.example.org", "mx2.example.org"]
            service.sync(policy, now=T0 + timedelta(minutes=10))
        policy.refresh_from_db()
        assert policy.pending_removals == {}
        assert policy.mx_live == ["mx1.example.org", "mx2.example.org"]

    def test_it_does_nothing_on_a_failed_mx_lookup(self) -> None:
        policy = self.host(["mx1.example.org"])
        before = policy.policy_id
        with fake_dns(failed=True):
            assert not service.sync(policy, now=T0 + timedelta(minutes=5))
        policy.refresh_from_db()
        assert policy.policy_id == before and policy.mx_live == ["mx1.example.org"]
        assert "MX lookup failed" in policy.last_sync_error

    def test_a_failed_lookup_drops_no_due_removal(self) -> None:
        # A failed lookup says nothing: mx1 may be back in DNS by now, and taking it out of
        # an enforce policy would make senders refuse it.
        policy = self.host(["mx1.example.org", "mx2.example.org"], mode="enforce", max_age=DAY)
        with fake_dns(["mx2.example.org"]):
            service.sync(policy, now=T0 + timedelta(minutes=5))
        policy.refresh_from_db()
        before = (policy.policy_id, policy.text)
        with fake_dns(failed=True):
            assert not service.sync(policy, now=T0 + timedelta(days=2))
        policy.refresh_from_db()
        assert (policy.policy_id, policy.text) == before
        assert "mx1.example.org" in policy.pending_removals
        assert not policy.events.filter(kind="mx-removed")
        # the same with a null MX: nothing is confirmed gone
        with fake_dns([]):
            assert not service.sync(policy, now=T0 + timedelta(days=2, minutes=5))
        policy.refresh_from_db()
        assert (policy.policy_id, policy.text) == before
        # a good lookup that still lacks mx1 removes it
        with fake_dns(["mx2.example.org"]):
            assert service.sync(policy, now=T0 + timedelta(days=2, minutes=10))
        policy.refresh_from_db()
        assert "mx1.example.org" not in policy.text and policy.pending_removals == {}

    def test_an_mx_that_cannot_be_listed_is_not_announced_as_added(self) -> None:
        # MTASTS-25/30: an underscore or IP-like name cannot be an mx line, so it is left out
        # of the text, and senders under enforce refuse it: the owner must hear that.
        policy = self.host(["mx1.example.org"], mode="enforce")
        mail.outbox.clear()
        with fake_dns(["mx1.example.org", "mx_2.example.org", "192.0.2.7"]):
            service.sync(policy, now=T0 + timedelta(minutes=5))
        policy.refresh_from_db()
        assert "mx_2" not in policy.text and "192.0.2.7" not in policy.text
        messages = list(policy.events.filter(kind="mx-added").values_list("message", flat=True))
        assert len(messages) == 2
        for message in messages:
            assert "cannot be listed" in message and "refuse" in message
            assert "added to the policy" not in message
        assert any(
            "mx_2.example.org" in m.body and "cannot be listed" in m.body for m in mail.outbox
        )
        # at enable too, for a host already there
        other = Domain.objects.create(team=self.team, name="example.net", verified_at=T0)
        with fake_dns(["mx1.example.net", "mx_2.example.net"]):
            hosted = service.enable(other, now=T0)
        [event] = hosted.events.filter(kind="mx-added")
        assert "mx_2.example.net cannot be listed" in event.message

    @override_settings(
        MAILSEC_POLICY_ZONE="policy.mailsec.example", MAILSEC_POLICY_DNS_SERVER=("127.0.0.1", 53)
    )
    def test_an_mx_sync_never_reverts_an_owners_change_made_meanwhile(self) -> None:
        # sync_all reads every row, then spends a while on DNS per policy: a change the owner
        # saved meanwhile must survive, and our zone must carry the id of the text served.
        from mailsec.hosting.zone import PolicyZone

        zone: list[str] = []
        with (
            mock.patch.object(PolicyZone, "publish", lambda self, d, i: zone.append(i)),
            mock.patch.object(PolicyZone, "withdraw", lambda self, d: None),
        ):
            policy = self.host(["mx1.example.org"], mode="enforce")
            service.publish(policy)
            stale = HostedPolicy.objects.get(pk=policy.pk)
            service.set_mode(HostedPolicy.objects.get(pk=policy.pk), "none", now=T0)
            owners = HostedPolicy.objects.get(pk=policy.pk)
            with fake_dns(["mx1.example.org", "mx2.example.org"]):
                assert service.sync(stale, now=T0 + timedelta(minutes=5))
            policy.refresh_from_db()
            assert policy.mode == "none" and "mode: none\r\n" in policy.text
            assert "mx: mx2.example.org\r\n" in policy.text  # the MX result applied on top
            assert policy.policy_id != owners.policy_id  # a new text, a new id
            assert zone[-1] == policy.policy_id == policy.published_id
            # "Stop hosting" while a sync holds an older copy
            stale = HostedPolicy.objects.get(pk=policy.pk)
            service.disable(HostedPolicy.objects.get(pk=policy.pk), now=T0 + timedelta(minutes=6))
            with fake_dns(["mx1.example.org", "mx2.example.org"]):
                service.sync(stale, now=T0 + timedelta(minutes=10))
            policy.refresh_from_db()
            assert policy.state == "disabling" and policy.release_at is not None
            assert zone[-1] == policy.policy_id == policy.published_id

    @override_settings(
        MAILSEC_POLICY_ZONE="policy.mailsec.example", MAILSEC_POLICY_DNS_SERVER=("127.0.0.1", 53)
    )
    def test_a_name_too_long_for_our_zone_is_refused_not_a_crash(self) -> None:
        from mailsec.hosting.zone import PolicyZone, ZoneError

        name = ("a" * 60 + ".") * 3 + "b" * 40 + ".example.org"  # 235 characters
        domain = Domain.objects.create(team=self.team, name=name, verified_at=T0)
        with fake_dns([f"mx1.{name}"]), self.assertRaises(service.HostingRefused) as refused:
            service.enable(domain, now=T0)
        assert "policy zone" in str(refused.exception)
        assert not HostedPolicy.objects.filter(name=name).exists()
        zone = PolicyZone.from_settings()
        assert zone is not None
        for call in (lambda: zone.publish(name, "1"), lambda: zone.withdraw(name)):
            with self.assertRaises(ZoneError):
                call()

    def test_a_null_mx_changes_nothing_and_is_told_once(self) -> None:
        # RFC 8461 §3.2: testing/enforce needs at least one mx; emptying the set on a null MX
        # would serve an enforce policy that lists no host once max_age has passed.
        policy = self.host(["mx1.example.org"], mode="enforce", max_age=DAY)
        before, text = policy.policy_id, policy.text
        mail.outbox.clear()
        with fake_dns([]):
            for minutes in (5, 10, 60 * 24 * 14):
                assert not service.sync(policy, now=T0 + timedelta(minutes=minutes))
        policy.refresh_from_db()
        assert policy.policy_id == before and policy.text == text
        assert policy.mx_live == ["mx1.example.org"] and policy.pending_removals == {}
        assert "null MX" in policy.last_sync_error
        [event] = policy.events.filter(kind="mx-unusable")
        assert "null MX" in event.message and "mx1.example.org" in event.message
        assert [m for m in mail.outbox if "null MX" in m.subject]
        r = self.client.get(POLICY_URL, HTTP_HOST="mta-sts.example.org")
        assert b"mode: enforce\r\nmx: mx1.example.org\r\n" in r.content
        # the MX are back: followed again, and a later null MX is news again
        with fake_dns(["mx1.example.org"]) as dns:
            service.sync(policy, now=T0 + timedelta(days=15))
            policy.refresh_from_db()
            assert policy.last_sync_error == ""
            dns["mx"] = []
            service.sync(policy, now=T0 + timedelta(days=16))
        assert policy.events.filter(kind="mx-unusable").count() == 2

    def test_an_nxdomain_changes_nothing(self) -> None:
        # Not RFC 5321's implicit MX: one transient NXDOMAIN would add the bare domain and
        # start removing the real hosts.
        policy = self.host(["mx1.example.org"])
        before = policy.policy_id
        with fake_dns(nxdomain=True):
            assert not service.sync(policy, now=T0 + timedelta(minutes=5))
            assert not service.sync(policy, now=T0 + timedelta(weeks=2))
        policy.refresh_from_db()
        assert policy.policy_id == before and policy.patterns() == ["mx1.example.org"]
        assert "NXDOMAIN" in policy.last_sync_error
        assert policy.events.filter(kind="mx-unusable", message__contains="NXDOMAIN").count() == 1
        with fake_dns(nxdomain=True), self.assertRaisesMessage(service.HostingRefused, "NXDOMAIN"):
            service.enable(Domain.objects.create(team=self.team, name="x.example", verified_at=T0))

    def test_live_mx_tells_nxdomain_null_mx_and_no_mx_apart(self) -> None:
        import asyncio

        import dns.rdata

        from checks.dns import DnsAnswer

        def mx(text: str) -> Any:
            return dns.rdata.from_text("IN", "MX", text)

        answers = {
            "gone.example": DnsAnswer("gone.example", "MX", "NXDOMAIN"),
            "null.example": DnsAnswer("null.example", "MX", "NOERROR", [mx("0 .")]),
            "self.example": DnsAnswer("self.example", "MX", "NOERROR"),
            "mx.example": DnsAnswer("mx.example", "MX", "NOERROR", [mx("10 MX1.mx.example.")]),
            "odd.example": DnsAnswer("odd.example", "MX", "YXDOMAIN"),
        }

        class Dns:
            async def query(self, name: str, rdtype: str) -> DnsAnswer:
                if rdtype == "A" and name == "self.example":  # RFC 5321 §5.1's implicit MX
                    return DnsAnswer(
                        name, rdtype, "NOERROR", [dns.rdata.from_text("IN", "A", "192.0.2.1")]
                    )
                if rdtype in ("A", "AAAA"):  # whether an MX host is an alias: it is not
                    return DnsAnswer(name, rdtype, "NOERROR")
                return answers.get(name) or DnsAnswer(name, rdtype, "NOERROR")

        def look(name: str) -> lookups.MxLookup:
            return asyncio.run(lookups.live_mx(Dns(), name))  # type: ignore[arg-type]

        assert look("gone.example").nxdomain and "NXDOMAIN" in look("gone.example").unusable
        assert look("null.example").hosts == [] and "null MX" in look("null.example").unusable
        assert look("self.example").hosts == ["self.example"]  # RFC 5321 §5.1
        # No MX and no address: nobody receives its mail (s24h), as with a null MX.
        assert look("bare.example").hosts == [] and "no MX records" in look("bare.example").unusable
        assert look("mx.example").hosts == ["mx1.mx.example"] and not look("mx.example").unusable
        assert look("odd.example").failed

    def test_hosting_again_after_release_starts_in_testing(self) -> None:
        policy = self.host(["mx1.example.org"], mode="enforce", max_age=DAY)
        with fake_dns(["mx1.example.org"]):
            service.disable(policy, now=T0)
            service.sync(policy, now=T0 + timedelta(days=2))
            policy.refresh_from_db()
            assert policy.state == HostedPolicy.State.OFF
            again = T0 + timedelta(days=3)
            policy = service.enable(self.domain, now=again)
        assert policy.state == HostedPolicy.State.ACTIVE
        assert policy.mode == "testing" and policy.testing_since == again
        assert "mode: testing\r\n" in policy.text
        r = self.client.get(POLICY_URL, HTTP_HOST="mta-sts.example.org")
        assert b"mode: testing\r\n" in r.content

    def test_keep_hosting_keeps_departed_hosts_until_their_time(self) -> None:
        policy = self.host(["mx1.example.org"], mode="enforce", max_age=DAY)
        with fake_dns(["mx2.example.org"]):
            service.sync(policy, now=T0 + timedelta(minutes=5))
        policy.refresh_from_db()
        due = policy.pending_removals["mx1.example.org"]
        service.disable(policy, now=T0 + timedelta(minutes=10))
        with fake_dns(["mx2.example.org", "mx3.example.org"]):
            policy = service.enable(self.domain, now=T0 + timedelta(minutes=15))
        # senders may still hold the policy naming mx1: it stays until its max_age is over
        assert policy.pending_removals == {"mx1.example.org": due}
        assert policy.mode == "enforce" and policy.state == HostedPolicy.State.ACTIVE
        assert policy.patterns() == ["mx1.example.org", "mx2.example.org", "mx3.example.org"]
        assert policy.events.filter(kind="mx-added", message__contains="mx3").exists()
        with fake_dns(["mx2.example.org", "mx3.example.org"]):
            service.sync(policy, now=T0 + timedelta(days=1, minutes=6))
        policy.refresh_from_db()
        assert "mx1.example.org" not in policy.text

    def test_it_serves_mode_none_for_max_age_then_releases(self) -> None:
        policy = self.host(["mx1.example.org"], max_age=86400)
        with fake_dns(["mx1.example.org"]):
            service.disable(policy, now=T0)
            assert "mode: none\r\n" in policy.text
            service.sync(policy, now=T0 + timedelta(hours=23))
            policy.refresh_from_db()
            assert policy.state == HostedPolicy.State.DISABLING
            service.sync(policy, now=T0 + timedelta(days=1, seconds=1))
        policy.refresh_from_db()
        assert policy.state == HostedPolicy.State.OFF
        assert not HostedPolicy.objects.servable().filter(name="example.org").exists()

    def test_it_flags_a_stale_plain_txt_once(self) -> None:
        policy = self.host(["mx1.example.org"])
        with fake_dns(["mx1.example.org"], record="stale"):
            service.sync(policy, now=T0 + timedelta(minutes=5))
            service.sync(policy, now=T0 + timedelta(minutes=10))
        assert policy.events.filter(kind="record").count() == 1

    def test_it_refuses_unverified_and_null_mx_domains(self) -> None:
        self.domain.verified_at = None
        self.domain.save()
        with fake_dns(["mx1.example.org"]), self.assertRaises(service.HostingRefused):
            service.enable(self.domain)
        self.domain.verified_at = T0
        self.domain.save()
        with fake_dns([]), self.assertRaises(service.HostingRefused):
            service.enable(self.domain)

    @pytest.mark.usefixtures("unanswered_lookups_end_soon")
    def test_it_hosts_one_name_for_one_team_only(self) -> None:
        policy = self.host()
        other = Domain.objects.create(team=self.charlies_team, name="example.org", verified_at=T0)
        with fake_dns(), self.assertRaises(service.HostingRefused):
            service.enable(other)
        # winding down, the name is still the owner's ("Keep hosting" may follow)
        service.disable(policy, now=T0)
        with fake_dns(), self.assertRaises(service.HostingRefused):
            service.enable(other)
        assert HostedPolicy.objects.get() == policy

    def test_it_tells_once_when_the_policy_host_gives_no_valid_certificate(self) -> None:
        # The CNAME was removed (NXDOMAIN), or mta-sts points elsewhere (another name's
        # certificate): senders cannot fetch the policy. Told once the next reading, 12 hours
        # later, still sees it; once on recovery.
        policy = self.host()
        now = timezone.now()
        valid_until = now + timedelta(days=80)
        readings = [
            (CertReading(valid_until), 0),
            (CertReading(None, "NXDOMAIN for mta-sts.example.org"), 0),  # seen once
            (CertReading(None, "NXDOMAIN for mta-sts.example.org"), 1),  # seen again
            (CertReading(valid_until, "not valid for mta-sts.example.org"), 1),
            (CertReading(valid_until), 2),
            (CertReading(valid_until), 2),
            (CertReading(valid_until, "not valid for mta-sts.example.org"), 2),
            (CertReading(valid_until, "not valid for mta-sts.example.org"), 3),
        ]
        mail.outbox.clear()
        for i, (reading, told) in enumerate(readings):
            with mock.patch.object(service, "read_certificate", return_value=reading):
                service.watch_certificate(policy, now=now + timedelta(hours=12 * i))
            assert policy.events.filter(kind="cert").count() == told, reading
        first, recovered, again = policy.events.filter(kind="cert").order_by("pk")
        assert "NXDOMAIN" in first.message and "mta-sts.example.org" in first.message
        assert "valid certificate again" in recovered.message
        assert "not valid for mta-sts.example.org" in again.message
        assert len(to_alice()) == 3
        policy.refresh_from_db()
        assert policy.cert_alerted

    def test_a_certificate_problem_is_told_only_when_two_readings_apart_see_it(self) -> None:
        policy = self.host()
        now = timezone.now()
        bad = CertReading(None, "mta-sts.example.org does not exist in DNS (NXDOMAIN)")
        good = CertReading(now + timedelta(days=80))
        our_resolver = CertReading(None, "could not look up mta-sts.example.org", True)
        mail.outbox.clear()
        for minutes, reading in (
            (0, bad),
            (10, bad),  # minutes apart: still one glitch, perhaps
            (12 * 60, good),  # it was: the count starts again
            (24 * 60, bad),
            (36 * 60, our_resolver),  # says nothing either way
            (48 * 60, bad),
        ):
            with mock.patch.object(service, "read_certificate", return_value=reading):
                service.watch_certificate(policy, now=now + timedelta(minutes=minutes))
            told = policy.events.filter(kind="cert").count()
            assert told == (minutes == 48 * 60), (minutes, reading)
        [message] = to_alice()
        assert "NXDOMAIN" in message.body

    def test_a_reading_that_fails_on_our_side_is_recorded_never_told(self) -> None:
        # Our resolver's SERVFAIL or timeout, or our connection timing out: "could not check".
        # One DNS outage here must not email every hosting customer, however long it lasts.
        policy = self.host()
        url = "https://mta-sts.example.org/.well-known/mta-sts.txt"
        failures = [
            https.HttpsResult(
                url=url,
                error_kind="dns",
                dns_failed=True,
                error="could not look up mta-sts.example.org: SERVFAIL",
            ),
            https.HttpsResult(url=url, error_kind="timeout", error="timed out after 16 s"),
            https.HttpsResult(url=url, error_kind="network", error="host unreachable"),
        ]
        mail.outbox.clear()
        start = timezone.now()
        for i, result in enumerate(failures * 2):
            now = start + timedelta(hours=12 * i)
            with mock.patch.object(service.https, "fetch", mock.AsyncMock(return_value=result)):
                assert service.watch_certificate(policy, now=now) is None
            policy.refresh_from_db()
            assert policy.cert_checked_at == now
            assert policy.cert_error == f"could not check: {result.error}"
        assert not policy.cert_alerted and policy.cert_bad_since is None
        assert mail.outbox == [] and not policy.events.filter(kind="cert").exists()

    def test_a_refused_connection_is_an_answer(self) -> None:
        # Nothing listens on 443 there (the name points elsewhere): senders are refused too.
        # So is a name re-pointed to a private address: the guard's refusal is no outage of
        # ours, no sender on the internet can reach it either.
        url = "https://mta-sts.example.org/.well-known/mta-sts.txt"
        for result in (
            https.HttpsResult(url=url, error_kind="connect", error="connection refused"),
            https.HttpsResult(url=url, error_kind="refused-target", error="10.1.2.3: refused"),
        ):
            HostedPolicy.objects.all().delete()
            policy = self.host()
            now = timezone.now()
            mail.outbox.clear()
            with mock.patch.object(service.https, "fetch", mock.AsyncMock(return_value=result)):
                service.watch_certificate(policy, now=now)
                service.watch_certificate(policy, now=now + timedelta(hours=12))
            assert policy.cert_alerted and len(to_alice()) == 1, result.error_kind

    def test_it_alerts_at_21_and_7_days_once_each(self) -> None:
        policy = self.host()
        now = timezone.now()
        # 80: renewed after the notices, one renewed email (s42g: the lead's decision).
        for days, alerts in ((60, 0), (20, 1), (19, 1), (6, 2), (5, 2), (80, 3), (80, 3)):
            reading = CertReading(now + timedelta(days=days, hours=1))
            with mock.patch.object(service, "read_certificate", return_value=reading):
                service.watch_certificate(policy, now=now)
            assert policy.events.filter(kind="cert").count() == alerts, days
        assert policy.cert_warned_days is None  # renewed: armed again


# --- The beat tasks ----------------------------------------------------------------------------


class BeatTasksTestCase(HostingCase):
    """sync_all and watch_certificates: least recently handled first, within a time budget,
    and ended at once by the soft time limit."""

    def three_policies(self, field: str) -> None:
        self.host()
        for name in ("example.net", "example.com"):
            domain = Domain.objects.create(team=self.team, name=name, verified_at=T0)
            with fake_dns([f"mx1.{name}"]):
                service.enable(domain, now=T0)
        # example.com never handled, example.net an hour before example.org
        for name, when in (
            ("example.com", None),
            ("example.net", T0 + timedelta(hours=1)),
            ("example.org", T0 + timedelta(hours=2)),
        ):
            HostedPolicy.objects.filter(name=name).update(**{field: when})

    def go_round(self, task_name: str, service_name: str, field: str, budget: int) -> None:
        from mailsec.hosting import tasks

        self.three_policies(field)
        clock = [0.0]
        visited: list[str] = []

        def slow(policy: HostedPolicy, now: datetime | None = None) -> bool:
            visited.append(policy.name)
            clock[0] += budget * 0.6  # two of these use up the budget
            stamp = T0 + timedelta(hours=3, minutes=len(visited))
            HostedPolicy.objects.filter(pk=policy.pk).update(**{field: stamp})
            return False

        task = getattr(tasks, task_name)
        with (
            mock.patch.object(tasks, "time", mock.Mock(monotonic=lambda: clock[0])),
            mock.patch.object(service, service_name, side_effect=slow),
        ):
            task()
            assert visited == ["example.com", "example.net"]  # then out of time
            task()  # the next run starts where this one stopped
        assert visited[2:4] == ["example.org", "example.com"]

    def test_sync_goes_round_least_recently_synced_first_within_its_budget(self) -> None:
        from mailsec.hosting import tasks

        self.go_round("sync_all", "sync", "last_sync_at", tasks.SYNC_BUDGET_SECONDS)

    def test_the_certificate_watch_goes_round_least_recently_read_first(self) -> None:
        from mailsec.hosting import tasks

        self.go_round(
            "watch_certificates", "watch_certificate", "cert_checked_at", tasks.CERT_BUDGET_SECONDS
        )

    def test_a_detached_policy_does_not_stay_first_in_line(self) -> None:
        policy = self.host()
        HostedPolicy.objects.filter(pk=policy.pk).update(last_sync_at=None)
        with self.captureOnCommitCallbacks(execute=True):
            self.domain.delete()  # detached: mode none until its release
        policy.refresh_from_db()
        assert policy.is_detached and policy.state == HostedPolicy.State.DISABLING
        now = T0 + timedelta(minutes=5)
        service.sync(policy, now=now)
        policy.refresh_from_db()
        assert policy.last_sync_at == now

    def test_the_soft_time_limit_ends_the_tasks_at_once(self) -> None:
        from mailsec.hosting import tasks

        for task, service_name, field in (
            (tasks.sync_all, "sync", "last_sync_at"),
            (tasks.watch_certificates, "watch_certificate", "cert_checked_at"),
        ):
            HostedPolicy.objects.all().delete()
            Domain.objects.exclude(pk=self.domain.pk).delete()
            self.three_policies(field)
            fake = mock.Mock(side_effect=SoftTimeLimitExceeded())
            with (
                mock.patch.object(service, service_name, fake),
                self.assertRaises(SoftTimeLimitExceeded),
            ):
                task()
            assert fake.call_count == 1, task  # no new policy started past the limit
            # the interrupted one is stamped: not first in line again next time
            assert getattr(HostedPolicy.objects.get(name="example.com"), field) is not None


# --- Serving: the host-dispatch middleware and the ask view ----------------------------------


class ServingTestCase(HostingCase):
    def test_it_serves_the_policy_on_the_mta_sts_host(self) -> None:
        policy = self.host(["mx1.example.org"])
        r = self.client.get(POLICY_URL, HTTP_HOST="mta-sts.example.org")
        assert r.status_code == 200
        assert r["Content-Type"] == "text/plain"
        assert r.content == policy.text.encode()
        assert r.content.startswith(b"version: STSv1\r\nmode: testing\r\n")
        # port and trailing dot in Host are the same name
        assert self.client.get(POLICY_URL, HTTP_HOST="MTA-STS.example.org.:443").status_code == 200

    def test_a_stored_non_ascii_text_is_served_without_its_bad_line(self) -> None:
        # A text stored before patterns were checked: answering 500 would make every sender
        # report sts-policy-fetch-error.
        policy = self.host(["mx1.example.org"], mode="enforce")
        policy.mx_extra = ["mäil.example.com"]
        policy.text = (
            "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.org\r\nmx: mäil.example.com\r\n"
            "max_age: 604800\r\n"
        )
        policy.save()
        r = self.client.get(POLICY_URL, HTTP_HOST="mta-sts.example.org")
        assert r.status_code == 200
        assert r.content == (
            b"version: STSv1\r\nmode: enforce\r\nmx: mx1.example.org\r\nmax_age: 604800\r\n"
        )
        # nothing valid left: never testing/enforce without mx
        policy.text = (
            "version: STSv1\r\nmode: enforce\r\nmx: mäil.example.com\r\nmax_age: 604800\r\n"
        )
        policy.save()
        r = self.client.get(POLICY_URL, HTTP_HOST="mta-sts.example.org")
        assert r.status_code == 200 and b"mode: none\r\n" in r.content and b"mx:" not in r.content
        # the next sync renders it anew, under a new id
        before = policy.policy_id
        with fake_dns(["mx1.example.org"]):
            assert service.sync(policy, now=T0 + timedelta(minutes=5))
        policy.refresh_from_db()
        assert policy.text.isascii() and policy.policy_id != before
        assert "mode: enforce\r\nmx: mx1.example.org\r\n" in policy.text

    def test_it_serves_nothing_else_on_policy_hosts(self) -> None:
        self.host()
        for path in ("/", "/accounts/login/", "/domains/", "/admin/", POLICY_URL + "x", "/healthz"):
            r = self.client.get(path, HTTP_HOST="mta-sts.example.org")
            assert r.status_code == 404, path
            assert b"<html" not in r.content.lower()
            assert "Set-Cookie" not in r.headers
        assert self.client.post(POLICY_URL, HTTP_HOST="mta-sts.example.org").status_code == 404
        assert self.client.get(POLICY_URL, HTTP_HOST="mta-sts.unknown.example").status_code == 404

    def test_it_serves_nothing_for_unverified_or_released_domains(self) -> None:
        policy = self.host()
        policy.state = HostedPolicy.State.OFF
        policy.save()
        assert self.client.get(POLICY_URL, HTTP_HOST="mta-sts.example.org").status_code == 404

    def test_the_app_is_unchanged_on_its_own_host(self) -> None:
        assert self.client.get(POLICY_URL).status_code == 404
        assert self.client.get("/healthz").status_code in (200, 503)

    def test_ask_allows_only_hosted_names_that_point_at_us(self) -> None:
        self.host()
        with fake_dns(points=True):
            assert (
                self.client.get("/hosting/ask", {"domain": "mta-sts.example.org"}).status_code
                == 200
            )
            assert self.client.get("/hosting/ask", {"domain": "example.org"}).status_code == 403
            assert (
                self.client.get("/hosting/ask", {"domain": "mta-sts.other.org"}).status_code == 403
            )
            assert self.client.get("/hosting/ask", {"domain": "www.example.org"}).status_code == 403
        with fake_dns(points=False):
            assert (
                self.client.get("/hosting/ask", {"domain": "mta-sts.example.org"}).status_code
                == 403
            )

    def test_ask_answers_only_caddy_itself(self) -> None:
        self.host()
        ask = {"domain": "mta-sts.example.org"}
        with fake_dns(points=True):
            assert self.client.get("/hosting/ask", ask).status_code == 200
            # through the public site (Caddy's reverse proxy adds X-Forwarded-For)
            proxied = self.client.get("/hosting/ask", ask, HTTP_X_FORWARDED_FOR="203.0.113.9")
            assert proxied.status_code == 404
            # straight from somewhere else
            direct = self.client.get("/hosting/ask", ask, REMOTE_ADDR="203.0.113.9")
            assert direct.status_code == 404
            assert b"ok" not in proxied.content + direct.content


# --- The owner's pages --------------------------------------------------------------------------


class PageTestCase(HostingCase):
    def url(self, name: str) -> str:
        return reverse(f"hosting:{name}", args=[self.domain.code])

    def test_it_checks_ownership(self) -> None:
        self.host()
        self.client.force_login(self.charlie)
        with fake_dns():
            assert self.client.get(self.url("page")).status_code == 404
            for name in ("enable", "update", "suggest", "sync", "enforce", "disable"):
                assert self.client.post(self.url(name), {"mode": "enforce"}).status_code == 404, (
                    name
                )
        policy = HostedPolicy.objects.get()
        assert policy.mode == "testing" and policy.state == "active"

    def test_it_lets_a_teammate_see_the_records(self) -> None:
        self.host()
        self.client.force_login(self.bob)
        with fake_dns():
            r = self.client.get(self.url("page"))
        assert r.status_code == 200
        self.assertContains(r, "mta-sts.example.org")
        self.assertContains(r, "_mta-sts.example.org")

    def test_the_records_are_also_named_as_dns_panels_want_them(self) -> None:
        # Most panels add the zone to what is typed: `mta-sts.example.org` typed there is
        # published at mta-sts.example.org.example.org.
        self.host()
        self.client.force_login(self.alice)
        with fake_dns():
            html = self.client.get(self.url("page")).content.decode()
        assert "add <code>example.org</code> to the name you type" in html
        for short in ("mta-sts", "_mta-sts", "_smtp._tls"):
            assert f'">{short}</code>' in html, short
        assert 'data-copy-target="record-host-1"' in html

    def test_after_release_it_asks_to_remove_the_records_not_to_publish_them(self) -> None:
        policy = self.host(["mx1.example.org"], max_age=86400)
        with fake_dns(["mx1.example.org"]):
            service.disable(policy, now=T0)
            service.sync(policy, now=T0 + timedelta(days=1, seconds=1))
        policy.refresh_from_db()
        assert policy.state == HostedPolicy.State.OFF
        message = mail.outbox[-1]
        assert "Hosting is off for example.org" in message.body
        assert "Remove the mta-sts.example.org and _mta-sts.example.org records" in message.body
        assert "Policy id now" not in message.body and "mode: none" not in message.body
        assert "Details and the records to remove:" in message.body
        html = message.alternatives[0][0]
        assert "Policy id now" not in html and "<pre>" not in html
        self.client.force_login(self.alice)
        with fake_dns(record="txt"):
            r = self.client.get(self.url("records"))
        text = " ".join(r.content.decode().split())
        assert "Records to remove" in text and "Records to publish" not in text
        assert "yes: remove it" in text
        assert "_smtp._tls.example.org</code> <button" not in text  # TLS-RPT is not removed
        with fake_dns(record="missing", points=False):
            r = self.client.get(self.url("records"))
        assert "yes: remove it" not in r.content.decode()
        self.assertContains(r, "removed")
        # A lookup that failed is not "removed".
        failing = mock.AsyncMock(return_value=(False, f"{lookups.LOOKUP_FAILED} x: SERVFAIL"))
        with (
            fake_dns(record="missing", points=False),
            mock.patch.object(lookups, "points_at_us", failing),
        ):
            r = self.client.get(self.url("records"))
        text = " ".join(r.content.decode().split())
        assert "could not check" in text

    def test_it_promises_id_changes_only_with_a_cname_into_our_zone(self) -> None:
        self.client.force_login(self.alice)
        with fake_dns():
            r = self.client.get(self.url("page"))
        text = " ".join(r.content.decode().split())
        assert "bump the policy id for you" not in text
        assert "you set the id we email you each time it changes" in text
        assert "While <code>_mta-sts.example.org</code> is a CNAME" not in text
        with (
            override_settings(
                MAILSEC_POLICY_ZONE="policy.mailsec.example", MAILSEC_POLICY_DNS_SERVER=None
            ),
            fake_dns(),
        ):
            r = self.client.get(self.url("page"))
        text = " ".join(r.content.decode().split())
        assert (
            "While <code>_mta-sts.example.org</code> is a CNAME to our zone we also change the "
            "policy id for you; with a plain TXT record instead, you set the id we email you "
            "each time it changes." in text
        )

    @override_settings(MAILSEC_POLICY_ZONE="policy.mailsec.example", MAILSEC_POLICY_DNS_SERVER=None)
    def test_it_enables_and_lists_every_record(self) -> None:
        self.client.force_login(self.alice)
        with fake_dns(["mx1.example.org"], record="missing"):
            r = self.client.post(self.url("enable"))
            assert r.status_code == 302
            r = self.client.get(self.url("records"))
        policy = HostedPolicy.objects.get()
        self.assertContains(r, policy.policy_id)
        self.assertContains(r, "example.org.policy.mailsec.example")
        self.assertContains(r, f"v=STSv1; id={policy.policy_id};")
        self.assertContains(r, "not yet")
        # Each name and value has its copy button, copying exactly the text shown.
        html = r.content.decode()
        self.assertIn('data-copy-target="record-value-1"', html)
        self.assertRegex(html, r'id="record-name-\d+">_mta-sts\.example\.org<')

    def test_it_saves_settings_and_bumps_the_id(self) -> None:
        policy = self.host()
        before = policy.policy_id
        self.client.force_login(self.alice)
        with fake_dns():
            self.client.post(
                self.url("update"),
                {"mode": "testing", "max_age": 86400, "extra": "*.mx.example.net"},
            )
        policy.refresh_from_db()
        assert policy.max_age == 86400 and policy.mx_extra == ["*.mx.example.net"]
        assert policy.policy_id != before and "mx: *.mx.example.net\r\n" in policy.text

    def test_it_converts_idns_and_refuses_invalid_extra_patterns(self) -> None:
        policy = self.host()
        self.client.force_login(self.alice)
        for bad, why in (("*.co.uk", "public suffix"), ("212.114.86.56", "IP address")):
            with fake_dns():
                r = self.client.post(
                    self.url("update"),
                    {"mode": "testing", "max_age": WEEK, "extra": f"mx2.example.org\n{bad}"},
                    follow=True,
                )
            self.assertContains(r, why, status_code=400)  # the form again, as typed
            policy.refresh_from_db()
            assert policy.mx_extra == []
        with fake_dns():
            self.client.post(
                self.url("update"),
                {"mode": "testing", "max_age": WEEK, "extra": "mäil.example.com"},
            )
        policy.refresh_from_db()
        assert policy.mx_extra == ["xn--mil-qla.example.com"]
        r = self.client.get(POLICY_URL, HTTP_HOST="mta-sts.example.org")
        assert r.status_code == 200 and b"mx: xn--mil-qla.example.com\r\n" in r.content

    def tlsrpt_row(self, found: list[str] | None) -> tuple[str, str]:
        """The value and state of the _smtp._tls row, with `found` as the live records (None:
        the lookup failed)."""
        self.client.force_login(self.alice)
        with fake_dns(tlsrpt=found, tlsrpt_failed=found is None):
            r = self.client.get(self.url("records"))
        [row] = [row for row in r.context["records"] if row.name.startswith("_smtp._tls.")]
        return row.value, row.state

    def test_the_tls_rpt_record_is_one_record_keeping_the_owners_rua(self) -> None:
        from reports.models import ReportAddress

        self.host()
        ours = ReportAddress.for_domain(self.domain).mailto
        value, state = self.tlsrpt_row(["v=TLSRPTv1; rua=mailto:tls@example.org"])
        assert value.count("v=TLSRPTv1") == 1
        assert value.startswith("v=TLSRPTv1; rua=mailto:tls@example.org,mailto:" + ours)
        # someone else's record is no evidence for us: not "in place" yet
        assert state == "stale"
        value, state = self.tlsrpt_row([value])
        assert state == "ok"
        value, state = self.tlsrpt_row([])
        assert state == "missing" and value.startswith(f"v=TLSRPTv1; rua=mailto:{ours}")
        assert self.tlsrpt_row(None)[1] == "error"

    def test_it_adds_an_offered_provider_pattern_only(self) -> None:
        policy = self.host(["tenant.mail.protection.outlook.com"])
        self.client.force_login(self.alice)
        self.client.post(self.url("suggest"), {"pattern": "*.evil.example"})
        self.client.post(self.url("suggest"), {"pattern": "*.mail.protection.outlook.com"})
        policy.refresh_from_db()
        assert policy.mx_extra == ["*.mail.protection.outlook.com"]

    def add_reports(self, policy: HostedPolicy) -> None:
        """TLS reports that make enforce look safe: 8 days, 2 reporters, no failure."""
        from reports.models import PolicyResult, ReportAddress, TlsReport

        address = ReportAddress.objects.create(domain=self.domain, domain_name="example.org")
        now = timezone.now()
        policy.testing_since = now - timedelta(days=10)
        policy.save()
        for day in range(8):
            for org in ("google.com", "microsoft.com"):
                start = now - timedelta(days=day + 1)
                report = TlsReport.objects.create(
                    address=address,
                    organization_name=org,
                    submitter=org,
                    report_id=f"{org}{day}",
                    start=start,
                    end=start + timedelta(days=1),
                    day=start.date(),
                    total_successful=10,
                )
                PolicyResult.objects.create(
                    report=report, policy_type="sts", successful=10, failed=0
                )

    def test_readiness_says_what_to_do_and_what_failures_mean_in_words(self) -> None:
        from reports.models import FailureDetail, PolicyResult

        policy = self.host(["mx1.example.org"])
        self.client.force_login(self.alice)
        with fake_dns():
            r = self.client.get(self.url("page"))
        text = " ".join(r.content.decode().split())
        assert (
            "No TLS reports yet: senders send them once the _smtp._tls record under Records to "
            "publish is in place, the first usually within a day or two; then wait for 7 days "
            "of reports from 2 sending organisations." in text
        )
        assert "0 day(s)" not in text and "reporter(s)" not in text
        self.add_reports(policy)
        result = PolicyResult.objects.first()
        assert result is not None
        # A consistent report: its summary counts the sessions its details list (a detail
        # under a summary of 0 failed counts nothing, c33ab18).
        result.failed = 3
        result.save(update_fields=["failed"])
        FailureDetail.objects.create(
            report=result.report,
            policy=result,
            result_type="certificate-expired",
            receiving_mx_hostname="mx1.example.org",
            failed_session_count=3,
        )
        with fake_dns():
            r = self.client.get(self.url("page"))
        text = " ".join(r.content.decode().split())
        assert (
            "mx1.example.org: 3 failed sessions reported. certificate-expired: The MX presented "
            "a certificate past its expiry date." in text
        )

    def test_it_switches_to_enforce_only_on_enough_evidence(self) -> None:
        policy = self.host(["mx1.example.org"])
        self.client.force_login(self.alice)
        self.client.post(self.url("enforce"))
        policy.refresh_from_db()
        assert policy.mode == "testing"
        self.add_reports(policy)
        checked(self.domain, {"mx1.example.org": "pass"})
        with fake_dns():
            r = self.client.get(self.url("page"))
        self.assertContains(r, "Enforce looks safe")
        self.client.post(self.url("enforce"))
        policy.refresh_from_db()
        assert policy.mode == "enforce" and "mode: enforce\r\n" in policy.text

    def test_enforce_needs_the_last_check_to_validate_every_mx(self) -> None:
        # Reports only speak for the MX senders used: a backup MX nobody delivered to has no
        # failed sessions because it has no sessions at all.
        from mailsec.hosting.readiness import enforce_readiness

        policy = self.host(["backup.example.net", "mx1.example.org"])
        self.add_reports(policy)
        now = timezone.now()
        reasons = enforce_readiness(policy, now).reasons
        assert not enforce_readiness(policy, now).ready
        assert any("No check of the domain has finished" in r for r in reasons)
        checked(self.domain, {"mx1.example.org": "pass"})
        policy = HostedPolicy.objects.get(pk=policy.pk)
        readiness = enforce_readiness(policy, now)
        assert not readiness.ready
        [reason] = readiness.reasons
        assert reason.startswith("backup.example.net:") and "no passing TLS result" in reason
        checked(self.domain, {"mx1.example.org": "pass", "backup.example.net": "fail"})
        policy = HostedPolicy.objects.get(pk=policy.pk)
        [reason] = enforce_readiness(policy, now).reasons
        assert reason.startswith("backup.example.net:") and "not valid for" in reason
        checked(self.domain, {"mx1.example.org": "pass", "backup.example.net": "pass"})
        policy = HostedPolicy.objects.get(pk=policy.pk)
        assert enforce_readiness(policy, now).ready
        # An MX that offers only TLS older than 1.2 is refused by MTA-STS senders.
        run = self.domain.runs.latest("created")
        run.findings = [
            *run.findings,
            {"id": "MTASTS-36", "status": "fail", "subject": "backup.example.net (192.0.2.1)"},
        ]
        run.save()
        policy = HostedPolicy.objects.get(pk=policy.pk)
        [reason] = enforce_readiness(policy, now).reasons
        assert reason.startswith("backup.example.net:")
        checked(self.domain, {"mx1.example.org": "pass", "backup.example.net": "pass"})
        policy = HostedPolicy.objects.get(pk=policy.pk)
        # Reports about another domain that shares the report address are no evidence.
        from reports.models import TlsReport

        TlsReport.objects.update(counted=False)
        assert not enforce_readiness(policy, now).ready
        TlsReport.objects.update(counted=True)
        self.client.force_login(self.alice)
        with fake_dns():
            self.client.post(self.url("enforce"))
        policy.refresh_from_db()
        assert policy.mode == "enforce"

    def test_the_settings_form_never_switches_to_enforce(self) -> None:
        # Enforce only through the readiness check (the enforce view): a POST to the
        # settings with mode=enforce must not skip it.
        policy = self.host(["mx1.example.org"])
        self.client.force_login(self.alice)
        with fake_dns():
            r = self.client.post(
                self.url("update"), {"mode": "enforce", "max_age": WEEK, "extra": ""}, follow=True
            )
        policy.refresh_from_db()
        assert policy.mode == "testing" and "mode: testing\r\n" in policy.text
        with fake_dns():
            r = self.client.get(self.url("page"))
        assert b'value="enforce"' not in r.content
        # an enforced policy keeps its mode when other settings are saved
        policy = self.host(mode="enforce")
        with fake_dns():
            r = self.client.get(self.url("page"))
            assert b'value="enforce"' in r.content
            self.client.post(self.url("update"), {"mode": "enforce", "max_age": DAY, "extra": ""})
        policy.refresh_from_db()
        assert policy.mode == "enforce" and policy.max_age == DAY

    def test_it_disables_safely(self) -> None:
        policy = self.host()
        self.client.force_login(self.alice)
        self.client.post(self.url("disable"))
        policy.refresh_from_db()
        assert policy.state == "disabling" and "mode: none" in policy.text
        r = self.client.get(POLICY_URL, HTTP_HOST="mta-sts.example.org")
        assert b"mode: none\r\n" in r.content

    def post_at(self, when: datetime, name: str, data: dict[str, Any] | None = None) -> None:
        with mock.patch.object(timezone, "now", return_value=when), fake_dns():
            assert self.client.post(self.url(name), data or {}).status_code == 302

    def test_a_disable_after_lowering_max_age_waits_for_the_old_max_age(self) -> None:
        # Senders that fetched the policy before the change keep it for a week (RFC 8461
        # §5.1): releasing after a day would leave them applying it with nobody answering.
        policy = self.host(max_age=WEEK)
        self.client.force_login(self.alice)
        lowered = T0 + timedelta(days=2)
        self.post_at(lowered, "update", {"mode": "testing", "max_age": DAY, "extra": ""})
        policy.refresh_from_db()
        assert "max_age: 86400\r\n" in policy.text
        assert policy.strict_until == lowered + timedelta(weeks=1)
        self.post_at(lowered + timedelta(hours=1), "disable")
        policy.refresh_from_db()
        assert policy.state == "disabling" and policy.release_at == lowered + timedelta(weeks=1)
        said = policy.events.get(kind="disabling").message
        assert f"until {lowered + timedelta(weeks=1):%-d %b %Y, %H:%M} UTC" in said
        with fake_dns():
            service.sync(policy, now=lowered + timedelta(days=6, hours=23))
            policy.refresh_from_db()
            assert policy.state == HostedPolicy.State.DISABLING  # a day after: not yet
            service.sync(policy, now=lowered + timedelta(weeks=1, seconds=1))
        policy.refresh_from_db()
        assert policy.state == HostedPolicy.State.OFF

    def test_a_disable_after_switching_to_none_waits_for_the_strict_copies(self) -> None:
        policy = self.host(mode="enforce", max_age=WEEK)
        self.client.force_login(self.alice)
        switched = T0 + timedelta(days=2)
        self.post_at(switched, "update", {"mode": "none", "max_age": DAY, "extra": ""})
        policy.refresh_from_db()
        assert policy.strict_until == switched + timedelta(weeks=1)
        with mock.patch.object(timezone, "now", return_value=switched), fake_dns():
            page = self.client.get(self.url("page"))
        self.assertContains(page, "earlier testing/enforce version of your policy until")
        self.assertContains(page, f"{switched + timedelta(weeks=1):%-d %b %Y, %H:%M} UTC")
        # later changes of the mode none text keep the bound (nothing strict in them)
        later = switched + timedelta(hours=1)
        self.post_at(later, "update", {"mode": "none", "max_age": 2 * DAY, "extra": ""})
        policy.refresh_from_db()
        assert "max_age: 172800\r\n" in policy.text
        assert policy.strict_until == switched + timedelta(weeks=1)
        self.post_at(switched + timedelta(hours=2), "disable")
        policy.refresh_from_db()
        assert policy.release_at == switched + timedelta(weeks=1)
        # "Keep hosting", then off again once the strict copies expired: max_age from then
        self.post_at(switched + timedelta(days=3), "enable")
        again = switched + timedelta(weeks=1, hours=1)
        self.post_at(again, "disable")
        policy.refresh_from_db()
        assert policy.release_at == again + timedelta(days=2)

    def test_a_disable_waits_the_usual_max_age_when_nothing_strict_outlasts_it(self) -> None:
        policy = self.host(mode="enforce", max_age=DAY)
        self.client.force_login(self.alice)
        raised = T0 + timedelta(days=2)
        self.post_at(raised, "update", {"mode": "enforce", "max_age": WEEK, "extra": ""})
        policy.refresh_from_db()
        assert policy.earlier_strict_until(raised) is None  # nothing to say on the page
        self.post_at(raised + timedelta(hours=1), "disable")
        policy.refresh_from_db()
        assert policy.release_at == raised + timedelta(hours=1, weeks=1)


ZONE = {
    "MAILSEC_POLICY_ZONE": "policy.mailsec.example",
    "MAILSEC_POLICY_DNS_SERVER": ("127.0.0.1", 53),
}


@override_settings(**ZONE)
class DeleteTestCase(HostingCase):
    """Deleting a domain whose policy senders may hold keeps it served as mode none, detached,
    until the old max_age has passed (RFC 8461 §8.3); anything else goes at once."""

    @contextmanager
    def zone(self) -> Iterator[dict[str, mock.MagicMock]]:
        from mailsec.hosting.zone import PolicyZone

        with (
            mock.patch.object(PolicyZone, "publish") as publish,
            mock.patch.object(PolicyZone, "withdraw") as withdraw,
        ):
            yield {"publish": publish, "withdraw": withdraw}

    def retire_for_another_team(self) -> tuple[HostedPolicy, Domain]:
        """An enforced policy whose domain was deleted (it retires, serving mode none), and
        the same name verified by charlie's team."""
        with self.zone():
            self.host(mode="enforce")
        with self.zone():
            self.delete_domain()
        theirs = Domain.objects.create(team=self.charlies_team, name="example.org", verified_at=T0)
        return HostedPolicy.objects.get(), theirs

    def delete_domain(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            self.domain.delete()

    def test_it_withdraws_a_mode_none_policy_with_its_domain(self) -> None:
        with self.zone():
            policy = self.host(mode="none")
        assert policy.published_id  # there is a TXT in our zone to withdraw
        assert policy.strict_until is None  # only ever served in mode none
        assert policy.deletion_notice == ""
        with self.zone() as zone:
            self.delete_domain()
        zone["withdraw"].assert_called_once_with("example.org")
        assert not HostedPolicy.objects.exists()
        assert self.client.get(POLICY_URL, HTTP_HOST="mta-sts.example.org").status_code == 404

    def test_it_deletes_a_policy_never_served_with_its_domain(self) -> None:
        with self.zone():
            self.host()
        self.domain.verified_at = None  # servable() never answered for it
        self.domain.save()
        with self.zone():
            self.delete_domain()
        assert not HostedPolicy.objects.exists()

    def test_the_domain_page_says_what_deleting_does_to_hosting(self) -> None:
        with self.zone():
            self.host(["mx1.example.org"], mode="enforce", max_age=86400)
        self.client.force_login(self.alice)
        page = self.client.get(f"/domains/{self.domain.code}/")
        self.assertContains(page, "mailsec keeps serving mode: none at mta-sts.example.org until")
        with self.zone():
            r = self.client.post(f"/domains/{self.domain.code}/remove/", follow=True)
        self.assertContains(
            r, "Removed example.org and its check history (its TLS reports are kept"
        )
        self.assertContains(r, "add it again). mailsec keeps serving")
        assert HostedPolicy.objects.get().state == HostedPolicy.State.DISABLING

    def test_it_serves_mode_none_after_the_domain_is_deleted_then_releases(self) -> None:
        with self.zone():
            policy = self.host(["mx1.example.org"], mode="enforce", max_age=86400)
        old_id = policy.policy_id
        mail.outbox.clear()
        before = timezone.now()
        notice = policy.deletion_notice
        assert "mode: none at mta-sts.example.org until " in notice
        assert "remove your mta-sts and _mta-sts records only after that" in notice
        with self.zone() as zone:
            self.delete_domain()
        zone["withdraw"].assert_not_called()
        policy = HostedPolicy.objects.get()
        assert policy.domain is None and policy.state == HostedPolicy.State.DISABLING
        assert policy.release_at is not None
        assert before + timedelta(days=1) <= policy.release_at <= timezone.now() + timedelta(days=1)
        assert f"{policy.release_at.day} {policy.release_at:%b %Y, %H:%M} UTC" in notice
        assert policy.policy_id != old_id and "mode: none\r\n" in policy.text
        zone["publish"].assert_called_once_with("example.org", policy.policy_id)
        assert policy.published_id == policy.policy_id
        assert list(policy.events.values_list("kind", flat=True))[0] == "detached"
        assert mail.outbox == []  # nobody left to tell

        r = self.client.get(POLICY_URL, HTTP_HOST="mta-sts.example.org")
        assert r.status_code == 200 and r.content == policy.text.encode()
        with fake_dns(points=True):
            ask = self.client.get("/hosting/ask", {"domain": "mta-sts.example.org"})
        assert ask.status_code == 200

        # The beat tasks: no MX loop for it (nobody's MX to follow), the certificate watch
        # records without mailing anyone.
        from mailsec.hosting import tasks

        looked_up = mock.AsyncMock(side_effect=AssertionError("MX looked up"))
        with mock.patch.object(lookups, "live_mx", looked_up), self.zone() as zone:
            assert tasks.sync_all() == 0
        zone["withdraw"].assert_not_called()
        reading = CertReading(timezone.now() + timedelta(days=5))
        with mock.patch.object(service, "read_certificate", return_value=reading):
            assert tasks.watch_certificates() == 1
        assert policy.events.filter(kind="cert").exists() and mail.outbox == []

        # past release_at: the release task withdraws the TXT and nothing is left
        later = policy.release_at + timedelta(seconds=1)
        with (
            mock.patch.object(timezone, "now", return_value=later),
            mock.patch.object(lookups, "live_mx", looked_up),
            self.zone() as zone,
        ):
            assert tasks.sync_all() == 1
        zone["withdraw"].assert_called_once_with("example.org")
        assert not HostedPolicy.objects.exists()
        assert self.client.get(POLICY_URL, HTTP_HOST="mta-sts.example.org").status_code == 404
        with fake_dns(points=True):
            ask = self.client.get("/hosting/ask", {"domain": "mta-sts.example.org"})
        assert ask.status_code == 403
        assert mail.outbox == []

    def test_it_keeps_the_release_time_of_a_disable_under_way(self) -> None:
        with self.zone():
            policy = self.host(mode="enforce")
            service.disable(policy, now=T0)
        release_at, disabling_id = policy.release_at, policy.policy_id
        assert release_at is not None
        assert f"until {release_at.day} {release_at:%b %Y, %H:%M} UTC" in policy.deletion_notice
        with self.zone() as zone:
            self.delete_domain()
        policy = HostedPolicy.objects.get()
        assert policy.domain is None and policy.release_at == release_at
        # already mode none: senders that fetched it keep it, no new id needed
        assert policy.policy_id == disabling_id
        zone["withdraw"].assert_not_called()

    def test_a_policy_switched_to_none_outlives_its_domain_until_the_old_max_age(self) -> None:
        # Senders that fetched the enforce policy just before the switch apply it for a week
        # more, whatever we serve meanwhile (RFC 8461 §5.1, §8.3).
        with self.zone():
            policy = self.host(mode="enforce", max_age=WEEK)
        switched, deleted = T0 + timedelta(days=2), T0 + timedelta(days=2, hours=1)
        with self.zone():
            service.set_mode(policy, HostedPolicy.Mode.NONE, now=switched)
        expires = switched + timedelta(weeks=1)
        assert policy.strict_until == expires and "mode: none\r\n" in policy.text
        none_id = policy.policy_id
        with mock.patch.object(timezone, "now", return_value=deleted):
            assert f"until {expires.day} {expires:%b %Y, %H:%M} UTC" in policy.deletion_notice
            with self.zone() as zone:
                self.delete_domain()
        zone["withdraw"].assert_not_called()
        policy = HostedPolicy.objects.get()
        assert policy.domain is None and policy.state == HostedPolicy.State.DISABLING
        assert policy.release_at == expires
        assert policy.policy_id == none_id  # already mode none: no new id needed

        from mailsec.hosting import tasks

        with self.zone() as zone:
            with mock.patch.object(timezone, "now", return_value=expires - timedelta(minutes=1)):
                assert tasks.sync_all() == 0
            assert HostedPolicy.objects.exists()
            with mock.patch.object(timezone, "now", return_value=expires + timedelta(seconds=1)):
                assert tasks.sync_all() == 1
        zone["withdraw"].assert_called_once_with("example.org")
        assert not HostedPolicy.objects.exists()

    def test_a_policy_in_none_for_longer_than_its_old_max_age_goes_with_its_domain(self) -> None:
        with self.zone():
            policy = self.host(mode="enforce", max_age=DAY)
            service.set_mode(policy, HostedPolicy.Mode.NONE, now=T0)
        deleted = T0 + timedelta(days=1, minutes=1)  # every strict copy has expired
        with mock.patch.object(timezone, "now", return_value=deleted):
            assert policy.deletion_notice == ""
            with self.zone() as zone:
                self.delete_domain()
        zone["withdraw"].assert_called_once_with("example.org")
        assert not HostedPolicy.objects.exists()

    def test_it_retires_the_policies_of_a_deleted_team(self) -> None:
        with self.zone():
            self.host(mode="testing")
        with self.zone() as zone, self.captureOnCommitCallbacks(execute=True):
            self.team.delete()
        policy = HostedPolicy.objects.get()
        assert policy.domain is None and "mode: none\r\n" in policy.text
        zone["withdraw"].assert_not_called()

    def test_another_team_takes_the_name_over(self) -> None:
        retiring, theirs = self.retire_for_another_team()
        with fake_dns(["mx9.example.net"]), self.zone() as zone:
            policy = service.enable(theirs)
        # the retiring row is gone, but not the TXT: the new id is written over it
        zone["withdraw"].assert_not_called()
        zone["publish"].assert_called_once_with("example.org", policy.policy_id)
        assert not HostedPolicy.objects.filter(pk=retiring.pk).exists()
        assert policy.domain == theirs and policy.state == HostedPolicy.State.ACTIVE
        r = self.client.get(POLICY_URL, HTTP_HOST="mta-sts.example.org")
        assert r.content == policy.text.encode() and b"mx: mx9.example.net\r\n" in r.content
        # Senders may still hold the old owner's enforce copy (its mx lines): the new policy
        # inherits that bound, so stopping it soon after cannot release the name earlier.
        assert retiring.release_at is not None
        assert policy.strict_until is not None and policy.strict_until >= retiring.release_at
        with self.zone():
            service.disable(policy, timezone.now())
        policy.refresh_from_db()
        assert policy.release_at is not None and policy.release_at >= retiring.release_at

    def test_a_refused_takeover_leaves_the_retiring_policy_served(self) -> None:
        retiring, theirs = self.retire_for_another_team()
        with fake_dns(failed=True), self.zone(), self.assertRaises(service.HostingRefused):
            service.enable(theirs)
        assert HostedPolicy.objects.servable().get() == retiring

    def test_a_detached_policy_is_on_no_teams_page(self) -> None:
        with self.zone():
            self.host(mode="enforce")
        with self.zone():
            self.delete_domain()
        retiring = HostedPolicy.objects.get()
        again = Domain.objects.create(team=self.team, name="example.org", verified_at=T0)
        theirs = Domain.objects.create(team=self.charlies_team, name="example.org", verified_at=T0)
        for user, domain in ((self.alice, again), (self.bob, again), (self.charlie, theirs)):
            self.client.force_login(user)
            with fake_dns():
                pages = [
                    self.client.get(reverse("hosting:page", args=[domain.code])),
                    self.client.get(reverse("domains:details", args=[domain.code])),
                    self.client.get(reverse("domains:index")),
                ]
            for r in pages:
                assert r.status_code == 200
                self.assertNotContains(r, retiring.policy_id)
                self.assertNotContains(r, "mode none")
            self.assertContains(pages[0], "Host MTA-STS for example.org")
            # and no action of the page reaches it
            with fake_dns():
                self.client.post(reverse("hosting:update", args=[domain.code]), {"mode": "enforce"})
                self.client.post(reverse("hosting:disable", args=[domain.code]))
        retiring.refresh_from_db()
        assert retiring.domain is None and retiring.state == HostedPolicy.State.DISABLING

    def test_readiness_of_a_detached_policy_is_never_ready(self) -> None:
        from mailsec.hosting.readiness import enforce_readiness

        with self.zone():
            self.host(mode="enforce")
        with self.zone():
            self.delete_domain()
        readiness = enforce_readiness(HostedPolicy.objects.get(), timezone.now())
        assert not readiness.ready and readiness.reasons == ["The domain was deleted."]


# --- Contested control: another team proves control of a hosted name ------------------------


class ContestTestCase(HostingCase):
    """Alice's team hosts example.org in enforce; charlie's team verifies the name too."""

    def setUp(self) -> None:
        super().setUp()
        with fake_dns():
            self.policy = self.host(mode="enforce")
        self.theirs = Domain.objects.create(team=self.charlies_team, name="example.org")
        mail.outbox.clear()

    def challenge(self, *domains: Domain) -> Any:
        from tests.test_domains import stub_dns

        return stub_dns({"_mailsec-challenge.example.org": [d.challenge_value for d in domains]})

    def test_a_lost_domain_winds_its_policy_down_safely(self) -> None:
        before = timezone.now()
        with self.challenge(self.theirs), self.captureOnCommitCallbacks(execute=True):
            assert self.theirs.verify()
        self.domain.refresh_from_db()
        assert self.domain.verified_at is None
        policy = HostedPolicy.objects.get(pk=self.policy.pk)
        # Not cut off: served in mode none with a new id, detached from alice's team, until
        # every enforce copy senders may hold has expired; then the sync releases it.
        assert policy.domain is None and policy.state == HostedPolicy.State.DISABLING
        assert "mode: none\r\n" in policy.text and policy.policy_id != self.policy.policy_id
        assert policy.release_at is not None
        assert policy.release_at >= before + timedelta(seconds=self.policy.max_age)
        r = self.client.get(POLICY_URL, HTTP_HOST="mta-sts.example.org")
        assert r.status_code == 200 and b"mode: none\r\n" in r.content
        # One email to each of alice's team (each in their own time zone), saying until when.
        assert [m.to for m in mail.outbox] == [["alice@example.org"], ["bob@example.org"]]
        for message in mail.outbox:
            assert f"{policy.release_at:%-d %b %Y, %H:%M} UTC" in message.body
        # The new owner may host the name at once: it takes over, inheriting the bound.
        with fake_dns(["mx9.example.net"]):
            mine = service.enable(self.theirs)
        assert mine.domain == self.theirs and mine.strict_until is not None
        assert mine.strict_until >= policy.release_at
        assert len(mail.outbox) == 2  # no more than the two above

    def test_a_team_still_proving_control_keeps_hosting(self) -> None:
        with self.challenge(self.domain, self.theirs):
            assert self.theirs.verify()
            with fake_dns(), pytest.raises(service.HostingRefused) as refused:
                service.enable(self.theirs)
        assert "still proves control" in str(refused.value)
        assert "alice" not in str(refused.value)
        self.domain.refresh_from_db()
        assert self.domain.verified_at == T0
        policy = HostedPolicy.objects.get()
        assert policy.domain == self.domain and policy.text == self.policy.text
        assert policy.state == HostedPolicy.State.ACTIVE
        assert mail.outbox == []

    def test_hosting_refused_while_the_other_team_stops_says_until_when(self) -> None:
        service.disable(self.policy)
        mail.outbox.clear()
        with self.challenge(self.domain, self.theirs):
            assert self.theirs.verify()
            with fake_dns(), pytest.raises(service.HostingRefused) as refused:
                service.enable(self.theirs)
        assert self.policy.release_at is not None
        assert "from then" in str(refused.value)
        release = self.policy.release_at
        assert f"{release.day} {release:%b %Y, %H:%M} UTC" in str(refused.value)

    def test_hosting_asks_again_and_takes_over_once_the_value_is_gone(self) -> None:
        """The new owner removes the other team's value after a first refusal: pressing
        Host MTA-STS again looks again."""
        with self.challenge(self.domain, self.theirs):
            assert self.theirs.verify()
        with self.challenge(self.theirs), fake_dns(["mx9.example.net"]):
            mine = service.enable(self.theirs)
        assert mine.domain == self.theirs and mine.state == HostedPolicy.State.ACTIVE
        self.domain.refresh_from_db()
        assert self.domain.verified_at is None
        assert len(mail.outbox) == 2  # alice and bob, each their own

    def test_a_failed_lookup_changes_nothing(self) -> None:
        from tests.test_domains import stub_dns

        Domain.objects.filter(pk=self.theirs.pk).update(verified_at=T0)
        self.theirs.refresh_from_db()
        with (
            stub_dns({}, servfail=True),
            fake_dns(),
            pytest.raises(service.HostingRefused) as refused,
        ):
            service.enable(self.theirs)
        assert "could not look up" in str(refused.value)
        self.domain.refresh_from_db()
        assert self.domain.verified_at == T0 and self.domain.contested_at is not None
        policy = HostedPolicy.objects.get()
        assert policy.domain == self.domain and policy.text == self.policy.text
        assert mail.outbox == []

    def test_it_checks_ownership(self) -> None:
        """The newcomer's hosting page shows nothing of the other team's policy."""
        with self.challenge(self.domain, self.theirs):
            assert self.theirs.verify()
        self.client.force_login(self.charlie)
        with self.challenge(self.domain, self.theirs), fake_dns():
            r = self.client.post(reverse("hosting:enable", args=[self.theirs.code]), follow=True)
        self.assertContains(r, "still proves control")
        for secret in (self.policy.policy_id, str(self.domain.code), "alice@example.org"):
            self.assertNotContains(r, secret)
        r = self.client.get(reverse("hosting:page", args=[self.domain.code]))
        assert r.status_code == 404
