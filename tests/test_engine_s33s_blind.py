"""Blind round s33s: the DNS-record rule ids blind rounds tried least (checklist §2a-§6), counted
as mentions in tests/*blind*.py: SPF-18 (7), MTASTS-08 (8), SPF-12 and MTASTS-03 (9), TLSRPT-08,
TLSRPT-03, MTASTS-01 (10), SPF-16 and MTASTS-07 (11), DMARC-11, SPF-15, DMARC-10, SPF-19,
DKIM-04 and DMARC-15 (12).

Records real domains publish and nobody listed before: redirect= twice after a provider move,
exp= twice in a record split in two strings, 'REDIRECT=' beside 'redirect=', RFC 6652's ra/rp/rr
beside one exp=; an en dash for '-all' from a word processor, a zero-width space after an
include, a note with umlauts in another apex TXT; Valimail-style macros in an include,
%{ir}.%{v}._spf.%{d2}, %{t} outside exp=, '%i' without braces; a null-MX domain without SPF,
with '-all', with '~all', a parked domain with only an A record; ip4 10.0.0.0/8 pasted from the
LAN, /16 and /32 on the edge, a provider's whole ip6 /29, Microsoft 365's own /15s through the
include; DKIM 'v=dkim1', tags sorted by name with v= last, a record split inside 'DKIM1'; psd=y
on a .co.uk company, psd=n, psd=u, psd=yes; rf/ri at their defaults, ri=3600, ri=1d; ruf at a
vendor that did not authorise it, ruf beside fo=1 at an authorised one, two ruf URIs with a
blank after the ','. TLS-RPT: a record split inside the address and inside the version, two
strings fused without the ',', two rua tags for the owner and a vendor, a rua list and another
rua tag, a second rua tag with http. MTA-STS: a record reached by CNAME at a hosting provider,
a subdomain under a parent with a policy, a SERVFAIL at _mta-sts; a record split inside the id,
after ';' without a blank, and as two TXT records; extension fields valid with '.', with a
blank, with base64 '=' padding, empty; full-width digits in the id, a no-break space after
';', a German note in a second TXT record.

The expectations were written from RFC 7208 (§3.1, §3.3, §4.5, §4.6.1, §5.6, §6, §6.1, §6.2,
§7.1), RFC 7505 (§3, §4), RFC 6376 (§3.2, §3.6.1, §3.6.2.2), RFC 7489 (§6.3, §6.4, §7.1),
RFC 9989 (§4.7, §4.8, §4.10.2, App. C.5.2), RFC 8460 §3, RFC 8461 (§3.1, §3.4, §8.2), RFC 5234
§2.3 and checklist §2a-§6, before the engine ran on any of them (f041ddb).

Result of the first run: the 3 planted wrong expectations (spf19-exactly-slash-16-and-slash-32
SPF-19 warn, dmarc10-psd-n-on-org-domain DMARC-10 warn, mtasts07-unknown-valid-extension
MTASTS-07 fail) failed and are corrected as the checklist has them (no SPF-19 finding at /16
and /32, DMARC-10 info, MTASTS-07 info); all 48 other cases held as written. Reading the held
rows' texts found three defects, fixed in fbbad7d with tests/test_engine_s33s.py (texts only,
no status changed): tlsrpt03-strings-fused-without-comma failed TLSRPT-06 with 'has no usable
address' and a fix offering the invented tls-reports@ mailbox in place of the owner's two
addresses;
it now names the two URIs run together and the ',' they need, and the fix keeps both
(checks.tlsrpt.run_together). mtasts07-empty-value said 'no spaces, ';' or '=' in the value'
for 'note=', whose value is empty: MTASTS-07 now says what is wrong in words, read as TLS-RPT
reads its extensions (checks.tlsrpt.field_fault, the same grammar; '=' in a value named too).
mtasts03-two-records-not-two-strings said only 'The record has no id field' while the owner
sees 'id=20260601' at the name: MTASTS-05 now says the id is in a TXT record of its own, which
senders discard. The rows of those three now ask for what the fixes say.
Left as they are: mtasts08-full-width-digits gets 'non-ASCII bytes' without naming the
full-width digits (checks.lookalike names a no-break space, zero-width space or en dash, not
the full-width forms), beside an MTASTS-05 fail that calls '２０２６０６' 'not only letters and
digits'; mtasts01-subdomain-under-parent-policy is told to publish its own record without
being told the parent's does not cover it (RFC 8461 §3.4); spf12-redirect-in-two-cases
('REDIRECT=x redirect=x', the same name twice) is asked to keep 'the redirect to the domain
whose record lists your senders' with no record offered, though both name one domain; and
the TLS-RPT reading takes 'mailto:a@x.orgmailto:b@y.net' as one usable address (local part
'a@x.orgmailto:b', which RFC 6068's dot-atom does not allow), so two fused mailto strings are
not caught (a status change, not made here).

Each case runs one module's evaluate against an in-memory resolver (tests.test_spf.FakeDns,
CNAMEs followed), with the production configuration, as in tests/test_engine_s32t_blind.py.
MTA-STS cases get the policy from `files`, keyed by the URL a sender fetches (RFC 8461 §3.3). A
case lists:
  expect: (check ID or '*', status or statuses, words the finding's summary or fix must contain);
  never:  (check ID, statuses) that must not be reported;
  never_words: words no finding may say;
  no_fail: no finding of the module may be `fail`.
"""

from __future__ import annotations

from typing import Any

import pytest

from checks import dkim, dmarc, mtasts, spf, tlsrpt
from checks.findings import Finding
from checks.https import HttpsResult
from tests.blind_engine import E, N, fake_fetch, no_mta_sts_policy, reading_problems, run_engine
from tests.test_engine_s26c_blind import GOOGLE, OUTLOOK
from tests.test_engine_s27e_blind import TINY_PS
from tests.test_engine_s29s_blind import key_site, rua, site
from tests.test_engine_s31s_blind import DMARC_VENDOR, K2048, TLS_VENDOR, Case, tls_site
from tests.test_engine_s32t_blind import policy_file, policy_text, sts_site
from tests.test_mtasts import FakeProbe

MODULES: dict[str, Any] = {
    "spf": spf,
    "dkim": dkim,
    "dmarc": dmarc,
    "tlsrpt": tlsrpt,
    "mtasts": mtasts,
}
NULL_MX = ["0 ."]
VALIMAIL = "include:%{i}._ip.%{h}._ehlo.%{d}._spf.vali.email"


def dmarc_site(domain: str, record: Any, more: dict[Any, Any] | None = None) -> dict[Any, Any]:
    """A mail domain with SPF and `record` at _dmarc (a text or a list of TXT records)."""
    return site(domain, dmarc_record=record, more=more)


def good_policy(domain: str) -> dict[str, HttpsResult]:
    return policy_file(domain, policy_text(domain))


def cases() -> list[Case]:
    return [
        # ==================================================== SPF-12: modifiers at most once
        Case(
            "spf12-redirect-twice-after-move",
            "spf",
            "ashby-kitchens.com",
            site(
                "ashby-kitchens.com",
                spf_record="v=spf1 redirect=_spf.google.com redirect=spf.protection.outlook.com",
                more={**GOOGLE, **OUTLOOK},
            ),
            expect=[E("SPF-12", "fail", "redirect")],
            why="RFC 7208 §6: redirect MUST NOT appear more than once; check_host() returns "
            "permerror. The owner moved from Google to Microsoft and appended the new one.",
        ),
        Case(
            "spf12-exp-twice-split-strings",
            "spf",
            "culver-estates.co.uk",
            site(
                "culver-estates.co.uk",
                spf_record=[
                    "v=spf1 include:_spf.google.com exp=why._spf.%{d} ",
                    "exp=explain._spf.%{d} -all",
                ],
                more=GOOGLE,
            ),
            expect=[E("SPF-12", "fail", "exp")],
            why="§3.3 joins the strings; the record then holds exp= twice (§6: permerror).",
        ),
        Case(
            "spf12-redirect-in-two-cases",
            "spf",
            "prestwick-audio.com",
            site(
                "prestwick-audio.com",
                spf_record="v=spf1 REDIRECT=_spf.google.com redirect=_spf.google.com",
                more=GOOGLE,
            ),
            expect=[E("SPF-12", "fail", "redirect")],
            why="§4.6.1 and RFC 5234 §2.3: modifier names are case-insensitive; 'REDIRECT=' and "
            "'redirect=' are the same modifier twice, even pointing at the same name.",
        ),
        Case(
            "spf12-rfc6652-modifiers-and-one-exp",
            "spf",
            "tollgate-brewing.com",
            site(
                "tollgate-brewing.com",
                spf_record="v=spf1 include:_spf.google.com -all exp=explain._spf.%{d} "
                "ra=postmaster rp=100 rr=all",
                more=GOOGLE,
            ),
            never=[N("SPF-12", ("warn", "fail")), N("SPF-10", ("warn", "fail"))],
            no_fail=True,
            why="§6: exp once, anywhere (SHOULD be at the end); unrecognised modifiers (RFC 6652's "
            "ra/rp/rr) MUST be ignored however often they appear; §5.1's 'ignored after all' is "
            "about mechanisms, and §6.1 only about redirect.",
        ),
        # ================================================================ SPF-15: ASCII only
        Case(
            "spf15-en-dash-all",
            "spf",
            "helmsley-print.com",
            site(
                "helmsley-print.com",
                spf_record="v=spf1 ip4:192.0.2.0/24 include:_spf.google.com \u2013all",
                more=GOOGLE,
            ),
            expect=[
                E("SPF-15", "fail", "v=spf1 ip4:192.0.2.0/24 include:_spf.google.com -all"),
            ],
            never=[N("SPF-15", "pass")],
            why="§3.1: SPF records are US-ASCII; a word processor turned '-all' into an en dash "
            "(U+2013). The fix is the record with '-'.",
        ),
        Case(
            "spf15-zero-width-space",
            "spf",
            "morpeth-saddlery.com",
            site(
                "morpeth-saddlery.com",
                spf_record="v=spf1 include:_spf.google.com\u200b ~all",
                more=GOOGLE,
            ),
            expect=[E("SPF-15", "fail")],
            never=[N("SPF-15", "pass")],
            why="§3.1: a zero-width space copied from a web page is not US-ASCII.",
        ),
        Case(
            "spf15-umlauts-in-another-txt",
            "spf",
            "gruenwald-moebel.de",
            site(
                "gruenwald-moebel.de",
                spf_record="v=spf1 mx include:_spf.google.com -all",
                more={
                    **GOOGLE,
                    ("gruenwald-moebel.de", "TXT"): [
                        "v=spf1 mx include:_spf.google.com -all",
                        "Ansprechpartner: Jürgen Grünwald, Büro Köln",
                    ],
                },
            ),
            expect=[E("SPF-01", "pass")],
            never=[N("SPF-15", ("warn", "fail")), N("SPF-01", ("warn", "fail"))],
            no_fail=True,
            why="§4.5: TXT records not beginning with 'v=spf1' are discarded before parsing; the "
            "note's umlauts are not in the SPF record.",
        ),
        # ================================================================= SPF-16: macros
        Case(
            "spf16-valimail-macro-include",
            "spf",
            "castlegate-insurance.com",
            site(
                "castlegate-insurance.com",
                spf_record=f"v=spf1 {VALIMAIL} ~all",
            ),
            never=[
                N("SPF-16", ("warn", "fail")),
                N("SPF-04", "fail"),
                N("SPF-08", "fail"),
            ],
            why="§7.1: i, h and d are macro letters for any domain-spec; the include's target "
            "depends on the connection, so no checker can say it publishes nothing.",
        ),
        Case(
            "spf16-reversed-ip-and-version",
            "spf",
            "riverbank-credit.org",
            site(
                "riverbank-credit.org",
                spf_record="v=spf1 mx exists:%{ir}.%{v}._spf.%{d2} -all",
            ),
            never=[N("SPF-16", ("warn", "fail")), N("SPF-04", "fail")],
            no_fail=True,
            why="§7.1: 'r' reverses, 'v' is 'in-addr' or 'ip6', 'd2' the two rightmost labels: "
            "all valid macro-expands.",
        ),
        Case(
            "spf16-t-outside-exp",
            "spf",
            "linton-lettings.com",
            site(
                "linton-lettings.com",
                spf_record="v=spf1 exists:%{t}.%{l}._spf.%{d} -all",
            ),
            expect=[E("SPF-16", "fail", "%{t}")],
            why="§7.1: c, r and t are allowed only in exp= text; in exists: it is a syntax error "
            "(permerror).",
        ),
        Case(
            "spf16-percent-without-braces",
            "spf",
            "hayfield-vets.com",
            site(
                "hayfield-vets.com",
                spf_record="v=spf1 mx exists:%i._spf.%d -all",
            ),
            expect=[E("SPF-16", "fail", "%i")],
            why="§7.1: a '%' not followed by '{', '%', '-' or '_' is a syntax error.",
        ),
        # ========================================================== SPF-18: non-mail domains
        Case(
            "spf18-null-mx-no-spf",
            "spf",
            "oldmill-holdings.com",
            site(
                "oldmill-holdings.com",
                spf_record=None,
                mx={("oldmill-holdings.com", "MX"): NULL_MX},
            ),
            expect=[E("SPF-18", "info", "v=spf1 -all")],
            never=[N("SPF-01", "fail")],
            why="RFC 7505 §3 says the domain takes no mail and §4 that it should not send any; "
            "checklist SPF-18: say 'v=spf1 -all' so receivers can reject forgeries.",
        ),
        Case(
            "spf18-null-mx-dash-all",
            "spf",
            "quayside-archive.org",
            site(
                "quayside-archive.org",
                spf_record="v=spf1 -all",
                mx={("quayside-archive.org", "MX"): NULL_MX},
            ),
            never=[
                N("SPF-18", ("warn", "fail")),
                N("SPF-01", ("warn", "fail")),
                N("SPF-09", ("warn", "fail")),
            ],
            no_fail=True,
            why="The non-mail posture RFC 7505 and checklist SPF-18 ask for; nothing to flag.",
        ),
        Case(
            "spf18-null-mx-softfail-all",
            "spf",
            "fernhill-parked.net",
            site(
                "fernhill-parked.net",
                spf_record="v=spf1 ~all",
                mx={("fernhill-parked.net", "MX"): NULL_MX},
            ),
            expect=[E("*", "info", "-all")],
            never=[N("*", "fail")],
            why="The domain takes no mail and authorises no sender, but '~all' only softfails "
            "forgeries; checklist SPF-18 asks for '-all'.",
        ),
        Case(
            "spf18-parked-a-record-only",
            "spf",
            "sunnyridge-lodges.com",
            site(
                "sunnyridge-lodges.com",
                spf_record=None,
                mx={("sunnyridge-lodges.com", "A"): ["192.0.2.80"]},
            ),
            expect=[E("*", ("info", "warn"), "v=spf1 -all")],
            never=[N("SPF-01", "fail")],
            why="Checklist SPF-18's own bad example: a parked domain (a parking page, no MX) "
            "without SPF; the owner is told how to say it sends no mail.",
        ),
        # ==================================================== SPF-19: over-broad ranges
        Case(
            "spf19-lan-slash-8",
            "spf",
            "brindley-engineering.com",
            site(
                "brindley-engineering.com",
                spf_record="v=spf1 mx ip4:10.0.0.0/8 include:_spf.google.com ~all",
                more=GOOGLE,
            ),
            expect=[E("SPF-19", "warn", "10.0.0.0/8")],
            why="Checklist SPF-19: ip4 prefix shorter than /16 warns; the LAN range pasted in.",
        ),
        Case(
            "spf19-exactly-slash-16-and-slash-32",
            "spf",
            "northgate-telecom.net",
            site(
                "northgate-telecom.net",
                spf_record="v=spf1 ip4:185.12.0.0/16 ip6:2a02:c0::/32 -all",
            ),
            never=[N("SPF-19", ("warn", "fail"))],
            no_fail=True,
            why="Checklist SPF-19 warns for ip4 prefixes shorter than /16 and ip6 shorter than "
            "/32; a carrier's own allocation at exactly /16 and /32 is not. (Planted as SPF-19 "
            "warn to prove the harness fails.)",
        ),
        Case(
            "spf19-whole-ip6-allocation",
            "spf",
            "falkirk-render.com",
            site(
                "falkirk-render.com",
                spf_record="v=spf1 mx ip6:2a01:4f8::/29 -all",
            ),
            expect=[E("SPF-19", "warn", "2a01:4f8::/29")],
            why="Checklist SPF-19: ip6 prefix shorter than /32 warns; a hosting company's whole "
            "allocation authorises every customer of it.",
        ),
        Case(
            "spf19-provider-ranges-through-include",
            "spf",
            "winslow-partners.com",
            site(
                "winslow-partners.com",
                spf_record="v=spf1 include:spf.protection.outlook.com -all",
                more=OUTLOOK,
            ),
            never=[N("SPF-19", ("warn", "fail"))],
            no_fail=True,
            why="The /15s are Microsoft's own ranges in Microsoft's record; the owner publishes "
            "no range and can change none of them: not the owner's over-broad range.",
        ),
        # ============================================================ DKIM-04: v= first, DKIM1
        Case(
            "dkim04-lower-case-version",
            "dkim",
            "bexley-optics.com",
            key_site("bexley-optics.com", "s1", f"v=dkim1; k=rsa; p={K2048}"),
            selectors=("s1",),
            expect=[E("DKIM-04", "fail", "DKIM1")],
            why="RFC 6376 §3.2: values are case-sensitive unless the tag says otherwise; §3.6.1: "
            "v= MUST be 'DKIM1', and records whose v= has another value MUST be discarded.",
        ),
        Case(
            "dkim04-tags-sorted-v-last",
            "dkim",
            "marlowe-tutors.co.uk",
            key_site("marlowe-tutors.co.uk", "mail", f"h=sha256; k=rsa; p={K2048}; v=DKIM1"),
            selectors=("mail",),
            expect=[E("DKIM-04", "fail", "v=DKIM1")],
            why="§3.6.1: v=, if present, MUST be the first tag; a tool sorted the tags by name.",
        ),
        Case(
            "dkim04-split-inside-version",
            "dkim",
            "greenhithe-studio.com",
            key_site("greenhithe-studio.com", "k1", [["v=DK", f"IM1; k=rsa; p={K2048}"]]),
            selectors=("k1",),
            never=[N("DKIM-04", ("warn", "fail"))],
            no_fail=True,
            why="§3.6.2.2: the strings are joined with nothing between; 'v=DKIM1' is whole.",
        ),
        # ============================================================= DMARC-10: psd=
        Case(
            "dmarc10-psd-y-on-company",
            "dmarc",
            "hollins-bakery.co.uk",
            dmarc_site(
                "hollins-bakery.co.uk",
                f"v=DMARC1; p=reject; psd=y; {rua('hollins-bakery.co.uk')}",
            ),
            expect=[E("DMARC-10", "warn", "psd=y")],
            why="RFC 9989 §4.7: psd=y declares a Public Suffix Domain; on a registrable .co.uk "
            "company it makes every subdomain its own Org Domain (checklist DMARC-10 warn).",
        ),
        Case(
            "dmarc10-psd-n-on-org-domain",
            "dmarc",
            "kirkstall-law.com",
            dmarc_site(
                "kirkstall-law.com", f"v=DMARC1; p=reject; psd=n; {rua('kirkstall-law.com')}"
            ),
            expect=[E("DMARC-10", "info", "psd=n")],
            never=[N("DMARC-10", ("warn", "fail"))],
            no_fail=True,
            why="9989 §4.7, §4.10.2: psd=n on the Organizational Domain says what it is and stops "
            "the tree walk there; checklist DMARC-10: info. (Planted as DMARC-10 warn.)",
        ),
        Case(
            "dmarc10-psd-u-explicit",
            "dmarc",
            "sowerby-plumbing.com",
            dmarc_site(
                "sowerby-plumbing.com",
                f"v=DMARC1; p=quarantine; psd=u; {rua('sowerby-plumbing.com')}",
            ),
            never=[N("DMARC-10", ("warn", "fail")), N("DMARC-17", ("warn", "fail"))],
            no_fail=True,
            why="9989 §4.7: 'u' is the default, written out; nothing changes.",
        ),
        Case(
            "dmarc10-psd-yes",
            "dmarc",
            "eastwood-surgery.org",
            dmarc_site(
                "eastwood-surgery.org",
                f"v=DMARC1; p=reject; psd=yes; {rua('eastwood-surgery.org')}",
            ),
            expect=[E("*", "warn", "psd")],
            never=[N("DMARC-10", "pass")],
            why="9989 §4.7 ABNF: psd is 'y', 'n' or 'u'; 'yes' is a syntax error the receiver "
            "discards in favour of the default (checklist DMARC-17 warn).",
        ),
        # ========================================================== DMARC-11: rf, ri (removed)
        Case(
            "dmarc11-generator-defaults",
            "dmarc",
            "thornaby-haulage.com",
            dmarc_site(
                "thornaby-haulage.com",
                f"v=DMARC1; p=reject; {rua('thornaby-haulage.com')}; ri=86400; rf=afrf",
            ),
            expect=[E("DMARC-11", "info", "ri")],
            never=[N("DMARC-11", ("warn", "fail")), N("DMARC-17", ("warn", "fail"))],
            no_fail=True,
            why="7489 §6.3 defaults written out by a record generator; 9989 App. C.5.2 removed "
            "both tags (checklist DMARC-11 info).",
        ),
        Case(
            "dmarc11-hourly-ri",
            "dmarc",
            "cleethorpes-arcade.com",
            dmarc_site(
                "cleethorpes-arcade.com",
                f"v=DMARC1; p=quarantine; ri=3600; {rua('cleethorpes-arcade.com')}",
            ),
            expect=[E("DMARC-11", "info", "ri")],
            never=[N("DMARC-11", ("warn", "fail"))],
            why="7489 §6.3: ri is a request receivers may not honour beyond a day; 9989 "
            "removed it.",
        ),
        Case(
            "dmarc11-ri-with-unit",
            "dmarc",
            "barrowford-mills.com",
            dmarc_site(
                "barrowford-mills.com",
                f"v=DMARC1; p=reject; ri=1d; {rua('barrowford-mills.com')}",
            ),
            expect=[E("*", ("warn", "info"), "ri=1d")],
            never=[N("DMARC-11", "fail")],
            why="7489 §6.4 ABNF: ri = 1*DIGIT; '1d' is a syntax error receivers discard in favour "
            "of the default (checklist DMARC-17); 9989 ignores ri anyway.",
        ),
        # ================================================================= DMARC-15: ruf
        Case(
            "dmarc15-ruf-vendor-unauthorised",
            "dmarc",
            "ingleton-pharmacy.com",
            dmarc_site(
                "ingleton-pharmacy.com",
                f"v=DMARC1; p=quarantine; {rua('ingleton-pharmacy.com')}; "
                "ruf=mailto:ingleton@reports.valimetrics.net; fo=1",
                more=DMARC_VENDOR,
            ),
            expect=[
                E(
                    "DMARC-13",
                    "fail",
                    "ingleton-pharmacy.com._report._dmarc.reports.valimetrics.net",
                ),
                E("DMARC-15", "info", "ruf"),
            ],
            why="7489 §7.1: an external ruf needs <domain>._report._dmarc.<host> TXT 'v=DMARC1', "
            "else it MUST be ignored; failure reports carry content (checklist DMARC-15 info).",
        ),
        Case(
            "dmarc15-ruf-vendor-authorised-fo1",
            "dmarc",
            "settle-outdoor.com",
            dmarc_site(
                "settle-outdoor.com",
                f"v=DMARC1; p=reject; {rua('settle-outdoor.com')}; "
                "ruf=mailto:settle@reports.valimetrics.net; fo=1",
                more={
                    **DMARC_VENDOR,
                    ("settle-outdoor.com._report._dmarc.reports.valimetrics.net", "TXT"): [
                        "v=DMARC1"
                    ],
                },
            ),
            expect=[E("DMARC-15", "info", "ruf")],
            never=[N("DMARC-13", ("warn", "fail")), N("DMARC-14", ("warn", "fail"))],
            no_fail=True,
            why="7489 §7.1: authorised; fo=1 with ruf is well-formed (§6.3).",
        ),
        Case(
            "dmarc15-two-ruf-with-blank",
            "dmarc",
            "clitheroe-dental.com",
            dmarc_site(
                "clitheroe-dental.com",
                f"v=DMARC1; p=reject; {rua('clitheroe-dental.com')}; "
                "ruf=mailto:forensic@clitheroe-dental.com, mailto:security@clitheroe-dental.com",
            ),
            expect=[E("DMARC-15", "info", "ruf")],
            never=[N("DMARC-12", ("warn", "fail")), N("DMARC-17", ("warn", "fail"))],
            no_fail=True,
            why="7489 §6.4 ABNF: dmarc-uri *(*WSP ',' *WSP dmarc-uri): a blank after ',' is legal.",
        ),
        # ===================================================== TLSRPT-03: strings joined
        Case(
            "tlsrpt03-split-inside-address",
            "tlsrpt",
            "pickering-cider.com",
            tls_site(
                "pickering-cider.com",
                [["v=TLSRPTv1; rua=mailto:tls-rep", "orts@pickering-cider.com"]],
            ),
            never=[
                N("TLSRPT-06", ("warn", "fail")),
                N("TLSRPT-07", ("warn", "fail")),
                N("TLSRPT-10", ("warn", "fail")),
            ],
            never_words=("tls-rep orts",),
            no_fail=True,
            why="RFC 8460 §3: the strings are joined with nothing between; the address is whole.",
        ),
        Case(
            "tlsrpt03-split-inside-version",
            "tlsrpt",
            "malton-grain.co.uk",
            tls_site(
                "malton-grain.co.uk",
                [["v=TLS", "RPTv1; rua=mailto:tls-reports@malton-grain.co.uk"]],
            ),
            never=[N("TLSRPT-04", ("warn", "fail")), N("TLSRPT-02", ("warn", "fail"))],
            no_fail=True,
            why="§3: joined, the record begins 'v=TLSRPTv1;'.",
        ),
        Case(
            "tlsrpt03-strings-fused-without-comma",
            "tlsrpt",
            "helmsdale-fisheries.com",
            tls_site(
                "helmsdale-fisheries.com",
                [
                    [
                        "v=TLSRPTv1; rua=mailto:tls@helmsdale-fisheries.com",
                        "https://tlsrpt.reportwatch.io/v1/helmsdale",
                    ]
                ],
                more=TLS_VENDOR,
            ),
            expect=[
                E("*", ("warn", "fail"), "comhttps"),
                E(
                    "TLSRPT-06",
                    "fail",
                    "need a ','",
                    "rua=mailto:tls@helmsdale-fisheries.com,https://tlsrpt.reportwatch.io/v1/helmsdale",
                ),
            ],
            never=[N("TLSRPT-05", "pass")],
            why="§3: joined without a blank or ',', the two URIs become one: "
            "'mailto:tls@helmsdale-fisheries.comhttps://...', no usable address. The finding "
            "shows what receivers read.",
        ),
        # ================================================== TLSRPT-08: several rua tags
        Case(
            "tlsrpt08-two-mailto-tags",
            "tlsrpt",
            "ambleside-ferries.com",
            tls_site(
                "ambleside-ferries.com",
                "v=TLSRPTv1; rua=mailto:tls-reports@ambleside-ferries.com; "
                "rua=mailto:ambleside@tls.reportwatch.io",
                more=TLS_VENDOR,
            ),
            never=[
                N("TLSRPT-08", ("warn", "fail")),
                N("TLSRPT-02", ("warn", "fail")),
                N("TLSRPT-09", ("warn", "fail")),
            ],
            no_fail=True,
            why="§3 ABNF: tlsrpt-version 1*(field-delim tlsrpt-field); a second rua field is "
            "legal (checklist TLSRPT-08: info at most, never rejected).",
        ),
        Case(
            "tlsrpt08-list-and-another-tag",
            "tlsrpt",
            "kettlewell-inn.com",
            tls_site(
                "kettlewell-inn.com",
                "v=TLSRPTv1; rua=mailto:tls@kettlewell-inn.com,mailto:kettlewell@tls.reportwatch.io;"
                " rua=mailto:postmaster@kettlewell-inn.com",
                more=TLS_VENDOR,
            ),
            never=[N("TLSRPT-08", ("warn", "fail")), N("TLSRPT-07", ("warn", "fail"))],
            no_fail=True,
            why="§3: a ','-separated list in one rua and another rua tag are both legal.",
        ),
        Case(
            "tlsrpt08-second-tag-http",
            "tlsrpt",
            "grassington-crafts.com",
            tls_site(
                "grassington-crafts.com",
                "v=TLSRPTv1; rua=mailto:tls-reports@grassington-crafts.com; "
                "rua=http://reports.grassington-crafts.com/tlsrpt",
            ),
            expect=[E("TLSRPT-06", "warn", "http://reports.grassington-crafts.com/tlsrpt")],
            never=[N("TLSRPT-06", "fail"), N("TLSRPT-08", "fail")],
            why="§3: only mailto and https are supported; checklist TLSRPT-06 warns per "
            "unsupported URI when another is usable (the mailto in the first tag).",
        ),
        # =============================================== MTASTS-01: where the record sits
        Case(
            "mtasts01-cname-to-provider",
            "mtasts",
            "wensley-textiles.com",
            site(
                "wensley-textiles.com",
                more={
                    ("_mta-sts.wensley-textiles.com", "CNAME"): ["_mta-sts.stshost.net."],
                    ("_mta-sts.stshost.net", "TXT"): ["v=STSv1; id=20260815T0000"],
                    ("_smtp._tls.wensley-textiles.com", "TXT"): [
                        "v=TLSRPTv1; rua=mailto:tls-reports@wensley-textiles.com"
                    ],
                    ("mta-sts.wensley-textiles.com", "A"): ["192.0.2.13"],
                },
            ),
            files=good_policy("wensley-textiles.com"),
            expect=[E("MTASTS-01", "pass")],
            never=[N("MTASTS-01", ("info", "warn", "fail")), N("MTASTS-02", "fail")],
            no_fail=True,
            why="RFC 8461 §3.1 and §8.2: a CNAME at _mta-sts is followed; the provider's record "
            "is the domain's record.",
        ),
        Case(
            "mtasts01-subdomain-under-parent-policy",
            "mtasts",
            "shop.wharfedale-boots.com",
            site(
                "shop.wharfedale-boots.com",
                more={
                    ("_mta-sts.wharfedale-boots.com", "TXT"): ["v=STSv1; id=20260601"],
                    ("mta-sts.wharfedale-boots.com", "A"): ["192.0.2.13"],
                },
            ),
            expect=[E("MTASTS-01", "info", "_mta-sts.shop.wharfedale-boots.com")],
            never=[N("MTASTS-01", "pass")],
            why="§3.4: policies apply to the exact domain; the parent's record does not cover "
            "shop.<domain>.",
        ),
        Case(
            "mtasts01-servfail",
            "mtasts",
            "rydal-hydro.com",
            sts_site("rydal-hydro.com", "v=STSv1; id=20260601")
            | {("_mta-sts.rydal-hydro.com", "TXT"): "SERVFAIL"},
            files=good_policy("rydal-hydro.com"),
            expect=[E("MTASTS-01", ("error", "warn"))],
            never=[N("MTASTS-01", ("info", "pass"))],
            why="Checklist §0: a SERVFAIL is not 'record absent'; it is reported as indeterminate.",
        ),
        # ======================================= MTASTS-03: strings joined without blanks
        Case(
            "mtasts03-split-inside-id",
            "mtasts",
            "kirkby-tanners.com",
            sts_site("kirkby-tanners.com", [["v=STSv1; id=2026", "0601T120000"]]),
            files=good_policy("kirkby-tanners.com"),
            never=[N("MTASTS-05", ("warn", "fail")), N("MTASTS-03", ("warn", "fail"))],
            never_words=("2026 0601",),
            no_fail=True,
            why="RFC 8461 §3.1: strings are joined with nothing between; id=20260601T120000.",
        ),
        Case(
            "mtasts03-split-after-semicolon",
            "mtasts",
            "sedbergh-books.com",
            sts_site("sedbergh-books.com", [["v=STSv1;", "id=20260601"]]),
            files=good_policy("sedbergh-books.com"),
            never=[
                N("MTASTS-04", ("warn", "fail")),
                N("MTASTS-05", ("warn", "fail")),
                N("MTASTS-06", ("warn", "fail")),
            ],
            no_fail=True,
            why="§3.1: joined it reads 'v=STSv1;id=20260601'; field-delim = *WSP ';' *WSP.",
        ),
        Case(
            "mtasts03-two-records-not-two-strings",
            "mtasts",
            "dentdale-cheese.com",
            sts_site("dentdale-cheese.com", ["v=STSv1;", "id=20260601"]),
            files=good_policy("dentdale-cheese.com"),
            expect=[E("MTASTS-05", "fail", "'id=20260601'", "txt record of its own")],
            why="§3.1: two TXT records are not joined; 'id=...' alone is discarded and "
            "'v=STSv1;' has no id: syntactically invalid, no policy.",
        ),
        # ========================================================== MTASTS-07: extensions
        Case(
            "mtasts07-unknown-valid-extension",
            "mtasts",
            "burnsall-bridge.com",
            sts_site(
                "burnsall-bridge.com", "v=STSv1; id=20260601; ops.contact=noc@burnsall-bridge.com"
            ),
            files=good_policy("burnsall-bridge.com"),
            expect=[E("MTASTS-07", "info", "ops.contact")],
            never=[N("MTASTS-07", ("warn", "fail"))],
            no_fail=True,
            why="§3.1: sts-ext-name may hold '.', '-' and '_' after its first character, and "
            "'@' is in sts-ext-value; unknown valid fields SHALL be ignored (checklist "
            "MTASTS-07 info). (Planted as MTASTS-07 fail.)",
        ),
        Case(
            "mtasts07-comment-with-blanks",
            "mtasts",
            "hubberholme-inn.com",
            sts_site("hubberholme-inn.com", "v=STSv1; id=20260601; comment=rotated by ops"),
            files=good_policy("hubberholme-inn.com"),
            expect=[E("MTASTS-07", "fail", "comment")],
            why="§3.1: sts-ext-value is %x21-3A / %x3C / %x3E-7E; a blank is outside it and not "
            "a delimiter without ';' (checklist MTASTS-07 fail).",
        ),
        Case(
            "mtasts07-base64-padding",
            "mtasts",
            "arncliffe-farm.com",
            sts_site("arncliffe-farm.com", "v=STSv1; id=20260601; sig=YWJjZA=="),
            files=good_policy("arncliffe-farm.com"),
            expect=[E("MTASTS-07", "fail", "sig")],
            why="§3.1: '=' (%x3D) is outside sts-ext-value.",
        ),
        Case(
            "mtasts07-empty-value",
            "mtasts",
            "starbotton-forge.com",
            sts_site("starbotton-forge.com", "v=STSv1; id=20260601; note="),
            files=good_policy("starbotton-forge.com"),
            expect=[E("MTASTS-07", "fail", "note", "value is empty")],
            why="§3.1: sts-ext-value = 1*(...): an empty value is outside the grammar.",
        ),
        # ========================================================= MTASTS-08: US-ASCII only
        Case(
            "mtasts08-full-width-digits",
            "mtasts",
            "yokohama-trading.co.uk",
            sts_site("yokohama-trading.co.uk", "v=STSv1; id=\uff12\uff10\uff12\uff16\uff10\uff16"),
            files=good_policy("yokohama-trading.co.uk"),
            expect=[E("MTASTS-08", "fail")],
            why="§3.1: the record MUST be US-ASCII; an input method typed full-width digits.",
        ),
        Case(
            "mtasts08-no-break-space",
            "mtasts",
            "appletreewick-spa.com",
            sts_site("appletreewick-spa.com", "v=STSv1;\u00a0id=20260601"),
            files=good_policy("appletreewick-spa.com"),
            expect=[E("MTASTS-08", "fail")],
            why="§3.1: U+00A0 is not US-ASCII (and not WSP).",
        ),
        Case(
            "mtasts08-german-note-beside",
            "mtasts",
            "schaefer-logistik.de",
            sts_site(
                "schaefer-logistik.de",
                ["v=STSv1; id=20260601", "Geändert am 1. Juni von Jörg"],
            ),
            files=good_policy("schaefer-logistik.de"),
            never=[N("MTASTS-08", ("warn", "fail")), N("MTASTS-02", ("warn", "fail"))],
            no_fail=True,
            why="§3.1: records not beginning with 'v=STSv1;' are discarded first; the note is "
            "not the policy record.",
        ),
    ]


CASES = cases()


def run_case(case: Case) -> list[Finding]:
    """The module's findings."""
    # No policy served unless the case gives one; no mark certificates in this round.
    fetch = fake_fetch(case.files, no_mta_sts_policy, rest=TINY_PS)
    module = MODULES[case.module]
    return run_engine(
        module, case.domain, case.zone, fetch=fetch, probe=FakeProbe, dkim_selectors=case.selectors
    ).findings


def test_round_size_and_names() -> None:
    assert 45 <= len(CASES) <= 52, len(CASES)
    assert len({c.name for c in CASES}) == len(CASES)


# Where the round and the product still disagree, kept as a strict xfail with the reason.
GAPS: dict[str, str] = {}


def _param(case: Case) -> Any:
    reason = GAPS.get(case.name)
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(case, id=case.name, marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_blind_case(case: Case) -> None:
    findings = run_case(case)
    problems, shown = reading_problems(
        findings, case.expect, case.never, never_words=case.never_words, no_fail=case.no_fail
    )
    assert not problems, f"{case.name}: {problems}\nfindings:\n{shown}"
