"""Task s32o: small webapp follow-ups.

1. Deleting a team with hosted policies still served after it (66208d37): the owner who
   deletes it is told the date and the records to keep too, on the page after it and by email
   (the members' email is for those who lose access).
2. A week-before run that compares (same rubric, same categories left out) but has no score
   left "since last week" empty without a stored reason: the list's title and the weekly
   email now say there was no score a week before, and why (the domain did not exist in DNS
   then, or nothing could be scored then).
3. notices.tell_verified read each person's public id for the unsubscribe link in a query of
   its own (AlertRecipient.public_id_for): now all at once (public_ids_for), the same number
   of queries however many members, the links as before."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.core import mail
from django.db import connection
from django.http import HttpResponse
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mailsec.accounts.models import Membership, Profile, Team
from mailsec.alerts.emails import read_unsubscribe_token
from mailsec.alerts.models import AlertRecipient
from mailsec.domains.models import Domain
from mailsec.domains.notices import tell_verified
from mailsec.hosting.models import HostedPolicy
from tests.conftest import BaseTestCase
from tests.test_hosting import HostingCase
from tests.test_hosting_s32e import ZONE, our_zone
from tests.test_webapp_s32n import WeeklySaysWhyThereIsNoTrendTestCase
from tests.test_webapp_s32w import Findings, run_of, trend_cell


@override_settings(**ZONE)
class s32oOwnerToldTheRecordsToKeep(HostingCase):
    def setUp(self) -> None:
        super().setUp()
        Team.create_named(self.alice, "Other clients")  # not alice's only team
        self.team.name = "Acme clients"
        self.team.save(update_fields=["name"])

    def hosted(self, mode: str = "enforce") -> HostedPolicy:
        with our_zone():
            policy = self.host(["mx1.example.org"], mode=mode, max_age=86400)
        mail.outbox.clear()
        return policy

    def delete_team(self) -> HttpResponse:
        self.client.force_login(self.alice)
        url = reverse("accounts:team_delete", args=[self.team.code])
        with our_zone(), self.captureOnCommitCallbacks(execute=True):
            r = self.client.post(url, {"name": self.team.name})
        assert r.status_code == 302
        return r

    def said(self, r: HttpResponse) -> str:
        [message] = list(get_messages(r.wsgi_request))
        return str(message)

    def test_the_success_message_gives_the_date_and_the_records(self) -> None:
        self.hosted()
        said = self.said(self.delete_team())
        policy = HostedPolicy.objects.get()
        until = f"{policy.release_at.day} {policy.release_at:%b %Y, %H:%M} UTC"
        assert said.startswith("You deleted Acme clients. 1 other person was emailed")
        assert f"mode: none at mta-sts.example.org until {until}" in said
        assert "keep the mta-sts and _mta-sts records of example.org published until then" in said
        assert "the records are in the email we sent you" in said

    def test_the_date_in_the_owners_time_zone(self) -> None:
        Profile.objects.filter(user=self.alice).update(time_zone="Europe/Berlin")
        self.hosted()
        said = self.said(self.delete_team())
        policy = HostedPolicy.objects.get()
        with timezone.override("Europe/Berlin"):
            here = timezone.localtime(policy.release_at)
        # The page as pages say times (s44a); the email in its own words, as before.
        assert f"until {here.day} {here:%b %Y, %H:%M} (Europe/Berlin)" in said
        alices = next(m for m in mail.outbox if m.to == ["alice@example.org"])
        assert f"Keep these records published until {here:%-d %b %Y, %H:%M} (Europe/Berlin)" in (
            alices.body
        )

    def test_the_owner_gets_an_email_of_their_own_with_the_records(self) -> None:
        self.hosted()
        self.delete_team()
        assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.org", "bob@example.org"]
        alices = next(m for m in mail.outbox if m.to == ["alice@example.org"])
        policy = HostedPolicy.objects.get()
        until = f"{policy.release_at:%-d %b %Y, %H:%M} UTC"
        assert alices.subject == "You deleted the team Acme clients on mailsec: records to keep"
        body = alices.body
        assert 'You deleted the team "Acme clients" on mailsec.' in body
        assert "who owned the team" not in body and "You no longer have access" not in body
        assert "_mta-sts.example.org. CNAME example.org.policy.mailsec.example." in body
        assert f"Keep these records published until {until}" in body
        html = alices.alternatives[0][0]
        assert "<strong>Acme clients</strong>" in html and until in html
        # Bob's is the members' email, as before.
        bobs = next(m for m in mail.outbox if m.to == ["bob@example.org"])
        assert "alice@example.org, who owned the team" in bobs.body

    def test_nothing_for_the_owner_when_nothing_is_served(self) -> None:
        self.hosted(mode="none")  # goes with its domain: no record to keep
        said = self.said(self.delete_team())
        assert [m.to for m in mail.outbox] == [["bob@example.org"]]
        assert said == (
            "You deleted Acme clients. 1 other person was emailed that they no longer have access."
        )


def did_not_exist(name: str, findings: Findings) -> None:
    """NXDOMAIN at the name (checks.scoring.does_not_exist): nothing is rated, no score."""
    findings[0].setdefault("evidence", {})["does_not_exist"] = True


def nothing_applies(name: str, findings: Findings) -> None:
    """Every finding 'does not apply': nothing is scored (no weight counts), nothing is left
    out as could-not-check either."""
    for f in findings:
        f["status"] = "na"


class s32oNoScoreAWeekBefore(BaseTestCase):
    def setUp(self) -> None:
        self.client.force_login(self.alice)
        self.domain = Domain.objects.create(team=self.team, name="shop.example.com")

    def cell(self) -> str:
        return trend_cell(self.client.get("/domains/").content.decode(), "shop.example.com")

    def test_the_list_says_the_domain_did_not_exist_a_week_before(self) -> None:
        week_ago = run_of(self.domain, 8, did_not_exist)
        assert week_ago.score is None
        run_of(self.domain, 0)
        assert self.domain.last_score is not None and self.domain.week_ago_score is None
        cell = self.cell()
        assert (
            'title="No trend: no score a week before: the domain did not exist in DNS then."'
            in cell
        ), cell
        assert "no score then" in cell

    def test_the_list_says_nothing_could_be_scored_a_week_before(self) -> None:
        assert run_of(self.domain, 8, nothing_applies).score is None
        run_of(self.domain, 0)
        cell = self.cell()
        assert 'title="No trend: no score a week before: nothing could be scored then."' in cell

    def test_a_score_then_and_none_now_says_nothing_new(self) -> None:
        # No score now: the cell says why the row has none (not this reason).
        run_of(self.domain, 8)
        run_of(self.domain, 0, nothing_applies)
        self.domain.refresh_from_db()
        assert "no_trend" not in (self.domain.last_worst or {})


@override_settings(ALERT_DIGEST_HOUR=7)
class s32oWeeklyNoScoreAWeekBefore(BaseTestCase):
    """The weekly summary says it too (its score line, text and HTML, read as s32n does)."""

    score_line = WeeklySaysWhyThereIsNoTrendTestCase.score_line
    assert_ends = WeeklySaysWhyThereIsNoTrendTestCase.assert_ends

    def setUp(self) -> None:
        self.domain = Domain.objects.create(team=self.team, name="shop.example.com")

    def test_s32o_the_domain_did_not_exist_a_week_before(self) -> None:
        run_of(self.domain, 8, did_not_exist)
        run_of(self.domain, 0)
        self.domain.refresh_from_db()
        self.assert_ends(
            f"{self.domain.last_score}/100 (no trend: no score a week before, the domain did "
            "not exist in DNS then)"
        )

    def test_s32o_nothing_could_be_scored_a_week_before(self) -> None:
        run_of(self.domain, 8, nothing_applies)
        run_of(self.domain, 0)
        self.assert_ends("/100 (no trend: no score a week before, nothing could be scored then)")


class s32oVerifiedEmailsReadThePublicIdsAtOnce(BaseTestCase):
    def add_members(self, n: int) -> list[User]:
        people = []
        for i in range(n):
            person = User.objects.create_user(f"v{n}x{i}", f"v{n}x{i}@example.org")
            Membership.objects.create(team=self.team, user=person, role=Membership.Role.MEMBER)
            people.append(person)
        return people

    def tell(self, name: str) -> int:
        domain = Domain.objects.create(team=self.team, name=name, verified_at=timezone.now())
        mail.outbox.clear()
        with CaptureQueriesContext(connection) as seen:
            tell_verified([domain])
        return len(seen.captured_queries)

    def test_the_same_queries_for_more_members_and_the_links_as_before(self) -> None:
        AlertRecipient.objects.create(user=self.alice)  # one has a row, one gets it made
        few = self.tell("a.ex.com")
        assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.org", "bob@example.org"]
        people = self.add_members(5)
        AlertRecipient.objects.create(user=people[0])
        assert self.tell("b.ex.com") == few
        assert len(mail.outbox) == 7
        for message in mail.outbox:
            [link] = [line for line in message.body.split() if "/alerts/unsubscribe/" in line] or [
                message.extra_headers["List-Unsubscribe"].strip("<>")
            ]
            token = link.rstrip("/").rsplit("/", 1)[1]
            read = read_unsubscribe_token(token)
            assert read is not None
            person, scope = read
            assert [person.email] == message.to
            assert scope == str(Domain.objects.get(name="b.ex.com").code)
        public = dict(AlertRecipient.objects.values_list("user__email", "public_id"))
        assert len(public) == 7 and len(set(public.values())) == 7

    def test_all_rows_there_takes_no_more(self) -> None:
        few = self.tell("a.ex.com")  # makes alice's and bob's rows
        self.add_members(3)
        AlertRecipient.objects.bulk_create(
            [AlertRecipient(user=u) for u in User.objects.filter(alert_recipient=None)]
        )
        assert self.tell("b.ex.com") <= few
