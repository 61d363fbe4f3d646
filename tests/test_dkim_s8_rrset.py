"""DKIM-02 on the whole TXT RRset at a selector, not only on the records that look like keys.

RFC 6376 §3.6.2.2: "TXT RRs MUST be unique for a particular selector name; that is, if there are
multiple records in an RRset, the results are undefined." Verifiers read one record of the set
(dkimpy takes the first the resolver returns), so a key next to any other TXT record verifies
only some of the time. A key split over two TXT records (instead of two strings of one record)
is the common way to get there: the owner must be told to join them.
"""

from __future__ import annotations

import base64
import functools

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from checks import dkim
from checks.findings import Finding, Status
from tests.test_spf import flagged, run, statuses

D = "example.com"
NAME = f"s1._domainkey.{D}"


@functools.cache
def record() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode()


def judge(texts: list[str]) -> list[Finding]:
    return [
        f for f in run(dkim, D, {(NAME, "TXT"): texts}, dkim_selectors=("s1",)) if f.subject == NAME
    ]


def test_a_key_next_to_another_txt_record_is_not_reliably_found() -> None:
    for other in ("google-site-verification=abcdef", "v=spf1 -all", "hello"):
        found = judge([record(), other])
        assert statuses(found, "DKIM-02") == [Status.FAIL], other
        (shared,) = [f for f in found if f.id == "DKIM-02"]
        assert "1 other TXT record" in shared.summary and other[:20] in shared.summary, other
        # The key alone is fine, but receivers may read the other record instead.
        assert Status.PASS not in statuses(found, "DKIM-06"), other


def test_a_key_split_over_two_txt_records_is_told_to_be_joined() -> None:
    text = record()
    for cut in (250, 255, 300):
        found = judge([text[:cut], text[cut:]])
        (split,) = [f for f in found if f.id == "DKIM-02"]
        assert split.status == Status.FAIL, cut
        assert "split over 2 TXT records" in split.summary, cut
        assert flagged(found)["fail"] >= {"DKIM-02"}, cut


def test_a_single_record_and_a_discarded_version_are_unchanged() -> None:
    assert statuses(judge([record()]), "DKIM-02") == []
    assert statuses(judge([record()]), "DKIM-06") == [Status.PASS]
    # A record receivers discard anyway (v= not DKIM1) is DKIM-04's business alone.
    found = judge([record().replace("DKIM1", "DKIM1.0"), "v=spf1 -all"])
    assert statuses(found, "DKIM-02") == [] and statuses(found, "DKIM-04") == [Status.FAIL]
