"""Adding a domain and proving control of it, with what people really type and publish."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.test import override_settings

from mailsec.domains.models import Domain
from tests.conftest import BaseTestCase
from tests.test_domains import LOCMEM, stub_dns


@override_settings(CACHES=LOCMEM)
class ChallengeRecordTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.domain = Domain.objects.create(team=self.team, name="example.org")

    def test_it_verifies_a_value_published_with_quotes_or_spaces(self) -> None:
        """A DNS panel that adds its own quotes stores a value typed with quotes as those
        characters; a pasted value brings a space or a newline. The secret is still at the
        challenge name."""
        value = self.domain.challenge_value
        for published in (f'\\"{value}\\"', f" {value} ", f"{value}\\010", f"'{value}'"):
            with self.subTest(published=published):
                self.domain.verified_at = None
                with stub_dns({self.domain.challenge_name: [published]}):
                    self.assertTrue(self.domain.verify())
                self.assertEqual(self.domain.verify_error, "")

    def test_it_still_refuses_another_value_in_quotes(self) -> None:
        other = '\\"mailsec-verification=someone-else\\"'
        with stub_dns({self.domain.challenge_name: [other]}):
            self.assertFalse(self.domain.verify())
        self.assertIn("not the expected value", self.domain.verify_error)

    def test_it_verifies_a_value_split_into_strings_among_other_records(self) -> None:
        value = self.domain.challenge_value
        records = ["v=spf1 -all", f'{value[:10]}" "{value[10:]}', "google-site-verification=x"]
        with stub_dns({self.domain.challenge_name: records}):
            self.assertTrue(self.domain.verify())

    def test_a_contested_team_keeps_a_value_published_with_quotes(self) -> None:
        """recheck_control reads the record the way verify does: a team that verified with a
        quoted value does not lose the domain when another team verifies it too."""
        from django.utils import timezone

        ours = self.domain
        theirs = Domain.objects.create(team=self.charlies_team, name="example.org")
        ours.verified_at = timezone.now()
        ours.save()
        records = {ours.challenge_name: [f'\\"{ours.challenge_value}\\"', theirs.challenge_value]}
        with stub_dns(records):
            self.assertTrue(theirs.verify())
        ours.refresh_from_db()
        self.assertIsNotNone(ours.verified_at)
        self.assertIsNone(ours.control_lost_at)

    def test_it_says_where_a_misplaced_value_is(self) -> None:
        """A DNS panel that appends the zone turns the name typed in full into
        _mailsec-challenge.example.org.example.org; others publish at the domain itself.
        "No TXT record found" sent people looking for a propagation delay that was not one."""
        value = self.domain.challenge_value
        doubled = f"{self.domain.challenge_name}.example.org"
        with stub_dns({doubled: [value]}):
            self.assertFalse(self.domain.verify())
        self.assertIn(f"published at {doubled}", self.domain.verify_error)
        self.assertIn("enter only _mailsec-challenge as the name", self.domain.verify_error)
        with stub_dns({"example.org": ["v=spf1 -all", value]}):
            self.assertFalse(self.domain.verify())
        self.assertIn(
            "published at example.org, not at _mailsec-challenge", self.domain.verify_error
        )
        self.assertIsNone(self.domain.verified_at)  # a hint, not a proof
        with stub_dns({}):
            self.domain.verify()
        self.assertEqual(
            self.domain.verify_error, "No TXT record found at _mailsec-challenge.example.org yet."
        )

    def test_it_finds_a_subdomains_value_with_the_parent_zone_appended(self) -> None:
        """mail.example.org in example.org's zone: the name typed in full in that panel ends
        up at _mailsec-challenge.mail.example.org.example.org."""
        sub = Domain.objects.create(team=self.team, name="mail.example.org")
        misplaced = f"{sub.challenge_name}.example.org"
        with stub_dns({misplaced: [sub.challenge_value]}):
            self.assertFalse(sub.verify())
        self.assertIn(f"published at {misplaced}", sub.verify_error)
        # In example.org's panel the name to type is the part before its zone.
        self.assertIn("enter only _mailsec-challenge.mail as the name", sub.verify_error)

    def test_the_hint_survives_a_background_pass(self) -> None:
        doubled = f"{self.domain.challenge_name}.example.org"
        with stub_dns({doubled: [self.domain.challenge_value]}):
            self.assertFalse(self.domain.verify())
            hint = self.domain.verify_error
            self.assertFalse(self.domain.verify(hints=False))
        self.assertEqual(self.domain.verify_error, hint)
        with stub_dns({}):
            self.domain.verify()  # a person presses Verify: looked at afresh
        self.assertEqual(
            self.domain.verify_error, "No TXT record found at _mailsec-challenge.example.org yet."
        )

    def test_the_background_task_looks_only_at_the_challenge_name(self) -> None:
        """The hint looks up names derived from what the user typed: only for a person."""
        doubled = f"{self.domain.challenge_name}.example.org"
        with stub_dns({doubled: [self.domain.challenge_value]}):
            self.assertFalse(self.domain.verify(hints=False))
        self.assertEqual(
            self.domain.verify_error, "No TXT record found at _mailsec-challenge.example.org yet."
        )


class SelectorsTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.domain = Domain.objects.create(team=self.team, name="example.org")
        self.url = f"/domains/{self.domain.code}/selectors/"
        self.client.force_login(self.alice)

    def save(self, typed: str) -> str:
        self.client.post(self.url, {"selectors": typed})
        self.domain.refresh_from_db()
        return self.domain.dkim_selectors

    def test_it_takes_the_selector_out_of_a_pasted_record_name(self) -> None:
        """Microsoft 365 shows selector1._domainkey as the host to publish; others show the
        whole name. Kept as typed, it was looked up at selector1._domainkey._domainkey.…"""
        self.assertEqual(self.save("selector1._domainkey"), "selector1")
        self.assertEqual(
            self.save("Selector2._domainkey.example.org. s1._domainkey.example.org"),
            "selector2 s1",
        )

    def test_it_takes_the_record_name_in_u_labels_or_relative_to_a_parent_zone(self) -> None:
        idn = Domain.objects.create(team=self.team, name="xn--bcher-kva.example")
        self.url = f"/domains/{idn.code}/selectors/"
        self.client.post(self.url, {"selectors": "s1._domainkey.bücher.example"})
        idn.refresh_from_db()
        self.assertEqual(idn.dkim_selectors, "s1")
        sub = Domain.objects.create(team=self.team, name="mail.example.org")
        self.url = f"/domains/{sub.code}/selectors/"
        self.client.post(self.url, {"selectors": "s2._domainkey.mail"})
        sub.refresh_from_db()
        self.assertEqual(sub.dkim_selectors, "s2")
        # A name that only looks like the start of this one is another domain's record.
        au = Domain.objects.create(team=self.team, name="example.com.au")
        self.url = f"/domains/{au.code}/selectors/"
        r = self.client.post(self.url, {"selectors": "s1._domainkey.example.com"}, follow=True)
        self.assertContains(r, "not of this domain", status_code=400)

    def test_it_refuses_another_domains_record(self) -> None:
        """The CNAME target of Microsoft 365's record names another domain: no selector of
        this one."""
        self.save("google")
        r = self.client.post(
            self.url,
            {"selectors": "selector1-example-org._domainkey.example.onmicrosoft.com"},
            follow=True,
        )
        self.assertContains(r, "not of this domain", status_code=400)
        self.domain.refresh_from_db()
        self.assertEqual(self.domain.dkim_selectors, "google")

    def test_it_reads_dotted_selectors_label_by_label(self) -> None:
        """RFC 6376 §3.1: a selector may have several labels, 63 octets each; a label may not
        start or end with a hyphen."""
        dotted = "a" * 40 + "." + "b" * 30
        self.assertEqual(self.save(dotted), dotted)
        for bad in ("-s1", "s1-", "a." + "b" * 64, "._domainkey"):
            with self.subTest(bad=bad):
                self.assertEqual(self.save(bad), dotted)  # refused, the last ones stay


class AddDomainTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.alice)

    def test_it_refuses_a_name_whose_challenge_cannot_be_looked_up(self) -> None:
        """237 octets is a valid domain name, but _mailsec-challenge.<it> is not: verifying
        said "Could not look up … Try again in a minute" for ever."""
        name = ("a" * 60 + ".") * 3 + "b" * 50 + ".com"
        r = self.client.post("/domains/add/", {"name": name})
        self.assertContains(r, "too long to be verified", status_code=400)
        self.assertFalse(Domain.objects.filter(name=name).exists())
        fits = "a" * 63 + "." + "b" * 63 + "." + "c" * 63 + "." + "d" * 38 + ".com"
        self.assertEqual(len(f"_mailsec-challenge.{fits}"), 253)
        self.client.post("/domains/add/", {"name": fits})
        self.assertTrue(Domain.objects.filter(team=self.team, name=fits).exists())

    def test_it_takes_the_domain_from_a_long_pasted_address(self) -> None:
        url = "https://www.example.org/landing?" + "utm_source=newsletter&" * 20
        self.assertGreater(len(url), 300)
        r = self.client.post("/domains/add/", {"name": url})
        domain = Domain.objects.get(team=self.team)
        self.assertRedirects(r, f"/domains/{domain.code}/", fetch_redirect_response=False)
        self.assertEqual(domain.name, "www.example.org")

    def test_a_double_submit_lands_on_the_domain_added_by_the_first(self) -> None:
        """Two posts of the form at once (a double click): the second finds no row, then
        meets the first one's in the unique constraint. It was a server error."""
        from unittest import mock

        from django.db.models.query import QuerySet

        Domain.objects.create(team=self.team, name="example.org")  # the first request's
        real_first = QuerySet.first
        looks: list[object] = []

        def not_yet_on_the_first_look(qs: QuerySet) -> object:
            found = real_first(qs)
            if qs.model is Domain and not looks:
                looks.append(found)
                return None  # read before the first request committed
            return found

        with mock.patch.object(QuerySet, "first", not_yet_on_the_first_look):
            r = self.client.post("/domains/add/", {"name": "Example.org"})
        domain = Domain.objects.get(team=self.team, name="example.org")
        self.assertRedirects(r, f"/domains/{domain.code}/", fetch_redirect_response=False)

    def test_it_caps_the_domains_waiting_to_be_verified(self) -> None:
        """Every unverified domain is looked up in the background for a week; a script could
        add them by the thousand. Verified ones do not count, and a name already added
        still opens its page."""
        from django.utils import timezone

        from mailsec.domains.views import max_unverified

        for i in range(max_unverified()):
            Domain.objects.create(team=self.team, name=f"d{i}.example.org")
        Domain.objects.create(team=self.team, name="ours.example.org", verified_at=timezone.now())
        r = self.client.post("/domains/add/", {"name": "one-more.example.org"})
        self.assertContains(r, "waiting to be verified", status_code=400)
        self.assertFalse(Domain.objects.filter(name="one-more.example.org").exists())
        r = self.client.post("/domains/add/", {"name": "D0.example.org"})
        self.assertEqual(r.status_code, 302)
        # Another team is not affected.
        self.client.force_login(self.charlie)
        self.client.post("/domains/add/", {"name": "one-more.example.org"})
        self.assertTrue(Domain.objects.filter(team=self.charlies_team).exists())
        # Verifying one makes room.
        self.client.force_login(self.alice)
        Domain.objects.filter(name="d1.example.org").update(verified_at=timezone.now())
        self.client.post("/domains/add/", {"name": "one-more.example.org"})
        self.assertTrue(Domain.objects.filter(team=self.team, name="one-more.example.org").exists())

    def test_removing_and_adding_again_is_limited_per_day(self) -> None:
        """Removing names and adding others gets round the cap on waiting domains; a day's
        adds per team are limited too."""

        from mailsec.accounts.models import Profile, Team

        # A team of its own: the day's counter is kept outside the test's transaction (in
        # Redis in CI), and the class's team has added domains in other tests.
        dana = User.objects.create_user("dana", "dana@example.org")
        Profile.objects.create(user=dana, current_team=Team.create_for(dana))
        self.client.force_login(dana)
        with self.settings(MAILSEC_ADDS_PER_DAY=3):
            for i in range(3):
                r = self.client.post("/domains/add/", {"name": f"churn{i}.example.org"})
                self.assertEqual(r.status_code, 302)
                Domain.objects.filter(name=f"churn{i}.example.org").delete()
            r = self.client.post("/domains/add/", {"name": "churn3.example.org"})
            self.assertContains(r, "added 3 domains today", status_code=429)
            self.assertGreater(int(r["Retry-After"]), 0)
            self.assertFalse(Domain.objects.filter(name="churn3.example.org").exists())
            # Another team is not affected.
            self.client.force_login(self.charlie)
            r = self.client.post("/domains/add/", {"name": "churn3.example.org"})
            self.assertEqual(r.status_code, 302)

    def test_it_says_when_the_name_added_is_a_host_of_the_mail_domain(self) -> None:
        """https://www.example.org/ pasted from the browser, or the MTA-STS policy host: kept
        as typed (only the owner knows), with a word about the mail domain above it."""
        for typed, name, parent in (
            ("https://www.example.org/", "www.example.org", "example.org"),
            ("mta-sts.bücher.de", "mta-sts.xn--bcher-kva.de", "bücher.de"),
        ):
            with self.subTest(typed=typed):
                r = self.client.post("/domains/add/", {"name": typed}, follow=True)
                self.assertTrue(Domain.objects.filter(team=self.team, name=name).exists())
                self.assertContains(r, f"for mail to …@{parent}, check {parent} instead")
        for typed in ("mail.example.org", "www.co.uk"):
            with self.subTest(typed=typed):
                r = self.client.post("/domains/add/", {"name": typed}, follow=True)
                self.assertNotContains(r, "looks like a host name")


class DomainNameTestCase(BaseTestCase):
    def test_it_reads_an_address_copied_from_a_mail_client(self) -> None:
        from checks.domainname import to_ascii_domain

        for typed in ("Admin <admin@Example.com>", "<admin@example.com>", '"A, B" <a@example.com>'):
            with self.subTest(typed=typed):
                self.assertEqual(to_ascii_domain(typed), "example.com")


@override_settings(CACHES=LOCMEM)
class VerifyRemovedTestCase(BaseTestCase):
    def test_a_domain_removed_while_its_challenge_is_looked_up(self) -> None:
        """A teammate removes the domain while Verify waits for DNS (up to the timeout): the
        result had nowhere to go, and the page was a server error."""
        from unittest import mock

        domain = Domain.objects.create(team=self.team, name="example.org")
        real_look_up = Domain._look_up_challenge

        def removed_meanwhile(self: Domain, timeout: float | None = None) -> object:
            answer = real_look_up(self, timeout)
            Domain.objects.filter(pk=self.pk).delete()
            return answer

        self.client.force_login(self.alice)
        records = {domain.challenge_name: [domain.challenge_value]}
        with (
            stub_dns(records),
            mock.patch.object(Domain, "_look_up_challenge", removed_meanwhile),
        ):
            r = self.client.post(f"/domains/{domain.code}/verify/", follow=True)
        self.assertRedirects(r, "/domains/")
        self.assertContains(r, "was removed from your team meanwhile")
        self.assertFalse(Domain.objects.exists())


class AddAgainTestCase(BaseTestCase):
    def test_it_says_when_the_domain_is_already_there(self) -> None:
        """Added by a teammate, now typed in capitals as a URL: the page it lands on said
        nothing, as if a new domain had been added with the old one's state."""
        domain = Domain.objects.create(team=self.team, name="example.org")
        self.client.force_login(self.bob)
        r = self.client.post("/domains/add/", {"name": "HTTPS://Example.ORG./"}, follow=True)
        self.assertRedirects(r, f"/domains/{domain.code}/")
        # The note says what the pasted address was taken as (022b6e8).
        self.assertContains(
            r,
            "example.org (from the address you pasted: HTTPS://Example.ORG./) is already in "
            "your team&#x27;s domains.",
        )
        self.assertNotContains(r, "Added example.org")
        self.assertEqual(Domain.objects.count(), 1)


@override_settings(CACHES=LOCMEM)
class VerifyErrorLengthTestCase(BaseTestCase):
    def test_the_outcome_fits_its_column_whatever_is_published(self) -> None:
        """A wildcard TXT (*.example.org, an SPF record of many includes) answers at the
        challenge name too: three of them quoted in the message made it longer than
        verify_error's 300 characters, which PostgreSQL refuses (a server error on Verify)."""
        limit = Domain._meta.get_field("verify_error").max_length
        domain = Domain.objects.create(team=self.team, name="example.org")
        spf = "v=spf1 " + " ".join(f"include:_spf{i}.provider.example" for i in range(5)) + " -all"
        with stub_dns({domain.challenge_name: [spf, spf + " ", "google-site-verification=x"]}):
            self.assertFalse(domain.verify())
        domain.refresh_from_db()
        self.assertLessEqual(len(domain.verify_error), limit)
        self.assertIn("not the expected value", domain.verify_error)
        self.assertIn("v=spf1 include:_spf0", domain.verify_error)
