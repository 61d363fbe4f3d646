"""Task s42zf: DKIM-09 for 'SHA1' (SHA-1 in capital letters) in a key record's h=.

Since s42o a known hash name in another case is read both ways: RFC 6376 §3.2 has tag values
case-sensitive, §3.6.1's grammar writes the names as quoted strings, which RFC 5234 §2.3 matches
without case; OpenDKIM matches h= without case. So 'h=SHA1:sha256' is sha1:sha256 to OpenDKIM,
which then still accepts rsa-sha1 signatures with the key (RFC 8301 §3.1: rsa-sha1 "MUST NOT be
used for signing or verifying"), and plain sha256 to a verifier reading values as written. The
lower-case 'h=sha1:sha256' warns (checklist §5, DKIM-09) and so does 'sha1:SHA256': read both
ways, 'SHA1:sha256' warns too, and its fix is h=sha256 after the note to sign with rsa-sha256
first. 'h=SHA1' alone fails either way (no hash known, or SHA-1 only): its words say both."""

from __future__ import annotations

import pytest

from checks import dkim
from checks.findings import Status
from tests.test_dkim_s8_case import D, rsa_pair
from tests.test_spf import published, run, statuses


def _dkim09(record: str) -> list[tuple[Status, str]]:
    return [
        (p.status, p.message)
        for p in dkim.parse_key_record(record).problems
        if p.check_id == "DKIM-09"
    ]


@pytest.mark.parametrize("h", ["SHA1:sha256", "Sha1:sha256", "sha256:SHA1", "SHA1:sha256:foo"])
def test_s42zf_sha1_in_capitals_next_to_sha256_warns(h: str) -> None:
    _, pub = rsa_pair()
    record = f"v=DKIM1; k=rsa; h={h}; p={pub}"
    found = _dkim09(record)
    assert [status for status, _ in found] == [Status.WARN], (h, found)
    assert dkim.parse_key_record(record).usable, h
    message = found[0][1]
    cased = next(name for name in h.split(":") if name.lower() == "sha1")
    # Both things plainly: the capitals, and SHA-1 still allowed where names match without case.
    assert f"'{cased}'" in message and "capital letters" in message, message
    assert "SHA-1" in message and "OpenDKIM" in message, message
    assert "RFC 8301" in message and "h=sha256" in message, message


def test_s42zf_the_fix_is_h_sha256_after_the_sha1_note() -> None:
    _, pub = rsa_pair()
    record = f"v=DKIM1; k=rsa; h=SHA1:sha256; p={pub}"
    assert dkim.repaired_record(record) == f"v=DKIM1; k=rsa; h=sha256; p={pub}"
    # Publishing h=sha256 makes OpenDKIM refuse rsa-sha1 signatures it now accepts.
    assert dkim.sha1_note(dkim.parse_key_record(record)).startswith("First make sure")
    zone = {(f"s1._domainkey.{D}", "TXT"): [record]}
    found = run(dkim, D, zone, dkim_selectors=("s1",))
    assert statuses(found, "DKIM-09") == [Status.WARN]
    assert Status.PASS in statuses(found, "DKIM-06")
    finding = next(f for f in found if f.id == "DKIM-09")
    assert finding.fix.startswith("First make sure your mail's DKIM-Signature says a=rsa-sha256")
    line = next(line for line in finding.fix.splitlines() if " TXT " in line)
    name, fixed = published(line)
    assert name == f"s1._domainkey.{D}", finding.fix
    assert fixed == f"v=DKIM1; k=rsa; h=sha256; p={pub}", fixed
    assert not dkim.parse_key_record(fixed).problems, fixed


@pytest.mark.parametrize("h", ["SHA1", "Sha1", "SHA1:foo"])
def test_s42zf_sha1_in_capitals_alone_fails_saying_both(h: str) -> None:
    _, pub = rsa_pair()
    record = f"v=DKIM1; k=rsa; h={h}; p={pub}"
    found = _dkim09(record)
    assert [status for status, _ in found] == [Status.FAIL], (h, found)
    assert not dkim.parse_key_record(record).usable, h
    message = found[0][1]
    assert "unknown hash algorithms" not in message, message
    cased = next(name for name in h.split(":") if name.lower() == "sha1")
    assert f"'{cased}'" in message and "capital letters" in message, message
    assert "SHA-1" in message and "OpenDKIM" in message and "RFC 8301" in message, message
    assert "h=sha256" in message, message


def test_s42zf_controls_as_before() -> None:
    _, pub = rsa_pair()
    key = f"p={pub}"
    assert _dkim09(f"v=DKIM1; h=sha256; {key}") == []
    assert _dkim09(f"v=DKIM1; h=sha256:SHA256; {key}") == []  # sha256 is listed as written
    lower = _dkim09(f"v=DKIM1; h=sha1:sha256; {key}")
    assert [s for s, _ in lower] == [Status.WARN] and "capital" not in lower[0][1]
    assert [s for s, _ in _dkim09(f"v=DKIM1; h=sha1:SHA256; {key}")] == [Status.WARN]
    only = _dkim09(f"v=DKIM1; h=sha1; {key}")
    assert [s for s, _ in only] == [Status.FAIL] and "capital" not in only[0][1]
    foo = _dkim09(f"v=DKIM1; h=foo; {key}")
    assert [s for s, _ in foo] == [Status.FAIL] and "unknown hash algorithms" in foo[0][1]
    # h=sha1 alone: h= left out (the key verifies both while the signer switches), as before.
    assert dkim.repaired_record(f"v=DKIM1; h=sha1; {key}") == f"v=DKIM1; {key}"
    assert dkim.sha1_note(dkim.parse_key_record(f"v=DKIM1; h=sha256:SHA256; {key}")) == ""
