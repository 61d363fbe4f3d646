"""Blind round s26c: SPF (RFC 7208) and DMARC (RFC 7489 / RFC 9989) record sets.

Fifty domains' DNS written as admins and providers publish it, chosen for the hard parts of the
RFCs (lookup counting through include/redirect/ptr/exists, mx fan-out, void lookups, redirect
beside 'all', loops, macros, CIDR forms, modifiers, record size; DMARC pct/np/t, report
authorisation across organisational domains found with the PSL, the tree walk, CNAMEd records,
lookup failures). The expectations were written from the RFCs and the checklist
(/work/shared/standards/checklist.md §4, §6) before the engine ran on any of them.

Result of the first run: the 3 planted wrong expectations failed (then removed); of the 50
cases, 49 held and one (dmarc-cname-dangling) showed an engine defect, fixed. Texts read while
judging the run showed two more (DMARC-19 told to drop a pct the record did not have; a redirect
loop told as "includes"), fixed too; tests/test_engine_s26c.py covers all three.

Each case names the module it runs (checks.spf or checks.dmarc) against an in-memory resolver
and lists:
  expect: (check ID, status or statuses, words the finding's summary or fix must contain);
  never:  (check ID, statuses) that must not be reported;
  no_fail: no finding of the module may be `fail` (a lookup that could not be made is
           "could not check", never a fail).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from checks import dmarc, spf
from checks.findings import Finding
from tests.blind_engine import CnameDns as CnameDns  # later rounds import it from here
from tests.blind_engine import E, N, reading_problems, run_engine


def run_case(module: Any, domain: str, zone: dict[Any, Any]) -> list[Finding]:
    return run_engine(module, domain, zone).findings


@dataclass
class Case:
    name: str
    module: str  # "spf" or "dmarc"
    domain: str
    zone: dict[Any, Any]
    expect: list[tuple[str, str | tuple[str, ...], tuple[str, ...]]] = field(default_factory=list)
    never: list[tuple[str, str | tuple[str, ...]]] = field(default_factory=list)
    no_fail: bool = False
    why: str = ""


def txt(*records: Any) -> list[Any]:
    return list(records)


# ---------------------------------------------------------------------------------------------
# Provider records, modelled on what the providers publish (addresses are documentation ranges).

GOOGLE = {
    ("_spf.google.com", "TXT"): [
        "v=spf1 include:_netblocks.google.com include:_netblocks2.google.com "
        "include:_netblocks3.google.com ~all"
    ],
    ("_netblocks.google.com", "TXT"): ["v=spf1 ip4:35.190.247.0/24 ip4:64.233.160.0/19 ~all"],
    ("_netblocks2.google.com", "TXT"): ["v=spf1 ip6:2001:4860:4000::/36 ~all"],
    ("_netblocks3.google.com", "TXT"): ["v=spf1 ip4:172.217.0.0/19 ~all"],
}
OUTLOOK = {
    ("spf.protection.outlook.com", "TXT"): [
        "v=spf1 ip4:40.92.0.0/15 ip4:40.107.0.0/16 ip4:52.100.0.0/15 ip6:2a01:111:f400::/48 -all"
    ],
}
MAILCHIMP = {("servers.mcsv.net", "TXT"): ["v=spf1 ip4:205.201.128.0/20 ip4:198.2.128.0/18 ~all"]}
ZENDESK = {("mail.zendesk.com", "TXT"): ["v=spf1 ip4:192.161.144.0/20 ip4:185.12.80.0/22 ~all"]}
SALESFORCE = {
    ("_spf.salesforce.com", "TXT"): ["v=spf1 ip4:13.108.16.0/20 ip4:85.222.128.0/19 -all"]
}
SENDGRID = {("sendgrid.net", "TXT"): ["v=spf1 ip4:167.89.0.0/17 ip4:149.72.0.0/16 ~all"]}
PROVIDERS = {**GOOGLE, **OUTLOOK, **MAILCHIMP, **ZENDESK, **SALESFORCE, **SENDGRID}

STACK = (
    "include:_spf.google.com include:spf.protection.outlook.com include:servers.mcsv.net "
    "include:mail.zendesk.com include:_spf.salesforce.com include:sendgrid.net"
)


def mx_hosts(owner: str, hosts: list[str], first: int = 10) -> dict[Any, Any]:
    zone: dict[Any, Any] = {(owner, "MX"): [f"{first + i} {h}." for i, h in enumerate(hosts)]}
    for i, h in enumerate(hosts):
        zone[(h, "A")] = [f"192.0.2.{10 + i}"]
    return zone


# A 480-octet record as a hosting provider's panel splits it: the first string ends inside a term.
LONG_TERMS = " ".join(f"ip4:203.0.113.{i}" for i in range(1, 29)) + " include:_spf.google.com ~all"
LONG_RECORD = "v=spf1 " + LONG_TERMS
assert 450 < len(LONG_RECORD) < 510 and LONG_RECORD[239] not in " "


CASES: list[Case] = [
    # ---------------------------------------------------------------------------- SPF counting
    Case(
        "spf-saas-stack-ten",
        "spf",
        "northwind.example",
        {
            ("northwind.example", "TXT"): [f"v=spf1 mx {STACK} ~all"],
            **mx_hosts("northwind.example", ["aspmx.l.google.com"]),
            **PROVIDERS,
        },
        # mx 1 + Google 4 (its include and three netblocks) + five includes = 10 (§4.6.4).
        expect=[E("SPF-05", "warn", "10")],
        never=[N("SPF-05", "fail")],
    ),
    Case(
        "spf-saas-stack-eleven",
        "spf",
        "southwind.example",
        {
            ("southwind.example", "TXT"): [f"v=spf1 a mx {STACK} ~all"],
            ("southwind.example", "A"): ["192.0.2.80"],
            **mx_hosts("southwind.example", ["aspmx.l.google.com"]),
            **PROVIDERS,
        },
        # a + mx + 9 through the includes = 11: permerror, whatever IP would match first.
        expect=[E("SPF-05", "fail", "11")],
    ),
    Case(
        "spf-redirect-counts",
        "spf",
        "smallbiz-hosted.example",
        {
            ("smallbiz-hosted.example", "TXT"): [
                "v=spf1 ip4:198.51.100.10 redirect=_spf.webhost.example"
            ],
            ("_spf.webhost.example", "TXT"): [
                "v=spf1 "
                + " ".join(f"include:_out{i}.webhost.example" for i in range(1, 11))
                + " -all"
            ],
            **{
                (f"_out{i}.webhost.example", "TXT"): [f"v=spf1 ip4:198.51.{i}.0/24 -all"]
                for i in range(1, 11)
            },
        },
        # redirect counts (§4.6.4): 1 + 10 includes = 11.
        expect=[E("SPF-05", "fail", "11")],
    ),
    Case(
        "spf-ptr-exists-mx-count-nine",
        "spf",
        "example.org",
        {
            ("example.org", "TXT"): [
                "v=spf1 ptr:relay.example.org exists:%{i}._ip.example.org a mx "
                "a:smtp.example.org mx:backup.example.org include:_spf.a.example.org "
                "include:_spf.b.example.org include:_spf.c.example.org -all"
            ],
            ("example.org", "A"): ["192.0.2.1"],
            ("smtp.example.org", "A"): ["192.0.2.2"],
            **mx_hosts("example.org", ["mx1.example.org", "mx2.example.org"]),
            **mx_hosts("backup.example.org", ["mx3.example.org"], first=20),
            ("_spf.a.example.org", "TXT"): ["v=spf1 ip4:198.51.100.0/26 -all"],
            ("_spf.b.example.org", "TXT"): ["v=spf1 ip4:198.51.100.64/26 -all"],
            ("_spf.c.example.org", "TXT"): ["v=spf1 ip4:198.51.100.128/26 -all"],
        },
        # ptr, exists, a, mx, a, mx and three includes: 9 lookups, no headroom (warn); ptr warns.
        expect=[E("SPF-05", "warn", "9"), E("SPF-11", "warn", "ptr")],
        never=[N("SPF-05", "fail"), N("SPF-16", "fail")],
    ),
    Case(
        "spf-long-record-split-mid-term",
        "spf",
        "longlist.example",
        {
            ("longlist.example", "TXT"): [[LONG_RECORD[:240], LONG_RECORD[240:]]],
            **GOOGLE,
        },
        # Strings join without a space (§3.3): the split inside 'ip4:203.0.113.x' is harmless.
        # ip4 terms cost no lookup: 4 (Google). The answer is over 450 octets (§3.4).
        expect=[E("SPF-13", "warn", "octets"), E("SPF-04", "pass"), E("SPF-05", "pass")],
        never=[N("SPF-03", ("fail", "warn"))],
    ),
    Case(
        "spf-three-void-nodata",
        "spf",
        "brewery.example",
        {
            ("brewery.example", "TXT"): [
                "v=spf1 a:mail1.brewery.example a:mail2.brewery.example "
                "mx:legacy.brewery.example ip4:192.0.2.50 -all"
            ],
            # The names exist (other records) but answer no address / no MX: NODATA is void.
            ("mail1.brewery.example", "TXT"): ["google-site-verification=abc123"],
            ("mail2.brewery.example", "MX"): ["10 mx.brewery.example."],
            ("legacy.brewery.example", "A"): ["192.0.2.51"],  # no MX; no A fallback (§5.4)
            ("mx.brewery.example", "A"): ["192.0.2.52"],
        },
        expect=[E("SPF-06", "fail", "legacy.brewery.example")],
    ),
    Case(
        "spf-two-void-warn",
        "spf",
        "brewpub.example",
        {
            ("brewpub.example", "TXT"): [
                "v=spf1 include:_spf.google.com a:old-relay.brewpub.example "
                "exists:allow.brewpub.example -all"
            ],
            **GOOGLE,
        },
        expect=[E("SPF-06", "warn", "old-relay.brewpub.example")],
        never=[N("SPF-06", "fail")],
    ),
    # -------------------------------------------------------------- SPF include / redirect
    Case(
        "spf-include-senderid-only",
        "spf",
        "oldnews.example",
        {
            ("oldnews.example", "TXT"): ["v=spf1 include:_spf.legacyesp.example -all"],
            ("_spf.legacyesp.example", "TXT"): [
                "spf2.0/mfrom,pra ip4:198.51.100.0/24 ?all",
                "google-site-verification=Xy12",
            ],
        },
        # No v=spf1 at the include target: 'none', which include turns into permerror (§5.2).
        expect=[E("SPF-08", "fail", "_spf.legacyesp.example")],
    ),
    Case(
        "spf-include-servfail",
        "spf",
        "flaky.example",
        {
            ("flaky.example", "TXT"): ["v=spf1 include:_spf.flakyesp.example mx -all"],
            **mx_hosts("flaky.example", ["mx.flaky.example"]),
            ("_spf.flakyesp.example", "TXT"): "SERVFAIL",
        },
        expect=[E("SPF-20", ("warn", "error"), "_spf.flakyesp.example")],
        never=[N("SPF-08", "fail")],
        no_fail=True,
    ),
    Case(
        "spf-a-timeout-not-void",
        "spf",
        "slowdns.example",
        {
            ("slowdns.example", "TXT"): ["v=spf1 a:relay.slowdns.example ip4:192.0.2.0/28 -all"],
            ("relay.slowdns.example", "A"): "TIMEOUT",
            ("relay.slowdns.example", "AAAA"): "TIMEOUT",
        },
        expect=[E("SPF-20", ("warn", "error"), "relay.slowdns.example")],
        never=[N("SPF-06", ("warn", "fail"))],
        no_fail=True,
    ),
    Case(
        "spf-include-gone-beside-timeout",
        "spf",
        "mixedbag.example",
        {
            ("mixedbag.example", "TXT"): [
                "v=spf1 include:_spf.slowesp.example include:_spf.deadesp.example -all"
            ],
            ("_spf.slowesp.example", "TXT"): "TIMEOUT",
            # _spf.deadesp.example: NXDOMAIN, a permerror wherever evaluation reaches it.
        },
        # The dead include is a known fail whatever the other lookup would have said.
        expect=[E("SPF-08", "fail", "_spf.deadesp.example"), E("SPF-20", ("warn", "error"))],
    ),
    Case(
        "spf-redirect-before-all-ignored",
        "spf",
        "movedhost.example",
        {
            ("movedhost.example", "TXT"): [
                "v=spf1 redirect=_spf.oldhost.example ip4:203.0.113.0/24 -all"
            ],
            # _spf.oldhost.example is gone; redirect is ignored anyway: 'all' is present (§6.1).
        },
        expect=[E("SPF-10", "warn", "redirect"), E("SPF-09", "pass")],
        never=[N("SPF-08", "fail")],
    ),
    Case(
        "spf-redirect-ignored-not-counted",
        "spf",
        "bigcustomer.example",
        {
            ("bigcustomer.example", "TXT"): ["v=spf1 mx -all redirect=_spf.bighost.example"],
            **mx_hosts("bigcustomer.example", ["mx.bigcustomer.example"]),
            ("_spf.bighost.example", "TXT"): [
                "v=spf1 " + " ".join(f"include:_n{i}.bighost.example" for i in range(12)) + " -all"
            ],
            **{
                (f"_n{i}.bighost.example", "TXT"): [f"v=spf1 ip4:198.18.{i}.0/24 -all"]
                for i in range(12)
            },
        },
        # The ignored redirect is never evaluated, so its 13 lookups do not count.
        expect=[E("SPF-10", "warn", "redirect"), E("SPF-05", "pass")],
        never=[N("SPF-05", ("warn", "fail"))],
    ),
    Case(
        "spf-redirect-target-open-ended",
        "spf",
        "resold.example",
        {
            ("resold.example", "TXT"): ["v=spf1 redirect=_spf.resellesp.example"],
            ("_spf.resellesp.example", "TXT"): [
                "v=spf1 ip4:198.51.100.0/24 include:_spf2.resellesp.example"
            ],
            ("_spf2.resellesp.example", "TXT"): ["v=spf1 ip4:198.51.101.0/24 ~all"],
        },
        # The included ~all only ends the include; the redirect target ends with no 'all':
        # unlisted senders get the default neutral (§4.7).
        expect=[E("SPF-09", "warn")],
        never=[N("SPF-09", ("pass", "info"))],
    ),
    Case(
        "spf-redirect-loop",
        "spf",
        "loopco.example",
        {
            ("loopco.example", "TXT"): ["v=spf1 ip4:192.0.2.1 redirect=_spf.loopco.example"],
            ("_spf.loopco.example", "TXT"): ["v=spf1 redirect=loopco.example"],
        },
        # Endless: the 10-lookup limit makes it a permerror (§4.6.4).
        expect=[E("SPF-05", "fail", "loop")],
    ),
    Case(
        "spf-include-loop-through-partner",
        "spf",
        "cyclicco.example",
        {
            ("cyclicco.example", "TXT"): ["v=spf1 include:_spf.partner.example -all"],
            ("_spf.partner.example", "TXT"): [
                "v=spf1 ip4:198.51.100.0/24 include:cyclicco.example ~all"
            ],
        },
        expect=[E("SPF-05", "fail", "loop")],
    ),
    Case(
        "spf-include-target-two-records",
        "spf",
        "dupesp-customer.example",
        {
            ("dupesp-customer.example", "TXT"): ["v=spf1 include:_spf.dupesp.example -all"],
            ("_spf.dupesp.example", "TXT"): [
                "v=spf1 ip4:198.51.100.0/24 -all",
                "v=spf1 ip4:203.0.113.0/24 -all",
            ],
        },
        # Two records at the include target: its check is a permerror (§4.5), and so is ours (§5.2).
        expect=[E("*", "fail", "_spf.dupesp.example")],
    ),
    Case(
        "spf-ptr-in-provider-include",
        "spf",
        "isp-customer.example",
        {
            ("isp-customer.example", "TXT"): ["v=spf1 include:_spf.oldisp.example -all"],
            ("_spf.oldisp.example", "TXT"): ["v=spf1 ptr:oldisp.example ip4:198.51.100.0/24 ~all"],
        },
        expect=[E("SPF-11", ("warn", "info"), "_spf.oldisp.example")],
    ),
    # ----------------------------------------------------------------------- SPF macros
    Case(
        "spf-macro-l-dash-d2",
        "spf",
        "mail.spfguard.example",
        {
            ("mail.spfguard.example", "TXT"): [
                "v=spf1 exists:%{l-}.%{d2}._check.spfguard.example include:_spf.google.com -all"
            ],
            **GOOGLE,
        },
        # %{l-}: local part split on '-' (a delimiter without digits is allowed, §7.1); 5 lookups.
        expect=[E("SPF-04", "pass"), E("SPF-05", "pass")],
        never=[N("SPF-16", ("fail", "warn"))],
        no_fail=True,
    ),
    Case(
        "spf-macro-unterminated",
        "spf",
        "typo-macro.example",
        {
            ("typo-macro.example", "TXT"): [
                "v=spf1 include:%{ir}.%{v}._spf.%{d ip4:192.0.2.0/24 ~all"
            ],
        },
        expect=[E("SPF-16", "fail", "%{d")],
    ),
    Case(
        "spf-macro-helo-domain-end",
        "spf",
        "helo-check.example",
        {
            ("helo-check.example", "TXT"): [
                "v=spf1 ip4:192.0.2.0/24 exists:%{i}.%{h}._helo.helo-check.example a:%{h} -all"
            ],
        },
        # domain-end may be a macro-expand (§7.1 ABNF): 'a:%{h}' is valid.
        expect=[E("SPF-04", "pass")],
        never=[N("SPF-16", "fail")],
        no_fail=True,
    ),
    # ------------------------------------------------------------------ SPF syntax / CIDR
    Case(
        "spf-ip4-slash-zero",
        "spf",
        "openrelay-cafe.example",
        {("openrelay-cafe.example", "TXT"): ["v=spf1 ip4:0.0.0.0/0 -all"]},
        # Valid syntax, but every IPv4 address passes: as open as +all for IPv4.
        expect=[E("SPF-19", ("warn", "fail"), "0.0.0.0/0")],
    ),
    Case(
        "spf-ip6-too-many-groups",
        "spf",
        "v6typo.example",
        {
            ("v6typo.example", "TXT"): [
                "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8:85a3:0:0:8a2e:370:7334:1/64 -all"
            ]
        },
        expect=[E("SPF-04", "fail", "ip6")],
    ),
    Case(
        "spf-a-slash-8",
        "spf",
        "widenet.example",
        {
            ("widenet.example", "TXT"): ["v=spf1 a/8 mx -all"],
            ("widenet.example", "A"): ["198.51.100.25"],
            **mx_hosts("widenet.example", ["mx.widenet.example"]),
        },
        # a/8 authorises the /8 around the domain's address: 16 million hosts.
        expect=[E("SPF-19", "warn", "/8")],
    ),
    Case(
        "spf-exp-twice",
        "spf",
        "explainer.example",
        {
            ("explainer.example", "TXT"): [
                "v=spf1 mx -all exp=explain._spf.%{d} exp=why._spf.%{d}"
            ],
            **mx_hosts("explainer.example", ["mx.explainer.example"]),
        },
        expect=[E("SPF-12", "fail", "exp")],
    ),
    Case(
        "spf-reporting-modifiers-after-all",
        "spf",
        "reporting.example",
        {
            ("reporting.example", "TXT"): [
                "v=spf1 include:spf.protection.outlook.com -all ra=postmaster rp=100 rr=e:f:s:r"
            ],
            **OUTLOOK,
        },
        # RFC 6652 modifiers: unknown to RFC 7208, ignored (§6); modifiers are not mechanisms
        # after 'all' (§5.1 is about mechanisms).
        expect=[E("SPF-04", "pass"), E("SPF-09", "pass")],
        never=[N("SPF-10", ("warn", "fail")), N("SPF-12", "fail")],
        no_fail=True,
    ),
    Case(
        "spf-tab-between-terms",
        "spf",
        "tabbed.example",
        {
            ("tabbed.example", "TXT"): ["v=spf1 mx\t-all"],
            **mx_hosts("tabbed.example", ["mx.tabbed.example"]),
        },
        # Terms are separated by SP only (§12 ABNF 1*SP): the tab makes 'mx\t-all' one bad term.
        expect=[E("SPF-04", "fail", "tab")],
    ),
    Case(
        "spf-trailing-dot-names",
        "spf",
        "fqdn-shop.example",
        {
            ("fqdn-shop.example", "TXT"): [
                "v=spf1 include:_spf.google.com. a:smtp.fqdn-shop.example. -all"
            ],
            ("smtp.fqdn-shop.example", "A"): ["192.0.2.77"],
            **GOOGLE,
        },
        # domain-end = "." toplabel [ "." ]: a trailing dot is allowed (§7.1).
        expect=[E("SPF-04", "pass"), E("SPF-08", "pass"), E("SPF-06", "pass")],
        no_fail=True,
    ),
    Case(
        "spf-senderid-beside-spf",
        "spf",
        "oldschool.example",
        {
            ("oldschool.example", "TXT"): [
                "v=spf1 include:spf.protection.outlook.com -all",
                "spf2.0/pra include:spf.protection.outlook.com -all",
            ],
            **OUTLOOK,
        },
        # spf2.0 records are not v=spf1 records (§4.5): exactly one SPF record.
        expect=[E("SPF-01", "pass")],
        no_fail=True,
    ),
    Case(
        "spf-exp-target-missing",
        "spf",
        "tidy.example",
        {
            ("tidy.example", "TXT"): ["v=spf1 ip4:192.0.2.0/24 -all exp=gone-explain.tidy.example"],
        },
        # exp is looked up only after a fail and is not counted (§4.6.4); a missing
        # explanation is no error (§6.2).
        expect=[E("SPF-05", "pass"), E("SPF-06", "pass")],
        no_fail=True,
    ),
    Case(
        "spf-mx-eleven-via-include",
        "spf",
        "bigcorp.example",
        {
            ("bigcorp.example", "TXT"): ["v=spf1 include:_spf.bigcorp.example -all"],
            ("_spf.bigcorp.example", "TXT"): [
                "v=spf1 mx:mailhub.bigcorp.example ip4:198.51.100.0/24 -all"
            ],
            **mx_hosts(
                "mailhub.bigcorp.example", [f"in{i}.mailhub.bigcorp.example" for i in range(11)]
            ),
        },
        # More than 10 MX names for one mx mechanism: permerror (§4.6.4).
        expect=[E("SPF-07", "fail", "mailhub.bigcorp.example")],
    ),
    # ---------------------------------------------------------------------------- DMARC
    Case(
        "dmarc-quarantine-pct-000",
        "dmarc",
        "fjord-shop.example",
        {
            ("_dmarc.fjord-shop.example", "TXT"): [
                "v=DMARC1; p=quarantine; pct=000; rua=mailto:dmarc@fjord-shop.example"
            ],
        },
        # 7489: 0 % quarantined, the rest gets none; 9989 ignores pct: quarantine. Valid value.
        expect=[E("DMARC-08", "warn"), E("DMARC-19", "warn")],
        never=[N("DMARC-08", "fail")],
    ),
    Case(
        "dmarc-rua-space-after-comma",
        "dmarc",
        "example.net",
        {
            ("_dmarc.example.net", "TXT"): [
                "v=DMARC1; p=reject; rua=mailto:dmarc@example.net, mailto:dmarc-archive@example.net"
            ],
        },
        # *WSP "," *WSP between URIs (7489 §6.4 ABNF): both addresses are valid.
        expect=[E("DMARC-12", "pass")],
        never=[N("DMARC-12", ("warn", "fail"))],
    ),
    Case(
        "dmarc-rua-one-invalid-of-two",
        "dmarc",
        "lakeside.example",
        {
            ("_dmarc.lakeside.example", "TXT"): [
                "v=DMARC1; p=reject; rua=mailto:dmarc@lakeside.example,mailto:postmaster@"
            ],
        },
        expect=[E("DMARC-12", "warn", "postmaster@")],
        never=[N("DMARC-12", "fail")],
    ),
    Case(
        "dmarc-rua-own-subdomain",
        "dmarc",
        "harbor.example",
        {
            ("_dmarc.harbor.example", "TXT"): [
                "v=DMARC1; p=reject; rua=mailto:agg@reports.harbor.example"
            ],
            ("reports.harbor.example", "MX"): ["10 mx.harbor.example."],
        },
        # Same Organizational Domain: no _report._dmarc authorisation needed (7489 §7.1).
        never=[N("DMARC-13", ("warn", "fail"))],
        no_fail=True,
    ),
    Case(
        "dmarc-rua-psl-sibling",
        "dmarc",
        "bakery.co.uk",
        {
            ("_dmarc.bakery.co.uk", "TXT"): [
                "v=DMARC1; p=reject; rua=mailto:dmarc@reports-hub.co.uk"
            ],
        },
        # co.uk is a public suffix: reports-hub.co.uk is another organisation, unauthorised.
        expect=[E("DMARC-13", "fail", "bakery.co.uk._report._dmarc.reports-hub.co.uk")],
    ),
    Case(
        "dmarc-rua-psl-same-org",
        "dmarc",
        "shop.bakery.co.uk",
        {
            ("_dmarc.shop.bakery.co.uk", "TXT"): [
                "v=DMARC1; p=reject; rua=mailto:dmarc@bakery.co.uk"
            ],
            ("_dmarc.bakery.co.uk", "TXT"): ["v=DMARC1; p=reject; rua=mailto:dmarc@bakery.co.uk"],
        },
        never=[N("DMARC-13", ("warn", "fail"))],
        no_fail=True,
    ),
    Case(
        "dmarc-auth-for-parent-only",
        "dmarc",
        "shop.candle.example",
        {
            ("_dmarc.shop.candle.example", "TXT"): [
                "v=DMARC1; p=reject; rua=mailto:rua@dmarc.vendor-analytics.example"
            ],
            ("_dmarc.candle.example", "TXT"): [
                "v=DMARC1; p=reject; rua=mailto:rua@dmarc.vendor-analytics.example"
            ],
            ("candle.example._report._dmarc.dmarc.vendor-analytics.example", "TXT"): ["v=DMARC1"],
        },
        # The authorisation names the domain the policy was retrieved from (7489 §7.1):
        # shop.candle.example, which the vendor did not publish.
        expect=[
            E(
                "DMARC-13",
                "fail",
                "shop.candle.example._report._dmarc.dmarc.vendor-analytics.example",
            )
        ],
    ),
    Case(
        "dmarc-auth-servfail",
        "dmarc",
        "ferry.example",
        {
            ("_dmarc.ferry.example", "TXT"): ["v=DMARC1; p=reject; rua=mailto:x@vendor-b.example"],
            ("ferry.example._report._dmarc.vendor-b.example", "TXT"): "SERVFAIL",
        },
        expect=[E("DMARC-13", ("error", "warn"))],
        no_fail=True,
    ),
    Case(
        "dmarc-ruf-size-suffix",
        "dmarc",
        "linden.example",
        {
            ("_dmarc.linden.example", "TXT"): [
                "v=DMARC1; p=quarantine; rua=mailto:agg@linden.example; "
                "ruf=mailto:forensic@linden.example!10m; fo=1"
            ],
        },
        expect=[E("DMARC-15", "info")],
        never=[N("DMARC-12", ("warn", "fail")), N("DMARC-14", ("warn", "fail"))],
        no_fail=True,
    ),
    Case(
        "dmarc-t-uppercase-y",
        "dmarc",
        "pilot.example",
        {
            ("_dmarc.pilot.example", "TXT"): [
                "v=DMARC1; p=reject; t=Y; rua=mailto:dmarc@pilot.example"
            ],
        },
        # ABNF literals are case-insensitive: t=Y is test mode; 9989 receivers quarantine.
        expect=[E("DMARC-09", "warn", "quarantine")],
    ),
    Case(
        "dmarc-record-at-cname",
        "dmarc",
        "brandx.example",
        {
            ("_dmarc.brandx.example", "CNAME"): ["brandx.example.dmarc.agency-dmarc.example."],
            ("brandx.example.dmarc.agency-dmarc.example", "TXT"): [
                "v=DMARC1; p=reject; rua=mailto:rua+brandx@agency-dmarc.example"
            ],
            ("brandx.example._report._dmarc.agency-dmarc.example", "TXT"): ["v=DMARC1"],
        },
        expect=[E("DMARC-01", "pass"), E("DMARC-05", "pass", "reject")],
        never=[N("DMARC-13", ("warn", "fail"))],
        no_fail=True,
    ),
    Case(
        "dmarc-cname-dangling",
        "dmarc",
        "oldbrand.example",
        {
            ("_dmarc.oldbrand.example", "CNAME"): ["oldbrand.dmarc.gone-vendor.example."],
            ("oldbrand.example", "MX"): ["10 mx.oldbrand.example."],
        },
        # The alias leads nowhere: no record, DMARC not deployed; say where the CNAME points.
        # Run: failed (engine wrong: a plain "has no DMARC policy" and a TXT to publish beside
        # the CNAME); fixed in checks/dmarc.py, tests/test_engine_s26c.py.
        expect=[E("DMARC-01", "info", "gone-vendor.example")],
        no_fail=True,
    ),
    Case(
        "dmarc-subdomain-record-timeout",
        "dmarc",
        "news.terrace.example",
        {
            ("_dmarc.news.terrace.example", "TXT"): "TIMEOUT",
            ("_dmarc.terrace.example", "TXT"): ["v=DMARC1; p=reject; rua=mailto:d@terrace.example"],
        },
        # The subdomain's own record could not be read: could not check, never a fail.
        expect=[E("*", "error")],
        never=[N("DMARC-01", "info")],
        no_fail=True,
    ),
    Case(
        "dmarc-non-dmarc-beside",
        "dmarc",
        "meadow.example",
        {
            ("_dmarc.meadow.example", "TXT"): [
                "v=DMARC1; p=reject; rua=mailto:d@meadow.example",
                "v=spf1 -all",
            ],
        },
        # Records not starting v=DMARC1 are discarded first: exactly one remains.
        expect=[E("DMARC-02", "pass"), E("DMARC-01", "pass")],
        never=[N("DMARC-02", "fail")],
    ),
    Case(
        "dmarc-np-empty",
        "dmarc",
        "emptynp.example",
        {
            ("_dmarc.emptynp.example", "TXT"): [
                "v=DMARC1; p=reject; sp=quarantine; np=; rua=mailto:d@emptynp.example"
            ],
        },
        expect=[E("DMARC-07", "fail", "np")],
    ),
    Case(
        "dmarc-no-spf-no-dkim",
        "dmarc",
        "reed.example",
        {
            ("reed.example", "TXT"): ["google-site-verification=ReEd42"],
            ("reed.example", "MX"): ["10 mx.reed.example."],
            ("_dmarc.reed.example", "TXT"): [
                "v=DMARC1; p=reject; rua=mailto:d@reed.example; adkim=s; aspf=s"
            ],
        },
        # Nothing can align: neither SPF nor a DKIM key (7489 §3.1).
        expect=[E("DMARC-18", "warn", "SPF")],
        never=[N("DMARC-16", ("warn", "fail"))],
    ),
    Case(
        "dmarc-treewalk-intermediate",
        "dmarc",
        "eu.shop.delta.example",
        {
            ("_dmarc.shop.delta.example", "TXT"): [
                "v=DMARC1; p=reject; rua=mailto:d@delta.example"
            ],
        },
        # 7489: author domain, then the PSL org domain delta.example: nothing. 9989 walk finds
        # shop.delta.example's reject. The views differ.
        expect=[E("DMARC-19", "warn")],
    ),
    Case(
        "dmarc-external-auth-size",
        "dmarc",
        "granary.example",
        {
            ("_dmarc.granary.example", "TXT"): [
                "v=DMARC1; p=reject; rua=mailto:reports@inbox.dmarc-saas.example!50m"
            ],
            ("granary.example._report._dmarc.inbox.dmarc-saas.example", "TXT"): ["v=DMARC1;"],
        },
        expect=[E("DMARC-13", "pass"), E("DMARC-12", "info", "!50m")],
        no_fail=True,
    ),
    Case(
        "dmarc-subdomain-inherits-sp",
        "dmarc",
        "mail.bakery.co.uk",
        {
            ("_dmarc.bakery.co.uk", "TXT"): [
                "v=DMARC1; p=quarantine; sp=reject; rua=mailto:d@bakery.co.uk"
            ],
            ("mail.bakery.co.uk", "A"): ["192.0.2.60"],
        },
        # The org domain (PSL: bakery.co.uk) record's sp applies to its subdomain: reject, in
        # both views.
        expect=[E("DMARC-01", "pass"), E("DMARC-19", "pass", "reject")],
        no_fail=True,
    ),
]


MODULES = {"spf": spf, "dmarc": dmarc}


def test_round_size_and_names() -> None:
    assert 40 <= len(CASES) <= 50, len(CASES)
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_blind_case(case: Case) -> None:
    findings = run_case(MODULES[case.module], case.domain, case.zone)
    problems, shown = reading_problems(findings, case.expect, case.never, no_fail=case.no_fail)
    assert not problems, f"{case.name}: {problems}\nfindings:\n{shown}"
