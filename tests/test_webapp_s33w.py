"""s33w: webapp leftovers of s32w.

1. A verified domain never checked, its first check due, read "its first check starts within
   a minute" on the list, also when the probes queue was full: the beat then leaves due
   domains due (tasks.queue_room) and the minute passes with nothing started. The row says
   the check is queued and starts when a checker is free, a promise the queue keeps.
2. Removing a domain whose hosted MTA-STS policy outlives it said until when we serve mode
   none in UTC (its Remove confirmation, the message after it, the team's deletion page),
   where every other page says times in the reader's zone (Profile.time_zone).
3. No way to copy all the records a domain still needs at once (an MSP sets up many): the
   domain page's "Records to publish" lists them as zone-file lines with "Copy all records",
   and names each record left out with why (fixparts.records_to_publish).
4. A value the owner fills in ("<the public key>") was text in its copy box, copied and
   pasted into DNS as it was: it is a field, and Copy waits for it.
   tests/test_browser_s33w.py drives both in chromium.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.utils import timezone

from checks.dns import quote_txt
from mailsec.accounts.models import Profile, Team
from mailsec.domains import tasks
from mailsec.domains.fixparts import fix_parts, records_to_publish
from mailsec.domains.models import CheckRun, Domain
from mailsec.domains.views import PAGE_SHOWN_FOR
from mailsec.hosting.models import HostedPolicy
from tests.conftest import BaseTestCase
from tests.test_hosting import HostingCase
from tests.test_webapp_s32w import run_of, worst_cell

BERLIN = ZoneInfo("Europe/Berlin")


def until_in_berlin(moment: datetime) -> str:
    """ "until <moment>" as pages say it in Berlin (s44a: "6 Dec 2026, 09:06 (Europe/Berlin)")."""
    here = moment.astimezone(BERLIN)
    return f"until {here.day} {here:%b %Y, %H:%M} (Europe/Berlin)"


class FirstCheckWithAFullQueueTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.client.force_login(self.alice)
        now = timezone.now()
        self.domain = Domain.objects.create(
            team=self.team, name="new.example.com", verified_at=now, next_check_at=now
        )

    def test_a_due_first_check_makes_no_promise_the_full_queue_breaks(self) -> None:
        # The probes queue is full: other teams' checks wait in it.
        others = Domain.objects.create(team=self.charlies_team, name="busy.example.net")
        for _ in range(tasks.MIN_QUEUED_CHECKS):
            CheckRun.objects.create(domain=others)
        self.assertEqual(tasks.tick.apply().get(), 0)  # nothing claimed: no room
        self.domain.refresh_from_db()
        assert self.domain.next_check_at is not None
        self.assertLessEqual(self.domain.next_check_at, timezone.now())  # still due
        cell = worst_cell(self.client.get("/domains/").content.decode(), "new.example.com")
        self.assertIn("Not checked yet", cell)
        self.assertNotIn("within a minute", cell)
        self.assertIn("its first check is queued: it starts when a checker is free", cell)


class DeletionDatesInTheOwnersZoneTestCase(HostingCase):
    """alice reads times in Berlin, an hour ahead of UTC in December."""

    def setUp(self) -> None:
        super().setUp()
        cache.clear()  # the zone is kept in the cache per person
        Profile.objects.filter(user=self.alice).update(time_zone="Europe/Berlin")
        self.client.force_login(self.alice)
        with published():
            self.policy = self.host(["mx1.example.org"], mode="enforce", max_age=86400)

    def page(self, url: str) -> tuple[str, set[str]]:
        """The page at `url`, unescaped, and the "until" it may say in Berlin: the domain
        page says the latest date within the hour it is cached for (PAGE_SHOWN_FOR), the
        team's deletion page and the message after Remove the date from now; read before
        and after the request, in case the minute turns meanwhile."""
        ends = set()
        for shown_for in (timedelta(0), PAGE_SHOWN_FOR):
            ends.add(self.policy.retirement_end(timezone.now() + shown_for))
        page = html.unescape(self.client.get(url, follow=True).content.decode())
        for shown_for in (timedelta(0), PAGE_SHOWN_FOR):
            ends.add(self.policy.retirement_end(timezone.now() + shown_for))
        return page, {until_in_berlin(e) for e in ends}

    def assert_said_in_berlin(self, text: str, expected: set[str]) -> None:
        notice = text.split("mailsec keeps serving mode: none at mta-sts.example.org ", 1)[1]
        self.assertTrue(any(notice.startswith(e) for e in expected), notice[:60])
        self.assertNotIn(" UTC so senders", text)

    def test_the_domain_page_and_its_remove_confirmation_say_the_owners_zone(self) -> None:
        page, expected = self.page(f"/domains/{self.domain.code}/")
        self.assert_said_in_berlin(page.split('id="remove-title"', 1)[1], expected)
        # The question asked before Remove (data-confirm) says the same.
        self.assert_said_in_berlin(page.split('data-confirm="', 1)[1].split('"', 1)[0], expected)

    def test_the_message_after_remove_says_the_owners_zone(self) -> None:
        with published():
            r = self.client.post(f"/domains/{self.domain.code}/remove/", follow=True)
        page = html.unescape(r.content.decode())
        policy = HostedPolicy.objects.get()
        assert policy.release_at is not None
        expected = {until_in_berlin(policy.release_at)}
        self.assert_said_in_berlin(page, expected)

    def test_the_team_deletion_page_says_the_owners_zone(self) -> None:
        Team.create_for(self.alice)  # a second team: this one may be deleted
        page, expected = self.page(f"/team/{self.team.code}/delete/")
        self.assert_said_in_berlin(page.split('id="what-goes"', 1)[1], expected)

    def test_a_reader_on_utc_still_reads_utc(self) -> None:
        Profile.objects.filter(user=self.alice).update(time_zone="UTC")
        cache.clear()
        page, _ = self.page(f"/domains/{self.domain.code}/")
        self.assertIn(" UTC so senders", page)
        self.assertNotIn("(UTC)", page)


@contextmanager
def published() -> Iterator[None]:
    """Our zone's records are not written (tests.test_hosting.DeleteTestCase.zone)."""
    from mailsec.hosting.zone import PolicyZone

    with mock.patch.object(PolicyZone, "publish"), mock.patch.object(PolicyZone, "withdraw"):
        yield


# Item 3: the records a domain still needs, in one Copy. Findings a check might make of
# shop.example.com, each fix as the engine writes it (checks.dns.txt_fix and the TLSA lines).
TLSA_1 = "3 1 1 " + "AB" * 32
TLSA_2 = "3 1 1 " + "CD" * 32
STILL_TO_FIX = [
    ("spf", "SPF-09", "warn", 'shop.example.com. TXT "v=spf1 mx -all"'),
    # Two DMARC fixes, each mending its own finding: two records for one name.
    ("dmarc", "DMARC-06", "warn", '_dmarc.shop.example.com. TXT "v=DMARC1; p=quarantine"'),
    ("dmarc", "DMARC-08", "warn", '_dmarc.shop.example.com. TXT "v=DMARC1; p=none"'),
    # Addresses at another domain are authorised in that domain's zone.
    (
        "dmarc",
        "DMARC-13",
        "fail",
        'shop.example.com._report._dmarc.elsewhere.example. TXT "v=DMARC1"',
    ),
    (
        "dkim",
        "DKIM-04",
        "fail",
        'sel._domainkey.shop.example.com. TXT "v=DKIM1; p=<the public key>"',
    ),
    (
        "mta-sts",
        "MTASTS-04",
        "fail",
        'Delete this record (keep the valid one):\n_mta-sts.shop.example.com. TXT "v=STSv1; id=x"',
    ),
    (
        "dane",
        "DANE-04",
        "fail",
        f"_25._tcp.mx1.shop.example.com. IN TLSA {TLSA_1}\n_25._tcp.mx1.shop.example.com. IN TLSA {TLSA_2}",
    ),
    # A note with a record, in a mechanism that is deployed: advice, not a record missing.
    ("spf", "SPF-17", "info", 'mx1.shop.example.com. TXT "v=spf1 a -all"'),
]
# SPF-09's record is not among them: f01's SPF-01 found an SPF record published, which it
# replaces (task s33x: "Replace these records", tests/test_webapp_s33x.py).
ALL_RECORDS = "\n".join(
    [
        f"_25._tcp.mx1.shop.example.com. TLSA {TLSA_1}",
        f"_25._tcp.mx1.shop.example.com. TLSA {TLSA_2}",
    ]
)


def still_to_fix(name: str, findings: list[dict[str, Any]]) -> None:
    for mechanism, check_id, status, fix in STILL_TO_FIX:
        findings.append(
            {
                "id": check_id,
                "status": status,
                "mechanism": mechanism,
                "summary": f"{check_id} found something",
                "subject": "",
                "evidence": {},
                "fix": fix.replace("shop.example.com", name),
            }
        )


def records_card(page: str) -> str:
    if 'id="records-title"' not in page:
        return ""
    return page.split('id="records-title"', 1)[1].split("</section>", 1)[0]


class CopyAllRecordsTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.client.force_login(self.alice)
        self.domain = Domain.objects.create(team=self.team, name="shop.example.com")

    def page(self, query: str = "") -> str:
        url = f"/domains/{self.domain.code}/{query}"
        return html.unescape(self.client.get(url).content.decode())

    def test_the_domain_page_offers_the_records_still_missing_as_zone_file_lines(self) -> None:
        run_of(self.domain, 0, still_to_fix)
        card = records_card(self.page())
        self.assertIn(
            'data-copy-target="all-records" aria-label="Copy all records">Copy all records</button>',
            card,
        )
        copied = card.split('<pre class="record" id="all-records">', 1)[1].split("</pre>", 1)[0]
        self.assertEqual(copied.strip(), ALL_RECORDS)
        left_out = card.split('id="records-left-out">', 1)[1]
        for where, why in [
            ("_dmarc.shop.example.com (TXT)", "the fixes suggest different records for it"),
            (
                "shop.example.com._report._dmarc.elsewhere.example (TXT)",
                "it is in another domain's zone",
            ),
            ("sel._domainkey.shop.example.com (TXT)", "it has a value to fill in"),
            ("_mta-sts.shop.example.com (TXT)", "its fix has steps besides the record"),
        ]:
            self.assertIn(f"<code>{where}</code>: {why}", left_out)
        self.assertNotIn("mx1.shop.example.com (TXT)", card)  # SPF-17's advice

    def test_a_domain_with_nothing_to_publish_has_no_card(self) -> None:
        run_of(self.domain)  # f01: well configured
        self.assertEqual(records_card(self.page()), "")
        self.assertNotIn("Copy all records", self.page())

    def test_a_past_run_shows_no_records_to_publish(self) -> None:
        past = run_of(self.domain, 2, still_to_fix)
        run_of(self.domain, 0, still_to_fix)
        self.assertIn("Copy all records", self.page())
        self.assertNotIn("Copy all records", self.page(f"?run={past.code}"))
        self.assertIn("Copy all records", self.page(f"?run={self.domain.last_run.code}"))

    def test_our_tls_reporting_address_is_the_one_copied(self) -> None:
        from reports.models import ReportAddress

        def no_tlsrpt(name: str, findings: list[dict[str, Any]]) -> None:
            findings[:] = [f for f in findings if f["mechanism"] != "tls-rpt"]
            findings.append(
                {
                    "id": "TLSRPT-01",
                    "status": "info",
                    "mechanism": "tls-rpt",
                    "summary": "No TLS-RPT record",
                    "subject": "",
                    "evidence": {},
                    "fix": f'_smtp._tls.{name}. TXT "v=TLSRPTv1; rua=mailto:tls-reports@{name}"',
                }
            )

        address = ReportAddress.for_domain(self.domain)
        run_of(self.domain, 0, no_tlsrpt)
        card = records_card(self.page())
        self.assertIn(f'_smtp._tls.shop.example.com. TXT "{address.rua_record()}"', card)
        self.assertIn(address.mailto, card)
        self.assertNotIn("tls-reports@shop.example.com", card)


def test_one_record_asked_for_by_two_fixes_is_copied_once() -> None:
    spf = 'shop.example.com. TXT "v=spf1 mx -all"'
    found = records_to_publish([spf, spf], "shop.example.com")
    assert found.lines == [spf] and found.left_out == []


def test_records_of_different_kinds_at_one_name_are_all_copied() -> None:
    fixes = [
        'shop.example.com. TXT "v=spf1 mx -all"',
        'shop.example.com. TXT "google-site-verification=abc"',
        f"_25._tcp.mx1.shop.example.com. 3600 IN TLSA {TLSA_1}",
    ]
    assert records_to_publish(fixes, "Shop.Example.com.").lines == [
        'shop.example.com. TXT "v=spf1 mx -all"',
        'shop.example.com. TXT "google-site-verification=abc"',
        f"_25._tcp.mx1.shop.example.com. TLSA {TLSA_1}",
    ]


def test_a_record_its_fix_orders_after_a_file_waits_for_the_file() -> None:
    fix = (
        "1. Serve this file at https://mta-sts.shop.example.com/.well-known/mta-sts.txt:\n"
        "version: STSv1\nmode: testing\nmx: mx1.shop.example.com\nmax_age: 604800\n"
        "2. Then, once that file is served, change the id in the record:\n"
        '_mta-sts.shop.example.com. TXT "v=STSv1; id=20261203T145307"'
    )
    found = records_to_publish([fix], "shop.example.com")
    assert found.lines == []
    assert found.left_out == [
        ("_mta-sts.shop.example.com (TXT)", "publish it once its policy file is served")
    ]


def test_a_long_txt_record_keeps_its_strings() -> None:
    value = "v=DKIM1; k=rsa; p=" + "A" * 400
    fix = f"sel._domainkey.shop.example.com. TXT {quote_txt(value)}"
    [line] = records_to_publish([fix], "shop.example.com").lines
    assert line == f"sel._domainkey.shop.example.com. TXT {quote_txt(value)}"
    assert line.count('" "') == 1  # two strings of at most 255 octets (RFC 1035 §3.3.14)


# Item 4: a value the owner fills in ("<the public key>") is a field in its box, not text.
def test_a_placeholder_is_cut_out_of_its_box() -> None:
    [record] = fix_parts('sel._domainkey.shop.example.com. TXT "v=DKIM1; t=s; p=<the public key>"')
    assert record.pieces == [(False, "v=DKIM1; t=s; p="), (True, "<the public key>")]
    assert record.placeholders == ["<the public key>"]
    [file] = fix_parts("version: STSv1\nmode: testing\nmx: <MX host>\nmax_age: 604800")
    assert file.pieces == [
        (False, "version: STSv1\nmode: testing\nmx: "),
        (True, "<MX host>"),
        (False, "\nmax_age: 604800"),
    ]
    [plain] = fix_parts('shop.example.com. TXT "v=spf1 mx -all"')
    assert plain.pieces == [(False, "v=spf1 mx -all")] and plain.placeholders == []


class PlaceholderBoxTestCase(BaseTestCase):
    def test_the_box_has_a_field_for_the_placeholder_and_says_to_fill_it_in(self) -> None:
        self.client.force_login(self.alice)
        domain = Domain.objects.create(team=self.team, name="shop.example.com")
        run_of(domain, 0, still_to_fix)
        page = self.client.get(f"/domains/{domain.code}/").content.decode()
        box = page.split("TXT record at <code>sel._domainkey.shop.example.com</code>", 1)[1]
        box = box.split("</pre>", 1)[0]
        self.assertIn("Fill in <code>&lt;the public key&gt;</code> in the box first", box)
        pre = box.split("<pre", 1)[1]
        self.assertIn('<input type="text" class="fill-in" data-fill="&lt;the public key&gt;"', pre)
        self.assertIn('aria-label="the public key"', pre)
        # Not as text, where Copy would take it.
        self.assertNotIn(">&lt;the public key&gt;", pre)
        self.assertIn("v=DKIM1; p=<input", pre)


def test_two_long_records_of_one_kind_at_one_name_are_left_out() -> None:
    name = "sel._domainkey.shop.example.com"
    fixes = [f"{name}. TXT {quote_txt('v=DKIM1; k=rsa; p=' + key * 300)}" for key in "AB"]
    found = records_to_publish(fixes, "shop.example.com")
    assert found.lines == []
    assert found.left_out == [(f"{name} (TXT)", "the fixes suggest different records for it")]
