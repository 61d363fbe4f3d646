"""manage.py smtpd offers no AUTH (task s38r, item 1). It is a report-only intake: senders
deliver TLS reports to it as to any MX, unauthenticated. aiosmtpd 1.4 advertised
`250-AUTH LOGIN PLAIN` after STARTTLS and answered every attempt 535, which invites password
guessing and is what scanners flag. Now EHLO names no AUTH before or after STARTTLS, an AUTH
command gets a 502 saying the server takes reports without it, and mail is still delivered.
Run against the real command and its listener, talked to with smtplib.
"""

from __future__ import annotations

import smtplib
import ssl
from types import SimpleNamespace

from reports.models import RawReport, ReportAddress
from tests.test_reports_email import _free_port, make_message, tls_files  # noqa: F401
from tests.test_reports_s38f_smtpd_log import run_smtpd


def _ehlo_lines(client: smtplib.SMTP) -> list[str]:
    code, text = client.ehlo("sender.example")
    assert code == 250, text
    return text.decode().splitlines()


def test_it_offers_no_auth_before_or_after_starttls_and_still_takes_mail(
    transactional_db: None,
    tls_files: SimpleNamespace,  # noqa: F811
) -> None:
    address = ReportAddress.objects.create(domain_name="example.com")
    port = _free_port()
    seen: dict[str, object] = {}

    def talk() -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            seen["before"] = _ehlo_lines(client)
            seen["auth_before"] = client.docmd("AUTH", "PLAIN AGFAAGI=")
            context = ssl.create_default_context(cafile=tls_files.cert)
            context.check_hostname = False  # by IP; the chain is still verified
            client.starttls(context=context)
            seen["after"] = _ehlo_lines(client)
            seen["features"] = dict(client.esmtp_features)
            seen["auth_after"] = client.docmd("AUTH", "PLAIN AGFAAGI=")
            seen["auth_login"] = client.docmd("AUTH", "LOGIN")
            seen["help"] = client.docmd("HELP")
            # The refusals leave the session usable: the report is delivered.
            seen["refused"] = client.sendmail(
                "noreply@sender.example", [address.mailto], make_message(address)
            )

    run_smtpd(port, talk, tls_cert=tls_files.cert, tls_key=tls_files.key)

    before, after = seen["before"], seen["after"]
    assert "STARTTLS" in before and not any("AUTH" in line.upper() for line in before), before
    assert not any("AUTH" in line.upper() for line in after), after
    features = seen["features"]
    assert "auth" not in features, features
    assert "size" in features and "8bitmime" in features, features  # the rest stays
    for key in ("auth_before", "auth_after", "auth_login"):
        code, text = seen[key]
        assert code == 502, (key, code, text)
        assert b"without authentication" in text, (key, text)
    help_code, help_text = seen["help"]
    assert help_code == 250 and b"AUTH" not in help_text.upper(), help_text
    assert seen["refused"] == {}
    assert RawReport.objects.filter(address=address).count() == 1


def test_it_offers_no_auth_without_a_certificate(transactional_db: None) -> None:
    # Without STARTTLS aiosmtpd never listed AUTH (it wants TLS first) but answered 538
    # "Encryption required", as if authenticating were possible over TLS.
    address = ReportAddress.objects.create(domain_name="example.com")
    port = _free_port()
    seen: dict[str, object] = {}

    def talk() -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            seen["ehlo"] = _ehlo_lines(client)
            seen["auth"] = client.docmd("AUTH", "PLAIN AGFAAGI=")
            seen["refused"] = client.sendmail(
                "noreply@sender.example", [address.mailto], make_message(address)
            )

    run_smtpd(port, talk)

    assert not any("AUTH" in line.upper() for line in seen["ehlo"]), seen["ehlo"]
    code, text = seen["auth"]
    assert code == 502 and b"without authentication" in text, (code, text)
    assert seen["refused"] == {}
    assert RawReport.objects.filter(address=address).count() == 1
