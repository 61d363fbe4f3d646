"""Task s44k, item 2: DMARC-18 counted a lone key record that DKIM itself fails as "a DKIM key
found", so a domain with no SPF record and only such a key got no warning. A key no verifier
can use (p= that does not decode or is no key, an unknown k=, under 1024 bits, only for TLS
reports, only SHA-1: DKIM-05..10 fails, checklist §5) can give DMARC no aligned DKIM pass, so
it no longer counts; DMARC-18 names it as s44b names a selector holding several records."""

from __future__ import annotations

from typing import Any

import pytest

from checks import dmarc
from tests.blind_engine import run_engine
from tests.test_engine_s27k_blind import rsa_key
from tests.test_s43o_dmarc18_revoked import _run_wild

D = "ormsby-farriers.com"
KEY = rsa_key(2048)


def _dmarc18(selectors: dict[str, list[str]]) -> list[Any]:
    zone: dict[Any, Any] = {(f"_dmarc.{D}", "TXT"): ["v=DMARC1; p=reject"]}
    zone |= {(f"{s}._domainkey.{D}", "TXT"): records for s, records in selectors.items()}
    return [f for f in run_engine(dmarc, D, zone).findings if f.id == "DMARC-18"]


@pytest.mark.parametrize(
    ("record", "check_id"),
    [
        ("v=DKIM1; k=rsa; p=not*base64!", "DKIM-06"),
        (f"v=DKIM1; p={KEY[:200]}", "DKIM-06"),  # cut short: base64, but no RSA key
        (f"v=DKIM1; k=dsa; p={KEY}", "DKIM-08"),
        (f"v=DKIM1; k=rsa; p={rsa_key(512)}", "DKIM-07"),
        (f"v=DKIM1; k=rsa; s=tlsrpt; p={KEY}", "DKIM-10"),
        (f"v=DKIM1; k=rsa; h=sha1; p={KEY}", "DKIM-09"),
        ("v=DKIM1; k=rsa; t=s", "DKIM-05"),
    ],
    ids=["not-base64", "no-rsa-key", "unknown-k", "512-bits", "tlsrpt-only", "sha1-only", "no-p"],
)
def test_a_lone_key_dkim_fails_makes_no_dmarc_pass_achievable(record: str, check_id: str) -> None:
    (finding,) = _dmarc18({"google": [record]})
    assert str(finding.status) == "warn"
    text = " ".join(finding.summary.split())
    assert "no DKIM key was found" not in text, text
    assert "selector 'google'" in text and check_id in text, text
    assert "no mail from it can pass DMARC" in text, text
    assert finding.evidence["dkim_unusable"] == [f"google._domainkey.{D}"]
    assert f"google._domainkey.{D}" in finding.fix and "DKIM" in finding.fix, finding.fix


def test_a_wildcard_key_dkim_fails_is_named() -> None:
    finding = _run_wild(
        {
            (f"_dmarc.{D}", "TXT"): ["v=DMARC1; p=reject"],
            (f"*._domainkey.{D}", "TXT"): ["v=DKIM1; k=rsa; p=not*base64!"],
        }
    )
    assert str(finding.status) == "warn"
    text = " ".join(finding.summary.split())
    assert f"the wildcard key record at *._domainkey.{D} fails DKIM-06" in text, text
    assert finding.evidence["dkim_unusable"] == [f"*._domainkey.{D}"]


@pytest.mark.parametrize(
    "selectors",
    [
        # A 1024-bit key: DKIM-07 warns, verifiers still use it.
        {"google": [f"v=DKIM1; k=rsa; p={rsa_key(1024)}"]},
        # An unusable key beside a usable one at another selector.
        {"google": ["v=DKIM1; k=rsa; p=not*base64!"], "s1": [f"v=DKIM1; p={KEY}"]},
    ],
    ids=["1024-bits", "a-usable-selector-beside"],
)
def test_a_key_verifiers_use_still_counts(selectors: dict[str, list[str]]) -> None:
    assert _dmarc18(selectors) == []
