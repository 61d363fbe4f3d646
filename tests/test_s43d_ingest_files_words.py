"""`manage.py ingest_files` says how many files it skipped in plain English: found by a new
user's walk through docs/cli.md (task s43d), a folder with one report whose name gives no
policy domain ended "CommandError: 1 files were not imported (listed above)"."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

SAMPLE = Path(__file__).resolve().parent / "data" / "tlsrpt" / "sample.json"


@pytest.mark.django_db
@pytest.mark.parametrize(("count", "words"), [(1, "1 file was"), (2, "2 files were")])
def test_the_skipped_files_are_counted_in_words(tmp_path: Path, count: int, words: str) -> None:
    for n in range(count):  # no policy domain in the name, no --address: skipped
        (tmp_path / f"report{n}.json.gz").write_bytes(gzip.compress(SAMPLE.read_bytes()))
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("ingest_files", str(tmp_path), stdout=out, stderr=err)
    assert str(raised.value) == f"{words} not imported (listed above)"
    assert out.getvalue().strip() == f"no files, {count} skipped"
    assert err.getvalue().count("no policy domain in the file name") == count
