"""The day a report counts on (docs/reports.md §5): a sender's own day — 00:00:00 to 23:59:59
(or the next 00:00:00) at its offset — is the UTC day of its date, at every offset; any other
range counts on the day of its middle. Before s22 every range counted by its middle, which
from +12:00 on is the day before the date with the 23:59:59 end (blind round s22, D02)."""

from __future__ import annotations

import json

import pytest

from tests.test_reports_s12_blind import both_readers


def report(start: str, end: str) -> bytes:
    return json.dumps(
        {
            "organization-name": "Sender Example",
            "date-range": {"start-datetime": start, "end-datetime": end},
            "contact-info": "tlsrpt@sender.example",
            "report-id": "day-1",
            "policies": [],
        }
    ).encode()


@pytest.mark.parametrize(
    "start, end, day",
    [
        # A sender's day, at any offset and with either end: its date.
        ("2026-06-01T00:00:00Z", "2026-06-01T23:59:59Z", "2026-06-01"),
        ("2026-06-01T00:00:00Z", "2026-06-02T00:00:00Z", "2026-06-01"),
        ("2026-06-01T00:00:00+12:00", "2026-06-01T23:59:59+12:00", "2026-06-01"),
        ("2026-06-01T00:00:00+12:00", "2026-06-02T00:00:00+12:00", "2026-06-01"),
        ("2026-06-01T00:00:00+14:00", "2026-06-01T23:59:59.999+14:00", "2026-06-01"),
        ("2026-06-01T00:00:00-12:00", "2026-06-01T23:59:59-12:00", "2026-06-01"),
        ("2026-06-01T00:00:00.000+05:30", "2026-06-01T23:59:59.999999999+05:30", "2026-06-01"),
        ("2026-06-30T00:00:00+13:00", "2026-06-30T23:59:60+13:00", "2026-06-30"),
        # Across a DST change (25 hours): still the date.
        ("2026-10-25T00:00:00+02:00", "2026-10-25T23:59:59+01:00", "2026-10-25"),
        # Not one day at an offset: the day of the middle, as before.
        ("2026-05-31T23:59:59Z", "2026-06-01T23:59:59Z", "2026-06-01"),
        ("2026-06-01T00:00:00Z", "2026-06-03T00:00:00Z", "2026-06-02"),
        ("2026-06-01T06:00:00Z", "2026-06-02T05:59:59Z", "2026-06-01"),
        ("2026-06-01T00:00:00+14:00", "2026-06-01T23:59:59-12:00", "2026-06-01"),
        ("2026-06-02T00:00:00+14:00", "2026-06-02T23:59:59-12:00", "2026-06-02"),
    ],
)
def test_the_day_of_a_report(start: str, end: str, day: str, monkeypatch) -> None:
    status, parsed = both_readers(report(start, end), monkeypatch)
    assert status == "parsed", parsed
    assert str(parsed.day) == day
