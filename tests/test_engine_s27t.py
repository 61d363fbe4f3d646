"""TLSRPT-10 and free-check leftovers (s27t).

- A zone id in an IPv6-literal rua (https://[fe80::1%25eth0]/r) names an interface of the
  sender's own host (RFC 6874 §1): a reporter on the internet has no such link, and RFC 8460 §3
  takes its tlsrpt-uri from RFC 3986, whose IP-literal holds no zone id. The address is
  unusable (TLSRPT-06, as an invalid port is), left out of the record offered, never probed;
  https.fetch refuses such a URL unconnected.
- A 3xx found by the unverified retry (after a refused certificate) says it came from there.
- Each https rua gets its own verdict; and a report host whose addresses answer the probe
  differently (one refuses the connection, another presents a refused certificate and takes the
  POST without it) has each address's verdict named, not only the first failure's.
- The free check reads 'a\\b@example.com' and '"a b"@example.com' as addresses at example.com
  (RFC 5321 §4.1.2: a quoted local part or a quoted-pair is valid; only the domain matters).

Probe tests use local HTTPS servers on 127.0.0.88 and 127.0.0.90 (one port for both: the probe
follows CheckConfig.https_port), never the network."""

from __future__ import annotations

import pytest

from checks.domainname import DomainNameError, to_ascii_domain

# ---------------------------------------------------------------- 4. free-check addresses


@pytest.mark.parametrize(
    "typed",
    [
        r"a\b@example.com",
        r"a\@b@example.com",
        r'"a b"@example.com',
        r'"a/b"@example.com',
        r'"a\"b"@example.com',
        r'"a#b?c"@example.com',
        r'"a\b"@example.com',
        "Alice <a\\b@example.com>",
        "mailto:a\\b@example.com",
    ],
)
def test_an_address_with_a_quoted_or_escaped_local_part_checks_its_domain(typed: str) -> None:
    assert to_ascii_domain(typed) == "example.com"


@pytest.mark.parametrize("typed", [r"a\b@exa\mple.com", r"a\b@localhost", r'"a b"@exa mple.com'])
def test_an_address_whose_domain_is_bad_is_still_refused(typed: str) -> None:
    with pytest.raises(DomainNameError):
        to_ascii_domain(typed)


def test_a_url_path_is_still_cut_at_a_backslash() -> None:
    assert to_ascii_domain("example.com\\path") == "example.com"
    assert to_ascii_domain("https://example.com\\x@evil.example/") == "example.com"
