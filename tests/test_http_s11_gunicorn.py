"""The HTTPS intake behind the server it runs under (gunicorn, scripts/run.sh and
deploy/systemd), for what the test client cannot send: chunked bodies without Content-Length
(Go's net/http with a gzip writer sends them), Expect: 100-continue, connections that end
before the body does.
"""

from __future__ import annotations

import gzip
import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from reports.models import RawReport, ReportAddress

SAMPLE = (Path(__file__).parent / "data" / "tlsrpt" / "sample.json").read_bytes()
GZ = "application/tlsrpt+gzip"
CAP = 64 * 1024

pytestmark = pytest.mark.django_db(transaction=True)  # gunicorn reads what the test commits


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"  # a file: tests/conftest.py keeps it off memory
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture(scope="module")
def server(
    django_db_setup: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, int]]:
    """gunicorn with a sync worker, as deployed, on this session's test database."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        # Its broker files and cache go here, not into the checkout's var/.
        "MAILSEC_DATA_DIR": str(tmp_path_factory.mktemp("gunicorn")),
        "TLSRPT_MAX_BODY_BYTES": str(CAP),
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [str(gunicorn), "mailsec.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
    )
    try:
        # Ready once a request is answered: the socket listens before the worker has loaded
        # Django, and on a loaded machine the first test's request (10 s timeout) then waited
        # out the worker's start and timed out.
        deadline = time.monotonic() + 60
        while True:
            try:
                ready = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                ready.request("GET", "/healthz")
                ready.getresponse().read()
                ready.close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.1)
        yield "127.0.0.1", port
    finally:
        process.terminate()
        process.wait(20)


@pytest.fixture
def address() -> ReportAddress:
    return ReportAddress.objects.create(domain_name="example.com")


def exchange(
    server: tuple[str, int], head: str, body: bytes = b"", *, close: bool = False
) -> bytes:
    """Send a request as raw bytes (`close`: then end the sending side, as a client that
    gave up does) and read everything the server answers."""
    with socket.create_connection(server, 10) as sock:
        sock.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
        if close:
            sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def status_of(answer: bytes) -> int:
    """The final status: a 100 Continue may come first."""
    lines = [line for line in answer.split(b"\r\n") if line.startswith(b"HTTP/1.1 ")]
    return int(lines[-1].split()[1])


def chunked(body: bytes, size: int = 500) -> bytes:
    framed = b"".join(
        b"%x\r\n%s\r\n" % (len(body[i : i + size]), body[i : i + size])
        for i in range(0, len(body), size)
    )
    return framed + b"0\r\n\r\n"


def head(address: ReportAddress, *lines: str) -> str:
    request_line = f"POST /tlsrpt/{address.token} HTTP/1.1"
    return "\n".join([request_line, "Host: localhost", "Connection: close", *lines, ""])


def test_a_chunked_report_is_stored_and_parsed(
    server: tuple[str, int], address: ReportAddress
) -> None:
    # As Go's net/http sends a body read from a gzip writer: chunked, no Content-Length.
    body = gzip.compress(SAMPLE)
    client = http.client.HTTPConnection(*server, timeout=10)
    pieces = (body[i : i + 300] for i in range(0, len(body), 300))
    client.request(
        "POST", f"/tlsrpt/{address.token}", pieces, {"Content-Type": GZ}, encode_chunked=True
    )
    response = client.getresponse()
    assert response.status == 201, response.read()
    raw = RawReport.objects.get()
    assert bytes(raw.body) == body
    assert raw.process() == RawReport.PARSED, raw.error


def test_a_chunked_body_over_the_cap_is_refused_while_reading(
    server: tuple[str, int], address: ReportAddress
) -> None:
    answer = exchange(
        server,
        head(address, f"Content-Type: {GZ}", "Transfer-Encoding: chunked"),
        chunked(os.urandom(CAP * 3), 8000),
    )
    assert status_of(answer) == 413, answer
    assert RawReport.objects.count() == 0


def test_expect_100_continue_is_answered_and_the_report_stored(
    server: tuple[str, int], address: ReportAddress
) -> None:
    body = gzip.compress(SAMPLE)
    lines = [f"Content-Type: {GZ}", "Expect: 100-continue"]
    answer = exchange(server, head(address, *lines, f"Content-Length: {len(body)}"), body)
    assert answer.startswith(b"HTTP/1.1 100 Continue\r\n") and status_of(answer) == 201, answer
    too_big = exchange(server, head(address, *lines, f"Content-Length: {CAP + 1}"))
    assert status_of(too_big) == 413, too_big
    assert RawReport.objects.count() == 1


def test_a_body_cut_short_is_not_stored_and_is_400(
    server: tuple[str, int], address: ReportAddress
) -> None:
    body = gzip.compress(SAMPLE)
    # With Content-Length: the piece is fewer bytes than declared.
    answer = exchange(
        server,
        head(address, f"Content-Type: {GZ}", f"Content-Length: {len(body)}"),
        body[:100],
        close=True,
    )
    assert status_of(answer) == 400 and b"ended after 100 of the" in answer, answer
    # Chunked: the connection ends before the last chunk; it answered 503 "could not be
    # stored" with a traceback logged as our error.
    answer = exchange(
        server,
        head(address, f"Content-Type: {GZ}", "Transfer-Encoding: chunked"),
        chunked(body)[:150],
        close=True,
    )
    assert status_of(answer) == 400, answer
    assert b"could not be read" in answer and b"Retry-After" not in answer
    assert RawReport.objects.count() == 0


def test_broken_chunk_framing_is_400(server: tuple[str, int], address: ReportAddress) -> None:
    answer = exchange(
        server,
        head(address, f"Content-Type: {GZ}", "Transfer-Encoding: chunked"),
        b"zz\r\nnot a chunk\r\n0\r\n\r\n",
    )
    assert status_of(answer) == 400, answer
    assert RawReport.objects.count() == 0


def test_a_body_without_content_type_is_stored_from_its_first_bytes(
    server: tuple[str, int], address: ReportAddress
) -> None:
    body = gzip.compress(SAMPLE)
    answer = exchange(server, head(address, f"Content-Length: {len(body)}"), body)
    assert status_of(answer) == 201, answer
    raw = RawReport.objects.get()
    assert raw.process() == RawReport.PARSED, raw.error
    assert any("no Content-Type" in warning for warning in raw.report.warnings)
