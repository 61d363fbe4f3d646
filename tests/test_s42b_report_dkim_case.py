"""Task s42b, item 5: DKIM key-record values are case-sensitive, in the engine and in the report
mail's DKIM verification alike.

RFC 6376 §3.2: "Values MUST be processed as case sensitive unless the specific tag description
of semantics specifies case insensitivity." §3.6.1 says no such thing for k= (key type), h=
(hash algorithms), s= (service types) or t= (flags), and has unrecognised names ignored: an
"SHA256" is no hash algorithm a verifier knows (an h= listing only it leaves none for an
rsa-sha256 signature: §6.1.2, inappropriate hash algorithm), "Y" and "S" are no flags (not
testing mode, not strict), "EMAIL" and "TLSRPT" no services (the key is for none).

The engine (checks.dkim.parse_key_record) reads them so since 19c22bfb (k= earlier). The report
mail's verification (reports.mail) compared h=, t= and s= without case: a key 'h=SHA256' made
a report signed, 't=Y' made it unsigned, 's=TLSRPT' was taken as s=tlsrpt.

Review s42zB took h= and s= back to names matched without case in report intake: OpenDKIM
reads them so and dkimpy ignores h=, so such a report is signed at every receiver
(tests/test_s42zb_report_dkim_case.py). t= stays as written; k= as dkimpy reads it."""

from __future__ import annotations

import pytest

from checks.dkim import parse_key_record
from checks.findings import Status
from tests.test_reports_s41b_dkim import outcome

# The engine, as it already reads them: held here beside the report verification.
P = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA" + "A" * 300


def _engine(record: str) -> dict[str, set[Status]]:
    found: dict[str, set[Status]] = {}
    for problem in parse_key_record(record).problems:
        found.setdefault(problem.check_id, set()).add(problem.status)
    return found


def test_s42b_the_engine_reads_k_h_s_t_case_sensitively() -> None:
    assert Status.FAIL in _engine(f"v=DKIM1; k=RSA; p={P}").get("DKIM-08", set())
    # h= and s= in capitals warn since task s42o (verifiers disagree; OpenDKIM matches them
    # without case, dkimpy reads s= as written): no longer a failure.
    assert _engine(f"v=DKIM1; h=SHA256; p={P}").get("DKIM-09") == {Status.WARN}
    assert _engine(f"v=DKIM1; s=EMAIL; p={P}").get("DKIM-10") == {Status.WARN}
    assert Status.WARN not in _engine(f"v=DKIM1; t=Y; p={P}").get("DKIM-11", set())
    assert Status.WARN in _engine(f"v=DKIM1; t=y; p={P}").get("DKIM-11", set())


def _record(tags: bytes) -> bytes:
    return b"v=DKIM1; k=rsa; " + tags + b"; p="


@pytest.mark.parametrize(
    "tags",
    [
        b"k=RSA; s=tlsrpt",  # no key type dkimpy knows (as before); h= and s=: s42zB
    ],
)
def test_s42b_report_mail_a_key_with_values_in_other_case_is_unusable(tags: bytes) -> None:
    record = _record(tags).replace(b"k=rsa; k=RSA", b"k=RSA")
    result, detail = outcome(b"rsa-sha256", record)
    assert result == "fail", (tags, detail)


def test_s42b_report_mail_h_as_written_in_the_reason() -> None:
    result, detail = outcome(b"rsa-sha256", _record(b"h=SHA1; s=tlsrpt"))
    assert result == "fail"
    assert "h=SHA1" in detail and "sha256" in detail, detail


@pytest.mark.parametrize(
    "tags",
    [
        b"t=Y; s=tlsrpt",  # no flag: not testing mode
        b"t=Y:S; s=tlsrpt",
        b"h=sha256; s=tlsrpt",
        b"h=SHA1:sha256; s=tlsrpt",
        b"s=email:tlsrpt",
        b"s=EMAIL:tlsrpt",
        b"h=SHA256; s=TLSRPT",  # matched without case (s42zB)
    ],
)
def test_s42b_report_mail_unknown_names_are_ignored_and_known_ones_count(tags: bytes) -> None:
    result, detail = outcome(b"rsa-sha256", _record(tags))
    assert result == "pass", (tags, detail)


def test_s42b_report_mail_t_s_in_another_case_is_no_strict_flag() -> None:
    lax = _record(b"t=S; s=tlsrpt")
    assert outcome(b"rsa-sha256", lax, b"@mail.sender.example")[0] == "pass"
    strict = _record(b"t=s; s=tlsrpt")
    assert outcome(b"rsa-sha256", strict, b"@mail.sender.example")[0] == "fail"


def test_s42b_report_mail_says_why_a_key_for_no_known_service_is_unusable() -> None:
    # dkimpy drops such a key without a word: the reason said 'is k=: inappropriate key
    # algorithm', which is not what is wrong.
    result, detail = outcome(b"rsa-sha256", _record(b"s = Chat : XMPP"))
    assert result == "fail"
    assert "s=Chat : XMPP lists no service a verifier knows" in detail, detail
    assert "inappropriate key algorithm" not in detail, detail
    result, detail = outcome(b"rsa-sha256", _record(b"s=chat"))
    assert result == "fail" and "s=chat lists no service" in detail, detail
    assert "case-sensitive" not in detail, detail
