# ruff: noqa: F811 (pytest fixtures imported from test_reports_email and the s18 mail round)
"""Round 18's mail set, cases added after it ran (task s18m), through both mail doors as
tests/test_reports_s18_mail_blind.py runs its own (its helpers): comments in the MIME fields
of a message and of its parts (RFC 2045 §5.1, §6; RFC 5322 §3.2.2), read as their
comment-free form, and a header line with no colon (RFC 5322 §2.2), read past where that is
unambiguous and else named in the rejection. The raw bytes are stored as they came, and a
DKIM signature (relaxed header canonicalisation) verifies on them as before.

Inputs tests/data/tlsrpt/s18_mail_extra/<id>.eml (its build.py writes them), expectations
in expectations.json there.
"""

from __future__ import annotations

import json
import os
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

import pytest

from reports.mail import (
    _READING,
    _READING_COMPAT32,
    _without_comments,
    extract_reports,
    header_summary,
    make_dnsfunc,
    readable,
    verify_dkim,
)
from reports.models import RawReport, ReportAddress
from reports.parse import ReportRejected
from tests.test_reports_email import (  # noqa: F401 (fixtures)
    address,
    dns_stub,
    ingest,
    signer,
)
from tests.test_reports_s12_blind import sign_any
from tests.test_reports_s18_mail_blind import (  # noqa: F401 (the fixture `known`)
    _deliver,
    as_received,
    check_outcome,
    known,
)

INPUTS = Path(__file__).parent / "data" / "tlsrpt" / "s18_mail_extra"
CASES: dict[str, dict[str, Any]] = {
    c["id"]: c for c in json.loads((INPUTS / "expectations.json").read_text())["cases"]
}
ORDER = list(CASES)


def build(case: dict[str, Any], address: ReportAddress, signer: Any) -> bytes:
    """A case's message: signed as sender.example unless `signed` is false, the lines of
    `added_after_signing` left out while signing and kept where the .eml has them."""
    message = (INPUTS / f"{case['id']}.eml").read_bytes()
    message = message.replace(b"@@MAILTO@@", address.mailto.encode())
    if not case.get("signed", True):
        return message
    unsigned = message
    for line in case.get("added_after_signing", []):
        unsigned = unsigned.replace(line.encode() + b"\r\n", b"", 1)
    signature = sign_any(unsigned, signer).removesuffix(unsigned)
    return signature + message


def check_dkim(case: dict[str, Any]) -> None:
    if "dkim" in case:
        assert [r.dkim_result for r in RawReport.objects.all()] == [case["dkim"]], [
            r.dkim_detail for r in RawReport.objects.all()
        ]


@pytest.mark.parametrize("case_id", ORDER)
def test_a_report_mail_piped_into_ingest_email_ends_as_expected(
    case_id: str, address: ReportAddress, signer
) -> None:
    case = CASES[case_id]
    message = build(case, address, signer)
    assert ingest(message) == case["exit"]
    check_outcome(case, [message])
    check_dkim(case)


@pytest.mark.parametrize("case_id", ORDER)
def test_a_report_mail_sent_to_the_smtp_listener_ends_as_expected(
    case_id: str, known: ReportAddress, signer
) -> None:
    case = CASES[case_id]
    message = build(case, known, signer)
    replies = _deliver(case, known, [message])
    assert [r[0] for r in replies] == [case["smtp"]], replies
    check_outcome(case, [as_received(message)])
    check_dkim(case)


def test_every_case_has_its_input() -> None:
    for case_id in CASES:
        assert (INPUTS / f"{case_id}.eml").exists(), case_id


def _forward(original: bytes, ctype: str) -> bytes:
    """`original` forwarded as an attachment by an admin's client that signs nothing."""
    return (
        b"From: admin@example.com\r\nTo: reports@example.com\r\nSubject: Fwd: TLS report\r\n"
        b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="fw"\r\n\r\n'
        b"--fw\r\nContent-Type: text/plain\r\n\r\nSee the attached report.\r\n"
        b"--fw\r\nContent-Type: " + ctype.encode() + b"\r\n\r\n" + original + b"\r\n--fw--\r\n"
    )


@pytest.mark.parametrize("ctype", ["message/rfc822 (the report mail)", "message (fwd) / rfc822"])
def test_a_forward_whose_type_has_a_comment_is_vouched_for_by_its_own_signature(
    ctype: str, address: ReportAddress, signer
) -> None:
    """A forward attached as message/rfc822 with a comment in its type: the report is read
    from it with its own headers, and its own DKIM signature (relaxed) verifies it."""
    original = build(CASES["B01"], address, signer)
    message = _forward(original, ctype)
    (report,) = extract_reports(message)
    assert report.forwarded
    assert report.submitter == "sender.example"
    host, port = os.environ["MAILSEC_RESOLVER"].rsplit(":", 1)  # the dns_stub's
    outcome = verify_dkim(message, make_dnsfunc(((host, int(port)),)), "sender.example")
    assert (outcome.result, outcome.domain) == ("pass", "sender.example"), outcome.detail
    assert "forwarded" in outcome.detail


def _mail(case_id: str) -> bytes:
    return (INPUTS / f"{case_id}.eml").read_bytes()


@pytest.mark.parametrize(
    ("value", "read_as"),
    [
        ('multipart/report; report-type=tlsrpt; boundary="=_(1)_=" (x)', "=_(1)_="),
        (r'multipart/report; boundary="a\"(b)" (c (d))', 'a"(b)'),
    ],
)
def test_a_quoted_boundary_keeps_its_parentheses(value: str, read_as: str) -> None:
    for reading in (_READING, _READING_COMPAT32):
        headers = BytesHeaderParser(policy=reading).parsebytes(b"Content-Type: " + value.encode())
        assert (headers.get_content_type(), headers.get_boundary()) == (
            "multipart/report",
            read_as,
        )


def test_an_unclosed_comment_is_left_as_it_stands() -> None:
    assert _without_comments("multipart/report (open; boundary=b1") == (
        "multipart/report (open; boundary=b1"
    )


def test_a_stray_line_that_may_be_a_boundary_is_not_read_past() -> None:
    """A line starting "--" may be where the body begins without its blank line: the message
    is read as the email package reads it, and the rejection names the line."""
    message = _mail("B08").replace(
        b"This message was generated by ReportMailer 0.9 (do not reply)", b"--b1", 1
    )
    with pytest.raises(ReportRejected, match=r"header line 9 '--b1' has no colon"):
        extract_reports(message)


def test_a_stray_line_read_past_leaves_the_stored_bytes_and_other_readers_alone() -> None:
    message = _mail("B08")
    assert b"ReportMailer" not in readable(message)
    assert header_summary(message)["content-type"].startswith("multipart/report")
    (report,) = extract_reports(message)
    assert any("header line 9 'This message was generated" in w for w in report.warnings)


def test_blanks_before_the_colons_of_a_parts_fields_keep_the_part_and_its_signature(
    address: ReportAddress, signer
) -> None:
    # "Content-Type : application/tlsrpt+gzip" in the report part (RFC 5322 §4.5.3, to be
    # accepted) ended that part's header block for the email package: the part lost its
    # type and encoding, and the report was rejected (review of round s18). The body a DKIM
    # signature covers keeps the blanks, so the signature made over them still verifies.
    case = dict(CASES["B01"], signed=False)
    message = build(case, address, signer)
    for field in (b"Content-Type", b"Content-Transfer-Encoding"):
        message = message.replace(
            b"\n" + field + b": application", b"\n" + field + b" : application"
        )
        message = message.replace(b"\n" + field + b": base64", b"\n" + field + b" : base64")
    assert b"Content-Type : application/tlsrpt+gzip" in message
    assert b"Content-Transfer-Encoding : base64" in message
    message = sign_any(message, signer)
    reports = extract_reports(message)
    assert [r.declared_type for r in reports] == ["application/tlsrpt+gzip"]
    assert ingest(message) == 0
    (raw,) = RawReport.objects.all()
    assert bytes(raw.body) != b"" and raw.dkim_result in ("", "pass")
    check_outcome(dict(CASES["B01"], dkim="pass"), [message])
    check_dkim({"dkim": "pass"})
