"""The report tables' indexes: every foreign key stays indexed, the de-duplication stays unique."""

from __future__ import annotations

import pytest
from django.db import connection

from reports.models import FailureDetail, PolicyResult, RawReport, ReportAddress, TlsReport

pytestmark = pytest.mark.django_db


def _constraints(model: type) -> dict[str, dict]:
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, model._meta.db_table)


@pytest.mark.parametrize("model", [RawReport, TlsReport, PolicyResult, FailureDetail])
def test_it_leads_an_index_with_every_foreign_key(model: type) -> None:
    # A cascade, SET_NULL or PROTECT from the parent looks rows up by this column alone; a
    # column without an index of its own must lead another one (RawReport and TlsReport:
    # address_id leads their unique constraints).
    leading = {c["columns"][0] for c in _constraints(model).values() if c["index"] or c["unique"]}
    for field in model._meta.concrete_fields:
        if field.is_relation:
            assert field.column in leading, f"{model.__name__}.{field.column} has no index"


@pytest.mark.parametrize(
    ("model", "columns"),
    [
        (RawReport, ["address_id", "sha256", "report_index"]),
        (TlsReport, ["address_id", "submitter", "report_id", "day"]),
    ],
)
def test_it_keeps_the_deduplication_unique(model: type, columns: list[str]) -> None:
    uniques = [c["columns"] for c in _constraints(model).values() if c["unique"]]
    assert columns in uniques


def test_the_day_migration_recomputes_the_day_of_stored_reports() -> None:
    """0005: reports stored with the UTC date of their start get the UTC day their range
    mostly covers; the others are left as they are."""
    import datetime
    import importlib

    from django.apps import apps

    from reports.models import ReportAddress

    migration = importlib.import_module("reports.migrations.0005_report_day_from_middle_of_range")
    address = ReportAddress.objects.create(domain_name="example.com")
    plus3 = datetime.timezone(datetime.timedelta(hours=3))
    ranges = {
        "local": (datetime.datetime(2024, 1, 1, tzinfo=plus3), datetime.timedelta(seconds=86399)),
        "utc": (datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC), datetime.timedelta(days=1)),
    }
    for report_id, (start, length) in ranges.items():
        TlsReport.objects.create(
            address=address,
            organization_name="Mail.Ru",
            submitter="mail.ru",
            report_id=report_id,
            start=start,
            end=start + length,
            day=start.astimezone(datetime.UTC).date(),  # as stored before the fix
        )
    assert TlsReport.objects.get(report_id="local").day == datetime.date(2023, 12, 31)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(migration, "BATCH", 1)  # more than one batch
        migration.recompute_days(apps, None)
    days = dict(TlsReport.objects.values_list("report_id", "day"))
    assert days == {"local": datetime.date(2024, 1, 1), "utc": datetime.date(2024, 1, 1)}


def test_the_counted_migration_leaves_out_stored_reports_about_other_domains() -> None:
    """0007: reports stored before `counted` existed whose sts / no-policy-found policy is
    about another domain are marked, with the warning new ones get; tlsa-only reports and
    the address's own (and its subdomains') stay counted. Running it again changes nothing."""
    import datetime
    import importlib

    from django.apps import apps

    from reports.models import ReportAddress, foreign_domain_warning

    migration = importlib.import_module(
        "reports.migrations.0007_leave_out_reports_about_other_domains"
    )
    address = ReportAddress.objects.create(domain_name="example.com")
    start = datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC)
    policies = {
        "own": [("tlsa", "mx.hosting.example"), ("sts", "example.com")],
        "sub": [("no-policy-found", "mail.example.com")],
        "parked": [("tlsa", "mx1.example.com"), ("no-policy-found", "parked.example.net")],
        "dane": [("tlsa", "mx.hosting.example")],
    }
    for report_id, rows in policies.items():
        report = TlsReport.objects.create(
            address=address,
            organization_name="Google Inc.",
            submitter="google inc.",
            report_id=report_id,
            start=start,
            end=start + datetime.timedelta(days=1),
            day=start.date(),
            policy_domain=rows[0][1],
            warnings=["an earlier warning"],
        )
        for policy_type, domain in rows:
            PolicyResult.objects.create(
                report=report,
                policy_type=policy_type,
                policy_domain=domain,
                successful=1,
                failed=0,
            )
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(migration, "BATCH", 1)  # more than one batch
        migration.mark_foreign_reports(apps, None)
        migration.mark_foreign_reports(apps, None)
    counted = dict(TlsReport.objects.values_list("report_id", "counted"))
    assert counted == {"own": True, "sub": True, "parked": False, "dane": True}
    parked = TlsReport.objects.get(report_id="parked")
    assert parked.policy_domain == "parked.example.net"
    assert parked.warnings == [
        "an earlier warning",
        foreign_domain_warning("parked.example.net", "example.com"),
    ]
    assert TlsReport.objects.get(report_id="own").warnings == ["an earlier warning"]


def test_the_alerts_migration_marks_stored_reports_evaluated() -> None:
    """0008: reports stored before alerts_evaluated_at existed had their alert task already;
    the sweep must not raise alerts about them all at once."""
    import datetime
    import importlib

    from django.apps import apps

    from reports.models import ReportAddress

    migration = importlib.import_module("reports.migrations.0008_tlsreport_alerts_evaluated_at")
    address = ReportAddress.objects.create(domain_name="example.com")
    start = datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC)
    TlsReport.objects.create(
        address=address,
        organization_name="Google Inc.",
        submitter="google inc.",
        report_id="old",
        start=start,
        end=start + datetime.timedelta(days=1),
        day=start.date(),
        created=start + datetime.timedelta(days=1),
    )
    migration.mark_stored_reports_evaluated(apps, None)
    assert not TlsReport.alerts_pending(datetime.timedelta(0)).exists()


def test_a_row_written_without_report_submitter_gets_the_empty_default() -> None:
    # Workers still on the previous release (a rolling deploy) insert raw reports without the
    # column 0011 added: the database itself must fill it in.
    address = ReportAddress.objects.create(domain_name="example.org")
    table = RawReport._meta.db_table
    template = RawReport(address=address, body=b"{}", sha256="0" * 64, source="https", size=2)
    columns = [
        f.column
        for f in RawReport._meta.concrete_fields
        if f.name != "report_submitter" and not f.primary_key
    ]
    values = [
        f.get_db_prep_save(getattr(template, f.attname), connection)
        for f in RawReport._meta.concrete_fields
        if f.column in columns
    ]
    with connection.cursor() as cursor:
        quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
        marks = ", ".join(["%s"] * len(columns))
        cursor.execute(f"INSERT INTO {table} ({quoted}) VALUES ({marks})", values)
    assert RawReport.objects.get(sha256="0" * 64).report_submitter == ""
