"""The lab publishes its zones' DS records into the parent in UPDATE messages that fit in one
DNS message (task s38c). With the ~1,000 signed zones of the scenarios (s38a's 20 new ones
tipped it) the one UPDATE for lab.test passed 65535 octets: dnspython raised TooBig and no lab
started, so every lab test failed. No lab needed here: the messages are built and signed, the
name server's answer stands in."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import dns.exception
import dns.message
import dns.rcode
import pytest

from tests.lab import dnslab

SECRET = base64.b64encode(b"s38c" * 8).decode()


def many_ds(n: int) -> list[tuple[str, int, str, str]]:
    return [
        (
            f"s38cz{i:04d}.lab.test.",
            300,
            "DS",
            f"{10000 + i} 13 2 {hashlib.sha256(str(i).encode()).hexdigest()}",
        )
        for i in range(n)
    ]


def test_the_ds_of_1500_zones_go_out_in_messages_that_fit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sent: list[bytes] = []

    def tcp(message: Any, where: str, port: int, timeout: float) -> dns.message.Message:
        wire = message.to_wire()  # raises TooBig past 65535 octets, as the real send does
        sent.append(wire)
        response = dns.message.make_response(message)
        response.set_rcode(dns.rcode.NOERROR)
        return response

    monkeypatch.setattr(dnslab.dns.query, "tcp", tcp)
    adds = many_ds(1500)
    # One message for all of them is what failed.
    with pytest.raises(dns.exception.TooBig):
        dnslab.send_update("lab.test", SECRET, add=adds)
    sent.clear()
    dnslab.publish_ds("lab.test", SECRET, adds)
    assert len(sent) >= 2 and all(len(w) <= 65535 for w in sent)
    published = [
        rr.to_text()
        for wire in sent
        for rrset in dns.message.from_wire(wire, keyring=dnslab.keyring(SECRET)).update
        for rr in rrset
    ]
    assert sorted(published) == sorted(data for _, _, _, data in adds)
