"""Task s36u: what a new admin of one mail domain met in the first hour (walked in Debian's
chromium, tests/test_browser_s36u.py), pinned without a browser."""

from __future__ import annotations

import re

from django.urls import reverse

from mailsec.domains.models import CheckRun, Domain
from mailsec.hosting.models import HostedPolicy
from tests.test_hosting import T0, HostingCase, fake_dns


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


class HostingPageTestCase(HostingCase):
    def url(self, name: str) -> str:
        return reverse(f"hosting:{name}", args=[self.domain.code])

    def test_it_gives_a_check_button_where_it_asks_for_a_check(self) -> None:
        """The Mode card's 'Run a check again.' had nothing to press on the hosting page: the
        Check now button is on the domain's page, two links away."""
        self.host(["mx1.example.org"])
        run = CheckRun.objects.create(
            domain=self.domain, status=CheckRun.Status.DONE, finished=T0, findings=[]
        )
        Domain.objects.filter(pk=self.domain.pk).update(last_run=run)
        self.client.force_login(self.alice)
        with fake_dns():
            html = self.client.get(self.url("page")).content.decode()
        assert "Run a check again." in text_of(html)
        check = reverse("domains:check", args=[self.domain.code])
        form = re.search(rf'<form method="post" action="{check}"[^>]*>(.*?)</form>', html, re.S)
        assert form is not None, "no form posting to domains:check"
        assert "Check now" in text_of(form.group(1))
        r = self.client.post(check)
        assert r.status_code == 302
        assert r["Location"] == reverse("domains:details", args=[self.domain.code])
        assert self.domain.runs.filter(kind="manual").exists()

    def test_no_reports_yet_does_not_say_to_publish_what_may_be_in_place(self) -> None:
        """The Mode card said 'No TLS reports yet: publish the _smtp._tls record under Records
        to publish' under a records panel whose live lookup had just said that record was in
        place ('yes: TLS-RPT record found, with our report address'): the card cannot know
        (the lookup is the panel's, loaded after the page), so it says what holds either way."""
        self.host(["mx1.example.org"])
        self.client.force_login(self.alice)
        with fake_dns():
            text = text_of(self.client.get(self.url("page")).content.decode())
        assert "publish the _smtp._tls record under Records to publish, then" not in text
        assert (
            "No TLS reports yet: senders send them once the _smtp._tls record under Records to "
            "publish is in place, the first usually within a day or two; then wait for 7 days "
            "of reports from 2 sending organisations." in text
        )

    def test_the_records_panel_can_look_again(self) -> None:
        """Once the panel had said 'not yet', nothing on it looked again: someone who had just
        published the records had to know to reload the page. The live panel says when it
        looked, and Look again (a link without JavaScript) fetches it anew in place."""
        self.host(["mx1.example.org"])
        self.client.force_login(self.alice)
        records = self.url("records")
        with fake_dns(points=False, record="missing"):
            html = self.client.get(records, HTTP_HX_REQUEST="true").content.decode()
        again = re.search(r"<a [^>]*id=\"records-again\"[^>]*>([^<]*)</a>", html)
        assert again is not None, "no Look again in the live panel"
        assert again.group(1) == "Look again"
        tag = again.group(0)
        assert f'href="{records}"' in tag and f'hx-get="{records}"' in tag
        assert 'hx-target="#records"' in tag and 'hx-swap="outerHTML"' in tag
        assert "hx-trigger" not in html  # pressed, never polled
        assert re.search(r"Looked up at \d\d:\d\d:\d\d UTC", text_of(html))
        # The page itself still loads the panel once, with no Look again before it has looked.
        with fake_dns():
            page = self.client.get(self.url("page")).content.decode()
        assert 'id="records-again"' not in page and 'hx-trigger="load"' in page


def test_an_example_report_mailbox_is_not_among_the_records_copied_at_once() -> None:
    """The domain page's Copy all records gave DMARC-01's record with the engine's invented
    mailbox (dmarc-reports@<domain>), as a record to publish as it is; the free check says
    under the same record that the mailbox is only an example. Reports sent to a mailbox that
    does not exist are lost (or bounce)."""
    from mailsec.domains.fixparts import records_to_publish

    domain = "bakery-mail.example.com"
    dmarc = f'_dmarc.{domain}. TXT "v=DMARC1; p=none; rua=mailto:dmarc-reports@{domain}"'
    spf = f'{domain}. TXT "v=spf1 mx -all"'
    records = records_to_publish([dmarc, spf], domain)
    assert records.lines == [spf]
    why = dict(records.left_out)[f"_dmarc.{domain} (TXT)"]
    assert f"dmarc-reports@{domain} is an example" in why
    # A mailbox the owner named is theirs: copied with the others.
    own = f'_dmarc.{domain}. TXT "v=DMARC1; p=none; rua=mailto:reports@dmarc.example.net"'
    assert records_to_publish([own], domain).lines == [own]


class PointsLostTestCase(HostingCase):
    def test_the_points_lost_say_how_a_categorys_points_become_the_scores(self) -> None:
        """'MTA-STS −30.8 (0 / 20, not deployed)': a category's points are out of the weights
        that count for the domain, not out of 100, and nothing on the page said so: 0 of 20
        costing 30.8 read as a sum that does not add up."""
        from checks.findings import Finding, Mechanism, Status
        from checks.scoring import coverage
        from tests.test_domains import scored_run

        run = scored_run(
            self.domain,
            [
                Finding("MX-01", Status.PASS, Mechanism.MX, "MX ok"),
                Finding("SPF-03", Status.PASS, Mechanism.SPF, "SPF ok"),
                Finding("MTASTS-01", Status.INFO, Mechanism.MTASTS, "No MTA-STS record."),
            ],
        )
        Domain.objects.filter(pk=self.domain.pk).update(last_run=run)
        counted = coverage(run.score_detail).checked
        assert counted not in (0, 100)
        self.client.force_login(self.alice)
        page = self.client.get(reverse("domains:details", args=[self.domain.code]))
        text = text_of(page.content.decode())
        lost = run.score_detail["categories"]["mta-sts"]["score_lost"]
        assert f"MTA-STS −{lost:g} (0 / 20," in text
        worth = f"{100 / counted:.2f}".removesuffix(".00")
        assert (
            f"Each category's points are out of the {counted} that count for this domain, "
            f"scaled to 100: one point is worth {worth} on the score." in text
        ), text[text.find("Points lost") :][:400]

    def test_with_hosting_on_the_mta_sts_fixes_point_to_its_records(self) -> None:
        """Hosting switched on, its CNAME not yet published: the domain page's MTA-STS fixes
        (from the check) said to publish A/AAAA records for a web server of one's own and to
        serve the policy file there, which hosting does for them. The page says whose fixes
        those are and where the records hosting needs are."""
        from checks.findings import Finding, Mechanism, Status
        from tests.test_domains import scored_run

        self.host(["mx1.example.org"])
        fix = "Publish A/AAAA records for mta-sts.example.org pointing to a web server"
        run = scored_run(
            self.domain,
            [
                Finding("MX-01", Status.PASS, Mechanism.MX, "MX ok"),
                Finding("MTASTS-11", Status.FAIL, Mechanism.MTASTS, "No policy host.", fix=fix),
            ],
        )
        Domain.objects.filter(pk=self.domain.pk).update(last_run=run)
        self.client.force_login(self.alice)
        url = reverse("domains:details", args=[self.domain.code])
        html = self.client.get(url).content.decode()
        hosting = reverse("hosting:page", args=[self.domain.code])
        note = re.search(r'<p class="hosted-note[^"]*">(.*?)</p>', html, re.S)
        assert note is not None, "no word that hosting changes the MTA-STS fixes"
        assert f'href="{hosting}"' in note.group(1)
        assert "We host the MTA-STS policy of example.org" in text_of(note.group(1))
        # Without hosting the fixes are the owner's own to follow: no such note.
        HostedPolicy.objects.all().delete()
        html = self.client.get(url).content.decode()
        assert "hosted-note" not in html
