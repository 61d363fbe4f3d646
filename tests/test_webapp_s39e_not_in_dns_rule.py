"""Task s39e, item 3: "noted not in the DNS" (not verified, and verify_error begins with
models.NOT_IN_DNS) is one rule, spelled once for rows read as values (noted_not_in_dns) and
once as a query (NOTED_NOT_IN_DNS, for the records CSV's exclude): both must pick the same
domains, whatever the fields hold."""

from __future__ import annotations

from django.utils import timezone

from mailsec.domains.models import (
    MISPLACED,
    NOT_IN_DNS,
    NOT_IN_DNS_WORDS,
    NOTED_NOT_IN_DNS,
    Domain,
    noted_not_in_dns,
)
from tests.conftest import BaseTestCase

ERRORS = [
    "",
    NOT_IN_DNS_WORDS,
    NOT_IN_DNS,
    f"No TXT record found yet. {NOT_IN_DNS}",  # the words elsewhere than at the beginning
    f"{MISPLACED} example.org, not at _mailsec-challenge.example.org.",
    "Could not look up _mailsec-challenge.example.org: timed out. Try again in a minute.",
]


class NotedNotInDnsRuleTestCase(BaseTestCase):
    def test_the_query_and_the_values_pick_the_same_domains(self) -> None:
        now = timezone.now()
        for i, error in enumerate(ERRORS):
            for verified_at in (None, now):
                Domain.objects.create(
                    team=self.team,
                    name=f"d{i}-{'v' if verified_at else 'u'}.example.org",
                    verified_at=verified_at,
                    verify_error=error,
                )
        rows = Domain.objects.values_list("pk", "verified_at", "verify_error")
        by_values = {pk for pk, at, why in rows if noted_not_in_dns(at, why)}
        by_query = set(Domain.objects.filter(NOTED_NOT_IN_DNS).values_list("pk", flat=True))
        self.assertEqual(by_query, by_values)
        self.assertEqual(len(by_values), 2)  # the two unverified rows that begin with it
        others = set(Domain.objects.exclude(NOTED_NOT_IN_DNS).values_list("pk", flat=True))
        self.assertEqual(others, {pk for pk, _, _ in rows} - by_values)

    def test_the_records_csv_leaves_out_exactly_the_noted_names(self) -> None:
        from tests.test_webapp_s35q import records

        Domain.objects.create(
            team=self.team, name="typo.example.org", verify_error=NOT_IN_DNS_WORDS
        )
        Domain.objects.create(team=self.team, name="waiting.example.org", verify_error="")
        self.client.force_login(self.alice)
        names = [r["domain_ascii"] for r in records(self.client.get("/domains/records.csv"))]
        self.assertEqual(names, ["waiting.example.org"])
