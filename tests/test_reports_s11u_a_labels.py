"""One conversion of host names to A-labels (reports.parse.a_labels): the parser stores a
report's U-label names in it, and the models compare stored names with our domains by it,
so the two can never drift apart (the models had a copy of their own)."""

from __future__ import annotations

import pytest

from reports import models, parse
from reports.parse import _a_label_form, a_labels


def test_the_models_compare_names_with_the_parser_s_conversion() -> None:
    assert models.a_labels is parse.a_labels


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("MX1.Bücher.Example.", "mx1.xn--bcher-kva.example"),
        ("mx1.example.com", "mx1.example.com"),
        ("MX1.EXAMPLE.COM.", "mx1.example.com"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example"),
        ("straße.de", "xn--strae-oqa.de"),  # IDNA2008: ß stays ß, not ss
        ("bad\u200d.example", "bad\u200d.example"),  # no valid IDN: as written, lower case
    ],
)
def test_a_labels(written: str, stored: str) -> None:
    assert a_labels(written) == stored


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("mx1.bücher.example", "mx1.xn--bcher-kva.example"),
        ("*.Bücher.example.", "*.xn--bcher-kva.example"),
        ("bad\u200d.example", None),
        ("bü" + "x" * 300 + ".example", None),
    ],
)
def test_a_report_s_u_label_host_reads_as_a_labels_or_as_no_host_name(
    written: str, read: str | None
) -> None:
    assert _a_label_form(written) == read
    if read is not None:
        host = written[2:] if written.startswith("*.") else written
        assert read.removeprefix("*.") == a_labels(host)
