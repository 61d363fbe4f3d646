"""DKIM-02 and DMARC-18 say what OpenDKIM does with several TXT records at a selector (task
s45q), each test written first and seen failing on the code before its mend.

OpenDKIM's dkim_get_key_dns (libopendkim dkim-keys.c) returns DKIM_STAT_MULTIDNSREPLY
("multiple DNS replies") at a second TXT record in the answer and verifies nothing with that
selector, whatever the records hold: the same usable key written twice, or a key beside a
verification token. RFC 6376 §3.6.2.2 leaves the result undefined. So a domain without SPF
whose only key sits at such a selector fails DMARC at OpenDKIM receivers (DMARC-18 warns),
where s44b counted one usable key written twice as a key found and said nothing.
"""

from __future__ import annotations

from typing import Any

import pytest

from checks import dkim, dmarc
from checks.findings import Finding
from tests.blind_engine import run_engine
from tests.test_engine_s27k_blind import rsa_key

D = "hallam-saddlery.co.uk"
NAME = f"mail._domainkey.{D}"
KEY = rsa_key(2048)
TOKEN = "google-site-verification=Qb7xkz3Vd0"
TWICE = [f"v=DKIM1; k=rsa; p={KEY}", f"v=DKIM1;k=rsa;p={KEY}"]
BESIDE = [f"v=DKIM1; k=rsa; p={KEY}", TOKEN]


def _run(records: list[str], spf: str = "") -> tuple[list[Finding], list[Finding]]:
    zone: dict[Any, Any] = {
        (f"_dmarc.{D}", "TXT"): ["v=DMARC1; p=quarantine"],
        (NAME, "TXT"): records,
    }
    if spf:
        zone[(D, "TXT")] = [spf]
    findings = run_engine(dkim, D, zone, dkim_selectors=["mail"]).findings
    dmarc18 = [
        f
        for f in run_engine(dmarc, D, zone, dkim_selectors=["mail"]).findings
        if f.id == "DMARC-18"
    ]
    return findings, dmarc18


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("records", [TWICE, BESIDE], ids=["same-key-twice", "key-beside-token"])
def test_dkim02_says_opendkim_verifies_nothing_there(records: list[str]) -> None:
    findings, _ = _run(records)
    (dkim02,) = [f for f in findings if f.id == "DKIM-02"]
    summary = _flat(dkim02.summary)
    assert str(dkim02.status) == "fail"
    assert "RFC 6376 §3.6.2.2" in summary, summary
    assert (
        "receivers running OpenDKIM verify no signature with this selector while it has more "
        "than one TXT record" in summary
    ), summary


def test_dmarc18_for_one_usable_key_written_twice_and_no_spf() -> None:
    _, found = _run(TWICE)
    (dmarc18,) = found
    summary, fix = _flat(dmarc18.summary), _flat(dmarc18.fix)
    assert str(dmarc18.status) == "warn"
    assert "OpenDKIM refuses a selector answering several TXT records" in summary, summary
    assert "its mail fails DMARC at receivers running OpenDKIM" in summary, summary
    assert "by chance" not in summary, summary
    assert dmarc18.evidence["dkim_copies"] == [NAME]
    assert f"keep one of the 2 records at {NAME}" in fix, fix
    assert fix.startswith(f"Publish an SPF record for {D}"), fix


def test_dmarc18_for_a_key_beside_a_token_says_opendkim_fails_it() -> None:
    _, found = _run(BESIDE)
    (dmarc18,) = found
    summary = _flat(dmarc18.summary)
    assert str(dmarc18.status) == "warn"
    assert dmarc18.evidence["dkim_ambiguous"] == [NAME]
    assert "receivers running OpenDKIM fail every signature made there" in summary, summary
    assert (
        "its mail fails DMARC at receivers running OpenDKIM and elsewhere passes only by chance"
        in summary
    ), summary


@pytest.mark.parametrize("records", [TWICE, BESIDE], ids=["same-key-twice", "key-beside-token"])
def test_dmarc18_stays_silent_with_spf(records: list[str]) -> None:
    # Control: with an SPF record DMARC-18 has nothing to say, as before.
    _, found = _run(records, spf="v=spf1 ip4:192.0.2.7 -all")
    assert found == []
