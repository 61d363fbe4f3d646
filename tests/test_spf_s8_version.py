"""SPF-02 on records pasted with their quotes or a leading space: receivers ignore them."""

from __future__ import annotations

from typing import Any

from checks import spf
from checks.findings import Finding, Status
from tests.test_spf import published, run

D = "example.com"
ZONE: dict[Any, Any] = {
    (D, "MX"): ["10 mx.example.com."],
    ("mx.example.com", "A"): ["192.0.2.10"],
    ("mx.example.com", "TXT"): ["v=spf1 a -all"],
    ("_spf.example.net", "TXT"): ["v=spf1 ip4:198.51.100.0/24 -all"],
}
MEANT = "v=spf1 include:_spf.example.net ~all"


def findings(record: str) -> list[Finding]:
    return run(spf, D, {**ZONE, (D, "TXT"): [record]})


def test_a_record_pasted_with_its_quotes_is_a_version_error_with_its_terms_kept() -> None:
    # RFC 7208 §4.5: only a record starting with "v=spf1" is SPF, so receivers see none. The
    # owner did publish one: the fix is that record without the quotes, not a new record
    # that drops their include.
    for text in (f'"{MEANT}"', f'\\"{MEANT}\\"', f" {MEANT}", f"'{MEANT}'", f'"{MEANT}'):
        found = findings(text)
        assert not spf.is_spf_record(text)
        (version,) = [f for f in found if f.id == "SPF-02"]
        assert version.status == Status.FAIL, text
        assert published(version.fix)[1] == MEANT, (text, version.fix)
        assert not [f for f in found if f.id == "SPF-01" and f.fix], text


def test_a_quoted_record_beside_a_valid_one_is_left_alone() -> None:
    found = run(spf, D, {**ZONE, (D, "TXT"): [MEANT, f'"{MEANT}"']})
    assert [f.status for f in found if f.id == "SPF-01"] == [Status.PASS]
    assert not [f for f in found if f.id == "SPF-02"]


def test_other_text_is_still_not_taken_for_spf() -> None:
    for text in ('"google-site-verification=abc"', " MS=ms12345", '"v=DMARC1; p=none"'):
        found = findings(text)
        assert not [f for f in found if f.id == "SPF-02"], text
        assert [f.status for f in found if f.id == "SPF-01"] == [Status.WARN], text
