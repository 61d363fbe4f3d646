"""BIMI-08 on realistic DMARC records: which policy the pct=100 rule applies to.

BIMI draft, Authentication Requirements step 9: "If the DMARC policy for the Author Domain or
Author Organizational Domain is p=quarantine, and the DMARC record defines a percentage tag,
then that tag MUST be pct=100". The policy for a domain is p at the domain that owns the record
and sp (else p) for a subdomain that inherits it; an sp=quarantine on a p=reject record says
nothing about the organisational domain's own mail.
"""

from __future__ import annotations

from typing import Any

from checks.findings import Status
from tests.test_bimi import CERT, LOGO, ORG_BIMI, SUB, D, _run_at, bimi_run
from tests.test_spf import flagged, statuses

RECORD = f"v=BIMI1; l={LOGO}; a={CERT}"


def test_org_domain_at_reject_is_enforcing_whatever_sp_and_pct_say() -> None:
    # p=reject; sp=quarantine; pct=50 at the author domain itself: its policy is reject.
    found = bimi_run(RECORD, dmarc="v=DMARC1; p=reject; sp=quarantine; pct=50; rua=mailto:d@x.org")
    assert statuses(found, "BIMI-08") == [Status.PASS]
    assert flagged(found) == {"fail": set(), "warn": set(), "error": set()}


def test_subdomain_inheriting_sp_quarantine_at_half_is_not_enforcing() -> None:
    zone: dict[Any, Any] = {
        **ORG_BIMI,
        (f"_dmarc.{D}", "TXT"): ["v=DMARC1; p=reject; sp=quarantine; pct=50"],
    }
    assert statuses(_run_at(SUB, zone), "BIMI-08") == [Status.FAIL]


def test_subdomain_at_reject_under_an_org_domain_quarantining_half() -> None:
    # The subdomain's own policy (sp=reject) is fine, but the Author Organizational Domain's
    # policy is p=quarantine at pct=50: step 9 names both domains.
    zone: dict[Any, Any] = {
        **ORG_BIMI,
        (f"_dmarc.{D}", "TXT"): ["v=DMARC1; p=quarantine; sp=reject; pct=50"],
    }
    found = _run_at(SUB, zone)
    assert statuses(found, "BIMI-08") == [Status.FAIL]
    # Its own record at reject does not change what the organisational domain's record says.
    zone[(f"_dmarc.{SUB}", "TXT")] = ["v=DMARC1; p=reject"]
    assert statuses(_run_at(SUB, zone), "BIMI-08") == [Status.FAIL]


def test_quarantine_at_half_stays_not_enforcing() -> None:
    found = bimi_run(RECORD, dmarc="v=DMARC1; p=quarantine; sp=reject; pct=50")
    assert statuses(found, "BIMI-08") == [Status.FAIL]


RASTER_SVG = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" '
    b'xmlns:xlink="http://www.w3.org/1999/xlink" version="1.2" baseProfile="tiny-ps" '
    b'viewBox="0 0 100 100"><title>Brand</title><image width="100" height="100" '
    b'xlink:href="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4'
    b'2mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="/></svg>'
)


def test_an_embedded_raster_is_not_called_an_external_reference() -> None:
    # Design tools export a PNG inside the SVG as a data: URI. That is refused (<image> has no
    # place in SVG Tiny PS, and the reference is not a local #id), but nothing is fetched:
    # calling it "external" sends the owner looking for a URL that is not there, and the
    # base64 payload is noise in the message.
    from checks import bimi

    report = bimi.check_svg(RASTER_SVG)
    assert not report.ok
    text = "; ".join(report.problems)
    assert "<image>" in text
    assert "external reference" not in text
    assert "embedded data: URI (image/png)" in text
    assert "base64" not in text and "iVBOR" not in text
