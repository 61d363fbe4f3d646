"""The same report POSTed twice at once to the HTTPS intake (RFC 8460 §5.4, §5.5: senders
retry, and may overlap): one raw row, both answered 2xx, no IntegrityError as a 5xx."""

from __future__ import annotations

import gzip
import os
import threading
import time
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.test import Client

from reports.models import RawReport, ReportAddress, TlsReport
from tests import test_http_s11_urls as urls_case
from tests.test_http_s11_urls import GZ, SAMPLE

eager = urls_case.eager  # parse inline, on commit


def inserts_waiting() -> int:
    with connection.cursor() as cursor:
        # Within a transaction pg_stat_activity is a snapshot taken at its first read.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query LIKE %s",
            ['INSERT INTO "reports_rawreport"%'],
        )
        return int(cursor.fetchone()[0])


@pytest.mark.django_db(transaction=True)
def test_the_same_report_posted_twice_at_once_is_stored_once_and_both_told_2xx(
    eager: None,
) -> None:
    if connection.vendor != "postgresql":
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail("CI runs this against PostgreSQL (DATABASE_URL)", pytrace=False)
        pytest.skip("the race is between two PostgreSQL sessions (run with DATABASE_URL)")
    address = ReportAddress.objects.create(domain_name="example.com")
    body = gzip.compress(SAMPLE, mtime=0)
    responses: list[Any] = []

    def upload() -> None:
        try:
            responses.append(Client().generic("POST", f"/tlsrpt/{address.token}", body, GZ))
        finally:
            connections.close_all()

    # Both uploads look for the body, find none, and queue to insert it: the table is held
    # in SHARE mode (reads pass, inserts wait) until both wait, then let go at once.
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute('LOCK TABLE "reports_rawreport" IN SHARE MODE')
        uploads = [threading.Thread(target=upload) for _ in range(2)]
        for thread in uploads:
            thread.start()
        for _ in range(500):
            if inserts_waiting() == 2:
                break
            time.sleep(0.02)
        assert inserts_waiting() == 2, "both uploads should be waiting to insert"
    for thread in uploads:
        thread.join(30)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 201], [r.content for r in responses]
    assert {r.json()["id"] for r in responses} == {str(RawReport.objects.get().public_id)}
    assert TlsReport.objects.count() == 1
