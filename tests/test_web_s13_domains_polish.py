"""Domain pages and the free check, as a browser walk-through and a security review found them:
a check that could not be made read as a clean result; the list and the export sorted
customer10 before customer2 and bücher.de by its xn-- form; a bulk add's "on its page" was no
link; a failed Verify said its reason twice; the hosting page's `_smtp._tls` row gave no
reason; the free check parsed and echoed megabytes of input; the home page's form did not say
the visitor's allowance."""

from __future__ import annotations

import csv
import io
import os
import re
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

from django.db import connection
from django.test import Client, RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from checks.config import CheckConfig
from checks.domainname import MAX_INPUT_CHARS, DomainNameError, to_ascii_domain
from checks.engine import check_domain_sync
from mailsec.domains import listing
from mailsec.domains.models import CheckRun, Domain, display_name
from mailsec.domains.templatetags.domains import ago
from mailsec.freecheck import ratelimit
from mailsec.freecheck.models import no_score_reason
from tests.conftest import BaseTestCase
from tests.test_domains import LOCMEM, stub_dns
from tests.test_hosting import HostingCase

ADD_MANY = "/domains/add-many/"


def page(domain: Domain) -> str:
    return reverse("domains:details", args=[domain.code])


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@contextmanager
def silent_resolver() -> Iterator[str]:
    """A UDP socket bound on loopback that never answers: every query to it times out."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    try:
        yield f"127.0.0.1:{sock.getsockname()[1]}"
    finally:
        sock.close()


def unreachable_report(name: str) -> dict[str, Any]:
    """A real engine run whose every lookup fails (MAILSEC_RESOLVER pointing at nothing: a
    loopback port just closed, which refuses at once rather than making the test wait out
    each timeout)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    config = CheckConfig(resolvers=(("127.0.0.1", port),), timeout=0.3)
    return check_domain_sync(name, config).to_dict()


def store(domain: Domain, report: dict[str, Any]) -> CheckRun:
    """The report stored as run_check stores it (CheckRun.finish)."""
    run = CheckRun.objects.create(domain=domain, status=CheckRun.Status.RUNNING)
    assert run.finish(report)
    domain.refresh_from_db()
    return run


@override_settings(CACHES=LOCMEM)
class NoScoreTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.report = unreachable_report("example.org")

    def setUp(self) -> None:
        super().setUp()
        self.domain = Domain.objects.create(
            team=self.team, name="example.org", verified_at=timezone.now()
        )
        self.client.force_login(self.alice)

    def test_it_says_none_of_the_checks_could_be_made_on_the_page(self) -> None:
        assert self.report["score"] is None and self.report["score_detail"]["not_checked"]
        run = store(self.domain, self.report)
        text = text_of(self.client.get(page(self.domain)).content.decode())
        # The domain page says when it is checked again by itself (task s34q), not to check
        # again in a few minutes as the free check does.
        expected = no_score_reason(run.score_detail, receives_no_mail=False, check_again=False)
        assert "none of the scored checks could be made" in expected
        assert expected in text
        assert "says nothing bad about the domain" in text
        assert "It is checked again automatically at" in text
        assert "Nothing cost points" not in text
        assert "/ 100" not in text

    def test_the_list_says_the_same_state_in_words(self) -> None:
        store(self.domain, self.report)
        html = self.client.get("/domains/").content.decode()
        row = html[html.index(f">{self.domain.display_name}</a>") :]
        row = row[: row.index("</tr>")]
        assert ">n/a</span>" in row
        assert "could not be checked" in text_of(row)
        assert "None of the scored checks could be made" in row  # the title

    def test_a_scored_run_still_says_nothing_cost_points(self) -> None:
        detail = {
            "categories": {"spf": {"weight": 10, "counted": True, "lost": 0, "reason": "good"}},
            "not_checked": [],
        }
        store(self.domain, {"score": 100, "score_detail": detail, "findings": []})
        text = text_of(self.client.get(page(self.domain)).content.decode())
        assert "Nothing cost points." in text
        assert "No score" not in text

    def test_it_names_no_rubric_before_the_first_check(self) -> None:
        text = text_of(self.client.get(page(self.domain)).content.decode())
        assert "Not checked yet." in text
        assert "scoring rubric" not in text
        store(self.domain, self.report)
        text = text_of(self.client.get(page(self.domain)).content.decode())
        assert f"scoring rubric v{self.report['score_version']}" in text

    def test_it_checks_ownership(self) -> None:
        store(self.domain, self.report)
        self.client.force_login(self.bob)
        assert self.client.get(page(self.domain)).status_code == 200
        self.client.force_login(self.charlie)
        assert self.client.get(page(self.domain)).status_code == 404


NAMES = [
    "customer1.example",
    "customer10.example",
    "customer19.example",
    "customer2.example",
    "www.example.net",
    "xn--bcher-kva.de",
    "Apple.example",
]


def natural(names: list[str]) -> list[str]:
    """The order a person expects, worked out independently of the code under test: by the
    shown name, case-folded, every digit run as a number."""

    def key(name: str) -> list[Any]:
        shown = display_name(name.lower()).casefold()
        return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", shown)]

    return [display_name(n.lower()) for n in sorted(names, key=key)]


@override_settings(CACHES=LOCMEM)
class NaturalOrderTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        for name in NAMES:
            Domain.objects.create(team=self.team, name=name.lower())
        self.client.force_login(self.alice)

    def test_the_list_sorts_by_the_shown_name_with_numbers_as_numbers(self) -> None:
        html = self.client.get("/domains/").content.decode()
        shown = re.findall(r'<th scope="row"><a href="/domains/[^"]+/">([^<]+)</a>', html)
        assert shown == natural(NAMES)
        assert shown.index("customer2.example") < shown.index("customer10.example")
        assert shown.index("bücher.de") < shown.index("customer1.example")

    def test_the_export_sorts_as_the_list_does(self) -> None:
        r = self.client.get("/domains/export.csv")
        text = b"".join(r.streaming_content).decode("utf-8-sig")
        shown = [row["domain"] for row in csv.DictReader(io.StringIO(text))]
        assert shown == natural(NAMES)

    def test_pages_follow_the_order_and_the_queries_stay_constant(self) -> None:
        for n in range(60):
            Domain.objects.create(team=self.team, name=f"bulk{n}.example")
        everything = natural([*NAMES, *(f"bulk{n}.example" for n in range(60))])
        _, first = listing.page_of_rows(self.team, "1")
        _, second = listing.page_of_rows(self.team, "2")
        assert [row.name for row in first + second] == everything
        with CaptureQueriesContext(connection) as few:
            listing.page_of_rows(self.team, "1")
        for n in range(60, 120):
            Domain.objects.create(team=self.team, name=f"bulk{n}.example")
        with CaptureQueriesContext(connection) as many:
            listing.page_of_rows(self.team, "1")
        assert len(many) == len(few)


@override_settings(CACHES=LOCMEM)
class BulkAddLinkTestCase(BaseTestCase):
    def test_a_name_already_in_the_team_links_to_its_page(self) -> None:
        waiting = Domain.objects.create(team=self.team, name="waiting.example.org")
        proved = Domain.objects.create(
            team=self.team, name="proved.example.org", verified_at=timezone.now()
        )
        self.client.force_login(self.bob)
        r = self.client.post(ADD_MANY, {"names": "waiting.example.org\nproved.example.org"})
        html = r.content.decode()
        for domain, words in ((waiting, "Not verified yet"), (proved, "Verified")):
            cell = html[html.index(words) :]
            cell = cell[: cell.index("</td>")]
            assert f'<a href="{page(domain)}">its page</a>' in cell, words


@override_settings(CACHES=LOCMEM)
class VerifyOnceTestCase(BaseTestCase):
    def test_a_failed_lookup_is_said_once_beside_the_record(self) -> None:
        domain = Domain.objects.create(team=self.team, name="example.org")
        self.client.force_login(self.alice)
        with stub_dns({}) as address, mock.patch.dict(os.environ, {"MAILSEC_RESOLVER": address}):
            r = self.client.post(reverse("domains:verify", args=[domain.code]), follow=True)
        domain.refresh_from_db()
        assert domain.verify_error
        html = r.content.decode()
        assert html.count(str(domain.verify_error)) == 1
        record = html[html.index('id="challenge-value"') :]
        assert str(domain.verify_error) in record

    def test_it_checks_ownership(self) -> None:
        domain = Domain.objects.create(team=self.team, name="example.org")
        self.client.force_login(self.charlie)
        r = self.client.post(reverse("domains:verify", args=[domain.code]))
        assert r.status_code == 404


class HostingTlsrptReasonTestCase(HostingCase):
    def test_the_tlsrpt_row_says_why_it_could_not_be_looked_up(self) -> None:
        self.host()
        self.client.force_login(self.alice)
        url = reverse("hosting:records", args=[self.domain.code])
        with silent_resolver() as address:
            env = {"MAILSEC_RESOLVER": address, "MAILSEC_CHECK_TIMEOUT": "0.3"}
            with mock.patch.dict(os.environ, env):
                html = self.client.get(url).content.decode()
        rows = {}
        for name in ("_mta-sts.example.org", "_smtp._tls.example.org"):
            row = html[html.index(f">{name}</code>") :]
            rows[name] = text_of(row[: row.index("</tr>")])
        reason = re.search(
            r"could not look up _mta-sts\.example\.org: (\S+)", rows["_mta-sts.example.org"]
        )
        assert reason, rows["_mta-sts.example.org"]
        # The same kind of reason (TIMEOUT, SERVFAIL…) as the _mta-sts row gives.
        assert (
            f"could not look up _smtp._tls.example.org: {reason.group(1)}"
            in rows["_smtp._tls.example.org"]
        )

    def test_it_checks_ownership(self) -> None:
        self.host()
        self.client.force_login(self.charlie)
        url = reverse("hosting:records", args=[self.domain.code])
        assert self.client.get(url).status_code == 404


class LongInputTestCase(BaseTestCase):
    def test_the_name_parser_refuses_long_input_at_once_and_quotes_little(self) -> None:
        text = "a" * 2_000_000
        started = time.monotonic()
        with self.assertRaises(DomainNameError) as caught:
            to_ascii_domain(text)
        assert time.monotonic() - started < 0.5
        assert len(str(caught.exception)) < 300
        # Just over the cap is refused too; at the cap a URL is still read.
        with self.assertRaises(DomainNameError):
            to_ascii_domain("x" * (MAX_INPUT_CHARS + 1))
        url = "https://example.com/?" + "q" * (MAX_INPUT_CHARS - 30)
        assert to_ascii_domain(url) == "example.com"

    def test_the_free_check_neither_echoes_nor_parses_megabytes(self) -> None:
        text = "a" * 2_400_000
        started = time.monotonic()
        r = Client().post("/check", {"domain": text})
        assert time.monotonic() - started < 2
        assert r.status_code == 400
        assert len(r.content) < 100_000
        assert "a" * 100 not in r.content.decode()

    @override_settings(MAILSEC_FREE_CHECK_RATE=3)
    def test_over_long_posts_meet_the_client_limit(self) -> None:
        client = Client()
        codes = [client.post("/check", {"domain": "a" * 5000}).status_code for _ in range(5)]
        assert codes[:3] == [400, 400, 400]
        assert codes[3:] == [429, 429]
        api = client.get("/api/v1/check", {"domain": "a" * 5000})
        assert api.status_code == 429

    def test_the_api_refuses_long_input_briefly(self) -> None:
        r = Client().get("/api/v1/check", {"domain": "b" * 5000})
        assert r.status_code == 400
        assert len(r.json()["error"]) < 300

    def test_a_long_single_label_is_too_long_on_both_forms(self) -> None:
        label = "a" * 300
        free = text_of(Client().post("/check", {"domain": label}).content.decode())
        self.client.force_login(self.alice)
        added = text_of(self.client.post("/domains/add/", {"name": label}).content.decode())
        for text in (free, added):
            assert "characters long" in text
            assert "not a registrable domain name" not in text
            assert label not in text
        with self.assertRaises(DomainNameError) as caught:
            to_ascii_domain(label)
        assert str(caught.exception) in free

    @override_settings(MAILSEC_FREE_CHECK_DOMAIN_RATE=1)
    def test_the_domain_limit_says_once_not_1_times(self) -> None:
        ratelimit.check_domain("example.org")
        with self.assertRaises(ratelimit.RateLimited) as caught:
            ratelimit.check_domain("example.org")
        assert "checked once in" in caught.exception.message
        assert "1 times" not in caught.exception.message


class HomeAllowanceTestCase(BaseTestCase):
    def test_the_home_form_says_the_allowance_as_check_does(self) -> None:
        client = Client()
        # One check counted against this visitor (the test client's address), as /check does.
        visitor = ratelimit.client_hash(RequestFactory().get("/", REMOTE_ADDR="127.0.0.1"))
        ratelimit.check_client(visitor)
        home = client.get("/").content.decode()
        check = client.get("/check").content.decode()

        def allowance(html: str) -> str:
            found = re.search(r'<p id="fc-allowance".*?</p>', html, re.S)
            assert found, "no allowance paragraph"
            return text_of(found.group(0))

        assert "free checks left" in allowance(check) or "free check left" in allowance(check)
        assert allowance(home) == allowance(check)


def test_ago_says_just_now_under_a_minute() -> None:
    now = timezone.now()
    assert ago(now - timezone.timedelta(seconds=20), now) == "just now"
    assert ago(now - timezone.timedelta(minutes=3), now) == "3\xa0minutes ago"
