"""The docs say what the code does where a number can drift apart."""

from __future__ import annotations

import re
from pathlib import Path

from checks.scoring import SCORE_VERSION

ROOT = Path(__file__).resolve().parent.parent


def test_scoring_doc_names_the_current_version() -> None:
    text = (ROOT / "docs" / "scoring.md").read_text()
    match = re.search(r"^Current version: \*\*(\d+)\*\*", text, re.M)
    assert match and int(match.group(1)) == SCORE_VERSION
    assert f"- v{SCORE_VERSION} (" in text  # and the version's line in the history
