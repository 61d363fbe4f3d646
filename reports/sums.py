"""Sums of session counts that a forged report cannot make fail.

Each count is an I-JSON integer (at most 2^53, reports.parse) and each report's totals fit a
signed 64-bit integer, but a sum over many reports need not: two reports of 600 entries of
2^53 - 1 sessions each add up past 2^63 - 1. PostgreSQL's SUM of a bigint column is a
numeric and holds any sum; SQLite's SUM raises "integer overflow", which failed the TLS-RPT
dashboard (500) and every alert evaluation of the address. Anyone can post to a report
address (its token is in DNS), so such sums must be readable.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Sum

# SQLite's largest INTEGER, as the REAL a sum past it is capped at.
_SQLITE_MAX = "9223372036854775807.0"


class SessionSum(Sum):
    """SUM(...) as Django's, except on SQLite, where the counts (never negative) are summed
    in two halves that cannot overflow — their high 32 bits and their low 32 bits, each sum
    within 64 bits for 2^31 rows — and put together exactly; a sum past 2^63 - 1 (SQLite's
    integer arithmetic goes over to REAL then, it does not fail) is capped at it. NULL over
    no rows, as SUM."""

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> tuple[str, Any]:
        if self.distinct:  # a sum of distinct counts is no sum of its halves' distinct values
            return self.as_sql(compiler, connection, **extra_context)
        halves = []
        params: list[Any] = []
        for part in (">> 32", "& 4294967295"):
            # On a copy, not as a template= argument: Aggregate.as_sql passes its own
            # template (with the FILTER clause) and reads the copy's for it.
            half = self.copy()
            half.template = f"%(function)s(%(distinct)s(%(expressions)s) {part})"
            sql, part_params = half.as_sql(compiler, connection, function="SUM", **extra_context)
            halves.append(sql)
            params.extend(part_params)
        high, low = halves
        return f"CAST(MIN(({high}) * 4294967296 + ({low}), {_SQLITE_MAX}) AS INTEGER)", params
