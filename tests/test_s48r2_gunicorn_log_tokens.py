"""Review s48r2 of s48d/s48f (e58fc9dd, 832ccbe8): a link's token stays out of gunicorn's logs
too, not only Django's.

gunicorn, as deploy/systemd/mailsec-web.service runs it (a sync worker, --timeout 30), writes
its own error log to stderr (the journal): a request that outlives the timeout is aborted and
logged "Error handling request GET /invite/<token>/", and a request line it cannot parse is
logged whole ("Invalid request from ip=…: Invalid HTTP request line: '…'"). An operator who
turns on its access log (--access-logfile -) gets every request line. Those loggers
(gunicorn.error, gunicorn.access) are gunicorn's, configured by gunicorn, not by Django's
LOGGING; mailsec/wsgi.py gives them mailsec.logfilter.HideUrlTokens.

Real gunicorn, timeout 2 s, its database a socket that takes the connection and never
answers, so the page of an invitation hangs until the worker is aborted."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mailsec.logfilter import HideUrlTokens

INVITE = "S48r2GunicornInviteToken5c1d"
UNSUBSCRIBE = "S48r2GunicornUnsubscribeToken8e"
ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _ask(port: int, raw: bytes, timeout: float = 30) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(raw)
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
        return answer


def test_gunicorn_logs_no_link_token(tmp_path: Path) -> None:
    silent_database = socket.socket()
    silent_database.bind(("127.0.0.1", 0))
    silent_database.listen(16)
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://mailsec@127.0.0.1:{silent_database.getsockname()[1]}/mailsec"
        ),
        "MAILSEC_DATA_DIR": str(tmp_path),
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                str(gunicorn),
                "mailsec.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--timeout",
                "2",
                "--access-logfile",
                "-",
                "--no-control-socket",
            ],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        # A request line gunicorn refuses itself (400), once its worker has loaded Django.
        deadline = time.monotonic() + 60
        while True:
            try:
                answer = _ask(port, f"GET /invite/{INVITE}/\r\n\r\n".encode())
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.2)
        assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
        # A page of a link that hangs on the database until the worker is aborted.
        request = (
            f"GET /invite/{INVITE}/?next=%2Falerts%2Funsubscribe%2F{UNSUBSCRIBE}%2F HTTP/1.1\r\n"
            "Host: localhost\r\nX-Forwarded-Proto: https\r\nConnection: close\r\n\r\n"
        )
        answer = _ask(port, request.encode())
        assert answer.startswith(b"HTTP/1.1 500"), answer[:200]
        time.sleep(1)
    finally:
        process.terminate()
        process.wait(20)
        silent_database.close()
    text = log.read_text(errors="replace")
    assert "WORKER TIMEOUT" in text, text[-3000:]
    assert "Error handling request GET /invite/…/?next=%2Falerts%2Funsubscribe%2F…%2F" in text, (
        text[-3000:]
    )
    assert "Invalid request from ip=127.0.0.1: Invalid HTTP request line: 'GET /invite/…/" in (
        text
    ), text[-3000:]
    assert '"GET /invite/…/?next=%2Falerts%2Funsubscribe%2F…%2F HTTP/1.1" 500' in text, text
    for token in (INVITE, UNSUBSCRIBE):
        assert token not in text, text[-3000:]


@pytest.mark.parametrize(
    ("message", "args"),
    [
        ("Not Found: %s", ("/invite/S48r2x/",)),
        ('"%(r)s" %(s)s', {"r": "GET /invite/S48r2x/ HTTP/1.1", "s": "200"}),
    ],
)
def test_the_filter_reads_tuple_and_mapping_arguments(message: str, args: object) -> None:
    # gunicorn's access log passes one mapping of its atoms as the record's arguments.
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, message, args, None)
    HideUrlTokens().filter(record)
    assert "S48r2x" not in record.getMessage()
    assert "/invite/…/" in record.getMessage()
