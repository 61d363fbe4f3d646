"""STARTTLS on every MX address: the shared SMTP probe and the SMTP-xx findings (checklist §9).

`probe_mx(ctx, host, address)` is the one place that talks SMTP. MTA-STS (MTASTS-32..36) and DANE
reuse its result, so each MX address is probed once per run, one connection at a time per server,
and results are kept for a few minutes across runs because many customer domains share the same
provider MX.

A probe speaks SMTP itself over asyncio streams (RFC 5321 §4.1.1.1 EHLO, RFC 3207 STARTTLS), with
SNI = the MX host name, and hands the presented chain to `checks.certs` for PKIX validation against
the configured CA bundle. The handshake itself does not verify (CERT_NONE), so the report can show
what an expired, misnamed or untrusted server presented. A 421 banner or a timeout means "could
not check" (`error`), never "no STARTTLS".
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
import warnings
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from checks import certs, net
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.dns import normalize
from checks.findings import Finding, Mechanism

MECHANISM = Mechanism.SMTP

# Replies longer than this are not SMTP (RFC 5321 §4.5.3.1.5 allows 512 octets per reply line).
_MAX_LINE = 4096
_MAX_REPLY_LINES = 200

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
    ehlo_ok: bool = False
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
    # | 'incomplete-chain' | 'invalid'
    verify_error: str | None = None
    verify_detail: str = ""
    name_ok: bool = False
    chain_complete: bool = True
    max_tls_version: str = ""
    tls_versions_accepted: list[str] = field(default_factory=list)
    legacy_checked: bool = False
    legacy_cipher: str = ""
    no_sni_ok: bool | None = None
    no_sni_same_cert: bool | None = None
    injection_vulnerable: bool | None = None
    post_tls_ehlo_ok: bool = False
    requiretls: bool = False
    # None | 'guard' | 'dns' | 'timeout' | 'refused' | 'temp-unavailable' | 'tls-handshake'
    # | 'protocol'
    error_kind: str | None = None
    problem: str = ""
    elapsed_ms: float = 0.0
    cached: bool = False
    connections: int = 0

    @property
    def subject(self) -> str:
        return f"{self.host} [{self.address}]"

    @property
    def signature_hash(self) -> str:
        return self.leaf.signature_hash if self.leaf else ""

    @property
    def days_left(self) -> int | None:
        return self.leaf.days_left if self.leaf else None

    @property
    def could_not_check(self) -> bool:
        """True when the probe could not learn whether STARTTLS works (error, never fail)."""
        return self.error_kind in {"guard", "dns", "timeout", "temp-unavailable"} or (
            self.error_kind == "refused"
        )

    @property
    def mta_sts_ok(self) -> bool:
        """Would a sender enforcing an MTA-STS policy deliver here? (RFC 8461 §4.2, §7.2)."""
        return (
            self.starttls_offered
            and self.tls_ok
            and _version_rank(self.tls_version) >= _version_rank("TLSv1.2")
            and self.verify_ok
            and self.name_ok
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
        if self.error_kind:
            data["error_kind"] = self.error_kind
        if self.problem:
            data["problem"] = self.problem
        if self.cached:
            data["cached"] = True
        return data


def _version_rank(version: str) -> int:
    return TLS_ORDER.index(version) if version in TLS_ORDER else -1


# --------------------------------------------------------------------------------------------
# SMTP over asyncio streams


class _ProtocolError(Exception):
    pass


class _Conn:
    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, timeout: float
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.timeout = timeout

    async def reply(self) -> tuple[int, list[str]]:
        """One SMTP reply, multi-line aware (RFC 5321 §4.2.1: 'ddd-' continues, 'ddd ' ends)."""
        lines: list[str] = []
        code = -1
        for _ in range(_MAX_REPLY_LINES):
            raw = await asyncio.wait_for(self.reader.readline(), self.timeout)
            if not raw:
                raise ConnectionResetError("connection closed by the server")
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
            if len(line) == 3 or line[3] == " ":
                return code, lines
            if line[3] != "-":
                raise _ProtocolError(f"malformed reply line: {line[:80]!r}")
        raise _ProtocolError("reply has too many lines")

    async def send(self, command: str) -> None:
        self.writer.write(command.encode("ascii") + b"\r\n")
        await asyncio.wait_for(self.writer.drain(), self.timeout)

    async def command(self, command: str) -> tuple[int, list[str]]:
        await self.send(command)
        return await self.reply()

    async def start_tls(self, context: ssl.SSLContext, server_hostname: str | None) -> None:
        await asyncio.wait_for(
            self.writer.start_tls(
                context, server_hostname=server_hostname, ssl_handshake_timeout=self.timeout
            ),
            self.timeout + 1,
        )
        # StreamWriter.start_tls swaps the transport under the same reader.

    def ssl_object(self) -> ssl.SSLObject | None:
        return self.writer.get_extra_info("ssl_object")

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()
            await asyncio.wait_for(self.writer.wait_closed(), 1.0)


def _client_context(*, legacy_only: bool = False) -> ssl.SSLContext:
    """A handshake context that accepts whatever is presented; verification happens afterwards.

    SECLEVEL=0 and TLS 1.0 as minimum let us see (and report) servers that only speak old
    protocol versions; the MTA-STS verdict still requires TLS >= 1.2 (RFC 8461 §7.2).
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
    with contextlib.suppress(ssl.SSLError):
        context.set_ciphers("ALL:@SECLEVEL=0")
    return context


def _peer_chain(obj: ssl.SSLObject) -> list[bytes]:
    """The certificates as the server sent them, leaf first.

    CPython has exposed the unverified chain on the C object since 3.10 (public in 3.13 as
    SSLObject.get_unverified_chain); without it we only get the leaf.
    """
    getter = getattr(obj, "get_unverified_chain", None)
    inner = getattr(obj, "_sslobj", None)
    if getter is None and inner is not None:
        getter = getattr(inner, "get_unverified_chain", None)
    if getter is not None:
        try:
            chain = getter() or []
            out = []
            for cert in chain:
                if isinstance(cert, bytes):
                    out.append(cert)
                else:
                    out.append(cert.public_bytes(ssl._ssl.ENCODING_DER))  # type: ignore[attr-defined]
            if out:
                return out
        except Exception:  # private API changed: fall back to the leaf
            pass
    leaf = obj.getpeercert(binary_form=True)
    return [leaf] if leaf else []


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

    async def greet(self, conn: _Conn) -> tuple[int, list[str]]:
        code, lines = await conn.reply()
        if code != 220:
            return code, lines
        return await conn.command(f"EHLO {self.config.ehlo_name}")


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
        probe.error_kind = "refused"
        probe.problem = f"could not connect to port {config.smtp_port}: {exc.strerror or exc}"
        return
    probe.connected = True
    try:
        code, lines = await conn.reply()
        probe.banner_code = code
        probe.banner = " / ".join(lines)[:500]
        if code != 220:
            if 400 <= code < 500:
                probe.error_kind = "temp-unavailable"
                probe.problem = f"the server answered {code} {probe.banner} (try again later)"
            else:
                probe.error_kind = "protocol"
                probe.problem = f"the greeting was {code} {probe.banner}, not 220"
            with contextlib.suppress(Exception):
                await conn.send("QUIT")
            return
        code, lines = await conn.command(f"EHLO {config.ehlo_name}")
        if code != 250:
            if 400 <= code < 500:
                probe.error_kind = "temp-unavailable"
            else:
                probe.error_kind = "protocol"
            probe.problem = f"EHLO was answered {code} {' '.join(lines)[:200]}"
            return
        probe.ehlo_ok = True
        probe.extensions = _extensions(lines)
        probe.starttls_offered = _has_ext(probe.extensions, "STARTTLS")
        probe.requiretls = _has_ext(probe.extensions, "REQUIRETLS")
        if not probe.starttls_offered:
            with contextlib.suppress(Exception):
                await conn.command("QUIT")
            return
        code, lines = await conn.command("STARTTLS")
        probe.starttls_reply = f"{code} {' '.join(lines)}"[:200]
        if code != 220:
            probe.error_kind = "temp-unavailable" if code == 421 else "tls-handshake"
            probe.problem = f"STARTTLS was answered {probe.starttls_reply}"
            return
        sni = None if certs.is_ip_literal(probe.host) else probe.host
        try:
            await conn.start_tls(_client_context(), sni)
        except (ssl.SSLError, OSError, TimeoutError, ConnectionError) as exc:
            probe.error_kind = "tls-handshake"
            probe.problem = f"the TLS handshake failed: {_describe(exc)}"
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
        probe.chain_der = _peer_chain(obj)
        # RFC 3207 §4.2: forget everything learnt before TLS and EHLO again.
        with contextlib.suppress(Exception):
            code, lines = await conn.command(f"EHLO {config.ehlo_name}")
            probe.post_tls_ehlo_ok = code == 250
            if code == 250:
                post = _extensions(lines)
                probe.starttls_after_tls = _has_ext(post, "STARTTLS")
                probe.requiretls = probe.requiretls or _has_ext(post, "REQUIRETLS")
            await conn.command("QUIT")
    except TimeoutError:
        probe.error_kind = probe.error_kind or "timeout"
        probe.problem = probe.problem or f"the server stopped answering ({config.timeout:g}s)"
    except _ProtocolError as exc:
        probe.error_kind, probe.problem = "protocol", str(exc)
    except (ConnectionError, OSError) as exc:
        if not probe.tls_ok:
            probe.error_kind = probe.error_kind or (
                "tls-handshake" if probe.starttls_reply.startswith("220") else "protocol"
            )
            probe.problem = probe.problem or f"the connection was closed: {_describe(exc)}"
    finally:
        await conn.close()


async def _side_session(
    ctx: CheckContext, probe: SmtpProbe, *, sni: str | None, legacy: bool, inject: bool
) -> tuple[bool, ssl.SSLObject | None, list[bytes], str, bool | None]:
    """An extra handshake: without SNI (SMTP-13, with the SMTP-06 injection probe) or with only
    TLS 1.0/1.1 allowed (SMTP-07). Returns (ok, ssl object, chain, version, injection)."""
    session = _Session(probe, ctx.config, ctx)
    try:
        conn = await session.open()
    except (OSError, TimeoutError, net.TargetRefused):
        return False, None, [], "", None
    injected: bool | None = None
    try:
        code, _ = await session.greet(conn)
        if code != 250:
            return False, None, [], "", None
        if inject:
            # CVE-2011-0411 class: a command pipelined in the same packet as STARTTLS must be
            # discarded, not executed inside TLS (RFC 3207 §4.2).
            conn.writer.write(b"STARTTLS\r\nNOOP\r\n")
            await asyncio.wait_for(conn.writer.drain(), conn.timeout)
            code, _ = await conn.reply()
        else:
            code, _ = await conn.command("STARTTLS")
        if code != 220:
            return False, None, [], "", None
        try:
            await conn.start_tls(_client_context(legacy_only=legacy), sni)
        except (ssl.SSLError, OSError, TimeoutError, ConnectionError):
            return False, None, [], "", None
        obj = conn.ssl_object()
        if obj is None:
            return False, None, [], "", None
        chain = _peer_chain(obj)
        version = obj.version() or ""
        if inject:
            # A vulnerable server answers the injected NOOP too: count replies until QUIT's 221.
            with contextlib.suppress(Exception):
                await conn.send(f"EHLO {ctx.config.ehlo_name}")
                await conn.reply()
                await conn.send("QUIT")
                extra = 0
                for _ in range(3):
                    code, _ = await conn.reply()
                    if code == 221:
                        break
                    extra += 1
                injected = extra > 0
        else:
            with contextlib.suppress(Exception):
                await conn.command("QUIT")
        return True, obj, chain, version, injected
    except (TimeoutError, ConnectionError, OSError, _ProtocolError):
        return False, None, [], "", None
    finally:
        await conn.close()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLError):
        return exc.reason or str(exc)
    if isinstance(exc, TimeoutError):
        return "timed out"
    return str(exc) or type(exc).__name__


async def _run_probe(ctx: CheckContext, host: str, address: str) -> SmtpProbe:
    started = time.monotonic()
    probe = SmtpProbe(host=host, address=address, port=ctx.config.smtp_port)
    try:
        net.guard(address, ctx.config)
    except (net.TargetRefused, ValueError) as exc:
        probe.error_kind, probe.problem = "guard", str(exc)
        return probe
    async with ctx.connections:
        await _main_session(ctx, probe)
    if probe.tls_ok:
        _analyse_chain(ctx.config, probe)
        probe.max_tls_version = probe.tls_version
        accepted = {probe.tls_version}
        # Without SNI, the server must still complete the handshake (RFC 8461 §7.1).
        async with ctx.connections:
            ok, _, chain, _, injected = await _side_session(
                ctx, probe, sni=None, legacy=False, inject=True
            )
            if not ok:
                # The injection probe may have upset the server: retry plainly once.
                ok, _, chain, _, _ = await _side_session(
                    ctx, probe, sni=None, legacy=False, inject=False
                )
        probe.no_sni_ok = ok
        probe.no_sni_same_cert = (chain[:1] == probe.chain_der[:1]) if ok else None
        probe.injection_vulnerable = injected
        # Legacy versions only matter when the server prefers modern ones anyway.
        if probe.tls_version not in LEGACY_TLS:
            async with ctx.connections:
                ok, obj, _, version, _ = await _side_session(
                    ctx,
                    probe,
                    sni=None if certs.is_ip_literal(host) else host,
                    legacy=True,
                    inject=False,
                )
            probe.legacy_checked = True
            if ok and version:
                accepted.add(version)
                cipher = obj.cipher() if obj else None
                probe.legacy_cipher = cipher[0] if cipher else ""
        else:
            probe.legacy_checked = True
        probe.tls_versions_accepted = sorted(accepted, key=_version_rank)
    probe.elapsed_ms = round((time.monotonic() - started) * 1000, 1)
    return probe


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
    probe.name_ok = certs.name_matches(probe.chain_der[0], probe.host)
    probe.chain_complete = result.complete


# --------------------------------------------------------------------------------------------
# Sharing: once per run, one connection at a time per server, a short cross-domain cache

_CACHE_MAX = 2048
_cache: OrderedDict[tuple[Any, ...], tuple[float, SmtpProbe]] = OrderedDict()
_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Lock]] = (
    weakref.WeakKeyDictionary()
)
# Transient outcomes are not worth keeping: the next check should try again.
_UNCACHED = {"timeout", "temp-unavailable"}


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
    # One connection at a time per server (the address we connect to): a provider MX serving
    # many of our customers must not see a burst of parallel probes from us.
    async with _lock_for(address):
        cached = _cache_get(key, ttl) if ttl > 0 else None
        if cached is not None:
            return _as_cached(cached)
        probe = await _run_probe(ctx, host, address)
        if ttl > 0 and probe.error_kind not in _UNCACHED:
            _cache_put(key, probe)
        return probe


def _as_cached(probe: SmtpProbe) -> SmtpProbe:
    from dataclasses import replace

    return replace(probe, cached=True)


async def probe_mx(ctx: CheckContext, host: str, address: str) -> SmtpProbe:
    """Probe one MX host at one address (shared by SMTP, MTA-STS and DANE checks)."""
    host = normalize(host)
    return await ctx.once(f"smtp-probe:{host}:{address}", lambda: _shared_probe(ctx, host, address))


def unresolved_probe(host: str, problem: str, port: int = 25) -> SmtpProbe:
    """A probe record for an MX host whose addresses could not be looked up."""
    return SmtpProbe(host=normalize(host), address="", port=port, error_kind="dns", problem=problem)


async def evaluate(ctx: CheckContext) -> list[Finding]:
    return []
