"""The lab's Python servers, all in one asyncio process: MX fleet, HTTPS hosts, report sinks and
the optional DNS delay proxy. Started by `up` as `python -m tests.lab.servers RUN_DIR`; it reads
RUN_DIR/servers.json and writes RUN_DIR/servers.ready once every socket is bound.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import logging
import signal
import socket
import ssl
import struct
import sys
import time
import types
from pathlib import Path
from typing import Any

import aiosmtpd.smtp
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rdatatype
import dns.rrset
import dns.zone
from aiohttp import HttpVersion10, web
from aiosmtpd.smtp import SMTP, Envelope, Session, syntax
from multidict import CIMultiDict

log = logging.getLogger("lab.servers")
TLS = {
    "1.0": ssl.TLSVersion.TLSv1,
    "1.1": ssl.TLSVersion.TLSv1_1,
    "1.2": ssl.TLSVersion.TLSv1_2,
    "1.3": ssl.TLSVersion.TLSv1_3,
}
_seq = itertools.count(1)


class JsonLog:
    def __init__(self, path: Path) -> None:
        self.f = path.open("a", buffering=1)

    def write(self, **event: Any) -> None:
        self.f.write(json.dumps({"t": round(time.time(), 3), **event}) + "\n")


def server_context(
    cert: str,
    key: str,
    tls_min: str = "1.2",
    tls_max: str = "1.3",
    ciphers: str | None = None,
    weak_cert: bool = False,
    client_ca: str | None = None,
) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    if client_ca:
        # s41i: a client certificate is required (CertificateRequest); a client sending none
        # fails the server's handshake, which then hangs up (asyncio drops OpenSSL's alert,
        # certificate_required in TLS 1.3: the client saw its own handshake complete)
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(client_ca)
    if weak_cert:
        # An RSA-1024 or SHA-1-signed leaf (s18s): OpenSSL 3 refuses to load it at the
        # default security level ("ee key too small", "ca md too weak"); the server must send it.
        ctx.set_ciphers("ECDHE+AESGCM:ECDHE+CHACHA20:@SECLEVEL=0")
    ctx.load_cert_chain(cert, key)
    if ciphers:
        ctx.set_ciphers(ciphers)  # the scenario's own list (TLS <= 1.2 suites only)
    elif tls_min in ("1.0", "1.1"):
        # OpenSSL 3 refuses TLS < 1.2 at the default security level; the fixture must really speak it
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    else:
        # AEAD only for TLS 1.2
        ctx.set_ciphers("ECDHE+AESGCM:ECDHE+CHACHA20" + (":@SECLEVEL=0" if weak_cert else ""))
    ctx.minimum_version = TLS[tls_min]
    ctx.maximum_version = TLS[tls_max]
    return ctx


def refuse_handshakes(ctx: ssl.SSLContext, row: dict[str, Any], events: JsonLog) -> None:
    """`tls_alert`: every handshake ends with that alert; `require_sni`: those without SNI end
    with handshake_failure (what an OpenSSL server with no certificate for them sends). The
    servername callback runs for every ClientHello, with name None when there is no SNI."""
    alert = row.get("tls_alert")
    if not alert and not row.get("require_sni"):
        return

    def pick(_sslobj: ssl.SSLObject, name: str | None, _ctx: ssl.SSLContext) -> int | None:
        events.write(event="tls", ip=row["ip"], sni=name)
        if alert:
            return int(ssl.AlertDescription[f"ALERT_DESCRIPTION_{alert.upper()}"])
        if name is None:
            return int(ssl.AlertDescription.ALERT_DESCRIPTION_HANDSHAKE_FAILURE)
        return None

    ctx.sni_callback = pick


def answer_without_sni(ctx: ssl.SSLContext, row: dict[str, Any], events: JsonLog) -> None:
    """`nosni_sans` (s21s): a ClientHello without SNI gets the default certificate (another
    context with the same versions and suites), one with any SNI the host's own."""
    default = server_context(
        row["nosni_cert"],
        row["nosni_key"],
        row.get("tls_min", "1.2"),
        row.get("tls_max", "1.3"),
        row.get("ciphers"),
    )

    def pick(sslobj: ssl.SSLObject, name: str | None, _ctx: ssl.SSLContext) -> None:
        events.write(event="tls", ip=row["ip"], sni=name)
        if name is None:
            sslobj.context = default

    ctx.sni_callback = pick


# ---------------------------------------------------------------- SMTP
class AlertingSSLProtocol(asyncio.sslproto.SSLProtocol):
    """asyncio drops the alert OpenSSL writes when a server-side handshake fails (it aborts
    the transport with the alert still in its memory BIO), so an aiosmtpd server hangs up
    instead of alerting. For the hosts declared to refuse with an alert (`tls_alert`,
    `require_sni`) the alert is sent first; the others keep asyncio's hang-up."""

    def _on_handshake_complete(self, handshake_exc: BaseException | None) -> None:
        row = getattr(self._app_protocol, "row", {})
        if handshake_exc is not None and (row.get("tls_alert") or row.get("require_sni")):
            pending = self._outgoing.read()
            if pending and not self._transport.is_closing():
                self._transport.write(pending)  # sent at once: nothing else is buffered
        super()._on_handshake_complete(handshake_exc)


# aiosmtpd builds its TLS layer as sslproto.SSLProtocol(...) from its own module global.
aiosmtpd.smtp.sslproto = types.SimpleNamespace(SSLProtocol=AlertingSSLProtocol)  # type: ignore[assignment]


class Spool:
    """Every MX host and the sink accept any mail and keep it in RUN_DIR/mail."""

    def __init__(self, run: Path, host: str, events: JsonLog) -> None:
        self.dir = run / "mail"
        self.host = host
        self.events = events

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        n = next(_seq)
        path = self.dir / f"{int(time.time() * 1000)}-{n}.eml"
        path.write_bytes(envelope.original_content or b"")
        self.events.write(
            event="mail",
            host=self.host,
            mail_from=envelope.mail_from,
            rcpt_to=envelope.rcpt_tos,
            file=path.name,
            tls=session.ssl is not None,
        )
        return "250 2.0.0 OK queued"


class ReofferSpool(Spool):
    """An MX that advertises STARTTLS again after the handshake (RFC 3207 §4.2 says MUST NOT)."""

    async def handle_EHLO(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        session.host_name = hostname  # the 5-argument hook takes over this bookkeeping
        if session.ssl is not None and not any("STARTTLS" in r for r in responses):
            responses.insert(len(responses) - 1, "250-STARTTLS")
        return responses


class LabSMTP(SMTP):
    def __init__(
        self, handler: Spool, row: dict[str, Any], history: list[float], events: JsonLog, **kw: Any
    ) -> None:
        super().__init__(handler, **kw)
        self.row = row
        self.history = history
        self.events = events
        self.ehlos = 0  # EHLO commands in this session, before and after TLS (s47j)

    @syntax("STARTTLS", when="tls_context")
    async def smtp_STARTTLS(self, arg: str) -> None:
        # STARTTLS is offered (EHLO lists it) but refused every time, as Postfix answers
        # "454 4.7.0 TLS not available due to local problem" while it cannot load its key.
        if self.row.get("starttls_masked") and not arg:
            # A Cisco ASA that hides STARTTLS masks the command too: the MTA gets X's (s29h).
            await self.push('500 5.5.1 Command unrecognized: "XXXXXXXX"')
            return
        reply = self.row.get("starttls_reply")
        if reply and not arg:
            self.events.write(event="starttls-refused", host=self.row["host"], reply=reply)
            await self.push(reply)
            return
        if self.row.get("close_after_starttls") and not arg:
            # Agreed, then gone before the ClientHello (a TLS proxy that cannot reach its
            # backend, an MTA whose TLS process dies).
            self.events.write(event="starttls-hangup", host=self.row["host"])
            await self.push("220 2.0.0 Ready to start TLS")
            self._close()
            return
        if self.row.get("starttls_stall") and not arg:
            # Agreed, then silence: the ClientHello stays unread and no ServerHello comes (a
            # TLS offload or an MTA whose TLS process hangs; s34l). A client that gives up
            # ends the wait (aiosmtpd cancels this handler when the connection is lost).
            self.events.write(event="starttls-stall", host=self.row["host"])
            await self.push("220 2.0.0 Ready to start TLS")
            await asyncio.sleep(120)
            self._close()
            return
        pipelined = bytes(self._reader._buffer)  # type: ignore[attr-defined]
        if pipelined and not arg and self.row.get("starttls_pipelined") == "refuse":
            # Postfix >= 3.9 (smtpd_forbid_unauth_pipelining): STARTTLS must end a pipelined
            # group (RFC 2920 §3.1), so a command behind it is a violation, and it hangs up.
            self.events.write(event="starttls-pipelining-refused", host=self.row["host"])
            await self.push("554 5.5.0 Error: SMTP protocol synchronization")
            self._close()
            return
        await super().smtp_STARTTLS(arg)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # aiosmtpd clears what arrived in plaintext behind STARTTLS once TLS is up (RFC 3207
        # §4.2); a CVE-2011-0411 server keeps it and runs it inside TLS (s33l).
        keep = b""
        if self._original_transport is not None and self.row.get("starttls_pipelined") == (
            "execute"
        ):
            keep = bytes(self._reader._buffer)  # type: ignore[attr-defined]
        super().connection_made(transport)
        if keep:
            self.events.write(event="starttls-pipelined-kept", host=self.row["host"])
            self._reader.feed_data(keep)

    @syntax("EHLO hostname")
    async def smtp_EHLO(self, hostname: str) -> None:
        self.ehlos += 1
        # A firewall's SMTP "fixup" (Cisco PIX/ASA) rewrites EHLO to XXXX, which the MTA
        # refuses; HELO passes, so senders fall back to plain SMTP without extensions.
        reply = self.row.get("ehlo_reply")
        if reply:
            for line in reply.split("\n"):
                await self.push(line)
            return
        delay = float(self.row.get("ehlo_delay", 0))
        if delay:
            # An MTA that resolves the client's name before it answers EHLO (s18s)
            await asyncio.sleep(delay)
        await super().smtp_EHLO(hostname)

    async def push(self, status: str) -> None:
        # aiosmtpd lists the extension as "250-STARTTLS"; a scenario may spell it otherwise.
        keyword = self.row.get("starttls_keyword") or "STARTTLS"
        if status == "250-STARTTLS" and keyword != "STARTTLS":
            status = "250-" + keyword
        if status == "250-STARTTLS" and self.row.get("starttls_masked"):
            # Cisco ASA 'inspect esmtp' without allow-tls masks the keyword (s29h).
            status = "250-XXXXXXXA"
        if status == "250-STARTTLS" and self.row.get("starttls_second_ehlo") and self.ehlos < 2:
            # s47j: the first EHLO's answer leaves STARTTLS out and a second EHLO's lists it
            # (a server that offers extensions only to clients that greet twice); a sender
            # greets once (RFC 5321 §4.1.4) and reads no STARTTLS. STARTTLS is taken anyway.
            return
        if status == "250 HELP" and self.session is not None and self.session.ssl is not None:
            # aiosmtpd ends every EHLO reply with "250 HELP"; inside TLS the keywords a
            # REQUIRETLS server adds come before it (s29m).
            for extra in self.row.get("tls_ehlo_keywords") or []:
                await self.push("250-" + extra)
        # s47j: replies ending in a bare LF, not CRLF (RFC 5321 §2.3.8 asks for CRLF).
        end = b"\n" if self.row.get("bare_lf") else b"\r\n"
        data = status.encode("utf-8") + end
        plain = self.row.get("after_starttls_220")
        if plain and status == "220 Ready to start TLS" and self._original_transport is None:
            # s47j: a plaintext line behind the 220, in the same write, before the handshake
            # (RFC 3207 §5: a client must not take it as the answer to its EHLO inside TLS).
            self.events.write(event="starttls-plaintext-sent", host=self.row["host"])
            data += plain.encode("utf-8") + end
        self._writer.write(data)
        await self._writer.drain()

    def _close(self) -> None:
        assert self.transport is not None
        self.transport.close()

    async def _refuse(self, greeting: str) -> None:
        """A greeting other than 220: a 4xx one closes the connection (RFC 5321 §3.8); after
        a 5xx one the server waits for QUIT, answering 503 to anything else (§3.1)."""
        for line in greeting.split("\n"):
            await self.push(line)
        if greeting.startswith("4"):
            self._close()
            return
        while self.transport is not None and not self.transport.is_closing():
            try:
                line = await asyncio.wait_for(self._reader.readuntil(), 60)
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
                break
            if line.strip().upper() == b"QUIT":
                await self.push("221 2.0.0 Bye")
                break
            await self.push("503 5.5.1 Error: bad sequence of commands")
        self._close()

    async def _handle_client(self) -> None:
        now = time.monotonic()
        limit = int(self.row.get("max_connections", 0))
        self.history[:] = [t for t in self.history if now - t < float(self.row.get("window", 30))]
        self.history.append(now)
        self.events.write(event="connect", host=self.row["host"], ip=self.row["ip"])
        if limit and len(self.history) > limit:
            await self.push(f"421 4.7.0 {self.row['host']} too many connections, try again later")
            assert self.transport is not None
            self.transport.close()
            return
        delay = float(self.row.get("banner_delay", 0))
        if delay:
            await asyncio.sleep(delay)
        greeting = self.row.get("greeting")
        if greeting and not greeting.startswith("220"):
            self.events.write(event="greeting-refused", host=self.row["host"], reply=greeting)
            await self._refuse(greeting)
            return
        if greeting:
            # Lines before aiosmtpd's own last line "220 <host> LabMTA ESMTP".
            for line in greeting.split("\n"):
                await self.push(line)
        await super()._handle_client()


async def start_smtp(
    run: Path, rows: list[dict[str, Any]], events: JsonLog
) -> list[asyncio.Server]:
    loop = asyncio.get_running_loop()
    servers = []
    for row in rows:
        ctx = None
        if row.get("starttls", True):
            ctx = server_context(
                row["cert"],
                row["key"],
                row.get("tls_min", "1.2"),
                row.get("tls_max", "1.3"),
                row.get("ciphers"),
                bool(row.get("weak_cert")),
                row.get("client_ca"),
            )
            refuse_handshakes(ctx, row, events)
            if row.get("nosni_cert"):
                answer_without_sni(ctx, row, events)
        history: list[float] = []

        def factory(
            row: dict[str, Any] = row,
            ctx: ssl.SSLContext | None = ctx,
            history: list[float] = history,
        ) -> LabSMTP:
            spool = (ReofferSpool if row.get("reoffer_starttls") else Spool)(
                run, row["host"], events
            )
            return LabSMTP(
                spool,
                row,
                history,
                events,
                hostname=row["host"],
                ident="LabMTA ESMTP",
                tls_context=ctx,
                require_starttls=False,
                timeout=60,
            )

        servers.append(await loop.create_server(factory, host=row["ip"], port=row.get("port", 25)))
    return servers


# ---------------------------------------------------------------- bare TCP ([[tcp]] rows)
async def start_tcp(rows: list[dict[str, Any]], events: JsonLog) -> list[asyncio.Server]:
    """Listeners that accept and then never speak: silent (read and discard, say nothing, give
    up after 120 s), reset (RST at once: SO_LINGER 0) or close (FIN at once)."""
    servers = []
    for row in rows:

        async def handle(
            reader: asyncio.StreamReader, writer: asyncio.StreamWriter, row: dict[str, Any] = row
        ) -> None:
            events.write(event="tcp", ip=row["ip"], port=row["port"], behaviour=row["behaviour"])
            if row["behaviour"] == "reset":
                sock = writer.get_extra_info("socket")
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                writer.transport.abort()
                return
            if row["behaviour"] == "silent":
                try:
                    async with asyncio.timeout(120):
                        while await reader.read(4096):
                            pass
                except (TimeoutError, ConnectionError):
                    pass
            writer.close()

        servers.append(await asyncio.start_server(handle, host=row["ip"], port=row["port"]))
    return servers


# ---------------------------------------------------------------- HTTPS
class _UntypedStreamResponse(web.StreamResponse):
    """A response that names no media type: aiohttp adds 'Content-Type: application/octet-stream'
    to a response with a body that declares none (RFC 9110 §8.3 lets a sender leave it out, as a
    NAS's or an embedded web server does)."""

    async def _prepare_headers(self) -> None:
        await super()._prepare_headers()
        self._headers.popall("Content-Type", None)


class _UntypedResponse(_UntypedStreamResponse, web.Response):
    pass


# How long a stalled body (stall_after) holds its connection open, as a silent [[tcp]] row does.
STALL_SECONDS = 120.0


async def _send_slowly(
    request: web.Request,
    response: web.StreamResponse,
    body: bytes,
    f: dict[str, Any],
    host: str,
    events: JsonLog,
) -> web.StreamResponse:
    """The body of a prepared response, `trickle_bytes` at a time with `trickle_every` seconds
    between pieces; with `stall_after`, only that much of it, then the connection is held with
    nothing more sent until the client leaves or STALL_SECONDS pass, and closed unfinished."""
    stall = f.get("stall_after")
    sent = body if stall is None else body[:stall]
    size = f.get("trickle_bytes") or len(sent) or 1
    for i in range(0, len(sent), size):
        if i:
            await asyncio.sleep(f["trickle_every"])
        await response.write(sent[i : i + size])
    if stall is None:
        await response.write_eof()
        return response
    events.write(event="http-stalled", host=host, path=request.path, sent=len(sent))
    transport = request.transport
    waited = 0.0
    # Polled, not one long sleep: a handler still sleeping would hold up the lab's shutdown.
    while transport is not None and not transport.is_closing() and waited < STALL_SECONDS:
        await asyncio.sleep(0.2)
        waited += 0.2
    if transport is not None:
        transport.close()  # the declared length never reached: an unfinished body
    return response


async def start_https(run: Path, conf: dict[str, Any], events: JsonLog) -> web.AppRunner:
    vhosts: dict[str, dict[str, Any]] = {v["host"]: v for v in conf["vhosts"]}
    reports = run / "reports"

    async def handle(request: web.Request) -> web.StreamResponse:
        host = (request.host or "").split(":")[0].lower().rstrip(".")
        vhost = vhosts.get(host)
        body = await request.read()
        events.write(
            event="http",
            host=host,
            method=request.method,
            path=request.path_qs,
            headers=dict(request.headers),
            size=len(body),
        )
        if vhost and vhost.get("receiver"):
            if request.method != "POST":
                return web.Response(status=405, text="POST reports here\n")
            n = next(_seq)
            stem = f"{int(time.time() * 1000)}-{n}"
            (reports / f"{stem}.body").write_bytes(body)
            (reports / f"{stem}.json").write_text(
                json.dumps(
                    {"path": request.path_qs, "headers": dict(request.headers), "size": len(body)}
                )
            )
            return web.Response(status=200, text="accepted\n")
        for f in (vhost or {}).get("files", []):
            if f["path"] == request.path:
                # A multidict: a header declared with several values is sent once per value.
                headers = CIMultiDict(tuple(h) for h in f.get("headers", []))
                if f.get("content_type"):
                    headers["Content-Type"] = f["content_type"]
                # content_type = "" and none among the headers: no media type at all (s31l-ctnone),
                # where aiohttp would name application/octet-stream.
                untyped = "Content-Type" not in headers
                body = base64.b64decode(f["body_b64"])
                framing = f.get("framing", "length")
                slow = f.get("delay") or f.get("trickle_bytes") or f.get("stall_after") is not None
                if f.get("delay"):
                    # Slow to answer (s33k): nothing, not even the status line, until then.
                    await asyncio.sleep(f["delay"])
                if framing == "length" and slow:
                    # Slow to send: the whole body's Content-Length, then the body in pieces.
                    kind = _UntypedStreamResponse if untyped else web.StreamResponse
                    response = kind(status=f["status"], headers=headers)
                    response.content_length = len(body)
                    await response.prepare(request)
                    return await _send_slowly(request, response, body, f, host, events)
                if framing == "length":
                    kind = _UntypedResponse if untyped else web.Response
                    return kind(status=f["status"], body=body, headers=headers)
                if framing == "http10-close":
                    # Answer as an HTTP/1.0 server does: aiohttp writes the request's version in
                    # the status line and, for 1.0 without a length, ends the body by closing.
                    # (Request.version is a cached property over _version.)
                    request._version = HttpVersion10
                    request._cache.pop("version", None)
                stream = _UntypedStreamResponse if untyped else web.StreamResponse
                response = stream(status=f["status"], headers=headers)
                if framing == "chunked":
                    response.enable_chunked_encoding()
                else:
                    # The close is what ends the body; aiohttp 3.14 would keep a keep-alive
                    # client's connection open after it (its own keep_alive = False is local).
                    response.force_close()
                await response.prepare(request)
                if slow:
                    return await _send_slowly(request, response, body, f, host, events)
                await response.write(body)
                await response.write_eof()
                return response
        return web.Response(status=404, text="not found\n")

    app = web.Application(client_max_size=8 * 1024 * 1024)
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()

    by_ip: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for v in conf["vhosts"]:
        by_ip.setdefault((v["ip"], v.get("port", 443)), []).append(v)
    for (ip, port), vs in by_ip.items():
        per = {v["host"]: server_context(v["cert"], v["key"]) for v in vs}
        # The address's default site (s30n), else the lab's default.lab.invalid: what a
        # handshake without SNI, or naming no site here, gets.
        own = next((v for v in vs if v.get("default")), None)
        default = (
            server_context(own["cert"], own["key"])
            if own
            else server_context(conf["default_cert"], conf["default_key"])
        )

        def pick(
            sslobj: ssl.SSLObject,
            name: str | None,
            _ctx: ssl.SSLContext,
            per: dict[str, ssl.SSLContext] = per,
            ip: str = ip,
        ) -> None:
            events.write(event="tls", ip=ip, sni=name)
            if name and name.lower() in per:
                sslobj.context = per[name.lower()]

        default.sni_callback = pick
        await web.TCPSite(runner, ip, port, ssl_context=default).start()
    return runner


# ---------------------------------------------------------------- DNS delay proxy
class DelayUDP(asyncio.DatagramProtocol):
    def __init__(self, upstream: tuple[str, int], delay: float) -> None:
        self.upstream, self.delay = upstream, delay
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        asyncio.ensure_future(self._relay(data, addr))

    async def _relay(self, data: bytes, addr: tuple[str, int]) -> None:
        await asyncio.sleep(self.delay)
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[bytes] = loop.create_future()

        class Client(asyncio.DatagramProtocol):
            def datagram_received(self, d: bytes, a: tuple[str, int]) -> None:
                if not answer.done():
                    answer.set_result(d)

        t, _ = await loop.create_datagram_endpoint(Client, remote_addr=self.upstream)
        try:
            t.sendto(data)
            reply = await asyncio.wait_for(answer, 5)
            if self.transport:
                self.transport.sendto(reply, addr)
        except TimeoutError:
            pass
        finally:
            t.close()


async def start_delay(listen: str, upstream: str, delay_ms: int) -> list[Any]:
    loop = asyncio.get_running_loop()
    delay = delay_ms / 1000
    up = (upstream, 53)
    udp, _ = await loop.create_datagram_endpoint(
        lambda: DelayUDP(up, delay), local_addr=(listen, 53)
    )

    async def tcp(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                (n,) = struct.unpack("!H", await reader.readexactly(2))
                msg = await reader.readexactly(n)
                await asyncio.sleep(delay)
                ur, uw = await asyncio.open_connection(*up)
                uw.write(struct.pack("!H", n) + msg)
                await uw.drain()
                (m,) = struct.unpack("!H", await ur.readexactly(2))
                reply = await ur.readexactly(m)
                uw.close()
                writer.write(struct.pack("!H", m) + reply)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    srv = await asyncio.start_server(tcp, listen, 53)
    return [udp, srv]


# ---------------------------------------------------------------- second authoritative server
class SecondaryNs:
    """A second authoritative server for one zone (s35l, checklist DNSSEC-10): the apex SOA
    and DNSKEY queries are answered from its own copy (RUN_DIR/knot/secondary/<zone>.zone,
    written by `up` after this process started, so read at the first such query), every
    other query is relayed to knot as it came."""

    def __init__(self, run: Path, row: dict[str, Any], events: JsonLog) -> None:
        self.path = run / "knot" / "secondary" / f"{row['zone']}.zone"
        self.apex = dns.name.from_text(row["zone"])
        self.upstream = (row["upstream"], 53)
        self.ip = row["ip"]
        self.events = events
        self.rrsets: list[dns.rrset.RRset] | None = None

    def _copy(self) -> list[dns.rrset.RRset]:
        if self.rrsets is None:
            zone = dns.zone.from_text(
                self.path.read_text(), origin=self.apex, relativize=False, check_origin=False
            )
            self.rrsets = [
                dns.rrset.from_rdata_list(name, rds.ttl, list(rds))
                for name, rds in zone.iterate_rdatasets()
            ]
        return self.rrsets

    def own_answer(self, wire: bytes) -> bytes | None:
        """The reply from the copy, or None when the query goes to knot."""
        try:
            query = dns.message.from_wire(wire)
        except dns.exception.DNSException:
            return None
        if len(query.question) != 1:
            return None
        q = query.question[0]
        if q.name != self.apex or q.rdtype not in (dns.rdatatype.SOA, dns.rdatatype.DNSKEY):
            return None
        reply = dns.message.make_response(query)
        reply.flags |= dns.flags.AA
        reply.flags &= ~dns.flags.RA
        dnssec_ok = bool(query.ednsflags & dns.flags.DO)
        for rrset in self._copy():
            if rrset.rdtype == q.rdtype or (
                dnssec_ok
                and rrset.rdtype == dns.rdatatype.RRSIG
                and rrset[0].type_covered == q.rdtype
            ):
                reply.answer.append(rrset)
        self.events.write(
            kind="dns", server=self.ip, qname=str(q.name), qtype=dns.rdatatype.to_text(q.rdtype)
        )
        return reply.to_wire()

    async def relay_udp(self, wire: bytes) -> bytes | None:
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[bytes] = loop.create_future()

        class Client(asyncio.DatagramProtocol):
            def datagram_received(self, d: bytes, a: tuple[str, int]) -> None:
                if not answer.done():
                    answer.set_result(d)

        t, _ = await loop.create_datagram_endpoint(Client, remote_addr=self.upstream)
        try:
            t.sendto(wire)
            return await asyncio.wait_for(answer, 5)
        except TimeoutError:
            return None
        finally:
            t.close()

    async def relay_tcp(self, wire: bytes) -> bytes:
        reader, writer = await asyncio.open_connection(*self.upstream)
        try:
            writer.write(struct.pack("!H", len(wire)) + wire)
            await writer.drain()
            (m,) = struct.unpack("!H", await reader.readexactly(2))
            return await reader.readexactly(m)
        finally:
            writer.close()


async def start_secondaries(run: Path, rows: list[dict[str, Any]], events: JsonLog) -> list[Any]:
    loop = asyncio.get_running_loop()
    started: list[Any] = []
    for row in rows:
        ns = SecondaryNs(run, row, events)

        class Udp(asyncio.DatagramProtocol):
            def __init__(self, ns: SecondaryNs = ns) -> None:
                self.ns = ns
                self.transport: asyncio.DatagramTransport | None = None

            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                self.transport = transport  # type: ignore[assignment]

            def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
                asyncio.ensure_future(self.answer(data, addr))

            async def answer(self, data: bytes, addr: tuple[str, int]) -> None:
                reply = self.ns.own_answer(data) or await self.ns.relay_udp(data)
                if reply and self.transport:
                    self.transport.sendto(reply, addr)

        udp, _ = await loop.create_datagram_endpoint(Udp, local_addr=(row["ip"], 53))

        async def tcp(
            reader: asyncio.StreamReader, writer: asyncio.StreamWriter, ns: SecondaryNs = ns
        ) -> None:
            try:
                while True:
                    (n,) = struct.unpack("!H", await reader.readexactly(2))
                    msg = await reader.readexactly(n)
                    reply = ns.own_answer(msg) or await ns.relay_tcp(msg)
                    writer.write(struct.pack("!H", len(reply)) + reply)
                    await writer.drain()
            except (asyncio.IncompleteReadError, ConnectionError):
                pass
            finally:
                writer.close()

        started += [udp, await asyncio.start_server(tcp, row["ip"], 53)]
    return started


# ---------------------------------------------------------------- main
async def serve(run: Path) -> None:
    conf = json.loads((run / "servers.json").read_text())
    (run / "mail").mkdir(exist_ok=True)
    (run / "reports").mkdir(exist_ok=True)
    events = JsonLog(run / "events.jsonl")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    smtp = await start_smtp(run, conf["smtp"], events)
    smtp += await start_tcp(conf.get("tcp", []), events)
    runner = await start_https(run, conf["https"], events)
    extra = await start_secondaries(run, conf.get("secondaries", []), events)
    if conf.get("delay_ms") is not None:
        extra += await start_delay(conf["delay_listen"], conf["delay_upstream"], conf["delay_ms"])
    (run / "servers.ready").write_text(str(len(smtp)))
    await stop.wait()
    for s in smtp:
        s.close()
    for e in extra:
        e.close()
    await runner.cleanup()


def main() -> None:
    run = Path(sys.argv[1])
    logging.basicConfig(
        level=logging.WARNING,
        stream=sys.stderr,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    try:
        asyncio.run(serve(run))
    except Exception as e:
        (run / "servers.failed").write_text(f"{type(e).__name__}: {e}")
        raise


if __name__ == "__main__":
    main()
