"""A 'v=dmarc1' record left beside the valid DMARC record at the same name (blind round s19d,
scenario lowerstray).

Receivers discard the record whose version is not exactly 'v=DMARC1' (RFC 7489 §6.6.3 step 3;
RFC 9989 §4.10 step 2) and apply the valid one, so DMARC works: DMARC-03 warns (a receiver that
reads the version without case would see two records) instead of failing, and its fix deletes
the stray record instead of proposing a repaired copy, which would be a second valid record
(DMARC-02) and here would have turned p=reject into p=none. Alone, such a record still fails.
"""

from __future__ import annotations

from checks import dmarc
from checks.findings import Status
from tests.test_dmarc import dmarc_run, flagged

VALID = "v=DMARC1; p=reject; rua=mailto:d@example.com"
STRAY = "v=dmarc1; p=none"


def test_it_warns_about_a_stray_lowercase_record_beside_the_valid_one() -> None:
    found = dmarc_run([VALID, STRAY])
    assert "DMARC-03" not in flagged(found)["fail"]
    (stray,) = [f for f in found if f.id == "DMARC-03"]
    assert stray.status == Status.WARN
    assert STRAY in stray.summary and VALID in stray.summary
    # the fix deletes the stray record and keeps the valid one; it offers no second record
    assert stray.fix.startswith('Delete the TXT record "v=dmarc1; p=none"')
    assert "p=none" not in stray.fix.split("Keep:")[1]
    assert VALID in stray.fix
    # the valid record applies and is the only one
    assert any(f.id == "DMARC-02" and f.status == Status.PASS for f in found)
    assert any(f.id == "DMARC-05" and "reject" in f.summary for f in found)


def test_a_lowercase_record_alone_still_fails() -> None:
    found = dmarc_run([STRAY])
    assert "DMARC-03" in flagged(found)["fail"]
    assert not dmarc.parse_dmarc(STRAY).is_dmarc
