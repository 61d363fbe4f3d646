"""Hosted MTA-STS when every MX lookup keeps failing (SERVFAIL, a timeout): could not check, so
the policy stays as it was, and the team hears once when none has answered for
MX_FAILING_TELL_AFTER (a day), once when one answers again, and the hosting page says so
meanwhile (docs/hosting.md). The MX answers come from a wire DNS server through the engine's
resolver (tests/test_hosting_s12_blind.py's wire_mx), as our resolver gives them."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import dns.message
import dns.rcode
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from mailsec.alerts.models import AlertSetting
from mailsec.hosting import service
from mailsec.hosting.models import MX_FAILING_TELL_AFTER, HostedPolicy
from tests import test_hosting_s12_blind as s12
from tests.test_dns_s9_server import Reply, answer
from tests.test_hosting import POLICY_URL, T0, HostingCase

MX1 = ["mx1.example.org."]
MX12 = ["mx1.example.org.", "mx2.example.org."]
HOUR = timedelta(hours=1)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def ours_down_too(state: dict[str, Any]) -> Callable[..., Reply | None]:
    """s12's MX server, except that with state["ours"] == "servfail" every name fails (our
    resolver's outage: our own policy host included)."""
    mx_answers = s12.mx_handler(state)

    def handle(query: dns.message.Message, transport: str) -> Reply | None:
        if state.get("ours") == "servfail":
            return Reply(answer(query, rcode=dns.rcode.SERVFAIL))
        return mx_answers(query, transport)

    return handle


class LookupFailingCase(HostingCase):
    def to(self, user: Any) -> list[Any]:
        return [m for m in mail.outbox if m.to == [user.email]]

    def start(self, state: dict[str, Any], mx: list[str] = MX1) -> HostedPolicy:
        state["mx"] = mx
        policy = service.enable(self.domain, now=T0)
        mail.outbox.clear()
        return policy

    def sync(self, policy: HostedPolicy, hours: float) -> None:
        service.sync(policy, now=at(hours))

    def test_it_tells_the_team_once_after_a_day_without_an_answer(self) -> None:
        state: dict[str, Any] = {}
        with s12.wire_mx(state):
            policy = self.start(state)
            served = self.client.get(POLICY_URL, HTTP_HOST="mta-sts.example.org").content
            policy_id = policy.policy_id
            state["mx"] = "servfail"
            for hours in (1, 2, 12, 24.9):  # failing since 1 h: a day is not over at 24.9 h
                self.sync(policy, hours)
            assert mail.outbox == []
            self.sync(policy, 25)
            [told] = self.to(self.alice)
            assert len(self.to(self.bob)) == 1  # each member, one email each
            for hours in (25.1, 30, 48, 72):
                self.sync(policy, hours)
            assert len(mail.outbox) == 2  # nothing repeated at each run
            policy.refresh_from_db()
            # What failed (our resolver's answer), since when, what is kept, what to check.
            assert told.subject.endswith(
                "No MX lookup for example.org has answered since 1 Dec 2026, 13:00 UTC"
            )
            body = " ".join(told.body.split())
            assert "Our resolver's answer to the latest: SERVFAIL for example.org MX." in body
            assert f"we keep serving mode testing with mx mx1.example.org (id {policy_id})" in body
            assert "is not followed until a lookup answers" in body
            assert "every name server of example.org" in body and "DNSSEC" in body
            # The policy itself is kept: could not check is no reason to change it.
            assert policy.policy_id == policy_id
            assert self.client.get(POLICY_URL, HTTP_HOST="mta-sts.example.org").content == served
            assert policy.events.filter(kind="mx-failing").count() == 1
            # A lookup answers again, with a change made meanwhile: one email says both.
            state["mx"] = MX12
            self.sync(policy, 96)
            [_, back] = self.to(self.alice)
            body = " ".join(back.body.split())
            assert (
                "MX lookups for example.org answer again (none had since 1 Dec 2026, 13:00 UTC): "
                "mx1.example.org, mx2.example.org. The policy follows the MX records again."
            ) in body
            assert "New MX mx2.example.org: added to the policy at once." in body
            for hours in (96.1, 120):
                self.sync(policy, hours)
        assert len(self.to(self.alice)) == 2
        policy.refresh_from_db()
        assert policy.events.filter(kind="mx-answering").count() == 1
        assert not policy.mx_failing_told and policy.mx_failed_since is None

    def test_failures_shorter_than_a_day_are_never_emailed(self) -> None:
        state: dict[str, Any] = {}
        with s12.wire_mx(state):
            policy = self.start(state)
            state["mx"] = "servfail"
            for hours in (1, 12, 24):
                self.sync(policy, hours)
            state["mx"] = MX1  # back within the day: nothing to tell either way
            self.sync(policy, 24.5)
            # An answer in between starts the day afresh: failing 22 h, then since 25 h.
            state["mx"] = "servfail"
            for hours in (25, 40, 48.9):
                self.sync(policy, hours)
        assert mail.outbox == []
        policy.refresh_from_db()
        assert not policy.events.filter(kind__in=["mx-failing", "mx-answering"])
        assert policy.mx_failed_since == at(25)

    def test_a_timeout_is_told_with_the_resolvers_answer(self) -> None:
        state: dict[str, Any] = {}
        with s12.wire_mx(state):
            policy = self.start(state)
            state["mx"] = "timeout"
            self.sync(policy, 1)
            self.sync(policy, 25)
        [told] = self.to(self.alice)
        assert "Our resolver's answer to the latest: TIMEOUT for example.org MX" in " ".join(
            told.body.split()
        )

    # A policy host as production has one (the default's all-numeric top-level label,
    # mta-sts-host.127.0.0.1, is answered without asking the resolver).
    @override_settings(MAILSEC_POLICY_HOST="mta-sts-host.mailsec.example")
    def test_an_outage_of_our_own_resolver_tells_nobody(self) -> None:
        # Every name fails, our policy host too: our resolver's outage would otherwise email
        # every team about their name servers.
        state: dict[str, Any] = {}
        with s12.wire_mx(state, ours_down_too(state)):
            policy = self.start(state)
            state["mx"] = "servfail"
            state["ours"] = "servfail"
            for hours in (1, 25, 48):
                self.sync(policy, hours)
            assert mail.outbox == []
            policy.refresh_from_db()
            assert not policy.mx_failing_told
            # Ours answers again, the domain's MX still does not: that is theirs to know.
            state["ours"] = ""
            self.sync(policy, 49)
            self.sync(policy, 50)
        [told] = self.to(self.alice)
        assert "since 1 Dec 2026, 13:00 UTC" in told.subject

    def test_concurrent_and_retried_syncs_tell_it_once(self) -> None:
        state: dict[str, Any] = {}
        with s12.wire_mx(state):
            policy = self.start(state)
            state["mx"] = "servfail"
            self.sync(policy, 1)
            # Two workers holding copies read before either turn (sync_all loads its rows
            # first), then a retry of the first turn.
            first, second = (HostedPolicy.objects.get(pk=policy.pk) for _ in range(2))
            service.sync(first, now=at(25))
            service.sync(second, now=at(25) + timedelta(minutes=1))
            service.sync(HostedPolicy.objects.get(pk=policy.pk), now=at(25))
        assert len(self.to(self.alice)) == 1
        assert policy.events.filter(kind="mx-failing").count() == 1

    def test_a_member_who_chose_no_emails_gets_none(self) -> None:
        AlertSetting.objects.create(user=self.alice, domain=self.domain, mode="off")
        state: dict[str, Any] = {}
        with s12.wire_mx(state):
            policy = self.start(state)
            state["mx"] = "servfail"
            self.sync(policy, 1)
            self.sync(policy, 25)
        assert self.to(self.alice) == []
        [told] = self.to(self.bob)
        assert "List-Unsubscribe" in told.extra_headers

    def test_a_policy_winding_down_is_not_told(self) -> None:
        # Mode none is served until the release: no MX needs following.
        state: dict[str, Any] = {}
        with s12.wire_mx(state):
            policy = self.start(state)
            service.disable(policy, now=T0 + HOUR)
            mail.outbox.clear()
            state["mx"] = "servfail"
            for hours in (2, 30, 60):
                self.sync(policy, hours)
        assert mail.outbox == []

    def test_the_hosting_page_says_so_while_it_lasts(self) -> None:
        state: dict[str, Any] = {}
        self.client.force_login(self.bob)
        page = reverse("hosting:page", args=[self.domain.code])
        with s12.wire_mx(state):
            policy = self.start(state, MX12)
            state["mx"] = MX1  # mx2 leaves: listed until max_age, then removed
            self.sync(policy, 0.5)
            mail.outbox.clear()
            state["mx"] = "servfail"
            self.sync(policy, 1)
            assert 'id="mx-failing"' not in self.client.get(page).content.decode()
            self.sync(policy, 1 + MX_FAILING_TELL_AFTER.total_seconds() / 3600)
            policy.refresh_from_db()
            [told] = self.to(self.alice)
            shown = self.client.get(page).content.decode()
            assert 'id="mx-failing"' in shown
            # The email's words: the latest failure, since when, what is kept, what to check.
            notice = html.unescape(shown.split('id="mx-failing"')[1].split("</div>")[0])
            notice = " ".join(notice.split())
            # The time as pages say it (s44a); the email keeps the event's UTC text.
            since = "No MX lookup for example.org has answered since"
            assert f"{since} 1 Dec 2026, 13:00 UTC." in notice, notice
            assert f"{since} 1 Dec 2026, 13:00 UTC." in " ".join(told.body.split())
            for words in (
                "Our resolver's answer to the latest: SERVFAIL for example.org MX.",
                f"mx mx1.example.org, mx2.example.org (id {policy.policy_id})",
                "mx2.example.org stays listed until a lookup confirms it has left.",
                "every name server of example.org",
            ):
                assert words in notice, words
                assert words in " ".join(told.body.split()), words
            state["mx"] = MX1
            self.sync(policy, 30)
            assert 'id="mx-failing"' not in self.client.get(page).content.decode()

    def test_it_checks_ownership(self) -> None:
        state: dict[str, Any] = {}
        with s12.wire_mx(state):
            policy = self.start(state)
            state["mx"] = "servfail"
            self.sync(policy, 1)
            self.sync(policy, 25)
        self.client.force_login(self.charlie)
        r = self.client.get(reverse("hosting:page", args=[self.domain.code]))
        assert r.status_code == 404
        assert b"SERVFAIL" not in r.content
