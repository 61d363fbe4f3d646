"""checks/mtasts.py on policy bodies whose bytes are not the ASCII/UTF-8 text the RFC 8461 §3.2
grammar is written in: a file saved in another encoding, stray NUL bytes."""

from __future__ import annotations

import json

import pytest

from checks import https, mtasts
from checks.findings import Status
from checks.mtasts import parse_policy
from tests.test_mtasts import POLICY, ZONE, evaluate

GOOD = b"version: STSv1\nmode: enforce\nmx: mx1.example.org\nmax_age: 604800\n"


def problems(body: bytes) -> set[tuple[str, str, bool]]:
    return {(p.check_id, str(p.status), p.invalidates) for p in parse_policy(body).problems}


@pytest.mark.parametrize(
    "value",
    [
        b"caf\xe9",  # Latin-1 / Windows-1252 "é"
        b"a\x80b",  # a lone continuation byte
        b"a\xc0\xafb",  # an overlong "/" (not UTF8-2, RFC 3629)
        b"a\xed\xa0\x80b",  # an encoded surrogate (not UTF8-3)
        b"a\xe2\x82",  # a sequence cut short at the end of the line
    ],
)
def test_an_extension_value_that_is_not_utf8_makes_the_policy_invalid(value: bytes) -> None:
    # sts-policy-ext-value is %x21-7E, UTF8-2, UTF8-3, UTF8-4 and inner spaces (RFC 8461 §3.2):
    # these bytes match none of them, so the line is no field and senders reject the policy.
    # They were read as U+FFFD, which passed as a valid character.
    policy = parse_policy(GOOD + b"note: " + value + b"\n")
    assert not policy.valid
    (problem,) = policy.problems
    assert (problem.check_id, problem.status) == ("MTASTS-28", Status.FAIL)
    assert "Line 5" in problem.message and "UTF-8" in problem.message
    assert "note" not in policy.extensions


@pytest.mark.parametrize("value", ["café", "a\ufffdb", "日本語 text", "\U0001f512"])
def test_an_extension_value_in_utf8_is_an_ignored_field(value: str) -> None:
    # UTF-8 is allowed, U+FFFD written as its own UTF-8 bytes included.
    policy = parse_policy(GOOD + f"note: {value}\n".encode())
    assert problems(GOOD + f"note: {value}\n".encode()) == {("MTASTS-28", "info", False)}
    assert policy.valid and policy.extensions == {"note": value}


def test_a_line_with_bytes_that_are_not_utf8_still_shows_them_as_replacement_characters() -> None:
    policy = parse_policy(GOOD + b"note: caf\xe9\n")
    assert policy.lines[-1] == "note: caf\ufffd"


@pytest.mark.parametrize(
    ("zone", "body"),
    [
        ({}, POLICY + "\x00\r\n"),
        ({}, POLICY.replace("mx2.example.org", "mx2\x00.example.org")),
        ({("_mta-sts.example.org", "TXT"): ['"v=STSv1; id=1\\000"']}, POLICY),
    ],
    ids=["policy-line", "mx-value", "txt-record"],
)
def test_a_nul_from_the_policy_or_record_does_not_reach_the_stored_findings(
    monkeypatch: pytest.MonkeyPatch, zone: dict[tuple[str, str], list[str]], body: str
) -> None:
    # PostgreSQL's jsonb refuses U+0000 ("unsupported Unicode escape sequence"), so a finding
    # quoting it made the whole run impossible to store.
    findings = evaluate(monkeypatch, {**ZONE, **zone}, body=body)
    assert any(f.status == Status.FAIL for f in findings)
    for finding in findings:
        assert "\\u0000" not in json.dumps(finding.to_dict()), finding


@pytest.mark.parametrize(
    "encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-16-le-bom", "utf-16-be-bom"]
)
def test_a_policy_saved_as_utf16_is_one_finding_that_names_the_encoding(encoding: str) -> None:
    # Windows PowerShell's Out-File and Notepad's "Unicode" write UTF-16. It was five
    # "Line n ('\x00v\x00e...') is not a key: value line" findings nobody could read.
    text = GOOD.decode()
    body = (
        "\ufeff".encode(encoding[:9]) + text.encode(encoding[:9])
        if encoding.endswith("-bom")
        else text.encode(encoding)
    )
    policy = parse_policy(body)
    assert not policy.valid
    (problem,) = policy.problems
    assert (problem.check_id, problem.status) == ("MTASTS-28", Status.FAIL)
    assert "UTF-16" in problem.message and "UTF-8" in problem.message
    # The evidence shows the file as its author sees it.
    assert policy.lines == GOOD.decode().splitlines()


def test_nul_bytes_in_a_utf8_policy_are_not_taken_for_utf16() -> None:
    problems_found = parse_policy(GOOD + b"\x00\n").problems
    assert [(p.check_id, str(p.status)) for p in problems_found] == [("MTASTS-28", "fail")]
    assert "UTF-16" not in problems_found[0].message


@pytest.mark.parametrize(
    ("headers", "says"),
    [
        ({"content-type": "text/plain; charset=utf-8"}, None),
        ({"content-type": "text/plain;charset=UTF-8"}, None),
        ({"content-type": "TEXT/PLAIN"}, None),
        ({"content-type": "text/html; charset=utf-8"}, "served as text/html; charset=utf-8;"),
        ({"content-type": ""}, "served without a Content-Type;"),
        ({}, "served without a Content-Type;"),
    ],
)
def test_the_media_type(headers: dict[str, str], says: str | None) -> None:
    result = https.HttpsResult(url=mtasts.policy_url("example.org"), host="mta-sts.example.org")
    result.status, result.body, result.headers = 200, GOOD, headers
    found = [p for p in mtasts._fetch_problems(result) if p.check_id == "MTASTS-15"]
    if says is None:
        assert found == []
    else:
        (problem,) = found
        assert problem.status == Status.FAIL and problem.invalidates and says in problem.message
