"""Our policy zone: `<customer>.<MAILSEC_POLICY_ZONE> TXT "v=STSv1; id=..."`, written by
TSIG-signed DNS UPDATE (RFC 2136) to the authoritative server (Knot in production and in the
lab). Customers CNAME `_mta-sts.<domain>` here, so we can bump their id without them."""

from __future__ import annotations

from dataclasses import dataclass

import dns.exception
import dns.name
import dns.query
import dns.rcode
import dns.tsig
import dns.tsigkeyring
import dns.update
from django.conf import settings

# Short: senders look the TXT up before each delivery, and a bumped id should reach them fast.
RECORD_TTL = 300


class ZoneError(RuntimeError):
    """The UPDATE could not be made; the caller keeps the id as owed and retries later."""


@dataclass(frozen=True)
class PolicyZone:
    zone: str
    server: tuple[str, int] | None  # None: the zone is named but we cannot update it
    tsig_name: str
    tsig_secret: str
    tsig_algorithm: str = "hmac-sha256"
    timeout: float = 5.0

    @classmethod
    def from_settings(cls) -> PolicyZone | None:
        """None when no zone is configured (then customers must publish a plain TXT)."""
        if not settings.MAILSEC_POLICY_ZONE:
            return None
        return cls(
            zone=settings.MAILSEC_POLICY_ZONE.rstrip(".").lower(),
            server=settings.MAILSEC_POLICY_DNS_SERVER,
            tsig_name=settings.MAILSEC_POLICY_TSIG_NAME,
            tsig_secret=settings.MAILSEC_POLICY_TSIG_SECRET,
            tsig_algorithm=settings.MAILSEC_POLICY_TSIG_ALGORITHM,
        )

    def record_name(self, domain: str) -> str:
        return f"{domain}.{self.zone}"

    @staticmethod
    def record_value(policy_id: str) -> str:
        return f"v=STSv1; id={policy_id};"

    def _message(self) -> dns.update.UpdateMessage:
        keyring = dns.tsigkeyring.from_text(
            {self.tsig_name: (self.tsig_algorithm, self.tsig_secret)}
        )
        return dns.update.UpdateMessage(
            self.zone + ".",
            keyring=keyring,
            keyname=self.tsig_name,
            keyalgorithm=dns.name.from_text(self.tsig_algorithm),
        )

    def _send(self, update: dns.update.UpdateMessage) -> None:
        if self.server is None:
            raise ZoneError("MAILSEC_POLICY_DNS_SERVER is not set")
        host, port = self.server
        try:
            response = dns.query.tcp(update, host, port=port, timeout=self.timeout)
        except (OSError, dns.exception.DNSException) as exc:
            raise ZoneError(f"UPDATE to {host}:{port} failed: {exc}") from exc
        if response.rcode() != dns.rcode.NOERROR:
            raise ZoneError(
                f"UPDATE of {self.zone} refused by {host}:{port}: "
                f"{dns.rcode.to_text(response.rcode())}"
            )

    def record_problem(self, domain: str) -> str | None:
        """Why `domain` can have no record in this zone (None when it can): a long customer
        name plus our zone can pass DNS's 255-octet limit."""
        try:
            dns.name.from_text(self.record_name(domain))
        except dns.exception.DNSException as exc:
            return f"{self.record_name(domain)} is not a valid DNS name ({exc})"
        return None

    def _record(self, domain: str) -> dns.name.Name:
        # As ZoneError, like every other failure here: the callers keep the id owed and go on
        # (an exception of dnspython would fail the page, and every later sync of the policy).
        problem = self.record_problem(domain)
        if problem is not None:
            raise ZoneError(problem)
        return dns.name.from_text(self.record_name(domain))

    def publish(self, domain: str, policy_id: str) -> None:
        name = self._record(domain)
        update = self._message()
        update.replace(name, RECORD_TTL, "TXT", f'"{self.record_value(policy_id)}"')
        self._send(update)

    def withdraw(self, domain: str) -> None:
        name = self._record(domain)
        update = self._message()
        update.delete(name)
        self._send(update)
