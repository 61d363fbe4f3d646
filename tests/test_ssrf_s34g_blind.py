"""Blind round s34g: the SSRF guard and hostile input across every outbound probe.

The standard: every outbound probe is guarded. Private, loopback, link-local and every other
non-public target (CGNAT 100.64/10, 0/8, multicast, reserved, IPv4-mapped/NAT64/6to4 forms of
those, ULA fc00::/7, fe80::/10, ::1, ::) is refused unless the lab setting
(allow_private_targets) allows it: refused with a plain message naming why, never a
connection, never a 500, 'could not check' or 'not public' wording, and 'fail' for the domain
only where the checklist says so (an MX host with only non-public addresses fails SMTP-01; an
IP literal as MX target is MX-05's fail; a 3xx at the policy URL is MTASTS-14's fail, and
never followed, RFC 8461 §3.3).

The rows were written from that rule, the checklist and the RFCs, before the product ran on any
of them, and gaps were picked against what tests/test_s24s_ssrf.py, test_freecheck_ssrf.py,
test_net*.py, test_https.py and test_domain_names.py already hold: a CNAME chain ending at
loopback, one public and one private address on one host, a redirect at the policy URL to the
cloud metadata address, URL hosts spelled as numbers (2130706433, 0x7f.1, 127.1) where a
getaddrinfo-style reader would find 127.0.0.1, IPv6 literals with a zone id, the same
spellings typed into the free check, its API, "add domain" and Caddy's certificate gate,
userinfo in a typed URL, over-long names and labels, NUL bytes, percent-encoding, a label
mixing scripts, and the free check hammered.

Three rows were planted wrong on purpose (see below).

Engine rows run one module's evaluate on an in-memory zone (tests.blind_engine.run_engine,
the production configuration: allow_private_targets off) with asyncio.open_connection replaced
by a recorder that refuses every connection: the guard runs before it, so a non-public address
in the record means the guard let it through; a public one is refused there, never reached.
Every socket connect/sendto is also watched through Python's audit events: none may leave.

First run (expectations committed in d8943d0): 10 of 83 failed. The three planted rows failed,
each alone, and are set right (mx-class-e: 240.1.2.3 is 'reserved', not 'multicast';
mx-target-ip-literal: MX-05 fail, not warn; the free check's '127.1' is refused as an IP
address, not accepted). Harness, mine: the TXT records were written in quotes, which this
in-memory resolver keeps as record text (MTASTS-04/TLSRPT-04 'written between quotes'), so the
five rua rows matched the quoted fix, not the probe: unquoted now, all five hold on the probe.
Expectations, mine: sts-host-public-beside-metadata names 169.254.169.254 as link-local in
MTASTS-17's per-address reading, MTASTS-11 speaking of the public address (the row asked it of
MTASTS-11); add-domain's NUL refusal is Django's plain 'Null characters are not allowed.' (the
row asked for the \\x00 escape). Product faults, fixed in 67dc767 with tests/test_ssrf_s34g.py
(texts only, no status change): the guard's refusal named every kind ('a private, loopback,
link-local or reserved address'), quoted so by TLSRPT-10 and BIMI; MX-05 called 127.0.0.1
'a private address'; MX-06's fix called a reserved address 'the private one'; the free check
and add-domain boxes gave a typed NUL byte back raw in the HTML. No row saw a connection past
the guard or a socket opened, and no page answered 500.

Left for the lead: TLS-RPT https rua hosts spelled as numbers (2130706433, 0x7f.1, 127.1),
which WHATWG URL parsers read as 127.0.0.1, get TLSRPT-10 warn 'does not resolve ... Publish an
address (A or AAAA record) for 127.1', where https://127.0.0.1/r gets 'could not check' (error):
one target, two statuses, and advice no one can follow. An MX target '2130706433.' is MX-06's
'Publish an address for 2130706433' where RFC 1123 §2.1 says a top-level label is alphabetic,
so it is no host name (MX-05's reading would fit). The bulk add box was not tried with NUL.

Task s34n settled both: a numeric https report host is judged as the IPv4 address it reads as
(the rua-https-* rows: TLSRPT-10 error from the guard, as for https://127.0.0.1/r, with the
reading in words), and an MX target whose last label is all digits is MX-05's fail
(mx-target-decimal-ipv4). The rows below record the new reading; see tests/test_engine_s34n.py.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

import pytest

from checks import mtasts, mx, net, starttls, tlsrpt
from checks.config import CheckConfig
from checks.https import HttpsResult
from tests.blind_engine import E, Fetch, N, Statuses, reading_problems, run_engine

D = "shop.s34g-victim.org"
POLICY_URL = f"https://mta-sts.{D}/.well-known/mta-sts.txt"
PUBLIC = "9.9.9.9"  # a public address: the recorder refuses it, nothing is sent

# --- watching every connection -------------------------------------------------------------

_SOCKETS: list[list[tuple[str, str]]] = []


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _SOCKETS and event in ("socket.connect", "socket.sendto"):
        _SOCKETS[-1].append((event, repr(args[1])))


sys.addaudithook(_audit)  # cannot be removed: records only inside watched()


@contextmanager
def watched() -> Iterator[tuple[list[tuple[str, int]], list[tuple[str, str]]]]:
    """(connections asked of asyncio.open_connection after the guard, sockets opened)."""
    asked: list[tuple[str, int]] = []
    sockets: list[tuple[str, str]] = []

    async def refuse(host: str, port: int, *args: Any, **kw: Any) -> Any:
        asked.append((str(host), int(port)))
        raise ConnectionRefusedError(111, "Connection refused")

    _SOCKETS.append(sockets)
    try:
        with mock.patch.object(asyncio, "open_connection", refuse):
            yield asked, sockets
    finally:
        _SOCKETS.pop()


# --- engine rows ------------------------------------------------------------------------------

Zone = dict[tuple[str, str], Any]


@dataclass
class EngineCase:
    name: str
    modules: tuple[Any, ...]
    zone: Zone
    expect: list[tuple[str, Statuses, tuple[str, ...]]]
    never: list[tuple[str, Statuses]] = field(default_factory=list)
    # Answers at URLs, for the rounds whose fetch is faked (redirects); None: the real fetch.
    answers: dict[str, HttpsResult] | None = None
    # The only URLs the faked fetch may be asked.
    fetch_only: frozenset[str] = frozenset()


def smtp_zone(*addresses: tuple[str, str]) -> Zone:
    """D's one MX host mx.D with the given (type, address) records."""
    zone: Zone = {(D, "MX"): [f"10 mx.{D}."]}
    for rdtype, address in addresses:
        zone.setdefault((f"mx.{D}", rdtype), []).append(address)
    return zone


def sts_zone(extra: Zone) -> Zone:
    zone: Zone = {
        (D, "MX"): [f"10 mx.{D}."],
        (f"mx.{D}", "A"): [PUBLIC],
        (f"_mta-sts.{D}", "TXT"): ["v=STSv1; id=20261203"],
    }
    zone.update(extra)
    return zone


def tlsrpt_zone(uri: str) -> Zone:
    return {
        (D, "MX"): [f"10 mx.{D}."],
        (f"mx.{D}", "A"): [PUBLIC],
        (f"_smtp._tls.{D}", "TXT"): [f"v=TLSRPTv1; rua={uri}"],
    }


def redirect(status: int, location: str) -> dict[str, HttpsResult]:
    return {
        POLICY_URL: HttpsResult(
            url=POLICY_URL,
            host=f"mta-sts.{D}",
            status=status,
            headers={"location": location, "content-length": "0"},
            header_values={"location": [location]},
        )
    }


SMTP = (mx, starttls)
ANY = ("pass", "info", "warn", "fail", "error", "na")
NOT_PASS = ("info", "warn", "fail", "error")

# fmt: off
ENGINE_CASES = [
    # An MX host with only non-public addresses: SMTP-01 fails (the checklist's example), the
    # address and its kind named; nothing connects.
    EngineCase("mx-rfc1918", SMTP, smtp_zone(("A", "10.1.2.3")),
               [E("SMTP-01", "fail", "10.1.2.3", "private")]),
    EngineCase("mx-cgnat", SMTP, smtp_zone(("A", "100.64.1.1")),
               [E("SMTP-01", "fail", "100.64.1.1")]),
    EngineCase("mx-this-network-0-8", SMTP, smtp_zone(("A", "0.1.2.3")),
               [E("SMTP-01", "fail", "0.1.2.3")]),
    EngineCase("mx-multicast", SMTP, smtp_zone(("A", "224.0.0.251")),
               [E("SMTP-01", "fail", "224.0.0.251")]),
    # Planted wrong in d8943d0 ('multicast'): 240.0.0.0/4 is reserved (RFC 1112 §4).
    EngineCase("mx-class-e", SMTP, smtp_zone(("A", "240.1.2.3")),
               [E("SMTP-01", "fail", "240.1.2.3", "reserved")]),
    EngineCase("mx-mapped-metadata", SMTP, smtp_zone(("AAAA", "::ffff:169.254.169.254")),
               [E("SMTP-01", "fail", "link-local")]),
    EngineCase("mx-nat64-private", SMTP, smtp_zone(("AAAA", "64:ff9b::a00:1")),
               [E("SMTP-01", "fail", "private")]),
    EngineCase("mx-6to4-private", SMTP, smtp_zone(("AAAA", "2002:a00:1::1")),
               [E("SMTP-01", "fail", "private")]),
    EngineCase("mx-nat64-local-use", SMTP, smtp_zone(("AAAA", "64:ff9b:1::a00:1")),
               [E("SMTP-01", "fail", "64:ff9b:1::a00:1")]),
    EngineCase("mx-ula", SMTP, smtp_zone(("AAAA", "fd12:3456::25")),
               [E("SMTP-01", "fail", "fd12:3456::25", "private")]),
    EngineCase("mx-ipv6-link-local", SMTP, smtp_zone(("AAAA", "fe80::25")),
               [E("SMTP-01", "fail", "fe80::25", "link-local")]),
    EngineCase("mx-loopback-and-unspecified", SMTP,
               smtp_zone(("AAAA", "::1"), ("AAAA", "::")),
               [E("SMTP-01", "fail", "::1", "loopback")]),
    EngineCase("mx-both-families-private", SMTP,
               smtp_zone(("A", "192.168.7.25"), ("AAAA", "fd00::25")),
               [E("SMTP-01", "fail", "192.168.7.25", "fd00::25")]),
    # One public and one private address: the public one is tried (refused by the recorder),
    # the private one never, and the report names it as not public.
    EngineCase("mx-public-beside-private", SMTP,
               smtp_zone(("A", PUBLIC), ("A", "10.0.0.5")),
               [E("*", NOT_PASS, "10.0.0.5", "private")]),
    EngineCase("mx-public-beside-metadata-v6", SMTP,
               smtp_zone(("A", PUBLIC), ("AAAA", "::ffff:169.254.169.254")),
               [E("*", NOT_PASS, "link-local")]),
    # An MX name that is an alias, through two hops, to loopback: MX-04 warns of the alias,
    # SMTP-01 fails naming loopback; nothing connects.
    EngineCase("mx-cname-chain-to-loopback", SMTP,
               {(D, "MX"): [f"10 mx.{D}."],
                (f"mx.{D}", "CNAME"): ["hop1.s34g-elsewhere.net."],
                ("hop1.s34g-elsewhere.net", "CNAME"): ["hop2.s34g-elsewhere.net."],
                ("hop2.s34g-elsewhere.net", "A"): ["127.0.0.1"]},
               [E("MX-04", "warn"), E("SMTP-01", "fail", "127.0.0.1", "loopback")]),
    # An IP literal as MX target is MX-05's fail (checklist; planted as warn in d8943d0).
    EngineCase("mx-target-ip-literal", SMTP, {(D, "MX"): ["10 127.0.0.1."]},
               [E("MX-05", "fail", "127.0.0.1", "loopback")]),
    # Numbers that inet_aton reads as 127.0.0.1: nothing connects. An all-digit last label is
    # no host name (RFC 1123 §2.1), MX-05's fail as 127.0.0.1. is (s34n; MX-06 alone before);
    # 0x7f000001 has letters, a name to the DNS that resolves to nothing here (MX-06).
    EngineCase("mx-target-decimal-ipv4", SMTP, {(D, "MX"): ["10 2130706433."]},
               [E("MX-05", "fail", "2130706433", "RFC 1123"), E("MX-06", "fail")]),
    EngineCase("mx-target-hex-ipv4", SMTP, {(D, "MX"): ["10 0x7f000001."]},
               [E("MX-06", "fail")], never=[N("MX-05", "fail")]),
    # The policy host an alias of loopback: could not check, never MTASTS-10/11's fail.
    EngineCase("sts-host-cname-to-loopback", (mtasts,),
               sts_zone({(f"mta-sts.{D}", "CNAME"): ["cdn.s34g-elsewhere.net."],
                           ("cdn.s34g-elsewhere.net", "A"): ["127.0.0.1"]}),
               [E("MTASTS-11", "error", "loopback")],
               never=[N("MTASTS-10", "fail"), N("MTASTS-11", "fail")]),
    EngineCase("sts-host-metadata-v4-and-v6", (mtasts,),
               sts_zone({(f"mta-sts.{D}", "A"): ["169.254.169.254"],
                           (f"mta-sts.{D}", "AAAA"): ["fd00:ec2::254"]}),
               [E("MTASTS-11", "error", "169.254.169.254")],
               never=[N("MTASTS-10", "fail"), N("MTASTS-11", "fail")]),
    # Public beside link-local at the policy host: only the public address is tried, and the
    # other is named as not public (MTASTS-17, the per-address reading; MTASTS-11 speaks of
    # the public address the recorder refused).
    EngineCase("sts-host-public-beside-metadata", (mtasts,),
               sts_zone({(f"mta-sts.{D}", "A"): [PUBLIC, "169.254.169.254"]}),
               [E("*", NOT_PASS, "169.254.169.254", "link-local")]),
    # A redirect at the policy URL is MTASTS-14's fail and is never followed (RFC 8461 §3.3).
    EngineCase("sts-301-to-metadata", (mtasts,),
               sts_zone({(f"mta-sts.{D}", "A"): [PUBLIC]}),
               [E("MTASTS-14", "fail", "301")],
               answers=redirect(301, "http://169.254.169.254/latest/meta-data/"),
               fetch_only=frozenset({POLICY_URL})),
    EngineCase("sts-302-to-internal-name", (mtasts,),
               sts_zone({(f"mta-sts.{D}", "A"): [PUBLIC]}),
               [E("MTASTS-14", "fail", "302")],
               answers=redirect(302, "https://mta-sts.corp.internal/.well-known/mta-sts.txt"),
               fetch_only=frozenset({POLICY_URL})),
    EngineCase("sts-307-to-ipv6-loopback", (mtasts,),
               sts_zone({(f"mta-sts.{D}", "A"): [PUBLIC]}),
               [E("MTASTS-14", "fail", "307")],
               answers=redirect(307, "https://[::1]/.well-known/mta-sts.txt"),
               fetch_only=frozenset({POLICY_URL})),
    # TLS-RPT https report URIs whose host is an address, or a number a getaddrinfo-style
    # reader takes for 127.0.0.1: never connected to; the report names the host. Since s34n
    # the numbers are judged as the address they read as (the guard's could not check, as for
    # the literal), where they were TLSRPT-10's warn 'does not resolve'.
    EngineCase("rua-https-loopback-literal", (tlsrpt,), tlsrpt_zone("https://127.0.0.1/r"),
               [E("TLSRPT-10", "error", "127.0.0.1", "loopback")]),
    EngineCase("rua-https-decimal", (tlsrpt,), tlsrpt_zone("https://2130706433/r"),
               [E("TLSRPT-10", "error", "2130706433 is 127.0.0.1 written short", "loopback")],
               never=[N("TLSRPT-10", "warn")]),
    EngineCase("rua-https-hex-short", (tlsrpt,), tlsrpt_zone("https://0x7f.1/r"),
               [E("TLSRPT-10", "error", "0x7f.1 is 127.0.0.1 written short", "loopback")],
               never=[N("TLSRPT-10", "warn")]),
    EngineCase("rua-https-short-dotted", (tlsrpt,), tlsrpt_zone("https://127.1/r"),
               [E("TLSRPT-10", "error", "127.1 is 127.0.0.1 written short", "loopback")],
               never=[N("TLSRPT-10", "warn")]),
    EngineCase("rua-https-zone-id", (tlsrpt,), tlsrpt_zone("https://[fe80::1%25eth0]/r"),
               [E("*", NOT_PASS, "fe80::1")]),
]
# fmt: on


def _faked(case: EngineCase, fetched: list[str]) -> Fetch | None:
    if case.answers is None:
        return None
    answers = case.answers

    async def fetch(ctx: Any, url: str, **kw: Any) -> HttpsResult:
        fetched.append(url)
        return answers.get(url) or HttpsResult(url=url, status=404, body=b"Not Found")

    return fetch


@pytest.mark.parametrize("case", ENGINE_CASES, ids=[c.name for c in ENGINE_CASES])
def test_engine_case(case: EngineCase) -> None:
    fetched: list[str] = []
    findings = []
    with watched() as (asked, sockets):
        for module in case.modules:
            starttls.clear_cache()
            findings += run_engine(module, D, case.zone, fetch=_faked(case, fetched)).findings
    # Only PUBLIC may be asked of asyncio (and is refused there): anything else passed the guard.
    leaked = [(host, port) for host, port in asked if host != PUBLIC]
    assert leaked == [], f"connected past the guard: {leaked}"
    assert sockets == [], f"sockets opened: {sockets}"
    if case.answers is not None:
        assert set(fetched) <= case.fetch_only, f"followed: {fetched}"
    problems, shown = reading_problems(findings, case.expect, case.never)
    assert not problems, f"{problems}\n{shown}"


# --- the guard itself ----------------------------------------------------------------------

PRODUCTION = CheckConfig()
LAB = CheckConfig(allow_private_targets=True)

# IPv6 literals with a zone id (RFC 4007 §11): the zone picks an interface, the address stays
# non-public.
ZONE_ID_FORMS = ["fe80::1%eth0", "::1%lo", "::ffff:127.0.0.1%1", "64:ff9b::7f00:1%2", "fd00::1%0"]
# Spellings that are not an address's one form: inet_aton reads some as 127.0.0.1.
ODD_SPELLINGS = [
    "2130706433",
    "0x7f.1",
    "127.1",
    "0177.0.0.1",
    "0x7f000001",
    "127.0.0.1\x00",
    " 127.0.0.1",
    "127.0.0.1.",
    "[::1]",
]


@pytest.mark.parametrize("address", ZONE_ID_FORMS)
def test_guard_refuses_a_zone_id_form(address: str) -> None:
    with pytest.raises(net.TargetRefused):
        net.guard(address, PRODUCTION)


@pytest.mark.parametrize("address", ODD_SPELLINGS)
def test_guard_refuses_odd_spellings_in_both_settings(address: str) -> None:
    with pytest.raises((net.TargetRefused, ValueError)):
        net.guard(address, PRODUCTION)
    with pytest.raises(ValueError):
        net.guard(address, LAB)


@pytest.mark.parametrize(
    ("address", "kind"),
    [("127.0.0.1", "loopback"), ("10.0.0.1", "private"), ("169.254.169.254", "link-local")],
)
def test_guard_refusal_names_why(address: str, kind: str) -> None:
    """The refusal names the address and its kind, not a list of every kind it might be."""
    with pytest.raises(net.TargetRefused) as refused:
        net.guard(address, PRODUCTION)
    text = str(refused.value)
    assert address in text and kind in text
    others = {"loopback", "private", "link-local", "reserved"} - {kind}
    assert not any(f"{other}," in text or f" {other} " in text for other in others), text


def test_guard_lets_nat64_and_6to4_of_a_public_host_through() -> None:
    """Control: the embedding of a public address is public."""
    for address in ("64:ff9b::909:909", "2002:909:909::1"):
        net.guard(address, PRODUCTION)


# --- pages -------------------------------------------------------------------------------------

DELAY = "mailsec.freecheck.views.run_free_check.delay"
LONG_LABEL = "a" * 64 + ".com"
# Labels of 60 letters: 258 characters in all, over the 253 a name may have (RFC 1035 §2.3.4).
LONG_NAME = "c" * 10 + "." + ".".join(["b" * 60] * 4) + ".com"
MIXED_SCRIPTS = "p\u0430ypal.com"  # Cyrillic а between Latin letters

# (typed, HTTP status, words the page must say). 400 rows create no run.
FREE_CHECK_ROWS: list[tuple[str, int, tuple[str, ...]]] = [
    ("2130706433", 400, ("IP address",)),
    ("0x7f.1", 400, ("IP address",)),
    # 127.1 is 127.0.0.1 to inet_aton, refused like it (planted as accepted in d8943d0).
    ("127.1", 400, ("IP address",)),
    ("0177.0.0.1", 400, ("IP address",)),
    ("http://a@127.0.0.1/", 400, ("IP address",)),
    ("http://[::ffff:127.0.0.1]:8080/", 400, ("IP address",)),
    ("[fe80::1%eth0]", 400, ("IP address",)),
    ("fe80::1%25eth0", 400, ("IP address",)),
    ("metadata.google.internal", 400, (".internal",)),
    (LONG_LABEL, 400, ("63",)),
    (LONG_NAME, 400, ("253",)),
    ("exa\x00mple.com", 400, ("\\x00",)),
    ("%31%32%37.0.0.1", 400, ()),
    # Accepted: a public name; the guard acts at connect time on whatever it points at.
    ("169.254.169.254.nip.io", 302, ()),
    # Userinfo is not the host: the host is s34g-victim.org.
    ("http://127.0.0.1@s34g-victim.org/", 302, ()),
]


@pytest.mark.django_db
class TestFreeCheckHostileInput:
    @pytest.fixture(autouse=True)
    def _fresh_limits(self) -> Iterator[None]:
        import uuid

        from mailsec.freecheck import ratelimit

        with mock.patch.object(ratelimit, "KEY_PREFIX", f"test-{uuid.uuid4().hex}"):
            yield

    @pytest.mark.parametrize(("typed", "status", "words"), FREE_CHECK_ROWS)
    def test_free_check(self, client: Any, typed: str, status: int, words: tuple[str, ...]) -> None:
        from mailsec.freecheck.models import FreeCheck

        with mock.patch(DELAY) as delay:
            r = client.post("/check", {"domain": typed}, HTTP_X_FORWARDED_FOR="198.51.100.34")
        assert r.status_code == status, r.content[:2000]
        page = r.content.decode()
        for word in words:
            assert word in page, word
        assert "\x00" not in page
        if status == 400:
            delay.assert_not_called()
            assert not FreeCheck.objects.exists()
        if typed.startswith("http://127.0.0.1@"):
            assert FreeCheck.objects.get().domain == "s34g-victim.org"

    def test_a_label_mixing_scripts_is_checked_as_its_a_label(self, client: Any) -> None:
        import idna

        from mailsec.freecheck.models import FreeCheck

        with mock.patch(DELAY):
            r = client.post(
                "/check", {"domain": MIXED_SCRIPTS}, HTTP_X_FORWARDED_FOR="198.51.100.35"
            )
        assert r.status_code in (302, 400)
        if r.status_code == 302:
            checked = FreeCheck.objects.get().domain
            assert checked == idna.encode(MIXED_SCRIPTS, uts46=True).decode()
            assert checked != "paypal.com"

    @pytest.mark.parametrize("typed", ["127.1", "2130706433", "[::1]", "exa\x00mple.com"])
    def test_the_api_refuses_with_json(self, client: Any, typed: str) -> None:
        r = client.get("/api/v1/check", {"domain": typed}, HTTP_X_FORWARDED_FOR="198.51.100.36")
        assert r.status_code == 400
        assert r["Content-Type"].startswith("application/json")
        assert r.json().get("error")

    def test_hammering_meets_429_with_a_clear_message(self, client: Any, settings: Any) -> None:
        limit = settings.MAILSEC_FREE_CHECK_RATE
        with mock.patch(DELAY):
            statuses = [
                client.post(
                    "/check", {"domain": f"s34g-{i}.org"}, HTTP_X_FORWARDED_FOR="198.51.100.37"
                ).status_code
                for i in range(limit)
            ]
            last = client.post(
                "/check", {"domain": "s34g-last.org"}, HTTP_X_FORWARDED_FOR="198.51.100.37"
            )
        assert 429 not in statuses
        assert last.status_code == 429
        assert int(last["Retry-After"]) > 0
        assert "again" in last.content.decode().lower()


ADD_ROWS: list[tuple[str, tuple[str, ...]]] = [
    ("2130706433", ("IP address",)),
    ("0x7f.1", ("IP address",)),
    ("http://a@127.0.0.1/", ("IP address",)),
    ("[::1]", ("IP address",)),
    ("fe80::1%25eth0", ("IP address",)),
    ("metadata.google.internal", (".internal",)),
    (LONG_LABEL, ("63",)),
    # Django's form field refuses a NUL first, in plain words (the row asked for the escape).
    ("exa\x00mple.com", ("Null characters are not allowed",)),
]


@pytest.mark.django_db
class TestAddDomainHostileInput:
    @pytest.mark.parametrize(("typed", "words"), ADD_ROWS)
    def test_add_domain(self, client: Any, typed: str, words: tuple[str, ...]) -> None:
        from django.contrib.auth.models import User

        from mailsec.accounts.models import Profile, Team
        from mailsec.domains.models import Domain

        user = User.objects.create_user("s34g", "s34g@example.org")
        team = Team.create_for(user)
        Profile.objects.create(user=user, current_team=team)
        client.force_login(user)
        with mock.patch.dict(os.environ, {"MAILSEC_ALLOW_PRIVATE_TARGETS": ""}):
            r = client.post("/domains/add/", {"name": typed})
        assert r.status_code == 400, r.status_code
        page = r.content.decode()
        for word in words:
            assert word in page, word
        assert "\x00" not in page
        assert not Domain.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "asked", ["mta-sts.127.0.0.1", "mta-sts.2130706433", "127.0.0.1", "mta-sts.\x00", "[::1]"]
)
def test_the_certificate_gate_refuses(client: Any, asked: str) -> None:
    """Caddy's on-demand TLS gate: no certificate (no ACME order) for an address or junk."""
    r = client.get("/hosting/ask", {"domain": asked}, REMOTE_ADDR="127.0.0.1")
    assert r.status_code == 403


def test_the_recorder_sees_a_probe_of_a_public_address() -> None:
    """Control: the watch is live. A public MX address is asked of asyncio (and refused)."""
    with watched() as (asked, _):
        starttls.clear_cache()
        run_engine(starttls, D, smtp_zone(("A", PUBLIC)))
    assert (PUBLIC, 25) in asked
