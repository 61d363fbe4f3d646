"""Task s39i, item 1: the full-stack ACME failure. pebble refuses to issue for a hosted name
(its domainBlocklist: acme.start(domain_blocklist=...)), so Caddy's on-demand issuance fails
and every handshake with mta-sts.<name> ends with an alert; then pebble issues again (a new
pebble and Caddy without the blocklist, as a CA back from an outage). What mailsec's
certificate watch and the domain page tell the owner, through real handshakes with Caddy.

Expected, written before it ran (docs/hosting.md's certificate watch; s39g's blind round
played the same with a stand-in server): a bad reading, not "could not check" (senders get no
policy); nothing told at the first reading (a brief failure is no alarm); told once a second
reading 12 hours later sees it too, naming mta-sts.<name> and the reason the handshake gives;
not again; once a certificate is issued, "valid certificate again" told once; the page shows
what the watch last read. The policy text and id never move. Uses only lab names of its own
(hosted03.lab.test, which no other test in this file's session gets a certificate for).

Results (first run, under the lab lock, PostgreSQL + Redis): the expectation's picture of
Caddy was wrong, and with it s39g's stand-in. Caddy 2.6.2 sends no alert while the CA refuses:
pebble answered the new order with `rejectedIdentifier` ("issuance is forbidden by policy"),
certmagic logged "will retry" (in 60 s, then 120 s, for up to 30 days), and the handshake that
asked for the certificate waits on those retries: our client gave up after its timeout, the
watch after the engine's ("could not check: no complete answer within 16 s"). So for as long
as the CA refuses, every reading is "could not check", recorded and never told: the owner
hears nothing (no false alarm, but no alarm at all), and the domain page showed nothing about
the certificate either (only a validity date, and there was none; it now shows the last
reading, d19ab652, and the second run found it there at every reading). Once a CA issues,
the next handshake gets a certificate at once and the watch reads it valid; as nothing was
told, nothing is told then. Text and id never moved. These gaps are product decisions (a
timeout is "could not check", never a verdict), left to the lead: the rows that show them
are KNOWN below, and the test fails as soon as the product differs from this run in any way,
for the better (a KNOWN row holds) or the worse; while it does not, it reports xfailed.
Second run (after the page change): 1 xfailed, the same KNOWN rows, in 161 s."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mailsec.domains.models import Domain
from mailsec.hosting import service
from tests import test_hosting_lab as base
from tests.lab import acme
from tests.lab.control import Lab
from tests.test_hosting_lab import enable_as_owner

hosting = base.hosting
customer = base.customer

pytestmark = pytest.mark.lab

NAME = "hosted03.lab.test"
HOST = f"mta-sts.{NAME}"

# fmt: off
EXPECT: dict[str, dict[str, Any]] = {
    "refused_1": {"handshake": False, "bad": True, "could_not_check": False, "told": 0},
    "refused_2": {"handshake": False, "bad": True, "told": 1, "names": HOST},
    "refused_3": {"handshake": False, "bad": True, "told": 0},
    "issued":    {"handshake": True, "bad": False, "told": 1, "says": "valid certificate again"},
    "after":     {"handshake": True, "bad": False, "told": 0},
}
# fmt: on

# What the first run found (see the docstring): while the CA refuses, Caddy's handshake waits
# on certmagic's retries and the watch reads "could not check" each time and tells nothing;
# so no recovery is told either. (The page showing no reading was the third gap: it now
# shows the last reading, tests/test_hosting_s39i_cert_page.py.)
KNOWN = {
    "refused_1: bad", "refused_1: could_not_check",
    "refused_2: bad", "refused_2: told", "refused_2: names",
    "refused_3: bad",
    "issued: told", "issued: says",
}  # fmt: skip


@pytest.fixture
def start_edge(lab: Lab, live_server: Any) -> Iterator[Callable[..., acme.Edge]]:
    """pebble + Caddy of this test's own (stopped at the end), in front of the live server."""
    parts = urlsplit(live_server.url)
    upstream = f"{parts.hostname}:{parts.port}"
    started: list[acme.Edge] = []

    def start(**kw: Any) -> acme.Edge:
        for edge in started:
            edge.stop()
        edge = acme.start(lab, upstream=upstream, ask_url=f"http://{upstream}/hosting/ask", **kw)
        started.append(edge)
        return edge

    yield start
    for edge in started:
        edge.stop()


def handshake(lab: Lab, edge: acme.Edge) -> bool | str:
    address = lab.dns_resolver().resolve(HOST, "A")[0].address
    context = ssl.create_default_context(cafile=str(edge.pebble_root))
    try:
        with (
            socket.create_connection((address, 443), timeout=5) as raw,
            context.wrap_socket(raw, server_hostname=HOST),
        ):
            return True
    except (ssl.SSLError, OSError) as exc:
        return str(exc)


@pytest.mark.django_db(transaction=True)
def test_acme_refusing_then_issuing_as_the_owner_hears_it(
    customer: Callable[[str], Domain],
    hosting: Lab,
    start_edge: Callable[..., acme.Edge],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    domain = customer(NAME)
    policy = enable_as_owner(domain)
    text, policy_id = policy.text, policy.policy_id
    owner = Client()
    owner.force_login(domain.team.memberships.get().user)
    edge = start_edge(domain_blocklist=[HOST])
    monkeypatch.setenv("MAILSEC_CA_BUNDLE", str(edge.bundle))
    start = timezone.now()
    seen: list[str] = []
    problems: list[str] = []
    for label, hours in (
        ("refused_1", 0), ("refused_2", 12), ("refused_3", 24), ("issued", 36), ("after", 48),
    ):  # fmt: skip
        if label == "issued":
            seen.append("pebble: " + edge.log("pebble")[-600:])
            seen.append("caddy: " + edge.log("caddy")[-1500:])
            edge = start_edge()
            monkeypatch.setenv("MAILSEC_CA_BUNDLE", str(edge.bundle))
        want = EXPECT[label]
        shook = handshake(hosting, edge)
        mail.outbox.clear()
        events = policy.events.count()
        service.watch_certificate(policy, now=start + timedelta(hours=hours))
        policy.refresh_from_db()
        new = list(policy.events.order_by("pk")[events:].values_list("kind", "message"))
        page = owner.get(reverse("hosting:page", args=[domain.code])).content.decode()
        seen.append(f"{label}: handshake={shook!r} cert_error={policy.cert_error!r} told={new}")
        checks = [
            ("handshake", (shook is True) == want["handshake"]),
            ("bad", (policy.cert_bad_since is not None) == want["bad"]),
            ("told", len(new) == want["told"]),
            ("text and id", (policy.text, policy.policy_id) == (text, policy_id)),
        ]
        if "could_not_check" in want:
            got = policy.cert_error.startswith("could not check")
            checks.append(("could_not_check", got == want["could_not_check"]))
        if "names" in want:
            checks.append(("names", bool(new) and want["names"] in new[0][1]))
        if "says" in want:
            checks.append(("says", bool(new) and want["says"] in new[0][1]))
        if policy.cert_error:
            # the reading's words (the page puts "could not check" in words of its own)
            words = policy.cert_unread or policy.cert_error
            shown = words.replace("'", "&#x27;") in page or words in page
            checks.append(("the page shows the reading", shown))
        problems += [f"{label}: {what}" for what, ok in checks if not ok]
    with capsys.disabled():
        print("\n" + "\n".join(seen))
    # Every refused handshake timed out (Caddy waiting on the CA), none ended with an alert.
    refused = [line for line in seen if line.startswith("refused_")]
    assert all("timed out" in line for line in refused), "\n".join(seen)
    assert set(problems) <= KNOWN, "\n".join(sorted(set(problems) - KNOWN) + seen)
    assert set(problems) == KNOWN, "a known gap closed, update KNOWN: " + ", ".join(
        sorted(KNOWN - set(problems))
    )
    pytest.xfail("known gaps (docstring): " + ", ".join(sorted(KNOWN)))
