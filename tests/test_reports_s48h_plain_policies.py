"""A TLS report's page says in plain words what each policy entry's type means, and says so
when a report counts no session at all (task s48h, from the product lessons: "no clue how to
read them", "daily reports with no mail exchanged").

The page explained each result type (s41f) but named the policy types bare, as RFC 8460 §4.4
writes them (`sts`, `tlsa`, `no-policy-found`), and a report of 0 successful and 0 failed
sessions read "0 successful, 0 failed sessions." with nothing to say whether that was a
problem. Reports are posted over HTTPS and parsed by the task the worker runs."""

from __future__ import annotations

import gzip
import json
from typing import Any

from django.utils import timezone

from mailsec.domains.models import Domain
from reports.models import RawReport, ReportAddress, TlsReport
from reports.tasks import parse_raw_report
from tests.conftest import BaseTestCase
from tests.pages import words

DAY = {"start-datetime": "2026-12-03T00:00:00Z", "end-datetime": "2026-12-03T23:59:59Z"}


def report(rid: str, policies: list[dict[str, Any]], org: str = "Sender Example") -> bytes:
    body = {
        "organization-name": org,
        "date-range": DAY,
        "contact-info": "tlsrpt@sender.example",
        "report-id": rid,
        "policies": policies,
    }
    return json.dumps(body).encode()


def counts(ok: int, failed: int) -> dict[str, int]:
    return {"total-successful-session-count": ok, "total-failure-session-count": failed}


STS = {
    "policy": {
        "policy-type": "sts",
        "policy-string": [
            "version: STSv1",
            "mode: enforce",
            "mx: mx1.example.com",
            "max_age: 86400",
        ],
        "policy-domain": "example.com",
        "mx-host": ["mx1.example.com"],
    },
    "summary": counts(120, 0),
}
TLSA = {
    "policy": {
        "policy-type": "tlsa",
        "policy-string": ["3 1 1 04151484B717C2A475533F576460E147FEDE8196506D14E04D36BBEE2120C36A"],
        "policy-domain": "mx1.example.com",
    },
    "summary": counts(80, 0),
}
NONE_FOUND = {
    "policy": {"policy-type": "no-policy-found", "policy-domain": "example.com"},
    "summary": counts(40, 2),
    "failure-details": [
        {
            "result-type": "starttls-not-supported",
            "receiving-mx-hostname": "mx1.example.com",
            "receiving-ip": "198.51.100.25",
            "failed-session-count": 2,
        }
    ],
}
ZERO = {
    "policy": {"policy-type": "no-policy-found", "policy-domain": "example.com"},
    "summary": counts(0, 0),
}


class PlainPolicyTypesTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.domain = Domain.objects.create(
            team=self.team, name="example.com", verified_at=timezone.now()
        )
        self.token = ReportAddress.for_domain(self.domain).token
        self.client.force_login(self.alice)

    def page_of(self, body: bytes) -> str:
        response = self.client.post(
            f"/tlsrpt/{self.token}",
            data=gzip.compress(body),
            content_type="application/tlsrpt+gzip",
        )
        assert response.status_code == 201, response.content[:300]
        for raw in RawReport.objects.filter(parse_status=RawReport.PENDING):
            parse_raw_report.apply(args=(raw.pk,))
        tls = TlsReport.objects.get(report_id=json.loads(body)["report-id"])
        page = self.client.get(f"/tlsrpt/{self.token}/reports/{tls.public_id}/")
        assert page.status_code == 200
        return words(page.content.decode())

    def test_it_says_what_an_sts_entry_means(self) -> None:
        text = self.page_of(report("r-sts", [STS]))
        self.assertIn(
            "The sender applied the MTA-STS policy of example.com, fetched from "
            "mta-sts.example.com (RFC 8461): a successful session was encrypted, to an MX "
            "host the policy lists, with a certificate valid for its name.",
            text,
        )
        self.assertIn("under mode enforce", text)

    def test_it_says_a_tlsa_entry_is_about_an_mx_host(self) -> None:
        text = self.page_of(report("r-tlsa", [STS, TLSA]))
        self.assertIn(
            "The sender used DANE (RFC 7672): it checked the MX host's certificate against "
            "the DNSSEC-signed TLSA records of mx1.example.com",
            text,
        )
        self.assertIn("names the MX host, not example.com", text)

    def test_it_says_no_policy_found_means_opportunistic_tls(self) -> None:
        text = self.page_of(report("r-none", [NONE_FOUND]))
        self.assertIn(
            "The sender found neither an MTA-STS policy nor DANE TLSA records for example.com, "
            "so it used opportunistic TLS",
            text,
        )
        self.assertIn("may then have gone in clear text", text)
        # Not a report of no sessions: it counts 42.
        self.assertNotIn("counts no session", text)

    def test_it_says_a_report_of_no_sessions_is_nothing_to_act_on(self) -> None:
        text = self.page_of(report("r-zero", [ZERO], org="Quiet Sender"))
        self.assertIn(
            "This report counts no session: Quiet Sender tells of no TLS connection to the "
            "mail servers of example.com in the period it covers. There is nothing to act on",
            text,
        )

    def test_it_checks_ownership(self) -> None:
        self.page_of(report("r-own", [STS]))
        tls = TlsReport.objects.get(report_id="r-own")
        self.client.force_login(self.charlie)
        page = self.client.get(f"/tlsrpt/{self.token}/reports/{tls.public_id}/")
        self.assertEqual(page.status_code, 404)
