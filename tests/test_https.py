"""checks/https.py: the guarded HTTPS GET used for MTA-STS policies.

A tiny in-test DNS server (dnspython, UDP on a random 127.x port) answers A/AAAA for the test
names, and tiny TLS servers on 127.x play the policy host, so nothing leaves the machine.
"""

from __future__ import annotations

import asyncio
import datetime
import errno
import gzip
import hashlib
import ipaddress
import random
import socket
import ssl
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path

import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from checks import https
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.https import fetch


class StubDns:
    """Answers A/AAAA from a dict {name: [addresses]} on 127.0.0.x:<random port> (UDP)."""

    def __init__(self, records: dict[str, list[str]]) -> None:
        self.records = {k.rstrip(".").lower(): v for k, v in records.items()}
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((f"127.0.0.{random.randint(2, 250)}", 0))
        self.sock.settimeout(0.2)
        self.address = self.sock.getsockname()
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop:
            try:
                data, peer = self.sock.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            query = dns.message.from_wire(data)
            response = dns.message.make_response(query)
            question = query.question[0]
            name = question.name.to_text().rstrip(".").lower()
            if name not in self.records:
                response.set_rcode(dns.rcode.NXDOMAIN)
            for addr in self.records.get(name, []):
                family = ipaddress.ip_address(addr).version
                if (family, question.rdtype) in {(4, dns.rdatatype.A), (6, dns.rdatatype.AAAA)}:
                    response.answer.append(
                        dns.rrset.from_text(question.name, 60, "IN", question.rdtype, addr)
                    )
            self.sock.sendto(response.to_wire(), peer)

    def config(self, **kw: object) -> CheckConfig:
        values: dict[str, object] = {"resolvers": (self.address,), "timeout": 2.0}
        values.update(kw)
        return CheckConfig(**values)  # type: ignore[arg-type]

    def close(self) -> None:
        self._stop = True
        self.sock.close()


class Listener:
    """A TCP listener that records whether anyone connected."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.sock = socket.socket()
        self.sock.bind((host, 0))
        self.sock.listen(8)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.accepts = 0
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepts += 1
            conn.close()

    def close(self) -> None:
        self._stop = True
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    lst = Listener()
    yield lst
    lst.close()


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


@pytest.mark.parametrize(
    "address", ["127.0.0.1", "10.1.2.3", "169.254.169.254", "::1", "::ffff:127.0.0.1"]
)
def test_private_targets_refused_without_connecting(address: str, listener: Listener) -> None:
    stub = StubDns({"policy.example.org": [address]})
    try:
        cfg = stub.config(allow_private_targets=False, https_port=listener.port)
        result = run(fetch(CheckContext("example.org", cfg), "https://policy.example.org/x"))
    finally:
        stub.close()
    assert result.error_kind == "refused-target"
    assert result.per_address[0].error_kind == "refused-target"
    assert result.status is None
    assert listener.accepts == 0


def test_loopback_listener_is_reachable_when_allowed(listener: Listener) -> None:
    """Control for the test above: the same setup does connect when private targets are on."""
    stub = StubDns({"policy.example.org": ["127.0.0.1"]})
    try:
        cfg = stub.config(allow_private_targets=True, https_port=listener.port)
        result = run(fetch(CheckContext("example.org", cfg), "https://policy.example.org/x"))
    finally:
        stub.close()
    assert result.error_kind in {"tls", "connect", "http"}
    assert listener.accepts >= 1


def test_dns_failures_are_reported() -> None:
    stub = StubDns({})
    try:
        result = run(fetch(CheckContext("example.org", stub.config()), "https://nx.example.org/"))
    finally:
        stub.close()
    assert result.error_kind == "dns"
    assert not result.dns_failed
    assert "NXDOMAIN" in result.error


def test_dns_timeout_is_could_not_check() -> None:
    cfg = CheckConfig(resolvers=(("127.0.0.1", 9),), timeout=0.5)
    result = run(fetch(CheckContext("example.org", cfg), "https://x.example.org/"))
    assert result.error_kind == "dns" and result.dns_failed


def test_non_https_url_is_refused() -> None:
    result = run(fetch(CheckContext("example.org", CheckConfig()), "http://example.org/"))
    assert result.error_kind == "http"


def test_a_url_naming_another_port_is_refused_without_connecting(listener: Listener) -> None:
    # A URL published in DNS (a BIMI l=, say) must not aim our probes at any port.
    stub = StubDns({"logo.example.org": ["127.0.0.1"]})
    try:
        cfg = stub.config(allow_private_targets=True, https_port=443)
        url = f"https://logo.example.org:{listener.port}/logo.svg"
        result = run(fetch(CheckContext("example.org", cfg), url))
    finally:
        stub.close()
    assert result.error_kind == "http" and "port" in result.error
    assert listener.accepts == 0


# --- a real TLS server on 127.x -----------------------------------------------------------


def _cert(
    name: str,
    issuer_key: ec.EllipticCurvePrivateKey | None = None,
    issuer_name: x509.Name | None = None,
    *,
    ca: bool = False,
    sans: list[str] | None = None,
    expired: bool = False,
    cn_only: bool = False,
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    start, end = (
        (now - datetime.timedelta(days=30), now - datetime.timedelta(days=1))
        if expired
        else (now - datetime.timedelta(days=1), now + datetime.timedelta(days=60))
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name or subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), True
        )
    elif not cn_only:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(s) for s in (sans or [name])]), False
        )
    cert = builder.sign(issuer_key or key, hashes.SHA256())
    return cert, key


class TlsServer:
    """HTTPS responder on 127.0.0.1 with a fixed raw HTTP response."""

    def __init__(
        self,
        tmp: Path,
        host: str,
        response: bytes,
        *,
        sans: list[str] | None = None,
        expired: bool = False,
        cn_only: bool = False,
    ) -> None:
        ca, ca_key = _cert("Test Root", ca=True)
        leaf, key = _cert(host, ca_key, ca.subject, sans=sans, expired=expired, cn_only=cn_only)
        (tmp / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
        (tmp / "leaf.pem").write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
        (tmp / "key.pem").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        self.ca_bundle = str(tmp / "ca.pem")
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(tmp / "leaf.pem", tmp / "key.pem")
        self.response = response
        self.requests: list[bytes] = []
        self._listen()

    def _listen(self) -> None:
        """Answer on a free port of 127.0.0.1 with self.ctx and self.response."""
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self._stop = False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self._stop:
            try:
                raw, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            raw.settimeout(2)
            try:
                conn = self.ctx.wrap_socket(raw, server_side=True)
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                self.requests.append(data)
                conn.sendall(self.response)
                conn.close()
            except (OSError, ssl.SSLError):
                raw.close()

    def close(self) -> None:
        self._stop = True
        self.sock.close()


POLICY = b"version: STSv1\r\nmode: enforce\r\nmx: mx1.example.org\r\nmax_age: 604800\r\n"


def _serve_and_fetch(tmp: Path, response: bytes, max_bytes: int = 100, **kw: object):  # type: ignore[no-untyped-def]
    host = "mta-sts.example.org"
    server = TlsServer(tmp, host, response, **kw)  # type: ignore[arg-type]
    stub = StubDns({host: ["127.0.0.1"]})
    try:
        cfg = stub.config(
            allow_private_targets=True, https_port=server.port, ca_bundle=server.ca_bundle
        )
        result = run(
            fetch(
                CheckContext("example.org", cfg),
                f"https://{host}/.well-known/mta-sts.txt",
                max_bytes=max_bytes,
            )
        )
    finally:
        stub.close()
        server.close()
    return result, server


def test_fetch_ok(tmp_path: Path) -> None:
    response = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n"
        % len(POLICY[:90])
    ) + POLICY[:90]
    result, server = _serve_and_fetch(tmp_path, response)
    assert result.ok, result.error
    assert result.status == 200 and result.body == POLICY[:90]
    assert result.header("content-type") == "text/plain"
    assert result.cert is not None and result.cert.sans == ["mta-sts.example.org"]
    assert b"GET /.well-known/mta-sts.txt HTTP/1.1" in server.requests[0]
    assert result.per_address[0].ok and result.per_address[0].served
    assert result.per_address[0].body_sha256 == hashlib.sha256(POLICY[:90]).hexdigest()


def test_non_200_is_not_served(tmp_path: Path) -> None:
    result, _ = _serve_and_fetch(tmp_path, b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
    assert result.per_address[0].ok and not result.per_address[0].served


def test_redirect_is_not_followed(tmp_path: Path) -> None:
    response = (
        b"HTTP/1.1 301 Moved\r\nLocation: https://www.example.org/x\r\nContent-Length: 0\r\n\r\n"
    )
    result, server = _serve_and_fetch(tmp_path, response)
    assert result.status == 301
    assert result.header("location") == "https://www.example.org/x"
    assert len(server.requests) == 1


def test_size_cap(tmp_path: Path) -> None:
    body = b"x" * 500
    response = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n" + body
    result, _ = _serve_and_fetch(tmp_path, response)
    assert result.truncated and len(result.body) == 101


def test_wrong_name_captures_certificate(tmp_path: Path) -> None:
    result, _ = _serve_and_fetch(tmp_path, b"HTTP/1.1 200 OK\r\n\r\n", sans=["example.org"])
    assert result.error_kind == "tls-cert"
    assert result.cert is not None and result.cert.sans == ["example.org"]
    assert "mismatch" in result.cert.verify_error.lower() or "match" in result.error.lower()


def test_expired_certificate(tmp_path: Path) -> None:
    result, _ = _serve_and_fetch(tmp_path, b"HTTP/1.1 200 OK\r\n\r\n", expired=True)
    assert result.error_kind == "tls-cert"
    assert result.cert is not None and result.cert.days_left is not None
    assert result.cert.days_left < 0


def test_cn_only_certificate_is_refused(tmp_path: Path) -> None:
    # RFC 8461 §3.3: DNS-ID only. A CN of mta-sts.example.org without a subjectAltName must
    # not pass (Python's ssl would otherwise fall back to the CN).
    result, _ = _serve_and_fetch(tmp_path, b"HTTP/1.1 200 OK\r\n\r\n", cn_only=True)
    assert result.error_kind == "tls-cert"
    assert result.cert is not None and result.cert.sans == []


# --- connect errors, address choice, per-address time, Content-Encoding --------------------


def _fetch_with(
    tmp: Path,
    response: bytes,
    addresses: list[str],
    monkeypatch: pytest.MonkeyPatch,
    failures: dict[str, OSError] | None = None,
    stall: set[str] | None = None,
    max_bytes: int = 100,
    timeout: float | None = None,
):  # type: ignore[no-untyped-def]
    """Fetch from a host with `addresses`; only 127.0.0.1 really serves `response`. The
    others fail with the given OSError, or stall (a listener that never speaks TLS)."""
    host = "mta-sts.example.org"
    server = TlsServer(tmp, host, response)
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # never accepted: the TCP handshake completes, TLS never answers
    real = https.open_connection

    async def fake(address: str, port: int, config: CheckConfig, **kw: object):  # type: ignore[no-untyped-def]
        if failures and address in failures:
            raise failures[address]
        if stall and address in stall:
            return await real("127.0.0.1", silent.getsockname()[1], config)
        return await real("127.0.0.1", port, config)

    monkeypatch.setattr(https, "open_connection", fake)
    stub = StubDns({host: addresses})
    try:
        cfg = stub.config(
            allow_private_targets=True,
            https_port=server.port,
            ca_bundle=server.ca_bundle,
            timeout=1.0,
        )
        result = run(
            fetch(
                CheckContext("example.org", cfg),
                f"https://{host}/.well-known/mta-sts.txt",
                max_bytes=max_bytes,
                timeout=timeout,
            )
        )
    finally:
        stub.close()
        server.close()
        silent.close()
    return result, server


OK_RESPONSE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % len(POLICY[:90])
) + POLICY[:90]
NO_ROUTE = OSError(errno.ENETUNREACH, "Network is unreachable")


def test_no_ipv6_route_is_not_a_connect_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result, _ = _fetch_with(
        tmp_path, OK_RESPONSE, ["127.0.0.1", "2001:db8::1"], monkeypatch, {"2001:db8::1": NO_ROUTE}
    )
    assert result.ok and result.status == 200
    v6 = result.per_address[1]
    assert v6.error_kind == "no-route" and "no IPv6 route" in v6.error


def test_ipv6_only_host_without_route_could_not_be_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result, _ = _fetch_with(
        tmp_path, OK_RESPONSE, ["2001:db8::1"], monkeypatch, {"2001:db8::1": NO_ROUTE}
    )
    assert result.error_kind == "no-route"
    assert result.error_kind in https.COULD_NOT_CHECK


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (OSError(errno.EHOSTUNREACH, "No route to host"), "network"),
        (OSError(errno.EADDRNOTAVAIL, "Cannot assign requested address"), "no-route"),
        (ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"), "connect"),
    ],
)
def test_connect_errors_are_told_apart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exc: OSError, kind: str
) -> None:
    result, _ = _fetch_with(tmp_path, OK_RESPONSE, ["192.0.2.7"], monkeypatch, {"192.0.2.7": exc})
    assert result.error_kind == kind


def test_definite_failure_is_not_hidden_by_a_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A stalls, AAAA refuses: the refusal is what a sender meets for sure, so it is reported.
    refused = ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")
    result, _ = _fetch_with(
        tmp_path,
        OK_RESPONSE,
        ["192.0.2.7", "2001:db8::7"],
        monkeypatch,
        {"2001:db8::7": refused},
        stall={"192.0.2.7"},
        timeout=0.5,
    )
    assert [o.error_kind for o in result.per_address] == ["timeout", "connect"]
    assert result.error_kind == "connect"


def test_each_address_is_timed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result, _ = _fetch_with(
        tmp_path,
        OK_RESPONSE,
        ["127.0.0.1", "2001:db8::1"],
        monkeypatch,
        stall={"2001:db8::1"},
        timeout=0.6,
    )
    assert result.ok and result.status == 200
    assert result.elapsed_ms >= 500  # waited for the stalled address
    assert result.address_ms < 500  # but the address that served was quick
    assert result.per_address[1].elapsed_ms >= 500


def _gzip_response(body: bytes, encoding: bytes = b"gzip") -> bytes:
    return (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Encoding: "
        + encoding
        + b"\r\nContent-Length: %d\r\n\r\n" % len(body)
        + body
    )


def test_gzip_body_is_decoded(tmp_path: Path) -> None:
    result, server = _serve_and_fetch(tmp_path, _gzip_response(gzip.compress(POLICY[:90])))
    assert b"accept-encoding: identity" in server.requests[0].lower()
    assert result.ok and result.body == POLICY[:90] and not result.truncated
    assert result.content_encoding == "gzip"
    assert result.per_address[0].body_sha256 == hashlib.sha256(POLICY[:90]).hexdigest()


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS, -zlib.MAX_WBITS])
def test_deflate_body_is_decoded(tmp_path: Path, wbits: int) -> None:
    packer = zlib.compressobj(wbits=wbits)
    packed = packer.compress(POLICY[:90]) + packer.flush()
    result, _ = _serve_and_fetch(tmp_path, _gzip_response(packed, b"deflate"))
    assert result.ok and result.body == POLICY[:90]


def test_gzip_bomb_is_cut_at_the_cap(tmp_path: Path) -> None:
    # Small on the wire, far over the cap once inflated: decoding stops at cap + 1 bytes.
    bomb = gzip.compress(b"a" * 1_000_000)
    assert len(bomb) < 2000
    result, _ = _serve_and_fetch(tmp_path, _gzip_response(bomb), max_bytes=2000)
    assert result.truncated and len(result.body) == 2001


def test_broken_gzip_and_unknown_encoding_say_so(tmp_path: Path) -> None:
    result, _ = _serve_and_fetch(tmp_path, _gzip_response(b"not gzip at all"))
    assert result.error_kind == "http" and "Content-Encoding: gzip" in result.error
    # A fresh directory: the verifying context is cached per CA bundle path.
    (tmp_path / "br").mkdir()
    result, _ = _serve_and_fetch(tmp_path / "br", _gzip_response(b"\x1b\x00", b"br"))
    assert result.error_kind == "http" and "Content-Encoding: br" in result.error


def test_repeated_content_type_first_value(tmp_path: Path) -> None:
    response = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Type: text/plain\r\n"
        b"Content-Length: 5\r\n\r\nhello"
    )
    result, _ = _serve_and_fetch(tmp_path, response)
    assert result.header("content-type") == "text/plain, text/plain"
    assert result.first_header("content-type") == "text/plain"
