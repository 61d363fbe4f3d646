"""Blind round s43h: the DNS-only rule ids the blind files named least (checklist §1, §4, §6,
§3, §10): MX-07, MX-02, MX-05, SPF-17, SPF-14, SPF-02, SPF-10, DMARC-09, DMARC-10, DMARC-17,
DMARC-18, BIMI-02, BIMI-03, TLSRPT-07.

Chosen by `grep -lw <ID> tests/*blind*.py` over every id of checklist §0-§10: MX-07 had 3
files; DMARC-18, MX-02, SPF-17 5; the other ten 6. Left out though as rarely named: the DNSSEC
and DANE ids (the in-memory resolver carries no DNSSEC), MTASTS-13/-27/-22, SMTP-08/-14, BIMI-09/
-10 (HTTPS or SMTP), MTASTS-02/-06 (the MTA-STS module probes port 25) and BIMI-08 (its cases
fetch the logo and mark).

Shapes no earlier round used (their case lists read first): an MX host written in capitals, a
domain whose own name is an A-label, a homoglyph MX host (a Cyrillic 'а' typed as raw UTF-8);
'MX 0 localhost.' as the pre-RFC 7505 "no mail" habit, a null MX beside the apex itself as MX,
a parked null-MX domain with nothing else; an address with its port as MX target, one MX of
two an address; the apex itself as the only MX, three own MX hosts with no HELO record, an MX
host whose only TXT is a verification token; SPF only as type 99 beside verification tokens,
type 99 at the include target only; a Sender ID 'spf2.0/pra' record alone, a record in literal
quotes, a leading blank, a tab after 'v=spf1'; a second record pasted after '~all' in the same
string; t=y on a subdomain's own record, t=0; psd=N, psd= empty; a record without blanks, one
with commas for semicolons, a generator's record with every RFC 7489 tag, 'apsf=' for 'aspf=';
SPF without DKIM, no SPF but a Microsoft 365 key behind its CNAME, no SPF and only a revoked
key; a wildcard SPF answer at default._bimi, no ';' after v=BIMI1, 'l= ' blank, a declination
at a subdomain under an organisational record with a logo; TLS-RPT URIs separated by ';' and by
a blank, a mailto and an https URI joined by ',', a '+' address.

The expectations were written from RFC 5321 §5.1, RFC 7505 §3 and §4.2, RFC 2181 §10.3,
RFC 5890 §2.3.2.1 (A-labels), RFC 1035 §2.3.3 (case), RFC 7208 (§2.3, §3.1, §3.3, §4.5, §4.6.1,
§5.1, §5.2, §6), RFC 7489 (§3.1, §6.3, §6.4, §6.6.3), RFC 9989 (§4.7, §4.8), RFC 5234 §2.3 (ABNF
strings are case-insensitive), RFC 8460 §3, the BIMI draft (Assertion Record Definition,
Declination to Publish, Discovery) and checklist §1, §3, §4, §6, §10, before the engine ran on
any of them (cf379e01). Three planted rows were deliberately wrong: MX-07 warn for an MX host
in capitals (DNS names compare without case, RFC 1035 §2.3.3), DMARC-10 warn for psd=N
(RFC 5234 §2.3), TLSRPT-07 warn for a '+' in a mailto address (RFC 6068 allows it).

Result of the first run: the 3 planted rows failed and are removed. Of the 37 cases 30 held.
Three MX cases gave their hosts addresses of TEST-NET-2 (RFC 5737), which MX-06 rightly calls
unreachable: the cases meant reachable hosts and now give public ones (test data, not the
engine). spf14-type99-at-include-target's SPF-14 row was mine to correct (see the case). The
engine's, each mended with tests/test_s43h_engine_fixes.py: MX-05 said nothing of an address
written with its port ('192.0.2.25:25'); SPF-08 told the owner of an include whose own record
sits as type 99 only to drop the include; SPF-01 said "no SPF record" beside a Sender ID
'spf2.0/pra' record without naming it; BIMI-02 said 'v=BIMI1 l=...' does not start with
'v=BIMI1' and gave no record. Reading the texts of the cases that held found three more:
MX-06 told the owner of 'MX 0 localhost.' to publish an address for localhost, SPF-02 quoted a
record with a tab after 'v=spf1' without naming the tab, and SPF-09's and SPF-10's fixes kept a
pasted second 'v=spf1' inside the record. Mended: 7282fc34 (MX-05, a status change), 3f139bfc
(SPF-08), 136d7fa8 (BIMI-02), 010dd70a (MX-06), 5aa22323 (SPF-01, SPF-02), da3f14d0 (SPF-10);
every case now holds as written.

Each case runs one module's evaluate against an in-memory resolver (tests.blind_engine), with
the production configuration; no port-25 probe is expected (a probe fails the case), and any
HTTPS fetch is answered from memory (no MTA-STS policy; the tiny-ps logo and a mark certificate
minted by tests.lab.pki; 200 for a TLS-RPT POST). A case lists:
  expect: (check ID or '*', status or statuses, words one such finding's summary or fix says);
  never:  (check ID, statuses) no finding may have;
  never_words: words no finding may say;
  no_fail: no finding of the module may be `fail`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from checks import bimi, dmarc, mx, spf, tlsrpt
from tests.blind_engine import (
    E,
    N,
    fake_fetch,
    marks,
    no_mta_sts_policy,
    reading_problems,
    run_engine,
)
from tests.test_engine_s26c_blind import GOOGLE, MAILCHIMP, OUTLOOK
from tests.test_engine_s27e_blind import TINY_PS, vmc_for
from tests.test_engine_s27k_blind import rsa_key

MODULES: dict[str, Any] = {"mx": mx, "spf": spf, "dmarc": dmarc, "bimi": bimi, "tlsrpt": tlsrpt}
ANY = ("pass", "info", "warn", "fail", "error", "na")
FLAGGED = ("info", "warn", "fail")

K2048 = rsa_key(2048)

# käse-haus.ch as its A-label (RFC 5890 §2.3.2.1).
KAESE = "xn--kse-haus-0za.ch"
# 'mаil' with a Cyrillic а (U+0430), typed as raw UTF-8 into a zone file: \208\176.
HOMOGLYPH = "m\\208\\176il.kestrel-optics.com."


@dataclass
class Case:
    name: str
    module: str
    domain: str
    zone: dict[Any, Any]
    expect: list[tuple[str, str | tuple[str, ...], tuple[str, ...]]] = field(default_factory=list)
    never: list[tuple[str, str | tuple[str, ...]]] = field(default_factory=list)
    never_words: tuple[str, ...] = ()
    no_fail: bool = False
    why: str = ""


def hosts(owner: str, names: list[str], *, addressed: int | None = None) -> dict[Any, Any]:
    """MX records at `owner` for `names` (preferences 10, 20, ...), the first `addressed`
    (default all) with an IPv4 address."""
    zone: dict[Any, Any] = {(owner, "MX"): [f"{10 * (i + 1)} {h}." for i, h in enumerate(names)]}
    for i, h in enumerate(names[:addressed]):
        zone[(h, "A")] = [f"198.51.100.{i + 11}"]
    return zone


def site(
    domain: str,
    *,
    spf_record: str | list[Any] | None = "v=spf1 mx -all",
    dmarc_record: str | None = None,
    mx_hosts: dict[Any, Any] | None = None,
    more: dict[Any, Any] | None = None,
) -> dict[Any, Any]:
    """A domain receiving mail at mx1.<domain> (or `mx_hosts`), with `spf_record` at the apex
    (None: no TXT there) and `dmarc_record` at _dmarc.<domain>."""
    zone = dict(mx_hosts) if mx_hosts is not None else hosts(domain, [f"mx1.{domain}"])
    if spf_record is not None:
        zone[(domain, "TXT")] = [spf_record]
    if dmarc_record is not None:
        zone[(f"_dmarc.{domain}", "TXT")] = [dmarc_record]
    zone.update(more or {})
    return zone


def rua(domain: str) -> str:
    return f"rua=mailto:dmarc@{domain}"


def logo(domain: str) -> str:
    return f"https://bimi.{domain}/logo.svg"


def mark(domain: str) -> str:
    return f"https://bimi.{domain}/vmc.pem"


def bimi_site(domain: str, record: str, more: dict[Any, Any] | None = None) -> dict[Any, Any]:
    """A mail domain at p=reject with `record` at default._bimi."""
    return site(
        domain,
        dmarc_record=f"v=DMARC1; p=reject; {rua(domain)}",
        more={(f"default._bimi.{domain}", "TXT"): [record], **(more or {})},
    )


def rpt_site(domain: str, record: str) -> dict[Any, Any]:
    """A mail domain with `record` at _smtp._tls and no MTA-STS."""
    return site(domain, more={(f"_smtp._tls.{domain}", "TXT"): [record]})


def cases() -> list[Case]:
    return [
        # ================================================== MX-07: A-labels (RFC 8461 §3.2)
        Case(
            "mx07-host-in-capitals",
            "mx",
            "harrowgate-farms.com",
            {
                ("harrowgate-farms.com", "MX"): ["10 MX1.Harrowgate-Farms.COM."],
                ("mx1.harrowgate-farms.com", "A"): ["93.184.215.21"],
            },
            expect=[E("MX-06", "pass")],
            never=[N("MX-07", ("warn", "fail")), N("MX-06", ("warn", "fail"))],
            no_fail=True,
            why="RFC 1035 §2.3.3: names compare without case; the name is all ASCII LDH, so "
            "an A-label-only rule has nothing to say, and the host resolves.",
        ),
        Case(
            "mx07-domain-is-an-a-label",
            "mx",
            KAESE,
            {
                (KAESE, "MX"): [f"10 mx1.{KAESE}.", f"20 mx2.{KAESE}."],
                (f"mx1.{KAESE}", "A"): ["93.184.215.31"],
                (f"mx2.{KAESE}", "A"): ["93.184.215.32"],
            },
            expect=[E("MX-06", "pass")],
            never=[N("MX-07", ("warn", "fail")), N("MX-05", ANY)],
            no_fail=True,
            why="RFC 5890 §2.3.2.1: 'xn--kse-haus-0za' is a valid A-label, what DNS and "
            "MTA-STS mx lines want (RFC 8461 §3.2).",
        ),
        Case(
            "mx07-homoglyph-host-raw-utf8",
            "mx",
            "kestrel-optics.com",
            {
                ("kestrel-optics.com", "MX"): [f"10 {HOMOGLYPH}"],
                ("mail.kestrel-optics.com", "A"): ["198.51.100.41"],
            },
            expect=[E("MX-07", "info", "xn--"), E("MX-06", "fail")],
            why="Checklist MX-07: a non-ASCII MX name is info, with the A-label to write; the "
            "name (a Cyrillic а in 'mail') has no address, and it is the only MX, so no host "
            "resolves: MX-06 fail (RFC 5321 §5.1).",
        ),
        # ================================================== MX-02: null MX alone (RFC 7505 §3)
        Case(
            "mx02-localhost-as-no-mail",
            "mx",
            "tollgate-archive.org",
            {("tollgate-archive.org", "MX"): ["0 localhost."]},
            # Row words added after the run: MX-06 told the owner to publish an address for
            # 'localhost'; the record is the old "no mail" habit, whose standard form is the
            # null MX (RFC 7505 §3).
            expect=[E("MX-06", "fail", "localhost", "MX 0 .")],
            never_words=("publish an address for localhost",),
            never=[N("MX-02", ("warn", "fail", "pass"))],
            why="'MX 0 localhost.' is no null MX (RFC 7505 §3 defines only 'MX 0 .'), so "
            "nothing stands beside a null MX; the one MX host has no usable address, which "
            "RFC 5321 §5.1 says MUST be reported as an error: MX-06 fail naming it.",
        ),
        Case(
            "mx02-null-beside-the-apex",
            "mx",
            "brindle-quarry.com",
            {
                ("brindle-quarry.com", "MX"): ["0 .", "10 brindle-quarry.com."],
                ("brindle-quarry.com", "A"): ["198.51.100.51"],
            },
            expect=[E("MX-02", "fail", "mx 10 brindle-quarry.com")],
            why="RFC 7505 §3: a domain that advertises a null MX MUST NOT advertise any other "
            "MX; the other one here is the apex itself, which must be named.",
        ),
        Case(
            "mx02-parked-null-alone",
            "mx",
            "oakfold-legacy.net",
            {
                ("oakfold-legacy.net", "MX"): ["0 ."],
                ("oakfold-legacy.net", "TXT"): ["v=spf1 -all"],
                ("_dmarc.oakfold-legacy.net", "TXT"): ["v=DMARC1; p=reject;"],
            },
            expect=[E("MX-02", "pass"), E("MX-03", "info")],
            never=[N("MX-02", ("warn", "fail")), N("MX-03", ("warn", "fail"))],
            no_fail=True,
            why="RFC 7505 §3-§4.2: a null MX alone, SPF -all, no DKIM or BIMI: the posture of a "
            "parked domain, MX-03 info.",
        ),
        # ================================================== MX-05: a name, not an address
        Case(
            "mx05-address-with-port",
            "mx",
            "wrenford-bakery.com",
            {("wrenford-bakery.com", "MX"): ["10 192.0.2.25:25."]},
            expect=[E("MX-05", "fail", "192.0.2.25"), E("MX-06", "fail")],
            why="RFC 5321 §5.1: the MX data is a domain name that must have addresses; an "
            "address (here with its port) is looked up as a name and fails; no host resolves.",
        ),
        Case(
            "mx05-backup-is-an-address",
            "mx",
            "fellside-surveyors.co.uk",
            {
                ("fellside-surveyors.co.uk", "MX"): [
                    "10 mx1.fellside-surveyors.co.uk.",
                    "20 203.0.113.40.",
                ],
                ("mx1.fellside-surveyors.co.uk", "A"): ["93.184.215.61"],
            },
            expect=[E("MX-05", "fail", "203.0.113.40"), E("MX-06", "warn")],
            never=[N("MX-06", "fail")],
            why="Checklist MX-05 fail for the address typed as MX; MX-06 warn: some MX hosts "
            "resolve, one does not.",
        ),
        # ================================================== SPF-17: HELO records (RFC 7208 §2.3)
        Case(
            "spf17-apex-is-the-mx",
            "spf",
            "pellow-smithy.com",
            {
                ("pellow-smithy.com", "MX"): ["10 pellow-smithy.com."],
                ("pellow-smithy.com", "A"): ["198.51.100.71"],
                ("pellow-smithy.com", "TXT"): ["v=spf1 a mx -all"],
            },
            never=[N("SPF-17", FLAGGED)],
            why="The MX host is the apex, whose SPF record covers its HELO name.",
        ),
        Case(
            "spf17-three-own-hosts-none-has-helo",
            "spf",
            "garthwaite-mills.com",
            site(
                "garthwaite-mills.com",
                mx_hosts=hosts(
                    "garthwaite-mills.com",
                    [f"mx{i}.garthwaite-mills.com" for i in (1, 2, 3)],
                ),
            ),
            expect=[
                E("SPF-17", "info", "mx1.garthwaite-mills.com"),
                E("SPF-17", "info", "mx2.garthwaite-mills.com"),
                E("SPF-17", "info", "mx3.garthwaite-mills.com"),
            ],
            never=[N("SPF-17", ("warn", "fail"))],
            why="Checklist SPF-17: info, naming every own MX host without a HELO record.",
        ),
        Case(
            "spf17-host-with-only-a-token",
            "spf",
            "kirkby-opticians.com",
            site(
                "kirkby-opticians.com",
                mx_hosts=hosts(
                    "kirkby-opticians.com",
                    ["mx1.kirkby-opticians.com", "mx2.kirkby-opticians.com"],
                ),
                more={
                    ("mx1.kirkby-opticians.com", "TXT"): ["v=spf1 a -all"],
                    ("mx2.kirkby-opticians.com", "TXT"): [
                        "google-site-verification=Qx7d2kPzL0aW9sVbN3mF5tRyH8jUcE1iO4gA6nB"
                    ],
                },
            ),
            expect=[E("SPF-17", "info", "mx2.kirkby-opticians.com")],
            never=[N("SPF-17", ("warn", "fail"))],
            why="A TXT that is not 'v=spf1' is no SPF record (RFC 7208 §4.5): mx2 has no HELO "
            "record.",
        ),
        # ================================================== SPF-14: TXT only (RFC 7208 §3.1)
        Case(
            "spf14-type99-only-beside-tokens",
            "spf",
            "hollinbrook-dairy.com",
            {
                **hosts("hollinbrook-dairy.com", ["mx1.hollinbrook-dairy.com"]),
                ("hollinbrook-dairy.com", "SPF"): ["v=spf1 include:_spf.google.com ~all"],
                ("hollinbrook-dairy.com", "TXT"): [
                    "google-site-verification=8fR2mQ0zXcV5bN7kL1pW3sD9hJ4gT6yU2eA0iO",
                    "MS=ms48213377",
                ],
                **GOOGLE,
            },
            expect=[E("SPF-14", "fail", "v=spf1 include:_spf.google.com ~all", "txt")],
            never=[N("SPF-01", "pass")],
            why="§3.1: SPF is published as TXT only; the type 99 record is the only SPF "
            "(the TXT set holds verification tokens), so receivers find none: fail, the fix "
            "the same text as TXT.",
        ),
        Case(
            "spf14-type99-at-include-target",
            "spf",
            "marsden-haulage.com",
            site(
                "marsden-haulage.com",
                spf_record="v=spf1 include:_spf.marsden-haulage.com -all",
                more={("_spf.marsden-haulage.com", "SPF"): ["v=spf1 ip4:198.51.100.0/24 -all"]},
            ),
            # Corrected after the run (expectation mine): I asked for SPF-14 fail naming the
            # include target. Receivers ask for TXT only (RFC 7208 §3.1, §4.4), so the include
            # finds no SPF record: one fault, the permerror of §5.2, which is SPF-08's; SPF-14
            # judges the domain's own record. SPF-08 must say why (the record is there as type
            # 99) and publish it as TXT, not drop the include.
            expect=[
                E(
                    "SPF-08",
                    "fail",
                    "_spf.marsden-haulage.com",
                    "type 99",
                    '_spf.marsden-haulage.com. TXT "v=spf1 ip4:198.51.100.0/24 -all"',
                ),
            ],
            never=[N("SPF-14", ("warn", "fail"))],
            never_words=('marsden-haulage.com. TXT "v=spf1 -all"',),
            why="§5.2: the include target has no SPF TXT, a permerror (SPF-08 fail); the record "
            "there exists only as type 99 (§3.1: TXT only), the owner's own name: SPF-14 fail "
            "naming it.",
        ),
        # ================================================== SPF-02: the version (RFC 7208 §4.5)
        Case(
            "spf02-sender-id-only",
            "spf",
            "ashby-chandlers.com",
            site(
                "ashby-chandlers.com",
                spf_record="spf2.0/pra include:spf.protection.outlook.com -all",
                more=OUTLOOK,
            ),
            expect=[E("SPF-01", "warn"), E("*", ("warn", "fail"), "spf2.0")],
            never=[N("SPF-01", "pass"), N("SPF-09", "pass")],
            why="§4.5: only 'v=spf1' records are SPF; a Sender ID record (RFC 4406) is not, so "
            "a domain with MX has none (checklist SPF-01 warn), and the owner must be told "
            "their 'spf2.0' record is not SPF.",
        ),
        Case(
            "spf02-record-in-quotes",
            "spf",
            "lindley-vintners.com",
            site(
                "lindley-vintners.com",
                spf_record='"v=spf1 include:_spf.google.com ~all"',
                more=GOOGLE,
            ),
            expect=[E("SPF-02", "fail", "v=spf1 include:_spf.google.com ~all")],
            never=[N("SPF-01", "pass")],
            why="§4.5: the text begins with '\"', not 'v=spf1': no record is selected; "
            "checklist SPF-02 fail, the fix the record without the quotes.",
        ),
        Case(
            "spf02-leading-blank",
            "spf",
            "thwaite-joinery.com",
            site("thwaite-joinery.com", spf_record=" v=spf1 mx -all"),
            expect=[E("SPF-02", "fail", "v=spf1 mx -all")],
            never=[N("SPF-01", "pass")],
            why="§4.5: the record must begin with 'v=spf1'; a leading blank makes it none.",
        ),
        Case(
            "spf02-tab-after-version",
            "spf",
            "cowling-kennels.com",
            site("cowling-kennels.com", spf_record="v=spf1\tmx -all"),
            # 'tab' added after the run: the finding quoted the record with the tab unseen.
            expect=[E("SPF-02", "fail", "v=spf1 mx -all", "tab")],
            never=[N("SPF-01", "pass")],
            why="§4.5: 'v=spf1' followed by SP or the end; §4.6.1 terms are separated by SP "
            "only: a tab is neither.",
        ),
        # ================================================== SPF-10: ignored terms (§5.1)
        Case(
            "spf10-second-record-pasted-after-softfail",
            "spf",
            "redmire-pottery.com",
            site(
                "redmire-pottery.com",
                spf_record="v=spf1 include:_spf.google.com ~all "
                "v=spf1 include:servers.mcsv.net ~all",
                more={**GOOGLE, **MAILCHIMP},
            ),
            expect=[E("SPF-10", "warn", "servers.mcsv.net")],
            never=[N("SPF-04", "fail"), N("SPF-01", "fail")],
            # Added after the run: SPF-09's and SPF-10's fixes kept the pasted 'v=spf1' inside
            # the record ('v=spf1 include:_spf.google.com v=spf1 -all').
            never_words=("google.com v=spf1", "~all v=spf1"),
            no_fail=True,
            why="§4.6.1: the second 'v=spf1' parses as an unknown modifier (ignored, §6); "
            "everything after '~all' is ignored (§5.1), so Mailchimp is not authorised.",
        ),
        # ================================================== DMARC-09: t= (RFC 9989 §4.7)
        Case(
            "dmarc09-t-y-on-subdomain-record",
            "dmarc",
            "news.fellbeck-press.com",
            site(
                "news.fellbeck-press.com",
                dmarc_record=f"v=DMARC1; p=reject; t=y; {rua('fellbeck-press.com')}",
                more={
                    ("_dmarc.fellbeck-press.com", "TXT"): [
                        f"v=DMARC1; p=reject; {rua('fellbeck-press.com')}"
                    ]
                },
            ),
            expect=[E("DMARC-09", "warn", "t=y")],
            why="RFC 9989 §4.7: t=y applies one level below (reject as quarantine) for the "
            "subdomain's own record: warn.",
        ),
        Case(
            "dmarc09-t-zero",
            "dmarc",
            "ravenstone-clinic.com",
            site(
                "ravenstone-clinic.com",
                dmarc_record=f"v=DMARC1; p=quarantine; t=0; {rua('ravenstone-clinic.com')}",
            ),
            expect=[E("DMARC-09", "warn", "t=0")],
            why="Checklist DMARC-09: a value other than y/n warns.",
        ),
        # ================================================== DMARC-10: psd= (RFC 9989 §4.7)
        Case(
            "dmarc10-psd-capital-n",
            "dmarc",
            "amberley-organics.com",
            site(
                "amberley-organics.com",
                dmarc_record=f"v=DMARC1; p=reject; psd=N; {rua('amberley-organics.com')}",
            ),
            expect=[E("DMARC-10", "info")],
            never=[N("DMARC-10", ("warn", "fail")), N("DMARC-17", ("warn", "fail"))],
            why="RFC 5234 §2.3: the ABNF's \"n\" matches 'N'; psd=n is info.",
        ),
        Case(
            "dmarc10-psd-empty",
            "dmarc",
            "westcote-builders.com",
            site(
                "westcote-builders.com",
                dmarc_record=f"v=DMARC1; p=reject; psd=; {rua('westcote-builders.com')}",
            ),
            expect=[E("*", "warn", "psd")],
            why="RFC 9989 §4.7: psd takes y, n or u; an empty value is a syntax error "
            "(checklist DMARC-17 warn, or DMARC-10 for the value).",
        ),
        # ================================================== DMARC-17: syntax and unknown tags
        Case(
            "dmarc17-no-blanks",
            "dmarc",
            "sedgefield-cycles.com",
            site(
                "sedgefield-cycles.com",
                dmarc_record="v=DMARC1;p=reject;rua=mailto:dmarc@sedgefield-cycles.com",
            ),
            never=[N("DMARC-17", ("warn", "fail")), N("DMARC-03", ("warn", "fail"))],
            no_fail=True,
            why="RFC 7489 §6.4: *WSP around ';' — no blanks is valid.",
        ),
        Case(
            "dmarc17-commas-for-semicolons",
            "dmarc",
            "brampton-glass.com",
            site(
                "brampton-glass.com",
                dmarc_record="v=DMARC1, p=reject, rua=mailto:dmarc@brampton-glass.com",
            ),
            expect=[E("DMARC-03", "fail", "v=DMARC1; p=reject")],
            never=[N("DMARC-05", "pass")],
            why="RFC 7489 §6.4: tags are separated by ';'; the v tag reads 'DMARC1, p=reject, "
            "...', not DMARC1, so the record is ignored (§6.6.3): fail, the fix with ';'.",
        ),
        Case(
            "dmarc17-every-7489-tag",
            "dmarc",
            "hartsop-engineering.com",
            site(
                "hartsop-engineering.com",
                dmarc_record="v=DMARC1; p=reject; sp=reject; adkim=r; aspf=r; pct=100; fo=1; "
                "rf=afrf; ri=86400; rua=mailto:dmarc@hartsop-engineering.com; "
                "ruf=mailto:dmarc@hartsop-engineering.com",
            ),
            never=[N("DMARC-17", ("warn", "fail"))],
            no_fail=True,
            why="Every tag is an RFC 7489 §6.3 tag with a valid value: nothing unknown.",
        ),
        Case(
            "dmarc17-apsf-typo",
            "dmarc",
            "linthorpe-travel.com",
            site(
                "linthorpe-travel.com",
                dmarc_record="v=DMARC1; p=reject; adkim=s; apsf=s; "
                "rua=mailto:dmarc@linthorpe-travel.com",
            ),
            expect=[E("DMARC-17", "warn", "apsf")],
            why="'apsf' is no DMARC tag (ignored, §6.3), so SPF alignment stays relaxed.",
        ),
        # ================================================== DMARC-18: alignment achievable
        Case(
            "dmarc18-spf-without-dkim",
            "dmarc",
            "holmfirth-textiles.com",
            site(
                "holmfirth-textiles.com",
                dmarc_record=f"v=DMARC1; p=reject; {rua('holmfirth-textiles.com')}",
            ),
            never=[N("DMARC-18", ("warn", "fail"))],
            why="Checklist DMARC-18 warns only with neither SPF nor a DKIM key: SPF is there.",
        ),
        Case(
            "dmarc18-m365-key-behind-cname-no-spf",
            "dmarc",
            "skelton-architects.com",
            site(
                "skelton-architects.com",
                spf_record=None,
                dmarc_record=f"v=DMARC1; p=quarantine; {rua('skelton-architects.com')}",
                more={
                    ("selector1._domainkey.skelton-architects.com", "CNAME"): [
                        "selector1-skelton-architects-com._domainkey.skeltonarch.onmicrosoft.com."
                    ],
                    (
                        "selector1-skelton-architects-com._domainkey.skeltonarch.onmicrosoft.com",
                        "TXT",
                    ): [["v=DKIM1; k=rsa; p=", K2048]],
                },
            ),
            never=[N("DMARC-18", ("warn", "fail"))],
            why="RFC 6376 §3.6.2.1 allows the CNAME; a DKIM key is found, so alignment is "
            "achievable through DKIM (RFC 7489 §3.1).",
        ),
        Case(
            "dmarc18-only-a-revoked-key",
            "dmarc",
            "ormsby-farriers.com",
            site(
                "ormsby-farriers.com",
                spf_record=None,
                dmarc_record=f"v=DMARC1; p=reject; {rua('ormsby-farriers.com')}",
                more={("google._domainkey.ormsby-farriers.com", "TXT"): ["v=DKIM1; k=rsa; p="]},
            ),
            expect=[E("DMARC-18", "warn")],
            why="RFC 6376 §3.6.1: an empty p= is a revoked key, no key; no SPF either, so "
            "nothing can pass aligned (RFC 7489 §3.1): warn.",
        ),
        # ================================================== BIMI-02: one record, v=BIMI1 first
        Case(
            "bimi02-wildcard-spf-at-default-bimi",
            "bimi",
            "marwood-jewellers.com",
            site(
                "marwood-jewellers.com",
                dmarc_record=f"v=DMARC1; p=reject; {rua('marwood-jewellers.com')}",
                more={("default._bimi.marwood-jewellers.com", "TXT"): ["v=spf1 -all"]},
            ),
            expect=[E("BIMI-01", "info")],
            never=[N("BIMI-02", ("warn", "fail")), N("BIMI-04", ANY)],
            no_fail=True,
            why="Discovery: records not starting with v=BIMI1 are discarded; none left is no "
            "BIMI (info), not a broken one.",
        ),
        Case(
            "bimi02-no-semicolon-after-version",
            "bimi",
            "castleton-candles.com",
            bimi_site(
                "castleton-candles.com",
                f"v=BIMI1 l={logo('castleton-candles.com')}; a={mark('castleton-candles.com')}",
            ),
            expect=[E("BIMI-02", "fail", "v=BIMI1;")],
            why="Assertion Record Definition: tags are ';'-separated and receivers MUST NOT fix "
            "syntax: the v tag reads 'BIMI1 l=...', no valid record.",
        ),
        # ================================================== BIMI-03: l= and declination
        Case(
            "bimi03-l-blank",
            "bimi",
            "elmsworth-academy.org.uk",
            bimi_site("elmsworth-academy.org.uk", "v=BIMI1; l= ; a="),
            expect=[E("BIMI-03", "info")],
            never=[N("BIMI-03", ("warn", "fail")), N("BIMI-04", ANY)],
            why="Declination to Publish: l= and a= both empty (a blank value is empty: *WSP "
            "around tag values) is an explicit declination.",
        ),
        Case(
            "bimi03-subdomain-declines-under-org-logo",
            "bimi",
            "alerts.fenwick-bank.com",
            {
                **hosts("alerts.fenwick-bank.com", ["mx1.fenwick-bank.com"]),
                ("alerts.fenwick-bank.com", "TXT"): ["v=spf1 include:_spf.google.com -all"],
                ("_dmarc.fenwick-bank.com", "TXT"): [
                    f"v=DMARC1; p=reject; {rua('fenwick-bank.com')}"
                ],
                ("default._bimi.alerts.fenwick-bank.com", "TXT"): ["v=BIMI1; l=; a=;"],
                ("default._bimi.fenwick-bank.com", "TXT"): [
                    f"v=BIMI1; l={logo('fenwick-bank.com')}; a={mark('fenwick-bank.com')}"
                ],
                **GOOGLE,
            },
            expect=[E("BIMI-03", "info")],
            never=[N("BIMI-04", ANY), N("BIMI-10", ANY), N("BIMI-03", ("warn", "fail"))],
            why="Discovery: the author domain's own record is used; the Org Domain is asked "
            "only when there is none. Its declination stands; the parent's logo is not taken.",
        ),
        # ================================================== TLSRPT-07: the rua list (RFC 8460 §3)
        Case(
            "tlsrpt07-uris-separated-by-semicolon",
            "tlsrpt",
            "garsdale-outdoor.com",
            rpt_site(
                "garsdale-outdoor.com",
                "v=TLSRPTv1; rua=mailto:tls@garsdale-outdoor.com; mailto:noc@garsdale-outdoor.com",
            ),
            expect=[E("*", "fail", "mailto:noc@garsdale-outdoor.com")],
            why="§3: URIs are joined by ','; after ';' 'mailto:noc@...' is no field (no '='): "
            "the record is syntactically invalid (checklist TLSRPT-09 fail).",
        ),
        Case(
            "tlsrpt07-uris-separated-by-blank",
            "tlsrpt",
            "ingleton-dental.com",
            rpt_site(
                "ingleton-dental.com",
                "v=TLSRPTv1; rua=mailto:tls@ingleton-dental.com mailto:noc@ingleton-dental.com",
            ),
            expect=[E("*", "fail", "mailto:noc@ingleton-dental.com")],
            why="§3: tlsrpt-uri *(*WSP \",\" *WSP tlsrpt-uri): without a ',' the second URI "
            "does not parse; the rua value is no valid URI list.",
        ),
        Case(
            "tlsrpt07-mailto-and-https-joined",
            "tlsrpt",
            "kettleby-foods.com",
            rpt_site(
                "kettleby-foods.com",
                "v=TLSRPTv1; rua=mailto:tlsrpt@kettleby-foods.com,"
                "https://tlsrpt.kettleby-foods.com/v1/report",
            ),
            never=[N("TLSRPT-07", ("warn", "fail")), N("TLSRPT-06", ("warn", "fail"))],
            no_fail=True,
            why="§3: a ',' with no blanks joins two URIs of the two supported schemes.",
        ),
        Case(
            "tlsrpt07-plus-address",
            "tlsrpt",
            "barnard-vets.com",
            rpt_site("barnard-vets.com", "v=TLSRPTv1; rua=mailto:tlsrpt+mx@barnard-vets.com"),
            never=[N("TLSRPT-07", ("warn", "fail"))],
            no_fail=True,
            why="RFC 6068 allows '+' in the address; nothing to encode.",
        ),
    ]


CASES = cases()


def no_probe() -> Any:
    raise AssertionError("a port-25 probe: this round's checks read DNS only")


def run_case(case: Case) -> list[Any]:
    fetch = fake_fetch(no_mta_sts_policy, marks(vmc_for), rest=TINY_PS)
    return run_engine(
        MODULES[case.module], case.domain, case.zone, fetch=fetch, probe=no_probe
    ).findings


def test_round_size_and_names() -> None:
    assert 30 <= len(CASES) <= 40, len(CASES)
    names = [c.name for c in CASES]
    assert len(set(names)) == len(names)


# Where the round and the product still disagree, kept as a strict xfail with the reason.
GAPS: dict[str, str] = {}


def _param(case: Case) -> Any:
    reason = GAPS.get(case.name)
    marks_ = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(case, id=case.name, marks=marks_)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_blind_case(case: Case) -> None:
    findings = run_case(case)
    problems, shown = reading_problems(
        findings, case.expect, case.never, never_words=case.never_words, no_fail=case.no_fail
    )
    assert not problems, f"{case.name}: {problems}\nfindings:\n{shown}"
