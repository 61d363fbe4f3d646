"""reports.parse measures how deep a report nests on its text, not by walking the decoded
value in Python: the same answer as the decoded value's depth (RFC 8259 §9, MAX_DEPTH), for
any JSON value — brackets and escaped quotes inside strings included — at a small part of
the cost of decoding the report."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.reports_bench import big_report
from reports.parse import _DECODER, MAX_DEPTH, _loads_small, _nests_deeper, decode


def depth(value: Any) -> int:
    """Arrays and objects nested in a decoded value (0 for a scalar)."""
    if isinstance(value, dict):
        return 1 + max(map(depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(depth, value), default=0)
    return 0


# Strings that look like JSON structure: brackets, quotes, backslashes, escapes.
tricky_text = st.text(alphabet=st.sampled_from('{}[]"\\\\/:,ab é\\n\\u2028'), max_size=12)
values = st.recursive(
    st.none() | st.booleans() | st.integers() | tricky_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(tricky_text, inner, max_size=4),
    max_leaves=40,
)


@settings(max_examples=400, deadline=None)
@given(value=values, levels=st.integers(min_value=0, max_value=8), ascii_only=st.booleans())
def test_the_text_says_what_the_decoded_value_does(
    value: Any, levels: int, ascii_only: bool
) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only)
    deeper = depth(value) > levels
    assert _nests_deeper(text, levels) is deeper
    assert _nests_deeper(text.encode(), levels) is deeper
    # As the streamed reader asks, about one value in a window of text around it.
    window = f'{{"before": "]]]", "value": {text}, "after": [[[]]]}}'
    at = window.index(text, len('{"before": "]]]", "value": '))
    assert _nests_deeper(window, levels, at, at + len(text)) is deeper


@pytest.mark.parametrize(
    ("strings", "nesting", "deeper"),
    [
        # Closing brackets in strings before the deep part and opening ones after it would
        # hide four real levels from a count that took them for structure.
        ('"]]]]"', 66, True),
        # Opening brackets in strings would make a shallow report look deep.
        ('"' + "[" * 80 + '"', 60, False),
    ],
)
def test_brackets_in_strings_do_not_count(strings: str, nesting: int, deeper: bool) -> None:
    text = f'[{strings}, {"[" * nesting}{"]" * nesting}, "\\\\", "\\"[", {strings}]'
    assert depth(json.loads(text)) == nesting + 1
    assert _nests_deeper(text, MAX_DEPTH) is deeper
    assert _nests_deeper(text.encode(), MAX_DEPTH) is deeper


def python_steps(run: Callable[[], Any]) -> int:
    """How many Python and C function calls and returns `run` makes (sys.setprofile)."""
    steps = 0

    def count(frame: Any, event: str, arg: Any) -> None:
        nonlocal steps
        steps += 1

    sys.setprofile(count)
    try:
        run()
    finally:
        sys.setprofile(None)
    return steps


@pytest.mark.parametrize("details", [300, 1000])
def test_measuring_the_depth_does_not_walk_the_failure_details(details: int) -> None:
    """A report with many failure details has more than MAX_DEPTH brackets, so its nesting is
    measured: walking its decoded value in Python took a few steps per array and object, as
    long again as decoding (parse_report of 1,000 details: 3.4 ms became 5.0 ms). On the
    text it takes a few C-speed steps, however many details there are."""
    body, _ = decode(big_report(details), 10 * 1024 * 1024)
    assert body.count(b"{") > MAX_DEPTH
    decoding = python_steps(lambda: _DECODER.decode(body.decode("utf-8")))
    reading = python_steps(lambda: _loads_small(body))
    assert reading - decoding < 100
