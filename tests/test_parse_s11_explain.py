"""reports.explain: a plain meaning and a likely cause for every result type RFC 8460 §4.3
defines, and something useful for any other name a sender writes (session 11)."""

from __future__ import annotations

import pytest

from reports import parse
from reports.explain import DOMAIN_PLACEHOLDER, RESULT_TYPES, explain

# RFC 8460 §4.3.1 (negotiation), §4.3.2.1 (DANE), §4.3.2.2 (MTA-STS); §4.3.3 puts the
# general validation-failure with the negotiation failures.
RFC_8460_TYPES = {
    "starttls-not-supported": "TLS negotiation",
    "certificate-host-mismatch": "TLS negotiation",
    "certificate-expired": "TLS negotiation",
    "certificate-not-trusted": "TLS negotiation",
    "validation-failure": "TLS negotiation",
    "tlsa-invalid": "DANE",
    "dnssec-invalid": "DANE",
    "dane-required": "DANE",
    "sts-policy-fetch-error": "MTA-STS",
    "sts-policy-invalid": "MTA-STS",
    "sts-webpki-invalid": "MTA-STS",
}


def test_the_explained_types_are_the_rfc_s_and_the_parser_s() -> None:
    assert set(RESULT_TYPES) == set(RFC_8460_TYPES) == set(parse.RESULT_TYPES)


@pytest.mark.parametrize(("name", "group"), sorted(RFC_8460_TYPES.items()))
def test_every_rfc_8460_type_has_a_meaning_and_a_likely_cause(name: str, group: str) -> None:
    kind = explain(name)
    assert (kind.name, kind.group) == (name, group)
    # Sentences a person reads, not a restatement of the name.
    for text in (kind.meaning, kind.likely_cause):
        assert len(text) > 40 and text.endswith("."), text
        assert name not in text.split(" (")[0]
    others = [t for t in RESULT_TYPES.values() if t.name != name]
    assert kind.meaning not in {t.meaning for t in others}
    assert kind.likely_cause not in {t.likely_cause for t in others}
    about = kind.about("example.com")
    assert DOMAIN_PLACEHOLDER not in about.meaning + about.likely_cause


def test_validation_failure_points_at_the_failure_reason_code() -> None:
    # RFC 8460 §4.3.3: with validation-failure the reporter SHOULD also give a
    # failure-reason-code; that code is where the actual cause is.
    assert "failure-reason-code" in explain("validation-failure").likely_cause


def test_an_unknown_type_gets_a_generic_explanation_that_still_says_what_to_do() -> None:
    kind = explain("certificate-revoked")
    assert (kind.name, kind.group) == ("certificate-revoked", "not in RFC 8460")
    assert "not defined in RFC 8460 §4.3" in kind.meaning
    assert "failure-reason-code" in kind.likely_cause
    assert kind.about("example.com") == kind


@pytest.mark.parametrize(
    ("sent", "meant"),
    [
        ("CERTIFICATE-EXPIRED", "certificate-expired"),
        ("certificate-expired  ", "certificate-expired"),
        ("sts_policy_invalid", "sts-policy-invalid"),
        ("Dane Required", "dane-required"),
    ],
)
def test_a_known_type_written_differently_is_explained_as_that_type(sent: str, meant: str) -> None:
    """The parser keeps such a name as sent and warns (RPT-10): it is not the RFC's name, so
    it stays 'unknown', but the person reading it learns what it most likely means."""
    kind = explain(sent)
    assert (kind.name, kind.group) == (sent, "not in RFC 8460")
    assert f"most likely {meant}" in kind.meaning
    assert RESULT_TYPES[meant].meaning in kind.meaning
    assert kind.likely_cause == RESULT_TYPES[meant].likely_cause
