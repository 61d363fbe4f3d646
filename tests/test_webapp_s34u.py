"""Task s34u: a new admin's first hour and an MSP's morning, walked in chromium against `make
run` with no Internet (the machine's resolver answered NXDOMAIN for every name, then none
answered at all). What the walk found on pages that need no browser:

- a domain that does not exist in the DNS (NXDOMAIN: a typo, a lapsed registration) was told on
  its page's TLS reports card and on its TLS reports dashboard that its MX record is a null MX
  (`MX 0 .`) and that there is no TLS-RPT record to publish: TLSRPT-01 is "does not apply" for
  both, and the card read it as a null MX;
- its history said "No check so far could make a score (lookups or connections timed out or
  failed)", where every lookup had answered: the name does not exist;
- README's command that marks example.com verified left its page unverified and it unchecked;
- the bulk add emptied its form of the names the team's limits left out;
- Verify all with our resolver down called every domain "Not verified" and asked to correct
  records that nobody had looked at.
"""

from __future__ import annotations

import io
import re
from contextlib import redirect_stdout
from pathlib import Path
from unittest import mock

from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone

from checks.findings import DomainReport
from mailsec.domains.models import Domain
from mailsec.freecheck.models import FreeCheck
from reports.models import ReportAddress
from tests import test_freecheck_s9_results as s9
from tests import test_hosting as s19o_hosting
from tests import test_hosting_s19o_start as s19o
from tests.conftest import BaseTestCase
from tests.pages import words
from tests.test_domains import LOCMEM, stub_dns
from tests.test_engine_s19z_nomail import check, free_port
from tests.test_webapp_extra2 import engine_run

NXDOMAIN = "lapsed.example.org"
NULL_MX = "parked.example.org"


def tls_card(html: str) -> str:
    found = re.search(
        r'<section class="card" aria-labelledby="tlsrpt-title">(.*?)</section>', html, re.S
    )
    assert found, "no TLS reports card"
    return words(found[1])


class DoesNotExistTestCase(BaseTestCase):
    def setUp(self) -> None:
        cache.clear()
        self.client.force_login(self.alice)
        self.domain = Domain.objects.create(
            team=self.team, name=NXDOMAIN, verified_at=timezone.now()
        )
        report = check(NXDOMAIN, {}, free_port("127.0.143.22"))
        self.domain.set_last_run(engine_run(self.domain, report.findings, hours_ago=0))

    def test_the_tls_reports_card_does_not_call_it_a_null_mx(self) -> None:
        card = tls_card(self.client.get(f"/domains/{self.domain.code}/").content.decode())
        self.assertNotIn("null MX", card)
        self.assertNotIn("There is no", card)
        self.assertIn(f"{NXDOMAIN} does not exist in DNS (NXDOMAIN)", card)
        # The record to publish once it exists: a domain registered just now gets it ready.
        address = ReportAddress.for_domain(self.domain)
        self.assertIn(f"publish this TXT record at _smtp._tls.{NXDOMAIN}", card)
        self.assertIn(address.mailto, card)

    def test_the_dashboard_does_not_call_it_a_null_mx(self) -> None:
        address = ReportAddress.for_domain(self.domain)
        html = self.client.get(f"/tlsrpt/{address.token}/dashboard/").content.decode()
        text = words(html)
        self.assertNotIn("null MX", text)
        self.assertNotIn("receives no mail", text)
        self.assertIn(f"{NXDOMAIN} does not exist in DNS (NXDOMAIN)", text)
        self.assertIn(f"publish this TXT record at _smtp._tls.{NXDOMAIN}", text)
        self.assertIn(f"none will while {NXDOMAIN} does not exist in DNS", text)

    def test_the_history_does_not_blame_timeouts(self) -> None:
        text = words(self.client.get(f"/domains/{self.domain.code}/").content.decode())
        self.assertNotIn("timed out or failed", text)
        self.assertIn(
            f"No check so far could make a score: {NXDOMAIN} does not exist in DNS (NXDOMAIN), "
            "as the latest check found. The chart starts with the first check that makes one.",
            text,
        )

    def test_it_checks_ownership(self) -> None:
        self.client.force_login(self.charlie)
        self.assertEqual(self.client.get(f"/domains/{self.domain.code}/").status_code, 404)
        address = ReportAddress.for_domain(self.domain)
        self.assertEqual(self.client.get(f"/tlsrpt/{address.token}/dashboard/").status_code, 404)


class NullMxTestCase(BaseTestCase):
    """The control: a domain whose MX is a null MX is still told TLS reporting does not apply."""

    def test_a_null_mx_still_reads_as_one(self) -> None:
        cache.clear()
        self.client.force_login(self.alice)
        domain = Domain.objects.create(team=self.team, name=NULL_MX, verified_at=timezone.now())
        report = check(NULL_MX, {(NULL_MX, "MX"): ["0 ."]}, free_port("127.0.143.22"))
        domain.set_last_run(engine_run(domain, report.findings, hours_ago=0))
        card = tls_card(self.client.get(f"/domains/{domain.code}/").content.decode())
        self.assertIn(f"TLS reporting does not apply to {NULL_MX}: it receives no mail.", card)
        self.assertIn("null MX", card)
        self.assertNotIn("does not exist", card)


class ReadmeVerifyTestCase(BaseTestCase):
    """README's "Send it a TLS-RPT report" marks example.com verified from the shell, for a
    try on one's own machine. Its UPDATE bypassed save(): the domain page, cached under the
    domain's version (pagecache), said "Prove you control example.com" for up to an hour,
    and with next_check_at left empty the domain was never due, so never checked."""

    def readme_commands(self) -> list[str]:
        readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
        section = readme.split("## Send it a TLS-RPT report", 1)[1].split("\n## ", 1)[0]
        # The Python of each `manage.py shell -c "…"`, as the shell passes it: a backslash
        # before a newline inside double quotes joins the lines.
        return [
            code.replace("\\\n", "")
            for code in re.findall(r'shell -v 0 -c \\?\s*"(.*?)"', section, re.S)
        ]

    def test_the_readme_s_command_shows_the_domain_verified_and_due(self) -> None:
        cache.clear()
        domain = Domain.objects.create(team=self.team, name="example.com")
        self.client.force_login(self.alice)
        self.assertContains(
            self.client.get(f"/domains/{domain.code}/"), "Prove you control example.com"
        )
        mark_verified, read_token = self.readme_commands()
        exec(mark_verified, {})  # the README's own command
        html = words(self.client.get(f"/domains/{domain.code}/").content.decode())
        self.assertNotIn("Prove you control", html)
        self.assertIn("Check now", html)
        self.assertIn(domain, Domain.due(timezone.now()))
        # The next command reads the token the report is posted to.
        printed = io.StringIO()
        with redirect_stdout(printed):
            exec(read_token, {})
        self.assertEqual(printed.getvalue().strip(), ReportAddress.for_domain(domain).token)


class OverTheLimitTestCase(BaseTestCase):
    """An MSP pasting 60 names into "Add several domains at once" had 50 added (a team may have
    50 waiting to be verified) and the rest listed "Not added: over the limit" among 77 rows,
    with the form emptied: to add them later they had to be picked out of the table again.
    The names not added are left in the form, to send once there is room."""

    def test_the_names_not_added_stay_in_the_form(self) -> None:
        for i in range(48):
            Domain.objects.create(team=self.team, name=f"d{i}.example.org")
        self.client.force_login(self.alice)
        paste = (
            "d0.example.org\nn0.example.org\nn1.example.org\nhttps://Bücher.de/x\nn2.example.org"
        )
        r = self.client.post("/domains/add-many/", {"names": paste})
        self.assertEqual(r.status_code, 200)
        self.assertEqual(
            [o.name for o in r.context["summary"].added], ["n0.example.org", "n1.example.org"]
        )
        html = r.content.decode()
        box = re.search(r'<textarea name="names"[^>]*>(.*?)</textarea>', html, re.S)
        assert box
        self.assertEqual(box[1], "bücher.de\nn2.example.org")
        text = words(html)
        self.assertIn(
            "Not added, over your team's limits: 2. They are in the box below: send it again "
            "once there is room.",
            text,
        )

    def test_the_form_is_empty_when_everything_was_added(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.post("/domains/add-many/", {"names": "n0.example.org, junk!!"})
        box = re.search(r'<textarea name="names"[^>]*>(.*?)</textarea>', r.content.decode(), re.S)
        assert box
        self.assertEqual(box[1], "")


@override_settings(CACHES=LOCMEM)
class VerifyAllOutageTestCase(BaseTestCase):
    """Verify all with our resolver down (19 domains, every lookup timed out): each row read
    "Not verified" in the warning colour, and the page's one piece of advice was "Publish each
    record as its page shows it, or correct it there", as if 19 records were wrong. A lookup
    that failed says nothing about the record: the row says it could not be looked up, and the
    page says to press again in a minute."""

    def setUp(self) -> None:
        super().setUp()
        cache.clear()  # the rate limits' counters
        self.client.force_login(self.alice)
        self.first, self.second = (
            Domain.objects.create(team=self.team, name=name)
            for name in ("a.example.org", "b.example.org")
        )

    def press(self, servfail: bool) -> str:
        with (
            stub_dns({}, servfail=servfail),
            mock.patch("mailsec.domains.tasks.enqueue_run"),
            self.captureOnCommitCallbacks(execute=True),
        ):
            r = self.client.post("/domains/verify-all/", {"team": str(self.team.code)})
        self.assertEqual(r.status_code, 200)
        return words(r.content.decode())

    def test_failed_lookups_are_not_records_to_correct(self) -> None:
        text = self.press(servfail=True)
        self.assertIn("Verified 0 of 2 domains not verified before.", text)
        self.assertIn(
            "2 could not be looked up: our lookups failed, which says nothing about their "
            "records. Press Verify all again in a minute.",
            text,
        )
        self.assertNotIn("Publish each record", text)
        self.assertNotIn("Not verified", text.split("Why not verified", 1)[1])
        self.assertEqual(text.count("Our DNS lookup of _mailsec-challenge"), 2)
        self.assertEqual(text.count("a.example.org Lookup failed"), 1)

    def test_missing_records_are_still_records_to_publish(self) -> None:
        text = self.press(servfail=False)
        self.assertIn("Publish each record as its page shows it", text)
        self.assertNotIn("could not be looked up", text)
        self.assertEqual(text.count("Not verified No TXT record found"), 2)


@override_settings(CACHES=LOCMEM)
class TlsRptLookupFailedTestCase(BaseTestCase):
    """With our resolver down, every domain's TLS reports card and dashboard said "To receive
    the reports …, publish this TXT record at _smtp._tls.<domain>", as if there were none:
    TLSRPT-01 could not look the name up (error), which says nothing of a record there."""

    def setUp(self) -> None:
        from tests.test_web_s13_domains_polish import store, unreachable_report

        super().setUp()
        cache.clear()
        self.client.force_login(self.alice)
        self.domain = Domain.objects.create(
            team=self.team, name="example.org", verified_at=timezone.now()
        )
        store(self.domain, unreachable_report("example.org"))
        self.address = ReportAddress.for_domain(self.domain)

    SAID = (
        "We could not look up _smtp._tls.example.org at the latest check (the lookup failed on "
        "our side), so we cannot tell whether a TLS-RPT record is published there."
    )

    def test_the_card_does_not_read_as_no_record(self) -> None:
        card = tls_card(self.client.get(f"/domains/{self.domain.code}/").content.decode())
        self.assertNotIn("To receive the reports", card)
        self.assertIn(self.SAID, card)
        self.assertIn(self.address.mailto, card)  # the record that names us, all the same

    def test_the_dashboard_does_not_read_as_no_record(self) -> None:
        html = self.client.get(f"/tlsrpt/{self.address.token}/dashboard/").content.decode()
        text = words(html)
        self.assertNotIn("Publish this TXT record at", text)
        self.assertNotIn("only once the TXT record above is published", text)
        self.assertIn(self.SAID, text)
        self.assertIn(self.address.mailto, text)


class FreeCheckNothingCheckedTestCase(BaseTestCase):
    """The free check of a domain with our resolver down said "Partial: MX records, MTA-STS, …
    and DANE could not be checked, and checks that could not run do not count." above "No
    score: none of the scored checks could be made this time": a partial note about a score
    that is not there. The domain page gives the reason alone."""

    def show(self, report: DomainReport) -> str:
        check = FreeCheck.objects.create(
            domain=report.domain,
            status=FreeCheck.State.DONE,
            report=report.to_dict(),
            started=timezone.now(),
            finished=timezone.now(),
        )
        r = self.client.get(check.get_absolute_url())
        self.assertEqual(r.status_code, 200)
        return s9.page_text(r.content)

    def test_no_score_is_not_called_partial(self) -> None:
        report = s9.engine_report("broken.example.org", s9.ServfailDns({}))
        assert report.score is None
        text = self.show(report)
        self.assertIn("No score: none of the scored checks could be made this time", text)
        self.assertNotIn("Partial:", text)

    def test_a_null_mx_keeps_its_partial_note(self) -> None:
        # The control: a null MX whose DMARC lookup failed still says what was not checked.
        zone = {k: v for k, v in s9.NULL_MX.items() if k[0] != "_dmarc.nomail.example.org"}
        zone[("_dmarc.nomail.example.org", "TXT")] = "SERVFAIL"
        text = self.show(s9.engine_report("nomail.example.org", s9.FakeDns(zone)))
        self.assertIn("receives no mail", text)
        self.assertIn("Partial:", text)


class HostingUnreadPolicyTestCase(s19o_hosting.HostingCase):
    """The hosting page of a domain whose check timed out said "… could not read the policy
    mta-sts.X serves (Could not look up the MTA-STS record (…); MTA-STS could not be
    checked.). If it is …": the check's sentence kept its full stop inside the parentheses."""

    def test_the_reason_ends_once(self) -> None:
        findings = s19o.engine_findings(s19o.ZONE, s19o.SERVED, error_kind="timeout")
        s19o.store_run(self.domain, findings, [])
        self.client.force_login(self.alice)
        with s19o_hosting.fake_dns(s19o.LIVE):
            page = self.client.get(f"/hosting/{self.domain.code}/").content.decode()
        said = words(
            re.search(r'<p class="status-warn" id="starting-unread">(.*?)</p>', page, re.S)[1]
        )
        self.assertIn("could not read the policy mta-sts.example.org serves (", said)
        self.assertNotIn(".).", said)
        self.assertRegex(said, r"[^.]\)\. If it is in mode enforce")


class InviteSignInLinksTestCase(BaseTestCase):
    """An invitation's page says "Sign in (or sign up) as … first; you'll come back here to
    accept", and its own buttons do come back; the header's Sign in and Sign up, the first
    links on the page, did not: a teammate who signed up there landed on an empty team of
    their own, the invitation's link lost."""

    def test_every_sign_in_link_comes_back_to_the_invitation(self) -> None:
        from mailsec.accounts.models import Invite

        invite = Invite.objects.create(
            team=self.team, email="tina@example.net", invited_by=self.alice
        )
        html = self.client.get(f"/invite/{invite.token}/").content.decode()
        back = f"?next=/invite/{invite.token}/"
        for path in ("/accounts/login/", "/accounts/signup/"):
            links = re.findall(rf'href="{path}([^"]*)"', html)
            self.assertGreaterEqual(len(links), 2, path)  # the header's and the card's
            self.assertEqual(set(links), {back}, path)

    def test_other_pages_keep_plain_links(self) -> None:
        html = self.client.get("/").content.decode()
        self.assertIn('href="/accounts/login/"', html)
        self.assertIn('href="/accounts/signup/"', html)


def test_a_resolver_that_says_the_signed_zone_does_not_exist_is_named() -> None:
    """`make run` on a machine whose resolver answers NXDOMAIN for every name (a sandbox, a
    resolver for a private network only) printed "vantage: DNSSEC validation, …: unknown —
    could not tell: isc.org has no DNSKEY records here, so it is no signed zone to test with
    (set MAILSEC_VANTAGE_SIGNED_NAME)": the way out it named was the wrong one. isc.org does
    not exist for that resolver, which is about the resolver, and every check through it
    reads "does not exist in DNS". s35o: such a resolver is "down" (a banner, alerts held,
    `selftest --strict-vantage` fails), no longer "unknown": every domain would read as gone."""
    import asyncio

    from checks.config import CheckConfig
    from checks.vantage import VantageTargets, Verdict, check_resolver

    with stub_dns({}) as resolver:  # NXDOMAIN for every name
        host, port = resolver.rsplit(":", 1)
        config = CheckConfig(resolvers=((host, int(port)),), timeout=2)
        answer = asyncio.run(check_resolver(config, VantageTargets()))
    assert answer.verdict == Verdict.DOWN
    assert "has no DNSKEY records here" not in answer.detail
    assert answer.detail == (
        "says isc.org does not exist (NXDOMAIN), as a resolver that does not see the public "
        "DNS does; every domain checked through it reads as not existing. Point "
        "MAILSEC_RESOLVER at one that does, or set MAILSEC_VANTAGE_SIGNED_NAME to a signed "
        "zone it knows"
    )
