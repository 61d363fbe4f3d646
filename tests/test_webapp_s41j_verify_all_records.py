"""Blind round s41j: Verify all's answer links the records still to publish when every lookup
failed too. docs/webapp.md lists Verify all's result among the pages that link records.csv;
the link sat inside the advice to publish or correct records, which is rightly given only
when a record was read, so a press whose lookups all failed (our resolver down) left an MSP
with six names and no way to their records but each domain's page or the list."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import BaseTestCase

RECORDS_LINK = 'href="/domains/records.csv"'


@pytest.mark.usefixtures("unanswered_lookups_end_soon")
class VerifyAllRecordsTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.client.force_login(self.alice)
        self.client.post("/domains/add-many/", {"names": "one-s41j.com two-s41j.com"})

    def test_every_lookup_failed_and_the_records_are_linked(self) -> None:
        r = self.client.post("/domains/verify-all/")
        self.assertContains(r, "2 could not be looked up")
        self.assertContains(r, RECORDS_LINK)
        # Not the advice that assumes a record was read.
        self.assertNotContains(r, "or correct it there")

    def test_an_outsider_reading_the_link_gets_their_own_records(self) -> None:
        charlie = Client()
        charlie.force_login(self.charlie)
        text = b"".join(charlie.get("/domains/records.csv").streaming_content).decode()
        self.assertNotIn("one-s41j.com", text)
