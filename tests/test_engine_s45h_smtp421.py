"""A fix from blind round s45c's reading (tests/test_lab_s45c_blind.py), tested without the lab.

s45c-starttls421's mx2 answers STARTTLS '421 4.3.2 Service shutting down, closing transmission
channel'. That stays "could not check" (SMTP-04 error, checklist §0), but its summary said that
senders requiring TLS hold mail while it lasts: a 421 closes the session (RFC 5321 §3.8,
§4.2.3), so every sender that asks for STARTTLS there is turned away, TLS-requiring or not.
Other 4xx replies are not this case (a 454 twice is SMTP-04's fail, tests/test_starttls_extra2.py).
"""

from __future__ import annotations

from checks.findings import Status
from tests.test_starttls_extra2 import EHLO_OK, Step, _findings, run_probe, scripted


def test_a_421_to_starttls_says_it_turns_every_sender_away() -> None:
    # s45c-starttls421's mx2: a box being restarted.
    reply = b"421 4.3.2 Service shutting down, closing transmission channel\r\n"
    steps: list[Step] = [EHLO_OK, ("STARTTLS", reply)]
    probe = run_probe(scripted(b"220 mx1.example.test ESMTP\r\n", steps), None)
    smtp04 = _findings(probe)["SMTP-04"]
    assert smtp04.status == Status.ERROR  # could not check, unchanged
    assert reply.decode().strip() in smtp04.summary
    assert "senders that require TLS hold mail" not in smtp04.summary, smtp04.summary
    assert (
        "A 421 closes the session (RFC 5321 §3.8, §4.2.3), so while it lasts every sender that "
        "asks for STARTTLS there is turned away, whether it requires TLS or would deliver "
        "without it"
    ) in smtp04.summary, smtp04.summary
