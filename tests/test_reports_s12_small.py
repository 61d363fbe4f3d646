# ruff: noqa: F811 (pytest fixtures imported from test_reports_email)
"""Small TLS-RPT intake defects of the s12 blind round.

1. A required member of the wrong JSON type ("policy-domain": ["example.com"]) was reported
   as missing; the warning now says what was found, in both readers.
2. manage.py ingest_files looked the policy domain of an RFC 8460 §5.1 file name up as
   written: a name in U-labels (bücher.example) found no report address.
3. TLS-Report-Domain / TLS-Report-Submitter headers, the recipient domain, the contact-info
   domain and the DKIM domain compared without reading U-labels as their A-labels.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import gzip
import io
import json
from email import policy as email_policy
from email.message import EmailMessage
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.management import call_command
from django.core.management.base import CommandError

from reports.mail import extract_reports, same_or_parent, submitter_domain, token_from_recipient
from reports.models import RawReport, ReportAddress, TlsReport
from reports.parse import ReportRejected, contact_domain, parse_report
from tests.test_reports_email import (  # noqa: F401 (fixtures)
    address,
    dns_stub,
    eager,
    ingest,
    make_message,
    rsa_2048_key,
    sign,
    signer,
)

SAMPLE_PATH = Path(__file__).parent / "data" / "tlsrpt" / "sample.json"
SAMPLE: dict[str, Any] = json.loads(SAMPLE_PATH.read_text())
IDN = "xn--bcher-kva.example"  # bücher.example
REPORTER = "xn--sendr-esa.example"  # sendér.example


def _outcome(data: bytes, report_domain: str | None) -> tuple[str, Any]:
    try:
        return "parsed", dataclasses.asdict(parse_report(data, report_domain=report_domain))
    except ReportRejected as e:
        return "rejected", e.reason


def both_readers(
    data: bytes, monkeypatch: pytest.MonkeyPatch, report_domain: str | None = "example.com"
) -> tuple[str, Any]:
    """The whole-document reader's outcome, once the streaming one (the reader of large
    reports, forced by a threshold of 0) gave the very same."""
    whole = _outcome(data, report_domain)
    with monkeypatch.context() as m:
        m.setattr("reports.parse.SMALL_REPORT_BYTES", 0)
        assert _outcome(data, report_domain) == whole
    return whole


_ABSENT = object()


def _with(where: str, key: str, value: Any) -> bytes:
    """The §12.2 sample with `key` of the member at `where` set to `value` (_ABSENT: removed)."""
    report = copy.deepcopy(SAMPLE)
    obj = report
    for step in where.split("/") if where else []:
        obj = obj[int(step)] if step.isdigit() else obj[step]
    if value is _ABSENT:
        obj.pop(key)
    else:
        obj[key] = value
    return json.dumps(report).encode()


POLICY = "policies/0/policy"
ENTRY = "policies/0"
SUMMARY = "policies/0/summary"
DETAIL = "policies/0/failure-details/0"

# (where, key, value, words the warning or reason holds). None of them may say "missing"
# unless the member is absent.
WRONG_TYPES = [
    (POLICY, "policy-domain", ["example.com"], "policy-domain is an array, not a string"),
    (POLICY, "policy-domain", 7, "policy-domain is a number, not a string"),
    (POLICY, "policy-domain", {"name": "example.com"}, "policy-domain is an object, not a string"),
    (POLICY, "policy-domain", None, "policy-domain is null, not a string"),
    (POLICY, "policy-domain", "", "policy-domain is empty"),
    (POLICY, "policy-domain", "   ", "policy-domain is empty"),
    (POLICY, "policy-domain", _ABSENT, "policy-domain is missing"),
    (POLICY, "policy-type", ["sts"], "policy-type is an array, not a string; kept as empty"),
    (POLICY, "policy-type", None, "policy-type is null, not a string"),
    (POLICY, "policy-type", "", "policy-type is empty"),
    (ENTRY, "policy", ["sts"], "policy is an array, not an object; dropped"),
    (ENTRY, "policy", None, "policy is null, not an object; dropped"),
    (ENTRY, "policy", _ABSENT, "policy is missing; dropped"),
    (ENTRY, "summary", [1, 2], "summary is an array, not an object; policy entry dropped"),
    (ENTRY, "summary", None, "summary is null, not an object"),
    (ENTRY, "summary", _ABSENT, "summary is missing"),
    (SUMMARY, "total-failure-session-count", None, "is null, not an integer ≥ 0"),
    (SUMMARY, "total-failure-session-count", [17], "is an array, not an integer ≥ 0"),
    (SUMMARY, "total-failure-session-count", "x", "is the string 'x', not an integer ≥ 0"),
    (SUMMARY, "total-successful-session-count", 1.5, "is the number 1.5, not an integer"),
    (DETAIL, "result-type", ["certificate-expired"], "result-type is an array, not a string"),
    (DETAIL, "result-type", None, "result-type is null, not a string; dropped"),
    (DETAIL, "result-type", "", "result-type is empty; dropped"),
    (DETAIL, "result-type", _ABSENT, "result-type is missing; dropped"),
    (DETAIL, "failed-session-count", {}, "failed-session-count is an object, not an integer"),
    (DETAIL, "receiving-mx-hostname", ["mx1"], "receiving-mx-hostname is an array, not a string"),
    (DETAIL, "failure-reason-code", 4.2, "failure-reason-code is a number, not a string; ignored"),
    # An integer is the code it names, kept as its text (since s32r; it was ignored).
    (DETAIL, "failure-reason-code", 42, "failure-reason-code is the number 42, not a text; kept"),
    (DETAIL, "sending-mta-ip", "", "sending-mta-ip is empty (RPT-12)"),
    (DETAIL, "sending-mta-ip", ["192.0.2.10"], "sending-mta-ip is an array, not a string"),
    ("", "contact-info", None, "contact-info is null, not a string"),
    ("", "contact-info", "", "contact-info is empty"),
    ("", "contact-info", ["tls@sender.example"], "contact-info is an array, not a string"),
    ("", "contact-info", _ABSENT, "contact-info is missing"),
    ("", "organization-name", ["Sender"], "organization-name is an array, not a string"),
    ("", "report-id", None, "report-id is null, not a string"),
    ("", "date-range", [], "date-range is an array, not an object"),
    ("date-range", "start-datetime", None, "start-datetime must be an RFC 3339 date-time string"),
]


@pytest.mark.parametrize(
    ("where", "key", "value", "said"),
    WRONG_TYPES,
    ids=[f"{c[1]}={'absent' if c[2] is _ABSENT else json.dumps(c[2])}" for c in WRONG_TYPES],
)
def test_a_member_of_the_wrong_type_is_called_what_it_is(
    where: str, key: str, value: Any, said: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    kind, result = both_readers(_with(where, key, value), monkeypatch)
    messages = [result] if kind == "rejected" else result["warnings"]
    assert any(said in m for m in messages), messages
    if value is not _ABSENT:
        assert not any("missing" in m for m in messages), messages


def test_a_policy_domain_of_the_wrong_type_still_takes_the_envelopes(monkeypatch) -> None:
    for value in (["example.com"], 7, {}, None, "", "  "):
        kind, result = both_readers(_with(POLICY, "policy-domain", value), monkeypatch)
        assert kind == "parsed"
        assert result["policies"][0]["policy_domain"] == "example.com", value
        assert any("using example.com from the envelope" in w for w in result["warnings"])


def test_a_contact_info_domain_in_u_labels_is_read_as_its_a_labels(monkeypatch) -> None:
    # RFC 6532 lets an address carry UTF-8; its domain is compared with TLS-Report-Submitter
    # (read in A-labels) and the DKIM domain, so it is read in A-labels too.
    assert contact_domain("tls@Sendér.Example.") == REPORTER
    assert contact_domain("mailto:tls@SENDER.example.") == "sender.example"
    assert contact_domain("tls@*.example") is None
    assert contact_domain("tls@-bad.ü") is None
    kind, result = both_readers(_with("", "contact-info", "tls@sendér.example"), monkeypatch)
    assert kind == "parsed"
    assert result["warnings"] == []
    assert parse_report(_with("", "contact-info", "tls@sendér.example")).contact_domain == (
        REPORTER
    )


# --- 2. ingest_files routes by the A-labels of the file name's policy domain --------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "written", ["bücher.example", "Bücher.Example.", "BÜCHER.EXAMPLE", "XN--BCHER-KVA.example"]
)
def test_ingest_files_routes_a_file_named_in_u_labels_or_capitals(
    written: str, tmp_path: Path
) -> None:
    a = ReportAddress.objects.create(domain_name=IDN)
    name = f"sender.example!{written}!1780272000!1780358399!001.json.gz"
    (tmp_path / name).write_bytes(gzip.compress(SAMPLE_PATH.read_bytes()))
    out = io.StringIO()
    call_command("ingest_files", str(tmp_path), stdout=out, stderr=io.StringIO())
    assert out.getvalue().strip() == "1 parsed"
    assert RawReport.objects.get().address == a
    assert TlsReport.objects.filter(address=a).count() == 1


@pytest.mark.django_db
def test_ingest_files_names_the_a_label_domain_it_found_no_address_for(tmp_path: Path) -> None:
    ReportAddress.objects.create(domain_name="example.com")
    name = "sender.example!bücher.example!1780272000!1780358399.json"
    (tmp_path / name).write_bytes(SAMPLE_PATH.read_bytes())
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 file was not imported"):
        call_command("ingest_files", str(tmp_path), stdout=io.StringIO(), stderr=err)
    assert f"no report address for {IDN}" in err.getvalue()


# --- 3. Names of the mail envelope: case, trailing dot, U-labels --------------------------


def _mail(domain: str, submitter: str, *, utf8: bool) -> bytes:
    msg = EmailMessage()
    msg["From"] = "noreply@sender.example"
    msg["To"] = "tlsrpt+0123456789abcdef@reports.example"
    msg["Subject"] = "report"
    msg["TLS-Report-Domain"] = domain
    msg["TLS-Report-Submitter"] = submitter
    msg.set_content("report")
    msg.add_attachment(
        gzip.compress(SAMPLE_PATH.read_bytes()),
        maintype="application",
        subtype="tlsrpt+gzip",
        filename="r.json.gz",
    )
    msg.replace_header(
        "Content-Type", msg["Content-Type"].replace("multipart/mixed", "multipart/report")
    )
    msg.set_param("report-type", "tlsrpt")
    # utf8: the header as raw UTF-8 (RFC 6532); else RFC 2047 encoded words.
    return msg.as_bytes(policy=email_policy.SMTP.clone(utf8=utf8))


@pytest.mark.parametrize("utf8", [True, False], ids=["RFC 6532", "RFC 2047"])
def test_report_headers_in_u_labels_name_their_a_label_domains(utf8: bool) -> None:
    (report,) = extract_reports(_mail("Bücher.Example.", "Sendér.example", utf8=utf8))
    assert (report.report_domain, report.submitter) == (IDN, REPORTER)
    assert not any("is not a domain name" in w for w in report.warnings), report.warnings
    assert any(
        f"TLS-Report-Domain 'Bücher.Example.' is not in A-label form; read as {IDN}" in w
        for w in report.warnings
    )
    assert any(f"read as {REPORTER}" in w for w in report.warnings)


def test_report_headers_in_a_labels_need_no_word_whatever_their_case() -> None:
    (report,) = extract_reports(_mail("EXAMPLE.com.", "Sender.Example.", utf8=False))
    assert (report.report_domain, report.submitter) == ("example.com", "sender.example")
    assert report.warnings == []
    (report,) = extract_reports(_mail("example.com, evil.example", "bad domain", utf8=False))
    assert (report.report_domain, report.submitter) == (None, None)
    assert any("is not a domain name; ignored" in w for w in report.warnings)


def test_envelope_names_compare_as_a_labels() -> None:
    assert submitter_domain("Sendér.Example.") == REPORTER
    assert submitter_domain(" sender.EXAMPLE. ") == "sender.example"
    assert submitter_domain("-bad.ü") is None
    token = "0123456789abcdef"
    for written in ("Bücher.example", "XN--BCHER-KVA.EXAMPLE.", IDN):
        assert token_from_recipient(f"tlsrpt+{token}@{written}", IDN) == token, written
        assert token_from_recipient(f"tlsrpt+{token}@{IDN}", written) == token, written
    assert token_from_recipient(f"tlsrpt+{token}@other.example", IDN) is None
    assert same_or_parent(REPORTER, "mail.sendér.example", ())
    assert same_or_parent("Sendér.example.", f"MAIL.{REPORTER}", ())
    assert not same_or_parent("sender.example", REPORTER, ())


@pytest.fixture
def idn_signer(dns_stub, signer) -> SimpleNamespace:
    """The test signing key (signer), published for the reporter sendér.example as well."""
    public = (
        rsa_2048_key("dkim")
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    dns_stub.records[f"tlsrpt2026._domainkey.{REPORTER}."] = (
        b"v=DKIM1; k=rsa; s=tlsrpt; p=" + base64.b64encode(public)
    )
    return signer


def _idn_reporter_message(to: ReportAddress, submitter: str | None) -> bytes:
    body = copy.deepcopy(SAMPLE)
    body["contact-info"] = "smtp-tls-reporting@sendér.example"
    message = make_message(to, body=gzip.compress(json.dumps(body).encode()))
    old = b"TLS-Report-Submitter: sender.example\r\n"
    assert old in message
    if submitter is None:
        return message.replace(old, b"")
    msg = EmailMessage()
    msg["TLS-Report-Submitter"] = submitter
    header = msg.as_bytes(policy=email_policy.SMTP).split(b"\r\n\r\n")[0] + b"\r\n"
    return message.replace(old, header)


@pytest.mark.django_db
@pytest.mark.parametrize("submitter", ["Sendér.example", REPORTER, None])
def test_a_report_signed_by_an_idn_reporter_is_matched_with_it(
    address, idn_signer, eager, submitter: str | None
) -> None:
    """RFC 8460 §3: the signature must be the reporter's, known from TLS-Report-Submitter
    or else the contact-info domain. Written in U-labels, neither was recognised as the
    signing domain xn--sendr-esa.example, and the report was rejected."""
    message = _idn_reporter_message(address, submitter)
    assert ingest(sign(message, idn_signer, domain=REPORTER.encode())) == 0
    raw = RawReport.objects.get()
    assert raw.parse_status == RawReport.PARSED, raw.error
    assert (raw.dkim_result, raw.dkim_domain) == ("pass", REPORTER)
    warnings = raw.report.warnings
    assert not any("is not the domain of contact-info" in w for w in warnings), warnings
    assert not any("DKIM signing domain" in w for w in warnings), warnings
    assert raw.signed_by(raw.report.contact_info) == REPORTER
