"""manage.py ingest_email: store one report e-mail read on stdin (pipe from Postfix or Exim).

Postfix master.cf:  tlsrpt unix - n n - - pipe flags=R user=mailsec
                      argv=/opt/mailsec/deploy/mailsec-ingest-email
                      --recipient ${original_recipient}
(deploy/mailsec-ingest-email loads /etc/mailsec/env, which pipe(8) does not pass, and turns a
failure before this command could judge the message into 75.)
Exit codes follow sysexits.h, which MTAs read: 0 stored; 75 (EX_TEMPFAIL) try again later;
67 (EX_NOUSER) no such report address; 65 (EX_DATAERR) not a usable message. An address over
its daily quota (TLSRPT_DAILY_*_PER_ADDRESS) is 75 too, so is a tlsrpt+<token> recipient at
another domain than TLSRPT_INBOUND_DOMAIN (a setup mismatch), and so is everything else that goes
wrong, so the MTA keeps the message and retries rather than bouncing it.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from reports import conf
from reports.intake import IntakeError, QuotaExceeded, accept_email, addresses_for_message
from reports.mail import token_from_recipient

log = logging.getLogger(__name__)

EX_OK = 0
EX_DATAERR = 65
EX_NOUSER = 67
EX_TEMPFAIL = 75


class Command(BaseCommand):
    help = "Store one TLS report e-mail read from stdin (for an MTA pipe); sysexits exit codes."

    def add_arguments(self, parser: CommandParser) -> None:
        # extend + nargs: Postfix expands ${original_recipient} to one argument per recipient
        # of a delivery, and a usage error (exit 2) would bounce the report.
        parser.add_argument(
            "--recipient",
            action="extend",
            nargs="+",
            default=[],
            help="envelope recipient(s) (tlsrpt+<token>@<domain>); default: the delivery headers",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        sys.exit(self.ingest(options["recipient"]))

    def ingest(self, recipients: list[str]) -> int:
        try:
            cap = conf.max_message_bytes()
            message = sys.stdin.buffer.read(cap + 1)
            if not message.strip():
                self.stderr.write("ingest_email: empty message on stdin")
                return EX_DATAERR
            if len(message) > cap:
                self.stderr.write(f"ingest_email: message is larger than {cap} bytes")
                return EX_DATAERR
            addresses = addresses_for_message(message, recipients)
            # A tlsrpt+<token> address at another domain is our setup, not the sender's
            # mistake (TLSRPT_INBOUND_DOMAIN unset, say, when the env file was not loaded): 67
            # would bounce every report, 75 keeps them queued until the setting is fixed.
            domain = conf.inbound_domain()
            elsewhere = [
                r
                for r in recipients
                if token_from_recipient(r) and not token_from_recipient(r, domain)
            ]
            if not addresses and not elsewhere:
                self.stderr.write("ingest_email: no known tlsrpt+<token> recipient")
                return EX_NOUSER
            for address in addresses:
                for accepted in accept_email(address, message):
                    state = "stored" if accepted.created else "already stored"
                    self.stdout.write(
                        f"{state}: {accepted.raw.public_id} for {address.domain_name}"
                    )
            if elsewhere:
                # Those stored above answer "already stored" on the retry.
                self.stderr.write(
                    f"ingest_email: temporary failure: recipient {elsewhere[0]} is not at "
                    f"TLSRPT_INBOUND_DOMAIN ({domain}); check the settings (is the env file loaded?)"
                )
                return EX_TEMPFAIL
        except QuotaExceeded as e:
            # Addresses stored before this one answer "already stored" on the retry.
            self.stderr.write(f"ingest_email: temporary failure ({e.reason})")
            return EX_TEMPFAIL
        except IntakeError as e:
            self.stderr.write(f"ingest_email: {e.reason}")
            return EX_DATAERR
        except Exception as e:
            log.exception("ingest_email could not store a message")
            self.stderr.write(f"ingest_email: temporary failure ({type(e).__name__}: {e})")
            return EX_TEMPFAIL
        return EX_OK
