"""The hosting page while the MX answers flap (26bf8ec made the emails quiet meanwhile):

- The page had no word of its own on it: the one mx-flapping email said why the steps stop
  being emailed, and the page only listed them. It now opens with a notice while
  mx_unstable_since is set, naming the time, the two answers, and the mx-flapping email's own
  advice (HostedPolicy.flapping_advice, one text for both).
- The page lists the latest 30 events, and each sync of a flap records one or two: after a
  few hours nothing older was reachable. The page now links to every event (hosting:events,
  paged, the latest first), scoped to the team as the page is.

MX answers come from the wire DNS server of tests/test_hosting_s12_quiet.py, alternating per
lookup as a resolver asking one name server then the other sees them."""

from __future__ import annotations

import html
from datetime import timedelta

from django.urls import reverse

from mailsec.hosting.models import MX_STABLE_AFTER, HostedPolicy, HostingEvent
from mailsec.hosting.views import LIST_EVENTS, PAGE_EVENTS
from tests.pages import words
from tests.test_hosting import T0
from tests.test_hosting_s12_quiet import FIVE, A, B, QuietCase

ADVICE = (
    "Check that every name server of example.org (its NS records, and the delegation at the "
    "parent) gives the same MX records and the same SOA serial."
)
PAUSED = (
    "your name servers are probably out of sync. Emails about it are paused until one answer "
    "holds for 12 hours; the policy keeps every host listed meanwhile."
)


class FlapNotice(QuietCase):
    def page(self) -> str:
        self.client.force_login(self.alice)
        response = self.client.get(reverse("hosting:page", args=[self.domain.code]))
        assert response.status_code == 200
        return response.content.decode()

    def flap(self, policy: HostedPolicy, syncs: int) -> None:
        for n in range(1, syncs + 1):
            self.sync(policy, T0 + n * FIVE)

    def test_the_page_says_the_answers_differ_while_they_do(self) -> None:
        policy = self.enable()
        assert 'id="mx-flapping"' not in self.page()
        self.answers(B, A)
        self.flap(policy, 6)
        assert policy.mx_unstable_since == T0 + 3 * FIVE  # mx2 leaving again, third sync
        page = self.page()
        assert 'id="mx-flapping"' in page
        notice = words(page.split('id="mx-flapping"', 1)[1].split("</div>", 1)[0])
        assert (
            "The MX answers for example.org have differed between lookups since 1 Dec 2026, "
            "12:15 UTC (one gave mx1.example.org and mx2.example.org, the next "
            f"mx1.example.org): {PAUSED}" in notice
        )
        assert f"{ADVICE} If you changed the MX records and changed them back" in notice
        assert '<time datetime="2026-12-01T12:15:00+00:00">' in page
        # The same advice as the one email the team got about it, from the same text.
        assert policy.flapping_advice() == ADVICE
        [flapping] = [m for m in self.emails() if "differ between lookups" in m.body]
        assert ADVICE in " ".join(flapping.body.split())
        # Above the page's cards: the first thing the owner reads.
        assert page.index('id="mx-flapping"') < page.index('id="policy-title"')

    def test_the_notice_names_a_null_mx_answer(self) -> None:
        policy = self.enable()
        self.answers("null", A)
        self.flap(policy, 4)
        notice = words(self.page().split('id="mx-flapping"', 1)[1].split("</div>", 1)[0])
        assert (
            "(one gave mx1.example.org and mx2.example.org, the next a null MX (MX 0 .)): "
            f"{PAUSED}" in notice
        )

    def test_the_notice_goes_once_an_answer_holds(self) -> None:
        policy = self.enable()
        self.answers(B, A)
        self.flap(policy, 4)
        assert 'id="mx-flapping"' in self.page()
        self.answers(A)
        said = self.sync(policy, T0 + 4 * FIVE + MX_STABLE_AFTER)
        assert [kind for kind, _ in said] == ["mx-stable"]
        assert policy.mx_unstable_since is None
        assert 'id="mx-flapping"' not in self.page()

    def test_no_notice_for_a_departure_that_sticks(self) -> None:
        policy = self.enable()
        self.answers(B)
        self.flap(policy, 3)
        assert policy.mx_unstable_since is None
        assert 'id="mx-flapping"' not in self.page()


class AllEvents(QuietCase):
    def url(self, query: str = "") -> str:
        return reverse("hosting:events", args=[self.domain.code]) + query

    def test_every_event_stays_reachable_through_a_long_flap(self) -> None:
        policy = self.enable()
        first = policy.events.order_by("created", "pk").first()
        assert first is not None
        self.answers(B, A)
        for n in range(1, 41):  # 3 h 20 min of flapping: a step at every sync
            self.sync(policy, T0 + n * FIVE)
        total = policy.events.count()
        assert total > PAGE_EVENTS
        self.client.force_login(self.alice)
        page = self.client.get(reverse("hosting:page", args=[self.domain.code])).content.decode()
        listed = page.split('id="events-title"', 1)[1]
        assert html.escape(first.message) not in listed  # pushed off the page's list …
        assert f'href="{self.url()}"' in listed  # … but one link away
        assert f"Show all {total} events" in words(listed)
        full = self.client.get(self.url())
        assert full.status_code == 200
        body = full.content.decode()
        assert html.escape(first.message) in body
        assert body.count("<li><time") == total

    def test_the_full_list_is_paged_latest_first(self) -> None:
        policy = self.enable()
        start = policy.events.count()
        HostingEvent.objects.bulk_create(
            HostingEvent(
                policy=policy,
                kind="mx-back",
                message=f"step {n:03d}",
                created=T0 + timedelta(minutes=n),
            )
            for n in range(LIST_EVENTS + 10)
        )
        total = start + LIST_EVENTS + 10
        self.client.force_login(self.bob)  # a teammate sees it too
        first = self.client.get(self.url()).content.decode()
        assert first.count("<li><time") == LIST_EVENTS
        assert f"step {LIST_EVENTS + 9:03d}" in first and "step 000" not in first
        assert first.index(f"step {LIST_EVENTS + 9:03d}") < first.index(f"step {LIST_EVENTS:03d}")
        assert 'href="?page=2"' in first and "Older events" in first
        second = self.client.get(self.url("?page=2")).content.decode()
        assert second.count("<li><time") == total - LIST_EVENTS
        assert "step 000" in second and 'href="?page=1"' in second
        assert "Older events" not in second

    def test_a_domain_never_hosted_has_no_events(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.get(self.url())
        assert response.status_code == 200
        assert "Nothing has happened yet" in response.content.decode()

    def test_it_checks_ownership(self) -> None:
        policy = self.enable()
        secret = policy.events.first()
        assert secret is not None
        self.client.force_login(self.charlie)
        response = self.client.get(self.url())
        assert response.status_code == 404
        assert secret.message not in response.content.decode()
        self.client.logout()
        response = self.client.get(self.url())
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
