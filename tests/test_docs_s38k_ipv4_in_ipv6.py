"""docs/reports.md names the IPv6 addresses stored with their IPv4 part dotted (RFC 5952 §5):
it named IPv4-mapped and NAT64's well-known prefix, while reports.parse writes an
IPv4-translated address (::ffff:0:0:0/96, RFC 2765) so too, `::ffff:0:c000:20a` as
`::ffff:0:192.0.2.10` (task s38k, item 5). Each form the page names is what the parser stores
for the same address written in hex."""

from __future__ import annotations

from pathlib import Path

import pytest

from reports.parse import _ip_text

DOC = " ".join((Path(__file__).resolve().parent.parent / "docs" / "reports.md").read_text().split())


@pytest.mark.parametrize(
    ("kind", "sent", "stored"),
    [
        ("IPv4-mapped", "::ffff:c000:20a", "::ffff:192.0.2.10"),
        ("IPv4-translated", "::ffff:0:c000:20a", "::ffff:0:192.0.2.10"),
        ("NAT64's well-known prefix", "64:ff9b::c633:6419", "64:ff9b::198.51.100.25"),
    ],
)
def test_the_page_names_each_dotted_form_the_parser_stores(
    kind: str, sent: str, stored: str
) -> None:
    assert _ip_text(sent) == stored
    assert _ip_text(sent.upper()) == stored
    assert f"{kind} `{stored}`" in DOC, kind
