"""Pages as a browser shows them: defects a click-through audit found that unit tests of the
views missed (template text printed raw, layout that breaks on a phone)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from mailsec.accounts.models import Team
from mailsec.domains.models import Domain
from reports.models import ReportAddress, TlsReport
from reports.parse import parse_report

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).parent / "data" / "tlsrpt" / "sample.json"


def owner_and_address() -> tuple[Client, ReportAddress]:
    owner = User.objects.create_user("owner", "owner@example.org")
    domain = Domain.objects.create(
        team=Team.create_for(owner), name="example.com", verified_at=timezone.now()
    )
    client = Client()
    client.force_login(owner)
    return client, ReportAddress.for_domain(domain)


def test_a_report_page_shows_the_policy_strings_one_per_line() -> None:
    client, address = owner_and_address()
    report = TlsReport.objects.store(address, parse_report(SAMPLE.read_bytes()))
    html = client.get(f"/tlsrpt/{address.token}/reports/{report.public_id}/").content.decode()
    # A template tag split over two lines is not a tag: the page printed its source.
    assert "{{" not in html and "policy_strings" not in html
    assert "<pre><code>version: STSv1\nmode: enforce\nmx: mx1.example.com\n" in html


def test_the_tls_report_pages_scroll_their_tables_instead_of_widening_a_phone_page() -> None:
    client, address = owner_and_address()
    report = TlsReport.objects.store(address, parse_report(SAMPLE.read_bytes()))
    for url in (
        f"/tlsrpt/{address.token}/dashboard/",
        f"/tlsrpt/{address.token}/reports/{report.public_id}/",
    ):
        html = client.get(url).content.decode()
        # Five-column tables of host names and IPv6 addresses were 558-911 px wide at 375.
        assert html.count("<table") == html.count('<div class="table-scroll"><table'), url
        assert html.count("<table") >= 1, url
    # The 500-unit chart shrinks to the page instead of setting its width.
    css = (Path(__file__).parent.parent / "static" / "css" / "app.css").read_text()
    assert ".tlsrpt-chart { max-width: 100%; height: auto;" in css


@pytest.mark.usefixtures("unanswered_lookups_end_soon")
def test_the_hosting_records_table_keeps_the_record_type_whole() -> None:
    client, address = owner_and_address()
    html = client.get(f"/hosting/{address.domain.code}/").content.decode()
    # The type is the second cell of each row of table.records ...
    assert '<table class="records stack">' in html
    assert '<td data-label="Type"><code>CNAME</code></td>' in html
    # ... and `main code { overflow-wrap: anywhere }` let the table squeeze it to "CNAM"/"E".
    css = (Path(__file__).parent.parent / "static" / "css" / "app.css").read_text()
    assert "table.records td:nth-child(2) code { white-space: nowrap; }" in css


def test_pages_name_an_icon_so_browsers_do_not_ask_for_a_missing_favicon(client: Client) -> None:
    html = client.get("/").content.decode()
    # Without <link rel="icon"> browsers fetch /favicon.ico, a 404 logged on every first visit.
    assert '<link rel="icon" href="data:image/svg+xml,' in html
