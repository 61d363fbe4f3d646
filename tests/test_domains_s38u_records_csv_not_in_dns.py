"""Task s38u, item 1: the records CSV (/domains/records.csv) leaves out the names the DNS
answered NXDOMAIN for, as the bulk add's copy block beside its link does (df20cb64).

No zone holds a record under a name that does not exist (a typo, or a zone that is not the
owner's), so a file of records to import carried rows nobody can publish. The name stays on
the list with its note; once a lookup finds it (Verify, Verify all, background
verification), its note goes and its row comes back. A name whose lookup told nothing keeps
its row, and the columns are those s35q gave the file.
"""

from __future__ import annotations

import csv
import io

from mailsec.domains.export import RECORD_COLUMNS
from mailsec.domains.models import Domain
from tests.conftest import BaseTestCase
from tests.test_webapp_s35q import body, records


class RecordsCsvNotInDnsTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.typo = Domain.objects.create(team=self.team, name="exmaple.com")
        self.waiting = Domain.objects.create(team=self.team, name="client.example.com")
        Domain.note_not_in_dns([self.typo])  # what the add keeps of its NXDOMAIN answer
        self.client.force_login(self.alice)

    def test_a_name_not_in_the_dns_has_no_row(self) -> None:
        response = self.client.get("/domains/records.csv")
        self.assertEqual(response.status_code, 200)
        text = body(response).decode("utf-8-sig")
        self.assertEqual(text.splitlines()[0].split(","), RECORD_COLUMNS)
        rows = list(csv.DictReader(io.StringIO(text)))
        self.assertEqual([row["domain_ascii"] for row in rows], ["client.example.com"])
        self.assertEqual(rows[0]["value"], self.waiting.challenge_value)
        # Still on the list, with its note, for the owner to check its spelling.
        listed = self.client.get("/domains/?status=unverified")
        self.assertContains(listed, "exmaple.com")
        self.assertContains(listed, "does not exist in the DNS")

    def test_its_row_comes_back_once_a_lookup_finds_it(self) -> None:
        # Verify (or the background) found the name and recorded what it found instead.
        Domain.objects.filter(pk=self.typo.pk).update(verify_error="No TXT record found.")
        names = [row["domain_ascii"] for row in records(self.client.get("/domains/records.csv"))]
        self.assertEqual(names, ["client.example.com", "exmaple.com"])

    def test_a_name_that_could_not_be_looked_up_keeps_its_row(self) -> None:
        Domain.objects.filter(pk=self.waiting.pk).update(
            verify_error="Could not look up the record (SERVFAIL)."
        )
        names = [row["domain_ascii"] for row in records(self.client.get("/domains/records.csv"))]
        self.assertEqual(names, ["client.example.com"])
