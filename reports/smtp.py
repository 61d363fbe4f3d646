"""The SMTP listener for TLS reports by mail (RFC 8460 §5.3), built on aiosmtpd.

RCPT is refused (550) for addresses that are not a known tlsrpt+<token>, and deferred (451)
for a known token at another domain than TLSRPT_INBOUND_DOMAIN (a setup mismatch); DATA is
answered 250 only after the message is committed to the database (or was already: an identical
resend),
451 when it could not be stored and 452 when it would take an address over its daily quota
(the sending MTA keeps it and retries), 552 when it is too large, 554 when it is empty.

No AUTH: senders deliver reports as to any MX, unauthenticated. EHLO does not offer it and the
command is answered 502, so nobody is invited to guess passwords (aiosmtpd 1.4 offers
LOGIN and PLAIN after STARTTLS, and an empty `250-AUTH` even with both excluded).
"""

from __future__ import annotations

import logging
import ssl
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from asgiref.sync import sync_to_async
from django.db import close_old_connections, connection

from reports import conf
from reports.intake import (
    Accepted,
    IntakeError,
    QuotaExceeded,
    accept_email,
    addresses_for_message,
    find_address,
)
from reports.mail import token_from_recipient

log = logging.getLogger(__name__)


def _refuse_recipient(address: str) -> str | None:
    """The reply refusing RCPT TO `address`, or None to accept it.

    The daily quota is not checked here but at DATA: only the body tells whether this is an
    identical resend of a report already stored, which takes no quota and is answered 250
    (a sender retrying after a lost reply must not be deferred for a day). The price is that
    a full address still receives the body before its 452.
    """
    close_old_connections()
    try:
        domain = conf.inbound_domain()
        token = token_from_recipient(address, domain)
        found = addresses_for_message(b"", [address]) if token else []
        if found:
            return None
        elsewhere = None if token else token_from_recipient(address)
        if elsewhere and find_address(elsewhere) is not None:
            # One of our report addresses at another domain than TLSRPT_INBOUND_DOMAIN: our
            # setup (the setting unset or changed while records still name the old domain),
            # not the sender's mistake. 550 would bounce every report; 451 keeps them queued
            # until the setting is fixed, as ingest_email's 75 does.
            log.error(
                "RCPT %s: a known report token at another domain than TLSRPT_INBOUND_DOMAIN "
                "(%s); deferred, check the settings",
                address,
                domain,
            )
            return "451 4.3.0 Report address not at this server's inbound domain, try again later"
        return "550 5.1.1 No such TLS report address"
    finally:
        # Like the end of a web request: do not keep this thread's connection open between
        # messages (the database may restart; a held session blocks maintenance).
        connection.close()


def _store(message: bytes, recipients: list[str]) -> list[Accepted]:
    """The raw reports the message is stored as (one per report in it, for each recipient)."""
    close_old_connections()
    try:
        return [
            accepted
            for address in addresses_for_message(message, recipients)
            for accepted in accept_email(address, message)
        ]
    finally:
        connection.close()


def _stored_reply(stored: list[Accepted]) -> str:
    """250 with the public ids, saying which were stored now and which were already (an
    identical resend: the sender may have lost our first reply), as ingest_email does."""
    new = " ".join(str(a.raw.public_id) for a in stored if a.created)
    old = " ".join(str(a.raw.public_id) for a in stored if not a.created)
    said = "; ".join(
        text for text in (new and f"Stored {new}", old and f"already stored {old}") if text
    )
    return f"250 2.0.0 {said[:1].upper()}{said[1:]}"


def _log_accepted(message: bytes, stored: list[Accepted], peer: Any) -> None:
    """One line per accepted message, so the log says that reports arrive and which raw
    report each became (the token stays out: it is the domain owner's secret)."""
    raws = ", ".join(f"{a.raw.public_id} ({'new' if a.created else 'duplicate'})" for a in stored)
    log.info(
        "accepted a message of %d bytes from %s, sha256 %s: raw report %s",
        len(message),
        peer[0] if isinstance(peer, tuple) and peer else "?",
        stored[0].raw.sha256[:12],
        raws,
    )


class ReportHandler:
    async def handle_EHLO(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        """aiosmtpd's planned EHLO lines without AUTH (aiosmtpd 1.4 has no setting for that:
        this hook is its documented way to change the list). The hook must record the
        client's name itself, or MAIL is refused with "send HELO first"."""
        session.host_name = hostname
        return [line for line in responses if not line[4:].upper().startswith("AUTH")]

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        try:
            refusal = await sync_to_async(_refuse_recipient, thread_sensitive=True)(address)
        except Exception:
            log.exception("recipient lookup failed")
            return "451 4.3.0 Temporary failure, try again later"
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        message = envelope.original_content or b""
        if not message.strip():
            # As ingest_email (65): nothing to keep, and a retry would bring nothing more.
            return "554 5.6.0 Empty message"
        try:
            stored = await sync_to_async(_store, thread_sensitive=True)(
                message, list(envelope.rcpt_tos)
            )
        except QuotaExceeded as e:
            # Temporary: the MTA retries; addresses already stored then answer "already stored".
            return f"452 4.2.2 {e.reason}"
        except IntakeError as e:
            return f"552 5.3.4 {e.reason}"
        except Exception:
            log.exception("could not store a report e-mail")
            return "451 4.3.0 Report could not be stored, try again later"
        if not stored:
            return "550 5.1.1 No such TLS report address"
        _log_accepted(message, stored, session.peer)
        return _stored_reply(stored)


class ReportSMTP(SMTP):
    # RFC 5321 §4.5.3.1.6 caps a line at 1000 octets, and aiosmtpd answers a longer one with
    # a permanent "500 Line too long", so the sender bounces the report. Reporters and
    # relays do send longer lines (an unfolded header, a base64 part not wrapped), and
    # ingest_email stores the same message, so take them. aiosmtpd also uses this as its
    # stream buffer limit, which 64 KiB keeps small.
    line_length_limit = 64 * 1024

    # No @syntax: HELP leaves it out, as EHLO does (ReportHandler.handle_EHLO). 502 rather
    # than aiosmtpd's 535 per attempt (or 538 before STARTTLS), which reads as "wrong
    # password, try another".
    async def smtp_AUTH(self, arg: str) -> None:
        await self.push(
            "502 5.5.1 AUTH not offered: this server takes TLS reports without authentication"
        )


class ReportController(Controller):
    def factory(self) -> SMTP:
        return ReportSMTP(self.handler, **self.SMTP_kwargs)


def build_controller(
    host: str,
    port: int,
    *,
    tls_cert: str | None = None,
    tls_key: str | None = None,
    require_starttls: bool = False,
) -> Controller:
    """An aiosmtpd Controller (its own thread and loop); STARTTLS when a certificate is given."""
    kwargs: dict[str, Any] = {"data_size_limit": conf.max_message_bytes()}
    if tls_cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(tls_cert, tls_key)
        kwargs.update(tls_context=context, require_starttls=require_starttls)
    return ReportController(
        ReportHandler(),
        hostname=host,
        port=port,
        ready_timeout=10,
        server_hostname=conf.inbound_domain(),
        **kwargs,
    )
