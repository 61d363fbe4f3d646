"""`sendmail_script` for tlsrpt-reportd in tests: sign the report e-mail with DKIM, submit it.

tlsrpt-reportd pipes a finished message to its sendmail_script (as `sendmail -i -t` would take
it) and does not sign; RFC 8460 §3 requires a DKIM signature by the reporting domain, so this
script signs like the reporter's outbound MTA would (dkimpy, no l=), then submits over SMTP
with STARTTLS, verifying the listener's certificate against --cafile by --servername.
Recipients come from the To header (-t). Exit status 0 only when the server accepted (250).
"""

from __future__ import annotations

import argparse
import smtplib
import ssl
import sys
from email import message_from_bytes, policy
from email.utils import getaddresses

import dkim

HEADERS = [
    b"from",
    b"to",
    b"subject",
    b"date",
    b"message-id",
    b"tls-report-domain",
    b"tls-report-submitter",
    b"mime-version",
    b"content-type",
]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--key", required=True)
    parser.add_argument("--selector", required=True)
    parser.add_argument("--domain", required=True)
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--cafile", required=True)
    parser.add_argument("--servername", required=True)
    args = parser.parse_args()

    message = sys.stdin.buffer.read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    parsed = message_from_bytes(message, policy=policy.SMTP)
    present = {k.lower().encode() for k in parsed}
    with open(args.key, "rb") as f:
        key = f.read()
    signature = dkim.sign(
        message,
        args.selector.encode(),
        args.domain.encode(),
        key,
        include_headers=[h for h in HEADERS if h in present],
    )
    signed = signature + message
    recipients = [addr for _, addr in getaddresses(parsed.get_all("To", []))]
    sender = getaddresses(parsed.get_all("From", []))[0][1]

    context = ssl.create_default_context(cafile=args.cafile)
    with smtplib.SMTP(args.host, args.port, timeout=20) as smtp:
        smtp._host = args.servername  # the TLS name to verify, not the IP we connected to
        smtp.starttls(context=context)
        refused = smtp.sendmail(sender, recipients, signed)
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main())
