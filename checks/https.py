"""One HTTPS GET the way an RFC 8461 sender fetches an MTA-STS policy.

Why not a general HTTP client: the fetch must resolve through the engine's resolver (never the
system's), pass every address through the SSRF guard before connecting, try every address (so
MTA-STS can report "IPv4 works, IPv6 does not"), never follow redirects, never cache (RFC 8461
§3.3), stop reading at a size cap and keep the certificate facts as evidence even when
verification fails. TCP goes through `checks.net.open_connection` (the guarded layer), TLS is
negotiated on that stream with SNI = the URL host and RFC 6125 DNS-ID checking by `ssl`, and the
HTTP/1.1 exchange is parsed by h11. The same exchange, as a POST (`PostProbe`), is TLSRPT-10's
probe of an https report URL: one empty POST, so whether the URL takes reports is learnt
without sending one.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import ipaddress
import ssl
import string
import time
import weakref
import zlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

import dns.exception
import dns.name
import h11
from cryptography import x509
from cryptography.x509.oid import NameOID

from checks.certs import (
    NOT_BEFORE_SKEW,
    CertFacts,
    cn_matches,
    facts_of,
    ip_sans,
    load_der,
    peer_chain,
    renew_under_stale_ca_fix,
    san_matches,
    stale_ca_fix,
    utc_text,
    verify_chain,
)
from checks.context import CheckContext, clock_start
from checks.dns import DnsAnswer
from checks.domainname import _to_a_labels
from checks.net import (
    TargetRefused,
    connect_failure,
    guard,
    open_connection,
    os_error_text,
    tls_alert_name,
    tls_alert_text,
)

USER_AGENT = "mailsec-checker/1 (+MTA-STS policy fetch)"

# error_kind values, worst-understood last. 'connect' is the server's answer (ECONNREFUSED);
# 'no-route' is our checker having no route to that address family at all (ENETUNREACH,
# EADDRNOTAVAIL, EAFNOSUPPORT: an IPv6 host fetched from a checker without IPv6); 'network' is
# any other connect error (EHOSTUNREACH…). Neither of those says anything about the server.
ERROR_KINDS = (
    "dns",
    "refused-target",
    "no-route",
    "network",
    "connect",
    "tls-cert",
    "tls",
    "timeout",
    "http",
)
# Outcomes that only mean "could not check" (checklist §0), never a fail of the domain.
COULD_NOT_CHECK = frozenset({"timeout", "refused-target", "no-route", "network"})

# At most this many addresses of each family are fetched from. The host of a BIMI l=/a= URL is
# anyone's DNS name: with hundreds of A records it would make one free check open a connection
# to each of them (port 443 of any public address, a scan run by us). Six of each still covers
# CDN policy hosts (GitHub Pages: 4 A + 4 AAAA) and keeps "IPv4 works, IPv6 does not" visible.
MAX_ADDRESSES_PER_FAMILY = 6


@dataclass
class CertInfo(CertFacts):
    """The facts of the certificate a server presented, and why it was not accepted if not."""

    verify_error: str = ""
    # Seconds from the handshake to the leaf's notBefore, when the verifier refused the
    # certificate as not yet valid (OpenSSL has no clock-skew allowance): a certificate
    # issued and installed the moment before (on-demand ACME hosting) is refused for those
    # seconds by senders whose clock agrees with ours. None otherwise.
    starts_in: float | None = None
    # OpenSSL's reason for refusing it (ssl.SSLCertVerificationError.verify_code, an
    # X509_V_ERR_* code: CERT_HAS_EXPIRED, HOSTNAME_MISMATCH, UNTRUSTED below), so findings can
    # say what is wrong without reading verify_error's wording. None when it was accepted.
    verify_code: int | None = None
    # With a current leaf refused as expired or not yet valid, the CA certificate on its path
    # that is (certs.verify_chain's words: its subject and date in UTC), so the admin knows
    # which certificate to replace; OpenSSL's "certificate has expired" does not say.
    stale_ca: str = ""
    # Which way that CA certificate is outside its validity, from its own dates
    # (certs.ChainResult.stale_ca_state: 'expired' or 'not-yet-valid'; '' without one). The
    # texts read this, not verify_code: OpenSSL reports a stale CA certificate with the code
    # of whichever check it hit first.
    stale_ca_state: str = ""
    # With a leaf outside its own dates, a CA certificate on its path outside its validity
    # as well (certs.ChainResult.stale_ca_too, and its state): a new leaf sent with the same
    # chain would fail too, so the findings name it and fix it first.
    stale_ca_too: str = ""
    stale_ca_too_state: str = ""
    # The leaf's IP address entries (subjectAltName iPAddress): what a client posting to an
    # IP-literal URL (TLSRPT-10's https://192.0.2.1/...) matches the certificate against.
    ip_sans: list[str] = field(default_factory=list)
    # For a leaf whose names do not cover the host, when the fetch asked once more without
    # SNI (fetch's ask_without_sni): True when that handshake got the same leaf, so the server
    # ignored the name asked for and presented its default certificate; False when it got
    # another. None when not asked, or that handshake gave no certificate in time.
    same_without_sni: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        # The evidence of every other certificate stays as it was: these only when noted.
        data = super().to_dict()
        noted_texts = (
            "stale_ca",
            "stale_ca_state",
            "stale_ca_too",
            "stale_ca_too_state",
            "ip_sans",
        )
        for noted_text in noted_texts:
            if not data.get(noted_text):
                data.pop(noted_text, None)
        for noted in ("starts_in", "verify_code", "same_without_sni"):
            if data.get(noted) is None:
                data.pop(noted, None)
        return data


# OpenSSL's X509_V_ERR_* codes, as ssl.SSLCertVerificationError.verify_code.
CERT_NOT_YET_VALID = 9
CERT_HAS_EXPIRED = 10
HOSTNAME_MISMATCH = 62
# The URL's host is an IP address (X509_V_ERR_IP_ADDRESS_MISMATCH): no iPAddress entry of the
# certificate is that address (ssl matches an IP-literal server_hostname only against those).
IP_ADDRESS_MISMATCH = 64
# No path to a trusted root: an unknown issuer (2, 20, 21), a self-signed leaf (18) or an
# untrusted root sent in the chain (19), a root not trusted for TLS servers (27).
UNTRUSTED = frozenset({2, 18, 19, 20, 21, 27})
# A name the chain's nameConstraints do not permit (47) or exclude (48), RFC 5280 §4.2.1.10.
NAME_CONSTRAINT_VIOLATIONS = frozenset({47, 48})


@dataclass
class AddressOutcome:
    address: str
    ok: bool  # an HTTP response came back over a verified TLS connection
    error: str = ""
    error_kind: str | None = None
    status: int | None = None
    body_sha256: str = ""  # of the body received (so addresses serving different files show)
    # This address's own time: a stalled sibling address must not make a fast one look slow.
    elapsed_ms: float = 0.0
    # What the body means to the caller (fetch's `meaning`): MTA-STS gives a digest of the
    # parsed policy, so two addresses serving one policy in other bytes (CRLF on one, LF on
    # the other) compare equal. Only the digest is kept, never a second copy of the body.
    meaning: str = ""

    @property
    def served(self) -> bool:
        """A usable policy response: only status 200 counts for senders (RFC 8461 §3.3)."""
        return self.ok and self.status == 200

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


# HttpsResult.client_cert: the host refused us for want of a client certificate (its alert
# certificate_required, or a hang-up right after a handshake in which it asked for one) or,
# with nothing to tell, a hang-up right after a TLS 1.3 handshake, which is how such servers
# look when the alert is lost (a reset discards it).
CLIENT_CERT_DEMANDED = "demanded"
CLIENT_CERT_LIKELY = "likely"
# In the error of a connection closed or reset after its handshake, without an answer.
DROPPED_AFTER_HANDSHAKE = "right after the TLS handshake without answering"
# HttpsResult.hang_ups: the two tries failed differently (a reset during one handshake, a
# hang-up right after the other).
HANG_UPS_MIXED = "mixed"


@dataclass
class HttpsResult:
    url: str
    host: str = ""
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names, values joined
    # Every value of each header in order (lower-case names), for the fields where joining
    # repeats with ", " changes the meaning (a doubled Content-Type).
    header_values: dict[str, list[str]] = field(default_factory=dict)
    body: bytes = b""
    truncated: bool = False  # the body was larger than max_bytes
    elapsed_ms: float = 0.0  # wall-clock for the whole fetch (every address, in parallel)
    # The time the address this result describes took (what a sender using it waits).
    address_ms: float = 0.0
    content_encoding: str = ""  # the Content-Encoding the body was decoded from, if any
    error_kind: str | None = None
    error: str = ""
    cert: CertInfo | None = None
    per_address: list[AddressOutcome] = field(default_factory=list)
    dns: list[DnsAnswer] = field(default_factory=list)
    # The host lookup itself could not be done (SERVFAIL/timeout): "could not check".
    dns_failed: bool = False
    # Addresses of the host beyond MAX_ADDRESSES_PER_FAMILY, not connected to.
    not_tried: list[str] = field(default_factory=list)
    # CLIENT_CERT_DEMANDED, CLIENT_CERT_LIKELY or '' (a 'tls' failure of another cause, or
    # none), so findings can name the cause and its fix without reading `error`'s words.
    client_cert: str = ""
    # For a 'tls' failure after a retry: HANG_UPS_MIXED when one try was reset during its
    # handshake and the other hung up right after one (no "twice in a row" of either); ''.
    hang_ups: str = ""
    # The URL's port when it is not the HTTPS port and so was never connected to (error_kind
    # 'http'): our refusal, not the server's answer, which findings read as could not check.
    refused_port: int | None = None

    @property
    def ok(self) -> bool:
        return self.error_kind is None and self.status is not None

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def first_header(self, name: str) -> str | None:
        """The first value of a repeated header, as common HTTP clients read Content-Type."""
        values = self.header_values.get(name.lower())
        return values[0] if values else self.header(name)

    def evidence(self) -> dict[str, Any]:
        data: dict[str, Any] = {"url": self.url}
        if self.status is not None:
            data["status"] = self.status
            data["headers"] = self.headers
            data["body_bytes"] = len(self.body)
            if self.truncated:
                data["truncated"] = True
        if self.error_kind:
            data["error_kind"] = self.error_kind
            data["error"] = self.error
        if self.cert is not None:
            data["certificate"] = self.cert.to_dict()
        if self.content_encoding:
            data["decoded_from"] = self.content_encoding
        if self.per_address:
            data["addresses"] = [a.to_dict() for a in self.per_address]
        if self.not_tried:
            data["not_tried"] = self.not_tried
        data["elapsed_ms"] = self.elapsed_ms
        data["address_ms"] = self.address_ms
        return data


@functools.lru_cache(maxsize=8)
def _verifying_context(ca_bundle: str | None) -> ssl.SSLContext:
    # Chain to a trusted root and match the DNS-ID (ssl implements the RFC 6125 rules: SAN
    # dNSName only, wildcard only as the complete left-most label).
    ctx = (
        ssl.create_default_context(cafile=ca_bundle)
        if ca_bundle
        else (ssl.create_default_context())
    )
    # RFC 8461 §3.3: DNS-ID only. Python's default still falls back to the subject CN when a
    # certificate has no subjectAltName, which would accept a CN-only certificate.
    ctx.hostname_checks_common_name = False
    ctx.set_alpn_protocols(["http/1.1"])
    _watch_certificate_request(ctx)
    return ctx


# TLS record content type and handshake message type of a CertificateRequest (RFC 8446 §4,
# RFC 5246 §7.4): the server asking for a client certificate, in TLS 1.2 and 1.3 alike.
_HANDSHAKE_RECORD = 22
_CERTIFICATE_REQUEST = 13
# The TLS connections (ssl.SSLObject) whose server sent a CertificateRequest. Weak: an entry
# goes with its connection.
_ASKED_FOR_CLIENT_CERT: weakref.WeakSet[Any] = weakref.WeakSet()


def _watch_certificate_request(context: ssl.SSLContext) -> None:
    """Note each connection of `context` whose server asks for a client certificate, which
    turns a hang-up right after the handshake from a puzzle into the server's known refusal.
    CPython's SSLContext._msg_callback (a debugging hook, as checks.starttls uses it) sees each
    handshake message, TLS 1.3's decrypted ones too; without it nothing is noted."""

    def seen(
        conn: object, direction: str, _version: object, kind: int, message: int, _data: bytes
    ) -> None:
        if direction == "read" and kind == _HANDSHAKE_RECORD and message == _CERTIFICATE_REQUEST:
            with contextlib.suppress(TypeError):
                _ASKED_FOR_CLIENT_CERT.add(conn)

    if hasattr(type(context), "_msg_callback"):
        context._msg_callback = seen  # type: ignore[attr-defined]


@functools.lru_cache(maxsize=1)
def _capturing_context() -> ssl.SSLContext:
    # Only used after a verification failure, to show the certificate that was presented.
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def cert_info(der: bytes | None, verify_error: str = "") -> CertInfo | None:
    if not der:
        return None
    cert = load_der(der)
    if cert is None:
        return CertInfo(verify_error=verify_error or "unparsable certificate")
    return CertInfo(**facts_of(cert).to_dict(), verify_error=verify_error, ip_sans=ip_sans(cert))


def ip_literal(host: str) -> str | None:
    """`host` (a URL's host, without brackets) as an IP address's text when it is one."""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None


@dataclass(frozen=True)
class PostProbe:
    """A POST instead of the GET (fetch's `post`): what a TLS-RPT reporter sends to an https
    rua (RFC 8460 §5.4), here with the body given (empty: no report is invented), to learn
    whether the URL takes POSTs without delivering anything its owner would read as a report."""

    content_type: str
    body: bytes = b""
    # False: post as a reporter ignoring certificate errors does (RFC 8460 §3 allows it), to
    # learn whether a host whose certificate is refused takes POSTs at all.
    verify: bool = True
    user_agent: str = "mailsec-checker/1 (+TLS-RPT endpoint check; empty body, not a report)"


class _Fetch:
    """A GET (or a PostProbe's POST) to one address; fills an AddressOutcome and, on success, the response parts."""

    def __init__(
        self,
        ctx: CheckContext,
        host: str,
        port: int,
        target: str,
        max_bytes: int,
        meaning: Callable[[bytes], str] | None = None,
        post: PostProbe | None = None,
        ask_without_sni: bool = False,
    ):
        self.ctx = ctx
        self.post = post
        self.ask_without_sni = ask_without_sni
        self.host = host
        self.port = port
        self.target = target
        self.max_bytes = max_bytes
        self.meaning = meaning
        self.status: int | None = None
        self.headers: dict[str, str] = {}
        self.body = b""
        self.truncated = False
        self.cert: CertInfo | None = None
        # What the server sent, leaf first, when a refused certificate was captured.
        self.chain_der: list[bytes] = []
        self.leaf_der = b""  # the refused leaf, when captured
        # When the address's fetch began (a slot under the cap held: _slot), and when its
        # time budget ends (from context.clock_start, which forgives a wait up to a bound).
        self.started = 0.0
        self.deadline = 0.0
        self.encoding = ""  # the Content-Encoding the body was decoded from
        self.header_values: dict[str, list[str]] = {}  # every value of each header, in order
        # How far the exchange got, so an OSError is read right: before "tls" it is a connect
        # error (ours or the server's), after it the server dropped a connection it accepted.
        self.stage = "connect"
        # CLIENT_CERT_DEMANDED / CLIENT_CERT_LIKELY when that is why it failed (HttpsResult).
        self.client_cert = ""
        self.hang_ups = ""  # HttpsResult.hang_ups
        self.answered = False  # a byte of the HTTP answer came (a later hang-up cuts it)

    async def run(self, address: str, limit: float) -> AddressOutcome:
        began = time.monotonic()
        self._start_clock(began, limit)
        outcome = await self._run(address, limit)
        outcome.elapsed_ms = round((time.monotonic() - self.started) * 1000, 1)
        return outcome

    def _start_clock(self, began_waiting: float, limit: float) -> None:
        self.started = time.monotonic()
        self.deadline = clock_start(began_waiting, self.ctx.config.timeout) + limit

    @contextlib.asynccontextmanager
    async def _slot(self, limit: float) -> AsyncIterator[None]:
        """A slot under the run's connection cap, the address's clock started once it is held.
        The wait for one is our own queue (a batch of checks sharing the cap), not the
        server's slowness: counted, it made the fetch time MTASTS-16 judges, and the time left
        for the question without SNI (_same_without_sni), depend on how busy we were. The
        budget forgives the wait only up to a bound (clock_start); the fetch's time is its own."""
        began = time.monotonic()
        async with self.ctx.connections:
            self._start_clock(began, limit)
            yield

    async def _run(self, address: str, limit: float) -> AddressOutcome:
        try:
            guard(address, self.ctx.config)
        except (TargetRefused, ValueError) as exc:
            # SSRF guard: refuse before any connection is attempted.
            return AddressOutcome(address, False, str(exc), "refused-target")
        try:
            async with self._slot(limit), asyncio.timeout(limit):
                try:
                    await self._exchange(address)
                except _Dropped as dropped:
                    if dropped.cert_requested:
                        raise  # the server's known refusal: asking again changes nothing
                    # A server hangs up like this when overloaded too (checklist §0: not a
                    # verdict on the domain from one connection), so, as STARTTLS does
                    # (starttls._again_if_dropped), only a second hang-up in a row is taken as
                    # its answer; the second try may also read the alert the first lost.
                    try:
                        await self._exchange(address)
                    except _HandshakeReset as reset:
                        reset.after_hang_up = True
                        raise
                except _HandshakeReset:
                    try:
                        await self._exchange(address)  # one reset may be overload: once more
                    except _Dropped as dropped:
                        dropped.after_reset = True
                        raise
        except TimeoutError:
            return AddressOutcome(
                address, False, f"no complete answer within {limit:g} s", "timeout"
            )
        except ssl.SSLCertVerificationError as exc:
            message = exc.verify_message or str(exc)
            self.cert = await self._capture(address, message)
            if self.cert is not None:
                self.cert.verify_code = exc.verify_code
                if exc.verify_code in (CERT_HAS_EXPIRED, CERT_NOT_YET_VALID):
                    self._note_stale_ca(self.cert)
                if self.ask_without_sni and self._names_miss():
                    self.cert.same_without_sni = await self._same_without_sni(address)
            if exc.verify_code == CERT_NOT_YET_VALID:
                message += _start_text(self.cert)
            return AddressOutcome(
                address, False, f"certificate not accepted: {message}", "tls-cert"
            )
        except _Dropped as dropped:
            return self._dropped(address, dropped)
        except _HandshakeReset as reset:
            if reset.after_hang_up:
                # The first try completed its handshake: not a TLS refusal but a server that
                # takes the handshake and gives no answer (MTASTS-13's error-log advice).
                self.hang_ups = HANG_UPS_MIXED
                return AddressOutcome(
                    address,
                    False,
                    f"the server closed the connection {DROPPED_AFTER_HANDSHAKE}, then reset "
                    f"the next connection during its handshake ({reset.reason})",
                    "tls",
                )
            # Twice in a row: the host takes connections on 443 and refuses TLS, what every
            # sender meets too (checklist MTASTS-11 fails a host refusing TCP 443; a reset of
            # the handshake is that refusal one step later), so a TLS failure, as before.
            return AddressOutcome(
                address,
                False,
                "TLS handshake failed: the server reset the connection during the handshake, "
                f"twice in a row, without a TLS alert ({reset.reason})",
                "tls",
            )
        except ssl.SSLError as exc:
            if tls_alert_name(exc) == "certificate_required":
                self.client_cert = CLIENT_CERT_DEMANDED
            reason = tls_alert_text(exc) or exc.reason or str(exc)
            return AddressOutcome(address, False, f"TLS handshake failed: {reason}", "tls")
        except (h11.ProtocolError, _HttpError) as exc:
            return AddressOutcome(address, False, f"bad HTTP response: {exc}", "http")
        except TargetRefused as exc:
            return AddressOutcome(address, False, str(exc), "refused-target")
        except OSError as exc:
            return self._os_error(address, exc)
        meaning = ""
        # Only a complete 200 body is a document a client would use (a cut one is dropped).
        if self.meaning is not None and self.status == 200 and not self.truncated:
            meaning = self.meaning(self.body)
        return AddressOutcome(
            address,
            True,
            status=self.status,
            body_sha256=hashlib.sha256(self.body).hexdigest(),
            meaning=meaning,
        )

    def _dropped(self, address: str, dropped: _Dropped) -> AddressOutcome:
        """The server completed the handshake, then closed or reset the connection before one
        byte of an answer: no HTTP problem (nothing HTTP was said) but the TLS server's doing.
        In TLS 1.3 a server demanding a client certificate refuses after the client's side of
        the handshake is done, and a reset (our request reaching a closed socket) loses its
        alert; a CertificateRequest in the handshake says that was it."""
        how = "reset" if dropped.reset else "closed"
        if dropped.cert_requested:
            self.client_cert = CLIENT_CERT_DEMANDED
            return AddressOutcome(
                address,
                False,
                f"the server asked for a client certificate in the TLS handshake and {how} the "
                "connection right after it without answering the request (it demands a client "
                "certificate)",
                "tls",
            )
        text = f"the server {how} the connection {DROPPED_AFTER_HANDSHAKE}"
        if dropped.after_reset:
            self.hang_ups = HANG_UPS_MIXED
            text = (
                "the server reset the first connection during its TLS handshake, then "
                f"{how} the next one {DROPPED_AFTER_HANDSHAKE}"
            )
        if dropped.cert_requested is None and dropped.version == "TLSv1.3":
            # Not known whether it asked (no message hook): the likely cause, said as such.
            self.client_cert = CLIENT_CERT_LIKELY
            text += " (as servers demanding a client certificate do)"
        return AddressOutcome(address, False, text, "tls")

    def _os_error(self, address: str, exc: OSError) -> AddressOutcome:
        reason = os_error_text(exc)
        if self.stage == "tls":
            # The server took the connection and then dropped it during the handshake.
            return AddressOutcome(
                address, False, f"TLS handshake failed: connection lost ({reason})", "tls"
            )
        if self.stage == "http":
            return AddressOutcome(
                address, False, f"bad HTTP response: connection lost ({reason})", "http"
            )
        failure = connect_failure(exc)
        if failure == "refused":
            # The server (or its firewall) said no: what a sender would meet too.
            return AddressOutcome(
                address, False, f"could not connect to port {self.port}: {reason}", "connect"
            )
        if failure == "no-route":
            # Not tested from here, and no mark against the domain (checklist §0).
            family = "IPv6" if ":" in address else "IPv4"
            return AddressOutcome(
                address, False, f"this checker has no {family} route ({reason})", "no-route"
            )
        # No route to that host, no source address: trouble on the path, maybe ours
        # (checklist §0: could not check, never a fail of the domain).
        return AddressOutcome(
            address,
            False,
            f"our checker could not open a connection to port {self.port}: {reason}",
            "network",
        )

    async def _exchange(self, address: str) -> None:
        self.stage = "connect"  # a retry starts over
        try:
            reader, writer = await open_connection(address, self.port, self.ctx.config)
        except ConnectionResetError as exc:
            # The server took the connection and reset it before connect() returned (on a
            # fast path its accept-and-reset lands first): the same reset as one during the
            # handshake, seen earlier, so the same answer, not "could not check" by timing.
            raise _HandshakeReset(os_error_text(exc)) from exc
        self.stage = "tls"
        try:
            try:
                verifying = self.post is None or self.post.verify
                await writer.start_tls(
                    _verifying_context(self.ctx.config.ca_bundle)
                    if verifying
                    else _capturing_context(),
                    server_hostname=self.host,
                )
            except ConnectionResetError as exc:
                # A TCP reset, not an alert: the handshake says nothing about the server's TLS.
                raise _HandshakeReset(os_error_text(exc)) from exc
            self.stage = "http"
            ssl_object = writer.get_extra_info("ssl_object")
            der = ssl_object.getpeercert(binary_form=True) if ssl_object else None
            self.cert = cert_info(der)
            try:
                await self._http(reader, writer)
            except (OSError, _Eof) as exc:
                if self.answered or not _hang_up(exc):
                    raise  # an alert speaks for itself; a cut answer is an HTTP fault
                raise _Dropped(
                    reset=isinstance(exc, ConnectionResetError),
                    cert_requested=_cert_requested(ssl_object),
                    version=ssl_object.version() if ssl_object else None,
                ) from exc
        finally:
            writer.close()
            with contextlib.suppress(OSError, TimeoutError, ssl.SSLError):
                await asyncio.wait_for(writer.wait_closed(), 1)

    async def _http(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = h11.Connection(h11.CLIENT)
        # An IPv6 literal is written in brackets in a Host header, as in the URL (RFC 9110 §7.2).
        shown = f"[{self.host}]" if ":" in self.host else self.host
        host_header = shown if self.port == 443 else f"{shown}:{self.port}"
        if self.post is None:
            request = h11.Request(
                method="GET",
                target=self.target,
                headers=[
                    ("Host", host_header),
                    ("User-Agent", USER_AGENT),
                    ("Accept", "*/*"),
                    # A policy is a few hundred bytes: ask for it as is. A server that compresses
                    # anyway is decoded below, as senders' HTTP clients (aiohttp) do.
                    ("Accept-Encoding", "identity"),
                    # RFC 8461 §3.3: HTTP caching MUST NOT be used; ask intermediaries too.
                    ("Cache-Control", "no-cache"),
                    ("Connection", "close"),
                ],
            )
        else:
            request = h11.Request(
                method="POST",
                target=self.target,
                headers=[
                    ("Host", host_header),
                    ("User-Agent", self.post.user_agent),
                    ("Accept", "*/*"),
                    ("Accept-Encoding", "identity"),
                    ("Content-Type", self.post.content_type),
                    ("Content-Length", str(len(self.post.body))),
                    ("Connection", "close"),
                ],
            )
        self.answered = False
        sent = conn.send(request)
        if self.post is not None and self.post.body:
            sent += conn.send(h11.Data(data=self.post.body)) or b""
        writer.write(sent + (conn.send(h11.EndOfMessage()) or b""))
        try:
            await writer.drain()
        except ConnectionError:
            # As in starttls._Conn.send: a TLS alert (a TLS 1.3 server demanding a client
            # certificate) processed while drain() yields is on the reader, not raised.
            if isinstance(alert := reader.exception(), ssl.SSLError):
                raise alert from None
            raise
        body = bytearray()
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                data = await reader.read(16384)
                if not data and not self.answered:
                    raise _Eof
                self.answered = self.answered or bool(data)
                conn.receive_data(data)
                continue
            if isinstance(event, h11.InformationalResponse):
                continue
            if isinstance(event, h11.Response):
                self.status = event.status_code
                for name, value in event.headers:
                    key = name.decode("latin-1").lower()
                    text = value.decode("latin-1")
                    self.header_values.setdefault(key, []).append(text)
                    self.headers[key] = (
                        f"{self.headers[key]}, {text}" if key in self.headers else text
                    )
                continue
            if isinstance(event, h11.Data):
                body.extend(event.data)
                if len(body) > self.max_bytes:
                    # Size cap (RFC 8461 §3.3 suggests 64 KiB): stop reading, keep max+1 bytes.
                    self.truncated = True
                    del body[self.max_bytes + 1 :]
                    break
                continue
            if isinstance(event, h11.EndOfMessage | h11.ConnectionClosed):
                break
            raise _HttpError(f"unexpected {type(event).__name__}")
        self.body = bytes(body)
        if self.status == 200 and not self.truncated:
            self._decode()

    def _decode(self) -> None:
        """Undo a Content-Encoding the server applied although we asked for identity.

        The decoded body is held to the same cap, read no further than max_bytes + 1, so a
        small compressed "bomb" cannot make us inflate gigabytes.
        """
        codings = [
            c.strip().lower()
            for c in self.headers.get("content-encoding", "").split(",")
            if c.strip() and c.strip().lower() != "identity"
        ]
        if not codings:
            return
        data = self.body
        for coding in reversed(codings):  # applied in the order listed, so undo from the end
            if coding not in {"gzip", "x-gzip", "deflate"}:
                raise _HttpError(
                    f"the body is sent with Content-Encoding: {coding}, which mailsec does not "
                    "decode (we asked for no encoding); serve the policy as plain text"
                )
            data, cut = _inflate(data, coding, self.max_bytes)
            if cut:
                # Larger than the cap once decoded: what a sender reading at most 64 KiB sees.
                self.truncated = True
                break
        self.body = data
        self.encoding = ", ".join(codings)

    async def _capture(self, address: str, message: str) -> CertInfo | None:
        """Reconnect without verification only to record the certificate that was presented."""
        try:
            # A connection like any other: it takes a slot of the run's connection cap.
            async with self.ctx.connections, asyncio.timeout(self.ctx.config.timeout):
                reader, writer = await open_connection(address, self.port, self.ctx.config)
                try:
                    await writer.start_tls(_capturing_context(), server_hostname=self.host)
                    ssl_object = writer.get_extra_info("ssl_object")
                    der = ssl_object.getpeercert(binary_form=True) if ssl_object else None
                    self.chain_der = peer_chain(ssl_object) if ssl_object else []
                finally:
                    writer.close()
        except (OSError, TimeoutError, ssl.SSLError, TargetRefused):
            return CertInfo(verify_error=message)
        self.leaf_der = der or b""
        return cert_info(der, message) or CertInfo(verify_error=message)

    def _names_miss(self) -> bool:
        """The captured leaf is for other names than the host (a host name, not an address):
        no DNS-ID covers it, nor was it made for the host with the name in the wrong place
        (only its CN, or a wildcard that does not cover it), which MTASTS-12 explains."""
        if not self.leaf_der or ip_literal(self.host) is not None:
            return False
        if san_matches(self.leaf_der, self.host) or cn_matches(self.leaf_der, self.host):
            return False
        cert = self.cert
        return not (cert is not None and _wildcard_note(self.host, cert.sans))

    async def _same_without_sni(self, address: str) -> bool | None:
        """Whether a handshake without SNI gets the leaf the host's name got (CertInfo's
        same_without_sni): one more short connection, through the SSRF guard and the run's
        connection cap like any other, within what is left of the address's time budget.
        None when no certificate came back in that time (a refusal without SNI is the
        server's right, and says nothing about the name)."""
        left = min(self.deadline - time.monotonic(), self.ctx.config.timeout)
        if left <= 0:
            return None
        der = None
        try:
            async with self.ctx.connections, asyncio.timeout(left):
                _, writer = await open_connection(address, self.port, self.ctx.config)
                try:
                    await writer.start_tls(_capturing_context(), server_hostname=None)
                    ssl_object = writer.get_extra_info("ssl_object")
                    der = ssl_object.getpeercert(binary_form=True) if ssl_object else None
                finally:
                    writer.close()
        except (OSError, TimeoutError, ssl.SSLError, TargetRefused, ValueError):
            return None
        return der == self.leaf_der if der else None

    def _note_stale_ca(self, cert: CertInfo) -> None:
        """Note on `cert` certs.verify_chain's account of a CA certificate outside its
        validity on the captured chain's path and which way ('expired' or 'not-yet-valid'):
        as stale_ca when the leaf is current, as stale_ca_too when the leaf is outside its
        own dates as well."""
        if len(self.chain_der) < 2 or ip_literal(self.host) is not None:
            # verify_chain judges DNS-IDs only: an IP-literal host's chain is not re-judged.
            return
        result = verify_chain(self.chain_der, self.host, self.ctx.config.ca_bundle)
        if result.expired_ca:
            cert.stale_ca, cert.stale_ca_state = result.detail, result.stale_ca_state
        elif result.stale_ca_too:
            cert.stale_ca_too, cert.stale_ca_too_state = (
                result.stale_ca_too,
                result.stale_ca_too_state,
            )


def refusal_text(result: HttpsResult) -> str:
    """What is wrong with the certificate a host presented (a 'tls-cert' result), as a clause
    after 'presents a certificate': from OpenSSL's reason (CertInfo.verify_code, starts_in) and
    the leaf's facts, OpenSSL's own words only where no finer reason is known. The one reading
    for MTASTS-12 (the policy host) and BIMI-04/BIMI-10 (the logo and evidence hosts).

    OpenSSL reports one code, that of the first check a chain fails: an expired leaf whose
    intermediate was not sent is "unable to get local issuer certificate" (20), one under a CA
    certificate not valid yet is "not yet valid" (9). The leaf's own dates are read too, so an
    expired leaf is said whatever code came first."""
    cert = result.cert
    code = cert.verify_code if cert is not None else None
    reason = ((cert.verify_error if cert is not None else "") or result.error).rstrip(". ")
    if cert is not None and cert.stale_ca:
        # The leaf is current: the path broke at a CA certificate, named with its date.
        if _stale_state(cert) == "not-yet-valid":
            return f"with a certificate in its chain that is not yet valid: {cert.stale_ca}"
        return f"with an expired CA certificate in its chain: {cert.stale_ca}"
    if cert is not None and cert.stale_ca_too:
        # Both out of their dates: the leaf's own dates, then the CA certificate sent with it.
        ca = (
            "a CA certificate that is not yet valid"
            if cert.stale_ca_too_state == "not-yet-valid"
            else "an expired CA certificate"
        )
        starts = _leaf_not_started(cert)
        ends = _leaf_expired(cert)
        leaf = (
            f"that is not valid until {utc_text(starts)}"
            if starts is not None
            else f"that expired on {utc_text(ends)}"
            if ends is not None
            else "that is outside its dates"
        )
        return f"{leaf}, sent with {ca}: {cert.stale_ca_too}"
    if cert is not None and cert.starts_in is not None:
        starts = utc_text(datetime.fromisoformat(cert.not_before))
        return f"that is not valid until {starts}"
    ends = _leaf_expired(cert)
    expired = f"that expired on {utc_text(ends)}" if ends is not None else ""
    if cert is not None and code in (HOSTNAME_MISMATCH, IP_ADDRESS_MISMATCH):
        # OpenSSL checks the name before the dates: an expired leaf for other names is 62.
        also = f"; it also expired on {utc_text(ends)}" if ends is not None else ""
        if ip_literal(result.host) is not None:
            return (
                f"that is not valid for the address {result.host} ({_addresses_text(cert)}){also}"
            )
        return f"that is not valid for {result.host} ({_names_text(cert)}){also}"
    if expired and code == CERT_NOT_YET_VALID:
        return f"{expired}, and a CA certificate in its chain is not yet valid ({reason})"
    if expired and code in UNTRUSTED:
        return f"{expired}, and it does not chain to a public root either ({reason})"
    if expired and code == CERT_HAS_EXPIRED:
        return expired
    if expired:
        return f"{expired}, and is refused for another reason too ({reason})"
    if code == CERT_NOT_YET_VALID:
        return f"with a certificate in its chain that is not yet valid ({reason})"
    if code in NAME_CONSTRAINT_VIOLATIONS:
        # A CA limited by nameConstraints to other names (s47c-ncpol): the dates and the
        # signatures are right, so OpenSSL's "permitted subtree violation" is all it says.
        # OpenSSL checks every name the certificate carries: with names beside the host, the
        # one refused may be another (s47r2), so they are listed, not the host alone.
        names = cert.sans if cert is not None else []
        if any(n.lower().rstrip(".") != result.host.lower().rstrip(".") for n in names):
            return (
                f"issued by a CA that may not issue for every name it carries "
                f"({', '.join(names)}): the name constraints of a CA certificate in its chain "
                f"leave one of them out (RFC 5280 §4.2.1.10; {reason})"
            )
        return (
            f"issued by a CA that may not issue for {result.host}: the name constraints of a CA "
            f"certificate in its chain leave that name out (RFC 5280 §4.2.1.10; {reason})"
        )
    if cert is not None and code == CERT_HAS_EXPIRED and not cert.not_after:
        # The connection that reads what the host sends failed (CertInfo without dates):
        # OpenSSL's code does not say whether the leaf or a CA certificate expired.
        return (
            "that is refused as expired: a certificate among those it sends has expired, and "
            "which one could not be read (the second connection, to read them, failed)"
        )
    if cert is not None and code == CERT_HAS_EXPIRED:
        return f"with an expired CA certificate in its chain ({reason})"
    if code in UNTRUSTED:
        return f"that is not trusted: it does not chain to a public root ({reason})"
    return f"that is not accepted ({reason})"


def default_certificate_text(result: HttpsResult) -> str:
    """What a leaf presented for the host though not valid for it says of itself (a server's
    default certificate, CertInfo.same_without_sni): its names, then its other faults
    (expired, not trusted), as '(its names: …; it also expired on …)'."""
    cert = result.cert
    if cert is None:
        return ""
    parts = [_names_text(cert)]
    ends = _leaf_expired(cert)
    if ends is not None:
        parts.append(f"it also expired on {utc_text(ends)}")
    if cert.verify_code in UNTRUSTED:
        parts.append(
            "it is self-signed" if cert.self_signed else "it does not chain to a public root"
        )
    return f"({'; '.join(parts)})"


def _cert_time(text: str) -> datetime | None:
    """A CertInfo date (ISO 8601) as an aware UTC time; None when absent or unreadable."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _leaf_not_started(cert: CertInfo) -> datetime | None:
    """The presented leaf's notBefore when it is still ahead; None otherwise or unknown."""
    starts = _cert_time(cert.not_before)
    return starts if starts is not None and starts > datetime.now(UTC) else None


def _leaf_expired(cert: CertInfo | None) -> datetime | None:
    """The presented leaf's notAfter when it has passed; None when it has not or is unknown
    (the certificate could not be captured)."""
    ends = _cert_time(cert.not_after) if cert is not None else None
    return ends if ends is not None and ends < datetime.now(UTC) else None


def _names_text(cert: CertInfo) -> str:
    """The DNS names a refused leaf carries, for 'not valid for <host> (…)'. A certificate
    with none (the host only in its subject's CN) is said so: verifiers do not read the CN."""
    if cert.sans:
        return f"its names: {', '.join(cert.sans)}"
    return "it has no DNS name in its subjectAltName, and the CN in its subject is not used"


def names_host_only_in_cn(result: HttpsResult) -> bool:
    """The refused leaf (a name mismatch, and nothing else wrong with it) has no DNS name in
    its subjectAltName and names the host in its subject's CN: RFC 9525 verifiers refuse it,
    while OpenSSL's X509_check_host, as Python's ssl calls it (hostname_checks_common_name,
    true by default), falls back to the CN and accepts it (certs.cn_matches)."""
    cert = result.cert
    if cert is None or cert.verify_code != HOSTNAME_MISMATCH or cert.sans:
        return False
    if cert.stale_ca or cert.stale_ca_too or cert.starts_in is not None or _leaf_expired(cert):
        return False
    if ip_literal(result.host) is not None:
        return False
    try:
        subject = x509.Name.from_rfc4514_string(cert.subject)
    except (ValueError, TypeError):
        return False
    host = result.host.lower().rstrip(".")
    return any(
        str(cn.value).lower().rstrip(".") == host
        for cn in subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    )


def _addresses_text(cert: CertInfo) -> str:
    """What a leaf refused for an IP-literal host carries instead: its IP address entries
    (for a URL naming an address, "the iPAddress subjectAltName must be present in the
    certificate and must exactly match the IP in the URI", RFC 2818 §3.1), then its DNS
    names, which do not count for an address."""
    held = (
        f"its IP addresses: {', '.join(cert.ip_sans)}"
        if cert.ip_sans
        else "it has no IP address in its subjectAltName"
    )
    if cert.sans:
        held += f"; its names, which do not count for an address: {', '.join(cert.sans)}"
    return held


def _wildcard_note(host: str, sans: list[str]) -> str:
    """Why a wildcard name the refused certificate carries does not cover `host`: it never
    covers the name it stands under (*.mta-sts.example.com is not mta-sts.example.com), and
    it covers one label only (*.example.com is not mta-sts.sub.example.com). '' when no
    wildcard is near enough to the host to be the one meant."""
    host = host.lower().rstrip(".")
    parent = host.split(".", 1)[1] if "." in host else ""
    for name in sans:
        if not name.startswith("*."):
            continue
        base = name[2:].lower().rstrip(".")
        if base == host:
            return f" A wildcard name never covers the name it stands under: {name} is not {host}."
        if parent.endswith(f".{base}"):
            return f" A wildcard name covers one label only: {name} does not cover {host}."
    return ""


def _quoted(name: str) -> str:
    """A certificate's subject or issuer as findings quote it: 'CN=…' (as certs.verify_chain
    and checks.bimi do), '' when unknown."""
    return f"'{name}'" if name else ""


def _stale_state(cert: CertInfo) -> str:
    """Which way cert.stale_ca is outside its validity: the CA certificate's own dates
    (stale_ca_state), OpenSSL's code only for a CertInfo built without them."""
    if cert.stale_ca_state:
        return cert.stale_ca_state
    return "not-yet-valid" if cert.verify_code == CERT_NOT_YET_VALID else "expired"


# Without a path to a root, one of these codes may only mean the server did not send the
# intermediate (unable to get the issuer's certificate, or to verify the leaf alone): the fix
# is the full chain, unless the issuer is a private CA.
_ISSUER_MISSING = frozenset({2, 20, 21})


def _within(name: str, domain: str) -> bool:
    """`name` (a certificate name, wildcard or not) is `domain`, under it or above it: the
    owner's own or its parent's, rather than a hosting provider's."""
    name = name.lower().rstrip(".").removeprefix("*.")
    domain = domain.lower().rstrip(".")
    return bool(name) and (
        name == domain or name.endswith(f".{domain}") or domain.endswith(f".{name}")
    )


def refusal_fix(result: HttpsResult, domain: str = "") -> str:
    """What the owner does about the certificate refusal_text describes: one instruction for
    MTASTS-12 (the policy host) and BIMI-04/BIMI-10 (the logo and evidence hosts), naming the
    host, the date or the names. '' when there is nothing to do yet (a certificate starting
    within the clock allowance: could not check).

    `domain` is the owner's organisational domain (domainname.organizational_domain, so that
    sub.example.com's own names include www.example.com): a host outside it (an a= URL on the
    mark certificate issuer's host), or a certificate none of whose names is in or above it,
    belongs to whoever hosts the name, who must fix it."""
    cert = result.cert
    if result.error_kind != "tls-cert" or cert is None:
        return ""
    host = result.host
    code = cert.verify_code
    reason = (cert.verify_error or result.error).rstrip(". ")
    issuer = _quoted(cert.issuer)
    public = "from a public CA (free and renewed automatically with an ACME client such as certbot)"
    full_chain = "the full chain file, such as fullchain.pem, not cert.pem"
    skew = NOT_BEFORE_SKEW.total_seconds()
    if (
        cert.starts_in is not None
        and cert.starts_in <= skew
        and not (cert.stale_ca or cert.stale_ca_too)
    ):
        return ""
    if domain and not _within(host, domain):
        return (
            f"{host} is not a name of {domain}: ask the provider that runs it to fix the "
            f"certificate it presents (a certificate {refusal_text(result)}), or serve the "
            f"file from a host of your own with a certificate {public} and change the URL "
            "that points to it."
        )
    if domain and cert.sans and not any(_within(n, domain) for n in cert.sans):
        names = ", ".join(cert.sans)
        return (
            f"{host} is answered by a server whose certificate is for {names}, not for "
            f"{host}: ask the provider that hosts {host} to serve a certificate for {host} "
            "on it (services that host this name for you issue one per domain), or point "
            f"{host} to a server of your own with a certificate for it {public}."
        )
    if cert.stale_ca:
        return stale_ca_fix(host, cert.stale_ca, _stale_state(cert))
    if cert.stale_ca_too and (starts := _leaf_not_started(cert)) is not None:
        # A leaf issued ahead of its start under a stale chain: the chain first.
        leaf_fix = (
            f"Install a certificate for {host} that is valid now: the one it sends is not "
            f"valid before {utc_text(starts)}. Check the clock of the system that issued it."
        )
        return stale_ca_fix(host, cert.stale_ca_too, cert.stale_ca_too_state, then=leaf_fix)
    if cert.stale_ca_too:
        ends = _leaf_expired(cert)
        return renew_under_stale_ca_fix(
            host,
            cert.stale_ca_too,
            cert.stale_ca_too_state,
            ended=utc_text(ends) if ends is not None else "",
        )
    if cert.starts_in is not None:
        starts = utc_text(datetime.fromisoformat(cert.not_before))
        return (
            f"Install on {host} a certificate that is valid now: the one it sends is valid only "
            f"from {starts}. Check the clock of the system that issued it."
        )
    ends = _leaf_expired(cert)
    if code == HOSTNAME_MISMATCH:
        sent = (
            f"the one it sends names: {', '.join(cert.sans)}"
            if cert.sans
            else "the one it sends has no DNS name in its subjectAltName, and the CN in its "
            "subject is not used"
        )
        if ends is not None:
            sent += f", and it expired on {utc_text(ends)}"
        return (
            f"Install on {host} a certificate whose names include {host} ({sent}), "
            f"{public}.{_wildcard_note(host, cert.sans)}"
        )
    renewable = code in (CERT_HAS_EXPIRED, CERT_NOT_YET_VALID) or (
        code in _ISSUER_MISSING and not cert.self_signed
    )
    if ends is not None and renewable:
        # The leaf itself has expired: a new one from its CA, sent with the chain that CA
        # issues now, mends whatever else OpenSSL met first (a missing or stale intermediate).
        return (
            f"Renew the certificate of {host} (it expired on {utc_text(ends)}) and install it "
            f"with its full chain (with an ACME client: {full_chain}). Automate the renewal "
            "(an ACME client such as certbot, or your host's automatic certificates) so it "
            "does not lapse again."
        )
    if code == CERT_HAS_EXPIRED and not cert.not_after:
        return (
            f"Renew the expired certificate among those {host} sends (its own, or the "
            "intermediate sent with it: which one could not be read) and install the "
            f"certificate with its full chain (with an ACME client: {full_chain})."
        )
    if code == CERT_HAS_EXPIRED:
        of = f" of its CA, {issuer}," if issuer else " from its CA"
        return (
            f"Install on {host} the current intermediate certificate{of} in the chain it sends: "
            f"a CA certificate there has expired ({reason})."
        )
    if code == CERT_NOT_YET_VALID:
        of = f" of its CA, {issuer}," if issuer else " from its CA"
        return (
            f"Install on {host} the intermediate certificate{of} that is valid now: a "
            f"certificate in the chain it sends is not valid yet ({reason})."
        )
    if code in _ISSUER_MISSING and not cert.self_signed:
        named = f", {issuer}," if issuer else ""
        return (
            f"Make {host} send its CA's intermediate certificate{named} after its own "
            f"certificate (with an ACME client: {full_chain}). If that CA is a private one, "
            f"replace the certificate with one {public}."
        )
    if code in UNTRUSTED:
        who = (
            "it is self-signed"
            if cert.self_signed
            else f"its issuer{' ' + issuer if issuer else ''} is not a public CA"
        )
        return f"Replace the certificate of {host} with one {public}: {who}."
    return f"Install on {host} a certificate for {host} {public}, with its full chain ({reason})."


def _start_text(cert: CertInfo | None) -> str:
    """For a certificate refused as not yet valid: when the leaf starts, as ' (valid from
    <UTC time>, N seconds after this check)', noted in `cert.starts_in`; '' when the presented
    leaf has started (then a CA certificate above it has not) or was not captured."""
    if cert is None or not cert.not_before:
        return ""
    try:
        starts = datetime.fromisoformat(cert.not_before)
    except ValueError:
        return ""
    if starts.tzinfo is None:
        starts = starts.replace(tzinfo=UTC)
    ahead = (starts - datetime.now(UTC)).total_seconds()
    if ahead <= 0:
        return ""
    cert.starts_in = ahead
    return f" (valid from {utc_text(starts)}, {max(1, round(ahead))} seconds after this check)"


class _HttpError(Exception):
    pass


class _Eof(Exception):
    """The server closed the connection before one byte of an answer."""


class _Dropped(Exception):
    """The server closed or reset the connection right after a completed TLS handshake,
    before one byte of an answer and without a TLS alert we could read."""

    def __init__(self, *, reset: bool, cert_requested: bool | None, version: str | None):
        super().__init__()
        self.reset = reset
        # Whether it sent a CertificateRequest in the handshake; None when that is unknown.
        self.cert_requested = cert_requested
        self.version = version
        # Set when the try before this one was reset during its handshake instead.
        self.after_reset = False


class _HandshakeReset(Exception):
    """The server reset the TCP connection during the TLS handshake, without a TLS alert."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
        # Set when the try before this one ended in a hang-up after its handshake instead.
        self.after_hang_up = False


def _hang_up(exc: BaseException) -> bool:
    """The connection ended (EOF, a reset, a TLS-level EOF) rather than failing otherwise
    (a TLS alert, a corrupt record)."""
    if isinstance(exc, ssl.SSLError):
        eof = isinstance(exc, ssl.SSLEOFError | ssl.SSLZeroReturnError)
        return eof or "EOF" in (exc.reason or "")
    return isinstance(exc, _Eof | ConnectionError)


def _cert_requested(ssl_object: Any) -> bool | None:
    """Whether the server of this connection asked for a client certificate; None when the
    handshake messages could not be watched (no SSLContext._msg_callback)."""
    if ssl_object is None or not hasattr(ssl.SSLContext, "_msg_callback"):
        return None
    return ssl_object in _ASKED_FOR_CLIENT_CERT


def _inflate(data: bytes, coding: str, max_bytes: int) -> tuple[bytes, bool]:
    """Decode gzip/deflate data, stopping after max_bytes + 1 bytes; True when cut there."""
    # "deflate" means zlib-wrapped (RFC 9110 §8.4.1.2) but some servers send raw deflate;
    # HTTP clients accept both, so do we. gzip: wbits + 16 reads the gzip header.
    gzip_bits = (zlib.MAX_WBITS | 16,)
    attempts = (zlib.MAX_WBITS, -zlib.MAX_WBITS) if coding == "deflate" else gzip_bits
    error: zlib.error | None = None
    for wbits in attempts:
        decoder = zlib.decompressobj(wbits)
        try:
            out = decoder.decompress(data, max_bytes + 1)
            if len(out) > max_bytes or decoder.unconsumed_tail:
                return out[: max_bytes + 1], True
            out += decoder.flush()
            if len(out) > max_bytes:
                return out[: max_bytes + 1], True
        except zlib.error as exc:
            error = exc
            continue
        if not decoder.eof:
            error = zlib.error("the compressed data ends early")
            continue
        return out, False
    raise _HttpError(
        f"the body is sent with Content-Encoding: {coding} but does not decode ({error})"
    )


async def fetch(
    ctx: CheckContext,
    url: str,
    *,
    max_bytes: int = 65536,
    timeout: float | None = None,
    meaning: Callable[[bytes], str] | None = None,
    post: PostProbe | None = None,
    ask_without_sni: bool = False,
) -> HttpsResult:
    """GET `url` over HTTPS from every address of its host; never follows redirects. With
    `post`, a POST of its body instead (the TLS-RPT endpoint probe), everything else the same.
    With `ask_without_sni` (the MTA-STS policy fetch), an address presenting a certificate not
    valid for the host is asked once more without SNI (CertInfo.same_without_sni).

    The returned result describes the first address (A before AAAA) that answered, else the
    first definite failure (see `_choose`); every address's outcome is in `per_address`.
    `meaning`, when given, digests each address's complete 200 body into
    `AddressOutcome.meaning` (it must not raise). Never raises for network or protocol
    problems.
    """
    started = time.monotonic()
    result = HttpsResult(url=url)
    parts = urlsplit(url)
    try:
        # "host:0" is port 0, not the default: it is refused below like any other port.
        port = ctx.config.https_port if parts.port is None else parts.port
    except ValueError:
        port = None
    if parts.scheme != "https" or not parts.hostname or port is None:
        result.error_kind, result.error = "http", f"not an https URL: {url}"
        return result
    if port != ctx.config.https_port:
        # Only the HTTPS port: a URL published in someone's DNS must not point our probes
        # (and the free check's) at any port of any host.
        result.error_kind, result.refused_port = "http", port
        result.error = f"{url} names port {port}; mailsec fetches only from port 443"
        return result
    host = parts.hostname.rstrip(".").lower()
    if ":" in host and "%" in host:
        # An IPv6 literal with a zone id ("[fe80::1%25eth0]", RFC 6874): an interface of the
        # host that wrote the URL, meaningless to us; a published URL must not pick ours.
        result.error_kind = "http"
        result.error = f"{url} names an IPv6 address with a zone id, which mailsec does not fetch"
        return result
    literal = ip_literal(host)
    if literal is not None:
        # An IP-literal URL (RFC 3986 §3.2.2; TLSRPT-10's rua=https://192.0.2.1/...): that
        # address, nothing to look up. It passes the SSRF guard like any looked-up address, and
        # TLS matches the certificate's iPAddress entries against it (ssl does so for an IP
        # server_hostname, and sends no SNI, which holds host names only: RFC 6066 §3).
        host, addresses = literal, [literal]
        result.host = host
    else:
        looked_up = await _look_up(ctx, url, host, result)
        if looked_up is None:
            result.elapsed_ms = round((time.monotonic() - started) * 1000, 1)
            return result
        host, addresses = looked_up
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    # HTTP/1.1 sends the request-target as printable ASCII: percent-encode the UTF-8 of anything
    # else (a space, "ö"), as HTTP clients do; existing %XX escapes and delimiters stay.
    target = quote(target, safe=string.punctuation)
    addresses, result.not_tried = _addresses_to_try(addresses)
    limit = timeout if timeout is not None else max(ctx.config.timeout * 2, 1.0)
    fetches = [
        _Fetch(ctx, host, port, target, max_bytes, meaning, post, ask_without_sni)
        for _ in addresses
    ]
    outcomes = await asyncio.gather(
        *(f.run(addr, limit) for f, addr in zip(fetches, addresses, strict=True))
    )
    result.per_address = list(outcomes)
    chosen = _choose(result.per_address)
    outcome, data = outcomes[chosen], fetches[chosen]
    result.status = data.status if outcome.ok else None
    result.headers = data.headers if outcome.ok else {}
    result.header_values = data.header_values if outcome.ok else {}
    result.body = data.body if outcome.ok else b""
    result.truncated = data.truncated if outcome.ok else False
    result.content_encoding = data.encoding if outcome.ok else ""
    result.cert = data.cert
    result.client_cert = data.client_cert if outcome.error_kind == "tls" else ""
    result.hang_ups = data.hang_ups if outcome.error_kind == "tls" else ""
    result.error_kind = outcome.error_kind
    result.error = outcome.error
    result.address_ms = outcome.elapsed_ms
    result.elapsed_ms = round((time.monotonic() - started) * 1000, 1)
    return result


async def _look_up(
    ctx: CheckContext, url: str, host: str, result: HttpsResult
) -> tuple[str, list[str]] | None:
    """The host name of `url` (A-labels) and its addresses, noted on `result` (host, dns);
    None, with result's error, when the name is invalid or has no address."""
    if not host.isascii():
        # An IDN host (a BIMI l= in UTF-8): its A-label is what DNS, SNI, the certificate's
        # DNS-ID and the Host header carry, as in any HTTP client.
        try:
            host = _to_a_labels(host)
        except UnicodeError as exc:
            result.error_kind = "http"
            result.error = f"{url}: the host name is not a valid internationalised name ({exc})"
            return None
    result.host = host
    try:
        if not host:
            raise dns.name.EmptyLabel
        dns.name.from_text(host)
    except dns.exception.DNSException as exc:
        # A typo in the published URL ("logo..example.com", a 64-character label): the URL's
        # fault, not a lookup that could not be done, so never "could not check".
        result.error_kind = "http"
        result.error = f"{url}: {host or '(empty)'} is not a valid host name ({exc})"
        return None
    addresses, answers = await ctx.dns.addresses(host)
    result.dns = answers
    if not addresses:
        result.error_kind = "dns"
        if any(a.failed for a in answers):
            result.dns_failed = True
            result.error = (
                "could not look up "
                + host
                + ": "
                + "; ".join(a.describe_failure() for a in answers if a.failed)
            )
        elif alias := dangling_alias(result):
            # The name exists as an alias; the end of its CNAME chain does not (RFC 1034
            # §3.6.2: the NXDOMAIN is the target's), as when a provider's name was cancelled.
            result.error = f"{host} is a CNAME to {alias}, which does not exist in DNS (NXDOMAIN)"
        elif any(a.nxdomain for a in answers):
            result.error = f"{host} does not exist in DNS (NXDOMAIN)"
        else:
            result.error = f"{host} has no IPv4 or IPv6 address"
        return None
    return host, addresses


def dangling_alias(result: HttpsResult) -> str:
    """The last name of the host's CNAME chain when that name does not exist (NXDOMAIN): the
    alias is left pointing at nothing. '' when the host has no CNAME or the chain ends in a
    name that exists."""
    for answer in result.dns:
        if answer.nxdomain and answer.cnames:
            return answer.cnames[-1]
    return ""


def aliased_to(result: HttpsResult, name: str) -> bool:
    """The fetched host is an alias whose CNAME chain (as looked up for this fetch, A or AAAA)
    passes through `name`. Anywhere in the chain, not only at its end, as mailsec's `ask`
    endpoint accepts it (mailsec.hosting.lookups.points_at_us): the named host may itself be
    an alias of a load balancer's name."""
    target = name.strip().rstrip(".").lower()
    return bool(target) and any(target in answer.cnames for answer in result.dns)


def not_tried_note(result: HttpsResult) -> str:
    """In words, the addresses of the host that were not fetched from (beyond the per-family
    cap); '' when every address was tried. Senders may use any of them, so a finding that
    reads "served on every address" must not let the reader assume these were seen."""
    rest = result.not_tried
    if not rest:
        return ""
    host = result.host or urlsplit(result.url).hostname or result.url
    shown = ", ".join(rest[:4]) + (f" and {len(rest) - 4} more" if len(rest) > 4 else "")
    total = len(result.per_address) + len(rest)
    return (
        f"{host} has {total} addresses and mailsec fetches from at most "
        f"{MAX_ADDRESSES_PER_FAMILY} IPv4 and {MAX_ADDRESSES_PER_FAMILY} IPv6 addresses of a "
        f"host, so {len(rest)} were not tried ({shown}); what they serve was not checked."
    )


def _addresses_to_try(addresses: list[str]) -> tuple[list[str], list[str]]:
    """(the first MAX_ADDRESSES_PER_FAMILY IPv4 and IPv6 addresses in order, the rest)."""
    tried: list[str] = []
    rest: list[str] = []
    counts = {True: 0, False: 0}  # by "is IPv6"
    for address in addresses:
        family = ":" in address
        if counts[family] < MAX_ADDRESSES_PER_FAMILY:
            counts[family] += 1
            tried.append(address)
        else:
            rest.append(address)
    return tried, rest


def _choose(outcomes: list[AddressOutcome]) -> int:
    """The address the result describes: the first that answered; failing that, the first
    definite failure (refused, TLS, HTTP), which a sender meets too and which a timeout or an
    unreachable family elsewhere must not hide; failing that, the first address."""
    for i, o in enumerate(outcomes):
        if o.ok:
            return i
    for i, o in enumerate(outcomes):
        if o.error_kind not in COULD_NOT_CHECK:
            return i
    return 0
