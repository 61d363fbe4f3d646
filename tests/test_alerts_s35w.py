"""s35w: the weekly summary's edges.

1. A domain whose latest check could not complete was said in its own block only: the
   opening and the subject did not mention it. The opening says it could not be checked and
   that its score is older; the subject says so when it happened in the summary's window, in
   calm words (a check we could not make is no failure of their domain).
2. The open problems and the hosted-policy events were read whole, every row of those kinds
   ever, to show ten problems a domain and one event a trouble: the reads are bounded by what
   is shown, with the week's news counted by the database; still a fixed number of queries.
3. A summary sent late after a beat outage overlapped the previous one's window (a problem
   told as new twice), and the summary after a late one left a gap: the window now starts
   where the previous summary's ended (its covers_until), never more than two weeks back."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any
from unittest import mock

from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mailsec.alerts import weekly
from mailsec.alerts.emails import build_message
from mailsec.alerts.models import AlertRecipient, Change, Notification
from mailsec.alerts.tasks import send_notification
from mailsec.domains.models import Domain
from mailsec.hosting.models import HostedPolicy, HostingEvent
from tests.test_alerts_s34w import CERT_TROUBLE, DATES, MONDAY_9, WeeklyTestCase

CALM_WORDS = ("fail", "error", "broken", "problem")


class CouldNotBeCheckedTestCase(WeeklyTestCase):
    """Item 1: the opening and the subject tell of a check that could not complete."""

    def held_over(self, name: str, failed_hours_ago: float, score: int | None = None) -> Domain:
        """A domain at 100/100 (or `score`) whose latest check, `failed_hours_ago`, could not
        complete: its score is from a check three days before."""
        domain = self.clean(name)
        fields: dict[str, Any] = {
            "last_checked_at": MONDAY_9 - timedelta(days=3, hours=2),
            "last_failed_at": MONDAY_9 - timedelta(hours=failed_hours_ago),
        }
        if score is not None:
            fields["last_score"] = score
        Domain.objects.filter(pk=domain.pk).update(**fields)
        return domain

    def test_the_opening_and_subject_say_it(self) -> None:
        self.held_over("late.example", failed_hours_ago=5)
        subject, body, html = self.send()
        opening = (
            "late.example could not be checked at its latest check; the score shown is "
            "from an earlier one."
        )
        self.assertIn(f"{DATES} {opening}", body)
        self.assertIn(f"{DATES} {opening}</p>", html)
        self.assertNotIn("Nothing needs fixing.", body)
        self.assertEqual(subject, "[mailsec] Your week: late.example could not be checked")
        news = subject.split("Your week: ", 1)[1]
        for word in CALM_WORDS:
            self.assertNotIn(word, news.lower())

    def test_several_are_counted_and_the_others_said_fine(self) -> None:
        self.held_over("a.example", failed_hours_ago=5)
        self.held_over("b.example", failed_hours_ago=30)
        self.clean("c.example")
        subject, body, _ = self.send()
        self.assertIn(
            f"{DATES} 2 domains could not be checked at their latest checks; the scores shown "
            "are from earlier ones: a.example and b.example. Nothing needs fixing on the "
            "other domain.",
            body,
        )
        self.assertEqual(subject, "[mailsec] Your week: 2 domains could not be checked")

    def test_with_other_news_it_comes_last(self) -> None:
        self.problem(self.clean("a.example"), days_ago=1)
        self.held_over("b.example", failed_hours_ago=5, score=80)
        subject, body, _ = self.send()
        self.assertEqual(
            subject,
            "[mailsec] Your week: new problems on a.example; b.example could not be checked",
        )
        self.assertIn(
            f"{DATES} b.example loses points. a.example has open problems. b.example could not "
            "be checked at its latest check",
            body,
        )

    def test_a_first_check_that_could_not_complete_this_week_is_news(self) -> None:
        self.domain("new.example", last_failed_at=MONDAY_9 - timedelta(hours=2))
        subject, _, _ = self.send()
        self.assertEqual(subject, "[mailsec] Your week: new.example could not be checked")

    def test_a_check_that_could_make_no_scored_check_this_week_is_news(self) -> None:
        self.domain(
            "down.example",
            last_checked_at=MONDAY_9 - timedelta(hours=3),
            last_worst={"none_checked": True},
        )
        subject, _, _ = self.send()
        self.assertEqual(subject, "[mailsec] Your week: down.example could not be checked")

    def test_one_from_before_the_window_is_in_the_body_only(self) -> None:
        # Nothing has been tried since (a failure 9 days ago is the latest): not this week's.
        domain = self.held_over("late.example", failed_hours_ago=9 * 24)
        Domain.objects.filter(pk=domain.pk).update(last_checked_at=MONDAY_9 - timedelta(days=10))
        subject, body, _ = self.send()
        self.assertEqual(subject, "[mailsec] Your week: 1 domain, nothing new")
        self.assertIn(f"{DATES} late.example could not be checked at its latest check", body)

    def test_a_check_that_completed_after_the_failure_says_nothing(self) -> None:
        domain = self.held_over("fine.example", failed_hours_ago=5)
        Domain.objects.filter(pk=domain.pk).update(last_checked_at=MONDAY_9 - timedelta(hours=1))
        subject, body, _ = self.send()
        self.assertEqual(subject, "[mailsec] Your week: 1 domain, nothing to fix")
        self.assertIn(f"{DATES} Nothing needs fixing.", body)


@contextmanager
def rows_read(model: type[Any]) -> Iterator[list[Any]]:
    """The `model` instances made from database rows meanwhile."""
    made: list[Any] = []
    original = model.from_db

    def from_db(cls: type[Any], *args: Any, **kwargs: Any) -> Any:
        instance = original(*args, **kwargs)
        made.append(instance)
        return instance

    with mock.patch.object(model, "from_db", classmethod(from_db)):
        yield made


class BoundedReadsTestCase(WeeklyTestCase):
    """Item 2: old rows are not read, and the queries stay as many."""

    def build(self, queries: int | None = None) -> tuple[str, int, list[Change], list[Any]]:
        """The summary's text, its queries (exactly `queries` when given), and the changes
        and hosting events read to make it."""
        AlertRecipient.objects.get_or_create(user=self.alice)
        Notification.objects.all().delete()
        n = weekly.make(self.alice, MONDAY_9)
        assert n is not None
        n = Notification.objects.select_related("user").get(pk=n.pk)
        with (
            rows_read(Change) as changes,
            rows_read(HostingEvent) as events,
            CaptureQueriesContext(connection) as captured,
        ):
            if queries is None:
                message = build_message(n)
            else:
                with self.assertNumQueries(queries):
                    message = build_message(n)
        return " ".join(message.body.split()), len(captured), changes, events

    def trouble(self, domain: Domain) -> HostedPolicy:
        policy = HostedPolicy.objects.create(domain=domain, name=domain.name, cert_alerted=True)
        HostingEvent.objects.create(
            policy=policy,
            kind="cert",
            message=CERT_TROUBLE.format(name=domain.name),
            created=MONDAY_9 - timedelta(days=20),
        )
        return policy

    def test_old_events_are_not_read(self) -> None:
        policy = self.trouble(self.clean("shop.example.com"))
        _, before, _, _ = self.build()
        # A year of older telling of the same trouble, in words no longer current.
        HostingEvent.objects.bulk_create(
            HostingEvent(
                policy=policy,
                kind="cert",
                message=f"Old words {day}.",
                created=MONDAY_9 - timedelta(days=21 + day),
            )
            for day in range(40)
        )
        body, _, _, events = self.build(queries=before)
        self.assertEqual([e.message for e in events], [CERT_TROUBLE.format(name=policy.name)])
        self.assertIn(f"Hosted MTA-STS: * {CERT_TROUBLE.format(name=policy.name)}", body)
        self.assertNotIn("Old words", body)

    def open_problem(self, domain: Domain, summary: str, confirmed_at: datetime) -> None:
        Change.objects.create(
            domain=domain,
            kind="record-gone",
            key=summary,
            summary=summary,
            state=Change.State.CONFIRMED,
            created=confirmed_at - timedelta(minutes=10),
            confirmed_at=confirmed_at,
        )

    def test_open_problems_beyond_those_shown_are_not_read(self) -> None:
        domain = self.clean("shop.example.com")
        self.problem(domain, days_ago=30)
        _, before, _, _ = self.build()
        for i in range(1, 15):
            self.open_problem(domain, f"Old problem {i}.", MONDAY_9 - timedelta(days=40 - i))
        # The newest, confirmed this week, is not among the ten shown, and is still news.
        self.open_problem(domain, "A new problem.", MONDAY_9 - timedelta(days=2))
        body, _, changes, _ = self.build(queries=before)
        self.assertEqual(len(changes), weekly.OPEN_SHOWN)
        self.assertNotIn("A new problem.", body)
        self.assertNotIn("Old problem 10.", body)
        self.assertIn("Old problem 9.", body)
        weeks = weekly.summarise(self.alice, MONDAY_9)
        self.assertEqual(weeks[0].new_problems, 1)
        self.assertEqual(len(weeks[0].open_changes), weekly.OPEN_SHOWN)


class WindowFromThePreviousSummaryTestCase(WeeklyTestCase):
    """Item 3: the news window starts where the previous summary's ended."""

    def previous(self, covers_until: datetime, status: str = "sent") -> None:
        Notification.objects.create(
            user=self.alice,
            kind=Notification.Kind.WEEKLY,
            to_address=self.alice.email,
            digest_day=date(2026, 11, 23),
            covers_until=covers_until,
            status=status,
        )

    def test_news_told_by_a_late_summary_is_not_told_again(self) -> None:
        # Last week's summary went out on Tuesday 15:00 after an outage; a problem confirmed
        # on Monday 10:00 was in it.
        self.previous(MONDAY_9 - timedelta(days=6, hours=-6))
        self.problem(self.clean("shop.example.com"), days_ago=7 - 1 / 24)
        subject, body, _ = self.send()
        self.assertEqual(subject, "[mailsec] Your week: 1 domain, nothing new")
        self.assertIn("Open problems: * The TLS-RPT record", body)  # still open: listed

    def test_hosting_news_told_by_a_late_summary_is_not_told_again(self) -> None:
        self.previous(MONDAY_9 - timedelta(days=6, hours=-6))
        self.hosting_trouble(self.clean("shop.example.com"), days_ago=6.9)
        subject, _, _ = self.send()
        self.assertEqual(subject, "[mailsec] Your week: 1 domain, nothing new")

    def test_a_summary_sent_late_covers_since_the_previous(self) -> None:
        # Last week's went on time (Monday 09:00); this one goes on Tuesday 15:00: a problem
        # confirmed last Tuesday 10:00 was in neither window before.
        self.previous(MONDAY_9 - timedelta(days=7))
        self.problem(self.clean("shop.example.com"), days_ago=6 - 1 / 24)
        weekly.make(self.alice, MONDAY_9 + timedelta(hours=30))
        [n] = Notification.objects.filter(kind="weekly", status="pending")
        send_notification.apply(args=[str(n.code)])
        [message] = mail.outbox
        self.assertEqual(message.subject, "[mailsec] Your week: new problems on shop.example.com")

    def test_without_a_previous_summary_the_window_is_a_week(self) -> None:
        self.problem(self.clean("a.example"), days_ago=6.9)
        self.problem(self.clean("b.example"), days_ago=7.1)
        subject, _, _ = self.send()
        self.assertEqual(subject, "[mailsec] Your week: new problems on a.example")

    def test_a_summary_given_up_does_not_move_the_window(self) -> None:
        # Its news was not told: this week's tells it.
        self.previous(MONDAY_9 - timedelta(days=6, hours=-6), status="failed")
        self.problem(self.clean("shop.example.com"), days_ago=7 - 1 / 24)
        subject, _, _ = self.send()
        self.assertEqual(subject, "[mailsec] Your week: new problems on shop.example.com")

    def test_never_more_than_two_weeks_back(self) -> None:
        # The summary was off for months: a problem of three weeks ago is no news now.
        self.previous(MONDAY_9 - timedelta(days=90))
        self.problem(self.clean("a.example"), days_ago=21)
        self.problem(self.clean("b.example"), days_ago=10)
        subject, _, _ = self.send()
        self.assertEqual(subject, "[mailsec] Your week: new problems on b.example")

    def test_a_problem_confirmed_after_the_summary_was_made_is_the_next_ones(self) -> None:
        # The send is retried an hour later: what was confirmed meanwhile is next week's news.
        domain = self.clean("shop.example.com")
        change = self.problem(domain, days_ago=0)
        Change.objects.filter(pk=change.pk).update(confirmed_at=MONDAY_9 + timedelta(minutes=30))
        subject, _, _ = self.send()
        self.assertEqual(subject, "[mailsec] Your week: 1 domain, nothing new")
