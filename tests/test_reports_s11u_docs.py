"""docs/reports.md says how a message with several reports is stored and refused, with the
limits the intake applies (reports.mail)."""

from __future__ import annotations

import re
from pathlib import Path

from reports.mail import MAX_COPIES_BYTES_FACTOR, MAX_REPORTS_PER_MESSAGE

DOC = Path(__file__).resolve().parent.parent / "docs" / "reports.md"
FACTORS = {2: "twice", 3: "three times"}


def section(title: str) -> str:
    text = DOC.read_text()
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## )", text, re.M | re.S)
    assert match, f"docs/reports.md has no section {title!r}"
    return match.group(1)


def test_the_reports_doc_states_the_limits_of_several_reports_per_message() -> None:
    text = " ".join(section("Several reports in one email").split())
    assert f"more than **{MAX_REPORTS_PER_MESSAGE}** reports in a message" in text
    assert f"**{FACTORS[MAX_COPIES_BYTES_FACTOR]} `TLSRPT_MAX_MESSAGE_BYTES`**" in text
    assert "**552**" in text and "exit **65**" in text
    assert "stores the **whole message**" in text and "daily quota" in text
