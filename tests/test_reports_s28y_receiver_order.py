"""Round s28y: the dashboard's busiest receivers are ordered the same way on every database.

The receivers table (MX host, IP, result type, sessions) broke ties in sessions by the MX
host name with the database's collation: SQLite (and a C PostgreSQL) compares bytes, so
"MX2.example.com" came before "mx1.example.com"; a PostgreSQL with a language collation
folds case and skips punctuation. Now host names are ordered as organisation names are
(mailsec.ordering.by_name: ASCII-lower-cased, then the exact name, by code point), then IP
and type by code point: a total order of the rows on both."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from mailsec.domains.models import Domain
from reports.dashboard import summarise
from reports.models import FailureDetail, ReportAddress
from tests.conftest import BaseTestCase
from tests.report_rows import day_report

# (MX host, IP, result type), stored in an order that is not the wanted one; every row has
# the same sessions, so only the names order them.
STORED = [
    ("mx3.example.com", "192.0.2.3", "certificate-expired"),
    ("MX2.example.com", "192.0.2.2", "certificate-expired"),
    ("mx1.example.com", "192.0.2.1", "validation-failure"),
    ("mx1.example.com", "192.0.2.1", "certificate-expired"),
    ("mx-a.example.com", "192.0.2.9", "certificate-expired"),
    ("mx1.example.com", "192.0.2.10", "certificate-expired"),
]
# Lower-cased then by code point ("-" before digits), IP and type by code point as ties.
WANTED = [
    ("mx-a.example.com", "192.0.2.9", "certificate-expired"),
    ("mx1.example.com", "192.0.2.1", "certificate-expired"),
    ("mx1.example.com", "192.0.2.1", "validation-failure"),
    ("mx1.example.com", "192.0.2.10", "certificate-expired"),
    ("MX2.example.com", "192.0.2.2", "certificate-expired"),
    ("mx3.example.com", "192.0.2.3", "certificate-expired"),
]


class ReceiverOrderTest(BaseTestCase):
    address: ReportAddress

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        domain = Domain.objects.create(
            team=cls.team, name="example.com", verified_at=timezone.now()
        )
        cls.address = ReportAddress.for_domain(domain)
        day = timezone.now().date() - timedelta(days=1)
        report, policy = day_report(
            cls.address, day, "Sender", "submitter", "r-1", failed=3 * len(STORED)
        )
        for mx, ip, result_type in STORED:
            FailureDetail.objects.create(
                report=report,
                policy=policy,
                result_type=result_type,
                receiving_mx_hostname=mx,
                receiving_ip=ip,
                failed_session_count=3,
            )

    def test_it_orders_tied_receivers_by_host_name_ignoring_case(self) -> None:
        rows = summarise(self.address).by_receiver
        assert [
            (r["receiving_mx_hostname"], r["receiving_ip"], r["result_type"]) for r in rows
        ] == WANTED
        assert {r["sessions"] for r in rows} == {3}

    def test_it_still_puts_the_busiest_receiver_first(self) -> None:
        detail = FailureDetail.objects.get(receiving_mx_hostname="mx3.example.com")
        detail.failed_session_count = 4
        detail.save()
        rows = summarise(self.address).by_receiver
        assert rows[0]["receiving_mx_hostname"] == "mx3.example.com"
        assert [r["receiving_mx_hostname"] for r in rows[1:]] == [
            mx for mx, _, _ in WANTED if mx != "mx3.example.com"
        ]
