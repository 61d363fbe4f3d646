"""Blind round s45a: whole domains as an MSP running many client domains sees them.

Like s44e (tests/test_engine_s44e_blind.py, whose harness this round reuses: one whole-engine
run per case, every mechanism but the port-25 ones, HTTPS answered from memory, the MTA-STS
check's own MX probe answered as a host that validates), but none of s44e's shapes. Here:

* mail gateways in front of Microsoft 365: Mimecast with a policy listing the gateway's hosts
  (control) and with a policy copied from Microsoft's guide; Proofpoint Essentials with an
  'a:' term for its dispatch hosts; Barracuda in testing mode with max_age 604800; Cisco
  Secure Email (iphmx.com), whose hosts sit two labels below the registrable name;
* MX shapes: a backup MX at a former provider whose host is gone; an MX host that is a CNAME,
  with the policy listing the MX name (control for MTA-STS) and with the policy listing the
  CNAME's target; an IP literal beside a host name; an IPv6-only host beside a dual-stack one;
* SPF: ptr with one void lookup; three void lookups; 'exists' with an upper-case macro letter
  (URL-escaped, valid) and with an unknown macro letter; an include loop; exactly 10 and 11
  DNS-querying terms;
* DMARC: several rua/ruf with '!size' suffixes at an authorised MSP collector, with rf/ri/fo;
  an MSP collector without the authorisation beside the domain's own address; fo=0:1; psd=y
  on a registrable domain; every RFC 9989 tag set right; t=y; a subdomain's own p=none under
  an org record at p=reject;
* DKIM: ed25519 beside RSA; t=y; t=s; a 1024-bit key with h=sha256; a selector CNAMEd to
  SendGrid; 'P=' in capitals (tags are case-sensitive); p= with blanks inside;
* TLS-RPT: two rua tags; mailto and https in one rua;
* MTA-STS: mode none (withdrawal, no mx lines); an MSP template's comment line.

The expectations were written from checklist §1-§6 (and §0) and RFC 5321 §5.1, RFC 2181 §10.3,
RFC 7208 (§4.6.4, §5.5, §6, §7.1-§7.3), RFC 6376 (§3.2, §3.6.1), RFC 8301 §3, RFC 8463 §4.2,
RFC 7489 (§6.3, §7.1), RFC 9989 §4.7, RFC 8460 §3 and RFC 8461 (§3.2, §4.1, §5) before the
engine ran on any of them. Three rows are planted, deliberately wrong: SPF-05 fail for exactly
10 lookups (the checklist: warn for 9-10, fail above 10), MX-04 fail for an MX host that is a
CNAME (the checklist: warn) and DKIM-11 warn for t=s (the checklist: info). Committed with
them (628a8129); on the first run all three failed, and they are gone now.

Result of the first run: 35 cases, 30 held as written; the 3 planted rows failed. The two
others were mine to correct: barracuda-testing-one-week asked for an MTASTS-23 pass at
max_age 604800, which the engine never gives (it reports MTASTS-23 only for a problem; the
MTASTS-20 pass names 'max_age 604800', and no MTASTS-23 info/warn/fail holds), and
sts-msp-template-comment-line asked the MTASTS-29 warning to quote the '#', where it names the
line ('Line 1 is a comment') and its fix is the policy file without it. Reading the texts of
every case found no fix that would not work if pasted: the CNAME MX's MX-04 fix lists the
alias's target in the policy before the MX moves to it; the IP-literal MX gets a host name
(mx2.<d>, unused) and an MTA-STS starter policy leaving the literal out; the include loop's
SPF-05 says where it closes and which include to remove; the unauthorised MSP collector's
DMARC-13 fix is the record the MSP must publish; fo=0:1 keeps fo=1; 'P=' is written back as
'p='. Left as they are (not wrong, noted): SPF-11 (ptr) has no fix record, only 'list the
addresses or hosts instead' (the checker cannot know which hosts ptr covered); SPF-06 counts
the address lookup of an MX host that no longer exists, reached through 'mx', as a void
lookup and says 'Remove the stale entries' without a record (MX-06's fix removes that MX);
the comment line also gives MTASTS-21 info (version is then not on line 1), which the
MTASTS-29 fix mends too.

A second batch of eleven cases (sts-record-and-host-cnamed-to-msp to
sts-record-extension-and-mx-in-capitals: an MSP hosting its clients' MTA-STS, TLS-RPT and DMARC
records by CNAME and SPF by redirect or a macro include, URI schemes in capitals, report
addresses under the same public suffix, a dangling selector2 CNAME, an _mta-sts extension
field beside MX names in capitals) was written and committed before its own run, with one
planted row: DMARC-08 warn for pct=100 (the checklist: info). On its run (d56844ca) only
that row failed, and it is gone: every other row of the eleven held as written; texts right
(the redirect's SPF-09 offers 'include:' in its place with '-all'; the macro include is counted
as one lookup plus what it reaches, and no void; the co.uk neighbour needs the authorisation,
the domain's own subdomain not; the dangling selector2 is not taken for a broken key).

Reading the first batch's texts found one thing to mend: cisco-iphmx-wildcard-two-labels-up's
MTASTS-30 (fail, right) said "The pattern *.iphmx.com covers names one label below iphmx.com
only, so not <host> (RFC 8461 §4.1)." once per host, the same sentence twice. It now says it
once, naming both hosts (dbb47e1f, with tests/test_engine_s45a_fixes.py); the case asks for
it. Every case holds as written; GAPS is empty.

A case lists what s44e's do (expect, never, never_words, na, previous); see that file.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.blind_engine import E, N, case_params, reading_problems
from tests.test_engine_s27k_blind import ed_key, rsa_key
from tests.test_engine_s44e_blind import (
    ANY,
    DKIM,
    GOOGLE_MX,
    GOOGLE_SPF,
    K2048,
    OUTLOOK_SPF,
    Case,
    mail_domain,
    policy,
    run_case,
    served,
)

K1024 = rsa_key(1024)
ED = ed_key()

MIMECAST_MX = ["10 eu-smtp-inbound-1.mimecast.com.", "10 eu-smtp-inbound-2.mimecast.com."]
MIMECAST_SPF = {
    ("_netblocks.mimecast.com", "TXT"): [
        "v=spf1 ip4:207.211.30.0/24 ip4:205.139.110.0/24 ip4:216.205.24.0/24 ~all"
    ],
}
PPE_MX = ["10 mx1-us1.ppe-hosted.com.", "20 mx2-us1.ppe-hosted.com."]
BARRACUDA_MX = ["10 d184302a.ess.barracudanetworks.com.", "20 d184302b.ess.barracudanetworks.com."]
BARRACUDA_SPF = {
    ("spf.ess.barracudanetworks.com", "TXT"): [
        "v=spf1 ip4:64.235.144.0/20 ip4:209.222.80.0/21 -all"
    ],
}
IPHMX_MX = ["10 mx1.hc4721-33.iphmx.com.", "10 mx2.hc4721-33.iphmx.com."]
IPHMX_SPF = {("hc4721-33.iphmx.com", "TXT"): ["v=spf1 ip4:68.232.128.0/19 -all"]}
# Leaf SPF records of common senders (no DNS-querying terms of their own).
LEAVES = {
    ("sendgrid.net", "TXT"): ["v=spf1 ip4:167.89.0.0/17 ip4:149.72.0.0/16 ~all"],
    ("mailgun.org", "TXT"): ["v=spf1 ip4:209.61.151.0/24 ip4:166.78.68.0/22 ~all"],
    ("servers.mcsv.net", "TXT"): ["v=spf1 ip4:205.201.128.0/20 ip4:198.2.128.0/18 ?all"],
    ("_spf.salesforce.com", "TXT"): ["v=spf1 ip4:13.110.208.0/21 ip4:136.147.176.0/20 -all"],
    ("_spf.freshdesk.com", "TXT"): ["v=spf1 ip4:103.6.244.0/22 ip4:54.176.0.0/19 ~all"],
    ("mail.zendesk.com", "TXT"): ["v=spf1 ip4:192.161.144.0/20 ip4:185.12.80.0/22 ~all"],
}
GWS_SPF = "v=spf1 include:_spf.google.com ~all"
M365_SPF = "v=spf1 include:spf.protection.outlook.com -all"


def without(zone: dict[Any, Any], *keys: tuple[str, str]) -> dict[Any, Any]:
    """`zone` less `keys` (mail_domain gives every MX host an A record)."""
    for key in keys:
        zone.pop(key, None)
    return zone


def spaced(key: str, every: int = 64) -> str:
    """`key` with a blank every `every` characters (FWS inside p=, RFC 6376 §3.6.1)."""
    return " ".join(key[i : i + every] for i in range(0, len(key), every))


def cases() -> list[Case]:
    out: list[Case] = []
    add = out.append

    # ============================================ gateways in front of Microsoft 365
    d = "ashgrove-dental.co.uk"
    add(
        Case(
            "mimecast-gateway-policy-lists-gateway",
            d,
            mail_domain(
                d,
                MIMECAST_MX,
                spf="v=spf1 include:_netblocks.mimecast.com include:spf.protection.outlook.com -all",
                sts_id="20261110",
                dkim={"selector1": DKIM},
                more={**MIMECAST_SPF, **OUTLOOK_SPF},
            ),
            files=served(
                d, policy("eu-smtp-inbound-1.mimecast.com", "eu-smtp-inbound-2.mimecast.com")
            ),
            expect=[E("MTASTS-30", "pass"), E("SPF-08", "pass"), E("SPF-09", "pass")],
            never=[
                N("MTASTS-30", ("warn", "fail")),
                N("MTASTS-31", ("warn", "fail")),
                N("SPF-08", ("warn", "fail", "error")),
                N("MX-04", ("warn", "fail")),
            ],
            why="RFC 8461 §4.1: the MX record names are the gateway's and the policy lists "
            "them; SPF includes the gateway (outbound relay) and Microsoft 365, both publish "
            "SPF (RFC 7208 §5.2); '-all' is the terminal.",
        )
    )
    d = "kestrel-accounting.com"
    add(
        Case(
            "mimecast-gateway-policy-copied-from-m365-guide",
            d,
            mail_domain(
                d,
                MIMECAST_MX,
                spf="v=spf1 include:_netblocks.mimecast.com include:spf.protection.outlook.com -all",
                sts_id="20261001",
                more={**MIMECAST_SPF, **OUTLOOK_SPF},
            ),
            files=served(d, policy("*.mail.protection.outlook.com")),
            expect=[
                E("MTASTS-30", "fail", "eu-smtp-inbound-1.mimecast.com"),
                E("MTASTS-31", ("info", "warn"), "*.mail.protection.outlook.com"),
            ],
            never=[N("MTASTS-30", ("pass", "warn"))],
            why="The MSP copied Microsoft's policy, but mail enters at the gateway: no MX record "
            "name matches (§4.1), so an enforcing sender has no compliant host (checklist "
            "MTASTS-30 fail); the pattern matches no current MX (MTASTS-31 info).",
        )
    )
    d = "brackenfield-law.com"
    add(
        Case(
            "proofpoint-essentials-a-term-and-m365",
            d,
            mail_domain(
                d,
                PPE_MX,
                spf="v=spf1 a:dispatch-us.ppe-hosted.com include:spf.protection.outlook.com -all",
                sts_id="20261105",
                more={**OUTLOOK_SPF, ("dispatch-us.ppe-hosted.com", "A"): ["148.163.129.49"]},
            ),
            files=served(d, policy("*.ppe-hosted.com")),
            expect=[E("MTASTS-30", "pass"), E("SPF-09", "pass")],
            never=[
                N("MTASTS-30", ("warn", "fail")),
                N("MTASTS-31", ("warn", "fail")),
                N("SPF-06", ("warn", "fail")),
                N("SPF-04", "fail"),
            ],
            why="'*.ppe-hosted.com' matches mx1-us1.ppe-hosted.com (one label, §4.1) and is "
            "the provider's name, not '*.<policy-domain>' (MTASTS-31). 'a:<host>' with an "
            "address is no void lookup (RFC 7208 §4.6.4).",
        )
    )
    d = "fenwick-surveyors.co.uk"
    add(
        Case(
            "barracuda-testing-one-week",
            d,
            mail_domain(
                d,
                BARRACUDA_MX,
                spf="v=spf1 include:spf.ess.barracudanetworks.com "
                "include:spf.protection.outlook.com -all",
                sts_id="20261120",
                more={**BARRACUDA_SPF, **OUTLOOK_SPF},
            ),
            files=served(
                d, policy("*.ess.barracudanetworks.com", mode="testing", max_age="604800")
            ),
            expect=[
                E("MTASTS-33", "info", "testing"),
                E("MTASTS-30", "pass"),
                # Corrected after the run (expectation mine): I asked for an MTASTS-23 pass; the
                # engine gives MTASTS-23 only for a problem, and MTASTS-20 pass names max_age.
                E("MTASTS-20", "pass", "max_age 604800"),
            ],
            never=[N("MTASTS-23", ("info", "warn", "fail")), N("MTASTS-34", ("warn", "fail"))],
            why="§5: testing reports only (checklist MTASTS-33 info). 604800 is not below "
            "604800 (checklist MTASTS-23: info only below a week; the RFC's own example). "
            "TLS-RPT is published, so MTASTS-34 has nothing to say.",
        )
    )
    d = "oakridge-manufacturing.com"
    add(
        Case(
            "cisco-iphmx-wildcard-two-labels-up",
            d,
            mail_domain(
                d,
                IPHMX_MX,
                spf="v=spf1 include:hc4721-33.iphmx.com include:spf.protection.outlook.com -all",
                sts_id="20260915",
                more={**IPHMX_SPF, **OUTLOOK_SPF},
            ),
            files=served(d, policy("*.iphmx.com")),
            expect=[
                E("MTASTS-30", "fail", "mx1.hc4721-33.iphmx.com"),
                # Added after the run, from reading its text (mended in dbb47e1f): the
                # wildcard's reach is said once, naming both hosts, not once per host.
                E(
                    "MTASTS-30",
                    "fail",
                    "so not mx1.hc4721-33.iphmx.com or mx2.hc4721-33.iphmx.com (rfc 8461 §4.1)",
                ),
                E("MTASTS-31", ("info", "warn"), "*.iphmx.com"),
            ],
            never=[N("MTASTS-30", "pass")],
            why="§4.1: '*' matches only the whole left-most label; mx1.hc4721-33.iphmx.com is "
            "two labels below iphmx.com, so neither MX matches (fail) and the pattern matches "
            "no MX (MTASTS-31 info).",
        )
    )

    # ============================================ MX shapes (RFC 5321 §5.1, RFC 2181 §10.3)
    d = "millbrook-vets.com"
    add(
        Case(
            "backup-mx-at-former-provider-gone",
            d,
            without(
                mail_domain(
                    d,
                    [f"10 mx.{d}.", "50 backup-mx.retired-mxhost.net."],
                    spf="v=spf1 mx -all",
                ),
                ("backup-mx.retired-mxhost.net", "A"),
            ),
            expect=[E("MX-06", "warn", "backup-mx.retired-mxhost.net")],
            never=[N("MX-06", ("pass", "fail"))],
            why="RFC 5321 §5.1: unusable MX hosts are skipped; one of two resolves (checklist "
            "MX-06 warn when some do not, fail only when none does).",
        )
    )
    d = "harbourside-books.com"
    cname_zone = without(
        mail_domain(d, [f"10 mail.{d}."], spf="v=spf1 mx -all", sts_id="20261101"),
        (f"mail.{d}", "A"),
    )
    cname_zone[(f"mail.{d}", "CNAME")] = ["host7.smarthost-provider.net."]
    cname_zone[("host7.smarthost-provider.net", "A")] = ["51.89.12.7"]
    add(
        Case(
            "mx-host-is-cname-policy-lists-mx-name",
            d,
            cname_zone,
            files=served(d, policy(f"mail.{d}")),
            expect=[
                E("MX-04", "warn", f"mail.{d}"),
                E("MTASTS-30", "pass"),
            ],
            never=[N("MTASTS-30", ("warn", "fail")), N("MX-06", ("warn", "fail"))],
            why="RFC 2181 §10.3 / checklist MX-04: an MX name must not be an alias (warn: many "
            "MTAs tolerate it). MTA-STS matches the MX record name (§4.1), which the policy "
            "lists; the alias resolves, so the host is usable (MX-06).",
        )
    )
    d = "greyfriars-optics.com"
    cname_zone2 = without(
        mail_domain(d, [f"10 mail.{d}."], spf="v=spf1 mx -all", sts_id="20261101"),
        (f"mail.{d}", "A"),
    )
    cname_zone2[(f"mail.{d}", "CNAME")] = ["host12.smarthost-provider.net."]
    cname_zone2[("host12.smarthost-provider.net", "A")] = ["51.89.12.12"]
    add(
        Case(
            "sts-policy-lists-cname-target-not-mx-name",
            d,
            cname_zone2,
            files=served(d, policy("host12.smarthost-provider.net")),
            expect=[E("MTASTS-30", "fail", f"mail.{d}"), E("MX-04", "warn")],
            never=[N("MTASTS-30", "pass")],
            why="RFC 8461 §4.1 and checklist MX-04: MTA-STS matches the MX record name, not the "
            "name its CNAME leads to; the only MX name matches no pattern (fail).",
        )
    )
    d = "linthorpe-garage.co.uk"
    add(
        Case(
            "mx-ip-literal-beside-host",
            d,
            without(
                mail_domain(d, [f"10 mx1.{d}.", "20 81.2.69.160."], spf="v=spf1 mx -all"),
                ("81.2.69.160", "A"),
            ),
            expect=[E("MX-05", "fail", "81.2.69.160")],
            never=[N("MX-05", "pass")],
            why="RFC 5321 §5.1: the MX data must be a domain name; an address there is looked "
            "up as a name and fails (checklist MX-05 fail).",
        )
    )
    d = "tamarind-hosting.nl"
    v6_zone = without(
        mail_domain(d, [f"10 mx1.{d}.", f"20 mx6.{d}."], spf="v=spf1 mx -all"),
        (f"mx6.{d}", "A"),
    )
    v6_zone[(f"mx6.{d}", "AAAA")] = ["2a01:4f8:c0c:1234::25"]
    add(
        Case(
            "mx-ipv6-only-host-beside-dual-stack",
            d,
            v6_zone,
            expect=[E("SPF-09", "pass")],
            never=[N("MX-06", "fail"), N("MX-05", ("warn", "fail")), N("MX-01", ANY[2:])],
            why="RFC 5321 §5.1: a host with only an AAAA record has an address; the other MX "
            "takes IPv4 senders (checklist MX-06 fails only when no host has A/AAAA).",
        )
    )

    # ============================================ SPF (RFC 7208)
    d = "quayside-print.com"
    add(
        Case(
            "spf-ptr-and-one-void",
            d,
            mail_domain(
                d,
                GOOGLE_MX,
                spf=f"v=spf1 ptr a:oldmail.{d} include:_spf.google.com ~all",
                more={**GOOGLE_SPF, (f"www.{d}", "A"): ["81.2.69.10"]},
            ),
            expect=[E("SPF-11", "warn", "ptr"), E("SPF-06", "warn", f"oldmail.{d}")],
            never=[N("SPF-06", "fail"), N("SPF-11", ("pass", "fail"))],
            why="§5.5: ptr SHOULD NOT be published (checklist SPF-11 warn). oldmail.<d> does "
            "not exist: one void lookup (checklist SPF-06 warn for 1-2).",
        )
    )
    d = "wheatley-farms.co.uk"
    add(
        Case(
            "spf-three-void-lookups",
            d,
            mail_domain(
                d,
                [f"10 mx1.{d}."],
                spf=f"v=spf1 a:old-relay.{d} mx:legacy.{d} a:fax.{d} "
                "include:spf.protection.outlook.com -all",
                more=OUTLOOK_SPF,
            ),
            expect=[E("SPF-06", "fail", f"legacy.{d}")],
            never=[N("SPF-06", ("pass", "warn"))],
            why="§4.6.4: more than two lookups returning NXDOMAIN/NODATA is a permerror "
            "(checklist SPF-06 fail); the 'mx:' of a vanished name is one of them.",
        )
    )
    d = "corbridge-events.com"
    add(
        Case(
            "spf-exists-uppercase-macro",
            d,
            mail_domain(
                d,
                GOOGLE_MX,
                spf=None,
                more={
                    **GOOGLE_SPF,
                    (d, "TXT"): [
                        f"v=spf1 exists:%{{Ir}}.%{{v}}._spf.{d} include:_spf.google.com -all"
                    ],
                },
            ),
            expect=[E("SPF-09", "pass")],
            never=[
                N("SPF-16", ("warn", "fail")),
                N("SPF-04", "fail"),
                N("SPF-06", ("warn", "fail")),
            ],
            why="§7.1/§7.3: an upper-case macro letter is the same letter URL-escaped; 'r' "
            "reverses; %{v} is 'in-addr' or 'ip6'. The exists target depends on the sender's "
            "address, so it is no void lookup of the record itself.",
        )
    )
    d = "pellmore-insurance.com"
    add(
        Case(
            "spf-exists-unknown-macro-letter",
            d,
            mail_domain(
                d,
                GOOGLE_MX,
                spf=None,
                more={
                    **GOOGLE_SPF,
                    (d, "TXT"): [f"v=spf1 exists:%{{u}}.spf.{d} include:_spf.google.com -all"],
                },
            ),
            expect=[E("SPF-16", "fail", "%{u}")],
            never=[N("SPF-16", "pass")],
            why="§7.1: 'u' is no macro letter: a syntax error, permerror (checklist SPF-16 fail).",
        )
    )
    d = "ridgeway-cycles.com"
    add(
        Case(
            "spf-include-loop",
            d,
            mail_domain(
                d,
                [f"10 mx1.{d}."],
                spf=f"v=spf1 include:_spf.{d} -all",
                more={
                    (f"_spf.{d}", "TXT"): [f"v=spf1 ip4:81.2.69.0/26 include:_spf2.{d} ~all"],
                    (f"_spf2.{d}", "TXT"): [f"v=spf1 include:_spf.{d} ~all"],
                },
            ),
            expect=[E("*", "fail", "loop", f"_spf.{d}")],
            never=[N("SPF-05", "pass")],
            why="§4.6.4: an include loop only ends at the 10-lookup limit, a permerror for every "
            "sender; a checker says it is a loop and where it closes.",
        )
    )
    ten = (
        "v=spf1 include:spf.protection.outlook.com include:_spf.google.com include:sendgrid.net "
        "include:mailgun.org include:servers.mcsv.net include:_spf.salesforce.com "
        "include:_spf.freshdesk.com -all"
    )
    d = "silverdale-travel.com"
    add(
        Case(
            "spf-exactly-ten-lookups",
            d,
            mail_domain(d, GOOGLE_MX, spf=ten, more={**GOOGLE_SPF, **OUTLOOK_SPF, **LEAVES}),
            expect=[
                E("SPF-05", "warn", "10"),
            ],
            never=[N("SPF-05", "pass")],
            why="§4.6.4: 7 includes, one of which (_spf.google.com) includes 3 more: 10 "
            "lookups, at the limit but not over (checklist SPF-05 warn for 9-10).",
        )
    )
    d = "hollowell-hr.com"
    add(
        Case(
            "spf-eleven-lookups",
            d,
            mail_domain(
                d,
                GOOGLE_MX,
                spf=ten.replace(" -all", " include:mail.zendesk.com -all"),
                more={**GOOGLE_SPF, **OUTLOOK_SPF, **LEAVES},
            ),
            expect=[E("SPF-05", "fail", "11")],
            never=[N("SPF-05", ("pass", "warn"))],
            why="§4.6.4: an eighth include makes 11 lookups: permerror (checklist SPF-05 fail).",
        )
    )

    # ============================================ DMARC (RFC 7489, RFC 9989)
    d = "cranleigh-pharmacy.com"
    add(
        Case(
            "dmarc-msp-rua-ruf-sizes-authorised",
            d,
            mail_domain(
                d,
                GOOGLE_MX,
                spf=GWS_SPF,
                dmarc="v=DMARC1; p=reject; rua=mailto:dmarc@{d}!10m,"
                "mailto:agg@reports.shieldmsp.net!50m; ruf=mailto:ruf@{d}!5m; fo=1; "
                "rf=afrf; ri=3600",
                more={
                    **GOOGLE_SPF,
                    (f"{d}._report._dmarc.reports.shieldmsp.net", "TXT"): ["v=DMARC1"],
                    ("reports.shieldmsp.net", "MX"): ["10 in.shieldmsp.net."],
                    ("in.shieldmsp.net", "A"): ["34.117.59.90"],
                },
            ),
            expect=[
                E("DMARC-12", "info", "!"),
                E("DMARC-13", "pass", "reports.shieldmsp.net"),
                E("DMARC-15", "info"),
                E("DMARC-11", "info", "ri"),
            ],
            never=[
                N("DMARC-12", ("warn", "fail")),
                N("DMARC-13", ("warn", "fail")),
                N("DMARC-14", ("warn", "fail")),
            ],
            why="RFC 9989 §4.8: '!size' is obsolete syntax reporters ignore (checklist DMARC-12 "
            "info); the MSP collector is authorised (RFC 7489 §7.1); ruf carries message "
            "content (DMARC-15 info); rf/ri are historic (DMARC-11 info); fo=1 with ruf is "
            "valid.",
        )
    )
    d = "thistledown-care.org"
    add(
        Case(
            "dmarc-msp-rua-unauthorised-beside-own",
            d,
            mail_domain(
                d,
                GOOGLE_MX,
                spf=GWS_SPF,
                dmarc="v=DMARC1; p=quarantine; rua=mailto:dmarc@{d},mailto:agg@dmarc.shieldmsp.net",
                more={
                    **GOOGLE_SPF,
                    ("dmarc.shieldmsp.net", "MX"): ["10 in.shieldmsp.net."],
                    ("in.shieldmsp.net", "A"): ["34.117.59.90"],
                },
            ),
            expect=[E("DMARC-13", "fail", f"{d}._report._dmarc.dmarc.shieldmsp.net")],
            never=[N("DMARC-12", "fail")],
            why="RFC 7489 §7.1: without <d>._report._dmarc.<host> the MSP's URI is ignored, "
            "its reports never sent (checklist DMARC-13 fail); the domain's own address still "
            "works, so rua as a whole is valid (no DMARC-12 fail).",
        )
    )
    d = "ormsby-kitchens.com"
    add(
        Case(
            "dmarc-fo-zero-and-one",
            d,
            mail_domain(
                d,
                GOOGLE_MX,
                spf=GWS_SPF,
                dmarc="v=DMARC1; p=quarantine; rua=mailto:dmarc@{d}; ruf=mailto:dmarc@{d}; fo=0:1",
                more=GOOGLE_SPF,
            ),
            expect=[E("DMARC-14", "warn", "fo")],
            never=[N("DMARC-14", ("pass", "fail"))],
            why="RFC 9989 §4.7/§4.8: 0 and 1 are mutually exclusive (checklist DMARC-14 warn).",
        )
    )
    d = "ravensworth-estates.com"
    add(
        Case(
            "dmarc-psd-y-on-registrable-domain",
            d,
            mail_domain(
                d,
                GOOGLE_MX,
                spf=GWS_SPF,
                dmarc="v=DMARC1; p=reject; psd=y; rua=mailto:dmarc@{d}",
                more=GOOGLE_SPF,
            ),
            expect=[E("DMARC-10", "warn", "psd=y")],
            never=[N("DMARC-10", ("pass", "fail")), N("DMARC-17", ("warn", "fail"))],
            why="RFC 9989 §4.7/§4.10.2: psd=y makes each child its own organizational domain "
            "(checklist DMARC-10 warn on a registrable name); psd is a known tag.",
        )
    )
    d = "ellerby-partners.com"
    add(
        Case(
            "dmarc-every-9989-tag-right",
            d,
            mail_domain(
                d,
                GOOGLE_MX,
                spf=GWS_SPF,
                dmarc="v=DMARC1; p=reject; sp=quarantine; np=reject; psd=n; t=n; adkim=s; "
                "aspf=r; rua=mailto:dmarc@{d}",
                dkim={"google": DKIM},
                more=GOOGLE_SPF,
            ),
            expect=[E("DMARC-10", "info", "psd=n")],
            never=[
                N("DMARC-17", ("warn", "fail")),
                N("DMARC-07", ("warn", "fail")),
                N("DMARC-09", ("warn", "fail")),
                N("DMARC-16", ("warn", "fail")),
                N("DMARC-05", ("warn", "fail")),
            ],
            why="RFC 9989 §4.7: np, psd and t are known tags; sp=quarantine is no 'none' "
            "(DMARC-07); t=n is the default (DMARC-09); psd=n says 'this is an org domain' "
            "(checklist DMARC-10 info).",
        )
    )
    d = "kingsmead-freight.com"
    add(
        Case(
            "dmarc-reject-in-test-mode",
            d,
            mail_domain(
                d,
                GOOGLE_MX,
                spf=GWS_SPF,
                dmarc="v=DMARC1; p=reject; t=y; rua=mailto:dmarc@{d}",
                more=GOOGLE_SPF,
            ),
            expect=[E("DMARC-09", "warn", "t=y")],
            never=[N("DMARC-09", ("pass", "fail"))],
            why="RFC 9989 §4.7: t=y applies one level below (reject → quarantine) at 9989 "
            "receivers (checklist DMARC-09 warn).",
        )
    )
    org = "penhallow-group.com"
    d = f"shop.{org}"
    add(
        Case(
            "dmarc-subdomain-own-none-under-org-reject",
            d,
            mail_domain(
                d,
                [f"10 mx1.{d}."],
                dmarc="v=DMARC1; p=none; rua=mailto:dmarc@{d}",
                more={
                    (f"_dmarc.{org}", "TXT"): [f"v=DMARC1; p=reject; rua=mailto:dmarc@{org}"],
                },
            ),
            expect=[E("DMARC-06", "warn", "p=none")],
            never=[N("DMARC-06", "pass"), N("DMARC-01", ("warn", "fail"))],
            why="RFC 7489 §6.6.3 / RFC 9989 §4.10: the subdomain's own record is used, not the "
            "org's; it is monitoring only (checklist DMARC-06 warn).",
        )
    )

    # ============================================ DKIM (RFC 6376, RFC 8301, RFC 8463)
    d = "alderney-software.com"
    add(
        Case(
            "dkim-ed25519-beside-rsa",
            d,
            mail_domain(
                d,
                GOOGLE_MX,
                spf=GWS_SPF,
                dkim={"s1": f"v=DKIM1; k=ed25519; p={ED}", "s2": DKIM},
                more=GOOGLE_SPF,
            ),
            expect=[E("DKIM-07", "pass")],
            never=[
                N("DKIM-08", ("warn", "fail")),
                N("DKIM-06", ("warn", "fail")),
                N("DMARC-18", "warn"),
            ],
            why="RFC 8463 §4.2: a raw 32-byte key in base64 (44 characters) under k=ed25519; "
            "dual-signed with RSA 2048 (§6), so nothing to warn about.",
        )
    )
    d = "wexcombe-clinic.com"
    add(
        Case(
            "dkim-testing-flag-y",
            d,
            mail_domain(
                d,
                GOOGLE_MX,
                spf=GWS_SPF,
                dkim={"selector1": f"v=DKIM1; k=rsa; t=y; p={K2048}"},
                more=GOOGLE_SPF,
            ),
            expect=[E("DKIM-11", "warn", "t=y")],
            never=[N("DKIM-11", ("pass", "fail"))],
            why="RFC 6376 §3.6.1: verifiers must not treat t=y mail differently from unsigned "
            "mail (checklist DKIM-11 warn).",
        )
    )
    d = "bramhope-solicitors.co.uk"
    add(
        Case(
            "dkim-strict-flag-s",
            d,
            mail_domain(
                d,
                GOOGLE_MX,
                spf=GWS_SPF,
                dkim={"selector2": f"v=DKIM1; k=rsa; t=s; p={K2048}"},
                more=GOOGLE_SPF,
            ),
            expect=[
                E("DKIM-11", "info", "t=s"),
            ],
            never=[N("DKIM-11", "fail")],
            why="RFC 6376 §3.6.1: t=s forbids subdomains in i= (checklist DKIM-11 info).",
        )
    )
    d = "ferrybridge-motors.com"
    add(
        Case(
            "dkim-1024-bits-h-sha256",
            d,
            mail_domain(
                d,
                GOOGLE_MX,
                spf=GWS_SPF,
                dkim={"k1": f"v=DKIM1; k=rsa; h=sha256; p={K1024}"},
                more=GOOGLE_SPF,
            ),
            expect=[E("DKIM-07", "warn", "1024")],
            never=[N("DKIM-07", ("pass", "fail")), N("DKIM-09", ("warn", "fail"))],
            why="RFC 8301 §3.2: 1024 bits is allowed but under the SHOULD of 2048 (checklist "
            "DKIM-07 warn); h=sha256 is what RFC 8301 §3.1 wants (no DKIM-09).",
        )
    )
    d = "lowther-fitness.com"
    add(
        Case(
            "dkim-selector-cname-to-sendgrid",
            d,
            mail_domain(
                d,
                GOOGLE_MX,
                spf="v=spf1 include:_spf.google.com include:sendgrid.net ~all",
                more={
                    **GOOGLE_SPF,
                    **LEAVES,
                    (f"s1._domainkey.{d}", "CNAME"): ["s1.domainkey.u2240117.wl118.sendgrid.net."],
                    ("s1.domainkey.u2240117.wl118.sendgrid.net", "TXT"): [DKIM],
                },
            ),
            expect=[E("DKIM-07", "pass")],
            never=[
                N("DKIM-01", ("warn", "fail")),
                N("DKIM-06", ("warn", "fail")),
                N("MX-04", ("warn", "fail")),
                N("DMARC-18", "warn"),
            ],
            why="RFC 6376 §3.6.2.1: a selector may be a CNAME to the sender's key (SendGrid's "
            "automated security); MX-04 is about MX names.",
        )
    )
    d = "ambleside-outdoor.com"
    add(
        Case(
            "dkim-p-tag-in-capitals",
            d,
            mail_domain(
                d,
                GOOGLE_MX,
                spf=GWS_SPF,
                dkim={"google": f"v=DKIM1; k=rsa; P={K2048}"},
                more=GOOGLE_SPF,
            ),
            expect=[E("DKIM-05", "fail")],
            never=[N("DKIM-05", "pass"), N("DKIM-07", "pass")],
            why="RFC 6376 §3.2: tags are case-sensitive, so 'P=' is an unknown tag and the "
            "required p= is missing (checklist DKIM-05 fail).",
        )
    )
    d = "newbiggin-stables.co.uk"
    add(
        Case(
            "dkim-p-with-blanks-inside",
            d,
            mail_domain(
                d,
                GOOGLE_MX,
                spf=GWS_SPF,
                dkim={"default": f"v=DKIM1; k=rsa; p={spaced(K2048)}"},
                more=GOOGLE_SPF,
            ),
            expect=[E("DKIM-07", "pass")],
            never=[N("DKIM-06", ("warn", "fail")), N("DKIM-05", ("warn", "fail"))],
            why="RFC 6376 §3.6.1: p= is base64 with FWS allowed inside (as cPanel and some "
            "zone tools write it); the key decodes to 2048 bits.",
        )
    )

    # ============================================ TLS-RPT (RFC 8460 §3)
    d = "whitcombe-audio.com"
    add(
        Case(
            "tlsrpt-two-rua-tags",
            d,
            mail_domain(
                d,
                GOOGLE_MX,
                spf=GWS_SPF,
                tlsrpt="v=TLSRPTv1; rua=mailto:tls@{d}; rua=https://tlsrpt.shieldmsp.net/v1/{d}",
                more={**GOOGLE_SPF, ("tlsrpt.shieldmsp.net", "A"): ["34.117.59.91"]},
            ),
            expect=[E("TLSRPT-08", "info")],
            never=[
                N("TLSRPT-02", ("warn", "fail")),
                N("TLSRPT-05", ("warn", "fail")),
                N("TLSRPT-06", ("warn", "fail")),
                N("TLSRPT-09", ("warn", "fail")),
            ],
            why="RFC 8460 §3: 1*(field-delim tlsrpt-field) allows several rua fields; "
            "reporters may deliver to each (checklist TLSRPT-08 info, never rejected).",
        )
    )
    d = "saltmarsh-brewery.com"
    add(
        Case(
            "tlsrpt-mailto-and-https-in-one-rua",
            d,
            mail_domain(
                d,
                GOOGLE_MX,
                spf=GWS_SPF,
                tlsrpt="v=TLSRPTv1; rua=mailto:tls@{d},https://tlsrpt.shieldmsp.net/v1/{d}",
                more={**GOOGLE_SPF, ("tlsrpt.shieldmsp.net", "A"): ["34.117.59.91"]},
            ),
            expect=[E("TLSRPT-05", "pass"), E("TLSRPT-10", "pass")],
            never=[
                N("TLSRPT-05", ("warn", "fail")),
                N("TLSRPT-06", ("warn", "fail")),
                N("TLSRPT-07", ("warn", "fail")),
                N("TLSRPT-10", ("warn", "fail")),
            ],
            why="§3: a comma-separated list of a mailto and an https URI; the mail domain has "
            "MX and the endpoint answers 200 (§5.4).",
        )
    )

    # ============================================ MTA-STS policies (RFC 8461 §3.2, §5)
    d = "marchbank-media.com"
    add(
        Case(
            "sts-mode-none-withdrawal",
            d,
            mail_domain(d, GOOGLE_MX, spf=GWS_SPF, sts_id="20261201", more=GOOGLE_SPF),
            files=served(d, "version: STSv1\r\nmode: none\r\nmax_age: 86400\r\n"),
            expect=[E("MTASTS-33", "info", "none")],
            never=[N("MTASTS-24", ("warn", "fail")), N("MTASTS-30", "fail")],
            why="§3.2: mx is required 'except when mode is none'; §8.3: none is the removal "
            "path (checklist MTASTS-33 info, MTASTS-24 not applicable).",
        )
    )
    d = "carrowmore-hotels.ie"
    add(
        Case(
            "sts-msp-template-comment-line",
            d,
            mail_domain(d, GOOGLE_MX, spf=GWS_SPF, sts_id="20261115", more=GOOGLE_SPF),
            files=served(
                d,
                "# MTA-STS policy - managed by ShieldMSP template v3\r\n"
                + policy("aspmx.l.google.com", "*.aspmx.l.google.com"),
            ),
            # Corrected after the run (expectation mine): I asked for the '#' itself; the
            # warning names the line ('Line 1 is a comment'), and its fix is the file without it.
            expect=[E("MTASTS-29", "warn", "line 1", "comment")],
            never=[N("MTASTS-29", ("pass", "fail")), N("MTASTS-30", ("warn", "fail"))],
            why="§3.2 ABNF has no comment lines; most implementations skip them (checklist "
            "MTASTS-29 warn).",
        )
    )
    # ============================================ second batch (written before its own run)
    # An MSP hosts records for its clients: MTA-STS, TLS-RPT and DMARC by CNAME, SPF by
    # redirect or by a macro include; then URI schemes in capitals, a report address under
    # the client's own name beside another registrable name under the same public suffix, a
    # dangling Microsoft 365 selector2 CNAME, an _mta-sts extension field, MX names in capitals.
    d = "pennant-vets.com"
    hosted = mail_domain(d, GOOGLE_MX, spf=GWS_SPF, more=GOOGLE_SPF)
    hosted.update(
        {
            (f"_mta-sts.{d}", "CNAME"): ["pennant-vets-com._mta-sts.shieldmsp.net."],
            ("pennant-vets-com._mta-sts.shieldmsp.net", "TXT"): ["v=STSv1; id=20261118"],
            (f"mta-sts.{d}", "CNAME"): ["mta-sts.shieldmsp.net."],
            ("mta-sts.shieldmsp.net", "A"): ["185.199.108.153"],
        }
    )
    add(
        Case(
            "sts-record-and-host-cnamed-to-msp",
            d,
            hosted,
            files=served(d, policy("aspmx.l.google.com", "*.aspmx.l.google.com")),
            expect=[E("MTASTS-01", "pass"), E("MTASTS-02", "pass"), E("MTASTS-30", "pass")],
            never=[
                N("MTASTS-01", ("info", "warn", "fail")),
                N("MTASTS-02", ("warn", "fail")),
                N("MTASTS-10", ("warn", "fail")),
                N("MTASTS-11", ("warn", "fail")),
            ],
            why="RFC 8461 §3.1/§8.2: the _mta-sts record may be a CNAME (senders follow it), "
            "and the policy host may be a CNAME to a hosting service whose certificate is "
            "valid for mta-sts.<d>; the policy URL stays https://mta-sts.<d>/.",
        )
    )
    d = "gorsedene-print.co.uk"
    add(
        Case(
            "tlsrpt-record-cnamed-to-msp",
            d,
            mail_domain(
                d,
                GOOGLE_MX,
                spf=GWS_SPF,
                tlsrpt=None,
                more={
                    **GOOGLE_SPF,
                    (f"_smtp._tls.{d}", "CNAME"): ["tlsrpt.shieldmsp.net."],
                    ("tlsrpt.shieldmsp.net", "TXT"): [
                        "v=TLSRPTv1; rua=mailto:tls@reports.shieldmsp.net"
                    ],
                    ("reports.shieldmsp.net", "MX"): ["10 in.shieldmsp.net."],
                    ("in.shieldmsp.net", "A"): ["34.117.59.90"],
                },
            ),
            expect=[E("TLSRPT-01", "pass"), E("TLSRPT-10", "pass")],
            never=[
                N("TLSRPT-01", ("info", "warn", "fail")),
                N("TLSRPT-02", ("warn", "fail")),
                N("TLSRPT-05", ("warn", "fail")),
                N("TLSRPT-10", ("warn", "fail")),
            ],
            why="RFC 8460 §3: the record is a TXT lookup at _smtp._tls.<d>, which a resolver "
            "answers through a CNAME; TLS-RPT has no external-destination authorisation, and "
            "the MSP's mail domain has an MX.",
        )
    )
    d = "bellwood-dentistry.com"
    add(
        Case(
            "dmarc-record-cnamed-to-hosted-service",
            d,
            mail_domain(
                d,
                GOOGLE_MX,
                spf=GWS_SPF,
                dmarc=None,
                more={
                    **GOOGLE_SPF,
                    (f"_dmarc.{d}", "CNAME"): ["bellwood-dentistry-com.dmarc.shieldmsp.net."],
                    ("bellwood-dentistry-com.dmarc.shieldmsp.net", "TXT"): [
                        "v=DMARC1; p=quarantine; rua=mailto:agg@reports.shieldmsp.net"
                    ],
                    (f"{d}._report._dmarc.reports.shieldmsp.net", "TXT"): ["v=DMARC1"],
                    ("reports.shieldmsp.net", "MX"): ["10 in.shieldmsp.net."],
                    ("in.shieldmsp.net", "A"): ["34.117.59.90"],
                },
            ),
            expect=[E("DMARC-13", "pass", "reports.shieldmsp.net")],
            never=[
                N("DMARC-01", ("info", "warn", "fail")),
                N("DMARC-02", ("warn", "fail")),
                N("DMARC-04", ("warn", "fail")),
                N("DMARC-13", ("warn", "fail")),
            ],
            why="RFC 7489 §6.1 / RFC 9989 §4.5: the record is the TXT answer at _dmarc.<d>, "
            "through a CNAME as hosted-DMARC services publish it; the collector is authorised "
            "for <d> (§7.1).",
        )
    )
    d = "harrowgate-logistics.com"
    add(
        Case(
            "spf-macro-include-hosted-spf",
            d,
            mail_domain(
                d,
                MIMECAST_MX,
                spf=None,
                more={
                    (d, "TXT"): ["v=spf1 include:%{i}._ip.%{h}._ehlo.%{d}._spf.vali.email ~all"],
                },
            ),
            expect=[E("SPF-09", "info", "~all")],
            never=[
                N("SPF-08", ("warn", "fail", "error")),
                N("SPF-16", ("warn", "fail")),
                N("SPF-04", "fail"),
                N("SPF-06", ("warn", "fail")),
            ],
            why="RFC 7208 §7: a domain-spec may hold macros; the include's target depends on "
            "the sender's address, HELO name and domain, so it cannot be looked up without a "
            "message: it is no include of a name without SPF (SPF-08) nor a void lookup.",
        )
    )
    d = "larchmont-builders.com"
    add(
        Case(
            "spf-redirect-to-msp-softfail",
            d,
            mail_domain(
                d,
                [f"0 {d.replace('.', '-')}.mail.protection.outlook.com."],
                spf="v=spf1 redirect=_spf.shieldmsp.net",
                more={
                    **OUTLOOK_SPF,
                    ("_spf.shieldmsp.net", "TXT"): [
                        "v=spf1 ip4:34.117.59.0/24 include:spf.protection.outlook.com ~all"
                    ],
                },
            ),
            expect=[E("SPF-09", "info", "~all")],
            never=[
                N("SPF-09", ("warn", "fail")),
                N("SPF-08", ("warn", "fail", "error")),
                N("SPF-10", ("warn", "fail")),
            ],
            why="RFC 7208 §6.1: with no 'all', redirect makes the target's result the record's; "
            "the target ends in '~all' (checklist SPF-09 info), so the record has a terminal.",
        )
    )
    d = "tollgate-joinery.com"
    add(
        Case(
            "spf-dual-cidr-and-exp",
            d,
            mail_domain(
                d,
                [f"10 mx1.{d}."],
                spf=None,
                more={
                    (d, "TXT"): [
                        "v=spf1 a/28//64 mx/24 ip6:2a01:4f8:c0c::/48 exp=explain.tollgate-joinery"
                        ".com -all"
                    ],
                    (d, "A"): ["81.2.69.142"],
                    (d, "AAAA"): ["2a01:4f8:c0c:1234::1"],
                    (f"explain.{d}", "TXT"): ["%{i} is not a mail server of %{d}: see %{d}/spf"],
                },
            ),
            expect=[E("SPF-09", "pass")],
            never=[
                N("SPF-04", "fail"),
                N("SPF-16", ("warn", "fail")),
                N("SPF-12", ANY),
                N("SPF-06", ("warn", "fail")),
                N("SPF-19", ("warn", "fail")),
            ],
            why="RFC 7208 §5.6: dual-cidr-length ('a/28//64') is valid for a and mx; §6.2: exp "
            "names a TXT explanation, macros allowed; a /48 in ip6 is no broad range.",
        )
    )
    d = "wickham-optical.com"
    add(
        Case(
            "uri-schemes-in-capitals",
            d,
            mail_domain(
                d,
                GOOGLE_MX,
                spf=GWS_SPF,
                dmarc="v=DMARC1; p=reject; rua=MAILTO:dmarc@{d}",
                tlsrpt="v=TLSRPTv1; rua=MAILTO:tls@{d}",
                more=GOOGLE_SPF,
            ),
            never=[
                N("TLSRPT-05", ("warn", "fail")),
                N("TLSRPT-06", ("warn", "fail")),
                N("TLSRPT-10", ("warn", "fail")),
                N("DMARC-12", ("warn", "fail")),
            ],
            why="RFC 3986 §3.1: schemes are case-insensitive ('should accept uppercase "
            "letters as equivalent to lowercase'); RFC 8460 §3 and RFC 7489 §6.2 take URIs.",
        )
    )
    d = "ashby-farriers.co.uk"
    add(
        Case(
            "dmarc-rua-own-subdomain-and-other-co-uk",
            d,
            mail_domain(
                d,
                GOOGLE_MX,
                spf=GWS_SPF,
                dmarc="v=DMARC1; p=reject; rua=mailto:dmarc@reports.{d},"
                "mailto:dmarc@shieldmsp.co.uk",
                more={
                    **GOOGLE_SPF,
                    (f"reports.{d}", "MX"): [f"10 mx1.{d}."],
                    (f"mx1.{d}", "A"): ["81.2.69.150"],
                    ("shieldmsp.co.uk", "MX"): ["10 mx.shieldmsp.co.uk."],
                    ("mx.shieldmsp.co.uk", "A"): ["34.117.59.92"],
                },
            ),
            expect=[E("DMARC-13", "fail", f"{d}._report._dmarc.shieldmsp.co.uk")],
            never_words=(f"._report._dmarc.reports.{d}",),
            why="RFC 7489 §7.1: reports.<d> is under the same organizational domain (the PSL "
            "makes co.uk the suffix), so it needs no authorisation; shieldmsp.co.uk is "
            "another registrable name under co.uk and does (fail without it).",
        )
    )
    d = "copperfield-hr.com"
    tenant = "copperfieldhr"
    add(
        Case(
            "m365-selector2-cname-dangling",
            d,
            mail_domain(
                d,
                [f"0 {d.replace('.', '-')}.mail.protection.outlook.com."],
                spf=M365_SPF,
                more={
                    **OUTLOOK_SPF,
                    (f"selector1._domainkey.{d}", "CNAME"): [
                        f"selector1-copperfield-hr-com._domainkey.{tenant}.onmicrosoft.com."
                    ],
                    (f"selector1-copperfield-hr-com._domainkey.{tenant}.onmicrosoft.com", "TXT"): [
                        DKIM
                    ],
                    (f"selector2._domainkey.{d}", "CNAME"): [
                        f"selector2-copperfield-hr-com._domainkey.{tenant}.onmicrosoft.com."
                    ],
                },
            ),
            expect=[E("DKIM-07", "pass")],
            never=[
                N("DKIM-05", "fail"),
                N("DKIM-06", "fail"),
                N("DKIM-01", "fail"),
                N("DMARC-18", "warn"),
            ],
            why="Microsoft 365 has both CNAMEs published and signs with one key at a time; "
            "selector2's target exists only once it rotates. A selector with no key is no "
            "broken key (checklist §5: not finding a key is info).",
        )
    )
    d = "northcote-tiles.com"
    add(
        Case(
            "sts-record-extension-and-mx-in-capitals",
            d,
            mail_domain(
                d,
                ["10 MX1.Northcote-Tiles.COM.", "20 MX2.Northcote-Tiles.COM."],
                spf="v=spf1 mx -all",
                dmarc="v=DMARC1; p=quarantine; pct=100; rua=mailto:dmarc@{d}",
                more={
                    (f"_mta-sts.{d}", "TXT"): ["v=STSv1; id=20261119; msp-template=v3"],
                    (f"mta-sts.{d}", "A"): ["185.199.108.153"],
                },
            ),
            files=served(d, policy(f"mx1.{d}", f"mx2.{d}")),
            expect=[
                E("MTASTS-07", "info", "msp-template"),
                E("MTASTS-30", "pass"),
                E("DMARC-08", "info"),
            ],
            never=[
                N("MTASTS-07", ("warn", "fail")),
                N("MTASTS-02", ("warn", "fail")),
                N("MTASTS-30", ("warn", "fail")),
            ],
            why="RFC 8461 §3.1: a valid unknown field is ignored (checklist MTASTS-07 info); "
            "MX names compare without case (RFC 1035 §2.3.3, §4.1's matching lower-cases). "
            "pct=100 changes nothing (checklist DMARC-08 info).",
        )
    )
    return out


CASES = cases()


def test_round_size_and_names() -> None:
    assert 40 <= len(CASES) <= 50, len(CASES)
    assert len({c.name for c in CASES}) == len(CASES)


# Where the round and the product still disagree, kept as a strict xfail with the reason.
GAPS: dict[str, str] = {}


@pytest.mark.parametrize("case", case_params(CASES, GAPS))
def test_blind_case(case: Case) -> None:
    report = run_case(case)
    # No mechanism may end in an internal error or a timeout on any case.
    never = [*case.never, N("ENGINE-01", ANY)]
    problems, shown = reading_problems(
        report.findings, case.expect, never, never_words=case.never_words
    )
    assert not problems, f"{case.name}: {problems}\nfindings:\n{shown}"
