"""STARTTLS on every MX address: the shared SMTP probe and the SMTP-xx findings (checklist §9).

`probe_mx(ctx, host, address)` is the one place that talks SMTP. MTA-STS (MTASTS-32..36) and DANE
reuse its result, so each MX address is probed once per run, one probe at a time per server (up
to three connections at once within a probe: _staggered), and results are kept for a few minutes
across runs because many customer domains share the same provider MX.

A probe speaks SMTP itself over asyncio streams (RFC 5321 §4.1.1.1 EHLO, RFC 3207 STARTTLS), with
SNI = the MX host name, and hands the presented chain to `checks.certs` for PKIX validation against
the configured CA bundle. The handshake itself does not verify (CERT_NONE), so the report can show
what an expired, misnamed or untrusted server presented. A 421 banner, a 554 greeting (servers
turn single client addresses away so), a connection closed before STARTTLS is answered, or a
timeout means "could not check" (`error`), never "no STARTTLS".
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import hashlib
import math
import ssl
import time
import warnings
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from checks import certs, net
from checks.config import CheckConfig
from checks.context import CheckContext, clock_start
from checks.dns import normalize
from checks.domainname import (
    known_organizational_domain,
    numbers_read_as,
    organizational_domain,
    quoted,
)
from checks.findings import Collector, Finding, Mechanism, Status, counted, noun_for, series

if TYPE_CHECKING:
    from checks.mx import MxSet

MECHANISM = Mechanism.SMTP

# Replies longer than this are not SMTP (RFC 5321 §4.5.3.1.5 allows 512 octets per reply line).
_MAX_LINE = 4096
# One reply (greeting, EHLO, STARTTLS) longer than this is a broken or hostile server, not a
# chatty one: real EHLO replies have a dozen or two lines. Reading stops there ("could not
# check"), so a server streaming "220-" lines cannot hold the probe or fill our memory.
_MAX_REPLY_LINES = 100
_MAX_REPLY_BYTES = 64 * 1024

TLS_ORDER = ["SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"]
LEGACY_TLS = {"SSLv3", "TLSv1", "TLSv1.1"}


@dataclass
class SmtpProbe:
    host: str
    address: str
    port: int = 25
    connected: bool = False
    banner: str = ""
    banner_code: int | None = None
    # Connected, then no greeting (not one line of it) within the timeout: no dialogue began.
    no_greeting: bool = False
    ehlo_ok: bool = False
    # EHLO refused (5xx) but HELO accepted: plain SMTP without extensions, so no STARTTLS.
    helo_only: bool = False
    extensions: list[str] = field(default_factory=list)
    starttls_offered: bool = False
    starttls_reply: str = ""
    starttls_after_tls: bool = False
    tls_ok: bool = False
    tls_version: str = ""
    cipher: str = ""
    cipher_bits: int | None = None
    chain_der: list[bytes] = field(default_factory=list)
    leaf: certs.CertFacts | None = None
    chain: list[certs.CertFacts] = field(default_factory=list)
    verify_ok: bool = False
    # None | 'expired' | 'not-yet-valid' | 'name-mismatch' | 'self-signed' | 'untrusted'
    # | 'incomplete-chain' | 'invalid' | 'weak-key' (see certs.ChainResult)
    verify_error: str | None = None
    verify_detail: str = ""
    # Subject of an expired CA certificate the server sends (verify_error 'expired' with a
    # current leaf): a chain problem for SMTP-09, not the leaf's dates of SMTP-10.
    expired_ca: str = ""
    # Whether that CA certificate expired or has not started yet, from its dates at the check
    # (certs.ChainResult.stale_ca_state): 'expired' | 'not-yet-valid' | ''.
    stale_ca_state: str = ""
    # A stale CA certificate on the leaf's path while the leaf's own dates fail too (verify_error
    # 'expired' or 'not-yet-valid'): certs.ChainResult.stale_ca_too and its state.
    stale_ca_too: str = ""
    stale_ca_too_state: str = ""
    # Subject of a CA certificate whose key is too short (certs.short_keys) to validate the
    # path (verify_error 'invalid'): SMTP-09 asks for another chain, not a new leaf.
    short_ca: str = ""
    name_ok: bool = False
    chain_complete: bool = True
    max_tls_version: str = ""
    tls_versions_accepted: list[str] = field(default_factory=list)
    legacy_checked: bool = False
    # A server that negotiated TLS 1.3 is asked once more with TLS 1.2 only (SMTP-07): True
    # accepted, False refused, None not asked (it did not negotiate 1.3) or no answer in time.
    tls12_accepted: bool | None = None
    # The suite that TLS 1.2 handshake took, offering every suite (aNULL too): a server listing
    # anonymous suites first gives them to senders without TLS 1.3 (tls12_anonymous).
    tls12_cipher: str = ""
    legacy_cipher: str = ""
    no_sni_ok: bool | None = None
    no_sni_same_cert: bool | None = None
    # A server may hold an ECDSA and an RSA certificate and present the one the client's
    # signature algorithms favour (Postfix smtpd_tls_eccert_file beside smtpd_tls_cert_file,
    # Exim, Exchange), so a sender that verifies only RSA gets a certificate nobody looked at.
    # When the first handshake got a non-RSA leaf, one more asks as such a sender does
    # (_rsa_certificate): '' not asked (an RSA leaf, or no TLS); 'other' a different
    # certificate came back (rsa_variant); 'same' the same one; 'none' RSA suites refused with
    # a TLS alert (no RSA certificate), or the connection dropped right after our ClientHello
    # twice in a row by a server that takes TLS 1.2 (as asyncio servers such as aiosmtpd
    # answer "no shared cipher"); 'untested' no answer in time, no TLS 1.2 to ask with, a
    # refusal before the handshake, or no time left in the probe's budget.
    rsa_cert: str = ""
    # A server may prefer anonymous (aNULL) suites and pick one from ours (we offer every
    # suite, to see what a server accepts), sending no certificate, while the senders that
    # authenticate offer none (MTA-STS and DANE senders: OpenSSL DEFAULT is !aNULL) and get
    # its certificate. When the first handshake had no certificate, one more asks as they
    # do (_certificate_question): '' not asked (a certificate came); 'other' a certificate
    # came back: chain_der is that handshake's chain, judged as any (SMTP-09/10/11, DANE-07),
    # while cipher stays the anonymous suite the first one chose (SMTP-08, DANE-14);
    # 'none' suites with a certificate refused (handshake_failure, OpenSSL's "no shared
    # cipher", or two hang-ups right after our ClientHello while a handshake offering aNULL
    # still completes): anonymous TLS only; 'untested' no answer in time, a refusal before
    # the handshake, hang-ups without that control, or no time left in the budget.
    anon_cert: str = ""
    # The first handshake failed as it does when no suite we offer is shared (the alert
    # handshake_failure or insufficient_security, or a hang-up without an alert, as asyncio
    # servers such as aiosmtpd answer "no shared cipher"): _null_question may ask once more.
    suites_refused: bool = False
    # A handshake offering NULL-encryption suites alone (which OpenSSL's 'ALL' leaves out)
    # completed after that failure: the suite the server took (SMTP-08). '' not asked, or
    # refused too.
    null_cipher: str = ""
    # The suite and version of the handshake that brought the certificate ('other').
    cert_cipher: str = ""
    cert_version: str = ""
    # This probe as a sender offering only RSA sees it: the RSA handshake's chain, version and
    # cipher, the chain analysed as the first one (_analyse_chain).
    rsa_variant: SmtpProbe | None = None
    injection_vulnerable: bool | None = None
    # What the server sent in plaintext behind its 220 to STARTTLS, before the handshake (its
    # first line; '' nothing): discarded, as a careful client does (RFC 3207 §4.2, §5).
    plaintext_after_starttls: str = ""
    # The server refused STARTTLS sent with a command pipelined behind it (Postfix >= 3.9
    # "554 5.5.0 Error: SMTP protocol synchronization", Exim "554 Security failure"): nothing
    # of it can run inside TLS, so SMTP-06 passes on that refusal.
    injection_refused: bool = False
    post_tls_ehlo_ok: bool = False
    # EHLO refused after TLS but HELO accepted: mail goes over TLS without SMTP extensions.
    post_tls_helo_only: bool = False
    requiretls: bool = False
    # None | 'guard' | 'dns' | 'timeout' | 'refused' | 'network' | 'no-route' | 'temp-unavailable'
    # | 'rejected' | 'closed' | 'tls-handshake' | 'protocol'. 'refused' is the server's answer
    # (ECONNREFUSED); 'no-route' is our checker having no route to that address family at all
    # (ENETUNREACH, EADDRNOTAVAIL, EAFNOSUPPORT: an IPv6 MX checked from a host without IPv6);
    # 'network' is any other connect error (EHOSTUNREACH…). Neither says anything about the
    # server. 'rejected' is a 5xx greeting, or EHLO and HELO both refused: servers turn away
    # single client addresses that way (IP blocklists, our EHLO name), so it says nothing about
    # other senders. 'closed' is the connection ending before STARTTLS was answered.
    error_kind: str | None = None
    problem: str = ""
    # STARTTLS was answered 4xx, the handshake timed out or ended with a hang-up and no TLS
    # alert, or the session after it failed without a TLS alert (_greet_after_tls):
    # _run_probe tries once more before taking it as the server's answer.
    retry_handshake: bool = False
    elapsed_ms: float = 0.0
    cached: bool = False
    connections: int = 0

    @property
    def subject(self) -> str:
        # A host whose addresses could not be looked up is named alone (not "mx1 []").
        return f"{self.host} [{self.address}]" if self.address else self.host

    @property
    def accepts_no_mail(self) -> bool:
        """The server greeted with 521 (RFC 7504 §3): it says it accepts no mail at all, from
        any client. A definite answer, not an outage, and one the MTA-STS mode cannot change."""
        return self.connected and self.banner_code == 521

    @property
    def signature_hash(self) -> str:
        return self.leaf.signature_hash if self.leaf else ""

    @property
    def days_left(self) -> int | None:
        return self.leaf.days_left if self.leaf else None

    @property
    def could_not_check(self) -> bool:
        """True when the probe could not learn whether STARTTLS works (error, never fail).

        A refused connection also teaches nothing about STARTTLS; SMTP-01 alone judges it, as
        the server's own answer (see _reachability)."""
        return self.error_kind in {
            "guard",
            "dns",
            "timeout",
            "network",
            "no-route",
            "temp-unavailable",
            "rejected",
            "closed",
        } or (self.error_kind == "refused")

    @property
    def second_label(self) -> str:
        """How the findings name the second certificate (rsa_variant), the one senders offering
        only RSA get: by its key type, "RSA" ("the RSA certificate of mx1…"), also the
        'second_certificate' evidence. '' when the server showed no second certificate."""
        variant = self.rsa_variant
        if variant is None or variant.leaf is None:
            return ""
        # The handshake offered RSA suites alone: an RSA key, unless it could not be parsed.
        return (variant.leaf.key_type or "RSA").split()[0]

    @property
    def refuses_tls12(self) -> bool:
        """The server does not offer TLS 1.2: it picked an older version, or refused a handshake
        offering TLS 1.2 alone (SMTP-07). Senders whose newest version is TLS 1.2 get no TLS 1.2
        here (only TLS 1.0/1.1, if the server takes those)."""
        return self.tls_version in LEGACY_TLS or self.tls12_accepted is False

    @property
    def mta_sts_ok(self) -> bool:
        """Would a sender enforcing an MTA-STS policy deliver here? (RFC 8461 §4.2, §7.2)."""
        return (
            self.starttls_offered
            and self.tls_ok
            and _version_rank(self.tls_version) >= _version_rank("TLSv1.2")
            and self.verify_ok
            and self.name_ok
            # A sender offering only RSA validates the server's RSA certificate instead.
            and (self.rsa_variant is None or self.rsa_variant.mta_sts_ok)
        )

    def facts(self) -> dict[str, Any]:
        """JSON-serialisable evidence: what the server presented."""
        data: dict[str, Any] = {
            "host": self.host,
            "address": self.address,
            "port": self.port,
            "connected": self.connected,
            "banner": self.banner,
            "ehlo_ok": self.ehlo_ok,
            "starttls_offered": self.starttls_offered,
            "tls_ok": self.tls_ok,
        }
        if self.starttls_reply:
            data["starttls_reply"] = self.starttls_reply
        if self.tls_ok:
            data.update(
                {
                    "tls_version": self.tls_version,
                    "cipher": self.cipher,
                    "max_tls_version": self.max_tls_version,
                    "tls_versions_accepted": self.tls_versions_accepted,
                    "tls12_accepted": self.tls12_accepted,
                    "verify_ok": self.verify_ok,
                    "verify_error": self.verify_error,
                    "verify_detail": self.verify_detail,
                    "name_ok": self.name_ok,
                    "chain_complete": self.chain_complete,
                    "starttls_after_tls": self.starttls_after_tls,
                    "no_sni_ok": self.no_sni_ok,
                    "leaf": self.leaf.to_dict() if self.leaf else None,
                    "chain": [c.subject for c in self.chain],
                }
            )
        if self.anon_cert:
            data["anonymous_suite"] = {
                "chosen": self.cipher,
                "certificate_handshake": self.anon_cert,
                "cipher_with_certificate": self.cert_cipher,
                "tls_version_with_certificate": self.cert_version,
            }
        if self.rsa_cert:
            data["rsa_certificate"] = self.rsa_cert
        if self.null_cipher:
            data["null_cipher_only"] = self.null_cipher
        if self.plaintext_after_starttls:
            data["plaintext_after_starttls"] = self.plaintext_after_starttls
        if tls12_anonymous(self):
            data["tls12_anonymous_suite"] = self.tls12_cipher
        variant = self.rsa_variant
        if variant is not None:
            data["rsa_handshake"] = {
                "tls_version": variant.tls_version,
                "cipher": variant.cipher,
                "verify_ok": variant.verify_ok,
                "verify_error": variant.verify_error,
                "verify_detail": variant.verify_detail,
                "name_ok": variant.name_ok,
                "leaf": variant.leaf.to_dict() if variant.leaf else None,
                "chain": [c.subject for c in variant.chain],
            }
        if self.error_kind:
            data["error_kind"] = self.error_kind
        if self.problem:
            data["problem"] = self.problem
        if self.cached:
            data["cached"] = True
        return data


def _version_rank(version: str) -> int:
    return TLS_ORDER.index(version) if version in TLS_ORDER else -1


_VERSION_NAMES = {
    "SSLv3": "SSL 3.0",
    "TLSv1": "TLS 1.0",
    "TLSv1.1": "TLS 1.1",
    "TLSv1.2": "TLS 1.2",
    "TLSv1.3": "TLS 1.3",
}
_SSL_VERSIONS = {
    ssl.TLSVersion.SSLv3: "SSLv3",
    ssl.TLSVersion.TLSv1: "TLSv1",
    ssl.TLSVersion.TLSv1_1: "TLSv1.1",
    ssl.TLSVersion.TLSv1_2: "TLSv1.2",
    ssl.TLSVersion.TLSv1_3: "TLSv1.3",
}


def _offered(legacy_only: bool = False) -> list[str]:
    """The protocol versions a handshake of ours offers ('TLSv1', ...): the first handshake
    (every version this OpenSSL allows, down to TLS 1.0) or the legacy one (TLS 1.0/1.1 at
    most). Read from the context itself, so SMTP-07 says what was offered on this host."""
    context = _client_context(legacy_only=legacy_only)
    low = _SSL_VERSIONS.get(context.minimum_version, "TLSv1")
    high = _SSL_VERSIONS.get(context.maximum_version, "TLSv1.3")
    return TLS_ORDER[_version_rank(low) : _version_rank(high) + 1]


def _versions_text(versions: list[str]) -> str:
    """'TLS 1.0 and 1.1', 'TLS 1.0 to 1.3', 'TLS 1.1'."""
    names = [_VERSION_NAMES.get(v, v) for v in versions]
    if len(names) < 2:
        return "".join(names)
    last = names[-1].removeprefix("TLS ") if names[0].startswith("TLS ") else names[-1]
    return f"{names[0]} {'and' if len(names) == 2 else 'to'} {last}"


# --------------------------------------------------------------------------------------------
# SMTP over asyncio streams


class _ProtocolError(Exception):
    pass


class _Closed(ConnectionResetError):
    """The server closed the connection (end of stream) while we waited for a reply."""


class _TooSlow(TimeoutError):
    """The session ran past its overall deadline (see SESSION_TIMEOUTS)."""


class _UnfinishedReply(_TooSlow):
    """The server kept sending continuation lines ("220-") past the reply's time, line or byte
    bound (_Conn.reply): the reply never ended, so nothing was learnt ("could not check", as a
    timeout is, never a protocol failure)."""


# One SMTP session may take at most this many times the configured timeout. Each reply, all its
# lines together, has the timeout (_Conn.reply), but a server answering each command just under
# it would otherwise hold a probe for minutes and the whole report with it. A normal session
# (banner, EHLO, STARTTLS, handshake, EHLO, QUIT) needs a few round trips.
SESSION_TIMEOUTS = 3
# The TLS-1.2-only question (SMTP-07) is optional: asked only while this probe has spent less
# than this many timeouts, so a slow server (a postscreen-style greeting delay on every
# connection) never pushes the whole mechanism past its budget (engine.MECHANISM_TIMEOUTS)
# for it; then it is "could not be tested this time".
TLS12_QUESTION_WITHIN = 4


class _Conn:
    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, timeout: float
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.timeout = timeout
        self.budget = SESSION_TIMEOUTS * timeout
        self.deadline = time.monotonic() + self.budget

    def _too_slow(self) -> _TooSlow:
        return _TooSlow(
            f"the server answered too slowly (the SMTP session took over {self.budget:g}s)"
        )

    async def reply(self, what: str = "its reply") -> tuple[int, list[str]]:
        """One SMTP reply, multi-line aware (RFC 5321 §4.2.1: 'ddd-' continues, 'ddd ' ends).

        The whole reply, not each line, has the timeout (cut to the session's end), and at most
        _MAX_REPLY_LINES lines and _MAX_REPLY_BYTES bytes: a server dribbling "220-" lines
        would otherwise hold the probe for the whole session and past a caller's deadline.
        `what` names the reply for the problem text ("its greeting", "its reply to our EHLO").
        """
        started = time.monotonic()
        reply_deadline = started + self.timeout
        lines: list[str] = []
        size = 0
        code = -1

        def unfinished(beyond: str) -> _UnfinishedReply:
            return _UnfinishedReply(
                f"the server sent {code}- lines {beyond} without finishing {what}"
            )

        def out_of_time() -> TimeoutError:
            if lines:  # it answered, but its reply never ended
                took = round(time.monotonic() - started, 1)
                return _UnfinishedReply(
                    f"the server answered too slowly (it sent {code}- lines for {took:g} s "
                    f"without finishing {what})"
                )
            if self.deadline < reply_deadline:  # the session's end, not this reply's timeout
                return self._too_slow()
            return TimeoutError()

        while True:
            wait = min(reply_deadline, self.deadline) - time.monotonic()
            if wait <= 0:
                raise out_of_time()
            try:
                raw = await asyncio.wait_for(self.reader.readline(), wait)
            except ValueError as exc:
                # StreamReader's 64 KiB limit (LimitOverrunError surfaces as ValueError): the
                # same protocol error as any over-long line, never an engine crash.
                raise _ProtocolError("reply line too long") from exc
            except TimeoutError:
                raise out_of_time() from None
            if not raw:
                raise _Closed("connection closed by the server")
            if len(raw) > _MAX_LINE:
                raise _ProtocolError("reply line too long")
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            if len(line) < 3 or not line[:3].isdigit():
                raise _ProtocolError(f"not an SMTP reply: {line[:80]!r}")
            line_code = int(line[:3])
            if code not in (-1, line_code):
                raise _ProtocolError("inconsistent codes in a multi-line reply")
            code = line_code
            lines.append(line[4:])
            size += len(raw)
            if len(line) == 3 or line[3] == " ":
                return code, lines
            if line[3] != "-":
                raise _ProtocolError(f"malformed reply line: {line[:80]!r}")
            if len(lines) >= _MAX_REPLY_LINES:
                raise unfinished(f"beyond {_MAX_REPLY_LINES} lines")
            if size > _MAX_REPLY_BYTES:
                raise unfinished(f"beyond {_MAX_REPLY_BYTES // 1024} KiB")

    async def send(self, command: str) -> None:
        self.writer.write(command.encode("ascii") + b"\r\n")
        try:
            await asyncio.wait_for(self.writer.drain(), self.timeout)
        except ConnectionError:
            # drain() yields once when the transport is closing; a TLS alert that arrived
            # meanwhile is on the reader, and asyncio raises a bare "Connection lost" in its
            # place (a TLS 1.3 server refusing our missing client certificate, seen under load).
            if isinstance(alert := self.reader.exception(), ssl.SSLError):
                raise alert from None
            raise

    async def command(self, command: str) -> tuple[int, list[str]]:
        await self.send(command)
        return await self.reply(f"its reply to our {command.split()[0]}")

    async def start_tls(self, context: ssl.SSLContext, server_hostname: str | None) -> None:
        await asyncio.wait_for(
            self.writer.start_tls(
                context, server_hostname=server_hostname, ssl_handshake_timeout=self.timeout
            ),
            self.timeout + 1,
        )
        # StreamWriter.start_tls swaps the transport under the same reader.

    async def discard_plaintext(self) -> str:
        """Drop what the server sent behind its 220 to STARTTLS that is here already, before
        the handshake, and return its first line ('' none). RFC 3207 §4.2: nothing from before
        TLS counts inside it; read later, the line would pass for the answer to our EHLO
        inside TLS (response injection). Only bytes already received are looked at: a line
        arriving after the ClientHello fails the handshake as any non-TLS byte does."""
        waiting = len(self.reader._buffer)  # type: ignore[attr-defined]  # no public peek
        if not waiting:
            return ""
        data = await self.reader.readexactly(waiting)
        return data.decode("ascii", errors="replace").splitlines()[0][:200]

    def ssl_object(self) -> ssl.SSLObject | None:
        return self.writer.get_extra_info("ssl_object")

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()
            await asyncio.wait_for(self.writer.wait_closed(), 1.0)


def _client_context(
    *,
    legacy_only: bool = False,
    tls12_only: bool = False,
    rsa_only: bool = False,
    no_anon: bool = False,
    null_only: bool = False,
) -> ssl.SSLContext:
    """A handshake context that accepts whatever is presented; verification happens afterwards.

    SECLEVEL=0 and TLS 1.0 as minimum let us see (and report) servers that only speak old
    protocol versions; the MTA-STS verdict still requires TLS >= 1.2 (RFC 8461 §7.2).
    `legacy_only` offers TLS 1.0/1.1 alone, `tls12_only` TLS 1.2 alone (SMTP-07). `rsa_only`
    offers TLS 1.2 with RSA-authenticated suites alone, what a sender that can verify only RSA
    signatures offers: a server holding an ECDSA and an RSA certificate must present the RSA
    one. (TLS 1.3 picks the certificate by signature_algorithms, which Python's ssl cannot
    narrow; TLS 1.2's cipher suite names the key type.) `no_anon` offers every suite but the
    anonymous (aNULL) ones, as senders that authenticate do (SmtpProbe.anon_cert).
    `null_only` offers TLS 1.0-1.2 with the NULL-encryption suites alone, which 'ALL' leaves
    out (SmtpProbe.null_cipher); TLS 1.3 is not offered, as its suites all encrypt.
    Otherwise the anonymous suites are offered last ('+aNULL'; 'ALL' puts ADH-AES256-GCM before
    every AES128 suite): a server that follows the sender's order, as OpenSSL and Postfix do by
    default, then picks an anonymous suite only when it has nothing else in common with us, so
    an anonymous choice (SMTP-08, DANE-14) is the server's, not the probe's.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with warnings.catch_warnings():
        # Deliberate: we must be able to tell a mail admin "still accepts TLS 1.0".
        warnings.simplefilter("ignore", DeprecationWarning)
        with contextlib.suppress(ValueError, ssl.SSLError):
            context.minimum_version = ssl.TLSVersion.TLSv1
        if legacy_only:
            context.maximum_version = ssl.TLSVersion.TLSv1_1
    if tls12_only or rsa_only:
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.maximum_version = ssl.TLSVersion.TLSv1_2
    if null_only:
        context.maximum_version = ssl.TLSVersion.TLSv1_2
    with contextlib.suppress(ssl.SSLError):
        context.set_ciphers(
            "aRSA:@SECLEVEL=0"
            if rsa_only
            else "ALL:!aNULL:@SECLEVEL=0"
            if no_anon
            else "eNULL:@SECLEVEL=0"
            if null_only
            else "ALL:+aNULL:@SECLEVEL=0"
        )
    return context


def _extensions(lines: list[str]) -> list[str]:
    return [line.strip().upper() for line in lines[1:]]


def _has_ext(extensions: list[str], name: str) -> bool:
    return any(ext == name or ext.startswith(name + " ") for ext in extensions)


class _Session:
    """One SMTP connection up to and including the TLS handshake."""

    def __init__(self, probe: SmtpProbe, config: CheckConfig, ctx: CheckContext) -> None:
        self.probe = probe
        self.config = config
        self.ctx = ctx

    async def open(self) -> _Conn:
        reader, writer = await net.open_connection(
            self.probe.address, self.config.smtp_port, self.config
        )
        self.probe.connections += 1
        return _Conn(reader, writer, self.config.timeout)


async def _main_session(ctx: CheckContext, probe: SmtpProbe) -> None:
    config = ctx.config
    session = _Session(probe, config, ctx)
    try:
        conn = await session.open()
    except net.TargetRefused as exc:
        probe.error_kind, probe.problem = "guard", str(exc)
        return
    except TimeoutError:
        probe.error_kind = "timeout"
        probe.problem = f"no TCP connection to port {config.smtp_port} within {config.timeout:g}s"
        return
    except OSError as exc:
        probe.error_kind = net.connect_failure(exc)
        if probe.error_kind == "refused":  # the server (or its firewall) said no
            probe.problem = (
                f"could not connect to port {config.smtp_port}: {net.os_error_text(exc)}"
            )
        elif probe.error_kind == "no-route":
            # Not tested from here, and no mark against the domain (checklist §0).
            family = "IPv6" if ":" in probe.address else "IPv4"
            probe.problem = f"this checker has no {family} route ({net.os_error_text(exc)})"
        else:
            # Trouble on the path, maybe ours (checklist §0: could not check, never a fail).
            probe.problem = (
                f"our checker could not open a connection to port {config.smtp_port}: "
                f"{net.os_error_text(exc)}"
            )
        return
    probe.connected = True
    # Where the dialogue stands, for "the server closed the connection <step>".
    step = "before sending its greeting"
    try:
        code, lines = await conn.reply("its greeting")
        probe.banner_code = code
        probe.banner = " / ".join(lines)[:500]
        if code != 220:
            if 400 <= code < 500:
                probe.error_kind = "temp-unavailable"
                probe.problem = f"the server answered {code} {probe.banner} (try again later)"
            elif code == 521:
                # RFC 7504 §3: "this host does not accept mail", said to every client.
                probe.error_kind = "protocol"
                probe.problem = (
                    f"the greeting was 521 {probe.banner}: the server says it accepts no mail"
                )
            elif 500 <= code < 600:
                # A 554 greeting (RFC 5321 §3.1) is how servers turn away one client address
                # (an IP blocklist): it says nothing about other senders (checklist §0).
                probe.error_kind = "rejected"
                probe.problem = f"the greeting was {code} {probe.banner}"
            else:
                probe.error_kind = "protocol"
                probe.problem = f"the greeting was {code} {probe.banner}, not 220"
            with contextlib.suppress(Exception):
                await conn.send("QUIT")
            return
        step = "after our EHLO"
        code, lines = await conn.command(f"EHLO {config.ehlo_name}")
        if code != 250:
            ehlo_reply = f"{code} {' '.join(lines)}"[:200]
            if 400 <= code < 500:
                probe.error_kind = "temp-unavailable"
                probe.problem = f"EHLO was answered {ehlo_reply}"
            elif 500 <= code < 600:
                step = "after our HELO"
                await _helo_fallback(conn, probe, config, ehlo_reply)
            else:
                probe.error_kind = "protocol"
                probe.problem = f"EHLO was answered {ehlo_reply}"
            with contextlib.suppress(Exception):
                await conn.send("QUIT")
            return
        probe.ehlo_ok = True
        probe.extensions = _extensions(lines)
        probe.starttls_offered = _has_ext(probe.extensions, "STARTTLS")
        probe.requiretls = _has_ext(probe.extensions, "REQUIRETLS")
        if not probe.starttls_offered:
            with contextlib.suppress(Exception):
                await conn.command("QUIT")
            return
        step = "after our STARTTLS"
        code, lines = await conn.command("STARTTLS")
        probe.starttls_reply = f"{code} {' '.join(lines)}"[:200]
        if 400 <= code < 500:
            # Tried once more either way. A 421 (busy, closing) is "could not check"; a 454
            # "TLS not available" (RFC 3207 §4) twice in a row is the checklist's SMTP-04 fail:
            # Postfix answers it for as long as its certificate or key cannot be loaded, and
            # senders that require TLS defer mail meanwhile.
            probe.error_kind = "temp-unavailable" if code == 421 else "tls-handshake"
            probe.problem = f"STARTTLS was answered {probe.starttls_reply}"
            probe.retry_handshake = True
            return
        if code != 220:
            probe.error_kind = "tls-handshake"
            probe.problem = f"STARTTLS was answered {probe.starttls_reply}"
            return
        probe.plaintext_after_starttls = await conn.discard_plaintext()
        sni = None if certs.is_ip_literal(probe.host) else probe.host
        try:
            await conn.start_tls(_client_context(), sni)
        except (ssl.SSLError, OSError, TimeoutError, ConnectionError) as exc:
            if _handshake_timed_out(exc):
                # Slow is not broken (checklist §0): could not check, never a fail.
                probe.error_kind = "timeout"
                probe.problem = f"the TLS handshake did not finish within {config.timeout:g}s"
                probe.retry_handshake = True
                return
            probe.error_kind = "tls-handshake"
            # A hang-up with no TLS alert may be a passing fault (an overloaded server); one
            # with an alert is the server's considered answer. A close and a reset are one
            # fault, told alike (which one a client sees depends on timing).
            probe.retry_handshake = _no_alert(exc)
            probe.suites_refused = probe.retry_handshake or (
                isinstance(exc, ssl.SSLError) and net.tls_alert_name(exc) in _NO_SHARED_SUITE
            )
            why = _HUNG_UP if probe.retry_handshake else _describe(exc)
            probe.problem = f"the TLS handshake failed: {why}"
            return
        obj = conn.ssl_object()
        if obj is None:
            probe.error_kind, probe.problem = "tls-handshake", "no TLS session after STARTTLS"
            return
        probe.tls_ok = True
        probe.tls_version = obj.version() or ""
        cipher = obj.cipher()
        if cipher:
            probe.cipher, probe.cipher_bits = cipher[0], cipher[2]
        probe.chain_der = certs.peer_chain(obj)
        await _greet_after_tls(conn, probe, config)
    except _TooSlow as exc:
        probe.error_kind = probe.error_kind or "timeout"
        probe.problem = probe.problem or str(exc)
    except TimeoutError:
        probe.error_kind = probe.error_kind or "timeout"
        if probe.banner_code is None and not probe.problem:
            # Connected, then silence: no dialogue began (a tarpit, a server past its limit).
            probe.no_greeting = True
            probe.problem = (
                "the server accepted the connection but never sent its greeting within "
                f"{config.timeout:g} seconds"
            )
        probe.problem = probe.problem or f"the server stopped answering ({config.timeout:g}s)"
    except _ProtocolError as exc:
        probe.error_kind, probe.problem = "protocol", str(exc)
    except (ConnectionError, OSError) as exc:
        if not probe.tls_ok and not probe.error_kind:
            # Closed or reset before TLS: a server turning one client away, or trouble on the
            # path; senders are not known to meet it (checklist §0: could not check).
            probe.error_kind = "closed"
            probe.problem = f"the server closed the connection {step}" + (
                "" if isinstance(exc, _Closed) else f" ({_describe(exc)})"
            )
    finally:
        await conn.close()


async def _greet_after_tls(conn: _Conn, probe: SmtpProbe, config: CheckConfig) -> None:
    """RFC 3207 §4.2: after the handshake the client forgets what it learnt and greets again.

    Senders send EHLO, fall back to HELO unless the answer is 421, and give up on the session
    when that is refused too (Postfix smtp_helo). A handshake followed by no usable session
    carries no mail, so it is no working STARTTLS (SMTP-04): tls_ok is cleared. Only a TLS
    alert is taken as the server's answer at once; a refusal, a hang-up, a timeout or a 4xx
    is tried once more (_run_probe), and a timeout or a 4xx stays could-not-check.
    """
    done = "the TLS handshake completed" + (
        f" with {probe.tls_version}" if probe.tls_version else ""
    )

    def broken(kind: str, what: str, *, retry: bool = True) -> None:
        probe.tls_ok = False
        probe.error_kind, probe.problem = kind, f"{done}, but then {what}"
        probe.retry_handshake = retry

    try:
        code, lines = await conn.command(f"EHLO {config.ehlo_name}")
        if code == 250:
            probe.post_tls_ehlo_ok = True
            post = _extensions(lines)
            probe.starttls_after_tls = _has_ext(post, "STARTTLS")
            probe.requiretls = probe.requiretls or _has_ext(post, "REQUIRETLS")
        else:
            ehlo_code, ehlo_reply = code, f"{code} {' '.join(lines)}"[:200]
            if ehlo_code == 421:
                broken("temp-unavailable", f"our EHLO was answered {ehlo_reply}")
                return
            code, lines = await conn.command(f"HELO {config.ehlo_name}")
            helo_reply = f"{code} {' '.join(lines)}"[:200]
            if code == 250:
                # Senders deliver over TLS, only without SMTP extensions (SMTP-05 says so).
                probe.post_tls_helo_only = True
                probe.problem = f"EHLO after TLS was answered {ehlo_reply}; only HELO was accepted"
            elif 500 <= code < 600 and 500 <= ehlo_code < 600:
                # The same EHLO was accepted before TLS, so this is not about our name or
                # our address: inside TLS the server takes no mail from anyone.
                broken(
                    "tls-handshake",
                    f"the server refused our EHLO ({ehlo_reply}) and HELO ({helo_reply}), "
                    "so no mail can be sent over TLS",
                )
                return
            else:
                broken(
                    "temp-unavailable", f"our EHLO was answered {ehlo_reply} and HELO {helo_reply}"
                )
                return
    except _TooSlow as exc:
        broken("timeout", str(exc))
        return
    except TimeoutError:
        broken("timeout", f"the server did not answer our EHLO within {config.timeout:g}s")
        return
    except _ProtocolError as exc:
        broken("tls-handshake", f"the server's answer to our EHLO was not SMTP ({exc})")
        return
    except (ConnectionError, OSError) as exc:
        # A TLS 1.3 server that demands a client certificate says so only now, with the
        # alert certificate_required (or with a reset that loses it): an alert is the
        # server's considered answer, a bare hang-up is tried again.
        if isinstance(exc, ssl.SSLError) and not _no_alert(exc):
            broken("tls-handshake", _describe(exc), retry=False)
        else:
            detail = "" if isinstance(exc, (_Closed, ssl.SSLError)) else exc.strerror or str(exc)
            broken(
                "tls-handshake",
                "the server closed the connection" + (f" ({detail})" if detail else ""),
            )
        return
    with contextlib.suppress(Exception):
        await conn.command("QUIT")


# What a mail server answers when a firewall's SMTP fixup (Cisco PIX/ASA "fixup protocol smtp",
# mailguard) has overwritten a command it does not know, EHLO among them, with X characters:
# '500 5.5.1 Command unrecognized: "XXXX mailsec.example"'.
_REWRITTEN_EHLO = "XXXX"


def ehlo_rewritten(problem: str) -> bool:
    """Whether the EHLO reply `problem` quotes shows a firewall overwrote our EHLO."""
    return _REWRITTEN_EHLO in problem


def helo_only_fix(host: str, problem: str) -> str:
    """The fix for an MX that refuses EHLO and takes HELO (`problem` quotes its EHLO reply).
    Where the reply shows the EHLO was overwritten on the way, the firewall needs the change,
    not the mail server, which may well speak ESMTP."""
    if ehlo_rewritten(problem):
        return (
            f"A firewall in front of {host} overwrote our EHLO with 'XXXX' before the mail "
            "server saw it, the mark of an SMTP fixup such as Cisco PIX/ASA 'fixup protocol "
            "smtp' (mailguard): turn that SMTP inspection off for port 25, or let it pass EHLO "
            f"and STARTTLS. Then {host} needs STARTTLS with a certificate valid for that name."
        )
    return f"Enable ESMTP (EHLO) and STARTTLS on {host}, with a certificate valid for that name."


# What a Cisco ASA's ESMTP inspection ('inspect esmtp', in its default global policy) makes of
# the STARTTLS line of the EHLO reply when it does not allow TLS: '250-XXXXXXXA'. The mail
# server offers STARTTLS; the firewall hides it (and mangles the STARTTLS command).
_MASKED_STARTTLS = "XXXXXXXA"


def starttls_masked(extensions: list[str]) -> bool:
    """Whether the EHLO keywords show STARTTLS masked by a firewall (Cisco ASA)."""
    return _MASKED_STARTTLS in extensions


def no_starttls_text(extensions: list[str]) -> str:
    """Why STARTTLS is not offered, as SMTP-03 and MTASTS-32 say it: '' unless a firewall
    hides it, else the sentence naming the masked keyword."""
    if not starttls_masked(extensions):
        return ""
    return (
        f"its EHLO reply lists '{_MASKED_STARTTLS}' where a mail server lists STARTTLS: a "
        "firewall hides it, as Cisco ASA ESMTP inspection does"
    )


def no_starttls_fix(host: str, extensions: list[str]) -> str:
    """The fix for an MX whose EHLO reply offers no STARTTLS (SMTP-03; MTASTS-32 repeats it).
    Where the keyword was masked on the way, the firewall needs the change, not the mail
    server, which offers STARTTLS already."""
    if starttls_masked(extensions):
        return (
            f"A firewall in front of {host} hid STARTTLS: the EHLO reply lists "
            f"'{_MASKED_STARTTLS}' in its place, the mark of Cisco ASA ESMTP inspection. Turn "
            "that inspection off for port 25 ('no inspect esmtp' under 'class "
            "inspection_default' of 'policy-map global_policy'), or let it pass TLS ('allow-tls' "
            "under 'parameters' of the 'policy-map type inspect esmtp' it uses). Then check "
            f"that {host} offers STARTTLS with a certificate valid for that name."
        )
    return (
        f"Enable STARTTLS on the mail server with a certificate valid for {host} (e.g. "
        "Postfix: smtpd_tls_security_level = may)."
    )


async def _helo_fallback(
    conn: _Conn, probe: SmtpProbe, config: CheckConfig, ehlo_reply: str
) -> None:
    """EHLO was refused with 5xx: try HELO, as senders do (RFC 5321 §3.2, §4.1.4)."""
    code, lines = await conn.command(f"HELO {config.ehlo_name}")
    helo_reply = f"{code} {' '.join(lines)}"[:200]
    if code == 250:
        # Mail is accepted, but only as plain SMTP: no extensions, so no STARTTLS.
        probe.helo_only = True
        probe.problem = f"EHLO was answered {ehlo_reply}; only HELO was accepted"
    elif 400 <= code < 500:
        probe.error_kind = "temp-unavailable"
        probe.problem = f"EHLO was answered {ehlo_reply} and HELO {helo_reply}"
    else:
        # Both refused: most often our EHLO name or our address (checklist §0).
        probe.error_kind = "rejected"
        probe.problem = f"our EHLO was answered {ehlo_reply} and our HELO {helo_reply}"


@dataclass
class _Side:
    """Outcome of an extra handshake. `ok` is None when we never got as far as the handshake
    (421, rate limit, connection refused) or it did not finish in time: that says nothing
    about the property probed."""

    ok: bool | None = None
    chain: list[bytes] = field(default_factory=list)
    version: str = ""
    cipher: str = ""
    injected: bool | None = None
    # STARTTLS with a command pipelined behind it was answered 5xx (see SmtpProbe).
    refused_pipelining: bool = False
    # The handshake ended with a TLS alert from the server (not a hang-up or reset).
    alert: bool = False
    # The alert's name ("handshake_failure", "protocol_version"), when there was one.
    alert_name: str = ""
    # The server answered our ClientHello with a ServerHello (in this handshake or the one
    # _again_if_dropped tried before it): a hang-up after that is no refusal of what we offered.
    server_hello: bool = False
    # Turned away before the greeting: a 421 greeting, or the connection refused, reset or
    # closed before one (a server's limit on connections per client), while another of the
    # probe's extra handshakes had a connection open, or had just closed one (_Crowd.crowded):
    # tried once more alone (_retried_alone).
    crowded: bool = False
    # Turned away so (whether or not another connection was open): see `crowded`.
    turned_away: bool = False

    @property
    def dropped(self) -> bool:
        """The handshake ended with the connection closed or reset, without a TLS alert."""
        return self.ok is False and not self.alert


# TLS record content type and handshake message type of a ServerHello (RFC 8446 §5.1, §4).
_HANDSHAKE_RECORD = 22
_SERVER_HELLO = 2


def _watch_server_hello(context: ssl.SSLContext, side: _Side) -> None:
    """Note in `side.server_hello` whether the server answers our ClientHello, which tells a
    server hanging up on what we offered from one breaking mid-handshake. CPython's
    SSLContext._msg_callback (a debugging hook, there since 3.8) sees each handshake message;
    without it nothing is noted and a hang-up reads as one right after the ClientHello."""

    def seen(
        _conn: object, direction: str, _version: object, kind: int, message: int, _data: bytes
    ) -> None:
        if direction == "read" and kind == _HANDSHAKE_RECORD and message == _SERVER_HELLO:
            side.server_hello = True

    if hasattr(type(context), "_msg_callback"):
        context._msg_callback = seen  # type: ignore[attr-defined]


async def _again_if_dropped(session: Callable[[], Awaitable[_Side]]) -> _Side:
    """An extra handshake, tried once more when the server hung up (or reset the connection)
    during it without a TLS alert: servers do that when overloaded as well as when they have
    nothing to offer, so only a second hang-up in a row (or an alert) is taken as the answer.
    Two connections at most; a timeout or a refusal before the handshake is not retried."""
    side = await session()
    if side.dropped:
        again = await session()
        again.server_hello = again.server_hello or side.server_hello
        side = again
    return side


async def _side_session(
    ctx: CheckContext,
    probe: SmtpProbe,
    *,
    sni: str | None,
    legacy: bool,
    inject: bool,
    tls12: bool = False,
    rsa_only: bool = False,
    no_anon: bool = False,
    null_only: bool = False,
) -> _Side:
    """An extra handshake: without SNI (SMTP-13, carrying the SMTP-06 injection probe), with
    only TLS 1.0/1.1 (`legacy`) or only TLS 1.2 (`tls12`) allowed (SMTP-07), with only
    RSA-authenticated TLS 1.2 suites (`rsa_only`, a server's second certificate), or without
    anonymous suites (`no_anon`, the certificate of a server preferring them), or with
    NULL-encryption suites alone (`null_only`, a server that refused every other suite)."""
    out = _Side()
    session = _Session(probe, ctx.config, ctx)
    crowd = _crowd.get()
    try:
        conn = await session.open()
    except (OSError, TimeoutError, net.TargetRefused) as exc:
        if isinstance(exc, ConnectionError) and crowd is not None:
            out.turned_away, out.crowded = True, crowd.crowded()
        return out
    finally:
        _connected()
    mine = crowd.opening() if crowd is not None else None
    try:
        try:
            code, _ = await conn.reply("its greeting")
        except ConnectionError:  # closed or reset before any greeting (_Closed too)
            code = 421
        if code == 421:
            out.turned_away = True
            out.crowded = crowd is not None and mine is not None and crowd.had_company(mine)
            return out
        if code != 220:
            return out
        code, _ = await conn.command(f"EHLO {ctx.config.ehlo_name}")
        if code != 250:
            return out
        if inject:
            # CVE-2011-0411 class: a command pipelined in the same packet as STARTTLS must be
            # discarded, not executed inside TLS (RFC 3207 §4.2).
            conn.writer.write(b"STARTTLS\r\nNOOP\r\n")
            await asyncio.wait_for(conn.writer.drain(), conn.timeout)
            code, _ = await conn.reply("its reply to our STARTTLS")
            if 500 <= code < 600:
                # RFC 2920 §3.1: STARTTLS must end a pipelined group. Postfix >= 3.9 and Exim
                # refuse the violation (and hang up): protected against the injection, and
                # the handshake without SNI is still to be tried, without the NOOP.
                out.injected, out.refused_pipelining = False, True
                return out
        else:
            code, _ = await conn.command("STARTTLS")
        if code != 220:
            return out
        # A line sent behind the 220 is not the injected NOOP's answer inside TLS (s47j).
        await conn.discard_plaintext()
        context = _client_context(
            legacy_only=legacy,
            tls12_only=tls12,
            rsa_only=rsa_only,
            no_anon=no_anon,
            null_only=null_only,
        )
        _watch_server_hello(context, out)
        try:
            await conn.start_tls(context, sni)
        except (ssl.SSLError, OSError, TimeoutError, ConnectionError) as exc:
            # A handshake that did not finish in time says nothing about SNI or old TLS
            # versions (slow is not broken, checklist §0): untested, not refused.
            out.ok = None if _handshake_timed_out(exc) else False
            out.alert = isinstance(exc, ssl.SSLError) and not isinstance(exc, ssl.SSLEOFError)
            if isinstance(exc, ssl.SSLError):
                out.alert_name = net.tls_alert_name(exc)
            return out
        obj = conn.ssl_object()
        if obj is None:
            out.ok = False
            return out
        out.ok = True
        out.chain = certs.peer_chain(obj)
        out.version = obj.version() or ""
        cipher = obj.cipher()
        out.cipher = cipher[0] if cipher else ""
        if inject:
            # A vulnerable server answers the injected NOOP too: count replies until QUIT's 221.
            with contextlib.suppress(Exception):
                await conn.send(f"EHLO {ctx.config.ehlo_name}")
                await conn.reply("its reply to our EHLO")
                await conn.send("QUIT")
                extra = 0
                for _ in range(3):
                    code, _ = await conn.reply()
                    if code == 221:
                        break
                    extra += 1
                out.injected = extra > 0
        else:
            with contextlib.suppress(Exception):
                await conn.command("QUIT")
        return out
    except (TimeoutError, ConnectionError, OSError, _ProtocolError):
        return out
    finally:
        try:
            await conn.close()
        finally:
            if crowd is not None:
                crowd.closed()


def _handshake_timed_out(exc: BaseException) -> bool:
    """asyncio aborts a handshake past ssl_handshake_timeout with ConnectionAbortedError."""
    return isinstance(exc, TimeoutError) or (
        isinstance(exc, ConnectionAbortedError) and "taking longer" in str(exc)
    )


def _no_alert(exc: BaseException) -> bool:
    """The peer hung up mid-handshake without a TLS alert."""
    if isinstance(exc, ssl.SSLError):
        reason = exc.reason or ""
        return isinstance(exc, ssl.SSLEOFError) or reason.startswith("UNEXPECTED_EOF")
    return isinstance(exc, ConnectionError)


_HUNG_UP = "the server closed the connection without a TLS alert"


def _describe(exc: BaseException) -> str:
    """A plain description of why a connection or TLS handshake ended."""
    if isinstance(exc, ssl.SSLError):
        reason = exc.reason or ""
        if alert := net.tls_alert_text(exc):
            return alert
        if reason == "WRONG_VERSION_NUMBER":
            return (
                "the server did not answer in TLS after accepting STARTTLS (wrong version number)"
            )
        if _no_alert(exc):
            return _HUNG_UP
        return reason or str(exc)
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, ConnectionError) and not str(exc):
        # asyncio reports a peer that hung up mid-handshake as a bare ConnectionResetError().
        return _HUNG_UP
    return str(exc) or type(exc).__name__


# Set by a part of _staggered while it runs: called once its first connection is open (or failed
# to open), which lets the next part begin.
_on_connected: contextvars.ContextVar[Callable[[], None] | None] = contextvars.ContextVar(
    "_on_connected", default=None
)


def _connected() -> None:
    """Tell _staggered that the running part's connection is open (or will not be)."""
    signal = _on_connected.get()
    if signal is not None:
        signal()


# A server counts a connection of ours until it has noticed the end of it (Postfix's anvil is
# told by the smtpd process, Exim's daemon when it reaps the child): one closed less than this
# long before another opened may still have been counted against it (_Crowd.had_company), and a
# retry alone waits until this long after the last close (_retried_alone).
_SETTLE_SECONDS = 0.25


class _Crowd:
    """The parts of one _staggered run: how many of their connections are open, and which
    parts are still running (`busy`), so that a handshake a server turned away because of
    the others (a cap on connections per client at once: Postfix
    smtpd_client_connection_count_limit, Exim smtp_accept_max_per_host) is tried once more
    alone, after them (_retried_alone)."""

    def __init__(self, parts: int, until: float) -> None:
        self.busy = parts  # parts neither finished nor waiting for their turn alone
        self.open = 0
        self.opened = 0
        self.last_closed = -math.inf  # when a connection of ours last closed (monotonic)
        self.until = until  # the probe's budget for optional questions ends (monotonic)
        # A retry alone was turned away too: the server refuses us, not our crowd.
        self.refused_alone = False
        self._waiting: set[int] = set()  # the parts waiting for their turn alone
        self._changed = asyncio.Event()

    def crowded(self) -> bool:
        """Another connection of ours is open, or closed too lately to be sure the server
        has noticed."""
        return self.open > 0 or time.monotonic() - self.last_closed < _SETTLE_SECONDS

    def opening(self) -> tuple[bool, int]:
        """A part's connection opened: whether it was crowded then, and its number."""
        crowded = self.crowded()
        self.open += 1
        self.opened += 1
        return crowded, self.opened

    def had_company(self, mine: tuple[bool, int]) -> bool:
        """This connection was crowded when it opened, or another opened since."""
        crowded, number = mine
        return crowded or self.opened > number

    def closed(self) -> None:
        self.open -= 1
        self.last_closed = time.monotonic()

    def done(self) -> None:
        self.busy -= 1
        self._changed.set()

    async def wait_alone(self, part: int) -> None:
        """Wait until every other part has finished or waits as well, then go, in the order
        of the parts (the order the server first saw them in), one at a time: the others
        wait until this part has finished."""
        self.done()
        self._waiting.add(part)
        try:
            while self.busy or min(self._waiting) != part:
                self._changed.clear()
                await self._changed.wait()
        finally:
            self._waiting.discard(part)
            self.busy += 1


# Set by each part of _staggered while it runs: its run's _Crowd and its place among the parts.
_crowd: contextvars.ContextVar[_Crowd | None] = contextvars.ContextVar("_crowd", default=None)
_part: contextvars.ContextVar[int] = contextvars.ContextVar("_part", default=0)


def _retried_alone(
    session: Callable[[], Awaitable[_Side]],
) -> Callable[[], Awaitable[_Side]]:
    """`session` (one extra handshake), tried once more if the server turned it away before
    its greeting while another of the probe's handshakes was connected (_Side.crowded): after
    the other parts of _staggered have finished, alone, and only within the probe's budget for
    optional questions (TLS12_QUESTION_WITHIN), which also cuts the retry short: an answer
    not in by then is "not tested", as before, never a refusal. No retry once a retry alone
    was turned away as well (the server then refuses us whatever else is open: lab f34); so a
    server that never turns a handshake away sees no connection more."""

    async def attempt() -> _Side:
        side = await session()
        crowd = _crowd.get()
        if crowd is None or not side.crowded or crowd.refused_alone:
            return side
        left = crowd.until - time.monotonic()
        if left <= 0:
            return side
        try:
            async with asyncio.timeout(left):
                await crowd.wait_alone(_part.get())
                if crowd.refused_alone:  # an earlier part's retry alone was refused
                    return side
                await asyncio.sleep(crowd.last_closed + _SETTLE_SECONDS - time.monotonic())
                again = await session()
        except TimeoutError:
            return side
        if again.turned_away:
            crowd.refused_alone = True
        return again

    return attempt


async def _staggered(parts: list[Callable[[], Awaitable[None]]], until: float) -> None:
    """Run `parts` at once, but begin each only after the one before it has opened its first
    connection (or finished without one, its answer shared from an earlier name on the same
    address): they wait for their greetings together, while the server sees our connections
    arrive in the order of `parts`, as when they ran one after another. A handshake turned
    away because of the others is tried once more alone before `until` (_retried_alone).
    One raising cancels the others, and its exception is raised as it is (not in an
    ExceptionGroup)."""
    crowd = _Crowd(len(parts), until)

    async def run(index: int, part: Callable[[], Awaitable[None]], opened: asyncio.Event) -> None:
        _on_connected.set(opened.set)  # this task's own context (a copy)
        _crowd.set(crowd)
        _part.set(index)
        try:
            await part()
        finally:
            opened.set()
            crowd.done()

    try:
        async with asyncio.TaskGroup() as group:
            for index, part in enumerate(parts):
                opened = asyncio.Event()
                group.create_task(run(index, part, opened))
                await opened.wait()
    except BaseExceptionGroup as failed:
        raise failed.exceptions[0] from None


async def _run_probe(ctx: CheckContext, host: str, address: str) -> SmtpProbe:
    probe = SmtpProbe(host=host, address=address, port=ctx.config.smtp_port)
    try:
        net.guard(address, ctx.config)
    except (net.TargetRefused, ValueError) as exc:
        probe.error_kind, probe.problem = "guard", str(exc)
        return probe
    began_waiting = time.monotonic()
    async with ctx.connections:
        # The probe's clock starts once it holds a slot under the run's connection cap: the
        # wait for one is our own queue, and counted against the optional questions' budget
        # (TLS12_QUESTION_WITHIN) it left them "could not be tested" in a busy batch. Only
        # up to a bound (clock_start), so a long wait cannot carry the mechanism past its limit.
        held = time.monotonic()
        started = clock_start(began_waiting, ctx.config.timeout)
        await _main_session(ctx, probe)
        if probe.retry_handshake:
            # Once more before taking it as the answer: a server that hangs up on every
            # handshake fails (a timeout twice stays "could not check"); one that completes
            # the second, or answers with a TLS alert, is judged by that session.
            again = SmtpProbe(host=host, address=address, port=ctx.config.smtp_port)
            await _main_session(ctx, again)
            if again.retry_handshake:
                # Faulty twice. Two hang-ups, refusals or 454s to STARTTLS are the server's
                # answer (fail); a timeout, a 421, or a 4xx after the handshake in either try
                # keeps it "could not check".
                both = probe.connections + again.connections
                if again.problem == probe.problem:
                    probe.problem += " (twice in a row)"
                else:
                    first = probe.problem
                    if again.could_not_check and not probe.could_not_check:
                        probe = again
                    probe.problem = f"{first}; tried again, {again.problem}"
                probe.connections = both
            else:
                again.connections += probe.connections
                probe = again
    if not probe.tls_ok and probe.error_kind == "tls-handshake" and probe.suites_refused:
        # No suite of ours was taken: NULL encryption may be all the server offers.
        await _null_question(ctx, probe, started)
    if probe.tls_ok and not probe.chain_der:
        # An anonymous suite: ask as senders that authenticate do, before the chain is judged.
        await _certificate_question(ctx, probe, started)
    if probe.tls_ok:
        _analyse_chain(ctx.config, probe)
        probe.max_tls_version = probe.tls_version
        accepted = {probe.tls_version}
        sni = None if certs.is_ip_literal(host) else host
        # The extra handshakes (without SNI, old TLS, TLS 1.2 alone, then RSA alone) do not
        # depend on each other's answers, save the RSA one on the TLS 1.2 one: they run at
        # once, each opening its connection after the one before it has connected (_staggered),
        # so a server that makes every client wait for its greeting (a postscreen-style delay)
        # costs one wait for them, not four, and one counting our connections (f34: 421 after
        # two) still sees them in the order it always did. Each is asked only when it was
        # before, and as often: no connection more, save that one a server turned away
        # because of the others (a cap on connections at once) is tried once more alone
        # after them, within the probe's budget (_retried_alone).

        async def no_sni_part() -> None:
            # Without SNI, the server must still complete the handshake (RFC 8461 §7.1).
            side = await _no_sni_side(ctx, probe)
            probe.no_sni_ok = side.ok
            # Anonymous again without SNI (no certificate either way): nothing to compare.
            probe.no_sni_same_cert = (
                (side.chain[:1] == probe.chain_der[:1]) if side.ok and side.chain else None
            )
            probe.injection_vulnerable = side.injected
            probe.injection_refused = side.refused_pipelining

        async def legacy_part() -> None:
            # Only worth a connection when the server prefers a modern version anyway.
            if probe.tls_version in LEGACY_TLS:
                probe.legacy_checked = True
                return

            async def legacy_session() -> _Side:
                async with ctx.connections:
                    return await _side_session(ctx, probe, sni=sni, legacy=True, inject=False)

            # Which protocol versions a server accepts is a property of the server (address),
            # not of the name we reached it by: once per address and run.
            legacy = await ctx.once(
                f"smtp-side:legacy:{address}:{probe.port}", _retried_alone(legacy_session)
            )
            probe.legacy_checked = legacy.ok is not None
            if legacy.ok and legacy.version:
                accepted.add(legacy.version)
                probe.legacy_cipher = legacy.cipher

        async def tls12_then_rsa_part() -> None:
            spent = time.monotonic() - started
            if (
                probe.tls_version == "TLSv1.3"
                and spent < TLS12_QUESTION_WITHIN * ctx.config.timeout
            ):
                # RFC 8461 §7.2 asks for "TLS version 1.2 or higher", so TLS 1.3 alone meets
                # it; but it says to follow BCP 195, whose "MUST support TLS 1.2" (RFC 7525
                # and RFC 9325 §3.1.1) is what lets senders without TLS 1.3 (OpenSSL 1.0.2,
                # Schannel before Windows Server 2022) use TLS at all. A server that picked
                # 1.3 says nothing of 1.2, hence this one handshake, only then, once per
                # address and run like the others.

                async def tls12_session() -> _Side:
                    async with ctx.connections:
                        return await _side_session(
                            ctx, probe, sni=sni, legacy=False, inject=False, tls12=True
                        )

                async def tls12_twice() -> _Side:
                    # A hang-up or reset is not a refusal unless it happens again: only a TLS
                    # alert (or two dropped handshakes) says TLS 1.2 is refused.
                    return await _again_if_dropped(_retried_alone(tls12_session))

                tls12 = await ctx.once(f"smtp-side:tls12:{address}:{probe.port}", tls12_twice)
                # ok is None when the handshake was never reached or did not finish in time.
                probe.tls12_accepted = None if tls12.ok is None else tls12.version == "TLSv1.2"
                if probe.tls12_accepted:
                    accepted.add("TLSv1.2")  # the evidence lists every version a handshake showed
                    probe.tls12_cipher = tls12.cipher
            # Last, as the optional questions are: the RSA handshake is asked in TLS 1.2,
            # and not at all when the server refused TLS 1.2 (SmtpProbe.refuses_tls12).
            await _rsa_certificate(ctx, probe, started)

        until = started + TLS12_QUESTION_WITHIN * ctx.config.timeout
        await _staggered([no_sni_part, legacy_part, tls12_then_rsa_part], until)
        if probe.rsa_cert in {"same", "other"}:
            accepted.add("TLSv1.2")
        probe.tls_versions_accepted = sorted(accepted, key=_version_rank)
    probe.elapsed_ms = round((time.monotonic() - held) * 1000, 1)  # the probe's own time
    return probe


async def _no_sni_side(ctx: CheckContext, probe: SmtpProbe) -> _Side:
    """The handshake without SNI (SMTP-13), offering every suite (aNULL too) and carrying the
    SMTP-06 injection probe. It cannot depend on which MX name led us to this address, so it
    is done once per address and run: 20 MX names on one server cost one such connection.
    The certificate question uses it as its control (_certificate_question)."""

    async def injecting() -> _Side:
        async with ctx.connections:
            return await _side_session(ctx, probe, sni=None, legacy=False, inject=True)

    async def plainly() -> _Side:
        async with ctx.connections:
            return await _side_session(ctx, probe, sni=None, legacy=False, inject=False)

    async def no_sni() -> _Side:
        side = await _retried_alone(injecting)()
        if side.ok is False or side.refused_pipelining:
            # The injection probe may have upset the server, or it refused the pipelined
            # STARTTLS outright: retry plainly once, keeping what the injection probe learnt.
            refused = side.refused_pipelining
            side = await _retried_alone(plainly)()
            # The 5xx was about the pipelining only if STARTTLS alone was taken: a server
            # refusing every STARTTLS now (out of sessions) proved nothing.
            if refused and side.ok is not None:
                side.injected, side.refused_pipelining = False, True
        return side

    return await ctx.once(f"smtp-side:nosni:{probe.address}:{probe.port}", no_sni)


# The TLS alerts by which a server refuses every suite we offer: OpenSSL's "no shared
# cipher" is handshake_failure; insufficient_security is "none strong enough".
_NO_SHARED_SUITE = {"handshake_failure", "insufficient_security"}


async def _certificate_question(ctx: CheckContext, probe: SmtpProbe, started: float) -> None:
    """The first handshake got an anonymous suite and no certificate: ask once more offering
    every suite but the anonymous ones, as MTA-STS and DANE senders do (SmtpProbe.anon_cert).

    Like the RSA question: within the probe's TLS12_QUESTION_WITHIN budget, through
    ctx.connections, and a question without an answer is 'untested', never a fail. Asked
    once per address first (tried once more on a hang-up, _again_if_dropped), with the SNI
    of the first MX name that needs it: a refusal (or no answer) is the server's, whatever
    the name, and holds for every name on that address, as the no-SNI and old-TLS answers
    do (six names on an anonymous-only server cost two such connections, not twelve, and a
    server limiting connections per client does not turn the later names into 421). Only
    when a certificate came back is each other name asked for its own (the certificate a
    server presents may depend on SNI, and an anonymous first handshake shows none by which
    names could be told to share it), once and without the retry: a hang-up then is
    'untested'. Its certificate then is the probe's chain, so the RSA question that follows
    asks once at most, offering RSA suites alone (no aNULL in them)."""
    if time.monotonic() - started >= TLS12_QUESTION_WITHIN * ctx.config.timeout:
        probe.anon_cert = "untested"
        return
    sni = None if certs.is_ip_literal(probe.host) else probe.host

    async def session() -> _Side:
        async with ctx.connections:
            return await _side_session(
                ctx, probe, sni=sni, legacy=False, inject=False, no_anon=True
            )

    async def for_the_address() -> tuple[_Side, str | None]:
        return await _again_if_dropped(session), sni

    side, asked = await ctx.once(f"smtp-side:noanon:{probe.address}:{probe.port}", for_the_address)
    retried = True
    if asked != sni and side.ok and side.chain:
        side = await ctx.once(f"smtp-side:noanon:{probe.address}:{probe.port}:{sni}", session)
        retried = False
    if side.ok and side.chain:
        probe.anon_cert = "other"
        probe.chain_der = list(side.chain)  # the handshake is shared: a list of our own
        probe.cert_cipher, probe.cert_version = side.cipher, side.version
        return
    # Only the server refusing every suite with a certificate says it has none to present:
    # an alert saying so, or (asyncio servers such as aiosmtpd) a hang-up right after our
    # ClientHello twice, from a server that still completes a handshake offering aNULL right
    # after. A server that serves one session and drops the later ones after STARTTLS (a
    # session limit, a restarting worker) hangs up just the same; the handshake without SNI,
    # offering aNULL, is then asked (it is due anyway, once per address) and tells the two
    # apart. A timeout, a refusal before the handshake, or no control says nothing.
    refused = side.ok is False and side.alert_name in _NO_SHARED_SUITE
    hung_up = retried and side.dropped and not side.server_hello
    if hung_up:
        hung_up = (await _no_sni_side(ctx, probe)).ok is True
    probe.anon_cert = "none" if refused or hung_up else "untested"


async def _null_question(ctx: CheckContext, probe: SmtpProbe, started: float) -> None:
    """The handshake failed as it does when no suite is shared (SmtpProbe.suites_refused):
    ask once more offering the NULL-encryption suites alone, which our first offer ('ALL')
    leaves out, so that SMTP-08 can say the server takes only suites that do not encrypt
    (RFC 9325 §4.1: they MUST NOT be negotiated). Which suites a server takes is a property
    of the address: once per address and run, within the probe's TLS12_QUESTION_WITHIN
    budget, through ctx.connections and the SSRF guard as every probe. No answer, a refusal
    or a suite that is not a NULL one leaves null_cipher empty: SMTP-04's failure stands
    alone, as before."""
    if time.monotonic() - started >= TLS12_QUESTION_WITHIN * ctx.config.timeout:
        return
    sni = None if certs.is_ip_literal(probe.host) else probe.host

    async def session() -> _Side:
        async with ctx.connections:
            return await _side_session(
                ctx, probe, sni=sni, legacy=False, inject=False, null_only=True
            )

    side = await ctx.once(f"smtp-side:null:{probe.address}:{probe.port}", session)
    if side.ok and "NULL" in side.cipher.upper():
        probe.null_cipher = side.cipher


async def _rsa_certificate(ctx: CheckContext, probe: SmtpProbe, started: float) -> None:
    """Ask once more as a sender that verifies only RSA, when the first leaf is not RSA (see
    SmtpProbe.rsa_cert). One connection per first certificate an MX address showed, only then,
    and only while the probe has spent under TLS12_QUESTION_WITHIN timeouts: a question left
    unasked is 'untested'."""
    if probe.leaf is None or probe.leaf.key_type in {"RSA", ""}:
        return
    if (
        probe.refuses_tls12
        or time.monotonic() - started >= TLS12_QUESTION_WITHIN * ctx.config.timeout
    ):
        probe.rsa_cert = "untested"
        return
    sni = None if certs.is_ip_literal(probe.host) else probe.host

    async def rsa_session() -> _Side:
        async with ctx.connections:
            return await _side_session(
                ctx, probe, sni=sni, legacy=False, inject=False, rsa_only=True
            )

    async def rsa_twice() -> _Side:
        # As for the TLS 1.2 question: a hang-up is asked once more before it counts.
        return await _again_if_dropped(_retried_alone(rsa_session))

    # A server may choose its certificates by SNI, so each name could have an RSA certificate
    # of its own; but names whose first handshake got the very same leaf are served by key
    # type, not by name, and the RSA answer for one is the answer for all. Like the no-SNI and
    # old-TLS handshakes, once per run for them: 20 MX names on one server (which rate-limits
    # connections per client) cost one RSA handshake, not 20. Each name still judges the
    # certificate that came back for itself (_analyse_chain below: name, chain).
    first = hashlib.sha256(probe.chain_der[0]).hexdigest()
    side = await ctx.once(f"smtp-side:rsa:{probe.address}:{probe.port}:{first}", rsa_twice)
    if not side.ok:
        # An alert to RSA suites alone is the server's answer that it has no RSA certificate
        # (OpenSSL: handshake_failure, "no shared cipher"); protocol_version says only that it
        # has no TLS 1.2 to ask with. A timeout, a refusal before the handshake (421, 454 to
        # STARTTLS, connection refused) or no time left says nothing (checklist §0).
        alerted = side.ok is False and side.alert_name not in {"", "protocol_version"}
        # Asyncio servers (aiosmtpd) and some appliances hang up on a ClientHello they cannot
        # serve instead of alerting. Twice in a row, with no ServerHello, from a server whose
        # TLS 1.2 handshakes complete (its first, or the TLS 1.2 question's), that is the same
        # answer: senders offering only RSA cannot use TLS there either.
        takes_tls12 = probe.tls_version == "TLSv1.2" or probe.tls12_accepted is True
        hung_up = side.dropped and not side.server_hello and takes_tls12
        probe.rsa_cert = "none" if alerted or hung_up else "untested"
        return
    if side.chain[:1] == probe.chain_der[:1]:
        probe.rsa_cert = "same"
        return
    variant = replace(
        probe,
        tls_version=side.version,
        cipher=side.cipher,
        cipher_bits=None,
        chain_der=list(side.chain),  # the handshake may be shared: a list of this probe's own
        leaf=None,
        chain=[],
        verify_ok=False,
        verify_error=None,
        verify_detail="",
        expired_ca="",
        stale_ca_state="",
        stale_ca_too="",
        stale_ca_too_state="",
        short_ca="",
        name_ok=False,
        chain_complete=True,
        rsa_cert="",
        rsa_variant=None,
    )
    _analyse_chain(ctx.config, variant)
    probe.rsa_cert, probe.rsa_variant = "other", variant


def _analyse_chain(config: CheckConfig, probe: SmtpProbe) -> None:
    if not probe.chain_der:
        probe.verify_error, probe.verify_detail = "invalid", "the server sent no certificate"
        return
    probe.leaf = certs.cert_facts(probe.chain_der[0])
    probe.chain = [certs.cert_facts(der) for der in probe.chain_der]
    result = certs.verify_chain(probe.chain_der, probe.host, config.ca_bundle)
    probe.verify_ok = result.ok
    probe.verify_error = result.error
    probe.verify_detail = result.detail
    probe.expired_ca = result.expired_ca
    probe.stale_ca_state = result.stale_ca_state
    probe.stale_ca_too, probe.stale_ca_too_state = result.stale_ca_too, result.stale_ca_too_state
    probe.short_ca = result.short_ca
    # SMTP-11 / MTA-STS: a SAN DNS-ID must match (RFC 8461 §4.2); a CN-only certificate does not.
    probe.name_ok = certs.san_matches(probe.chain_der[0], probe.host)
    probe.chain_complete = result.complete


# --------------------------------------------------------------------------------------------
# Sharing: once per run, one probe at a time per server, a short cross-domain cache

_CACHE_MAX = 2048
_cache: OrderedDict[tuple[Any, ...], tuple[float, SmtpProbe]] = OrderedDict()
_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Lock]] = (
    weakref.WeakKeyDictionary()
)
# Transient outcomes are not worth keeping: the next check should try again.
_UNCACHED = {"timeout", "temp-unavailable", "network", "no-route", "rejected", "closed"}


class SharedProbes(Protocol):
    """Probe results and turns at each server shared by every process that checks (the
    Celery workers install one, mailsec/celery.py): without it the cache and the
    one-probe-per-server rule hold within one process only, and N worker processes
    checking domains of one provider probe its MX N times at once."""

    def get(self, key: str) -> SmtpProbe | None: ...

    def put(self, key: str, probe: SmtpProbe, ttl: float) -> None: ...

    def turn(self, address: str) -> contextlib.AbstractAsyncContextManager[None]: ...


shared_probes: SharedProbes | None = None


def _cache_key(config: CheckConfig, host: str, address: str) -> tuple[Any, ...]:
    return (
        address,
        host,
        config.smtp_port,
        config.ca_bundle,
        config.ehlo_name,
        config.allow_private_targets,
    )


def _cache_get(key: tuple[Any, ...], ttl: float) -> SmtpProbe | None:
    item = _cache.get(key)
    if item is None:
        return None
    stored, probe = item
    if time.monotonic() - stored > ttl:
        _cache.pop(key, None)
        return None
    return probe


def _cache_put(key: tuple[Any, ...], probe: SmtpProbe) -> None:
    _cache[key] = (time.monotonic(), probe)
    _cache.move_to_end(key)
    while len(_cache) > _CACHE_MAX:
        _cache.popitem(last=False)


def clear_cache() -> None:
    _cache.clear()


def _lock_for(address: str) -> asyncio.Lock:
    # asyncio locks belong to one event loop; keep one table per loop (tests run many loops).
    loop = asyncio.get_running_loop()
    table = _locks.get(loop)
    if table is None:
        table = {}
        _locks[loop] = table
    lock = table.get(address)
    if lock is None:
        lock = table[address] = asyncio.Lock()
    return lock


async def _shared_probe(ctx: CheckContext, host: str, address: str) -> SmtpProbe:
    key = _cache_key(ctx.config, host, address)
    ttl = ctx.config.probe_cache_seconds
    cached = _cache_get(key, ttl) if ttl > 0 else None
    if cached is not None:
        return _as_cached(cached)
    # One probe at a time per server (the address we connect to): a provider MX serving many
    # of our customers must not see a burst of parallel probes from us. Within the probe, the
    # main session goes alone, then at most three extra handshakes at once (_staggered).
    async with _lock_for(address):
        cached = _cache_get(key, ttl) if ttl > 0 else None
        if cached is not None:
            return _as_cached(cached)
        shared = shared_probes
        if shared is None:
            probe = await _run_probe(ctx, host, address)
        else:
            shared_key = repr(key)
            async with shared.turn(address):
                cached = shared.get(shared_key) if ttl > 0 else None
                if cached is not None:
                    return _as_cached(cached)
                probe = await _run_probe(ctx, host, address)
                if ttl > 0 and probe.error_kind not in _UNCACHED:
                    shared.put(shared_key, probe, ttl)
        if ttl > 0 and probe.error_kind not in _UNCACHED:
            _cache_put(key, probe)
        return probe


def _as_cached(probe: SmtpProbe) -> SmtpProbe:
    return replace(probe, cached=True)


# At most this many (MX host, address) pairs are probed per check, in MX preference order. Senders
# stop far earlier (Postfix: smtp_mx_address_limit = 5), and a domain with 20 MX names on one
# server must not make us open dozens of connections to it. Five MX hosts with IPv4 and IPv6
# (Google Workspace) still fit.
MAX_PROBED_ADDRESSES = 12


async def probe_plan(ctx: CheckContext) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The (host, address) pairs STARTTLS, MTA-STS and DANE probe, and those left out."""
    from checks import mx

    mxset = await mx.get_mx(ctx)
    pairs = [(h.name, a) for h in mxset.hosts if not h.is_ip_literal for a in h.addresses]
    return pairs[:MAX_PROBED_ADDRESSES], pairs[MAX_PROBED_ADDRESSES:]


async def probe_mx(ctx: CheckContext, host: str, address: str) -> SmtpProbe:
    """Probe one MX host at one address (shared by SMTP, MTA-STS and DANE checks)."""
    host = normalize(host)
    return await ctx.once(f"smtp-probe:{host}:{address}", lambda: _shared_probe(ctx, host, address))


def unresolved_probe(host: str, problem: str, port: int = 25) -> SmtpProbe:
    """A probe record for an MX host whose addresses could not be looked up."""
    return SmtpProbe(host=normalize(host), address="", port=port, error_kind="dns", problem=problem)


# --------------------------------------------------------------------------------------------
# SMTP-01..18 (checklist §9)

_WEAK_CIPHER_MARKERS = ("RC4", "DES-CBC3", "3DES", "NULL", "EXP", "ADH", "AECDH", "MD5")
# What an anonymous (aNULL) suite's name holds, in OpenSSL's names (ADH-AES256-GCM-SHA384,
# AECDH-AES128-SHA) and the IANA ones (TLS_DH_anon_WITH_AES_128_CBC_SHA). SMTP-08 and DANE-14
# both read suites by it.
_ANONYMOUS_MARKERS = ("ADH", "AECDH", "ANON")


def is_anonymous_suite(cipher: str) -> bool:
    """The suite authenticates no server: no certificate comes with it (RFC 5246 §7.4.2)."""
    return any(m in cipher.upper() for m in _ANONYMOUS_MARKERS)


def tls12_anonymous(p: SmtpProbe) -> str:
    """The anonymous suite a server gave our TLS 1.2 handshake, offering every suite, when its
    first handshake (TLS 1.3, which has no anonymous suites) brought a certificate: senders
    without TLS 1.3 that offer both kinds get no certificate (RFC 7672 §8.2: a server should
    not select an anonymous suite when the client offers authenticated ones). '' otherwise."""
    anonymous = is_anonymous_suite(p.tls12_cipher)
    return p.tls12_cipher if anonymous and p.chain_der and p.tls_version == "TLSv1.3" else ""


_WEAK_SIG_HASHES = {"sha1", "md5"}


@dataclass
class _Context:
    """What decides severities: is the domain under MTA-STS, and which hosts have DANE."""

    sts_mode: str | None = None
    sts_usable: bool = False
    patterns: list[str] = field(default_factory=list)
    dane_hosts: set[str] = field(default_factory=set)

    @property
    def testing(self) -> bool:
        # RFC 8461 §5: under testing, senders validate and report failures, but "messages may
        # be delivered as though there were no MTA-STS validation failure".
        return self.sts_usable and self.sts_mode == "testing"

    @property
    def enforce(self) -> bool:
        return self.sts_usable and self.sts_mode == "enforce"


async def _policy_context(ctx: CheckContext, hosts: list[str]) -> _Context:
    from checks import dane, mtasts

    out = _Context()
    state = await mtasts.get_policy(ctx)
    out.sts_mode = state.mode
    out.sts_usable = state.usable
    out.patterns = list(state.patterns)

    states = await asyncio.gather(*(dane.get_tlsa(ctx, h) for h in hosts))
    # TLS is mandatory for DANE senders wherever secure TLSA records are published, usable
    # or not (s41d-unusablenotls); authentication only where one is usable.
    out.dane_hosts = {st.host for st in states if st.requires_tls}
    return out


def _alias_fix(
    mxset: MxSet | None,
    host: Any,
    p: SmtpProbe | None,
    policy: _Context,
    ctx: CheckContext | None = None,
) -> str:
    """SMTP-11's fix when the MX name is an alias (MX-04) of a server whose certificate names
    the alias's target (a hoster's shared server): the MX pointed at that name, listed in the
    policy first when senders apply one, as MTASTS-32 says it (mtasts.alias_certificate_fix);
    '' otherwise. Under mode none no sender matches the policy's mx patterns (RFC 8461 §5),
    so only the MX record changes."""
    from checks import dane, mtasts

    if p is None or mxset is None or not getattr(host, "cname_target", None):
        return ""
    applies = policy.sts_usable and policy.sts_mode in {"enforce", "testing"}
    return mtasts.alias_certificate_fix(
        mxset, host, p, policy.patterns if applies else None, dane.known_tlsa(ctx, host.name)
    )


def _pattern_matches(pattern: str, host: str) -> bool:
    from checks import mtasts

    return mtasts.policy_matches(pattern, host)


def _dane_ok(ctx: CheckContext, probe: SmtpProbe, dane_state: Any) -> bool:
    """Does a usable secure TLSA record authenticate this server? (RFC 7672 §3)."""
    return bool(dane_state is not None and dane_state.applies and dane_state.authenticates(probe))


async def evaluate(ctx: CheckContext) -> list[Finding]:
    from checks import dane, mx

    out = Collector(MECHANISM)
    mxset = await mx.get_mx(ctx)
    if mxset.failed:
        out.add(
            "SMTP-01",
            Status.ERROR,
            f"The MX records of {ctx.domain} could not be looked up "
            f"({mxset.answer.describe_failure()}), so the mail servers could not be tested.",
            subject=ctx.domain,
            evidence=mxset.answer.evidence(),
        )
        return out.findings
    if mxset.null_mx:
        out.add(
            "SMTP-01",
            Status.NA,
            f"{ctx.domain} publishes a null MX (it accepts no mail): STARTTLS does not apply.",
            subject=ctx.domain,
        )
        return out.findings
    hosts = [h for h in mxset.hosts if not h.is_ip_literal]
    policy = await _policy_context(ctx, [h.name for h in hosts])
    probes: list[tuple[Any, SmtpProbe]] = []
    jobs = []
    planned, skipped = await probe_plan(ctx)
    planned_set = set(planned)
    for host in hosts:
        if not host.addresses:
            if host.lookup_failed:
                problem = "; ".join(a.describe_failure() for a in host.answers if a.failed)
                probes.append((host, unresolved_probe(host.name, problem, ctx.config.smtp_port)))
            continue
        for address in host.addresses:
            if (host.name, address) in planned_set:
                jobs.append((host, address))
    if skipped:
        out.add(
            "SMTP-01",
            Status.INFO,
            f"{ctx.domain} lists {len(planned) + len(skipped)} MX addresses; the first "
            f"{len(planned)} in preference order were tested and {len(skipped)} were not "
            "(senders stop long before, and we limit connections to your servers).",
            subject=ctx.domain,
            evidence={"not_probed": [f"{h} [{a}]" for h, a in skipped]},
        )
    results = await asyncio.gather(*(probe_mx(ctx, h.name, a) for h, a in jobs))
    probes.extend((h, p) for (h, _), p in zip(jobs, results, strict=True))
    if not probes:
        # No MX host has an address to connect to (and no lookup merely failed): the domain
        # cannot receive mail at all. That is SMTP-01's fail, not "does not apply", which only
        # a null MX earns (RFC 7505); otherwise a dead MX would score better than a live one.
        # MX-03's signs that the domain sends: a null MX does not suit a domain that does.
        signs, _ = await mx.sending_signs(ctx)
        _no_address(out, ctx, mxset, signs)
    tlsa = {h.name: await dane.get_tlsa(ctx, h.name) for h in hosts}
    # MX-01's reading of a domain whose own address takes no mail (every probe has finished,
    # so its wait costs nothing here): SMTP-01's advice agrees with MX-01's.
    reading = await mx.no_mail_reading(ctx) if mxset.implicit else None
    _reachability(out, probes, ctx, mxset, reading)
    for host, probe in probes:
        if (probe.connected and not probe.could_not_check) or probe.ehlo_ok:
            _per_probe(out, host, probe, policy, tlsa.get(host.name), ctx, mxset)
    _requiretls(out, ctx, [probe for _, probe in probes if probe.ehlo_ok])
    _sts_patterns(out, hosts, policy)
    return out.findings


def _requiretls(out: Collector, ctx: CheckContext, greeted: list[SmtpProbe]) -> None:
    """SMTP-18 (info, checklist SMTP-18; RFC 8689): one line for the domain, over the MX
    addresses that accepted EHLO. Once per address it was true and said nothing to act on; the
    hosts that advertise it are what is worth reading. A host is named by its name, or by each
    address where its addresses differ."""
    if not greeted:
        return
    by_host: dict[str, list[SmtpProbe]] = {}
    for probe in greeted:
        by_host.setdefault(probe.host, []).append(probe)
    advertised: list[str] = []
    not_advertised: list[str] = []
    for host, host_probes in by_host.items():
        if len({p.requiretls for p in host_probes}) == 1:
            (advertised if host_probes[0].requiretls else not_advertised).append(host)
            continue
        for p in host_probes:
            (advertised if p.requiretls else not_advertised).append(f"{host} at {p.address}")
    if advertised and not_advertised:
        summary = (
            f"REQUIRETLS (RFC 8689) is advertised by {series(advertised)}; not by "
            f"{series(not_advertised, 'or')}."
        )
    elif advertised:
        summary = f"REQUIRETLS (RFC 8689) is advertised by {series(advertised)}."
    else:
        summary = f"REQUIRETLS (RFC 8689) is not advertised by {series(not_advertised, 'or')}."
    out.add(
        "SMTP-18",
        Status.INFO,
        summary,
        subject=ctx.domain,
        evidence={"advertised": advertised, "not_advertised": not_advertised},
    )


def _no_address(
    out: Collector, ctx: CheckContext, mxset: MxSet, sending_signs: list[str] | None = None
) -> None:
    """SMTP-01 fail: port 25 is reachable nowhere, because no MX host has an address. The null
    MX is offered only to a domain with no sign that it sends (`sending_signs`, mx's: DKIM
    keys, SPF authorising senders, BIMI): receivers may reject mail from a domain that says it
    receives none (RFC 7505 §4.2), and MX-01 and MX-03 tell such a domain to publish a real
    MX."""
    from checks import mx  # at run time, as evaluate does: mx imports starttls

    why = []
    # An IP address as MX target is MX-05's finding, which gives the records to publish.
    typed_ip = False
    for host in mxset.hosts:
        meant = mx.ip_with_zone_appended(host.name, ctx.domain, ctx.config.extra_public_suffixes)
        if host.names_as_numbers:
            # 1.2.3.4.5, 2130706433: numbers, but no IP address as written (MX-05 says so).
            typed_ip = True
            read = numbers_read_as(host.name.rstrip("."))
            why.append(
                f"{host.name} is no host name: its last label is all digits"
                f"{f', and {read}' if read else ''} (MX-05)"
            )
        elif host.is_ip_literal:
            typed_ip = True
            why.append(f"{host.name} is an IP address, not a host name (MX-05)")
        elif meant:
            typed_ip = True
            why.append(
                f"{host.name} is the IP address {meant} with the zone's name appended, not a "
                "host name (MX-05)"
            )
        elif host.bogus:
            why.append(
                f"the address records of {host.name} fail DNSSEC validation, so validating "
                "senders cannot resolve it"
            )
        else:
            why.append(f"{host.name} has no IPv4 or IPv6 address")
    lead = (
        f"{ctx.domain} has no MX record, and senders fall back to its own address, but"
        if mxset.implicit
        else "No MX host can be connected to:"
    )
    out.add(
        "SMTP-01",
        Status.FAIL,
        f"{lead} {'; '.join(why)}. There is no mail server to deliver to.",
        subject=", ".join(f"{h.name} [no address]" for h in mxset.hosts),
        evidence={"hosts": [h.evidence() for h in mxset.hosts]},
        fix=_no_address_fix(ctx.domain, sending_signs or [], "MX-05" if typed_ip else ""),
    )


def _no_address_fix(domain: str, sending_signs: list[str], see: str = "") -> str:
    """`see`: the finding that explains why no MX host has an address, when one does (MX-05
    for an IP address as MX target); otherwise MX-01 and MX-06."""
    from checks import mx  # at run time, as evaluate does: mx imports starttls

    publish = (
        "Publish an MX record naming a mail server with an A/AAAA record "
        f"(see {see or 'MX-01, MX-06'})"
    )
    if not sending_signs:
        return f"{publish}, or a null MX (MX 0 .) if the domain should receive no mail."
    return f"{publish}. {mx.not_a_null_mx(domain, sending_signs)}"


def _reachability(
    out: Collector,
    probes: list[tuple[Any, SmtpProbe]],
    ctx: CheckContext,
    mxset: Any = None,
    reading: Any = None,
) -> None:
    reached = [p for _, p in probes if p.connected]
    # The guard refuses non-public addresses (production): no sender on the internet can reach
    # them either, so that is the domain's failure, not our "could not check". When private
    # targets are allowed (the lab) the guard refuses nothing, and nothing here changes.
    # "No public address at all" is judged on the whole MX set, as MX-06 does: an address past
    # the probe limit, or a host whose lookup failed, may well be public.
    hosts = mxset.hosts if mxset is not None else []
    any_public = (
        any(net.is_public_address(a) for h in hosts for a in h.addresses)
        or any(h.lookup_failed for h in hosts)
        or any(net.is_public_address(p.address) for _, p in probes if p.address)
    )
    for host, p in probes:
        ev = p.facts()
        if p.error_kind == "guard" and net.non_public_kind(p.address):
            _unreachable_address(out, p, probes, any_public, ctx, host)
        elif p.error_kind == "no-route" and reached:
            # Other addresses were tested; this family simply is not reachable from here.
            out.add(
                "SMTP-01",
                Status.INFO,
                f"{p.host} [{p.address}] was not tested from here: {p.problem}.",
                subject=p.subject,
                evidence=ev,
            )
        elif p.error_kind == "dns":
            out.add(
                "SMTP-01",
                Status.ERROR,
                f"{p.host} was not tested: its addresses could not be looked up ({p.problem}).",
                subject=p.subject,
                evidence=ev,
            )
        elif p.error_kind in {"guard", "network", "no-route"}:
            out.add(
                "SMTP-01",
                Status.ERROR,
                f"{p.host} [{p.address}] was not tested: {p.problem}",
                subject=p.subject,
                evidence=ev,
            )
        elif p.error_kind == "refused":
            status = Status.WARN if reached else Status.FAIL
            out.add(
                "SMTP-01",
                status,
                f"{p.host} at {p.address} does not accept connections on port {p.port} "
                f"({p.problem}); senders cannot deliver to this address."
                + ("" if reached else " No MX address could be reached at all."),
                subject=p.subject,
                evidence=ev,
                # Another organisation's host: only its operator can open the port.
                fix=for_the_operator(
                    ctx, host, _refused_fix(p, mxset, reached=bool(reached), reading=reading)
                ),
            )
        elif p.error_kind == "timeout" and not p.connected:
            # A silent port 25 might be their filter or our network: only a warning when other
            # MX addresses answered us, otherwise we simply could not check.
            out.add(
                "SMTP-01",
                Status.WARN if reached else Status.ERROR,
                f"{p.host} at {p.address} did not answer on port {p.port} ({p.problem}).",
                subject=p.subject,
                evidence=ev,
            )
        elif p.error_kind == "temp-unavailable" and not _unfinished_in_tls(p):
            out.add(
                "SMTP-01",
                Status.ERROR,
                f"{p.host} at {p.address} is temporarily refusing connections ({p.problem}); "
                "STARTTLS could not be checked this time.",
                subject=p.subject,
                evidence=ev,
            )
        elif p.error_kind == "timeout" and not _unfinished_in_tls(p):
            # No greeting: no dialogue to speak of; the problem says what happened.
            during = "" if p.no_greeting else "during the SMTP dialogue "
            out.add(
                "SMTP-01",
                Status.ERROR,
                f"Could not check STARTTLS on {p.host} at {p.address} this time: {during}"
                f"{p.problem}.",
                subject=p.subject,
                evidence=ev,
            )
        elif p.error_kind == "rejected":
            out.add(
                "SMTP-01",
                Status.ERROR,
                f"{p.host} at {p.address} turned our checker away ({p.problem}), so STARTTLS "
                "could not be checked. Servers do this to single client addresses (an IP "
                "blocklist, a rate limit, an EHLO name they dislike); other senders may well "
                "be accepted.",
                subject=p.subject,
                evidence=ev,
            )
        elif p.error_kind == "closed":
            out.add(
                "SMTP-01",
                Status.ERROR,
                f"Could not check STARTTLS on {p.host} at {p.address} this time: {p.problem}.",
                subject=p.subject,
                evidence=ev,
            )
    unfinished = {"timeout", "temp-unavailable", "rejected", "closed"}
    good = [p for p in reached if p.error_kind not in unfinished or _unfinished_in_tls(p)]
    if good:
        out.add(
            "SMTP-01",
            Status.PASS,
            f"Port {ctx.config.smtp_port} answered on "
            f"{counted(len(good), 'MX address', 'MX addresses')}.",
            subject=", ".join(p.subject for p in good),
            evidence={"reached": [p.subject for p in good]},
        )


def _refused_fix(p: SmtpProbe, mxset: Any, *, reached: bool, reading: Any = None) -> str:
    """SMTP-01's fix for an address that refused the connection. Without an MX the address is
    the domain's own (RFC 5321 §5.1), most often its website's: removing it from DNS would take
    the website down and still leave the domain's mail nowhere to go. The null MX is offered
    only when MX-01 offers it (`reading`, an mx.NoMailReading whose advice is set: no address
    took mail and nothing says the domain sends); a domain that sends is told, as MX-01 tells
    it, to publish the MX of a server receiving its mail."""
    if mxset is None or not mxset.implicit:
        return (
            f"Open TCP port {p.port} on {p.address} for inbound mail, or remove the address "
            "from DNS."
        )
    domain = mxset.answer.name
    keep = f"Keep the address {p.address} in DNS: without an MX it is {domain}'s own address."
    if reached or reading is None or reading.advice is None:
        return (
            f"{keep} Open TCP port {p.port} on {p.address} for inbound mail, or publish an MX "
            f"record naming the server that receives {domain}'s mail (see MX-01)."
        )
    return (
        f"{keep} {domain} looks like a domain that receives no mail: if so, publish a null MX "
        f"({domain}. MX 0 .) with the SPF and DMARC records MX-01 gives. If it should "
        f"receive mail, publish an MX record naming the server that receives it (see MX-01), "
        f"or open TCP port {p.port} on {p.address} for inbound mail."
    )


def _unfinished_in_tls(p: SmtpProbe) -> bool:
    """A timeout or a temporary refusal once STARTTLS was answered (a 421 to STARTTLS, a
    handshake that did not finish, a 4xx after it): the SMTP side answered, so SMTP-01 passes,
    and SMTP-04 alone says the TLS part could not be checked. A 454 to STARTTLS is no such
    case: twice, it is SMTP-04's fail."""
    return p.error_kind in {"timeout", "temp-unavailable"} and p.starttls_reply[:1] in {"2", "4"}


def _unreachable_address(
    out: Collector,
    p: SmtpProbe,
    probes: list[tuple[Any, SmtpProbe]],
    any_public: bool,
    ctx: CheckContext,
    host: Any,
) -> None:
    """SMTP-01 for an MX address that is private, loopback, link-local or reserved: fail when
    no MX address of the domain is public (nobody can deliver), warn when some are. The MX
    host `host` in another organisation's domain: its fix is its operator's to make
    (for_the_operator)."""
    mine = [q.address for _, q in probes if q.host == p.host and q.address]
    if not any(net.is_public_address(a) for a in mine):
        if mine[0] != p.address:
            return  # one finding per host: the first of its addresses carries it
        summary = (
            f"{p.host} has only {net.describe_non_public(mine)}: senders on the internet "
            "cannot reach it."
        )
        # The host alone: a finding about all its addresses is the host's (alerts key
        # findings by host, and renumbering must not look like a new problem).
        subject = p.host
    else:
        summary = (
            f"{p.host} has {net.describe_non_public([p.address])} next to public ones: "
            "senders on the internet cannot reach it there."
        )
        subject = p.subject
    if not any_public:
        summary += " No MX host of the domain has a public address, so no mail can be delivered."
    out.add(
        "SMTP-01",
        Status.WARN if any_public else Status.FAIL,
        summary,
        subject=subject,
        evidence=p.facts(),
        fix=for_the_operator(
            ctx,
            host,
            f"Publish a public address for {p.host} (A/AAAA) and remove the non-public one "
            "from DNS; a mail server on a private network needs a public address or a relay "
            "that has one.",
        ),
    )


def _tls_unavailable_fix(host: str) -> str:
    """SMTP-04's fix for a 454 to STARTTLS (twice): 'TLS not available due to temporary
    reason' (RFC 3207 §4), which Postfix answers on every connection for as long as it cannot
    load its certificate or key; the protocol versions and suites are not where it fails."""
    return (
        f"{host} answers STARTTLS with 454 (TLS not available, RFC 3207 §4): the server cannot "
        "start TLS at all, which usually means it cannot load its certificate or private key "
        "(Postfix answers 454 while the files in smtpd_tls_chain_files, or "
        "smtpd_tls_cert_file and smtpd_tls_key_file, cannot be read). Check that the "
        "certificate and key files exist, can be read by the mail server and belong "
        "together, then reload the server; its log says which file failed."
    )


def tls_setup_fix(host: str, reply: str, problem: str = "", *, suites: bool = False) -> str:
    """SMTP-04's fix (and MTASTS-32's copy of it) for a STARTTLS offered whose TLS session
    could not be set up: _tls_unavailable_fix for a 454 reply to STARTTLS, _handshake_fix's
    otherwise (`problem` and `suites` as it reads them; without them, its plain text)."""
    if reply.startswith("454"):
        return _tls_unavailable_fix(host)
    return _handshake_fix(problem, suites=suites)


def _handshake_fix(problem: str, *, suites: bool = False) -> str:
    """SMTP-04's fix for a handshake that failed. An alert that names cipher suites
    (handshake_failure, insufficient_security; "no shared cipher" in the server's log, e.g. a
    server left with NULL-encryption suites only), or `suites` (a handshake offering NULL
    suites alone completed, SmtpProbe.null_cipher), says to look at the suites too."""
    if suites or "cipher" in problem.lower():
        return (
            "Check the server's TLS configuration (certificate, key, protocol versions and "
            "cipher suites: enable the usual ECDHE suites with AES-GCM or ChaCha20, not only "
            "NULL or export ones) so that a STARTTLS handshake completes."
        )
    return (
        "Check the server's TLS configuration (certificate, key, protocol versions) so that a "
        "STARTTLS handshake completes."
    )


def _per_probe(
    out: Collector,
    host: Any,
    p: SmtpProbe,
    policy: _Context,
    dane_state: Any,
    ctx: CheckContext,
    mxset: MxSet | None = None,
) -> None:
    """The findings of one MX address. For a host whose server another organisation runs (a
    mail provider's MX), its fixes are said as that operator's to make (for_the_operator),
    as DANE's are (s34z): the owner of the domain cannot change a provider's server. The MX
    pointed at an alias's target (_alias_fix) and a host that takes no mail taken out of the
    MX (SMTP-02) are the owner's changes, and stay as they are."""
    first = len(out.findings)
    _, operator = _server_operator(ctx, host)
    elsewhere = bool(operator) or bool(_named_elsewhere(ctx, host, p))
    _probe_findings(out, host, p, policy, dane_state, ctx, mxset, run_elsewhere=elsewhere)
    if not elsewhere:
        return
    owners = {_alias_fix(mxset, host, q, policy, ctx) for q in (p, p.rsa_variant)} - {""}
    applies = policy.sts_usable and policy.sts_mode in {"enforce", "testing"}
    for index in range(first, len(out.findings)):
        finding = out.findings[index]
        if finding.fix in owners or (finding.id == "SMTP-02" and p.accepts_no_mail):
            continue
        fix = for_the_operator(ctx, host, finding.fix, p)
        if finding.id == "SMTP-11" and finding.status in (Status.WARN, Status.FAIL):
            # The certificate it is about: the second one's (SmtpProbe.rsa_variant) or p's.
            second = bool(finding.evidence.get("second_certificate"))
            q = p.rsa_variant if second else p
            fix += own_name_option(ctx, mxset, host, q, policy.patterns if applies else None)
        out.findings[index] = replace(finding, fix=fix)


# What the owner of a domain can do instead of waiting for a provider to change its server.
_OR_ELSE = "or move your mail to an MX host you run"


def for_the_operator(
    ctx: CheckContext | None, host: Any, fix: str, probe: SmtpProbe | None = None
) -> str:
    """`fix` for the MX host `host` (an mx.MxHost), said as the change only its operator can
    make when another organisation runs its server (dane.run_by_another_organisation: a
    provider's MX, or the owner's name aliased to one), for the owner to pass on to them or
    move away from; `fix` itself otherwise. The STARTTLS findings and MTASTS-32/-36, which
    give their fixes, share it, so both say one thing in one wording.

    The owner's own name pointing straight at a server (an A record) that `probe` shows
    naming itself a host of another organisation (_named_elsewhere: a hoster's shared server)
    is the owner's name, not necessarily the owner's server: the fix says so (_hosters_change),
    with the owner's own way out, pointing the name at a server they run."""
    from checks import dane

    if not fix or host is None:
        return fix
    server, operator = _server_operator(ctx, host)
    if operator:
        return dane.operators_change(server, operator, fix, _OR_ELSE)
    named = _named_elsewhere(ctx, host, probe)
    return _hosters_change(host.name, probe, named, fix) if probe and named else fix


def _named_elsewhere(
    ctx: CheckContext | None, host: Any, probe: SmtpProbe | None
) -> tuple[str, str, str] | None:
    """How the server behind the owner's own MX name names itself when every name it gives
    is in one other organisation's domain: (that name, 'in its certificate' or 'in its
    greeting', the organisation's domain); None otherwise. The certificate's DNS names when
    it presented one that does not name the MX host (one naming it is the owner's, whoever
    runs the server), else the first word of its 220 greeting (RFC 5321 §4.2: the server's
    own name). Names under no known suffix ('localhost', 'mail') name nobody; a name in the
    owner's own organisational domain is the owner's. An alias (MX-04) or a host in another
    organisation's domain is _server_operator's, not this."""
    if ctx is None or probe is None or getattr(host, "cname_target", None):
        return None
    suffixes = ctx.config.extra_public_suffixes
    own = organizational_domain(ctx.domain, suffixes)
    if organizational_domain(host.name, suffixes) != own:
        return None
    # Probes of MTASTS-32/-36 and tests may be bare stand-ins: what they lack says nothing.
    leaf = getattr(probe, "leaf", None)
    if leaf is not None and (
        getattr(probe, "name_ok", False)
        or any(certs.dns_id_matches(s, host.name) for s in leaf.sans)
    ):
        return None
    if leaf is not None and getattr(leaf, "sans", None):
        names, how = list(leaf.sans), "in its certificate"
    else:
        words = str(getattr(probe, "banner", "") or "").split()
        first = words[0] if words else ""
        names, how = [first.lower().rstrip(".")], "in its greeting"
    orgs = {known_organizational_domain(name, suffixes) for name in names}
    if len(orgs) != 1 or "" in orgs or own in orgs:
        return None
    return names[0], how, orgs.pop()


def own_name_option(
    ctx: CheckContext | None,
    mxset: MxSet | None,
    host: Any,
    probe: SmtpProbe | None,
    patterns: list[str] | None,
) -> str:
    """What SMTP-11 (and MTASTS-32) add to the fix for the owner's MX name pointing straight
    at a server whose certificate names it a host of another organisation (_named_elsewhere,
    'in its certificate'), when the name is all that fails (verify_error 'name-mismatch'):
    that server's own name, as its certificate gives it, may take the place of the MX name,
    as for an alias of such a server (mtasts.alias_certificate_fix). An option only: the
    owner may run that server, so it is said 'if that server is your provider's'. The first
    name of the certificate that is no wildcard (an MX record names one host); '' otherwise.
    `patterns`: the policy's mx patterns when senders apply one, else None."""
    from checks import dane, mtasts

    named = _named_elsewhere(ctx, host, probe)
    if (
        named is None
        or mxset is None
        or probe is None
        or named[1] != "in its certificate"
        # Stand-in probes (MTASTS-32's tests) may lack what a real probe has.
        or getattr(probe, "verify_error", None) != "name-mismatch"
        or not getattr(probe, "chain_der", None)
        or getattr(probe, "leaf", None) is None
    ):
        return ""
    der = probe.chain_der[0]
    names = [san for san in probe.leaf.sans if "*" not in san and certs.san_matches(der, san)]
    if not names:
        return ""
    name = names[0].lower()
    return (
        f"\nIf that server is your provider's, the name its certificate gives, {name}, can take "
        f"the place of {host.name}: senders check the name in the MX record (RFC 8461 §4.2). "
        "Use it"
        + mtasts.mx_pointing_steps(mxset, host, name, patterns)
        + dane.renamed_mx_note(dane.known_tlsa(ctx, host.name), host.name, name, probe)
    )


def _hosters_change(host: str, probe: SmtpProbe, named: tuple[str, str, str], fix: str) -> str:
    """`fix` for the owner's MX name `host` whose server names itself a host of another
    organisation (_named_elsewhere): the name is the owner's, the server may not be."""
    server, how, operator = named
    return (
        f"{host} is your name, but the server it points to ({probe.address}) names itself "
        f"{server} {how}, a name in {operator}: you control the name, not necessarily the "
        f"server. Unless you run that server, only the operator of {operator} can make this "
        f"change; pass it on to them, or point {host} at a mail server you run:\n{fix}"
    )


def _server_operator(ctx: CheckContext | None, host: Any) -> tuple[str, str]:
    """The name of the server behind the MX host `host` (the alias's target for an alias,
    MX-04) and the organisational domain of its operator when that is not the owner
    (dane.run_by_another_organisation), else ''. No context (a bare probe): ''."""
    from checks import dane

    server = getattr(host, "cname_target", None) or host.name
    if ctx is None:
        return server, ""
    return server, dane.run_by_another_organisation(ctx, server)


def _probe_findings(
    out: Collector,
    host: Any,
    p: SmtpProbe,
    policy: _Context,
    dane_state: Any,
    ctx: CheckContext,
    mxset: MxSet | None = None,
    *,
    run_elsewhere: bool = False,
) -> None:
    subj = p.subject
    ev = p.facts()
    dane_applies = host.name in policy.dane_hosts
    dane_ok = _dane_ok(ctx, p, dane_state)

    # SMTP-02: 220 greeting, then EHLO 250 (RFC 5321 §3.1, §4.1.1.1).
    if p.ehlo_ok:
        out.add(
            "SMTP-02",
            Status.PASS,
            f"{subj} greets with 220 and accepts EHLO.",
            subject=subj,
            evidence={"banner": p.banner},
        )
    elif p.helo_only:
        # Mail is accepted, but without EHLO there are no extensions, STARTTLS included
        # (RFC 3207 §4); the checklist asks for EHLO 250.
        out.add(
            "SMTP-02",
            Status.FAIL,
            f"{subj} refuses EHLO and speaks only plain SMTP ({p.problem}): without EHLO it "
            "offers no extensions, so no STARTTLS, and mail to it travels unencrypted.",
            subject=subj,
            evidence=ev,
            fix=helo_only_fix(p.host, p.problem),
        )
        return
    elif p.error_kind == "protocol":
        out.add(
            "SMTP-02",
            Status.FAIL,
            f"{subj} does not complete the SMTP greeting: {p.problem}. Senders cannot "
            "deliver mail to this address.",
            subject=subj,
            evidence=ev,
            # RFC 7504 §3: a host that takes no mail has no place among the MX hosts; a
            # domain that takes none publishes a null MX (RFC 7505).
            fix=(
                f"If {p.host} is meant to receive mail, make it greet with 220; if not, remove "
                "it from the MX records (a domain that receives no mail publishes a null MX, "
                "RFC 7505)."
            )
            if p.accepts_no_mail
            else "",
        )
        return
    else:
        return

    # SMTP-17: informational (SMTP-18 is the domain's, _requiretls).
    banner_name = p.banner.split()[0].lower().rstrip(".") if p.banner.split() else ""
    if banner_name == p.host:
        out.add(
            "SMTP-17",
            Status.PASS,
            f"{subj} greets with its MX name {p.host}.",
            subject=subj,
            evidence={"banner": p.banner},
        )
    else:
        out.add(
            "SMTP-17",
            Status.INFO,
            f"{subj} greets as '{banner_name or '?'}', not as its MX name {p.host} "
            "(not a TLS problem; TLS reports will show this name).",
            subject=subj,
            evidence={"banner": p.banner},
        )

    # SMTP-03: STARTTLS advertised (RFC 3207 §4).
    if not p.starttls_offered:
        strict = policy.enforce or dane_applies
        why = []
        if policy.enforce:
            why.append("the MTA-STS policy is in enforce mode")
        if dane_applies:
            why.append("DANE TLSA records are published for it")
        masked = no_starttls_text(p.extensions)
        out.add(
            "SMTP-03",
            Status.FAIL if strict else Status.WARN,
            f"{subj} does not offer STARTTLS"
            + (f" ({masked})" if masked else "")
            + ", so mail to it travels unencrypted"
            + (
                f"; because {' and '.join(why)}, senders that honour it will not deliver."
                if strict
                else "."
            ),
            subject=subj,
            evidence=ev,
            fix=no_starttls_fix(p.host, p.extensions),
        )
        return
    out.add(
        "SMTP-03",
        Status.PASS,
        f"{subj} offers STARTTLS.",
        subject=subj,
        evidence={"extensions": p.extensions},
    )

    # SMTP-04: STARTTLS completes.
    if not p.tls_ok:
        if p.error_kind in {"timeout", "temp-unavailable", "closed"}:
            # A 421 to STARTTLS (twice): the server closes the session (RFC 5321 §3.8,
            # §4.2.3), for every sender that asks for STARTTLS, not only those requiring TLS.
            closing = p.starttls_reply.startswith("421")
            refused = p.starttls_reply.startswith("4")
            # Said as what it is, "could not be checked" (checklist §0), not as a verdict on
            # the server: a timeout or a 421 says nothing about what other senders get.
            out.add(
                "SMTP-04",
                Status.ERROR,
                f"Whether STARTTLS works on {subj} could not be checked this time: {p.problem}."
                + (
                    " A 421 closes the session (RFC 5321 §3.8, §4.2.3), so while it lasts "
                    "every sender that asks for STARTTLS there is turned away, whether it "
                    "requires TLS or would deliver without it, and tries again later or at "
                    "another MX host."
                    if closing
                    else " That is a temporary refusal; while it lasts, senders that require "
                    "TLS hold mail for this address."
                    if refused
                    else ""
                ),
                subject=subj,
                evidence=ev,
            )
        else:
            out.add(
                "SMTP-04",
                Status.FAIL,
                f"{subj} offers STARTTLS but the TLS session could not be set up: {p.problem}."
                + (
                    f" A handshake offering only NULL-encryption suites completed ({p.null_cipher}):"
                    " see SMTP-08."
                    if p.null_cipher
                    else ""
                ),
                subject=subj,
                evidence=ev,
                fix=tls_setup_fix(p.host, p.starttls_reply, p.problem, suites=bool(p.null_cipher)),
            )
            if p.null_cipher:
                # Checklist SMTP-08 (warn: NULL offered); RFC 9325 §4.1: implementations MUST
                # NOT negotiate NULL encryption. Senders offer none, so they get no TLS here.
                out.add(
                    "SMTP-08",
                    Status.WARN,
                    f"{subj} offers only NULL (unencrypted) cipher suites: a handshake offering "
                    "the usual suites failed, and one offering NULL-encryption suites alone "
                    f"completed with {p.null_cipher}, which protects nothing (RFC 9325 §4.1: "
                    "implementations must not negotiate NULL encryption). Senders offer no NULL "
                    "suites, so none of them gets TLS here.",
                    subject=subj,
                    evidence=ev,
                    fix="Enable the usual ECDHE suites with AES-GCM or ChaCha20 and disable "
                    "the NULL, RC4, 3DES, EXPORT and anonymous ones (RFC 9325 §4).",
                )
        return
    out.add(
        "SMTP-04",
        Status.PASS,
        f"{subj} completes STARTTLS with {p.tls_version} ({p.cipher}).",
        subject=subj,
        evidence={"tls_version": p.tls_version, "cipher": p.cipher},
    )

    # SMTP-05: EHLO answered after TLS, without STARTTLS (RFC 3207 §4.2).
    if p.post_tls_ehlo_ok:
        if p.starttls_after_tls:
            out.add(
                "SMTP-05",
                Status.WARN,
                f"{subj} still advertises STARTTLS after TLS is established; RFC 3207 §4.2 "
                "says it must not.",
                subject=subj,
                evidence=ev,
                # No setting turns this off in the common MTAs: it is the server software (or
                # a proxy in front of it rewriting the EHLO answer) that needs changing.
                # Run by another organisation: _per_probe says to pass it on to them.
                fix=f"Have the mail server at {p.host} leave STARTTLS out of its EHLO answer once "
                "TLS is established (RFC 3207 §4.2): update its software, or the proxy or "
                "filter in front of it that rewrites the EHLO answer"
                + ("." if run_elsewhere else "; if a provider runs it, ask them."),
            )
        else:
            out.add(
                "SMTP-05",
                Status.PASS,
                f"{subj} resets its state after TLS and no longer offers STARTTLS.",
                subject=subj,
            )
    elif p.post_tls_helo_only:
        # RFC 3207 §4.2: the client SHOULD send EHLO first after TLS. Senders fall back to
        # HELO and deliver, but without extensions (8BITMIME, SIZE, SMTPUTF8...).
        out.add(
            "SMTP-05",
            Status.WARN,
            f"{subj} accepts only HELO once TLS is established ({p.problem}): senders fall "
            "back to HELO and deliver over TLS, but without SMTP extensions such as 8BITMIME "
            "or SMTPUTF8.",
            subject=subj,
            evidence=ev,
            fix=f"Let {p.host} accept EHLO after STARTTLS (RFC 3207 §4.2).",
        )

    # SMTP-06: commands pipelined with STARTTLS must be discarded (RFC 3207 §4.2), and the
    # server's side of it: nothing sent between its 220 and the handshake (RFC 3207 §5). The
    # line is the server's: quoted as replies are, control characters escaped (s47n).
    if p.plaintext_after_starttls:
        out.add(
            "SMTP-06",
            Status.WARN,
            f"After its 220 reply to STARTTLS, {subj} sent a line in plaintext before the TLS "
            f"handshake ('{quoted(p.plaintext_after_starttls)}'). A sender that reads it as the "
            "answer to its first command inside TLS can be fed replies by anyone on the path "
            "(STARTTLS response injection, RFC 3207 §4.2, §5); careful senders discard it, as "
            "this check did, or give up on TLS.",
            subject=subj,
            evidence=ev,
            fix=f"Make {p.host} send nothing after '220 Ready to start TLS' until the TLS "
            "handshake: a proxy or filter in front of the mail server may be adding the line.",
        )
    if p.injection_vulnerable is True:
        out.add(
            "SMTP-06",
            Status.WARN,
            f"{subj} executed a command sent in plaintext together with STARTTLS inside "
            "the TLS session (CVE-2011-0411 class plaintext injection).",
            subject=subj,
            evidence=ev,
            fix="Update the mail server software; it must discard input buffered before "
            "the TLS handshake.",
        )
    elif p.injection_vulnerable is False and not p.plaintext_after_starttls:
        out.add(
            "SMTP-06",
            Status.PASS,
            f"{subj} "
            + (
                "refuses STARTTLS sent with a command pipelined behind it."
                if p.injection_refused
                else "discards commands pipelined with STARTTLS."
            ),
            subject=subj,
        )

    _versions(out, p, subj, ev, dane_applies)

    # SMTP-08: cipher suites (RFC 7465, RFC 9325 §4).
    weak = [
        c
        for c in (
            p.cipher,
            p.legacy_cipher,
            p.rsa_variant.cipher if p.rsa_variant else "",
            tls12_anonymous(p),
        )
        if c and any(m in c.upper() for m in _WEAK_CIPHER_MARKERS)
    ]
    if weak:
        # A server preferring anonymous suites: its certificate goes to senders offering none.
        preferred = (
            f" It prefers the anonymous suite {p.cipher} to the suites with a certificate "
            "offered beside it (RFC 7672 §8.2: it should not); senders offering no anonymous "
            f"suite, as MTA-STS and DANE senders do, get {p.cert_cipher} and its certificate."
            if p.anon_cert == "other"
            else f" Over TLS 1.2 it chooses the anonymous suite {tls12_anonymous(p)} (no "
            "certificate) from suites offered beside ones with a certificate (RFC 7672 §8.2: "
            "it should not); senders with TLS 1.3 get its certificate, senders without it that "
            "offer anonymous suites do not."
            if tls12_anonymous(p)
            else ""
        )
        out.add(
            "SMTP-08",
            Status.WARN,
            f"{subj} agreed to weak {noun_for(len(set(weak)), 'cipher suite')} "
            f"{', '.join(sorted(set(weak)))}.{preferred}",
            subject=subj,
            evidence=ev,
            fix="Disable RC4, 3DES, NULL, EXPORT and anonymous suites (RFC 9325 §4).",
        )
    else:
        # Info, not pass: only the suites the server chose are seen. Whether it would also
        # agree to RC4, 3DES or EXPORT cannot be asked with this TLS library (OpenSSL 3 no
        # longer offers them), NULL suites are asked for alone only when our usual offer
        # failed (_null_question), and a check that did not run is never reported as passed.
        out.add(
            "SMTP-08",
            Status.INFO,
            f"{subj} chose {p.cipher}"
            + (f" (and {p.legacy_cipher} over old TLS)" if p.legacy_cipher else "")
            + ", not a weak suite. Whether it would also accept NULL, RC4, 3DES or EXPORT "
            "suites was not tested.",
            subject=subj,
            evidence={"cipher": p.cipher, "legacy_cipher": p.legacy_cipher},
        )

    name_fix = _alias_fix(mxset, host, p, policy, ctx)
    certificate_findings(
        out, p, subj, ev, policy.enforce, dane_ok, testing=policy.testing, name_fix=name_fix
    )
    _second_certificate(
        out, p, subj, policy, dane_state, ctx, _alias_fix(mxset, host, p.rsa_variant, policy, ctx)
    )

    # SMTP-13: no SNI (RFC 8461 §7.1: servers MUST NOT require SNI).
    if p.no_sni_ok is False:
        out.add(
            "SMTP-13",
            Status.WARN,
            f"{subj} fails the TLS handshake when the client sends no SNI; senders that "
            "do not send SNI cannot use TLS here.",
            subject=subj,
            evidence=ev,
            fix="Configure a default certificate for handshakes without SNI.",
        )
    elif p.no_sni_ok is True:
        same = (
            "the same certificate"
            if p.no_sni_same_cert
            else "a fallback certificate"
            if p.no_sni_same_cert is False
            else "with an anonymous suite, no certificate"
        )
        out.add("SMTP-13", Status.PASS, f"{subj} completes TLS without SNI ({same}).", subject=subj)

    # SMTP-15: revocation is optional for SMTP (RFC 8461 §4.2 MAY); stapling is not probed
    # (Python's ssl sends no status_request). Only a presented certificate can be revoked: an
    # anonymous-only server has none, which SMTP-09 says.
    if p.chain_der:
        out.add(
            "SMTP-15",
            Status.INFO,
            f"Revocation of the certificate of {subj} was not checked (OCSP stapling is not "
            "probed; RFC 8461 makes revocation checking optional).",
            subject=subj,
        )


# Why a server with TLS 1.3 alone is a warning (SMTP-07), not a failure: RFC 8461 §7.2 is met.
_TLS13_ONLY = (
    "RFC 8461 §7.2 asks for TLS 1.2 or higher, which this meets, but also to follow BCP 195, "
    "which requires TLS 1.2 support (RFC 9325 §3.1.1): senders without TLS 1.3 (OpenSSL "
    "1.0.2, Windows Server 2019 and older) cannot use TLS with it, and do not deliver at all "
    "where an MTA-STS policy in enforce mode applies."
)


# Why a TLS 1.0/1.1-only MX with TLSA records gets no mail from DANE senders (SMTP-07). The
# lab's Postfix oracle shows it (tests/test_dane_oracle.py, f32a): OpenSSL 3 refuses TLS 1.0's
# MD5-SHA1 handshake signatures at its default security level, the certificate is never seen.
_DANE_NEEDS_TLS12 = (
    " Its TLSA records make TLS mandatory for DANE senders (RFC 7672 §2.2), and those that "
    "follow RFC 8996 (Postfix with OpenSSL 3, for one) cannot complete a TLS 1.0/1.1 "
    "handshake, so they hold the mail in their queues and retry instead of delivering it."
)


def _versions(
    out: Collector, p: SmtpProbe, subj: str, ev: dict[str, Any], dane_applies: bool = False
) -> None:
    # SMTP-07: MTA-STS needs TLS 1.2 or higher (RFC 8461 §7.2); 1.0/1.1 deprecated (RFC 8996);
    # TLS 1.2 itself refused is BCP 195's concern (RFC 9325 §3.1.1), see _TLS13_ONLY.
    # `dane_applies`: the host publishes secure TLSA records, which make TLS mandatory for
    # DANE senders (_Context.dane_hosts).
    rank = _version_rank(p.max_tls_version)
    legacy = [v for v in p.tls_versions_accepted if v in LEGACY_TLS]
    names = _VERSION_NAMES
    evidence = {
        "max_tls_version": p.max_tls_version,
        "accepted": p.tls_versions_accepted,
        "legacy_checked": p.legacy_checked,
    }
    tls13 = p.max_tls_version == "TLSv1.3"
    if tls13:
        evidence["tls12_accepted"] = p.tls12_accepted
    no_tls12 = tls13 and p.tls12_accepted is False
    if rank < _version_rank("TLSv1.2"):
        # The first handshake offers every version we can; the server takes its highest.
        highest = names.get(p.max_tls_version, p.max_tls_version)
        out.add(
            "SMTP-07",
            Status.FAIL,
            f"{subj} speaks at most {highest}: offered {_versions_text(_offered())}, it chose "
            f"{highest}. MTA-STS senders require TLS 1.2 or later and TLS 1.0/1.1 are "
            "deprecated (RFC 8996)." + (_DANE_NEEDS_TLS12 if dane_applies else ""),
            subject=subj,
            evidence=evidence,
            fix="Enable TLS 1.2 and TLS 1.3 on the mail server and disable TLS 1.0/1.1.",
        )
    elif legacy:
        # One handshake offered the old versions together (_client_context(legacy_only)) and
        # the server took one of them, its highest: the older ones offered were not tried.
        offered = _offered(legacy_only=True)
        chosen = legacy[-1]
        below = [v for v in offered if _version_rank(v) < _version_rank(chosen)]
        evidence["legacy_offered"] = offered
        untried = (
            f"; whether it also accepts {_versions_text(below)} was not tested" if below else ""
        )
        out.add(
            "SMTP-07",
            Status.WARN,
            f"{subj} still accepts {names.get(chosen, chosen)}, deprecated by RFC 8996 (a "
            f"handshake offering only {_versions_text(offered)} got "
            f"{names.get(chosen, chosen)}{untried})"
            + (f", yet refuses TLS 1.2. {_TLS13_ONLY}" if no_tls12 else "."),
            subject=subj,
            evidence=evidence,
            fix="Disable TLS 1.0 and 1.1"
            + (" and enable TLS 1.2" if no_tls12 else "")
            + " (e.g. Postfix: smtpd_tls_protocols = >=TLSv1.2).",
        )
    elif no_tls12:
        out.add(
            "SMTP-07",
            Status.WARN,
            f"{subj} accepts only TLS 1.3: it refused a handshake offering TLS 1.2. " + _TLS13_ONLY,
            subject=subj,
            evidence=evidence,
            fix="Enable TLS 1.2 beside TLS 1.3 (e.g. Postfix: smtpd_tls_protocols = >=TLSv1.2; "
            "OpenSSL: MinProtocol = TLSv1.2).",
        )
    elif p.max_tls_version == "TLSv1.2":
        out.add(
            "SMTP-07",
            Status.INFO,
            f"{subj} supports TLS 1.2 but not TLS 1.3.",
            subject=subj,
            evidence=evidence,
        )
    else:
        # Say only what was tested: TLS 1.2 beside 1.3 is named when a handshake showed it.
        untested = [
            what
            for what, tested in (
                ("TLS 1.2", not tls13 or p.tls12_accepted is not None),
                ("TLS 1.0/1.1", p.legacy_checked),
            )
            if not tested
        ]
        tail = (
            f" (whether it also accepts {' or '.join(untested)} could not be tested this time)"
            if untested
            else ""
        )
        out.add(
            "SMTP-07",
            Status.PASS,
            f"{subj} supports {names.get(p.max_tls_version, p.max_tls_version)}"
            + (" and TLS 1.2" if tls13 and p.tls12_accepted else "")
            + (" and refuses TLS 1.0/1.1" if p.legacy_checked else "")
            + f"{tail}.",
            subject=subj,
            evidence=evidence,
        )


def _expiry_threshold(leaf: certs.CertFacts, days: int, part: int) -> float:
    """SMTP-10's "expires soon" line: `days`, or 1/`part` of the certificate's life when that
    is less. A six-day certificate (Let's Encrypt's short-lived profile), renewed every few
    days, always has under 14 days left: it is warned about under a third of its life left
    and told as info under half, while a 90-day one reads as before (14 and 30 days)."""
    starts, ends = _parse_time(leaf.not_before), _parse_time(leaf.not_after)
    if starts is None or ends is None or ends <= starts:
        return days
    return min(days, (ends - starts).total_seconds() / 86400 / part)


def _parse_time(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _seconds(delta: timedelta) -> str:
    seconds = max(1, round(delta.total_seconds()))
    return "1 second" if seconds == 1 else f"{seconds} seconds"


def _days(days: int) -> str:
    # days_left is whole days, rounded down: 0 means it ends within the next 24 hours.
    if days <= 0:
        return "less than a day"
    return "1 day" if days == 1 else f"{days} days"


def certificate_findings(
    out: Collector,
    p: SmtpProbe,
    subj: str,
    ev: dict[str, Any],
    under_sts: bool,
    dane_ok: bool,
    testing: bool = False,
    label: str = "",
    name_fix: str = "",
) -> None:
    """`under_sts`: an MTA-STS policy in enforce mode applies, so senders refuse delivery on
    a failed validation; `testing`: the policy is in testing mode instead. `label` names the
    key type of a server's second certificate (SmtpProbe.rsa_variant): its findings say which
    certificate they are about. `name_fix`: SMTP-11's fix for a name mismatch when it is not
    a certificate to install (_alias_fix).

    Only enforce makes MTA-STS senders refuse delivery (RFC 8461 §5). Under testing they report
    the failure and deliver as if there were none, so a certificate problem weighs as it does for
    opportunistic TLS (checklist MTASTS-32: fail under enforce, warn under testing); MTASTS-32
    carries the testing-mode warning."""
    leaf = p.leaf
    if leaf is None:
        if p.tls_ok and not p.chain_der:
            _no_certificate(out, p, subj, ev, under_sts, testing)
        return
    presented = f"presented '{leaf.subject}' issued by '{leaf.issuer}'"
    # How the findings name the certificate: the server's, or its second one.
    cert_word = f"{label} certificate" if label else "certificate"
    the_cert = (
        f"The {label} certificate of {subj}, which senders offering only RSA get,"
        if label
        else f"The certificate of {subj}"
    )
    who = f"{subj}, to senders offering only RSA," if label else subj
    if under_sts:
        sts_note = " MTA-STS senders will not deliver to it."
    elif testing:
        sts_note = (
            " MTA-STS senders report this (policy mode testing) but still deliver; under "
            "enforce they would not."
        )
    else:
        sts_note = ""

    serial_words, serial_fix = _serial_words(p, cert_word, under_sts)

    # SMTP-09 / SMTP-16: chain to a trusted root, intermediates sent (RFC 8461 §4.2, RFC 5280 §6).
    # An expired intermediate breaks the path like a missing one: SMTP-09, not SMTP-10.
    ca_expired = p.verify_error == "expired" and bool(p.expired_ca)
    leaf_error = None if ca_expired else p.verify_error
    # The leaf out of its own dates and a CA certificate on its path too (certs.ChainResult.
    # stale_ca_too): SMTP-09 names the CA certificate and SMTP-10 the leaf, and both give the
    # one fix in the order it works, the chain first, since a new leaf sent with the same
    # stale chain would fail as well.
    ca_too = leaf_error in {"expired", "not-yet-valid"} and bool(p.stale_ca_too)
    starts = _parse_time(leaf.not_before)
    if leaf_error == "not-yet-valid":
        leaf_fix = (
            f"Install {'an ' + cert_word if label else 'a certificate'} for {p.host} that is "
            f"valid now: the one it sends is not valid before "
            f"{certs.utc_text(starts) if starts else leaf.not_before}. Check the clock of the "
            "system that issued it."
        )
    else:
        leaf_fix = f"Renew the {cert_word} of {p.host}."
    both_fix = ""
    if ca_too and leaf_error == "expired":
        # A renewal from the CA brings the chain it issues now: one step mends both.
        both_fix = certs.renew_under_stale_ca_fix(
            p.host, p.stale_ca_too, p.stale_ca_too_state, cert_word
        )
    elif ca_too:
        both_fix = certs.stale_ca_fix(p.host, p.stale_ca_too, p.stale_ca_too_state, then=leaf_fix)
    trust_error = (
        ca_expired
        or ca_too
        or p.verify_error
        in {
            "self-signed",
            "untrusted",
            "incomplete-chain",
            "invalid",
        }
    )
    if trust_error:
        if ca_expired or ca_too:
            # certs.verify_chain names the CA certificate and its date either way ("expired on"
            # or "is not valid before": one installed ahead of its start); which way is decided
            # from its dates (stale_ca_state), never from those words, which quote its name.
            state = p.stale_ca_too_state if ca_too else p.stale_ca_state
            stale = (
                "a CA certificate that is not valid yet"
                if state == "not-yet-valid"
                else "an expired CA certificate"
            )
            what = f"sends {stale}: {p.stale_ca_too if ca_too else p.verify_detail}"
            if ca_too:
                what += f"; its own {cert_word} " + (
                    "is not valid yet either" if leaf_error == "not-yet-valid" else "expired too"
                )
            fix = both_fix or certs.stale_ca_fix(p.host, p.verify_detail, p.stale_ca_state)
        elif p.verify_error == "incomplete-chain":
            what = (
                "does not send its whole chain (at least one intermediate certificate is "
                f"missing): {p.verify_detail}"
            )
            fix = f"Configure {p.host} to send the full chain (leaf followed by intermediates)."
        elif p.short_ca:
            # A publicly trusted CA may still hand out a chain no validator takes: "from a
            # publicly trusted CA" would send the reader to the CA they already use.
            what = f"presents a certificate that does not validate: {p.verify_detail}"
            fix = _chain_fix(["keys"], cert_word, leaf_weak=bool(certs.short_keys(p.chain[:1])))
        elif sha1_fix := _weak_signature_fix(p, cert_word):
            # A SHA-1 signature: the CA that made it is to sign again, not to be replaced.
            what = f"presents a certificate that does not validate: {p.verify_detail}"
            fix = sha1_fix
        elif p.verify_error == "self-signed":
            what = "presents a self-signed certificate"
            fix = f"Install a certificate for {p.host} from a publicly trusted CA."
        else:
            what = f"presents a certificate that does not validate: {p.verify_detail}"
            fix = f"Install a certificate for {p.host} from a publicly trusted CA, full chain."
        # MTA-STS senders validate PKIX even when DANE would authenticate the server.
        status = Status.FAIL if under_sts else Status.WARN
        sts_or_dane = sts_note + (
            " DANE senders authenticate it through TLSA; others will not."
            if dane_ok and not under_sts
            else ""
        )
        out.add(
            "SMTP-09",
            status,
            f"{who} {what} ({presented}).{sts_or_dane}"
            + (f" The chain also {serial_words}" if serial_words else ""),
            subject=subj,
            evidence=ev,
            fix=fix + (" " + serial_fix if serial_fix else ""),
        )
    elif p.verify_ok and leaf.is_ca:
        # Checklist §0: implementations disagree, so warn. RFC 5280 does not forbid a CA
        # certificate as the server's own, and OpenSSL (Postfix, Exim, Sendmail) validates
        # it; verifiers built on webpki (rustls, so Rust MTAs such as Stalwart) refuse an
        # end-entity certificate asserting cA=TRUE, and public CAs may not issue one (CA/B
        # Forum Baseline Requirements, subscriber certificates). certs.verify_chain validated
        # everything else with the CA flag tolerated.
        out.add(
            "SMTP-09",
            Status.WARN,
            f"{who} presents a certificate marked as a CA (basicConstraints cA=TRUE) as its "
            f"own ({presented}). OpenSSL-based senders such as Postfix and Exim accept it; "
            "senders whose TLS library follows the Web PKI rules (rustls, webpki) refuse it"
            + (
                ", so under this domain's MTA-STS policy (enforce) they will not deliver."
                if under_sts
                else " wherever they validate certificates (MTA-STS)."
            )
            + (f" The chain also {serial_words}" if serial_words else ""),
            subject=subj,
            evidence=ev,
            fix=f"Reissue the {cert_word} of {p.host} as an end-entity certificate "
            "(basicConstraints cA=FALSE, or no basicConstraints), as public CAs issue them."
            + (" " + serial_fix if serial_fix else ""),
        )
    elif serial_words and (
        p.verify_ok or leaf_error in {"expired", "not-yet-valid", "name-mismatch", "weak-key"}
    ):
        # Checklist §0: an RFC 5280 MUST broken where implementations disagree (OpenSSL
        # accepts the serial, Go and cryptography's verifier refuse a negative one): warn, as
        # for a leaf marked cA=TRUE above, under MTA-STS too.
        out.add(
            "SMTP-09",
            Status.WARN,
            f"{subj} sends a complete chain to a trusted root ({leaf.issuer}), but it "
            + serial_words,
            subject=subj,
            evidence={**ev, "serials": [c.serial for c in p.chain]},
            fix=serial_fix,
        )
    elif p.verify_ok or leaf_error in {"expired", "not-yet-valid", "name-mismatch", "weak-key"}:
        out.add(
            "SMTP-09",
            Status.PASS,
            f"{subj} sends a complete chain to a trusted root ({leaf.issuer}).",
            subject=subj,
            evidence={"chain": [c.subject for c in p.chain]},
        )

    # SMTP-16: self-signed or private CA.
    if p.verify_error in {"self-signed", "untrusted"}:
        # MTA-STS senders do not consult TLSA (RFC 8461 §2): DANE only helps without a policy.
        if dane_ok and not under_sts:
            out.add(
                "SMTP-16",
                Status.PASS,
                f"{subj} uses a certificate outside the public Web PKI, authenticated by "
                "its DANE TLSA record.",
                subject=subj,
                evidence=ev,
            )
        else:
            out.add(
                "SMTP-16",
                Status.FAIL if under_sts else Status.INFO,
                f"{who} uses a self-signed or private-CA certificate ({presented})."
                + (sts_note or " Opportunistic TLS still works.")
                + (" DANE senders do authenticate it through TLSA." if dane_ok else ""),
                subject=subj,
                evidence=ev,
                fix=f"Use a publicly trusted certificate for {p.host}, or publish DANE "
                "TLSA records for it.",
            )
    elif p.verify_ok or leaf_error in {"expired", "not-yet-valid", "name-mismatch", "weak-key"}:
        out.add("SMTP-16", Status.PASS, f"{subj} is issued by {leaf.issuer}.", subject=subj)

    # SMTP-10: validity period (RFC 8461 §4.2). DANE-EE ignores expiry (RFC 7672 §3.1.1).
    days = leaf.days_left
    # certs.verify_chain judged a leaf whose notBefore is less than certs.NOT_BEFORE_SKEW
    # ahead of our clock as of its notBefore (clock skew, a certificate deployed the second
    # it was issued): valid, with a note, since a sender whose clock is ahead of ours may
    # still refuse it for those moments.
    ahead = (starts - datetime.now(UTC)) if starts else None
    if leaf_error in {"expired", "not-yet-valid"} or (days is not None and days < 0):
        state = "expired on" if leaf_error != "not-yet-valid" else "is not valid before"
        # To the second, in UTC: "not valid before <today>" leaves the reader guessing, and
        # "expired on <today>" whether it was an hour ago or is a clock difference.
        if leaf_error == "not-yet-valid":
            when = certs.utc_text(starts) if starts else leaf.not_before
        else:
            ends = _parse_time(leaf.not_after)
            when = certs.utc_text(ends) if ends else leaf.not_after
        out.add(
            "SMTP-10",
            Status.WARN if dane_ok and not under_sts else Status.FAIL,
            f"{the_cert} {state} {when}.{sts_note}"
            + (" DANE-EE senders still deliver." if dane_ok else ""),
            subject=subj,
            evidence=ev,
            fix=both_fix or leaf_fix,
        )
    elif ahead is not None and ahead > timedelta(0):
        out.add(
            "SMTP-10",
            Status.INFO,
            f"{the_cert} becomes valid at {certs.utc_text(starts)}, "
            f"{_seconds(ahead)} after this check: within the "
            f"{int(certs.NOT_BEFORE_SKEW.total_seconds() // 60)} minutes of clock difference "
            "allowed, so it is taken as valid (a certificate installed the moment it was "
            "issued). It then runs for "
            f"{_days(days) if days is not None else 'an unknown time'}.",
            subject=subj,
            evidence={"not_before": leaf.not_before, "not_after": leaf.not_after},
        )
    elif days is not None and days < _expiry_threshold(leaf, 14, 3):
        out.add(
            "SMTP-10",
            Status.WARN,
            f"{the_cert} expires in {_days(days)} ({leaf.not_after[:10]}).",
            subject=subj,
            evidence=ev,
            fix=f"Renew the {cert_word} of {p.host} now.",
        )
    elif days is not None and days < _expiry_threshold(leaf, 30, 2):
        out.add(
            "SMTP-10",
            Status.INFO,
            f"{the_cert} expires in {_days(days)} ({leaf.not_after[:10]}).",
            subject=subj,
            evidence=ev,
        )
    else:
        out.add(
            "SMTP-10",
            Status.PASS,
            f"The certificate of {subj} is valid for {days} more days.",
            subject=subj,
            # notBefore too: the alert rules read the certificate's life from it (a
            # short-lived one passes here with under 14 days left).
            evidence={"not_before": leaf.not_before, "not_after": leaf.not_after},
        )

    # SMTP-11: SAN DNS-ID for the MX name (RFC 8461 §4.2, RFC 9525).
    if not p.name_ok and p.chain_der and certs.cn_matches(p.chain_der[0], p.host):
        # The name only in the CN, no SAN DNS name (none at all, or only IP addresses): OpenSSL
        # senders accept it (X509_check_host falls back to the CN, as RFC 6125 §6.4.4 allows),
        # but MTA-STS requires a SAN DNS-ID (RFC 8461 §4.2) and RFC 9525 verifiers (Go,
        # rustls) never read the CN. The severity stays as for any name mismatch: under a
        # policy, senders that follow it do not deliver (checklist SMTP-11, MTASTS-32).
        out.add(
            "SMTP-11",
            Status.FAIL if under_sts else Status.WARN,
            f"{the_cert} names {p.host} only in its CN: it has no subjectAltName DNS name. "
            "OpenSSL-based senders (Postfix, Exim) accept that, but MTA-STS requires the name "
            "in a subjectAltName (RFC 8461 §4.2), and verifiers following RFC 9525 (Go, "
            "rustls) never read the CN." + sts_note,
            subject=subj,
            evidence=ev,
            fix=f"Install {'an ' + cert_word if label else 'a certificate'} whose "
            f"subjectAltName includes {p.host}.",
        )
    elif not p.name_ok:
        misplaced = certs.misplaced_wildcards(leaf.sans)
        # Only addresses in the SAN (s41i-ipsan): say so, or the owner who listed the MX's
        # address is not told why it does not count. An IP-ID is matched only against an
        # address (RFC 9525 §6.2); senders look for the MX name (RFC 8461 §4.2).
        addresses = (
            [] if leaf.sans or not p.chain_der else certs.ip_sans(certs.load_der(p.chain_der[0]))
        )
        out.add(
            "SMTP-11",
            Status.FAIL if under_sts else Status.WARN,
            f"{the_cert} is not valid for {certs.readable_name(p.host)}: it names "
            f"{', '.join(map(certs.readable_name, leaf.sans)) or 'no subjectAltName DNS name'}"
            + (
                f", only the IP address{'es' if len(addresses) > 1 else ''} "
                f"{', '.join(addresses)}, which senders never match against the MX host name "
                "(RFC 8461 §4.2 asks for the name as a subjectAltName DNS name)"
                if addresses
                else ""
            )
            + "."
            + (
                " A subjectAltName ending in a dot matches no host name."
                if any(san.endswith(".") for san in leaf.sans)
                else ""
            )
            + (
                f" The wildcard in {', '.join(misplaced)} matches no host: senders following "
                "RFC 9525 honour a wildcard only as the whole left-most label, standing for "
                "one label, above at least two more ('*.example.com')."
                if misplaced
                else ""
            )
            + (
                f" Its subject CN names {certs.readable_name(p.host)}, which senders do not "
                "read beside subjectAltName DNS names (RFC 6125 §6.4.4; RFC 9525 drops the CN)."
                if p.chain_der and certs.cn_beside_sans(p.chain_der[0], p.host)
                else ""
            )
            + sts_note,
            subject=subj,
            evidence=ev,
            fix=name_fix
            or f"Install {'an ' + cert_word if label else 'a certificate'} whose "
            f"subjectAltName includes {p.host}"
            # Only where a wildcard is in question (s41m: not for IP addresses only; s42b:
            # not for a certificate without any subjectAltName, or naming other names).
            + (
                " (a wildcard covers only one label)."
                if misplaced or _wildcard_over(p, leaf.sans)
                else "."
            ),
        )
    else:
        out.add(
            "SMTP-11",
            Status.PASS,
            f"The certificate of {subj} is valid for {certs.readable_name(p.host)}.",
            subject=subj,
            evidence={"sans": leaf.sans},
        )

    # SMTP-14: key and signature strength (heuristic, Web PKI baseline).
    weak: list[str] = []
    # What only the CA can change (its own keys, its signatures on its certificates): a new
    # leaf from the same CA would come with the same chain.
    ca_needs: list[str] = []
    leaf_weak = leaf.signature_hash in _WEAK_SIG_HASHES
    # Which keys are too short is certs.short_keys' call, as for MTA-STS validation.
    short = certs.short_keys(p.chain)
    for index, cert in enumerate(p.chain):
        is_root = cert.self_signed and index > 0
        if not is_root and cert.signature_hash in _WEAK_SIG_HASHES:
            weak.append(f"{cert.subject} is signed with {cert.signature_hash.upper()}")
            if index > 0 and "signatures" not in ca_needs:
                ca_needs.append("signatures")
        if index > 0 and any(cert is s for s in short):
            weak.append(certs.short_key_text(cert, cert.subject))
            if "keys" not in ca_needs:
                ca_needs.append("keys")
    if certs.short_keys([leaf]):
        weak.append(certs.short_key_text(leaf, "the leaf"))
        leaf_weak = True
    if weak:
        fixes: list[str] = []
        if leaf_weak:
            fixes.append(
                f"Reissue the {cert_word} with a SHA-256 signature and an ECDSA P-256 or "
                f"RSA >= {certs.MIN_RSA_BITS}-bit key."
            )
        if ca_needs:
            fixes.append(_chain_fix(ca_needs, cert_word, leaf_weak))
        # certs.verify_chain: a path that validates but for a short key ('weak-key') is refused
        # by OpenSSL-based senders that validate it, MTA-STS ones included.
        refused = (
            f" Senders that validate certificates refuse keys under {certs.MIN_RSA_BITS} bits "
            f"(OpenSSL's default security level).{sts_note}"
            if p.verify_error == "weak-key"
            else ""
        )
        out.add(
            "SMTP-14",
            Status.FAIL,
            f"{who.rstrip(',')}: {'; '.join(weak)}.{refused}",
            subject=subj,
            evidence=ev,
            fix=" ".join(fixes),
        )
    else:
        out.add(
            "SMTP-14",
            Status.PASS,
            f"{subj} uses {_key_text(leaf)} signed with {_signature_text(leaf.signature_hash)}"
            + f"{_second_key_text(p)}.",
            subject=subj,
            # Whether the RSA handshake was answered ('untested': nothing is known of a second
            # certificate), as the other findings' evidence (p.facts()) says it.
            evidence={"rsa_certificate": p.rsa_cert} if p.rsa_cert else {},
        )


def _serial_words(p: SmtpProbe, cert_word: str, under_sts: bool) -> tuple[str, str]:
    """SMTP-09's words ("breaks RFC 5280, …", to follow "the chain" or "it") and fix for the
    certificates of the chain `p` sent whose serial number is 0 or negative, ('', '') when
    every one is positive.

    RFC 5280 §4.1.2.2: the serial "MUST be a positive integer", and clients "SHOULD be
    prepared to gracefully handle" one that is not. OpenSSL (Postfix, Exim) accepts both; Go's
    crypto/x509 refuses a negative serial at parse since Go 1.23, as cryptography's verifier
    does; cryptography warns on either and says a future release refuses them. A root the
    server sends is left out: verifiers take the trust store's copy."""
    bad = [
        (index, cert)
        for index, cert in enumerate(p.chain)
        if not cert.serial_positive and not (index > 0 and cert.self_signed)
    ]
    if not bad:
        return "", ""
    named = [
        (f"its {cert_word}" if index == 0 else f"the CA certificate '{cert.subject}' it sends")
        + f" has serial number {int(cert.serial, 16)}"
        for index, cert in bad
    ]
    negative = any(int(cert.serial, 16) < 0 for _, cert in bad)
    refused = (
        "senders built on Go (1.23 and later) or Python's cryptography refuse a negative one"
        + (
            ", so under this domain's MTA-STS policy (enforce) they will not deliver"
            if under_sts
            else ""
        )
        if negative
        else "stricter clients may refuse it: Python's cryptography already warns about "
        "it and says a future release will refuse it"
    )
    words = (
        "breaks RFC 5280, which requires a positive serial number: "
        f"{' and '.join(named)}. OpenSSL-based senders such as Postfix and Exim accept it; "
        f"{refused}."
    )
    fixes = []
    if bad[0][0] == 0:
        fixes.append(
            f"Reissue the {cert_word} of {p.host} with a positive serial number (a CA "
            "draws it at random, RFC 5280 §4.1.2.2)."
        )
    if any(index > 0 for index, _ in bad):
        fixes.append(
            "Ask your CA for a chain whose CA certificates have positive serial numbers, or "
            "take the certificate from another CA (a CA certificate is the CA's to reissue)."
        )
    return words, " ".join(fixes)


def _no_certificate(
    out: Collector, p: SmtpProbe, subj: str, ev: dict[str, Any], under_sts: bool, testing: bool
) -> None:
    """SMTP-09 for a TLS session without any certificate: the server chose an anonymous suite
    (aNULL) from the ones we offer. There is no chain to a trusted root (RFC 8461 §4.2), so an
    MTA-STS sender, which offers no anonymous suite, gets no handshake or nothing to validate;
    opportunistic senders that offer aNULL still encrypt (checklist SMTP-09: fail under
    MTA-STS, warn otherwise; SMTP-08 and DANE-14 judge the suite itself). Only when a handshake
    without anonymous suites was refused (SmtpProbe.anon_cert 'none'): a server that merely
    prefers them presents its certificate then, judged as any; one whose answer to that
    handshake never came could not be tested (error, never a fail)."""
    if p.anon_cert == "untested":
        out.add(
            "SMTP-09",
            Status.ERROR,
            f"{subj} chose the anonymous cipher suite {p.cipher or '(unknown)'} and presented "
            "no certificate; whether it presents one to senders offering no anonymous suite "
            "(MTA-STS senders) could not be tested this time: that handshake got no answer.",
            subject=subj,
            evidence=ev,
        )
        return
    if under_sts:
        note = " MTA-STS senders will not deliver to it."
    elif testing:
        note = " MTA-STS senders report this (policy mode testing) but still deliver."
    else:
        note = " Opportunistic TLS still encrypts, but nothing authenticates the server."
    out.add(
        "SMTP-09",
        Status.FAIL if under_sts else Status.WARN,
        f"{subj} presented no certificate: it chose the anonymous cipher suite "
        f"{p.cipher or '(unknown)'}, so there is no chain to validate.{note}",
        subject=subj,
        evidence=ev,
        fix=f"Disable anonymous (aNULL) cipher suites on {p.host} and present a certificate "
        f"valid for {p.host} from a publicly trusted CA, with its full chain.",
    )


def _wildcard_over(p: SmtpProbe, sans: list[str]) -> bool:
    """Whether the certificate names a wildcard under which p.host lies ('*.example.com' for
    mx.eu.example.com, or for example.com itself): in its subjectAltName DNS names, or in its
    CN when it has none (what OpenSSL then reads). SMTP-11's fix says then that a wildcard
    covers only one label; for any other certificate the aside says nothing about it."""
    names = sans
    if not names and p.chain_der and (cert := certs.load_der(p.chain_der[0])) is not None:
        names = certs.common_names(cert)
    return certs.wildcard_over(names, p.host)


def _weak_signature_fix(p: SmtpProbe, cert_word: str) -> str:
    """SMTP-09's fix for a path that fails on a SHA-1 (or MD5) signature (certs.verify_chain):
    the leaf reissued with SHA-256, in SMTP-14's words (MTASTS-32 then gives it once), and/or
    a chain whose CA certificates are signed with SHA-256. '' for any other failure: "from a
    publicly trusted CA" would send the owner to the CA they may already use."""
    if p.verify_error != "invalid" or p.leaf is None:
        return ""
    leaf_weak = p.leaf.signature_hash in _WEAK_SIG_HASHES
    ca_weak = any(c.signature_hash in _WEAK_SIG_HASHES and not c.self_signed for c in p.chain[1:])
    fixes = []
    if leaf_weak:
        fixes.append(
            f"Reissue the {cert_word} with a SHA-256 signature and an ECDSA P-256 or "
            f"RSA >= {certs.MIN_RSA_BITS}-bit key."
        )
    if ca_weak:
        fixes.append(_chain_fix(["signatures"], cert_word, leaf_weak=leaf_weak))
    return "\n".join(fixes)


def _chain_fix(ca_needs: list[str], cert_word: str, leaf_weak: bool) -> str:
    """The fix for what only the CA can change, `ca_needs` being "keys" and/or "signatures"
    (SMTP-14, and SMTP-09 for a short-keyed CA certificate): another chain, since a new leaf
    from the same CA comes with the same one. `leaf_weak`: the leaf is to be reissued too."""
    needs = {
        "keys": f"keys are at least {certs.MIN_RSA_BITS} bits",
        "signatures": "certificates are signed with SHA-256",
    }
    return f"Use a chain from a CA whose {' and whose '.join(needs[n] for n in ca_needs)}" + (
        "." if leaf_weak else f" (the server's own {cert_word} is not at fault)."
    )


def _second_certificate(
    out: Collector,
    p: SmtpProbe,
    subj: str,
    policy: _Context,
    dane_state: Any,
    ctx: CheckContext,
    name_fix: str = "",
) -> None:
    """SMTP-09/10/11/14/16 on the certificate a sender offering only RSA gets, when it is not
    the one the first handshake got (SmtpProbe.rsa_variant): by the same rules, saying which
    certificate. Only what is wrong or worth a note is listed; that it passes is said once, in
    SMTP-14's summary of the keys (_second_key_text)."""
    variant, label = p.rsa_variant, p.second_label
    if variant is None or not label:
        return
    found = Collector(MECHANISM)
    certificate_findings(
        found,
        variant,
        subj,
        variant.facts(),
        policy.enforce,
        _dane_ok(ctx, variant, dane_state),
        testing=policy.testing,
        label=label,
        name_fix=name_fix,
    )
    # Marked as the second certificate's (alerts/rules.py: a later run whose RSA handshake was
    # not tested neither confirms nor clears what was seen on that certificate).
    for f in found.findings:
        if f.status != Status.PASS:
            f.evidence = {**f.evidence, "second_certificate": label}
            out.findings.append(f)


def _second_key_text(p: SmtpProbe) -> str:
    """What SMTP-14's summary adds about a second certificate (SmtpProbe.rsa_cert)."""
    variant = p.rsa_variant
    if variant is not None and variant.leaf is not None:
        return (
            f", and {_key_text(variant.leaf)} signed with "
            f"{_signature_text(variant.leaf.signature_hash)} in a second certificate, "
            "which senders offering only RSA get"
        )
    if p.rsa_cert == "untested" and p.refuses_tls12:
        # Not a gap of this run: the question is a TLS 1.2 handshake, which this server never
        # takes. What that costs senders is SMTP-07's finding, not to be told twice.
        older = any(v in LEGACY_TLS for v in p.tls_versions_accepted)
        return (
            " (a second, RSA certificate does not apply: the server does not offer TLS 1.2, "
            + (
                "so senders offering only RSA get no TLS 1.2 here"
                if older
                else "so senders offering only RSA with TLS 1.2 cannot use TLS here at all"
            )
            + ", as SMTP-07 says)"
        )
    if p.rsa_cert == "untested":
        return (
            " (whether it also holds an RSA certificate, which senders offering only RSA "
            "would get, could not be tested this time)"
        )
    return ""


def _key_text(leaf: certs.CertFacts) -> str:
    """The leaf's key as the summary names it: "an EC secp256r1 256-bit key", "a DSA 2048-bit
    key". The article goes by how the type is read out (RSA, EC, Ed25519: a vowel sound)."""
    kind = leaf.key_type or "unknown"
    size = f" {leaf.key_size}-bit" if leaf.key_size else ""
    vowel_sound = kind[0].lower() in "aeiou" or (kind[:2].isupper() and kind[0] in "AEFHILMNORSX")
    return f"{'an' if vowel_sound else 'a'} {kind}{size} key"


def _signature_text(signature_hash: str) -> str:
    """The leaf's signature as the summary names it: EdDSA signatures have no separate hash
    (certs.signature_hash_name says "none (EdDSA)")."""
    if signature_hash.startswith("none"):
        return "EdDSA"
    if not signature_hash or signature_hash == "unknown":
        return "an unknown algorithm"
    return signature_hash.upper()


def _sts_patterns(out: Collector, hosts: list[Any], policy: _Context) -> None:
    # SMTP-12 mirrors MTASTS-30 (which carries the verdict): shown here per MX for context.
    if not policy.sts_usable or policy.sts_mode not in {"enforce", "testing"}:
        return
    for host in hosts:
        if any(_pattern_matches(pattern, host.name) for pattern in policy.patterns):
            out.add(
                "SMTP-12",
                Status.PASS,
                f"{host.name} is listed in the MTA-STS policy.",
                subject=host.name,
            )
        else:
            out.add(
                "SMTP-12",
                Status.INFO,
                f"{host.name} is not listed in the MTA-STS policy (see MTASTS-30): "
                + (
                    "MTA-STS senders will not deliver to it."
                    if policy.enforce
                    # RFC 8461 §5: testing only reports; delivery goes on.
                    else "MTA-STS senders report it (policy mode testing) but still deliver; "
                    "under enforce they would not."
                ),
                subject=host.name,
                evidence={"patterns": policy.patterns},
            )
