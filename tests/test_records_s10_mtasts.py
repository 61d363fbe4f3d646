"""MTA-STS policy bodies: what a bare CR really does (RFC 8461 §3.2 `sts-policy-term = LF /
CRLF`), checked against postfix-mta-sts-resolver's own parser."""

from __future__ import annotations

import pytest
from postfix_mta_sts_resolver.utils import parse_mta_sts_policy

from checks import https, mtasts
from checks.findings import Status
from checks.mtasts import parse_policy

LINES = ["version: STSv1", "mode: enforce", "mx: mx1.example.com", "max_age: 86400"]


def mtasts19(body: str) -> list[tuple[Status, bool, str]]:
    policy = parse_policy(body.encode())
    return [
        (p.status, p.invalidates, p.message) for p in policy.problems if p.check_id == "MTASTS-19"
    ]


@pytest.mark.parametrize("sep", ["\n", "\r\n"])
def test_a_single_trailing_cr_fails_and_says_what_senders_do(sep: str) -> None:
    body = sep.join(LINES) + "\r"
    # postfix-mta-sts-resolver strips it; a parser that follows the grammar does not, and
    # checklist MTASTS-19 fails any bare CR: the message says which sender does what.
    assert parse_mta_sts_policy(body)["max_age"] == "86400"
    ((status, invalidates, message),) = mtasts19(body)
    assert status == Status.FAIL and invalidates
    assert not parse_policy(body.encode()).valid
    assert "postfix-mta-sts-resolver" in message
    assert "one long invalid line" not in message
    assert "max_age: 86400" in message and "last" in message


def test_cr_only_line_ends_still_fail_and_name_the_lenient_sender() -> None:
    ((status, invalidates, message),) = mtasts19("\r".join(LINES) + "\r")
    assert status == Status.FAIL and invalidates
    assert "one long invalid line" in message and "postfix-mta-sts-resolver" in message


def test_a_bare_cr_between_lines_names_the_lines() -> None:
    body = LINES[0] + "\n" + LINES[1] + "\r" + LINES[2] + "\n" + LINES[3] + "\n"
    ((status, invalidates, message),) = mtasts19(body)
    assert status == Status.FAIL and invalidates
    assert message.startswith("Line 2 ends with a bare CR")
    assert "whole file" not in message


UTF8_BODY = ("\n".join([*LINES, "note: café"]) + "\n").encode()


def media_problems(body: bytes, content_type: str) -> list[tuple[Status, bool, str]]:
    result = https.HttpsResult(url=mtasts.policy_url("example.org"), host="mta-sts.example.org")
    result.status, result.body, result.headers = 200, body, {"content-type": content_type}
    return [
        (p.status, p.invalidates, p.message)
        for p in mtasts._fetch_problems(result)
        if p.check_id == "MTASTS-15"
    ]


@pytest.mark.parametrize("content_type", ["text/plain", "text/plain; charset=US-ASCII"])
def test_non_ascii_without_a_utf8_charset_warns(content_type: str) -> None:
    # What postfix-mta-sts-resolver does with it: no charset -> ASCII -> the policy is dropped.
    with pytest.raises(UnicodeDecodeError):
        UTF8_BODY.decode("ascii")
    assert parse_policy(UTF8_BODY).valid  # UTF-8 in an extension value is fine by RFC 8461
    ((status, invalidates, message),) = media_problems(UTF8_BODY, content_type)
    assert status == Status.WARN and not invalidates
    assert "charset=utf-8" in message and "postfix-mta-sts-resolver" in message


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (UTF8_BODY, "text/plain; charset=utf-8"),
        (UTF8_BODY, 'text/plain; charset="UTF-8"'),
        (UTF8_BODY, "text/plain; charset=iso-8859-1"),  # decodes, whatever it means
        ((("\n".join(LINES)) + "\n").encode(), "text/plain"),
        (b"\xef\xbb\xbf" + ("\n".join(LINES)).encode(), "text/plain"),  # MTASTS-21's business
    ],
)
def test_no_charset_warning_when_senders_can_decode(body: bytes, content_type: str) -> None:
    assert media_problems(body, content_type) == []
