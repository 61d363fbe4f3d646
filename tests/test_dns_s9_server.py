"""A tiny in-process DNS server for the tests/test_dns_s9_* tests (no lab): UDP and TCP on one
free port of 127.0.0.1, answering from a handler that may send crafted wire replies.

The handler gets the parsed query and the transport ("udp" or "tcp") and returns a Reply (or a
list of them: e.g. a spoofed datagram before the real one) or None to stay silent.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import dns.edns
import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset


@dataclass
class Reply:
    wire: bytes
    delay: float = 0.0


Handler = Callable[[dns.message.Message, str], "Reply | list[Reply] | None"]


def answer(
    query: dns.message.Message,
    *rrsets: dns.rrset.RRset,
    rcode: int = dns.rcode.NOERROR,
    authority: tuple[dns.rrset.RRset, ...] = (),
    tc: bool = False,
    ede: tuple[int, str] | None = None,
) -> bytes:
    """A response to `query` as wire bytes, built by hand so nothing is trimmed to fit."""
    response = dns.message.make_response(query)
    response.set_rcode(rcode)
    response.flags |= dns.flags.RA
    response.answer.extend(rrsets)
    response.authority.extend(authority)
    if ede is not None:
        response.use_edns(0, options=[dns.edns.EDEOption(ede[0], ede[1])])
    if tc:
        response.flags |= dns.flags.TC
    return response.to_wire(max_size=65535)


def records(text: str) -> dns.rrset.RRset:
    """'name ttl TYPE rdata' (one record) as an RRset."""
    name, ttl, rdtype, rdata = text.split(" ", 3)
    return dns.rrset.from_text(name, int(ttl), "IN", rdtype, rdata)


def _replies(result: Reply | list[Reply] | None) -> list[Reply]:
    if result is None:
        return []
    return result if isinstance(result, list) else [result]


class FakeDns:
    def __init__(self, handler: Handler, *, udp: bool = True, tcp: bool = True) -> None:
        self.handler = handler
        self.asked: list[tuple[str, str, str]] = []  # (transport, name, type)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.udp_sock, self.tcp_sock, self.port = self._bind(udp, tcp)

    @staticmethod
    def _bind(udp: bool, tcp: bool) -> tuple[socket.socket | None, socket.socket | None, int]:
        for _ in range(50):
            # A UDP socket reserves the port even when only TCP listens: nothing else then
            # answers UDP there, and the ICMP "port unreachable" a real host sends is what a
            # TCP-only server produces.
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            u.bind(("127.0.0.1", 0))
            port = u.getsockname()[1]
            t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                t.bind(("127.0.0.1", port))
            except OSError:
                u.close()
                t.close()
                continue
            if tcp:
                t.listen(16)
            else:
                t.close()  # nothing listens: connections are refused
            if not udp:
                u.close()
            return (u if udp else None), (t if tcp else None), port
        raise RuntimeError("no free port")

    @property
    def address(self) -> tuple[str, int]:
        return ("127.0.0.1", self.port)

    def _handle(self, wire: bytes, transport: str) -> list[Reply]:
        try:
            query = dns.message.from_wire(wire)
        except Exception:
            return []
        q = query.question[0]
        self.asked.append((transport, q.name.to_text(), dns.rdatatype.to_text(q.rdtype)))
        return _replies(self.handler(query, transport))

    def _serve_udp(self) -> None:
        assert self.udp_sock is not None
        self.udp_sock.settimeout(0.1)
        while not self._stop.is_set():
            try:
                wire, peer = self.udp_sock.recvfrom(65535)
            except OSError:
                continue
            if self._stop.is_set() and not wire:  # stop()'s wake-up call (a query is never empty)
                break
            replies = self._handle(wire, "udp")
            threading.Thread(target=self._send_udp, args=(replies, peer), daemon=True).start()

    def _send_udp(self, replies: list[Reply], peer: tuple[str, int]) -> None:
        for reply in replies:
            time.sleep(reply.delay)
            try:
                assert self.udp_sock is not None
                self.udp_sock.sendto(reply.wire, peer)
            except OSError:
                pass

    def _serve_tcp(self) -> None:
        assert self.tcp_sock is not None
        self.tcp_sock.settimeout(0.1)
        while not self._stop.is_set():
            try:
                conn, _ = self.tcp_sock.accept()
            except OSError:
                continue
            if self._stop.is_set():  # stop()'s wake-up call, or a query come too late
                conn.close()
                break
            threading.Thread(target=self._tcp_conn, args=(conn,), daemon=True).start()

    def _tcp_conn(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        try:
            with conn:
                head = conn.recv(2)
                if len(head) < 2:
                    return
                (length,) = struct.unpack("!H", head)
                wire = b""
                while len(wire) < length:
                    chunk = conn.recv(length - len(wire))
                    if not chunk:
                        return
                    wire += chunk
                for reply in self._handle(wire, "tcp"):
                    time.sleep(reply.delay)
                    conn.sendall(struct.pack("!H", len(reply.wire)) + reply.wire)
                time.sleep(0.05)
        except OSError:
            pass

    def start(self) -> None:
        if self.udp_sock is not None:
            self._threads.append(threading.Thread(target=self._serve_udp, daemon=True))
        if self.tcp_sock is not None:
            self._threads.append(threading.Thread(target=self._serve_tcp, daemon=True))
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        # Wake the threads now, not at their next 0.1 s timeout (each test using the server
        # waited it): an empty datagram, a connection.
        if self.udp_sock is not None:
            self.udp_sock.sendto(b"", self.address)
        if self.tcp_sock is not None:
            with contextlib.suppress(OSError), socket.create_connection(self.address, 1):
                pass
        for thread in self._threads:
            thread.join()
        for sock in (self.udp_sock, self.tcp_sock):
            if sock is not None:
                sock.close()


@contextmanager
def fake_dns(handler: Handler, *, udp: bool = True, tcp: bool = True) -> Iterator[FakeDns]:
    server = FakeDns(handler, udp=udp, tcp=tcp)
    server.start()
    try:
        yield server
    finally:
        server.stop()
