"""Orderings of names that are the same on every database.

An ORDER BY on a text column compares with the database's collation: SQLite compares bytes,
a PostgreSQL made with a language collation (en_US, ICU) folds case and skips punctuation.
So one list came in two orders ("Bravo" before "acme" on one, after it on the other). These
expressions compare code point by code point on both: PostgreSQL is told COLLATE "C", which
is what SQLite does anyway."""

from __future__ import annotations

from typing import Any

from django.db.models import F, OrderBy
from django.db.models.functions import Collate, Lower


class CodePointOrder(Collate):
    """`expression` compared code point by code point (UTF-8 byte order is code point order)."""

    def __init__(self, expression: Any) -> None:
        super().__init__(expression, "C")

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        if connection.vendor == "postgresql":
            return super().as_sql(compiler, connection, **extra)
        # SQLite's own comparison (BINARY) already is this; it has no collation named "C".
        return compiler.compile(self.source_expressions[0])


def by_name(field: str, descending: bool = False) -> list[OrderBy]:
    """Order by `field` ignoring ASCII case, then by the exact text (a total order of names).

    Lower() of a C-collated text folds only A-Z on PostgreSQL, as SQLite's lower() does, so
    "Ä" and "ä" are two names on both rather than one on PostgreSQL only."""
    plain = CodePointOrder(F(field))
    return [
        OrderBy(Lower(plain), descending=descending),
        OrderBy(CodePointOrder(F(field)), descending=descending),
    ]
