"""The SMTP listener's answers on recipients nobody listed in the fixtures (RFC 5321 §4.2.5:
5xx only where the sender should not retry)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from reports.models import RawReport, ReportAddress
from tests import test_reports_email as base
from tests.test_reports_email import smtpd, tls_files  # noqa: F401 (fixtures, by request)


def listener(request: pytest.FixtureRequest) -> tuple[tuple[str, int], SimpleNamespace]:
    """test_reports_email's STARTTLS listener and its certificate files."""
    return request.getfixturevalue("smtpd"), request.getfixturevalue("tls_files")


def test_a_known_token_at_another_inbound_domain_is_deferred_not_bounced(
    request: pytest.FixtureRequest, transactional_db: None, settings
) -> None:
    # Records published while TLSRPT_INBOUND_DOMAIN named another host (or before it was set):
    # the token is ours, the domain a setting of ours. ingest_email answers 75 for the same
    # mismatch; a 550 would have the sender bounce (and lose) every report until it is fixed.
    where, certs = listener(request)
    address = ReportAddress.objects.create(domain_name="example.com")
    published = address.mailto
    message = base.make_message(address)
    settings.TLSRPT_INBOUND_DOMAIN = "reports.mailsec.example"
    with base._client(where, certs) as client:
        client.ehlo()
        client.mail("noreply@sender.example")
        code, reply = client.rcpt(published)
        assert code == 451, reply
        client.rset()
        # Once the setting names that domain again, the same address is taken.
        settings.TLSRPT_INBOUND_DOMAIN = published.rsplit("@", 1)[1]
        assert client.sendmail("noreply@sender.example", [published], message) == {}
    assert RawReport.objects.get().address == address


def test_an_unknown_token_at_another_domain_is_refused(
    request: pytest.FixtureRequest, transactional_db: None, settings
) -> None:
    where, certs = listener(request)
    settings.TLSRPT_INBOUND_DOMAIN = "reports.mailsec.example"
    with base._client(where, certs) as client:
        client.ehlo()
        client.mail("noreply@sender.example")
        code, _ = client.rcpt("tlsrpt+" + "ab" * 16 + "@elsewhere.example")
        assert code == 550
