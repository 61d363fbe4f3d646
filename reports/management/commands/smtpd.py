"""manage.py smtpd: receive TLS reports by e-mail (aiosmtpd, STARTTLS with a certificate)."""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mailsec.env import parse_host_port
from reports.smtp import build_controller


class Command(BaseCommand):
    help = "Listen for TLS report e-mails to tlsrpt+<token>@<inbound domain>."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--listen", default="127.0.0.1:2525", help="host:port (default %(default)s)"
        )
        parser.add_argument("--tls-cert", help="PEM certificate chain; enables STARTTLS")
        parser.add_argument("--tls-key", help="PEM private key for --tls-cert")
        parser.add_argument(
            "--require-starttls", action="store_true", help="refuse mail before STARTTLS"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            host, port = parse_host_port("--listen", options["listen"], 25)
        except Exception as e:
            raise CommandError(str(e)) from None
        if bool(options["tls_cert"]) != bool(options["tls_key"]):
            raise CommandError("--tls-cert and --tls-key go together")
        controller = build_controller(
            host,
            port,
            tls_cert=options["tls_cert"],
            tls_key=options["tls_key"],
            require_starttls=options["require_starttls"],
        )
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        # The settings' root level is WARNING; the listener's one line per accepted message
        # is INFO, and what an operator reads to see that reports arrive (-v 0: quiet).
        if options["verbosity"] >= 1:
            logging.getLogger("reports.smtp").setLevel(logging.INFO)
        controller.start()
        tls = " with STARTTLS" if options["tls_cert"] else ""
        self.stdout.write(f"smtpd listening on {host}:{port}{tls}", ending="\n")
        self.stdout.flush()
        try:
            stop.wait()
        finally:
            controller.stop()
            self.stdout.write("smtpd stopped")
