from __future__ import annotations

import os
import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

import dns.message
import dns.rcode
import dns.rrset
from django.core import mail
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from checks.findings import Finding, Mechanism, Status
from checks.scoring import compute
from mailsec.domains import listing
from mailsec.domains.models import CheckRun, Domain, display_name
from tests.conftest import BaseTestCase

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@contextmanager
def stub_dns(txt: dict[str, list[str]], servfail: bool = False) -> Iterator[str]:
    """A tiny authoritative-looking DNS server on a random loopback port answering TXT from
    `txt` (NXDOMAIN for anything else; SERVFAIL for everything with `servfail`); yields its
    "host:port" for MAILSEC_RESOLVER."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                data, peer = sock.recvfrom(4096)
            except TimeoutError:
                continue
            if stop.is_set() and not data:  # the wake-up call below (a query is never empty)
                break
            query = dns.message.from_wire(data)
            response = dns.message.make_response(query)
            question = query.question[0]
            name = question.name.to_text().rstrip(".").lower()
            if servfail:
                response.set_rcode(dns.rcode.SERVFAIL)
            elif name in txt:
                values = [f'"{v}"' for v in txt[name]]
                response.answer.append(
                    dns.rrset.from_text_list(question.name, 300, "IN", "TXT", values)
                )
            else:
                response.set_rcode(dns.rcode.NXDOMAIN)
            sock.sendto(response.to_wire(), peer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    host, port = sock.getsockname()
    try:
        with mock.patch.dict(os.environ, {"MAILSEC_RESOLVER": f"{host}:{port}"}):
            yield f"{host}:{port}"
    finally:
        stop.set()
        # An empty datagram wakes the thread at once, not at its recvfrom's next 0.2 s timeout
        # (tests/test_reports_email.DnsStub.close).
        sock.sendto(b"", (host, port))
        thread.join()
        sock.close()


def finished_run(domain: Domain, score: int = 80, days_ago: float = 0, **kw: object) -> CheckRun:
    when = timezone.now() - timedelta(days=days_ago)
    fields: dict[str, object] = {
        "status": CheckRun.Status.DONE,
        "score": score,
        "score_version": 1,
        "mechanisms": {"mx": "pass", "spf": "pass"},
        "findings": [
            {"id": "MX-01", "status": "pass", "mechanism": "mx", "summary": "MX ok"},
            {"id": "SPF-03", "status": "pass", "mechanism": "spf", "summary": "SPF ok"},
        ],
        "created": when,
        "finished": when,
    }
    fields.update(kw)
    return CheckRun.objects.create(domain=domain, **fields)


def scored_run(domain: Domain, findings: list[Finding]) -> CheckRun:
    """A finished run of these engine findings, scored as the engine scores them."""
    score, detail = compute(findings)
    return finished_run(
        domain,
        score=score,
        mechanisms={str(f.mechanism): str(f.status) for f in findings},
        findings=[f.to_dict() for f in findings],
        score_detail=detail,
    )


class DomainTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.domain = Domain.objects.create(
            team=self.team, name="example.org", verified_at=timezone.now()
        )
        self.url = f"/domains/{self.domain.code}/"


class IndexTestCase(DomainTestCase):
    def test_it_lists_the_teams_domains(self) -> None:
        Domain.objects.create(team=self.charlies_team, name="charlie.example")
        old = finished_run(self.domain, score=60, days_ago=8)
        run = finished_run(
            self.domain,
            score=75,
            mechanisms={"mx": "pass", "spf": "fail"},
            findings=[{"id": "SPF-07", "status": "fail", "mechanism": "spf", "summary": "+all"}],
        )
        self.domain.set_last_run(run)
        self.assertLess(old.created, run.created)
        self.client.force_login(self.bob)
        r = self.client.get("/domains/")
        self.assertContains(r, "example.org")
        self.assertContains(r, "up from 60")
        self.assertContains(r, "+all")
        self.assertNotContains(r, "charlie.example")

    def test_a_domain_lacking_mechanisms_is_not_nothing_wrong(self) -> None:
        # Only notes, but no MTA-STS, DMARC or DNSSEC: those cost points, so the row says so.
        findings = [
            Finding("MX-01", Status.PASS, Mechanism.MX, "MX ok"),
            Finding("MTASTS-01", Status.INFO, Mechanism.MTASTS, "No MTA-STS record"),
            Finding("DMARC-01", Status.INFO, Mechanism.DMARC, "No DMARC record"),
            Finding("DNSSEC-01", Status.INFO, Mechanism.DNSSEC, "Zone not signed"),
            Finding("SPF-03", Status.PASS, Mechanism.SPF, "SPF ok"),
        ]
        run = scored_run(self.domain, findings)
        self.domain.set_last_run(run)
        self.client.force_login(self.alice)
        r = self.client.get("/domains/")
        self.assertContains(r, "Not deployed</span> MTA-STS, DMARC, DNSSEC")
        self.assertNotContains(r, "Nothing wrong")
        # Once everything is deployed and good, nothing cost points. BIMI weighs nothing:
        # not publishing it is no reason to say anything is missing.
        good_findings = [
            Finding("MX-01", Status.PASS, Mechanism.MX, "MX ok"),
            Finding(
                "BIMI-01", Status.INFO, Mechanism.BIMI, "No BIMI", evidence={"published": False}
            ),
        ]
        good = scored_run(self.domain, good_findings)
        self.assertEqual(good.score, 100)
        self.assertEqual(good.score_detail["categories"]["bimi"]["reason"], "not deployed")
        self.domain.set_last_run(good)
        r = self.client.get("/domains/")
        self.assertContains(r, "Nothing wrong")
        # The row's words (the filter offers "Not deployed" as a choice, s31w).
        self.assertNotContains(r, "Not deployed</span>")
        self.assertNotContains(r, "Not deployed:")
        self.assertNotContains(r, "with a mechanism not deployed</a>")

    def test_rows_written_before_not_deployed_was_kept_are_filled(self) -> None:
        from importlib import import_module

        from django.apps import apps

        detail = {
            "categories": {
                "dmarc": {"counted": True, "reason": "not deployed", "weight": 10},
                "bimi": {"counted": True, "reason": "not deployed", "weight": 0},
            }
        }
        run = finished_run(self.domain, score=85, score_detail=detail)
        Domain.objects.filter(pk=self.domain.pk).update(last_run=run, last_worst={})
        import_module("mailsec.domains.migrations.0007_domain_last_worst_not_deployed").fill(
            apps, None
        )
        self.domain.refresh_from_db()
        self.assertEqual(self.domain.last_worst, {"not_deployed": ["dmarc"]})

    def test_it_shows_verification_state(self) -> None:
        Domain.objects.create(team=self.team, name="new.example")
        self.client.force_login(self.alice)
        self.assertContains(self.client.get("/domains/"), "not verified")

    def test_it_uses_constant_queries(self) -> None:
        for i in range(5):
            d = Domain.objects.create(team=self.team, name=f"d{i}.example")
            d.set_last_run(finished_run(d))
        self.client.force_login(self.alice)
        self.client.get("/domains/")
        # The list as made: user and team (with the membership check); the session is in
        # the cache, so is the page until one of the team's domains changes.
        with self.assertNumQueries(2):
            self.client.get("/domains/")
        for i in range(5, 10):
            d = Domain.objects.create(team=self.team, name=f"d{i}.example")
            d.set_last_run(finished_run(d))
        # Made again: user, team, count, page of rows.
        with self.assertNumQueries(4):
            r = self.client.get("/domains/")
        self.assertContains(r, "d9.example")
        with self.assertNumQueries(2):
            self.client.get("/domains/")

    def test_the_weekly_trend_compares_only_comparable_scores(self) -> None:
        def finish(**report: object) -> int | None:
            run = CheckRun.objects.create(domain=self.domain, status=CheckRun.Status.RUNNING)
            run.finish({"score": 75, "mechanisms": {}, "findings": [], **report})
            self.domain.refresh_from_db()
            return self.domain.week_ago_score

        finished_run(self.domain, score=60, days_ago=9)  # rubric v1, nothing left out
        self.assertEqual(finish(score_version=1), 60)
        self.assertIsNone(finish(score_version=2))  # another rubric
        partial = {"partial": True, "not_checked": ["smtp"]}
        self.assertIsNone(finish(score_version=1, score_detail=partial))

    def test_a_finished_run_writes_what_the_list_shows_on_the_domain(self) -> None:
        finished_run(self.domain, score=60, days_ago=9)
        finished_run(self.domain, score=70, days_ago=3)  # less than a week before: not it
        run = CheckRun.objects.create(domain=self.domain, status=CheckRun.Status.RUNNING)
        spf = {"id": "SPF-07", "status": "fail", "mechanism": "spf", "summary": "+all"}
        run.finish(
            {"score": 75, "score_version": 1, "mechanisms": {"spf": "fail"}, "findings": [spf]}
        )
        self.domain.refresh_from_db()
        self.assertEqual(self.domain.last_run, run)
        self.assertEqual(self.domain.last_score, 75)
        self.assertEqual(self.domain.last_checked_at, run.finished)
        self.assertEqual(self.domain.last_worst["summary"], "+all")
        self.assertEqual(self.domain.week_ago_score, 60)
        # A failed run leaves the summary of the last finished one.
        broken = CheckRun.objects.create(domain=self.domain, status=CheckRun.Status.RUNNING)
        broken.finish(None, error="worker died")
        self.domain.refresh_from_db()
        self.assertEqual((self.domain.last_run, self.domain.last_score), (run, 75))
        self.client.force_login(self.alice)
        # One table: no join to the runs, no look-up per row.
        with CaptureQueriesContext(connection) as ctx:
            r = self.client.get("/domains/")
        self.assertContains(r, "up from 60")
        self.assertFalse(any("domains_checkrun" in q["sql"] for q in ctx.captured_queries))

    def test_a_failed_check_is_flagged_next_to_the_last_finished_score(self) -> None:
        self.domain.set_last_run(finished_run(self.domain, score=60, days_ago=1))
        self.client.force_login(self.alice)
        self.assertNotContains(self.client.get("/domains/"), "last check failed")
        run = CheckRun.objects.create(domain=self.domain, status=CheckRun.Status.RUNNING)
        run.finish(None, error="worker died")
        r = self.client.get("/domains/")  # at once: finish() starts a new version of the list
        self.assertContains(r, ">60</span>")
        self.assertContains(r, "last check failed")
        run.finish({"score": 91, "score_version": 1, "mechanisms": {}, "findings": []})
        r = self.client.get("/domains/")
        self.assertContains(r, ">91</span>")
        self.assertNotContains(r, "last check failed")
        # A run lost with its worker (a bare UPDATE in the sweep) is flagged too.
        lost = CheckRun.objects.create(domain=self.domain)
        self.assertTrue(lost.claim())
        CheckRun.sweep_stuck(timezone.now() + timedelta(hours=2))
        self.assertContains(self.client.get("/domains/"), "last check failed")
        # An older run failing late never flags a newer finished one.
        self.domain.refresh_from_db()
        self.domain.set_last_run(finished_run(self.domain, score=70))
        late = CheckRun.objects.create(
            domain=self.domain, status="running", created=timezone.now() - timedelta(hours=1)
        )
        late.finish(None, error="worker died")
        self.assertNotContains(self.client.get("/domains/"), "last check failed")

    def test_a_deleted_last_run_leaves_the_row_not_checked(self) -> None:
        run = finished_run(self.domain, score=60)
        self.domain.set_last_run(run)
        run.delete()  # by staff in the admin: last_run is set to NULL
        self.client.force_login(self.alice)
        r = self.client.get("/domains/")
        self.assertNotContains(r, ">60</span>")
        self.assertContains(r, "Not checked yet:")

    def test_a_cached_row_never_goes_stale(self) -> None:
        """Rows are cached by their content: whatever changes on a row changes its key."""
        self.domain.set_last_run(finished_run(self.domain, score=60))
        self.client.force_login(self.alice)
        self.assertContains(self.client.get("/domains/"), ">60</span>")
        self.domain.set_last_run(
            finished_run(
                self.domain,
                score=95,
                findings=[
                    {"id": "SPF-07", "status": "fail", "mechanism": "spf", "summary": "+all"}
                ],
            )
        )
        r = self.client.get("/domains/")
        self.assertContains(r, ">95</span>")
        self.assertContains(r, "+all")
        self.assertNotContains(r, ">60</span>")
        fresh = Domain.objects.create(team=self.team, name="fresh.example")
        self.assertContains(self.client.get("/domains/"), "not verified")
        fresh.verified_at = timezone.now()
        fresh.save()
        r = self.client.get("/domains/")
        self.assertNotContains(r, "not verified")
        self.assertContains(r, "Not checked yet:")

    def test_a_finished_run_shows_at_once(self) -> None:
        self.domain.set_last_run(finished_run(self.domain, score=60))
        self.client.force_login(self.alice)
        self.assertContains(self.client.get("/domains/"), ">60</span>")
        run = CheckRun.objects.create(domain=self.domain)
        self.assertTrue(run.claim())
        # finish() moves the list's summary with a bare UPDATE, which no signal sees.
        run.finish({"score": 91, "score_version": 1, "mechanisms": {}, "findings": []})
        r = self.client.get("/domains/")
        self.assertContains(r, ">91</span>")
        self.assertNotContains(r, ">60</span>")

    def test_a_change_behind_its_back_shows_within_the_minute(self) -> None:
        self.domain.set_last_run(finished_run(self.domain, score=60))
        self.client.force_login(self.alice)
        clock = mock.Mock()
        minute = 1_800_000_000 // 60 * 60  # the start of a minute
        with mock.patch("mailsec.domains.pagecache.time", clock):
            clock.time.return_value = minute + 50
            self.assertContains(self.client.get("/domains/"), ">60</span>")
            Domain.objects.filter(pk=self.domain.pk).update(last_score=61)  # no signal, no call
            clock.time.return_value = minute + 55
            self.assertContains(self.client.get("/domains/"), ">60</span>")  # the same minute
            clock.time.return_value = minute + 65
            self.assertContains(self.client.get("/domains/"), ">61</span>")  # the next one

    def test_a_new_team_never_sees_a_cached_list(self) -> None:
        """SQLite gives a rolled-back team's id to the next team: a new team starts a new
        version of its list, whatever the cache holds under its id."""
        from django.core.cache import cache

        self.client.force_login(self.alice)
        # One minute throughout: an entry is served only in the minute it was made in, so on
        # the wall clock a minute turning between the first two requests (a slow, busy run)
        # made the planted entry stale and failed the test for nothing (s38u).
        clock = mock.Mock()
        clock.time.return_value = 1_800_000_000 // 60 * 60 + 30  # mid-minute
        with mock.patch("mailsec.domains.pagecache.time", clock):
            self.client.get("/domains/")
            key = f"page:team:{self.team.pk}:list:{listing.ROW_VERSION}:1"
            version, minute, html = cache.get(key)
            cache.set(key, (version, minute, "<p>another team's domains</p>"), 60)
            self.assertContains(self.client.get("/domains/"), "another team")  # what is cached
            self.team.save()  # as a new team with this id is
            self.assertNotContains(self.client.get("/domains/"), "another team")

    def test_it_lists_a_page_at_a_time(self) -> None:
        for i in range(60):
            d = Domain.objects.create(team=self.team, name=f"d{i:02d}.example")
            d.set_last_run(finished_run(d))
        self.client.force_login(self.alice)
        first = self.client.get("/domains/")
        self.assertContains(first, "d49.example")
        self.assertNotContains(first, "d50.example")
        self.assertContains(first, "Page 1 of 2 · ")
        with self.assertNumQueries(4):
            second = self.client.get("/domains/?page=2")
        self.assertContains(second, "d59.example")
        self.assertNotContains(second, "d00.example")
        # A page past the end or not a number shows the nearest page, never an error.
        self.assertContains(self.client.get("/domains/?page=99"), "d59.example")
        self.assertContains(self.client.get("/domains/?page=x"), "d00.example")
        self.assertContains(self.client.get("/domains/?page=\u00b2"), "d00.example")  # ²


class AddTestCase(BaseTestCase):
    def test_it_adds_an_idn_as_a_label(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.post("/domains/add/", {"name": " Bücher.Example.ORG. "})
        domain = Domain.objects.get()
        self.assertEqual(domain.name, "xn--bcher-kva.example.org")
        self.assertEqual(domain.team, self.team)
        self.assertRedirects(r, f"/domains/{domain.code}/", fetch_redirect_response=False)
        r = self.client.get(f"/domains/{domain.code}/")
        self.assertContains(r, "_mailsec-challenge.xn--bcher-kva.example.org")
        self.assertContains(r, domain.challenge_value)
        # IDNA2008 both ways: ß stays ß (Python's IDNA2003 codec could not show it).
        self.assertEqual(display_name("xn--strae-oqa.example"), "straße.example")

    def test_it_refuses_bad_names(self) -> None:
        self.client.force_login(self.alice)
        for text, message in [
            ("192.0.2.1", "is an IP address"),
            ("co.uk", "public suffix"),
            ("localhost", "not a registrable"),
            ("exa mple.com", "not a valid"),
        ]:
            r = self.client.post("/domains/add/", {"name": text})
            self.assertContains(r, message, status_code=400)
        self.assertFalse(Domain.objects.exists())

    def test_it_honours_extra_public_suffixes(self) -> None:
        self.client.force_login(self.alice)
        with mock.patch.dict(os.environ, {"MAILSEC_EXTRA_PUBLIC_SUFFIXES": "test,lab.test"}):
            r = self.client.post("/domains/add/", {"name": "lab.test"})
            self.assertContains(r, "public suffix", status_code=400)
            self.client.post("/domains/add/", {"name": "f01.lab.test"})
        self.assertTrue(Domain.objects.filter(name="f01.lab.test").exists())

    def test_adding_twice_keeps_one(self) -> None:
        self.client.force_login(self.alice)
        self.client.post("/domains/add/", {"name": "example.org"})
        self.client.post("/domains/add/", {"name": "EXAMPLE.org"})
        self.assertEqual(Domain.objects.count(), 1)

    def test_it_requires_post(self) -> None:
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get("/domains/add/").status_code, 405)


class DetailsTestCase(DomainTestCase):
    def test_the_pre_rendered_chart_and_panels_are_what_the_page_renders(self) -> None:
        from django.core.cache import cache

        from mailsec.domains.views import warm_page_cache

        finished_run(self.domain, score=60, days_ago=2)
        self.domain.set_last_run(
            finished_run(
                self.domain,
                mechanisms={"spf": "fail"},
                findings=[
                    {"id": "SPF-07", "status": "fail", "mechanism": "spf", "summary": "+all"}
                ],
            )
        )
        self.client.force_login(self.alice)
        cache.clear()
        rendered = self.client.get(self.url).content.decode()
        cache.clear()
        warm_page_cache(Domain.objects.select_related("last_run").get(pk=self.domain.pk))
        with CaptureQueriesContext(connection) as ctx:
            warmed = self.client.get(self.url).content.decode()
        csrf = re.compile(r'(value="|"X-CSRFToken": ")[^"]+"')
        self.assertEqual(csrf.sub("", rendered), csrf.sub("", warmed))
        self.assertIn("+all", warmed)
        # The chart came from the cache: its runs were not read.
        self.assertFalse(any('"created" >=' in q["sql"] for q in ctx.captured_queries))

    def test_the_page_is_cached_until_what_it_shows_changes(self) -> None:
        from mailsec.hosting.models import HostedPolicy

        self.domain.set_last_run(finished_run(self.domain, score=60))
        self.client.force_login(self.alice)
        self.assertContains(self.client.get(self.url), "Score 60 out of 100")
        # From the cache: the user and the ownership check.
        with self.assertNumQueries(2):
            self.assertContains(self.client.get(self.url), "Score 60 out of 100")
        self.client.post(f"{self.url}selectors/", {"selectors": "s2048"})
        self.assertContains(self.client.get(self.url), 'value="s2048"')
        run, _ = self.domain.request_check()
        self.assertContains(self.client.get(self.url), "Check queued")
        self.assertTrue(run.claim())  # a bare UPDATE
        self.assertContains(self.client.get(self.url), "Checking example.org")
        run.finish({"score": 91, "score_version": 1, "mechanisms": {}, "findings": []})
        r = self.client.get(self.url)
        self.assertContains(r, "Score 91 out of 100")
        self.assertNotContains(r, "Checking example.org")
        HostedPolicy.objects.create(domain=self.domain, name=self.domain.name, mode="testing")
        self.assertContains(self.client.get(self.url), "We host the policy (active, mode testing)")

    def test_the_worker_renders_the_whole_page_when_a_run_finishes(self) -> None:
        from mailsec.domains.views import warm_page_cache

        self.domain.set_last_run(finished_run(self.domain, score=77))
        self.client.force_login(self.alice)
        self.client.get("/domains/")  # the session reaches the cache
        warm_page_cache(Domain.objects.select_related("last_run").get(pk=self.domain.pk))
        with self.assertNumQueries(2):  # the user and the ownership check
            self.assertContains(self.client.get(self.url), "Score 77 out of 100")

    def test_a_cached_page_gets_each_request_its_own_csrf_token(self) -> None:
        from django.core.cache import cache

        from mailsec.domains.views import PANELS_VERSION

        self.domain.set_last_run(finished_run(self.domain))
        clients, pages = [], []
        for user in (self.alice, self.bob):
            client = Client(enforce_csrf_checks=True)
            client.force_login(user)
            client.get("/domains/")  # the session reaches the cache
            clients.append(client)
        pages.append(clients[0].get(self.url).content.decode())
        with self.assertNumQueries(2):  # bob gets the page alice's visit cached
            pages.append(clients[1].get(self.url).content.decode())
        entry = cache.get(f"page:domain:{self.domain.pk}:page:{PANELS_VERSION}:")
        mark = entry[2][2]
        tokens = []
        for page in pages:
            self.assertNotIn(mark, page)
            found = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page))
            self.assertEqual(len(found), 1)  # every form of the page has this request's
            tokens.append(found.pop())
        self.assertNotEqual(tokens[0], tokens[1])
        for client, token in zip(clients, tokens, strict=True):
            r = client.post(
                f"{self.url}selectors/", {"selectors": "s1", "csrfmiddlewaretoken": token}
            )
            self.assertEqual(r.status_code, 302)

    def test_a_cache_that_does_not_answer_never_fails_a_check(self) -> None:
        down = mock.patch(
            "mailsec.domains.pagecache.cache.delete_many", side_effect=ConnectionError("down")
        )
        with (
            down,
            mock.patch("mailsec.domains.tasks.run_check.apply_async") as apply_async,
            self.captureOnCommitCallbacks(execute=True),
        ):
            run, created = self.domain.request_check()
            self.assertTrue(run.claim())
            run.finish({"score": 91, "score_version": 1, "mechanisms": {}, "findings": []})
        self.assertTrue(created)
        apply_async.assert_called_once()  # the run was queued all the same
        self.domain.refresh_from_db()
        self.assertEqual(self.domain.last_run, run)

    def test_a_page_made_while_a_run_finishes_is_not_kept(self) -> None:
        """finish() saves the run, then moves the domain's last run: a visit in between reads
        the old one, and what it caches must not outlive the finish."""
        from mailsec.domains import models

        self.domain.set_last_run(finished_run(self.domain, score=60))
        self.client.force_login(self.alice)
        run, _ = self.domain.request_check()
        self.assertTrue(run.claim())
        interval = models.check_interval()

        def visit_then_interval() -> timedelta:
            self.assertContains(self.client.get(self.url), "Score 60 out of 100")
            return interval

        with mock.patch.object(models, "check_interval", visit_then_interval):
            run.finish({"score": 91, "score_version": 1, "mechanisms": {}, "findings": []})
        self.assertContains(self.client.get(self.url), "Score 91 out of 100")

    def test_an_outsider_never_gets_a_cached_page(self) -> None:
        self.domain.set_last_run(finished_run(self.domain))
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(self.url).status_code, 200)
        self.client.force_login(self.charlie)
        self.assertEqual(self.client.get(self.url).status_code, 404)
        self.assertEqual(
            self.client.get(f"{self.url}?run={self.domain.last_run.code}").status_code, 404
        )

    def test_the_active_run_query_matches_its_partial_index_when_prepared(self) -> None:
        """Statuses bound as parameters would leave a prepared statement's generic plan
        unable to use checkrun_active_by_domain (a walk through the domain's history)."""
        with CaptureQueriesContext(connection) as ctx:
            self.assertIsNone(self.domain.active_run())
        self.assertIn("status IN ('pending', 'running')", ctx.captured_queries[0]["sql"])
        run, _ = self.domain.request_check()
        self.assertEqual(self.domain.active_run(), run)

    def test_it_uses_constant_queries(self) -> None:
        """As many queries with 3 runs as with 80 (the chart's and the compare menu's runs
        come from one query each, never one per run)."""
        self.client.force_login(self.alice)
        counts = []
        for n in (3, 80):
            for i in range(n - self.domain.runs.count()):
                run = finished_run(self.domain, score=60 + i % 30, days_ago=i / 4)
            self.domain.set_last_run(run)
            self.client.get(self.url)
            with CaptureQueriesContext(connection) as ctx:
                self.assertEqual(self.client.get(self.url).status_code, 200)
            counts.append(len(ctx.captured_queries))
        self.assertEqual(counts[0], counts[1])

    def test_it_shows_score_chart_and_panels(self) -> None:
        finished_run(self.domain, score=60, days_ago=3)
        run = finished_run(
            self.domain,
            score=70,
            mechanisms={"mx": "pass", "spf": "fail"},
            findings=[
                {
                    "id": "SPF-07",
                    "status": "fail",
                    "mechanism": "spf",
                    "summary": "The SPF record ends in +all.",
                    "evidence": {"record": "v=spf1 +all"},
                    "fix": 'example.org. TXT "v=spf1 mx -all"',
                }
            ],
            score_detail={"categories": {"spf": {"counted": True, "lost": 10}}},
        )
        self.domain.set_last_run(run)
        self.client.force_login(self.bob)
        r = self.client.get(self.url)
        self.assertContains(r, "<svg", html=False)
        self.assertContains(r, 'class="changed"')  # spf went pass → fail
        self.assertContains(r, "The SPF record ends in +all.")
        self.assertContains(r, "v=spf1 +all")
        # The record's type and name in the box's head, its value copied (task s32k).
        self.assertContains(r, "TXT record at <code>example.org</code>")
        self.assertContains(r, '<pre class="record" id="fix-spf-1">v=spf1 mx -all</pre>')
        self.assertContains(r, "data-copy-target")
        self.assertContains(r, "Changed since the check before")
        self.assertContains(r, "<strong>SPF</strong>: ", html=False)

    def test_a_mechanism_not_deployed_says_so_and_what_it_costs(self) -> None:
        findings = [
            Finding("MX-01", Status.PASS, Mechanism.MX, "MX ok"),
            Finding("MTASTS-01", Status.INFO, Mechanism.MTASTS, "No MTA-STS record"),
            Finding("SPF-03", Status.PASS, Mechanism.SPF, "SPF ok"),
        ]
        run = scored_run(self.domain, findings)
        detail = run.score_detail
        self.domain.set_last_run(run)
        self.client.force_login(self.alice)
        html = self.client.get(self.url).content.decode()
        panel = re.search(r'<details[^>]*id="mech-mta-sts"[^>]*>.*?</summary>', html, re.S)
        assert panel is not None
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", panel.group(0)))
        lost = detail["categories"]["mta-sts"]["score_lost"]
        self.assertIn(f"Not deployed −{lost:g} points: no MTA-STS record", text)
        self.assertNotIn("Note", text)
        self.assertRegex(panel.group(0), r"<details[^>]*\bopen\b")
        # The explanation names the domain's own policy host.
        self.assertIn("mta-sts.example.org", html)

    def test_it_marks_score_version_changes(self) -> None:
        finished_run(self.domain, days_ago=2)
        run = finished_run(self.domain, score_version=2)
        self.domain.set_last_run(run)
        self.client.force_login(self.alice)
        self.assertContains(self.client.get(self.url), "rubric v2")

    def test_it_shows_a_past_run(self) -> None:
        old = finished_run(self.domain, score=42, days_ago=1)
        self.domain.set_last_run(finished_run(self.domain, score=90))
        self.client.force_login(self.alice)
        r = self.client.get(f"{self.url}?run={old.code}")
        self.assertContains(r, "Showing the check of")
        self.assertContains(r, ">42<")

    def test_a_failed_check_shows_at_once_over_the_results_before_it(self) -> None:
        """last_run is only ever a finished run: a failed check must not leave the page
        showing the results before it as current. The cached page is made again at once
        (the run's save and finish() start a new version of it)."""
        self.domain.set_last_run(finished_run(self.domain, score=60, days_ago=1))
        self.client.force_login(self.alice)
        r = self.client.get(self.url)
        self.assertContains(r, "Last checked")
        self.assertNotContains(r, "could not be completed")
        with mock.patch("mailsec.domains.tasks.enqueue_run"):
            run, _ = self.domain.request_check()
        self.assertTrue(run.claim())
        run.finish(None, error="The check could not be completed (TimeoutError).")
        r = self.client.get(self.url)
        self.assertContains(r, "The last check, <time")
        self.assertContains(r, "could not be completed (TimeoutError).")
        self.assertContains(r, "The results shown are those of the check before it.")
        self.assertContains(r, "Results of the check of")
        self.assertContains(r, "Score 60 out of 100")  # the last finished score stays
        # A past run's page is about that run.
        old = self.domain.runs.get(status="done")
        self.assertNotContains(self.client.get(f"{self.url}?run={old.code}"), "The last check")
        # A check that finishes puts the page back to normal.
        later = CheckRun.objects.create(domain=self.domain, status=CheckRun.Status.RUNNING)
        later.finish({"score": 91, "score_version": 1, "mechanisms": {}, "findings": []})
        r = self.client.get(self.url)
        self.assertContains(r, "Score 91 out of 100")
        self.assertNotContains(r, "could not be completed")

    def test_a_check_lost_with_its_worker_shows_as_failed(self) -> None:
        self.client.force_login(self.alice)
        with mock.patch("mailsec.domains.tasks.enqueue_run"):
            run, _ = self.domain.request_check()
        self.assertTrue(run.claim())
        self.assertContains(self.client.get(self.url), "Checking example.org")
        CheckRun.sweep_stuck(timezone.now() + timedelta(hours=2))  # a bare UPDATE
        r = self.client.get(self.url)
        self.assertContains(r, "could not be completed.</strong>")
        self.assertContains(r, "its worker stopped")
        self.assertContains(r, "Not checked yet.")  # the first check: no results before it
        self.assertNotContains(r, "The results shown")

    def test_it_checks_ownership(self) -> None:
        self.client.force_login(self.charlie)
        self.assertEqual(self.client.get(self.url).status_code, 404)
        # a run of charlie's own domain can't be shown on alice's domain page either
        other = Domain.objects.create(team=self.charlies_team, name="charlie.example")
        run = finished_run(other)
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(f"{self.url}?run={run.code}").status_code, 404)
        self.assertEqual(self.client.get(f"{self.url}?run=nonsense").status_code, 404)


class VerifyTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.domain = Domain.objects.create(team=self.team, name="example.org")
        self.url = f"/domains/{self.domain.code}/verify/"

    def test_the_page_says_how_long_we_look_for_the_record_ourselves(self) -> None:
        self.client.force_login(self.alice)
        page = f"/domains/{self.domain.code}/"
        until = self.domain.created + timedelta(days=7)
        text = " ".join(self.client.get(page).content.decode().split())
        self.assertIn(
            "For the first 7 days after you add the domain "
            f"(until {until.day} {until:%b %Y, %H:%M} UTC) we also look for it every few minutes",
            text,
        )
        old = Domain.objects.create(
            team=self.team, name="old.example", created=timezone.now() - timedelta(days=8)
        )
        text = " ".join(self.client.get(f"/domains/{old.code}/").content.decode().split())
        self.assertIn(
            "we no longer do, so press <strong>Verify</strong> once it is published", text
        )
        self.assertNotIn("every few minutes", text)

    @override_settings(CACHES=LOCMEM)
    def test_it_verifies_with_a_real_dns_answer(self) -> None:
        records = {self.domain.challenge_name: ["unrelated", self.domain.challenge_value]}
        self.client.force_login(self.bob)
        with (
            stub_dns(records),
            mock.patch("mailsec.domains.tasks.enqueue_run") as enqueue,
            self.captureOnCommitCallbacks(execute=True),
        ):
            self.client.post(self.url)
        self.domain.refresh_from_db()
        self.assertIsNotNone(self.domain.verified_at)
        self.assertIsNotNone(self.domain.next_check_at)
        enqueue.assert_called_once()  # the first check starts at once

    @override_settings(CACHES=LOCMEM)
    def test_it_explains_a_missing_record(self) -> None:
        self.client.force_login(self.alice)
        with stub_dns({}):
            r = self.client.post(self.url, follow=True)
        self.assertContains(r, "No TXT record found at _mailsec-challenge.example.org")
        self.domain.refresh_from_db()
        self.assertIsNone(self.domain.verified_at)

    @override_settings(CACHES=LOCMEM)
    def test_it_refuses_a_wrong_value(self) -> None:
        self.client.force_login(self.alice)
        with stub_dns({self.domain.challenge_name: ["mailsec-verification=other"]}):
            r = self.client.post(self.url, follow=True)
        self.assertContains(r, "not the expected value")

    def test_a_dead_resolver_is_could_not_check(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", 0))  # bound and silent: every query times out
        env = {"MAILSEC_RESOLVER": f"127.0.0.1:{sock.getsockname()[1]}"}
        with mock.patch.dict(os.environ, {**env, "MAILSEC_CHECK_TIMEOUT": "1"}):
            self.assertFalse(self.domain.verify())
        sock.close()
        self.assertIn("Our DNS lookup of", self.domain.verify_error)

    def test_background_task_verifies(self) -> None:
        from mailsec.domains.tasks import verify_pending

        with stub_dns({self.domain.challenge_name: [self.domain.challenge_value]}):
            self.assertEqual(verify_pending(), 1)

    def test_background_task_goes_round_every_pending_domain(self) -> None:
        """Runs of a few domains each get to all of them: the least recently tried first."""
        from mailsec.domains import tasks

        others = [Domain.objects.create(team=self.team, name=f"d{i}.example") for i in range(4)]
        pending = [self.domain, *others]
        seen: list[set[str]] = []
        with stub_dns({}), mock.patch.object(tasks, "VERIFY_BATCH", 2):
            for _ in range(3):
                before = dict(Domain.objects.values_list("name", "verify_checked_at"))
                self.assertEqual(tasks.verify_pending(), 0)
                after = dict(Domain.objects.values_list("name", "verify_checked_at"))
                seen.append({name for name in after if after[name] != before[name]})
        self.assertEqual([len(s) for s in seen], [2, 2, 2])
        self.assertEqual(seen[0] | seen[1] | seen[2], {d.name for d in pending})
        # The third run took the one never tried, then one of those tried longest ago.
        self.assertEqual(len(seen[2] - seen[0] - seen[1]), 1)
        self.assertEqual(len(seen[2] & seen[0]), 1)
        self.assertFalse(Domain.objects.filter(verify_checked_at=None).exists())

    def test_background_task_stops_within_its_budget(self) -> None:
        from mailsec.domains import tasks

        for i in range(3):
            Domain.objects.create(team=self.team, name=f"d{i}.example")
        clock = mock.Mock()
        # deadline = 0 + budget; then one lookup is started at 50 s, none at 100 s.
        clock.monotonic.side_effect = [0.0, 50.0, 100.0, 150.0]
        with (
            mock.patch.object(tasks, "time", clock),
            mock.patch.object(tasks, "VERIFY_BUDGET_SECONDS", 90),
            mock.patch.object(Domain, "verify", autospec=True, return_value=False) as verify,
        ):
            tasks.verify_pending()
        self.assertEqual(verify.call_count, 1)

    def test_background_task_ends_at_its_soft_time_limit(self) -> None:
        """The soft limit is not swallowed with the lookups' errors: the task ends then, not
        at the hard kill, and the domain it was on counts as tried."""
        from celery.exceptions import SoftTimeLimitExceeded

        from mailsec.domains import tasks

        Domain.objects.create(team=self.team, name="later.example")
        calls: list[str] = []

        def verify(domain: Domain, hints: bool = True) -> bool:
            calls.append(domain.name)
            raise SoftTimeLimitExceeded()

        with (
            mock.patch.object(Domain, "verify", autospec=True, side_effect=verify),
            self.assertRaises(SoftTimeLimitExceeded),
        ):
            tasks.verify_pending()
        self.assertEqual(len(calls), 1)
        tried = Domain.objects.get(name=calls[0])
        self.assertIsNotNone(tried.verify_checked_at)

    def test_background_task_moves_past_a_domain_whose_lookup_crashes(self) -> None:
        from mailsec.domains import tasks

        Domain.objects.create(team=self.team, name="later.example")
        with mock.patch.object(Domain, "verify", autospec=True, side_effect=RuntimeError):
            self.assertEqual(tasks.verify_pending(), 0)
        self.assertFalse(Domain.objects.filter(verify_checked_at=None).exists())

    @override_settings(CACHES=LOCMEM)
    def test_an_already_verified_domain_starts_no_check(self) -> None:
        """Verify again (a second tab, a double click) must not be a way round Check now's
        limits: it says so and starts nothing."""
        Domain.objects.filter(pk=self.domain.pk).update(verified_at=timezone.now())
        self.client.force_login(self.alice)
        with (
            mock.patch("mailsec.domains.tasks.enqueue_run") as enqueue,
            self.captureOnCommitCallbacks(execute=True),
        ):
            for _ in range(3):
                r = self.client.post(self.url)
                self.assertRedirects(
                    r, f"/domains/{self.domain.code}/", fetch_redirect_response=False
                )
        enqueue.assert_not_called()
        self.assertFalse(CheckRun.objects.exists())
        self.assertContains(self.client.get(r.url), "is already verified")

    def test_it_checks_ownership(self) -> None:
        self.client.force_login(self.charlie)
        self.assertEqual(self.client.post(self.url).status_code, 404)

    def test_it_requires_post(self) -> None:
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(self.url).status_code, 405)


class ContestTestCase(BaseTestCase):
    """Alice's team verified example.org long ago; charlie's team now proves control too."""

    def setUp(self) -> None:
        super().setUp()
        self.proved = timezone.now() - timedelta(days=400)
        self.theirs = Domain.objects.create(
            team=self.team,
            name="example.org",
            verified_at=self.proved,
            next_check_at=timezone.now() - timedelta(minutes=1),
        )
        self.mine = Domain.objects.create(team=self.charlies_team, name="example.org")

    def records(self, *domains: Domain) -> dict[str, list[str]]:
        return {"_mailsec-challenge.example.org": [d.challenge_value for d in domains]}

    def assert_unchanged(self) -> None:
        self.theirs.refresh_from_db()
        self.assertEqual(self.theirs.verified_at, self.proved)
        self.assertIsNone(self.theirs.control_lost_at)
        self.assertIn(self.theirs, Domain.due(timezone.now()))  # its checks go on
        self.assertEqual(mail.outbox, [])

    def test_a_team_still_proving_control_keeps_the_domain(self) -> None:
        with stub_dns(self.records(self.theirs, self.mine)):
            self.assertTrue(self.mine.verify())
        self.assert_unchanged()
        self.assertIsNone(self.theirs.contested_at)  # the contest is over
        self.assertIsNotNone(self.mine.verified_at)  # and both monitor the domain

    def test_a_team_whose_challenge_is_gone_loses_the_domain(self) -> None:
        with stub_dns(self.records(self.mine)):
            self.assertTrue(self.mine.verify())
        self.theirs.refresh_from_db()
        self.assertIsNone(self.theirs.verified_at)
        self.assertIsNotNone(self.theirs.control_lost_at)
        self.assertIn("could not be confirmed any more", self.theirs.verify_error)
        self.assertIn(f"{self.mine.verified_at:%-d %b %Y, %H:%M} UTC", self.theirs.verify_error)
        self.assertNotIn(self.theirs, Domain.due(timezone.now() + timedelta(days=30)))
        # One email to each member (each in their own time zone).
        self.assertEqual([m.to for m in mail.outbox], [["alice@example.org"], ["bob@example.org"]])
        for message in mail.outbox:
            self.assertIn("example.org", message.subject)
            self.assertIn("Another team proved control of example.org", message.body)
        # Told once: later runs of the background task find nothing more to do.
        from mailsec.domains.tasks import verify_pending

        with stub_dns(self.records(self.mine)):
            verify_pending()
        self.assertEqual(len(mail.outbox), 2)
        self.theirs.refresh_from_db()
        self.assertIsNone(self.theirs.verified_at)

    @override_settings(CACHES=LOCMEM)
    def test_the_losing_teams_page_says_so(self) -> None:
        self.client.force_login(self.alice)
        self.client.get(f"/domains/{self.theirs.code}/")  # cached before the contest
        with stub_dns(self.records(self.mine)):
            self.mine.verify()
        r = self.client.get(f"/domains/{self.theirs.code}/")
        self.assertContains(r, "Not verified for your team since")
        self.assertContains(r, "another team proved control of example.org")
        self.assertContains(r, "could not be confirmed any more")

    def test_a_failed_lookup_changes_nothing_and_is_retried(self) -> None:
        from mailsec.domains.tasks import verify_pending

        Domain.objects.filter(pk=self.mine.pk).update(verified_at=timezone.now())
        with stub_dns({}, servfail=True):
            self.assertEqual(self.theirs.recheck_control(), "failed")
            verify_pending()  # still failing: still nothing
        self.assert_unchanged()
        self.assertIsNotNone(self.theirs.contested_at)  # owed a look
        # The next run of the 5-minute task gets a clean answer (NXDOMAIN): now it is lost.
        with stub_dns({}):
            verify_pending()
        self.theirs.refresh_from_db()
        self.assertIsNone(self.theirs.verified_at)
        self.assertIsNone(self.theirs.contested_at)
        self.assertEqual(len(mail.outbox), 2)  # alice and bob, once each

    def test_a_contest_nobody_holds_any_more_is_dropped(self) -> None:
        from mailsec.domains.tasks import verify_pending

        Domain.objects.filter(pk=self.theirs.pk).update(contested_at=timezone.now())
        with stub_dns({}):  # the challenge is gone, but charlie's team never verified
            verify_pending()
        self.theirs.refresh_from_db()
        self.assertEqual(self.theirs.verified_at, self.proved)
        self.assertIsNone(self.theirs.contested_at)
        self.assertEqual(mail.outbox, [])

    def test_a_team_never_loses_a_domain_by_verifying_it_itself(self) -> None:
        # A teammate verifies again with the value gone: nothing is contested, and a
        # verified domain stays verified (only another team's proof starts a contest).
        with stub_dns({}):
            self.theirs.verify()
        with stub_dns(self.records(self.theirs)):
            self.theirs.verify()
        self.assert_unchanged()
        self.assertIsNone(self.theirs.contested_at)
        self.assertEqual(self.theirs.recheck_control(), "moot")  # no other team verifies it
        self.assert_unchanged()

    def test_the_winner_is_contested_when_the_loser_verifies_again(self) -> None:
        with stub_dns(self.records(self.mine)):
            self.mine.verify()
        with stub_dns(self.records(self.mine, self.theirs)):
            self.client.force_login(self.alice)
            with mock.patch("mailsec.domains.tasks.enqueue_run"):
                self.client.post(f"/domains/{self.theirs.code}/verify/")
        self.theirs.refresh_from_db()
        self.mine.refresh_from_db()
        self.assertIsNotNone(self.theirs.verified_at)
        self.assertIsNone(self.theirs.control_lost_at)
        self.assertIsNotNone(self.mine.verified_at)  # its value is still there

    @override_settings(CACHES=LOCMEM)
    def test_it_checks_ownership(self) -> None:
        """The newcomer sees nothing of the other team's domain: not its page, not its
        challenge, not its team's people, not in the messages it gets."""
        self.client.force_login(self.charlie)
        with stub_dns(self.records(self.mine)):
            r = self.client.post(f"/domains/{self.mine.code}/verify/", follow=True)
        self.assertEqual(r.status_code, 200)
        r2 = self.client.get("/domains/")
        for page in (r, r2):
            for secret in (
                str(self.theirs.code),
                self.theirs.challenge,
                "alice@example.org",
                "bob@example.org",
                self.team.name,
            ):
                self.assertNotContains(page, secret)
        self.assertEqual(self.client.get(f"/domains/{self.theirs.code}/").status_code, 404)
        self.assertTrue(all("charlie@example.org" not in m.to for m in mail.outbox))


class RemoveTestCase(DomainTestCase):
    def test_it_removes(self) -> None:
        finished_run(self.domain)
        self.client.force_login(self.bob)
        r = self.client.post(f"{self.url}remove/")
        self.assertRedirects(r, "/domains/", fetch_redirect_response=False)
        self.assertFalse(Domain.objects.exists())
        self.assertFalse(CheckRun.objects.exists())

    def test_it_checks_ownership(self) -> None:
        self.client.force_login(self.charlie)
        self.assertEqual(self.client.post(f"{self.url}remove/").status_code, 404)
        self.assertTrue(Domain.objects.exists())

    def test_it_requires_post(self) -> None:
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(f"{self.url}remove/").status_code, 405)


class SelectorsTestCase(DomainTestCase):
    def test_it_saves_selectors(self) -> None:
        self.client.force_login(self.alice)
        self.client.post(f"{self.url}selectors/", {"selectors": "google, Selector1 google"})
        self.domain.refresh_from_db()
        self.assertEqual(self.domain.selectors(), ["google", "selector1"])

    def test_it_refuses_bad_selectors(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.post(f"{self.url}selectors/", {"selectors": "ok bad/one"}, follow=True)
        self.assertContains(r, "not a valid DKIM selector", status_code=400)  # the page as typed
        self.domain.refresh_from_db()
        self.assertEqual(self.domain.dkim_selectors, "")

    def test_it_checks_ownership(self) -> None:
        self.client.force_login(self.charlie)
        r = self.client.post(f"{self.url}selectors/", {"selectors": "x"})
        self.assertEqual(r.status_code, 404)


@override_settings(CACHES=LOCMEM)
class CheckNowTestCase(DomainTestCase):
    def setUp(self) -> None:
        super().setUp()
        from django.core.cache import cache

        cache.clear()
        # Check now's limits are fixed windows (a minute, an hour): two posts on either side of
        # a minute's end are both allowed. tests/conftest.py stands the counters' clock
        # mid-minute, mid-hour, so a slow run cannot straddle a window's end between posts.

    def test_it_starts_a_run(self) -> None:
        self.client.force_login(self.alice)
        with (
            mock.patch("mailsec.domains.tasks.run_check.apply_async") as apply_async,
            self.captureOnCommitCallbacks(execute=True),
        ):
            r = self.client.post(f"{self.url}check/")
        self.assertRedirects(r, self.url, fetch_redirect_response=False)
        run = CheckRun.objects.get()
        self.assertEqual(run.status, "pending")
        apply_async.assert_called_once_with(args=[str(run.code)], queue="probes")

    def test_concurrent_requests_share_one_run(self) -> None:
        self.client.force_login(self.alice)
        with mock.patch("mailsec.domains.tasks.enqueue_run"):
            self.client.post(f"{self.url}check/")
            r = self.client.post(f"{self.url}check/", headers={"HX-Request": "true"})
        self.assertEqual(CheckRun.objects.count(), 1)
        run = CheckRun.objects.get()
        self.assertContains(r, f"/runs/{run.code}/progress/")
        self.assertContains(r, 'hx-trigger="every 2s"')

    def test_it_is_rate_limited(self) -> None:
        self.client.force_login(self.alice)
        with mock.patch("mailsec.domains.tasks.enqueue_run"):
            self.client.post(f"{self.url}check/")
            CheckRun.objects.update(status="done")
            r = self.client.post(f"{self.url}check/", follow=True)
        self.assertContains(r, "checked a moment ago")
        self.assertEqual(CheckRun.objects.count(), 1)

    def test_a_refusal_to_htmx_is_the_progress_fragment(self) -> None:
        """htmx swaps the answer into #progress-slot: a redirect there nested a whole page."""
        self.client.force_login(self.alice)
        htmx = {"HX-Request": "true", "HX-Current-URL": f"http://testserver{self.url}"}
        with mock.patch("mailsec.domains.tasks.enqueue_run"):
            self.client.post(f"{self.url}check/", headers=htmx)
            CheckRun.objects.update(status="done")
            r = self.client.post(f"{self.url}check/", headers=htmx)
        self.assertEqual(r.status_code, 200)  # htmx swaps only a 2xx
        self.assertContains(r, 'id="progress"')
        self.assertContains(r, "checked a moment ago")
        self.assertNotContains(r, "<html")
        self.assertNotContains(r, "hx-trigger")
        self.assertEqual(CheckRun.objects.count(), 1)
        # Said here, not once more on the next page.
        self.assertNotContains(self.client.get(self.url), "checked a moment ago")

    def test_the_limit_per_person_says_so(self) -> None:
        self.client.force_login(self.alice)
        htmx = {"HX-Request": "true"}
        with mock.patch("mailsec.domains.views._over_limit", side_effect=[False, True]):
            r = self.client.post(f"{self.url}check/", headers=htmx)
        self.assertContains(r, "many checks in the last hour")
        self.assertFalse(CheckRun.objects.exists())

    def test_unverified_domains_are_not_checked(self) -> None:
        Domain.objects.filter(pk=self.domain.pk).update(verified_at=None)
        self.client.force_login(self.alice)
        self.client.post(f"{self.url}check/")
        r = self.client.post(f"{self.url}check/", headers={"HX-Request": "true"})
        self.assertContains(r, "Verify the domain first")
        self.assertNotContains(r, "<html")
        self.assertFalse(CheckRun.objects.exists())

    def test_a_signed_out_htmx_request_goes_to_the_login_page(self) -> None:
        """An expired session: htmx would follow a 302 and swap the login page into the slot."""
        from urllib.parse import quote

        from django.urls import reverse

        login = reverse("account_login")
        r = self.client.post(
            f"{self.url}check/",
            headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver{self.url}"},
        )
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r["HX-Redirect"], f"{login}?next={quote(self.url)}")
        self.assertNotIn("Location", r)
        # Another site's page is never where the login sends people back to.
        r = self.client.post(
            f"{self.url}check/",
            headers={"HX-Request": "true", "HX-Current-URL": "https://evil.example/x"},
        )
        self.assertEqual(r["HX-Redirect"], f"{login}?next=/")
        # A plain request still gets the plain redirect.
        r = self.client.post(f"{self.url}check/")
        self.assertEqual(r.status_code, 302)
        self.assertTrue(r["Location"].startswith(login))
        self.assertFalse(CheckRun.objects.exists())

    def test_it_checks_ownership(self) -> None:
        self.client.force_login(self.charlie)
        self.assertEqual(self.client.post(f"{self.url}check/").status_code, 404)
        self.assertFalse(CheckRun.objects.exists())


class ProgressTestCase(DomainTestCase):
    def test_it_polls_only_while_pending(self) -> None:
        run = CheckRun.objects.create(
            domain=self.domain, status="running", mechanisms={"mx": "pass"}
        )
        url = f"{self.url}runs/{run.code}/progress/"
        self.client.force_login(self.bob)
        r = self.client.get(url, headers={"HX-Request": "true"})
        self.assertContains(r, "hx-trigger")
        self.assertContains(r, "1 of 10")
        run.status = "done"
        run.save()
        r = self.client.get(url, headers={"HX-Request": "true"})
        self.assertNotContains(r, "hx-trigger")
        self.assertEqual(r["HX-Refresh"], "true")

    def test_it_names_mechanisms_as_people_read_them(self) -> None:
        run = CheckRun.objects.create(
            domain=self.domain, status="running", mechanisms={"smtp": "pass", "tls-rpt": "info"}
        )
        self.client.force_login(self.bob)
        r = self.client.get(f"{self.url}runs/{run.code}/progress/", headers={"HX-Request": "true"})
        self.assertContains(r, "STARTTLS on the MX hosts: Good")
        self.assertContains(r, "TLS reporting (TLS-RPT): Note")
        self.assertNotContains(r, "tls-rpt:")
        # The page shows the active run's progress the same way.
        self.assertContains(self.client.get(self.url), "STARTTLS on the MX hosts: Good")

    def test_polling_stops_when_the_domain_is_removed(self) -> None:
        """A 404 leaves htmx polling every 2 s for as long as the page is open; 286 stops it."""
        run = CheckRun.objects.create(domain=self.domain)
        url = f"{self.url}runs/{run.code}/progress/"
        self.client.force_login(self.bob)
        self.client.post(f"{self.url}remove/")  # bob removes it while alice's page polls
        self.client.force_login(self.alice)
        r = self.client.get(url, headers={"HX-Request": "true"})
        self.assertEqual(r.status_code, 286)
        self.assertContains(r, "no longer available", status_code=286)
        self.assertContains(r, 'id="progress"', status_code=286)
        self.assertNotContains(r, "hx-trigger", status_code=286)
        self.assertEqual(self.client.get(url).status_code, 404)  # not htmx: a plain 404

    def test_a_signed_out_poll_goes_to_the_login_page(self) -> None:
        run = CheckRun.objects.create(domain=self.domain)
        r = self.client.get(
            f"{self.url}runs/{run.code}/progress/",
            headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver{self.url}"},
        )
        self.assertEqual(r.status_code, 200)
        self.assertIn(f"next=/domains/{self.domain.code}/", r["HX-Redirect"])
        self.assertEqual(r.content, b"")

    def test_it_checks_ownership(self) -> None:
        run = CheckRun.objects.create(domain=self.domain, status="running")
        url = f"{self.url}runs/{run.code}/progress/"
        self.client.force_login(self.charlie)
        self.assertEqual(self.client.get(url).status_code, 404)
        # To htmx, what a removed domain gets: nothing of the run, whether it exists or not.
        r = self.client.get(url, headers={"HX-Request": "true"})
        self.assertEqual(r.status_code, 286)
        self.assertNotContains(r, "example.org", status_code=286)
        gone = self.client.get(
            f"{self.url}runs/{self.domain.code}/progress/", headers={"HX-Request": "true"}
        )
        self.assertEqual(gone.content, r.content)


class CompareTestCase(DomainTestCase):
    def test_the_latest_changes_name_a_finding_whose_status_changed(self) -> None:
        # smtp stays "fail" (mx1), while mx2's certificate goes from valid to expired.
        mx1 = {"id": "SMTP-10", "status": "fail", "mechanism": "smtp", "subject": "mx1"}
        mx2 = {"id": "SMTP-10", "status": "pass", "mechanism": "smtp", "subject": "mx2"}
        mx1["summary"], mx2["summary"] = "mx1 expired.", "mx2 valid."
        broken = {**mx2, "status": "fail", "summary": "mx2 expired on 2026-11-01."}
        finished_run(self.domain, days_ago=1, mechanisms={"smtp": "fail"}, findings=[mx1, mx2])
        run = finished_run(self.domain, mechanisms={"smtp": "fail"}, findings=[mx1, broken])
        self.domain.set_last_run(run)
        self.client.force_login(self.bob)
        r = self.client.get(self.url)
        self.assertContains(r, "Changed since the check before")
        self.assertContains(r, '<span class="muted">changed:</span> mx2 expired on 2026-11-01.')

    def test_it_shows_what_changed(self) -> None:
        a = finished_run(self.domain, days_ago=2)
        b = finished_run(
            self.domain,
            mechanisms={"mx": "pass", "spf": "warn"},
            findings=[
                {"id": "MX-01", "status": "pass", "mechanism": "mx", "summary": "MX ok"},
                {"id": "SPF-03", "status": "warn", "mechanism": "spf", "summary": "SPF ~all"},
            ],
            score_version=2,
        )
        self.client.force_login(self.alice)
        # the order of the two runs doesn't matter
        r = self.client.get(f"{self.url}compare/?from={b.code}&to={a.code}")
        self.assertContains(r, "SPF ~all")
        self.assertContains(r, "rubric changed")
        self.assertNotContains(r, "MX ok")

    def test_it_checks_ownership(self) -> None:
        run = finished_run(self.domain)
        self.client.force_login(self.charlie)
        self.assertEqual(self.client.get(f"{self.url}compare/").status_code, 404)
        other = Domain.objects.create(team=self.charlies_team, name="charlie.example")
        theirs = finished_run(other)
        self.client.force_login(self.alice)
        r = self.client.get(f"{self.url}compare/?from={theirs.code}&to={run.code}")
        self.assertEqual(r.status_code, 404)


class ChangesTestCase(DomainTestCase):
    def test_changes_since(self) -> None:
        a = finished_run(self.domain, days_ago=1)
        b = finished_run(
            self.domain,
            mechanisms={"mx": "pass", "spf": "fail", "dmarc": "pass"},
            findings=[
                {"id": "MX-01", "status": "pass", "mechanism": "mx", "summary": "MX ok"},
                {"id": "SPF-03", "status": "fail", "mechanism": "spf", "summary": "SPF bad"},
                {"id": "DMARC-02", "status": "pass", "mechanism": "dmarc", "summary": "ok"},
            ],
        )
        self.assertEqual(b.previous(), a)
        changes = {c.mechanism: c for c in b.changes_since(a)}
        self.assertEqual(set(changes), {"spf", "dmarc"})
        self.assertTrue(changes["spf"].worse)
        self.assertEqual(len(changes["spf"].changed), 1)
        self.assertEqual([c.mechanism for c in b.regressions_since(a)], ["spf"])
        self.assertEqual(b.changes_since(None), [])
