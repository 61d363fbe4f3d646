"""DMARC-18's words for a revoked DKIM key (task s47e item 4). A key record with an empty p=
holds no key: the key is revoked (RFC 6376 §3.6.1). s43o named such a record instead of "no
DKIM key was found", but went on "...; no other key was found", which counts the revoked
record as a key found, and said "every signature made with it" of a record no one signs with.
The words now say the record holds no key, what fails (mail signed with that selector), and
that no usable key stands at any other selector. Status unchanged (warn; info beside a null
MX for a domain that sends nothing). No network: in-memory DNS (run_engine)."""

from __future__ import annotations

from typing import Any

from checks import dmarc
from tests.blind_engine import run_engine
from tests.test_s43o_dmarc18_revoked import REVOKED, _run, _run_wild

D = "ormsby-farriers.com"
DMARC = (f"_dmarc.{D}", "TXT")


def _dmarc18(findings: list[Any]) -> Any:
    found = [f for f in findings if f.id == "DMARC-18"]
    assert len(found) == 1, [(f.id, str(f.status), f.summary) for f in findings]
    return found[0]


def test_a_revoked_key_is_not_called_a_key_found() -> None:
    finding = _run(
        {
            (D, "MX"): [f"10 mx1.{D}."],
            DMARC: ["v=DMARC1; p=reject"],
            (f"google._domainkey.{D}", "TXT"): [REVOKED],
        }
    )
    assert str(finding.status) == "warn"
    text = finding.summary
    assert "no other key" not in text, text
    assert (
        "the DKIM key record at selector 'google' is revoked (empty p=, RFC 6376 §3.6.1): it "
        "holds no key, so mail signed with that selector fails DKIM and gets no aligned DKIM "
        "pass for DMARC; no usable key was found at any other selector (" in text
    ), text
    assert "signature made with it" not in text
    assert text.endswith("so no mail from it can pass DMARC.")


def test_two_revoked_selectors_hold_no_key() -> None:
    finding = _run(
        {
            DMARC: ["v=DMARC1; p=quarantine"],
            (f"google._domainkey.{D}", "TXT"): [REVOKED],
            (f"selector1._domainkey.{D}", "TXT"): ["v=DKIM1; p="],
        }
    )
    assert "are revoked (empty p=, RFC 6376 §3.6.1): they hold no key" in finding.summary
    assert "mail signed with those selectors fails DKIM" in finding.summary
    assert "no usable key was found at any other selector" in finding.summary


def test_a_revoking_wildcard_leaves_no_other_selector_to_speak_of() -> None:
    # Null MX, *._domainkey revoking every selector: the wildcard answers every selector
    # tried, so there is no "other selector"; info as before.
    finding = _run_wild(
        {
            (D, "MX"): ["0 ."],
            DMARC: ["v=DMARC1; p=reject"],
            (f"*._domainkey.{D}", "TXT"): [REVOKED],
        }
    )
    assert str(finding.status) == "info"
    text = finding.summary
    assert (
        f"its DKIM key record, a wildcard at *._domainkey.{D}, revokes every selector (empty "
        "p=, RFC 6376 §3.6.1): it holds no key, so mail signed with any selector without a "
        "record of its own fails DKIM" in text
    ), text
    assert "no other key" not in text and "any other selector" not in text
    assert "no selector tried holds a usable key of its own (" in text


def test_an_unusable_key_is_not_a_key_found_either() -> None:
    # The same tail after a key record DKIM fails (s44k's words before it unchanged).
    finding = _dmarc18(
        run_engine(
            dmarc,
            D,
            {DMARC: ["v=DMARC1; p=reject"], (f"google._domainkey.{D}", "TXT"): ["v=DKIM1; p=AAAA"]},
        ).findings
    )
    assert (
        "fails DKIM-06, so no verifier can use its key; no usable key was found at any other "
        in (finding.summary)
    )
