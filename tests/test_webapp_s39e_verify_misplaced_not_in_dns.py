"""Task s39e (found while making Domain.verify's empty-answer branch read plainly, item 6): a
domain noted not in the DNS (the add's lookup found the name NXDOMAIN) whose owner published
the challenge value under the name with the zone appended once more (a DNS panel that appends
the zone to the host typed) was told, at the press of Verify, that the domain does not exist:
the kept note won over the hint of where the value is, though the hint wins over a fresh
"does not exist" (Domain.verify). The hint is what the owner can act on, and acting on it
puts a record under the name, which then exists (an empty non-terminal at least).

Against a real UDP socket on a loopback address (127.0.240.x, this task's): the value is
published at _mailsec-challenge.mail.example.com.example.com; every other name is NXDOMAIN."""

from __future__ import annotations

import os
import socket
import threading
from unittest import mock

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset

from mailsec.domains.models import MISPLACED, NOT_IN_DNS_WORDS, Domain
from tests.conftest import BaseTestCase

RESOLVER_HOST = "127.0.240.54"
NAME = "mail.example.com"
MISPLACED_AT = f"_mailsec-challenge.{NAME}.example.com"


class VerifyMisplacedNotInDnsTestCase(BaseTestCase):
    publish_misplaced = True

    def setUp(self) -> None:
        super().setUp()
        self.domain = Domain.objects.create(
            team=self.team, name=NAME, verify_error=NOT_IN_DNS_WORDS
        )
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((RESOLVER_HOST, 0))
        self.sock.settimeout(0.2)
        self.stop = threading.Event()
        thread = threading.Thread(target=self.serve, daemon=True)
        thread.start()

        def close() -> None:
            self.stop.set()
            # Wake the thread now, not at its recvfrom's next 0.2 s timeout (tests/test_cli.py).
            self.sock.sendto(b"", self.sock.getsockname())
            thread.join()
            self.sock.close()

        self.addCleanup(close)
        resolver = f"{RESOLVER_HOST}:{self.sock.getsockname()[1]}"
        patch = mock.patch.dict(os.environ, {"MAILSEC_RESOLVER": resolver})
        patch.start()
        self.addCleanup(patch.stop)

    def serve(self) -> None:
        while not self.stop.is_set():
            try:
                data, peer = self.sock.recvfrom(4096)
            except OSError:
                continue
            if self.stop.is_set() and not data:  # close()'s wake-up call
                break
            query = dns.message.from_wire(data)
            question = query.question[0]
            response = dns.message.make_response(query)
            response.flags |= dns.flags.AA
            name = question.name.to_text().rstrip(".").lower()
            if (
                self.publish_misplaced
                and name == MISPLACED_AT
                and question.rdtype == dns.rdatatype.TXT
            ):
                response.answer.append(
                    dns.rrset.from_text(
                        question.name, 300, "IN", "TXT", f'"{self.domain.challenge_value}"'
                    )
                )
            elif not (self.publish_misplaced and MISPLACED_AT.endswith("." + name)):
                response.set_rcode(dns.rcode.NXDOMAIN)
            self.sock.sendto(response.to_wire(), peer)

    def test_verify_says_where_the_value_is(self) -> None:
        self.assertFalse(self.domain.verify())
        self.domain.refresh_from_db()
        self.assertTrue(self.domain.verify_error.startswith(MISPLACED), self.domain.verify_error)
        self.assertIn(MISPLACED_AT, self.domain.verify_error)
        self.assertIn("enter only _mailsec-challenge.mail as the name", self.domain.verify_error)
        self.assertFalse(self.domain.not_in_dns)

    def test_the_background_keeps_the_note(self) -> None:
        # Without hints (the background task) nothing else is looked up: the note stays.
        self.assertFalse(self.domain.verify(hints=False))
        self.domain.refresh_from_db()
        self.assertEqual(self.domain.verify_error, NOT_IN_DNS_WORDS)


class NothingPublishedTestCase(VerifyMisplacedNotInDnsTestCase):
    publish_misplaced = False

    def test_verify_says_where_the_value_is(self) -> None:
        # Control: nothing anywhere and the name NXDOMAIN: it does not exist, as before.
        self.assertFalse(self.domain.verify())
        self.domain.refresh_from_db()
        self.assertEqual(self.domain.verify_error, NOT_IN_DNS_WORDS)
        self.assertTrue(self.domain.not_in_dns)
