# ruff: noqa: F811 (pytest fixtures imported from other test modules)
"""Reports stored before s21r kept another domain's policies (reports.models.
keep_own_policies): `manage.py reparse --mixed-domains` reads them again, and a reparse that
changes the counted copy's figures judges the report's other copies again, so none keeps a
reason quoting the old figures."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path
from typing import Any
from unittest import mock

from django.core.management import call_command
from django.test import Client

from reports.models import RawReport, ReportAddress, TlsReport
from tests.test_reports_email import address, ingest, make_message, sign  # noqa: F401
from tests.test_reports_forged import signer  # noqa: F401
from tests.test_reports_s13_blind import parse_pending

C03 = json.loads((Path(__file__).parent / "data/tlsrpt/s21/C03.json").read_text())


def report(order: str = "com first", **fields: Any) -> dict[str, Any]:
    r = json.loads(json.dumps(C03))
    if order == "com first":
        r["policies"].reverse()
    r.update(fields)
    return r


def body(r: dict[str, Any], mtime: int = 0) -> bytes:
    return gzip.compress(json.dumps(r).encode(), mtime=mtime)


def post(client: Client, address: ReportAddress, r: dict[str, Any], mtime: int = 0) -> None:
    response = client.post(
        f"/tlsrpt/{address.token}", data=body(r, mtime), content_type="application/tlsrpt+gzip"
    )
    assert response.status_code == 201


def stored_whole():
    """Parsing as before s21r: every policy kept with the report."""
    return mock.patch("reports.models.keep_own_policies", lambda parsed, domain: parsed)


def reparse(*args: str) -> str:
    out = io.StringIO()
    call_command("reparse", *args, stdout=out)
    return out.getvalue()


def figures() -> list[tuple[Any, ...]]:
    return [
        (t.report_id, t.counted, t.total_successful, t.total_failed, t.policies.count())
        for t in TlsReport.objects.order_by("report_id")
    ]


def test_reparse_mixed_domains_reads_again_the_reports_stored_whole(
    client: Client, address: ReportAddress
) -> None:
    net_first = report("net first", **{"report-id": "r2"})
    net_first["policies"][1] = {
        "policy": {"policy-type": "tlsa", "policy-domain": "mx1.example.com"},
        "summary": {"total-successful-session-count": 40, "total-failure-session-count": 0},
    }
    own_only = report("com first", **{"report-id": "r3"})
    own_only["policies"] = own_only["policies"][:1]
    other_only = report("net first", **{"report-id": "r4"})
    other_only["policies"] = other_only["policies"][:1]
    with stored_whole():
        for r in (report("com first", **{"report-id": "r1"}), net_first, own_only, other_only):
            post(client, address, r)
        parse_pending()
    assert figures() == [
        ("r1", True, 380, 9, 2),  # example.net's counted as example.com's
        ("r2", False, 340, 9, 2),  # example.com's own DANE sessions left out
        ("r3", True, 80, 0, 1),
        ("r4", False, 300, 9, 1),
    ]
    attempts = dict(RawReport.objects.values_list("pk", "attempts"))

    assert reparse("--mixed-domains").strip() == "mixed-domains: 2 reports read again (2 parsed)"
    assert figures() == [
        ("r1", True, 80, 0, 1),
        ("r2", True, 40, 0, 1),
        ("r3", True, 80, 0, 1),
        ("r4", False, 300, 9, 1),
    ]
    for stored in TlsReport.objects.all():
        assert any("also covers example.net" in w for w in stored.warnings) == (
            stored.report_id in ("r1", "r2")
        )
    touched = {pk for pk, n in RawReport.objects.values_list("pk", "attempts") if n != attempts[pk]}
    assert touched == set(
        RawReport.objects.filter(report__report_id__in=["r1", "r2"]).values_list("pk", flat=True)
    )

    # Again: nothing left to read, nothing touched.
    attempts = dict(RawReport.objects.values_list("pk", "attempts"))
    assert reparse("--mixed-domains").strip() == (
        "mixed-domains: no report covers another domain too"
    )
    assert dict(RawReport.objects.values_list("pk", "attempts")) == attempts


def test_a_reparse_that_changes_the_figures_judges_the_duplicates_again(
    client: Client, address: ReportAddress
) -> None:
    with stored_whole():
        post(client, address, report(), mtime=0)
        post(client, address, report(), mtime=1)
        parse_pending()
    counted = RawReport.objects.get(parse_status=RawReport.PARSED)
    duplicate = RawReport.objects.get(parse_status=RawReport.DUPLICATE)
    # The duplicate read first (reparse --id): its figures are not the stored copy's.
    reparse("--id", str(duplicate.public_id))
    duplicate.refresh_from_db()
    assert "380 and 9 in the stored copy" in duplicate.error

    reparse("--id", str(counted.public_id))
    duplicate.refresh_from_db()
    assert figures() == [("comcast-20260601-multi", True, 80, 0, 1)]
    assert (duplicate.parse_status, duplicate.error) == (
        RawReport.DUPLICATE,
        "resend of report 'comcast-20260601-multi' already stored",
    )


def test_reparse_mixed_domains_judges_a_copy_set_aside_again(
    client: Client, address: ReportAddress, signer
) -> None:
    forged = report()
    forged["policies"][0]["summary"]["total-successful-session-count"] = 999
    with stored_whole():
        post(client, address, forged)
        parse_pending()
        assert ingest(sign(make_message(address, body=body(report("net first"))), signer)) == 0
        parse_pending()
    aside = RawReport.objects.get(parse_status=RawReport.SUPERSEDED)
    assert "(380 successful and 9 failed sessions there, 1299 and 9 here)" in aside.error

    assert reparse("--mixed-domains").strip() == "mixed-domains: 1 report read again (1 parsed)"
    aside.refresh_from_db()
    assert figures() == [("comcast-20260601-multi", True, 80, 0, 1)]
    assert aside.parse_status == RawReport.SUPERSEDED
    assert "(80 successful and 0 failed sessions there, 999 and 0 here)" in aside.error
