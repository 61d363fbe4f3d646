"""Adding many domains at once (an MSP pastes its customers' names), and the add limits under
concurrent submissions: 50 waiting to be verified per team, 100 new a day."""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client, TransactionTestCase, override_settings
from django.utils import timezone

from mailsec.accounts.models import Profile, Team
from mailsec.domains.models import Domain
from tests.conftest import BaseTestCase
from tests.test_domains import LOCMEM

MAX_UNVERIFIED = 50


def is_unverified_count(sql: str) -> bool:
    """The query that counts a team's domains waiting to be verified."""
    return sql.startswith("SELECT COUNT(") and "verified_at" in sql and "IS NULL" in sql


@contextmanager
def observed(hook: Callable[[str], None]) -> Iterator[None]:
    """Call `hook` with each SQL statement this thread runs, after it has run."""

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        result = execute(sql, params, many, context)
        hook(sql)
        return result

    with connection.execute_wrapper(wrapper):
        yield


def race(first: Callable[[], Any], second: Callable[[], Any]) -> list[Any]:
    """Run `first`; right after it has counted the team's unverified domains, run `second`
    until it ends or reaches its first transaction (where the team's lock would hold it),
    then let `first` go on. Without a lock, `second` counts the same number as `first` did and
    both act on it; with one, `second` counts after `first` committed. Each in a thread of
    its own, with its own database connection. Returns their results, in that order."""
    results: list[Any] = [None, None]
    second_waits_or_ended = threading.Event()
    started: list[threading.Thread] = []

    def run_second() -> None:
        def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            if sql.startswith("BEGIN") or "FOR UPDATE" in sql:
                second_waits_or_ended.set()
            return execute(sql, params, many, context)

        try:
            with connection.execute_wrapper(wrapper):
                results[1] = second()
        finally:
            second_waits_or_ended.set()
            connection.close()

    def run_first() -> None:
        def hook(sql: str) -> None:
            if is_unverified_count(sql) and not started:
                thread = threading.Thread(target=run_second)
                started.append(thread)
                thread.start()
                second_waits_or_ended.wait()

        try:
            with observed(hook):
                results[0] = first()
        finally:
            connection.close()

    thread = threading.Thread(target=run_first)
    thread.start()
    thread.join()
    for t in started:
        t.join()
    assert started, "the first never counted the team's unverified domains"
    return results


def new_team_member(username: str) -> tuple[User, Team]:
    user = User.objects.create_user(username, f"{username}@example.org")
    team = Team.create_for(user)
    Profile.objects.create(user=user, current_team=team)
    return user, team


@pytest.mark.django_db(transaction=True)
@override_settings(CACHES=LOCMEM)
class ConcurrentAddTestCase(TransactionTestCase):
    """Two people of one team add at the same moment, in two threads with their own database
    connections, when the team has room for one more domain waiting to be verified."""

    def setUp(self) -> None:
        self.alice, self.team = new_team_member("alice")
        self.bob = User.objects.create_user("bob", "bob@example.org")
        self.team.memberships.create(user=self.bob, role="member")
        Profile.objects.create(user=self.bob, current_team=self.team)
        for i in range(MAX_UNVERIFIED - 1):
            Domain.objects.create(team=self.team, name=f"d{i}.example.org")

    def client_of(self, user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    def test_two_single_adds_at_once_keep_the_cap(self) -> None:
        alices, bobs = self.client_of(self.alice), self.client_of(self.bob)
        first, second = race(
            lambda: alices.post("/domains/add/", {"name": "one.example.org"}).status_code,
            lambda: bobs.post("/domains/add/", {"name": "two.example.org"}).status_code,
        )
        self.assertEqual(sorted([first, second]), [302, 400])
        self.assertEqual(self.team.domains.filter(verified_at=None).count(), MAX_UNVERIFIED)

    def test_two_bulk_adds_at_once_keep_the_cap(self) -> None:
        """Room for 30 more: two people paste 20 new names each at the same moment."""
        keep = [f"d{i}.example.org" for i in range(MAX_UNVERIFIED - 30)]
        self.team.domains.exclude(name__in=keep).delete()
        alices, bobs = self.client_of(self.alice), self.client_of(self.bob)
        first, second = race(
            lambda: alices.post(ADD_MANY, {"names": names("a", 20)}),
            lambda: bobs.post(ADD_MANY, {"names": names("b", 20)}),
        )
        self.assertEqual(self.team.domains.filter(verified_at=None).count(), MAX_UNVERIFIED)
        # From the pages (the test client's r.context collects every thread's templates).
        added = sorted(said(r, r"Added (\d+)\.") for r in (first, second))
        self.assertEqual(added, [10, 20])
        self.assertEqual(said(second, r"over your team's limits: (\d+)\."), 10)

    def test_a_single_and_a_bulk_add_at_once_keep_the_cap(self) -> None:
        alices, bobs = self.client_of(self.alice), self.client_of(self.bob)
        first, second = race(
            lambda: alices.post(ADD_MANY, {"names": names("a", 3)}),
            lambda: bobs.post("/domains/add/", {"name": "two.example.org"}),
        )
        self.assertEqual(self.team.domains.filter(verified_at=None).count(), MAX_UNVERIFIED)
        self.assertEqual(said(first, r"Added (\d+)\."), 1)
        self.assertEqual(second.status_code, 400)


ADD_MANY = "/domains/add-many/"


def said(response: Any, pattern: str) -> int:
    found = re.search(pattern, response.content.decode())
    assert found, pattern
    return int(found.group(1))


def names(prefix: str, n: int) -> str:
    return "\n".join(f"{prefix}{i}.example.org" for i in range(n))


@override_settings(CACHES=LOCMEM)
class BulkAddTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.alice)

    def test_the_domain_list_offers_it(self) -> None:
        r = self.client.get("/domains/")
        self.assertContains(r, f'action="{ADD_MANY}"')
        self.assertContains(r, 'name="names"')
        # No export link before the team has a domain (s25m: a header row alone).
        self.assertNotContains(r, 'href="/domains/export.csv"')
        Domain.objects.create(team=self.team, name="example.org")
        self.assertContains(self.client.get("/domains/"), 'href="/domains/export.csv"')
        self.assertContains(self.client.get(ADD_MANY), 'name="names"')

    def test_it_reads_each_name_as_the_single_add_does(self) -> None:
        Domain.objects.create(team=self.team, name="known.example.org")
        paste = (
            "https://www.Example.org/path?q=1\n"
            'Admin <admin@shop.example.net>, "B, C" <b@xn--bcher-kva.de>\n'
            "bücher.de  mail.example.com.\t192.0.2.1\n"
            "co.uk;  Known.example.org\n"
            "\n"
            "example.com,example.com., EXAMPLE.com\n"
        )
        r = self.client.post(ADD_MANY, {"names": paste})
        self.assertEqual(r.status_code, 200)
        outcomes = [(o.typed, o.status, o.name) for o in r.context["outcomes"]]
        self.assertEqual(
            outcomes,
            [
                ("https://www.Example.org/path?q=1", "added", "www.example.org"),
                ("admin@shop.example.net", "added", "shop.example.net"),
                ("b@xn--bcher-kva.de", "added", "xn--bcher-kva.de"),
                ("bücher.de", "repeated", "xn--bcher-kva.de"),
                ("mail.example.com.", "added", "mail.example.com"),
                ("192.0.2.1", "refused", ""),
                ("co.uk", "refused", ""),
                ("Known.example.org", "present", "known.example.org"),
                ("example.com", "added", "example.com"),
                ("example.com.", "repeated", "example.com"),
                ("EXAMPLE.com", "repeated", "example.com"),
            ],
        )
        added = {d.name: d for d in self.team.domains.exclude(name="known.example.org")}
        self.assertEqual(
            sorted(added),
            sorted(
                [
                    "www.example.org",
                    "shop.example.net",
                    "xn--bcher-kva.de",
                    "mail.example.com",
                    "example.com",
                ]
            ),
        )
        # Added as the single add adds: unverified, so nothing is checked yet.
        self.assertTrue(all(d.verified_at is None for d in added.values()))
        # Each added domain's record to publish, on its row and in the block to copy at once.
        for d in added.values():
            self.assertContains(r, f"{d.challenge_name}</code>")
            self.assertContains(r, f"{d.challenge_value}</code>", count=1)
            record = f'{d.challenge_name}. 3600 IN TXT "{d.challenge_value}"'
            self.assertContains(r, html.escape(record))
        self.assertContains(r, 'data-copy-target="bulk-records"')
        # The reasons, as the single add words them.
        self.assertContains(r, "192.0.2.1 is an IP address; enter a domain name.")
        self.assertContains(r, "co.uk")
        self.assertContains(r, "for mail to …@example.org, check example.org instead")
        self.assertContains(
            r, "Listed before as bücher.de".replace("bücher.de", "b@xn--bcher-kva.de")
        )
        self.assertContains(r, "Already in your team")
        self.assertContains(r, "Not verified yet")
        self.assertContains(r, "Added 5.")

    def test_it_refuses_an_empty_paste_or_too_many_names(self) -> None:
        from mailsec.domains.bulk import MAX_ENTRIES

        for paste, error in (
            (" ,\n ;", "Enter at least one domain name."),
            (names("x", MAX_ENTRIES + 1), f"paste at most {MAX_ENTRIES} at a time"),
        ):
            with self.subTest(error=error):
                r = self.client.post(ADD_MANY, {"names": paste})
                self.assertContains(r, error, status_code=400)
                self.assertContains(r, 'aria-invalid="true"', status_code=400)
        self.assertFalse(self.team.domains.exists())

    def test_it_adds_up_to_the_cap_on_unverified_domains_and_says_which_are_not(self) -> None:
        for i in range(MAX_UNVERIFIED - 2):
            Domain.objects.create(team=self.team, name=f"d{i}.example.org")
        Domain.objects.create(team=self.team, name="ours.example.org", verified_at=timezone.now())
        r = self.client.post(ADD_MANY, {"names": "d0.example.org " + names("n", 4)})
        summary = r.context["summary"]
        self.assertEqual([o.name for o in summary.present], ["d0.example.org"])
        self.assertEqual([o.name for o in summary.added], ["n0.example.org", "n1.example.org"])
        self.assertEqual([o.name for o in summary.over], ["n2.example.org", "n3.example.org"])
        self.assertContains(r, "Not added: over the limit", count=2)
        self.assertContains(r, f"Your team has {MAX_UNVERIFIED} domains waiting to be verified")
        self.assertEqual(self.team.domains.filter(verified_at=None).count(), MAX_UNVERIFIED)
        self.assertFalse(self.team.domains.filter(name="n2.example.org").exists())

    def test_it_counts_against_the_same_daily_limit_as_the_single_add(self) -> None:
        # A team of its own: the day's counter is kept outside the test's transaction (in
        # Redis in CI).
        dana, team = new_team_member("dana")
        self.client.force_login(dana)
        with self.settings(MAILSEC_ADDS_PER_DAY=4):
            self.client.post("/domains/add/", {"name": "single.example.org"})
            r = self.client.post(ADD_MANY, {"names": names("m", 5)})
            summary = r.context["summary"]
            self.assertEqual(len(summary.added), 3)
            self.assertEqual([o.name for o in summary.over], ["m3.example.org", "m4.example.org"])
            self.assertContains(r, "Your team has added 4 domains today: add this one tomorrow.")
            self.assertEqual(team.domains.count(), 4)
            # Removing them makes no room today, for either form.
            team.domains.all().delete()
            r = self.client.post(ADD_MANY, {"names": "again.example.org"})
            self.assertEqual(len(r.context["summary"].over), 1)
            r = self.client.post("/domains/add/", {"name": "again.example.org"})
            self.assertEqual(r.status_code, 429)
            self.assertFalse(team.domains.exists())
            # Another team is not affected.
            self.client.force_login(self.charlie)
            r = self.client.post(ADD_MANY, {"names": names("m", 4)})
            self.assertEqual(len(r.context["summary"].added), 4)

    def test_a_name_another_team_verified_is_added_unverified_and_contests_nothing(self) -> None:
        """As with the single add: the other team keeps its domain until this team proves
        control (Domain.verify); nothing is looked up now, and nothing is told of it."""
        theirs = Domain.objects.create(
            team=self.charlies_team, name="shared.example.org", verified_at=timezone.now()
        )
        with mock.patch.object(Domain, "_look_up_challenge", side_effect=AssertionError):
            r = self.client.post(ADD_MANY, {"names": "shared.example.org"})
        ours = self.team.domains.get(name="shared.example.org")
        self.assertIsNone(ours.verified_at)
        self.assertEqual([o.status for o in r.context["outcomes"]], ["added"])
        theirs.refresh_from_db()
        self.assertIsNotNone(theirs.verified_at)
        self.assertIsNone(theirs.contested_at)
        self.assertNotContains(r, "another team")
        self.assertNotContains(r, str(theirs.code))
        self.assertNotContains(r, theirs.challenge)

    def test_it_checks_ownership(self) -> None:
        """Names another team has are that team's: charlie's paste of alice's names adds them
        to charlie's team, unverified, and shows nothing of alice's rows."""
        alices = Domain.objects.create(team=self.team, name="acme.example.org")
        self.client.force_login(self.charlie)
        r = self.client.post(ADD_MANY, {"names": "acme.example.org"})
        self.assertEqual([o.status for o in r.context["outcomes"]], ["added"])
        self.assertTrue(self.charlies_team.domains.filter(name="acme.example.org").exists())
        self.assertNotContains(r, str(alices.code))
        self.assertNotContains(r, alices.challenge)
        self.assertEqual(self.team.domains.count(), 1)

    def test_posting_the_same_names_again_adds_nothing_twice(self) -> None:
        self.client.post(ADD_MANY, {"names": names("p", 3)})
        r = self.client.post(ADD_MANY, {"names": names("p", 3)})
        self.assertEqual([o.status for o in r.context["outcomes"]], ["present"] * 3)
        self.assertEqual(self.team.domains.count(), 3)


class SplitNamesTestCase(BaseTestCase):
    def test_it_splits_on_lines_spaces_commas_and_semicolons(self) -> None:
        from mailsec.domains.bulk import split_names

        self.assertEqual(
            split_names("a.org\r\nb.org, c.org;d.org\te.org，f.org\n\n  "),
            ["a.org", "b.org", "c.org", "d.org", "e.org", "f.org"],
        )
        self.assertEqual(
            split_names('"Doe, J" <j@a.org>, Ann <ann@b.org>\nc.org'),
            ["j@a.org", "ann@b.org", "c.org"],
        )


@override_settings(CACHES=LOCMEM)
class LargePasteTestCase(BaseTestCase):
    def test_a_paste_of_the_most_names_is_read_whole(self) -> None:
        """An MSP pastes its whole list again: every name already in the team is recognised,
        in one look-up of them all."""
        from mailsec.domains.bulk import MAX_ENTRIES

        for i in range(0, MAX_ENTRIES, 100):
            Domain.objects.create(
                team=self.team, name=f"n{i}.example.org", verified_at=timezone.now()
            )
        self.client.force_login(self.alice)
        r = self.client.post(ADD_MANY, {"names": names("n", MAX_ENTRIES)})
        summary = r.context["summary"]
        self.assertEqual(len(summary.present), MAX_ENTRIES // 100)
        self.assertEqual(len(summary.added), MAX_UNVERIFIED)
        self.assertEqual(len(summary.over), MAX_ENTRIES - MAX_ENTRIES // 100 - MAX_UNVERIFIED)


@override_settings(CACHES=LOCMEM)
class RoomTestCase(BaseTestCase):
    def test_the_page_says_how_many_more_can_be_added(self) -> None:
        for i in range(3):
            Domain.objects.create(team=self.team, name=f"w{i}.example.org")
        self.client.force_login(self.alice)
        r = self.client.get(ADD_MANY)
        self.assertContains(
            r, f"3 of your team's domains are waiting to be verified: {MAX_UNVERIFIED - 3} more"
        )
        r = self.client.post(ADD_MANY, {"names": names("r", 2)})
        self.assertContains(
            r, f"5 of your team's domains are waiting to be verified: {MAX_UNVERIFIED - 5} more"
        )
