"""checks.dns.split_at_schemes: one cut of run-together report URIs for DMARC-12 and TLSRPT-06,
each check keeping its own judgement of the pieces (written before the helper existed)."""

from __future__ import annotations

from checks import dmarc, tlsrpt
from checks.dns import split_at_schemes


def test_it_cuts_before_each_report_scheme() -> None:
    text = "mailto:d@example.comhttps://r.example/v1MAILTO:e@example.net"
    assert split_at_schemes(text) == [
        "mailto:d@example.com",
        "https://r.example/v1",
        "MAILTO:e@example.net",
    ]


def test_one_uri_or_a_list_not_starting_with_a_scheme_is_not_cut() -> None:
    assert split_at_schemes("mailto:d@example.com") == []
    assert split_at_schemes("d@example.commailto:e@example.net") == []
    # 'http:' is no report scheme, so nothing begins again there.
    assert split_at_schemes("mailto:d@example.comhttp://r.example/") == []


def test_each_check_still_judges_the_pieces_its_own_way() -> None:
    # A broken second address: neither check calls it two URIs.
    assert dmarc._run_together("mailto:d@example.commailto:nobody") == []
    assert tlsrpt.run_together("mailto:d@example.commailto:nobody") == []
    # DMARC keeps a piece that is a URI, though receivers only promise mailto: (DMARC-12);
    # TLS-RPT keeps the https: endpoint as the usable URI it is (TLSRPT-06).
    both = "mailto:d@example.comhttps://r.example/"
    assert dmarc._run_together(both) == ["mailto:d@example.com", "https://r.example/"]
    assert tlsrpt.run_together(both) == ["mailto:d@example.com", "https://r.example/"]
