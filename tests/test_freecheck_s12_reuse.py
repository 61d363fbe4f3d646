"""A free check shown again (REUSE_FOR) says so: how old it is, when a new request gets a fresh
run, what DNS caches may still hide, and "Check again now" — a fresh run within the per-client
and per-domain rate limits. The JSON API says the same beside its body, and takes fresh=1."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from unittest.mock import patch

from django.test import Client, override_settings
from django.utils import timezone

from mailsec.freecheck.models import FreeCheck
from tests.test_freecheck import DELAY, FreeCheckTestCase, done_check

DMARC_WARN = {
    "id": "DMARC-05",
    "status": "warn",
    "mechanism": "dmarc",
    "summary": "The DMARC policy is p=none: failing mail is delivered.",
    "subject": "_dmarc.example.org",
    "evidence": {
        "dns": {
            "query": "_dmarc.example.org TXT",
            "rcode": "NOERROR",
            "ad": False,
            "answers": ['"v=DMARC1; p=none"'],
            "ttl": 3600,
        }
    },
    "fix": '_dmarc.example.org. TXT "v=DMARC1; p=reject"',
}
# A passing record's TTL says nothing about what the visitor is fixing.
SPF_PASS_TTL = {
    "id": "SPF-02",
    "status": "pass",
    "mechanism": "spf",
    "summary": "One SPF record.",
    "evidence": {"dns": {"query": "example.org TXT", "rcode": "NOERROR", "ttl": 86400}},
}


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


class ReusedPageTestCase(FreeCheckTestCase):
    def test_a_reused_run_says_how_old_it_is_and_when_a_fresh_one_runs(self) -> None:
        old = done_check("example.org", minutes_ago=4)
        with patch(DELAY) as delay:
            r = self.submit("example.org")
        delay.assert_not_called()
        self.assertEqual(r.status_code, 302)
        self.assertTrue(r["Location"].startswith(old.get_absolute_url()))
        page = text(self.client.get(r["Location"]))
        self.assertIn("This is the check from 4 minutes ago", page)
        until = (old.finished + timedelta(minutes=5)).strftime("%H:%M")
        self.assertIn("shows this same result until <time", page)
        self.assertIn(f"{until} UTC</time> (5 minutes after it finished)", page)
        self.assertIn("Check again now", page)
        self.assertIn(f'action="/check/{old.code}/again"', page)
        # The link to share is the report's own, without the marker of this visit.
        self.assertIn(f"/check/{old.code}</code>", page)

    def test_a_run_reused_seconds_after_it_finished_says_so_too(self) -> None:
        old = done_check("example.org", minutes_ago=0.2)
        with patch(DELAY):
            r = self.submit("example.org")
        self.assertIn(
            "This is the check from less than a minute ago", text(self.client.get(r["Location"]))
        )
        # Watched live (no reuse), a result seconds old gets no such notice.
        self.assertNotIn("This is the check from", text(self.client.get(old.get_absolute_url())))

    def test_a_permalink_opened_later_says_its_age(self) -> None:
        old = done_check("example.org", minutes_ago=180)
        page = text(self.client.get(old.get_absolute_url()))
        self.assertIn("This is the check from 3 hours ago", page)
        self.assertIn("Checking example.org again now runs a new check", page)

    def test_unknown_ttls_are_said_plainly(self) -> None:
        old = done_check("example.org", minutes_ago=4)
        page = text(self.client.get(old.get_absolute_url()))
        self.assertIn('as long as the record\'s TTL (the "time to live"', page)
        self.assertIn("This check did not note how long they were", page)

    def test_the_ttl_of_a_record_behind_a_problem_is_given(self) -> None:
        old = done_check("example.org", minutes_ago=4)
        old.report["findings"] += [DMARC_WARN, SPF_PASS_TTL]
        old.save()
        page = text(self.client.get(old.get_absolute_url()))
        until = (old.started + timedelta(seconds=3600)).strftime("%H:%M")
        self.assertIn("<code>_dmarc.example.org TXT</code> has the longest, 60 minutes", page)
        self.assertIn("a new check sees a change to these records from <time", page)
        self.assertIn(f"{until} UTC</time> at the latest.", page)
        self.assertNotIn("example.org TXT</code> has", page.replace("_dmarc.example.org", ""))
        self.assertNotIn("did not note how long", page)


class CheckAgainTestCase(FreeCheckTestCase):
    def again(self, check: FreeCheck, client: str = "198.51.100.7", **extra: Any) -> Any:
        return self.client.post(f"/check/{check.code}/again", HTTP_X_FORWARDED_FOR=client, **extra)

    def test_it_starts_a_fresh_run_past_the_reuse(self) -> None:
        old = done_check("example.org", minutes_ago=4)
        with patch(DELAY) as delay:
            r = self.again(old)
        new = FreeCheck.objects.exclude(pk=old.pk).get()
        self.assertEqual(new.domain, "example.org")
        self.assertEqual(new.status, FreeCheck.State.PENDING)
        self.assertRedirects(r, new.get_absolute_url(), fetch_redirect_response=False)
        delay.assert_called_once_with(str(new.code))

    def test_it_is_post_only_and_needs_the_csrf_token(self) -> None:
        old = done_check("example.org", minutes_ago=4)
        self.assertEqual(self.client.get(f"/check/{old.code}/again").status_code, 405)
        strict = Client(enforce_csrf_checks=True)
        with patch(DELAY) as delay:
            self.assertEqual(strict.post(f"/check/{old.code}/again").status_code, 403)
        delay.assert_not_called()
        self.assertEqual(FreeCheck.objects.count(), 1)

    def test_unknown_ids_are_404(self) -> None:
        r = self.client.post("/check/00000000-0000-4000-8000-000000000000/again")
        self.assertEqual(r.status_code, 404)

    def test_a_run_under_way_is_shared_not_doubled(self) -> None:
        old = done_check("example.org", minutes_ago=4)
        with patch(DELAY) as delay:
            first = self.again(old)
            second = self.again(old, client="203.0.113.5")  # a double click, another visitor
        self.assertEqual(first["Location"], second["Location"])
        delay.assert_called_once()
        self.assertEqual(FreeCheck.objects.count(), 2)

    @override_settings(MAILSEC_FREE_CHECK_DOMAIN_RATE=2)
    def test_it_counts_against_the_domains_limit_and_says_how_long_to_wait(self) -> None:
        old = done_check("example.org", minutes_ago=4)
        with patch(DELAY) as delay:
            for client in ("192.0.2.1", "192.0.2.2"):
                self.assertEqual(self.again(old, client=client).status_code, 302)
                FreeCheck.objects.filter(status=FreeCheck.State.PENDING).update(
                    status=FreeCheck.State.DONE, finished=timezone.now()
                )
            r = self.again(old, client="192.0.2.3")
        self.assertEqual(delay.call_count, 2)
        self.assertEqual(r.status_code, 429)
        wait = int(r["Retry-After"])
        self.assertTrue(0 < wait <= 600)
        page = text(r)
        self.assertIn("example.org has been checked 2 times in the last 10 minutes", page)
        self.assertIn("please try again in", page)
        self.assertIn('id="fc-again-error" class="fc-error" role="alert"', page)
        # The old report is still there around the message, with its age.
        self.assertIn("This is the check from 4 minutes ago", page)
        self.assertEqual(FreeCheck.objects.count(), 3)

    @override_settings(MAILSEC_FREE_CHECK_RATE=2)
    def test_it_counts_against_the_clients_limit(self) -> None:
        old = done_check("example.org", minutes_ago=4)
        with patch(DELAY):
            self.assertEqual(self.submit("example.org").status_code, 302)  # reused: counted
            self.assertEqual(self.again(old).status_code, 302)
            r = self.again(old)
        self.assertEqual(r.status_code, 429)
        self.assertIn("which is the limit for the free check", text(r))
        self.assertTrue(int(r["Retry-After"]) > 0)

    def test_htmx_gets_the_new_report_in_place_with_its_permalink(self) -> None:
        old = done_check("example.org", minutes_ago=4)
        with patch(DELAY):
            r = self.again(old, HTTP_HX_REQUEST="true")
        new = FreeCheck.objects.exclude(pk=old.pk).get()
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r["HX-Push-Url"], new.get_absolute_url())
        page = text(r)
        self.assertTrue(page.startswith('<div id="fc-report">') or 'id="fc-report"' in page[:400])
        self.assertNotIn("<html", page)
        self.assertIn(f"/check/{new.code}</code>", page)
        # The new run's results poll until it finishes.
        self.assertIn(f'hx-get="/check/{new.code}/results"', page)
        self.assertNotIn("This is the check from", page)

    @override_settings(MAILSEC_FREE_CHECK_DOMAIN_RATE=1)
    def test_htmx_gets_the_refusal_in_the_notice(self) -> None:
        old = done_check("example.org", minutes_ago=4)
        with patch(DELAY):
            self.again(old)
            FreeCheck.objects.filter(status=FreeCheck.State.PENDING).update(
                status=FreeCheck.State.ERROR
            )
            r = self.again(old, HTTP_HX_REQUEST="true")
        # htmx swaps no 4xx answer: 200, with the wait in Retry-After and in words.
        self.assertEqual(r.status_code, 200)
        self.assertTrue(int(r["Retry-After"]) > 0)
        self.assertNotIn("HX-Push-Url", r)
        page = text(r)
        self.assertIn("example.org has been checked once", page)
        self.assertIn(f"/check/{old.code}</code>", page)


class ApiReuseTestCase(FreeCheckTestCase):
    def test_a_reused_answer_says_so_and_its_age(self) -> None:
        old = done_check("example.org", minutes_ago=4)
        r = self.client.get("/api/v1/check", {"domain": "example.org"})
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r["Mailsec-Reused"], "true")
        self.assertTrue(240 <= int(r["Age"]) < 300)
        self.assertIn(f"/check/{old.code}", r["Link"])

    def test_fresh_passes_over_a_finished_run(self) -> None:
        done_check("example.org", minutes_ago=4)

        def finish(run: FreeCheck, **kw: Any) -> None:
            run.status, run.report, run.finished = "done", run_report, timezone.now()
            run.save()

        run_report = FreeCheck.objects.get().report
        with patch.object(FreeCheck, "run", finish):
            r = self.client.get("/api/v1/check", {"domain": "example.org", "fresh": "1"})
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r["Mailsec-Reused"], "false")
        self.assertNotIn("Age", r)
        self.assertEqual(FreeCheck.objects.count(), 2)

    @override_settings(MAILSEC_FREE_CHECK_DOMAIN_RATE=1)
    def test_fresh_is_refused_with_429_when_the_domain_is_spent(self) -> None:
        done_check("example.org", minutes_ago=4)
        with patch.object(FreeCheck, "run", lambda run, **kw: None):
            # The one allowed fresh run (left unfinished: the API says 504).
            self.client.get("/api/v1/check", {"domain": "example.org", "fresh": "1"})
        FreeCheck.objects.filter(status=FreeCheck.State.PENDING).update(
            status=FreeCheck.State.ERROR
        )
        r = self.client.get("/api/v1/check", {"domain": "example.org", "fresh": "1"})
        self.assertEqual(r.status_code, 429)
        self.assertTrue(int(r["Retry-After"]) > 0)
        self.assertIn("example.org has been checked once", r.json()["error"])
        # Without fresh=1 the finished run is still answered: reuse costs the domain nothing.
        r = self.client.get("/api/v1/check", {"domain": "example.org"})
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r["Mailsec-Reused"], "true")
