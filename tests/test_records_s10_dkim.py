"""DKIM key record h= and t= values are case-sensitive like k= and s= (RFC 6376 §3.2, §3.6.1).

Since task s42o a known hash name in another case (h=SHA256) warns DKIM-09 instead of failing:
verifiers read it both ways (OpenDKIM without case)."""

from __future__ import annotations

import pytest

from checks import dkim
from checks.findings import Status
from tests.test_dkim import ed_b64, rsa_b64


def problems(record: str) -> list[tuple[str, Status]]:
    return [(p.check_id, p.status) for p in dkim.parse_key_record(record).problems]


@pytest.mark.parametrize("h", ["SHA256", "Sha256", "SHA1:SHA256"])
def test_upper_case_hash_name_warns_as_verifiers_disagree(h: str) -> None:
    # §6.1.2: a key whose h= does not include the signature's hash → PERMFAIL, for verifiers
    # reading 'SHA256' as written (§3.2); OpenDKIM matches it without case. Task s42o: a
    # warning (checklist §0, implementations disagree), no longer a failure.
    for key in (f"p={rsa_b64(2048)}", f"k=ed25519; p={ed_b64()}"):
        parsed = dkim.parse_key_record(f"v=DKIM1; h={h}; {key}")
        assert ("DKIM-09", Status.WARN) in problems(parsed.text)
        assert ("DKIM-09", Status.FAIL) not in problems(parsed.text)
        assert parsed.usable
        message = next(p.message for p in parsed.problems if p.check_id == "DKIM-09")
        assert "case-sensitive" in message and "Some verifiers ignore" in message


def test_lower_case_hash_names_are_unchanged() -> None:
    assert problems(f"v=DKIM1; h=sha256; p={rsa_b64(2048)}") == []
    assert problems(f"v=DKIM1; h=sha1:sha256; p={rsa_b64(2048)}") == [("DKIM-09", Status.WARN)]
    # Task s42zf: OpenDKIM reads an upper-case SHA1 next to sha256 as sha1, so it warns too.
    assert problems(f"v=DKIM1; h=SHA1:sha256; p={rsa_b64(2048)}") == [("DKIM-09", Status.WARN)]


@pytest.mark.parametrize("t", ["Y", "S", "Y:S", "yes"])
def test_unknown_flags_are_ignored_not_read_as_testing(t: str) -> None:
    parsed = dkim.parse_key_record(f"v=DKIM1; t={t}; p={rsa_b64(2048)}")
    assert parsed.usable
    assert problems(parsed.text) == [("DKIM-11", Status.INFO)]
    message = parsed.problems[0].message
    assert "testing" in message and "t=y" in message  # tells the owner what the flag is


def test_known_flags_are_unchanged() -> None:
    assert problems(f"v=DKIM1; t=y; p={rsa_b64(2048)}") == [("DKIM-11", Status.WARN)]
    assert problems(f"v=DKIM1; t=s; p={rsa_b64(2048)}") == [("DKIM-11", Status.INFO)]
    assert ("DKIM-11", Status.WARN) in problems(f"v=DKIM1; t=y:X; p={rsa_b64(2048)}")
