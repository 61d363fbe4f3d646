"""Task s42b, item 1: a PKIX-usage TLSA record (usage 0 or 1) is DANE-04's to name, not DANE-05's.

Beside a malformed DANE record (a '3 1 1' whose SHA2-256 digest is too short), DANE-04 warned
about the PKIX-EE '1 1 1' and gave its deletion, and DANE-05 named the same '1 1 1' again (in
its summary, and in its fix when a usable record stands beside them): one record, two findings,
two deletions. Checklist §8: DANE-04 is "Usable usages" (RFC 7672 §3.1.3: usages 0 and 1 are
unusable for SMTP), DANE-05 "Field validity" (selector, matching type, data; RFC 6698 §2.1,
RFC 7671 §9). So the PKIX record is DANE-04's; DANE-05 names the malformed records alone and
says, without quoting it, that the PKIX record beside them is unusable too (see DANE-04), so
that 'No TLSA record is usable' does not read as if the PKIX one were (s41k)."""

from __future__ import annotations

from typing import Any

from checks.findings import Status
from tests.test_engine_s34l import _one_host
from tests.test_s41k_dane05_pkix import _records


def _found(records: list[str], chain: list[bytes]) -> dict[str, Any]:
    return {f.id: f for f in _one_host(records, chain) if f.id in ("DANE-04", "DANE-05")}


def test_s42b_no_usable_record_the_pkix_one_is_named_by_dane04_only() -> None:
    (pki, leaf), _, pkix, short = _records()
    found = _found([short, pkix], [leaf.der, pki.inter.der])
    dane04, dane05 = found["DANE-04"], found["DANE-05"]
    assert dane05.status == Status.FAIL
    assert f"'{short}'" in dane05.summary, dane05.summary
    assert pkix not in (dane05.summary + (dane05.fix or "")).lower(), dane05
    assert "The PKIX-EE(1) record beside it is unusable too (see DANE-04)." in dane05.summary
    assert dane04.status == Status.WARN
    assert f"TLSA {pkix}" in dane04.fix, dane04.fix


def test_s42b_some_unusable_records_dane05_deletes_the_malformed_one_only() -> None:
    (pki, leaf), good, pkix, short = _records()
    found = _found([good, short, pkix], [leaf.der, pki.inter.der])
    dane04, dane05 = found["DANE-04"], found["DANE-05"]
    assert dane05.status == Status.WARN
    assert f"'{short}'" in dane05.summary and f"TLSA {short}" in dane05.fix, dane05
    assert pkix not in (dane05.summary + dane05.fix).lower(), dane05
    assert "(see DANE-04)" in dane05.summary, dane05.summary
    assert dane04.status == Status.WARN and f"TLSA {pkix}" in dane04.fix, dane04.fix
    assert short not in (dane04.summary + dane04.fix).lower(), dane04


def test_s42b_a_malformed_pkix_record_beside_a_usable_one_is_dane04s_alone() -> None:
    (pki, leaf), good, pkix, _ = _records()
    bad_pkix = " ".join(pkix.split()[:3] + [pkix.split()[-1][:40]])
    found = _found([good, bad_pkix], [leaf.der, pki.inter.der])
    dane04, dane05 = found["DANE-04"], found["DANE-05"]
    assert dane04.status == Status.WARN and f"TLSA {bad_pkix}" in dane04.fix, dane04.fix
    assert dane05.status == Status.PASS, dane05
    assert bad_pkix not in dane05.summary.lower(), dane05.summary
    # "The TLSA records ... are well-formed" would be false of the malformed PKIX one.
    assert "The TLSA records of" not in dane05.summary, dane05.summary


def test_s42b_without_pkix_records_dane05_keeps_its_words() -> None:
    (pki, leaf), good, _, short = _records()
    found = _found([good, short], [leaf.der, pki.inter.der])
    dane05 = found["DANE-05"]
    assert dane05.status == Status.WARN
    assert dane05.summary.endswith(
        f"'{short}': SHA2-256 data must be 32 bytes (64 hex digits), found 20."
    ), dane05.summary
    assert "DANE-04" not in dane05.summary
