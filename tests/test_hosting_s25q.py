"""s25q item 5: hosting emails and the hosting page name MX hosts as findings do.

The subject of a hosting email names an internationalised domain in U-labels
(Domain.display_name), as findings do (checks.findings.for_people, both_ways), but the event
words ("New MX mx3.xn--mller-bckerei-hfb76a.de: added to the policy") named the MX hosts only in
A-labels, in the email's subject line, its body and the hosting page's What happened. They now
name them as people read them with the DNS form after ("mx3.müller-bäckerei.de
(mx3.xn--mller-bckerei-hfb76a.de)"), on the page's lists of hosts too. What is published as
written stays as written: the policy text ("mx: mx3.xn--..."), a record to publish
('_mta-sts.xn--... TXT "v=STSv1; id=...;"'), URLs.
"""

from __future__ import annotations

from datetime import timedelta

from django.core import mail
from django.urls import reverse

from mailsec.domains.models import Domain
from mailsec.hosting import service
from mailsec.hosting.models import HostedPolicy, for_people
from tests.test_hosting import T0, HostingCase, fake_dns, to_alice

IDN = "xn--mller-bckerei-hfb76a.de"
SHOWN = "müller-bäckerei.de"
MX1, MX3 = f"mx1.{IDN}", f"mx3.{IDN}"
BOTH3 = f"mx3.{SHOWN} ({MX3})"


class IdnHostingTestCase(HostingCase):
    def _hosted(self) -> tuple[Domain, HostedPolicy]:
        domain = Domain.objects.create(team=self.team, name=IDN, verified_at=T0)
        with fake_dns([MX1]):
            policy = service.enable(domain, now=T0)
        mail.outbox.clear()
        with fake_dns([MX1, MX3]):
            assert service.sync(policy, now=T0 + timedelta(hours=1))
        policy.refresh_from_db()
        return domain, policy

    def test_the_email_names_a_new_mx_both_ways(self) -> None:
        _, policy = self._hosted()
        [message] = to_alice()
        assert f"New MX {BOTH3}" in message.subject
        assert f"New MX {BOTH3}" in message.body
        html = message.alternatives[0][0]
        assert f"New MX {BOTH3}" in html
        # The policy as served: A-labels, as senders read it.
        assert f"mx: {MX3}" in message.body and f"mx: mx3.{SHOWN}" not in message.body
        assert policy.events.filter(message__contains=f"New MX {MX3}").exists()  # stored as is

    def test_the_hosting_page_names_it_both_ways(self) -> None:
        domain, _ = self._hosted()
        self.client.force_login(self.alice)
        page = self.client.get(reverse("hosting:page", args=[domain.code])).content.decode()
        assert f"New MX {BOTH3}" in page
        assert f"mx: {MX3}" in page  # the policy text as served
        events = self.client.get(reverse("hosting:events", args=[domain.code])).content.decode()
        assert f"New MX {BOTH3}" in events

    def test_a_departed_host_is_listed_both_ways(self) -> None:
        domain, policy = self._hosted()
        with fake_dns([MX3]):
            service.sync(policy, now=T0 + timedelta(hours=2))
        self.client.force_login(self.alice)
        page = self.client.get(reverse("hosting:page", args=[domain.code])).content.decode()
        assert f"<code>mx1.{SHOWN} ({MX1})</code> after" in page


def test_records_urls_and_policy_lines_stay_as_written() -> None:
    record = f'Publish _mta-sts.{IDN} TXT "v=STSv1; id=20261201T120000;" in place of it.'
    assert for_people(record) == record
    url = f"Fetched https://mta-sts.{IDN}/.well-known/mta-sts.txt: 404."
    assert for_people(url) == url
    assert for_people(f"mx: {MX3}") == f"mx: {MX3}"
    assert for_people(f"mailto:tls@{IDN} gets reports.") == f"mailto:tls@{IDN} gets reports."
    # Named twice already: not a third time.
    assert for_people(f"New MX {BOTH3}.") == f"New MX {BOTH3}."
    assert for_people(f"New MX {MX3}, and {MX1}.") == (f"New MX {BOTH3}, and mx1.{SHOWN} ({MX1}).")
    assert for_people("New MX mx1.example.org.") == "New MX mx1.example.org."
