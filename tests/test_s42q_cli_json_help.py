"""Task s42q, item 2: `mailsec check --help` said --json gives "one JSON object per domain",
while docs/cli.md (since fba56ec5) says one object per name given: a domain named twice is
checked once and its object written twice. The help now says what the doc says. Run as a
user runs it, in a subprocess."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _help() -> str:
    done = subprocess.run(
        [sys.executable, "-m", "checks", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"},
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _option(text: str, option: str) -> str:
    """The help words of `option`, its wrapped lines joined."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith(option))
    words = [lines[start].strip().removeprefix(option)]
    for line in lines[start + 1 :]:
        if not line.startswith(" " * 8) or line.strip().startswith("-"):
            break
        words.append(line.strip())
    return " ".join(" ".join(words).split())


def test_s42q_json_help_says_one_object_per_name_given() -> None:
    words = _option(_help(), "--json")
    assert "per domain" not in words, words
    assert "one JSON object per name given" in words, words
    assert "in the order given" in words, words


def test_s42q_the_doc_says_the_same() -> None:
    # The doc's own sentence, which the help now matches.
    doc = " ".join((ROOT / "docs" / "cli.md").read_text().split())
    assert re.search(r"One JSON object per name given, in the order given", doc)
