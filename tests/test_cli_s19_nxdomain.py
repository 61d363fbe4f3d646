"""The CLI's first line for a name that does not exist (NXDOMAIN at the name: no score since
s19z): it says so, instead of "score n/a" and nine "not counted: … (domain does not exist)"."""

from __future__ import annotations

import io

from checks.cli import render_text
from tests.test_engine_s19z_nomail import check, free_port


def _text(report: object) -> str:
    out = io.StringIO()
    render_text(report, out, colour=False)  # type: ignore[arg-type]
    return out.getvalue()


def test_a_name_that_does_not_exist_says_so_in_its_first_line() -> None:
    report = check("typo.example.org", {}, free_port("127.0.143.10"))
    text = _text(report)
    lines = text.splitlines()
    assert "no score: the domain does not exist" in lines[0]
    assert "n/a" not in text
    assert "not counted" not in text and "points lost" not in text
    assert "does not exist in DNS (NXDOMAIN)" in text  # MX-01's own line stays


def test_a_name_that_exists_without_records_keeps_its_score_line() -> None:
    name = "empty.example.org"
    report = check(name, {(name, "TXT"): ['"hello"']}, free_port("127.0.143.11"))
    text = _text(report)
    assert "score 0/100" in text.splitlines()[0]
    assert "does not exist" not in text.splitlines()[0]
