"""CSV cells a spreadsheet program opens as text, never as a formula.

Our exports carry text from strangers (a TLS report's fields, a finding's summary quoting a
DNS record): a cell that begins with = + - @ would be run as a formula by Excel, LibreOffice
or Google Sheets ("CSV injection"). Such a cell gets a leading apostrophe, which those
programs read as "this is text" and do not show.
"""

from __future__ import annotations

# What a spreadsheet may read as the start of a formula, also after leading blanks it trims,
# and in the full-width forms some programs fold to ASCII.
FORMULA_START = frozenset("=+-@\t\r\n＝＋－＠")


def cell(value: str) -> str:
    """`value` as a CSV cell that starts no formula."""
    stripped = value.lstrip(" \t\r\n")
    return "'" + value if value[:1] in FORMULA_START or stripped[:1] in FORMULA_START else value
