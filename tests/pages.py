"""A page as it reads, for tests' assertions on the text of HTML (s47f: the same few lines
were copied into each test module that read a page)."""

from __future__ import annotations

import html
import re

TAG = re.compile(r"<[^>]+>")


def words(page: str) -> str:
    """A page or a fragment of HTML as it reads: each tag a blank, entities read, every run
    of blanks one space, none at either end."""
    return " ".join(html.unescape(TAG.sub(" ", page)).split())


def prose(page: str) -> str:
    """words(), but with no blank before "." or "," that a tag ending before them left
    ("<strong>a.test</strong>." reads "a.test."), and the blank at either end kept."""
    text = re.sub(r"\s+", " ", html.unescape(TAG.sub(" ", page)))
    return text.replace(" .", ".").replace(" ,", ",")
