"""manage.py smtpd says, one line per message it accepts, what it stored: the message's size,
the start of its sha256, the raw report's public id, and whether it was new or an identical
resend (task s38f). Before, it logged nothing after its start-up line, so an operator could not
tell from its log whether reports arrived at all."""

from __future__ import annotations

import io
import logging
import os
import signal
import smtplib
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command

from reports.models import RawReport, ReportAddress
from tests.test_reports_email import _free_port, make_message


def _wait_for_listener(port: int, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"smtpd did not listen on port {port}")


def run_smtpd(port: int, send: Callable[[], None], **options: Any) -> None:
    """Run the real command (as systemd does) in this, the main, thread while `send` talks to
    it from another; then stop it with SIGTERM, as systemd stops it. Signal handlers and the
    listener's logger level are put back afterwards."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    level = logging.getLogger("reports.smtp").level
    failures: list[BaseException] = []

    def send_then_stop() -> None:
        try:
            _wait_for_listener(port)
            send()
        except BaseException as e:  # raised again in the test's thread
            failures.append(e)
        finally:
            # Only once the command has its own handler: the default one would end pytest.
            if signal.getsignal(signal.SIGTERM) is not saved[signal.SIGTERM]:
                os.kill(os.getpid(), signal.SIGTERM)

    sender = threading.Thread(target=send_then_stop)
    try:
        sender.start()
        call_command("smtpd", "--listen", f"127.0.0.1:{port}", stdout=io.StringIO(), **options)
    finally:
        sender.join(20)
        for sig, handler in saved.items():
            signal.signal(sig, handler)
        logging.getLogger("reports.smtp").setLevel(level)
    if failures:
        raise failures[0]


def test_it_logs_one_line_per_accepted_message(
    transactional_db: None, caplog: pytest.LogCaptureFixture
) -> None:
    address = ReportAddress.objects.create(domain_name="example.com")
    message = make_message(address)
    port = _free_port()
    replies: list[tuple[int, bytes]] = []

    def send_twice() -> None:
        with smtplib.SMTP("127.0.0.1", port, local_hostname="sender.example") as client:
            for _ in range(2):  # the second is an identical resend
                client.ehlo()
                client.mail("noreply@sender.example")
                client.rcpt(address.mailto)
                replies.append(client.data(message))

    # No caplog.set_level: the command itself must let its accepted-message lines through
    # the settings' WARNING root level.
    run_smtpd(port, send_twice)
    assert [code for code, _ in replies] == [250, 250], replies

    raw = RawReport.objects.get()
    lines = [r.getMessage() for r in caplog.records if r.name == "reports.smtp"]
    assert len(lines) == 2, lines
    first, second = lines
    for line in lines:
        assert f"{len(message)} bytes" in line
        assert raw.sha256[:12] in line
        assert str(raw.public_id) in line
        assert str(address.token) not in line  # the token is a secret of the domain's owner
    assert "new" in first and "duplicate" not in first
    assert "duplicate" in second and "new" not in second
    assert all(r.levelno == logging.INFO for r in caplog.records if r.name == "reports.smtp")


def test_it_logs_nothing_per_message_at_verbosity_0(
    transactional_db: None, caplog: pytest.LogCaptureFixture
) -> None:
    # -v 0 is quiet, as Django's commands are: only warnings and errors.
    address = ReportAddress.objects.create(domain_name="example.com")
    port = _free_port()

    def send() -> None:
        with smtplib.SMTP("127.0.0.1", port, local_hostname="sender.example") as client:
            client.sendmail("noreply@sender.example", [address.mailto], make_message(address))

    run_smtpd(port, send, verbosity=0)
    assert RawReport.objects.count() == 1
    assert [r for r in caplog.records if r.name == "reports.smtp"] == []
