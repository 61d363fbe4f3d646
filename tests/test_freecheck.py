"""The free check: form, permalink, polling partial, reuse, rate limits, the JSON API."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any
from unittest.mock import patch

from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from checks import dmarc, tlsrpt
from checks.findings import DomainReport, Finding, Mechanism, Status
from mailsec.freecheck import ratelimit
from mailsec.freecheck.models import FreeCheck, free_check_config
from tests.conftest import BaseTestCase

DELAY = "mailsec.freecheck.views.run_free_check.delay"


def sample_report(domain: str, score: int = 72) -> dict[str, Any]:
    report = DomainReport(
        domain=domain,
        findings=[
            Finding(
                id="MTASTS-01",
                status=Status.INFO,
                mechanism=Mechanism.MTASTS,
                summary=f"{domain} publishes no MTA-STS record.",
                subject=f"_mta-sts.{domain}",
                evidence={"rcode": "NXDOMAIN"},
                fix=f'_mta-sts.{domain}. TXT "v=STSv1; id=20260101"',
            ),
            Finding(
                id="SPF-10",
                status=Status.PASS,
                mechanism=Mechanism.SPF,
                summary="The SPF record is valid.",
            ),
        ],
        started_at="2026-01-01T00:00:00+00:00",
        duration_ms=1234,
        score=score,
        score_version=1,
        score_detail={
            "version": 1,
            "categories": {
                "mta-sts": {
                    "weight": 20,
                    "counted": True,
                    "points": 0,
                    "lost": 20,
                    "reason": "not deployed",
                    "costs": ["MTASTS-01"],
                },
                "spf": {
                    "weight": 10,
                    "counted": True,
                    "points": 10,
                    "lost": 0,
                    "reason": "good",
                    "costs": [],
                },
            },
            "partial": False,
            "not_checked": [],
            "errors": [],
        },
    )
    return report.to_dict()


def done_check(domain: str, minutes_ago: float = 1, **fields: Any) -> FreeCheck:
    when = timezone.now() - timedelta(minutes=minutes_ago)
    return FreeCheck.objects.create(
        domain=domain,
        status=FreeCheck.State.DONE,
        report=sample_report(domain),
        created=when,
        started=when,
        finished=when,
        **fields,
    )


class FreeCheckTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        # Counters outlive a test's transaction when they are in Redis (CI): give each test
        # its own.
        prefix = patch.object(ratelimit, "KEY_PREFIX", f"test-{uuid.uuid4().hex}")
        prefix.start()
        self.addCleanup(prefix.stop)

    def submit(self, domain: str, client: str = "198.51.100.7") -> Any:
        return self.client.post("/check", {"domain": domain}, HTTP_X_FORWARDED_FOR=client)


class FormTestCase(FreeCheckTestCase):
    def test_it_shows_the_form(self) -> None:
        r = self.client.get("/check")
        self.assertContains(r, '<label for="fc-domain">')
        self.assertContains(r, 'action="/check"')

    def test_the_landing_page_posts_to_the_free_check(self) -> None:
        r = self.client.get("/")
        self.assertContains(r, 'action="/check"')
        self.assertContains(r, 'name="domain"')

    def test_it_refuses_a_bad_domain_with_a_clear_message(self) -> None:
        cases = {
            "": "Enter a domain name",
            "192.0.2.1": "is an IP address",
            "co.uk": "is a public suffix",
            "localhost": "is not a registrable domain name",
            "exa mple.com": "is not a valid domain name",
        }
        with patch(DELAY) as delay:
            for text, message in cases.items():
                r = self.submit(text)
                self.assertEqual(r.status_code, 400, text)
                self.assertContains(r, message, status_code=400)
                self.assertContains(r, 'aria-invalid="true"', status_code=400)
        delay.assert_not_called()
        self.assertFalse(FreeCheck.objects.exists())

    def test_it_creates_a_run_and_redirects_to_its_permalink(self) -> None:
        with patch(DELAY) as delay:
            r = self.submit("Bücher.Example.COM.")
        check = FreeCheck.objects.get()
        self.assertEqual(check.domain, "xn--bcher-kva.example.com")
        self.assertRedirects(r, f"/check/{check.code}", fetch_redirect_response=False)
        # People read the name as they wrote it; the A-label stands beside it.
        page = self.client.get(f"/check/{check.code}").content.decode()
        self.assertIn('bücher.example.com</span> <span class="muted small">(xn--bcher-kva', page)
        delay.assert_called_once_with(str(check.code))
        # A keyed hash of the client's network, never the address itself.
        self.assertEqual(len(check.client_hash), 64)
        self.assertNotIn("198.51.100.7", check.client_hash)

    def test_it_reuses_a_run_finished_within_five_minutes(self) -> None:
        recent = done_check("example.com", minutes_ago=4)
        with patch(DELAY) as delay:
            r = self.submit("example.com")
        # Marked as reused, so the page says how old it is (test_freecheck_s12_reuse).
        url = f"{recent.get_absolute_url()}?reused=1"
        self.assertRedirects(r, url, fetch_redirect_response=False)
        delay.assert_not_called()
        self.assertEqual(FreeCheck.objects.count(), 1)

    def test_it_starts_a_new_run_after_five_minutes(self) -> None:
        old = done_check("example.com", minutes_ago=6)
        with patch(DELAY) as delay:
            r = self.submit("example.com")
        new = FreeCheck.objects.exclude(pk=old.pk).get()
        self.assertRedirects(r, new.get_absolute_url(), fetch_redirect_response=False)
        delay.assert_called_once()

    def test_it_shares_a_run_in_progress(self) -> None:
        running = FreeCheck.objects.create(
            domain="example.com", status=FreeCheck.State.RUNNING, started=timezone.now()
        )
        with patch(DELAY) as delay:
            r = self.submit("example.com", client="203.0.113.9")
        self.assertRedirects(r, running.get_absolute_url(), fetch_redirect_response=False)
        delay.assert_not_called()

    def test_it_does_not_reuse_a_failed_run(self) -> None:
        FreeCheck.objects.create(
            domain="example.com", status=FreeCheck.State.ERROR, finished=timezone.now()
        )
        with patch(DELAY) as delay:
            self.submit("example.com")
        delay.assert_called_once()
        self.assertEqual(FreeCheck.objects.count(), 2)


class PermalinkTestCase(FreeCheckTestCase):
    def test_it_checks_ownership(self) -> None:
        """A permalink shows its own run and nothing else: no other run, no account data."""
        mine = done_check("example.com", client_hash="a" * 64)
        other = done_check("secret-other.org", client_hash="b" * 64)
        self.client.force_login(self.charlie)
        r = self.client.get(mine.get_absolute_url())
        self.assertContains(r, "example.com")
        self.assertNotContains(r, "secret-other.org")
        self.assertNotContains(r, str(other.code))
        self.assertNotContains(r, "a" * 64)  # not even its own client hash
        for user in (self.alice, self.bob, self.charlie):
            self.assertNotContains(r, user.email)

        r = self.client.get(reverse("freecheck-results", args=[mine.code]))
        self.assertContains(r, "example.com")
        self.assertNotContains(r, "secret-other.org")

    def test_unknown_ids_are_404(self) -> None:
        check = done_check("example.com")
        unknown = uuid.uuid4()
        self.assertEqual(self.client.get(f"/check/{unknown}").status_code, 404)
        self.assertEqual(self.client.get(f"/check/{unknown}/results").status_code, 404)
        # The sequential primary key is not an id.
        self.assertEqual(self.client.get(f"/check/{check.pk}").status_code, 404)

    def test_it_shows_score_breakdown_verdicts_evidence_and_fix(self) -> None:
        check = done_check("example.com")
        r = self.client.get(check.get_absolute_url())
        self.assertContains(r, '<span class="fc-score-value fc-band-fair">72</span>', html=True)
        self.assertContains(r, "How the score is made")
        self.assertContains(r, "not deployed")
        self.assertContains(r, "<code>MTASTS-01</code>", html=True)
        self.assertContains(r, "publishes no MTA-STS record")
        self.assertContains(r, "&quot;rcode&quot;: &quot;NXDOMAIN&quot;")
        # The record's type and name shown, its value in the copy box (task s32k).
        self.assertContains(r, "TXT record at <code>_mta-sts.example.com</code>")
        self.assertContains(r, '<pre class="record" id="fix-mta-sts-1">v=STSv1; id=20260101</pre>')
        self.assertContains(r, 'data-copy-target="fix-mta-sts-1"')
        # Finished: the partial is not polled any more.
        self.assertNotContains(r, "hx-trigger")
        self.assertEqual(r["X-Robots-Tag"], "noindex")

    def test_a_suggested_report_mailbox_is_called_an_example(self) -> None:
        # With no account there is no report address of ours: the engine's mailbox at the
        # domain may not exist, and the page must say so rather than present it as the answer.
        report = sample_report("example.com")
        report["findings"].append(
            {
                **report["findings"][1],
                "id": "TLSRPT-01",
                "status": "info",
                "mechanism": "tls-rpt",
                "summary": "No TLS-RPT record.",
                "fix": tlsrpt.record_fix("example.com"),
            }
        )
        check = done_check("example.com")
        FreeCheck.objects.filter(pk=check.pk).update(report=report)
        r = self.client.get(check.get_absolute_url())
        self.assertContains(r, "rua=mailto:tls-reports@example.com")
        self.assertContains(r, "tls-reports@example.com is an example")
        # Other fixes carry no such note.
        self.assertContains(r, "is an example", count=1)
        report["findings"][-1] |= {
            "id": "DMARC-01",
            "mechanism": "dmarc",
            "fix": f'_dmarc.example.com. TXT "v=DMARC1; p=none; rua=mailto:'
            f'{dmarc.example_address("example.com")}"',
        }
        FreeCheck.objects.filter(pk=check.pk).update(report=report)
        r = self.client.get(check.get_absolute_url())
        self.assertContains(r, "dmarc-reports@example.com is an example")
        # A subdomain's check names its organisation's record and mailbox.
        sub = done_check("news.example.com")
        FreeCheck.objects.filter(pk=sub.pk).update(report=report)
        r = self.client.get(sub.get_absolute_url())
        self.assertContains(r, "dmarc-reports@example.com is an example")
        # A real mailbox of that name at a report service is the owner's: no note.
        report["findings"][-1]["fix"] = (
            '_dmarc.example.com. TXT "v=DMARC1; p=none; rua=mailto:dmarc-reports@rua.agari.com"'
        )
        FreeCheck.objects.filter(pk=check.pk).update(report=report)
        r = self.client.get(check.get_absolute_url())
        self.assertNotContains(r, "is an example")

    def test_it_escapes_what_dns_said(self) -> None:
        # Records, certificate names and policy bodies are the probed domain's to choose.
        evil = '<script>alert(1)</script><img src=x onerror="alert(2)">'
        report = sample_report("example.com")
        f = report["findings"][0]
        f["subject"], f["summary"], f["fix"] = evil, f"TXT {evil}", evil
        f["evidence"] = {"answers": [evil], "certificate": {"subject": f"CN={evil}"}}
        check = done_check("example.com")
        FreeCheck.objects.filter(pk=check.pk).update(report=report)
        for url in (check.get_absolute_url(), f"{check.get_absolute_url()}/results"):
            r = self.client.get(url)
            self.assertEqual(r.status_code, 200)
            self.assertNotContains(r, "<script>alert")
            self.assertNotContains(r, "<img src=x")
            self.assertContains(r, "&lt;script&gt;alert(1)&lt;/script&gt;")

    def test_it_offers_to_monitor_the_domain(self) -> None:
        check = done_check("example.com")
        r = self.client.get(check.get_absolute_url())
        self.assertContains(r, "/accounts/signup/?domain=example.com")

    def test_a_queued_run_says_so_and_polls(self) -> None:
        check = FreeCheck.objects.create(domain="example.com")
        r = self.client.get(reverse("freecheck-results", args=[check.code]))
        self.assertContains(r, "Queued")
        self.assertContains(r, 'hx-trigger="every 1s"')

    def test_a_running_run_shows_mechanisms_as_they_arrive(self) -> None:
        check = FreeCheck.objects.create(
            domain="example.com",
            status=FreeCheck.State.RUNNING,
            started=timezone.now(),
            partial={"spf": [sample_report("example.com")["findings"][1]]},
        )
        r = self.client.get(reverse("freecheck-results", args=[check.code]))
        self.assertContains(r, "1 of 10 mechanisms done")
        self.assertContains(r, "The SPF record is valid.")
        self.assertContains(r, "checking…")
        self.assertContains(r, 'hx-trigger="every 1s"')

    def test_a_stuck_run_is_given_up_when_viewed(self) -> None:
        check = FreeCheck.objects.create(
            domain="example.com", created=timezone.now() - timedelta(minutes=11)
        )
        r = self.client.get(check.get_absolute_url())
        self.assertContains(r, "No checker picked this check up")
        self.assertNotContains(r, "hx-trigger")
        check.refresh_from_db()
        self.assertEqual(check.status, FreeCheck.State.ERROR)

    def test_the_sweep_gives_up_lost_runs_and_keeps_live_ones(self) -> None:
        lost = FreeCheck.objects.create(
            domain="lost.example",
            status=FreeCheck.State.RUNNING,
            started=timezone.now() - timedelta(minutes=4),
        )
        live = FreeCheck.objects.create(
            domain="live.example", status=FreeCheck.State.RUNNING, started=timezone.now()
        )
        expired = done_check("old.example", minutes_ago=31 * 24 * 60)
        self.assertEqual(FreeCheck.sweep(), 1)
        lost.refresh_from_db()
        live.refresh_from_db()
        self.assertEqual(lost.status, FreeCheck.State.ERROR)
        self.assertIn("stopped before it finished", lost.error)
        self.assertEqual(live.status, FreeCheck.State.RUNNING)
        self.assertFalse(FreeCheck.objects.filter(pk=expired.pk).exists())


class RateLimitTestCase(FreeCheckTestCase):
    @override_settings(MAILSEC_FREE_CHECK_RATE=2, MAILSEC_FREE_CHECK_WINDOW=600)
    def test_the_page_answers_429_with_retry_after_per_client(self) -> None:
        with patch(DELAY):
            self.assertEqual(self.submit("one.example.com").status_code, 302)
            self.assertEqual(self.submit("two.example.com").status_code, 302)
            r = self.submit("three.example.com")
            self.assertEqual(r.status_code, 429)
            self.assertContains(r, "the limit for the free check", status_code=429)
            self.assertTrue(0 < int(r["Retry-After"]) <= 600)
            # Another network is not affected.
            self.assertEqual(self.submit("three.example.com", client="192.0.2.55").status_code, 302)
        self.assertFalse(
            FreeCheck.objects.filter(domain="three.example.com", client_hash="").exists()
        )

    @override_settings(MAILSEC_FREE_CHECK_DOMAIN_RATE=1)
    def test_the_page_answers_429_with_retry_after_per_domain(self) -> None:
        with patch(DELAY):
            self.assertEqual(self.submit("target.co.uk", client="192.0.2.1").status_code, 302)
            # The run failed, so it is not reused: the next one would probe the domain again.
            FreeCheck.objects.update(status=FreeCheck.State.ERROR)
            r = self.submit("target.co.uk", client="192.0.2.2")
        self.assertEqual(r.status_code, 429)
        self.assertContains(r, "target.co.uk has been checked once", status_code=429)
        self.assertTrue(int(r["Retry-After"]) > 0)
        # Made-up subdomains share the registrable domain's allowance.
        with patch(DELAY):
            r = self.submit("x1.mail.target.co.uk", client="192.0.2.3")
        self.assertEqual(r.status_code, 429)

    @override_settings(MAILSEC_FREE_CHECK_RATE=1)
    def test_the_api_answers_429_with_retry_after(self) -> None:
        done_check("example.com")
        url = "/api/v1/check?domain=example.com"
        self.assertEqual(self.client.get(url).status_code, 200)
        r = self.client.get(url)
        self.assertEqual(r.status_code, 429)
        self.assertTrue(int(r["Retry-After"]) > 0)
        self.assertIn("the limit for the free check", r.json()["error"])

    def test_the_window_rolls_over(self) -> None:
        self.assertIsNone(ratelimit.hit("t", 1, 60, now=120.0))
        self.assertEqual(ratelimit.hit("t", 1, 60, now=150.0), 30)
        self.assertIsNone(ratelimit.hit("t", 1, 60, now=180.0))

    def test_ipv6_clients_are_grouped_by_64(self) -> None:
        def hash_of(ip: str) -> str:
            request = self.client.get("/").wsgi_request
            request.META["REMOTE_ADDR"] = ip
            request.META.pop("HTTP_X_FORWARDED_FOR", None)
            return ratelimit.client_hash(request)

        self.assertEqual(hash_of("2001:db8:1:2::1"), hash_of("2001:db8:1:2:ffff::9"))
        self.assertNotEqual(hash_of("2001:db8:1:2::1"), hash_of("2001:db8:1:3::1"))
        self.assertEqual(hash_of("::ffff:192.0.2.1"), hash_of("192.0.2.1"))

    def test_forwarded_for_is_only_trusted_from_our_proxy(self) -> None:
        request = self.client.get("/").wsgi_request
        request.META.update(REMOTE_ADDR="203.0.113.1", HTTP_X_FORWARDED_FOR="192.0.2.9")
        self.assertEqual(ratelimit.client_ip(request), "203.0.113.1")
        request.META.update(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 192.0.2.9")
        self.assertEqual(ratelimit.client_ip(request), "192.0.2.9")


class ApiTestCase(FreeCheckTestCase):
    def test_it_returns_the_cli_json_object_of_a_recent_run(self) -> None:
        check = done_check("example.com")
        r = self.client.get("/api/v1/check", {"domain": "EXAMPLE.com"})
        self.assertEqual(r.status_code, 200)
        data = r.json()
        self.assertEqual({k: v for k, v in data.items() if k in check.report}, check.report)
        # What the score rates, worked out from the report (checks.cli.json_object).
        extra = {"receives_no_mail", "counted_categories", "score_coverage", "looks_like_host_of"}
        self.assertEqual(set(data) - set(check.report), extra)
        self.assertIn(f"/check/{check.code}", r["Link"])

    def test_it_answers_400_with_a_json_error_for_a_bad_domain(self) -> None:
        for text in ("", "10.0.0.1", "com"):
            r = self.client.get("/api/v1/check", {"domain": text})
            self.assertEqual(r.status_code, 400)
            self.assertTrue(r.json()["error"])
        self.assertFalse(FreeCheck.objects.exists())

    def test_it_runs_a_check_synchronously_and_records_progress(self) -> None:
        async def fake_engine(
            domain: str, config: Any, on_progress: Any = None, **kw: Any
        ) -> DomainReport:
            report = DomainReport.from_dict(sample_report(domain))
            for mechanism, found in report.by_mechanism().items():
                if found:
                    on_progress(mechanism, found)
            return report

        seen: list[dict[str, Any]] = []
        original = FreeCheck.record_progress

        def spy(self: FreeCheck, mechanism: Mechanism, findings: list[Finding]) -> None:
            original(self, mechanism, findings)
            seen.append(FreeCheck.objects.get(pk=self.pk).partial)

        with (
            patch("mailsec.freecheck.models.check_domain", fake_engine),
            patch.object(FreeCheck, "record_progress", spy),
        ):
            r = self.client.get("/api/v1/check", {"domain": "example.org"})
        self.assertEqual(r.status_code, 200)
        data = r.json()
        self.assertEqual(data["domain"], "example.org")
        self.assertEqual(
            set(data),
            {
                "domain",
                "score",
                "score_version",
                "score_detail",
                "started_at",
                "duration_ms",
                "error",
                "mechanisms",
                "findings",
                "query_log",
                "receives_no_mail",
                "counted_categories",
                "score_coverage",
                "looks_like_host_of",
            },
        )
        # The page filled in mechanism by mechanism while the run was under way.
        self.assertEqual([sorted(p) for p in seen], [["mta-sts"], ["mta-sts", "spf"]])
        check = FreeCheck.objects.get()
        self.assertEqual(check.status, FreeCheck.State.DONE)
        self.assertEqual(check.partial, {})

    def test_a_run_that_overruns_its_cap_is_an_error(self) -> None:
        import asyncio

        async def slow_engine(domain: str, config: Any, on_progress: Any = None, **kw: Any) -> None:
            await asyncio.sleep(5)

        with (
            patch("mailsec.freecheck.models.check_domain", slow_engine),
            patch("mailsec.freecheck.views.API_TIME_CAP", 0.2),
        ):
            r = self.client.get("/api/v1/check", {"domain": "example.org"})
        self.assertEqual(r.status_code, 504)
        self.assertIn("did not finish within", r.json()["error"])

    def test_a_slow_mechanism_makes_a_partial_report_not_a_504(self) -> None:
        # A mechanism may take min(10 × timeout, 80) s, the API's run only API_TIME_CAP: the
        # engine gets a deadline under the cap, so a tarpitting MX costs only its own checks.
        from checks import engine
        from mailsec.freecheck.models import engine_deadline
        from tests.test_engine_extra import slow_and_quick_mechanisms

        modules = slow_and_quick_mechanisms()
        with (
            patch.object(engine, "mechanism_modules", lambda: modules),
            patch("mailsec.freecheck.views.API_TIME_CAP", 2.0),
        ):
            r = self.client.get("/api/v1/check", {"domain": "example.org"})
        self.assertEqual(r.status_code, 200, r.content)
        data = r.json()
        self.assertIs(data["score_detail"]["partial"], True)
        self.assertEqual(
            [(f["id"], f["status"], f["mechanism"]) for f in data["findings"]],
            [("ENGINE-01", "error", "smtp"), ("SPF-01", "pass", "spf")],
        )
        self.assertEqual(data["findings"][0]["evidence"], {"timeout_seconds": engine_deadline(2.0)})
        self.assertEqual(FreeCheck.objects.get().status, FreeCheck.State.DONE)
        # The production cap leaves the engine a deadline under it, and most of it.
        self.assertTrue(20 <= engine_deadline(25.0) < 25)

    def test_other_methods_get_a_json_405(self) -> None:
        done_check("example.com")
        client = Client(enforce_csrf_checks=True)  # as a browser or curl meets it
        for method in ("post", "put", "patch", "delete", "options", "head"):
            r = getattr(client, method)("/api/v1/check?domain=example.com")
            self.assertEqual(r.status_code, 405, method)
            self.assertEqual(r["Allow"], "GET", method)
            self.assertEqual(r["Content-Type"], "application/json", method)
            if method != "head":
                self.assertEqual(r.json(), {"error": "Use GET /api/v1/check?domain=…"}, method)
        r = client.post("/api/v1/check", {"domain": "example.com"})
        self.assertEqual(r.status_code, 405)
        self.assertEqual(FreeCheck.objects.count(), 1)  # no run started


class ApiConcurrencyTestCase(FreeCheckTestCase):
    """At most MAILSEC_FREE_CHECK_API_CONCURRENCY synchronous API runs at once, everywhere."""

    @override_settings(MAILSEC_FREE_CHECK_API_CONCURRENCY=1)
    def test_over_the_cap_the_api_answers_503_with_retry_after_and_starts_nothing(self) -> None:
        from mailsec.freecheck import concurrency

        held = concurrency.acquire()  # another process's run under way
        self.assertIsNotNone(held)
        self.addCleanup(concurrency.release, held)
        with patch("mailsec.freecheck.models.check_domain") as engine:
            r = self.client.get("/api/v1/check", {"domain": "example.org"})
        self.assertEqual(r.status_code, 503)
        self.assertEqual(r["Retry-After"], "10")
        self.assertIn("Too many checks", r.json()["error"])
        engine.assert_not_called()
        self.assertFalse(FreeCheck.objects.exists())
        # A finished recent run needs no slot: it is still answered.
        check = done_check("example.com")
        r = self.client.get("/api/v1/check", {"domain": "example.com"})
        self.assertEqual((r.status_code, r.json()), (200, check.api_object))

    @override_settings(MAILSEC_FREE_CHECK_API_CONCURRENCY=2)
    def test_slots_are_given_back_and_expire(self) -> None:
        from mailsec.freecheck import concurrency

        first, second = concurrency.acquire(), concurrency.acquire()
        self.assertTrue(first and second and first != second)
        self.assertIsNone(concurrency.acquire())
        concurrency.release(first)
        third = concurrency.acquire()
        self.assertIsNotNone(third)
        self.addCleanup(concurrency.release, third)
        # A holder that died (gunicorn timeout) does not keep its slot past HOLD_SECONDS.
        later = timezone.now() + timedelta(seconds=concurrency.HOLD_SECONDS + 1)
        if ratelimit.uses_cache():
            from django.core.cache import cache

            # Redis expires the key on its own.
            ttl = cache._cache.get_client().ttl(cache.make_and_validate_key(second[0]))
            self.assertTrue(0 < ttl <= concurrency.HOLD_SECONDS, ttl)
            concurrency.release(second)
        else:
            with patch("django.utils.timezone.now", return_value=later):
                taken = concurrency.acquire()
            self.assertEqual(taken and taken[0], third[0])  # the expired slot, retaken
            concurrency.release(third)  # no longer its slot: must not free the new holder's
            self.assertIsNone(concurrency.acquire())
            concurrency.release(taken)
            concurrency.release(second)

    @override_settings(MAILSEC_FREE_CHECK_API_CONCURRENCY=1)
    def test_the_slot_is_released_after_a_synchronous_run(self) -> None:
        async def fake_engine(
            domain: str, config: Any, on_progress: Any = None, **kw: Any
        ) -> DomainReport:
            return DomainReport.from_dict(sample_report(domain))

        with patch("mailsec.freecheck.models.check_domain", fake_engine):
            for domain in ("example.org", "example.net"):
                r = self.client.get("/api/v1/check", {"domain": domain})
                self.assertEqual(r.status_code, 200)


class ConfigTestCase(FreeCheckTestCase):
    def test_private_targets_stay_refused_unless_the_site_allows_them(self) -> None:
        engine = {"allow_private_targets": False}
        with (
            patch.dict("os.environ", {"MAILSEC_ALLOW_PRIVATE_TARGETS": "1"}),
            override_settings(MAILSEC_ENGINE=engine),
        ):
            self.assertFalse(free_check_config().allow_private_targets)
        with override_settings(MAILSEC_ENGINE={"allow_private_targets": True}):
            self.assertTrue(free_check_config().allow_private_targets)

    @override_settings(MAILSEC_FREE_CHECK_MAX_CONNECTIONS=3)
    def test_outbound_connections_are_capped(self) -> None:
        self.assertEqual(free_check_config().max_connections, 3)


def test_a_public_address_that_timed_out_was_tested_not_refused() -> None:
    from unittest import mock as _mock

    refused = (
        "mx2.example.com has 10.0.0.5 next to public ones: 10.0.0.5 is a private, loopback, "
        "link-local or reserved address"
    )
    smtp = [
        {
            "id": "SMTP-01",
            "status": "warn",
            "summary": refused,
            "evidence": {"connected": False, "address": "10.0.0.5"},
        },
        {
            "id": "SMTP-01",
            "status": "error",
            "summary": "mx1.example.com [192.0.2.10] could not be tested (timed out)",
            "evidence": {"connected": False, "address": "192.0.2.10"},
        },
    ]
    check = FreeCheck()
    with _mock.patch.object(FreeCheck, "_findings_by_mechanism", return_value={"smtp": smtp}):
        assert check.refused_targets() == ["10.0.0.5"]
        assert not check.all_targets_refused()
        assert check.all_targets_refused() is False
        smtp.pop()
        assert check.all_targets_refused()
