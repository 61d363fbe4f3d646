"""Defects blind round s31s found (tests/test_engine_s31s_blind.py), each decided with the RFC
or the checklist and pinned here: written failing, before the fix."""

from __future__ import annotations

import asyncio
from typing import Any

from checks import dkim
from checks.findings import Finding
from tests.test_engine_s26c_blind import CnameDns
from tests.test_engine_s27k_blind import rsa_key
from tests.test_spf import make_ctx

K2048 = rsa_key(2048)


def _dkim(domain: str, selector: str, records: list[str]) -> list[Finding]:
    zone: dict[Any, Any] = {
        (domain, "MX"): [f"10 mx1.{domain}."],
        (f"mx1.{domain}", "A"): ["198.51.100.1"],
        (f"{selector}._domainkey.{domain}", "TXT"): records,
    }
    ctx = make_ctx(domain, zone, dkim_selectors=(selector,))
    ctx.dns = CnameDns(zone)  # type: ignore[assignment]
    return asyncio.run(dkim.evaluate(ctx))


def test_one_key_published_twice_with_other_spacing_says_so() -> None:
    # dkim02-same-key-twice-spacing: the two records differ in no tag, only in how they are
    # written, and the fix read "... differ only in  (1) ; 2) ). Keep the one with  (they work
    # the same) and delete the other.": the tags that differ were an empty list.
    (finding,) = [
        f
        for f in _dkim(
            "moorhen-marine.com",
            "default",
            [f"v=DKIM1; k=rsa; p={K2048}", f"v=DKIM1;k=rsa;p={K2048}"],
        )
        if f.id == "DKIM-02"
    ]
    head = finding.fix.splitlines()[0]
    assert "()" not in head and " (1)" not in head and "with  " not in head
    assert "same key" in head and "spacing" in head
    deleted = [line for line in finding.fix.splitlines() if line.startswith("Delete this record")]
    assert len(deleted) == 1


def test_one_key_with_other_tags_still_names_them() -> None:
    # The control: records differing in t= name the tag, as before.
    (finding,) = [
        f
        for f in _dkim(
            "moorhen-marine.com",
            "default",
            [f"v=DKIM1; k=rsa; p={K2048}", f"v=DKIM1; k=rsa; t=y; p={K2048}"],
        )
        if f.id == "DKIM-02"
    ]
    assert "differ only in t=" in finding.fix
