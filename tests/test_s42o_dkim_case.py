"""Task s42o, item 1: a DKIM key record whose h= or s= names a known hash or service in
another case ('h=SHA256', 's=EMAIL') warns DKIM-09/DKIM-10 instead of failing.

RFC 6376 is read both ways: §3.2 has tag values case-sensitive, while §3.6.1's grammar writes
the names as quoted strings, which RFC 5234 §2.3 matches without case. Verifiers differ:
OpenDKIM matches h= and s=email without case (such mail passes DKIM there), dkimpy ignores h=
and reads s= as written (a key 's=EMAIL' is unusable there: checked below against dkimpy
itself). Checklist §0: known implementations disagreeing is a warn. A truly unknown name
(h=foo, s=chat, s=TLSRPT for mail) keeps its failure."""

from __future__ import annotations

import pytest

from checks import dkim
from checks.findings import Status
from tests.test_dkim_s8_case import D, dkimpy_verifies, rsa_pair
from tests.test_spf import published, run, statuses


def _problems(record: str) -> list[tuple[str, Status]]:
    return [(p.check_id, p.status) for p in dkim.parse_key_record(record).problems]


def _message(record: str, check_id: str) -> str:
    return next(p.message for p in dkim.parse_key_record(record).problems if p.check_id == check_id)


@pytest.mark.parametrize("h", ["SHA256", "Sha256", "sha1:SHA256", "SHA1:SHA256", "SHA256:foo"])
def test_s42o_a_hash_name_in_another_case_warns(h: str) -> None:
    _, pub = rsa_pair()
    record = f"v=DKIM1; k=rsa; h={h}; p={pub}"
    assert _problems(record) == [("DKIM-09", Status.WARN)], h
    assert dkim.parse_key_record(record).usable, h
    message = _message(record, "DKIM-09")
    assert "some verifiers" in message.lower() and "h=sha256" in message, message
    assert "case" in message, message
    if "sha1" in h.lower():
        assert "SHA-1" in message, message


@pytest.mark.parametrize("s", ["EMAIL", "Email", "EMAIL:tlsrpt", "Email:TLSRPT"])
def test_s42o_a_service_name_in_another_case_warns(s: str) -> None:
    _, pub = rsa_pair()
    record = f"v=DKIM1; k=rsa; s={s}; p={pub}"
    assert _problems(record) == [("DKIM-10", Status.WARN)], s
    assert dkim.parse_key_record(record).usable, s
    message = _message(record, "DKIM-10")
    assert "some verifiers" in message.lower() and "s=email" in message, message


def test_s42o_dkimpy_is_one_verifier_that_ignores_s_email_in_capitals() -> None:
    # What the warning says is so: dkimpy refuses the key, the lower-case one it takes.
    _, pub = rsa_pair()
    assert not dkimpy_verifies(f"v=DKIM1; k=rsa; s=EMAIL; p={pub}")
    assert dkimpy_verifies(f"v=DKIM1; k=rsa; s=email; p={pub}")
    assert dkimpy_verifies(f"v=DKIM1; k=rsa; h=SHA256; p={pub}")  # dkimpy reads no h=


@pytest.mark.parametrize(
    ("tag", "check_id"),
    [
        ("h=foo", "DKIM-09"),
        ("h=SHA-256", "DKIM-09"),
        ("h=sha1", "DKIM-09"),
        ("h=SHA1", "DKIM-09"),
        ("s=chat", "DKIM-10"),
        ("s=tlsrpt", "DKIM-10"),
        ("s=TLSRPT", "DKIM-10"),
        ("s=", "DKIM-10"),
    ],
)
def test_s42o_a_truly_unknown_name_still_fails(tag: str, check_id: str) -> None:
    _, pub = rsa_pair()
    record = f"v=DKIM1; k=rsa; {tag}; p={pub}"
    assert (check_id, Status.FAIL) in _problems(record), tag
    assert not dkim.parse_key_record(record).usable, tag


def test_s42o_known_names_as_before() -> None:
    _, pub = rsa_pair()
    assert _problems(f"v=DKIM1; k=rsa; h=sha256; s=email; p={pub}") == []
    assert _problems(f"v=DKIM1; k=rsa; h=sha1:sha256; p={pub}") == [("DKIM-09", Status.WARN)]
    assert _problems(f"v=DKIM1; k=rsa; k=RSA; p={pub}")[0][1] == Status.FAIL  # DKIM-03
    assert ("DKIM-08", Status.FAIL) in _problems(f"v=DKIM1; k=RSA; p={pub}")  # k= unchanged


@pytest.mark.parametrize(
    ("tag", "check_id", "fixed"),
    [
        ("h=SHA256", "DKIM-09", "h=sha256"),
        ("h=sha1:SHA256", "DKIM-09", "h=sha256"),
        ("s=EMAIL", "DKIM-10", "s=email"),
        ("s=Email", "DKIM-10", "s=email"),
    ],
)
def test_s42o_the_fix_is_the_record_in_lower_case(tag: str, check_id: str, fixed: str) -> None:
    _, pub = rsa_pair()
    zone = {(f"s1._domainkey.{D}", "TXT"): [f"v=DKIM1; k=rsa; {tag}; p={pub}"]}
    found = run(dkim, D, zone, dkim_selectors=("s1",))
    assert statuses(found, check_id) == [Status.WARN], tag
    assert Status.FAIL not in {f.status for f in found}, tag
    assert Status.PASS in statuses(found, "DKIM-06"), tag  # the key is one verifiers can use
    finding = next(f for f in found if f.id == check_id)
    line = next(line for line in finding.fix.splitlines() if " TXT " in line)
    name, record = published(line)
    assert name == f"s1._domainkey.{D}", finding.fix
    assert record == f"v=DKIM1; k=rsa; {fixed}; p={pub}", record
    assert not dkim.parse_key_record(record).problems, record
