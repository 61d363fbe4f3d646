"""A report address asked for a domain removed meanwhile (the hosting page's records poll in
flight while the owner removes the domain): written failing, before the fix.

ReportAddress.for_domain found no address (the removal set it aside, domain=None) and attached
the set-aside one back to the removed domain's id, or made a new one for it: on PostgreSQL a
foreign key violation, a 500 for the poll (seen in the fresh-clone CI, where a browser test's
poll reached the live server as its data was flushed). Now the domain row is locked and read
first: a domain gone is a 404.
"""

from __future__ import annotations

from django.http import Http404

from mailsec.domains.models import Domain
from reports.models import ReportAddress
from tests.conftest import BaseTestCase


class DomainGoneTestCase(BaseTestCase):
    def test_a_removed_domain_gets_no_address_back(self) -> None:
        domain = Domain.objects.create(team=self.team, name="example.org")
        ReportAddress.for_domain(domain)
        stale = Domain.objects.get(pk=domain.pk)  # as the view read it, before the removal
        domain.delete()
        with self.assertRaises(Http404):
            ReportAddress.for_domain(stale)
        self.assertFalse(ReportAddress.objects.filter(domain_id=stale.pk).exists())

    def test_a_domain_still_there_gets_its_address(self) -> None:
        # Control: the usual path, the address made on first use and the same one after.
        domain = Domain.objects.create(team=self.team, name="example.org")
        first = ReportAddress.for_domain(domain)
        self.assertEqual(ReportAddress.for_domain(domain).pk, first.pk)
