"""The report tables' indexes: every foreign key stays indexed, the de-duplication stays unique."""

from __future__ import annotations

import pytest
from django.db import connection

from reports.models import FailureDetail, PolicyResult, RawReport, TlsReport

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
        (RawReport, ["address_id", "sha256"]),
        (TlsReport, ["address_id", "submitter", "report_id"]),
    ],
)
def test_it_keeps_the_deduplication_unique(model: type, columns: list[str]) -> None:
    uniques = [c["columns"] for c in _constraints(model).values() if c["unique"]]
    assert columns in uniques
