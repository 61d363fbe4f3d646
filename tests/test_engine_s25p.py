"""TLSRPT-10 for https report URLs (s25p, checklist §3 10): the engine connects to each https
rua (at most three), reads its certificate (info when refused: reporters MAY ignore
certificate errors, RFC 8460 §3) and sends one empty POST as a reporter would (RFC 8460 §5.4)
to learn whether the URL takes POSTs: 404/405/501 or a refused connection warn, a timeout is
"could not check", a 5xx says nothing either way. Against local HTTPS servers (the probe
follows CheckConfig.https_port, as the MTA-STS fetch tests do), never the network."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from checks import tlsrpt
from checks.findings import Finding, Status
from tests.test_https import TlsServer
from tests.test_mx import make_ctx

D = "example.org"
HOST = "rpt.example.net"
URL = f"https://{HOST}/v1/report"


def zone(*urls: str) -> dict[tuple[str, str], list[str] | str]:
    hosts = {u.split("/")[2] for u in urls}
    return {
        (D, "MX"): ["10 mx1.example.org."],
        ("mx1.example.org", "A"): ["192.0.2.11"],
        **{(h, "A"): ["127.0.0.1"] for h in hosts},
        (f"_smtp._tls.{D}", "TXT"): [f'"v=TLSRPTv1; rua={",".join(urls)}"'],
    }


def answer(status: int, reason: str = "OK", body: bytes = b"accepted\n") -> bytes:
    return (
        f"HTTP/1.1 {status} {reason}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode() + body


def evaluate(port: int, ca_bundle: str | None = None, *urls: str, **kw: object) -> list[Finding]:
    ctx = make_ctx(D, zone(*(urls or (URL,))), https_port=port, ca_bundle=ca_bundle, **kw)
    return asyncio.run(tlsrpt.evaluate(ctx))


def tlsrpt10(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.id == "TLSRPT-10"]


@pytest.fixture
def tmp(tmp_path: Path) -> Path:
    return tmp_path


def serve(tmp: Path, response: bytes, **kw: object) -> TlsServer:
    return TlsServer(tmp, HOST, response, **kw)  # type: ignore[arg-type]


def probed(server: TlsServer, *urls: str, trusted: bool = True, **kw: object) -> list[Finding]:
    """The engine's TLS-RPT findings with `server` as the report endpoint (its test root
    trusted, or the system store only), the server closed after."""
    try:
        return evaluate(server.port, server.ca_bundle if trusted else None, *urls, **kw)
    finally:
        server.close()


@pytest.mark.parametrize(
    ("status", "reason"), [(200, "OK"), (201, "Created"), (400, "Bad Request"), (415, "No")]
)
def test_an_endpoint_that_takes_posts_passes_and_gets_an_empty_post(
    tmp: Path, status: int, reason: str
) -> None:
    server = serve(tmp, answer(status, reason))
    findings = probed(server)
    [finding] = tlsrpt10(findings)
    assert finding.status == Status.PASS, finding.summary
    assert URL in finding.summary and "takes POSTs" in finding.summary
    [request] = server.requests
    head = request.decode("latin-1").lower()
    assert head.startswith("post /v1/report http/1.1\r\n")
    assert "content-type: application/tlsrpt+gzip\r\n" in head
    assert "content-length: 0\r\n" in head
    assert request.endswith(b"\r\n\r\n")  # no body: no report is invented


@pytest.mark.parametrize(
    ("status", "reason"), [(404, "Not Found"), (405, "Method Not Allowed"), (501, "No")]
)
def test_a_url_that_refuses_posts_warns(tmp: Path, status: int, reason: str) -> None:
    server = serve(tmp, answer(status, reason))
    findings = probed(server)
    [finding] = tlsrpt10(findings)
    assert finding.status == Status.WARN
    assert f"HTTP {status}" in finding.summary and "cannot be delivered" in finding.summary
    assert finding.subject == URL
    assert HOST in finding.fix and "/v1/report" in finding.fix
    assert finding.evidence["status"] == status
    assert "empty POST" in finding.evidence["probe"]


def test_a_server_error_is_no_warn(tmp: Path) -> None:
    server = serve(tmp, answer(503, "Service Unavailable"))
    findings = probed(server)
    [finding] = tlsrpt10(findings)
    assert finding.status == Status.INFO
    assert "Could not tell" in finding.summary and "503" in finding.summary


def test_an_expired_certificate_is_info_naming_it(tmp: Path) -> None:
    server = serve(tmp, answer(200), expired=True)
    findings = probed(server)
    [finding] = tlsrpt10(findings)
    assert finding.status == Status.INFO
    assert HOST in finding.summary and "expired on" in finding.summary
    assert "may ignore certificate errors" in finding.summary
    assert "some will not deliver" in finding.summary
    assert HOST in finding.fix and "certificate" in finding.fix
    # The POST went as a reporter ignoring the certificate sends it, and was taken.
    assert any(r.startswith(b"POST /v1/report ") for r in server.requests)


def test_a_certificate_for_other_names_is_info_naming_them(tmp: Path) -> None:
    server = serve(tmp, answer(200), sans=["collector.example.com"])
    findings = probed(server)
    [finding] = tlsrpt10(findings)
    assert finding.status == Status.INFO
    assert f"not valid for {HOST}" in finding.summary
    assert "collector.example.com" in finding.summary


def test_an_untrusted_certificate_is_info(tmp: Path) -> None:
    server = serve(tmp, answer(200))
    findings = probed(server, trusted=False)  # the system store: the test root is unknown
    [finding] = tlsrpt10(findings)
    assert finding.status == Status.INFO
    assert "not trusted" in finding.summary


def test_a_bad_certificate_and_a_refused_post_say_both(tmp: Path) -> None:
    server = serve(tmp, answer(405, "Method Not Allowed"), expired=True)
    findings = probed(server)
    assert sorted(f.status for f in tlsrpt10(findings)) == sorted([Status.INFO, Status.WARN])


def test_a_refused_connection_warns() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now: the connection is refused
    [finding] = tlsrpt10(evaluate(port, None, timeout=2.0))
    assert finding.status == Status.WARN
    assert "cannot be delivered" in finding.summary and "could not connect" in finding.summary


@pytest.fixture
def silent() -> Iterator[int]:
    """A port that completes TCP handshakes (the backlog) and never answers the TLS one."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    yield sock.getsockname()[1]
    sock.close()


def test_a_timeout_is_could_not_check_never_a_warn(silent: int) -> None:
    [finding] = tlsrpt10(evaluate(silent, None, timeout=0.5))
    assert finding.status == Status.ERROR
    assert finding.summary.startswith(f"Could not check whether {URL} takes reports")


def test_the_ssrf_guard_refuses_a_private_report_host(tmp: Path) -> None:
    server = serve(tmp, answer(200))
    findings = probed(server, allow_private_targets=False)
    assert server.requests == []
    [finding] = tlsrpt10(findings)
    assert finding.status == Status.ERROR and "refused" in finding.summary


def test_at_most_three_urls_are_probed(tmp: Path) -> None:
    server = serve(tmp, answer(200), sans=[f"r{i}.example.net" for i in range(5)])
    urls = [f"https://r{i}.example.net/v1" for i in range(5)]
    findings = probed(server, *urls)
    assert len(server.requests) == tlsrpt.MAX_HTTPS_PROBES == 3
    [finding] = tlsrpt10(findings)
    assert finding.status == Status.PASS
    assert "https://r3.example.net/v1, https://r4.example.net/v1 were not" in finding.summary
