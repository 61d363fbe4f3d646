"""Hosted MTA-STS without alert fatigue (found by the blind round, tests/test_hosting_s12_blind.py):

- Two name servers out of sync (one answers MX set A, the other set B) made every 5-minute sync
  email "mx2 left …" then "mx2 is back", while the served text and id never changed. Now the
  team is told once that the answers differ, each step is still recorded on the page, one email
  says when an answer has held again, and a removal that sticks is told as before.
- MX records back after a null MX or NXDOMAIN (the team was asked to fix them) were not told.

MX answers come from a wire DNS server through the engine's resolver (the blind round's
fixture); here they alternate per lookup, as a resolver asking one name server then the other
sees them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import dns.message
import dns.rdatatype
from django.core import mail
from django.urls import reverse

from mailsec.hosting import service
from mailsec.hosting.models import MX_STABLE_AFTER, HostedPolicy
from tests.test_dns_s9_server import Reply, answer, records
from tests.test_hosting import POLICY_URL, T0, HostingCase
from tests.test_hosting_s12_blind import mx_handler, wire_mx

A = ["mx1.example.org.", "mx2.example.org."]
B = ["mx1.example.org."]
FIVE = timedelta(minutes=5)


def alternating(state: dict[str, Any]) -> Callable[..., Reply | None]:
    """Answers example.org MX with state["answers"][0], [1], [0], … one per MX query (a list of
    exchanges, or null/nxdomain/servfail as the blind fixture takes them); state["asked"]
    counts the MX queries."""
    inner = mx_handler(state)

    def handle(query: dns.message.Message, transport: str) -> Reply | None:
        question = query.question[0]
        if state.get("alias") and question.name.to_text().lower() == "mx2.example.org.":
            # mx2 is an alias (CNAME) for host7.provider.example (hosting's mx-alias)
            chain = (
                "mx2.example.org. 300 CNAME host7.provider.example.",
                "host7.provider.example. 300 A 192.0.2.7",
            )
            return Reply(answer(query, *(records(r) for r in chain)))
        if (
            question.name.to_text().lower() == "example.org."
            and question.rdtype == dns.rdatatype.MX
        ):
            answers = state["answers"]
            state["mx"] = answers[state["asked"] % len(answers)]
            state["asked"] += 1
        return inner(query, transport)

    return handle


class QuietCase(HostingCase):
    state: dict[str, Any]

    def setUp(self) -> None:
        super().setUp()
        self.state = {"mx": [], "answers": [A], "asked": 0}
        self.dns = wire_mx(self.state, alternating(self.state))
        self.dns.__enter__()
        self.addCleanup(self.dns.__exit__, None, None, None)

    def answers(self, *answers: Any) -> None:
        """From the next lookup on, answer these in turn."""
        self.state["answers"] = list(answers)
        self.state["asked"] = 0

    def enable(self) -> HostedPolicy:
        policy = service.enable(self.domain, now=T0)
        mail.outbox.clear()
        return policy

    def sync(self, policy: HostedPolicy, at: datetime) -> list[tuple[str, str]]:
        """One sync at `at`; the steps it told (events), checked against the page's list."""
        before = policy.events.count()
        _, said = service.sync_told(policy, now=at)
        policy.refresh_from_db()
        assert policy.events.count() == before + len(said)
        return said

    def emails(self) -> list[Any]:
        return [m for m in mail.outbox if m.to == [self.alice.email]]


class FlappingMx(QuietCase):
    def test_answers_that_differ_between_lookups_are_emailed_once(self) -> None:
        policy = self.enable()
        text, policy_id = policy.text, policy.policy_id
        self.answers(B, A)
        kinds: list[str] = []
        for n in range(1, 25):  # two hours of syncs, every 5 minutes
            said = self.sync(policy, T0 + n * FIVE)
            kinds += [kind for kind, _ in said]
            # The answers alternate: each sync still records what it saw.
            assert policy.mx_live == (
                ["mx1.example.org"] if n % 2 else ["mx1.example.org", "mx2.example.org"]
            )
            assert (policy.text, policy.policy_id) == (text, policy_id)
        assert kinds.count("mx-leaving") == 12 and kinds.count("mx-back") == 12
        assert kinds.count("mx-flapping") == 1
        # The first departure and return cannot be told from a change undone (a round trip,
        # tests/test_hosting_s12_quiet_review.py); the second departure can.
        first, back, flapping = self.emails()
        assert "mx2.example.org left the MX records" in first.subject
        assert "mx2.example.org is back" in back.subject
        body = " ".join(flapping.body.split())
        assert "The MX answers for example.org differ between lookups" in body
        assert "one gave mx1.example.org and mx2.example.org, the next mx1.example.org" in body
        assert "name servers are out of sync" in body and "same SOA serial" in body
        assert "mx2.example.org left" in body  # the steps of that sync, in the same email
        # Every step is on the hosting page's list (the latest first).
        self.client.force_login(self.alice)
        page = self.client.get(reverse("hosting:page", args=[self.domain.code])).content.decode()
        assert "mx2.example.org is back in the MX records" in page
        assert "differ between lookups" in page
        served = self.client.get(POLICY_URL, HTTP_HOST="mta-sts.example.org").content.decode()
        assert served == text

    def test_one_email_says_when_an_answer_holds_again_then_emails_resume(self) -> None:
        policy = self.enable()
        self.answers(B, A)
        for n in range(1, 13):  # an hour of flapping, ending on A
            self.sync(policy, T0 + n * FIVE)
        assert policy.mx_unstable_since is not None
        last_change = T0 + 12 * FIVE
        mail.outbox.clear()
        # The name servers agree again, on B: mx2 left for good.
        self.answers(B)
        said = self.sync(policy, last_change + FIVE)
        assert [kind for kind, _ in said] == ["mx-leaving"]
        settled_at = last_change + FIVE + MX_STABLE_AFTER
        at = last_change + 2 * FIVE
        while at < settled_at:
            assert self.sync(policy, at) == []
            at += timedelta(hours=1)
        assert self.emails() == []  # that departure was recorded, not emailed
        said = self.sync(policy, settled_at)
        assert [kind for kind, _ in said] == ["mx-stable"]
        [settled] = self.emails()
        body = " ".join(settled.body.split())
        assert (
            "The MX answers for example.org agree again since 1 Dec 2026, 13:05 UTC: mx1.example.org."
            in body
        )
        assert (
            "mx2.example.org is not in them: it stays in the policy until 8 Dec 2026, 13:05 UTC"
            in body
        )
        assert policy.mx_unstable_since is None
        # A removal that sticks is told as before, with a new id.
        id_before = policy.policy_id
        said = self.sync(policy, datetime(2026, 12, 8, 13, 10, tzinfo=T0.tzinfo))
        assert [kind for kind, _ in said] == ["mx-removed"]
        assert policy.policy_id != id_before and len(self.emails()) == 2
        # Emails resume: a host leaving and coming back a day later is each told.
        self.answers(A)
        assert [k for k, _ in self.sync(policy, datetime(2026, 12, 9, tzinfo=T0.tzinfo))] == [
            "mx-added"
        ]
        self.answers(B)
        assert [k for k, _ in self.sync(policy, datetime(2026, 12, 10, tzinfo=T0.tzinfo))] == [
            "mx-leaving"
        ]
        self.answers(A)
        assert [k for k, _ in self.sync(policy, datetime(2026, 12, 11, tzinfo=T0.tzinfo))] == [
            "mx-back"
        ]
        assert len(self.emails()) == 5

    def test_an_aliased_mx_that_flaps_is_not_told_an_alias_again_at_each_return(self) -> None:
        self.state["alias"] = True
        policy = self.enable()
        assert policy.mx_aliases == {"mx2.example.org": "host7.provider.example"}
        self.answers(B, A)
        kinds: list[str] = []
        for n in range(1, 13):
            kinds += [kind for kind, _ in self.sync(policy, T0 + n * FIVE)]
        assert "mx-alias" not in kinds
        assert len(self.emails()) == 3  # mx2 leaving, back, then the answers differing
        assert policy.mx_aliases == {"mx2.example.org": "host7.provider.example"}
        # The page warns of live aliases only: while mx2 is out of the answer, none.
        self.answers(B)
        self.sync(policy, T0 + 13 * FIVE)
        assert policy.alias_warnings() == []

    def test_a_departure_that_sticks_is_told_as_before(self) -> None:
        policy = self.enable()
        self.answers(B)
        at = T0
        kinds = []
        while at < T0 + timedelta(days=7, hours=2):
            at += timedelta(hours=1)
            kinds += [kind for kind, _ in self.sync(policy, at)]
        assert kinds == ["mx-leaving", "mx-removed"]
        leaving, removed = self.emails()
        assert "mx2.example.org left the MX records. It stays" in leaving.body
        assert "more than max_age ago: removed from the policy" in removed.body

    def test_a_null_mx_from_one_name_server_is_emailed_once_too(self) -> None:
        policy = self.enable()
        text, policy_id = policy.text, policy.policy_id
        self.answers("null", A)
        kinds: list[str] = []
        for n in range(1, 25):
            kinds += [kind for kind, _ in self.sync(policy, T0 + n * FIVE)]
            assert (policy.text, policy.policy_id) == (text, policy_id)
        assert kinds.count("mx-unusable") == 12 and kinds.count("mx-recovered") == 12
        null_mx, _back, flapping = self.emails()
        assert "null MX" in null_mx.subject
        body = " ".join(flapping.body.split())
        assert "one gave mx1.example.org and mx2.example.org, the next a null MX (MX 0 .)" in body
        # One answer holds again: told once.
        mail.outbox.clear()
        self.answers(A)
        at = T0 + 25 * FIVE
        while not self.emails():
            self.sync(policy, at)
            at += timedelta(hours=1)
        [settled] = self.emails()
        assert "agree again" in settled.body
        assert policy.mx_unstable_since is None and policy.mx_unusable == ""


class MxRecovery(QuietCase):
    def recovers(self, unusable: str) -> None:
        policy = self.enable()
        policy_id = policy.policy_id
        self.answers(unusable)
        self.sync(policy, T0 + timedelta(hours=1))
        self.sync(policy, T0 + timedelta(hours=2))
        assert len(self.emails()) == 1  # told once
        self.answers(A)
        said = self.sync(policy, T0 + timedelta(days=2))
        assert [kind for kind, _ in said] == ["mx-recovered"]
        assert policy.last_sync_error == "" and policy.policy_id == policy_id
        _, back = self.emails()
        assert (
            "The MX records of example.org are back (mx1.example.org, mx2.example.org): the "
            "policy follows them again." in " ".join(back.body.split())
        )
        assert self.sync(policy, T0 + timedelta(days=2, minutes=5)) == []
        assert len(self.emails()) == 2

    def test_mx_back_after_a_null_mx_is_told_once(self) -> None:
        self.recovers("null")

    def test_mx_back_after_nxdomain_is_told_once(self) -> None:
        self.recovers("nxdomain")

    def test_the_policy_follows_the_mx_that_came_back_in_the_same_email(self) -> None:
        policy = self.enable()
        self.answers("null")
        self.sync(policy, T0 + timedelta(hours=1))
        self.answers(["mx3.example.org."])
        said = self.sync(policy, T0 + timedelta(days=2))
        assert sorted(kind for kind, _ in said) == [
            "mx-added",
            "mx-leaving",
            "mx-leaving",
            "mx-recovered",
        ]
        _, email = self.emails()
        body = " ".join(email.body.split())
        assert "are back (mx3.example.org)" in body and "New MX mx3.example.org" in body
        assert "mx: mx3.example.org" in policy.text

    def test_a_failed_lookup_neither_repeats_nor_ends_the_null_mx_notice(self) -> None:
        policy = self.enable()
        for hours, reply in enumerate(["null", "servfail", "null", "servfail"], start=1):
            self.answers(reply)
            self.sync(policy, T0 + timedelta(hours=hours))
        assert [kind for kind, _ in policy.events.values_list("kind", "message")].count(
            "mx-unusable"
        ) == 1
        assert len(self.emails()) == 1
        self.answers(A)
        assert [k for k, _ in self.sync(policy, T0 + timedelta(days=1))] == ["mx-recovered"]
        assert len(self.emails()) == 2
