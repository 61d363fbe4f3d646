"""A resolver's RFC 8914 explanation reaches people by name, not only by number: findings,
hosting emails and evidence quote DnsAnswer.describe_failure(), and "EDE 6" alone means
nothing to a mail admin."""

from __future__ import annotations

from checks.dns import EDE_NAMES, DnsAnswer, describe_ede
from checks.dnssec import EDE_DNSSEC


def test_failure_names_each_code_and_keeps_the_resolver_text() -> None:
    answer = DnsAnswer(
        "example.org", "MX", "SERVFAIL", ede=[(6, "validation failure <x>"), (22, "")]
    )
    assert answer.describe_failure() == (
        "SERVFAIL for example.org MX (EDE 6 (DNSSEC Bogus): validation failure <x>; "
        "EDE 22 (No Reachable Authority))"
    )


def test_an_unregistered_code_is_given_as_it_came() -> None:
    assert describe_ede(4095, "vendor text") == "EDE 4095: vendor text"
    assert describe_ede(4095, "") == "EDE 4095"


def test_registry_names() -> None:
    # RFC 8914 §4.1-4.25 and the IANA registry's later entries.
    assert EDE_NAMES[7] == "Signature Expired"
    assert EDE_NAMES[15] == "Blocked"
    assert EDE_NAMES[24] == "Invalid Data"
    assert EDE_NAMES[27] == "Unsupported NSEC3 Iterations Value"
    assert set(EDE_NAMES) == set(range(30))
    assert all(EDE_DNSSEC[code] == EDE_NAMES[code] for code in EDE_DNSSEC)
