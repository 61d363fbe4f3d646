"""Blind round s34s: the DMARC, SPF, DKIM and BIMI rule ids earlier blind rounds tried least
(checklist §4, §5, §6, §10): DMARC-02/03/07/08/14/16/19/20, SPF-03/07/10/13, DKIM-02/03/10/12
and BIMI-07.

Records real domains publish and no round listed before: a Mailchimp include run into Google's
at a string boundary, an ip6 term fused to an ip4, '-all' fused to Microsoft's include, '~' and
'all' in two strings; an MX host that SERVFAILs under `mx`, eleven IPv6-only MX hosts, `mx/24`
over exactly ten; Mailchimp appended after '~all', a second 'all' after '?all', a redirect beside
an include whose record has the 'all', '-ALL' before an include; a DKIM key pasted at the apex
beside SPF, a 614-octet SPF record in three strings, two short tokens; a revoked key left beside
its successor, an Ed25519 and an RSA key at one selector, a Microsoft 365 selector whose CNAME
target SERVFAILs, a 3072-bit key in three strings, t= twice, 'K=' beside 'k=', a ';' inside p=,
s= with blanks round ':', an empty s=, s=tlsrpt on selector2, notes with blanks, a 1536-bit key
with a note; two DMARC records differing in blanks, a record continued in a second TXT RR, two
records at a subdomain under a good organisational record, 'V=DMARC1', blanks round '=', a
leading blank, no ';' after the version, sp=quarantine, sp=block, sp=none under p=none,
pct=50%, pct=99.5, pct on p=none, fo=D, fo=2, adkim=S, adkim= empty, 'adkim=r aspf=s' without
';', a PSD record at _dmarc.gov.uk, a .co.uk subdomain, a SERVFAIL in the middle of the tree
walk, a name of twelve labels with its own record, a report vendor without authorisation; BIMI
lps= of 64 and 63 characters, a whole address, empty, and a BIMI record whose DMARC lookup
SERVFAILs.

The expectations were written from RFC 7208 (§3.3, §3.4, §4.6.4, §5.1, §5.4, §6.1), RFC 6376
(§3.2, §3.6.1, §3.6.2.2), RFC 8301 §3.2, RFC 8463 §4.2 and §6, RFC 7489 (§6.3, §6.6.3, §6.6.4,
§7.1), RFC 9989 (§4.7, §4.8, §4.10, App. C), RFC 5234 §2.3 (ABNF strings are case-insensitive),
the BIMI draft (Local-part Selectors, Authentication Requirements) and checklist §4, §5, §6 and
§10, before the engine ran on any of them (e9f71f6).

Result of the first run: the 3 planted wrong expectations (spf10-redirect-beside-include-with-all
SPF-10 warn, dmarc16-adkim-capital-s DMARC-16 fail, bimi07-lps-63-characters-capitals BIMI-07
warn) failed and are corrected as the RFCs have them (no SPF-10, DMARC-16 pass, no BIMI-07).
Two other rows failed, both product faults fixed with tests/test_engine_s34s.py (texts and
fixes only, no status changed): dmarc16-missing-semicolon ('adkim=r aspf=s') was told to
"write aspf=s if you meant strict" and offered a record without either tag; a ';' left out
between two DMARC tags is now named and the fixes write both tags apart (the same fault
offered 'p=quarantine' and no report address for 'p=reject rua=mailto:…'). spf10-mailchimp-
after-softfail said to move the include before '~all' without the record: SPF-10 now quotes
the record so moved, once it passes the SPF checks. Reading the 49 rows that held found two
more, fixed the same way: spf10-second-all-after-neutral was told to move '-all' before
'?all' (SPF-10 now says to keep one 'all', at the end), and dmarc02-subdomain-two-records-
org-good said receivers then act "as if there were no DMARC policy" while RFC 9989 receivers
go on to the parent's p=reject (DMARC-02 now says what each kind does).
Three more, fixed after (tests/test_engine_s34s.py, texts and fixes only):
dkim03-semicolon-inside-key named the cut-off half of the key "not a 'tag=value' pair" without
saying a ';' split p=, and offered no record (it now says so and offers the key joined);
dkim10-s-empty said the key "is restricted to s="; dmarc07-sp-none-under-none's DMARC-06 fix
keeps sp=none under the p=quarantine it offers (docs/scoring.md: each fix changes its own tag
only), which DMARC-07 then warns about, unsaid (the text now says subdomains stay at none).
dmarc19-psd-record-at-gov-uk failed DMARC-13 for the report address of the public suffix
operator's record (_dmarc.gov.uk), which the owner of ambridge-parish.gov.uk cannot change:
since s34p the operator's record is not the owner's (DMARC-01 info, no finding judges it; the
case now expects that), and since s34b BIMI-08 does not take its p=reject either.
Left as it is: dkim02-m365-cname-target-servfail names
the alias, not the CNAME target that failed, as a resolver answering SERVFAIL for the alias
does.

Each case runs one module's evaluate against an in-memory resolver (tests.test_spf.FakeDns,
CNAMEs followed as in tests/test_engine_s26c_blind.py), with the production configuration; the
BIMI fetches answer from memory (the tiny-ps logo and a mark certificate minted by
tests.lab.pki). A case lists:
  expect: (check ID or '*', status or statuses, words the finding's summary or fix must contain);
  never:  (check ID, statuses) that must not be reported;
  never_words: words no finding may say;
  no_fail: no finding of the module may be `fail`;
  walk_never / walk_asked: for DMARC, `_dmarc.` names the tree walk must never / must query,
  and at most 8 distinct `_dmarc.<suffix of the domain>` names queried in all (DMARC-20).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import pytest

from checks import bimi, dkim, dmarc, spf
from tests.blind_engine import (
    E,
    EngineRun,
    N,
    fake_fetch,
    marks,
    no_mta_sts_policy,
    reading_problems,
    run_engine,
)
from tests.test_engine_s26c_blind import GOOGLE, MAILCHIMP, OUTLOOK
from tests.test_engine_s27e_blind import TINY_PS, vmc_for
from tests.test_engine_s27k_blind import ed_key, rsa_key, stand_in_key
from tests.test_engine_s29s_blind import (
    Case,
    bimi_site,
    hosts,
    key_site,
    logo,
    mark,
    rua,
    site,
    walk_names,
)
from tests.test_engine_s31s_blind import DMARC_VENDOR

MODULES: dict[str, Any] = {"spf": spf, "dmarc": dmarc, "dkim": dkim, "bimi": bimi}

# A 614-octet SPF record of 36 ip4 terms, split by a careful panel after blanks in three strings.
LONG_TERMS = [f"ip4:203.0.113.{i}" for i in range(1, 37)]
LONG_SPF = "v=spf1 " + " ".join(LONG_TERMS) + " -all"
LONG_PARTS = [
    "v=spf1 " + " ".join(LONG_TERMS[:14]) + " ",
    " ".join(LONG_TERMS[14:28]) + " ",
    " ".join(LONG_TERMS[28:]) + " -all",
]
assert "".join(LONG_PARTS) == LONG_SPF and all(len(p) <= 255 for p in LONG_PARTS)

ELEVEN_V6 = [f"mx{i:02d}.kelderwick-hosting.com" for i in range(1, 12)]
TEN = [f"in{i}.orrery-dental.com" for i in range(1, 11)]

DEEP12 = "ci.build.eu.west.k8s.prod.int.mail.corp.ops.fennick-group.com"  # 12 labels

LPS63 = "Marketing-" + "x" * 53
LPS64 = "transactional-" + "y" * 50
assert len(LPS63) == 63 and len(LPS64) == 64


def eleven_v6_hosts(owner: str) -> dict[Any, Any]:
    """Eleven MX hosts, each with one IPv6 address only."""
    zone: dict[Any, Any] = {
        (owner, "MX"): [f"{10 * (i + 1)} {h}." for i, h in enumerate(ELEVEN_V6)]
    }
    for i, h in enumerate(ELEVEN_V6):
        zone[(h, "AAAA")] = [f"2001:db8:77::{i + 1:x}"]
    return zone


def bimi_lps(domain: str, lps: str) -> dict[Any, Any]:
    return bimi_site(domain, f"v=BIMI1; l={logo(domain)}; a={mark(domain)}; lps={lps}")


def cases(rsa_key: Callable[..., str] = rsa_key, ed_key: Callable[..., str] = ed_key) -> list[Case]:
    """The round's cases, their keys made by `rsa_key` and `ed_key` (stand_in_key: the cases'
    names without making a key)."""
    k1536, k2048, k3072, ed = rsa_key(1536), rsa_key(2048), rsa_key(3072), ed_key()
    return [
        # ============================================= SPF-03: strings joined without blanks
        Case(
            "spf03-mailchimp-fused-to-google",
            "spf",
            "pennock-florists.com",
            site(
                "pennock-florists.com",
                spf_record=["v=spf1 include:servers.mcsv.net", "include:_spf.google.com ~all"],
                more={**MAILCHIMP, **GOOGLE},
            ),
            expect=[
                E(
                    "SPF-03",
                    "fail",
                    "v=spf1 include:servers.mcsv.net include:_spf.google.com ~all",
                )
            ],
            why="§3.3: the strings are joined with no blank, so the record reads "
            "'include:servers.mcsv.netinclude:_spf.google.com' (one name, which does not exist); "
            "the fix is the record with the blank back.",
        ),
        Case(
            "spf03-ip6-fused-to-ip4",
            "spf",
            "larchmont-optics.com",
            site(
                "larchmont-optics.com",
                spf_record=["v=spf1 ip6:2001:db8:41::/48", "ip4:198.51.100.7 -all"],
            ),
            expect=[E("SPF-03", "fail", "ip6:2001:db8:41::/48 ip4:198.51.100.7 -all")],
            why="§3.3: '/48ip4:198.51.100.7' is no ip6-cidr-length: a syntax error (permerror).",
        ),
        Case(
            "spf03-outlook-fused-to-dash-all",
            "spf",
            "brackenfield-law.com",
            site(
                "brackenfield-law.com",
                spf_record=[
                    "v=spf1 include:_spf.google.com ",
                    "include:spf.protection.outlook.com",
                    "-all",
                ],
                more={**GOOGLE, **OUTLOOK},
            ),
            expect=[E("SPF-03", "fail", "include:spf.protection.outlook.com -all")],
            why="§3.3: the last boundary has no blank: 'spf.protection.outlook.com-all' is a "
            "syntactically valid name (toplabel 'com-all') that does not exist, and the record "
            "has lost its '-all'. The checker must see the fused boundary.",
        ),
        Case(
            "spf03-softfail-split-inside-all",
            "spf",
            "whitcombe-joinery.co.uk",
            site(
                "whitcombe-joinery.co.uk",
                spf_record=["v=spf1 include:_spf.google.com ~", "all"],
                more=GOOGLE,
            ),
            never=[N("SPF-03", ("warn", "fail")), N("SPF-09", ("warn", "fail"))],
            no_fail=True,
            why="§3.3: joined without a blank the strings read '~all', exactly what was meant.",
        ),
        # ================================================ SPF-07: mx address look-ups (§4.6.4)
        Case(
            "spf07-mx-host-servfail",
            "spf",
            "quarrybank-vets.com",
            site(
                "quarrybank-vets.com",
                spf_record="v=spf1 mx -all",
                mx={
                    **hosts(
                        "quarrybank-vets.com",
                        [
                            "mx1.quarrybank-vets.com",
                            "mx2.quarrybank-vets.com",
                            "mx3.quarrybank-vets.com",
                        ],
                    ),
                    ("mx2.quarrybank-vets.com", "A"): "SERVFAIL",
                },
            ),
            expect=[E("SPF-20", ("warn", "error"), "mx2.quarrybank-vets.com")],
            never=[N("SPF-07", "fail")],
            no_fail=True,
            why="§4.4 and §5.4: a SERVFAIL for one MX host's address is a temperror, 'could not "
            "check', never a fail; three MX hosts are far below the ten-look-up limit.",
        ),
        Case(
            "spf07-eleven-ipv6-only-hosts",
            "spf",
            "kelderwick-hosting.com",
            site(
                "kelderwick-hosting.com",
                spf_record="v=spf1 mx ip4:192.0.2.40 -all",
                mx=eleven_v6_hosts("kelderwick-hosting.com"),
            ),
            expect=[E("SPF-07", "fail", "mx")],
            why="§4.6.4: evaluating 'mx' MUST NOT query more than 10 address records; eleven MX "
            "names need eleven, whatever address family answers (permerror).",
        ),
        Case(
            "spf07-mx-cidr-over-exactly-ten",
            "spf",
            "orrery-dental.com",
            site(
                "orrery-dental.com",
                spf_record="v=spf1 mx/24 -all",
                mx=hosts("orrery-dental.com", TEN),
            ),
            never=[N("SPF-07", ("warn", "fail")), N("SPF-19", ("warn", "fail"))],
            no_fail=True,
            why="§4.6.4: ten MX names is the limit, not over it; §5.4 allows the dual-cidr "
            "length on mx, and /24 is not over-broad (checklist SPF-19).",
        ),
        # ===================================================== SPF-10: terms that are ignored
        Case(
            "spf10-mailchimp-after-softfail",
            "spf",
            "marlowe-bookshop.com",
            site(
                "marlowe-bookshop.com",
                spf_record="v=spf1 include:_spf.google.com ~all include:servers.mcsv.net",
                more={**GOOGLE, **MAILCHIMP},
            ),
            expect=[
                E(
                    "SPF-10",
                    "warn",
                    "servers.mcsv.net",
                    "v=spf1 include:_spf.google.com include:servers.mcsv.net ~all",
                )
            ],
            why="§5.1: mechanisms after 'all' will never be tested; the newsletter tool's "
            "include was pasted at the end. The fix moves it before '~all'.",
        ),
        Case(
            "spf10-second-all-after-neutral",
            "spf",
            "tanfield-signs.com",
            site(
                "tanfield-signs.com",
                spf_record="v=spf1 ip4:192.0.2.10 ?all ip4:192.0.2.11 -all",
            ),
            expect=[E("SPF-10", "warn", "192.0.2.11"), E("SPF-09", "warn")],
            why="§5.1: evaluation stops at '?all', so 'ip4:192.0.2.11 -all' is never read and "
            "the record ends neutral (checklist SPF-09: warn for ?all).",
        ),
        # Planted wrong in the first run (1 of 3, 'SPF-10 warn'); as the RFC has it: the 'all'
        # is inside the include's record, not this one.
        Case(
            "spf10-redirect-beside-include-with-all",
            "spf",
            "hollins-carpets.com",
            site(
                "hollins-carpets.com",
                spf_record="v=spf1 include:_spf.google.com redirect=spf.protection.outlook.com",
                more={**GOOGLE, **OUTLOOK},
            ),
            never=[N("SPF-10", ("warn", "fail"))],
            no_fail=True,
            why="§6.1: redirect is ignored only when the record itself has an 'all' mechanism; "
            "the '~all' of Google's record does not count.",
        ),
        Case(
            "spf10-capital-all-before-include",
            "spf",
            "gorsedene-farm.com",
            site(
                "gorsedene-farm.com",
                spf_record="v=spf1 -ALL include:_spf.google.com",
                more=GOOGLE,
            ),
            expect=[E("SPF-10", "warn", "_spf.google.com")],
            why="§4.6.1 and RFC 5234 §2.3: '-ALL' is 'all'; §5.1: the include after it is "
            "ignored, so Google's servers are not authorised.",
        ),
        # ================================================================ SPF-13: answer size
        Case(
            "spf13-dkim-key-pasted-at-apex",
            "spf",
            "chatterton-audio.com",
            site(
                "chatterton-audio.com",
                spf_record="v=spf1 include:_spf.google.com ~all",
                more={
                    ("chatterton-audio.com", "TXT"): [
                        "v=spf1 include:_spf.google.com ~all",
                        f"v=DKIM1; k=rsa; p={k2048}",
                        "google-site-verification=rXOxyZounnZasA8Z7oaD3c14JdjS9aKSWvsR1EbUSIQ",
                    ],
                    **GOOGLE,
                },
            ),
            expect=[E("SPF-13", "warn")],
            never=[N("SPF-01", ("warn", "fail"))],
            why="§3.4: the apex TXT answer (a 2048-bit DKIM key pasted at the wrong name, the "
            "SPF record and a token) is well over 450 octets; the DKIM text is not an SPF record.",
        ),
        Case(
            "spf13-long-record-three-strings",
            "spf",
            "ravensworth-print.com",
            site("ravensworth-print.com", spf_record=LONG_PARTS),
            expect=[E("SPF-13", "warn")],
            never=[N("SPF-03", ("warn", "fail"))],
            why="§3.4: a 614-octet record does not fit 512-octet UDP; every boundary is after a "
            "blank, so §3.3's join is right (no SPF-03).",
        ),
        Case(
            "spf13-two-short-tokens",
            "spf",
            "ellerby-design.com",
            site(
                "ellerby-design.com",
                more={
                    ("ellerby-design.com", "TXT"): [
                        "v=spf1 include:spf.protection.outlook.com -all",
                        "MS=ms47291836",
                        "apple-domain-verification=Ab1Cd2Ef3Gh4Ij5K",
                    ],
                    **OUTLOOK,
                },
            ),
            never=[N("SPF-13", ("warn", "fail"))],
            no_fail=True,
            why="§3.4: about 120 octets of TXT: nothing to say.",
        ),
        # ======================================================= DKIM-02: one record per name
        Case(
            "dkim02-revoked-left-beside-new",
            "dkim",
            "sedgemoor-tiles.com",
            key_site(
                "sedgemoor-tiles.com",
                "s1",
                ["v=DKIM1; p=", f"v=DKIM1; k=rsa; p={k2048}"],
            ),
            selectors=("s1",),
            expect=[E("DKIM-02", "fail", "s1._domainkey.sedgemoor-tiles.com")],
            why="§3.6.2.2: TXT RRs MUST be unique per selector; with the revoked record left "
            "beside the new key the result is undefined.",
        ),
        Case(
            "dkim02-ed25519-and-rsa-one-selector",
            "dkim",
            "pikestaff-outdoor.com",
            key_site(
                "pikestaff-outdoor.com",
                "mail",
                [f"v=DKIM1; k=ed25519; p={ed}", f"v=DKIM1; k=rsa; p={k2048}"],
            ),
            selectors=("mail",),
            expect=[E("DKIM-02", "fail", "mail._domainkey.pikestaff-outdoor.com")],
            why="§3.6.2.2, and RFC 8463 §6: dual signing uses one selector per key type.",
        ),
        Case(
            "dkim02-m365-cname-target-servfail",
            "dkim",
            "harwood-clinic.com",
            site(
                "harwood-clinic.com",
                more={
                    ("selector1._domainkey.harwood-clinic.com", "CNAME"): [
                        "selector1-harwood-clinic-com._domainkey.harwoodclinic.onmicrosoft.com."
                    ],
                    (
                        "selector1-harwood-clinic-com._domainkey.harwoodclinic.onmicrosoft.com",
                        "TXT",
                    ): "SERVFAIL",
                },
            ),
            selectors=("selector1",),
            expect=[E("*", "error", "selector1")],
            never=[N("DKIM-02", "fail")],
            no_fail=True,
            why="A SERVFAIL at the CNAME target is 'could not check', never a fail or 'no key'.",
        ),
        Case(
            "dkim02-3072-key-in-three-strings",
            "dkim",
            "bellweather-insure.com",
            key_site(
                "bellweather-insure.com",
                "k2",
                [["v=DKIM1; k=rsa; p=" + k3072[:200], k3072[200:450], k3072[450:]]],
            ),
            selectors=("k2",),
            expect=[E("DKIM-07", "pass")],
            never=[N("DKIM-02", ("warn", "fail"))],
            no_fail=True,
            why="§3.6.2.2: one RR of three strings is one record (joined); RFC 8301 §3.2: 3072 "
            "bits is within 2048-4096.",
        ),
        # ========================================================== DKIM-03: tag-list syntax
        Case(
            "dkim03-t-twice",
            "dkim",
            "fallowfield-labs.com",
            key_site(
                "fallowfield-labs.com",
                "google",
                f"v=DKIM1; t=y; k=rsa; t=s; p={k2048}",
            ),
            selectors=("google",),
            expect=[E("DKIM-03", "fail", "t")],
            why="§3.2: a tag name occurring more than once makes the whole tag-list invalid.",
        ),
        Case(
            "dkim03-capital-k-beside-k",
            "dkim",
            "wrenhurst-cider.com",
            key_site(
                "wrenhurst-cider.com",
                "default",
                f"v=DKIM1; K=rsa; k=rsa; p={k2048}",
            ),
            selectors=("default",),
            never=[N("DKIM-03", "fail")],
            no_fail=True,
            why="§3.2: tags are case-sensitive, so 'K' and 'k' are two tags (K unknown, ignored), "
            "not a duplicate.",
        ),
        Case(
            "dkim03-semicolon-inside-key",
            "dkim",
            "mossgiel-estates.com",
            key_site(
                "mossgiel-estates.com",
                "s2",
                f"v=DKIM1; k=rsa; p={k2048[:180]};{k2048[180:]}",
            ),
            selectors=("s2",),
            expect=[E("*", "fail")],
            why="§3.2 and §3.6.1: the ';' cuts p= and leaves a tag-spec without '=' (a tag-list "
            "syntax error); either way no usable key.",
        ),
        # ========================================================= DKIM-10: service type s=
        Case(
            "dkim10-s-blanks-around-colon",
            "dkim",
            "thornaby-freight.com",
            key_site(
                "thornaby-freight.com",
                "k1",
                f"v=DKIM1; k=rsa; s = email : tlsrpt; p={k2048}",
            ),
            selectors=("k1",),
            never=[N("DKIM-10", ("warn", "fail")), N("DKIM-03", "fail")],
            no_fail=True,
            why="§3.6.1: key-s-tag allows FWS round '=' and ':'; 'email' is listed.",
        ),
        Case(
            "dkim10-s-empty",
            "dkim",
            "carrbridge-lodge.com",
            key_site(
                "carrbridge-lodge.com",
                "s1",
                f"v=DKIM1; k=rsa; s=; p={k2048}",
            ),
            selectors=("s1",),
            expect=[E("*", "fail", "s=")],
            why="§3.6.1: key-s-tag needs at least one service type; an empty s= lists neither "
            "'email' nor '*', so verifiers ignore the key.",
        ),
        Case(
            "dkim10-s-tlsrpt-on-selector2",
            "dkim",
            "ashdown-partners.com",
            key_site(
                "ashdown-partners.com",
                "selector2",
                f"v=DKIM1; k=rsa; s=tlsrpt; p={k2048}",
            ),
            selectors=("selector2",),
            expect=[E("DKIM-10", "fail", "selector2")],
            why="§3.6.1: verifiers MUST ignore a key whose s= lists neither email nor '*'; a "
            "TLS-report key (RFC 8460 §3) at the Microsoft 365 mail selector.",
        ),
        # ========================================================= DKIM-12: notes and size
        Case(
            "dkim12-note-with-blanks",
            "dkim",
            "greystoke-travel.com",
            key_site(
                "greystoke-travel.com",
                "k1",
                f"v=DKIM1; k=rsa; n=Key for the Mailchimp newsletter account; p={k2048}",
            ),
            selectors=("k1",),
            expect=[E("DKIM-12", "info")],
            no_fail=True,
            why="§3.6.1: n= is qp-section (blanks allowed), for humans, to be used sparingly.",
        ),
        Case(
            "dkim12-1536-bit-with-note",
            "dkim",
            "loxley-archives.org",
            key_site(
                "loxley-archives.org",
                "s2026",
                f"v=DKIM1; k=rsa; n=rotated=20June2026; p={k1536}",
            ),
            selectors=("s2026",),
            expect=[E("DKIM-12", "info"), E("DKIM-07", "warn")],
            never=[N("DKIM-07", "fail")],
            why="RFC 8301 §3.2: 1536 bits is between 1024 and 2048 (SHOULD use 2048): warn; "
            "§3.6.1: the note is info.",
        ),
        # ============================================= DMARC-02: exactly one record (§6.6.3)
        Case(
            "dmarc02-same-policy-two-spellings",
            "dmarc",
            "kittering-foods.com",
            site(
                "kittering-foods.com",
                dmarc_record=[
                    "v=DMARC1; p=reject; rua=mailto:dmarc@kittering-foods.com",
                    "v=DMARC1;p=reject;rua=mailto:dmarc@kittering-foods.com",
                ],
            ),
            expect=[E("DMARC-02", "fail", "_dmarc.kittering-foods.com")],
            why="7489 §6.6.3 step 5, 9989 §4.10: two records (however alike) are both "
            "discarded: no DMARC at all.",
        ),
        Case(
            "dmarc02-record-continued-in-second-rr",
            "dmarc",
            "sorrel-pharmacy.com",
            site(
                "sorrel-pharmacy.com",
                dmarc_record=[
                    "v=DMARC1; p=reject; rua=mailto:dmarc@sorrel-pharmacy.com;",
                    "ruf=mailto:dmarc-forensic@sorrel-pharmacy.com; fo=1",
                ],
            ),
            never=[N("DMARC-02", ("warn", "fail"))],
            why="7489 §6.6.3 step 2: the second RR does not start with v=DMARC1 and is "
            "discarded; one record remains.",
        ),
        Case(
            "dmarc02-subdomain-two-records-org-good",
            "dmarc",
            "mail.ottercombe.com",
            site(
                "mail.ottercombe.com",
                dmarc_record=[
                    "v=DMARC1; p=none; rua=mailto:dmarc@ottercombe.com",
                    "v=DMARC1; p=quarantine; rua=mailto:dmarc@ottercombe.com",
                ],
                more={
                    ("_dmarc.ottercombe.com", "TXT"): [
                        "v=DMARC1; p=reject; rua=mailto:dmarc@ottercombe.com"
                    ]
                },
            ),
            expect=[
                E("DMARC-02", "fail", "_dmarc.mail.ottercombe.com"),
                E("DMARC-19", "warn"),
            ],
            why="7489 §6.6.3: the author-domain set is not empty, so no fallback; step 5 stops "
            "DMARC. 9989 §4.10: both records are discarded and the walk goes on to "
            "_dmarc.ottercombe.com (p=reject): the views differ.",
        ),
        # ========================================= DMARC-03: v=DMARC1 first, exact (§6.3/§4.7)
        Case(
            "dmarc03-capital-v-tag-name",
            "dmarc",
            "blackthorn-survey.com",
            site(
                "blackthorn-survey.com",
                dmarc_record="V=DMARC1; p=reject; " + rua("blackthorn-survey.com"),
            ),
            never=[N("DMARC-03", ("warn", "fail"))],
            no_fail=True,
            why='RFC 5234 §2.3: the tag name "v" is case-insensitive; only the value '
            '%s"DMARC1" is case-sensitive.',
        ),
        Case(
            "dmarc03-blanks-around-equals",
            "dmarc",
            "culross-maritime.com",
            site(
                "culross-maritime.com",
                dmarc_record="v = DMARC1; p = reject; " + rua("culross-maritime.com"),
            ),
            never=[N("DMARC-03", ("warn", "fail")), N("DMARC-05", ("warn", "fail"))],
            no_fail=True,
            why='7489 §6.4: dmarc-version = "v" *WSP "=" *WSP ... and p likewise.',
        ),
        Case(
            "dmarc03-leading-blank",
            "dmarc",
            "hartside-mills.com",
            site(
                "hartside-mills.com",
                dmarc_record=" v=DMARC1; p=reject; " + rua("hartside-mills.com"),
            ),
            expect=[E("DMARC-03", "fail", "v=DMARC1; p=reject")],
            why="7489 §6.6.3 step 2 / 9989 §4.10: records that do not start with 'v=' naming "
            "DMARC1 are discarded; the grammar has no leading blank.",
        ),
        Case(
            "dmarc03-no-semicolon-after-version",
            "dmarc",
            "stainmore-haulage.com",
            site(
                "stainmore-haulage.com",
                dmarc_record="v=DMARC1 p=reject; " + rua("stainmore-haulage.com"),
            ),
            expect=[E("DMARC-03", "fail", "v=DMARC1; p=reject")],
            why="7489 §6.4: dmarc-version must be followed by dmarc-sep; 'DMARC1 p=reject' is "
            "not exactly DMARC1, so the record is ignored.",
        ),
        # =================================================== DMARC-07: sp and np (§6.3/§4.7)
        Case(
            "dmarc07-sp-quarantine-under-reject",
            "dmarc",
            "fernhill-academy.org",
            site(
                "fernhill-academy.org",
                dmarc_record="v=DMARC1; p=reject; sp=quarantine; " + rua("fernhill-academy.org"),
            ),
            never=[N("DMARC-07", ("warn", "fail"))],
            no_fail=True,
            why="Checklist DMARC-07 warns only for sp=none/np=none under enforcement.",
        ),
        Case(
            "dmarc07-sp-block",
            "dmarc",
            "eddystone-marine.com",
            site(
                "eddystone-marine.com",
                dmarc_record="v=DMARC1; p=reject; sp=block; " + rua("eddystone-marine.com"),
            ),
            expect=[E("DMARC-07", "fail", "sp")],
            why="7489 §6.3: sp is none, quarantine or reject; 'block' is invalid.",
        ),
        Case(
            "dmarc07-sp-none-under-none",
            "dmarc",
            "tidewell-yoga.com",
            site(
                "tidewell-yoga.com",
                dmarc_record="v=DMARC1; p=none; sp=none; " + rua("tidewell-yoga.com"),
            ),
            expect=[E("DMARC-06", "warn")],
            never=[N("DMARC-07", ("warn", "fail"))],
            why="Checklist DMARC-07: sp=none warns only under p=quarantine|reject; the whole "
            "record monitors (DMARC-06 says so once).",
        ),
        # =========================================================== DMARC-08: pct (7489 only)
        Case(
            "dmarc08-pct-with-percent-sign",
            "dmarc",
            "brambling-wines.com",
            site(
                "brambling-wines.com",
                dmarc_record="v=DMARC1; p=quarantine; pct=50%; " + rua("brambling-wines.com"),
            ),
            expect=[E("DMARC-08", "fail", "pct")],
            why="7489 §6.3: pct is an integer 0-100 (1*3DIGIT); '50%' is not.",
        ),
        Case(
            "dmarc08-pct-decimal",
            "dmarc",
            "cauldshiels-energy.com",
            site(
                "cauldshiels-energy.com",
                dmarc_record="v=DMARC1; p=reject; pct=99.5; " + rua("cauldshiels-energy.com"),
            ),
            expect=[E("DMARC-08", "fail", "pct")],
            why="7489 §6.3: pct is an integer.",
        ),
        Case(
            "dmarc08-pct-on-monitoring",
            "dmarc",
            "linnet-crafts.com",
            site(
                "linnet-crafts.com",
                dmarc_record="v=DMARC1; p=none; pct=20; " + rua("linnet-crafts.com"),
            ),
            expect=[E("DMARC-08", "warn")],
            never=[N("DMARC-19", ("warn", "fail"))],
            why="Checklist DMARC-08: warn for any pct other than 100; with p=none both views "
            "apply none, so no divergence (DMARC-19).",
        ),
        # ================================================================== DMARC-14: fo
        Case(
            "dmarc14-fo-capital-d",
            "dmarc",
            "ormsgill-surgery.com",
            site(
                "ormsgill-surgery.com",
                dmarc_record="v=DMARC1; p=reject; "
                + rua("ormsgill-surgery.com")
                + "; ruf=mailto:dmarc-failures@ormsgill-surgery.com; fo=D",
            ),
            never=[N("DMARC-14", ("warn", "fail"))],
            why="RFC 5234 §2.3: fo's \"d\" is case-insensitive in the ABNF; 'D' is valid.",
        ),
        Case(
            "dmarc14-fo-two",
            "dmarc",
            "kirkandrews-bank.com",
            site(
                "kirkandrews-bank.com",
                dmarc_record="v=DMARC1; p=reject; "
                + rua("kirkandrews-bank.com")
                + "; ruf=mailto:dmarc-failures@kirkandrews-bank.com; fo=2",
            ),
            expect=[E("DMARC-14", "warn", "fo")],
            why="7489 §6.3: fo is a colon-separated list of 0, 1, d, s.",
        ),
        # ======================================================= DMARC-16: adkim and aspf
        # Planted wrong in the first run (2 of 3, 'DMARC-16 fail'); as the RFC has it: valid.
        Case(
            "dmarc16-adkim-capital-s",
            "dmarc",
            "fothergill-audit.com",
            site(
                "fothergill-audit.com",
                dmarc_record="v=DMARC1; p=reject; adkim=S; aspf=s; " + rua("fothergill-audit.com"),
            ),
            expect=[E("DMARC-16", "pass", "adkim=s")],
            never=[N("DMARC-16", ("warn", "fail"))],
            no_fail=True,
            why="RFC 5234 §2.3: 'S' is the ABNF \"s\"; strict DKIM alignment.",
        ),
        Case(
            "dmarc16-adkim-empty",
            "dmarc",
            "penhallow-homes.com",
            site(
                "penhallow-homes.com",
                dmarc_record="v=DMARC1; p=reject; adkim=; " + rua("penhallow-homes.com"),
            ),
            expect=[E("DMARC-16", "fail", "adkim")],
            why="7489 §6.3: adkim is r or s; an empty value is neither.",
        ),
        Case(
            "dmarc16-missing-semicolon",
            "dmarc",
            "ravenglass-rail.com",
            site(
                "ravenglass-rail.com",
                dmarc_record="v=DMARC1; p=reject; adkim=r aspf=s; " + rua("ravenglass-rail.com"),
            ),
            expect=[E("DMARC-16", "fail", "adkim=r; aspf=s")],
            why="7489 §6.4: without ';' adkim's value is 'r aspf=s' (invalid) and aspf is never "
            "set; the fix separates them.",
        ),
        # ============================================ DMARC-19: 7489 and 9989 views diverge
        Case(
            "dmarc19-psd-record-at-gov-uk",
            "dmarc",
            "ambridge-parish.gov.uk",
            site(
                "ambridge-parish.gov.uk",
                more={
                    ("_dmarc.gov.uk", "TXT"): [
                        "v=DMARC1; p=reject; psd=y; rua=mailto:dmarc-rua@dmarc.service.gov.uk"
                    ]
                },
            ),
            # Corrected after the round (task s34p): the PSD record is the operator's, not the
            # owner's. DMARC-01 passed ("inherited from _dmarc.gov.uk") and DMARC-13 failed
            # asking for gov.uk._report._dmarc.dmarc.service.gov.uk, which the owner cannot
            # publish. Now DMARC-01 is info, as for a domain without a record (no record of
            # its own; the operator's reject for RFC 9989 receivers; reports to the operator),
            # and nothing judges the operator's record. DMARC-19 was right and stays.
            expect=[
                E("DMARC-19", "warn", "gov.uk"),
                E(
                    "DMARC-01",
                    "info",
                    "no DMARC record of its own",
                    "_dmarc.gov.uk",
                    "reject",
                    "dmarc-rua@dmarc.service.gov.uk",
                    "_dmarc.ambridge-parish.gov.uk",
                ),
            ],
            never=[N("DMARC-01", ("fail", "pass")), N("DMARC-13", ("fail", "warn", "pass"))],
            no_fail=True,
            walk_asked=("_dmarc.ambridge-parish.gov.uk", "_dmarc.gov.uk"),
            why="7489 (PSL): the org domain is ambridge-parish.gov.uk, which has no record: no "
            "DMARC. 9989 §4.10: the walk finds the PSD record at _dmarc.gov.uk and applies it. "
            "The effective policies differ. The record is the public suffix operator's, which "
            "the owner cannot change and whose reports go to the operator (9989 §4.10.1 note): "
            "the domain has no DMARC of its own (s34p).",
        ),
        Case(
            "dmarc19-co-uk-subdomain-inherits",
            "dmarc",
            "shop.hartley-tea.co.uk",
            site(
                "shop.hartley-tea.co.uk",
                more={
                    ("_dmarc.hartley-tea.co.uk", "TXT"): [
                        "v=DMARC1; p=reject; rua=mailto:dmarc@hartley-tea.co.uk"
                    ]
                },
            ),
            never=[N("DMARC-19", ("warn", "fail"))],
            no_fail=True,
            walk_asked=("_dmarc.shop.hartley-tea.co.uk", "_dmarc.hartley-tea.co.uk"),
            why="Both views reach hartley-tea.co.uk (PSL and tree walk agree): p=reject for the "
            "subdomain, no divergence.",
        ),
        # ==================================================== DMARC-20: the tree walk budget
        Case(
            "dmarc20-servfail-mid-walk",
            "dmarc",
            "alerts.eu.brightwater-cloud.com",
            site(
                "alerts.eu.brightwater-cloud.com",
                more={
                    ("_dmarc.eu.brightwater-cloud.com", "TXT"): "SERVFAIL",
                    ("_dmarc.brightwater-cloud.com", "TXT"): [
                        "v=DMARC1; p=reject; rua=mailto:dmarc@brightwater-cloud.com"
                    ],
                },
            ),
            expect=[E("*", ("error", "warn"), "eu.brightwater-cloud.com")],
            no_fail=True,
            why="9989 §4.10: only an indication that no record exists lets the walk go on; a "
            "SERVFAIL is a transient error: 'could not check', never fail, never 'no DMARC'.",
        ),
        Case(
            "dmarc20-twelve-labels-own-record",
            "dmarc",
            DEEP12,
            site(
                DEEP12,
                dmarc_record="v=DMARC1; p=quarantine; rua=mailto:dmarc@fennick-group.com",
                more={
                    ("_dmarc.fennick-group.com", "TXT"): [
                        "v=DMARC1; p=reject; rua=mailto:dmarc@fennick-group.com"
                    ]
                },
            ),
            never=[N("DMARC-01", ("warn", "fail"))],
            no_fail=True,
            walk_asked=(f"_dmarc.{DEEP12}",),
            walk_never=("_dmarc." + ".".join(DEEP12.split(".")[-8:]),),
            why="9989 §4.10: the first query is the name itself; to find the org domain a 12-"
            "label name jumps to its 7-label suffix, so the 8-label name is never asked, and "
            "never more than 8 queries.",
        ),
        # ============================================ DMARC-13: third-party rua authorisation
        Case(
            "dmarc13-vendor-not-authorised",
            "dmarc",
            "quenby-motors.com",
            site(
                "quenby-motors.com",
                dmarc_record="v=DMARC1; p=quarantine; rua=mailto:agg@reports.valimetrics.net",
                more=DMARC_VENDOR,
            ),
            expect=[
                E(
                    "DMARC-13",
                    "fail",
                    "quenby-motors.com._report._dmarc.reports.valimetrics.net",
                    "v=DMARC1",
                )
            ],
            why="7489 §7.1: the vendor's host is another org domain; without "
            "quenby-motors.com._report._dmarc.reports.valimetrics.net TXT 'v=DMARC1' the "
            "receiver ignores the URI (the fix names that exact record).",
        ),
        # ================================================================ BIMI-07: lps= syntax
        Case(
            "bimi07-lps-64-characters",
            "bimi",
            "harrowby-outfitters.com",
            bimi_lps("harrowby-outfitters.com", LPS64),
            expect=[E("BIMI-07", "warn")],
            never=[N("BIMI-07", "fail")],
            why="Local-part Selectors: a prefix is 1-63 characters; this one is 64.",
        ),
        # Planted wrong in the first run (3 of 3, 'BIMI-07 warn'); as the draft has it: valid.
        Case(
            "bimi07-lps-63-characters-capitals",
            "bimi",
            "wetherall-games.com",
            bimi_lps("wetherall-games.com", LPS63),
            never=[N("BIMI-07", ("warn", "fail"))],
            no_fail=True,
            why="Local-part Selectors: 63 characters, capitals are ALPHA.",
        ),
        Case(
            "bimi07-lps-whole-address",
            "bimi",
            "silverdale-cosmetics.com",
            bimi_lps("silverdale-cosmetics.com", "newsletter@silverdale-cosmetics.com"),
            expect=[E("BIMI-07", "warn", "newsletter@")],
            never=[N("BIMI-07", "fail")],
            why="Local-part Selectors: a prefix of the local part, not an address; '@' and '.' "
            "are outside ALPHA / DIGIT / '-'.",
        ),
        Case(
            "bimi07-lps-empty",
            "bimi",
            "ashcombe-jewellers.com",
            bimi_lps("ashcombe-jewellers.com", ""),
            expect=[E("BIMI-07", "warn")],
            never=[N("BIMI-07", "fail")],
            why="Local-part Selectors: each prefix is at least one character.",
        ),
        Case(
            "bimi08-dmarc-servfail",
            "bimi",
            "tregothnan-teas.com",
            {
                **bimi_site(
                    "tregothnan-teas.com",
                    f"v=BIMI1; l={logo('tregothnan-teas.com')}; a={mark('tregothnan-teas.com')}",
                ),
                ("_dmarc.tregothnan-teas.com", "TXT"): "SERVFAIL",
            },
            expect=[E("BIMI-08", "error")],
            no_fail=True,
            why="A SERVFAIL on the DMARC record is 'could not check' the prerequisite, never a "
            "fail ('no DMARC').",
        ),
    ]


# The names, read at collection without making a key (stand_in_key); the cases with their keys
# are made once, by the first test that runs one.
NAMES = [c.name for c in cases(stand_in_key, stand_in_key)]


@functools.cache
def all_cases() -> list[Case]:
    return cases()


def run_case(case: Case) -> EngineRun:
    """The module's findings and the (name, type) queries it made: no MTA-STS policy, then the
    case's files, a mark certificate at any .pem URL, TINY_PS anywhere else."""
    fetch = fake_fetch(no_mta_sts_policy, case.files, marks(vmc_for), rest=TINY_PS)
    module = MODULES[case.module]
    return run_engine(module, case.domain, case.zone, fetch=fetch, dkim_selectors=case.selectors)


def test_round_size_and_names() -> None:
    built = all_cases()
    assert 50 <= len(built) <= 56, len(built)
    assert len({c.name for c in built}) == len(built)
    assert [c.name for c in built] == NAMES
    assert len(DEEP12.split(".")) == 12


# Where the round and the product still disagree, kept as a strict xfail with the reason.
GAPS: dict[str, str] = {}


def _param(name: str) -> Any:
    reason = GAPS.get(name)
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(name, id=name, marks=marks)


def case_named(name: str) -> Case:
    return next(c for c in all_cases() if c.name == name)


@pytest.mark.parametrize("name", [_param(n) for n in NAMES])
def test_blind_case(name: str) -> None:
    case = case_named(name)
    findings, asked = run_case(case)
    problems, shown = reading_problems(
        findings, case.expect, case.never, never_words=case.never_words, no_fail=case.no_fail
    )
    if case.module == "dmarc":
        walked = walk_names(case.domain, asked)
        if len(walked) > 8:
            problems.append(f"{len(walked)} _dmarc names queried, more than 8: {sorted(walked)}")
        problems += [f"queried {n}" for n in case.walk_never if n in walked]
        problems += [f"never queried {n}" for n in case.walk_asked if n not in walked]
    assert not problems, f"{case.name}: {problems}\nfindings:\n{shown}"
