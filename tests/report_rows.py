"""Parsed TLS-RPT rows written straight to the database, for tests of how the dashboard, the
report list and the CSV order and count them (no JSON, no parser: the rows are the input)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from reports.models import PolicyResult, ReportAddress, TlsReport


def day_report(
    address: ReportAddress,
    day: date,
    org: str,
    submitter: str,
    report_id: str,
    successful: int = 5,
    failed: int = 0,
) -> tuple[TlsReport, PolicyResult]:
    """A report of `org` covering `day` for example.com, with its one STS policy row."""
    start = datetime.combine(day, time(0), UTC)
    report = TlsReport.objects.create(
        address=address,
        organization_name=org,
        submitter=submitter,
        report_id=report_id,
        start=start,
        end=start + timedelta(days=1, seconds=-1),
        day=day,
        policy_domain="example.com",
        total_successful=successful,
        total_failed=failed,
    )
    policy = PolicyResult.objects.create(
        report=report,
        policy_type="sts",
        policy_domain="example.com",
        successful=successful,
        failed=failed,
    )
    return report, policy
