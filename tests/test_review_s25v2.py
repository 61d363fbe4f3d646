"""Review s25v2: defects found reading this session's engine, report and hosting commits.

TLS-RPT (d9edb31): a report address with quotes around it is parsed again without them to
see whether the address meant is usable; when it is not, that trial parse's problems must not
be kept beside the ones of the address as published (they doubled TLSRPT-07 for one '!').
"""

from __future__ import annotations

import pytest

from checks import tlsrpt
from checks.domainname import DomainNameError, to_ascii_domain


def test_unusable_quoted_address_is_judged_once() -> None:
    published = '"mailto:tls@exa mple.org!10m"'
    record = tlsrpt.parse_tlsrpt_record(f"v=TLSRPTv1; rua={published}")
    # Every problem names the address as published: none comes from the trial parse of the
    # address without its quotes, which is not usable (a space in it) and so not the one meant.
    assert record.problems
    for problem in record.problems:
        assert published in problem.message, problem.message
    messages = [p.message for p in record.problems]
    assert len(messages) == len(set(messages))


def test_usable_quoted_address_keeps_its_own_warning() -> None:
    # Unchanged: when the address without the quotes is usable it is the one meant, and what
    # is said of it (the DMARC-style size suffix) stands beside the quote's TLSRPT-06.
    record = tlsrpt.parse_tlsrpt_record('v=TLSRPTv1; rua="mailto:tls@example.org!10m"')
    ids = sorted(p.check_id for p in record.problems)
    assert ids == ["TLSRPT-06", "TLSRPT-07"]
    assert any("'mailto:tls@example.org!10m' contains '!'" in p.message for p in record.problems)


# --- checks.domainname (901ffa5) ------------------------------------------------------------
# A pasted list of addresses was read as one address whose local part held the others
# ("a@example.com, b@example.org": everything before the last '@' was dropped), so the free
# check silently checked the last domain of the list, not refused it as a list.


@pytest.mark.parametrize(
    "typed",
    [
        "alice@example.com, bob@example.org",
        "alice@example.com; bob@example.org",
        "alice@example.com\nbob@example.org",
        "example.com, postmaster@example.org",
    ],
)
def test_pasted_list_of_addresses_is_refused_as_a_list(typed: str) -> None:
    with pytest.raises(DomainNameError, match="holds 2 domain names; enter one domain at a time"):
        to_ascii_domain(typed)


@pytest.mark.parametrize(
    ("typed", "domain"),
    [
        ("Alice Smith <alice@example.com>", "example.com"),
        ("alice@example.com", "example.com"),
        ("mailto:postmaster@example.org?cc=bob@example.com", "example.org"),
        ("https://Example.com/contact/us?utm_source=news&from=a@b.org#top", "example.com"),
    ],
)
def test_one_address_is_still_read(typed: str, domain: str) -> None:
    assert to_ascii_domain(typed) == domain
