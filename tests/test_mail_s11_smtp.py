# ruff: noqa: F811 (pytest fixtures imported from test_reports_email)
"""The SMTP listener (aiosmtpd) on what senders and the network do that the fixtures did not:
recipients of addresses not verified yet, SIZE=, pipelining, a connection lost in DATA, a
message resent, several reports in one message (RFC 5321, RFC 1870, RFC 2920, RFC 8460 §5.3)."""

from __future__ import annotations

import smtplib

import pytest
from django.contrib.auth.models import User

from mailsec.accounts.models import Team
from mailsec.domains.models import Domain
from reports.models import RawReport, ReportAddress
from tests import test_reports_email as base
from tests.test_mail_s11_several import another_report, digest_message
from tests.test_reports_email import smtpd, tls_files  # noqa: F401 (fixtures, by request)

SENDER = "noreply-smtp-tls-reporting@sender.example"


def test_a_known_token_of_a_domain_not_verified_yet_is_taken(smtpd, tls_files) -> None:
    # Reports arrive from the moment the record is published, verified or not; they are kept
    # (nothing lost) and shown once the domain is verified, as over HTTPS.
    owner = User.objects.create_user("owner", "owner@example.org")
    domain = Domain.objects.create(team=Team.create_for(owner), name="example.com")
    assert not domain.is_verified
    address = ReportAddress.for_domain(domain)
    with base._client(smtpd, tls_files) as client:
        assert client.sendmail(SENDER, [address.mailto], base.make_message(address)) == {}
    assert RawReport.objects.get().address == address


def test_a_size_declared_over_the_cap_is_refused_at_mail_from(smtpd, tls_files, settings) -> None:
    # RFC 1870: the sender learns before sending the data. The cap is read when the listener
    # starts (build_controller), so declared against it.
    address = ReportAddress.objects.create(domain_name="example.com")
    from reports import conf

    with base._client(smtpd, tls_files) as client:
        client.ehlo()
        assert client.has_extn("size")
        assert int(client.esmtp_features["size"]) == conf.max_message_bytes()
        code, reply = client.mail(SENDER, [f"SIZE={conf.max_message_bytes() + 1}"])
        assert code == 552, reply
        client.rset()
        code, _ = client.mail(SENDER, ["SIZE=4096"])
        assert code == 250
        assert client.rcpt(address.mailto)[0] == 250


def test_a_message_over_the_cap_without_size_is_refused_and_not_stored(smtpd, tls_files) -> None:
    from reports import conf

    address = ReportAddress.objects.create(domain_name="example.com")
    message = base.make_message(address).replace(
        b"\r\n\r\n", b"\r\nX-Pad: " + b"a" * 998 + b"\r\n\r\n", 1
    )
    padding = b"X-Pad: " + b"b" * 990 + b"\r\n"
    message = padding * (conf.max_message_bytes() // len(padding) + 1) + message
    with base._client(smtpd, tls_files) as client:
        client.ehlo()
        client.mail(SENDER)  # no SIZE= (smtplib's sendmail would declare it)
        client.rcpt(address.mailto)
        code, _ = client.data(message)
    assert code == 552
    assert RawReport.objects.count() == 0


def test_pipelined_commands_are_answered_in_order(smtpd, tls_files) -> None:
    # RFC 2920: MAIL, RCPT (one unknown) and DATA in one write; each answered in turn.
    address = ReportAddress.objects.create(domain_name="example.com")
    with base._client(smtpd, tls_files) as client:
        client.ehlo()
        client.send(
            f"MAIL FROM:<{SENDER}>\r\n"
            f"RCPT TO:<tlsrpt+{'0' * 32}@localhost>\r\n"
            f"RCPT TO:<{address.mailto}>\r\n"
            "DATA\r\n"
        )
        codes = [client.getreply()[0] for _ in range(4)]
        assert codes == [250, 550, 250, 354]
        client.send(base.make_message(address) + b".\r\n")
        code, reply = client.getreply()
        assert code == 250, reply
    assert RawReport.objects.get().address == address


def test_a_connection_lost_before_the_final_dot_stores_nothing(smtpd, tls_files) -> None:
    address = ReportAddress.objects.create(domain_name="example.com")
    message = base.make_message(address)
    client = base._client(smtpd, tls_files)
    client.ehlo()
    client.mail(SENDER)
    client.rcpt(address.mailto)
    assert client.putcmd("data") is None and client.getreply()[0] == 354
    client.send(message[: len(message) // 2])
    client.close()  # the network drops: no "." ever came
    # The listener is still there, and takes the whole message on the next connection
    # (nothing half-stored got in the way).
    with base._client(smtpd, tls_files) as again:
        assert again.sendmail(SENDER, [address.mailto], message) == {}
    raw = RawReport.objects.get()
    assert bytes(raw.body) == message


def test_a_resent_message_is_stored_once_and_said_to_be(smtpd, tls_files) -> None:
    address = ReportAddress.objects.create(domain_name="example.com")
    message = base.make_message(address)
    with base._client(smtpd, tls_files) as client:
        client.ehlo()
        replies = []
        for _ in range(2):
            client.mail(SENDER)
            client.rcpt(address.mailto)
            replies.append(client.data(message))
    raw = RawReport.objects.get()
    assert replies[0] == (250, f"2.0.0 Stored {raw.public_id}".encode())
    assert replies[1] == (250, f"2.0.0 Already stored {raw.public_id}".encode())


def test_every_report_of_a_message_is_stored_over_smtp(smtpd, tls_files) -> None:
    address = ReportAddress.objects.create(domain_name="example.com")
    message = digest_message(
        address, [(another_report(1), "tlsrpt+json"), (another_report(2), "tlsrpt+json")]
    )
    with base._client(smtpd, tls_files) as client:
        client.ehlo()
        client.mail(SENDER)
        client.rcpt(address.mailto)
        code, reply = client.data(message)
    rows = RawReport.objects.order_by("report_index")
    assert code == 250
    assert [r.report_index for r in rows] == [0, 1]
    assert all(str(r.public_id).encode() in reply for r in rows)


def test_too_many_reports_in_one_message_are_refused_with_the_reason(smtpd, tls_files) -> None:
    from reports.mail import MAX_REPORTS_PER_MESSAGE

    address = ReportAddress.objects.create(domain_name="example.com")
    many = [(another_report(n), "tlsrpt+json") for n in range(1, MAX_REPORTS_PER_MESSAGE + 2)]
    with base._client(smtpd, tls_files) as client, pytest.raises(smtplib.SMTPDataError) as exc:
        client.sendmail(SENDER, [address.mailto], digest_message(address, many))
    assert exc.value.smtp_code == 552 and b"at most" in exc.value.smtp_error
    assert RawReport.objects.count() == 0
