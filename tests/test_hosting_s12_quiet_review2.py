"""Second review of the quiet rule for flapping MX answers (abcb899, 202e2a5, 9680b2e):

- Three MX answer sets in turn (A, B, C, one per 5-minute sync) were never a flap: only the
  exact pattern A, B, A, B was, so 23 of 24 syncs in two hours emailed. During an A/B flap, a
  third name server answering C had B -> C and C -> A emailed at every round. A flap is now a
  second answer coming back within MX_STABLE_AFTER; its answers are every answer seen in that
  window (at most MX_FLAP_ANSWERS), and a new one joins them when it comes back.
- A flap followed by lookups that fail every other time (one name server answering SERVFAIL)
  never ended: each answer after a failed lookup restarted the 12 hours, so no mx-stable came
  in days of the same answer, and a real change after that (mx2 removed) was recorded with no
  email. Failures shorter than MX_STABLE_AFTER are now missed lookups, not a restart.

MX answers come from the wire DNS server of tests/test_hosting_s12_quiet.py, in turn per
lookup as a resolver asking one name server then the next sees them."""

from __future__ import annotations

from datetime import timedelta

from django.core import mail
from django.urls import reverse

from mailsec.hosting.models import MX_FLAP_ANSWERS, MX_STABLE_AFTER, HostedPolicy
from tests.pages import words
from tests.test_hosting import T0
from tests.test_hosting_s12_quiet import FIVE, A, B, QuietCase

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
C = ["mx1.example.org.", "mx3.example.org."]
ANSWER_A = "mx1.example.org and mx2.example.org"
ANSWER_B = "mx1.example.org"
ANSWER_C = "mx1.example.org and mx3.example.org"


def kinds(said: list[tuple[str, str]]) -> list[str]:
    return [kind for kind, _ in said]


class FlapThenSomeLookupsFail(QuietCase):
    def flap(self, policy: HostedPolicy) -> None:
        """An hour of answers alternating between A and B, ending on A (at T0 + 1h)."""
        self.answers(B, A)
        for n in range(1, 13):
            self.sync(policy, T0 + n * FIVE)
        assert policy.mx_unstable_since is not None
        mail.outbox.clear()

    def test_an_answer_holding_between_failed_lookups_ends_the_flap(self) -> None:
        policy = self.enable()
        self.flap(policy)
        # The name servers agree on A again; one of them answers SERVFAIL every other lookup.
        self.answers("servfail", A)
        held_from = T0 + 12 * FIVE
        at = held_from + FIVE
        every: list[str] = []
        while at < held_from + MX_STABLE_AFTER:
            every += kinds(self.sync(policy, at))
            at += FIVE
        assert every == [] and policy.mx_unstable_since is not None
        # 12 hours of A with SERVFAIL between: the answers agree (this sync gets A).
        assert kinds(self.sync(policy, at)) == ["mx-stable"]
        [settled] = self.emails()
        body = " ".join(settled.body.split())
        assert f"agree again since {held_from:%-d %b %Y, %H:%M} UTC: mx1.example.org and" in body
        assert policy.mx_unstable_since is None
        # Three days on, the owner really removes mx2: told, not only recorded.
        at += 3 * DAY
        self.answers("servfail", B)
        assert self.sync(policy, at) == []
        assert kinds(self.sync(policy, at + FIVE)) == ["mx-leaving"]
        _settled, leaving = self.emails()
        assert "mx2.example.org left the MX records" in leaving.subject

    def test_failures_lasting_the_whole_12_hours_still_restart_them(self) -> None:
        policy = self.enable()
        self.flap(policy)
        self.answers("servfail")
        failed_from = T0 + 13 * FIVE
        at = failed_from
        while at < failed_from + MX_STABLE_AFTER:
            assert self.sync(policy, at) == []
            at += HOUR
        # No lookup answered for 12 hours: the same answer after them is not one that held.
        self.answers(A)
        assert self.sync(policy, at) == []
        assert self.sync(policy, at + MX_STABLE_AFTER - FIVE) == []
        assert kinds(self.sync(policy, at + MX_STABLE_AFTER)) == ["mx-stable"]


class ThreeAnswers(QuietCase):
    def notice(self) -> str:
        self.client.force_login(self.alice)
        page = self.client.get(reverse("hosting:page", args=[self.domain.code])).content.decode()
        return words(page.split('id="mx-flapping"', 1)[1].split("</div>", 1)[0])

    def test_three_answers_in_turn_are_a_flap_told_once(self) -> None:
        policy = self.enable()
        self.answers(A, B, C)
        every: list[list[str]] = []
        for n in range(1, 25):  # two hours of syncs, every 5 minutes
            every.append(kinds(self.sync(policy, T0 + n * FIVE)))
        # Each sync still records what it saw.
        assert every[:5] == [
            [],
            ["mx-leaving"],
            ["mx-added"],
            ["mx-back", "mx-leaving"],  # A back: one return, told
            ["mx-flapping", "mx-leaving"],  # B back: a second return within 12 hours
        ]
        assert all(steps and "mx-flapping" not in steps for steps in every[5:])
        leaving, added, back, flapping = self.emails()
        body = " ".join(flapping.body.split())
        said = f"the lookups gave 3 different answers: {ANSWER_A}; {ANSWER_B}; {ANSWER_C}. "
        assert f"differ between lookups: {said}Most likely" in body
        assert policy.flapping_answers() == (ANSWER_A, ANSWER_B, ANSWER_C)
        assert f"12:25 UTC ({said.removesuffix('. ')}): your name servers" in self.notice()
        # One answer holds again: told once, and emails resume.
        self.answers(C)
        at = T0 + 25 * FIVE
        self.sync(policy, at)
        assert kinds(self.sync(policy, at + MX_STABLE_AFTER)) == ["mx-stable"]
        assert policy.mx_unstable_since is None and len(self.emails()) == 5

    def test_a_third_name_server_during_a_flap_joins_it_when_it_comes_back(self) -> None:
        policy = self.enable()
        self.answers(B, A)
        for n in range(1, 13):  # an hour of A / B, ending on A
            self.sync(policy, T0 + n * FIVE)
        assert policy.flapping_answers() == (ANSWER_A, ANSWER_B)
        mail.outbox.clear()
        at = T0 + 12 * FIVE
        self.answers(B, C, A)
        every = [kinds(self.sync(policy, at + n * FIVE)) for n in range(1, 25)]
        assert every[:5] == [
            ["mx-leaving"],  # between the flap's answers: recorded only
            ["mx-added"],  # C is news
            ["mx-back", "mx-leaving"],  # so is C leaving
            ["mx-leaving"],
            ["mx-flapping", "mx-back"],  # C back: one of the flap's now
        ]
        added, left, joined = self.emails()
        assert "New MX mx3.example.org" in added.body
        assert "mx3.example.org left the MX records" in " ".join(left.body.split())
        body = " ".join(joined.body.split())
        assert f"3 different answers: {ANSWER_A}; {ANSWER_B}; {ANSWER_C}. " in body
        assert policy.flapping_answers() == (ANSWER_A, ANSWER_B, ANSWER_C)
        assert policy.mx_unstable_since == T0 + 3 * FIVE  # the same flap, since it started

    def test_a_new_answer_during_a_flap_is_still_emailed(self) -> None:
        policy = self.enable()
        self.answers(B, A)
        for n in range(1, 13):
            self.sync(policy, T0 + n * FIVE)
        mail.outbox.clear()
        # The owner moves to mx4 for good: news, though the flap goes on.
        self.answers(["mx4.example.org."])
        assert set(kinds(self.sync(policy, T0 + 13 * FIVE))) == {"mx-added", "mx-leaving"}
        [moved] = self.emails()
        assert "New MX mx4.example.org" in moved.body
        assert policy.flapping_answers() == (ANSWER_A, ANSWER_B)

    def test_beyond_the_cap_an_answer_coming_and_going_is_emailed(self) -> None:
        policy = self.enable()
        # mx1 alone, then mx1 with mx2 (A), mx1 with mx3, ... mx1 with mx6, in turn.
        sets = [B] + [["mx1.example.org.", f"mx{n}.example.org."] for n in range(2, 7)]
        assert len(sets) == MX_FLAP_ANSWERS + 1
        self.answers(*sets)
        for n in range(1, 8):
            self.sync(policy, T0 + n * FIVE)
        # A came back at the second sync; mx1 alone coming back at the seventh is the second
        # return: the flap names the two of that change, then the latest seen others, and
        # A, seen first, is left out.
        answers = policy.flapping_answers()
        assert answers == (
            "mx1.example.org and mx6.example.org",
            ANSWER_B,
            "mx1.example.org and mx5.example.org",
            "mx1.example.org and mx4.example.org",
            ANSWER_C,
        )
        mail.outbox.clear()
        for n in range(8, 8 + 12):  # two more rounds
            self.sync(policy, T0 + n * FIVE)
        # Only A (mx2) coming and going is emailed: twice a round.
        told = [" ".join(m.body.split()) for m in self.emails()]
        assert len(told) == 4
        assert "mx2.example.org is back" in told[0] and "mx2.example.org left" in told[1]
        assert policy.flapping_answers() == answers
