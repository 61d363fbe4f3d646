"""Round s26d's product fixes on the TLS-RPT dashboard's figures (the blind round is
tests/test_reports_s26d_blind.py).

Rates to two decimals were rounded by Python's float formatting: half to even on the binary
value, so 1 failed session of 800 (0.125 %) showed 0.12 %, 20 of 3,200 (0.625 %) 0.62 %, and
19,999 of 20,000 (99.995 %, whose float is 99.99499…) 99.99 % — not what a person works out by
hand from the counts shown beside it. They are now rounded half up on the exact quotient.
"""

from __future__ import annotations

import gzip
import json

import pytest
from django.test import Client
from django.utils import timezone

from mailsec.domains.models import Domain
from reports.dashboard import percent_text, summarise
from reports.models import RawReport, ReportAddress
from tests.conftest import BaseTestCase
from tests.test_reports_s18_dashboard_blind import read_page


@pytest.mark.parametrize(
    ("failed", "total", "shown"),
    [
        (1, 800, "0.13 %"),  # 0.125 %
        (20, 3200, "0.63 %"),  # 0.625 %
        (3, 2400, "0.13 %"),  # 0.125 %
        (1, 1600, "0.06 %"),  # 0.0625 %: below the half
        (5, 400, "1.25 %"),
        (1, 8, "12.50 %"),
        (1, 3, "33.33 %"),
        (2, 3, "66.67 %"),
        (7, 9, "77.78 %"),
        (0, 10, "0.00 %"),
        (10, 10, "100.00 %"),
        (1, 20000, "0.01 %"),  # 0.005 %: half up, so not "< 0.01 %"
        (1, 20001, "< 0.01 %"),
        (19999, 20000, "> 99.99 %"),  # 99.995 % rounds to 100.00 while one got through
        (19998, 20000, "99.99 %"),
        (2**62, 2**63 - 1, "50.00 %"),
    ],
)
def test_it_rounds_a_rate_half_up_on_the_exact_quotient(
    failed: int, total: int, shown: str
) -> None:
    assert percent_text(failed, total) == shown


def test_it_shows_no_rate_without_sessions() -> None:
    assert percent_text(0, 0) == ""


class DashboardRateTest(BaseTestCase):
    def test_it_shows_the_rates_a_person_works_out_from_the_counts(self) -> None:
        domain = Domain.objects.create(
            team=self.team, name="example.com", verified_at=timezone.now()
        )
        address = ReportAddress.for_domain(domain)
        day = (timezone.now().date()).isoformat()
        for org, ok, failed in [("Google Inc.", 3180, 20), ("Rounding Ltd", 799, 1)]:
            body = {
                "organization-name": org,
                "date-range": {
                    "start-datetime": f"{day}T00:00:00Z",
                    "end-datetime": f"{day}T23:59:59Z",
                },
                "contact-info": "tlsrpt@sender.example",
                "report-id": f"{day}-{org}",
                "policies": [
                    {
                        "policy": {
                            "policy-type": "no-policy-found",
                            "policy-domain": "example.com",
                        },
                        "summary": {
                            "total-successful-session-count": ok,
                            "total-failure-session-count": failed,
                        },
                        "failure-details": [
                            {
                                "result-type": "starttls-not-supported",
                                "failed-session-count": failed,
                            }
                        ],
                    }
                ],
            }
            response = Client().post(
                f"/tlsrpt/{address.token}",
                data=gzip.compress(json.dumps(body).encode()),
                content_type="application/tlsrpt+gzip",
            )
            assert response.status_code == 201
        for raw in RawReport.objects.filter(parse_status=RawReport.PENDING):
            raw.process()
        self.client.force_login(self.alice)
        page = read_page(self.client.get(f"/tlsrpt/{address.token}/dashboard/").content)
        # 21 of 4,000 is 0.525 %
        assert "3,979 successful and 21 failed TLS sessions reported — failure rate 0.53 %." in (
            page.plain
        )
        assert page.tables["By reporting organisation"] == [
            ["Google Inc.", "1", "3,180", "20", "0.63 %"],
            ["Rounding Ltd", "1", "799", "1", "0.13 %"],
        ]


class TiesTest(BaseTestCase):
    """Rows with the same figures were left in whatever order the database grouped them: on
    PostgreSQL (hash aggregation) a different order from SQLite's, and, the receiver table being
    cut at 50, a different choice of which rows of a tie are shown (blind round s26d, H14).
    Ties are now by name: organisations by name; receivers by MX host, IP, result type."""

    def test_it_breaks_ties_by_name_in_the_organisation_and_receiver_tables(self) -> None:
        domain = Domain.objects.create(
            team=self.team, name="example.com", verified_at=timezone.now()
        )
        address = ReportAddress.for_domain(domain)
        day = timezone.now().date().isoformat()
        for k in range(120):
            body = {
                "organization-name": f"Org {(k * 37) % 120:03d}",
                "date-range": {
                    "start-datetime": f"{day}T00:00:00Z",
                    "end-datetime": f"{day}T23:59:59Z",
                },
                "contact-info": "tlsrpt@sender.example",
                "report-id": f"r{k:03d}",
                "policies": [
                    {
                        "policy": {
                            "policy-type": "no-policy-found",
                            "policy-domain": "example.com",
                        },
                        "summary": {
                            "total-successful-session-count": 100,
                            "total-failure-session-count": 1 + k % 2,
                        },
                        "failure-details": [
                            {
                                "result-type": "starttls-not-supported",
                                "failed-session-count": 1 + k % 2,
                                "receiving-mx-hostname": f"mx{k % 7}.example.com",
                                "receiving-ip": f"192.0.2.{k}",
                            }
                        ],
                    }
                ],
            }
            response = Client().post(
                f"/tlsrpt/{address.token}",
                data=gzip.compress(json.dumps(body).encode()),
                content_type="application/tlsrpt+gzip",
            )
            assert response.status_code == 201
        for raw in RawReport.objects.filter(parse_status=RawReport.PENDING):
            raw.process()
        summary = summarise(address)
        orgs = [(-r["failed"], -r["ok"], r["organization_name"]) for r in summary.by_organisation]
        assert len(orgs) == 120
        assert orgs == sorted(orgs)
        shown = [
            (-r["sessions"], r["receiving_mx_hostname"], r["receiving_ip"], r["result_type"])
            for r in summary.by_receiver
        ]
        every = sorted(
            (-(1 + k % 2), f"mx{k % 7}.example.com", f"192.0.2.{k}", "starttls-not-supported")
            for k in range(120)
        )
        # The 50 shown are the first 50 of them all, in that order (the database's collation
        # orders the names: plain ASCII here, the same everywhere).
        assert shown == every[:50]
        assert summary.receivers_total == 120
