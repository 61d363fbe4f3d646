"""Review s47r2 of e9ad0fef: DMARC-07 on a subdomain's sp= beside a parent record with np=.

e9ad0fef's info says names below sub.example.com "get the policy of _dmarc.example.com (its
sp=, or its p= without one)". RFC 9989 §4.10.1 takes the Organizational Domain's np= for a
From domain that does not exist (np falls back to sp, then p, §4.7), so beside
"v=DMARC1; p=none; np=reject" names below sub that do not exist get reject at RFC 9989
receivers, not the none the words gave. Where the parent record has np=, the words say so;
without np= they stay as e9ad0fef wrote them. No network: in-memory DNS (run_engine).
"""

from __future__ import annotations

from typing import Any

from checks import dmarc
from checks.findings import Finding
from tests.blind_engine import run_engine

ORG = "example.com"
D = f"sub.{ORG}"
RUA = f"rua=mailto:d@{ORG}"


def dmarc07(own: str, parent: str) -> Finding:
    zone: dict[Any, Any] = {
        (D, "MX"): ["10 mx1.example.net."],
        (ORG, "MX"): ["10 mx1.example.net."],
        (D, "TXT"): ["v=spf1 include:example.net -all"],
        ("example.net", "TXT"): ["v=spf1 ip4:192.0.2.0/24 -all"],
        (f"_dmarc.{D}", "TXT"): [own],
        (f"_dmarc.{ORG}", "TXT"): [parent],
    }
    (info,) = [f for f in run_engine(dmarc, D, zone).findings if f.id == "DMARC-07"]
    return info


def test_the_parent_np_is_named_for_names_that_do_not_exist() -> None:
    info = dmarc07(f"v=DMARC1; p=reject; sp=reject; {RUA}", f"v=DMARC1; p=none; np=reject; {RUA}")
    assert "(its sp=, or its p= without one; for names that do not exist, its np=reject at " in (
        info.summary
    ), info.summary
    assert "RFC 9989 receivers)" in info.summary, info.summary


def test_without_a_parent_np_the_words_stay() -> None:
    info = dmarc07(f"v=DMARC1; p=reject; sp=reject; {RUA}", f"v=DMARC1; p=quarantine; {RUA}")
    assert "(its sp=, or its p= without one), never this record's" in info.summary, info.summary
