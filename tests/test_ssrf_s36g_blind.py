"""Blind round s36g: the SSRF guard, round 2 (every outbound probe guarded).

The standard: every outbound probe (SMTP to MX, the MTA-STS policy fetch, BIMI logo and mark
certificate fetches, TLS-RPT https rua probes) is guarded. Private, loopback, link-local and
every other non-public target is refused unless the lab setting (allow_private_targets) allows
it: a refusal is "could not check" or a plain refusal naming why, never a crash (no 500), never
a connection past the guard; 'fail' for the domain only where the checklist says so (an MX host
with only non-public addresses fails SMTP-01; a URL that is invalid as written is BIMI-04/05's
fail; a 3xx at the policy URL is MTASTS-14's fail and never followed, RFC 8461 §3.3).

Round 1 (tests/test_ssrf_s34g_blind.py, 83 rows) held every non-public class once, a CNAME to
loopback, redirects to the metadata address, numeric IPv4 spellings, NUL bytes and 429. This
round covers what it did not:

- IPv6 forms that embed a private IPv4 address (NAT64 64:ff9b::/96 and 64:ff9b:1::/48, 6to4
  2002::/16, Teredo 2001::/32, IPv4-compatible ::a.b.c.d, IPv4-mapped in its other
  spellings), site-local fec0::/10, ULA's fc00::/8 half, discard 100::/64, documentation
  2001:db8::/32 and 3fff::/20 (RFC 9637), multicast ff00::/8, zone ids (%eth0) on any address;
- IPv4 0.0.0.0/8, 100.64/10 (the 100.100.100.200 metadata address), 192.0.0/24, 198.18/15,
  240/4, 255.255.255.255, 192.88.99/24 (6to4 relay anycast, deprecated by RFC 7526 and not
  globally reachable in IANA's registry), multicast;
- mixed families (an MX whose A is public and AAAA private), many addresses with one private,
  two MX hosts with one private;
- MTA-STS policy fetch redirects to private targets (never followed), a policy host whose CNAME
  chain ends private; only ports 25 and 443 are ever asked of the network;
- TLS-RPT https rua and BIMI l=/a= URLs with userinfo, IPv6 literal hosts, percent-encoded
  hosts, trailing-dot hosts, IDN hosts that normalise to numbers, ports other than 443;
- DNS rebinding: names answering public on the first lookup and private on later ones (TTL 0):
  the connection goes to the address that was checked or is refused, never re-resolved past
  the guard;
- the free check, the signed-in "Check now" and the Celery task (run_check) alike, end to end
  on a stub DNS and a counting listener on loopback (127.36.7.1/127.36.7.2, this round's).

Engine rows run one module's evaluate on an in-memory zone (tests.blind_engine.run_engine, the
production configuration) with asyncio.open_connection replaced by a recorder that refuses
every connection (tests.test_ssrf_s34g_blind.watched): the guard runs before it, so any
non-public address asked of it went past the guard. Socket connects are watched through
Python's audit events too. The end-to-end rows point the real engine at a stub DNS server and
count connections reaching a listener whose address every name resolves to.

Three rows were planted wrong on purpose (expectations committed in e0ac451b, before any run):
mx-6to4-loopback said 'private' (2002:7f00:1:: carries 127.0.0.1: loopback);
sts-308-to-mapped-metadata said MTASTS-14 'warn' (the checklist: fail); 198.18.0.1
(benchmarking, RFC 2544) was among the addresses the guard lets through.

First run: 9 of 160 failed (48 engine rows; 107 guard rows: 53 refused, the 49 of them
without a zone id allowed in the lab, 5 public; 5 end-to-end rows). Two planted rows failed as planted; the third, mx-6to4-loopback, passed:
its word 'private' was found in SMTP-01's fix ('a mail server on a private network'), so the
kind words of the SMTP rows were made the summary's phrase ('only the loopback address X'),
and then it failed alone; all three are set right. Harness/expectation corrections, mine:
mx-mapped-hex-spelling's AAAA is written back '::ffff:127.0.0.1' (its row asked '127.0.0.1'
after 'address '); the mixed rows' kinds are the summary's phrase too (sts-a-public-aaaa-ula:
MTASTS-11 'fd00::443: not a public address (private)'). Product faults, fixed with
tests/test_ssrf_s36g.py (11 of 14 failed on the product before):
- mx-6to4-relay-anycast and the guard rows 192.88.99.1, 192.88.99.255, 2002:c058:6301::1:
  the guard let 192.88.99.0/24 through (Python counts it global), and the SMTP probe
  connected to 192.88.99.1 port 25: the only connection past the guard this round saw.
  Refused now as 'reserved'.
- 2620:fe::fe%eth0: a zone id on a public address passed the guard ('zone-scoped' now). No
  input reaches the guard so (DNS answers carry no zone, fetch refuses a zone id in a URL).
- rua-percent-encoded-host, rua-idn-fullwidth-numeric: TLSRPT-10 warned 'does not resolve'
  and asked for an A record for '%31%32%37.0.0.1'; the host is read as the address now
  (error from the guard, saying how it is written), as s34n reads 127.1.
Also fixed (the row bimi-l-port-8443 asked only 'not pass'): a BIMI logo or mark certificate
URL at port 8443, never connected to, was BIMI-09's fail 'could not be fetched'; now could not
check (error). No end-to-end row failed: no connection reached the listener on any path (free
check, Check now, run_check), the rebinding names were connected to at the address first
looked up (9.9.9.9, refused by the watch) and never at the later private answers, and the lab
setting (control) reaches the listener through the mapped address.

Noticed, left: TLSRPT-05 passes a rua holding non-ASCII characters (https://１２７。０。０。１/r),
which is no URI (RFC 3986); TLSRPT-10 for a URL at port 8443 is info ('could not tell'), BIMI
now error, for the same refusal; a TLS-RPT https host that is a name with percent-escapes
(r%65ports.example) is looked up as written, where a reporter decodes it (no probe goes
anywhere the guard did not judge). All three taken up by task s36f: TLSRPT-06 fails a rua
holding non-ASCII characters with its URI form (b973f473; rua-idn-fullwidth-numeric changed
with it), TLSRPT-10 at another port is error (115326af), the decoded name is looked up and
guarded (1a476220). BIMI-04 called https://[::ffff:127.0.0.1]/ and
https://%31%30.0.0.1/ 'no host name: its last label is all digits' (fail either way): it says
'is an IP address' since 96bc0311.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any
from unittest import mock

import dns.flags
import dns.message
import dns.rdatatype
import dns.rrset
import pytest
from django.test import override_settings

from checks import bimi, mtasts, mx, net, starttls, tlsrpt
from checks.config import CheckConfig
from checks.https import HttpsResult
from tests.blind_engine import E, N, reading_problems, run_engine
from tests.conftest import BaseTestCase
from tests.test_ssrf_s34g_blind import EngineCase, _faked, watched

D = "shop.s36g-victim.org"
POLICY_URL = f"https://mta-sts.{D}/.well-known/mta-sts.txt"
# Public addresses: the recorder refuses them, nothing is sent.
PUBLIC = "9.9.9.9"
PUBLICS = frozenset({PUBLIC, "9.9.9.10", "9.9.9.11", "9.9.9.12", "9.9.9.13", "2620:fe::fe"})
LOGO = f"https://logo.{D}/logo.svg"
MARK = f"https://vmc.{D}/vmc.pem"

Zone = dict[tuple[str, str], Any]


def smtp_zone(*addresses: tuple[str, str]) -> Zone:
    zone: Zone = {(D, "MX"): [f"10 mx.{D}."]}
    for rdtype, address in addresses:
        zone.setdefault((f"mx.{D}", rdtype), []).append(address)
    return zone


def sts_zone(extra: Zone) -> Zone:
    zone: Zone = {
        (D, "MX"): [f"10 mx.{D}."],
        (f"mx.{D}", "A"): [PUBLIC],
        (f"_mta-sts.{D}", "TXT"): ["v=STSv1; id=20261204"],
    }
    zone.update(extra)
    return zone


def tlsrpt_zone(uri: str, extra: Zone | None = None) -> Zone:
    zone: Zone = {
        (D, "MX"): [f"10 mx.{D}."],
        (f"mx.{D}", "A"): [PUBLIC],
        (f"_smtp._tls.{D}", "TXT"): [f"v=TLSRPTv1; rua={uri}"],
    }
    zone.update(extra or {})
    return zone


def bimi_zone(record: str, extra: Zone | None = None) -> Zone:
    zone: Zone = {
        (D, "MX"): [f"10 mx.{D}."],
        (f"mx.{D}", "A"): [PUBLIC],
        (f"_dmarc.{D}", "TXT"): ["v=DMARC1; p=reject"],
        (f"default._bimi.{D}", "TXT"): [record],
    }
    zone.update(extra or {})
    return zone


def redirect(url: str, status: int, location: str) -> dict[str, HttpsResult]:
    return {
        url: HttpsResult(
            url=url,
            host=url.split("/")[2],
            status=status,
            headers={"location": location, "content-length": "0"},
            header_values={"location": [location]},
        )
    }


SMTP = (mx, starttls)
NOT_PASS = ("info", "warn", "fail", "error")
TEREDO_LOOPBACK = "2001:0:4136:e378:8000:63bf:80ff:fffe"  # client 127.0.0.1 (bits inverted)

# fmt: off
ENGINE_CASES = [
    # --- an MX host whose only address is an IPv6 form carrying a non-public IPv4 host ------
    EngineCase("mx-nat64-loopback", SMTP, smtp_zone(("AAAA", "64:ff9b::7f00:1")),
               [E("SMTP-01", "fail", "only the loopback address 64:ff9b::7f00:1")]),
    EngineCase("mx-nat64-metadata", SMTP, smtp_zone(("AAAA", "64:ff9b::a9fe:a9fe")),
               [E("SMTP-01", "fail", "link-local")]),
    EngineCase("mx-nat64-local-use", SMTP, smtp_zone(("AAAA", "64:ff9b:1::7f00:1")),
               [E("SMTP-01", "fail", "only the reserved address 64:ff9b:1::7f00:1")]),
    # Planted wrong in e0ac451b ('private'): 2002:7f00:1:: is 127.0.0.1 through 6to4.
    EngineCase("mx-6to4-loopback", SMTP, smtp_zone(("AAAA", "2002:7f00:1::25")),
               [E("SMTP-01", "fail", "only the loopback address 2002:7f00:1::25")]),
    EngineCase("mx-teredo", SMTP, smtp_zone(("AAAA", TEREDO_LOOPBACK)),
               [E("SMTP-01", "fail", TEREDO_LOOPBACK)]),
    EngineCase("mx-ipv4-compatible", SMTP, smtp_zone(("AAAA", "::127.0.0.1")),
               [E("SMTP-01", "fail", "only the reserved address ::127.0.0.1")]),
    EngineCase("mx-mapped-hex-spelling", SMTP, smtp_zone(("AAAA", "::ffff:7f00:1")),
               [E("SMTP-01", "fail", "only the loopback address ::ffff:127.0.0.1")]),
    EngineCase("mx-site-local", SMTP, smtp_zone(("AAAA", "fec0::25")),
               [E("SMTP-01", "fail", "only the reserved address fec0::25")]),
    EngineCase("mx-ula-fc-half", SMTP, smtp_zone(("AAAA", "fc00::25")),
               [E("SMTP-01", "fail", "only the private address fc00::25")]),
    EngineCase("mx-discard-only", SMTP, smtp_zone(("AAAA", "100::25")),
               [E("SMTP-01", "fail", "only the reserved address 100::25")]),
    EngineCase("mx-documentation-v6", SMTP, smtp_zone(("AAAA", "2001:db8::25")),
               [E("SMTP-01", "fail", "only the reserved address 2001:db8::25")]),
    EngineCase("mx-documentation-3fff", SMTP, smtp_zone(("AAAA", "3fff::25")),
               [E("SMTP-01", "fail", "only the reserved address 3fff::25")]),
    EngineCase("mx-multicast-v6", SMTP, smtp_zone(("AAAA", "ff05::25")),
               [E("SMTP-01", "fail", "ff05::25")]),
    # --- IPv4 special-purpose blocks round 1 did not hold -----------------------------------
    EngineCase("mx-unspecified-v4", SMTP, smtp_zone(("A", "0.0.0.0")),
               [E("SMTP-01", "fail", "0.0.0.0")]),
    EngineCase("mx-cgnat-metadata", SMTP, smtp_zone(("A", "100.100.100.200")),
               [E("SMTP-01", "fail", "only the private address 100.100.100.200")]),
    EngineCase("mx-ietf-protocol", SMTP, smtp_zone(("A", "192.0.0.170")),
               [E("SMTP-01", "fail", "only the reserved address 192.0.0.170")]),
    EngineCase("mx-benchmarking", SMTP, smtp_zone(("A", "198.19.255.1")),
               [E("SMTP-01", "fail", "only the reserved address 198.19.255.1")]),
    EngineCase("mx-limited-broadcast", SMTP, smtp_zone(("A", "255.255.255.255")),
               [E("SMTP-01", "fail", "only the reserved address 255.255.255.255")]),
    EngineCase("mx-6to4-relay-anycast", SMTP, smtp_zone(("A", "192.88.99.1")),
               [E("SMTP-01", "fail", "only the reserved address 192.88.99.1")]),
    EngineCase("mx-multicast-ssdp", SMTP, smtp_zone(("A", "239.255.255.250")),
               [E("SMTP-01", "fail", "239.255.255.250")]),
    # --- mixed: public beside private ----------------------------------------------------
    EngineCase("mx-a-public-aaaa-nat64-loopback", SMTP,
               smtp_zone(("A", PUBLIC), ("AAAA", "64:ff9b::7f00:1")),
               [E("*", NOT_PASS, "the loopback address 64:ff9b::7f00:1")]),
    EngineCase("mx-five-public-one-private", SMTP,
               smtp_zone(("A", "9.9.9.10"), ("A", "9.9.9.11"), ("A", "172.16.5.5"),
                         ("A", "9.9.9.12"), ("A", "9.9.9.13"), ("AAAA", "2620:fe::fe")),
               [E("*", NOT_PASS, "the private address 172.16.5.5")]),
    EngineCase("mx-two-hosts-one-private", SMTP,
               {(D, "MX"): [f"10 mx1.{D}.", f"20 mx2.{D}."],
                (f"mx1.{D}", "A"): [PUBLIC],
                (f"mx2.{D}", "A"): ["10.20.30.40"]},
               [E("*", NOT_PASS, "the private address 10.20.30.40")]),
    # --- MTA-STS policy host ------------------------------------------------------------------
    EngineCase("sts-cname-chain-to-nat64-metadata", (mtasts,),
               sts_zone({(f"mta-sts.{D}", "CNAME"): ["a.s36g-elsewhere.net."],
                         ("a.s36g-elsewhere.net", "CNAME"): ["b.s36g-elsewhere.net."],
                         ("b.s36g-elsewhere.net", "CNAME"): ["c.s36g-elsewhere.net."],
                         ("c.s36g-elsewhere.net", "AAAA"): ["64:ff9b::a9fe:a9fe"]}),
               [E("MTASTS-11", "error", "link-local")],
               never=[N("MTASTS-10", "fail"), N("MTASTS-11", "fail")]),
    EngineCase("sts-only-6to4-loopback", (mtasts,),
               sts_zone({(f"mta-sts.{D}", "AAAA"): ["2002:7f00:1::443"]}),
               [E("MTASTS-11", "error", "loopback")],
               never=[N("MTASTS-10", "fail"), N("MTASTS-11", "fail")]),
    EngineCase("sts-a-public-aaaa-ula", (mtasts,),
               sts_zone({(f"mta-sts.{D}", "A"): [PUBLIC], (f"mta-sts.{D}", "AAAA"): ["fd00::443"]}),
               [E("*", NOT_PASS, "fd00::443: not a public address (private)")]),
    # Planted wrong in e0ac451b ('warn'): MTASTS-14 fails a 3xx (checklist).
    EngineCase("sts-308-to-mapped-metadata", (mtasts,),
               sts_zone({(f"mta-sts.{D}", "A"): [PUBLIC]}),
               [E("MTASTS-14", "fail", "308")],
               answers=redirect(POLICY_URL, 308, "https://[::ffff:a9fe:a9fe]/latest/meta-data/"),
               fetch_only=frozenset({POLICY_URL})),
    EngineCase("sts-301-to-port-8443", (mtasts,),
               sts_zone({(f"mta-sts.{D}", "A"): [PUBLIC]}),
               [E("MTASTS-14", "fail", "301")],
               answers=redirect(POLICY_URL, 301, f"https://mta-sts.{D}:8443/.well-known/mta-sts.txt"),
               fetch_only=frozenset({POLICY_URL})),
    EngineCase("sts-302-to-userinfo-private", (mtasts,),
               sts_zone({(f"mta-sts.{D}", "A"): [PUBLIC]}),
               [E("MTASTS-14", "fail", "302")],
               answers=redirect(POLICY_URL, 302, f"https://mta-sts.{D}@10.0.0.1/.well-known/mta-sts.txt"),
               fetch_only=frozenset({POLICY_URL})),
    # --- TLS-RPT https report URIs ---------------------------------------------------------
    EngineCase("rua-nat64-literal", (tlsrpt,), tlsrpt_zone("https://[64:ff9b::7f00:1]/r"),
               [E("TLSRPT-10", "error", "loopback")], never=[N("TLSRPT-10", "fail")]),
    EngineCase("rua-mapped-hex-literal", (tlsrpt,), tlsrpt_zone("https://[::ffff:7f00:1]/r"),
               [E("TLSRPT-10", "error", "loopback")], never=[N("TLSRPT-10", "fail")]),
    EngineCase("rua-site-local-literal", (tlsrpt,), tlsrpt_zone("https://[fec0::1]/r"),
               [E("TLSRPT-10", "error", "fec0::1", "reserved")]),
    EngineCase("rua-userinfo-private", (tlsrpt,), tlsrpt_zone("https://evil@10.0.0.1/r"),
               [E("TLSRPT-10", "error", "10.0.0.1", "private")]),
    EngineCase("rua-trailing-dot-literal", (tlsrpt,), tlsrpt_zone("https://127.0.0.1./r"),
               [E("TLSRPT-10", "error", "127.0.0.1", "loopback")]),
    # A URL parser decodes a percent-encoded host (WHATWG URL host parsing; RFC 3986 §3.2.2
    # reg-name is pct-encoded UTF-8): %31%32%37.0.0.1 is 127.0.0.1 to a reporter.
    EngineCase("rua-percent-encoded-host", (tlsrpt,), tlsrpt_zone("https://%31%32%37.0.0.1/r"),
               [E("TLSRPT-10", "error", "127.0.0.1", "loopback")],
               never=[N("TLSRPT-10", "warn")]),
    # UTS #46 maps fullwidth digits and the ideographic full stop to ASCII: 127.0.0.1.
    # Changed with the rule in s36f: non-ASCII characters make no URI (RFC 3986 §2), so the
    # rua is TLSRPT-06's fail with its URI form, and nothing is looked up or probed (it was
    # TLSRPT-10 error, the guard refusing 127.0.0.1).
    EngineCase("rua-idn-fullwidth-numeric", (tlsrpt,),
               tlsrpt_zone("https://\uff11\uff12\uff17\u3002\uff10\u3002\uff10\u3002\uff11/r"),
               [E("TLSRPT-06", "fail", "non-ASCII", "https://127.0.0.1/r")],
               never=[N("TLSRPT-10", ("warn", "pass"))]),
    EngineCase("rua-host-cname-to-teredo", (tlsrpt,),
               tlsrpt_zone(f"https://reports.{D}/r",
                           {(f"reports.{D}", "CNAME"): ["t.s36g-elsewhere.net."],
                            ("t.s36g-elsewhere.net", "AAAA"): [TEREDO_LOOPBACK]}),
               [E("TLSRPT-10", "error", TEREDO_LOOPBACK)]),
    EngineCase("rua-port-8443", (tlsrpt,),
               tlsrpt_zone(f"https://reports.{D}:8443/r", {(f"reports.{D}", "A"): [PUBLIC]}),
               [E("TLSRPT-10", NOT_PASS, "8443")]),
    # --- BIMI l= and a= --------------------------------------------------------------------
    EngineCase("bimi-l-userinfo-private", (bimi,),
               bimi_zone("v=BIMI1; l=https://evil@10.0.0.1/logo.svg"),
               [E("BIMI-04", "fail", "user name")]),
    EngineCase("bimi-l-ipv6-literal-mapped", (bimi,),
               bimi_zone("v=BIMI1; l=https://[::ffff:127.0.0.1]/logo.svg"),
               [E("BIMI-04", "fail")]),
    EngineCase("bimi-l-percent-encoded-host", (bimi,),
               bimi_zone("v=BIMI1; l=https://%31%30.0.0.1/logo.svg"),
               [E("BIMI-04", "fail")]),
    EngineCase("bimi-l-trailing-dot-ip", (bimi,),
               bimi_zone("v=BIMI1; l=https://10.0.0.1./logo.svg"),
               [E("BIMI-04", "fail", "ip address")]),
    EngineCase("bimi-l-idn-fullwidth-numeric", (bimi,),
               bimi_zone("v=BIMI1; l=https://\uff11\uff10\u3002\uff10\u3002\uff10\u3002\uff11/logo.svg"),
               [E("BIMI-04", "fail")]),
    EngineCase("bimi-a-nat64-literal", (bimi,),
               bimi_zone(f"v=BIMI1; l={LOGO}; a=https://[64:ff9b::a00:1]/vmc.pem",
                         {(f"logo.{D}", "A"): [PUBLIC]}),
               [E("BIMI-05", "fail")]),
    EngineCase("bimi-l-host-private", (bimi,),
               bimi_zone(f"v=BIMI1; l={LOGO}", {(f"logo.{D}", "A"): ["10.1.1.1"]}),
               [E("BIMI-09", "error", "10.1.1.1", "private")],
               never=[N("BIMI-09", "fail")]),
    EngineCase("bimi-a-host-cname-to-loopback", (bimi,),
               bimi_zone(f"v=BIMI1; l={LOGO}; a={MARK}",
                         {(f"logo.{D}", "A"): [PUBLIC],
                          (f"vmc.{D}", "CNAME"): ["v.s36g-elsewhere.net."],
                          ("v.s36g-elsewhere.net", "AAAA"): ["::1"]}),
               [E("*", "error", "loopback")]),
    EngineCase("bimi-l-redirect-to-metadata", (bimi,),
               bimi_zone(f"v=BIMI1; l={LOGO}", {(f"logo.{D}", "A"): [PUBLIC]}),
               [E("*", NOT_PASS)],
               answers=redirect(LOGO, 302, "https://169.254.169.254/latest/meta-data/"),
               fetch_only=frozenset({LOGO})),
    EngineCase("bimi-l-port-8443", (bimi,),
               bimi_zone(f"v=BIMI1; l=https://logo.{D}:8443/logo.svg",
                         {(f"logo.{D}", "A"): [PUBLIC]}),
               [E("*", NOT_PASS, "8443")]),
]
# fmt: on


@pytest.mark.parametrize("case", ENGINE_CASES, ids=[c.name for c in ENGINE_CASES])
def test_engine_case(case: EngineCase) -> None:
    fetched: list[str] = []
    findings = []
    with watched() as (asked, sockets):
        for module in case.modules:
            starttls.clear_cache()
            findings += run_engine(module, D, case.zone, fetch=_faked(case, fetched)).findings
    # Only public addresses may be asked of asyncio (refused there): anything else passed the
    # guard. And only ports 25 and 443 (a URL's :8443 is never connected to).
    leaked = [(host, port) for host, port in asked if host not in PUBLICS]
    assert leaked == [], f"connected past the guard: {leaked}"
    assert {port for _, port in asked} <= {25, 443}, asked
    assert sockets == [], f"sockets opened: {sockets}"
    if case.answers is not None:
        assert set(fetched) <= case.fetch_only, f"followed: {fetched}"
    problems, shown = reading_problems(findings, case.expect, case.never)
    assert not problems, f"{problems}\n{shown}"


# --- the guard itself ----------------------------------------------------------------------

PRODUCTION = CheckConfig()
LAB = CheckConfig(allow_private_targets=True)

REFUSED = [
    # IPv4-mapped, every spelling
    "0:0:0:0:0:ffff:127.0.0.1",
    "::ffff:7f00:1",
    "::FFFF:127.0.0.1",
    "0000:0000:0000:0000:0000:ffff:7f00:0001",
    "::ffff:a9fe:a9fe",
    # IPv4-translated (RFC 2765) and IPv4-compatible (deprecated, RFC 4291 §2.5.5.1)
    "::ffff:0:7f00:1",
    "::127.0.0.1",
    "::7f00:1",
    "::a00:1",
    # NAT64 well-known and local-use
    "64:ff9b::127.0.0.1",
    "64:ff9b::10.0.0.1",
    "64:ff9b::a9fe:a9fe",
    "64:ff9b:1::a00:1",
    "64:ff9b:1:ffff::1",
    # 6to4 of private and loopback hosts, and of the relay anycast address
    "2002:a00::1",
    "2002:a00:1::",
    "2002:7f00::1",
    "2002:a9fe:a9fe::1",
    "2002:c058:6301::1",
    # Teredo
    "2001::1",
    TEREDO_LOOPBACK,
    # site-local, ULA, discard, documentation, multicast
    "fec0::1",
    "feff:ffff::1",
    "fc00::1",
    "fdff:ffff::1",
    "100::1",
    "100::ffff:ffff:ffff:ffff",
    "2001:db8::1",
    "2001:db8:ffff::1",
    "3fff::1",
    "3fff:fff:ffff::1",
    "ff02::1",
    "ff0e::101",
    # zone ids, on non-public and on public addresses alike: a zone picks one of OUR
    # interfaces (RFC 4007 §11), which no published address may do
    "fe80::1%25",
    "fd00::1%eth0",
    "2620:fe::fe%eth0",
    "9.9.9.9%eth0",
    # IPv4
    "0.0.0.0",
    "0.255.255.255",
    "100.64.0.1",
    "100.100.100.200",
    "100.127.255.254",
    "192.0.0.1",
    "192.0.0.255",
    "198.18.0.1",
    "198.19.255.255",
    "240.0.0.1",
    "254.255.255.255",
    "255.255.255.255",
    "192.88.99.1",
    "192.88.99.255",
    "224.0.0.1",
    "239.255.255.250",
]
# 198.18.0.1 was planted here in e0ac451b: benchmarking (RFC 2544), in REFUSED now.
ALLOWED = ["9.9.9.9", "1.1.1.1", "2620:fe::fe", "2606:4700:4700::1111"]


@pytest.mark.parametrize("address", REFUSED)
def test_guard_refuses(address: str) -> None:
    with pytest.raises((net.TargetRefused, ValueError)):
        net.guard(address, PRODUCTION)


@pytest.mark.parametrize("address", [a for a in REFUSED if "%" not in a])
def test_the_lab_setting_allows(address: str) -> None:
    net.guard(address, LAB)


@pytest.mark.parametrize("address", ALLOWED)
def test_guard_allows_public(address: str) -> None:
    net.guard(address, PRODUCTION)


# --- end to end: a stub DNS and a counting listener on loopback -------------------------------

DNS_ADDR = "127.36.7.1"
TARGET = "127.36.7.2"
MAPPED = f"::ffff:{TARGET}"  # reaches the IPv4 listener through the kernel if ever connected to

Answer = Callable[[str, str, int], list[tuple[str, str]]]


class StubDNS:
    """Answers from `answer(name, type, times this question was asked before)`: a list of
    (type, rdata) with TTL 0. NOERROR without data for anything else."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((DNS_ADDR, 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.questions: list[tuple[str, str]] = []
        self.stopping = False
        self.thread = threading.Thread(target=self.serve, daemon=True)

    def serve(self) -> None:
        while not self.stopping:
            try:
                data, peer = self.sock.recvfrom(4096)
            except TimeoutError:
                continue
            if self.stopping and not data:  # __exit__'s wake-up call (a query is never empty)
                break
            query = dns.message.from_wire(data)
            response = dns.message.make_response(query)
            response.flags |= dns.flags.AA
            q = query.question[0]
            name = q.name.to_text().rstrip(".").lower()
            rdtype = dns.rdatatype.to_text(q.rdtype)
            before = self.questions.count((name, rdtype))
            self.questions.append((name, rdtype))
            for answer_type, rdata in self.answer(name, rdtype, before):
                response.answer.append(dns.rrset.from_text(q.name, 0, "IN", answer_type, rdata))
            self.sock.sendto(response.to_wire(), peer)

    def __enter__(self) -> StubDNS:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping = True
        # Wake the thread now, not at its recvfrom's next 0.2 s timeout (each test waited it).
        self.sock.sendto(b"", (DNS_ADDR, self.port))
        self.thread.join()
        self.sock.close()


class Listener:
    """Accepts TCP connections on TARGET and counts them."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind((TARGET, 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.waker: tuple[str, int] | None = None
        self.stopping = False
        self.thread = threading.Thread(target=self.serve, daemon=True)

    def serve(self) -> None:
        while not self.stopping:
            try:
                conn, peer = self.sock.accept()
            except TimeoutError:
                continue
            if self.stopping and peer == self.waker:  # __exit__'s wake-up call
                conn.close()
                break
            self.connections += 1
            conn.close()

    def __enter__(self) -> Listener:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping = True
        # Wake the thread now, not at its accept's next 0.2 s timeout (each test waited it),
        # from a port it knows, so that the call is not counted as one of the test's.
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as wake:
            wake.bind((TARGET, 0))
            self.waker = wake.getsockname()
            wake.connect((TARGET, self.port))
        self.thread.join()
        self.sock.close()


def _records(domain: str, private: Callable[[str, str, int], list[tuple[str, str]]]) -> Answer:
    """The domain's mail records (MX, an MTA-STS policy id, a TLS-RPT https rua, a BIMI
    record, DMARC); its host names' addresses from `private`."""
    texts = {
        f"_mta-sts.{domain}": "v=STSv1; id=20261204",
        f"_smtp._tls.{domain}": f"v=TLSRPTv1; rua=https://rua.{domain}/r",
        f"default._bimi.{domain}": f"v=BIMI1; l=https://logo.{domain}/logo.svg",
        f"_dmarc.{domain}": "v=DMARC1; p=reject",
    }

    def answer(name: str, rdtype: str, before: int) -> list[tuple[str, str]]:
        if name == domain and rdtype == "MX":
            return [("MX", f"10 mx.{domain}.")]
        if rdtype == "TXT" and name in texts:
            return [("TXT", f'"{texts[name]}"')]
        if rdtype in ("A", "AAAA") and name != domain:
            return private(name, rdtype, before)
        return []

    return answer


def mapped_everywhere(name: str, rdtype: str, before: int) -> list[tuple[str, str]]:
    return [("AAAA", MAPPED)] if rdtype == "AAAA" else []


def rebinding(name: str, rdtype: str, before: int) -> list[tuple[str, str]]:
    """Public on the first question for a name, the listener's address on every later one."""
    if rdtype == "A":
        return [("A", PUBLIC if before == 0 else TARGET)]
    return [] if before == 0 else [("AAAA", MAPPED)]


class Network:
    """The stub DNS, the listener, and asyncio.open_connection watched: a public address is
    refused (never sent to), any other goes on to the real call, so a leak lands on the
    listener and is counted."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.asked: list[tuple[str, int]] = []

    @property
    def leaked(self) -> list[tuple[str, int]]:
        return [(h, p) for h, p in self.asked if h != PUBLIC]

    def config(self, config: CheckConfig) -> CheckConfig:
        return replace(
            config,
            resolvers=((DNS_ADDR, self.stub.port),),
            smtp_port=self.listener.port,
            https_port=self.listener.port,
            timeout=2.0,
            probe_cache_seconds=0,
        )

    def __enter__(self) -> Network:
        self.stub = StubDNS(self.answer).__enter__()
        self.listener = Listener().__enter__()
        real = asyncio.open_connection

        async def watch(host: str, port: int, *args: Any, **kw: Any) -> Any:
            self.asked.append((str(host), int(port)))
            if host == PUBLIC:
                raise ConnectionRefusedError(111, "Connection refused")
            return await real(host, port, *args, **kw)

        self._patch = mock.patch.object(asyncio, "open_connection", watch)
        self._patch.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._patch.stop()
        self.listener.__exit__()
        self.stub.__exit__()


def _wrapped_engine_config(network: Network) -> Callable[..., CheckConfig]:
    """checks.tasks.engine_config as production builds it (allow_private_targets from the
    environment and settings), with only the resolver and ports pointed at the stub."""
    from checks import tasks as check_tasks

    real = check_tasks.engine_config

    def engine_config(**overrides: Any) -> CheckConfig:
        return network.config(real(**overrides))

    return engine_config


PRODUCTION_ENV = {"MAILSEC_ALLOW_PRIVATE_TARGETS": ""}


@override_settings(MAILSEC_ENGINE={"allow_private_targets": False})
class EndToEndTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        from mailsec.freecheck import ratelimit

        for patcher in (
            mock.patch.object(ratelimit, "KEY_PREFIX", f"test-{uuid.uuid4().hex}"),
            mock.patch.dict("os.environ", PRODUCTION_ENV),
        ):
            patcher.start()
            self.addCleanup(patcher.stop)

    def free_check(self, domain: str, network: Network) -> Any:
        from mailsec.freecheck.models import FreeCheck
        from mailsec.freecheck.tasks import run_free_check

        with (
            mock.patch("mailsec.freecheck.models.engine_config", _wrapped_engine_config(network)),
            mock.patch(
                "mailsec.freecheck.views.run_free_check.delay",
                side_effect=lambda code: run_free_check(code),
            ),
        ):
            r = self.client.post("/check", {"domain": domain}, HTTP_X_FORWARDED_FOR="198.51.100.60")
        check = FreeCheck.objects.get(domain=domain)
        self.assertRedirects(r, check.get_absolute_url(), fetch_redirect_response=False)
        self.assertEqual(check.status, FreeCheck.State.DONE, check.error)
        return check

    def monitored(self, domain: str, network: Network, *, via_button: bool) -> tuple[Any, str]:
        """The signed-in 'Check now' (via_button) or the Celery task run_check called as the
        worker calls it (a scheduled run); the domain page after it."""
        from django.utils import timezone

        from mailsec.domains import tasks
        from mailsec.domains.models import CheckRun, Domain

        d = Domain.objects.create(team=self.team, name=domain, verified_at=timezone.now())
        self.client.force_login(self.alice)
        # The progress the page watches is saved from threads of their own (run_check's
        # on_progress), whose connections cannot see this test's open transaction: on
        # PostgreSQL each save updates no row, on SQLite each waits out the 20 s lock timeout
        # (two saves, 40 s a test). Not what is tested here (tests/test_alerts_s35o_vantage.py).
        with (
            mock.patch("checks.tasks.engine_config", _wrapped_engine_config(network)),
            mock.patch("mailsec.domains.tasks._save_progress"),
        ):
            if via_button:
                with (
                    mock.patch.object(
                        tasks.run_check, "apply_async", side_effect=lambda args, **kw: None
                    ) as queued,
                    self.captureOnCommitCallbacks(execute=True),
                ):
                    r = self.client.post(f"/domains/{d.code}/check/")
                self.assertIn(r.status_code, (200, 302))
                (call,) = queued.call_args_list
                tasks.run_check(*call.kwargs.get("args", call.args[0] if call.args else []))
            else:
                run, _ = d.request_check(kind="scheduled")
                tasks.run_check(str(run.code))
        run = CheckRun.objects.filter(domain=d).latest("created")
        page = self.client.get(f"/domains/{d.code}/")
        self.assertEqual(page.status_code, 200)
        return run, page.content.decode()

    # --- rows ------------------------------------------------------------------------------

    def test_free_check_mapped_loopback_everywhere(self) -> None:
        domain = "mapped.s36g-victim.org"
        with Network(_records(domain, mapped_everywhere)) as network:
            check = self.free_check(domain, network)
        self.assertIn((f"mx.{domain}", "AAAA"), network.stub.questions)
        self.assertEqual(network.listener.connections, 0)
        self.assertEqual(network.leaked, [])
        smtp = [f for f in check.report["findings"] if f["id"] == "SMTP-01"]
        self.assertEqual({f["status"] for f in smtp}, {"fail"}, smtp)
        self.assertIn("loopback", str(smtp))
        page = self.client.get(check.get_absolute_url())
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, "No mail server could be tested.")
        self.assertContains(page, MAPPED)
        self.assertContains(page, "loopback")
        # The policy, report URI and logo hosts: could not check, never a fail.
        by_id = {f["id"]: f for f in check.report["findings"] if MAPPED in str(f)}
        for check_id in ("MTASTS-11", "TLSRPT-10", "BIMI-09"):
            self.assertEqual(by_id.get(check_id, {}).get("status"), "error", check_id)

    def test_free_check_rebinding(self) -> None:
        domain = "rebind.s36g-victim.org"
        with Network(_records(domain, rebinding)) as network:
            check = self.free_check(domain, network)
        self.assertEqual(network.listener.connections, 0)
        self.assertEqual(network.leaked, [])
        # The public address the check looked up was the one connected to.
        self.assertIn((PUBLIC, network.listener.port), network.asked)
        page = self.client.get(check.get_absolute_url())
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, PUBLIC)

    def test_check_now_mapped_loopback(self) -> None:
        domain = "now.s36g-victim.org"
        with Network(_records(domain, mapped_everywhere)) as network:
            run, page = self.monitored(domain, network, via_button=True)
        self.assertEqual(network.listener.connections, 0)
        self.assertEqual(network.leaked, [])
        self.assertEqual(run.status, "done", run.error)
        smtp = [f for f in run.findings if f["id"] == "SMTP-01"]
        self.assertEqual({f["status"] for f in smtp}, {"fail"}, smtp)
        self.assertIn(MAPPED, page)
        self.assertIn("loopback", page)

    def test_celery_task_rebinding(self) -> None:
        domain = "task.s36g-victim.org"
        with Network(_records(domain, rebinding)) as network:
            run, page = self.monitored(domain, network, via_button=False)
        self.assertEqual(network.listener.connections, 0)
        self.assertEqual(network.leaked, [])
        self.assertEqual(run.status, "done", run.error)
        self.assertIn(PUBLIC, page)

    @override_settings(MAILSEC_ENGINE={"allow_private_targets": True})
    def test_control_the_lab_setting_reaches_the_listener(self) -> None:
        """Control: with private targets allowed the mapped address lands on the listener, so
        the zero counts above are the guard's doing."""
        from mailsec.freecheck.models import FreeCheck

        domain = "control.s36g-victim.org"
        with (
            Network(_records(domain, mapped_everywhere)) as network,
            mock.patch("mailsec.freecheck.models.engine_config", _wrapped_engine_config(network)),
        ):
            check = FreeCheck.objects.create(domain=domain)
            check.run()
        self.assertEqual(check.status, FreeCheck.State.DONE, check.error)
        self.assertGreater(network.listener.connections, 0)
