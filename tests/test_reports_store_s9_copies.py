"""Copies of one report nobody listed in the fixtures (RFC 8460 §3, §4.4, §5.3): which copy is
the reporter's DKIM-signed one when its TLS-Report-Submitter is not in the outer headers as
plain text, and a copy stored by an earlier release of the parser that still says the same."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest
from django.test import Client

from reports.models import FailureDetail, RawReport, ReportAddress, TlsReport
from tests import test_reports_forged as forged_case
from tests.test_reports_email import SAMPLE, ingest, make_message, sign
from tests.test_reports_forged import REAL_FAILURES, forged, post
from tests.test_reports_mail_s8_forwarded import forwarded

# sender.example's DKIM key behind a DNS stub, inline tasks, an address for example.com.
signer = forged_case.signer
eager = forged_case.eager
address = forged_case.address

pytestmark = pytest.mark.django_db

# A reporter whose contact-info is a web page, not an e-mail address (RFC 8460 §4.4 allows
# either): only TLS-Report-Submitter names the domain whose signature counts.
WEB_CONTACT = "https://sender.example/smtp-tls-reporting"


def with_contact(body: bytes, contact: str = WEB_CONTACT) -> bytes:
    report = json.loads(body)
    report["contact-info"] = contact
    return json.dumps(report).encode()


def signed_message(address: ReportAddress, signer: Any, submitter: str | None = None) -> bytes:
    message = make_message(address, body=gzip.compress(with_contact(SAMPLE)))
    if submitter is not None:
        message = message.replace(
            b"TLS-Report-Submitter: sender.example", b"TLS-Report-Submitter: " + submitter.encode()
        )
    # simple/simple: forwarded byte for byte, it still verifies.
    return sign(message, signer, canonicalize=(b"simple", b"simple"))


def outcome() -> tuple[Any, ...]:
    """What the report counts, and how each copy stands, by source."""
    report = TlsReport.objects.get()
    return (
        report.total_failed,
        sorted(report.failure_details.values_list("result_type", flat=True)),
        sorted((raw.source, raw.parse_status) for raw in RawReport.objects.all()),
    )


COUNTED_SIGNED = (
    17,
    REAL_FAILURES,
    [("email", RawReport.PARSED), ("https", RawReport.SUPERSEDED)],
)


@pytest.mark.parametrize("signed_first", [False, True], ids=["forged-first", "signed-first"])
def test_a_forwarded_signed_copy_counts_over_a_forged_one(
    address: ReportAddress, signer: Any, client: Client, signed_first: bool
) -> None:
    # The owner's old mailbox received the real report and forwards it as an attachment: the
    # outer message has no TLS-Report-Submitter, the forwarded one has, and its signature by
    # sender.example is what vouches for the report (RFC 8460 §3). It was judged unsigned,
    # so a forged copy posted first stayed counted, or a later forged one was a mere resend.
    message = forwarded(signed_message(address, signer), address.mailto)
    if signed_first:
        assert ingest(message) == 0
    post(client, address, with_contact(forged()))
    if not signed_first:
        assert ingest(message) == 0
    assert outcome() == COUNTED_SIGNED
    email = RawReport.objects.get(source=RawReport.EMAIL)
    assert (email.dkim_result, email.dkim_domain) == ("pass", "sender.example")
    assert email.report_submitter == "sender.example"


def test_an_rfc2047_encoded_submitter_is_the_submitter(
    address: ReportAddress, signer: Any, client: Client
) -> None:
    # RFC 2047 encoded words are legal in an unstructured header; the parse decodes them and
    # accepts the signature, and the copy must count as signed by the same reading.
    post(client, address, with_contact(forged()))
    assert ingest(signed_message(address, signer, "=?utf-8?q?sender=2Eexample?=")) == 0
    assert outcome() == COUNTED_SIGNED


def test_a_copy_parsed_before_the_submitter_was_recorded_is_judged_by_its_decoded_header(
    address: ReportAddress, signer: Any, client: Client
) -> None:
    assert ingest(signed_message(address, signer, "=?us-ascii?Q?sender.example?=")) == 0
    RawReport.objects.update(report_submitter="")  # as rows stored before migration 0011
    post(client, address, with_contact(forged()))
    assert outcome() == COUNTED_SIGNED


def test_a_copy_stored_before_the_ipv4_mapped_fix_is_not_a_copy_that_differs(
    address: ReportAddress, signer: Any, client: Client
) -> None:
    report = json.loads(SAMPLE)
    details = report["policies"][0]["failure-details"]
    details[0]["sending-mta-ip"] = "::ffff:192.0.2.10"
    details[1]["receiving-ip"] = "::ffff:0:198.51.100.7"  # IPv4-translated (RFC 2765)
    body = json.dumps(report).encode()
    assert ingest(sign(make_message(address, body=gzip.compress(body)), signer)) == 0
    # As the parser stored them before RFC 5952 §5 mixed notation (Python's str()).
    FailureDetail.objects.filter(sending_mta_ip="::ffff:192.0.2.10").update(
        sending_mta_ip="::ffff:c000:20a"
    )
    FailureDetail.objects.filter(receiving_ip="::ffff:0:198.51.100.7").update(
        receiving_ip="::ffff:0:c633:6407"
    )
    # The same report over HTTPS (unsigned): a resend, not a differing copy set aside as
    # possibly forged.
    post(client, address, body)
    resend = RawReport.objects.get(source=RawReport.HTTPS)
    assert resend.parse_status == RawReport.DUPLICATE, resend.error
    assert resend.error == "resend of report '2026-06-01T00:00:00Z_example.com' already stored"
    # A differing address still differs.
    details[0]["sending-mta-ip"] = "::ffff:192.0.2.11"
    post(client, address, json.dumps(report).encode())
    other = RawReport.objects.filter(source=RawReport.HTTPS).exclude(pk=resend.pk).get()
    assert other.parse_status == RawReport.SUPERSEDED
