"""Defects blind round s30s found (tests/test_engine_s30s_blind.py), each decided with the RFC
or the checklist and pinned here: written failing, before the fix."""

from __future__ import annotations

import asyncio
from typing import Any

from checks import dmarc
from checks.findings import Finding
from tests.test_engine_s26c_blind import CnameDns
from tests.test_spf import make_ctx, published


def _dmarc(domain: str, record: str) -> list[Finding]:
    zone: dict[Any, Any] = {
        (domain, "MX"): [f"10 mx1.{domain}."],
        (f"mx1.{domain}", "A"): ["198.51.100.1"],
        (domain, "TXT"): ["v=spf1 mx -all"],
        (f"_dmarc.{domain}", "TXT"): [record],
    }
    ctx = make_ctx(domain, zone)
    ctx.dns = CnameDns(zone)  # type: ignore[assignment]
    return asyncio.run(dmarc.evaluate(ctx))


def _unknown_tag(domain: str, record: str) -> Finding:
    (finding,) = [f for f in _dmarc(domain, record) if f.id == "DMARC-17"]
    assert str(finding.status) == "warn"
    return finding


def test_a_misspelt_rua_is_named_and_written_right() -> None:
    # dmarc17-rau-typo: 'rau=' read only "The tag 'rau' is not a DMARC tag; receivers ignore
    # it." with no record, though the owner plainly meant rua= and, as it stands, asks no
    # receiver for reports (RFC 7489 §6.3: unknown tags are ignored).
    finding = _unknown_tag(
        "marshfield-vets.com", "v=DMARC1; p=quarantine; rau=mailto:dmarc@marshfield-vets.com"
    )
    assert "'rua'" in finding.summary and "misspelt" in finding.summary
    assert published(finding.fix) == (
        "_dmarc.marshfield-vets.com",
        "v=DMARC1; p=quarantine; rua=mailto:dmarc@marshfield-vets.com",
    )


def test_a_misspelt_alignment_tag_keeps_its_value() -> None:
    finding = _unknown_tag(
        "stillbrook-dairy.com",
        "v=DMARC1; p=reject; adkmi=s; rua=mailto:dmarc@stillbrook-dairy.com",
    )
    assert "'adkim'" in finding.summary
    _, record = published(finding.fix)
    assert "adkim=s" in record and "adkmi" not in record


def test_a_tag_one_letter_from_two_is_no_guess() -> None:
    # 'ruz' is one letter from both rua and ruf: which was meant is not plain.
    finding = _unknown_tag(
        "ashby-kennels.com", "v=DMARC1; p=reject; ruz=mailto:dmarc@ashby-kennels.com"
    )
    assert "misspelt" not in finding.summary
    assert "rua=" not in finding.fix and "ruf=" not in finding.fix


def test_a_misspelling_of_a_tag_already_there_is_no_guess() -> None:
    for record in (
        "v=DMARC1; p=reject; rua=mailto:dmarc@ashby-kennels.com; rau=mailto:x@ashby-kennels.com",
        "v=DMARC1; p=reject; rau=mailto:x@ashby-kennels.com; rua=mailto:dmarc@ashby-kennels.com",
    ):
        finding = _unknown_tag("ashby-kennels.com", record)
        assert "misspelt" not in finding.summary
        assert (
            "x@ashby-kennels.com"
            not in dmarc.suggested_record("ashby-kennels.com", dmarc.parse_dmarc(record)).partition(
                "rau="
            )[0]
        )
