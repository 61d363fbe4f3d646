# ruff: noqa: F811 (pytest fixtures imported from other test modules)
"""Blind round s41b: TLS-RPT report shapes no earlier round listed (the expectation files of
rounds s12 to s40f were grepped for each shape first), in six batches, each batch's
expectations committed before it was run (tests/data/tlsrpt/s41b_expectations.json; inputs
written by tests/data/tlsrpt/s41b/build.py).

First batch (C01-C08, E01-E07, S01-S03): a tlsa policy quoting four TLSA records with DANE
failures; no-policy-found with mx-host patterns; receiving-ip with an RFC 6874 URI-escaped and
a numeric IPv6 zone id; a failure-reason-code with a bidi override, an emoji, a tab and markup;
an IDN additional-information URI; a report-id with an astral emoji; local days across a DST
change ending 23:59:59 at the other offset; mails with an RFC 2231 continued boundary, a quoted
'boundary=' inside another parameter, upper-case types with an RFC 2047 encoded name on an
octet-stream part, a forward (message/rfc822) of a mail whose .json.gz is octet-stream,
TLS-Report-Domain as an RFC 2047 encoded U-label at the IDN address, signatures broken in
transit (base64 re-wrapped, Subject tagged); DANE failures, formula-like reason codes and
no-policy-found failures on the dashboard and in the CSV. All 18 held.

Second batch (F01-F11): Content-Type comments and quoted strings (a quoted-pair quote, a quote
in a comment, an escaped parenthesis in a comment), a raw UTF-8 TLS-Report-Submitter signed
by its A-label, HTTPS types 'application/tlsrpt+gzip;' and '…; charset', a DANE-only report
and a zone-id receiving-ip shown. F08, a quoted boundary that looks like an RFC 2047
encoded-word, was rejected ("no gzip, zip or JSON part"): the email package decoded it inside
the quoted string (RFC 2047 §5 forbids it); fixed in ad53ad9c. The others held.

Third batch (G01-G04): a forward as message/global, a raw UTF-8 part name, TLS-Report-Domain
as an encoded-word of an ASCII name, F08's boundary inside a forward. All held.

Fourth to sixth batches (door "dkim", H01-H05, K01-K06): the key records and signatures of
each case. An rsa-sha1 signature (RFC 8301 §3.1), a key whose h= leaves out the signature's
hash and a key in testing mode t=y (RFC 6376 §6.1.2, §3.6.1) made a report signed (fixed in
c35e103f), and so did a t=s key under an i= of a subdomain (fixed in 087fc271). K05 was my
error: RFC 6376 §3.2 keeps tag values case-sensitive, so 'k=RSA' is an unknown key type and
the rejection is right (corrected there). The others held. K06 ('s = Email : TLSRPT') held as
written, parsed, against the same §3.2; task s42b made the product read service names as
written (the key is for no service a verifier knows, so the report is rejected): corrected there.
Review s42zB took that back: OpenDKIM matches service and hash names without case, so K06 is
parsed again, as first written.

Each batch carried rows planted wrong on purpose (P01-P06 in all); each failed on its row
alone in every run, and they were removed at the end of the round.
"""

from __future__ import annotations

import gzip
import re
from typing import Any

import dkim
import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from mailsec.accounts.models import Profile, Team
from mailsec.domains.models import Domain
from reports.models import RawReport, ReportAddress, TlsReport
from tests.blind_reports import ReportsRound, stored_first
from tests.test_reports_email import (  # noqa: F401 (fixtures)
    SIGNED_HEADERS,
    address,
    dns_stub,
    ingest,
    signer,
)
from tests.test_reports_mail_s8_forwarded import forwarded
from tests.test_reports_s12_blind import FILENAME, _post, sign_any
from tests.test_reports_s18_dashboard_blind import dated, dated_tree, read_page
from tests.test_reports_s18_mail_blind import known  # noqa: F401 (fixture)
from tests.test_reports_s25_blind import check_csv, check_dashboard

ROUND = ReportsRound("s41b")
CASES = ROUND.cases

# Door "body": both readers, HTTPS, mail.
test_a_report_body_reads_alike_through_both_readers = ROUND.reads_alike_test("body")
test_a_report_body_posted_over_https_ends_as_expected = ROUND.posted_test("body")
test_a_report_body_mailed_signed_ends_as_over_https = ROUND.mailed_test("body")

# Door "email": the case's own mail, signed, through ingest_email and the SMTP listener.
test_a_report_mail_piped_into_ingest_email_ends_as_expected = ROUND.piped_test("email")
test_a_report_mail_sent_to_the_smtp_listener_ends_as_expected = ROUND.smtp_test("email")


# --- Door "tampered": signed, then changed in transit ---------------------------------------------


def rewrap(message: bytes) -> bytes:
    """A gateway re-encoding the report part's base64 in 64-column lines."""
    start = message.index(f'filename="{FILENAME}"\r\n\r\n'.encode()) + len(FILENAME) + 15
    end = message.index(b"\r\n--s41b-t--", start)
    text = b"".join(message[start:end].split())
    lines = b"\r\n".join(text[i : i + 64] for i in range(0, len(text), 64))
    assert lines != message[start:end]
    return message[:start] + lines + message[end:]


def tag_subject(message: bytes) -> bytes:
    assert message.count(b"\r\nSubject: ") == 1
    return message.replace(b"\r\nSubject: ", b"\r\nSubject: [EXTERNAL] ")


TAMPER = {"rewrap": rewrap, "subject": tag_subject}


@pytest.mark.parametrize("case_id", ROUND.ids("tampered"))
def test_a_report_mail_changed_after_signing_ends_as_expected(
    case_id: str, address: ReportAddress, signer: Any
) -> None:
    case = CASES[case_id]
    message = TAMPER[case["tamper"]](sign_any(ROUND.eml(case_id, address), signer))
    assert ingest(message) == case["exit"]
    stored_first(case, [message])
    ROUND.finish(case)


# --- Door "forward": the signed mail forwarded as message/rfc822 ----------------------------------


@pytest.mark.parametrize("case_id", ROUND.ids("forward", "forward_global"))
def test_a_signed_report_mail_forwarded_as_an_attachment_ends_as_expected(
    case_id: str, address: ReportAddress, signer: Any
) -> None:
    case = CASES[case_id]
    message = forwarded(sign_any(ROUND.eml(case_id, address), signer), address.mailto)
    if case["door"] == "forward_global":  # third batch: RFC 6532 §3.7's message/global
        message = message.replace(b"Content-Type: message/rfc822", b"Content-Type: message/global")
    assert ingest(message) == case["exit"]
    stored_first(case, [message])
    ROUND.finish(case)


# --- Door "idn_mail": a signed mail to the address of xn--bcher-kva.example ----------------------


@pytest.mark.parametrize("case_id", ROUND.ids("idn_mail"))
def test_a_report_mail_to_an_idn_address_ends_as_expected(
    case_id: str, signer: Any, db: None
) -> None:
    case = CASES[case_id]
    idn = ReportAddress.objects.create(domain_name="xn--bcher-kva.example")
    message = sign_any(ROUND.eml(case_id, idn), signer)
    assert ingest(message) == case["exit"]
    stored_first(case, [message])
    ROUND.finish(case)
    assert TlsReport.objects.get().address == idn


# --- Door "shown": a report of yesterday on the dashboard, the report page and the CSV -----------


def person(name: str) -> tuple[User, Team]:
    user = User.objects.create_user(name, f"{name}@example.org")
    team = Team.create_for(user)
    Profile.objects.create(user=user, current_team=team)
    return user, team


@pytest.mark.parametrize("case_id", ROUND.ids("shown"))
def test_a_report_of_yesterday_is_shown_as_expected(case_id: str, db: None) -> None:
    case = dated_tree(CASES[case_id])
    cache.clear()  # a person's time zone is cached by user id, which a flushed table reuses
    alice, team = person("alice")
    domain = Domain.objects.create(team=team, name="example.com", verified_at=timezone.now())
    address = ReportAddress.for_domain(domain)
    body = gzip.compress(dated(ROUND.input(case_id, ".json").decode()).encode(), mtime=0)
    assert _post(Client(), address.token, body).status_code == 201
    stored_first(case, [body])
    ROUND.finish(case)
    report = TlsReport.objects.get()
    client = Client()
    client.force_login(alice)
    dashboard = client.get(f"/tlsrpt/{address.token}/dashboard/")
    assert dashboard.status_code == 200
    check_dashboard(case["shown"], read_page(dashboard.content))
    page = client.get(f"/tlsrpt/{address.token}/reports/{report.public_id}/")
    assert page.status_code == 200
    export = client.get(f"/tlsrpt/{address.token}/export.csv")
    assert export.status_code == 200
    check_csv(case["shown"], export.content)


# --- Second batch: door "post" (a body as sent, with its Content-Type) ----------------------------


@pytest.mark.parametrize("case_id", ROUND.ids("post"))
def test_a_body_posted_with_its_content_type_ends_as_expected(
    case_id: str, client: Client, address: ReportAddress
) -> None:
    case = CASES[case_id]
    body = ROUND.input(case_id, ".bin")
    response = _post(client, address.token, body, case["content_type"])
    assert response.status_code == case["http"], response.content
    stored_first(case, [body])
    ROUND.finish(case)


# --- Second batch: door "utf8_submitter" (signed d=xn--bcher-kva.example) ---------------------------


@pytest.mark.parametrize("case_id", ROUND.ids("utf8_submitter"))
def test_a_report_mail_of_an_idn_submitter_ends_as_expected(
    case_id: str, address: ReportAddress, signer: Any, dns_stub: Any
) -> None:
    case = CASES[case_id]
    key = dns_stub.records["tlsrpt2026._domainkey.sender.example."]
    dns_stub.records["tlsrpt2026._domainkey.xn--bcher-kva.example."] = key
    message = ROUND.eml(case_id, address)
    text = message.decode("utf-8").lower()
    include = [h for h in SIGNED_HEADERS if h.decode() + ":" in text]
    message = (
        dkim.sign(
            message,
            b"tlsrpt2026",
            b"xn--bcher-kva.example",
            signer.private,
            include_headers=include,
        )
        + message
    )
    assert ingest(message) == case["exit"]
    stored_first(case, [message])
    ROUND.finish(case)
    assert RawReport.objects.get().dkim_domain == "xn--bcher-kva.example"


# --- Fourth batch: door "dkim" (the case's key records and signatures) ----------------------------


@pytest.mark.parametrize("case_id", ROUND.ids("dkim"))
def test_a_report_mail_signed_as_the_case_says_ends_as_expected(
    case_id: str, address: ReportAddress, signer: Any, dns_stub: Any
) -> None:
    case = CASES[case_id]
    published = dns_stub.records["tlsrpt2026._domainkey.sender.example."]
    p = published.split(b"p=")[1].decode()
    for selector, record in case["keys"].items():
        dns_stub.records[f"{selector}._domainkey.sender.example."] = record.format(p=p).encode()
    message = ROUND.eml(case_id, address)
    include = [h for h in SIGNED_HEADERS if h.decode() + ":" in message.decode().lower()]
    for selector, algorithm in reversed(case["signatures"]):  # the first listed outermost
        message = (
            dkim.sign(
                message,
                selector.encode(),
                case.get("domain", "sender.example").encode(),
                signer.private,
                include_headers=include,
                signature_algorithm=algorithm.encode(),
                **({"identity": case["identity"].encode()} if "identity" in case else {}),
            )
            + message
        )
    assert ingest(message) == case["exit"]
    stored_first(case, [message])
    ROUND.finish(case)


SUFFIXES = {
    "dkim": [".eml"],
    "post": [".bin"],
    "utf8_submitter": [".eml"],
    "body": [".json"],
    "shown": [".json"],
    "email": [".eml"],
    "tampered": [".eml"],
    "forward": [".eml"],
    "forward_global": [".eml"],
    "idn_mail": [".eml"],
}


def test_every_case_has_its_input_its_rpt_ids_and_a_door() -> None:
    assert len(CASES) == 44
    for case_id, case in CASES.items():
        for suffix in SUFFIXES[case["door"]]:
            assert (ROUND.inputs / f"{case_id}{suffix}").exists(), case_id
        assert case["rpt"] and all(re.fullmatch(r"RPT-\d\d", r) for r in case["rpt"]), case_id
        assert case["why"] and case["shape"], case_id
        if case["outcome"] == "rejected":
            assert case["reason"], case_id
