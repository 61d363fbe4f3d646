"""Raw JSON download and CSV export of the dashboard on reports nobody listed: the exact bytes
the sender wrote, and spreadsheet formulas written by senders kept inert."""

from __future__ import annotations

import csv
import gzip
import io
import json
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from mailsec.accounts.models import Team
from mailsec.domains.models import Domain
from reports.models import RawReport, ReportAddress

pytestmark = pytest.mark.django_db


def body(org: str, day: str, details: list[dict[str, Any]]) -> bytes:
    # Written as a sender might: its own key order, indentation and non-ASCII text.
    return (
        json.dumps(
            {
                "organization-name": org,
                "date-range": {
                    "start-datetime": f"{day}T00:00:00Z",
                    "end-datetime": f"{day}T23:59:59Z",
                },
                "contact-info": "tlsrpt@sender.example",
                "report-id": f"{org}-{day}",
                "policies": [
                    {
                        "policy": {"policy-type": "sts", "policy-domain": "example.com"},
                        "summary": {
                            "total-successful-session-count": 10,
                            "total-failure-session-count": len(details),
                        },
                        "failure-details": details,
                    }
                ],
            },
            indent=1,
            ensure_ascii=False,
        )
        + "\n"
    ).encode()


@pytest.fixture
def setup() -> tuple[Client, ReportAddress, str]:
    owner = User.objects.create_user("owner", "owner@example.org")
    domain = Domain.objects.create(
        team=Team.create_for(owner), name="example.com", verified_at=timezone.now()
    )
    client = Client()
    client.force_login(owner)
    day = str(timezone.now().date() - timedelta(days=1))
    return client, ReportAddress.for_domain(domain), day


def test_raw_json_is_the_senders_bytes_gzipped_or_not(
    setup: tuple[Client, ReportAddress, str],
) -> None:
    client, address, day = setup
    for n, compress in enumerate((True, False)):
        sent = body(f"Fournisseur Électronique {n}", day, [])
        raw, _ = RawReport.store(
            address, gzip.compress(sent) if compress else sent, source=RawReport.HTTPS
        )
        raw.process()
        response = client.get(f"/tlsrpt/{address.token}/raw/{raw.public_id}.json")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        assert response["Content-Disposition"].startswith("attachment;")
        assert response.content == sent


def test_csv_keeps_sender_written_formulas_inert(setup: tuple[Client, ReportAddress, str]) -> None:
    client, address, day = setup
    tricks = ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "  =1+1", "\t=1", "＝1+1"]
    details = [
        {
            "result-type": trick,
            "receiving-mx-hostname": "mx1.example.com",
            "failed-session-count": 1,
            "failure-reason-code": trick,
        }
        for trick in tricks
    ]
    raw, _ = RawReport.store(address, body("=HYPERLINK(1)", day, details), source=RawReport.HTTPS)
    raw.process()
    raw.refresh_from_db()
    assert raw.parse_status == RawReport.PARSED, raw.error
    response = client.get(f"/tlsrpt/{address.token}/export.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == len(tricks)  # every failure detail is a row
    for row in rows:
        assert row["organization"] == "'=HYPERLINK(1)"
        for column in ("result_type", "failure_reason_code"):
            assert row[column].startswith("'"), row[column]
        assert row["detail_failed_sessions"] == "1"
