"""Review of the quiet rule for flapping MX answers (26bf8ec, d6a8ae6):

- One round trip is not a flap: a real NXDOMAIN (or an MX removed by mistake) fixed within
  hours was told as "name servers out of sync", the "MX records back" email was held back,
  and an mx-stable email followed 12 hours later. A flap now starts at the second departure
  (A, B, A, B); the first return is emailed as usual.
- While a flap lasted, no new answer was ever emailed: a null MX from a third name server
  (or a third MX set) was recorded only, for days. Now only a change between the two answers
  the episode's email named is kept quiet; another answer is emailed, and if it goes back and
  forth too a new episode is told.
- A flap whose lookups then kept failing (SERVFAIL) kept its page notice for days with no
  word that nothing answered, and the first answer after them ended the flap at once ("agree
  again since" a time before the failures). A failed lookup neither continues nor ends a
  flap: the notice now says since when no lookup answered, and the 12 hours count from the
  first answer after them.
- Migration 0007 carried "told of a null MX / NXDOMAIN" only for rows whose last sync error
  was that answer: a null MX then a failed lookup (last error "MX lookup failed") got
  mx_unusable "", so the next null MX was emailed a second time. It now also reads the
  latest MX event: an mx-unusable with nothing after it is carried too.

MX answers come from the wire DNS server of tests/test_hosting_s12_quiet.py, alternating per
lookup as a resolver asking one name server then the other sees them."""

from __future__ import annotations

from datetime import datetime, timedelta
from importlib import import_module

from django.core import mail
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from mailsec.hosting.models import MX_STABLE_AFTER, HostedPolicy, HostingEvent
from tests.pages import words
from tests.test_hosting import T0
from tests.test_hosting_s12_quiet import FIVE, A, B, QuietCase

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
ANSWER_A = "mx1.example.org and mx2.example.org"
ANSWER_B = "mx1.example.org"
NULL = "a null MX (MX 0 .)"
# The mx-unusable events the code before 26bf8ec recorded (and emailed).
NULL_MX_TOLD = (
    "example.org: the domain publishes a null MX (MX 0 .): it says it receives no mail. The "
    "policy is unchanged and keeps listing mx1.example.org, mx2.example.org. If the domain no "
    "longer receives mail, stop hosting; otherwise fix its MX records."
)
NXDOMAIN_TOLD = (
    "example.org: the MX lookup answered NXDOMAIN (NXDOMAIN for example.org MX): the domain "
    "does not exist. The policy is unchanged and keeps listing mx1.example.org, "
    "mx2.example.org. If the domain no longer receives mail, stop hosting; otherwise fix its "
    "MX records."
)


def kinds(said: list[tuple[str, str]]) -> list[str]:
    return [kind for kind, _ in said]


class OneRoundTrip(QuietCase):
    def test_nxdomain_fixed_within_hours_is_told_as_fixed_not_as_a_flap(self) -> None:
        policy = self.enable()
        self.answers("nxdomain")
        assert kinds(self.sync(policy, T0 + DAY)) == ["mx-unusable"]
        self.answers(A)
        assert kinds(self.sync(policy, T0 + DAY + 2 * HOUR)) == ["mx-recovered"]
        assert policy.mx_unstable_since is None
        nxdomain, back = self.emails()
        assert "NXDO" in nxdomain.subject
        body = " ".join(back.body.split())
        assert "The MX records of example.org are back" in body
        assert "differ between lookups" not in body
        # No "agree again" for answers that never disagreed.
        assert self.sync(policy, T0 + DAY + 2 * HOUR + MX_STABLE_AFTER) == []
        assert len(self.emails()) == 2

    def test_an_mx_removed_by_mistake_and_put_back_is_told_back(self) -> None:
        policy = self.enable()
        self.answers(B)
        assert kinds(self.sync(policy, T0 + HOUR)) == ["mx-leaving"]
        self.answers(A)
        assert kinds(self.sync(policy, T0 + 3 * HOUR)) == ["mx-back"]
        assert policy.mx_unstable_since is None
        leaving, back = self.emails()
        assert "mx2.example.org is back in the MX records" in back.body
        assert self.sync(policy, T0 + 3 * HOUR + MX_STABLE_AFTER) == []
        assert len(self.emails()) == 2

    def test_a_flap_starts_at_the_second_departure(self) -> None:
        policy = self.enable()
        self.answers(B, A)
        assert kinds(self.sync(policy, T0 + FIVE)) == ["mx-leaving"]
        assert kinds(self.sync(policy, T0 + 2 * FIVE)) == ["mx-back"]
        assert policy.mx_unstable_since is None
        assert kinds(self.sync(policy, T0 + 3 * FIVE)) == ["mx-flapping", "mx-leaving"]
        assert policy.mx_unstable_since == T0 + 3 * FIVE
        for n in range(4, 25):
            self.sync(policy, T0 + n * FIVE)
        leaving, back, flapping = self.emails()
        assert "mx2.example.org is back" in back.body
        body = " ".join(flapping.body.split())
        assert "one gave mx1.example.org and mx2.example.org, the next mx1.example.org. " in body


class NewAnswerDuringAFlap(QuietCase):
    def flap(self, policy: HostedPolicy) -> datetime:
        """An hour of answers alternating between A and B, ending on A: an episode."""
        self.answers(B, A)
        for n in range(1, 13):
            self.sync(policy, T0 + n * FIVE)
        assert policy.mx_unstable_since is not None
        assert policy.flapping_answers() == (ANSWER_A, ANSWER_B)
        mail.outbox.clear()
        return T0 + 12 * FIVE

    def test_a_null_mx_from_a_third_name_server_is_emailed(self) -> None:
        policy = self.enable()
        at = self.flap(policy)
        # One name server starts answering a null MX, alternating with B.
        self.answers("null", B)
        assert kinds(self.sync(policy, at + FIVE)) == ["mx-unusable"]
        [null_mx] = self.emails()
        assert "publishes a null MX" in null_mx.subject
        every: list[str] = []
        for n in range(2, 12 * 24 * 3):  # three days
            every += kinds(self.sync(policy, at + n * FIVE))
        subjects = [m.subject for m in self.emails()]
        # B back is told; the null MX coming back joins the flap's answers (one email naming
        # all three, with that sync's null MX), and the rest is only recorded
        # (tests/test_hosting_s12_quiet_review2.py: the answers of a flap are a set).
        assert len(subjects) == 3, subjects
        assert "are back" in subjects[1]
        body = " ".join(self.emails()[2].body.split())
        assert f"the lookups gave 3 different answers: {ANSWER_A}; {ANSWER_B}; {NULL}. " in body
        assert "publishes a null MX" in body
        assert policy.flapping_answers() == (ANSWER_A, ANSWER_B, NULL)
        assert every.count("mx-flapping") == 1 and "mx-stable" not in every

    def test_a_third_mx_set_is_emailed_coming_and_going(self) -> None:
        policy = self.enable()
        at = self.flap(policy)
        self.answers(["mx1.example.org.", "mx3.example.org."])
        assert sorted(kinds(self.sync(policy, at + FIVE))) == ["mx-added", "mx-leaving"]
        self.answers(B)
        assert kinds(self.sync(policy, at + 2 * FIVE)) == ["mx-leaving"]
        added, leaving = self.emails()
        assert "mx3.example.org left the MX records" in leaving.body
        # Back between the episode's own answers: recorded only.
        self.answers(A)
        assert kinds(self.sync(policy, at + 3 * FIVE)) == ["mx-back"]
        assert len(self.emails()) == 2


class FlapEndingInFailedLookups(QuietCase):
    def notice(self) -> str:
        self.client.force_login(self.alice)
        page = self.client.get(reverse("hosting:page", args=[self.domain.code])).content.decode()
        if 'id="mx-flapping"' not in page:
            return ""
        return words(page.split('id="mx-flapping"', 1)[1].split("</div>", 1)[0])

    def test_lookups_that_keep_failing_neither_continue_nor_end_a_flap(self) -> None:
        policy = self.enable()
        self.answers(B, A)
        for n in range(1, 13):
            self.sync(policy, T0 + n * FIVE)
        assert policy.mx_unstable_since is not None
        mail.outbox.clear()
        self.answers("servfail")
        at = T0 + 13 * FIVE
        told: list[str] = []
        while at < T0 + 3 * DAY:
            told += kinds(self.sync(policy, at))
            at += HOUR
        # Nothing is known of the answers meanwhile: no "agree again", and the page says why
        # its notice stays. A day without an answer is told once (s19h), not as a flap's end.
        assert told == ["mx-failing"] and policy.mx_unstable_since is not None
        [failing] = self.emails()
        assert "has answered since 1 Dec 2026, 13:05 UTC" in failing.subject
        notice = self.notice()
        assert (
            "No MX lookup has answered since 1 Dec 2026, 13:05 UTC (the latest: SERVFAIL" in notice
        )
        assert "whether the answers still differ is not known" in notice
        # The first answer after them starts the 12 hours: the days without one are not an
        # answer that held.
        self.answers(A)
        assert kinds(self.sync(policy, at)) == ["mx-answering"]  # told once, as it was
        assert "No MX lookup has answered" not in self.notice()
        assert self.sync(policy, at + MX_STABLE_AFTER - FIVE) == []
        assert kinds(self.sync(policy, at + MX_STABLE_AFTER)) == ["mx-stable"]
        [_, _, settled] = self.emails()
        assert f"agree again since {at:%-d %b %Y, %H:%M} UTC" in " ".join(settled.body.split())
        assert self.notice() == ""


MIGRATION = ("hosting", "0007_policy_mx_answers")
migration_0007 = import_module(f"mailsec.hosting.migrations.{MIGRATION[1]}")


class CarriedNullMx(QuietCase):
    """Rows synced by the code before 26bf8ec: told of a null MX when last_sync_error changed
    to 'MX not followed: …', which a failed lookup overwrote."""

    def before_0007(self, policy: HostedPolicy, *steps: tuple[str, str]) -> None:
        """The policy as the old code left it after these (kind, message) events, the last
        sync's error being `last_error`."""
        # Enabled at T0 (its event is stamped with the clock's time, which passed T0 on the
        # day T0 names: the steps below must come after it whatever today's date).
        HostingEvent.objects.filter(policy=policy).update(created=T0)
        for n, (kind, message) in enumerate(steps, start=1):
            HostingEvent.objects.create(
                policy=policy, kind=kind, message=message, created=T0 + n * HOUR
            )

    def carry(self, policy: HostedPolicy, last_error: str) -> None:
        HostedPolicy.objects.filter(pk=policy.pk).update(
            last_sync_error=last_error, mx_unusable="", mx_changed_at=None
        )
        apps = MigrationExecutor(connection).loader.project_state(MIGRATION).apps
        migration_0007.carry_unusable(apps, None)
        policy.refresh_from_db()

    def test_a_null_mx_then_a_failed_lookup_is_not_told_again(self) -> None:
        policy = self.enable()
        self.before_0007(policy, ("mx-unusable", NULL_MX_TOLD))
        self.carry(policy, "MX lookup failed: SERVFAIL for example.org MX")
        assert policy.mx_unusable == NULL
        self.answers("null")
        assert self.sync(policy, T0 + DAY) == []
        assert self.emails() == []
        self.answers(A)
        assert kinds(self.sync(policy, T0 + 2 * DAY)) == ["mx-recovered"]

    def test_nxdomain_then_a_failed_lookup_is_carried_as_nxdomain(self) -> None:
        policy = self.enable()
        self.before_0007(policy, ("mx-unusable", NXDOMAIN_TOLD))
        self.carry(policy, "MX lookup failed: timed out")
        assert policy.mx_unusable == "NXDOMAIN"

    def test_mx_changes_told_after_the_null_mx_end_it(self) -> None:
        policy = self.enable()
        self.before_0007(
            policy,
            ("mx-unusable", NULL_MX_TOLD),
            ("mx-added", "New MX mx3.example.org: added to the policy at once."),
        )
        self.carry(policy, "MX lookup failed: SERVFAIL for example.org MX")
        assert policy.mx_unusable == ""
        self.answers("null")
        assert kinds(self.sync(policy, T0 + DAY)) == ["mx-unusable"]
        assert len(self.emails()) == 1
