"""Ingesting many report files at once: an archive import, and the ingestion benchmark.

The same steps and outcomes as the HTTPS intake followed by the parse task — raw bytes kept
(sha256-unique per address), parsed and validated by reports.parse, a resent report stored once
by (address, submitter, report-id) (RFC 8460 §4.4, checklist M38), a rejected one kept with its
reason — but a batch of files per transaction and per INSERT instead of two transactions and a
dozen statements per file. Each body is taken as an HTTPS POST body would be (gzip, zip or
JSON; no e-mail envelope, so no DKIM). Imported reports raise no alerts: they are history.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from reports import conf
from reports.models import (
    PolicyResult,
    RawReport,
    ReportAddress,
    TlsReport,
    insert_details,
    policy_fields,
    report_fields,
)
from reports.parse import ParsedReport, ReportRejected, parse_report

BATCH = 500
# A report's identity (RFC 8460 §4.4: report-id is unique per submitter), per address.
Key = tuple[int, str, str]


def _batches(
    items: Iterable[tuple[ReportAddress, bytes]], size: int
) -> Iterator[list[tuple[ReportAddress, bytes]]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def ingest_many(
    items: Iterable[tuple[ReportAddress, bytes]],
    *,
    content_type: str = "application/tlsrpt+gzip",
    batch: int = BATCH,
) -> Counter[str]:
    """Store and parse (address, body) pairs; how many ended in each parse status, plus
    "already stored" for bodies identical to one the address already has."""
    outcome: Counter[str] = Counter()
    for chunk in _batches(items, batch):
        with transaction.atomic():
            _ingest_batch(chunk, content_type, outcome)
    return outcome


def _ingest_batch(
    chunk: list[tuple[ReportAddress, bytes]], content_type: str, outcome: Counter[str]
) -> None:
    max_bytes = conf.max_report_bytes()
    digests = [hashlib.sha256(body).hexdigest() for _, body in chunk]
    known = set(
        RawReport.objects.filter(
            address_id__in={a.pk for a, _ in chunk}, sha256__in=set(digests)
        ).values_list("address_id", "sha256")
    )
    now = timezone.now()
    raws: list[RawReport] = []
    parsed_of: dict[int, ParsedReport] = {}  # index in raws → parsed
    for (address, body), digest in zip(chunk, digests, strict=True):
        if (address.pk, digest) in known:
            outcome["already stored"] += 1
            continue
        known.add((address.pk, digest))
        raw = RawReport(
            address=address,
            source=RawReport.HTTPS,
            body=body,
            sha256=digest,
            size=len(body),
            content_type=content_type,
            received_at=now,
            processed_at=now,
            attempts=1,
        )
        try:
            parsed_of[len(raws)] = parse_report(
                body, report_domain=address.domain_name, max_bytes=max_bytes
            )
        except ReportRejected as e:
            raw.parse_status, raw.error = RawReport.REJECTED, e.reason
        raws.append(raw)

    # De-duplicate by (address, submitter, report-id): against what is stored, and within
    # the batch (a resend in the same archive).
    keys = {
        i: (raws[i].address_id, p.organization_name.casefold(), p.report_id)
        for i, p in parsed_of.items()
    }
    stored = {
        (r.address_id, r.submitter, r.report_id): r
        for r in TlsReport.objects.filter(
            address_id__in={k[0] for k in keys.values()},
            report_id__in={k[2] for k in keys.values()},
        ).only("pk", "address_id", "submitter", "report_id")
    }
    new: dict[Key, tuple[int, TlsReport]] = {}
    for i, parsed in parsed_of.items():
        key = keys[i]
        raw = raws[i]
        if key in stored or key in new:
            raw.parse_status = RawReport.DUPLICATE
            raw.error = f"resend of report {parsed.report_id!r} already stored"
            continue
        new[key] = (i, TlsReport(address=raw.address, **report_fields(raw.address, parsed)))
        raw.parse_status = RawReport.PARSED

    if connection.vendor == "postgresql":
        _store_by_copy(raws, new, parsed_of, keys, stored)
    else:
        _store_by_orm(raws, new, parsed_of, keys, stored)
    outcome.update(raw.parse_status for raw in raws)


def _store_by_orm(
    raws: list[RawReport],
    new: dict[Key, tuple[int, TlsReport]],
    parsed_of: dict[int, ParsedReport],
    keys: dict[int, Key],
    stored: dict[Key, TlsReport],
) -> None:
    created = TlsReport.objects.bulk_create([report for _, report in new.values()])
    for (i, _), report in zip(new.values(), created, strict=True):
        stored[keys[i]] = report
    policy_rows = PolicyResult.objects.bulk_create(
        PolicyResult(report=report, **policy_fields(p))
        for i, report in new.values()
        for p in parsed_of[i].policies
    )
    # Policy rows come back in order: each report's own, then their details.
    rows = iter(policy_rows)
    insert_details(
        (report.pk, row.pk, d)
        for i, report in new.values()
        for p in parsed_of[i].policies
        for row in (next(rows),)
        for d in p.failure_details
    )
    for i, raw in enumerate(raws):
        if i in keys:
            raw.report = stored[keys[i]]
    RawReport.objects.bulk_create(raws)


def _next_ids(model: type[models.Model], count: int) -> list[int]:
    """Primary keys drawn from the table's own sequence, so rows can go in by COPY."""
    if not count:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _copy(model: type[models.Model], columns: list[str], rows: Iterable[tuple[Any, ...]]) -> None:
    quote = connection.ops.quote_name
    sql = f"COPY {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def _store_by_copy(
    raws: list[RawReport],
    new: dict[Key, tuple[int, TlsReport]],
    parsed_of: dict[int, ParsedReport],
    keys: dict[int, Key],
    stored: dict[Key, TlsReport],
) -> None:
    """PostgreSQL: the same rows as _store_by_orm, by COPY, with ids from the sequences —
    Django's multi-row INSERTs of a few thousand rows cost more than parsing the reports."""
    reports = list(new.values())
    for (i, report), pk in zip(reports, _next_ids(TlsReport, len(reports)), strict=True):
        report.pk = report.id = pk
        stored[keys[i]] = report
    report_columns = [f.column for f in TlsReport._meta.concrete_fields]
    _copy(
        TlsReport,
        report_columns,
        (_row(report, TlsReport) for _, report in reports),
    )
    policies = [(report.pk, p) for i, report in reports for p in parsed_of[i].policies]
    policy_ids = _next_ids(PolicyResult, len(policies))
    _copy(
        PolicyResult,
        ["id", "report_id", "policy_type", "policy_domain", "policy_strings", "mx_hosts"]
        + ["successful", "failed"],
        (
            (
                pk,
                report_pk,
                p.policy_type,
                p.policy_domain,
                json.dumps(p.policy_strings),
                json.dumps(p.mx_hosts),
                p.successful,
                p.failed,
            )
            for pk, (report_pk, p) in zip(policy_ids, policies, strict=True)
        ),
    )
    insert_details(
        (report_pk, pk, d)
        for pk, (report_pk, p) in zip(policy_ids, policies, strict=True)
        for d in p.failure_details
    )
    for i, raw in enumerate(raws):
        if i in keys:
            raw.report = stored[keys[i]]
    raw_columns = [f.column for f in RawReport._meta.concrete_fields if f.column != "id"]
    _copy(RawReport, raw_columns, (_row(raw, RawReport, skip_id=True) for raw in raws))


def _row(obj: models.Model, model: type[models.Model], skip_id: bool = False) -> tuple[Any, ...]:
    """A model instance as COPY values (JSON as text; PostgreSQL parses it on the way in)."""
    values = []
    for f in model._meta.concrete_fields:
        if skip_id and f.column == "id":
            continue
        value = getattr(obj, f.attname)
        if isinstance(f, models.JSONField):
            value = json.dumps(value)
        values.append(value)
    return tuple(values)
