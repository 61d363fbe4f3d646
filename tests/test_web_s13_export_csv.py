"""/domains/export.csv for a person with a spreadsheet: statuses in the domain page's words,
times in ISO 8601 UTC, the name as read and as an A-label, and a BOM so Excel reads UTF-8."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from django.test import override_settings
from django.utils import timezone

from mailsec.domains.export import COLUMNS
from mailsec.domains.models import Domain
from tests.conftest import BaseTestCase
from tests.test_domains import LOCMEM
from tests.test_domains_s12_export import checked

URL = "/domains/export.csv"
BOM = b"\xef\xbb\xbf"
# The score's view of each mechanism (score_detail.categories), as a check stores it.
DETAIL = {
    "categories": {
        "mta-sts": {"weight": 20, "counted": True, "reason": "not deployed", "lost": 20},
        "spf": {"weight": 10, "counted": True, "reason": "good", "lost": 0},
        "dkim": {"weight": 10, "counted": True, "reason": "issues", "lost": 5},
    }
}


def body(response: object) -> bytes:
    return b"".join(response.streaming_content)  # type: ignore[attr-defined]


@override_settings(CACHES=LOCMEM)
class SpreadsheetExportTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.alice)

    def test_it_begins_with_a_bom_so_excel_reads_utf_8(self) -> None:
        Domain.objects.create(team=self.team, name="xn--bcher-kva.de")
        data = body(self.client.get(URL))
        self.assertTrue(data.startswith(BOM))
        self.assertEqual(data.count(BOM), 1)
        # What Excel, LibreOffice and Python's "utf-8-sig" read: the header's first column is
        # "domain", and the IDN is read back as typed, beside its A-label.
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
        self.assertEqual(list(rows[0]), COLUMNS)
        self.assertEqual(
            (rows[0]["domain"], rows[0]["domain_ascii"]), ("bücher.de", "xn--bcher-kva.de")
        )

    def test_statuses_are_the_words_of_the_domain_page(self) -> None:
        domain = Domain.objects.create(
            team=self.team, name="example.org", verified_at=timezone.now()
        )
        checked(
            domain,
            datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC),
            mechanisms={
                "mx": "pass",
                "mta-sts": "info",  # no record: the score counts it not deployed
                "spf": "info",  # a note among passes: good, as the page says
                "dkim": "warn",
                "dmarc": "fail",
                "dnssec": "error",
                "dane": "na",
            },
            findings=[
                {"id": "DMARC-01", "status": "fail", "mechanism": "dmarc", "summary": "No record."}
            ],
            score_detail=DETAIL,
        )
        data = body(self.client.get(URL)).decode("utf-8-sig")
        (row,) = csv.DictReader(io.StringIO(data))
        self.assertEqual(
            {m: row[f"{m}_status"] for m in ("mx", "mta-sts", "spf", "dkim", "dmarc", "dnssec")},
            {
                "mx": "Good",
                "mta-sts": "Not deployed",
                "spf": "Good",
                "dkim": "Needs attention",
                "dmarc": "Failing",
                # Could not check is never "fail".
                "dnssec": "Could not check",
            },
        )
        self.assertEqual(row["dane_status"], "Does not apply")
        self.assertEqual(row["bimi_status"], "")  # not in this check
        self.assertEqual(row["worst_finding_id"], "DMARC-01")
        self.assertEqual(row["worst_finding_status"], "Failing")
        self.assertEqual(row["last_checked_utc"], "2025-03-04T05:06:07Z")

    def test_it_checks_ownership(self) -> None:
        Domain.objects.create(team=self.team, name="alices.example.org")
        self.client.force_login(self.charlie)
        data = body(self.client.get(URL)).decode("utf-8-sig")
        self.assertNotIn("alices.example.org", data)
        self.client.logout()
        self.assertEqual(self.client.get(URL).status_code, 302)
